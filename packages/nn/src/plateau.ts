/**
 * Lowering the learning rate when a monitored quantity stops improving: PyTorch's
 * `torch.optim.lr_scheduler.ReduceLROnPlateau`, with its options, defaults and trajectory, and a
 * callback that does it in fit after every epoch.
 */
import { Tensor, ValueError, isTensor } from '@adjoint/core';
import { checkInteger, finiteNumber, knownOptions, oneOf, orDefault, quoteName, show } from './args';
import { describe } from './module';
import { Optimizer } from './optim/optimizer';
import type { Callback, CallbackResult, TrainInfo } from './train/callbacks';
import { monitoredMode } from './train/early-stopping';
import { refuseSnakeCase, type EpochLogs } from './train/history';

/** Options of {@link ReduceLROnPlateau}: PyTorch's, with their defaults, in camelCase. */
export interface ReduceLROnPlateauOptions {
  /** Whether the quantity should go down ('min', the default: a loss) or up ('max': an accuracy). */
  mode?: 'min' | 'max';
  /** What a reduction multiplies the learning rate by, in [0, 1) (default 0.1). */
  factor?: number;
  /** Epochs in a row without improvement that are tolerated; the next one reduces the rate (default 10). */
  patience?: number;
  /** How much better than the best a value must be to count as an improvement (default 1e-4). */
  threshold?: number;
  /**
   * 'rel' (the default): better than best·(1 − threshold) for 'min', best·(1 + threshold) for
   * 'max'; 'abs': better than best − threshold, best + threshold.
   */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs after a reduction during which epochs without improvement are not counted (default 0). */
  cooldown?: number;
  /** The lowest learning rate, one for all groups or a list with one per group (default 0). */
  minLr?: number | readonly number[];
  /** A reduction smaller than this is not made (default 1e-8). */
  eps?: number;
}

/** What {@link ReduceLROnPlateau.stateDict} returns: where the scheduler is, as plain data that JSON carries. */
export interface ReduceLROnPlateauState {
  /**
   * The best value so far: null before the first (the worst value, ±∞), and 'Infinity' or
   * '-Infinity' for a best that is infinite (a monitored value that reached −∞ in 'min' mode, +∞ in
   * 'max'), which JSON could not write as a number.
   */
  best: number | null | 'Infinity' | '-Infinity';
  /** Epochs in a row without improvement, counted since the last reduction or improvement. */
  numBadEpochs: number;
  /** Epochs of cooldown left. */
  cooldownCounter: number;
  /** Calls of {@link ReduceLROnPlateau.step} so far. */
  lastEpoch: number;
}

const OPTIONS = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'];

/**
 * Multiplies the learning rate of every parameter group by `factor` once the quantity given to
 * {@link step} (a validation loss, say, once per epoch) has not improved for more than `patience`
 * calls in a row, as PyTorch's ReduceLROnPlateau does, step for step:
 *
 *   improved = value < best·(1 − threshold)   (mode 'min', thresholdMode 'rel'; see the options)
 *   improved: best = value, bad = 0;  else bad += 1
 *   in cooldown: cooldown −= 1, bad = 0
 *   bad > patience: each group's lr = max(lr·factor, minLr) unless that lowers it by eps or less;
 *                   cooldown = its option, bad = 0
 *
 * The new rate is written to each group's `lr` (`opt.paramGroups[i].lr`, which `opt.currentLr(i)`
 * reads), so it is saved by the optimizer's stateDict. A group whose rate is a schedule is refused:
 * a schedule is a function of the step, and scaling it would mix two policies for one rate.
 *
 * @example
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * const scheduler = new ReduceLROnPlateau(opt, { patience: 5 });
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   trainOneEpoch();
 *   scheduler.step(validationLoss());
 * }
 */
