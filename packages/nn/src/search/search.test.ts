/** Hyperparameter search by k-fold cross-validation. */
import { Rng, ValueError, tensor, zeros, type Tensor } from '@adjoint/core';
import { Adam, Dense, Sequential, crossValidate, fit, gridSearch, mlp, randomSearch } from '@adjoint/nn';
import { TRAIN_OPTION_KEYS } from './cross-validate';
import { sampler } from './grid';

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

test('a log-scaled integer range gives each whole number k the log-uniform mass of [k − ½, k + ½], the ends included (Optuna\'s suggest_int(log=True))', () => {
  const draw = sampler('randomSearch', 'space.n', { min: 1, max: 3, integer: true, log: true }) as (rng: Rng) => number;
  const rng = new Rng(1);
  const counts = [0, 0, 0];
  const trials = 20_000;
  for (let i = 0; i < trials; i++) counts[draw(rng) - 1]!++;
  // (ln(k + ½) − ln(k − ½))/(ln 3.5 − ln 0.5) for k = 1, 2, 3; the frequencies' standard errors are below 0.0036.
  const mass = [1, 2, 3].map((k) => (Math.log(k + 0.5) - Math.log(k - 0.5)) / Math.log(7));
  counts.forEach((c, i) => expect(Math.abs(c / trials - mass[i]!)).toBeLessThan(0.012));
});

test('crossValidate: a fit option given as undefined is left out, so it cannot replace the fold seed or turn progress on', () => {
  const recipe = { build: ({ seed }: { seed: number }) => new Dense(2, 1, { seed }), x, y, k: 3, metric: 'mse' as const };
  const plain = crossValidate({ ...recipe, fitOptions: { ...fitOptions, optimizer: 'adam', lr: 0.1 } });
  const withUndefined = crossValidate({ ...recipe, fitOptions: { ...fitOptions, optimizer: 'adam', lr: 0.1, seed: undefined, progress: undefined } });
  expect(withUndefined.scores).toEqual(plain.scores);
  const seedZero = crossValidate({ ...recipe, fitOptions: { ...fitOptions, optimizer: 'adam', lr: 0.1, seed: 0 } });
  expect(seedZero.scores).not.toEqual(plain.scores);
});

test('crossValidate scores one recipe on every fold', () => {
  const result = crossValidate({ build: ({ seed }) => new Dense(2, 1, { seed }), x, y, k: 5, fitOptions: { ...fitOptions, optimizer: 'adam', lr: 0.1 }, metric: 'r2' });
  expect(result.scores).toHaveLength(5);
  expect(result.mean).toBeGreaterThan(0.9);
});

test('a model (or a layer) that build returned before is refused: its training would carry over into the next fold, whose held-out rows it has seen', () => {
  const fo = { ...fitOptions, optimizer: 'adam' as const, lr: 0.05 };
  const shared = new Dense(2, 1, { seed: 1 });
  expect(() => crossValidate({ build: () => shared, x, y, k: 3, fitOptions: fo })).toThrow(
    /^crossValidate: fold 1 of 3: build returned a model whose parameter 'weight' a previous fold trained; build a fresh model each time/,
  );
  const layer = new Dense(2, 1, { seed: 1 });
  expect(() => gridSearch({ grid: { a: [1, 2] }, build: () => new Sequential([layer]), x, y, k: 2, fitOptions: fo })).toThrow(
    /^gridSearch: candidate 0, fold 1 of 2: build returned a model whose parameter '0.weight' a previous fold trained/,
  );
  // A frozen layer shared by every fold is not trained, and may be shared.
  const frozen = new Dense(2, 2, { seed: 2 });
  for (const p of frozen.parameters()) p.requiresGrad = false;
  expect(crossValidate({ build: ({ seed }) => new Sequential([frozen, new Dense(2, 1, { seed })]), x, y, k: 2, fitOptions: fo }).scores).toHaveLength(2);
});

