/**
 * @adjoint/nn: modules, layers, losses, optimizers and training built only from @adjoint/core ops.
 * Gradients all come from core's reverse mode; nothing here differentiates by hand.
 * @packageDocumentation
 */
export { Tensor } from '@adjoint/core';
export { Module, functionalCall, type AnyModule, type StateDict, type LoadStateDictOptions, type LoadStateDictResult } from './module';
export { activationFn, activationNames, type ActivationFn, type ActivationName } from './activations';
export * from './layers/index';
import { glorotUniform, glorotNormal, heUniform, heNormal, normal, zeros, fans, initializer } from './init';
export { glorotUniform, glorotNormal, heUniform, heNormal, normal, zeros, fans, initializer };
export type { FanInitializer, FanOptions, Initializer, InitializerName, InitOptions } from './init';
/** The initialisers under one name, for `init.heUniform(shape)`: the same functions as the top-level exports. */
export const init = Object.freeze({ glorotUniform, glorotNormal, heUniform, heNormal, normal, zeros, fans, initializer });
export {
  mse, mae, huberLoss, smoothL1Loss, binaryCrossEntropy, crossEntropy, nllLoss, klDiv, gaussianNllLoss, poissonNllLoss, l1, l2,
  type Reduction, type ReductionOptions, type BinaryCrossEntropyOptions, type CrossEntropyOptions, type NllLossOptions, type HuberLossOptions,
  type SmoothL1LossOptions, type KlDivOptions, type GaussianNllLossOptions, type PoissonNllLossOptions, type Target,
} from './losses';
export * from './optim/index';
export {
  constant, stepDecay, exponentialDecay, inverseTimeDecay, cosineDecay, linearWarmup, sequentialSchedule, oneCycle, cosineWarmRestarts,
  type Schedule, type StepDecayOptions, type ExponentialDecayOptions, type InverseTimeDecayOptions, type CosineDecayOptions,
  type LinearWarmupOptions, type SequentialScheduleOptions, type OneCycleOptions, type CosineWarmRestartsOptions,
} from './schedules';
export {
  ReduceLROnPlateau, reduceLrOnPlateau,
  type ReduceLROnPlateauOptions, type ReduceLROnPlateauState, type ReduceLROnPlateauCallbackOptions, type ReduceLROnPlateauCallback,
} from './plateau';
export { clipGradNorm, clipGradValue } from './clip';
export { summary } from './summary';
export * from './train/index';
export * from './data/index';
export {
  accuracy, confusionMatrix, meanSquaredError, meanAbsoluteError, r2Score, type MetricFn, type LabelOptions, type ConfusionMatrixOptions,
} from './metrics';
export * from './search/index';
export * from './io/index';
export { type TensorInput } from './args';
