/** Elementwise functions of one tensor, each with its derivative as a product (see elementwise.ts). */
import { binaryOp, unaryOp, anyReal } from './elementwise';
import { add, div, greater, greaterEqual, lessEqual, mul, pow, sign, sub, where } from '../functions';
import { reluGrad } from '../rule-ops';
import type { Tensor, TensorLike } from '../tensor';
import { applyUnary } from './call';
import { ValueError } from '../errors';
import { describeValue } from '../shape';
import { requireFinite } from '../arguments';

const positive = { min: 0.2, max: 2 };
const awayFromZero = { ...anyReal, awayFrom: [0], margin: 0.1 };

/** −x. */
const negOp = unaryOp({ name: 'neg', f: (v) => -v, scale: (v) => neg(v), domain: anyReal, print: ([a]) => `−${a}` });

/** eˣ; d/dx = eˣ, the output itself. */
const expOp = unaryOp({ name: 'exp', f: Math.exp, scale: (v, _, out) => mul(v, out), domain: anyReal });

/** ln x (NaN below 0, −∞ at 0, as IEEE); d/dx = 1/x. */
const logOp = unaryOp({ name: 'log', f: Math.log, scale: (v, [x]) => div(v, x!), domain: positive });

/** ln(1 + x), accurate near 0; d/dx = 1/(1 + x). */
const log1pOp = unaryOp({ name: 'log1p', f: Math.log1p, scale: (v, [x]) => div(v, add(x!, 1)), domain: { min: -0.8, max: 2 } });

/** eˣ − 1, accurate near 0; d/dx = eˣ = out + 1. */
const expm1Op = unaryOp({ name: 'expm1', f: Math.expm1, scale: (v, _, out) => mul(v, add(out, 1)), domain: anyReal });

/** √x; d/dx = 1/(2√x). */
const sqrtOp = unaryOp({
  name: 'sqrt',
  f: Math.sqrt,
  scale: (v, _, out) => div(v, mul(out, 2)),
  domain: positive,
  print: ([a]) => `√${a}`,
});

/** x²; d/dx = 2x. */
const squareOp = unaryOp({
  name: 'square',
  f: (v) => v * v,
  scale: (v, [x]) => mul(v, mul(x!, 2)),
  domain: anyReal,
  print: ([a]) => `${a}²`,
});

/** |x|; d/dx = sign(x) (0 at 0). */
const absOp = unaryOp({ name: 'abs', f: Math.abs, scale: (v, [x]) => mul(v, sign(x!)), domain: awayFromZero });

/** sin x; d/dx = cos x. */
const sinOp = unaryOp({ name: 'sin', f: Math.sin, scale: (v, [x]) => mul(v, cos(x!)), domain: anyReal });

/** cos x; d/dx = −sin x. */
const cosOp = unaryOp({ name: 'cos', f: Math.cos, scale: (v, [x]) => neg(mul(v, sin(x!))), domain: anyReal });

/** tan x; d/dx = 1 + tan² x. */
const tanOp = unaryOp({ name: 'tan', f: Math.tan, scale: (v, _, out) => mul(v, add(square(out), 1)), domain: { min: -1.2, max: 1.2 } });

/** tanh x; d/dx = 1 − tanh² x. */
const tanhOp = unaryOp({ name: 'tanh', f: Math.tanh, scale: (v, _, out) => mul(v, sub(1, square(out))), domain: anyReal });

/** 1/(1 + e⁻ˣ), evaluated without overflow for large |x|; d/dx = σ(1 − σ). */
const sigmoidOp = unaryOp({
  name: 'sigmoid',
  f: (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))),
  scale: (v, _, out) => mul(v, mul(out, sub(1, out))),
  domain: anyReal,
});

/** max(x, 0); d/dx = 1 for x > 0, else 0. NaN stays NaN, as in NumPy. */
const reluOp = unaryOp({ name: 'relu', f: (v) => (v > 0 || v !== v ? v : 0), scale: (v, [x]) => reluGrad(v, x!), domain: awayFromZero });

/** x for x > 0, αx otherwise; d/dx = 1 or α. */
const leakyReluOp = unaryOp<{ alpha: number }>({
  name: 'leakyRelu',
  f: (v, { alpha }) => (v > 0 ? v : alpha * v),
  scale: (v, [x], _, { alpha }) => mul(v, where(greater(x!, 0), 1, alpha)),
  domain: awayFromZero,
  attrs: [{ alpha: 0.01 }, { alpha: 0.3 }],
});

