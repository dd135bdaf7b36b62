/** Data utilities: splitting, cross-validation folds, scaling and minibatches. */
export { trainTestSplit, type TrainTestSplitOptions } from './split';
export { kFold, type Fold, type KFoldOptions } from './kfold';
export { Scaler, StandardScaler, MinMaxScaler, type MinMaxScalerOptions, type ScalerState } from './scalers';
export { batches, type Batch, type BatchesOptions } from './batches';
