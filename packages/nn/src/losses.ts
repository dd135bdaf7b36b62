/**
 * Losses `(pred, target, options?) → scalar`, averaged over the batch, and weight penalties. All are
 * compositions of core ops, so their gradients (of any order) come from the engine.
 */
import {
  ShapeError, Tensor, ValueError, abs, clip, formatShape, isTensor, log, logSoftmax, oneHot, scalar, softmaxCrossEntropy, softplus, square, toTensor, sameShape, requireIndicesBelow,
  type NestedArray,
} from '@adjoint/core';
import { describe, parameterList, type AnyModule } from './module';
import { checkBoolean, knownOptions, orDefault, requireTensor } from './args';

/** A target: a tensor, or data `tensor()` accepts (a number or nested arrays). */
export type Target = Tensor | NestedArray;

/** Options of the cross-entropies. */
export interface CrossEntropyOptions {
  /**
   * Whether `pred` holds logits (default true). Losses from logits are computed without ever
   * forming a probability, so they stay finite (with finite gradients) for any logit.
   */
  fromLogits?: boolean;
}

/** Probabilities are clipped to [EPS, 1 − EPS] before a log, so log(0) never happens. */
const EPS = 1e-12;

/**
 * Mean squared error: (1/n) Σᵢ (predᵢ − targetᵢ)² over all n elements.
 * @throws ShapeError unless pred and target have the same shape.
 */
export function mse(pred: Tensor, target: Target): Tensor {
  const y = sameShapeTarget('mse', pred, target);
  return square(pred.sub(y)).mean();
}

/**
 * Mean absolute error: (1/n) Σᵢ |predᵢ − targetᵢ| over all n elements.
 * @throws ShapeError unless pred and target have the same shape.
 */
export function mae(pred: Tensor, target: Target): Tensor {
  const y = sameShapeTarget('mae', pred, target);
  return abs(pred.sub(y)).mean();
}

/**
 * Binary cross-entropy, averaged over all elements, for targets y ∈ [0, 1].
 *
 * From logits z (the default): BCE(z, y) = softplus(z) − y·z, which equals
 * −[y log σ(z) + (1 − y) log(1 − σ(z))] but never overflows: softplus(z) = ln(1 + eᶻ) is computed
 * stably and its derivative σ(z) − y is bounded.
 *
 * From probabilities p (`fromLogits: false`): −[y log p + (1 − y) log(1 − p)] with p clipped to
 * [1e-12, 1 − 1e-12] (so the gradient is zero where p is outside that range). PyTorch instead
 * clamps each log at −100, so at p = 0 or 1 the two differ (27.6 here, 100 there).
 * @throws ShapeError unless pred and target have the same shape; ValueError, with `fromLogits: false`,
 * for a prediction outside [0, 1].
 */
export function binaryCrossEntropy(pred: Tensor, target: Target, options: CrossEntropyOptions = {}): Tensor {
  const y = sameShapeTarget('binaryCrossEntropy', pred, target);
  if (fromLogits('binaryCrossEntropy', options)) return softplus(pred).sub(y.mul(pred)).mean();
  checkProbabilities('binaryCrossEntropy', pred);
  const p = clip(pred, EPS, 1 - EPS);
  return y.mul(log(p)).add(y.neg().add(1).mul(log(p.neg().add(1)))).mean().neg();
}

/**
 * Categorical cross-entropy over the last axis (the classes), averaged over the samples:
 * −(1/N) Σₙ Σ_c t_nc · log p_nc.
 *
 * `target` is either class indices, of the shape of `pred` without its last axis (`[N]` for `[N, C]`
 * predictions), or a distribution over classes (one-hot or soft labels) of the shape of `pred`.
 * From logits (the default), log p = logSoftmax(pred), stable for any logits (for class indices, the
 * single op softmaxCrossEntropy); with `fromLogits: false`, log p = log(clip(pred, 1e-12, 1)).
 * @throws ShapeError when the target fits neither form; ValueError for an index outside [0, C) and,
 * with `fromLogits: false`, for a prediction outside [0, 1].
 */
