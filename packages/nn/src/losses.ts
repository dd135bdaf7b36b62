/**
 * Losses `(pred, target, options?) → tensor`, with PyTorch's `reduction` (a mean by default), and
 * weight penalties. All are compositions of core ops, so their gradients (of any order, in both
 * modes) come from the engine.
 */
import {
  ShapeError, Tensor, ValueError, abs, clip, equal, exp, expandDims, formatShape, gather, greater, isTensor, less, log, logSoftmax, scalar,
  softmaxCrossEntropy, softplus, square, squeeze, takeAlongAxis, tensor, toTensor, sameShape, requireIndicesBelow, where,
  type NestedArray,
} from '@adjoint/core';
import { describe, parameterList, type AnyModule } from './module';
import { asTensor, checkBoolean, finiteNumber, knownOptions, oneOf, orDefault, requireTensor, show } from './args';

/** A target: a tensor, or data `tensor()` accepts (a number or nested arrays). */
export type Target = Tensor | NestedArray;

/**
 * How a loss combines its values, as PyTorch's `reduction`: 'mean' (the default) averages them,
 * 'sum' adds them, 'none' returns them unreduced — one per element for the elementwise losses, one
 * per sample for {@link crossEntropy} and {@link nllLoss} — in PyTorch's shape.
 */
export type Reduction = 'mean' | 'sum' | 'none';

/** The option every loss takes. */
export interface ReductionOptions {
  /**
   * 'mean' (default), 'sum' or 'none' (the unreduced losses), as PyTorch's `reduction`. The mean of
   * a weighted {@link crossEntropy} or {@link nllLoss} divides by the weights, as PyTorch's does.
   */
  reduction?: Reduction;
}

/** Options of {@link binaryCrossEntropy}. */
export interface BinaryCrossEntropyOptions extends ReductionOptions {
  /**
   * Whether `pred` holds logits (default true). Losses from logits are computed without ever
   * forming a probability, so they stay finite (with finite gradients) for any finite logit.
   */
  fromLogits?: boolean;
  /**
   * A factor for each element's loss, broadcast to `pred`'s shape (PyTorch's `weight`); the mean
   * still divides by the number of elements, as PyTorch's does.
   */
  weight?: Target;
  /**
   * From logits only: a factor on the positive term, −p·y·log σ(z), broadcast to `pred`'s shape —
   * usually one per class, over the last axis (PyTorch's `pos_weight`). Above 1 it favours recall.
   */
  posWeight?: Target;
}

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions extends ReductionOptions {
  /**
   * Whether `pred` holds logits (default true). Losses from logits are computed without ever
   * forming a probability, so they stay finite (with finite gradients) for any logit.
   */
  fromLogits?: boolean;
  /**
   * One weight per class, a tensor or an array of length C (PyTorch's `weight`). With class indices
   * sample n costs w[yₙ]·(−log p[yₙ]) and the mean divides by Σₙ w[yₙ]; with probabilities each
   * class's term is multiplied by w_c and the mean divides by the number of samples.
   */
  weight?: Tensor | readonly number[];
  /**
   * A target value whose samples cost 0 and are left out of the mean's denominator (PyTorch's
   * `ignore_index`). Class-index targets only; no default (PyTorch's is −100).
   */
  ignoreIndex?: number;
  /**
   * ε in [0, 1] (default 0), PyTorch's `label_smoothing`: the target becomes (1 − ε)·target + ε/C
   * (for class indices, (1 − ε)·onehot + ε/C, with class weights on both terms).
   */
  labelSmoothing?: number;
}

/** Options of {@link nllLoss}. */
export interface NllLossOptions extends ReductionOptions {
  /** One weight per class, as {@link CrossEntropyOptions.weight} with class indices. */
  weight?: Tensor | readonly number[];
  /** A target value whose samples cost 0 and are left out of the mean, as {@link CrossEntropyOptions.ignoreIndex}. */
  ignoreIndex?: number;
}