export class ReduceLROnPlateau {
  /** The optimizer whose groups' rates it lowers. */
  readonly optimizer: Optimizer;
  /** 'min': lower values are better (a loss); 'max': higher ones are (an accuracy). */
  readonly mode: 'min' | 'max';
  /** What a rate is multiplied by when lowered. */
  readonly factor: number;
  /** How many calls without improvement are tolerated before the rates are lowered. */
  readonly patience: number;
  /** By how much a value must beat the best to count as an improvement (see thresholdMode). */
  readonly threshold: number;
  /** 'rel': by threshold times the best; 'abs': by threshold itself. */
  readonly thresholdMode: 'rel' | 'abs';
  /** How many calls after a lowering are not counted. */
  readonly cooldown: number;
  /** The lowest rate of each parameter group. */
  readonly minLrs: readonly number[];
  /** A lowering by eps or less is skipped (PyTorch's eps). */
  readonly eps: number;
  private bestValue: number;
  private bad = 0;
  private cooldownLeft = 0;
  private epochs = 0;

  /**
   * @throws ValueError when `optimizer` is not an Optimizer, for an unknown option or a bad value
   * (naming it), a minLr list of another length than the groups, or a group whose rate is a schedule.
   */
  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    const op = 'ReduceLROnPlateau';
    if (!(optimizer instanceof Optimizer)) throw new ValueError(`${op}: expected an optimizer (SGD, Adam, …), got ${describe(optimizer)}`);
    const settings = checkedSettings(op, options, optimizer.paramGroups.length);
    this.optimizer = optimizer;
    this.mode = settings.mode;
    this.factor = settings.factor;
    this.patience = settings.patience;
    this.threshold = settings.threshold;
    this.thresholdMode = settings.thresholdMode;
    this.cooldown = settings.cooldown;
    this.eps = settings.eps;
    this.minLrs = settings.minLrs;
    this.bestValue = this.worst;
    this.numberRates(op);
  }

  /** The best value so far (±∞, the worst possible, before the first call of {@link step}). */
  get best(): number {
    return this.bestValue;
  }

  /** Calls of {@link step} in a row without improvement, counted since the last improvement or reduction. */
  get numBadEpochs(): number {
    return this.bad;
  }

  /** Calls of {@link step} left during which calls without improvement are not counted. */
  get cooldownCounter(): number {
    return this.cooldownLeft;
  }

  /** Calls of {@link step} so far. */
  get lastEpoch(): number {
    return this.epochs;
  }

  /**
   * Takes the monitored quantity of one epoch (a number, or a tensor of one element, as PyTorch's
   * `scheduler.step(val_loss)`), and lowers the groups' rates if it has not improved for more than
   * `patience` calls in a row. NaN never improves.
   * @returns whether the rates were lowered (a group already at its minLr, or within eps of it, is left as it is).
   * @throws ValueError for a value that is neither, or when a group's rate has become a schedule.
   */
  step(metric: number | Tensor): boolean {
    const op = 'ReduceLROnPlateau.step';
    const value = isTensor(metric) && metric.size === 1 ? metric.item() : metric;
    if (typeof value !== 'number') throw new ValueError(`${op}: expected the monitored value, a number or a one-element tensor, got ${describe(metric)}`);
    const rates = this.numberRates(op);
    this.epochs++;
    if (this.improves(value)) {
      this.bestValue = value;
      this.bad = 0;
    } else {
      this.bad++;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.bad = 0; // epochs without improvement do not count in cooldown
    }
    if (this.bad <= this.patience) return false;
    let reduced = false;
    rates.forEach((old, g) => {
      const lr = Math.max(old * this.factor, this.minLrs[g]!);
      if (old - lr > this.eps) {
        this.optimizer.paramGroups[g]!.lr = lr;
        reduced = true;
      }
    });
    this.cooldownLeft = this.cooldown;
    this.bad = 0;
    return reduced;
  }

  /** Where the scheduler is, as plain data that JSON carries, for {@link loadStateDict}. */
  stateDict(): ReduceLROnPlateauState {
    const best = this.bestValue;
    const saved = Number.isFinite(best) ? best : best === this.worst ? null : best > 0 ? 'Infinity' : '-Infinity';
    return { best: saved, numBadEpochs: this.bad, cooldownCounter: this.cooldownLeft, lastEpoch: this.epochs };
  }

  /**
   * Puts the scheduler where {@link stateDict} was taken (the learning rates themselves are the
   * optimizer's, restored by its own loadStateDict). A `best` of null is the worst value, ±∞, as
   * before the first epoch; 'Infinity' and '-Infinity' are those numbers.
   * @throws ValueError naming `ReduceLROnPlateau.loadStateDict` for a malformed state; nothing is changed then.
   */
  loadStateDict(state: ReduceLROnPlateauState): void {
    const op = 'ReduceLROnPlateau.loadStateDict';
    if (state === null || typeof state !== 'object' || Array.isArray(state)) throw new ValueError(`${op}: expected {best, numBadEpochs, cooldownCounter, lastEpoch} from stateDict(), got ${describe(state)}`);
    const saved: unknown = state.best;
    // NaN never improves, so it is never the best: a state holding it is corrupt.
    const best = saved === 'Infinity' ? Infinity : saved === '-Infinity' ? -Infinity : saved;
    if (best !== null && (typeof best !== 'number' || Number.isNaN(best))) {
      throw new ValueError(`${op}: best must be a number, null (no best yet) or 'Infinity' or '-Infinity', got ${show(saved)}`);
    }
    const bad = checkInteger(op, 'numBadEpochs', state.numBadEpochs, 0);
    const cooldown = checkInteger(op, 'cooldownCounter', state.cooldownCounter, 0);
    const epochs = checkInteger(op, 'lastEpoch', state.lastEpoch, 0);
    this.bestValue = best === null ? this.worst : best;
    this.bad = bad;
    this.cooldownLeft = cooldown;
    this.epochs = epochs;
  }

  /** The worst possible value, which anything but NaN improves on. */
  private get worst(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  /** PyTorch's is_better, to the letter: the comparisons and their rounding decide the trajectory. */
  private improves(value: number): boolean {
    const { bestValue: best, threshold } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? value < best * (1 - threshold) : value < best - threshold;
    return this.thresholdMode === 'rel' ? value > best * (threshold + 1) : value > best + threshold;
  }

  /** Each group's current rate. @throws ValueError naming `op` for a group whose rate is a schedule. */
  private numberRates(op: string): number[] {
    return this.optimizer.paramGroups.map((group, g) => {
      const lr = group.lr ?? this.optimizer.lr;
      if (typeof lr === 'function') {
        const which = this.optimizer.paramGroups.length > 1 ? `of param group ${g} ` : '';
        throw new ValueError(`${op}: the learning rate ${which}is a schedule (a function of the step); ReduceLROnPlateau lowers a rate that is a number, and scaling a schedule would mix two policies for one rate: give the optimizer a number lr`);
      }
      return lr;
    });
  }
}

