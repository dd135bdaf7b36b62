/** Broadcasting elementwise functions of two tensors, each partial derivative given as a product. */
import { binaryOp, unaryOp, anyReal } from './elementwise';
import { abs, equal, greater, greaterEqual, less, log, neg, sigmoid, square, where } from '../functions';
import type { Tensor, TensorLike } from '../tensor';
import { applyBinary, applyUnary } from './call';
import { maskGrad } from '../rule-ops';
import { logAddExp } from '../kernels/reduce';

const positive = { min: 0.5, max: 2 };
const nonZero = { min: -2, max: 2, awayFrom: [0], margin: 0.5 };

/** a + b: Ā = C̄, B̄ = C̄ (summed over broadcast axes by the graph). */
const addOp = binaryOp({
  name: 'add',
  f: (x, y) => x + y,
  scales: [(v) => v, (v) => v],
  scalarScales: [(g) => g, (g) => g],
  domains: [anyReal, anyReal],
  print: ([a, b]) => `${a} + ${b}`,
});

/** a − b: Ā = C̄, B̄ = −C̄. */
const subOp = binaryOp({
  name: 'sub',
  f: (x, y) => x - y,
  scales: [(v) => v, (v) => neg(v)],
  scalarScales: [(g) => g, (g) => -g],
  domains: [anyReal, anyReal],
  print: ([a, b]) => `${a} − ${b}`,
});

/** a ⊙ b: Ā = C̄ ⊙ b, B̄ = C̄ ⊙ a. */
const mulOp = binaryOp({
  name: 'mul',
  f: (x, y) => x * y,
  scales: [(v, [, b]) => mul(v, b!), (v, [a]) => mul(v, a!)],
  scalarScales: [(g, _x, y) => g * y, (g, x) => g * x],
  domains: [anyReal, anyReal],
  print: ([a, b]) => `${a} · ${b}`,
});

/** a / b (IEEE: ±∞ or NaN on division by zero): Ā = C̄ / b, B̄ = −C̄ ⊙ c / b. */
const divOp = binaryOp({
  name: 'div',
  f: (x, y) => x / y,
  scales: [(v, [, b]) => div(v, b!), (v, [, b], out) => neg(mul(v, div(out, b!)))],
  scalarScales: [(g, _x, y) => g / y, (g, _x, y, out) => -(g * (out / y))],
  domains: [anyReal, nonZero],
  print: ([a, b]) => `${a} / ${b}`,
});

/**
 * Math.pow, except where JavaScript departs from C99's pow and IEEE 754: 1ʸ is 1 for every y, NaN
 * and ±∞ included, and (−1)^±∞ is 1 (Math.pow gives NaN for all of these; NumPy and PyTorch give 1).
 */
const ieeePow = (x: number, y: number): number => (x === 1 || (x === -1 && (y === Infinity || y === -Infinity)) ? 1 : Math.pow(x, y));

/** aᵇ: ∂/∂a = b·aᵇ⁻¹, ∂/∂b = aᵇ·ln a (needs a > 0). */
const powOp = binaryOp({
  name: 'pow',
  f: ieeePow,
  // Each partial is masked to 0 only where its product is 0·∞ or 0·NaN but the function is constant, and
  // 1 is put in for a there, so that the masked product's own derivatives (which the mask multiplies
  // by 0) stay finite too: second derivatives are 0 there, not NaN. Elsewhere the plain product, so
  // that its derivatives are right: masking all of b = 0 in ∂/∂a, as PyTorch does, makes ∂²/∂b∂a 0
  // there instead of 1/a, and the Hessian asymmetric.
  scales: [
    // b·aᵇ⁻¹, and 0 where b = 0 and a⁻¹ is not finite (a is 0, subnormal or NaN): a⁰ is constant
    // (as for a number exponent 0). |a| ≥ 2⁻¹⁰²² is false for those, NaN included.
    (v, [a, b]) => {
      const flat = mul(equal(b!, 0), sub(1, greaterEqual(abs(a!), 2 ** -1022)));
      return mul(v, where(flat, 0, mul(b!, pow(where(flat, 1, a!), sub(b!, 1)))));
    },
    // aᵇ·ln a, and 0 where a = 0 and b ≥ 0, where 0ᵇ is constant.
    (v, [a, b], out) => {
      const flat = mul(equal(a!, 0), greaterEqual(b!, 0));
      return mul(v, where(flat, 0, mul(out, log(where(flat, 1, a!)))));
    },
  ],
  domains: [positive, anyReal],
});

