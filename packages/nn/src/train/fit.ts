/**
 * The training loop: seeded minibatch gradient descent with validation, metrics and callbacks.
 *
 * A call either completes or leaves the model and optimizer as they were: every option and the data
 * are checked before the first step, and if anything throws once training has begun (the model,
 * the loss, a metric, a callback), the parameters, buffers and optimizer state are put back as they
 * were before the call, and so are the random streams training draws from (core's module-wide
 * stream and the generators of the model's layers, `layer.rng`), so that a retry draws the same
 * dropout masks.
 */
import { Rng, ShapeError, Tensor, ValueError, assign, concat, formatShape, gather, getRngState, noGrad, requireIndicesBelow, sameShape, setRngState, type RngState } from '@adjoint/core';
import type { Module } from '../module';
import { NonFiniteGradientError, type LearningRate, type Optimizer } from '../optim/index';
import { clipGradNorm } from '../clip';
import { crossEntropy } from '../losses';
import { BatchNorm } from '../layers/batch-norm';
import {
  asSamples, checkBoolean, checkInteger, checkSameRows, finiteNumber, knownNestedOptions, knownOptions, range, rows, seedValue, show, orDefault,
  type TensorInput,
} from '../args';
import { testCount } from '../data/split';
import { checkRowCount, requireFiniteRows } from '../data/checks';
import { History, validationKey, type EpochLogs } from './history';
import { checkCallbacks, hookResult, type Callback, type TrainInfo } from './callbacks';
import { EarlyStopping, type EarlyStoppingOptions } from './early-stopping';
import { progressReporter, type ProgressOptions, type ProgressReporter, type Verbosity } from './progress';
import { elementwiseLossName, metricValue, resolveLoss, resolveMetrics, resolveOptimizer, type LossFn, type LossSpec, type Metric, type MetricSpec, type OptimizerName, type OptimizerSpec } from './resolve';
import { checkModel, checkOutputRows, forwardOf, lossValue, predictRows } from './predict';
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
  /** Learning rate (or schedule) of an optimizer given by name or spec; giving it here and in the spec too is an error. */
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
   * Seed of every random choice fit makes: the shuffles and a shuffled validation split (default 0),
   * a whole number. With the same seed, model and data, two runs give identical histories and
   * weights, bit for bit.
   */
  seed?: number;
  /**
   * Validation rows `[x, y]`, evaluated after every epoch. Their rows must be shaped like those of
   * `x` and `y`; this is checked before training, not after the first epoch.
   */
  validationData?: readonly [TensorInput, TensorInput];
  /**
   * A fraction in (0, 1) of the rows to hold out for validation instead: the last rows, like Keras
   * (so shuffle the data first if it is sorted), or `{fraction, shuffle: true}` for a seeded random subset.
   */
  validationSplit?: number | ValidationSplit;
  /** Metrics logged every epoch under their names, on validation under their validation keys (`accuracy`: `valAccuracy`). */
  metrics?: MetricSpec[];
  /** Stop when the monitored quantity (default 'valLoss') stops improving; see {@link EarlyStoppingOptions}. */
  earlyStopping?: EarlyStoppingOptions;
  /**
   * Hooks called during training; any may stop it by returning 'stop'. They must be synchronous
   * (fit cannot wait for a Promise), and every `on…` method must be one of the hooks.
   */
  callbacks?: Callback[];
  /** Clip the joint gradient norm to this value before each step (clipGradNorm). */
  clipNorm?: number;
  /** Progress output: false for none; `{stream, …}` to redirect it (default: process.stdout, bar only on a terminal). */
  progress?: boolean | ProgressOptions;
  /** 0 silent, 1 bar and summaries on a terminal (default), 2 one summary line per epoch on any stream. */
  verbose?: Verbosity | boolean;
}

const KNOWN_OPTIONS = [
  'x', 'y', 'loss', 'optimizer', 'lr', 'epochs', 'batchSize', 'shuffle', 'dropLast', 'seed', 'validationData', 'validationSplit',
  'metrics', 'earlyStopping', 'callbacks', 'clipNorm', 'progress', 'verbose',
];


