/** Creating tensors: from data, constants, ranges and seeded random draws. */
import { Tensor, engineTensor, type NestedArray, type TensorLike } from './tensor';
import { MAX_RANK, checkShape, checkSize, describeValue, formatShape, shapeSize, type Shape } from './shape';
import { ValueError } from './errors';
import { Rng } from './rng';
import { allocData } from './kernels/alloc';
import { requireFinite, requireOptions, requireSeed } from './arguments';

/** Options of {@link tensor}. */
export interface TensorOptions {
  /** The shape, required for flat data (`Float64Array` or a flat `number[]` read row-major). */
  shape?: readonly number[];
  /** Mark the tensor as a leaf whose gradient is accumulated by `backward`. */
  requiresGrad?: boolean;
}

/**
 * A tensor from a number, a nested array of numbers, or flat data with `options.shape`.
 * Data is copied. Ragged or non-numeric arrays are a ValueError.
 *
 * @example
 * tensor([[1, 2], [3, 4]]);                    // shape [2, 2]
 * tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] });
 * tensor(2.5, { requiresGrad: true });
 */
export function tensor(data: NestedArray | Float64Array | Tensor, options: TensorOptions = {}): Tensor {
  return fromData('tensor', data, options);
}

/** {@link tensor}, with `op` naming the public function in messages. */
function fromData(op: string, data: NestedArray | Float64Array | Tensor, given: TensorOptions | undefined): Tensor {
  const options = requireOptions(op, given);
  let flat: Float64Array;
  let shape: Shape;
  if (data instanceof Tensor) {
    flat = data.data.slice();
    shape = options.shape ? [...checkShape(op, options.shape)] : data._shape;
  } else if (options.shape !== undefined) {
    shape = [...checkShape(op, options.shape)];
    flat = flatData(op, data, shapeSize(shape));
  } else if (data instanceof Float64Array) {
    flat = data.slice();
    shape = [data.length];
  } else {
    shape = inferShape(op, data);
    flat = allocData(shapeSize(shape));
    fillFrom(op, data, shape, 0, flat, 0);
  }
  if (flat.length !== shapeSize(shape)) {
    throw new ValueError(`${op}: data has ${flat.length} elements but shape ${formatShape(shape)} needs ${shapeSize(shape)}`);
  }
  return engineTensor(flat, shape, { requiresGrad: options.requiresGrad ?? false });
}

function flatData(op: string, data: NestedArray | Float64Array | Tensor, expected: number): Float64Array {
  if (data instanceof Float64Array) return data.slice();
  if (data instanceof Tensor) return data.data.slice();
  if (typeof data === 'number') return allocData(expected).fill(data);
  const shape = inferShape(op, data);
  const flat = allocData(shapeSize(shape));
  fillFrom(op, data, shape, 0, flat, 0);
  return flat;
}

function checkNumber(op: string, v: unknown, what = 'data must be numbers'): number {
  if (typeof v !== 'number') throw new ValueError(`${op}: ${what}, got ${typeof v} (${describeValue(v)})`);
  return v;
}

function inferShape(op: string, data: NestedArray): number[] {
  const shape: number[] = [];
  let level: unknown = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (shape.length > MAX_RANK) throw new ValueError(`${op}: nested arrays deeper than ${MAX_RANK} levels (a tensor has at most ${MAX_RANK} axes)`);
    level = level[0];
  }
  checkSize(op, shape, 'nested data of shape');
  if (shape.length === 0 || shapeSize(shape) > 0) checkNumber(op, level);
  return shape;
}

function fillFrom(op: string, data: unknown, shape: Shape, axis: number, out: Float64Array, offset: number): number {
  if (axis === shape.length) {
    out[offset] = checkNumber(op, data);
    return offset + 1;
  }
  if (!Array.isArray(data) || data.length !== shape[axis]) {
    const got = Array.isArray(data) ? `length ${data.length}` : typeof data;
    throw new ValueError(`${op}: ragged nested array: expected length ${shape[axis]} at depth ${axis}, got ${got}`);
  }
  // An index loop, not for…of: a hole in a sparse array is an error, not a silent undefined.
  for (let i = 0; i < data.length; i++) offset = fillFrom(op, data[i], shape, axis + 1, out, offset);
  return offset;
}

/** Coerces a tensor, a number or nested arrays to a tensor (numbers become untracked scalars). */
export function toTensor(x: TensorLike | NestedArray, op = 'tensor'): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return engineTensor(allocData(1).fill(x), []);
  if (Array.isArray(x)) return fromData(op, x, {});
  throw new ValueError(`${op}: expected a Tensor or a number, got ${x === null ? 'null' : typeof x}`);
}

/**
 * Indices given to an op (gather, oneHot, class labels …) as a tensor: a tensor as it is, an array
 * converted; anything else a ValueError naming `op`. Whether they are valid indices is the op's check.
 */
export function toIndexTensor(op: string, indices: Tensor | readonly number[]): Tensor {
  if (indices instanceof Tensor) return indices;
  if (!Array.isArray(indices)) throw new ValueError(`${op}: indices must be a Tensor or an array of integers, got ${describeValue(indices)}`);
  return toTensor(indices as number[], op);
}

