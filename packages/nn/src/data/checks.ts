/**
 * Argument checks of the data, metrics and search code, on top of those in ../args.ts: the size
 * limits that keep one number from asking for unbounded memory or time.
 */
import { ValueError, type Tensor } from '@adjoint/core';
import { quoteName, seedValue, show } from '../args';

/**
 * Default limit on the row indices that kFold, trainTestSplit, batches and the searches' folds build
 * in all. A JavaScript number array takes 8 bytes an entry on the heap, and running out of heap
 * aborts the process rather than throwing, so 5·10⁷ entries (about 400 MB, twice that at the peak)
 * stays well inside Node's default heap. Each of those functions takes `maxIndices` to raise it.
 */
export const DEFAULT_MAX_INDICES = 50_000_000;

/**
 * A member of an options object as a message names it, `grid.lr`; a key that is not a plain name
 * (or someone made enormous) in brackets and quotes, cut short.
 */
export function memberName(parent: string, key: string): string {
  return /^[A-Za-z_$][\w$]{0,59}$/.test(key) ? `${parent}.${key}` : `${parent}[${quoteName(key)}]`;
}

/**
 * A limit option such as `maxIndices`: `fallback` when left out, else a whole number ≥ 1 or
 * Infinity (no limit: the caller takes the risk of running out of memory).
 */
export function limitOption(op: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && (Number.isSafeInteger(value) || value === Infinity) && value >= 1) return value;
  throw new ValueError(`${op}: ${name} must be a whole number ≥ 1 or Infinity, got ${show(value)}`);
}

/**
 * Throws a ValueError, before anything is allocated, when `count` row indices exceed `maxIndices`,
 * saying how to raise the limit. `what` says where the count comes from ("x has 10 rows").
 */
export function checkIndexCount(op: string, count: number, maxIndices: number, what: string): void {
  if (count > maxIndices) {
    throw new ValueError(`${op}: ${what}, more than maxIndices = ${maxIndices} (a row index takes about 8 bytes); pass a larger { maxIndices } if the memory is there`);
  }
}

/** Most rows that indices can address: core's limit on a tensor's elements, 2³¹ − 1. */
export const MAX_ROWS = 2 ** 31 - 1;

/**
 * Throws a ValueError when `n` rows are more than {@link MAX_ROWS}. Only a tensor with empty rows,
 * such as one of shape [1e15, 0], holds that many; listing its rows would fail inside the engine
 * (an invalid array length) or exhaust memory, whatever maxIndices says.
 */
export function checkRowCount(op: string, n: number): void {
  if (n > MAX_ROWS) throw new ValueError(`${op}: ${formatCount(n)} rows are more than the ${MAX_ROWS} that row indices can address`);
}

/** A count for a message: exact while it is an integer a double holds exactly, else rounded. */
export function formatCount(n: number): string {
  if (n === Infinity) return 'more than 10³⁰⁸';
  return Number.isSafeInteger(n) ? String(n) : n.toPrecision(3);
}

/**
 * Number.isFinite and Number.isInteger, looked up once. Loops over user-sized data use these: in
 * jest's sandbox every lookup of a global such as Number or Math costs about half a microsecond
 * (5 s for a loop over 10⁷ values; plain Node does not mind), which would make the tests of large
 * inputs slow.
 */
export const isFiniteNumber = Number.isFinite;
export const isWholeNumber = Number.isInteger;

/** Position of the first NaN or ±∞ in `d`, or −1. */
export function firstNonFinite(d: Float64Array): number {
  for (let i = 0; i < d.length; i++) if (!isFiniteNumber(d[i]!)) return i;
  return -1;
}

/**
 * Throws a ValueError naming the first NaN or ±∞ in the rows of `t` (`name` in `op`'s words) and
 * where it is — its row, and its column (rank 2) or element (higher ranks) within the row —
 * followed by `remedy`.
 */
export function requireFiniteRows(op: string, name: string, t: Tensor, remedy: string): void {
  const bad = firstNonFinite(t.data);
  if (bad < 0) return;
  const perRow = t.size / t.shape[0]!;
  const within = t.rank === 1 ? '' : `, ${t.rank === 2 ? 'column' : 'element'} ${bad % perRow}`;
  throw new ValueError(`${op}: ${name} holds ${t.data[bad]} at row ${Math.floor(bad / perRow)}${within}; ${remedy}`);
}

/** A seed option: 0 when left out, else a whole number named after `op` (args.ts's seedValue). */
export function seedOption(op: string, value: unknown, name = 'seed'): number {
  return value === undefined ? 0 : seedValue(op, value, name);
}