/**
 * Trains `model` by minibatch gradient descent and returns the {@link History}.
 *
 * Each epoch visits the training rows in batches of `batchSize` (in a fresh seeded order when
 * `shuffle`); for each batch: forward → loss → backward → (clip) → `optimizer.step()` → zero the
 * gradients. The model is in training mode for the batches and in evaluation mode for validation;
 * the training flags it had before fit are restored at the end. After each epoch the logs
 * (`loss`, the metrics, `valLoss`, the metrics' validation keys such as `valAccuracy`) are recorded, shown and passed to the callbacks.
 *
 * Training ends after `epochs` epochs, when a callback or early stopping says 'stop', or at the
 * first batch whose loss or gradient is NaN or ±∞ (`history.stopReason` says which). That batch's
 * step is not taken, so the weights stay those of the last finite step; its loss is in the epoch's.
 *
 * fit starts by clearing the parameters' gradients. Everything that can be checked is checked
 * before the first step: the options (nested ones included), the data and validation data (row
 * counts, and rows shaped like the training rows), callbacks, and, for the 'crossEntropy' loss, that
 * every class index of y and the validation y is below the model's number of outputs (checked on
 * the first batch's predictions, before its step). If anything throws once training has begun, fit
 * puts the parameters, buffers and the optimizer's state back as they were before the call and
 * rethrows: a failed fit leaves the model as it found it. To keep the progress of a long run
 * across failures, save checkpoints from a callback (`onEpochEnd`: `model.stateDict()`).
 *
 * @throws ValueError for unknown or malformed options (naming them), conflicting ones (an `lr`
 * both here and in the optimizer spec), async callbacks; ShapeError when x and y differ in rows or
 * validation rows are shaped unlike the training rows.
 *
 * @example
 * const history = fit(model, { x, y, loss: 'mse', optimizer: 'adam', lr: 0.01, epochs: 100, seed: 1, progress: false });
 * history.loss.at(-1);
 */
export function fit(model: Module, options: FitOptions): History {
  const op = 'fit';
  const plan = planTraining(op, model, options);
  const reporter = progressReporter(op, options.progress, options.verbose, plan.epochs, plan.batchesPerEpoch);
  const before = TrainingState.capture(model, plan.optimizer);
  plan.optimizer.zeroGrad();
  model.zeroGrad();
  try {
    return withMode(model, true, () => train(op, model, plan, reporter));
  } catch (e) {
    before.restore();
    throw e;
  }
}

/** fit's options, checked and resolved. */
interface TrainingPlan {
  data: Split;
  lossFn: LossFn;
  /** Whether the loss is the 'crossEntropy' one, whose class indices are checked on the first batch. */
  crossEntropyLoss: boolean;
  /** The name of a loss that compares predictions and targets elementwise ('mse' …), else null. */
  elementwiseLoss: string | null;
  metrics: Metric[];
  optimizer: Optimizer;
  epochs: number;
  batchSize: number;
  batchesPerEpoch: number;
  shuffle: boolean;
  dropLast: boolean;
  clipNorm: number | undefined;
  callbacks: HookTarget[];
  shuffleRng: Rng;
}

/** A callback and its position in fit's `callbacks` (-1 for the one fit builds from `earlyStopping`). */
interface HookTarget {
  callback: Callback;
  index: number;
}

