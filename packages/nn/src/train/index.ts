/** Training: fit, predict, evaluate, the history, callbacks, early stopping and progress output. */
export { fit, type FitOptions, type ValidationSplit } from './fit';
export { predict, evaluate, type PredictOptions, type EvaluateOptions } from './predict';
export { History, type EpochLogs, type StopReason } from './history';
export { type Callback, type CallbackResult, type TrainInfo, type BatchLogs } from './callbacks';
export { EarlyStopping, type EarlyStoppingOptions } from './early-stopping';
export { type ProgressOptions, type ProgressStream, type Verbosity } from './progress';
export {
  type LossFn, type LossName, type LossSpec, type OptimizerName, type OptimizerSpec, type MetricName, type MetricSpec, type Metric,
} from './resolve';
