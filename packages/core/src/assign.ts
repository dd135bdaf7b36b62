/**
 * In-place writes: the one way the engine changes a tensor's values after making it. Each write is
 * counted (see versions.ts), so a backward pass through a graph that recorded the old values is a
 * GradError rather than a gradient computed from mixed values.
 */
import type { Tensor, NestedArray } from './tensor';
import { GradError, ShapeError } from './errors';
import { broadcastShapes, broadcastStrides, formatShape, sameShape } from './shape';
import { stridedRead } from './kernels/layout';
import { noteWrite } from './versions';
import { toTensor } from './create';

/**
 * What {@link assign} accepts: values (a tensor, nested arrays, a flat Float64Array of the same
 * size, or a number) broadcast to the target's shape, or a function that updates the target's
 * data in place.
 */
export type AssignValue = Tensor | NestedArray | Float64Array | ((data: Float64Array) => void);

/**
 * Writes new values into `x` in place, outside the graph, and counts the write: a later backward
 * through an op that recorded `x` (or a tensor sharing its data, such as `x.detach()` or a
 * reshape of it) before the write throws a GradError naming that op.
 *
 * `value` may be a tensor or nested arrays that broadcast to `x`'s shape, a Float64Array of `x`'s
 * size, a number, or a function `(data) => void` that updates `x.data` in place (for optimizers:
 * no new array per step). Only leaves can be assigned: a tensor an op made is part of a graph.
 * Writes straight to `x.data` are not counted: they are the caller's responsibility, as PyTorch's
 * `.data` is.
 *
 * @example
 * const w = randn([3], { seed: 0, requiresGrad: true });
 * w.square().sum().backward();
 * assign(w, (d) => { for (let i = 0; i < d.length; i++) d[i] -= 0.1 * w.grad!.data[i]; });
 * @returns `x`.
 * @throws GradError when `x` was made by a recorded op; ShapeError when the values do not broadcast to its shape.
 */
export function assign(x: Tensor, value: AssignValue): Tensor {
  return assignValues('assign', x, value);
}

/** {@link assign}, with `op` naming the public function in messages. */
export function assignValues(op: string, x: Tensor, value: AssignValue): Tensor {
  if (x._op !== null) {
    throw new GradError(`${op}: can only write a leaf in place; this ${formatShape(x._shape)} tensor was made by '${x._op.name}' (write the leaf it came from, or detach() it first)`);
  }
  try {
    if (typeof value === 'function') value(x.data);
    else if (typeof value === 'number') x.data.fill(value);
    else if (value instanceof Float64Array) {
      if (value.length !== x.size) throw new ShapeError(`${op}: a Float64Array of ${value.length} elements cannot fill a ${formatShape(x._shape)} tensor (${x.size} elements)`);
      x.data.set(value);
    }
    else copyBroadcast(op, x, toTensor(value, op));
  } finally {
    noteWrite(x.data); // even a function that threw may have written part of the data
  }
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
