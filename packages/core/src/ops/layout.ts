/** Ops that move data without arithmetic: identity, reshape, broadcastTo, slice/pad, concat. */
import { registerOp, type DifferentiableOp } from '../registry';
import { boxExtent, broadcastShapes, broadcastStrides, checkShape, describeValue, formatShape, normalizeAxes, normalizeAxis, requireShape, sameShape, shapeSize, type Shape } from '../shape';
import { ShapeError, ValueError } from '../errors';
import { stridedRead, sliceData, padData, concatData } from '../kernels/layout';

import { zeros } from '../create';
import type { Tensor } from '../tensor';
import { apply } from '../dispatch';
import { toTensor } from '../create';
import { ownCopy } from '../arguments';

const anyReal = { min: -2, max: 2 };

/** A copy of the input; used to give function arguments their own graph node. */
const identityOp = registerOp<DifferentiableOp>({
  kind: 'differentiable',
  name: 'identity',
  arity: 1,
  shape: ([s]) => s!,
  forward: ([x]) => x!.slice(),
  vjp: (g) => [g],
  jvp: ([t]) => t!,
  domain: { inputs: [anyReal], cases: [{ shapes: [[2, 3]], attrs: undefined }, { shapes: [[3, 4]], attrs: undefined }], smooth: true },
});

/** Resolves one -1 in a target shape and checks the element count, the rank and each dimension. */
function resolveReshape(from: Shape, to: readonly number[]): Shape {
  if (!Array.isArray(to)) throw new ValueError(`reshape: the target shape must be an array of integers, got ${describeValue(to)}`);
  // Array.from, not filter: a hole in a sparse array must be refused, not skipped.
  const known = Array.from(to).filter((d) => d !== -1);
  const unknown = to.length - known.length;
  if (unknown > 1 || known.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ValueError(`reshape: target shape must hold non-negative integers and at most one -1, got ${describeValue(to)}`);
  }
  const size = shapeSize(from);
  const knownSize = shapeSize(known);
  if (unknown === 1) {
    if (knownSize === 0 || size % knownSize !== 0) {
      throw new ShapeError(`reshape: cannot infer -1 when reshaping ${formatShape(from)} (${size} elements) to ${formatShape(to)}`);
    }
    return checkShape('reshape', to.map((d) => (d === -1 ? size / knownSize : d)));
  }
  requireShape(knownSize === size, 'reshape', `the element count must stay ${size}`, [from, to]);
  return checkShape('reshape', [...to]); // the rank, and each dimension of an empty result
}

/** Same data, new shape (no copy). Adjoint: reshape back. */
const reshapeOp = registerOp<DifferentiableOp<{ shape: readonly number[] }>>({
  kind: 'differentiable',
  name: 'reshape',
  arity: 1,
  shape: ([s], { shape }) => resolveReshape(s!, shape),
  forward: ([x]) => x!,
  vjp: (g, [x]) => [reshape(g, x!._shape)],
  jvp: ([t], _inputs, out) => reshape(t!, out._shape),
  domain: {
    inputs: [anyReal],
    cases: [
      { shapes: [[2, 3]], attrs: { shape: [3, 2] } },
      { shapes: [[3, 4]], attrs: { shape: [2, 6] } },
      { shapes: [[6]], attrs: { shape: [2, -1] } },
      { shapes: [[]], attrs: { shape: [1, 1] } },
    ],
    smooth: true,
  },
});

/** Repeats along broadcast axes (NumPy rules). Adjoint: sum over them, done by the graph. */
const broadcastToOp = registerOp<DifferentiableOp<{ shape: readonly number[] }>>({
  kind: 'differentiable',
  name: 'broadcastTo',
  arity: 1,
  shape: ([s], { shape }) => {
    const target = [...checkShape('broadcastTo', shape)];
    const ok = sameShape(broadcastShapes('broadcastTo', s!, target), target);
    requireShape(ok, 'broadcastTo', 'the input must broadcast to the target shape', [s!, target]);
    return target;
  },
  forward: ([x], [s], outShape) => stridedRead(x!, outShape, broadcastStrides(s!, outShape), 0),
  vjp: (g) => [g],
  jvp: ([t], _inputs, out) => broadcastTo(t!, out._shape),
  domain: {
    inputs: [anyReal],
    cases: [
      { shapes: [[3]], attrs: { shape: [2, 3] } },
      { shapes: [[1, 4]], attrs: { shape: [3, 4] } },
      { shapes: [[2, 1]], attrs: { shape: [2, 4] } },
      { shapes: [[]], attrs: { shape: [3] } },
    ],
    smooth: true,
  },
});

/** Attributes of slice and pad: where the box starts and (for slice) how big it is. */
interface BoxAttrs {
  readonly begin: readonly number[];
  readonly size: readonly number[];
}

