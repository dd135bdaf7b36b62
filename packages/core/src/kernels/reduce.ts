/** Reductions over any set of axes. */
import { reducedShape, shapeSize, stridesOf, type Shape } from '../shape';
import { allocData } from './alloc';
import { stridedOffsets } from './elementwise';

/**
 * A reduction over consecutive axes (the usual case: the rows or the columns of a matrix, the last
 * axis of a batch) as blocks: `outer` groups, each summing `reduced` slices of `inner` contiguous
 * elements. Null for axes with gaps between them. Walking the blocks visits the elements in the
 * same order as walking the input, so results do not depend on which path a reduction takes.
 */
interface Blocks {
  outer: number;
  reduced: number;
  inner: number;
}

function blocksOf(shape: Shape, axes: readonly number[]): Blocks | null {
  if (axes.length === 0 || axes[axes.length - 1]! - axes[0]! !== axes.length - 1) return null; // axes are sorted
  return {
    outer: shapeSize(shape.slice(0, axes[0])),
    reduced: shapeSize(shape.slice(axes[0], axes[axes.length - 1]! + 1)),
    inner: shapeSize(shape.slice(axes[axes.length - 1]! + 1)),
  };
}

/** For each input element, the offset of the output element it reduces into (any set of axes). */
function reductionTargets(shape: Shape, axes: readonly number[]): Int32Array {
  const kept = stridesOf(reducedShape(shape, axes, true));
  const strides = shape.map((_, d) => (axes.includes(d) ? 0 : kept[d]!));
  return stridedOffsets(shape, strides, 0);
}

/** Sum over `axes`; the result has the kept axes only (keepDims is a reshape, done by the op). */
export function sumAxes(x: Float64Array, shape: Shape, axes: readonly number[]): Float64Array {
  const out = allocData(shapeSize(reducedShape(shape, axes, false)));
  const blocks = blocksOf(shape, axes);
  if (blocks !== null) {
    const { outer, reduced, inner } = blocks;
    for (let o = 0; o < outer; o++) {
      for (let r = 0; r < reduced; r++) {
        const from = (o * reduced + r) * inner;
        const to = o * inner;
        for (let i = 0; i < inner; i++) out[to + i]! += x[from + i]!;
      }
    }
    return out;
  }
  const target = reductionTargets(shape, axes);
  for (let i = 0; i < x.length; i++) out[target[i]!]! += x[i]!;
  return out;
}

/** Max (or min, with `sign` = -1) over `axes`. NaN propagates, as in NumPy. */
export function extremeAxes(x: Float64Array, shape: Shape, axes: readonly number[], sign: 1 | -1): Float64Array {
  const out = allocData(shapeSize(reducedShape(shape, axes, false))).fill(-sign * Infinity);
  const blocks = blocksOf(shape, axes);
  if (blocks !== null) {
    const { outer, reduced, inner } = blocks;
    for (let o = 0; o < outer; o++) {
      for (let r = 0; r < reduced; r++) {
        const from = (o * reduced + r) * inner;
        for (let i = 0, t = o * inner; i < inner; i++, t++) out[t] = extreme(out[t]!, x[from + i]!, sign);
      }
    }
    return out;
  }
  const target = reductionTargets(shape, axes);
  for (let i = 0; i < x.length; i++) out[target[i]!] = extreme(out[target[i]!]!, x[i]!, sign);
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
  const max = extremeAxes(x, shape, axes, 1);
  // Shift by the maximum where it is finite; an infinite or NaN maximum decides the result alone.
  const shift = max.map((m) => (Number.isFinite(m) ? m : 0));
  const acc = allocData(max.length);
  const blocks = blocksOf(shape, axes);
  if (blocks !== null) {
    const { outer, reduced, inner } = blocks;
    for (let o = 0; o < outer; o++) {
      for (let r = 0; r < reduced; r++) {
        const from = (o * reduced + r) * inner;
        for (let i = 0, t = o * inner; i < inner; i++, t++) acc[t]! += Math.exp(x[from + i]! - shift[t]!);
      }
    }
  } else {
    const target = reductionTargets(shape, axes);
    for (let i = 0; i < x.length; i++) acc[target[i]!]! += Math.exp(x[i]! - shift[target[i]!]!);
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
  const outer = shapeSize(shape.slice(0, axis));
  const dim = shape[axis]!;
  const inner = shapeSize(shape.slice(axis + 1));
  const out = allocData(x.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const first = o * dim * inner + i;
      const last = first + dim * inner;
      let max = -Infinity;
      for (let at = first; at < last; at += inner) max = extreme(max, x[at]!, 1);
      const shift = Number.isFinite(max) ? max : 0; // an infinite or NaN maximum decides the result alone
      let shiftedMax = -Infinity;
      for (let at = first; at < last; at += inner) shiftedMax = extreme(shiftedMax, x[at]! - shift, 1);
      let logSum = shiftedMax; // −∞ (all −∞), +∞ or NaN
      if (Number.isFinite(shiftedMax)) {
        let sum = 0;
        for (let at = first; at < last; at += inner) sum += Math.exp(x[at]! - shift - shiftedMax);
        logSum = shiftedMax + Math.log(sum);
      }
      for (let at = first; at < last; at += inner) out[at] = x[at]! - shift - logSum;
    }
  }
  return out;
}

/** Index of the max (or min, with `sign` = -1) along one axis; the first one on ties. */
export function argExtremeAxis(x: Float64Array, shape: Shape, axis: number, sign: 1 | -1): Float64Array {
  const outer = shapeSize(shape.slice(0, axis));
  const dim = shape[axis]!;
  const inner = shapeSize(shape.slice(axis + 1));
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
