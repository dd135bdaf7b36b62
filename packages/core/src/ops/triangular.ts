/** The lower and upper triangles of matrices: tril and triu, composites of where. */
import { ShapeError, ValueError } from '../errors';
import { describeValue, formatShape } from '../shape';
import { engineTensor, type Tensor } from '../tensor';
import { toTensor } from '../create';
import { allocData } from '../kernels/alloc';
import { where } from './indexing';

/** `x` with the entries of its last two axes where `keep(row, column)` fails set to 0. */
function triangle(op: string, xArg: Tensor, k: number, keep: (row: number, column: number) => boolean): Tensor {
  const x = toTensor(xArg, op);
  if (x.rank < 2) throw new ShapeError(`${op}: needs a matrix or a stack of them (rank ≥ 2), got shape ${formatShape(x.shape)}`);
  if (!Number.isInteger(k)) throw new ValueError(`${op}: k must be an integer (the diagonal: 0 the main one, > 0 above, < 0 below), got ${describeValue(k)}`);
  const [rows, columns] = x._shape.slice(-2) as [number, number];
  const mask = allocData(rows * columns);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) mask[r * columns + c] = keep(r, c) ? 1 : 0;
  return where(engineTensor(mask, [rows, columns]), x, 0);
}

/**
 * The lower triangle of the matrices in the last two axes of `x`: entries on and below diagonal
 * `k` (0 the main diagonal, k > 0 above it, k < 0 below), the others 0, as NumPy's and PyTorch's
 * `tril`. Differentiable: the gradient of a zeroed entry is 0.
 */
export const tril = (x: Tensor, k = 0): Tensor => triangle('tril', x, k, (r, c) => c - r <= k);

/** The upper triangle: entries on and above diagonal `k`, the others 0, as NumPy's and PyTorch's `triu`. See {@link tril}. */
export const triu = (x: Tensor, k = 0): Tensor => triangle('triu', x, k, (r, c) => c - r >= k);