/** Options of {@link huberLoss}. */
export interface HuberLossOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear: a finite δ > 0 (default 1). */
  delta?: number;
}

/** Options of {@link smoothL1Loss}. */
export interface SmoothL1LossOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear: a finite β ≥ 0 (default 1); β = 0 is the L1 loss. */
  beta?: number;
}

/** Options of {@link klDiv}. */
export interface KlDivOptions {
  /**
   * 'mean' (default, as PyTorch's): the mean over every element, which is the KL divergence divided
   * by the number of classes too; 'batchmean': the sum over the first axis's length, the mean KL
   * divergence per sample (what PyTorch warns that 'mean' is not); 'sum'; 'none'.
   */
  reduction?: 'mean' | 'batchmean' | 'sum' | 'none';
  /** Whether `target` holds log-probabilities rather than probabilities (default false), PyTorch's `log_target`. */
  logTarget?: boolean;
}

/** Options of {@link gaussianNllLoss}. */
export interface GaussianNllLossOptions extends ReductionOptions {
  /** Whether to add the constant ½·log 2π to each element (default false), PyTorch's `full`. */
  full?: boolean;
  /** The least variance used, a finite ε > 0 (default 1e-6): smaller variances are raised to it in the value only, as in PyTorch. */
  eps?: number;
}

/** Options of {@link poissonNllLoss}. */
export interface PoissonNllLossOptions extends ReductionOptions {
  /** Whether `input` is the log of the rate (default true), PyTorch's `log_input`. */
  logInput?: boolean;
  /** Whether to add Stirling's approximation of log(target!) where target > 1 (default false), PyTorch's `full`. */
  full?: boolean;
  /** Added to the rate inside the log when `logInput` is false: a finite ε ≥ 0 (default 1e-8). */
  eps?: number;
}

/** Probabilities are clipped to [EPS, 1 − EPS] before a log, so log(0) never happens. */
const EPS = 1e-12;

const REDUCTIONS = ['mean', 'sum', 'none'] as const;

/**
 * Mean squared error (PyTorch's `F.mse_loss`): (predᵢ − targetᵢ)² for each element, reduced
 * (default: the mean over all elements).
 * @throws ShapeError unless pred and target have the same shape.
 */
export function mse(pred: Tensor, target: Target, options: ReductionOptions = {}): Tensor {
  const { y, reduction } = elementwise('mse', pred, target, options, []);
  return reduce(square(pred.sub(y)), reduction);
}

/**
 * Mean absolute error (PyTorch's `F.l1_loss`): |predᵢ − targetᵢ| for each element, reduced
 * (default: the mean over all elements).
 * @throws ShapeError unless pred and target have the same shape.
 */
export function mae(pred: Tensor, target: Target, options: ReductionOptions = {}): Tensor {
  const { y, reduction } = elementwise('mae', pred, target, options, []);
  return reduce(abs(pred.sub(y)), reduction);
}

/**
 * Huber loss (PyTorch's `F.huber_loss`): for d = pred − target, ½d² where |d| < δ and
 * δ·(|d| − ½δ) elsewhere, for each element, reduced (default: the mean). Quadratic near 0 and
 * linear in the tails, so an outlier pulls with a force of at most δ.
 * @throws ShapeError unless pred and target have the same shape; ValueError unless δ is finite and > 0.
 */
export function huberLoss(pred: Tensor, target: Target, options: HuberLossOptions = {}): Tensor {
  const { y, reduction, options: o } = elementwise('huberLoss', pred, target, options, ['delta']);
  const delta = finiteNumber('huberLoss', 'delta', orDefault(o.delta, 1));
  if (!(delta > 0)) throw new ValueError(`huberLoss: delta must be > 0, got ${delta}`);
  return reduce(quadraticThenLinear(pred.sub(y), delta, delta), reduction);
}