/** Options of {@link reduceLrOnPlateau}: the scheduler's, and what to watch. */
export interface ReduceLROnPlateauCallbackOptions extends ReduceLROnPlateauOptions {
  /**
   * The logged quantity to watch (default 'valLoss'): 'loss', 'valLoss', a metric name, or a
   * metric's validation key ('valAccuracy'). `mode` defaults to its direction (losses 'min',
   * accuracy and r2 'max'), as for early stopping.
   */
  monitor?: string;
}

/** The callback {@link reduceLrOnPlateau} returns: its `scheduler` is the current run's. */
export interface ReduceLROnPlateauCallback extends Callback {
  /** The scheduler of the current (or last) run of fit, null before the first. */
  readonly scheduler: ReduceLROnPlateau | null;
}

/**
 * A callback for fit that lowers the learning rate when `monitor` (default 'valLoss') stops
 * improving: at the end of every epoch it calls {@link ReduceLROnPlateau.step} with the epoch's
 * value, on the optimizer fit trains (one given by name too). Each run of fit starts a new
 * scheduler (best value, counts); the rates it lowered stay lowered in the optimizer, unless fit
 * fails, which puts them back with the rest of the optimizer's state.
 * @throws ValueError for an unknown option or a bad value, naming it; at the start of fit, when
 * `monitor` is not logged, needs validation data fit does not have, or a group's rate is a schedule.
 *
 * @example
 * fit(model, { x, y, loss: 'mse', optimizer: 'adam', lr: 0.01, epochs: 100, validationData: [xVal, yVal],
 *   callbacks: [reduceLrOnPlateau({ factor: 0.5, patience: 5 })] });
 */
