/** Stopping when the monitored quantity stops improving, optionally going back to its best epoch. */
import { ValueError } from '@adjoint/core';
import type { Module, StateDict } from '../module';
import { checkBoolean, checkInteger, finiteNumber, knownNestedOptions, knownOptions, oneOf, quoteName, show, orDefault } from '../args';
import type { Callback, CallbackResult, TrainInfo } from './callbacks';
import { isValidationKey, refuseSnakeCase, validationKey, type EpochLogs, type History } from './history';

const EARLY_STOPPING_OPTIONS = ['patience', 'minDelta', 'restoreBest', 'monitor', 'mode'];

/** Options of {@link EarlyStopping} (and of fit's `earlyStopping`). */
export interface EarlyStoppingOptions {
  /**
   * Epochs in a row without improvement after which training stops (default 0, which stops at the
   * first, like 1). Training never stops at the first epoch, as in Keras: a NaN there counts
   * towards the patience, but the second epoch is the earliest that can end training.
   */
  patience?: number;
  /** An improvement must beat the best value by more than this (default 0). */
  minDelta?: number;
  /**
   * At the end of training, load the weights (and buffers) of the best epoch, whether training
   * stopped early or ran all its epochs (default false: keep the last weights).
   */
  restoreBest?: boolean;
  /**
   * The logged quantity to watch (default 'valLoss'): 'loss', 'valLoss', a metric name, or a
   * metric's validation key ('valAccuracy' for 'accuracy').
   */
  monitor?: string;
  /** Whether smaller or larger is better (default: from the quantity: losses 'min', accuracy and r2 'max'). */
  mode?: 'min' | 'max';
}

/**
 * A callback that ends training once `monitor` has gone `patience` epochs in a row without improving
 * (an epoch improves when it beats the best value so far by more than `minDelta`; NaN never does). Pass the options as fit's `earlyStopping`, or an instance in `callbacks`.
 * The best epoch is reported as `history.bestEpoch`.
 */
export class EarlyStopping implements Callback {
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBest: boolean;
  readonly monitor: string;
  /** The mode given to the constructor; undefined to take it from the monitored quantity at each run's start. */
  private readonly givenMode: 'min' | 'max' | undefined;
  /** The mode of the current run. */
  private mode: 'min' | 'max' | undefined;
  private model: Module | null = null;
  private best = NaN;
  private bestEpoch = -1;
  private lastEpoch = -1;
  private wait = 0;
  private bestState: StateDict | null = null;
  private readonly speaker: { op: string; prefix: string };
  /** Whether this callback ended the last training run. */
  stopped = false;

  /**
   * @param speaker @internal Who the messages name; fit passes `{op: 'fit', prefix: 'earlyStopping.'}`
   *   for the instance it builds from its option, so that they name what the user wrote.
   * @throws ValueError for an unknown option or a bad value, naming it.
   */
  constructor(options: EarlyStoppingOptions = {}, speaker: { op: string; prefix: string } = { op: 'EarlyStopping', prefix: '' }) {
    this.speaker = speaker;
    const { op, prefix } = speaker;
    options = prefix === '' ? knownOptions(op, options, EARLY_STOPPING_OPTIONS) : knownNestedOptions(op, prefix.slice(0, -1), options, EARLY_STOPPING_OPTIONS);
    this.patience = checkInteger(op, `${prefix}patience`, orDefault(options.patience, 0), 0);
    this.minDelta = finiteNumber(op, `${prefix}minDelta`, orDefault(options.minDelta, 0));
    if (this.minDelta < 0) throw new ValueError(`${op}: ${prefix}minDelta must be ≥ 0, got ${this.minDelta}`);
    this.restoreBest = checkBoolean(op, `${prefix}restoreBest`, orDefault(options.restoreBest, false));
    const monitor = orDefault(options.monitor, 'valLoss');
    if (typeof monitor !== 'string') throw new ValueError(`${op}: ${prefix}monitor must be a logged key such as 'valLoss', got ${show(monitor)}`);
    refuseSnakeCase(op, monitor);
    this.monitor = monitor;
    this.givenMode = options.mode === undefined ? undefined : oneOf(op, `${prefix}mode`, options.mode, ['min', 'max']);
  }

