/** Elementwise functions of one tensor, each with its derivative as a product (see elementwise.ts). */
import { unaryOp, anyReal, awayFromZero } from './elementwise';
import { add, div, greater, greaterEqual, lessEqual, mul, sign, sub, where } from '../functions';
import { eluGrad, geluGrad, maskGrad, reluGrad, sigmoidGrad, siluGrad, tanhGrad } from '../rule-ops';
import { maskedProduct } from '../kernels/elementwise';
import type { Tensor, TensorLike } from '../tensor';
import { applyUnary } from './call';
import { ValueError } from '../errors';
import { describeValue } from '../shape';
import { requireChoice, requireFinite, requireOptions } from '../arguments';
import { erf as erfOf, erfc as erfcOf } from '../kernels/erf';
import { GELU_C, GELU_K, logistic } from '../kernels/activations';

const positive = { min: 0.2, max: 2 };
/** Inside (−1, 1), away from the ends where the inverse sine's, cosine's and tanh's derivatives blow up. */
const insideUnit = { min: -0.8, max: 0.8 };

/** −x. */
const negOp = unaryOp({ name: 'neg', f: (v) => -v, scale: (v) => neg(v), scalarScale: (g) => -g, domain: anyReal, print: ([a]) => `−${a}` });

/** eˣ; d/dx = eˣ, the output itself. */
const expOp = unaryOp({ name: 'exp', f: Math.exp, scale: (v, _, out) => mul(v, out), scalarScale: (g, _x, _y, out) => g * out, domain: anyReal });

/** ln x (NaN below 0, −∞ at 0, as IEEE); d/dx = 1/x. */
const logOp = unaryOp({ name: 'log', f: Math.log, scale: (v, [x]) => div(v, x!), scalarScale: (g, x) => g / x, domain: positive });

/** ln(1 + x), accurate near 0; d/dx = 1/(1 + x). */
const log1pOp = unaryOp({ name: 'log1p', f: Math.log1p, scale: (v, [x]) => div(v, add(x!, 1)), scalarScale: (g, x) => g / (x + 1), domain: { min: -0.8, max: 2 } });

/** eˣ − 1, accurate near 0; d/dx = eˣ, not out + 1, which cancels for x ≪ 0 (to 0 from x = −37 on). */
const expm1Op = unaryOp({ name: 'expm1', f: Math.expm1, scale: (v, [x]) => mul(v, exp(x!)), scalarScale: (g, x) => g * Math.exp(x), domain: anyReal });

/** √x; d/dx = 1/(2√x). */
const sqrtOp = unaryOp({
  name: 'sqrt',
  f: Math.sqrt,
  scale: (v, _, out) => div(v, mul(out, 2)),
  scalarScale: (g, _x, _y, out) => g / (out * 2),
  domain: positive,
  print: ([a]) => `√${a}`,
});

/** x²; d/dx = 2x. */
const squareOp = unaryOp({
  name: 'square',
  f: (v) => v * v,
  scale: (v, [x]) => mul(v, mul(x!, 2)),
  scalarScale: (g, x) => g * (x * 2),
  domain: anyReal,
  print: ([a]) => `${a}²`,
});

/** |x|; d/dx = sign(x) (0 at 0). */
const absOp = unaryOp({ name: 'abs', f: Math.abs, scale: (v, [x]) => mul(v, sign(x!)), domain: awayFromZero });

/** sin x; d/dx = cos x. */
const sinOp = unaryOp({ name: 'sin', f: Math.sin, scale: (v, [x]) => mul(v, cos(x!)), scalarScale: (g, x) => g * Math.cos(x), domain: anyReal });

/** cos x; d/dx = −sin x. */
const cosOp = unaryOp({ name: 'cos', f: Math.cos, scale: (v, [x]) => neg(mul(v, sin(x!))), scalarScale: (g, x) => -(g * Math.sin(x)), domain: anyReal });

/** tan x; d/dx = 1 + tan² x. */
const tanOp = unaryOp({ name: 'tan', f: Math.tan, scale: (v, _, out) => mul(v, add(square(out), 1)), scalarScale: (g, _x, _y, out) => g * (out * out + 1), domain: { min: -1.2, max: 1.2 } });