/** A 0-d tensor holding `value`. */
export function scalar(value: number, options: { requiresGrad?: boolean } = {}): Tensor {
  if (typeof value !== 'number') throw new ValueError(`scalar: value must be a number, got ${describeValue(value)}`);
  return fromData('scalar', value, options);
}

function filled(op: string, shape: readonly number[], value: number, options: { requiresGrad?: boolean }): Tensor {
  const s = [...checkShape(op, shape)];
  return engineTensor(allocData(shapeSize(s)).fill(checkNumber(op, value, 'the fill value must be a number')), s, requireOptions(op, options));
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number, options: { requiresGrad?: boolean } = {}): Tensor {
  return filled('full', shape, value, options);
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[], options: { requiresGrad?: boolean } = {}): Tensor {
  return filled('zeros', shape, 0, options);
}

/** A tensor of ones. */
export function ones(shape: readonly number[], options: { requiresGrad?: boolean } = {}): Tensor {
  return filled('ones', shape, 1, options);
}

/** Zeros of the shape of `x`. */
export function zerosLike(x: Tensor): Tensor {
  return zeros(x._shape);
}

/** Ones of the shape of `x`. */
export function onesLike(x: Tensor): Tensor {
  return ones(x._shape);
}

/** The n×n identity matrix. */
export function eye(n: number): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`eye: n must be a non-negative integer, got ${describeValue(n)}`);
  checkSize('eye', [n, n]);
  const out = allocData(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return engineTensor(out, [n, n]);
}

/** start, start + step, … below stop (NumPy `arange`); `arange(n)` is 0 … n-1. */
export function arange(start: number, stop?: number, step = 1): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (![start, stop, step].every(Number.isFinite) || step === 0) {
    throw new ValueError(`arange: needs finite start, stop and a non-zero step, got ${[start, stop, step].map((v) => describeValue(v)).join(', ')}`);
  }
  const n = Math.max(0, Math.ceil((stop - start) / step));
  checkSize('arange', [n], `${start} to ${stop} in steps of ${step} gives shape`);
  const out = allocData(n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return engineTensor(out, [n]);
}

/** `n` evenly spaced values from `a` to `b`, both included. */
export function linspace(a: number, b: number, n: number): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`linspace: n must be a non-negative integer, got ${describeValue(n)}`);
  if (typeof a !== 'number' || typeof b !== 'number') throw new ValueError(`linspace: the endpoints must be numbers, got ${describeValue(a)} and ${describeValue(b)}`);
  checkSize('linspace', [n]);
  const out = allocData(n);
  for (let i = 0; i < n; i++) out[i] = n === 1 ? a : i === n - 1 ? b : a + ((b - a) * i) / (n - 1);
  return engineTensor(out, [n]);
}

/**
 * Options of the random constructors: a seed or a generator, not both. Without either, draws come
 * from one module-wide stream seeded with 0 (see {@link manualSeed}), so programs are reproducible
 * by default.
 */
export interface RandomOptions {
  seed?: number;
  rng?: Rng;
  requiresGrad?: boolean;
}

let defaultRng = new Rng(0);

/** Reseeds the stream used by `rand`/`randn` calls that pass neither `seed` nor `rng`. */
export function manualSeed(seed: number): void {
  defaultRng = new Rng(requireSeed('manualSeed', seed));
}

function generatorOf(op: string, options: RandomOptions): Rng {
  requireOptions(op, options);
  if (options.rng !== undefined && options.seed !== undefined) throw new ValueError(`${op}: give seed or rng, not both`);
  if (options.rng !== undefined) {
    if (!(options.rng instanceof Rng)) throw new ValueError(`${op}: rng must be an Rng, got ${describeValue(options.rng)}`);
    return options.rng;
  }
  return options.seed === undefined ? defaultRng : new Rng(requireSeed(op, options.seed));
}

/** A finite number option (its default when undefined), else a ValueError naming it. */
function finiteOption(op: string, name: string, value: unknown, fallback: number): number {
  return value === undefined ? fallback : requireFinite(op, name, value);
}

/** Uniform draws in [min, max) (default [0, 1)). */
export function rand(shape: readonly number[], options: RandomOptions & { min?: number; max?: number } = {}): Tensor {
  const s = [...checkShape('rand', shape)];
  const rng = generatorOf('rand', options);
  const min = finiteOption('rand', 'min', options.min, 0);
  const max = finiteOption('rand', 'max', options.max, 1);
  const out = allocData(shapeSize(s));
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(min, max);
  return engineTensor(out, s, options);
}

/** Normal draws with the given mean and standard deviation (default 0 and 1). */
export function randn(shape: readonly number[], options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const s = [...checkShape('randn', shape)];
  const rng = generatorOf('randn', options);
  const mean = finiteOption('randn', 'mean', options.mean, 0);
  const std = finiteOption('randn', 'std', options.std, 1);
  if (std < 0) throw new ValueError(`randn: std must be ≥ 0, got ${std}`);
  const out = allocData(shapeSize(s));
  for (let i = 0; i < out.length; i++) out[i] = rng.normal(mean, std);
  return engineTensor(out, s, options);
}
