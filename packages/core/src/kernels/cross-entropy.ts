/**
 * Softmax cross-entropy against class indices, row by row over the last axis: the loss of each
 * sample and its gradient, each in one pass over the logits. The loss normalises a row exactly as
 * log softmax does (softmaxShift, shiftedLogSum), so it agrees bit for bit with −logSoftmax at the
 * label.
 */
import { allocData, allocForOverwrite } from './alloc';
import { shiftedLogSum, sliceMax, softmaxShift } from './reduce';

/** How the losses of the samples are combined: kept apart, averaged, or added. */
export type CrossEntropyReduction = 'none' | 'mean' | 'sum';

/**
 * loss[i] = −log softmax(z[i])[label[i]], for `labels.length` rows of `classes` logits; with a
 * reduction, their mean or sum (added in row order, as sum then div would) as a single value.
 */
export function crossEntropyRows(z: Float64Array, labels: Float64Array, classes: number, reduction: CrossEntropyReduction): Float64Array {
  const rows = labels.length;
  const out = allocData(reduction === 'none' ? rows : 1);
  let total = 0;
  for (let i = 0, first = 0; i < rows; i++, first += classes) {
    const last = first + classes;
    const shift = softmaxShift(z, first, last, 1);
    const logSum = shiftedLogSum(z, first, last, 1, shift);
    const loss = -(z[first + labels[i]!]! - shift - logSum);
    if (reduction === 'none') out[i] = loss;
    else total += loss;
  }
  if (reduction !== 'none') out[0] = reduction === 'mean' ? total / rows : total;
  return out;
}

/**
 * out[i, j] = g[i]·(softmax(z[i])[j] − [j = label[i]]): the adjoint of crossEntropyRows. `g` holds
 * one value per row, or a single value for every row. A row with a finite maximum m takes one
 * exponential per element, softmax = e^(z − m) / Σ e^(z − m) (as accurate as going through the log
 * and cheaper: exp is most of this kernel's time); other rows (±∞, NaN) are normalised as log
 * softmax does it.
 */
export function crossEntropyGradRows(g: Float64Array, z: Float64Array, labels: Float64Array, classes: number): Float64Array {
  const out = allocForOverwrite(z.length); // every element is written
  const perRow = g.length === labels.length ? 1 : 0;
  for (let i = 0, first = 0; i < labels.length; i++, first += classes) {
    const last = first + classes;
    const target = first + labels[i]!;
    const scale = g[i * perRow]!;
    const max = sliceMax(z, first, last, 1);
    if (Number.isFinite(max)) {
      let sum = 0;
      for (let at = first; at < last; at++) sum += out[at] = Math.exp(z[at]! - max);
      for (let at = first; at < last; at++) out[at] = scale * (out[at]! / sum - (at === target ? 1 : 0));
    } else {
      const logSum = shiftedLogSum(z, first, last, 1, 0);
      for (let at = first; at < last; at++) out[at] = scale * (Math.exp(z[at]! - logSum) - (at === target ? 1 : 0));
    }
  }
  return out;
}
