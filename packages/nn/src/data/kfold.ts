/** k-fold cross-validation index sets. */
import { Rng, ValueError, requireOptions, requireFinite } from '@adjoint/core';
import { checkBoolean, range, show } from '../args';

/** One fold: the rows to train on and the rows to test on (disjoint, together all rows). */
export interface Fold {
  train: number[];
  test: number[];
}

/** Options of {@link kFold}. */
export interface KFoldOptions {
  /** Shuffle the rows before cutting them into folds (default true: data often comes sorted by class). */
  shuffle?: boolean;
  /** Seed of the shuffle (default 0). */
  seed?: number;
}

/**
 * Splits the row indices 0 … n−1 into `k` test folds that cover every row exactly once and differ in
 * size by at most one (the first n mod k folds get the extra row, as in scikit-learn's KFold). Fold i
 * tests on its rows and trains on all the others. Indices in each set are sorted ascending.
 *
 * @throws ValueError unless n is a positive integer and k an integer with 2 ≤ k ≤ n.
 *
 * @example
 * kFold(5, 2, { shuffle: false }); // [{train: [3, 4], test: [0, 1, 2]}, {train: [0, 1, 2], test: [3, 4]}]
 */
export function kFold(n: number, k: number, options: KFoldOptions = {}): Fold[] {
  const op = 'kFold';
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new ValueError(`${op}: n must be a positive integer (the number of rows), got ${show(n)}`);
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 2 || k > n) {
    throw new ValueError(`${op}: k must be an integer with 2 ≤ k ≤ n = ${n}, got ${show(k)}`);
  }
  options = requireOptions(op, options);
  const shuffle = checkBoolean(op, 'shuffle', options.shuffle ?? true);
  const order = shuffle ? new Rng(requireFinite(op, 'seed', options.seed ?? 0)).permutation(n) : range(n);
  const base = Math.floor(n / k);
  const extra = n % k;
  const folds: Fold[] = [];
  let start = 0;
  for (let i = 0; i < k; i++) {
    const size = base + (i < extra ? 1 : 0);
    const inTest = new Uint8Array(n);
    for (const j of order.slice(start, start + size)) inTest[j] = 1;
    const test: number[] = [];
    const train: number[] = [];
    for (let j = 0; j < n; j++) (inTest[j] ? test : train).push(j);
    folds.push({ train, test });
    start += size;
  }
  return folds;
}
