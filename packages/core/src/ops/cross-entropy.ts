/**
 * Softmax cross-entropy against class indices, the classifier's loss, as one op (and its adjoint as
 * another) rather than a composite of log softmax, one-hot, product and sum: a training step pays
 * for two passes over the logits instead of a dozen ops.
 */
import { registerOp, type DifferentiableOp } from '../registry';
import { requireIndicesBelow, requireChoice, requireOptions } from '../arguments';
import { crossEntropyRows, type CrossEntropyReduction } from '../kernels/cross-entropy';
import { div, mul, sum } from '../functions';
import { softmaxCrossEntropyGrad } from '../rule-ops';
import type { Tensor, TensorLike } from '../tensor';
import { apply } from '../dispatch';
import { toIndexTensor, toTensor } from '../create';
import { checkLabels, checkedShapes, classesOf, labelsOf, real, softmaxMinusOneHot } from './rules/cross-entropy-grad';


/** Attributes of softmaxCrossEntropy: how the samples' losses are combined. */
interface CrossEntropyAttrs {
  readonly reduction: CrossEntropyReduction;
}

/**
 * loss[…] = −log softmax(z[…, :])[label[…]] = logSumExp(z[…, :]) − z[…, label]: one loss per sample,
 * for logits z of shape [..., classes] and integer labels of shape [...], or their mean or sum. The
 * adjoint is the δ of the course notes (docs/course-notes.md), softmax(z) − onehot(label), scaled
 * by each sample's cotangent (by ḡ/N for the mean); the tangent is its inner product with ż.
 */
const softmaxCrossEntropyOp = registerOp<DifferentiableOp<CrossEntropyAttrs>>({
  kind: 'differentiable',
  name: 'softmaxCrossEntropy',
  arity: 2,
  nondiff: [1],
  shape: ([z, labels], { reduction }) => {
    const batch = checkLabels('softmaxCrossEntropy', z!, labels!);
    return reduction === 'none' ? batch : [];
  },
  forward: ([z, labels], [sz], _out, { reduction }) => {
    const classes = sz![sz!.length - 1]!;
    requireIndicesBelow('softmaxCrossEntropy', 'labels', labels!, classes);
    return crossEntropyRows(z!, labels!, classes, reduction);
  },
  vjp: (g, [z, labels], _out, { reduction }) => [softmaxCrossEntropyGrad(reduction === 'mean' ? div(g, labels!.size) : g, z!, labels!), null],
  jvp: ([tz], [z, labels], _out, { reduction }) => {
    const perSample = sum(mul(softmaxMinusOneHot(z!, labels!), tz!), -1);
    return reduction === 'none' ? perSample : reduction === 'sum' ? sum(perSample) : div(sum(perSample), labels!.size);
  },
  domain: {
    inputs: [real, labelsOf(4)],
    cases: (['none', 'mean', 'sum'] as const).flatMap((reduction) =>
      checkedShapes.map(([logits, labels]) => ({ shapes: [logits, labels], attrs: { reduction }, domains: [real, labelsOf(classesOf(logits))] })),
    ),
    smooth: true,
  },
});

/** Options of {@link softmaxCrossEntropy}. */
export interface SoftmaxCrossEntropyOptions {
  /** 'none' (the default): one loss per sample; 'mean' or 'sum': their mean or sum, a scalar. */
  reduction?: 'none' | 'mean' | 'sum';
}
/**
 * −log softmax(logits)[label] = logSumExp(logits) − logits[label], per sample: the cross-entropy of
 * logits of shape [..., classes] against integer class indices of shape [...], one loss per sample
 * or (with `reduction`) their mean or sum. One op, and its adjoint, softmax(logits) − onehot(labels)
 * scaled by each sample's cotangent, is another: nn's crossEntropy is this with 'mean'.
 *
 * @example
 * const loss = softmaxCrossEntropy(logits, [2, 0, 1], { reduction: 'mean' }); // logits of shape [3, classes]
 */
export function softmaxCrossEntropy(logits: TensorLike, labels: Tensor | readonly number[], options?: SoftmaxCrossEntropyOptions): Tensor {
  const { reduction = 'none' } = requireOptions('softmaxCrossEntropy', options);
  requireChoice('softmaxCrossEntropy', 'reduction', reduction, ['none', 'mean', 'sum'] as const);
  const inputs = [toTensor(logits, 'softmaxCrossEntropy'), toIndexTensor('softmaxCrossEntropy', labels)];
  return apply(softmaxCrossEntropyOp, inputs, { reduction });
}

