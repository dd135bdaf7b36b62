/** k-fold cross-validation index sets. */
import { Rng, ValueError } from '@adjoint/core';
import { checkBoolean, knownOptions, show, orDefault } from '../args';
import { DEFAULT_MAX_INDICES, checkIndexCount, checkRowCount, formatCount, limitOption, seedOption } from './checks';

/** One fold: the rows to train on and the rows to test on (disjoint, together all rows). */
export interface Fold {
  train: number[];
  test: number[];
}

/** Options of {@link kFold}. */
export interface KFoldOptions {
  /** Shuffle the rows before cutting them into folds (default true: data often comes sorted by class). */
  shuffle?: boolean;
  /** Seed of the shuffle (default 0): a whole number. */
  seed?: number;
  /**
   * Most row indices the folds may hold in all, k·n (default 5·10⁷, about 400 MB): a guard against
   * a count that would exhaust memory, which aborts the process. Raise it for larger data.
   */
  maxIndices?: number;
}

const KFOLD_OPTIONS = ['shuffle', 'seed', 'maxIndices'];

/**
 * Splits the row indices 0 … n−1 into `k` test folds that cover every row exactly once and differ in
 * size by at most one (the first n mod k folds get the extra row, as in scikit-learn's KFold). Fold i
 * tests on its rows and trains on all the others. Indices in each set are sorted ascending.
 *
 * @throws ValueError unless n is a positive integer and k an integer with 2 ≤ k ≤ n; for a seed that
 * is not a whole number, an unknown option, or folds of more than `maxIndices` indices in all.
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
  options = knownOptions(op, options, KFOLD_OPTIONS);
  return makeFolds(op, n, k, {
    shuffle: checkBoolean(op, 'shuffle', orDefault(options.shuffle, true)),
    seed: seedOption(op, options.seed),
    maxIndices: limitOption(op, 'maxIndices', options.maxIndices, DEFAULT_MAX_INDICES),
  });
}

/**
 * The folds of {@link kFold} for arguments already checked, with errors named after `op` (the
 * searches cut their folds with this). The size is checked first: every fold lists every row once,
 * so the folds hold k·n indices, and kFold(1e9, 2) must be refused before it allocates anything.
 */
export function makeFolds(op: string, n: number, k: number, settings: { shuffle: boolean; seed: number; maxIndices: number }): Fold[] {
  checkRowCount(op, n);
  checkIndexCount(op, k * n, settings.maxIndices, `${k} folds of ${n} rows hold ${formatCount(k * n)} row indices`);
  // Unshuffled, the order is the identity, which need not be listed.
  const order = settings.shuffle ? new Rng(settings.seed).permutation(n) : undefined;
  // foldOf[row] is the fold that tests the row: fold i takes the next base (+1 while i < n mod k)
  // rows of the order.
  const foldOf = new Int32Array(n);
  const base = Math.floor(n / k);
  const extra = n % k;
  const sizes: number[] = [];
  let start = 0;
  for (let i = 0; i < k; i++) {
    const size = base + (i < extra ? 1 : 0);
    for (let j = start; j < start + size; j++) foldOf[order === undefined ? j : order[j]!] = i;
    sizes.push(size);
    start += size;
  }
  return sizes.map((size, i) => foldRows(foldOf, i, size));
}

/** Fold `fold`'s test rows and the rest, both ascending, in arrays of their final length. */
function foldRows(foldOf: Int32Array, fold: number, testSize: number): Fold {
  const test = new Array<number>(testSize);
  const train = new Array<number>(foldOf.length - testSize);
  let t = 0;
  let r = 0;
  for (let row = 0; row < foldOf.length; row++) {
    if (foldOf[row] === fold) test[t++] = row;
    else train[r++] = row;
  }
  return { train, test };
}
