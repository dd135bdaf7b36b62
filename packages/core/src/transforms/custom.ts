/** Functions with user-given derivative rules: customVjp and customJvp. */
import { Tensor, engineTensor } from '../tensor';
import type { DifferentiableOp } from '../registry';
import { toTensor, zerosLike } from '../create';
import { asRule, finishApply, observeCustomCall } from '../dispatch';
import { forEachLiveLevel, forwardActive, hidingLevelsFrom, liveLevels } from '../forward';
import { isGradEnabled, noGrad } from '../mode';
import { runWatched } from '../custom-scope';
import { GradError, ValueError } from '../errors';
import { requireFunction } from '../arguments';
import { broadcastsTo, formatShape, type Shape } from '../shape';
import { identity } from '../functions';
import { jvp } from './jvp';
import { reverseTransformRunning, ruleResults, type Arg } from './variables';
import type { TensorFunction } from './grad';

/** A reverse rule: the inputs, the output and its cotangent → one cotangent per input (null: none). */
export type BackwardRule = (inputs: Tensor[], output: Tensor, cotangent: Tensor) => readonly (Tensor | null)[];
/** A forward rule: the inputs, the output and one tangent per input (zeros where absent) → the output tangent. */
export type TangentRule = (inputs: Tensor[], output: Tensor, tangents: Tensor[]) => Tensor;

function nameOf(kind: string, f: TensorFunction): string {
  return `${kind}(${f.name || 'anonymous'})`;
}

function checkFunction(kind: string, f: unknown, rule: unknown): void {
  requireFunction(kind, f);
  requireFunction(kind, rule, 'the rule');
}

function checkResult(name: string, t: unknown, what: string): Tensor {
  if (!(t instanceof Tensor)) throw new ValueError(`${name}: ${what} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  return t;
}

/**
 * A rule's result may have a broadcast shape: the graph reduces a cotangent of a shape its input
 * broadcasts to, and a tangent that broadcasts to the output is broadcast. Any other shape is refused
 * here, naming the custom function, rather than by an op deep in the pass.
 */
function refuseShape(name: string, what: string, shape: Shape, whose: string, target: Shape): never {
  throw new GradError(`${name}: ${what} has shape ${formatShape(shape)}, which does not fit ${whose} shape ${formatShape(target)}`);
}

/**
 * `f`, differentiated in reverse mode by `backward` instead of through its own ops. The rule runs
 * recorded, so when it is written with differentiable ops, higher derivatives are right too.
 * Forward mode goes through `f`'s own ops. The engine never writes into what the rule is given or
 * returns, and a leaf's `.grad` or a transform's result gets a copy of a returned cotangent, so the
 * rule may keep either and read it later, unchanged. `f` runs unrecorded on the caller's tensors;
 * a call whose `f` uses a tensor besides its arguments that requires grad, or that carries a jvp's
 * tangent, is a GradError, as the rule could not give that tensor's share (custom-scope.ts).
 *
 * @example
 * // Gradient clipping inside a network: identity forward, the cotangent clipped to [-1, 1] backward.
 * const clipGradient = customVjp((x) => x.mul(1), (_inputs, _output, g) => [g.clip(-1, 1)]);
 */
export function customVjp(f: TensorFunction, backward: BackwardRule): (...args: Arg[]) => Tensor {
  checkFunction('customVjp', f, backward);
  const name = nameOf('customVjp', f);
  const op: DifferentiableOp = {
    kind: 'differentiable',
    name,
    arity: -1,
    shape: () => {
      throw new ValueError(`${name}: custom functions are called directly, not through apply`);
    },
    forward: () => new Float64Array(0),
    vjp: (g, inputs, out) => {
      const cotangents = backward([...inputs], out, g);
      if (!Array.isArray(cotangents) || cotangents.length !== inputs.length) {
        throw new GradError(`${name}: the backward rule must return one cotangent per input (${inputs.length}), got ${Array.isArray(cotangents) ? cotangents.length : typeof cotangents}`);
      }
      return cotangents.map((c, i) => {
        if (c === null || c === undefined) return null;
        const cotangent = checkResult(name, c, `cotangent ${i}`);
        ruleResults.add(cotangent.data);
        const shape = inputs[i]!._shape;
        return broadcastsTo(shape, cotangent._shape) ? cotangent : refuseShape(name, `cotangent ${i}`, cotangent._shape, `input ${i}'s`, shape);
      });
    },
    jvp: (tangents, inputs) => jvp(f, [...inputs], tangents.map((t, i) => t ?? zerosLike(inputs[i]!)))[1],
    domain: { inputs: [], cases: [] },
  };
  const call = (...args: Arg[]): Tensor => {
    const inputs = args.map((a) => toTensor(a as Tensor, name));
    // f runs unrecorded and without tangents: the rule differentiates it, and forward mode runs it
    // again (op.jvp). Watched, so that a tensor it closes over whose gradient or tangent the rule
    // would drop is refused (custom-scope.ts).
    const { value, copy } = runWatched(name, inputs, { refuseTracked: isGradEnabled(), levels: liveLevels() }, () =>
      checkResult(name, hidingLevelsFrom(0, () => noGrad(() => f(...inputs))), 'the function result'));
    // f may return an argument, a tensor it closed over, or a view of either: the output's values
    // are then a copy of their own.
    const data = copy ? value.data.slice() : value.data;
    const out = finishApply(op, inputs, undefined, engineTensor(data, value._shape));
    observeCustomCall(out, { name: f.name || 'customVjp', inputs, call });
    return out;
  };
  return call;
}

