/** Data utilities: trainTestSplit, kFold, the scalers and batches. */
import { ShapeError, Tensor, ValueError, tensor, zeros } from '@adjoint/core';
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

  test('state() and fromState(): a scaler saved as JSON and rebuilt scales (and unscales) with the same bits', () => {
    const x = tensor([[1, 10, 5], [2, 30, 5], [4, 20, 5]]);
    const probe = tensor([[0.5, 25, 6], [3, -1, 5]]);
    const standard = new StandardScaler().fit(x);
    const minMax = new MinMaxScaler({ range: [-1, 1] }).fit(x);
    const standardAgain = StandardScaler.fromState(JSON.parse(JSON.stringify(standard.state())));
    const minMaxAgain = MinMaxScaler.fromState(JSON.parse(JSON.stringify(minMax.state())));
    for (const [a, b] of [[standard, standardAgain], [minMax, minMaxAgain]] as const) {
      expect(Array.from(b.transform(probe).data)).toEqual(Array.from(a.transform(probe).data));
      expect(Array.from(b.inverseTransform(probe).data)).toEqual(Array.from(a.inverseTransform(probe).data));
    }
    expect(minMaxAgain.state().range).toEqual([-1, 1]);
    expect(() => new StandardScaler().state()).toThrow('StandardScaler.state: call fit first');
    const good = standard.state();
    for (const bad of [null, { ...good, scale: [1, 0, 1] }, { ...good, offset: [1, 2] }, { ...good, features: [2.5] }, { ...good, offset: [NaN, 1, 1] }]) {
      expect(() => StandardScaler.fromState(bad as never)).toThrow(/^StandardScaler\.fromState: needs \{ features: a shape, offset: finite numbers, scale: finite numbers > 0, one per feature \}/);
    }
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

  test('StandardScaler handles columns near ±1.8e308, whose sums overflow, and round-trips them', () => {
    const big = 1.7e308;
    // Column 0 lies near the top of the doubles; column 1 spans both ends, so x − mean overflows.
    const rows = [[1e308, big], [1.5e308, big], [big, -big]];
    const scaler = new StandardScaler().fit(rows);
    const unit = 2 ** 1023;
    const reference = [0, 1].map((c) => {
      const col = rows.map((r) => r[c]! / unit);
      const mean = col.reduce((a, b) => a + b) / 3;
      const std = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / 3);
      return { mean: mean * unit, std: std * unit, z: col.map((v) => (v - mean) / std) };
    });
    reference.forEach(({ mean, std }, c) => {
      expect(scaler.mean!.data[c]! / mean).toBeCloseTo(1, 14);
      expect(scaler.scale!.data[c]! / std).toBeCloseTo(1, 14);
    });
    const z = scaler.transform(rows);
    expect(z.data.every(Number.isFinite)).toBe(true);
    rows.forEach((r, i) => r.forEach((_, c) => expect(z.data[i * 2 + c]).toBeCloseTo(reference[c]!.z[i]!, 13)));
    const back = scaler.inverseTransform(z);
    rows.forEach((r, i) => r.forEach((v, c) => expect(back.data[i * 2 + c]! / v).toBeCloseTo(1, 14)));
  });

  test('StandardScaler scales a column of tiny values, whose squares underflow, the same alone as beside a huge column', () => {
    const tiny = [[1e-170], [2e-170], [3e-170]];
    const alone = new StandardScaler().fit(tiny);
    const beside = new StandardScaler().fit(tiny.map(([v], i) => [v!, [1e308, 1.5e308, 1.7e308][i]!]));
    expect(alone.scale!.data[0]! / (Math.sqrt(2 / 3) * 1e-170)).toBeCloseTo(1, 14);
    expect(alone.scale!.data[0]).toBe(beside.scale!.data[0]);
    expect(Array.from(alone.transform(tiny).data).map((v) => v / Math.sqrt(1.5))).toEqual([-1, 0, 1].map((v) => expect.closeTo(v, 14)));
  });

  test('MinMaxScaler maps values far outside the fitted range without overflowing, and back', () => {
    const scaler = new MinMaxScaler().fit([[1e308], [1.7e308]]);
    const z = scaler.transform([[-1.7e308]]).data[0]!;
    expect(z).toBeCloseTo(-2.7 / 0.7, 13);
    expect(scaler.inverseTransform([[z]]).data[0]! / -1.7e308).toBeCloseTo(1, 13);
    const wide = new MinMaxScaler().fit([[-1e308], [0.5e308]]);
    expect(wide.inverseTransform([[1.5]]).data[0]! / 1.25e308).toBeCloseTo(1, 13);
  });

  test('MinMaxScaler refuses a column whose range is larger than the largest double, rather than map it all to one end', () => {
    expect(() => new MinMaxScaler().fit([[1, -1.7e308], [2, 1.7e308]]))
      .toThrow('MinMaxScaler.fit: column 1 runs from -1.7e+308 to 1.7e+308, a range larger than the largest double; scale it down first (StandardScaler handles such columns)');
    const near = new MinMaxScaler().fit([[1.7e308], [1.6e308]]); // near the top, with a finite range: fine
    expect(Array.from(near.transform([[1.65e308]]).data)[0]).toBeCloseTo(0.5, 12);
  });

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

describe('hostile input: sizes, seeds and options', () => {
  const x = tensor([[1], [2], [3], [4]]);
  let deep: unknown = [0];
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const huge = new Array(10_000_000).fill(1);

  test('kFold checks the k·n indices of its folds before allocating any; maxIndices raises the limit', () => {
    expect(() => kFold(1e9, 2)).toThrow(ValueError);
    expect(() => kFold(1e9, 2)).toThrow(/kFold: 2 folds of 1000000000 rows hold 2000000000 row indices, more than maxIndices = 50000000 .*pass a larger \{ maxIndices \}/);
    expect(() => kFold(1e5, 1e5)).toThrow(/kFold: 100000 folds of 100000 rows hold 10000000000 row indices/);
    expect(kFold(4, 2, { maxIndices: 8 })).toHaveLength(2);
    expect(() => kFold(4, 2, { maxIndices: 7 })).toThrow(/more than maxIndices = 7/);
    for (const bad of [0, 1.5, NaN, -1, '8', deep]) expect(() => kFold(4, 2, { maxIndices: bad as never })).toThrow(/kFold: maxIndices must be a whole number ≥ 1 or Infinity/);
    expect(() => kFold(2 ** 31, 2, { maxIndices: Infinity })).toThrow(/kFold: 2147483648 rows are more than the 2147483647 that row indices can address/);
  });

  test('kFold gives 10⁷ rows their folds', () => {
    const folds = kFold(10_000_000, 2, { shuffle: false });
    expect(folds.map((f) => [f.train.length, f.test.length])).toEqual([[5_000_000, 5_000_000], [5_000_000, 5_000_000]]);
    expect([folds[0]!.test[4_999_999], folds[0]!.train[0], folds[1]!.test[0]]).toEqual([4_999_999, 5_000_000, 5_000_000]);
  });

  test('the folds are those of the earlier implementation, for the same seed', () => {
    expect(kFold(6, 3, { seed: 1 })).toEqual([{ train: [1, 2, 3, 5], test: [0, 4] }, { train: [0, 1, 2, 4], test: [3, 5] }, { train: [0, 3, 4, 5], test: [1, 2] }]);
  });

  test('trainTestSplit and batches refuse more rows than maxIndices before listing them (rows of width 0 cost nothing to make)', () => {
    const empty = zeros([1e9, 0]);
    expect(() => trainTestSplit(empty, empty)).toThrow(/trainTestSplit: x has 1000000000 rows, more than maxIndices = 50000000/);
    expect(() => batches(empty)).toThrow(/batches: x has 1000000000 rows, more than maxIndices = 50000000/);
    // A tensor of more rows than an index list can hold cannot be made at all, even of width 0.
    expect(() => zeros([1e15, 0])).toThrow(/^zeros: shape \[1000000000000000, 0\]: dimension 1000000000000000 is more than the 2147483647/);
    expect(trainTestSplit(x, x, { maxIndices: 4 })[1].shape).toEqual([1, 1]);
    expect(() => batches(x, undefined, { maxIndices: 3 })).toThrow(/batches: x has 4 rows, more than maxIndices = 3/);
  });

  test.each([
    ['kFold', (seed: unknown) => kFold(4, 2, { seed } as never)],
    ['trainTestSplit', (seed: unknown) => trainTestSplit(x, x, { seed } as never)],
    ['batches', (seed: unknown) => batches(x, undefined, { shuffle: true, seed } as never)],
  ] as const)('%s: a seed must be a whole number, and the message names the function', (name, call) => {
    for (const seed of [0.5, NaN, Infinity, -Infinity, 2 ** 60, '1', null, deep, huge]) {
      expect(() => call(seed)).toThrow(ValueError);
      expect(() => call(seed)).toThrow(new RegExp(`^${name}: seed must be a whole number`));
    }
    expect(() => call(-3)).not.toThrow();
  });

  test('unknown options are refused, naming the function and the known options', () => {
    expect(() => kFold(4, 2, { sead: 1 } as never)).toThrow(/^kFold: unknown option 'sead'; the options are shuffle, seed, maxIndices$/);
    expect(() => trainTestSplit(x, x, { test_size: 0.5 } as never)).toThrow(/^trainTestSplit: unknown option 'test_size'; the options are testSize, seed, shuffle, maxIndices$/);
    expect(() => batches(x, undefined, { batch_size: 2 } as never)).toThrow(/^batches: unknown option 'batch_size'/);
    expect(() => new MinMaxScaler({ rnage: [0, 1] } as never)).toThrow(/^MinMaxScaler: unknown option 'rnage'; the options are range$/);
  });

  test("MinMaxScaler's range is checked without a TypeError, whatever it is", () => {
    for (const range of [5, [0], [0, 1, 2], [0n, 1], [-1e308, 1e308], [0, Infinity], [NaN, 1], deep, huge, 'ab']) {
      expect(() => new MinMaxScaler({ range } as never)).toThrow(/^MinMaxScaler: range must be \[lo, hi\] with finite lo < hi, got /);
    }
    const circular: unknown[] = [0];
    circular.push(circular);
    expect(() => new MinMaxScaler({ range: circular } as never)).toThrow(/got \[0, an array of length 2\]/);
  });

  test('deeply nested or huge data is a clear error or a result, never a stack overflow', () => {
    expect(() => trainTestSplit(deep as never, x)).toThrow(/^trainTestSplit: x is not valid tensor data/);
    expect(() => batches(x, deep as never)).toThrow(/^batches: y is not valid tensor data/);
    expect(() => new StandardScaler().fit(deep as never)).toThrow(/^StandardScaler.fit: x is not valid tensor data/);
    expect(new StandardScaler().fit(new Float64Array(10_000_000)).transform([3]).data[0]).toBe(3);
  });
});
