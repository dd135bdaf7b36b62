/**
 * Running an op: check shapes, run the kernel, record the node for reverse mode, propagate
 * forward-mode tangents, and tell any observer (trace, anomaly detection).
 */
import type { OpDef } from './registry';
import type { Shape } from './shape';
import { Tensor } from './tensor';
import { recordInputs } from './inputs';
import { isGradEnabled } from './mode';
import { forwardActive, propagateTangents } from './forward';
import { anomalyDetection, checkForward } from './anomaly';

/** Called with every tensor an op produces, while an observer is installed. */
export type ApplyObserver = (out: Tensor) => void;
const observers: ApplyObserver[] = [];
/** Observers see the ops of the computation itself, not those inside tangent rules. */
let rulesRunning = 0;

/** Installs `observer` for the duration of `fn`. */
export function withObserver<T>(observer: ApplyObserver, fn: () => T): T {
  observers.push(observer);
  try {
    return fn();
  } finally {
    observers.splice(observers.lastIndexOf(observer), 1);
  }
}

// Argument lists for shape rules and kernels, reused across calls: neither calls an op or keeps
// its arguments, so one list per arity serves, and the smallest ops allocate less.
const shapeLists: Shape[][] = [];
const dataLists: Float64Array[][] = [];

/** Applies a registered op to tensors. */
export function apply<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  const n = inputs.length;
  const shapes = (shapeLists[n] ??= new Array<Shape>(n));
  const data = (dataLists[n] ??= new Array<Float64Array>(n));
  for (let i = 0; i < n; i++) {
    shapes[i] = inputs[i]!.shape;
    data[i] = inputs[i]!.data;
  }
  let out: Tensor;
  try {
    const outShape = op.shape(shapes, attrs);
    out = new Tensor(op.forward(data, shapes, outShape, attrs), outShape);
  } finally {
    for (let i = 0; i < n; i++) data[i] = EMPTY; // drop references so the lists keep no tensor data alive
  }
  return finishApply(op, inputs, attrs, out);
}
const EMPTY = new Float64Array(0);

/**
 * What follows the forward computation of any op, registered or custom: record the node for reverse
 * mode, propagate forward-mode tangents, and tell the observers.
 */
export function finishApply<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A, out: Tensor): Tensor {
  if (op.kind === 'differentiable') {
    if (isGradEnabled() && recordsFrom(op.nondiff, inputs)) {
      out._op = op;
      recordInputs(out, inputs);
      out._attrs = attrs;
    }
    if (forwardActive()) {
      rulesRunning++;
      try {
        propagateTangents(op, inputs, out, attrs);
      } finally {
        rulesRunning--;
      }
    }
  }
  if (rulesRunning === 0) {
    if (anomalyDetection()) checkForward(op.name, inputs, out);
    for (const observer of observers) observer(out);
  }
  return out;
}

function recordsFrom(nondiff: readonly number[] | undefined, inputs: readonly Tensor[]): boolean {
  for (let i = 0; i < inputs.length; i++) {
    if (inputs[i]!.requiresGrad && !nondiff?.includes(i)) return true;
  }
  return false;
}