/** 1 where a wins, 0 where b wins, ½ on ties (the gradient is shared, as in PyTorch). */
function winnerMask(a: Tensor, b: Tensor, wins: (a: Tensor, b: Tensor) => Tensor): Tensor {
  return add(wins(a, b), mul(equal(a, b), 0.5));
}

/** max(a, b) elementwise; the adjoint goes to the larger input (split on ties). */
const maximumOp = binaryOp({
  name: 'maximum',
  f: (x, y) => (x !== x || y !== y ? NaN : x > y ? x : y),
  scales: [(v, [a, b]) => maskGrad(v, winnerMask(a!, b!, greater)), (v, [a, b]) => maskGrad(v, winnerMask(b!, a!, greater))],
  domains: [anyReal, anyReal],
});

/** min(a, b) elementwise; the adjoint goes to the smaller input (split on ties). */
const minimumOp = binaryOp({
  name: 'minimum',
  f: (x, y) => (x !== x || y !== y ? NaN : x < y ? x : y),
  scales: [(v, [a, b]) => maskGrad(v, winnerMask(a!, b!, less)), (v, [a, b]) => maskGrad(v, winnerMask(b!, a!, less))],
  domains: [anyReal, anyReal],
});

/**
 * atan2(y, x), the angle of the point (x, y) in (−π, π] (IEEE's and Math.atan2's rules at zeros,
 * signed zeros and infinities): ∂/∂y = x/(x² + y²), ∂/∂x = −y/(x² + y²). Checked with y away from 0,
 * off the branch cut (y = 0, x < 0), and so away from the origin, where neither is defined.
 */
const atan2Op = binaryOp({
  name: 'atan2',
  f: Math.atan2,
  scales: [
    (v, [y, x]) => mul(v, div(x!, add(square(x!), square(y!)))),
    (v, [y, x]) => neg(mul(v, div(y!, add(square(x!), square(y!))))),
  ],
  domains: [{ min: -2, max: 2, awayFrom: [0], margin: 0.3 }, anyReal],
});

/**
 * ln(eᵃ + eᵇ), computed as max(a, b) + ln(1 + e^−|a − b|), which never overflows or loses the
 * smaller term to rounding; ∂/∂a = σ(a − b), ∂/∂b = σ(b − a), the two shares of a softmax of two.
 */
const logaddexpOp = binaryOp({
  name: 'logaddexp',
  f: logAddExp,
  scales: [(v, [a, b]) => mul(v, sigmoid(sub(a!, b!))), (v, [a, b]) => mul(v, sigmoid(sub(b!, a!)))],
  domains: [anyReal, anyReal],
});

/**
 * x·ln y, and 0 where x = 0 whatever y is (y = 0 included, where 0·ln 0 would be NaN), the term of
 * an entropy or a KL divergence. ∂/∂x = ln y; ∂/∂y = x/y, and 0 where x = 0 (xlogy(0, y) is 0 for
 * every y, so it does not change with y), with y replaced by 1 there rather than the quotient
 * masked afterwards, so that no 0/0 reaches a second derivative.
 */
const xlogyOp = binaryOp({
  name: 'xlogy',
  f: (x, y) => (y !== y ? NaN : x === 0 ? 0 : x * Math.log(y)),
  scales: [(v, [, y]) => mul(v, log(y!)), (v, [x, y]) => mul(v, div(x!, where(equal(x!, 0), 1, y!)))],
  domains: [anyReal, positive],
});

/** xᵖ for a constant exponent p; d/dx = p·xᵖ⁻¹ (0 for p = 0, even at x = 0, where 0·x⁻¹ would be NaN). */
const powScalarOp = unaryOp<{ exponent: number }>({
  name: 'powScalar',
  f: (v, { exponent }) => ieeePow(v, exponent),
  scale: (v, [x], _, { exponent }) => (exponent === 0 ? mul(v, 0) : mul(v, mul(pow(x!, exponent - 1), exponent))),
  domain: positive,
  attrs: [{ exponent: 2 }, { exponent: 3 }, { exponent: 0.5 }, { exponent: -1.5 }],
  print: ([a], { exponent }) => `${a}^${exponent}`,
});

