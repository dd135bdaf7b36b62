/**
 * Activations' values and derivatives at one number, shared by the activation ops (ops/unary.ts)
 * and by their fused adjoint ops (ops/rules/activation-grads.ts), whose kernels loop over the
 * derivatives below. Each derivative does the operations the composed ops it replaced did, in
 * their order, so gradients kept their bits when the adjoints became one pass; except that gelu′
 * now takes Φ from erfc, as gelu does, where it lost its relative accuracy below x ≈ −5.
 */
import { erfc } from './erf';

/** 1/(1 + e⁻ˣ), without overflow for large |x|. */
export const logistic = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

/** √(2/π) and 0.044715, the constants of gelu's tanh approximation. */
export const GELU_K = Math.sqrt(2 / Math.PI);
export const GELU_C = 0.044715;
/** 1/√(2π), the standard normal density at 0. */
export const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * Where silu′ and gelu′ are exactly 0 or 1 in float64 (σ(1 − σ) and φ underflow): both are
 * evaluated at x clipped to these bounds, so that ±∞ (and, for gelu's tanh form, |x| > 10¹⁵⁴,
 * where x² overflows) give those limits rather than ∞·0 = NaN.
 */
export const SILU_FLAT = 800;
export const GELU_FLAT = 40;

/** x clipped to [−bound, bound], NaN kept (as the clip op). */
export const clipTo = (x: number, bound: number): number => (x < -bound ? -bound : x > bound ? bound : x);

/** elu′(x) = 1 for x > 0, else α·eˣ (not elu(x) + α, which cancels as elu nears −α). */
export const eluSlope = (x: number, alpha: number): number => (x > 0 ? 1 : Math.exp(x) * alpha);

/** silu′(x) = σ + x·σ(1 − σ), at x clipped to ±SILU_FLAT. */
export function siluSlope(x: number): number {
  const xc = clipTo(x, SILU_FLAT);
  const s = logistic(xc);
  return s + xc * s * (1 - s);
}

/**
 * gelu′(x): Φ(x) + x·φ(x) for the exact form; s + x·s(1 − s)·u′ for the tanh form, s = σ(2u),
 * u = √(2/π)(x + 0.044715x³). Both at x clipped to ±GELU_FLAT.
 */
export function geluSlope(x: number, approximate: 'none' | 'tanh'): number {
  const xc = clipTo(x, GELU_FLAT);
  if (approximate === 'tanh') {
    const s = logistic((xc + xc * xc * xc * GELU_C) * (2 * GELU_K));
    const du = xc * xc * (6 * GELU_C * GELU_K) + 2 * GELU_K;
    return s + xc * s * (1 - s) * du;
  }
  const cdf = 0.5 * erfc(-xc * Math.SQRT1_2); // Φ as gelu's value takes it: ½(1 + erf) would cancel in the left tail
  const density = Math.exp(xc * xc * -0.5) * INV_SQRT_2PI;
  return cdf + xc * density;
}
