/** Inference: predictions in batches, and the loss and metrics of a trained model on a data set. */
import { ShapeError, Tensor, ValueError, concat, formatShape, gather, isTensor, noGrad, sameShape } from '@adjoint/core';
import { Module, describe, moduleTreeDepth, walkModules, type AnyModule } from '../module';
import { asSamples, checkInteger, checkSameRows, knownOptions, rows, orDefault, type TensorInput } from '../args';
import { requireFiniteRows } from '../data/checks';
import { metricValue, resolveLoss, resolveMetrics, type LossSpec, type MetricSpec } from './resolve';
import { withMode } from './modes';

/** Options of {@link predict}. */
export interface PredictOptions {
  /**
   * Rows per forward pass (default 256); memory use depends on it, the predictions do not (except
   * in the last bits for a layer of 257–511 inputs and one output: see docs/reliability.md).
   */
  batchSize?: number;
}

/**
 * The model's outputs for every row of `x`, computed in evaluation mode (Dropout off, BatchNorm on
 * its running statistics) without recording a graph, batch by batch, concatenated along the first
 * axis. The model's training flags are restored afterwards.
 *
 * @example
 * const probabilities = predict(model, xTest).sigmoid();
 */
export function predict(model: Module, x: TensorInput, options: PredictOptions = {}): Tensor {
  const op = 'predict';
  checkModel(op, model);
  options = knownOptions(op, options, ['batchSize']);
  const xs = asSamples(op, 'x', x);
  const batchSize = checkInteger(op, 'batchSize', orDefault(options.batchSize, 256), 1);
  if (rows(xs) === 0) throw new ValueError(`${op}: x has no rows`);
  return predictRows(op, model, xs, batchSize);
}

/** Shared by predict, evaluate and fit's validation pass. */
export function predictRows(op: string, model: Module, x: Tensor, batchSize: number): Tensor {
  const n = rows(x);
  return withMode(model, false, () =>
    noGrad(() => {
      const outputs: Tensor[] = [];
      for (let start = 0; start < n; start += batchSize) {
        const count = Math.min(batchSize, n - start);
        const out = forwardOf(op, model, count === n ? x : gather(x, consecutive(start, count)));
        checkOutputRows(op, outputs[0], out, start, count);
        outputs.push(out);
      }
      return outputs.length === 1 ? outputs[0]! : concat(outputs, 0);
    }),
  );
}

/**
 * Checks the model's output for `count` input rows from row `start` on: a Tensor with one row per
 * input row, shaped like the rows of the `first` batch's output (the batches are joined into one
 * tensor, and a model whose output width changed would otherwise be reported by concat).
 */
export function checkOutputRows(op: string, first: Tensor | undefined, out: unknown, start: number, count: number): asserts out is Tensor {
  if (!isTensor(out) || out.rank === 0 || out.shape[0] !== count) {
    throw new ValueError(`${op}: the model must return one output row per input row; for ${count} rows it returned ${describe(out)}`);
  }
  if (first === undefined || sameShape(first.shape.slice(1), out.shape.slice(1))) return;
  throw new ShapeError(`${op}: the model's output rows must all have one shape, got ${formatShape(first.shape.slice(1))} for row 0 and ${formatShape(out.shape.slice(1))} from row ${start} on`);
}

/** The indices start, start + 1, … (count of them), as the index tensor gather takes. */
function consecutive(start: number, count: number): Tensor {
  const idx = new Float64Array(count);
  for (let i = 0; i < count; i++) idx[i] = start + i;
  return new Tensor(idx, [count]);
}

/**
 * `model.forward(x)`, with a clear error when it runs out of call stack. Sequential and Residual
 * run nested copies of themselves in a loop, but any other module calls its children's forward, so
 * a tree nested some ten thousand levels deep exhausts the stack; the RangeError that results says
 * nothing about why.
 */
export function forwardOf(op: string, model: Module, x: Tensor): Tensor {
  try {
    return model.forward(x);
  } catch (e) {
    if (!(e instanceof RangeError && /call stack/i.test(e.message))) throw e;
    const depth = moduleTreeDepth(op, model);
    const remedy = depth >= 1000
      ? 'nest fewer modules (a flat Sequential of the layers computes the same), or make the deep part loop instead of calling itself'
      : 'a forward that calls itself without end?';
    throw new ValueError(`${op}: the model's forward pass ran out of call stack (its module tree is ${depth} levels deep): ${remedy}`);
  }
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** A loss to report as `loss` (a function or a name). */
  loss?: LossSpec;
  /** Metrics to report, by name or function, each under its name. */
  metrics?: MetricSpec[];
  /** Rows per forward pass (default 256). */
  batchSize?: number;
}

/**
 * The loss (when given) and metrics of `model` on `x`, `y`, from the predictions of {@link predict}.
 * The loss is taken over all rows at once, so for the built-in (mean) losses it is the exact mean.
 *
 * @returns `{loss?, [metric name]: number}`.
 * @throws ValueError when neither a loss nor a metric is asked for.
 *
 * @example
 * evaluate(model, xTest, yTest, { loss: 'crossEntropy', metrics: ['accuracy'] }); // {loss: 0.21, accuracy: 0.95}
 */
export function evaluate(model: Module, x: TensorInput, y: TensorInput, options: EvaluateOptions = {}): Record<string, number> {
  const op = 'evaluate';
  checkModel(op, model);
  options = knownOptions(op, options, ['loss', 'metrics', 'batchSize']);
  const xs = asSamples(op, 'x', x);
  const ys = asSamples(op, 'y', y);
  checkSameRows(op, xs, ys);
  if (rows(xs) === 0) throw new ValueError(`${op}: x has no rows`);
  // A NaN loss would hide where the bad value is (the metrics refuse non-finite targets too).
  requireFiniteRows(op, 'x', xs, 'evaluate finite data only');
  requireFiniteRows(op, 'y', ys, 'evaluate finite data only');
  const loss = options.loss === undefined ? undefined : resolveLoss(op, options.loss);
  const metrics = resolveMetrics(op, options.metrics, options.loss);
  if (loss === undefined && metrics.length === 0) throw new ValueError(`${op}: nothing to compute; give a loss, metrics, or both`);
  const pred = predictRows(op, model, xs, checkInteger(op, 'batchSize', orDefault(options.batchSize, 256), 1));
  const out: Record<string, number> = {};
  if (loss !== undefined) out.loss = noGrad(() => lossValue(op, loss(pred, ys)));
  for (const m of metrics) out[m.name] = metricValue(op, m, m.fn(ys, pred));
  return out;
}

/** The number in a loss's scalar result. @throws ValueError when the loss is not a one-element tensor. */
export function lossValue(op: string, value: unknown): number {
  if (!isTensor(value) || value.size !== 1) throw new ValueError(`${op}: the loss must return a scalar tensor, got ${describe(value)}`);
  return value.data[0]!;
}

/** @throws ValueError unless `model` is a Module whose tree has no cycle (see walkModules). */
export function checkModel(op: string, model: unknown): asserts model is AnyModule {
  if (!(model instanceof Module)) throw new ValueError(`${op}: model must be a Module, got ${describe(model)}`);
  walkModules(op, model, { unique: true }, () => undefined);
}
