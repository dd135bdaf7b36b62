/**
 * Metrics `(yTrue, yPred) → number`: plain numbers for reporting and model selection, computed on
 * the data directly (no graph). Losses are what training minimises; metrics are what people read.
 */
import { ShapeError, Tensor, ValueError, formatShape, sameShape } from '@adjoint/core';
import { asSamples, finiteNumber, knownOptions, show, type TensorInput } from './args';
import { firstNonFinite, isFiniteNumber, isWholeNumber, limitOption } from './data/checks';

// Looked up once, like isFiniteNumber: the loops below run once per value (see data/checks.ts).
const { abs, floor, log2, max, min } = Math;

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

/** Options of {@link confusionMatrix}. */
export interface ConfusionMatrixOptions extends LabelOptions {
  /**
   * Largest matrix to build, in classes per side (default 4096, a matrix of 16.8 million counts):
   * one stray label such as 100000 would otherwise ask for 10¹⁰ counts and abort the process.
   * Raise it for more classes.
   */
  maxClasses?: number;
}

/**
 * Labels are class indices: whole numbers in [0, 2³¹ − 1), the range of indices into a tensor's
 * axis (core's limit on a tensor's elements). Anything else is refused rather than wrapped, as an
 * Int32Array would (2³² would count as class 0).
 */
const LABEL_LIMIT = 2 ** 31 - 1;

/** The label of a prediction that is no class at all (NaN or ±∞ somewhere in it): never correct. */
const NO_CLASS = -1;

/** Default of {@link ConfusionMatrixOptions.maxClasses}. */
const DEFAULT_MAX_CLASSES = 4096;

/** Values per sample: the size of the last axis for rank ≥ 2 (one column for a vector). */
function widthOf(t: Tensor): number {
  return t.rank >= 2 ? t.shape[t.rank - 1]! : 1;
}

function isLabel(v: number): boolean {
  return isWholeNumber(v) && v >= 0 && v < LABEL_LIMIT;
}

/**
 * Class labels of the targets, one per sample: the argmax of each row when there are several
 * columns (one-hot rows, or scores), else the values themselves, which must be labels.
 * @throws ValueError for a non-finite target or a value that is not a label.
 */
function trueLabels(op: string, t: Tensor): Int32Array {
  const bad = firstNonFinite(t.data);
  if (bad >= 0) throw new ValueError(`${op}: yTrue holds ${t.data[bad]} at position ${bad}; targets must be finite`);
  if (widthOf(t) > 1) return rowArgmax(t);
  const out = new Int32Array(t.size);
  for (let i = 0; i < t.size; i++) {
    const v = t.data[i]!;
    if (!isLabel(v)) throw new ValueError(`${op}: yTrue must hold whole-number class labels in a single column, got ${v} at position ${i} (labels are in [0, ${LABEL_LIMIT}))`);
    out[i] = v;
  }
  return out;
}

/**
 * Predicted class labels, one per sample (see {@link accuracy}): the argmax of each row with several
 * columns; for one column, the values themselves when no threshold is given and every finite one
 * is a whole number, else 1 where the value ≥ threshold (default 0.5) and 0 elsewhere. A prediction
 * holding NaN or ±∞ gets {@link NO_CLASS}: a diverged model is never right.
 */
function predictedLabels(op: string, p: Tensor, threshold: number | undefined): Int32Array {
  if (widthOf(p) > 1) return rowArgmax(p);
  const d = p.data;
  const out = new Int32Array(p.size);
  if (threshold === undefined && finiteValuesAreWhole(d)) {
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      if (!isFiniteNumber(v)) out[i] = NO_CLASS;
      else if (isLabel(v)) out[i] = v;
      else throw new ValueError(`${op}: yPred holds ${v} at position ${i}, which is no class label (whole numbers in [0, ${LABEL_LIMIT})); pass { threshold } to read predictions as scores`);
    }
    return out;
  }
  const cut = threshold ?? 0.5;
  for (let i = 0; i < d.length; i++) out[i] = isFiniteNumber(d[i]!) ? (d[i]! >= cut ? 1 : 0) : NO_CLASS;
  return out;
}

/** The index of the largest entry of each row over the last axis; NO_CLASS for a row holding NaN or ±∞. */
function rowArgmax(t: Tensor): Int32Array {
  const width = widthOf(t);
  const n = t.size / width;
  const d = t.data;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * width;
    let best = 0;
    let finite = true;
    for (let j = 0; j < width; j++) {
      const v = d[row + j]!;
      if (!isFiniteNumber(v)) finite = false;
      if (v > d[row + best]!) best = j;
    }
    out[i] = finite ? best : NO_CLASS;
  }
  return out;
}

function finiteValuesAreWhole(d: Float64Array): boolean {
  for (let i = 0; i < d.length; i++) if (isFiniteNumber(d[i]!) && !isWholeNumber(d[i]!)) return false;
  return true;
}