/**
 * Smooth L1 loss (PyTorch's `F.smooth_l1_loss`): for d = pred − target, ½d²/β where |d| < β and
 * |d| − ½β elsewhere, for each element, reduced (default: the mean). It is huberLoss / β with δ = β;
 * β = 0 is the L1 loss ({@link mae}).
 * @throws ShapeError unless pred and target have the same shape; ValueError unless β is finite and ≥ 0.
 */
export function smoothL1Loss(pred: Tensor, target: Target, options: SmoothL1LossOptions = {}): Tensor {
  const { y, reduction, options: o } = elementwise('smoothL1Loss', pred, target, options, ['beta']);
  const beta = finiteNumber('smoothL1Loss', 'beta', orDefault(o.beta, 1));
  if (!(beta >= 0)) throw new ValueError(`smoothL1Loss: beta must be ≥ 0, got ${beta}`);
  const d = pred.sub(y);
  // β = 0 needs its own branch: ½d²/0 is unused there, but its derivative would be, times a zero cotangent: NaN.
  return reduce(beta === 0 ? abs(d) : quadraticThenLinear(d, beta, 1), reduction);
}

/**
 * Binary cross-entropy for targets y ∈ [0, 1], for each element, reduced (default: the mean over
 * all elements).
 *
 * From logits z (the default, PyTorch's `F.binary_cross_entropy_with_logits`):
 * softplus(z) − y·z, which equals −[y log σ(z) + (1 − y) log(1 − σ(z))] but never overflows:
 * softplus(z) = ln(1 + eᶻ) is computed stably and its derivative σ(z) − y is bounded. With
 * `posWeight` p: (1 − y)·z + (1 + (p − 1)·y)·softplus(−z), PyTorch's form, as stable.
 *
 * From probabilities p (`fromLogits: false`, PyTorch's `F.binary_cross_entropy`):
 * −[y log p + (1 − y) log(1 − p)] with p clipped to [1e-12, 1 − 1e-12] (so the gradient is zero
 * where p is outside that range). PyTorch instead clamps each log at −100, so at p = 0 or 1 the two
 * differ (27.6 here, 100 there).
 *
 * `weight` multiplies each element's loss, broadcast to pred's shape.
 * @throws ShapeError unless pred and target have the same shape and weight and posWeight broadcast to it;
 * ValueError, with `fromLogits: false`, for a prediction outside [0, 1] or a posWeight.
 */
export function binaryCrossEntropy(pred: Tensor, target: Target, options: BinaryCrossEntropyOptions = {}): Tensor {
  const op = 'binaryCrossEntropy';
  const { y, reduction, options: o } = elementwise(op, pred, target, options, ['fromLogits', 'weight', 'posWeight']);
  const logits = checkBoolean(op, 'fromLogits', orDefault(o.fromLogits, true));
  const weight = o.weight === undefined ? undefined : broadcastable(op, 'weight', o.weight, pred.shape);
  let losses: Tensor;
  if (logits) {
    if (o.posWeight === undefined) losses = softplus(pred).sub(y.mul(pred));
    else {
      const posWeight = broadcastable(op, 'posWeight', o.posWeight, pred.shape);
      losses = y.neg().add(1).mul(pred).add(posWeight.sub(1).mul(y).add(1).mul(softplus(pred.neg())));
    }
  } else {
    if (o.posWeight !== undefined) {
      throw new ValueError(`${op}: posWeight applies to logits only (PyTorch's binary_cross_entropy_with_logits); leave fromLogits at its default, true`);
    }
    checkProbabilities(op, pred);
    const p = clip(pred, EPS, 1 - EPS);
    losses = y.mul(log(p)).add(y.neg().add(1).mul(log(p.neg().add(1)))).neg();
  }
  return reduce(weight === undefined ? losses : losses.mul(weight), reduction);
}