/** tanh x; d/dx = 1 − tanh² x. */
const tanhOp = unaryOp({ name: 'tanh', f: Math.tanh, scale: (v, _, out) => tanhGrad(v, out), scalarScale: (g, _x, _y, out) => g * (1 - out * out), domain: anyReal });

/** 1/(1 + e⁻ˣ), evaluated without overflow for large |x|; d/dx = σ(1 − σ). */
const sigmoidOp = unaryOp({
  name: 'sigmoid',
  f: logistic,
  scale: (v, _, out) => sigmoidGrad(v, out),
  scalarScale: (g, _x, _y, out) => g * (out * (1 - out)),
  domain: anyReal,
});

/**
 * max(x, 0); d/dx = 1 for x > 0, else 0. NaN stays NaN, as in NumPy.
 *
 * Computed as v·[v > 0] + 0 (the + 0 turns v·0 = −0 into +0), which V8 compiles without a branch:
 * a branch on the sign of activations is mispredicted half the time, and this is about 2.5 times
 * faster on them. Only −∞ (−∞·0) and NaN give NaN there, and a branch that is almost never taken
 * puts those right: 0 for −∞, the NaN itself. The values are those of `v > 0 || v !== v ? v : 0`.
 */
const reluOp = unaryOp({
  name: 'relu',
  f: (v) => {
    const r = v * +(v > 0) + 0;
    return r === r ? r : v !== v ? v : 0;
  },
  scale: (v, [x]) => reluGrad(v, x!),
  scalarScale: (g, x) => maskedProduct(g, +(x > 0)), // reluGrad's kernel
  domain: awayFromZero,
});

/** x for x > 0, αx otherwise; d/dx = 1 or α (with α = 0, relu's mask). */
const leakyReluOp = unaryOp<{ alpha: number }>({
  name: 'leakyRelu',
  f: (v, { alpha }) => (v > 0 ? v : alpha * v),
  scale: (v, [x], _, { alpha }) => maskGrad(v, where(greater(x!, 0), 1, alpha)),
  domain: awayFromZero,
  attrs: [{ alpha: 0.01 }, { alpha: 0.3 }],
});

/**
 * x for x > 0, α(eˣ − 1) otherwise; d/dx = 1 or α·eˣ (eluGrad), not out + α, which is the same
 * number but cancels as out nears −α (8 digits lost at x = −20, all of them from x = −37 on).
 */
