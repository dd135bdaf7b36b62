/**
 * Argument checks shared by the data, metrics and search code, on top of those in ../args.ts:
 * options objects that refuse unknown keys, seeds, and the size limits that keep one number from
 * asking for unbounded memory or time. They belong in ../args.ts; they were written here while
 * that file was being changed by other work, and can move there as they are.
 */
import { ValueError, requireChoice, requireFinite, requireOptions, requireSeed } from '@adjoint/core';
import { show } from '../args';

/**
 * Default limit on the row indices that kFold, trainTestSplit, batches and the searches' folds build
 * in all. A JavaScript number array takes 8 bytes an entry on the heap, and running out of heap
 * aborts the process rather than throwing, so 5·10⁷ entries (about 400 MB, twice that at the peak)
 * stays well inside Node's default heap. Each of those functions takes `maxIndices` to raise it.
 */
export const DEFAULT_MAX_INDICES = 50_000_000;

/**
 * `options` checked: an object (or undefined, meaning `{}`) holding no key outside `known`, so that
 * a misspelt option is reported instead of silently left at its default. The message follows fit's:
 * "kFold: unknown option 'sead'; the options are shuffle, seed, maxIndices".
 */
export function knownOptions<T extends object>(op: string, options: T | undefined, known: readonly string[]): T {
  const checked = requireOptions(op, options);
  rejectUnknownKeys(op, checked, known, 'option', '');
  return checked;
}

/**
 * A nested options object (such as `space.lr` in randomSearch) checked like the top level: an
 * object, with no key outside `known`.
 */
export function knownNestedOptions<T extends object>(op: string, where: string, value: unknown, known: readonly string[]): T {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValueError(`${op}: ${where} must be an object with keys ${known.join(', ')}, got ${show(value)}`);
  }
  rejectUnknownKeys(op, value, known, 'key', ` in ${where}`);
  return value as T;
}

function rejectUnknownKeys(op: string, value: object, known: readonly string[], noun: string, where: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new ValueError(`${op}: unknown ${noun} ${quoteKey(key)}${where}; the ${noun}s are ${known.join(', ')}`);
  }
}

/**
 * A member of an options object as a message names it, `grid.lr`; a key that is not a plain name
 * (or someone made enormous) in brackets and quotes, cut short.
 */
export function memberName(parent: string, key: string): string {
  return /^[A-Za-z_$][\w$]{0,59}$/.test(key) ? `${parent}.${key}` : `${parent}[${quoteKey(key)}]`;
}

/** A key as it appears in a message: quoted, and cut short if someone made it enormous. */
function quoteKey(key: string): string {
  return key.length > 60 ? `'${key.slice(0, 60)}…' (${key.length} characters)` : `'${key}'`;
}

/**
 * A seed option: 0 when left out, else a whole number (core's requireSeed), named after `op`. Only
 * numbers reach requireSeed: core describes any other value by printing it in full, recursively,
 * which overflows the call stack for deeply nested arrays; show describes them by their length.
 */
export function seedOption(op: string, value: unknown, name = 'seed'): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number') throw new ValueError(`${op}: ${name} must be a whole number between −2⁵³ and 2⁵³, got ${show(value)}`);
  return requireSeed(op, value, name);
}

/** core's requireFinite, with non-numbers described safely (see {@link seedOption}). */
export function finiteOption(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number') throw new ValueError(`${op}: ${name} must be a finite number, got ${show(value)}`);
  return requireFinite(op, name, value);
}

/** core's requireChoice, with values other than strings described safely (see {@link seedOption}). */
export function choiceOption<const C extends string>(op: string, name: string, value: unknown, choices: readonly C[]): C {
  if (typeof value !== 'string') {
    throw new ValueError(`${op}: ${name} must be ${choices.map((c) => `'${c}'`).join(' or ')}, got ${show(value)}`);
  }
  return requireChoice(op, name, value, choices);
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