/**
 * Categorical cross-entropy over the last axis (the classes) — PyTorch's `F.cross_entropy` — one
 * loss per sample, −Σ_c t_c · log p_c, reduced (default: the mean over the samples).
 *
 * `target` is either class indices, of the shape of `pred` without its last axis (`[N]` for `[N, C]`
 * predictions), or a distribution over classes (one-hot or soft labels) of the shape of `pred`.
 * From logits (the default), log p = logSoftmax(pred), stable for any logits (for class indices
 * without weight, ignoreIndex or labelSmoothing, the single op softmaxCrossEntropy); with
 * `fromLogits: false`, log p = log(clip(pred, 1e-12, 1)).
 *
 * With class indices yₙ, class weights w (default 1), ε = labelSmoothing and C classes, sample n
 * costs (1 − ε)·w[yₙ]·(−log p[yₙ]) + (ε/C)·Σ_c w_c·(−log p_c), or 0 when yₙ = ignoreIndex, and the
 * mean divides by Σ w[yₙ] over the samples not ignored (their count without weights): PyTorch's
 * formula, including its normalisation of the smoothing term by the label weights. With
 * probabilities t, sample n costs −Σ_c w_c·t'_c·log p_c with t' = (1 − ε)·t + ε/C, and the mean
 * divides by the number of samples.
 *
 * Unlike PyTorch, classes are on the last axis for any rank (PyTorch reads axis 1 of
 * `[N, C, d1, …]`), and nothing is ignored unless `ignoreIndex` is given.
 * @throws ShapeError when the target fits neither form or the weight is not one per class;
 * ValueError for an index outside [0, C) other than ignoreIndex, an ignoreIndex with probability
 * targets, a labelSmoothing outside [0, 1] and, with `fromLogits: false`, a prediction outside [0, 1].
 */
export function crossEntropy(pred: Tensor, target: Target, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  checkPred(op, pred);
  const o = knownOptions(op, options, ['fromLogits', 'reduction', 'weight', 'ignoreIndex', 'labelSmoothing']);
  const logits = checkBoolean(op, 'fromLogits', orDefault(o.fromLogits, true));
  const reduction = reductionOf(op, o.reduction);
  const smoothing = finiteNumber(op, 'labelSmoothing', orDefault(o.labelSmoothing, 0));
  if (!(smoothing >= 0 && smoothing <= 1)) throw new ValueError(`${op}: labelSmoothing must be in [0, 1], got ${smoothing}`);
  const y = toTarget(op, target);
  const classes = classCount(op, 'pred', pred);
  const weight = classWeights(op, o.weight, classes);
  const ignore = ignoreIndexOf(op, o.ignoreIndex);
  if (!logits) checkProbabilities(op, pred);
  let logp: Tensor | undefined;
  const logProbs = (): Tensor => (logp ??= logits ? logSoftmax(pred, -1) : log(clip(pred, EPS, 1)));
  if (sameShape(y.shape, pred.shape)) {
    if (ignore !== undefined) {
      throw new ValueError(`${op}: ignoreIndex applies to class-index targets only, got a target of pred's shape ${formatShape(pred.shape)} (class probabilities), as PyTorch refuses it`);
    }
    let t = smoothing > 0 ? y.mul(1 - smoothing).add(smoothing / classes) : y;
    if (weight !== undefined) t = t.mul(weight);
    return reduce(t.mul(logProbs()).sum(-1).neg(), reduction, pred.size / classes);
  }
  const indexShape = pred.shape.slice(0, -1);
  if (!sameShape(y.shape, indexShape)) {
    throw new ShapeError(
      `${op}: target must be class indices of shape ${formatShape(indexShape)} or one-hot of shape ${formatShape(pred.shape)}, ` +
        `got pred ${formatShape(pred.shape)} and target ${formatShape(y.shape)}`,
    );
  }
  if (logits && weight === undefined && ignore === undefined && smoothing === 0) {
    // The common case, in one op: −log softmax at each label, without a one-hot tensor.
    checkClassIndices(op, y, classes);
    return softmaxCrossEntropy(pred, y, { reduction });
  }
  const nll = logits ? (labels: Tensor) => softmaxCrossEntropy(pred, labels, { reduction: 'none' }) : (labels: Tensor) => pick(logProbs(), labels).neg();
  return classIndexLoss(op, y, classes, nll, logProbs, { weight, ignore, smoothing, reduction });
}

