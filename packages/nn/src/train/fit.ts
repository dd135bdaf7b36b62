/** The training loop: seeded minibatch gradient descent with validation, metrics and callbacks. */
import { Rng, Tensor, ValueError, concat, gather, noGrad, requireFinite } from '@adjoint/core';
import type { Module } from '../module';
import type { LearningRate, Optimizer } from '../optim/index';
import { clipGradNorm } from '../clip';
import { BatchNorm } from '../layers/batch-norm';
import { asSamples, checkBoolean, checkInteger, checkSameRows, range, rows, show, orDefault, type TensorInput } from '../args';
import { batchIndices } from '../data/batches';
import { testCount } from '../data/split';
import { History, type EpochLogs } from './history';
import type { Callback, CallbackResult, TrainInfo } from './callbacks';
import { EarlyStopping, type EarlyStoppingOptions } from './early-stopping';
import { progressReporter, type ProgressOptions, type Verbosity } from './progress';
import { resolveLoss, resolveMetrics, resolveOptimizer, type LossFn, type LossSpec, type Metric, type MetricSpec, type OptimizerName, type OptimizerSpec } from './resolve';
import { checkModel, lossValue, predictRows } from './predict';
import { withMode } from './modes';

/**
 * Holding out part of the training rows for validation: `fraction` of them (rounded up), taken
 * from the end of the data, or at random (seeded by fit's `seed`) with `shuffle: true`.
 */
export interface ValidationSplit {
  fraction: number;
  shuffle?: boolean;
}

/** Options of {@link fit}. */
export interface FitOptions {
  /** Inputs, one row per sample. */
  x: TensorInput;
  /** Targets, one row per sample, in the form the loss expects. */
  y: TensorInput;
  /** A loss function `(pred, target) → scalar`, or 'mse', 'mae', 'binaryCrossEntropy', 'crossEntropy' (the last two from logits). */
  loss: LossSpec;
  /** An optimizer over the model's parameters, or a name ('sgd', 'adam', 'adamw', 'adagrad', 'rmsprop') or `{name, ...options}` to build one. */
  optimizer: Optimizer | OptimizerName | OptimizerSpec;
  /** Learning rate (or schedule) of an optimizer given by name. */
  lr?: LearningRate;
  /** Passes over the training rows (default 1). */
  epochs?: number;
  /** Rows per gradient step (default 32; a larger value than the row count means full-batch). */
  batchSize?: number;
  /** Visit the rows in a new seeded random order every epoch (default true). */
  shuffle?: boolean;
  /**
   * Skip each epoch's last batch when it is smaller than batchSize (default false). BatchNorm needs
   * it when the row count leaves a last batch of a single row.
   */
  dropLast?: boolean;
  /**
   * Seed of every random choice fit makes: the shuffles and a shuffled validation split (default 0).
   * With the same seed, model and data, two runs give identical histories and weights, bit for bit.
   */
  seed?: number;
  /** Validation rows `[x, y]`, evaluated after every epoch. */
  validationData?: readonly [TensorInput, TensorInput];
  /**
   * A fraction in (0, 1) of the rows to hold out for validation instead: the last rows, like Keras
   * (so shuffle the data first if it is sorted), or `{fraction, shuffle: true}` for a seeded random subset.
   */
  validationSplit?: number | ValidationSplit;
  /** Metrics logged every epoch under their names, on validation as 'val_' + name. */
  metrics?: MetricSpec[];
  /** Stop when the monitored quantity (default 'valLoss') stops improving; see {@link EarlyStoppingOptions}. */
  earlyStopping?: EarlyStoppingOptions;
  /** Hooks called during training; any may stop it by returning 'stop'. */
  callbacks?: Callback[];
  /** Clip the joint gradient norm to this value before each step (clipGradNorm). */
  clipNorm?: number;
  /** Progress output: false for none; `{stream, …}` to redirect it (default: process.stdout, bar only on a terminal). */
  progress?: boolean | ProgressOptions;
  /** 0 silent, 1 bar and summaries on a terminal (default), 2 one summary line per epoch on any stream. */
  verbose?: Verbosity | boolean;
}

