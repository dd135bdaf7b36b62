/** Reductions over any axes, with keepDims: sum, max, min, logSumExp, norm. */
import { registerOp, type DifferentiableOp, type OpCase } from '../registry';
import { formatShape, normalizeAxes, normalizeAxis, reducedShape, type Shape } from '../shape';
import { ValueError } from '../errors';
import { extremeAxes, logSoftmaxAxis, logSumExpAxes, sumAxes } from '../kernels/reduce';
import type { Tensor } from '../tensor';
import { broadcastTo, div, equal, exp, mul, reshape, sub, sum, where } from '../functions';

/** Attributes of a reduction: the axes (undefined: all) and whether reduced axes stay as size 1. */
export interface ReduceAttrs {
  readonly axis: number | readonly number[] | undefined;
  readonly keepDims: boolean;
}

const reduceCases: OpCase<ReduceAttrs>[] = [
  { shapes: [[]], attrs: { axis: undefined, keepDims: false } },
  { shapes: [[5]], attrs: { axis: undefined, keepDims: false } },
  { shapes: [[5]], attrs: { axis: 0, keepDims: true } },
  { shapes: [[2, 3]], attrs: { axis: 0, keepDims: false } },
  { shapes: [[2, 3]], attrs: { axis: -1, keepDims: true } },
  { shapes: [[2, 3]], attrs: { axis: [0, 1], keepDims: false } },
  { shapes: [[2, 3, 4]], attrs: { axis: [0, 2], keepDims: true } },
  { shapes: [[2, 3, 4]], attrs: { axis: 1, keepDims: false } },
];

/** `t` (a reduced result) reshaped so that it broadcasts against the input: reduced axes as 1. */
function expandReduced(t: Tensor, inputShape: Shape, name: string, attrs: ReduceAttrs): Tensor {
  return reshape(t, reducedShape(inputShape, normalizeAxes(name, attrs.axis, inputShape.length), true));
}

function reduction(spec: {
  name: string;
  kernel: (x: Float64Array, shape: Shape, axes: readonly number[]) => Float64Array;
  /** The weight w with ∂out/∂x = w (broadcast against x): vjp = expand(g)·w, jvp = reduce(ṫ·w). */
  weight: ((x: Tensor, outExpanded: Tensor) => Tensor) | null;
  smooth: boolean;
  domainMin?: number;
  /** Reducing an empty axis has no answer (max, min), unlike sum's 0. */
  needsElements?: boolean;
}): DifferentiableOp<ReduceAttrs> {
  const { name, weight } = spec;
  return registerOp<DifferentiableOp<ReduceAttrs>>({
    kind: 'differentiable',
    name,
    arity: 1,
    shape: ([s], attrs) => {
      const axes = normalizeAxes(name, attrs.axis, s!.length);
      if (spec.needsElements && axes.some((a) => s![a] === 0)) {
        throw new ValueError(`${name}: cannot reduce an empty axis (it has no ${name === 'max' ? 'maximum' : 'minimum'}), got shape ${formatShape(s!)}`);
      }
      return reducedShape(s!, axes, attrs.keepDims);
    },
    forward: ([x], [s], _o, attrs) => spec.kernel(x!, s!, normalizeAxes(name, attrs.axis, s!.length)),
    vjp: (g, [x], out, attrs) => {
      const gExpanded = broadcastTo(expandReduced(g, x!._shape, name, attrs), x!._shape);
      return [weight ? mul(gExpanded, weight(x!, expandReduced(out, x!._shape, name, attrs))) : gExpanded];
    },
    jvp: ([t], [x], out, attrs) =>
      sum(weight ? mul(t!, weight(x!, expandReduced(out, x!._shape, name, attrs))) : t!, attrs.axis, attrs.keepDims),
    domain: { inputs: [{ min: spec.domainMin ?? -2, max: 2 }], cases: reduceCases, smooth: spec.smooth },
  });
}

/** Σ over axes: the adjoint is the cotangent broadcast back over the reduced axes. */
export const sumOp = reduction({ name: 'sum', kernel: sumAxes, weight: null, smooth: true });

/** The elements equal to the extreme get the derivative, shared equally on ties. */
function extremeWeight(x: Tensor, outExpanded: Tensor): Tensor {
  const mask = equal(x, outExpanded);
  const reducedAxes = x._shape.flatMap((d, i) => (outExpanded._shape[i] === 1 && d !== 1 ? [i] : []));
  return div(mask, sum(mask, reducedAxes, true));
}

/** Max over axes (NaN propagates); d/dx is 1 at the maximum (shared on ties), 0 elsewhere. */
export const maxOp = reduction({ name: 'max', kernel: (x, s, a) => extremeAxes(x, s, a, 1), weight: extremeWeight, smooth: false, needsElements: true });

/** Min over axes; d/dx is 1 at the minimum (shared on ties), 0 elsewhere. */
export const minOp = reduction({ name: 'min', kernel: (x, s, a) => extremeAxes(x, s, a, -1), weight: extremeWeight, smooth: false, needsElements: true });

/** log Σ exp x over axes, stable for large |x|; d/dx = softmax(x) = exp(x − out). */
export const logSumExpOp = reduction({
  name: 'logSumExp',
  kernel: logSumExpAxes,
  weight: (x, outExpanded) => exp(sub(x, outExpanded)),
  smooth: true,
});

/** Euclidean (Frobenius) norm over axes; d/dx = x / ‖x‖, taken as 0 where ‖x‖ = 0. */
export const normOp = reduction({
  name: 'norm',
  kernel: (x, s, a) => sumAxes(x.map((v) => v * v), s, a).map(Math.sqrt),
  weight: (x, outExpanded) => div(x, where(equal(outExpanded, 0), 1, outExpanded)),
  smooth: true,
  domainMin: 0.2,
});

/**
 * log softmax along one axis: y = x − logSumExp(x), computed stably (see logSoftmaxAxis). With
 * s = eʸ the softmax, the adjoint is x̄ = ȳ − s·Σȳ and the tangent ẏ = ẋ − Σ s·ẋ (sums along the
 * axis). One op rather than a composite of seven, so a cross-entropy costs a few passes, not dozens.
 */
export const logSoftmaxOp = registerOp<DifferentiableOp<{ axis: number }>>({
  kind: 'differentiable',
  name: 'logSoftmax',
  arity: 1,
  shape: ([s], { axis }) => {
    if (s!.length === 0) throw new ValueError('logSoftmax: needs at least one axis, got a scalar');
    normalizeAxis('logSoftmax', axis, s!.length);
    return s!;
  },
  forward: ([x], [s], _o, { axis }) => logSoftmaxAxis(x!, s!, normalizeAxis('logSoftmax', axis, s!.length)),
  vjp: (g, _inputs, out, { axis }) => [sub(g, mul(exp(out), sum(g, axis, true)))],
  jvp: ([t], _inputs, out, { axis }) => sub(t!, sum(mul(exp(out), t!), axis, true)),
  domain: {
    inputs: [{ min: -2, max: 2 }],
    cases: [
      { shapes: [[5]], attrs: { axis: 0 } },
      { shapes: [[2, 3]], attrs: { axis: -1 } },
      { shapes: [[2, 3]], attrs: { axis: 0 } },
      { shapes: [[2, 3, 4]], attrs: { axis: 1 } },
    ],
    smooth: true,
  },
});
