/**
 * Argument checks shared by the training, data, metrics, search and io code: each throws a
 * ValueError (or ShapeError) whose message starts with the public function's name and shows the
 * offending value, so a mistake is reported where the user made it rather than deep in an op.
 * Checks core has too (options objects, finite numbers, choices, indices) come from core:
 * requireOptions, requireFinite, requireChoice, requireIndicesBelow.
 */
import { MAX_SIZE, Rng, ShapeError, Tensor, ValueError, formatShape, isTensor, requireChoice, requireFinite, requireOptions, requireSeed, tensor, type NestedArray } from '@adjoint/core';
import { describe } from './module';

/** Data accepted wherever a tensor of samples is expected: a tensor, nested arrays, or flat data. */
export type TensorInput = Tensor | NestedArray | Float64Array;

/** `value` as a tensor (tensors are used as they are, not copied). */
export function asTensor(op: string, name: string, value: unknown): Tensor {
  if (isTensor(value)) return value;
  if (typeof value === 'number' || Array.isArray(value) || value instanceof Float64Array) {
    try {
      return tensor(value as NestedArray | Float64Array);
    } catch (e) {
      throw new ValueError(`${op}: ${name} is not valid tensor data: ${(e as Error).message}`);
    }
  }
  throw new ValueError(`${op}: ${name} must be a Tensor or nested arrays of numbers, got ${describe(value)}`);
}

/** `value` as a tensor with at least one axis: its first axis counts the samples. */
export function asSamples(op: string, name: string, value: unknown): Tensor {
  const t = asTensor(op, name, value);
  if (t.rank === 0) throw new ShapeError(`${op}: ${name} needs a sample axis, got a scalar`);
  return t;
}

/** Number of samples (rows) of a tensor. */
export function rows(t: Tensor): number {
  return t.shape[0]!;
}

/** @throws ShapeError unless x and y hold the same number of samples. */
export function checkSameRows(op: string, x: Tensor, y: Tensor, xName = 'x', yName = 'y'): void {
  if (rows(x) !== rows(y)) {
    throw new ShapeError(`${op}: ${xName} and ${yName} must have the same number of rows, got ${xName} ${formatShape(x.shape)} (${rows(x)} rows) and ${yName} ${formatShape(y.shape)} (${rows(y)} rows)`);
  }
}

/**
 * An option's value, or `fallback` when it was left out. Unlike `??`, an explicit `null` is kept, so
 * the check that follows reports it instead of quietly using the default.
 */
export function orDefault<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

/** @throws ValueError unless `value` is an integer ≥ `min`. */
export function checkInteger(op: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ValueError(`${op}: ${name} must be an integer ≥ ${min}, got ${show(value)}`);
  }
  return value;
}

/** A layer's size: `value` when it is a positive integer, else a ValueError naming `op` and `name`. */
export function positiveSize(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new ValueError(`${op}: ${name} must be a positive integer, got ${show(value)}`);
  return value;
}

/**
 * A size of a 1-D window (kernel, stride, padding, dilation): an integer ≥ `min`, else a
 * ValueError naming `op` and `name`.
 */
export function windowSize(op: string, name: string, value: unknown, min: 0 | 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ValueError(`${op}: ${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got ${show(value)}`);
  }
  return value;
}

/**
 * @throws ValueError naming `op` when a parameter of `shape` would hold more values than a tensor
 * can (checked before anything is drawn, so that the message names the layer, not the draw).
 */
export function checkParameterSize(op: string, name: string, shape: readonly number[]): void {
  const size = shape.reduce((n, d) => n * d, 1);
  if (size > MAX_TENSOR_SIZE) {
    throw new ValueError(`${op}: a ${shape.join(' × ')} ${name} would hold ${size} values, more than the ${MAX_TENSOR_SIZE} a tensor can hold`);
  }
}

/**
 * A size of a 2-D window (kernel, stride, padding, dilation) as [vertical, horizontal]: one integer
 * ≥ `min` for both axes, or a pair of them; else a ValueError naming `op` and `name`.
 */
export function sizePair(op: string, name: string, value: unknown, min: 0 | 1): [number, number] {
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
  if (ok(value)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && ok(value[0]) && ok(value[1])) return [value[0], value[1]];
  const what = min === 0 ? 'a non-negative integer' : 'a positive integer';
  const got = Array.isArray(value) && value.length <= 4 ? `[${value.map(show).join(', ')}]` : show(value);
  throw new ValueError(`${op}: ${name} must be ${what} or a pair of them, got ${got}`);
}

/** @throws ValueError unless `value` is a boolean. */
export function checkBoolean(op: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ValueError(`${op}: ${name} must be true or false, got ${show(value)}`);
  return value;
}

/**
 * Most elements a tensor may hold: core's MAX_SIZE. Layers check their weights against it
 * themselves, so that the message names the layer rather than the random draw that would fail.
 */
export const MAX_TENSOR_SIZE = MAX_SIZE;

/** Longest string a message quotes in full: a longer one is cut, so a stray megabyte stays out of it. */
const MAX_QUOTED = 60;

