/**
 * Activations' derivatives applied to a cotangent or tangent, each as an op of its own (see
 * rule-ops.ts): one pass and one array where the same product written with mul, sub, exp and where
 * takes three to ten of each. Each computes the product in the order the composed ops did, so
 * gradients are the same bits. Tanh's and sigmoid's read the derivative from the activation's
 * output y, as PyTorch's tanh_backward and sigmoid_backward do; elu's, silu's and gelu's from its
 * input x (see kernels/activations.ts). Each is linear in v and differentiable in turn: ∂/∂v is
 * the op itself, ∂/∂y or ∂/∂x a product with the activation's next derivative.
 */
import { binaryOp, anyReal, awayFromZero } from '../elementwise';
import { applyBinary } from '../call';
import { add, clip, exp, greater, mul, sigmoid, square, sub, where } from '../../functions';
import type { Tensor, TensorLike } from '../../tensor';
import { eluSlope, geluSlope, siluSlope, GELU_C, GELU_FLAT, GELU_K, INV_SQRT_2PI, SILU_FLAT } from '../../kernels/activations';

/** v·(1 − y²); ∂/∂v = 1 − y², ∂/∂y = −2·v·y. */
const tanhGradOp = binaryOp({
  name: 'tanhGrad',
  f: (v, y) => v * (1 - y * y),
  scales: [(g, [, y]) => tanhGrad(g, y!), (g, [v, y]) => mul(g, mul(mul(v!, y!), -2))],
  scalarScales: [(g, _v, y) => g * (1 - y * y), (g, v, y) => g * (v * y * -2)],
  domains: [anyReal, anyReal],
});

/** v·(y·(1 − y)); ∂/∂v = y·(1 − y), ∂/∂y = v·(1 − 2y). */
const sigmoidGradOp = binaryOp({
  name: 'sigmoidGrad',
  f: (v, y) => v * (y * (1 - y)),
  scales: [(g, [, y]) => sigmoidGrad(g, y!), (g, [v, y]) => mul(g, mul(v!, sub(1, mul(y!, 2))))],
  scalarScales: [(g, _v, y) => g * (y * (1 - y)), (g, v, y) => g * (v * (1 - y * 2))],
  domains: [anyReal, anyReal],
});

/** v·(1 − y²): tanh's derivative where tanh is y, applied to v (tanh's adjoint and tangent map, in one pass). */
export const tanhGrad = (v: TensorLike, y: TensorLike): Tensor => applyBinary(tanhGradOp, v, y);

/** v·y·(1 − y): sigmoid's derivative where sigmoid is y, applied to v (sigmoid's adjoint and tangent map, in one pass). */
export const sigmoidGrad = (v: TensorLike, y: TensorLike): Tensor => applyBinary(sigmoidGradOp, v, y);

/** elu's α. */
interface EluAttrs {
  readonly alpha: number;
}

/** v·elu′(x), elu′ = 1 for x > 0 else α·eˣ; ∂/∂v = elu′(x), ∂/∂x = v·elu″(x), which is 0 for x > 0 and v·α·eˣ otherwise. */
const eluGradOp = binaryOp<EluAttrs>({
  name: 'eluGrad',
  f: (v, x, { alpha }) => v * eluSlope(x, alpha),
  scales: [
    (g, [, x], _, { alpha }) => eluGrad(g, x!, alpha),
    (g, [v, x], _, { alpha }) => mul(g, where(greater(x!, 0), 0, eluGrad(v!, x!, alpha))),
  ],
  domains: [anyReal, awayFromZero],
  attrs: [{ alpha: 1 }, { alpha: 0.5 }],
});

/** silu″ = σ(1 − σ)·(2 + x(1 − 2σ)), at x clipped as silu′ is (where it is 0 in float64 anyway). */
function siluCurvature(x: Tensor): Tensor {
  const xc = clip(x, -SILU_FLAT, SILU_FLAT);
  const s = sigmoid(xc);
  return mul(mul(s, sub(1, s)), add(mul(xc, sub(1, mul(s, 2))), 2));
}

/** v·silu′(x); ∂/∂v = silu′(x), ∂/∂x = v·silu″(x). */
const siluGradOp = binaryOp({
  name: 'siluGrad',
  f: (v, x) => v * siluSlope(x),
  scales: [(g, [, x]) => siluGrad(g, x!), (g, [v, x]) => mul(g, mul(v!, siluCurvature(x!)))],
  domains: [anyReal, anyReal],
});

/** gelu's form: exact, or its tanh approximation. */
interface GeluGradAttrs {
  readonly approximate: 'none' | 'tanh';
}

/**
 * gelu″, at x clipped as gelu′ is. Exact: φ(x)·(2 − x²). Tanh form, with s = σ(2u) and
 * w = 2u′ = 2√(2/π)(1 + 3·0.044715x²): s(1 − s)·(2w + x(w²(1 − 2s) + 12·0.044715·√(2/π)·x)).
 */
function geluCurvature(x: Tensor, approximate: 'none' | 'tanh'): Tensor {
  const xc = clip(x, -GELU_FLAT, GELU_FLAT);
  const x2 = square(xc);
  if (approximate === 'tanh') {
    const s = sigmoid(mul(add(xc, mul(mul(x2, xc), GELU_C)), 2 * GELU_K));
    const w = add(mul(x2, 6 * GELU_C * GELU_K), 2 * GELU_K);
    const inner = add(mul(square(w), sub(1, mul(s, 2))), mul(xc, 12 * GELU_C * GELU_K));
    return mul(mul(s, sub(1, s)), add(mul(w, 2), mul(xc, inner)));
  }
  return mul(mul(exp(mul(x2, -0.5)), INV_SQRT_2PI), sub(2, x2));
}

/** v·gelu′(x); ∂/∂v = gelu′(x), ∂/∂x = v·gelu″(x). */
const geluGradOp = binaryOp<GeluGradAttrs>({
  name: 'geluGrad',
  f: (v, x, { approximate }) => v * geluSlope(x, approximate),
  scales: [
    (g, [, x], _, { approximate }) => geluGrad(g, x!, approximate),
    (g, [v, x], _, { approximate }) => mul(g, mul(v!, geluCurvature(x!, approximate))),
  ],
  domains: [anyReal, anyReal],
  attrs: [{ approximate: 'none' }, { approximate: 'tanh' }],
});

/** v·elu′(x) with elu's α: elu's adjoint and tangent map, in one pass. */
export const eluGrad = (v: TensorLike, x: TensorLike, alpha: number): Tensor => applyBinary(eluGradOp, v, x, { alpha });

/** v·silu′(x): silu's adjoint and tangent map, in one pass. */
export const siluGrad = (v: TensorLike, x: TensorLike): Tensor => applyBinary(siluGradOp, v, x);

/** v·gelu′(x) for gelu's exact or tanh form: gelu's adjoint and tangent map, in one pass. */
export const geluGrad = (v: TensorLike, x: TensorLike, approximate: 'none' | 'tanh'): Tensor => applyBinary(geluGradOp, v, x, { approximate });
