/** Creating tensors: from data, constants, ranges and seeded random draws. */
import { Tensor, engineTensor, type NestedArray, type TensorLike } from './tensor';
import { MAX_RANK, checkShape, checkSize, describeValue, formatShape, sameShape, shapeSize, type Shape } from './shape';
import { ValueError } from './errors';
import { Rng, checkRngState, type RngState } from './rng';
import { allocData } from './kernels/alloc';
import { requireFinite, requireOptions, requireSeed } from './arguments';

/** Options of {@link tensor}. */
export interface TensorOptions {
  /**
   * The shape to read flat data into, row-major (a typed array, a one-level array or a tensor); a
   * number fills it. Nested data must already have this shape.
   */
  shape?: readonly number[];
  /** Mark the tensor as a leaf whose gradient is accumulated by `backward`. */
  requiresGrad?: boolean;
}

/**
 * The typed arrays `tensor()` reads: every kind but BigInt64Array and BigUint64Array, whose values
 * float64 cannot all hold. Values are widened exactly: a Float32Array's 0.1 is 0.10000000149011612,
 * as NumPy's `float32(0.1)` is in float64.
 */
export type NumberArray =
  | Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array | Uint8ClampedArray;

/** What `tensor()` reads: a number, a typed array of numbers, or nested arrays of them. */
export type TensorData = number | NumberArray | readonly TensorData[];

/**
 * A tensor from a number, nested arrays of numbers, or flat data read row-major into
 * `options.shape`. Data is copied.
 *
 * - Nested arrays give their own shape; their innermost rows may be typed arrays. Ragged nesting,
 *   holes in sparse arrays, and anything that is not a number (strings such as "1", booleans,
 *   bigints, null, objects with `valueOf`, tensors) are a ValueError: nothing is coerced, where
 *   NumPy reads `True` as 1 and `"1"` as a string.
 * - A typed array is a vector, or flat data for `options.shape` (see {@link NumberArray}).
 * - With `options.shape`, flat data must have as many elements as the shape; a number fills it, as
 *   {@link full} does; nested data of another shape is a ValueError, not a silent reshape.
 *
 * @example
 * tensor([[1, 2], [3, 4]]);                    // shape [2, 2]
 * tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] });
 * tensor(new Float32Array([0.5, 1.5]));        // shape [2], widened to float64
 * tensor(2.5, { requiresGrad: true });
 */
export function tensor(data: TensorData | Tensor, options: TensorOptions = {}): Tensor {
  return fromData('tensor', data, options);
}

/** Whether `x` is a typed array `tensor()` and `assign` read as numbers (see {@link NumberArray}). */
export function isNumberArray(x: unknown): x is NumberArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView) && !(x instanceof BigInt64Array) && !(x instanceof BigUint64Array);
}

/** Whether `x` is one level of nesting: an array, or a typed array as an innermost row. */
function isRow(x: unknown): x is ArrayLike<unknown> {
  return Array.isArray(x) || isNumberArray(x);
}

/** An optional boolean option: false when undefined, else it must be true or false. */
function flagOption(op: string, name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new ValueError(`${op}: ${name} must be true or false, got ${describeValue(value)}`);
  return value;
}

/** {@link tensor}, with `op` naming the public function in messages. */
function fromData(op: string, data: TensorData | Tensor, given: TensorOptions | undefined): Tensor {
  const options = requireOptions(op, given, ['shape', 'requiresGrad']);
  const requiresGrad = flagOption(op, 'requiresGrad', options.requiresGrad);
  let flat: Float64Array;
  let shape: Shape;
  if (data instanceof Tensor) {
    flat = data.data.slice();
    shape = options.shape ? [...checkShape(op, options.shape)] : data._shape;
  } else if (isNumberArray(data)) {
    shape = options.shape ? [...checkShape(op, options.shape)] : [data.length];
    checkSize(op, [data.length], 'flat data of shape'); // before copying: typed arrays may be longer
    flat = data instanceof Float64Array ? data.slice() : new Float64Array(data);
  } else if (options.shape !== undefined) {
    shape = [...checkShape(op, options.shape)];
    if (typeof data === 'number') flat = allocData(shapeSize(shape)).fill(data);
    else {
      const own = inferShape(op, data);
      if (own.length > 1 && !sameShape(own, shape)) {
        throw new ValueError(`${op}: nested data of shape ${formatShape(own)} does not fit shape ${formatShape(shape)} (to read data row-major into a shape, give it flat)`);
      }
      flat = allocData(shapeSize(own));
      fillFrom(op, data, own, 0, flat, 0);
    }
  } else {
    shape = inferShape(op, data);
    flat = allocData(shapeSize(shape));
    fillFrom(op, data, shape, 0, flat, 0);
  }
  if (flat.length !== shapeSize(shape)) {
    throw new ValueError(`${op}: data has ${flat.length} elements but shape ${formatShape(shape)} needs ${shapeSize(shape)}`);
  }
  return engineTensor(flat, shape, { requiresGrad });
}

