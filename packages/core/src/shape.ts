/**
 * Shapes: validation, broadcasting, axes and strides. Every shape message is written here so that
 * they all read alike: "op: requirement, got …".
 */
import { ShapeError, ValueError } from './errors';

/** A tensor shape: one non-negative integer per axis, outermost first. */
export type Shape = readonly number[];

/** `[2, 3]` as it appears in messages. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Product of the dimensions (1 for a scalar). */
export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Whether two shapes are identical: the same rank and the same size on every axis. */
export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Most axes a tensor may have (NumPy's limit): deeper nesting is a mistake, not data. */
export const MAX_RANK = 64;

/**
 * Most elements a tensor may hold: 2³¹ − 1, because kernels address elements with 32-bit offsets.
 * A larger shape is a ValueError here rather than a RangeError (or a wrapped offset) in a kernel.
 */
export const MAX_SIZE = 2 ** 31 - 1;

/**
 * Throws a ValueError unless `shape` is a list of non-negative integers of a size a tensor can hold.
 * Each dimension is bounded by {@link MAX_SIZE} too, zero-size shapes included: a [0, 2⁴⁰] tensor
 * holds nothing, but summing its first axis would need 2⁴⁰ elements.
 */
export function checkShape(op: string, shape: unknown): Shape {
  if (!Array.isArray(shape)) throw new ValueError(`${op}: shape must be an array of non-negative integers, got ${describeValue(shape)}`);
  if (shape.length > MAX_RANK) throw new ValueError(`${op}: a tensor has at most ${MAX_RANK} axes, got a shape of rank ${shape.length}`);
  for (const d of shape as unknown[]) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ValueError(`${op}: dimensions must be non-negative integers, got ${describeValue(shape)}`);
    }
    if (d > MAX_SIZE) throw new ValueError(`${op}: shape ${formatShape(shape)}: dimension ${d} is more than the ${MAX_SIZE} elements a tensor can hold`);
  }
  checkSize(op, shape as Shape);
  return shape as Shape;
}

/** Throws a ValueError when a tensor of `shape` would hold more than {@link MAX_SIZE} elements. */
export function checkSize(op: string, shape: Shape, what: string | (() => string) = 'shape'): void {
  const n = shapeSize(shape);
  if (n > MAX_SIZE) {
    const subject = typeof what === 'string' ? what : what();
    throw new ValueError(`${op}: ${subject} ${formatShape(shape)}: ${n} elements, more than the ${MAX_SIZE} a tensor can hold`);
  }
}

/**
 * A value as it appears in messages: never throws (symbols, objects without toString, BigInts),
 * and never long: arrays show at most a few elements and levels, strings at most 80 characters,
 * so a 10⁷-element or 10⁵-deep argument makes a short message, not a huge or overflowing one.
 */
export function describeValue(v: unknown, depth = 0): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  if (typeof v === 'symbol' || typeof v === 'function') return typeof v;
  if (typeof v === 'bigint') return `${v}n`;
  if (Array.isArray(v)) {
    if (depth >= 3) return `an array of length ${v.length}`;
    const shown = v.slice(0, 6).map((x) => describeValue(x, depth + 1));
    return `[${shown.join(', ')}${v.length > 6 ? `, … (${v.length} elements)` : ''}]`;
  }
  if (v !== null && typeof v === 'object') return describeObject(v);
  return String(v);
}

/**
 * An object as messages show it, by its kind: "a Float32Array of length 3", "a Tensor of shape
 * [2]", "an object (Set)"; a plain object is "an object". Reads only the constructor's name and, for
 * typed arrays and tensors, their length or shape, so a hostile getter or proxy cannot make it throw.
 */
function describeObject(v: object): string {
  try {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const kind = v.constructor.name;
      return `${kind.startsWith('I') ? 'an' : 'a'} ${kind} of length ${(v as unknown as ArrayLike<unknown>).length}`;
    }
    const name: unknown = v.constructor?.name;
    const shape: unknown = (v as { _shape?: unknown })._shape;
    if (name === 'Tensor' && Array.isArray(shape)) return `a Tensor of shape ${formatShape(shape)}`;
    return typeof name === 'string' && name !== '' && name !== 'Object' ? `an object (${name})` : 'an object';
  } catch {
    return 'an object';
  }
}

