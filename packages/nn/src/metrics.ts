/**
 * Metrics `(yTrue, yPred) → number`: plain numbers for reporting and model selection, computed on
 * the data directly (no graph). Losses are what training minimises; metrics are what people read.
 */
import { ShapeError, Tensor, ValueError, formatShape, requireOptions, sameShape } from '@adjoint/core';
import { asSamples, type TensorInput } from './args';

/** A metric: true values and predictions in, a number out. */
export type MetricFn = (yTrue: Tensor, yPred: Tensor) => number;

/** Options of {@link accuracy} and {@link confusionMatrix}. */
export interface LabelOptions {
  /**
   * Threshold for single-column predictions: values ≥ threshold are class 1. When given, it is
   * always applied to such predictions; when omitted, predictions that are all whole numbers are
   * taken as labels and anything else is thresholded at 0.5 (probabilities). Use 0 for logits.
   */
  threshold?: number;
}

/**
 * Class labels from targets or predictions, one per sample:
 * - several columns (the last axis has size > 1): the index of the largest entry (scores, logits,
 *   probabilities or one-hot rows);
 * - one column or a vector: predictions are thresholded (see {@link LabelOptions}); targets must
 *   already be whole-number labels.
 */
function labels(op: string, name: 'yTrue' | 'yPred', t: Tensor, threshold: number | undefined): Int32Array {
  const width = t.rank >= 2 ? t.shape[t.rank - 1]! : 1;
  const n = t.size / Math.max(width, 1);
  const out = new Int32Array(n);
  const d = t.data;
  if (width > 1) {
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < width; j++) if (d[i * width + j]! > d[i * width + best]!) best = j;
      out[i] = best;
    }
    return out;
  }
  const whole = d.every((v) => Number.isInteger(v));
  if (name === 'yTrue' || (threshold === undefined && whole)) {
    for (let i = 0; i < n; i++) {
      const v = d[i]!;
      if (!Number.isInteger(v)) throw new ValueError(`${op}: ${name} must hold whole-number class labels in a single column, got ${v} at position ${i}`);
      out[i] = v;
    }
    return out;
  }
  const cut = threshold ?? 0.5;
  for (let i = 0; i < n; i++) out[i] = d[i]! >= cut ? 1 : 0;
  return out;
}

function labelPair(op: string, yTrue: TensorInput, yPred: TensorInput, options: LabelOptions): [Int32Array, Int32Array] {
  options = requireOptions(op, options);
  const t = asSamples(op, 'yTrue', yTrue);
  const p = asSamples(op, 'yPred', yPred);
  if (options.threshold !== undefined && !Number.isFinite(options.threshold)) {
    throw new ValueError(`${op}: threshold must be a finite number, got ${options.threshold}`);
  }
  const a = labels(op, 'yTrue', t, undefined);
  const b = labels(op, 'yPred', p, options.threshold);
  if (a.length !== b.length) {
    throw new ShapeError(`${op}: yTrue and yPred must describe the same number of samples, got yTrue ${formatShape(t.shape)} (${a.length}) and yPred ${formatShape(p.shape)} (${b.length})`);
  }
  if (a.length === 0) throw new ValueError(`${op}: no samples`);
  return [a, b];
}

/**
 * The fraction of samples whose predicted class is the true class.
 *
 * Each side is turned into labels: a tensor with several columns by argmax over its last axis
 * (scores, probabilities, logits, one-hot targets); a vector or single column of targets is read as
 * labels; single-column predictions are labels when they are all whole numbers and probabilities
 * thresholded at 0.5 otherwise (pass `{threshold: 0}` for logits).
 *
 * @example
 * accuracy([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]); // 2/3
 * accuracy([[0], [1]], [[0.3], [0.7]]);                       // 1
 */
export function accuracy(yTrue: TensorInput, yPred: TensorInput, options: LabelOptions = {}): number {
  const [a, b] = labelPair('accuracy', yTrue, yPred, options);
  let hits = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) hits++;
  return hits / a.length;
}