/** Checks every option (before any training, so that a typo costs nothing) and resolves names. */
function planTraining(op: string, model: Module, options: FitOptions): TrainingPlan {
  checkModel(op, model);
  if (options === null || typeof options !== 'object') throw new ValueError(`${op}: options must be an object {x, y, loss, optimizer, …}, got ${show(options)}`);
  knownOptions(op, options, KNOWN_OPTIONS);
  if (options.loss === undefined) throw new ValueError(`${op}: loss is required ('mse', 'crossEntropy', … or a function)`);
  if (options.optimizer === undefined) throw new ValueError(`${op}: optimizer is required (an Optimizer instance or a name such as 'adam')`);

  const rng = new Rng(seedValue(op, orDefault(options.seed, 0)));
  // Independent streams, so that e.g. turning on a shuffled split does not change the batch order.
  const splitRng = rng.fork();
  const shuffleRng = rng.fork();

  const data = trainingData(op, options, splitRng);
  const batchSize = checkInteger(op, 'batchSize', orDefault(options.batchSize, 32), 1);
  const dropLast = checkBoolean(op, 'dropLast', orDefault(options.dropLast, false));
  const n = rows(data.x);
  if (dropLast && n < batchSize) throw new ValueError(`${op}: with dropLast, batchSize ${batchSize} exceeds the ${n} training rows and no batch is left`);
  // Caught here rather than by BatchNorm in the middle of the first epoch, with the remedy.
  if (!dropLast && n % batchSize === 1 && n > 1 && model.namedModules().some(([, m]) => m instanceof BatchNorm)) {
    throw new ValueError(`${op}: ${n} rows in batches of ${batchSize} leave a last batch of 1 row, which BatchNorm cannot normalise in training; pass dropLast: true or another batchSize`);
  }
  const clipNorm = options.clipNorm === undefined ? undefined : finiteNumber(op, 'clipNorm', options.clipNorm);
  if (clipNorm !== undefined && clipNorm <= 0) throw new ValueError(`${op}: clipNorm must be > 0, got ${clipNorm}`);
  const early = options.earlyStopping === undefined ? undefined : new EarlyStopping(options.earlyStopping, { op, prefix: 'earlyStopping.' });
  const callbacks = checkCallbacks(op, options.callbacks).map((callback, index) => ({ callback, index }));
  return {
    data,
    lossFn: resolveLoss(op, options.loss),
    crossEntropyLoss: options.loss === 'crossEntropy' || options.loss === crossEntropy,
    elementwiseLoss: elementwiseLossName(options.loss),
    metrics: resolveMetrics(op, options.metrics, options.loss),
    optimizer: resolveOptimizer(op, options.optimizer, model, options.lr),
    epochs: checkInteger(op, 'epochs', orDefault(options.epochs, 1), 1),
    batchSize,
    batchesPerEpoch: dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize),
    shuffle: checkBoolean(op, 'shuffle', orDefault(options.shuffle, true)),
    dropLast,
    clipNorm,
    callbacks: early ? [{ callback: early, index: -1 }, ...callbacks] : callbacks,
    shuffleRng,
  };
}

interface Split {
  x: Tensor;
  y: Tensor;
  val: { x: Tensor; y: Tensor } | undefined;
}

/** The training rows and the validation rows, from validationData or a validation split. */
const TRAIN_ON_FINITE = 'training and validation data must be finite';

function trainingData(op: string, options: FitOptions, rng: Rng): Split {
  const x = asSamples(op, 'x', options.x);
  const y = asSamples(op, 'y', options.y);
  checkSameRows(op, x, y);
  if (rows(x) === 0) throw new ValueError(`${op}: x has no rows to train on`);
  // Here, not as a loss that diverged at the first step (or a validation loss NaN every epoch).
  requireFiniteRows(op, 'x', x, TRAIN_ON_FINITE);
  requireFiniteRows(op, 'y', y, TRAIN_ON_FINITE);
  checkRowCount(op, rows(x));
  if (options.validationData !== undefined && options.validationSplit !== undefined) {
    throw new ValueError(`${op}: give validationData or validationSplit, not both`);
  }
  if (options.validationData !== undefined) return { x, y, val: validationData(op, options.validationData, x, y) };
  if (options.validationSplit === undefined) return { x, y, val: undefined };
  const spec = options.validationSplit;
  const { fraction, shuffle } = typeof spec === 'number' ? { fraction: spec, shuffle: false } : knownNestedOptions<ValidationSplit>(op, 'validationSplit', spec, ['fraction', 'shuffle']);
  if (!(typeof fraction === 'number' && fraction > 0 && fraction < 1)) {
    throw new ValueError(`${op}: validationSplit must be a fraction in (0, 1) or {fraction, shuffle}, got ${show(fraction)}`);
  }
  const n = rows(x);
  const nVal = testCount(op, fraction, n, 'validationSplit');
  const order = checkBoolean(op, 'validationSplit.shuffle', orDefault(shuffle, false)) ? rng.permutation(n) : range(n);
  const valIdx = (shuffle ? order.slice(0, nVal) : order.slice(n - nVal)).sort((a, b) => a - b);
  const inVal = new Set(valIdx);
  const trainIdx = range(n).filter((i) => !inVal.has(i));
  return noGrad(() => ({ x: gather(x, trainIdx), y: gather(y, trainIdx), val: { x: gather(x, valIdx), y: gather(y, valIdx) } }));
}

/**
 * validationData checked against the training rows before any step: the model sees its rows only
 * after the first epoch, when a mismatch would have cost that epoch.
 */
