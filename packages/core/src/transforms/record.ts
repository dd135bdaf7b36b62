/**
 * recordOps: runs a function and lists every op it applied, with the values it applied it to and a
 * way to apply it again, so that each op's own rules can be checked in isolation (gradcheck's
 * blame does this), much as JAX's make_jaxpr lists a function's primitives.
 */
import { Tensor, engineTensor } from '../tensor';
import { toTensor } from '../create';
import { withGradMode } from '../mode';
import { apply, withObserver, type CustomCall } from '../dispatch';
import { getOp, type DifferentiableOp } from '../registry';
import { inputsOf } from '../inputs';
import { ValueError } from '../errors';
import { requireFunction } from '../arguments';
import { framesOutsideCore } from '../caller';
import type { Arg } from './variables';
import type { TensorFunction } from './grad';

/** One application of an op, as {@link recordOps} saw it. */
export interface RecordedOp {
  /** The registered op's name, or a customVjp / customJvp function's name ('customVjp' / 'customJvp' when anonymous). */
  readonly name: string;
  /** 'op' for a registered op (core's or a user's), 'custom' for a customVjp / customJvp function. */
  readonly kind: 'op' | 'custom';
  /** Copies of the values it was applied to. */
  readonly inputs: readonly Tensor[];
  /** What it produced. */
  readonly output: Tensor;
  /** Positions of the inputs that carry a derivative; the others (indices, conditions) are data. */
  readonly differentiable: readonly number[];
  /** False for ops whose second derivatives are not checked (the op's domain says so: max, min). */
  readonly smooth: boolean;
  /** Where it was applied, as `file:line` of the first caller outside core, when the runtime says. */
  readonly site: string | null;
  /** Equal for applications of the same op with the same attributes to inputs of the same shapes. */
  readonly signature: string;
  /**
   * Applies the same op, with the same attributes, to other inputs of the same shapes: recorded, so
   * it is differentiated by the op's own rules (a custom function's by its rule).
   */
  apply(...inputs: Tensor[]): Tensor;
}

/** What {@link recordOps} returns: the function's output and the ops it applied, in evaluation order. */
export interface RecordedRun {
  output: Tensor;
  ops: RecordedOp[];
}

/**
 * Runs `fn` on copies of `args` that require grad, and lists every op it applied in evaluation
 * order: registered ops (including those a customJvp function's own forward pass applies) and
 * customVjp / customJvp functions. Ops applied under `noGrad` (inside a customVjp function's
 * forward pass, say) are not part of the derivative and are not listed.
 *
 * @example
 * const { ops } = recordOps((x) => x.mul(x).exp())(tensor([1, 2]));
 * ops.map((o) => o.name); // ['mul', 'exp']
 */
export function recordOps(fn: TensorFunction): (...args: Arg[]) => RecordedRun {
  requireFunction('recordOps', fn);
  return (...args) => {
    const inputs = args.map((a) => {
      const t = toTensor(a as Tensor, 'recordOps');
      return engineTensor(t.data.slice(), t._shape, { requiresGrad: true });
    });
    const ops: RecordedOp[] = [];
    const output = withGradMode(true, () => withObserver((out, custom) => {
      const recorded = custom === undefined ? registeredOpOf(out) : customOf(out, custom);
      if (recorded !== null) ops.push(recorded);
    }, () => fn(...inputs)));
    if (!(output instanceof Tensor)) throw new ValueError(`recordOps: the function must return a Tensor, got ${typeof output}`);
    return { output, ops };
  };
}

/** The record of a registered op's result, or null when it is not one (a constant, an unrecorded result, a custom op). */
function registeredOpOf(out: Tensor): RecordedOp | null {
  const op = out._op as DifferentiableOp<unknown> | null;
  const inputs = op === null ? null : inputsOf(out);
  if (op === null || inputs === null || getOp(op.name) !== op) return null;
  const attrs = out._attrs;
  const copies = inputs.map(copyOf);
  return {
    name: op.name,
    kind: 'op',
    inputs: copies,
    output: copyOf(out),
    differentiable: copies.map((_, i) => i).filter((i) => !op.nondiff?.includes(i)),
    smooth: op.domain?.smooth !== false,
    site: callerSite(),
    signature: `${op.name} ${JSON.stringify(copies.map((x) => x._shape))} ${signatureOf(attrs)}`,
    apply: (...xs) => apply(op, xs, attrs),
  };
}

/** The record of a customVjp / customJvp function's result. */
function customOf(out: Tensor, custom: CustomCall): RecordedOp {
  const copies = custom.inputs.map(copyOf);
  return {
    name: custom.name,
    kind: 'custom',
    inputs: copies,
    output: copyOf(out),
    differentiable: copies.map((_, i) => i),
    smooth: true,
    site: callerSite(),
    signature: `custom#${idOf(custom.call)} ${custom.name} ${JSON.stringify(copies.map((x) => x._shape))}`,
    apply: custom.call,
  };
}

function copyOf(t: Tensor): Tensor {
  return engineTensor(t.data.slice(), t._shape);
}

function signatureOf(attrs: unknown): string {
  try {
    return JSON.stringify(attrs) ?? 'none';
  } catch {
    return String(attrs);
  }
}

const ids = new WeakMap<object, number>();
let nextId = 0;
/** A number per function object: two custom functions of one name and shape are still told apart. */
function idOf(f: object): number {
  let id = ids.get(f);
  if (id === undefined) ids.set(f, (id = nextId++));
  return id;
}

/** `file:line` of the innermost stack frame outside core's sources and bundle, or null. */
function callerSite(): string | null {
  for (const line of framesOutsideCore()) {
    const match = /\(?([^()\s]+):(\d+):\d+\)?\s*$/.exec(line);
    if (match) return `${match[1]}:${match[2]}`;
  }
  return null;
}
