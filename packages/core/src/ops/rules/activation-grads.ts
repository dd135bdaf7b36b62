/**
 * Tanh's and sigmoid's derivatives applied to a cotangent or tangent, each as an op of its own (see
 * rule-ops.ts): one pass and one array where the same product written with mul, sub and square
 * takes three of each. Both read the derivative from the activation's output y, as PyTorch's
 * tanh_backward and sigmoid_backward do, and compute the product in the order the composed ops
 * did, so gradients are the same bits. Bilinear-ish in (v, y), so each is differentiable in turn:
 * ∂/∂v is the op itself, ∂/∂y a product.
 */
import { binaryOp, anyReal } from '../elementwise';
import { applyBinary } from '../call';
import { mul, sub } from '../../functions';
import type { Tensor, TensorLike } from '../../tensor';

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