/** Tensors whose last axis is empty have no values to take a class from. */
function checkHasColumns(op: string, name: string, t: Tensor): void {
  if (t.rank >= 2 && t.shape[t.rank - 1] === 0) throw new ValueError(`${op}: ${name} ${formatShape(t.shape)} has no columns to read a class from`);
}

function labelPair(op: string, yTrue: TensorInput, yPred: TensorInput, options: LabelOptions): [Int32Array, Int32Array] {
  const t = asSamples(op, 'yTrue', yTrue);
  const p = asSamples(op, 'yPred', yPred);
  const threshold = options.threshold === undefined ? undefined : finiteNumber(op, 'threshold', options.threshold);
  checkHasColumns(op, 'yTrue', t);
  checkHasColumns(op, 'yPred', p);
  const [nTrue, nPred] = [t.size / widthOf(t), p.size / widthOf(p)];
  if (nTrue !== nPred) {
    throw new ShapeError(`${op}: yTrue and yPred must describe the same number of samples, got yTrue ${formatShape(t.shape)} (${nTrue}) and yPred ${formatShape(p.shape)} (${nPred})`);
  }
  if (nTrue === 0) throw new ValueError(`${op}: no samples`);
  return [trueLabels(op, t), predictedLabels(op, p, threshold)];
}

/**
 * The fraction of samples whose predicted class is the true class.
 *
 * Each side is turned into labels: a tensor with several columns by argmax over its last axis
 * (scores, probabilities, logits, one-hot targets); a vector or single column of targets is read as
 * labels; single-column predictions are labels when they are all whole numbers and probabilities
 * thresholded at 0.5 otherwise (pass `{threshold: 0}` for logits). Labels are whole numbers in
 * [0, 2³¹ − 1). A prediction holding NaN or ±∞ is never correct.
 *
 * @throws ValueError for targets that are not finite labels (or rows), predictions that are whole
 * numbers but not labels, a bad threshold or an unknown option; ShapeError when the sample counts differ.
 *
 * @example
 * accuracy([0, 1, 1], [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]); // 2/3
 * accuracy([[0], [1]], [[0.3], [0.7]]);                       // 1
 */
export function accuracy(yTrue: TensorInput, yPred: TensorInput, options: LabelOptions = {}): number {
  const op = 'accuracy';
  options = knownOptions(op, options, ['threshold']);
  const [a, b] = labelPair(op, yTrue, yPred, options);
  let hits = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) hits++;
  return hits / a.length;
}

/**
 * Counts of (true class, predicted class) pairs: entry [i][j] is the number of samples of class i
 * predicted as class j, so the diagonal holds the correct predictions. Labels are read as in
 * {@link accuracy}.
 *
 * @param numClasses the matrix size (default: the largest label seen + 1), at most `maxClasses`.
 * @throws ValueError for a label ≥ numClasses, a matrix of more than `maxClasses` classes, or a
 * prediction holding NaN or ±∞ (it has no column to be counted in).
 */
export function confusionMatrix(yTrue: TensorInput, yPred: TensorInput, numClasses?: number, options: ConfusionMatrixOptions = {}): number[][] {
  const op = 'confusionMatrix';
  options = knownOptions(op, options, ['threshold', 'maxClasses']);
  const maxClasses = limitOption(op, 'maxClasses', options.maxClasses, DEFAULT_MAX_CLASSES);
  if (numClasses !== undefined && (typeof numClasses !== 'number' || !isWholeNumber(numClasses) || numClasses < 1)) {
    throw new ValueError(`${op}: numClasses must be a positive integer, got ${show(numClasses)}`);
  }
  const [a, b] = labelPair(op, yTrue, yPred, options);
  const noClass = b.indexOf(NO_CLASS);
  if (noClass >= 0) throw new ValueError(`${op}: yPred holds NaN or ±∞ at sample ${noClass}, which falls in no class; a confusion matrix needs finite predictions`);
  const k = numClasses ?? largestLabel(a, b) + 1;
  // Checked before the matrix is made: it holds k² counts.
  if (k > maxClasses) {
    const source = numClasses === undefined ? `the largest label, ${k - 1}, asks for` : 'numClasses asks for';
    throw new ValueError(`${op}: ${source} a ${k} × ${k} matrix, more than maxClasses = ${maxClasses} classes; pass { maxClasses } to raise the limit`);
  }
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < a.length; i++) {
    const [t, p] = [a[i]!, b[i]!];
    if (t >= k || p >= k) throw new ValueError(`${op}: labels must be in [0, ${k}), got true ${t} and predicted ${p} at sample ${i}`);
    m[t]![p]!++;
  }
  return m;
}

function largestLabel(a: Int32Array, b: Int32Array): number {
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = max(largest, a[i]!, b[i]!);
  return largest;
}

/**
 * Paired values of two tensors with the same number of elements, shaped as columns: the shapes
 * must agree except that `[n]` and `[n, 1]` are taken as the same column. Targets must be finite
 * (a NaN target is a hole in the data, not a value to score against); predictions may be anything.
 */