/**
 * Negative log-likelihood of class indices (PyTorch's `F.nll_loss`): for log-probabilities
 * `logProbs` of shape [..., C] (classes on the last axis, as {@link crossEntropy}) and integer
 * targets of shape [...], sample n costs −w[yₙ]·logProbs[n, yₙ] (w = `weight`, default 1), or 0
 * when yₙ = ignoreIndex; reduced (default: the mean, Σ losses / Σ w[yₙ] over the samples not
 * ignored). `nllLoss(logSoftmax(z), y)` is `crossEntropy(z, y)`.
 * @throws ShapeError unless target has logProbs' shape without its last axis and weight has one
 * entry per class; ValueError for an index outside [0, C) other than ignoreIndex.
 */
export function nllLoss(logProbs: Tensor, target: Target, options: NllLossOptions = {}): Tensor {
  const op = 'nllLoss';
  requireTensor(op, 'logProbs', logProbs);
  const o = knownOptions(op, options, ['reduction', 'weight', 'ignoreIndex']);
  const reduction = reductionOf(op, o.reduction);
  const y = toTarget(op, target);
  const classes = classCount(op, 'logProbs', logProbs);
  const weight = classWeights(op, o.weight, classes);
  const ignore = ignoreIndexOf(op, o.ignoreIndex);
  const indexShape = logProbs.shape.slice(0, -1);
  if (!sameShape(y.shape, indexShape)) {
    throw new ShapeError(`${op}: target must be class indices of shape ${formatShape(indexShape)} (logProbs' shape without its last axis, the classes), got logProbs ${formatShape(logProbs.shape)} and target ${formatShape(y.shape)}`);
  }
  return classIndexLoss(op, y, classes, (labels) => pick(logProbs, labels).neg(), () => logProbs, { weight, ignore, smoothing: 0, reduction });
}

/**
 * Kullback–Leibler divergence as PyTorch's `F.kl_div`: `input` holds log-probabilities log q and
 * `target` probabilities p (log p with `logTarget`), and each element is p·(log p − log q), taken
 * as 0 where p = 0 (as PyTorch's xlogy) — also when log q = −∞ there, where PyTorch gives NaN.
 *
 * The reduction matters: 'mean' (the default, as PyTorch's) averages over every element, so for
 * [N, C] inputs it is KL(p‖q) averaged over the samples and divided by C again; 'batchmean' divides
 * the sum by N only, which is the mean KL divergence per sample — what PyTorch's warning asks for.
 * @throws ShapeError unless input and target have the same shape; ValueError for an unknown reduction.
 */
export function klDiv(input: Tensor, target: Target, options: KlDivOptions = {}): Tensor {
  const op = 'klDiv';
  const y = sameShapeTarget(op, input, target, 'input');
  const o = knownOptions(op, options, ['reduction', 'logTarget']);
  const reduction = oneOf(op, 'reduction', orDefault(o.reduction, 'mean'), ['mean', 'batchmean', 'sum', 'none'] as const);
  const logTarget = checkBoolean(op, 'logTarget', orDefault(o.logTarget, false));
  // Where p = 0 the term is 0 whatever log q is; both operands are replaced there, so that neither
  // the value nor any derivative meets 0·∞.
  const absent = equal(y, logTarget ? -Infinity : 0);
  const logQ = where(absent, 0, input);
  const losses = logTarget
    ? exp(y).mul(where(absent, 0, y).sub(logQ))
    : y.mul(log(where(absent, 1, y)).sub(logQ));
  if (reduction === 'batchmean') return reduce(losses, input.rank === 0 ? 'sum' : 'mean', input.shape[0]);
  return reduce(losses, reduction);
}

