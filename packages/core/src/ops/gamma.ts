/**
 * The log-gamma function and its derivatives: gammaln, digamma and polygamma, elementwise. Each
 * one's derivative is the next (ln Γ → ψ → ψ⁽¹⁾ → ψ⁽²⁾ …), so they are differentiable to any order.
 */
import { unaryOp } from './elementwise';
import type { DifferentiableOp } from '../registry';
import { mul } from '../functions';
import type { Tensor, TensorLike } from '../tensor';
import { applyUnary } from './call';
import { ValueError } from '../errors';
import { describeValue } from '../shape';
import { digamma as digammaOf, lgamma, polygamma as polygammaOf } from '../kernels/gamma';

/** Where the checks draw from: away from the poles at 0, −1, −2, …, where the functions vary fast. */
const positive = { min: 0.3, max: 4 };

/** ln |Γ(x)|; d/dx = ψ(x). */
const gammalnOp = unaryOp({ name: 'gammaln', f: lgamma, scale: (v, [x]) => mul(v, digamma(x!)), domain: positive });

/** ψ(x); d/dx = ψ⁽¹⁾(x). */
const digammaOp = unaryOp({ name: 'digamma', f: digammaOf, scale: (v, [x]) => mul(v, applyUnary(polygammaOp, x!, { order: 1 })), domain: positive });

/** polygamma's attribute: the order n ≥ 1 of the derivative of ψ. */
interface PolygammaAttrs {
  readonly order: number;
}

/** ψ⁽ⁿ⁾(x); d/dx = ψ⁽ⁿ⁺¹⁾(x). */
const polygammaOp: DifferentiableOp<PolygammaAttrs> = unaryOp<PolygammaAttrs>({
  name: 'polygamma',
  f: (v, { order }) => polygammaOf(order, v),
  scale: (v, [x], _out, { order }): Tensor => mul(v, applyUnary(polygammaOp, x!, { order: order + 1 })),
  domain: positive,
  attrs: [{ order: 1 }, { order: 2 }],
  print: ([a], { order }) => `ψ⁽${order}⁾(${a})`,
});

/**
 * ln |Γ(x)|, elementwise, as SciPy's and JAX's `gammaln` and PyTorch's `lgamma`: the log-likelihoods
 * of the Poisson, gamma, beta and Dirichlet distributions need it. +∞ at the poles (0, −1, −2, …)
 * and at ±∞; negative arguments by reflection. Its derivative is {@link digamma}.
 *
 * @example
 * gammaln(tensor([1, 2, 5])).toArray(); // [0, 0, ln 24]
 */
export const gammaln = (x: TensorLike): Tensor => applyUnary(gammalnOp, x);

/**
 * ψ(x) = Γ′(x)/Γ(x), elementwise, as PyTorch's and SciPy's `digamma`: −∞ at +0, +∞ at −0, NaN at the
 * negative integers and −∞. Its derivative is `polygamma(1, x)`.
 */
export const digamma = (x: TensorLike): Tensor => applyUnary(digammaOp, x);

/**
 * ψ⁽ⁿ⁾(x), the n-th derivative of {@link digamma} (n = 0 is digamma itself), elementwise, as
 * PyTorch's and SciPy's `polygamma(n, x)`, negative arguments by reflection. At the poles (0, −1,
 * −2, …) +∞ for odd n, where both sides tend to +∞, and NaN for even n, where they do not (PyTorch's
 * values there vary); 0 at +∞.
 * @throws ValueError unless n is a whole number from 0 to 100.
 */
export function polygamma(n: number, x: TensorLike): Tensor {
  if (!Number.isInteger(n) || n < 0 || n > 100) throw new ValueError(`polygamma: n must be a whole number from 0 to 100, got ${describeValue(n)}`);
  return n === 0 ? applyUnary(digammaOp, x) : applyUnary(polygammaOp, x, { order: n });
}
