/** Relu's derivative applied to a cotangent or tangent, as an op of its own (see rule-ops.ts). */
import { binaryOp, anyReal } from '../elementwise';
import { applyBinary } from '../call';
import type { Tensor, TensorLike } from '../../tensor';

const awayFromZero = { ...anyReal, awayFrom: [0], margin: 0.1 };

/**
 * v·relu′(x): v where x > 0, else v·0 (so a NaN or ∞ in v still gives NaN, exactly as v·(x > 0)
 * would). Relu's adjoint and tangent map, as an op of its own so that the backward pass makes one
 * array in one pass instead of a mask and then a product. Linear in v; x only selects, so it is
 * not differentiated (relu′ is 0 wherever it has a derivative).
 */
const reluGradOp = binaryOp({
  name: 'reluGrad',
  f: (v, x) => v * +(x > 0), // v·1 is v exactly; no branch to mispredict on a mask of random signs
  scales: [(g, [, x]) => reluGrad(g, x!), null],
  domains: [anyReal, awayFromZero],
});

/** v where x > 0, else v·0: relu's derivative at x applied to v (relu's adjoint and tangent map, in one pass). */
export const reluGrad = (v: TensorLike, x: TensorLike): Tensor => applyBinary(reluGradOp, v, x);
