/**
 * The adjoint of softmaxCrossEntropy as an op of its own (see rule-ops.ts), and what the two ops
 * share: the label-shape rule and the shapes they are checked at.
 */
import { registerOp, type DifferentiableOp } from '../../registry';
import { formatShape, sameShape, type Shape } from '../../shape';
import { ShapeError } from '../../errors';
import { requireIndicesBelow } from '../../arguments';
import { crossEntropyGradRows } from '../../kernels/cross-entropy';
import { onesLike, toIndexTensor, toTensor } from '../../create';
import { add, mul, reshape, softmax, sub, sum } from '../../functions';
import { apply } from '../../dispatch';
import type { Tensor, TensorLike } from '../../tensor';

/** The shape of the labels (and of the losses) for logits of shape `logits`: all but the class axis. */
function batchShape(op: string, logits: Shape): Shape {
  if (logits.length === 0 || logits[logits.length - 1] === 0) {
    throw new ShapeError(`${op}: logits need a class axis (the last) of at least one class, got ${formatShape(logits)}`);
  }
  return logits.slice(0, -1);
}

export function checkLabels(op: string, logits: Shape, labels: Shape): Shape {
  const batch = batchShape(op, logits);
  if (!sameShape(labels, batch)) {
    throw new ShapeError(`${op}: labels must be class indices of shape ${formatShape(batch)} for logits ${formatShape(logits)}, got ${formatShape(labels)}`);
  }
  return batch;
}

/** softmax(z) − onehot(labels) along the last axis: the gradient of each sample's loss (g = 1). */
export function softmaxMinusOneHot(z: Tensor, labels: Tensor): Tensor {
  return softmaxCrossEntropyGrad(onesLike(labels), z, labels);
}

/** `g` with a trailing axis of 1, to scale each row of a [..., classes] tensor. */
export const perRow = (g: Tensor): Tensor => reshape(g, [...g._shape, 1]);

export const real = { min: -2, max: 2 };
export const labelsOf = (classes: number) => ({ min: 0, max: classes - 1, integer: true });
/** Logit and label shapes the ops are checked at: a batch, a single sample, two batch axes, one class. */
export const checkedShapes: [logits: Shape, labels: Shape][] = [[[3, 4], [3]], [[5], []], [[2, 3, 2], [2, 3]], [[2, 1], [2]]];
export const classesOf = (logits: Shape): number => logits[logits.length - 1]!;

/**
 * out[…, j] = g[…]·(softmax(z[…, :])[j] − [j = label[…]]): the adjoint of softmaxCrossEntropy, in one
 * pass, for g of the labels' shape or a single g for every sample (a mean's or sum's cotangent). With p = softmax(z) and w = g·ū (ū the cotangent), its own adjoints are
 * ḡ = Σⱼ ūⱼ(pⱼ − [j = label]) and z̄ = p·(w − Σⱼ wⱼpⱼ), the softmax adjoint of w.
 */
const softmaxCrossEntropyGradOp = registerOp<DifferentiableOp>({
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

/**
 * g·(softmax(z) − onehot(labels)) along the last axis, for g of the labels' shape or a scalar:
 * softmaxCrossEntropy's adjoint in one pass.
 */
export const softmaxCrossEntropyGrad = (g: TensorLike, z: TensorLike, labels: Tensor | readonly number[]): Tensor =>
  apply(
    softmaxCrossEntropyGradOp,
    [toTensor(g, 'softmaxCrossEntropyGrad'), toTensor(z, 'softmaxCrossEntropyGrad'), toIndexTensor('softmaxCrossEntropyGrad', labels)],
    undefined,
  );
