/** Reductions over any set of axes. */
import { reducedShape, shapeSize, stridesOf, type Shape } from '../shape';
import { allocData } from './alloc';
import { stridedOffsets } from './elementwise';

/** For each input element, the offset of the output element it reduces into. */
function reductionTargets(shape: Shape, axes: readonly number[]): Int32Array {
  const kept = stridesOf(reducedShape(shape, axes, true));
  const strides = shape.map((_, d) => (axes.includes(d) ? 0 : kept[d]!));
  return stridedOffsets(shape, strides, 0);
}

/** Sum over `axes`; the result has the kept axes only (keepDims is a reshape, done by the op). */
export function sumAxes(x: Float64Array, shape: Shape, axes: readonly number[]): Float64Array {
  const out = allocData(shapeSize(reducedShape(shape, axes, false)));
  if (axes.length === shape.length) {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i]!;
    if (out.length === 1) out[0] = s;
    return out;
  }
  const target = reductionTargets(shape, axes);
  for (let i = 0; i < x.length; i++) out[target[i]!]! += x[i]!;
  return out;
}

/** Max (or min, with `sign` = -1) over `axes`. NaN propagates, as in NumPy. */
export function extremeAxes(x: Float64Array, shape: Shape, axes: readonly number[], sign: 1 | -1): Float64Array {
  const out = allocData(shapeSize(reducedShape(shape, axes, false))).fill(-sign * Infinity);
  const target = reductionTargets(shape, axes);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const t = target[i]!;
    if (v !== v) out[t] = NaN;
    else if (sign * v > sign * out[t]!) out[t] = v;
  }
  return out;
}

/**
 * log Σ exp(x) over `axes`, stable: the maximum is subtracted before exponentiating, so ±1000 and
 * -∞ inputs give finite or exact results.
 */
export function logSumExpAxes(x: Float64Array, shape: Shape, axes: readonly number[]): Float64Array {
  const max = extremeAxes(x, shape, axes, 1);
  const target = reductionTargets(shape, axes);
  const acc = allocData(max.length);
  for (let i = 0; i < x.length; i++) {
    const m = max[target[i]!]!;
    acc[target[i]!]! += Math.exp(x[i]! - (Number.isFinite(m) ? m : 0));
  }
  for (let j = 0; j < acc.length; j++) {
    const m = max[j]!;
    acc[j] = Number.isFinite(m) ? m + Math.log(acc[j]!) : m === -Infinity ? -Infinity : m;
  }
  return acc;
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
