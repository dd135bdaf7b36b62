/**
 * Op functions that exist only to write other ops' rules: each applies a registered op whose output
 * is another op's derivative, computed in one pass instead of several. They are ops like any other
 * (registered, checked by gradcheck and the fuzz suite, differentiable in turn), but a user has no
 * reason to call them, so the package does not export them: index.ts re-exports functions.ts, and
 * these live here instead.
 */
import { apply, applyOneOrTwo } from './dispatch';
import type { Tensor, TensorLike } from './tensor';
import { toIndexTensor, toTensor } from './create';
import * as unary from './ops/unary';
import * as crossEntropy from './ops/cross-entropy';

/** v where x > 0, else v·0: relu's derivative at x applied to v (relu's adjoint and tangent map, in one pass). */
export const reluGrad = (v: TensorLike, x: TensorLike): Tensor =>
  applyOneOrTwo(unary.reluGradOp, toTensor(v, 'reluGrad'), toTensor(x, 'reluGrad'), undefined);

/**
 * g·(softmax(z) − onehot(labels)) along the last axis, for g of the labels' shape or a scalar:
 * softmaxCrossEntropy's adjoint in one pass.
 */
export const softmaxCrossEntropyGrad = (g: TensorLike, z: TensorLike, labels: Tensor | readonly number[]): Tensor =>
  apply(
    crossEntropy.softmaxCrossEntropyGradOp,
    [toTensor(g, 'softmaxCrossEntropyGrad'), toTensor(z, 'softmaxCrossEntropyGrad'), toIndexTensor('softmaxCrossEntropyGrad', labels)],
    undefined,
  );
