/**
 * Op functions that exist only to write other ops' rules: each applies a registered op whose output
 * is another op's derivative, computed in one pass instead of several. They are ops like any other
 * (registered, checked by gradcheck and the fuzz suite, differentiable in turn), but a user has no
 * reason to call them, so the package does not export them: they live in ops/rules/, which
 * functions.ts (the public functions) does not re-export.
 */
export { maskGrad, reluGrad } from './ops/rules/mask-grads';
export { eluGrad, geluGrad, sigmoidGrad, siluGrad, tanhGrad } from './ops/rules/activation-grads';
export { softmaxCrossEntropyGrad } from './ops/rules/cross-entropy-grad';
export { conv2dBiasGrad, conv2dInputGrad, conv2dWeightGrad } from './ops/rules/conv-grads';
export { avgPool2dGrad, maxPool2dGather, maxPool2dGrad } from './ops/rules/pool-grads';
export { linearRecurrence } from './ops/rules/recurrence';
export { addIntoSlices } from './ops/rules/add-into-slices';
