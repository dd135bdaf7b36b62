/**
 * Softmax cross-entropy against class indices, the classifier's loss, as one op (and its adjoint as
 * another) rather than a composite of log softmax, one-hot, product and sum: a training step pays
 * for two passes over the logits instead of a dozen ops.
 */
import { registerOp, type DifferentiableOp } from '../registry';
import { formatShape, sameShape, type Shape } from '../shape';
import { ShapeError } from '../errors';
import { requireIndicesBelow } from '../arguments';
import { crossEntropyGradRows, crossEntropyRows, type CrossEntropyReduction } from '../kernels/cross-entropy';
import { onesLike } from '../create';
import { add, div, mul, reshape, softmax, sub, sum } from '../functions';
import { softmaxCrossEntropyGrad } from '../rule-ops';
import type { Tensor } from '../tensor';

/** The shape of the labels (and of the losses) for logits of shape `logits`: all but the class axis. */
function batchShape(op: string, logits: Shape): Shape {
  if (logits.length === 0 || logits[logits.length - 1] === 0) {
    throw new ShapeError(`${op}: logits need a class axis (the last) of at least one class, got ${formatShape(logits)}`);
  }
  return logits.slice(0, -1);
}

function checkLabels(op: string, logits: Shape, labels: Shape): Shape {
  const batch = batchShape(op, logits);
  if (!sameShape(labels, batch)) {
    throw new ShapeError(`${op}: labels must be class indices of shape ${formatShape(batch)} for logits ${formatShape(logits)}, got ${formatShape(labels)}`);
  }
  return batch;
}

/** softmax(z) − onehot(labels) along the last axis: the gradient of each sample's loss (g = 1). */
function softmaxMinusOneHot(z: Tensor, labels: Tensor): Tensor {
  return softmaxCrossEntropyGrad(onesLike(labels), z, labels);
}

/** `g` with a trailing axis of 1, to scale each row of a [..., classes] tensor. */
const perRow = (g: Tensor): Tensor => reshape(g, [...g._shape, 1]);

const real = { min: -2, max: 2 };
const labelsOf = (classes: number) => ({ min: 0, max: classes - 1, integer: true });
/** Logit and label shapes the ops are checked at: a batch, a single sample, two batch axes, one class. */
const checkedShapes: [logits: Shape, labels: Shape][] = [[[3, 4], [3]], [[5], []], [[2, 3, 2], [2, 3]], [[2, 1], [2]]];
const classesOf = (logits: Shape): number => logits[logits.length - 1]!;

/** Attributes of softmaxCrossEntropy: how the samples' losses are combined. */
export interface CrossEntropyAttrs {
  readonly reduction: CrossEntropyReduction;
}

/**
 * loss[…] = −log softmax(z[…, :])[label[…]] = logSumExp(z[…, :]) − z[…, label]: one loss per sample,
 * for logits z of shape [..., classes] and integer labels of shape [...], or their mean or sum. The
 * adjoint is the δ of the course notes (docs/course-notes.md), softmax(z) − onehot(label), scaled
 * by each sample's cotangent (by ḡ/N for the mean); the tangent is its inner product with ż.
 */
export const softmaxCrossEntropyOp = registerOp<DifferentiableOp<CrossEntropyAttrs>>({
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

/**
 * out[…, j] = g[…]·(softmax(z[…, :])[j] − [j = label[…]]): the adjoint of softmaxCrossEntropy, in one
 * pass, for g of the labels' shape or a single g for every sample (a mean's or sum's cotangent). With p = softmax(z) and w = g·ū (ū the cotangent), its own adjoints are
 * ḡ = Σⱼ ūⱼ(pⱼ − [j = label]) and z̄ = p·(w − Σⱼ wⱼpⱼ), the softmax adjoint of w.
 */
export const softmaxCrossEntropyGradOp = registerOp<DifferentiableOp>({
  kind: 'differentiable',
  name: 'softmaxCrossEntropyGrad',
  arity: 3,
  nondiff: [2],
  shape: ([g, z, labels]) => {
    const batch = checkLabels('softmaxCrossEntropyGrad', z!, labels!);
    if (!sameShape(g!, batch) && g!.length !== 0) {
      throw new ShapeError(`softmaxCrossEntropyGrad: g must be a scalar or have the labels' shape ${formatShape(batch)}, got ${formatShape(g!)}`);
    }
    return z!;
  },
  forward: ([g, z, labels], [, sz]) => {
    const classes = sz![sz!.length - 1]!;
    requireIndicesBelow('softmaxCrossEntropyGrad', 'labels', labels!, classes);
    return crossEntropyGradRows(g!, z!, labels!, classes);
  },
  vjp: (u, [g, z, labels]) => {
    const gBar = g!.requiresGrad ? sum(mul(u, softmaxMinusOneHot(z!, labels!)), -1) : null;
    if (!z!.requiresGrad) return [gBar, null, null];
    const p = softmax(z!, -1);
    const w = mul(u, perRow(g!));
    return [gBar, mul(p, sub(w, sum(mul(w, p), -1, true))), null];
  },
  jvp: ([tg, tz], [g, z, labels]) => {
    const fromG = tg ? softmaxCrossEntropyGrad(tg, z!, labels!) : null;
    if (!tz) return fromG!;
    const p = softmax(z!, -1);
    const fromZ = mul(perRow(g!), mul(p, sub(tz, sum(mul(p, tz), -1, true))));
    return fromG ? add(fromG, fromZ) : fromZ;
  },
  domain: {
    inputs: [real, real, labelsOf(4)],
    cases: checkedShapes.flatMap(([logits, labels]) =>
      [labels, []].map((g) => ({ shapes: [g, logits, labels], attrs: undefined, domains: [real, real, labelsOf(classesOf(logits))] })),
    ),
    smooth: true,
  },
});