const eluOp = unaryOp<{ alpha: number }>({
  name: 'elu',
  f: (v, { alpha }) => (v > 0 ? v : alpha * Math.expm1(v)),
  scale: (v, [x], _, { alpha }) => eluGrad(v, x!, alpha),
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

/** x limited to [lo, hi]; d/dx = 1 inside (bounds included), 0 outside (whatever comes from above). */
const clipOp = unaryOp<{ lo: number; hi: number }>({
  name: 'clip',
  f: (v, { lo, hi }) => (v < lo ? lo : v > hi ? hi : v),
  scale: (v, [x], _, { lo, hi }) => maskGrad(v, mul(greaterEqual(x!, lo), lessEqual(x!, hi))),
  domain: { min: -1, max: 1, awayFrom: [-0.5, 0.5], margin: 0.1 },
  attrs: [{ lo: -0.5, hi: 0.5 }],
});

/** 2/√π, erf′(0). */
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** erf x = (2/√π) ∫₀ˣ e^{−s²} ds (see kernels/erf.ts); d/dx = (2/√π)·e^{−x²}. */
const erfOp = unaryOp({
  name: 'erf',
  f: erfOf,
  scale: (v, [x]) => mul(v, mul(exp(neg(square(x!))), TWO_OVER_SQRT_PI)),
  domain: anyReal,
});

/** gelu's attributes: the exact form or the tanh approximation. */
interface GeluAttrs {
  readonly approximate: 'none' | 'tanh';
}

/**
 * gelu at one value. Exact: x·Φ(x) with Φ(x) = ½·erfc(−x/√2), which keeps its relative accuracy in
 * the left tail, where ½(1 + erf(x/√2)) would cancel to 0. Tanh: ½x(1 + tanh u), u = √(2/π)(x +
 * 0.044715x³), computed as x·σ(2u), the same function (1 + tanh u = 2σ(2u)) without that
 * cancellation. At −∞ both give the limit −0 (x·Φ(x) would be −∞·0 = NaN).
 */
function geluValue(v: number, { approximate }: GeluAttrs): number {
  if (v === -Infinity) return -0;
  if (approximate === 'tanh') return v * logistic(2 * GELU_K * (v + GELU_C * v * v * v));
  return v * (0.5 * erfcOf(-v * Math.SQRT1_2));
}

/**
 * gelu: x·Φ(x), d/dx = Φ(x) + x·φ(x) with φ the standard normal density; or its tanh approximation
 * x·s, s = σ(2u), d/dx = s + x·s·(1 − s)·2√(2/π)(1 + 3·0.044715x²). Both derivatives are finite
 * limits at ±∞ (geluGrad).
 */
const geluOp = unaryOp<GeluAttrs>({
  name: 'gelu',
  f: geluValue,
  scale: (v, [x], _, { approximate }) => geluGrad(v, x!, approximate),
  domain: anyReal,
  attrs: [{ approximate: 'none' }, { approximate: 'tanh' }],
  print: ([a], { approximate }) => (approximate === 'tanh' ? `gelu(${a}, tanh)` : `gelu(${a})`),
});

/** silu x = x·σ(x) (−0 at −∞, its limit); d/dx = σ + x·σ(1 − σ), a finite limit at ±∞ too (siluGrad). */
const siluOp = unaryOp({
  name: 'silu',
  f: (v) => (v === -Infinity ? -0 : v * logistic(v)),
  scale: (v, [x]) => siluGrad(v, x!),
  domain: anyReal,
});

/** sinh x; d/dx = cosh x. */
const sinhOp = unaryOp({ name: 'sinh', f: Math.sinh, scale: (v, [x]) => mul(v, cosh(x!)), scalarScale: (g, x) => g * Math.cosh(x), domain: anyReal });

/** cosh x; d/dx = sinh x. */
const coshOp = unaryOp({ name: 'cosh', f: Math.cosh, scale: (v, [x]) => mul(v, sinh(x!)), scalarScale: (g, x) => g * Math.sinh(x), domain: anyReal });

/** asinh x = ln(x + √(x² + 1)); d/dx = 1/√(x² + 1). */
const asinhOp = unaryOp({ name: 'asinh', f: Math.asinh, scale: (v, [x]) => div(v, sqrt(add(square(x!), 1))), scalarScale: (g, x) => g / Math.sqrt(x * x + 1), domain: anyReal });

/** atan x, in (−π/2, π/2); d/dx = 1/(1 + x²). */
const atanOp = unaryOp({ name: 'atan', f: Math.atan, scale: (v, [x]) => div(v, add(square(x!), 1)), scalarScale: (g, x) => g / (x * x + 1), domain: anyReal });

/**
 * √((1 − x)(1 + x)), the √(1 − x²) of the inverse sine's and cosine's derivatives: as a product it
 * keeps its relative accuracy next to ±1, where 1 − x² loses the digits of x's last bits.
 */
const rootOneMinusSquare = (x: Tensor): Tensor => sqrt(mul(sub(1, x), add(1, x)));

/** asin x, in [−π/2, π/2] (NaN outside [−1, 1]); d/dx = 1/√(1 − x²). */
const asinOp = unaryOp({ name: 'asin', f: Math.asin, scale: (v, [x]) => div(v, rootOneMinusSquare(x!)), scalarScale: (g, x) => g / Math.sqrt((1 - x) * (1 + x)), domain: insideUnit });

/** acos x, in [0, π] (NaN outside [−1, 1]); d/dx = −1/√(1 − x²). */
const acosOp = unaryOp({ name: 'acos', f: Math.acos, scale: (v, [x]) => neg(div(v, rootOneMinusSquare(x!))), scalarScale: (g, x) => -(g / Math.sqrt((1 - x) * (1 + x))), domain: insideUnit });

/** acosh x = ln(x + √(x² − 1)) (NaN below 1); d/dx = 1/√((x − 1)(x + 1)), a product for accuracy next to 1. */
const acoshOp = unaryOp({ name: 'acosh', f: Math.acosh, scale: (v, [x]) => div(v, sqrt(mul(sub(x!, 1), add(x!, 1)))), scalarScale: (g, x) => g / Math.sqrt((x - 1) * (x + 1)), domain: { min: 1.2, max: 3 } });

/** atanh x = ½ ln((1 + x)/(1 − x)) (±∞ at ±1, NaN outside); d/dx = 1/((1 − x)(1 + x)). */
const atanhOp = unaryOp({ name: 'atanh', f: Math.atanh, scale: (v, [x]) => div(v, mul(sub(1, x!), add(1, x!))), scalarScale: (g, x) => g / ((1 - x) * (1 + x)), domain: insideUnit });

/** log₂ x (NaN below 0, −∞ at 0); d/dx = 1/(x ln 2). */
const log2Op = unaryOp({ name: 'log2', f: Math.log2, scale: (v, [x]) => div(v, mul(x!, Math.LN2)), scalarScale: (g, x) => g / (x * Math.LN2), domain: positive });

/** log₁₀ x (NaN below 0, −∞ at 0); d/dx = 1/(x ln 10). */
const log10Op = unaryOp({ name: 'log10', f: Math.log10, scale: (v, [x]) => div(v, mul(x!, Math.LN10)), scalarScale: (g, x) => g / (x * Math.LN10), domain: positive });

/** 1/x (±∞ at ±0); d/dx = −1/x² = −out². */
const reciprocalOp = unaryOp({
  name: 'reciprocal',
  f: (v) => 1 / v,
  scale: (v, _, out) => neg(mul(v, square(out))),
  scalarScale: (g, _x, _y, out) => -(g * (out * out)),
  domain: positive,
  print: ([a]) => `1/${a}`,
});

/** 1/√x (+∞ at +0, −∞ at −0, NaN below 0); d/dx = −½x^{−3/2} = −½·out³. */
const rsqrtOp = unaryOp({
  name: 'rsqrt',
  f: (v) => 1 / Math.sqrt(v),
  scale: (v, _, out) => mul(v, mul(mul(square(out), out), -0.5)),
  scalarScale: (g, _x, _y, out) => g * (out * out * out * -0.5),
  domain: positive,
  print: ([a]) => `1/√${a}`,
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
/**
 * max(x, 0): +0 for every x ≤ 0, −0 included (PyTorch keeps −0), and NaN for NaN. The derivative is
 * 1 for x > 0 and 0 elsewhere: at the kink 0 (as PyTorch) and at NaN (as JAX; PyTorch gives 1).
 */
export const relu = (x: TensorLike): Tensor => applyUnary(reluOp, x);
/** x for x > 0, alpha·x otherwise. */
export const leakyRelu = (x: TensorLike, alpha = 0.01): Tensor => applyUnary(leakyReluOp, x, { alpha: requireFinite('leakyRelu', 'alpha', alpha) });
/** x for x > 0, alpha·(eˣ − 1) otherwise. */
export const elu = (x: TensorLike, alpha = 1): Tensor => applyUnary(eluOp, x, { alpha: requireFinite('elu', 'alpha', alpha) });
/** ln(1 + eˣ), never overflowing. */
export const softplus = (x: TensorLike): Tensor => applyUnary(softplusOp, x);
/**
 * The error function erf x = (2/√π) ∫₀ˣ e^{−s²} ds, odd, from −1 to 1; accurate in float64 to
 * within 1 ulp over the whole line (JavaScript has no Math.erf; see kernels/erf.ts). Its
 * derivative is (2/√π)·e^{−x²}.
 *
 * @example
 * erf(tensor([0, 1, -Infinity])).toArray(); // [0, 0.8427007929497149, -1]
 */
export const erf = (x: TensorLike): Tensor => applyUnary(erfOp, x);
/** Options of {@link gelu}. */
export interface GeluOptions {
  /** 'none' (the default): the exact x·Φ(x); 'tanh': the tanh approximation. As PyTorch's `approximate`. */
  approximate?: 'none' | 'tanh';
}
/**
 * The Gaussian error linear unit: x·Φ(x) = ½x(1 + erf(x/√2)), Φ the standard normal distribution
 * function (PyTorch's default), with derivative Φ(x) + x·φ(x), φ the normal density. With
 * `{ approximate: 'tanh' }`, PyTorch's tanh approximation ½x(1 + tanh(√(2/π)(x + 0.044715x³))),
 * with derivative its own. Both are computed so that the left tail keeps its relative accuracy
 * (gelu(−10) ≈ −7.6·10⁻²³, not 0), and gelu(−∞) is −0, the limit (PyTorch gives NaN). The
 * derivative at ±∞ is its limit too, 0 or 1 (PyTorch's is NaN).
 *
 * @example
 * gelu(tensor([-1, 0, 1])).toString(); // tensor([-0.1587,  0.0000,  0.8413])
 * gelu(tensor([-1, 0, 1]), { approximate: 'tanh' }).toString(); // tensor([-0.1588,  0.0000,  0.8412])
 */
export function gelu(x: TensorLike, options?: GeluOptions): Tensor {
  const { approximate = 'none' } = requireOptions('gelu', options, ['approximate']);
  return applyUnary(geluOp, x, { approximate: requireChoice('gelu', 'approximate', approximate, ['none', 'tanh']) });
}
/**
 * The sigmoid linear unit (swish) x·σ(x), σ the logistic function; derivative σ(x)(1 + x(1 − σ(x))).
 * silu(−∞) is −0, the limit (PyTorch gives NaN), and the derivative at ±∞ is its limit, 0 or 1.
 */
export const silu = (x: TensorLike): Tensor => applyUnary(siluOp, x);
/** The hyperbolic sine (eˣ − e⁻ˣ)/2; derivative cosh x. */
export const sinh = (x: TensorLike): Tensor => applyUnary(sinhOp, x);
/** The hyperbolic cosine (eˣ + e⁻ˣ)/2; derivative sinh x. */
export const cosh = (x: TensorLike): Tensor => applyUnary(coshOp, x);
/** The inverse hyperbolic sine ln(x + √(x² + 1)); derivative 1/√(x² + 1). */
export const asinh = (x: TensorLike): Tensor => applyUnary(asinhOp, x);
/** The arctangent, in (−π/2, π/2); derivative 1/(1 + x²). For the angle of a point, see {@link atan2}. */
export const atan = (x: TensorLike): Tensor => applyUnary(atanOp, x);
/** The inverse sine, in [−π/2, π/2] (NaN outside [−1, 1]); derivative 1/√(1 − x²). As NumPy's arcsin. */
export const asin = (x: TensorLike): Tensor => applyUnary(asinOp, x);
/** The inverse cosine, in [0, π] (NaN outside [−1, 1]); derivative −1/√(1 − x²). As NumPy's arccos. */
export const acos = (x: TensorLike): Tensor => applyUnary(acosOp, x);
/** The inverse hyperbolic cosine ln(x + √(x² − 1)) (NaN below 1); derivative 1/√(x² − 1). */
export const acosh = (x: TensorLike): Tensor => applyUnary(acoshOp, x);
/** The inverse hyperbolic tangent ½ ln((1 + x)/(1 − x)) (±∞ at ±1, NaN outside); derivative 1/(1 − x²). */
export const atanh = (x: TensorLike): Tensor => applyUnary(atanhOp, x);
/** The base-2 logarithm (−∞ at 0, NaN below); derivative 1/(x ln 2). */
export const log2 = (x: TensorLike): Tensor => applyUnary(log2Op, x);
/** The base-10 logarithm (−∞ at 0, NaN below); derivative 1/(x ln 10). */
export const log10 = (x: TensorLike): Tensor => applyUnary(log10Op, x);
/** 1/x (±∞ at ±0, as IEEE division); derivative −1/x². */
export const reciprocal = (x: TensorLike): Tensor => applyUnary(reciprocalOp, x);
/** 1/√x (∞ at 0, −∞ at −0, NaN below 0, as PyTorch's rsqrt); derivative −½x^{−3/2}. */
export const rsqrt = (x: TensorLike): Tensor => applyUnary(rsqrtOp, x);
/** x limited to [lo, hi] (NaN stays NaN); the derivative is 1 inside, bounds included (as PyTorch's clamp), 0 outside and at NaN. */
export function clip(x: TensorLike, lo: number, hi: number): Tensor {
  if (typeof lo !== 'number' || typeof hi !== 'number' || !(lo <= hi)) {
    throw new ValueError(`clip: needs numbers lo ≤ hi, got lo = ${describeValue(lo)}, hi = ${describeValue(hi)}`);
  }
  return applyUnary(clipOp, x, { lo, hi });
}

