/**
 * Callbacks: objects whose optional hooks fit calls as training proceeds. Any hook except
 * onTrainEnd may return 'stop' to end training: from onBatchEnd the current epoch ends after that
 * batch (it is still validated and recorded), from onEpochEnd or onEpochBegin no further epoch starts.
 */
import type { Module } from '../module';
import type { Optimizer } from '../optim/index';
import type { Metric } from './resolve';
import type { EpochLogs, History } from './history';

/** What a hook returns: nothing to go on, 'stop' to end training. */
export type CallbackResult = void | 'stop';

/** Handed to {@link Callback.onTrainBegin}. */
export interface TrainInfo {
  model: Module;
  optimizer: Optimizer;
  /** Epochs requested. */
  epochs: number;
  /** Batches in each epoch. */
  batchesPerEpoch: number;
  /** Training rows (after any validation split). */
  samples: number;
  /** Validation rows (0 without validation). */
  validationSamples: number;
  /** The resolved metrics, in order. */
  metrics: readonly Metric[];
}

/** Handed to {@link Callback.onBatchEnd}. */
export interface BatchLogs {
  /** The batch's loss. */
  loss: number;
  /** Rows in the batch. */
  size: number;
}

/** Hooks called by fit, all optional. Epoch and batch numbers count from 0. */
export interface Callback {
  onTrainBegin?(info: TrainInfo): CallbackResult;
  onEpochBegin?(epoch: number): CallbackResult;
  onBatchEnd?(batch: number, logs: BatchLogs): CallbackResult;
  /** `logs` holds loss, valLoss (with validation) and each metric, as recorded in the History. */
  onEpochEnd?(epoch: number, logs: EpochLogs): CallbackResult;
  onTrainEnd?(history: History): void;
}
