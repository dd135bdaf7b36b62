/** Inference: predictions in batches, and the loss and metrics of a trained model on a data set. */
import { Tensor, ValueError, concat, gather, isTensor, noGrad, requireOptions } from '@adjoint/core';
import { Module, describe } from '../module';
import { asSamples, checkInteger, checkSameRows, range, rows, orDefault, type TensorInput } from '../args';
import { batchIndices } from '../data/batches';
import { resolveLoss, resolveMetrics, type LossSpec, type MetricSpec } from './resolve';
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
  options = requireOptions(op, options);
  const xs = asSamples(op, 'x', x);
  const batchSize = checkInteger(op, 'batchSize', orDefault(options.batchSize, 256), 1);
  if (rows(xs) === 0) throw new ValueError(`${op}: x has no rows`);
  return predictRows(op, model, xs, batchSize);
}

/** Shared by predict, evaluate and fit's validation pass. */
export function predictRows(op: string, model: Module, x: Tensor, batchSize: number): Tensor {
  return withMode(model, false, () =>
    noGrad(() => {
      const outputs = batchIndices(range(rows(x)), batchSize).map((idx) => {
        const out = model.forward(idx.length === rows(x) ? x : gather(x, idx));
        if (!isTensor(out) || out.rank === 0 || out.shape[0] !== idx.length) {
          throw new ValueError(`${op}: the model must return one output row per input row; for ${idx.length} rows it returned ${describe(out)}`);
        }
        return out;
      });
      return outputs.length === 1 ? outputs[0]! : concat(outputs, 0);
    }),
  );
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
  options = requireOptions(op, options);
  const xs = asSamples(op, 'x', x);
  const ys = asSamples(op, 'y', y);
  checkSameRows(op, xs, ys);
  if (rows(xs) === 0) throw new ValueError(`${op}: x has no rows`);
  const loss = options.loss === undefined ? undefined : resolveLoss(op, options.loss);
  const metrics = resolveMetrics(op, options.metrics, options.loss);
  if (loss === undefined && metrics.length === 0) throw new ValueError(`${op}: nothing to compute; give a loss, metrics, or both`);
  const pred = predictRows(op, model, xs, checkInteger(op, 'batchSize', orDefault(options.batchSize, 256), 1));
  const out: Record<string, number> = {};
  if (loss !== undefined) out.loss = noGrad(() => lossValue(op, loss(pred, ys)));
  for (const m of metrics) out[m.name] = m.fn(ys, pred);
  return out;
}

/** The number in a loss's scalar result. @throws ValueError when the loss is not a one-element tensor. */
export function lossValue(op: string, value: unknown): number {
  if (!isTensor(value) || value.size !== 1) throw new ValueError(`${op}: the loss must return a scalar tensor, got ${describe(value)}`);
  return value.data[0]!;
}

/** @throws ValueError unless `model` is a Module. */
export function checkModel(op: string, model: unknown): asserts model is Module {
  if (!(model instanceof Module)) throw new ValueError(`${op}: model must be a Module, got ${describe(model)}`);
}
