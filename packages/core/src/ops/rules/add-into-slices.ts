/**
 * x with each y_i added into its box at `begins[i]`, in order: x + Σ pad(y_i, begins[i], x's shape)
 * in one pass, without the zeros (see rule-ops.ts). It is how a backward pass adds slices'
 * cotangents to an adjoint that already holds something (Adjoints.addBox): at once for all the
 * pieces cut from one tensor when the pass is recorded, so that k pieces cost one copy of the
 * whole, not k. The elements outside the boxes stay x's own, untouched rather than added to zero
 * (which would turn −0 into 0), so the plain pass, the pass that reuses memory and a recorded pass
 * all give the same bits.
 */
import { registerOp, type DifferentiableOp } from '../../registry';
import { describeValue, formatShape, type Shape } from '../../shape';
import { ShapeError } from '../../errors';
import { apply } from '../../dispatch';
import { toTensor } from '../../create';
import { allocForOverwrite } from '../../kernels/alloc';
import { addIntoBox } from '../../kernels/layout';
import { pad, slice } from '../layout';
import { anyReal } from '../elementwise';
import type { Tensor } from '../../tensor';

/** Where each y_i goes: one begin per y. */
interface SlicesAttrs {
  readonly begins: readonly (readonly number[])[];
}

/** Whether a y of shape `sy` fits inside an x of shape `sx` at `begin`. */
const fitsAt = (sx: Shape, sy: Shape, begin: unknown): boolean =>
  Array.isArray(begin) && begin.length === sx.length && sy.length === sx.length &&
  sy.every((d, i) => Number.isInteger(begin[i]) && begin[i]! >= 0 && begin[i]! + d <= sx[i]!);

const addIntoSlicesOp = registerOp<DifferentiableOp<SlicesAttrs>>({
  kind: 'differentiable',
  name: 'addIntoSlices',
  arity: -1,
  shape: ([sx, ...sys], { begins }) => {
    if (!Array.isArray(begins) || begins.length !== sys.length) {
      throw new ShapeError(`addIntoSlices: needs one begin per y, got ${describeValue(begins)} for ${sys.length}`);
    }
    sys.forEach((sy, i) => {
      if (!fitsAt(sx!, sy, begins[i])) throw new ShapeError(`addIntoSlices: y must fit inside x at begin ${describeValue(begins[i])}, got ${formatShape(sx!)} and ${formatShape(sy)}`);
    });
    return sx!;
  },
  forward: ([x, ...ys], [sx, ...sys], _out, { begins }) => {
    const out = allocForOverwrite(x!.length);
    out.set(x!);
    ys.forEach((y, i) => addIntoBox(out, sx!, y, sys[i]!, begins[i]!));
    return out;
  },
  vjp: (g, [, ...ys], _out, { begins }) => [g, ...ys.map((y, i) => slice(g, begins[i]!, y._shape))],
  jvp: ([tx, ...tys], [x], _out, { begins }) => {
    const given = tys.flatMap((t, i) => (t === null ? [] : [[t, begins[i]!] as const]));
    if (given.length === 0) return tx!;
    const base = tx ?? pad(given[0]![0], given[0]![1], x!._shape);
    const rest = tx === null ? given.slice(1) : given;
    return rest.length === 0 ? base : addIntoSlices(base, rest.map(([t]) => t), rest.map(([, b]) => b));
  },
  print: ([x, ...ys], { begins }) => `${x} + ${ys.map((y, i) => `${y} at [${begins[i]!.join(', ')}]`).join(' + ')}`,
  domain: {
    inputs: [anyReal],
    cases: [
      { shapes: [[4, 3], [2, 3]], attrs: { begins: [[1, 0]] } },
      { shapes: [[3, 4], [2, 2], [3, 1], [1, 4]], attrs: { begins: [[1, 2], [0, 0], [1, 0]] } },
      { shapes: [[5], [5], [2]], attrs: { begins: [[0], [3]] } },
    ],
    smooth: true,
  },
});

/** `x` with each `ys[i]` added, in order, into the box of `x` that starts at `begins[i]` and has `ys[i]`'s shape. */
export const addIntoSlices = (x: Tensor, ys: readonly Tensor[], begins: readonly (readonly number[])[]): Tensor =>
  apply(addIntoSlicesOp, [toTensor(x, 'addIntoSlices'), ...ys.map((y) => toTensor(y, 'addIntoSlices'))], { begins });
