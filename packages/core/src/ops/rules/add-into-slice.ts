/**
 * x with y added into its box at `begin`: x + pad(y, begin, x's shape) in one pass, without the
 * zeros (see rule-ops.ts). It is how a backward pass adds a slice's cotangent to an adjoint that
 * already holds something (Adjoints.addBox). The elements outside the box stay x's own, untouched
 * rather than added to zero (which would turn −0 into 0), so the plain pass, the pass that reuses
 * memory and a recorded pass all give the same bits.
 */
import { registerOp, type DifferentiableOp } from '../../registry';
import { describeValue, formatShape } from '../../shape';
import { ShapeError } from '../../errors';
import { apply } from '../../dispatch';
import { toTensor } from '../../create';
import { allocForOverwrite } from '../../kernels/alloc';
import { addIntoBox } from '../../kernels/layout';
import { pad, slice } from '../layout';
import { anyReal } from '../elementwise';
import type { Tensor } from '../../tensor';

const addIntoSliceOp = registerOp<DifferentiableOp<{ readonly begin: readonly number[] }>>({
  kind: 'differentiable',
  name: 'addIntoSlice',
  arity: 2,
  shape: ([sx, sy], { begin }) => {
    const fits = Array.isArray(begin) && begin.length === sx!.length && sy!.length === sx!.length &&
      sy!.every((d, i) => Number.isInteger(begin[i]) && begin[i]! >= 0 && begin[i]! + d <= sx![i]!);
    if (!fits) throw new ShapeError(`addIntoSlice: y must fit inside x at begin ${describeValue(begin)}, got ${formatShape(sx!)} and ${formatShape(sy!)}`);
    return sx!;
  },
  forward: ([x, y], [sx, sy], _out, { begin }) => {
    const out = allocForOverwrite(x!.length);
    out.set(x!);
    addIntoBox(out, sx!, y!, sy!, begin);
    return out;
  },
  vjp: (g, [, y], _out, { begin }) => [g, slice(g, begin, y!._shape)],
  jvp: ([tx, ty], [x], _out, { begin }) => (tx === null ? pad(ty!, begin, x!._shape) : ty === null ? tx : addIntoSlice(tx, ty, begin)),
  print: ([x, y], { begin }) => `${x} + ${y} at [${begin.join(', ')}]`,
  domain: {
    inputs: [anyReal],
    cases: [
      { shapes: [[4, 3], [2, 3]], attrs: { begin: [1, 0] } },
      { shapes: [[3, 4], [2, 2]], attrs: { begin: [1, 2] } },
      { shapes: [[5], [5]], attrs: { begin: [0] } },
    ],
    smooth: true,
  },
});

/** `x` with `y` added into the box of `x` that starts at `begin` and has `y`'s shape. */
export const addIntoSlice = (x: Tensor, y: Tensor, begin: readonly number[]): Tensor =>
  apply(addIntoSliceOp, [toTensor(x, 'addIntoSlice'), toTensor(y, 'addIntoSlice')], { begin });
