/**
 * Order statistics: quantile and median, NumPy's, composed of sort and gather, so their gradients
 * go back to the elements they were read from (and split between the two around a quantile that
 * falls between them).
 */
import { ValueError } from '../errors';
import { describeValue, formatShape, normalizeAxes } from '../shape';
import { engineTensor, type Tensor, type TensorLike } from '../tensor';
import { toTensor } from '../create';
import { requireChoice, requireKeepDims, requireOptions } from '../arguments';
import { add, mul, sub } from './binary';
import { equal, greaterEqual, isInf, isNaN } from './constant';
import { gather, where } from './indexing';
import { reshape } from './layout';
import { transpose } from './matrix';
import { sort } from './order';

/** Axes to reduce: one, a list, or undefined for all. @inline */
type Axis = number | readonly number[] | undefined;

/** How {@link quantile} reads a quantile that falls between two sorted elements, as NumPy's `method`. */
export type QuantileMethod = 'linear' | 'lower' | 'higher' | 'nearest' | 'midpoint';

/** Options of {@link quantile}. */
export interface QuantileOptions {
  /**
   * For a quantile at position q·(n − 1) between the sorted elements i and i + 1: 'linear' (the
   * default) interpolates between them, 'lower' takes element i, 'higher' element i + 1, 'nearest'
   * the nearer (the even index on a tie, as NumPy), 'midpoint' their mean. As NumPy's `method` and
   * PyTorch's `interpolation`.
   */
  method?: QuantileMethod;
}

/**
 * x's lanes along `axis` sorted, as the last axis of a tensor [...kept, n], with the shapes the
 * result takes: the kept axes alone, or with the reduced ones as 1s (keepDims).
 */
function sortedLanes(op: string, x: Tensor, axis: Axis): { sorted: Tensor; n: number; kept: number[]; keptDims: number[] } {
  const shape = x.shape;
  const axes = normalizeAxes(op, axis, x.rank);
  const keptAxes = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const kept = keptAxes.map((i) => shape[i]!);
  const n = axes.reduce((p, a) => p * shape[a]!, 1);
  if (n === 0) throw new ValueError(`${op}: an empty lane has no ${op}, and ${axis === undefined ? 'the tensor' : `axis ${describeValue(axis)}`} of shape ${formatShape(shape)} is empty`);
  const perm = [...keptAxes, ...axes];
  const moved = perm.every((p, i) => p === i) ? x : transpose(x, perm);
  return { sorted: sort(reshape(moved, [...kept, n]), -1), n, kept, keptDims: shape.map((d, i) => (axes.includes(i) ? 1 : d)) };
}

/** The sorted lanes' elements at `positions` (one index per lane each), as a last axis of their number. */
const at = (sorted: Tensor, positions: readonly number[]): Tensor => gather(sorted, positions, sorted.rank - 1);

/** `values` [...kept, m], with NaN wherever a lane holds one (sort puts NaN last), as NumPy. */
function withNaNs(sorted: Tensor, n: number, values: Tensor): Tensor {
  return where(isNaN(at(sorted, [n - 1])), NaN, values);
}

/**
 * a + (b − a)·t, and b − (b − a)(1 − t) for t ≥ ½: NumPy's interpolation, exact at both ends. Where
 * t is 0, or a and b are the same infinity, the result is a itself: NumPy's ∞ − ∞ makes those NaN
 * (its quantile 0 of [−∞, 0] is NaN), though no interpolation is needed there.
 */
function lerp(a: Tensor, b: Tensor, t: Tensor): Tensor {
  const span = sub(b, a);
  const between = where(greaterEqual(t, 0.5), sub(b, mul(span, sub(1, t))), add(a, mul(span, t)));
  return where(add(equal(t, 0), mul(isInf(a), equal(a, b))), a, between);
}

/** The index of a quantile's position p between elements lo and lo + 1 (rounding half to even). */
function nearestIndex(p: number): number {
  const lo = Math.floor(p);
  const fraction = p - lo;
  return fraction < 0.5 ? lo : fraction > 0.5 ? lo + 1 : lo % 2 === 0 ? lo : lo + 1;
}