/**
 * `x` checked to be a tensor, where `op` takes its `what` ('input', 'pred', …); a plain array or
 * typed array, a newcomer's usual slip, is pointed to tensor().
 */
export function requireTensor(op: string, what: string, x: unknown): asserts x is Tensor {
  if (isTensor(x)) return;
  const hint = Array.isArray(x) || ArrayBuffer.isView(x) ? '; make one with tensor(…)' : '';
  throw new ValueError(`${op}: ${what} must be a Tensor, got ${describe(x)}${hint}`);
}

/**
 * A value for a message: numbers as written, strings quoted (cut after 60 characters), anything
 * else described by its kind (an array by its length), never printed element by element.
 */
export function show(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value.length > MAX_QUOTED ? `${JSON.stringify(value.slice(0, MAX_QUOTED)).slice(0, -1)}…" (${value.length} characters)` : JSON.stringify(value);
  if (value === undefined) return 'undefined';
  return describe(value);
}

/**
 * Names for a message, quoted: all of them up to `max`, else the first `max` and how many more,
 * so that a list of 10⁵ missing keys makes a readable line.
 */
export function listSome(names: readonly string[], max = 10): string {
  const quoted = names.slice(0, max).map(quoteName);
  return names.length > max ? `${quoted.join(', ')} … and ${names.length - max} more` : quoted.join(', ');
}

/**
 * `options` checked: an object (or undefined, meaning `{}`) holding no key outside `known`, so that
 * a misspelt option is reported instead of silently left at its default:
 * "Dense: unknown option 'activaton'; the options are activation, init, bias, seed, rng".
 */
export function knownOptions<T extends object>(op: string, options: T | undefined, known: readonly string[]): T {
  const checked = requireOptions(op, options);
  rejectUnknownKeys(op, checked, known, 'option', '');
  return checked;
}

/**
 * A nested options object (fit's `earlyStopping`, `progress`, `validationSplit`) checked like the
 * top level: an object, with no key outside `known`.
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
    if (!known.includes(key)) throw new ValueError(`${op}: unknown ${noun} ${quoteName(key)}${where}; the ${noun}s are ${known.join(', ')}`);
  }
}

/** A key or name as it appears in a message: in single quotes, cut short if someone made it enormous. */
export function quoteName(name: string): string {
  return name.length > MAX_QUOTED ? `'${name.slice(0, MAX_QUOTED)}…' (${name.length} characters)` : `'${name}'`;
}

/**
 * core's requireFinite, with non-numbers described by {@link show}, as every nn message describes
 * a value (by its kind: "an array of length 3"), where core shows a few elements.
 */
export function finiteNumber(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number') throw new ValueError(`${op}: ${name} must be a finite number, got ${show(value)}`);
  return requireFinite(op, name, value);
}

/** core's requireChoice, with values other than strings described by {@link show} (see {@link finiteNumber}). */
export function oneOf<const C extends string>(op: string, name: string, value: unknown, choices: readonly C[]): C {
  if (typeof value !== 'string') throw new ValueError(`${op}: ${name} must be ${choices.map((c) => `'${c}'`).join(' or ')}, got ${show(value)}`);
  return requireChoice(op, name, value, choices);
}

/** Where a layer or initialiser draws its random numbers: a seed, a generator, or neither (core's stream). */
export interface RandomSource {
  seed?: number;
  rng?: Rng;
}

/**
 * The `seed` and `rng` options of a layer or initialiser, checked and named after `op`: a seed must
 * be a whole number (core's requireSeed), a generator an Rng, and giving both is a conflict (which
 * would win is not obvious, so neither does). Returns only what was given.
 */
export function randomSource(op: string, options: { seed?: unknown; rng?: unknown }): RandomSource {
  const { seed, rng } = options;
  if (seed !== undefined && rng !== undefined) throw new ValueError(`${op}: give seed or rng, not both`);
  if (rng !== undefined) {
    if (!(rng instanceof Rng)) throw new ValueError(`${op}: rng must be an Rng, got ${show(rng)}`);
    return { rng };
  }
  return seed === undefined ? {} : { seed: seedValue(op, seed) };
}

/**
 * The one generator for a layer's several draws: `random.rng`, a new Rng seeded with `random.seed`
 * (so that a seed gives different tensors for each draw), or undefined for core's stream.
 */
export function generatorOf(random: RandomSource): Rng | undefined {
  return random.rng ?? (random.seed !== undefined ? new Rng(random.seed) : undefined);
}

/**
 * A seed, named after `op`: a whole number (core's requireSeed). Only numbers reach requireSeed;
 * other values are described by {@link show}, by their kind, as everywhere in nn's messages.
 */
export function seedValue(op: string, value: unknown, name = 'seed'): number {
  if (typeof value !== 'number') throw new ValueError(`${op}: ${name} must be a whole number between −2⁵³ and 2⁵³, got ${show(value)}`);
  return requireSeed(op, value, name);
}

/** 0, 1, …, n − 1. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
