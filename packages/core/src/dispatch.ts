/**
 * Running an op: check shapes, run the kernel, record the node for reverse mode, propagate
 * forward-mode tangents, and tell any observer (trace, anomaly detection).
 */
import { isBuiltInOp, type OpDef } from './registry';
import { sameShape, type Shape } from './shape';
import { Tensor, engineScalar, engineTensor, isOneElement, scalarValue } from './tensor';
import { scalarKernelOf } from './scalar-rules';
import { recordInputs, recordOneOrTwo } from './inputs';
import { isGradEnabled } from './mode';
import { forwardActive, propagateTangents } from './forward';
import { anomalyDetection, checkForward } from './anomaly';
import { checkUse, inCustomScope } from './custom-scope';

/**
 * A function with a rule of its own (customVjp, customJvp), as an observer sees it: its name, the
 * inputs it was called with, and a way to call it again.
 */
export interface CustomCall {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  readonly call: (...inputs: Tensor[]) => Tensor;
}

/**
 * Called with every tensor an op produces while an observer is installed, and with the result of
 * every customVjp or customJvp function (then with `custom` too).
 */
export type ApplyObserver = (out: Tensor, custom?: CustomCall) => void;
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

/**
 * Runs a rule outside the apply path (customJvp's tangent rule): its ops are the rule's, not the
 * computation's, so observers and anomaly checks of forward values do not see them.
 */
export function asRule<T>(rule: () => T): T {
  rulesRunning++;
  try {
    return rule();
  } finally {
    rulesRunning--;
  }
}

/** Tells the observers that a customVjp or customJvp function produced `out`. */
export function observeCustomCall(out: Tensor, custom: CustomCall): void {
  if (rulesRunning === 0) for (const observer of observers) observer(out, custom);
}

/** Applies a registered op to tensors. */
export function apply<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  if (inCustomScope() && op.kind === 'differentiable') for (let i = 0; i < inputs.length; i++) if (!op.nondiff?.includes(i)) checkUse(inputs[i]!);
  const n = inputs.length;
  if (n === 1 || n === 2) {
    const quick = oneElementResult(op, inputs[0]!, n === 2 ? inputs[1]! : null, attrs);
    if (quick !== null) return finishApply(op, inputs, attrs, quick);
  }
  const shapes = shapeList(n);
  const data = dataList(n);
  // A user's op gets the public, frozen shapes: its rules are user code, and the engine's own
  // shape arrays, shared by every tensor of that shape, must not reach code that could write them.
  const core = isBuiltInOp(op);
  for (let i = 0; i < n; i++) {
    shapes[i] = core ? inputs[i]!._shape : inputs[i]!.shape;
    data[i] = inputs[i]!.data;
  }
  return finishApply(op, inputs, attrs, run(op, n, attrs, core));
}

/**
 * {@link apply} for an op of one input, `a` (b null), or two, `a` and `b`: almost every op. When no
 * tangent, observer or anomaly check needs the inputs as a list, it records them without making
 * one; on scalar tensors that list was a tenth of an op's garbage.
 */
export function applyOneOrTwo<A>(op: OpDef<A>, a: Tensor, b: Tensor | null, attrs: A): Tensor {
  if (inCustomScope() && op.kind === 'differentiable') {
    if (!op.nondiff?.includes(0)) checkUse(a);
    if (b !== null && !op.nondiff?.includes(1)) checkUse(b);
  }
  const out = oneElementResult(op, a, b, attrs) ?? runOneOrTwo(op, a, b, attrs);
  if (forwardActive() || observers.length > 0 || anomalyDetection()) return finishApply(op, b === null ? [a] : [a, b], attrs, out);
  if (op.kind === 'differentiable' && isGradEnabled() && (records(op.nondiff, a, 0) || (b !== null && records(op.nondiff, b, 1)))) {
    out._op = op;
    recordOneOrTwo(out, a, b);
    out._attrs = attrs;
  }
  return out;
}

/**
 * An elementwise op's result on one-element inputs of one shape, as a number (see
 * scalar-rules.ts): the op's elementwise function, which is what its kernel computes, with no
 * kernel call and no array. Both ways of applying an op take it, so the all-ops checks, which go
 * through {@link apply}, run it. Null for anything else.
 */
function oneElementResult<A>(op: OpDef<A>, a: Tensor, b: Tensor | null, attrs: A): Tensor | null {
  if (!isOneElement(a)) return null;
  const kernel = scalarKernelOf(op);
  if (kernel === undefined || op.arity !== (b === null ? 1 : 2)) return null;
  if (b === null) return engineScalar(kernel(scalarValue(a), NaN, attrs), a._shape);
  if (!isOneElement(b) || !sameShape(a._shape, b._shape)) return null;
  return engineScalar(kernel(scalarValue(a), scalarValue(b), attrs), a._shape);
}

/** Runs the shape rule and kernel of an op of one or two inputs. */
function runOneOrTwo<A>(op: OpDef<A>, a: Tensor, b: Tensor | null, attrs: A): Tensor {
  const n = b === null ? 1 : 2;
  const shapes = shapeList(n);
  const data = dataList(n);
  shapes[0] = a._shape;
  data[0] = a.data;
  if (b !== null) {
    shapes[1] = b._shape;
    data[1] = b.data;
  }
  return run(op, n, attrs, true); // core's op functions are the only callers
}

/** The reused list of shapes for n inputs. */
function shapeList(n: number): Shape[] {
  return (shapeLists[n] ??= new Array<Shape>(n));
}
/** The reused list of data for n inputs. */
function dataList(n: number): Float64Array[] {
  return (dataLists[n] ??= new Array<Float64Array>(n));
}

/**
 * Runs `op`'s shape rule and kernel on the argument lists filled for n inputs. A core op's shape
 * rule returns an input's shape or a new array, which the result keeps; a user's op's result gets a
 * copy (its rule may return an array its author still holds, or a frozen public shape).
 */
function run<A>(op: OpDef<A>, n: number, attrs: A, core: boolean): Tensor {
  const shapes = shapeLists[n]!;
  const data = dataLists[n]!;
  try {
    const outShape = op.shape(shapes, attrs);
    const out = op.forward(data, shapes, outShape, attrs);
    return core ? engineTensor(out, outShape) : new Tensor(out, outShape);
  } finally {
    for (let i = 0; i < n; i++) data[i] = EMPTY; // drop references so the lists keep no tensor data alive
  }
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
    if (forwardActive()) asRule(() => propagateTangents(op, inputs, out, attrs));
  }
  if (rulesRunning === 0) {
    if (anomalyDetection()) checkForward(op.name, inputs, out);
    for (const observer of observers) observer(out);
  }
  return out;
}

function recordsFrom(nondiff: readonly number[] | undefined, inputs: readonly Tensor[]): boolean {
  for (let i = 0; i < inputs.length; i++) {
    if (records(nondiff, inputs[i]!, i)) return true;
  }
  return false;
}

/** Whether input `i`, `x`, makes the op's result part of the graph. */
function records(nondiff: readonly number[] | undefined, x: Tensor, i: number): boolean {
  return x.requiresGrad && !nondiff?.includes(i);
}
