/** Reductions over any set of axes. */
import { shapeSize, type Shape } from '../shape';
import { allocData, allocForOverwrite } from './alloc';
import { transposeData } from './layout';

/**
 * The data of a reduction laid out in blocks: `outer` groups, each of `reduced` slices of `inner`
 * contiguous elements; the slices of a group reduce, element by element, into the group's `inner`
 * outputs. For consecutive axes (the rows or columns of a matrix, the last axis of a batch) that is
 * the input itself; otherwise a copy with the reduced axes moved after the kept ones (inner = 1).
 * Either way each output's elements are visited in the order they have in the input, so a result
 * does not depend on which layout it came from.
 */
interface Blocks {
  data: Float64Array;
  outer: number;
  reduced: number;
  inner: number;
}

function blocksOf(x: Float64Array, shape: Shape, axes: readonly number[]): Blocks {
  if (axes.length === 0) return { data: x, outer: x.length, reduced: 1, inner: 1 };
  const first = axes[0]!;
  const last = axes[axes.length - 1]!; // axes are sorted
  if (last - first === axes.length - 1) {
    const outer = shapeSize(shape.slice(0, first));
    return { data: x, outer, reduced: shapeSize(shape.slice(first, last + 1)), inner: shapeSize(shape.slice(last + 1)) };
  }
  const kept = shape.map((_, d) => d).filter((d) => !axes.includes(d));
  return {
    data: transposeData(x, shape, [...kept, ...axes]),
    outer: shapeSize(kept.map((d) => shape[d]!)),
    reduced: shapeSize(axes.map((d) => shape[d]!)),
    inner: 1,
  };
}

/** Sum over `axes`; the result has the kept axes only (keepDims is a reshape, done by the op). */
export function sumAxes(x: Float64Array, shape: Shape, axes: readonly number[]): Float64Array {
  const { data, outer, reduced, inner } = blocksOf(x, shape, axes);
  const out = allocData(outer * inner);
  let from = 0;
  if (inner === 1) {
    // Each output is a run of consecutive elements: summed in a local, several times faster.
    for (let o = 0; o < outer; o++) {
      let total = 0;
      for (let r = 0; r < reduced; r++) total += data[from++]!;
      out[o] = total;
    }
    return out;
  }
  for (let o = 0; o < outer; o++) {
    const first = o * inner;
    const end = first + inner;
    for (let r = 0; r < reduced; r++) for (let t = first; t < end; t++) out[t]! += data[from++]!;
  }
  return out;
}

/**
 * Below this a sum of squares may have lost accuracy to underflow (squares of elements under
 * 2⁻⁵³⁷ are subnormal or 0); at or above it, the roundings of the subnormal squares, 2⁻¹⁰⁷ of it
 * each at most, are far below its ulp.
 */
const SQUARES_MAY_UNDERFLOW = 2 ** -968;

/**
 * The Euclidean norm √Σx² over `axes`. A group whose sum of squares overflows to ∞, or is so
 * small that it may have underflowed, is summed again with its elements divided by their largest
 * magnitude m, as m·√Σ(x/m)² (as BLAS's nrm2 and Math.hypot): ‖[3, 4]·10²⁰⁰‖ is 5·10²⁰⁰, not ∞,
 * and ‖[3, 4]·10⁻²⁰⁰‖ is 5·10⁻²⁰⁰, not 0. Other groups keep the plain sum's bits. NaN gives NaN, ±∞
 * (without NaN) gives ∞.
 */
export function normAxes(x: Float64Array, shape: Shape, axes: readonly number[]): Float64Array {
  // Over every axis (a whole gradient's norm, say) the squares are summed in order as sumAxes would,
  // without an array of them.
  const out = axes.length === shape.length ? Float64Array.of(sumOfSquares(x)) : sumAxes(x.map((v) => v * v), shape, axes);
  const rescale = out.map((t) => (t === Infinity || t < SQUARES_MAY_UNDERFLOW ? 1 : 0));
  if (rescale.includes(1)) {
    const blocks = blocksOf(x.map(Math.abs), shape, axes);
    const largest = extremeOfBlocks(blocks, 1);
    const { data, outer, reduced, inner } = blocks;
    for (let t = 0; t < out.length; t++) if (rescale[t] === 1) out[t] = 0;
    for (let o = 0; o < outer; o++) {
      for (let r = 0; r < reduced; r++) {
        const from = (o * reduced + r) * inner;
        for (let i = 0, t = o * inner; i < inner; i++, t++) {
          if (rescale[t] === 1) {
            const q = data[from + i]! / largest[t]!;
            out[t]! += q * q;
          }
        }
      }
    }
    for (let t = 0; t < out.length; t++) {
      const m = largest[t]!;
      // m = ∞: an infinite element (a NaN would have made the plain sum NaN); m = 0 or −∞: zeros, or none.
      if (rescale[t] === 1) out[t] = m === Infinity ? m : m > 0 ? m * Math.sqrt(out[t]!) : 0;
    }
  }
  for (let t = 0; t < out.length; t++) if (rescale[t] === 0) out[t] = Math.sqrt(out[t]!);
  return out;
}