  /** Checks that the monitored quantity will be logged and resets the state of a previous run. */
  onTrainBegin(info: TrainInfo): CallbackResult {
    const { op, prefix } = this.speaker;
    // Worked out again for each run: a reused instance may watch a metric of another direction.
    this.mode = monitoredMode(op, prefix, this.monitor, this.givenMode, info);
    this.model = info.model;
    this.best = NaN;
    this.bestEpoch = -1;
    this.lastEpoch = -1;
    this.wait = 0;
    this.bestState = null;
    this.stopped = false;
  }

  /** Compares the epoch's value with the best so far; returns 'stop' once patience runs out. */
  onEpochEnd(epoch: number, logs: EpochLogs): CallbackResult {
    this.lastEpoch = epoch;
    const value = logs[this.monitor];
    if (value === undefined) throw new ValueError(`${this.speaker.op}: ${quoteName(this.monitor)} is missing from the logs of epoch ${epoch}`);
    if (this.improves(value)) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      // A snapshot (copies), so that later updates do not touch it.
      if (this.restoreBest) this.bestState = this.model!.stateDict();
      return;
    }
    this.wait++;
    // Never at a run's first epoch (Keras's rule): only a NaN fails to improve there, on nothing.
    if (this.wait >= this.patience && epoch > 0) {
      this.stopped = true;
      return 'stop';
    }
  }

  /** Restores the best weights when asked, and records the best epoch in the history. */
  onTrainEnd(history: History): void {
    if (this.bestEpoch < 0) return;
    history.bestEpoch = this.bestEpoch;
    if (this.restoreBest && this.bestState !== null && this.bestEpoch !== this.lastEpoch) this.model!.loadStateDict(this.bestState);
  }

  private improves(value: number): boolean {
    if (Number.isNaN(value)) return false; // a diverged epoch is never the best
    if (this.bestEpoch < 0) return true;
    return this.mode === 'min' ? value < this.best - this.minDelta : value > this.best + this.minDelta;
  }
}

/**
 * The direction of the logged quantity `monitor` in the run `info` describes: `given`, else 'min'
 * for a loss and the metric's own mode for a metric. Shared by the callbacks that watch a logged
 * quantity (EarlyStopping, reduceLrOnPlateau).
 * @throws ValueError naming `op` and `prefix` + 'monitor' when fit will not log it (a metric not
 * asked for, a validation key without validation data), or when its direction is unknown.
 */
export function monitoredMode(op: string, prefix: string, monitor: string, given: 'min' | 'max' | undefined, info: TrainInfo): 'min' | 'max' {
  const isVal = isValidationKey(monitor);
  const metric = info.metrics.find((m) => m.name === monitor || validationKey(m.name) === monitor);
  const base = monitor === 'valLoss' || monitor === 'loss' ? 'loss' : metric?.name ?? monitor;
  if (base !== 'loss' && metric === undefined) {
    const known = ['loss', ...info.metrics.map((m) => m.name)].flatMap((k) => [k, validationKey(k)]);
    throw new ValueError(`${op}: ${prefix}monitor ${quoteName(monitor)} is not logged; fit logs ${known.join(', ')}`);
  }
  if (isVal && info.validationSamples === 0) {
    throw new ValueError(`${op}: ${prefix}monitor ${quoteName(monitor)} needs validation data (validationData or validationSplit), or monitor ${quoteName(base)} instead`);
  }
  const mode = given ?? (base === 'loss' ? 'min' : metric!.mode);
  if (mode === undefined) throw new ValueError(`${op}: cannot tell whether ${quoteName(monitor)} should go up or down; give ${prefix}mode 'min' or 'max'`);
  return mode;
}