function validationData(op: string, value: unknown, x: Tensor, y: Tensor): { x: Tensor; y: Tensor } {
  if (!Array.isArray(value) || value.length !== 2) throw new ValueError(`${op}: validationData must be [x, y], got ${show(value)}`);
  const vx = asSamples(op, 'validationData[0]', value[0]);
  const vy = asSamples(op, 'validationData[1]', value[1]);
  checkSameRows(op, vx, vy, 'validationData x', 'validationData y');
  if (rows(vx) === 0) throw new ValueError(`${op}: validationData has no rows`);
  requireFiniteRows(op, 'validationData x', vx, TRAIN_ON_FINITE);
  requireFiniteRows(op, 'validationData y', vy, TRAIN_ON_FINITE);
  sameRowShape(op, x, vx, 'x', 'validationData x');
  sameRowShape(op, y, vy, 'y', 'validationData y');
  return { x: vx, y: vy };
}

/** @throws ShapeError unless the rows of `other` have the shape of the rows of `t`. */
function sameRowShape(op: string, t: Tensor, other: Tensor, name: string, otherName: string): void {
  if (!sameShape(t.shape.slice(1), other.shape.slice(1))) {
    throw new ShapeError(`${op}: the rows of ${otherName} must be shaped like those of ${name}, ${formatShape(t.shape.slice(1))}, got ${formatShape(other.shape.slice(1))} (${otherName} ${formatShape(other.shape)})`);
  }
}

/**
 * The values of every leaf tensor fit may change (the model's parameters and buffers, and the
 * optimizer's parameters), the optimizer's state and the random streams training draws from (core's
 * and the layers' own, `layer.rng`), as they were when fit was called, to be put back if it fails.
 */
class TrainingState {
  private constructor(
    private readonly values: ReadonlyArray<readonly [Tensor, Float64Array]>,
    private readonly optimizer: Optimizer,
    private readonly optimizerState: ReturnType<Optimizer['stateDict']>,
    private readonly model: Module,
    private readonly streams: { core: RngState; layers: ReadonlyArray<readonly [Rng, RngState]> },
  ) {}

  static capture(model: Module, optimizer: Optimizer): TrainingState {
    const tensors = new Set([...model.parameters(), ...model.namedBuffers().map(([, b]) => b), ...optimizer.params]);
    // Only leaves can be written in place (assign); a computed buffer cannot change under fit.
    const values = [...tensors].filter((t) => t.isLeaf).map((t) => [t, t.data.slice()] as const);
    const generators = new Set(model.namedModules().map(([, m]) => (m as { rng?: unknown }).rng).filter((r): r is Rng => r instanceof Rng));
    const streams = { core: getRngState(), layers: [...generators].map((rng) => [rng, rng.state()] as const) };
    return new TrainingState(values, optimizer, optimizer.stateDict(), model, streams);
  }

  /** Writes the captured values and streams back (through assign, so graphs recorded since see the change) and clears the gradients. */
  restore(): void {
    for (const [t, data] of this.values) assign(t, data);
    this.optimizer.loadStateDict(this.optimizerState);
    this.optimizer.zeroGrad();
    this.model.zeroGrad();
    setRngState(this.streams.core);
    for (const [rng, state] of this.streams.layers) rng.setState(state);
  }
}

