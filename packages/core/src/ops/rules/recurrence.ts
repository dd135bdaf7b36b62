/**
 * The first-order linear recurrence h[k] = a[k]·h[k − 1] + b[k] along an axis, as an op of its own
 * (see rule-ops.ts): prod's rules are written with it. Its adjoint is the same recurrence run the
 * other way, and its tangent the same recurrence with another right-hand side, so every rule of it
 * is written with it again and derivatives of any order need nothing more:
 *
 *   h = rec(a, b)      λ = rec←(a shifted one step back, h̄),  b̄ = λ,  ā[k] = λ[k]·h[k − 1]
 *                      ḣ = rec(a, ȧ·h[k − 1] + ḃ)
 *
 * (rec← the recurrence from the other end). Every output is a polynomial in the inputs with no
 * division, so these rules hold at zeros too, where prod's out/x would divide by zero.
 */
import { registerOp, type DifferentiableOp } from '../../registry';
import { ShapeError, ValueError } from '../../errors';
import { describeValue, formatShape, normalizeAxis, sameShape } from '../../shape';
import { linearRecurrenceAxis } from '../../kernels/reduce';
import { apply } from '../../dispatch';
import { toTensor, ones, zeros } from '../../create';
import { add, mul, pad, reshape, slice, transpose } from '../../functions';
import { anyReal } from '../elementwise';
import type { Tensor } from '../../tensor';

/** The recurrence's attributes: the axis it runs along, and whether it runs from the last element. */
interface RecurrenceAttrs {
  readonly axis: number;
  readonly reverse: boolean;
}

/** `t` moved one step along `axis`, towards the end (`by` = 1) or the start (−1), with a 0 let in. */
export function shiftAlong(t: Tensor, axisArg: number, by: 1 | -1): Tensor {
  const shape = t._shape;
  const axis = axisArg < 0 ? axisArg + shape.length : axisArg;
  const n = shape[axis]!;
  if (n === 0) return t;
  const size = shape.map((d, i) => (i === axis ? n - 1 : d));
  const from = shape.map((_, i) => (i === axis && by === -1 ? 1 : 0));
  const to = shape.map((_, i) => (i === axis && by === 1 ? 1 : 0));
  return pad(slice(t, from, size), to, shape);
}

/**
 * A constant of `shape` that is 1 at index `k` of `axis` and 0 elsewhere (axis and k counted from
 * the end when negative); all 0 when the axis is empty.
 */
export function unitAlong(shape: readonly number[], axisArg: number, k: number): Tensor {
  const axis = axisArg < 0 ? axisArg + shape.length : axisArg;
  const n = shape[axis]!;
  if (n === 0) return zeros(shape);
  return pad(ones(shape.map((d, i) => (i === axis ? 1 : d))), shape.map((_, i) => (i === axis ? (k < 0 ? k + n : k) : 0)), shape);
}

/** h[k − 1] (forward) or h[k + 1] (reverse) at every k, 0 where there is none. */
const previous = (h: Tensor, { axis, reverse }: RecurrenceAttrs): Tensor => shiftAlong(h, axis, reverse ? -1 : 1);

