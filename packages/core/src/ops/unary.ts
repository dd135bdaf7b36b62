/** Elementwise functions of one tensor, each with its derivative as a product (see elementwise.ts). */
import { binaryOp, unaryOp, anyReal } from './elementwise';
import { add, div, greater, greaterEqual, lessEqual, mul, neg, pow, sigmoid, sign, sin, cos, square, sub, where } from '../functions';
import { reluGrad } from '../rule-ops';

const positive = { min: 0.2, max: 2 };
const awayFromZero = { ...anyReal, awayFrom: [0], margin: 0.1 };

/** −x. */
export const negOp = unaryOp({ name: 'neg', f: (v) => -v, scale: (v) => neg(v), domain: anyReal, print: ([a]) => `−${a}` });

/** eˣ; d/dx = eˣ, the output itself. */
export const expOp = unaryOp({ name: 'exp', f: Math.exp, scale: (v, _, out) => mul(v, out), domain: anyReal });

/** ln x (NaN below 0, −∞ at 0, as IEEE); d/dx = 1/x. */
export const logOp = unaryOp({ name: 'log', f: Math.log, scale: (v, [x]) => div(v, x!), domain: positive });

/** ln(1 + x), accurate near 0; d/dx = 1/(1 + x). */
export const log1pOp = unaryOp({ name: 'log1p', f: Math.log1p, scale: (v, [x]) => div(v, add(x!, 1)), domain: { min: -0.8, max: 2 } });

/** eˣ − 1, accurate near 0; d/dx = eˣ = out + 1. */
export const expm1Op = unaryOp({ name: 'expm1', f: Math.expm1, scale: (v, _, out) => mul(v, add(out, 1)), domain: anyReal });

/** √x; d/dx = 1/(2√x). */
export const sqrtOp = unaryOp({
  name: 'sqrt',
  f: Math.sqrt,
  scale: (v, _, out) => div(v, mul(out, 2)),
  domain: positive,
  print: ([a]) => `√${a}`,
});

/** x²; d/dx = 2x. */
export const squareOp = unaryOp({
  name: 'square',
  f: (v) => v * v,
  scale: (v, [x]) => mul(v, mul(x!, 2)),
  domain: anyReal,
  print: ([a]) => `${a}²`,
});

/** |x|; d/dx = sign(x) (0 at 0). */
export const absOp = unaryOp({ name: 'abs', f: Math.abs, scale: (v, [x]) => mul(v, sign(x!)), domain: awayFromZero });

/** sin x; d/dx = cos x. */
export const sinOp = unaryOp({ name: 'sin', f: Math.sin, scale: (v, [x]) => mul(v, cos(x!)), domain: anyReal });

/** cos x; d/dx = −sin x. */
export const cosOp = unaryOp({ name: 'cos', f: Math.cos, scale: (v, [x]) => neg(mul(v, sin(x!))), domain: anyReal });

/** tan x; d/dx = 1 + tan² x. */
export const tanOp = unaryOp({ name: 'tan', f: Math.tan, scale: (v, _, out) => mul(v, add(square(out), 1)), domain: { min: -1.2, max: 1.2 } });

/** tanh x; d/dx = 1 − tanh² x. */
export const tanhOp = unaryOp({ name: 'tanh', f: Math.tanh, scale: (v, _, out) => mul(v, sub(1, square(out))), domain: anyReal });

/** 1/(1 + e⁻ˣ), evaluated without overflow for large |x|; d/dx = σ(1 − σ). */
export const sigmoidOp = unaryOp({
  name: 'sigmoid',
  f: (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))),
  scale: (v, _, out) => mul(v, mul(out, sub(1, out))),
  domain: anyReal,
});

/** max(x, 0); d/dx = 1 for x > 0, else 0. NaN stays NaN, as in NumPy. */
export const reluOp = unaryOp({ name: 'relu', f: (v) => (v > 0 || v !== v ? v : 0), scale: (v, [x]) => reluGrad(v, x!), domain: awayFromZero });

/**
 * v·relu′(x): v where x > 0, else v·0 (so a NaN or ∞ in v still gives NaN, exactly as v·(x > 0)
 * would). Relu's adjoint and tangent map, as an op of its own so that the backward pass makes one
 * array in one pass instead of a mask and then a product. Linear in v; x only selects, so it is
 * not differentiated (relu′ is 0 wherever it has a derivative).
 */
export const reluGradOp = binaryOp({
  name: 'reluGrad',
  f: (v, x) => v * +(x > 0), // v·1 is v exactly; no branch to mispredict on a mask of random signs
  scales: [(g, [, x]) => reluGrad(g, x!), null],
  domains: [anyReal, awayFromZero],
});

/** x for x > 0, αx otherwise; d/dx = 1 or α. */
export const leakyReluOp = unaryOp<{ alpha: number }>({
  name: 'leakyRelu',
  f: (v, { alpha }) => (v > 0 ? v : alpha * v),
  scale: (v, [x], _, { alpha }) => mul(v, where(greater(x!, 0), 1, alpha)),
  domain: awayFromZero,
  attrs: [{ alpha: 0.01 }, { alpha: 0.3 }],
});

/** x for x > 0, α(eˣ − 1) otherwise; d/dx = 1 or out + α. */
export const eluOp = unaryOp<{ alpha: number }>({
  name: 'elu',
  f: (v, { alpha }) => (v > 0 ? v : alpha * Math.expm1(v)),
  scale: (v, [x], out, { alpha }) => mul(v, where(greater(x!, 0), 1, add(out, alpha))),
  domain: awayFromZero,
  attrs: [{ alpha: 1 }, { alpha: 0.5 }],
});

/** ln(1 + eˣ), computed as max(x, 0) + ln(1 + e^−|x|) so it never overflows; d/dx = σ(x). */
export const softplusOp = unaryOp({
  name: 'softplus',
  f: (v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))),
  scale: (v, [x]) => mul(v, sigmoid(x!)),
  domain: anyReal,
});

/** x limited to [lo, hi]; d/dx = 1 inside (bounds included), 0 outside. */
export const clipOp = unaryOp<{ lo: number; hi: number }>({
  name: 'clip',
  f: (v, { lo, hi }) => (v < lo ? lo : v > hi ? hi : v),
  scale: (v, [x], _, { lo, hi }) => mul(v, mul(greaterEqual(x!, lo), lessEqual(x!, hi))),
  domain: { min: -1, max: 1, awayFrom: [-0.5, 0.5], margin: 0.1 },
  attrs: [{ lo: -0.5, hi: 0.5 }],
});

/** xᵖ for a constant exponent p; d/dx = p·xᵖ⁻¹ (0 for p = 0, even at x = 0, where 0·x⁻¹ would be NaN). */
export const powScalarOp = unaryOp<{ exponent: number }>({
  name: 'powScalar',
  f: (v, { exponent }) => Math.pow(v, exponent),
  scale: (v, [x], _, { exponent }) => (exponent === 0 ? mul(v, 0) : mul(v, mul(pow(x!, exponent - 1), exponent))),
  domain: positive,
  attrs: [{ exponent: 2 }, { exponent: 3 }, { exponent: 0.5 }, { exponent: -1.5 }],
  print: ([a], { exponent }) => `${a}^${exponent}`,
});