const KNOWN_OPTIONS = new Set([
  'x', 'y', 'loss', 'optimizer', 'lr', 'epochs', 'batchSize', 'shuffle', 'dropLast', 'seed', 'validationData', 'validationSplit',
  'metrics', 'earlyStopping', 'callbacks', 'clipNorm', 'progress', 'verbose',
]);

/**
 * Trains `model` by minibatch gradient descent and returns the {@link History}.
 *
 * Each epoch visits the training rows in batches of `batchSize` (in a fresh seeded order when
 * `shuffle`); for each batch: forward → loss → backward → (clip) → `optimizer.step()` → zero the
 * gradients. The model is in training mode for the batches and in evaluation mode for validation;
 * the training flags it had before fit are restored at the end. After each epoch the logs
 * (`loss`, the metrics, `valLoss`, the 'val_' metrics) are recorded, shown and passed to the callbacks.
 *
 * Training ends after `epochs` epochs, when a callback or early stopping says 'stop', or after an
 * epoch whose loss is not finite (`history.stopReason` says which).
 *
 * @throws ValueError for unknown or malformed options (naming them), ShapeError when x and y differ in rows.
 *
 * @example
 * const history = fit(model, { x, y, loss: 'mse', optimizer: 'adam', lr: 0.01, epochs: 100, seed: 1, progress: false });
 * history.loss.at(-1);
 */
export function fit(model: Module, options: FitOptions): History {
  const op = 'fit';
  const plan = planTraining(op, model, options);
  const { data, epochs, batchSize, dropLast, callbacks, early } = plan;
  const n = rows(data.x);
  const batchesPerEpoch = dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  const reporter = progressReporter(op, options.progress, options.verbose, epochs, batchesPerEpoch);
  const history = new History();
  const info: TrainInfo = {
    model, optimizer: plan.optimizer, epochs, batchesPerEpoch, samples: n, validationSamples: data.val ? rows(data.val.x) : 0, metrics: plan.metrics,
  };
  // Every callback hears every event, even after one has asked to stop.
  const callAll = (call: (cb: Callback) => CallbackResult): boolean => callbacks.map(call).includes('stop');

  withMode(model, true, () => {
    let stop = callAll((cb) => cb.onTrainBegin?.(info));
    if (stop) history.stopReason = 'callback';
    for (let epoch = 0; epoch < epochs && !stop; epoch++) {
      if (callAll((cb) => cb.onEpochBegin?.(epoch))) {
        history.stopReason = 'callback';
        break;
      }
      reporter?.epochBegin();
      const order = plan.shuffle ? plan.shuffleRng.permutation(n) : range(n);
      const run = new EpochRun(data.y, plan.metrics);
      for (const [b, idx] of batchIndices(order, batchSize, dropLast).entries()) {
        const value = trainStep(op, model, plan, idx, run);
        reporter?.batchEnd(epoch, b + 1, () => run.logs());
        if (callAll((cb) => cb.onBatchEnd?.(b, { loss: value, size: idx.length }))) {
          stop = true;
          history.stopReason = 'callback';
          break;
        }
      }
      const logs = run.logs();
      if (data.val) Object.assign(logs, validationLogs(op, model, plan, data.val));
      history.record(logs);
      reporter?.epochEnd(epoch, logs);
      if (callAll((cb) => cb.onEpochEnd?.(epoch, logs))) {
        stop = true;
        history.stopReason = early?.stopped ? 'earlyStopping' : 'callback';
      }
      if (!Number.isFinite(logs.loss!)) {
        stop = true;
        history.stopReason = 'nonFinite';
      }
    }
    for (const cb of callbacks) cb.onTrainEnd?.(history);
  });
  return history;
}

/** fit's options, checked and resolved. */
interface TrainingPlan {
  data: Split;
  lossFn: LossFn;
  metrics: Metric[];
  optimizer: Optimizer;
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  dropLast: boolean;
  clipNorm: number | undefined;
  early: EarlyStopping | undefined;
  callbacks: Callback[];
  shuffleRng: Rng;
}