describe('hostile input', () => {
  const base = { x, y, k: 2, fitOptions: { ...fitOptions, epochs: 1, optimizer: 'sgd' as const } };
  const dense = () => new Dense(2, 1);
  let deep: unknown = [0];
  for (let i = 0; i < 100_000; i++) deep = [deep];

  test('a grid of 1000³ combinations is refused before anything is made; maxCandidates raises the limit', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i);
    expect(() => gridSearch({ ...base, grid: { a: values, b: values, c: values }, build: dense })).toThrow(
      /^gridSearch: the grid has 1000000000 combinations, more than maxCandidates = 100000 .*pass a larger \{ maxCandidates \}/,
    );
    expect(() => gridSearch({ ...base, grid: { a: [1, 2, 3] }, build: dense, maxCandidates: 2 })).toThrow(/the grid has 3 combinations, more than maxCandidates = 2/);
    const many = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`h${i}`, [1, 2]]));
    expect(() => gridSearch({ ...base, grid: many, build: dense })).toThrow(/the grid has more than 10³⁰⁸ combinations/);
    expect(gridSearch({ ...base, grid: { a: [1, 2] }, build: dense, maxCandidates: 2 }).results).toHaveLength(2);
    expect(() => randomSearch({ ...base, space: { a: [1] }, trials: 1e9, build: dense })).toThrow(/^randomSearch: trials is 1000000000, more than maxCandidates = 100000/);
    expect(() => gridSearch({ ...base, grid: { a: [1] }, build: dense, maxCandidates: 0 })).toThrow(/^gridSearch: maxCandidates must be a whole number ≥ 1 or Infinity/);
  });

  test('combinations are made from their index: many single-valued keys cost one object per combination', () => {
    const wide = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`h${i}`, [i]]));
    const seen: number[] = [];
    gridSearch({ ...base, grid: { ...wide, last: [7, 8] }, build: (p) => (seen.push((p as Record<string, number>).last!, (p as Record<string, number>).h99999!), dense()) });
    expect(seen).toEqual([7, 99999, 7, 99999, 8, 99999, 8, 99999]);
  });

  test('cross-validation checks the k·rows indices of its folds against maxIndices before training', () => {
    const big = zeros([100_000, 1]);
    const loo = { x: big, y: big, k: 100_000, fitOptions: base.fitOptions };
    expect(() => crossValidate({ ...loo, build: dense })).toThrow(/^crossValidate: 100000 folds of 100000 rows hold 10000000000 row indices, more than maxIndices = 50000000/);
    expect(() => gridSearch({ ...loo, grid: { a: [1] }, build: dense })).toThrow(/^gridSearch: 100000 folds of 100000 rows/);
    expect(() => crossValidate({ ...base, build: dense, maxIndices: 59 })).toThrow(/^crossValidate: 2 folds of 30 rows hold 60 row indices, more than maxIndices = 59/);
  });

  test('seeds must be whole numbers, named after the search', () => {
    for (const seed of [0.5, NaN, Infinity, '1', deep]) {
      expect(() => crossValidate({ ...base, build: dense, seed: seed as never })).toThrow(/^crossValidate: seed must be a whole number/);
      expect(() => gridSearch({ ...base, grid: { a: [1] }, build: dense, seed: seed as never })).toThrow(/^gridSearch: seed must be a whole number/);
      expect(() => randomSearch({ ...base, space: { a: [1] }, trials: 1, build: dense, seed: seed as never })).toThrow(/^randomSearch: seed must be a whole number/);
    }
  });

  test('unknown keys are refused at every level, before any training', () => {
    const build = jest.fn(dense);
    expect(() => gridSearch({ ...base, grid: { a: [1] }, build, folds: 3 } as never)).toThrow(/^gridSearch: unknown option 'folds'; the options are x, y, k, fitOptions, metric, mode, seed, maxIndices, grid, build, onResult, maxCandidates$/);
    expect(() => crossValidate({ ...base, build, grid: {} } as never)).toThrow(/^crossValidate: unknown option 'grid'/);
    expect(() => gridSearch({ ...base, fitOptions: { epoch: 3 } as never, grid: { a: [1] }, build })).toThrow(/^gridSearch: unknown key 'epoch' in fitOptions; the keys are loss, optimizer, lr, epochs/);
    expect(() => gridSearch({ ...base, fitOptions: 5 as never, grid: { a: [1] }, build })).toThrow(/^gridSearch: fitOptions must be an object/);
    expect(() => gridSearch({ ...base, metric: { name: 'm', fn: () => 1, mod: 'max' } as never, grid: { a: [1] }, build })).toThrow(/^gridSearch: unknown key 'mod' in metric; the keys are name, fn, mode$/);
    expect(() => gridSearch({ ...base, metric: 'acuracy' as never, mode: 'max', grid: { a: [1] }, build })).toThrow(/^gridSearch: unknown metric "acuracy"/);
    expect(() => randomSearch({ ...base, space: { lr: { min: 0, max: 1, lgo: true } as never }, trials: 1, build })).toThrow(/^randomSearch: unknown key 'lgo' in space.lr; the keys are min, max, log, integer$/);
    expect(() => randomSearch({ ...base, space: { lr: { min: 1, max: 2, log: 'yes' } as never }, trials: 1, build })).toThrow(/^randomSearch: space.lr.log must be true or false/);
    expect(() => gridSearch({ ...base, grid: { a: [1] }, build, onResult: 'log' as never })).toThrow(/^gridSearch: onResult must be a function/);
    expect(build).not.toHaveBeenCalled();
    // What build returns is checked like fitOptions.
    expect(() => gridSearch({ ...base, grid: { a: [1] }, build: () => ({ model: dense(), epoch: 2 }) as never })).toThrow(/^gridSearch: unknown key 'epoch' in build\(…\)/);
    expect(() => gridSearch({ ...base, grid: { a: [1] }, build: () => ({ model: dense(), x }) as never })).toThrow(/^gridSearch: build\(…\).x is not allowed/);
  });

  test("an error from training names the search, the candidate and the fold, keeping its class and cause", () => {
    let error: unknown;
    try {
      gridSearch({ ...base, grid: { a: [1, 2] }, build: (p) => (p.a === 2 ? new Dense(2, 1.5) : dense()) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValueError);
    expect((error as Error).message).toMatch(/^gridSearch: candidate 1, fold 0 of 2: Dense: /);
    expect((error as Error).cause).toBeInstanceOf(ValueError);
    expect(() => crossValidate({ ...base, fitOptions: { ...base.fitOptions, epochs: 0 }, build: dense })).toThrow(/^crossValidate: fold 0 of 2: fit: epochs must be an integer ≥ 1, got 0/);
    // The user's own errors pass through as they are.
    const mine = new RangeError('mine');
    expect(() => crossValidate({ ...base, build: () => { throw mine; } })).toThrow(mine);
  });

  test('space ranges: finite widths, whole numbers within ±2⁵³, wide integer ranges drawn without Rng.int', () => {
    const drawn: number[] = [];
    randomSearch({ ...base, space: { n: { min: 0, max: 1e15, integer: true } }, trials: 3, build: (p) => (drawn.push(p.n), dense()) });
    for (const n of drawn) expect(Number.isInteger(n) && n >= 0 && n <= 1e15).toBe(true);
    const refuse = (n: object) => () => randomSearch({ ...base, space: { n } as never, trials: 1, build: dense });
    expect(refuse({ min: -1e308, max: 1e308 })).toThrow(/^randomSearch: space.n must have finite min < max, got min -1e\+308 and max 1e\+308/);
    expect(refuse({ min: 0, max: 1e300, integer: true })).toThrow(/^randomSearch: space.n with integer: true needs min and max within ±2⁵³/);
    expect(refuse({ min: deep, max: 1 })).toThrow(/^randomSearch: space.n must have finite min < max, got min an array of length 1/);
    expect(() => randomSearch({ ...base, space: { ['a b'.repeat(100)]: [] }, trials: 1, build: dense })).toThrow(/^randomSearch: space\['a ba b.*…' \(300 characters\)\] is an empty list/);
  });

  test('deeply nested data is a clear error naming the search', () => {
    expect(() => gridSearch({ ...base, x: deep as never, grid: { a: [1] }, build: dense })).toThrow(/^gridSearch: x is not valid tensor data/);
  });

  test("the fit options the searches accept are fit's own, less the data", () => {
    let message = '';
    try {
      fit(new Dense(2, 1), { x, y, loss: 'mse', optimizer: 'sgd', notAnOption: 1 } as never);
    } catch (e) {
      message = (e as Error).message;
    }
    const listed = /the options are (.*)$/.exec(message)?.[1]?.split(', ') ?? [];
    expect([...TRAIN_OPTION_KEYS, 'x', 'y', 'validationData', 'validationSplit'].sort()).toEqual([...listed].sort());
  });
});