function checkNumber(op: string, v: unknown, what = 'data must be numbers'): number {
  if (typeof v !== 'number') {
    const hint = typeof v === 'bigint' || v instanceof BigInt64Array || v instanceof BigUint64Array
      ? ' (convert bigints with Number(), which rounds those beyond 2⁵³)' : '';
    const got = v !== null && typeof v === 'object' ? describeValue(v) : `${typeof v} (${describeValue(v)})`;
    throw new ValueError(`${op}: ${what}, got ${got}${hint}`);
  }
  return v;
}

function inferShape(op: string, data: unknown): number[] {
  const shape: number[] = [];
  let level: unknown = data;
  while (isRow(level)) {
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
  if (!isRow(data) || data.length !== shape[axis]) {
    const got = isRow(data) ? `length ${data.length}` : typeof data;
    throw new ValueError(`${op}: ragged nested array: expected length ${shape[axis]} at depth ${axis}, got ${got}`);
  }
  if (isNumberArray(data)) {
    if (axis !== shape.length - 1) throw new ValueError(`${op}: ragged nested array: expected arrays at depth ${axis + 1}, got numbers from ${describeValue(data)}`);
    out.set(data, offset);
    return offset + data.length;
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
  throw new ValueError(`${op}: expected a Tensor or a number, got ${x === null ? 'null' : typeof x === 'object' ? describeValue(x) : typeof x}`);
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
  requireOptions('scalar', options, ['requiresGrad']);
  return fromData('scalar', value, options);
}

function filled(op: string, shape: readonly number[], value: number, options: { requiresGrad?: boolean }): Tensor {
  const s = [...checkShape(op, shape)];
  const requiresGrad = flagOption(op, 'requiresGrad', requireOptions(op, options, ['requiresGrad']).requiresGrad);
  return engineTensor(allocData(shapeSize(s)).fill(checkNumber(op, value, 'the fill value must be a number')), s, { requiresGrad });
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

/** The shape of `x`, which must be a tensor (for the `…Like` functions). */
function shapeOf(op: string, x: Tensor): Shape {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: x must be a Tensor, got ${describeValue(x)}`);
  return x._shape;
}

/** Zeros of the shape of `x`, not requiring grad. */
export function zerosLike(x: Tensor): Tensor {
  return zeros(shapeOf('zerosLike', x));
}

/** Ones of the shape of `x`, not requiring grad. */
export function onesLike(x: Tensor): Tensor {
  return ones(shapeOf('onesLike', x));
}

/** The n×m matrix with ones on its diagonal, as NumPy's `eye(N, M)`: the n×n identity when m is omitted. */
export function eye(n: number, m: number = n): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`eye: n must be a non-negative integer, got ${describeValue(n)}`);
  if (!Number.isInteger(m) || m < 0) throw new ValueError(`eye: m must be a non-negative integer, got ${describeValue(m)}`);
  checkShape('eye', [n, m]);
  const out = allocData(n * m);
  for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1;
  return engineTensor(out, [n, m]);
}

/**
 * start, start + step, … below stop (above it for a negative step), as NumPy's `arange`: ⌈(stop −
 * start)/step⌉ values, so with a fractional step the count is rounded as in NumPy and the last value
 * may reach stop (`arange(1, 1.3, 0.1)` has four values, the last 1.3); `arange(n)` is 0 … n − 1.
 * Each value is start + i·step rounded once, where NumPy repeats the rounding of (start + step) −
 * start: `arange(1e16, 1e16 + 4)` holds 1e16, 1e16, 1e16 + 2, 1e16 + 4 rather than four times 1e16.
 */
export function arange(start: number, stop?: number, step = 1): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (![start, stop, step].every(Number.isFinite) || step === 0) {
    throw new ValueError(`arange: needs finite start, stop and a non-zero step, got ${[start, stop, step].map((v) => describeValue(v)).join(', ')}`);
  }
  if (!Number.isFinite(stop - start)) throw new ValueError(`arange: stop − start overflows float64, got ${start} to ${stop} (as in NumPy and PyTorch)`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  checkSize('arange', [n], `${start} to ${stop} in steps of ${step} gives shape`);
  const out = allocData(n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return engineTensor(out, [n]);
}

/**
 * `n` evenly spaced values from `a` to `b`, both included (NumPy's `linspace`; `n` = 1 gives `[a]`).
 * Each value is a + (b − a)·i/(n − 1), rounded once where it can be (so `linspace(0, 1, 11)` holds
 * 0.3 where NumPy has 0.30000000000000004), and finite whenever a and b are, even when b − a is
 * not (from −1e308 to 1e308); infinite endpoints give NaN where ∞ − ∞ arises, as in NumPy.
 */
export function linspace(a: number, b: number, n: number): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`linspace: n must be a non-negative integer, got ${describeValue(n)}`);
  if (typeof a !== 'number' || typeof b !== 'number') throw new ValueError(`linspace: the endpoints must be numbers, got ${describeValue(a)} and ${describeValue(b)}`);
  checkSize('linspace', [n]);
  const out = allocData(n);
  const span = b - a;
  // Finite ends whose span overflows: the same sum at half scale (halving such large values is exact).
  const halved = !Number.isFinite(span) && Number.isFinite(a) && Number.isFinite(b);
  for (let i = 0; i < n; i++) {
    if (n === 1 || i === n - 1) out[i] = i === 0 ? a : b;
    else out[i] = halved ? 2 * (a / 2 + (b / 2 - a / 2) * (i / (n - 1))) : a + (span * i) / (n - 1);
  }
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

/**
 * Where the module-wide stream (see {@link manualSeed}) is, as plain data for a checkpoint; PyTorch's
 * `torch.get_rng_state()`. It is a snapshot: later draws do not change it.
 *
 * @example
 * const saved = getRngState();
 * const a = rand([3]);
 * setRngState(saved);
 * rand([3]);          // the same values as a
 */
export function getRngState(): RngState {
  return defaultRng.state();
}

/**
 * Puts the module-wide stream (see {@link manualSeed}) where `state` says, so that `rand`, `randn`
 * and dropout without a seed go on exactly as after {@link getRngState} gave it (or an
 * {@link Rng.state}); PyTorch's `torch.set_rng_state(state)`. Nothing of `state` is kept.
 * @throws ValueError when `state` is not such a state (four whole numbers from 0 to 2³² − 1, not
 *   all 0, and a spare that is null or a finite number); the stream is then left as it was.
 */
export function setRngState(state: RngState): void {
  defaultRng = Rng.fromState(checkRngState('setRngState', state));
}

function generatorOf(op: string, options: RandomOptions, known: readonly string[]): Rng {
  requireOptions(op, options, ['seed', 'rng', 'requiresGrad', ...known]);
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

/**
 * Uniform draws in [min, max) (default [0, 1)). As in PyTorch's `uniform_`, min above max, or a
 * range max − min beyond the largest float64, is a ValueError.
 */
export function rand(shape: readonly number[], options: RandomOptions & { min?: number; max?: number } = {}): Tensor {
  const s = [...checkShape('rand', shape)];
  const rng = generatorOf('rand', options, ['min', 'max']);
  const requiresGrad = flagOption('rand', 'requiresGrad', options.requiresGrad);
  const min = finiteOption('rand', 'min', options.min, 0);
  const max = finiteOption('rand', 'max', options.max, 1);
  if (min > max) throw new ValueError(`rand: min must be at most max, got min ${min} and max ${max}`);
  if (!Number.isFinite(max - min)) throw new ValueError(`rand: the range max − min must be a finite number, got min ${min} and max ${max}`);
  const out = allocData(shapeSize(s));
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(min, max);
  return engineTensor(out, s, { requiresGrad });
}

/** Normal draws with the given mean and standard deviation (default 0 and 1). */
export function randn(shape: readonly number[], options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const s = [...checkShape('randn', shape)];
  const rng = generatorOf('randn', options, ['mean', 'std']);
  const requiresGrad = flagOption('randn', 'requiresGrad', options.requiresGrad);
  const mean = finiteOption('randn', 'mean', options.mean, 0);
  const std = finiteOption('randn', 'std', options.std, 1);
  if (std < 0) throw new ValueError(`randn: std must be ≥ 0, got ${std}`);
  const out = allocData(shapeSize(s));
  for (let i = 0; i < out.length; i++) out[i] = rng.normal(mean, std);
  return engineTensor(out, s, { requiresGrad });
}