/**
 * Gaussian negative log-likelihood (PyTorch's `F.gaussian_nll_loss`): for a predicted `mean` and
 * `variance` σ², each element costs ½·(log σ² + (mean − target)²/σ²), plus ½·log 2π with `full`;
 * reduced (default: the mean over all elements).
 *
 * `variance` has mean's shape (one variance per element), or mean's shape without its last axis or
 * with a last axis of 1 (one shared by each row), as in PyTorch. Variances below `eps` are raised
 * to it in the value only: the gradient still reaches the variance, as PyTorch's clamp under
 * no_grad does, so a collapsing variance can recover.
 * @throws ShapeError unless target has mean's shape and variance one of the shapes above;
 * ValueError for a negative variance or an eps that is not finite and > 0.
 */
export function gaussianNllLoss(mean: Tensor, target: Target, variance: Target, options: GaussianNllLossOptions = {}): Tensor {
  const op = 'gaussianNllLoss';
  const { y, reduction, options: o } = elementwise(op, mean, target, options, ['full', 'eps'], 'mean');
  const full = checkBoolean(op, 'full', orDefault(o.full, false));
  const eps = finiteNumber(op, 'eps', orDefault(o.eps, 1e-6));
  if (!(eps > 0)) throw new ValueError(`${op}: eps must be > 0, got ${eps}`);
  let v = asTensor(op, 'variance', variance);
  const rowShape = mean.shape.slice(0, -1);
  if (!sameShape(v.shape, mean.shape)) {
    if (sameShape(v.shape, rowShape)) v = expandDims(v, -1);
    else if (!(v.rank === mean.rank && v.shape[v.rank - 1] === 1 && sameShape(v.shape.slice(0, -1), rowShape))) {
      throw new ShapeError(`${op}: variance must have mean's shape ${formatShape(mean.shape)}, or ${formatShape(rowShape)} or ${formatShape([...rowShape, 1])} for one variance per row, got ${formatShape(v.shape)}`);
    }
  }
  const negative = v.data.findIndex((s) => s < 0);
  if (negative >= 0) throw new ValueError(`${op}: variance must be ≥ 0, got ${v.data[negative]} at position ${negative} (shape ${formatShape(v.shape)})`);
  // eps in the value, the identity in the derivative: v − v is exactly 0 for any finite v.
  const clamped = where(less(v, eps), v.sub(v.detach()).add(eps), v);
  let losses = log(clamped).add(square(mean.sub(y)).div(clamped)).mul(0.5);
  if (full) losses = losses.add(0.5 * Math.log(2 * Math.PI));
  return reduce(losses, reduction);
}

/**
 * Poisson negative log-likelihood (PyTorch's `F.poisson_nll_loss`): for a rate λ and counts y,
 * each element costs e^x − y·x when `input` is x = log λ (the default, `logInput`), and
 * λ − y·log(λ + eps) otherwise; with `full`, plus Stirling's approximation of log y!,
 * y·log y − y + ½·log(2πy), where y > 1. Reduced (default: the mean over all elements).
 * @throws ShapeError unless input and target have the same shape; ValueError for an eps that is not finite and ≥ 0.
 */
