/**
 * Turning the names `fit`, `evaluate` and the searches accept ('mse', 'adam', 'accuracy') into
 * functions and objects, with one message listing the choices when a name is unknown.
 */
import { Tensor, ValueError, requireChoice } from '@adjoint/core';
import { Module } from '../module';
import { binaryCrossEntropy, crossEntropy, huberLoss, mae, mse, nllLoss, poissonNllLoss, smoothL1Loss } from '../losses';
import {
  Adagrad, Adam, AdamW, Optimizer, RMSprop, SGD,
  type AdagradOptions, type AdamOptions, type LearningRate, type RMSpropOptions, type SGDOptions,
} from '../optim/index';
import { accuracy, meanAbsoluteError, meanSquaredError, r2Score, type MetricFn } from '../metrics';
import { knownNestedOptions, quoteName, show } from '../args';
import { isValidationKey, validationKey } from './history';

/** A loss as fit uses it: predictions and targets in, a scalar tensor out. */
export type LossFn = (pred: Tensor, target: Tensor) => Tensor;

/**
 * The losses known by name, each with its defaults: the cross-entropies take logits, nllLoss
 * log-probabilities, poissonNllLoss log-rates.
 */
export type LossName = 'mse' | 'mae' | 'binaryCrossEntropy' | 'crossEntropy' | 'huberLoss' | 'smoothL1Loss' | 'nllLoss' | 'poissonNllLoss';

/** A loss function or its name. */
export type LossSpec = LossName | LossFn;

const losses: Record<LossName, LossFn> = {
  mse: (p, t) => mse(p, t),
  mae: (p, t) => mae(p, t),
  binaryCrossEntropy: (p, t) => binaryCrossEntropy(p, t),
  crossEntropy: (p, t) => crossEntropy(p, t),
  huberLoss: (p, t) => huberLoss(p, t),
  smoothL1Loss: (p, t) => smoothL1Loss(p, t),
  nllLoss: (p, t) => nllLoss(p, t),
  poissonNllLoss: (p, t) => poissonNllLoss(p, t),
};

/** The loss function for a name (a function is returned unchanged). */
export function resolveLoss(op: string, spec: unknown): LossFn {
  if (typeof spec === 'function') return spec as LossFn;
  if (typeof spec === 'string' && Object.prototype.hasOwnProperty.call(losses, spec)) return losses[spec as LossName];
  throw new ValueError(`${op}: loss must be a function or one of ${Object.keys(losses).join(', ')}, got ${show(spec)}`);
}

/**
 * Whether a loss reads its predictions as binary logits: 'binaryCrossEntropy' by name, or core's
 * binaryCrossEntropy function itself (whose default is logits). Accuracy then thresholds at 0.
 */
export function takesBinaryLogits(spec: unknown): boolean {
  return spec === 'binaryCrossEntropy' || spec === binaryCrossEntropy;
}

/** The losses that compare each prediction with a target of the same shape. */
const elementwiseLosses = new Map<unknown, string>(
  Object.entries({ mse, mae, binaryCrossEntropy, huberLoss, smoothL1Loss, poissonNllLoss }).flatMap(([name, fn]) => [[name, name], [fn, name]]),
);

/**
 * The name of a loss that compares each prediction with a target of the same shape ('mse', 'mae',
 * 'binaryCrossEntropy', 'huberLoss', 'smoothL1Loss', 'poissonNllLoss', by name or as nn's
 * function), or null: fit checks y's shape for those.
 */
export function elementwiseLossName(spec: unknown): string | null {
  return elementwiseLosses.get(spec) ?? null;
}

/** The optimizers known by name. */
export type OptimizerName = 'sgd' | 'adam' | 'adamw' | 'adagrad' | 'rmsprop';

/**
 * An optimizer by name with its options, e.g. `{name: 'sgd', lr: 0.1, momentum: 0.9}`. The options
 * are those of the optimizer's class (SGDOptions, AdamOptions, …).
 */
export interface OptimizerSpec {
  name: OptimizerName;
  lr?: LearningRate;
  [option: string]: unknown;
}

type OptimizerFactory = (model: Module, options: Record<string, unknown>) => Optimizer;

