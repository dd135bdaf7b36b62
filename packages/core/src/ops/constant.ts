/**
 * Piecewise-constant ops: comparisons, sign, argmax/argmin and oneHot. Their outputs carry no
 * derivative (it is zero wherever it exists), so nothing is recorded for them.
 */
import { registerOp, type ConstantOp } from '../registry';
import { allocData } from '../kernels/alloc';
import { broadcastShapes, checkSize, describeValue, formatShape, normalizeAxis } from '../shape';
import { map } from '../kernels/elementwise';
import { binaryLoop } from '../kernels/specialize';
import { argExtremeAxis } from '../kernels/reduce';
import { ValueError } from '../errors';
import { requireIndicesBelow } from '../arguments';
import { engineTensor, type Tensor, type TensorLike } from '../tensor';
import { apply } from '../dispatch';
import { applyBinary, applyUnary } from './call';
import { toIndexTensor, toTensor } from '../create';

/**
 * A comparison op. `f` gives 1 or 0 itself: a wrapper turning booleans into numbers would be one
 * function shared by every comparison, and their loops could then inline none of them.
 */
function comparison(name: string, f: (x: number, y: number) => number): ConstantOp {
  const loop = binaryLoop(f, name);
  return registerOp<ConstantOp>({
    kind: 'constant',
    name,
    arity: 2,
    shape: ([a, b]) => broadcastShapes(name, a!, b!),
    forward: ([a, b], [sa, sb], outShape) => loop(a!, sa!, b!, sb!, outShape, undefined),
  });
}

/** 1 where a > b, else 0. */
const greaterOp = comparison('greater', (x, y) => (x > y ? 1 : 0));
/** 1 where a ≥ b, else 0. */
const greaterEqualOp = comparison('greaterEqual', (x, y) => (x >= y ? 1 : 0));
/** 1 where a < b, else 0. */
const lessOp = comparison('less', (x, y) => (x < y ? 1 : 0));
/** 1 where a ≤ b, else 0. */
const lessEqualOp = comparison('lessEqual', (x, y) => (x <= y ? 1 : 0));
/** 1 where a = b, else 0. */
const equalOp = comparison('equal', (x, y) => (x === y ? 1 : 0));
/** 1 where a ≠ b, else 0. */
const notEqualOp = comparison('notEqual', (x, y) => (x !== y ? 1 : 0));

/** An elementwise op of one tensor whose derivative is zero wherever it exists. */
function stepFunction<A = undefined>(name: string, f: (v: number, attrs: A) => number): ConstantOp<A> {
  return registerOp<ConstantOp<A>>({
    kind: 'constant',
    name,
    arity: 1,
    shape: ([s]) => s!,
    forward: ([x], _s, _o, attrs) => map(x!, (v) => f(v, attrs)),
  });
}

/** −1, 0 or 1 (NaN stays NaN); + 0 makes Math.sign's −0 at −0 the +0 of NumPy and PyTorch. */
const signOp = stepFunction('sign', (v) => Math.sign(v) + 0);
/** The largest integer ≤ x (−0 stays −0, ±∞ and NaN stay). */
const floorOp = stepFunction('floor', Math.floor);
/** The smallest integer ≥ x (−0 for −1 < x ≤ −0, as NumPy). */
const ceilOp = stepFunction('ceil', Math.ceil);
/** x with its fraction dropped, towards 0 (−0 for −1 < x ≤ −0). */
const truncOp = stepFunction('trunc', Math.trunc);
/**
 * 10ⁿ for n from 0 to 308 as NumPy's round computes it, multiplied up one 10 at a time: exact to
 * 10²², then not the correctly rounded 10ⁿ (nor is `10 ** n` always); the same scales give NumPy's
 * results bit for bit.
 */
const POWERS_OF_TEN = ((): Float64Array => {
  const p = new Float64Array(309);
  p[0] = 1;
  for (let n = 1; n < p.length; n++) p[n] = p[n - 1]! * 10;
  return p;
})();