/** The box `begin … begin + size`. Adjoint: pad the cotangent back with zeros. */
const sliceOp = registerOp<DifferentiableOp<BoxAttrs>>({
  kind: 'differentiable',
  name: 'slice',
  arity: 1,
  shape: ([s], { begin, size }) => boxExtent(s!, begin, size, 'slice'),
  forward: ([x], [s], outShape, { begin }) => sliceData(x!, s!, begin, outShape),
  vjp: (g, [x], _out, { begin }) => [pad(g, begin, x!._shape)],
  cotangentBox: ({ begin }) => begin,
  jvp: ([t], _inputs, out, { begin }) => slice(t!, begin, out._shape),
  domain: {
    inputs: [anyReal],
    cases: [
      { shapes: [[5]], attrs: { begin: [1], size: [3] } },
      { shapes: [[3, 4]], attrs: { begin: [1, 0], size: [2, -1] } },
    ],
    smooth: true,
  },
});

/** Zeros of shape `size` with the input written at `begin`. Adjoint: slice the box back out. */
const padOp = registerOp<DifferentiableOp<BoxAttrs>>({
  kind: 'differentiable',
  name: 'pad',
  arity: 1,
  shape: ([s], { begin, size }) => {
    boxExtent(checkShape('pad', size), begin, s!, 'pad');
    return [...size];
  },
  forward: ([x], [s], outShape, { begin }) => padData(x!, s!, outShape, begin),
  vjp: (g, [x], _out, { begin }) => [slice(g, begin, x!._shape)],
  jvp: ([t], _inputs, out, { begin }) => pad(t!, begin, out._shape),
  domain: {
    inputs: [anyReal],
    cases: [{ shapes: [[2, 2]], attrs: { begin: [1, 0], size: [4, 3] } }],
    smooth: true,
  },
});

function concatShape(shapes: readonly Shape[], axisArg: number): Shape {
  if (shapes.length === 0) throw new ValueError('concat: needs at least one tensor');
  const first = shapes[0]!;
  if (first.length === 0) throw new ShapeError('concat: cannot join scalars (use stack)');
  const axis = normalizeAxis('concat', axisArg, first.length);
  let total = 0;
  for (const s of shapes) {
    const fits = s.length === first.length && s.every((d, i) => i === axis || d === first[i]);
    requireShape(fits, 'concat', `all shapes must match except on axis ${axisArg}`, [first, s]);
    total += s[axis]!;
  }
  return first.map((d, i) => (i === axis ? total : d));
}

/** Joins tensors along an existing axis. Adjoint: the matching slices of the cotangent. */
const concatOp = registerOp<DifferentiableOp<{ axis: number }>>({
  kind: 'differentiable',
  name: 'concat',
  arity: -1,
  shape: (shapes, { axis }) => concatShape(shapes, axis),
  forward: (xs, shapes, outShape, { axis }) => concatData(xs, shapes, normalizeAxis('concat', axis, outShape.length), outShape),
  vjp: (g, inputs, _out, { axis }) => {
    const a = normalizeAxis('concat', axis, g.rank);
    let start = 0;
    return inputs.map((x) => {
      const begin = g._shape.map((_, d) => (d === a ? start : 0));
      start += x._shape[a]!;
      return slice(g, begin, x._shape);
    });
  },
  jvp: (tangents, inputs, _out, { axis }) => concat(tangents.map((t, i) => t ?? zeros(inputs[i]!._shape)), axis),
  domain: {
    inputs: [anyReal, anyReal, anyReal],
    cases: [
      { shapes: [[2], [3]], attrs: { axis: 0 } },
      { shapes: [[2, 3], [2, 1], [2, 2]], attrs: { axis: 1 } },
      { shapes: [[1, 3], [2, 3]], attrs: { axis: -2 } },
    ],
    smooth: true,
  },
});

// ── Shape ───────────────────────────────────────────────────────────────────────────────────────
/** Same elements, new shape (one entry may be -1). */
export const reshape = (x: Tensor, shape: readonly number[]): Tensor => apply(reshapeOp, [toTensor(x, 'reshape')], { shape });
/** The elements as a vector. */
export const flatten = (x: Tensor): Tensor => reshape(toTensor(x, 'flatten'), [-1]);
/** Inserts a size-1 axis at `axis` (negative counts from the end of the result). */
export function expandDims(xArg: Tensor, axis: number): Tensor {
  const x = toTensor(xArg, 'expandDims');
  const a = normalizeAxis('expandDims', axis, x.rank + 1);
  return reshape(x, [...x._shape.slice(0, a), 1, ...x._shape.slice(a)]);
}
/** Removes size-1 axes (all of them, or those listed, which must have size 1). */
export function squeeze(xArg: Tensor, axis?: number | readonly number[]): Tensor {
  const x = toTensor(xArg, 'squeeze');
  const axes = axis === undefined || axis === null ? x._shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axis, x.rank);
  for (const a of axes) {
    if (x._shape[a] !== 1) throw new ValueError(`squeeze: axis ${a} of ${formatShape(x._shape)} has size ${x._shape[a]}, not 1`);
  }
  return reshape(x, x._shape.filter((_, i) => !axes.includes(i)));
}
/** Repeats along broadcast axes to reach `shape` (NumPy rules). */
export const broadcastTo = (x: Tensor, shape: readonly number[]): Tensor => apply(broadcastToOp, [toTensor(x, 'broadcastTo')], { shape });
/**
 * The box starting at `begin` of extent `size` (-1: to the end; default: everything after begin),
 * one entry per axis, as TensorFlow's `slice`: `begin` counts from 0, so NumPy's `x[-2:]` is
 * `slice(x, [n - 2])`, and a box reaching outside `x` is a ValueError rather than cut short. A copy:
 * writing the result (assign) leaves `x` as it was.
 */
