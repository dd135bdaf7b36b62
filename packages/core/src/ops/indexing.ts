/** Selection by index or condition: gather, its adjoint scatterAdd, and where. */
import { registerOp, type DifferentiableOp } from '../registry';
import { broadcastAll, checkSize, describeValue, formatShape, normalizeAxis, type Shape } from '../shape';
import { ValueError } from '../errors';
import { gatherData, scatterAddData } from '../kernels/layout';
import { zip3 } from '../kernels/elementwise';
import type { Tensor, TensorLike } from '../tensor';
import { apply } from '../dispatch';
import { toIndexTensor, toTensor } from '../create';


/** Throws a ValueError unless every index is an integer in [0, dim). */
function checkIndices(op: string, indices: Float64Array, dim: number, shape: Shape, axis: number): void {
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= dim) {
      throw new ValueError(`${op}: index ${v} (position ${i}) is out of range for axis ${axis} of size ${dim} in shape ${formatShape(shape)}`);
    }
  }
}

/** out[pre, j…, post] = x[pre, indices[j…], post]. Adjoint: scatter-add the cotangent back. */
const gatherOp = registerOp<DifferentiableOp<{ axis: number }>>({
  kind: 'differentiable',
  name: 'gather',
  arity: 2,
  nondiff: [1],
  shape: ([s, idx], { axis }) => {
    if (s!.length === 0) throw new ValueError('gather: cannot index a scalar');
    const a = normalizeAxis('gather', axis, s!.length);
    return [...s!.slice(0, a), ...idx!, ...s!.slice(a + 1)];
  },
  forward: ([x, idx], [s], _o, { axis }) => {
    const a = normalizeAxis('gather', axis, s!.length);
    checkIndices('gather', idx!, s![a]!, s!, axis);
    return gatherData(x!, s!, idx!, a);
  },
  vjp: (g, [x, idx], _out, { axis }) => [scatterAdd(g, idx!, axis, x!._shape[normalizeAxis('gather', axis, x!.rank)]!), null],
  jvp: ([t], [, idx], _out, { axis }) => gather(t!, idx!, axis),
  domain: {
    inputs: [{ min: -2, max: 2 }, { min: 0, max: 4, integer: true }],
    cases: [
      { shapes: [[5], [3]], attrs: { axis: 0 } },
      { shapes: [[3, 4], [2, 2]], attrs: { axis: 1 }, domains: [{ min: -2, max: 2 }, { min: 0, max: 3, integer: true }] },
      { shapes: [[3, 2], [5]], attrs: { axis: 0 }, domains: [{ min: -2, max: 2 }, { min: 0, max: 2, integer: true }] },
    ],
    smooth: true,
  },
});

/** Adds slices of the first input into a zero tensor at the given indices along `axis` (of size `dim`). Adjoint: gather. */
const scatterAddOp = registerOp<DifferentiableOp<{ axis: number; dim: number }>>({
  kind: 'differentiable',
  name: 'scatterAdd',
  arity: 2,
  nondiff: [1],
  shape: ([s, idx], { axis, dim }) => {
    const a = normalizeAxis('scatterAdd', axis, s!.length - idx!.length + 1);
    if (!Number.isInteger(dim) || dim < 0) throw new ValueError(`scatterAdd: dim must be a non-negative integer, got ${describeValue(dim)}`);
    const fits = idx!.every((d, i) => s![a + i] === d);
    if (!fits) throw new ValueError(`scatterAdd: values ${formatShape(s!)} do not hold indices ${formatShape(idx!)} at axis ${axis}`);
    const out = [...s!.slice(0, a), dim, ...s!.slice(a + idx!.length)];
    checkSize('scatterAdd', out, 'the result');
    return out;
  },
  forward: ([g, idx], [s], outShape, { axis, dim }) => {
    const a = normalizeAxis('scatterAdd', axis, outShape.length);
    checkIndices('scatterAdd', idx!, dim, s!, axis);
    return scatterAddData(g!, outShape, idx!, a);
  },
  vjp: (g, [, idx], _out, { axis }) => [gather(g, idx!, axis), null],
  jvp: ([t], [, idx], _out, { axis, dim }) => scatterAdd(t!, idx!, axis, dim),
  domain: {
    inputs: [{ min: -2, max: 2 }, { min: 0, max: 3, integer: true }],
    cases: [{ shapes: [[5], [5]], attrs: { axis: 0, dim: 4 } }, { shapes: [[12], [12]], attrs: { axis: 0, dim: 10 } }],
    smooth: true,
  },
});

/** cond ? a : b elementwise, with broadcasting. Adjoint: the cotangent routed to the chosen side. */
const whereOp = registerOp<DifferentiableOp>({
  kind: 'differentiable',
  name: 'where',
  arity: 3,
  nondiff: [0],
  shape: (shapes) => broadcastAll('where', shapes),
  forward: ([c, a, b], [sc, sa, sb], outShape) => zip3(c!, sc!, a!, sa!, b!, sb!, outShape, (x, y, z) => (x !== 0 ? y : z)),
  vjp: (g, [c]) => [null, where(c!, g, 0), where(c!, 0, g)],
  jvp: ([, ta, tb], [c]) => where(c!, ta ?? 0, tb ?? 0),
  domain: {
    inputs: [{ min: 0, max: 1, integer: true }, { min: -2, max: 2 }, { min: -2, max: 2 }],
    cases: [
      { shapes: [[4], [4], [4]], attrs: undefined },
      { shapes: [[2, 3], [3], []], attrs: undefined },
      { shapes: [[3, 4], [3, 4], [4]], attrs: undefined },
    ],
    smooth: true,
  },
});

/** cond ? a : b elementwise (cond nonzero means true), broadcasting all three. */
export const where = (cond: TensorLike, a: TensorLike, b: TensorLike): Tensor =>
  apply(whereOp, [toTensor(cond, 'where'), toTensor(a, 'where'), toTensor(b, 'where')], undefined);


// ── Indexing ────────────────────────────────────────────────────────────────────────────────────
/**
 * Picks entries along `axis` by integer index, as NumPy's `take` and PyTorch's `index_select`:
 * shape x.shape[:axis] + indices.shape + x.shape[axis+1:]. Indices must be integers in
 * [0, x.shape[axis]): a negative one is a ValueError, as in PyTorch, not counted from the end as
 * in NumPy. A copy: writing the result (assign) leaves `x` as it was.
 */
export const gather = (x: Tensor, indices: Tensor | readonly number[], axis = 0): Tensor =>
  apply(gatherOp, [toTensor(x, 'gather'), toIndexTensor('gather', indices)], { axis });
/** Adds slices of `values` at `indices` along `axis` into zeros with `dim` entries there: the adjoint of gather. */
export const scatterAdd = (values: Tensor, indices: Tensor | readonly number[], axis: number, dim: number): Tensor =>
  apply(scatterAddOp, [toTensor(values, 'scatterAdd'), toIndexTensor('scatterAdd', indices)], { axis, dim });