const optimizers: Record<OptimizerName, OptimizerFactory> = {
  sgd: (p, o) => new SGD(p, o as SGDOptions),
  adam: (p, o) => new Adam(p, o as AdamOptions),
  adamw: (p, o) => new AdamW(p, o as AdamOptions),
  adagrad: (p, o) => new Adagrad(p, o as AdagradOptions),
  rmsprop: (p, o) => new RMSprop(p, o as RMSpropOptions),
};

/**
 * An optimizer over the model's parameters: an instance is used as it is; a name or a spec builds a
 * fresh one, with `lr` (when given) as its learning rate.
 * @throws ValueError for an unknown name, or an `lr` given together with an instance or a spec
 * holding its own (one of the two would be ignored).
 */
export function resolveOptimizer(op: string, spec: unknown, model: Module, lr: LearningRate | undefined): Optimizer {
  if (model.parameters().length === 0) throw new ValueError(`${op}: the model has no parameters to train`);
  if (spec instanceof Optimizer) {
    if (lr !== undefined) throw new ValueError(`${op}: lr applies to an optimizer given by name; set it on the ${spec.constructor.name} instance instead`);
    // An optimizer built for another model (say, a previous fold's) would train nothing here.
    const own = new Set(model.parameters());
    if (!spec.params.some((p) => own.has(p))) {
      throw new ValueError(`${op}: the ${spec.constructor.name} instance updates none of the model's parameters; build it over model.parameters(), or give the optimizer by name`);
    }
    // Tensors that are not the model's, while some of the model's trainable ones are left out: an
    // optimizer made before a layer was replaced (replaceChild), which would train the new one never.
    // Either alone is fine (a learnable tensor of the loss; parameters frozen by leaving them out).
    const held = new Set(spec.params);
    const foreign = spec.params.filter((p) => !own.has(p)).length;
    const missing = [...own].filter((p) => p.requiresGrad && !held.has(p)).length;
    if (foreign > 0 && missing > 0) {
      throw new ValueError(`${op}: the ${spec.constructor.name} instance holds ${foreign} tensor${foreign === 1 ? '' : 's'} that ${foreign === 1 ? 'is' : 'are'} not the model's and leaves out ${missing} of the model's trainable parameters: was it made before a layer was replaced (replaceChild, replaceParameter)? Make it over model.parameters() after the change (set requiresGrad = false on parameters meant to stay frozen)`);
    }
    return spec;
  }
  let name: unknown = spec;
  let options: Record<string, unknown> = {};
  if (spec !== null && typeof spec === 'object' && 'name' in spec) {
    const { name: n, ...rest } = spec as OptimizerSpec;
    name = n;
    options = rest;
  }
  if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(optimizers, name)) {
    throw new ValueError(`${op}: optimizer must be an Optimizer instance, one of ${Object.keys(optimizers).join(', ')}, or {name, ...options}; got ${show(spec)}`);
  }
  if (lr !== undefined) {
    if (options.lr !== undefined) throw new ValueError(`${op}: lr is given twice, in the optimizer spec (${show(options.lr)}) and in the options (${show(lr)}); give it once`);
    options = { ...options, lr };
  }
  // The model itself, so that the optimizer can name a parameter ('0.weight') in its messages.
  return optimizers[name as OptimizerName](model, options);
}

/** A metric's result, which must be a number: a Tensor (a forgotten `.item()`) would be logged as an object. */
export function metricValue(op: string, metric: Metric, value: unknown): number {
  if (typeof value !== 'number') throw new ValueError(`${op}: metric ${quoteName(metric.name)} must return a number, got ${show(value)}`);
  return value;
}

/** Metric names known to fit, evaluate and the searches. */
export type MetricName = 'accuracy' | 'mse' | 'mae' | 'r2';

/** A metric: a name, a function (named after `fn.name`), or `{name, fn, mode?}`. */
export type MetricSpec = MetricName | MetricFn | { name: string; fn: MetricFn; mode?: 'min' | 'max' };

/**
 * A resolved metric: its key in logs and history, the function, and which direction is better
 * (unknown for a custom function given without a mode; early stopping and the searches then ask for one).
 */