/** The epochs, with the model in training mode. */
function train(op: string, model: Module, plan: TrainingPlan, reporter: ProgressReporter | null): History {
  const { data, epochs, batchSize, batchesPerEpoch } = plan;
  const n = rows(data.x);
  const history = new History();
  const info: TrainInfo = {
    model, optimizer: plan.optimizer, epochs, batchesPerEpoch, samples: n, validationSamples: data.val ? rows(data.val.x) : 0, metrics: plan.metrics,
  };
  // Every callback hears every event, even after one has asked to stop.
  const callAll = (hook: HookName, ...args: unknown[]): boolean => {
    let stop = false;
    for (const { callback, index } of plan.callbacks) {
      const fn = callback[hook] as ((...a: unknown[]) => unknown) | undefined;
      if (fn !== undefined && hookResult(op, index, hook, fn.apply(callback, args)) === 'stop') stop = true;
    }
    return stop;
  };

  let stop = callAll('onTrainBegin', info);
  if (stop) history.stopReason = 'callback';
  let steps = 0;
  for (let epoch = 0; epoch < epochs && !stop; epoch++) {
    if (callAll('onEpochBegin', epoch)) {
      history.stopReason = 'callback';
      break;
    }
    reporter?.epochBegin();
    const order = plan.shuffle ? shuffledOrder(plan.shuffleRng, n) : identityOrder(n);
    const run = new EpochRun(op, data.y, plan.metrics, n);
    let diverged = false;
    let batchesRun = 0;
    for (let b = 0; b < batchesPerEpoch; b++) {
      batchesRun++;
      const idx = order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
      const step = trainStep(op, model, plan, idx, run, steps++ === 0);
      reporter?.batchEnd(epoch, b + 1, () => run.logs());
      if (callAll('onBatchEnd', b, { loss: step.loss, size: idx.length })) {
        stop = true;
        history.stopReason = 'callback';
      }
      diverged = !step.applied;
      if (stop || diverged) break;
    }
    const logs = run.logs();
    if (data.val) Object.assign(logs, validationLogs(op, model, plan, data.val));
    history.record(logs);
    reporter?.epochEnd(epoch, batchesRun, logs);
    if (callAll('onEpochEnd', epoch, logs)) {
      stop = true;
      // fit's own early stopping, or an instance the user put in callbacks.
      const early = plan.callbacks.some(({ callback }) => callback instanceof EarlyStopping && callback.stopped);
      history.stopReason = early ? 'earlyStopping' : 'callback';
    }
    if (diverged || !Number.isFinite(logs.loss!)) {
      stop = true;
      history.stopReason = 'nonFinite';
      reporter?.note(
        `Stopped: the loss or a gradient was not finite in epoch ${epoch + 1}, and that step was not taken. ` +
          'Lower the learning rate, or clip the gradients (clipNorm).',
      );
    }
  }
  callAll('onTrainEnd', history);
  return history;
}

type HookName = 'onTrainBegin' | 'onEpochBegin' | 'onBatchEnd' | 'onEpochEnd' | 'onTrainEnd';

