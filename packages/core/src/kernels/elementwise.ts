/**
 * Elementwise kernels: a map over one array, a NumPy-broadcast zip of three (where), and the offset
 * loop behind broadcasting. The per-op loops of the unary and binary ops are in specialize.ts.
 */
import { broadcastStrides, shapeSize, type Shape } from '../shape';
import { allocData } from './alloc';

/** target[i] += source[i], in place (arrays of one length): adding an adjoint or gradient into a sum. */
export function addInto(target: Float64Array, source: Float64Array): void {
  for (let i = 0; i < target.length; i++) target[i]! += source[i]!;
}

/**
 * v·w for a weight w that is 0 where a function is locally constant (a mask, relu′): 0 there
 * whatever v is, where the product alone would be NaN for v = ±∞ or NaN. A branch only on the
 * product's rare NaN, not on w: a branch on a mask of random signs is mispredicted half the time.
 */
export function maskedProduct(v: number, w: number): number {
  const r = v * w;
  return r === r || w !== 0 ? r : 0;
}

/** out[i] = f(x[i]). */
export function map(x: Float64Array, f: (v: number) => number): Float64Array {
  const out = allocData(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
  return out;
}

/** out = f(a, b, c) with NumPy broadcasting of all three to `outShape`. */
export function zip3(
  a: Float64Array, aShape: Shape,
  b: Float64Array, bShape: Shape,
  c: Float64Array, cShape: Shape,
  outShape: Shape,
  f: (x: number, y: number, z: number) => number,
): Float64Array {
  const n = shapeSize(outShape);
  const out = allocData(n);
  const ia = broadcastOffsets(aShape, outShape);
  const ib = broadcastOffsets(bShape, outShape);
  const ic = broadcastOffsets(cShape, outShape);
  for (let i = 0; i < n; i++) out[i] = f(a[ia[i]!]!, b[ib[i]!]!, c[ic[i]!]!);
  return out;
}

/**
 * For each element of a tensor of shape `outShape` (row-major), the offset of the element it reads
 * in a tensor of shape `from` broadcast to `outShape`.
 */
export function broadcastOffsets(from: Shape, outShape: Shape): Int32Array {
  return stridedOffsets(outShape, broadcastStrides(from, outShape), 0);
}

/**
 * Offsets `base + Σ index[d]·strides[d]` for every index of `shape` in row-major order: the one
 * addressing loop behind broadcasting, transposition, slicing and reduction.
 */
export function stridedOffsets(shape: Shape, strides: readonly number[], base: number): Int32Array {
  const n = shapeSize(shape);
  const offsets = new Int32Array(n);
  if (n === 0) return offsets;
  const rank = shape.length;
  if (rank === 0) {
    offsets[0] = base;
    return offsets;
  }
  const index = new Array<number>(rank).fill(0);
  const innerDim = shape[rank - 1]!;
  const innerStride = strides[rank - 1]!;
  let offset = base;
  let k = 0;
  for (;;) {
    for (let j = 0; j < innerDim; j++) offsets[k++] = offset + j * innerStride;
    let axis = rank - 2;
    for (; axis >= 0; axis--) {
      index[axis]!++;
      offset += strides[axis]!;
      if (index[axis]! < shape[axis]!) break;
      offset -= strides[axis]! * shape[axis]!;
      index[axis] = 0;
    }
    if (axis < 0) return offsets;
  }
}