export interface Metric {
  name: string;
  fn: MetricFn;
  mode: 'min' | 'max' | undefined;
}

const builtinMetrics: Record<MetricName, { fn: MetricFn; mode: 'min' | 'max' }> = {
  accuracy: { fn: (t, p) => accuracy(t, p), mode: 'max' },
  mse: { fn: (t, p) => meanSquaredError(t, p), mode: 'min' },
  mae: { fn: (t, p) => meanAbsoluteError(t, p), mode: 'min' },
  r2: { fn: (t, p) => r2Score(t, p), mode: 'max' },
};

/** Directions of this package's metric functions when passed as functions. */
const knownModes = new Map<unknown, 'min' | 'max'>([
  [meanSquaredError, 'min'],
  [meanAbsoluteError, 'min'],
  [r2Score, 'max'],
]);

/**
 * Resolves metric specs. A function's name is its key ('metric1', … when anonymous); the direction
 * of this package's metric functions is known, that of other functions only when given as
 * `{name, fn, mode}`. With a binary-logit loss (see takesBinaryLogits),
 * 'accuracy' thresholds the single output column at 0, the logit of probability ½.
 * @throws ValueError for unknown names, duplicate keys, or a metric called 'loss'.
 */
export function resolveMetrics(op: string, specs: unknown, lossSpec?: unknown): Metric[] {
  if (specs === undefined) return [];
  if (!Array.isArray(specs)) throw new ValueError(`${op}: metrics must be a list of names, functions or {name, fn}, got ${show(specs)}`);
  const out: Metric[] = specs.map((spec, i) => resolveMetric(op, spec, i, lossSpec));
  const seen = new Set<string>();
  for (const m of out) {
    // Reserved: the loss's keys, and what looks like a validation key ('valX', the old 'val_x').
    if (m.name === 'loss' || isValidationKey(m.name) || m.name.startsWith('val_')) throw new ValueError(`${op}: the metric name '${m.name}' is reserved`);
    // Logs and history are plain objects, where these names are taken by every object already.
    if (m.name in Object.prototype || m.name === '__proto__') throw new ValueError(`${op}: the metric name '${m.name}' is a property every JavaScript object has; give the metric another name with {name, fn}`);
    if (seen.has(validationKey(m.name))) throw new ValueError(`${op}: two metrics are called '${m.name}' (or differ only in the case of its first letter); give one {name, fn}`);
    seen.add(validationKey(m.name));
  }
  return out;
}

function resolveMetric(op: string, spec: unknown, index: number, lossSpec: unknown): Metric {
  if (typeof spec === 'string') {
    if (!Object.prototype.hasOwnProperty.call(builtinMetrics, spec)) {
      throw new ValueError(`${op}: unknown metric ${show(spec)}; expected one of ${Object.keys(builtinMetrics).join(', ')}, a function, or {name, fn}`);
    }
    if (spec === 'accuracy' && takesBinaryLogits(lossSpec)) return { name: spec, fn: (t, p) => accuracy(t, p, { threshold: 0 }), mode: 'max' };
    return { name: spec, ...builtinMetrics[spec as MetricName] };
  }
  if (spec === accuracy) return resolveMetric(op, 'accuracy', index, lossSpec);
  if (typeof spec === 'function') {
    const name = spec.name !== '' ? spec.name : `metric${index + 1}`;
    return { name, fn: spec as MetricFn, mode: knownModes.get(spec) };
  }
  if (spec !== null && typeof spec === 'object' && typeof (spec as { fn?: unknown }).fn === 'function') {
    const { name, fn, mode } = knownNestedOptions<{ name?: unknown; fn: MetricFn; mode?: unknown }>(op, `metric ${index + 1}`, spec, ['name', 'fn', 'mode']);
    if (typeof name !== 'string' || name === '') throw new ValueError(`${op}: metric ${index + 1} needs a non-empty name`);
    return { name, fn, mode: mode === undefined ? knownModes.get(fn) : requireChoice(op, `metric '${name}' mode`, mode, ['min', 'max']) };
  }
  throw new ValueError(`${op}: metric ${index + 1} must be a name, a function or {name, fn}, got ${show(spec)}`);
}