export function poissonNllLoss(input: Tensor, target: Target, options: PoissonNllLossOptions = {}): Tensor {
  const op = 'poissonNllLoss';
  const { y, reduction, options: o } = elementwise(op, input, target, options, ['logInput', 'full', 'eps'], 'input');
  const logInput = checkBoolean(op, 'logInput', orDefault(o.logInput, true));
  const full = checkBoolean(op, 'full', orDefault(o.full, false));
  const eps = finiteNumber(op, 'eps', orDefault(o.eps, 1e-8));
  if (!(eps >= 0)) throw new ValueError(`${op}: eps must be ≥ 0, got ${eps}`);
  let losses = logInput ? exp(input).sub(y.mul(input)) : input.sub(y.mul(log(input.add(eps))));
  if (full) {
    // Only where y > 1; elsewhere the term is computed at y = 1 and dropped, so no log 0 reaches a derivative.
    const counted = greater(y, 1);
    const k = where(counted, y, 1);
    const stirling = k.mul(log(k)).sub(k).add(log(k.mul(2 * Math.PI)).mul(0.5));
    losses = losses.add(where(counted, stirling, 0));
  }
  return reduce(losses, reduction);
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

/**
 * The one place losses are reduced: 'none' as they are, 'sum', or 'mean' — over the elements, or
 * Σ losses / `denominator` for the means PyTorch takes over something else (the weights of the
 * targets, the samples not ignored, the batch).
 */
function reduce(losses: Tensor, reduction: Reduction, denominator?: Tensor | number): Tensor {
  if (reduction === 'none') return losses;
  if (reduction === 'sum') return losses.sum();
  return denominator === undefined ? losses.mean() : losses.sum().div(denominator);
}

function reductionOf(op: string, value: unknown): Reduction {
  return oneOf(op, 'reduction', orDefault(value, 'mean'), REDUCTIONS);
}

/**
 * The checks every loss of a prediction and a same-shaped target makes: `pred` a tensor, the
 * target converted and of its shape, the options known (reduction plus `extra`), the reduction one
 * of PyTorch's three.
 */
function elementwise<O extends ReductionOptions>(
  op: string, pred: Tensor, target: Target, options: O, extra: readonly string[], predName = 'pred',
): { y: Tensor; reduction: Reduction; options: O } {
  const y = sameShapeTarget(op, pred, target, predName);
  const o = knownOptions(op, options, ['reduction', ...extra]);
  return { y, reduction: reductionOf(op, o.reduction), options: o };
}

/** ½d²/k where |d| < k and |d| − ½k elsewhere, times `scale`: smoothL1 (scale 1) and Huber (k = scale = δ). */
function quadraticThenLinear(d: Tensor, k: number, scale: number): Tensor {
  const a = abs(d);
  return where(less(a, k), square(d).mul((0.5 * scale) / k), a.sub(0.5 * k).mul(scale));
}

interface ClassIndexOptions {
  weight: Tensor | undefined;
  ignore: number | undefined;
  smoothing: number;
  reduction: Reduction;
}

/**
 * PyTorch's nll_loss with its label smoothing, per sample: (1 − ε)·w[y]·nll + (ε/C)·Σ_c w_c·(−log p_c),
 * 0 for an ignored sample; 'mean' divides both terms by Σ w[y] over the samples kept (their count
 * without weights), as PyTorch's cross_entropy does. `nll` gives −log p at the labels.
 */
function classIndexLoss(op: string, y: Tensor, classes: number, nll: (labels: Tensor) => Tensor, logProbs: () => Tensor, o: ClassIndexOptions): Tensor {
  const { labels, kept } = indexTargets(op, y, classes, o.ignore);
  const labelWeights = o.weight === undefined ? undefined : gather(o.weight, labels);
  let losses = nll(labels);
  if (labelWeights !== undefined) losses = losses.mul(labelWeights);
  if (o.smoothing > 0) {
    const logp = logProbs();
    const spread = (o.weight === undefined ? logp : logp.mul(o.weight)).sum(-1).neg();
    losses = losses.mul(1 - o.smoothing).add(spread.mul(o.smoothing / classes));
  }
  // where rather than a product: an ignored sample's −log p may be ∞ (a masked class 0), and ∞·0 is NaN.
  if (kept !== undefined) losses = where(kept, losses, 0);
  if (o.reduction !== 'mean') return reduce(losses, o.reduction);
  if (labelWeights !== undefined) return reduce(losses, 'mean', (kept === undefined ? labelWeights : where(kept, labelWeights, 0)).sum());
  return reduce(losses, 'mean', kept === undefined ? undefined : kept.data.reduce((n, k) => n + k, 0));
}

/**
 * Class indices checked against C classes and ignoreIndex: the labels to index with (ignored ones
 * replaced by 0, in a copy) and, when something can be ignored, 1 for each sample kept and 0 for
 * each ignored.
 */
function indexTargets(op: string, y: Tensor, classes: number, ignore: number | undefined): { labels: Tensor; kept?: Tensor } {
  if (ignore === undefined) {
    checkClassIndices(op, y, classes);
    return { labels: y };
  }
  const labels = new Float64Array(y.size);
  const kept = new Float64Array(y.size);
  y.data.forEach((v, i) => {
    if (v === ignore) return;
    if (!Number.isInteger(v) || v < 0 || v >= classes) throw new ValueError(`${op}: class indices must be integers in [0, ${classes}) or ignoreIndex (${ignore}), got ${v} at position ${i}`);
    labels[i] = v;
    kept[i] = 1;
  });
  return { labels: tensor(labels, { shape: y.shape }), kept: tensor(kept, { shape: y.shape }) };
}

function checkClassIndices(op: string, y: Tensor, classes: number): void {
  // PyTorch ignores −100 by default: a port that relies on it is told so, rather than left to guess.
  const at = y.data.indexOf(-100);
  if (at >= 0) throw new ValueError(`${op}: class indices must be integers in [0, ${classes}), got -100 at position ${at}; PyTorch ignores −100 by default, here pass ignoreIndex: -100`);
  requireIndicesBelow(op, 'class indices', y.data, classes);
}

/** Each row's entry at its label: x[..., labels[...]] for x of shape [..., C]. */
function pick(x: Tensor, labels: Tensor): Tensor {
  return squeeze(takeAlongAxis(x, expandDims(labels, -1), -1), -1);
}

/** C, the length of the last axis, which must exist and not be empty. */
function classCount(op: string, name: string, x: Tensor): number {
  if (x.rank === 0) throw new ShapeError(`${op}: ${name} needs a class axis, got shape ${formatShape(x.shape)}`);
  const classes = x.shape[x.rank - 1]!;
  if (classes === 0) throw new ShapeError(`${op}: ${name} needs at least one class, got shape ${formatShape(x.shape)}`);
  return classes;
}

function classWeights(op: string, value: unknown, classes: number): Tensor | undefined {
  if (value === undefined) return undefined;
  const w = asTensor(op, 'weight', value);
  if (!sameShape(w.shape, [classes])) throw new ShapeError(`${op}: weight must hold one value per class, shape [${classes}], got shape ${formatShape(w.shape)}`);
  return w;
}

function ignoreIndexOf(op: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new ValueError(`${op}: ignoreIndex must be an integer, got ${show(value)}`);
  return value;
}

/** An option applied elementwise: data whose shape broadcasts to `shape`, the prediction's. */
function broadcastable(op: string, name: string, value: unknown, shape: readonly number[]): Tensor {
  const w = asTensor(op, name, value);
  const offset = shape.length - w.rank;
  if (offset < 0 || w.shape.some((d, i) => d !== 1 && d !== shape[offset + i])) {
    throw new ShapeError(`${op}: ${name} must broadcast to pred's shape ${formatShape(shape)}, got shape ${formatShape(w.shape)}`);
  }
  return w;
}

function checkPred(op: string, pred: unknown, name = 'pred'): asserts pred is Tensor {
  requireTensor(op, name, pred);
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

function toTarget(op: string, target: Target): Tensor {
  if (isTensor(target)) return target;
  if (typeof target === 'number' || Array.isArray(target)) return toTensor(target, op);
  throw new ValueError(`${op}: target must be a Tensor, a number or nested arrays, got ${describe(target)}`);
}

function sameShapeTarget(op: string, pred: Tensor, target: Target, predName = 'pred'): Tensor {
  checkPred(op, pred, predName);
  const y = toTarget(op, target);
  if (!sameShape(pred.shape, y.shape)) {
    throw new ShapeError(`${op}: ${predName} and target must have the same shape, got ${predName} ${formatShape(pred.shape)} and target ${formatShape(y.shape)}`);
  }
  return y;
}
