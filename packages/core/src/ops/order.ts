/**
 * Reordering entries along an axis: takeAlongAxis, flip, roll, sort, argsort and topK. Each is a
 * composite of gather (or, for the indices alone, no op at all), so it is differentiable in both
 * modes and to any order with gather's rules: the gradient goes back to the entry each output was
 * taken from, and adds up where one entry was taken twice.
 */
import { ShapeError, ValueError } from '../errors';
import { describeValue, formatShape, normalizeAxes, normalizeAxis, sameShape, shapeSize, stridesOf, type Shape } from '../shape';
import { Tensor, engineTensor } from '../tensor';
import { toIndexTensor, toTensor } from '../create';
import { allocData } from '../kernels/alloc';
import { requireOptions } from '../arguments';
import { gather } from './indexing';
import { broadcastTo, flatten, identity, reshape, slice } from './layout';

/**
 * Takes, at each position of `indices`, the entry of `x` along `axis` that the index names, as
 * NumPy's `take_along_axis` and PyTorch's `torch.gather(x, axis, indices)`: `indices` has `x`'s
 * rank, and out[…, j, …] = x[…, indices[…, j, …], …]. On the other axes `indices` and `x`
 * broadcast (NumPy's rule). Indices must be integers in [0, x.shape[axis]), as gather's.
 * Differentiable in `x`. {@link gather} is the other kind of indexing: one list of indices for
 * every position (NumPy's `take`, PyTorch's `index_select`).
 *
 * @example
 * takeAlongAxis(tensor([[10, 20, 30], [40, 50, 60]]), [[2], [0]], 1); // [[30], [40]]
 */
export function takeAlongAxis(xArg: Tensor, indicesArg: Tensor | readonly number[] | readonly (readonly number[])[], axis: number): Tensor {
  const op = 'takeAlongAxis';
  const x = toTensor(xArg, op);
  const indices = toIndexTensor(op, indicesArg as readonly number[]);
  if (x.rank === 0) throw new ShapeError(`${op}: cannot index a scalar`);
  if (indices.rank !== x.rank) {
    throw new ShapeError(`${op}: indices must have x's rank (${x.rank}), got shape ${formatShape(indices.shape)} for x of shape ${formatShape(x.shape)}`);
  }
  const a = normalizeAxis(op, axis, x.rank);
  const dim = x._shape[a]!;
  for (const index of indices.data) {
    if (!Number.isInteger(index) || index < 0 || index >= dim) throw new ValueError(`${op}: index ${index} is out of range for axis ${a} of size ${dim}`);
  }
  const outShape = x._shape.map((d, i) => {
    if (i === a) return indices._shape[i]!;
    const e = indices._shape[i]!;
    if (d !== e && d !== 1 && e !== 1) {
      throw new ShapeError(`${op}: indices of shape ${formatShape(indices.shape)} do not broadcast against x of shape ${formatShape(x.shape)} outside axis ${a}`);
    }
    return d === 1 ? e : d;
  });
  const source = x._shape.map((d, i) => (i === a ? d : outShape[i]!));
  const wide = sameShape(x._shape, source) ? x : broadcastTo(x, source);
  const flat = flatIndices(indices, outShape, source, a);
  return reshape(gather(flatten(wide), engineTensor(flat, [flat.length]), 0), outShape);
}

/** For each position of `outShape`, the flat position in an array of `source` shape of the entry `indices` (checked) names there along axis `a`. */
function flatIndices(indices: Tensor, outShape: Shape, source: Shape, a: number): Float64Array {
  const n = shapeSize(outShape);
  const out = allocData(n);
  const sourceStrides = stridesOf(source);
  const indexStrides = stridesOf(indices._shape).map((s, i) => (indices._shape[i] === 1 ? 0 : s));
  const outStrides = stridesOf(outShape);
  const values = indices.data;
  for (let p = 0; p < n; p++) {
    let rest = p;
    let at = 0;
    let from = 0;
    for (let d = 0; d < outShape.length; d++) {
      const coordinate = Math.floor(rest / outStrides[d]!);
      rest -= coordinate * outStrides[d]!;
      from += coordinate * indexStrides[d]!;
      if (d !== a) at += coordinate * sourceStrides[d]!;
    }
    out[p] = at + values[from]! * sourceStrides[a]!;
  }
  return out;
}

/** The axes `axis` names, one or a list, normalized, in the order given (roll pairs them with its shifts). */
function axesOf(op: string, axis: number | readonly number[], rank: number): number[] {
  const list = typeof axis === 'number' ? [axis] : axis;
  if (!Array.isArray(list)) throw new ValueError(`${op}: axis must be an integer or a list of them, got ${describeValue(axis)}`);
  return Array.from(list, (ax: number) => normalizeAxis(op, ax, rank)); // not map, which skips a sparse list's holes
}