export function reduceLrOnPlateau(options: ReduceLROnPlateauCallbackOptions = {}): ReduceLROnPlateauCallback {
  const op = 'reduceLrOnPlateau';
  const { monitor = 'valLoss', ...schedulerOptions } = knownOptions(op, options, [...OPTIONS, 'monitor']);
  if (typeof monitor !== 'string') throw new ValueError(`${op}: monitor must be a logged key such as 'valLoss', got ${show(monitor)}`);
  refuseSnakeCase(op, monitor);
  // Checked now rather than at the start of fit; minLr's length is checked against the optimizer's groups then.
  checkedSettings(op, schedulerOptions, undefined);
  let scheduler: ReduceLROnPlateau | null = null;
  return {
    get scheduler() {
      return scheduler;
    },
    onTrainBegin(info: TrainInfo): CallbackResult {
      const mode = monitoredMode(op, '', monitor, schedulerOptions.mode, info);
      // minLr's length against the optimizer's groups, under this function's name before the scheduler's.
      checkedSettings(op, { ...schedulerOptions, mode }, info.optimizer.paramGroups.length);
      scheduler = new ReduceLROnPlateau(info.optimizer, { ...schedulerOptions, mode });
    },
    onEpochEnd(epoch: number, logs: EpochLogs): CallbackResult {
      const value = logs[monitor];
      if (value === undefined) throw new ValueError(`${op}: ${quoteName(monitor)} is missing from the logs of epoch ${epoch}`);
      scheduler!.step(value);
    },
  };
}

/** The options of a {@link ReduceLROnPlateau}, checked, with their defaults. */
type Settings = Required<Omit<ReduceLROnPlateauOptions, 'minLr'>> & { minLrs: readonly number[] };

/**
 * `options` checked, with messages naming `op`, and their defaults filled in; `groups` is the number
 * of parameter groups a minLr list must match (undefined: not known yet, and not checked).
 */
function checkedSettings(op: string, options: ReduceLROnPlateauOptions, groups: number | undefined): Settings {
  options = knownOptions(op, options, OPTIONS);
  const factor = nonNegative(op, 'factor', orDefault(options.factor, 0.1));
  if (factor >= 1) throw new ValueError(`${op}: factor must be below 1 (a reduction), got ${factor}`);
  const minLr: unknown = orDefault<unknown>(options.minLr, 0);
  let minLrs: number[];
  if (Array.isArray(minLr)) {
    if (groups !== undefined && minLr.length !== groups) throw new ValueError(`${op}: minLr must be one number, or a list of ${groups} (one per param group), got ${show(minLr)}`);
    minLrs = minLr.map((v: unknown, g) => nonNegative(op, `minLr[${g}]`, v));
  } else {
    minLrs = new Array<number>(groups ?? 1).fill(nonNegative(op, 'minLr', minLr));
  }
  return {
    mode: oneOf(op, 'mode', orDefault(options.mode, 'min'), ['min', 'max']),
    factor,
    patience: checkInteger(op, 'patience', orDefault(options.patience, 10), 0),
    threshold: nonNegative(op, 'threshold', orDefault(options.threshold, 1e-4)),
    thresholdMode: oneOf(op, 'thresholdMode', orDefault(options.thresholdMode, 'rel'), ['rel', 'abs']),
    cooldown: checkInteger(op, 'cooldown', orDefault(options.cooldown, 0), 0),
    eps: nonNegative(op, 'eps', orDefault(options.eps, 1e-8)),
    minLrs: Object.freeze(minLrs),
  };
}

/** A finite number ≥ 0, else a ValueError naming `op` and `name`. */
function nonNegative(op: string, name: string, value: unknown): number {
  const v = finiteNumber(op, name, value);
  if (v < 0) throw new ValueError(`${op}: ${name} must be ≥ 0, got ${v}`);
  return v;
}
