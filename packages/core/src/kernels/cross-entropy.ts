/**
 * Softmax cross-entropy against class indices, row by row over the last axis: the loss of each
 * sample and its gradient, each in one pass over the logits. Both normalise a row exactly as
 * log softmax does (softmaxShift, shiftedLogSum), so they agree bit for bit with the same
 * quantities computed through logSoftmax.
 */
import { allocData, allocForOverwrite } from './alloc';
import { shiftedLogSum, softmaxShift } from './reduce';

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
 * one value per row, or a single value for every row.
 */
export function crossEntropyGradRows(g: Float64Array, z: Float64Array, labels: Float64Array, classes: number): Float64Array {
  const out = allocForOverwrite(z.length); // every element is written
  const perRow = g.length === labels.length ? 1 : 0;
  for (let i = 0, first = 0; i < labels.length; i++, first += classes) {
    const last = first + classes;
    const shift = softmaxShift(z, first, last, 1);
    const logSum = shiftedLogSum(z, first, last, 1, shift);
    const target = first + labels[i]!;
    const scale = g[i * perRow]!;
    for (let at = first; at < last; at++) out[at] = scale * (Math.exp(z[at]! - shift - logSum) - (at === target ? 1 : 0));
  }
  return out;
}