// ── Binary, broadcasting ────────────────────────────────────────────────────────────────────────
/** a + b. */
export const add = (a: TensorLike, b: TensorLike): Tensor => applyBinary(addOp, a, b);
/** a − b. */
export const sub = (a: TensorLike, b: TensorLike): Tensor => applyBinary(subOp, a, b);
/** a · b elementwise. */
export const mul = (a: TensorLike, b: TensorLike): Tensor => applyBinary(mulOp, a, b);
/** a / b elementwise (IEEE results on division by zero). */
export const div = (a: TensorLike, b: TensorLike): Tensor => applyBinary(divOp, a, b);
/**
 * aᵇ elementwise; a number exponent uses the cheaper constant-exponent op. Special values as C99's
 * pow (and NumPy's and PyTorch's): 1ʸ = 1 and x⁰ = 1 for every x and y, NaN included, (−1)^±∞ = 1,
 * NaN for a negative base with a fractional exponent.
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  if (typeof b === 'number') return applyUnary(powScalarOp, a, { exponent: b });
  return applyBinary(powOp, a, b);
}
/**
 * The angle of the point (x, y) from the positive x axis, in (−π, π], elementwise and broadcasting:
 * y first, as NumPy's arctan2 and PyTorch's atan2. Zeros, signed zeros and infinities follow IEEE
 * 754 (as Math.atan2): atan2(0, −1) = π, atan2(−0, −1) = −π, atan2(±0, −0) = ±π, atan2(±0, +0) = ±0.
 * ∂/∂y = x/(x² + y²) and ∂/∂x = −y/(x² + y²); at the origin both are NaN (0/0).
 *
 * @example
 * atan2(tensor([1, 1, -1]), tensor([1, -1, 0])).toString(); // tensor([ 0.7854,  2.3562, -1.5708])
 */
export const atan2 = (y: TensorLike, x: TensorLike): Tensor => applyBinary(atan2Op, y, x);
/**
 * ln(eᵃ + eᵇ) elementwise and broadcasting (NumPy's and PyTorch's logaddexp), without overflow:
 * logaddexp(1000, 1000) is 1000 + ln 2. −∞ is the identity (logaddexp(−∞, −∞) is −∞). The
 * gradient is σ(a − b) to a and σ(b − a) to b; NaN where both are the same infinity (as PyTorch).
 *
 * @example
 * logaddexp(tensor([0, 1000]), tensor([0, -Infinity])).toArray(); // [0.6931471805599453, 1000]
 */
export const logaddexp = (a: TensorLike, b: TensorLike): Tensor => applyBinary(logaddexpOp, a, b);
/**
 * x·ln y elementwise and broadcasting, 0 where x = 0 even for y = 0 (scipy's and PyTorch's xlogy):
 * entropies and KL divergences without a special case for zero probabilities. NaN for NaN y.
 * ∂/∂x = ln y, ∂/∂y = x/y and 0 where x = 0. At x = 0, PyTorch gives ∂/∂x = 0 instead of ln y,
 * which is not the derivative there (x·ln y is smooth in x for y > 0); adjoint, like JAX, gives ln y.
 *
 * @example
 * xlogy(tensor([0, 2]), tensor([0, Math.E])).toArray(); // [0, 2]
 */
export const xlogy = (x: TensorLike, y: TensorLike): Tensor => applyBinary(xlogyOp, x, y);
/**
 * Elementwise maximum, NaN where either is NaN (NumPy's maximum). The gradient goes to the larger
 * input, half to each on a tie (as PyTorch); where either is NaN it is 0 for both, as JAX gives and
 * as relu's and clip's derivatives are at NaN (PyTorch passes it to both).
 */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => applyBinary(maximumOp, a, b);
/** Elementwise minimum, NaN where either is NaN; its gradient as {@link maximum}'s, to the smaller input. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => applyBinary(minimumOp, a, b);
