/** Data utilities: trainTestSplit, kFold, the scalers and batches. */
import { ShapeError, Tensor, ValueError, tensor } from '@adjoint/core';
import { MinMaxScaler, StandardScaler, batches, kFold, trainTestSplit } from '@adjoint/nn';

const rowsOf = (t: Tensor): number[] => Array.from({ length: t.shape[0]! }, (_, i) => t.data[i * (t.size / t.shape[0]!)]!);

describe('trainTestSplit', () => {
  const x = tensor(Array.from({ length: 10 }, (_, i) => [i, 10 * i]));
  const y = tensor(Array.from({ length: 10 }, (_, i) => i));

  test('a seeded shuffle: rows stay paired, every row lands in exactly one set, and the test set is ceil(testSize·n)', () => {
    const [xTrain, xTest, yTrain, yTest] = trainTestSplit(x, y, { testSize: 0.25, seed: 3 });
    expect(xTest.shape).toEqual([3, 2]);
    expect(xTrain.shape).toEqual([7, 2]);
    expect(rowsOf(xTrain)).toEqual(Array.from(yTrain.data));
    expect(rowsOf(xTest)).toEqual(Array.from(yTest.data));
    expect([...yTrain.data, ...yTest.data].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const again = trainTestSplit(x, y, { testSize: 0.25, seed: 3 });
    expect(Array.from(again[3].data)).toEqual(Array.from(yTest.data));
    expect(Array.from(trainTestSplit(x, y, { testSize: 0.25, seed: 4 })[3].data)).not.toEqual(Array.from(yTest.data));
  });

  test('without shuffle the test set is the last rows; a whole-number testSize counts rows', () => {
    const [, xTest, yTrain, yTest] = trainTestSplit(x, y, { testSize: 2, shuffle: false });
    expect(Array.from(yTest.data)).toEqual([8, 9]);
    expect(Array.from(yTrain.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(xTest.toArray()).toEqual([[8, 80], [9, 90]]);
    expect(trainTestSplit([[1], [2], [3], [4]], [1, 2, 3, 4])[1].shape).toEqual([1, 1]);
  });

  test('bad arguments name the function and the value', () => {
    expect(() => trainTestSplit(x, y, { testSize: 0 })).toThrow(/trainTestSplit: testSize must be a fraction in \(0, 1\) or a whole number of rows ≥ 1, got 0/);
    expect(() => trainTestSplit(x, y, { testSize: 1.5 })).toThrow(ValueError);
    expect(() => trainTestSplit(x, y, { testSize: 10 })).toThrow(/testSize 10 gives 10 test row\(s\) out of 10; both sets need at least one row/);
    expect(() => trainTestSplit(x, [1, 2, 3])).toThrow(ShapeError);
    expect(() => trainTestSplit(x, [1, 2, 3])).toThrow(/trainTestSplit: x and y must have the same number of rows, got x \[10, 2\] \(10 rows\) and y \[3\] \(3 rows\)/);
    expect(() => trainTestSplit('abc' as never, y)).toThrow(/trainTestSplit: x must be a Tensor or nested arrays of numbers, got string abc/);
  });
});

describe('kFold', () => {
  test.each([[10, 3], [7, 7], [5, 2], [150, 10], [11, 4]])('n = %i, k = %i: tests cover every row once, folds differ in size by ≤ 1, train is the complement', (n, k) => {
    const folds = kFold(n, k, { seed: 1 });
    expect(folds).toHaveLength(k);
    const all = folds.flatMap((f) => f.test).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
    const sizes = folds.map((f) => f.test.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    for (const f of folds) {
      expect([...f.train, ...f.test].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(f.train).toEqual([...f.train].sort((a, b) => a - b));
    }
  });

  test('unshuffled folds are consecutive blocks, larger ones first; shuffled folds depend on the seed only', () => {
    expect(kFold(5, 2, { shuffle: false })).toEqual([{ train: [3, 4], test: [0, 1, 2] }, { train: [0, 1, 2], test: [3, 4] }]);
    expect(kFold(20, 4, { seed: 2 })).toEqual(kFold(20, 4, { seed: 2 }));
    expect(kFold(20, 4, { seed: 2 })).not.toEqual(kFold(20, 4, { seed: 3 }));
  });

  test('k must be in [2, n]', () => {
    expect(() => kFold(5, 1)).toThrow(/kFold: k must be an integer with 2 ≤ k ≤ n = 5, got 1/);
    expect(() => kFold(5, 6)).toThrow(/got 6/);
    expect(() => kFold(0, 2)).toThrow(/kFold: n must be a positive integer/);
    expect(() => kFold(5, 2.5)).toThrow(ValueError);
  });
});

describe('scalers', () => {
  const x = tensor([[1, 10, 7], [2, 20, 7], [3, 60, 7], [6, 30, 7]]);

  test('StandardScaler: zero mean and unit (population) variance per column; a constant column maps to 0, not NaN', () => {
    const scaler = new StandardScaler();
    const z = scaler.fitTransform(x);
    expect(Array.from(scaler.mean!.data)).toEqual([3, 30, 7]);
    expect(scaler.scale!.data[0]).toBeCloseTo(Math.sqrt(3.5), 14);
    expect(scaler.scale!.data[2]).toBe(1);
    const cols = [0, 1, 2].map((c) => [0, 1, 2, 3].map((r) => z.data[r * 3 + c]!));
    for (const col of cols.slice(0, 2)) {
      expect(col.reduce((a, b) => a + b) / 4).toBeCloseTo(0, 14);
      expect(col.reduce((a, b) => a + b * b, 0) / 4).toBeCloseTo(1, 14);
    }
    expect(cols[2]).toEqual([0, 0, 0, 0]);
    expect(z.data.every(Number.isFinite)).toBe(true);
  });

  test('a constant column whose mean is inexact in floating point still gets scale 1', () => {
    const z = new StandardScaler().fitTransform([[0.1], [0.1], [0.1]]);
    expect(Array.from(z.data)).toEqual([0, 0, 0]);
  });

  test('MinMaxScaler maps each column onto the range; a constant column maps to its lower end', () => {
    const scaler = new MinMaxScaler({ range: [-1, 1] });
    const z = scaler.fitTransform(x);
    expect(z.toArray()).toEqual([[-1, -1, -1], [-0.6, -0.6, -1], [-0.2, 1, -1], [1, -0.2, -1]].map((r) => r.map((v) => expect.closeTo(v, 14))));
    expect(Array.from(scaler.dataMin!.data)).toEqual([1, 10, 7]);
    expect(Array.from(scaler.dataRange!.data)).toEqual([5, 50, 1]);
  });

  test.each([['StandardScaler', () => new StandardScaler()], ['MinMaxScaler', () => new MinMaxScaler()]] as const)(
    '%s: inverseTransform undoes transform; new data is scaled with the training statistics',
    (_name, make) => {
      const scaler = make().fit(x);
      const other = tensor([[0, 0, 0], [100, -5, 7.5]]);
      const back = scaler.inverseTransform(scaler.transform(other));
      back.data.forEach((v, i) => expect(v).toBeCloseTo(other.data[i]!, 12));
      const vector = make().fit([1, 2, 3]);
      expect(vector.transform([2]).shape).toEqual([1]);
    },
  );

  test('misuse is reported', () => {
    expect(() => new StandardScaler().transform(x)).toThrow(/StandardScaler.transform: call fit first/);
    expect(() => new StandardScaler().fit(x).transform([[1, 2]])).toThrow(/feature shape \[3\] as in fit, got x \[1, 2\]/);
    expect(() => new MinMaxScaler().fit([[1], [NaN]])).toThrow(/MinMaxScaler.fit: x holds NaN at row 1, column 0/);
    expect(() => new MinMaxScaler({ range: [1, 0] })).toThrow(/range must be \[lo, hi\] with finite lo < hi/);
  });
});

describe('batches', () => {
  const x = tensor(Array.from({ length: 10 }, (_, i) => [i]));
  const y = tensor(Array.from({ length: 10 }, (_, i) => -i));

  test('in order, the last batch holding the rest; gathered rows keep x and y paired', () => {
    const got = [...batches(x, y, { batchSize: 4 })];
    expect(got.map((b) => b.indices)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(got[2]!.x.toArray()).toEqual([[8], [9]]);
    expect(Array.from(got[2]!.y!.data)).toEqual([-8, -9]);
    expect([...batches(x, undefined, { batchSize: 4, dropLast: true })].map((b) => b.x.shape[0])).toEqual([4, 4]);
  });

  test('shuffled batches visit every row once, in a seeded order', () => {
    const order = [...batches(x, y, { batchSize: 3, shuffle: true, seed: 5 })].flatMap((b) => b.indices);
    expect([...order].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(order).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...batches(x, y, { batchSize: 3, shuffle: true, seed: 5 })].flatMap((b) => b.indices)).toEqual(order);
  });

  test('arguments are checked when batches is called', () => {
    expect(() => batches(x, y, { batchSize: 0 })).toThrow(/batches: batchSize must be an integer ≥ 1, got 0/);
    expect(() => batches(x, y, { batchSize: 1.5 })).toThrow(ValueError);
    expect(() => batches(x, [1, 2])).toThrow(/batches: x and y must have the same number of rows/);
  });
});