/** 0, 1, …, n − 1, as 32-bit indices: half the memory of a number array, and outside the JavaScript heap. */
function identityOrder(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/** A seeded random order of 0 … n − 1: the same Fisher–Yates draws as `rng.permutation(n)`, into 32-bit indices. */
function shuffledOrder(rng: Rng, n: number): Uint32Array {
  const order = identityOrder(n);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  return order;
}

/** Row indices as the index tensor gather takes (a copy: the order is reused). */
function indexTensor(idx: Uint32Array): Tensor {
  return new Tensor(Float64Array.from(idx), [idx.length]);
}

/** The running sums of one epoch: loss weighted by batch size, and predictions for the metrics. */
class EpochRun {
  private lossSum = 0;
  private count = 0;
  private readonly preds: Tensor[] = [];
  /** The first batch's output, whose row shape every later batch's must have. */
  firstOutput: Tensor | undefined = undefined;
  /** The rows predicted so far, in order (only kept when there are metrics). */
  private readonly seen: Float64Array;

  constructor(private readonly op: string, private readonly y: Tensor, private readonly metrics: readonly Metric[], rowCount: number) {
    this.seen = new Float64Array(metrics.length > 0 ? rowCount : 0);
  }

  /** Rows added so far this epoch. */
  get rowsSoFar(): number {
    return this.count;
  }

  add(loss: number, pred: Tensor, idx: Uint32Array): void {
    this.firstOutput ??= pred;
    if (this.metrics.length > 0) {
      this.preds.push(pred.detach());
      // A copy in a loop, not push(...idx), which overflows the call stack for large batches.
      this.seen.set(idx, this.count);
    }
    this.lossSum += loss * idx.length;
    this.count += idx.length;
  }

  /** `loss` so far and each metric over the predictions made so far this epoch. */
  logs(): EpochLogs {
    const logs: EpochLogs = { loss: this.lossSum / this.count };
    if (this.metrics.length > 0) {
      const [pred, target] = noGrad(() => [
        this.preds.length === 1 ? this.preds[0]! : concat(this.preds, 0),
        gather(this.y, new Tensor(this.seen.slice(0, this.count), [this.count])),
      ]);
      for (const m of this.metrics) logs[m.name] = metricValue(this.op, m, m.fn(target, pred));
    }
    return logs;
  }
}

/**
 * One gradient step on the rows `idx`: the batch loss, and whether the step was taken (not when the
 * loss or a gradient is NaN or ±∞: the optimizer refuses those before changing anything).
 */
function trainStep(op: string, model: Module, plan: TrainingPlan, idx: Uint32Array, run: EpochRun, first: boolean): { loss: number; applied: boolean } {
  const { data, optimizer } = plan;
  const rowsIdx = indexTensor(idx);
  const [xb, yb] = noGrad(() => [gather(data.x, rowsIdx), gather(data.y, rowsIdx)]);
  const pred = forwardOf(op, model, xb);
  checkOutputRows(op, run.firstOutput, pred, run.rowsSoFar, idx.length);
  if (first && plan.crossEntropyLoss) checkClassIndices(op, plan.data, pred);
  if (first && plan.elementwiseLoss !== null) checkTargetShape(op, plan.elementwiseLoss, pred, yb, data.y);
  const loss = plan.lossFn(pred, yb);
  const value = lossValue(op, loss);
  run.add(value, pred, idx);
  if (!Number.isFinite(value)) return { loss: value, applied: false };
  loss.backward();
  if (plan.clipNorm !== undefined) clipGradNorm(optimizer.params, plan.clipNorm);
  let applied = true;
  try {
    optimizer.step();
  } catch (e) {
    if (!(e instanceof NonFiniteGradientError)) throw e;
    applied = false;
  }
  // Clear the model's gradients too, in case it has parameters the optimizer does not update.
  optimizer.zeroGrad();
  model.zeroGrad();
  return { loss: value, applied };
}

/**
 * For the 'crossEntropy' loss with class-index targets: every index of y and of the validation y
 * must be a whole number below the number of classes, the last axis of the first batch's
 * predictions. Checked before the first step; unchecked, a bad label in the validation rows would
 * surface only after the first epoch, and one in a late batch after many steps.
 */
function checkClassIndices(op: string, data: Split, pred: Tensor): void {
  const classes = pred.shape[pred.rank - 1]!;
  const indexRow = pred.shape.slice(1, -1);
  for (const [name, y] of [['y', data.y], ['validationData y', data.val?.y]] as const) {
    if (y === undefined || !sameShape(y.shape.slice(1), indexRow)) continue;
    if (classes === 1 && y.data.some((v) => v !== 0)) {
      throw new ValueError(`${op}: the model gives 1 score per row, so loss 'crossEntropy' sees a single class; give it one output per class, or use loss 'binaryCrossEntropy' with its one output`);
    }
    requireIndicesBelow(op, `the class indices in ${name}`, y.data, classes);
  }
}

/**
 * For a loss that compares each prediction with its target: y's rows must have the model's output
 * shape. Said in fit's terms, with both whole shapes and the two usual causes (class labels given
 * to a regression loss, or a [n] y for a single output), rather than the loss's batch shapes.
 */
function checkTargetShape(op: string, loss: string, pred: Tensor, yb: Tensor, y: Tensor): void {
  if (sameShape(pred.shape, yb.shape)) return;
  const rows = y.shape[0]!;
  const hint = yb.rank === 1 && pred.rank === 2
    ? pred.shape[1] === 1
      ? `; reshape y to [${rows}, 1] (y.reshape([${rows}, 1]))`
      : "; for class labels use loss 'crossEntropy', which takes class indices"
    : '';
  throw new ShapeError(
    `${op}: loss '${loss}' compares each prediction with its target, so y's rows must have the model's output shape ${formatShape(pred.shape.slice(1))}, ` +
      `but y is ${formatShape(y.shape)}${hint}`,
  );
}

/** valLoss and the metrics' validation keys (valAccuracy …), in evaluation mode without recording. */
function validationLogs(op: string, model: Module, plan: TrainingPlan, val: { x: Tensor; y: Tensor }): EpochLogs {
  const pred = predictRows(op, model, val.x, Math.max(plan.batchSize, 256));
  const logs: EpochLogs = { valLoss: noGrad(() => lossValue(op, plan.lossFn(pred, val.y))) };
  for (const m of plan.metrics) logs[validationKey(m.name)] = metricValue(op, m, m.fn(val.y, pred));
  return logs;
}
