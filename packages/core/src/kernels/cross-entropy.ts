/**
 * Softmax cross-entropy against class indices, row by row over the last axis: the loss of each
 * sample and its gradient, each in one pass over the logits. Both normalise a row exactly as
 * log softmax does (softmaxShift, shiftedLogSum), so they agree bit for bit with the same
 * quantities computed through logSoftmax.
 */
import { allocData, allocForOverwrite } from './alloc';
import { shiftedLogSum, softmaxShift } from './reduce';

/** loss[i] = −log softmax(z[i])[label[i]], for `labels.length` rows of `classes` logits. */
export function crossEntropyRows(z: Float64Array, labels: Float64Array, classes: number): Float64Array {
  const out = allocData(labels.length);
  for (let i = 0, first = 0; i < labels.length; i++, first += classes) {
    const last = first + classes;
    const shift = softmaxShift(z, first, last, 1);
    const logSum = shiftedLogSum(z, first, last, 1, shift);
    out[i] = -(z[first + labels[i]!]! - shift - logSum);
  }
  return out;
}

/** out[i, j] = g[i]·(softmax(z[i])[j] − [j = label[i]]): the adjoint of crossEntropyRows. */
export function crossEntropyGradRows(g: Float64Array, z: Float64Array, labels: Float64Array, classes: number): Float64Array {
  const out = allocForOverwrite(z.length); // every element is written
  for (let i = 0, first = 0; i < labels.length; i++, first += classes) {
    const last = first + classes;
    const shift = softmaxShift(z, first, last, 1);
    const logSum = shiftedLogSum(z, first, last, 1, shift);
    const target = first + labels[i]!;
    const scale = g[i]!;
    for (let at = first; at < last; at++) out[at] = scale * (Math.exp(z[at]! - shift - logSum) - (at === target ? 1 : 0));
  }
  return out;
}
