/** Hyperparameter search by k-fold cross-validation. */
import { Rng, tensor, type Tensor } from '@adjoint/core';
import { Adam, Dense, crossValidate, gridSearch, mlp, randomSearch } from '@adjoint/nn';

// y = 2·x0 − x1 + 0.5 with a little noise: a single Dense layer can fit it.
const rng = new Rng(11);
const rows = Array.from({ length: 30 }, () => [rng.uniform(-1, 1), rng.uniform(-1, 1)]);
const x = tensor(rows);
const y = tensor(rows.map(([a, b]) => [2 * a! - b! + 0.5 + 0.01 * rng.normal()]));
const fitOptions = { loss: 'mse' as const, epochs: 15, batchSize: 8 };

describe('gridSearch', () => {
  test('picks the better of two obviously different learning rates, ranking every combination', () => {
    const built: number[] = [];
    const result = gridSearch({
      grid: { lr: [1e-5, 0.1], bias: [true] },
      build: ({ lr, bias }, { seed }) => {
        built.push(lr);
        const model = new Dense(2, 1, { bias, seed });
        return { model, optimizer: new Adam(model.parameters(), { lr }) };
      },
      x, y, k: 3, fitOptions, seed: 1,
    });
    expect(built).toEqual([1e-5, 1e-5, 1e-5, 0.1, 0.1, 0.1]);
    expect(result.best.params).toEqual({ lr: 0.1, bias: true });
    expect(result.results.map((r) => r.params.lr)).toEqual([0.1, 1e-5]);
    expect(result.metric).toBe('loss');
    expect(result.mode).toBe('min');
    const { scores, mean, std } = result.best;
    expect(scores).toHaveLength(3);
    expect(mean).toBeCloseTo(scores.reduce((a, b) => a + b) / 3, 14);
    expect(std).toBeCloseTo(Math.sqrt(scores.reduce((a, s) => a + (s - mean) ** 2, 0) / 3), 14);
    expect(result.best.mean).toBeLessThan(result.results[1]!.mean / 10);
  });

  test('a maximised metric ranks highest first; an optimizer given by name is rebuilt per fold; combinations vary the last key fastest', () => {
    const order: string[] = [];
    const result = gridSearch({
      grid: { lr: [0.001, 0.1], hidden: [2, 4] },
      build: ({ lr, hidden }, { seed }) => (order.push(`${lr}/${hidden}`), { model: mlp([2, hidden, 1], { activation: 'tanh', seed }), lr }),
      x, y, k: 2, fitOptions: { ...fitOptions, optimizer: 'adam' }, metric: 'r2', seed: 2,
      onResult: (entry, i, total) => expect([i < total, entry.scores.length]).toEqual([true, 2]),
    });
    expect([...new Set(order)]).toEqual(['0.001/2', '0.001/4', '0.1/2', '0.1/4']);
    expect(result.mode).toBe('max');
    const means = result.results.map((r) => r.mean);
    expect(means).toEqual([...means].sort((a, b) => b - a));
    expect(result.best.params.lr).toBe(0.1);
  });

  test('misuse is reported clearly', () => {
    const base = { x, y, k: 3, fitOptions: { ...fitOptions, optimizer: 'sgd' as const } };
    expect(() => gridSearch({ ...base, grid: { lr: [] }, build: () => new Dense(2, 1) })).toThrow(/gridSearch: grid.lr must be a non-empty list of values/);
    expect(() => gridSearch({ ...base, grid: { lr: [0.1] }, build: () => ({}) as never })).toThrow(/build must return a Module or \{model, ...fitOptions\}/);
    expect(() => gridSearch({ ...base, k: 31, grid: { lr: [0.1] }, build: () => new Dense(2, 1) })).toThrow(/k must be at most the number of rows \(30\), got 31/);
    expect(() => gridSearch({ ...base, fitOptions: { x } as never, grid: { a: [1] }, build: () => new Dense(2, 1) })).toThrow(/fitOptions.x is not allowed/);
    expect(() => gridSearch({ ...base, metric: (t: Tensor) => t.size, grid: { a: [1] }, build: () => new Dense(2, 1) })).toThrow(/give mode 'min' or 'max'/);
    // An optimizer instance shared across folds would train another fold's model.
    const shared = new Dense(2, 1);
    const opt = new Adam(shared.parameters());
    expect(() => gridSearch({ ...base, fitOptions: { ...fitOptions, optimizer: opt }, grid: { a: [1] }, build: () => new Dense(2, 1) })).toThrow(/updates none of the model's parameters/);
  });
});

test('randomSearch draws seeded candidates from lists, ranges and functions', () => {
  const run = () =>
    randomSearch({
      space: { lr: { min: 1e-3, max: 1e-1, log: true }, hidden: [2, 3], width: { min: 1, max: 4, integer: true }, tag: (r: Rng) => r.int(0, 100) },
      trials: 3,
      build: ({ lr, hidden }, { seed }) => ({ model: mlp([2, hidden, 1], { seed }), optimizer: 'adam', lr }),
      x, y, k: 2, fitOptions: { ...fitOptions, epochs: 3 }, seed: 7,
    });
  const a = run();
  expect(a.results).toHaveLength(3);
  for (const { params } of a.results) {
    expect(params.lr).toBeGreaterThanOrEqual(1e-3);
    expect(params.lr).toBeLessThan(1e-1);
    expect([2, 3]).toContain(params.hidden);
    expect([1, 2, 3, 4]).toContain(params.width);
    expect(Number.isInteger(params.tag)).toBe(true);
  }
  expect(run()).toEqual(a);
  expect(() => randomSearch({ space: { lr: { min: 0, max: 1, log: true } }, trials: 1, build: () => new Dense(2, 1), x, y })).toThrow(
    /randomSearch: space.lr must have finite min < max and min > 0 for log/,
  );
});

test('crossValidate scores one recipe on every fold', () => {
  const result = crossValidate({ build: ({ seed }) => new Dense(2, 1, { seed }), x, y, k: 5, fitOptions: { ...fitOptions, optimizer: 'adam', lr: 0.1 }, metric: 'r2' });
  expect(result.scores).toHaveLength(5);
  expect(result.mean).toBeGreaterThan(0.9);
});