/** x for x > 0, α(eˣ − 1) otherwise; d/dx = 1 or out + α. */
const eluOp = unaryOp<{ alpha: number }>({
  name: 'elu',
  f: (v, { alpha }) => (v > 0 ? v : alpha * Math.expm1(v)),
  scale: (v, [x], out, { alpha }) => mul(v, where(greater(x!, 0), 1, add(out, alpha))),
  domain: awayFromZero,
  attrs: [{ alpha: 1 }, { alpha: 0.5 }],
});

/** ln(1 + eˣ), computed as max(x, 0) + ln(1 + e^−|x|) so it never overflows; d/dx = σ(x). */
const softplusOp = unaryOp({
  name: 'softplus',
  f: (v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))),
  scale: (v, [x]) => mul(v, sigmoid(x!)),
  domain: anyReal,
});

/** x limited to [lo, hi]; d/dx = 1 inside (bounds included), 0 outside. */
const clipOp = unaryOp<{ lo: number; hi: number }>({
  name: 'clip',
  f: (v, { lo, hi }) => (v < lo ? lo : v > hi ? hi : v),
  scale: (v, [x], _, { lo, hi }) => mul(v, mul(greaterEqual(x!, lo), lessEqual(x!, hi))),
  domain: { min: -1, max: 1, awayFrom: [-0.5, 0.5], margin: 0.1 },
  attrs: [{ lo: -0.5, hi: 0.5 }],
});


// ── Unary ───────────────────────────────────────────────────────────────────────────────────────
/** −x. */
export const neg = (x: TensorLike): Tensor => applyUnary(negOp, x);
/** eˣ. */
export const exp = (x: TensorLike): Tensor => applyUnary(expOp, x);
/** Natural logarithm. */
export const log = (x: TensorLike): Tensor => applyUnary(logOp, x);
/** ln(1 + x). */
export const log1p = (x: TensorLike): Tensor => applyUnary(log1pOp, x);
/** eˣ − 1. */
export const expm1 = (x: TensorLike): Tensor => applyUnary(expm1Op, x);
/** √x. */
export const sqrt = (x: TensorLike): Tensor => applyUnary(sqrtOp, x);
/** x². */
export const square = (x: TensorLike): Tensor => applyUnary(squareOp, x);
/** |x|. */
export const abs = (x: TensorLike): Tensor => applyUnary(absOp, x);
/** sin x. */
export const sin = (x: TensorLike): Tensor => applyUnary(sinOp, x);
/** cos x. */
export const cos = (x: TensorLike): Tensor => applyUnary(cosOp, x);
/** tan x. */
export const tan = (x: TensorLike): Tensor => applyUnary(tanOp, x);
/** tanh x. */
export const tanh = (x: TensorLike): Tensor => applyUnary(tanhOp, x);
/** The logistic function 1/(1 + e⁻ˣ). */
export const sigmoid = (x: TensorLike): Tensor => applyUnary(sigmoidOp, x);
/** max(x, 0). */
export const relu = (x: TensorLike): Tensor => applyUnary(reluOp, x);
/** x for x > 0, alpha·x otherwise. */
export const leakyRelu = (x: TensorLike, alpha = 0.01): Tensor => applyUnary(leakyReluOp, x, { alpha: requireFinite('leakyRelu', 'alpha', alpha) });
/** x for x > 0, alpha·(eˣ − 1) otherwise. */
export const elu = (x: TensorLike, alpha = 1): Tensor => applyUnary(eluOp, x, { alpha: requireFinite('elu', 'alpha', alpha) });
/** ln(1 + eˣ), never overflowing. */
export const softplus = (x: TensorLike): Tensor => applyUnary(softplusOp, x);
/** x limited to [lo, hi]. */
export function clip(x: TensorLike, lo: number, hi: number): Tensor {
  if (typeof lo !== 'number' || typeof hi !== 'number' || !(lo <= hi)) {
    throw new ValueError(`clip: needs numbers lo ≤ hi, got lo = ${describeValue(lo)}, hi = ${describeValue(hi)}`);
  }
  return applyUnary(clipOp, x, { lo, hi });
}