/**
 * Counts of (true class, predicted class) pairs: entry [i][j] is the number of samples of class i
 * predicted as class j, so the diagonal holds the correct predictions. Labels are read as in
 * {@link accuracy}.
 *
 * @param numClasses the matrix size (default: the largest label seen + 1).
 * @throws ValueError for a negative label or one ≥ numClasses.
 */
export function confusionMatrix(yTrue: TensorInput, yPred: TensorInput, numClasses?: number, options: LabelOptions = {}): number[][] {
  const op = 'confusionMatrix';
  const [a, b] = labelPair(op, yTrue, yPred, options);
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, a[i]!, b[i]!);
  const k = numClasses ?? largest + 1;
  if (!Number.isInteger(k) || k < 1) throw new ValueError(`${op}: numClasses must be a positive integer, got ${String(numClasses)}`);
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < a.length; i++) {
    const [t, p] = [a[i]!, b[i]!];
    if (t < 0 || t >= k || p < 0 || p >= k) {
      throw new ValueError(`${op}: labels must be in [0, ${k}), got true ${t} and predicted ${p} at sample ${i}`);
    }
    m[t]![p]!++;
  }
  return m;
}

/**
 * Paired values of two tensors with the same number of elements, shaped as columns: the shapes
 * must agree except that `[n]` and `[n, 1]` are taken as the same column.
 */
function columns(op: string, yTrue: TensorInput, yPred: TensorInput): { t: Float64Array; p: Float64Array; width: number } {
  const t = asSamples(op, 'yTrue', yTrue);
  const p = asSamples(op, 'yPred', yPred);
  const squeezed = (s: readonly number[]): readonly number[] => (s.length === 2 && s[1] === 1 ? [s[0]!] : s);
  if (!sameShape(squeezed(t.shape), squeezed(p.shape))) {
    throw new ShapeError(`${op}: yTrue and yPred must have the same shape, got yTrue ${formatShape(t.shape)} and yPred ${formatShape(p.shape)}`);
  }
  if (t.size === 0) throw new ValueError(`${op}: no samples`);
  return { t: t.data, p: p.data, width: t.size / t.shape[0]! };
}

/** Mean of (yTrue − yPred)² over all elements. */
export function meanSquaredError(yTrue: TensorInput, yPred: TensorInput): number {
  const { t, p } = columns('meanSquaredError', yTrue, yPred);
  let s = 0;
  for (let i = 0; i < t.length; i++) s += (t[i]! - p[i]!) ** 2;
  return s / t.length;
}

/** Mean of |yTrue − yPred| over all elements. */
export function meanAbsoluteError(yTrue: TensorInput, yPred: TensorInput): number {
  const { t, p } = columns('meanAbsoluteError', yTrue, yPred);
  let s = 0;
  for (let i = 0; i < t.length; i++) s += Math.abs(t[i]! - p[i]!);
  return s / t.length;
}

/**
 * The coefficient of determination R² = 1 − Σ(y − ŷ)²/Σ(y − ȳ)²: 1 for a perfect fit, 0 for a model
 * that always predicts the mean, negative for worse. With several output columns, R² is computed per
 * column and averaged (scikit-learn's 'uniform_average'). A constant column scores 1 when predicted
 * exactly and 0 otherwise, instead of dividing by zero.
 */
export function r2Score(yTrue: TensorInput, yPred: TensorInput): number {
  const { t, p, width } = columns('r2Score', yTrue, yPred);
  const n = t.length / width;
  let total = 0;
  for (let c = 0; c < width; c++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += t[i * width + c]!;
    mean /= n;
    let res = 0;
    let tot = 0;
    for (let i = 0; i < n; i++) {
      const v = t[i * width + c]!;
      res += (v - p[i * width + c]!) ** 2;
      tot += (v - mean) ** 2;
    }
    total += tot === 0 ? (res === 0 ? 1 : 0) : 1 - res / tot;
  }
  return total / width;
}