function sumOfSquares(x: Float64Array): number {
  let total = 0;
  for (let i = 0; i < x.length; i++) total += x[i]! * x[i]!;
  return total;
}

/** Product over `axes` (1 for an empty one), the factors taken in the input's order. */
export function prodAxes(x: Float64Array, shape: Shape, axes: readonly number[]): Float64Array {
  const { data, outer, reduced, inner } = blocksOf(x, shape, axes);
  const out = allocForOverwrite(outer * inner).fill(1);
  let from = 0;
  for (let o = 0; o < outer; o++) {
    const first = o * inner;
    const end = first + inner;
    for (let r = 0; r < reduced; r++) for (let t = first; t < end; t++) out[t]! *= data[from++]!;
  }
  return out;
}

/**
 * Calls `lane(start, step)` for every lane along `axis` of a tensor of `shape`: the indices start,
 * start + step, … (dim of them) walk one lane from its first element, or from its last when
 * `reverse` (step negative then). The running kernels below are loops over one lane each.
 */
function forEachLane(shape: Shape, axis: number, reverse: boolean, lane: (start: number, step: number, dim: number) => void): void {
  const dim = shape[axis]!;
  if (dim === 0) return;
  const outer = shapeSize(shape.slice(0, axis));
  const inner = shapeSize(shape.slice(axis + 1));
  const step = reverse ? -inner : inner;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) lane(o * dim * inner + i + (reverse ? (dim - 1) * inner : 0), step, dim);
  }
}

/**
 * Running sums along `axis`: out[k] = x[0] + … + x[k], or, `reverse`, out[k] = x[k] + … + x[n − 1],
 * each accumulated term by term from the first (which is copied, so −0 stays −0, as in NumPy).
 */
export function cumsumAxis(x: Float64Array, shape: Shape, axis: number, reverse: boolean): Float64Array {
  const out = allocForOverwrite(x.length);
  forEachLane(shape, axis, reverse, (at, step, dim) => {
    let total = x[at]!;
    out[at] = total;
    for (let j = 1; j < dim; j++) {
      at += step;
      total += x[at]!;
      out[at] = total;
    }
  });
  return out;
}

/**
 * The first-order linear recurrence along `axis`: h[0] = b[0], h[k] = a[k]·h[k − 1] + b[k]; or,
 * `reverse`, from the other end: h[n − 1] = b[n − 1], h[k] = a[k]·h[k + 1] + b[k]. a and b have
 * `shape`. (a[0], or a[n − 1] in reverse, multiplies nothing: h before the first is 0.)
 */
export function linearRecurrenceAxis(a: Float64Array, b: Float64Array, shape: Shape, axis: number, reverse: boolean): Float64Array {
  const out = allocForOverwrite(a.length);
  forEachLane(shape, axis, reverse, (at, step, dim) => {
    let h = b[at]!;
    out[at] = h;
    for (let j = 1; j < dim; j++) {
      at += step;
      h = a[at]! * h + b[at]!;
      out[at] = h;
    }
  });
  return out;
}

/**
 * Running log-sum-exps along `axis`: out[k] = ln Σᵢ≤ₖ e^{x[i]}, each from the one before as
 * m + ln(1 + e^−|out[k − 1] − x[k]|), m the larger of the two, so nothing overflows and −∞ adds
 * nothing. NaN from a NaN on.
 */
export function logCumSumExpAxis(x: Float64Array, shape: Shape, axis: number): Float64Array {
  const out = allocForOverwrite(x.length);
  forEachLane(shape, axis, false, (at, step, dim) => {
    let total = x[at]!;
    out[at] = total;
    for (let j = 1; j < dim; j++) {
      at += step;
      total = logAddExp(total, x[at]!);
      out[at] = total;
    }
  });
  return out;
}

/** ln(eᵃ + eᵇ) without overflow: ±∞ where the larger is ±∞ (−∞ only when both are), NaN for NaN. */
export function logAddExp(a: number, b: number): number {
  if (a !== a || b !== b) return NaN;
  const m = a > b ? a : b;
  return m === Infinity || m === -Infinity ? m : m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** Max (or min, with `sign` = -1) over `axes`. NaN propagates, as in NumPy. */
export function extremeAxes(x: Float64Array, shape: Shape, axes: readonly number[], sign: 1 | -1): Float64Array {
  return extremeOfBlocks(blocksOf(x, shape, axes), sign);
}

function extremeOfBlocks({ data, outer, reduced, inner }: Blocks, sign: 1 | -1): Float64Array {
  const out = allocData(outer * inner).fill(-sign * Infinity);
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < reduced; r++) {
      const from = (o * reduced + r) * inner;
      for (let i = 0, t = o * inner; i < inner; i++, t++) out[t] = extreme(out[t]!, data[from + i]!, sign);
    }
  }
  return out;
}