/** 0, 1, …, n − 1 mapped by `f`, as an index tensor. */
function indexTensor(n: number, f: (i: number) => number): Tensor {
  const data = allocData(n);
  for (let i = 0; i < n; i++) data[i] = f(i);
  return engineTensor(data, [n]);
}

/**
 * The entries in reverse order along `axis` (every axis when it is not given, or those listed), as
 * NumPy's `flip` and PyTorch's `torch.flip`. Differentiable: the gradient is flipped back.
 */
export function flip(xArg: Tensor, axis?: number | readonly number[]): Tensor {
  const x = toTensor(xArg, 'flip');
  const flipped = normalizeAxes('flip', axis, x.rank).reduce((t, a) => {
    const n = t._shape[a]!;
    return n < 2 ? t : gather(t, indexTensor(n, (i) => n - 1 - i), a);
  }, x);
  return flipped === x ? identity(x) : flipped; // a copy always, as gather's
}

/**
 * The entries shifted by `shift` places along `axis`, those pushed past the end coming back at the
 * start, as NumPy's `roll` and PyTorch's `torch.roll`: out[(i + shift) mod n] = x[i]. Without
 * `axis`, `x` is rolled as a flat list and keeps its shape; with a list of axes, `shift` is a list
 * of the same length or one shift for all of them (NumPy's broadcasting), and an axis listed twice
 * is shifted by the sum. Differentiable: the gradient is rolled back.
 */
export function roll(xArg: Tensor, shift: number | readonly number[], axis?: number | readonly number[]): Tensor {
  const op = 'roll';
  const x = toTensor(xArg, op);
  const shifts = typeof shift === 'number' ? [shift] : shift;
  if (!Array.isArray(shifts) || !shifts.every((s) => Number.isInteger(s))) {
    throw new ValueError(`${op}: shift must be an integer or a list of them, got ${describeValue(shift)}`);
  }
  if (axis === undefined || axis === null) {
    if (shifts.length !== 1) throw new ValueError(`${op}: without axis, shift must be one integer, got ${describeValue(shift)}`);
    return reshape(roll(flatten(x), shifts[0]!, 0), x._shape);
  }
  const axes = axesOf(op, axis, x.rank);
  // As NumPy: the shifts broadcast against the axes (one shift for every axis listed, or one axis
  // for every shift), and the shifts of an axis listed twice add up.
  const count = axes.length === shifts.length ? axes.length : axes.length === 1 ? shifts.length : shifts.length === 1 ? axes.length : -1;
  if (count < 0) {
    throw new ValueError(`${op}: shift and axis must be of the same length (or one of them single), got ${describeValue(shift)} and ${describeValue(axis)}`);
  }
  const total = new Map<number, number>();
  for (let k = 0; k < count; k++) {
    const a = axes[axes.length === 1 ? 0 : k]!;
    total.set(a, (total.get(a) ?? 0) + shifts[shifts.length === 1 ? 0 : k]!);
  }
  let rolled = x;
  for (const [a, by] of total) {
    const n = rolled._shape[a]!;
    const s = n === 0 ? 0 : ((by % n) + n) % n;
    if (s !== 0) rolled = gather(rolled, indexTensor(n, (i) => (i - s + n) % n), a);
  }
  return rolled === x ? identity(x) : rolled; // a copy always, as gather's
}

/**
 * The indices that order each lane of `x` along `a`, as a tensor of x's shape: ascending with NaN
 * last, as NumPy's and PyTorch's sorts (descending, NaN first, for topK's largest); equal values
 * (−0 and 0 among them) keep their order, so the result does not depend on the sorting algorithm.
 */
function orderIndices(x: Tensor, a: number, descending: boolean): Tensor {
  const shape = x._shape;
  const n = shape[a]!;
  const inner = shapeSize(shape.slice(a + 1));
  const outer = shapeSize(shape.slice(0, a));
  const data = x.data;
  const out = allocData(data.length);
  const keys = new Float64Array(n);
  const order = new Uint32Array(n);
  const scratch = new Uint32Array(n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      // The numbers first, in order, then the NaNs (last ascending, first descending), each group in its order.
      let count = 0;
      for (let j = 0; j < n; j++) {
        const v = data[base + j * inner]!;
        keys[j] = v;
        if (v === v) order[count++] = j;
      }
      let nans = count;
      for (let j = 0; j < n; j++) if (keys[j] !== keys[j]) order[nans++] = j;
      mergeSort(order, scratch, count, keys, descending);
      const first = descending ? n - count : 0; // where the numbers go
      for (let j = 0; j < count; j++) out[base + (first + j) * inner] = order[j]!;
      for (let j = count; j < n; j++) out[base + (descending ? j - count : j) * inner] = order[j]!;
    }
  }
  return engineTensor(out, shape);
}

/**
 * Sorts `order[0..count)` by `keys` (no NaN among them), stably: runs of 16 by insertion, then
 * merges. Each index travels with a copy of its key, so the merges read memory in order rather than
 * looking keys up at random.
 */
