/** The optimizers: one file per update rule, sharing the base class in optimizer.ts. */
export { Optimizer, NonFiniteGradientError, type LearningRate, type OptimizerParams, type OptimizerState, type SavedParamGroup, type ParamGroup, type ParamGroupOptions, type ParamState } from './optimizer';
export { SGD, type SGDOptions } from './sgd';
export { Adagrad, type AdagradOptions } from './adagrad';
export { RMSprop, type RMSpropOptions } from './rmsprop';
export { Adam, AdamW, type AdamOptions } from './adam';
export { LBFGS, type LBFGSOptions, type LBFGSStateDict } from './lbfgs';
