/** Data movement: strided reads (transpose, broadcast, slice), padding, concatenation, gather/scatter. */
import { shapeSize, stridesOf, type Shape } from '../shape';
import { allocData } from './alloc';
import { stridedOffsets } from './elementwise';

/** Reads `x` through arbitrary strides: out[index] = x[base + Σ index·strides]. */
export function stridedRead(x: Float64Array, outShape: Shape, strides: readonly number[], base: number): Float64Array {
  const offsets = stridedOffsets(outShape, strides, base);
  const out = allocData(offsets.length);
  for (let i = 0; i < offsets.length; i++) out[i] = x[offsets[i]!]!;
  return out;
}

/** Axis permutation: out axis d is input axis perm[d]. */
export function transposeData(x: Float64Array, shape: Shape, perm: readonly number[]): Float64Array {
  const strides = stridesOf(shape);
  return stridedRead(x, perm.map((p) => shape[p]!), perm.map((p) => strides[p]!), 0);
}

/** The offset of a box's first element, at `begin`, in a row-major array with these strides. */
function boxBase(strides: readonly number[], begin: readonly number[]): number {
  return begin.reduce((acc, b, d) => acc + b * strides[d]!, 0);
}

/** The box starting at `begin` with extent `size`. */
export function sliceData(x: Float64Array, shape: Shape, begin: readonly number[], size: readonly number[]): Float64Array {
  const strides = stridesOf(shape);
  return stridedRead(x, size, strides, boxBase(strides, begin));
}

/** The positions in an array of `fullShape` of the box of extent `size` at `begin`, row-major. */
function boxOffsets(size: Shape, fullShape: Shape, begin: readonly number[]): Int32Array {
  const strides = stridesOf(fullShape);
  return stridedOffsets(size, strides, boxBase(strides, begin));
}

/** Zeros of `fullShape` with `x` (of shape `size`) written at `begin`: the adjoint of slicing. */
export function padData(x: Float64Array, size: Shape, fullShape: Shape, begin: readonly number[]): Float64Array {
  const out = allocData(shapeSize(fullShape));
  const offsets = boxOffsets(size, fullShape, begin);
  // Written, not added to the zeros: 0 + (−0) would lose a sign that slice's adjoint keeps.
  for (let i = 0; i < offsets.length; i++) out[offsets[i]!] = x[i]!;
  return out;
}

/**
 * Adds `x` (of shape `size`) into the box at `begin` of `target` (of `fullShape`), in place: the
 * elements outside the box are not touched, not even by adding zero.
 */
export function addIntoBox(target: Float64Array, fullShape: Shape, x: Float64Array, size: Shape, begin: readonly number[]): void {
  const offsets = boxOffsets(size, fullShape, begin);
  for (let i = 0; i < offsets.length; i++) target[offsets[i]!]! += x[i]!;
}

/** Joins arrays along `axis`; `shapes` agree except on that axis. */
export function concatData(xs: readonly Float64Array[], shapes: readonly Shape[], axis: number, outShape: Shape): Float64Array {
  const out = allocData(shapeSize(outShape));
  const outer = shapeSize(outShape.slice(0, axis));
  const inner = shapeSize(outShape.slice(axis + 1));
  const outRow = outShape[axis]! * inner;
  let start = 0;
  xs.forEach((x, k) => {
    const row = shapes[k]![axis]! * inner;
    for (let o = 0; o < outer; o++) out.set(x.subarray(o * row, (o + 1) * row), o * outRow + start);
    start += row;
  });
  return out;
}

/** out[pre, idx, post] = x[pre, indices[idx], post] along `axis` (indices already validated). */
export function gatherData(x: Float64Array, shape: Shape, indices: Float64Array, axis: number): Float64Array {
  const outer = shapeSize(shape.slice(0, axis));
  const dim = shape[axis]!;
  const inner = shapeSize(shape.slice(axis + 1));
  const out = allocData(outer * indices.length * inner);
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < indices.length; j++) {
      const from = (o * dim + indices[j]!) * inner;
      for (let i = 0; i < inner; i++) out[k++] = x[from + i]!;
    }
  }
  return out;
}

/** The adjoint of gather: adds each slice of `g` into row indices[j] of a zero tensor of `shape`. */
export function scatterAddData(g: Float64Array, shape: Shape, indices: Float64Array, axis: number): Float64Array {
  const outer = shapeSize(shape.slice(0, axis));
  const dim = shape[axis]!;
  const inner = shapeSize(shape.slice(axis + 1));
  const out = allocData(shapeSize(shape));
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < indices.length; j++) {
      const to = (o * dim + indices[j]!) * inner;
      for (let i = 0; i < inner; i++) out[to + i]! += g[k++]!;
    }
  }
  return out;
}