function mergeSort(order: Uint32Array, scratch: Uint32Array, count: number, keys: Float64Array, descending: boolean): void {
  let fromKeys = new Float64Array(count);
  let toKeys = new Float64Array(count);
  for (let k = 0; k < count; k++) fromKeys[k] = keys[order[k]!]!;
  const RUN = 16;
  for (let start = 0; start < count; start += RUN) {
    const end = Math.min(start + RUN, count);
    for (let k = start + 1; k < end; k++) {
      const item = order[k]!;
      const key = fromKeys[k]!;
      let m = k - 1;
      while (m >= start && (descending ? fromKeys[m]! < key : fromKeys[m]! > key)) {
        order[m + 1] = order[m]!;
        fromKeys[m + 1] = fromKeys[m]!;
        m--;
      }
      order[m + 1] = item;
      fromKeys[m + 1] = key;
    }
  }
  let from = order;
  let to = scratch;
  for (let width = RUN; width < count; width *= 2) {
    for (let left = 0; left < count; left += 2 * width) {
      const middle = Math.min(left + width, count);
      const end = Math.min(left + 2 * width, count);
      let p = left;
      let q = middle;
      let k = left;
      while (p < middle && q < end) {
        const a = fromKeys[p]!;
        const b = fromKeys[q]!;
        // Stable: the left one goes first unless the right one is strictly before it.
        if (descending ? b > a : b < a) {
          toKeys[k] = b;
          to[k++] = from[q++]!;
        } else {
          toKeys[k] = a;
          to[k++] = from[p++]!;
        }
      }
      while (p < middle) {
        toKeys[k] = fromKeys[p]!;
        to[k++] = from[p++]!;
      }
      while (q < end) {
        toKeys[k] = fromKeys[q]!;
        to[k++] = from[q++]!;
      }
    }
    [from, to] = [to, from];
    [fromKeys, toKeys] = [toKeys, fromKeys];
  }
  if (from !== order) order.set(from.subarray(0, count));
}

/** The axis a sort runs along, checked: x must have one. */
function sortAxis(op: string, x: Tensor, axis: number): number {
  if (x.rank === 0) throw new ShapeError(`${op}: needs at least one axis, got a scalar`);
  return normalizeAxis(op, axis, x.rank);
}

/**
 * The indices that sort `x` along `axis` in ascending order (NaN last; equal values in their
 * order), as NumPy's `argsort(kind='stable')` and PyTorch's `argsort(stable=True)`: a tensor of
 * x's shape holding integers, not differentiable (it is constant where x has no ties).
 */
export function argsort(xArg: Tensor, axis = -1): Tensor {
  const x = toTensor(xArg, 'argsort');
  return orderIndices(x, sortAxis('argsort', x, axis), false);
}

/**
 * `x` sorted along `axis` in ascending order (NaN last), as NumPy's `sort` and PyTorch's
 * `torch.sort(...).values`. Differentiable: each entry's gradient goes back to where it came from.
 */
export function sort(xArg: Tensor, axis = -1): Tensor {
  const x = toTensor(xArg, 'sort');
  const a = sortAxis('sort', x, axis);
  return takeAlongAxis(x, orderIndices(x, a, false), a);
}

/** Options of {@link topK}. */
export interface TopKOptions {
  /** Along which axis (default −1, the last). */
  axis?: number;
  /** The largest values, in descending order (default true), or the smallest, ascending. */
  largest?: boolean;
}

/**
 * The `k` largest entries of `x` along an axis, in descending order, and their indices, as
 * PyTorch's `torch.topk` (`largest: false` gives the smallest, ascending). NaN counts as larger
 * than every number, as in PyTorch; equal values come in their order in `x`. The values are
 * differentiable (their gradient goes back to where they came from); the indices are integers.
 * @returns `[values, indices]`, both of x's shape with `k` entries along the axis.
 */
export function topK(xArg: Tensor, k: number, options: TopKOptions = {}): [Tensor, Tensor] {
  const op = 'topK';
  const x = toTensor(xArg, op);
  const { axis = -1, largest = true } = requireOptions(op, options, ['axis', 'largest']);
  if (typeof largest !== 'boolean') throw new ValueError(`${op}: largest must be true or false, got ${describeValue(largest)}`);
  const a = sortAxis(op, x, axis);
  const n = x._shape[a]!;
  if (!Number.isInteger(k) || k < 0 || k > n) throw new ValueError(`${op}: k must be a whole number from 0 to ${n} (the size of axis ${a}), got ${describeValue(k)}`);
  const order = orderIndices(x, a, largest);
  const indices = slice(order, order._shape.map(() => 0), order._shape.map((d, i) => (i === a ? k : d)));
  return [takeAlongAxis(x, indices, a), indices];
}