export function slice(xArg: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  const x = toTensor(xArg, 'slice');
  return apply(sliceOp, [x], { begin: ownCopy(begin), size: size === undefined ? x._shape.map(() => -1) : ownCopy(size) });
}
/** Zeros of `shape` with `x` written at `begin`: the adjoint of slice. */
export const pad = (x: Tensor, begin: readonly number[], shape: readonly number[]): Tensor =>
  apply(padOp, [toTensor(x, 'pad')], { begin: ownCopy(begin), size: ownCopy(shape) });

/**
 * Cuts `x` along `axis` into pieces, as NumPy's `split`: `sections` a whole number N cuts it into N
 * equal pieces (N from 1 to the axis's size, dividing it; so `split(x, 2)` is two halves, not
 * PyTorch's pieces of size 2); a list of indices cuts it just before each of them, so `[2, 5]`
 * gives the parts before 2, from 2 to 5, and from 5 on. Unlike NumPy, the indices must run upward
 * from 0 to the axis's size (a piece may be empty, none may run backwards).
 * Each piece is a `slice` of `x`, differentiable as slices are; `concat(split(x, s, a), a)` is `x`.
 * On the way back, each piece's gradient is added into its own part of `x`'s gradient, so the
 * backward pass costs about `x`'s size however many pieces there are.
 */
export function split(xArg: Tensor, sections: number | readonly number[], axis = 0): Tensor[] {
  const x = toTensor(xArg, 'split');
  if (x.rank === 0) throw new ShapeError('split: a scalar cannot be split, got shape []');
  const a = normalizeAxis('split', axis, x.rank);
  const size = x._shape[a]!;
  let cuts: number[];
  if (typeof sections === 'number') {
    if (!(Number.isInteger(sections) && sections >= 1 && sections <= Math.max(size, 1) && size % sections === 0)) {
      throw new ValueError(`split: sections must be a whole number from 1 to axis ${a}'s size ${size}, dividing it, got ${describeValue(sections)}`);
    }
    cuts = Array.from({ length: sections - 1 }, (_, i) => ((i + 1) * size) / sections);
  } else {
    // An index loop, not every(): a sparse array's holes must be refused, not skipped.
    let ok = Array.isArray(sections);
    for (let i = 0; ok && i < sections.length; i++) {
      const c = sections[i];
      ok = Number.isInteger(c) && c! >= (i === 0 ? 0 : sections[i - 1]!) && c! <= size;
    }
    if (!ok) throw new ValueError(`split: indices must be whole numbers running upward from 0 to axis ${a}'s size ${size}, got ${describeValue(sections)}`);
    cuts = Array.from(sections, (c) => c + 0); // + 0: −0 becomes 0
  }
  const bounds = [0, ...cuts, size];
  return bounds.slice(1).map((end, i) => slice(x, x._shape.map((_, d) => (d === a ? bounds[i]! : 0)), x._shape.map((n, d) => (d === a ? end - bounds[i]! : n))));
}
/** Joins tensors along an existing axis (negative counts from the end), as NumPy's `concatenate`. */
export function concat(list: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(list) || list.length === 0) throw new ValueError('concat: needs a non-empty list of tensors');
  // Array.from, not map: a hole in a sparse list is refused by toTensor, not passed on.
  return apply(concatOp, Array.from(list, (t) => toTensor(t, 'concat')), { axis });
}
/** Joins tensors of one shape along a new axis (from −(rank + 1) to rank), as NumPy's `stack`. */
export function stack(list: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(list) || list.length === 0) throw new ValueError('stack: needs a non-empty list of tensors');
  list = Array.from(list, (t) => toTensor(t, 'stack'));
  const first = list[0]!._shape;
  for (const t of list) {
    if (t.rank !== first.length || t._shape.some((d: number, i: number) => d !== first[i])) {
      throw new ShapeError(`stack: all tensors need the same shape, got ${formatShape(first)} and ${formatShape(t._shape)}`);
    }
  }
  const a = normalizeAxis('stack', axis, first.length + 1);
  return concat(list.map((t) => expandDims(t, a)), a);
}


/**
 * A differentiable copy: the same values in new data, recorded as an op of its own, so gradients
 * flow through it (unlike `clone()`, which copies without a node). The transforms use it to give
 * each argument a node of its own.
 */
export const identity = (x: Tensor): Tensor => apply(identityOp, [toTensor(x, 'identity')], undefined);