/**
 * The q-th quantile of x over `axis` (all elements when omitted; a number or a list, reduced as
 * one), q in [0, 1] a number or a list of them, as NumPy's `quantile` (PyTorch's `torch.quantile`).
 * For a list q, the quantiles are the first axis of the result, as in both. By default the value at
 * position q·(n − 1) of the sorted lane is interpolated linearly between its neighbours; see
 * {@link QuantileOptions} for the others. NaN where a lane holds a NaN, as NumPy. Differentiable in
 * x: the gradient goes to the one or two sorted elements each quantile was read from, weighted as
 * they were. Unlike NumPy, a quantile that falls exactly on an element is that element even when it
 * is ±∞ (NumPy's interpolation gives NaN there).
 *
 * @example
 * quantile(tensor([1, 2, 3, 4]), 0.5).item(); // 2.5
 * quantile(tensor([[1, 5], [3, 2]]), [0, 1], 1).toArray(); // [[1, 2], [5, 3]]
 * @throws ValueError for a q outside [0, 1], an empty lane, or an unknown method.
 */
export function quantile(x: TensorLike, q: number | readonly number[], axis?: Axis, keepDims = false, options?: QuantileOptions): Tensor {
  const t = toTensor(x, 'quantile');
  const qs = typeof q === 'number' ? [q] : Array.isArray(q) ? [...(q as readonly unknown[])] : null;
  if (qs === null || qs.length === 0 || qs.some((v) => typeof v !== 'number' || !(v >= 0 && v <= 1))) {
    throw new ValueError(`quantile: q must be a number in [0, 1] or a non-empty list of them, got ${describeValue(q)}`);
  }
  requireKeepDims('quantile', keepDims);
  const { method = 'linear' } = requireOptions('quantile', options, ['method']);
  requireChoice('quantile', 'method', method, ['linear', 'lower', 'higher', 'nearest', 'midpoint']);
  const { sorted, n, kept, keptDims } = sortedLanes('quantile', t, axis);
  const positions = (qs as number[]).map((v) => v * (n - 1));
  const below = positions.map(Math.floor);
  const above = below.map((i) => Math.min(i + 1, n - 1));
  let values: Tensor;
  if (method === 'lower') values = at(sorted, below);
  else if (method === 'higher') values = at(sorted, positions.map(Math.ceil));
  else if (method === 'nearest') values = at(sorted, positions.map(nearestIndex));
  else {
    // 'midpoint' is the mean of the two neighbours, unless the position is one of them.
    const fractions = positions.map((p, i) => (method === 'midpoint' ? (p === below[i] ? 0 : 0.5) : p - below[i]!));
    values = lerp(at(sorted, below), at(sorted, above), engineTensor(Float64Array.from(fractions), [fractions.length]));
  }
  values = withNaNs(sorted, n, values); // [...kept, m]
  if (typeof q === 'number') return reshape(values, keepDims ? keptDims : kept);
  const m = qs.length;
  const first = transpose(values, [kept.length, ...kept.map((_, i) => i)]);
  return keepDims ? reshape(first, [m, ...keptDims]) : first;
}

/**
 * The median of x over `axis` (all elements when omitted; a number or a list, reduced as one), as
 * NumPy's `median`: the middle element of each sorted lane, or the mean of the two middle ones when
 * its length is even. NaN where a lane holds a NaN. (PyTorch's `torch.median` returns the lower of
 * the two instead; its `torch.quantile(x, 0.5)` is this.) The gradient goes to the middle element,
 * or half to each of the two.
 *
 * @example
 * median(tensor([3, 1, 4, 1])).item(); // 2
 * @throws ValueError for an empty lane.
 */
export function median(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  const t = toTensor(x, 'median');
  requireKeepDims('median', keepDims);
  const { sorted, n, kept, keptDims } = sortedLanes('median', t, axis);
  const half = n >> 1;
  const middle = n % 2 === 1 ? at(sorted, [half]) : mul(add(at(sorted, [half - 1]), at(sorted, [half])), 0.5);
  return reshape(withNaNs(sorted, n, middle), keepDims ? keptDims : kept);
}