const linearRecurrenceOp = registerOp<DifferentiableOp<RecurrenceAttrs>>({
  kind: 'differentiable',
  name: 'linearRecurrence',
  arity: 2,
  shape: ([a, b], { axis, reverse }) => {
    if (!sameShape(a!, b!)) throw new ShapeError(`linearRecurrence: a and b need the same shape, got ${formatShape(a!)} and ${formatShape(b!)}`);
    if (a!.length === 0) throw new ValueError('linearRecurrence: needs at least one axis, got scalars');
    normalizeAxis('linearRecurrence', axis, a!.length);
    if (typeof reverse !== 'boolean') throw new ValueError(`linearRecurrence: reverse must be true or false, got ${describeValue(reverse)}`);
    return a!;
  },
  forward: ([a, b], [s], _o, { axis, reverse }) => linearRecurrenceAxis(a!, b!, s!, normalizeAxis('linearRecurrence', axis, s!.length), reverse),
  vjp: (g, [a], h, attrs) => {
    const { axis, reverse } = attrs;
    // λ[k] = h̄[k] + a[k + 1]·λ[k + 1] (forward): the recurrence from the other end, a shifted back.
    const lambda = linearRecurrence(shiftAlong(a!, axis, reverse ? 1 : -1), g, axis, !reverse);
    return [a!.requiresGrad ? mul(lambda, previous(h, attrs)) : null, lambda];
  },
  jvp: ([ta, tb], [a], h, attrs) => {
    const fromA = ta ? mul(ta, previous(h, attrs)) : null;
    const drive = fromA && tb ? add(fromA, tb) : (fromA ?? tb)!;
    return linearRecurrence(a!, drive, attrs.axis, attrs.reverse);
  },
  domain: {
    inputs: [anyReal, anyReal],
    cases: [
      { shapes: [[5], [5]], attrs: { axis: 0, reverse: false } },
      { shapes: [[5], [5]], attrs: { axis: 0, reverse: true } },
      { shapes: [[2, 3], [2, 3]], attrs: { axis: 1, reverse: false } },
      { shapes: [[2, 3], [2, 3]], attrs: { axis: 0, reverse: true } },
      { shapes: [[3, 4], [3, 4]], attrs: { axis: -1, reverse: true } },
      { shapes: [[2, 3, 2], [2, 3, 2]], attrs: { axis: 1, reverse: false } },
    ],
    smooth: true,
  },
  print: ([a, b], { axis, reverse }) => `linearRecurrence(${a}, ${b}, axis ${axis}${reverse ? ', reversed' : ''})`,
});

/**
 * h[k] = a[k]·h[k − 1] + b[k] along `axis`, h[0] = b[0]; with `reverse`, h[k] = a[k]·h[k + 1] + b[k]
 * from h[n − 1] = b[n − 1]. a and b have one shape.
 */
export function linearRecurrence(a: Tensor, b: Tensor, axis: number, reverse = false): Tensor {
  return apply(linearRecurrenceOp, [toTensor(a, 'linearRecurrence'), toTensor(b, 'linearRecurrence')], { axis, reverse });
}

/**
 * ∏ⱼ≠ᵢ xⱼ for every element i, the product of the others in its group along `axes` (sorted, unique,
 * non-negative): prod's derivative. The product of the elements before i times that of those after
 * it, each a linear recurrence, so there is no division: right with one zero in a group (the zero's
 * entry is the product of the rest, the others' 0), with several (all 0), and where the whole
 * product underflows to 0 but the product of the others does not. Differentiable to any order,
 * zeros included, through {@link linearRecurrence}'s rules.
 */
export function exclusiveProducts(x: Tensor, axes: readonly number[]): Tensor {
  const shape = x._shape;
  if (axes.length === 0) return ones(shape); // each group is one element: the empty product
  if (shape.some((d) => d === 0)) return zeros(shape);
  if (axes.length === 1) return exclusiveAlong(x, axes[0]!);
  // Several axes: move them last, as one axis, and back again.
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...kept, ...axes];
  const moved = transpose(x, perm);
  const n = axes.reduce((p, a) => p * shape[a]!, 1);
  const flat = reshape(moved, [...kept.map((i) => shape[i]!), n]);
  const back = reshape(exclusiveAlong(flat, kept.length), moved._shape);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return transpose(back, inverse);
}

/** {@link exclusiveProducts} along one axis: ∏ⱼ<ᵢ xⱼ · ∏ⱼ>ᵢ xⱼ. */
function exclusiveAlong(x: Tensor, axis: number): Tensor {
  const before = linearRecurrence(shiftAlong(x, axis, 1), unitAlong(x._shape, axis, 0), axis, false);
  const after = linearRecurrence(shiftAlong(x, axis, -1), unitAlong(x._shape, axis, -1), axis, true);
  return mul(before, after);
}