/** x rounded to `decimals` places, halves to the even neighbour (see {@link round}). */
const roundOp = stepFunction<{ decimals: number }>('round', (v, { decimals }) => {
  if (decimals === 0) return roundHalfEven(v);
  // NumPy's way, and its results: scale, round, scale back.
  const scale = POWERS_OF_TEN[Math.abs(decimals)]!;
  return decimals > 0 ? roundHalfEven(v * scale) / scale : roundHalfEven(v / scale) * scale;
});
/** 1 where x is NaN, else 0. */
const isNaNOp = stepFunction('isNaN', (v) => (v !== v ? 1 : 0));
/** 1 where x is +∞ or −∞, else 0. */
const isInfOp = stepFunction('isInf', (v) => (v === Infinity || v === -Infinity ? 1 : 0));
/** 1 where x is finite (not NaN or ±∞), else 0. */
const isFiniteOp = stepFunction('isFinite', (v) => (v - v === 0 ? 1 : 0));

/**
 * v rounded to the nearest integer, a half to the even one (IEEE's default, NumPy's and PyTorch's
 * round), keeping the sign of a zero result (round(−0.4) is −0, as NumPy). Math.round rounds halves up.
 */
function roundHalfEven(v: number): number {
  const r = Math.round(v); // −0 for −0.5 ≤ v ≤ −0, the sign NumPy keeps
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function argExtremeOp(name: string, sign: 1 | -1): ConstantOp<{ axis: number }> {
  return registerOp<ConstantOp<{ axis: number }>>({
    kind: 'constant',
    name,
    arity: 1,
    shape: ([s], { axis }) => {
      if (s!.length === 0) throw new ValueError(`${name}: needs at least one axis, got a scalar`);
      const a = normalizeAxis(name, axis, s!.length);
      if (s![a] === 0) throw new ValueError(`${name}: axis ${axis} of shape ${formatShape(s!)} is empty`);
      return s!.filter((_, d) => d !== a);
    },
    forward: ([x], [s], _o, { axis }) => argExtremeAxis(x!, s!, normalizeAxis(name, axis, s!.length), sign),
  });
}

/** Index of the largest element along an axis (the first on ties), as a float tensor. */
const argmaxOp = argExtremeOp('argmax', 1);
/** Index of the smallest element along an axis (the first on ties), as a float tensor. */
const argminOp = argExtremeOp('argmin', -1);

/** One row of `depth` zeros with a 1 at each index: shape [...indices.shape, depth]. */
const oneHotOp = registerOp<ConstantOp<{ depth: number }>>({
  kind: 'constant',
  name: 'oneHot',
  arity: 1,
  shape: ([s], { depth }) => {
    if (!Number.isInteger(depth) || depth <= 0) throw new ValueError(`oneHot: depth must be a positive integer, got ${describeValue(depth)}`);
    const out = [...s!, depth];
    checkSize('oneHot', out, 'the result');
    return out;
  },
  forward: ([indices], _s, _o, { depth }) => {
    requireIndicesBelow('oneHot', 'indices', indices!, depth);
    const out = allocData(indices!.length * depth);
    indices!.forEach((v, i) => (out[i * depth + v] = 1));
    return out;
  },
});

// ── Comparisons (constants, no gradient) ────────────────────────────────────────────────────────
/** 1 where a > b, else 0. */
export const greater = (a: TensorLike, b: TensorLike): Tensor => applyBinary(greaterOp, a, b);
/** 1 where a ≥ b, else 0. */
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor => applyBinary(greaterEqualOp, a, b);
/** 1 where a < b, else 0. */
export const less = (a: TensorLike, b: TensorLike): Tensor => applyBinary(lessOp, a, b);
/** 1 where a ≤ b, else 0. */
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor => applyBinary(lessEqualOp, a, b);
/** 1 where a = b, else 0. */
export const equal = (a: TensorLike, b: TensorLike): Tensor => applyBinary(equalOp, a, b);
/** 1 where a ≠ b, else 0. */
export const notEqual = (a: TensorLike, b: TensorLike): Tensor => applyBinary(notEqualOp, a, b);
/** −1, 0 or 1 elementwise, +0 at ±0 and NaN at NaN (no gradient). */
export const sign = (x: TensorLike): Tensor => applyUnary(signOp, x);

// ── Rounding and classification (constants, no gradient: zero wherever it exists, as in PyTorch and JAX)
/** The largest integer ≤ x, elementwise (NumPy's floor). */
export const floor = (x: TensorLike): Tensor => applyUnary(floorOp, x);
/** The smallest integer ≥ x, elementwise (NumPy's ceil). */
export const ceil = (x: TensorLike): Tensor => applyUnary(ceilOp, x);
/** x rounded towards 0 to an integer, elementwise (NumPy's trunc). */
export const trunc = (x: TensorLike): Tensor => applyUnary(truncOp, x);
/**
 * x rounded to `decimals` decimal places (default 0; negative rounds to tens, hundreds…), halves to
 * the even neighbour as NumPy's and PyTorch's round: round(0.5) is 0, round(1.5) and round(2.5)
 * are 2. With decimals ≠ 0, x is scaled by 10^decimals, rounded and scaled back, as NumPy and
 * PyTorch do, with their results: round(2.675, 2) is 2.68 there and here, where Python's correctly
 * rounded round() gives 2.67 (2.675 is stored as 2.67499…). The scale is NumPy's own, so every
 * result is NumPy's bit for bit; PyTorch's scale differs from 23 decimals on, and so, by a unit in
 * the last place, can its results. No gradient.
 *
 * @example
 * round(tensor([0.5, 1.5, 2.5, -0.5])).toArray(); // [0, 2, 2, -0]
 * round(tensor([1234.5678]), 2).toArray(); // [1234.57]
 */
export function round(x: TensorLike, decimals = 0): Tensor {
  if (!Number.isInteger(decimals) || Math.abs(decimals) > 308) throw new ValueError(`round: decimals must be an integer from -308 to 308, got ${describeValue(decimals)}`);
  return applyUnary(roundOp, x, { decimals });
}
/** 1 where x is NaN, else 0 (NumPy's isnan, TensorFlow.js's isNaN). */
export const isNaN = (x: TensorLike): Tensor => applyUnary(isNaNOp, x);
/** 1 where x is +∞ or −∞, else 0 (NumPy's isinf). */
export const isInf = (x: TensorLike): Tensor => applyUnary(isInfOp, x);
/** 1 where x is finite, neither NaN nor ±∞, else 0 (NumPy's isfinite). */
export const isFinite = (x: TensorLike): Tensor => applyUnary(isFiniteOp, x);

/** Index of the largest element along `axis` (the whole flattened tensor when omitted). */
export function argmax(x: TensorLike, axis?: number): Tensor {
  return argExtreme('argmax', argmaxOp, x, axis);
}
/** Index of the smallest element along `axis` (the whole flattened tensor when omitted). */
export function argmin(x: TensorLike, axis?: number): Tensor {
  return argExtreme('argmin', argminOp, x, axis);
}

/** argmax or argmin: along `axis`, or over the flattened tensor, whose true shape an error then names. */
function argExtreme(name: string, op: typeof argmaxOp, x: TensorLike, axis: number | undefined): Tensor {
  const t = toTensor(x, name);
  if (axis !== undefined && axis !== null) return apply(op, [t], { axis });
  if (t.size === 0) throw new ValueError(`${name}: the tensor of shape ${formatShape(t._shape)} is empty: it has no element to pick`);
  // Flattened as a view that records nothing: the result carries no derivative, so the flattening
  // is no differentiable use of t (a custom function may take argmax of a weight it closes over).
  return apply(op, [engineTensor(t.data, [t.size])], { axis: 0 });
}

/** One-hot rows: shape [...indices.shape, depth]. */
export const oneHot = (indices: Tensor | readonly number[], depth: number): Tensor =>
  apply(oneHotOp, [toIndexTensor('oneHot', indices)], { depth });
