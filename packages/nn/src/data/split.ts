/** Holding out a test set: the first thing to do with data, before any fitting or scaling. */
import { Rng, Tensor, ValueError, gather, noGrad } from '@adjoint/core';
import { asSamples, checkBoolean, checkSameRows, knownOptions, range, rows, show, type TensorInput, orDefault } from '../args';
import { DEFAULT_MAX_INDICES, checkIndexCount, checkRowCount, limitOption, seedOption } from './checks';

/** Options of {@link trainTestSplit}. */
export interface TrainTestSplitOptions {
  /**
   * The test set: a fraction in (0, 1) of the rows, rounded up (so it is never empty), or a whole
   * number of rows ≥ 1 (default 0.25). Note that `1` means one row.
   */
  testSize?: number;
  /** Seed of the shuffle (default 0), a whole number: the same seed gives the same split on every machine. */
  seed?: number;
  /** Shuffle before splitting (default true); without it the test set is the last rows. */
  shuffle?: boolean;
  /** Most rows to split (default 5·10⁷): the row indices take memory of their own. Raise it for larger data. */
  maxIndices?: number;
}

const SPLIT_OPTIONS = ['testSize', 'seed', 'shuffle', 'maxIndices'];

/**
 * Splits samples into a training and a test set, rows of `x` and `y` staying paired.
 *
 * With `shuffle` (the default) the rows are permuted by a generator seeded with `seed` and the test
 * set is the first `nTest` of the permutation; without it, the test set is the last `nTest` rows in
 * their original order.
 *
 * @returns `[xTrain, xTest, yTrain, yTest]` (the order of scikit-learn's train_test_split).
 * @throws ValueError for a bad testSize or seed, an unknown option, or more than `maxIndices` rows;
 * ShapeError when x and y have different row counts.
 *
 * @example
 * const [xTrain, xTest, yTrain, yTest] = trainTestSplit(x, y, { testSize: 0.2, seed: 1 });
 */
export function trainTestSplit(x: TensorInput, y: TensorInput, options: TrainTestSplitOptions = {}): [Tensor, Tensor, Tensor, Tensor] {
  const op = 'trainTestSplit';
  options = knownOptions(op, options, SPLIT_OPTIONS);
  const xs = asSamples(op, 'x', x);
  const ys = asSamples(op, 'y', y);
  checkSameRows(op, xs, ys);
  const n = rows(xs);
  const nTest = testCount(op, orDefault(options.testSize, 0.25), n);
  const shuffle = checkBoolean(op, 'shuffle', orDefault(options.shuffle, true));
  const seed = seedOption(op, options.seed);
  checkRowCount(op, n);
  checkIndexCount(op, n, limitOption(op, 'maxIndices', options.maxIndices, DEFAULT_MAX_INDICES), `x has ${n} rows`);
  const order = shuffle ? new Rng(seed).permutation(n) : range(n);
  // Unshuffled: train first, test last, as the data came.
  const test = shuffle ? order.slice(0, nTest) : order.slice(n - nTest);
  const train = shuffle ? order.slice(nTest) : order.slice(0, n - nTest);
  return noGrad(() => [gather(xs, train), gather(xs, test), gather(ys, train), gather(ys, test)]);
}

/** Number of test rows for a fraction or a count, leaving at least one row on each side. */
export function testCount(op: string, testSize: unknown, n: number, name = 'testSize'): number {
  if (typeof testSize !== 'number' || !Number.isFinite(testSize) || testSize <= 0) {
    throw new ValueError(`${op}: ${name} must be a fraction in (0, 1) or a whole number of rows ≥ 1, got ${show(testSize)}`);
  }
  let count: number;
  if (testSize < 1) count = Math.ceil(testSize * n);
  else if (Number.isInteger(testSize)) count = testSize;
  else throw new ValueError(`${op}: ${name} must be a fraction in (0, 1) or a whole number of rows ≥ 1, got ${testSize}`);
  if (count < 1 || count >= n) {
    throw new ValueError(`${op}: ${name} ${testSize} gives ${count} test row(s) out of ${n}; both sets need at least one row`);
  }
  return count;
}
