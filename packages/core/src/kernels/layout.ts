/** Data movement: strided reads (transpose, broadcast, slice), padding, concatenation, gather/scatter. */
import { shapeSize, stridesOf, type Shape } from '../shape';
import { allocData, allocForOverwrite } from './alloc';
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

/**
 * A box of extent `size` at `begin` in a row-major array of `fullShape`, as rows that are contiguous
 * in the array: where each starts, and their common length. Trailing axes the box spans whole run on
 * into each other, so a box of whole rows of a matrix is one row; copying row by row then needs no
 * offset per element.
 */
function boxRows(size: Shape, fullShape: Shape, begin: readonly number[]): { starts: Int32Array; width: number } {
  const strides = stridesOf(fullShape);
  const base = begin.reduce((acc, b, d) => acc + b * strides[d]!, 0);
  if (size.length === 0) return { starts: Int32Array.of(base), width: 1 };
  let d = size.length - 1;
  while (d > 0 && size[d] === fullShape[d]) d--;
  return { starts: stridedOffsets(size.slice(0, d), strides.slice(0, d), base), width: shapeSize(size.slice(d)) };
}

/** Rows at least this long are copied with TypedArray.set (a memcpy), shorter ones element by element. */
const LONG_ROW = 64;

/** The box starting at `begin` with extent `size`. */
export function sliceData(x: Float64Array, shape: Shape, begin: readonly number[], size: readonly number[]): Float64Array {
  const { starts, width } = boxRows(size, shape, begin);
  const out = allocForOverwrite(shapeSize(size));
  for (let row = 0, k = 0; row < starts.length; row++, k += width) {
    const from = starts[row]!;
    if (width >= LONG_ROW) out.set(x.subarray(from, from + width), k);
    else for (let j = 0; j < width; j++) out[k + j] = x[from + j]!;
  }
  return out;
}

/** Zeros of `fullShape` with `x` (of shape `size`) written at `begin`: the adjoint of slicing. */
export function padData(x: Float64Array, size: Shape, fullShape: Shape, begin: readonly number[]): Float64Array {
  const out = allocData(shapeSize(fullShape));
  const { starts, width } = boxRows(size, fullShape, begin);
  // Written, not added to the zeros: 0 + (−0) would lose a sign that slice's adjoint keeps.
  for (let row = 0, k = 0; row < starts.length; row++, k += width) {
    const to = starts[row]!;
    if (width >= LONG_ROW) out.set(x.subarray(k, k + width), to);
    else for (let j = 0; j < width; j++) out[to + j] = x[k + j]!;
  }
  return out;
}

/**
 * Adds `x` (of shape `size`) into the box at `begin` of `target` (of `fullShape`), in place: the
 * elements outside the box are not touched, not even by adding zero.
 */
export function addIntoBox(target: Float64Array, fullShape: Shape, x: Float64Array, size: Shape, begin: readonly number[]): void {
  const { starts, width } = boxRows(size, fullShape, begin);
  for (let row = 0, k = 0; row < starts.length; row++) {
    const to = starts[row]!;
    for (let j = 0; j < width; j++) target[to + j]! += x[k++]!;
  }
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