/** The larger (sign 1) or smaller (sign -1) of a running extreme and a value; NaN sticks. */
function extreme(best: number, v: number, sign: 1 | -1): number {
  return v !== v ? NaN : sign * v > sign * best ? v : best;
}

/**
 * log Σ exp(x) over `axes`, stable: the maximum is subtracted before exponentiating, so ±1000 and
 * -∞ inputs give finite or exact results.
 */
export function logSumExpAxes(x: Float64Array, shape: Shape, axes: readonly number[]): Float64Array {
  const blocks = blocksOf(x, shape, axes); // a copy for axes with gaps: made once for both passes
  const max = extremeOfBlocks(blocks, 1);
  const { data, outer, reduced, inner } = blocks;
  // Shift by the maximum where it is finite; an infinite or NaN maximum decides the result alone.
  const shift = max.map((m) => (Number.isFinite(m) ? m : 0));
  const acc = allocData(max.length);
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < reduced; r++) {
      const from = (o * reduced + r) * inner;
      for (let i = 0, t = o * inner; i < inner; i++, t++) acc[t]! += Math.exp(data[from + i]! - shift[t]!);
    }
  }
  for (let j = 0; j < acc.length; j++) {
    const m = max[j]!;
    acc[j] = Number.isFinite(m) ? m + Math.log(acc[j]!) : m === -Infinity ? -Infinity : m;
  }
  return acc;
}

/**
 * log softmax along `axis`, stable: each row is shifted by its maximum (where that is finite)
 * before anything is exponentiated, as scipy does, so x − max stays exact where it matters
 * (softmax of [1e16, 1e16] is [½, ½], where x − logSumExp(x) would round log Σ away). The same
 * operations, in the same order, as x − m followed by logSumExpAxes of the result.
 */
export function logSoftmaxAxis(x: Float64Array, shape: Shape, axis: number): Float64Array {
  const { outer, reduced: dim, inner } = blocksOf(x, shape, [axis]);
  const out = allocData(x.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const first = o * dim * inner + i;
      const last = first + dim * inner;
      const shift = softmaxShift(x, first, last, inner);
      const logSum = shiftedLogSum(x, first, last, inner, shift);
      for (let at = first; at < last; at += inner) out[at] = x[at]! - shift - logSum;
    }
  }
  return out;
}

/**
 * What log softmax first subtracts from the slice x[first], x[first + step], … (before `last`): its
 * maximum where that is finite, else 0 (an infinite or NaN maximum decides the result alone).
 */
export function softmaxShift(x: Float64Array, first: number, last: number, step: number): number {
  const max = sliceMax(x, first, last, step);
  return Number.isFinite(max) ? max : 0;
}

/** The maximum of the slice x[first], x[first + step], … (before `last`); NaN if any is NaN. */
export function sliceMax(x: Float64Array, first: number, last: number, step: number): number {
  let max = -Infinity;
  for (let at = first; at < last; at += step) max = extreme(max, x[at]!, 1);
  return max;
}

/**
 * log Σ exp(x − shift) over the slice, stably; log softmax is then x − shift − this, in that order
 * (see {@link logSoftmaxAxis}).
 */
export function shiftedLogSum(x: Float64Array, first: number, last: number, step: number, shift: number): number {
  let shiftedMax = -Infinity;
  for (let at = first; at < last; at += step) shiftedMax = extreme(shiftedMax, x[at]! - shift, 1);
  if (!Number.isFinite(shiftedMax)) return shiftedMax; // −∞ (all −∞), +∞ or NaN
  let sum = 0;
  for (let at = first; at < last; at += step) sum += Math.exp(x[at]! - shift - shiftedMax);
  return shiftedMax + Math.log(sum);
}

/** Index of the max (or min, with `sign` = -1) along one axis; the first one on ties. */
export function argExtremeAxis(x: Float64Array, shape: Shape, axis: number, sign: 1 | -1): Float64Array {
  const { outer, reduced: dim, inner } = blocksOf(x, shape, [axis]);
  const out = allocData(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = 0;
      let bestValue = x[o * dim * inner + i]!;
      for (let j = 1; j < dim; j++) {
        const v = x[(o * dim + j) * inner + i]!;
        if (sign * v > sign * bestValue || (v !== v && bestValue === bestValue)) {
          best = j;
          bestValue = v;
        }
      }
      out[o * inner + i] = best;
    }
  }
  return out;
}
