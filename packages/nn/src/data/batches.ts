/** Minibatches gathered by index. */
import { Rng, Tensor, gather, noGrad } from '@adjoint/core';
import { asSamples, checkBoolean, checkInteger, checkSameRows, knownOptions, orDefault, range, rows, type TensorInput } from '../args';
import { DEFAULT_MAX_INDICES, checkIndexCount, checkRowCount, limitOption, seedOption } from './checks';

/** Options of {@link batches}. */
export interface BatchesOptions {
  /** Rows per batch (default 32); the last batch holds what is left unless `dropLast`. */
  batchSize?: number;
  /** Visit the rows in a seeded random order (default false). */
  shuffle?: boolean;
  /**
   * Seed of the shuffle (default 0), a whole number. The same seed gives the same order on every
   * call, so a loop of your own that wants a new order each epoch passes a new seed (`seed: epoch`).
   */
  seed?: number;
  /** Skip a last batch smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Most rows to batch (default 5·10⁷): the row indices take memory of their own. Raise it for larger data. */
  maxIndices?: number;
}

const BATCHES_OPTIONS = ['batchSize', 'shuffle', 'seed', 'dropLast', 'maxIndices'];

/** One minibatch: the rows of x (and y) at `indices`, in that order. */
export interface Batch {
  x: Tensor;
  y: Tensor | undefined;
  indices: number[];
}

/**
 * The rows of `x` (and `y`, kept paired) in batches of `batchSize`, gathered with core's `gather`.
 * The arguments are checked when `batches` is called, not when iteration starts.
 *
 * @throws ValueError for a batchSize that is not a positive integer, a seed that is not a whole
 * number, an unknown option, or more than `maxIndices` rows; ShapeError when x and y have different
 * row counts.
 *
 * @example
 * for (const { x: xb, y: yb } of batches(x, y, { batchSize: 16, shuffle: true, seed: 1 })) { … }
 */
export function batches(x: TensorInput, y?: TensorInput, options: BatchesOptions = {}): IterableIterator<Batch> {
  const op = 'batches';
  options = knownOptions(op, options, BATCHES_OPTIONS);
  const xs = asSamples(op, 'x', x);
  const ys = y === undefined ? undefined : asSamples(op, 'y', y);
  if (ys !== undefined) checkSameRows(op, xs, ys);
  const batchSize = checkInteger(op, 'batchSize', orDefault(options.batchSize, 32), 1);
  const shuffle = checkBoolean(op, 'shuffle', orDefault(options.shuffle, false));
  const dropLast = checkBoolean(op, 'dropLast', orDefault(options.dropLast, false));
  const seed = seedOption(op, options.seed);
  const n = rows(xs);
  checkRowCount(op, n);
  checkIndexCount(op, n, limitOption(op, 'maxIndices', options.maxIndices, DEFAULT_MAX_INDICES), `x has ${n} rows`);
  const order = shuffle ? new Rng(seed).permutation(n) : range(n);
  return generate(xs, ys, batchIndices(order, batchSize, dropLast));
}

function* generate(x: Tensor, y: Tensor | undefined, groups: number[][]): IterableIterator<Batch> {
  for (const indices of groups) {
    yield noGrad(() => ({ x: gather(x, indices), y: y === undefined ? undefined : gather(y, indices), indices }));
  }
}

/** `order` cut into consecutive groups of `batchSize` (the last may be smaller unless dropped). */
export function batchIndices(order: readonly number[], batchSize: number, dropLast = false): number[][] {
  const out: number[][] = [];
  for (let start = 0; start < order.length; start += batchSize) {
    const group = order.slice(start, start + batchSize);
    if (dropLast && group.length < batchSize) break;
    out.push(group);
  }
  return out;
}
