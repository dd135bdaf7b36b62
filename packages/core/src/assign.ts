/**
 * In-place writes: the one way the engine changes a tensor's values after making it. Each write is
 * counted (see versions.ts), so a backward pass through a graph that recorded the old values is a
 * GradError rather than a gradient computed from mixed values.
 */
import { Tensor, type NestedArray } from './tensor';
import { GradError, ShapeError, ValueError } from './errors';
import { broadcastShapes, broadcastStrides, describeValue, formatShape, sameShape } from './shape';
import { stridedRead } from './kernels/layout';
import { noteWrite } from './versions';
import { isNumberArray, toTensor, type NumberArray } from './create';

/**
 * What {@link assign} accepts: values (a tensor, nested arrays, a flat typed array of the same
 * size, or a number) broadcast to the target's shape, or a function that updates the target's
 * data in place.
 */
export type AssignValue = Tensor | NestedArray | NumberArray | ((data: Float64Array) => void);

/**
 * Writes new values into `x` in place, outside the graph, and counts the write: a later backward
 * through an op that recorded `x` (or a tensor sharing its data, such as `x.detach()` or a
 * reshape of it) before the write throws a GradError naming that op.
 *
 * `value` may be a tensor or nested arrays that broadcast to `x`'s shape, a typed array (a
 * Float64Array, a Float32Array …) of `x`'s size read row-major, a number, or a function
 * `(data) => void` that updates `x.data` in place (for optimizers: no new array per step). A
 * function that returns an array other than `data` is a ValueError: `(d) => d.map(…)` makes a copy
 * and writes nothing. Only leaves can be assigned: a tensor an op made is part of a graph.
 * Tensors sharing `x`'s data (`detach()`, an untracked `reshape`) see the write too; `slice`,
 * `transpose` and the other ops copy. A value refused is not a write: `x` and any graph that
 * recorded it are unchanged. Writes straight to `x.data` are not counted: they are the caller's
 * responsibility, as PyTorch's `.data` is.
 *
 * @example
 * const w = randn([3], { seed: 0, requiresGrad: true });
 * w.square().sum().backward();
 * assign(w, (d) => { for (let i = 0; i < d.length; i++) d[i] -= 0.1 * w.grad!.data[i]; });
 * @returns `x`.
 * @throws GradError when `x` was made by a recorded op; ShapeError when the values do not broadcast
 * to its shape; ValueError when `x` is not a tensor or the values are not numbers.
 */
export function assign(x: Tensor, value: AssignValue): Tensor {
  return assignValues('assign', x, value);
}

/** {@link assign}, with `op` naming the public function in messages. */
export function assignValues(op: string, x: Tensor, value: AssignValue): Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: can only write a Tensor, got ${describeValue(x)}`);
  if (x._op !== null) {
    throw new GradError(`${op}: can only write a leaf in place; this ${formatShape(x._shape)} tensor was made by '${x._op.name}' (write the leaf it came from, or detach() it first)`);
  }
  if (typeof value === 'function') {
    const data = x.data;
    let returned: unknown;
    try {
      returned = value(data);
    } finally {
      noteWrite(data); // even a function that threw may have written part of the data
    }
    if (returned !== data && (Array.isArray(returned) || ArrayBuffer.isView(returned))) {
      throw new ValueError(`${op}: the function returned ${describeValue(returned)} instead of writing into the data it was given (d.map makes a copy and writes nothing: write d[i] = …, or pass the new values instead of a function)`);
    }
    return x;
  }
  // Every check comes before the one write, so a value refused leaves x and its version as they were.
  if (typeof value === 'number') x.data.fill(value);
  else if (value instanceof BigInt64Array || value instanceof BigUint64Array) throw new ValueError(`${op}: values must be numbers, got ${describeValue(value)}`);
  else if (isNumberArray(value)) {
    if (value.length !== x.size) throw new ShapeError(`${op}: ${describeValue(value)} cannot fill a ${formatShape(x._shape)} tensor (${x.size} elements)`);
    x.data.set(value);
  } else copyBroadcast(op, x, toTensor(value as Exclude<AssignValue, Function | NumberArray>, op));
  noteWrite(x.data);
  return x;
}

function copyBroadcast(op: string, x: Tensor, v: Tensor): void {
  if (sameShape(v._shape, x._shape)) {
    x.data.set(v.data);
    return;
  }
  const target = broadcastShapes(op, v._shape, x._shape);
  if (!sameShape(target, x._shape)) {
    throw new ShapeError(`${op}: values of shape ${formatShape(v._shape)} do not broadcast to the tensor's shape ${formatShape(x._shape)}`);
  }
  if (v.size === 0 || x.size === 0) return;
  if (v.size === 1) x.data.fill(v.data[0]!);
  else x.data.set(stridedRead(v.data, x._shape, broadcastStrides(v._shape, x._shape), 0));
}