/**
 * `f`, differentiated in forward mode by `tangent` instead of through its own ops. The rule runs
 * recorded, so it can itself be differentiated. Reverse mode goes through `f`'s own ops; so does
 * forward mode over it (`hvp`, `hessian`) inside `f`, where the gradient reads `f`'s intermediates,
 * while the output's tangent is still the rule's. A call whose `f` uses a tensor carrying a jvp's
 * tangent besides its arguments is a GradError: the rule could not give that tangent's share.
 */
export function customJvp(f: TensorFunction, tangent: TangentRule): (...args: Arg[]) => Tensor {
  checkFunction('customJvp', f, tangent);
  const name = nameOf('customJvp', f);
  const call = (...args: Arg[]): Tensor => {
    const inputs = args.map((a) => toTensor(a as Tensor, name));
    // f runs recorded: reverse mode uses its ops (a weight it closes over gets its gradient). The
    // rule supplies the output's tangents, so f's own are skipped, unless a reverse transform inside
    // a jvp (hvp, hessian) will read them: its pass is differentiated forward and needs the tangents
    // of f's intermediates. Watched, so that a tensor it closes over carrying a tangent the rule
    // would drop is refused (custom-scope.ts).
    const ownTangents = isGradEnabled() && inputs.some((x) => x.requiresGrad) && reverseTransformRunning() && forwardActive();
    const { value, copy } = runWatched(name, inputs, { refuseTracked: false, levels: liveLevels() }, () => {
      const run = (): Tensor => checkResult(name, f(...inputs), 'the function result');
      return ownTangents ? run() : hidingLevelsFrom(0, run);
    });
    // An argument, a tensor f closed over, or a view of either is not the output: the rule's
    // tangent must not land on it, nor may the output share its array.
    const out = copy ? identity(value) : value;
    if (forwardActive()) {
      // The rule's ops are not the computation's: trace and detectAnomaly's forward check skip them.
      asRule(() => forEachLiveLevel(name, inputs, out, (tangents) => {
        const t = checkResult(name, tangent(inputs, out, tangents.map((t, i) => t ?? zerosLike(inputs[i]!))), 'the tangent');
        ruleResults.add(t.data);
        return broadcastsTo(t._shape, out._shape) ? t : refuseShape(name, 'the tangent', t._shape, "the output's", out._shape);
      }));
    }
    observeCustomCall(out, { name: f.name || 'customJvp', inputs, call });
    return out;
  };
  return call;
}