/** Checks every option (before any training, so that a typo costs nothing) and resolves names. */
function planTraining(op: string, model: Module, options: FitOptions): TrainingPlan {
  checkModel(op, model);
  if (options === null || typeof options !== 'object') throw new ValueError(`${op}: options must be an object {x, y, loss, optimizer, …}, got ${show(options)}`);
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new ValueError(`${op}: unknown option '${key}'; the options are ${[...KNOWN_OPTIONS].join(', ')}`);
  }
  if (options.loss === undefined) throw new ValueError(`${op}: loss is required ('mse', 'crossEntropy', … or a function)`);
  if (options.optimizer === undefined) throw new ValueError(`${op}: optimizer is required (an Optimizer instance or a name such as 'adam')`);

  const rng = new Rng(requireFinite(op, 'seed', options.seed ?? 0));
  // Independent streams, so that e.g. turning on a shuffled split does not change the batch order.
  const splitRng = rng.fork();
  const shuffleRng = rng.fork();

  const data = trainingData(op, options, splitRng);
  const batchSize = checkInteger(op, 'batchSize', orDefault(options.batchSize, 32), 1);
  const dropLast = checkBoolean(op, 'dropLast', options.dropLast ?? false);
  const n = rows(data.x);
  if (dropLast && n < batchSize) throw new ValueError(`${op}: with dropLast, batchSize ${batchSize} exceeds the ${n} training rows and no batch is left`);
  // Caught here rather than by BatchNorm in the middle of the first epoch, with the remedy.
  if (!dropLast && n % batchSize === 1 && n > 1 && model.namedModules().some(([, m]) => m instanceof BatchNorm)) {
    throw new ValueError(`${op}: ${n} rows in batches of ${batchSize} leave a last batch of 1 row, which BatchNorm cannot normalise in training; pass dropLast: true or another batchSize`);
  }
  const clipNorm = options.clipNorm === undefined ? undefined : requireFinite(op, 'clipNorm', options.clipNorm);
  if (clipNorm !== undefined && clipNorm <= 0) throw new ValueError(`${op}: clipNorm must be > 0, got ${clipNorm}`);
  const early = options.earlyStopping === undefined ? undefined : new EarlyStopping(options.earlyStopping);
  return {
    data,
    lossFn: resolveLoss(op, options.loss),
    metrics: resolveMetrics(op, options.metrics, options.loss),
    optimizer: resolveOptimizer(op, options.optimizer, model, options.lr),
    epochs: checkInteger(op, 'epochs', options.epochs ?? 1, 1),
    batchSize,
    shuffle: checkBoolean(op, 'shuffle', options.shuffle ?? true),
    dropLast,
    clipNorm,
    early,
    callbacks: [...(early ? [early] : []), ...checkCallbacks(op, options.callbacks)],
    shuffleRng,
  };
}

interface Split {
  x: Tensor;
  y: Tensor;
  val: { x: Tensor; y: Tensor } | undefined;
}

