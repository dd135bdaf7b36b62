/**
 * Diagonals: diagonal, matrixTrace and diag. Each picks or places entries by their flat positions with
 * gather and scatterAdd, so their rules (each other's adjoints) give every derivative.
 */
import { ValueError } from '../errors';
import { checkSize, describeValue, formatShape, normalizeAxis, shapeSize, stridesOf } from '../shape';
import { engineTensor, type Tensor, type TensorLike } from '../tensor';
import { toTensor } from '../create';
import { allocData } from '../kernels/alloc';
import { sum } from './reduce';
import { flatten, reshape } from './layout';
import { gather, scatterAdd } from './indexing';

/** Refuses an offset that is not a whole number. */
function requireOffset(op: string, offset: unknown): number {
  if (!Number.isSafeInteger(offset)) throw new ValueError(`${op}: offset must be a whole number, got ${describeValue(offset)}`);
  return offset as number;
}

/** The tensor and its two axes (normalised) of a diagonal, checked, for the public function `op`. */
function diagonalArguments(op: string, x: TensorLike, offset: unknown, axis1: number, axis2: number): { t: Tensor; a: number; b: number } {
  const t = toTensor(x, op);
  if (t.rank < 2) throw new ValueError(`${op}: needs at least two axes, got shape ${formatShape(t.shape)}`);
  requireOffset(op, offset);
  const a = normalizeAxis(op, axis1, t.rank);
  const b = normalizeAxis(op, axis2, t.rank);
  if (a === b) throw new ValueError(`${op}: axis1 and axis2 must be different axes, got ${axis1} and ${axis2} of shape ${formatShape(t.shape)}`);
  return { t, a, b };
}

/**
 * The flat positions, in an array of `shape`, of the entries on the diagonal `offset` of axes a and
 * b, for every index of the other axes in order: the layout of {@link diagonal}'s result.
 */
function diagonalPositions(shape: readonly number[], a: number, b: number, offset: number): { positions: Float64Array; outShape: number[] } {
  const length = Math.max(0, Math.min(shape[a]! - Math.max(-offset, 0), shape[b]! - Math.max(offset, 0)));
  const restAxes = shape.map((_, i) => i).filter((i) => i !== a && i !== b);
  const rest = restAxes.map((i) => shape[i]!);
  const strides = stridesOf(shape);
  const first = Math.max(-offset, 0) * strides[a]! + Math.max(offset, 0) * strides[b]!;
  const step = strides[a]! + strides[b]!;
  const positions = allocData(shapeSize(rest) * length);
  const index = rest.map(() => 0);
  for (let p = 0; p < positions.length; p += length) {
    let base = first;
    for (let i = 0; i < rest.length; i++) base += index[i]! * strides[restAxes[i]!]!;
    for (let j = 0; j < length; j++) positions[p + j] = base + j * step;
    // The next index of the other axes, the last one fastest.
    for (let i = rest.length - 1; i >= 0 && ++index[i]! === rest[i]!; i--) index[i] = 0;
  }
  return { positions, outShape: [...rest, length] };
}

/**
 * The diagonal of axes `axis1` and `axis2` (default the first two), as NumPy's `diagonal` and
 * PyTorch's `torch.diagonal`: those two axes are removed and the diagonal becomes the last axis.
 * `offset` > 0 takes a diagonal above the main one (x[i, i + offset]), < 0 one below; one that
 * misses the matrix is empty. A copy, whose gradient goes back to the diagonal's entries.
 *
 * @example
 * diagonal(tensor([[1, 2, 3], [4, 5, 6]])).toArray(); // [1, 5]
 * diagonal(tensor([[1, 2, 3], [4, 5, 6]]), 1).toArray(); // [2, 6]
 * @throws ValueError for fewer than two axes, equal axes, or an offset that is not a whole number.
 */
export function diagonal(x: TensorLike, offset = 0, axis1 = 0, axis2 = 1): Tensor {
  const { t, a, b } = diagonalArguments('diagonal', x, offset, axis1, axis2);
  const { positions, outShape } = diagonalPositions(t.shape, a, b, offset);
  return reshape(gather(flatten(t), engineTensor(positions, [positions.length]), 0), outShape);
}

/**
 * The sum of a diagonal (NumPy's `trace`, PyTorch's `torch.trace`, and `x.trace()`; the name
 * `trace` is core's tracing transform): of axes `axis1` and `axis2` (default the first two) at
 * `offset` (see {@link diagonal}), so a stack of matrices gives a trace each when those axes are
 * given; a matrix gives a scalar. Its gradient is 1 on the diagonal.
 *
 * @example
 * matrixTrace(tensor([[1, 2], [3, 4]])).item(); // 5
 */
export function matrixTrace(x: TensorLike, offset = 0, axis1 = 0, axis2 = 1): Tensor {
  const { t, a, b } = diagonalArguments('matrixTrace', x, offset, axis1, axis2);
  return sum(diagonal(t, offset, a, b), -1);
}

/**
 * NumPy's `diag`: a vector of length n gives the square matrix of size n + |k| with the vector on
 * its diagonal `k` (above the main one for k > 0) and zeros elsewhere; a matrix gives its diagonal
 * `k` (as {@link diagonal}). Gradients flow both ways.
 *
 * @example
 * diag(tensor([1, 2])).toArray(); // [[1, 0], [0, 2]]
 * diag(tensor([[1, 2], [3, 4]])).toArray(); // [1, 4]
 * @throws ValueError for a tensor that is not one- or two-dimensional, or a k that is not a whole number.
 */
export function diag(x: TensorLike, k = 0): Tensor {
  const t = toTensor(x, 'diag');
  requireOffset('diag', k);
  if (t.rank === 2) return diagonal(t, k);
  if (t.rank !== 1) throw new ValueError(`diag: needs a vector or a matrix, got shape ${formatShape(t.shape)}`);
  const n = t.shape[0]! + Math.abs(k);
  checkSize('diag', [n, n], 'the result');
  const { positions } = diagonalPositions([n, n], 0, 1, k);
  return reshape(scatterAdd(t, engineTensor(positions, [positions.length]), 0, n * n), [n, n]);
}