export function crossEntropy(pred: Tensor, target: Target, options: CrossEntropyOptions = {}): Tensor {
  checkPred('crossEntropy', pred);
  const y = toTarget('crossEntropy', target);
  if (pred.rank === 0) throw new ShapeError(`crossEntropy: predictions need a class axis, got shape ${formatShape(pred.shape)}`);
  const classes = pred.shape[pred.rank - 1]!;
  if (classes === 0) throw new ShapeError(`crossEntropy: predictions need at least one class, got shape ${formatShape(pred.shape)}`);
  const logits = fromLogits('crossEntropy', options);
  if (!logits) checkProbabilities('crossEntropy', pred);
  let t: Tensor;
  if (sameShape(y.shape, pred.shape)) t = y;
  else if (sameShape(y.shape, pred.shape.slice(0, -1))) {
    const labels = classIndices(y, classes);
    // The common case, in one op: −log softmax at each label, without a one-hot tensor.
    if (logits) return softmaxCrossEntropy(pred, labels, { reduction: 'mean' });
    t = oneHot(labels, classes);
  } else {
    throw new ShapeError(
      `crossEntropy: target must be class indices of shape ${formatShape(pred.shape.slice(0, -1))} or one-hot of shape ${formatShape(pred.shape)}, ` +
        `got pred ${formatShape(pred.shape)} and target ${formatShape(y.shape)}`,
    );
  }
  const logp = logits ? logSoftmax(pred, -1) : log(clip(pred, EPS, 1));
  const samples = pred.size / classes;
  return t.mul(logp).sum().div(-samples);
}

/** L1 penalty Σ |w| over every element of every parameter (add λ·l1(params) to a loss). */
export function l1(params: readonly Tensor[] | AnyModule): Tensor {
  return parameterList('l1', params).reduce((total: Tensor, p) => total.add(abs(p).sum()), scalar(0));
}

/**
 * L2 penalty Σ w² over every element of every parameter, without a factor ½ (so its gradient is 2w;
 * add λ·l2(params) to a loss).
 */
export function l2(params: readonly Tensor[] | AnyModule): Tensor {
  return parameterList('l2', params).reduce((total: Tensor, p) => total.add(square(p).sum()), scalar(0));
}

function classIndices(y: Tensor, classes: number): Tensor {
  requireIndicesBelow('crossEntropy', 'class indices', y.data, classes);
  return y;
}

function checkPred(op: string, pred: unknown): asserts pred is Tensor {
  requireTensor(op, 'pred', pred);
}

/**
 * Refuses a probability outside [0, 1], as PyTorch does: the clip before the log would take it for
 * 0 or 1 and give it no gradient, so logits passed with `fromLogits: false` would train nothing,
 * silently. NaN passes (a diverged model's loss is NaN, which fit reports).
 */
function checkProbabilities(op: string, pred: Tensor): void {
  const d = pred.data;
  for (let i = 0; i < d.length; i++) {
    if (d[i]! < 0 || d[i]! > 1) {
      throw new ValueError(`${op}: with fromLogits: false, pred must hold probabilities in [0, 1], got ${d[i]} at position ${i} (shape ${formatShape(pred.shape)}); for logits leave fromLogits at its default, true`);
    }
  }
}

/** The fromLogits option (default true), checked. */
function fromLogits(op: string, options: CrossEntropyOptions): boolean {
  return checkBoolean(op, 'fromLogits', orDefault(knownOptions(op, options, ['fromLogits']).fromLogits, true));
}

function toTarget(op: string, target: Target): Tensor {
  if (isTensor(target)) return target;
  if (typeof target === 'number' || Array.isArray(target)) return toTensor(target, op);
  throw new ValueError(`${op}: target must be a Tensor, a number or nested arrays, got ${describe(target)}`);
}

function sameShapeTarget(op: string, pred: Tensor, target: Target): Tensor {
  checkPred(op, pred);
  const y = toTarget(op, target);
  if (!sameShape(pred.shape, y.shape)) {
    throw new ShapeError(`${op}: pred and target must have the same shape, got pred ${formatShape(pred.shape)} and target ${formatShape(y.shape)}`);
  }
  return y;
}