/** The training rows and the validation rows, from validationData or a validation split. */
function trainingData(op: string, options: FitOptions, rng: Rng): Split {
  const x = asSamples(op, 'x', options.x);
  const y = asSamples(op, 'y', options.y);
  checkSameRows(op, x, y);
  if (rows(x) === 0) throw new ValueError(`${op}: x has no rows to train on`);
  if (options.validationData !== undefined && options.validationSplit !== undefined) {
    throw new ValueError(`${op}: give validationData or validationSplit, not both`);
  }
  if (options.validationData !== undefined) {
    const vd = options.validationData;
    if (!Array.isArray(vd) || vd.length !== 2) throw new ValueError(`${op}: validationData must be [x, y], got ${show(vd)}`);
    const vx = asSamples(op, 'validationData[0]', vd[0]);
    const vy = asSamples(op, 'validationData[1]', vd[1]);
    checkSameRows(op, vx, vy, 'validationData x', 'validationData y');
    return { x, y, val: { x: vx, y: vy } };
  }
  if (options.validationSplit === undefined) return { x, y, val: undefined };
  const spec = options.validationSplit;
  const { fraction, shuffle } = typeof spec === 'number' ? { fraction: spec, shuffle: false } : (spec ?? ({} as ValidationSplit));
  if (!(typeof fraction === 'number' && fraction > 0 && fraction < 1)) {
    throw new ValueError(`${op}: validationSplit must be a fraction in (0, 1) or {fraction, shuffle}, got ${show(fraction)}`);
  }
  const n = rows(x);
  const nVal = testCount(op, fraction, n, 'validationSplit');
  const order = checkBoolean(op, 'validationSplit.shuffle', shuffle ?? false) ? rng.permutation(n) : range(n);
  const valIdx = (shuffle ? order.slice(0, nVal) : order.slice(n - nVal)).sort((a, b) => a - b);
  const inVal = new Set(valIdx);
  const trainIdx = range(n).filter((i) => !inVal.has(i));
  return noGrad(() => ({ x: gather(x, trainIdx), y: gather(y, trainIdx), val: { x: gather(x, valIdx), y: gather(y, valIdx) } }));
}

function checkCallbacks(op: string, callbacks: unknown): Callback[] {
  if (callbacks === undefined) return [];
  if (!Array.isArray(callbacks)) throw new ValueError(`${op}: callbacks must be a list of objects with onEpochEnd, onBatchEnd, … hooks, got ${show(callbacks)}`);
  callbacks.forEach((cb, i) => {
    if (cb === null || typeof cb !== 'object') throw new ValueError(`${op}: callback ${i} must be an object with hooks such as onEpochEnd, got ${show(cb)}`);
  });
  return callbacks as Callback[];
}

/** The running sums of one epoch: loss weighted by batch size, and predictions for the metrics. */
class EpochRun {
  private lossSum = 0;
  private count = 0;
  private readonly preds: Tensor[] = [];
  private readonly seen: number[] = [];

  constructor(private readonly y: Tensor, private readonly metrics: readonly Metric[]) {}

  add(loss: number, pred: Tensor, idx: readonly number[]): void {
    this.lossSum += loss * idx.length;
    this.count += idx.length;
    if (this.metrics.length === 0) return;
    this.preds.push(pred.detach());
    this.seen.push(...idx);
  }

  /** `loss` so far and each metric over the predictions made so far this epoch. */
  logs(): EpochLogs {
    const logs: EpochLogs = { loss: this.lossSum / this.count };
    if (this.metrics.length > 0) {
      const [pred, target] = noGrad(() => [this.preds.length === 1 ? this.preds[0]! : concat(this.preds, 0), gather(this.y, this.seen)]);
      for (const m of this.metrics) logs[m.name] = m.fn(target, pred);
    }
    return logs;
  }
}

/** One gradient step on the rows `idx`; returns the batch loss. */
function trainStep(op: string, model: Module, plan: TrainingPlan, idx: number[], run: EpochRun): number {
  const { data, optimizer } = plan;
  const [xb, yb] = noGrad(() => [gather(data.x, idx), gather(data.y, idx)]);
  const pred = model.forward(xb);
  const loss = plan.lossFn(pred, yb);
  const value = lossValue(op, loss);
  loss.backward();
  if (plan.clipNorm !== undefined) clipGradNorm(optimizer.params, plan.clipNorm);
  optimizer.step();
  // Clear the model's gradients too, in case it has parameters the optimizer does not update.
  optimizer.zeroGrad();
  model.zeroGrad();
  run.add(value, pred, idx);
  return value;
}

/** valLoss and the 'val_' metrics, in evaluation mode without recording. */
function validationLogs(op: string, model: Module, plan: TrainingPlan, val: { x: Tensor; y: Tensor }): EpochLogs {
  const pred = predictRows(op, model, val.x, Math.max(plan.batchSize, 256));
  const logs: EpochLogs = { valLoss: noGrad(() => lossValue(op, plan.lossFn(pred, val.y))) };
  for (const m of plan.metrics) logs[`val_${m.name}`] = m.fn(val.y, pred);
  return logs;
}