function columns(op: string, yTrue: TensorInput, yPred: TensorInput): { t: Float64Array; p: Float64Array; width: number } {
  const t = asSamples(op, 'yTrue', yTrue);
  const p = asSamples(op, 'yPred', yPred);
  const squeezed = (s: readonly number[]): readonly number[] => (s.length === 2 && s[1] === 1 ? [s[0]!] : s);
  if (!sameShape(squeezed(t.shape), squeezed(p.shape))) {
    throw new ShapeError(`${op}: yTrue and yPred must have the same shape, got yTrue ${formatShape(t.shape)} and yPred ${formatShape(p.shape)}`);
  }
  if (t.size === 0) throw new ValueError(`${op}: no samples`);
  const bad = firstNonFinite(t.data);
  if (bad >= 0) throw new ValueError(`${op}: yTrue holds ${t.data[bad]} at position ${bad}; targets must be finite`);
  return { t: t.data, p: p.data, width: t.size / t.shape[0]! };
}

/**
 * Mean of (yTrue − yPred)² over all elements. A NaN prediction makes it NaN and an infinite one
 * makes it ∞, so a diverged model never scores well.
 * @throws ValueError for non-finite targets; ShapeError for shapes that differ (other than [n] and [n, 1]).
 */
export function meanSquaredError(yTrue: TensorInput, yPred: TensorInput): number {
  const { t, p } = columns('meanSquaredError', yTrue, yPred);
  let s = 0;
  for (let i = 0; i < t.length; i++) s += (t[i]! - p[i]!) ** 2;
  return s / t.length;
}

/**
 * Mean of |yTrue − yPred| over all elements; NaN or ∞ for NaN or infinite predictions, as
 * {@link meanSquaredError}.
 */
export function meanAbsoluteError(yTrue: TensorInput, yPred: TensorInput): number {
  const { t, p } = columns('meanAbsoluteError', yTrue, yPred);
  let s = 0;
  for (let i = 0; i < t.length; i++) s += abs(t[i]! - p[i]!);
  return s / t.length;
}

/**
 * The coefficient of determination R² = 1 − Σ(y − ŷ)²/Σ(y − ȳ)²: 1 for a perfect fit, 0 for a model
 * that always predicts the mean, negative for worse. With several output columns, R² is computed per
 * column and averaged (scikit-learn's 'uniform_average'). A constant column scores 1 when predicted
 * exactly and 0 otherwise, instead of dividing by zero. A column with a NaN prediction scores NaN
 * and one with an infinite prediction −∞, constant or not: a diverged model never looks like the mean.
 * Values near the top of the float64 range are scored as well as small ones (see r2Column).
 * R² of a single sample is undefined (its mean is the sample itself): NaN, as scikit-learn gives.
 * @throws ValueError for non-finite targets; ShapeError for shapes that differ (other than [n] and [n, 1]).
 */
export function r2Score(yTrue: TensorInput, yPred: TensorInput): number {
  const { t, p, width } = columns('r2Score', yTrue, yPred);
  // Not 0 or 1 by the constant-column rule: scored that way, leave-one-out gave every model 0.
  if (t.length / width < 2) return NaN;
  let total = 0;
  for (let c = 0; c < width; c++) total += r2Column(t, p, width, c);
  return total / width;
}

/**
 * R² of column `c`. Both columns are divided by a power of two near the targets' largest magnitude
 * first: R² does not change under a common scale, dividing by a power of two is exact (so ordinary
 * data gets the same bits as unscaled sums would give), and the sums stay finite where the plain
 * ones overflow — targets near 10³⁰⁸ would make Σ(y − ȳ)² infinite and R² 1 for any prediction.
 */
function r2Column(t: Float64Array, p: Float64Array, width: number, c: number): number {
  const n = t.length / width;
  const scale = powerOfTwoNear(columnMaxAbs(t, width, c));
  let mean = 0;
  for (let i = 0; i < n; i++) mean += t[i * width + c]! / scale;
  mean /= n;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    const v = t[i * width + c]! / scale;
    res += (v - p[i * width + c]! / scale) ** 2;
    tot += (v - mean) ** 2;
  }
  if (Number.isNaN(res)) return NaN; // a NaN prediction (targets are finite)
  if (res === Infinity) return -Infinity; // an infinite prediction, or one beyond the float64 range
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}

function columnMaxAbs(t: Float64Array, width: number, c: number): number {
  let largest = 0;
  for (let i = c; i < t.length; i += width) largest = max(largest, abs(t[i]!));
  return largest;
}

/** 2^⌊log₂ x⌋ (1 for 0), kept within the exponents of float64 so that it is neither 0 nor ∞. */
function powerOfTwoNear(x: number): number {
  if (x === 0) return 1;
  return 2 ** min(1023, max(-1074, floor(log2(x))));
}
