/**
 * Derivatives that are masks — 0 where a function is locally constant (relu below 0, clip outside
 * its bounds, the loser of maximum) — applied to a cotangent or tangent, as ops of their own (see
 * rule-ops.ts). Where the mask is 0 the result is 0 whatever comes from above, ±∞ and NaN included
 * (a product would make those NaN): the derivative of a constant is 0, as PyTorch's and JAX's masks
 * select, so sqrt(relu(x)) has gradient 0, not NaN, where x < 0.
 */
import { binaryOp, anyReal, awayFromZero } from '../elementwise';
import { applyBinary } from '../call';
import { maskedProduct } from '../../kernels/elementwise';
import type { Tensor, TensorLike } from '../../tensor';

/**
 * v·relu′(x): v where x > 0, else 0. Relu's adjoint and tangent map, as an op of its own so that
 * the backward pass makes one array in one pass instead of a mask and then a product. Linear in
 * v; x only selects, so it is not differentiated (relu′ is 0 wherever it has a derivative).
 */
const reluGradOp = binaryOp({
  name: 'reluGrad',
  f: (v, x) => maskedProduct(v, +(x > 0)),
  scales: [(g, [, x]) => reluGrad(g, x!), null],
  domains: [anyReal, awayFromZero],
});

/**
 * v·w for a weight w that is constant where it is defined (a 0/1 mask, or ½ on maximum's ties), 0
 * where w is 0 whatever v is. Linear in v; w is not differentiated.
 */
const maskGradOp = binaryOp({
  name: 'maskGrad',
  f: maskedProduct,
  scales: [(g, [, w]) => maskGrad(g, w!), null],
  domains: [anyReal, { min: 0, max: 1, integer: true }],
});

/** v where x > 0, else 0: relu's derivative at x applied to v (relu's adjoint and tangent map, in one pass). */
export const reluGrad = (v: TensorLike, x: TensorLike): Tensor => applyBinary(reluGradOp, v, x);

/** v·w, and 0 where w is 0 even for v = ±∞ or NaN: a mask-shaped derivative w applied to v. */
export const maskGrad = (v: TensorLike, w: TensorLike): Tensor => applyBinary(maskGradOp, v, w);