/** Row-major strides (in elements). */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** NumPy broadcasting of two shapes; a ShapeError naming the op and both shapes when they clash. */
export function broadcastShapes(op: string, a: Shape, b: Shape): Shape {
  if (a === b || sameShape(a, b)) return a;
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together (axis ${i - rank}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  if (shapeSize(out) > MAX_SIZE) checkSize(op, out, `broadcasting ${formatShape(a)} and ${formatShape(b)} gives`);
  return out;
}

/** Broadcast any number of shapes. */
export function broadcastAll(op: string, shapes: readonly Shape[]): Shape {
  return shapes.reduce<Shape>((acc, s) => broadcastShapes(op, acc, s), []);
}

/**
 * Strides for reading a tensor of shape `from` as if it had the (broadcast) shape `to`:
 * axes that are broadcast get stride 0.
 */
export function broadcastStrides(from: Shape, to: Shape): number[] {
  const own = stridesOf(from);
  const out = new Array<number>(to.length).fill(0);
  const offset = to.length - from.length;
  for (let i = 0; i < from.length; i++) out[offset + i] = from[i] === 1 ? 0 : own[i]!;
  return out;
}

/** Whether a tensor of shape `from` broadcasts to shape `to` (NumPy's rule, `from` stretched only). */
export function broadcastsTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  const lead = to.length - from.length;
  return from.every((d, i) => d === 1 || d === to[lead + i]);
}

/** One axis, negative counting from the end; a ValueError when out of range or not an integer. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) {
    throw new ValueError(`${op}: axis must be an integer, got ${describeValue(axis)}`);
  }
  if (axis < -rank || axis >= rank) {
    const valid = rank === 0 ? 'a scalar has no axes' : `valid: ${-rank} to ${rank - 1}`;
    throw new ValueError(`${op}: axis ${axis} is out of range for rank ${rank} (${valid})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Axes to reduce over, sorted and unique; `undefined` means all axes. */
export function normalizeAxes(op: string, axis: number | readonly number[] | undefined, rank: number): number[] {
  if (axis === undefined || axis === null) {
    const all = new Array<number>(rank);
    for (let i = 0; i < rank; i++) all[i] = i;
    return all;
  }
  if (typeof axis === 'number') return [normalizeAxis(op, axis, rank)]; // the usual case, without a Set and a sort
  const list = axis;
  if (!Array.isArray(list)) throw new ValueError(`${op}: axis must be a number or a list of numbers, got ${describeValue(axis)}`);
  const axes = Array.from(list, (a) => normalizeAxis(op, a, rank)); // not map, which skips a sparse list's holes
  const unique = [...new Set(axes)].sort((x, y) => x - y);
  if (unique.length !== axes.length) throw new ValueError(`${op}: repeated axis in [${list.join(', ')}] for rank ${rank}`);
  return unique;
}

/** The shape after reducing `axes` (kept as 1 when `keepDims`). */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepDims) out.push(1);
    } else out.push(shape[i]!);
  }
  return out;
}

/** Throws a ShapeError when `condition` is false, with the op's requirement and the shapes. */
export function requireShape(condition: boolean, op: string, requirement: string, shapes: readonly Shape[]): void {
  if (!condition) throw new ShapeError(`${op}: ${requirement}, got ${shapes.map(formatShape).join(' and ')}`);
}

/**
 * The extent of the box of `shape` starting at `begin` with extent `size` (an entry of -1: to the
 * end of that axis), checked to lie inside `shape`, or a ValueError naming `op`: what slice, pad and
 * their rule ops check.
 */
export function boxExtent(shape: Shape, begin: readonly number[], size: readonly number[], op: string): number[] {
  if (!Array.isArray(begin) || !Array.isArray(size) || begin.length !== shape.length || size.length !== shape.length) {
    throw new ValueError(`${op}: begin ${describeValue(begin)} and size ${describeValue(size)} need one entry per axis of ${formatShape(shape)}`);
  }
  return shape.map((dim, d) => {
    const b = begin[d]!;
    const n = size[d] === -1 && Number.isInteger(b) ? dim - b : size[d]!;
    if (!Number.isInteger(b) || !Number.isInteger(n) || b < 0 || n < 0 || b + n > dim) {
      throw new ValueError(`${op}: axis ${d} of ${formatShape(shape)}: begin ${describeValue(begin[d])} and size ${describeValue(size[d])} leave the range [0, ${dim}]`);
    }
    return n;
  });
}
