/** Turning function arguments into the tensors a transform differentiates with respect to. */
import { Tensor, engineTensor, type NestedArray, type TensorLike } from '../tensor';
import { toTensor } from '../create';
import { identity } from '../functions';
import { isGradEnabled } from '../mode';
import { reachesOtherLeaf } from '../graph';
import { checkUse, inCustomScope } from '../custom-scope';

/**
 * An argument a transform accepts: a tensor, a number or a nested array.
 * @inline
 */
export type Arg = TensorLike | NestedArray;

let reverseDepth = 0;

/** Runs `fn` inside one more reverse-mode transform (grad, vjp). */
export function inReverseTransform<T>(fn: () => T): T {
  reverseDepth++;
  try {
    return fn();
  } finally {
    reverseDepth--;
  }
}

/** Whether a reverse-mode transform (grad, vjp) is running. */
export function reverseTransformRunning(): boolean {
  return reverseDepth > 0;
}

/**
 * Whether a reverse transform must record its own backward pass so that it can be differentiated
 * again: when it runs inside another reverse transform, or when an argument is itself tracked by an
 * enclosing computation. Forward mode needs no recording: tangents flow through the rules anyway.
 */
export function mustRecord(args: readonly Tensor[]): boolean {
  return isGradEnabled() && (reverseDepth > 1 || args.some((a) => a.requiresGrad));
}

/**
 * Whether `out` depends on a tracked tensor other than the transform's own `variables`: one the
 * function closed over, such as a model's weights in `grad((x) => model.forward(x).sum())`. The
 * transform then records its pass as well, so that what it returns is a function of those tensors
 * too (a gradient penalty, a physics-informed loss), as with functorch; unrecorded, their share of
 * a later backward pass would be silently missing.
 */
export function closesOverTracked(out: Tensor, variables: readonly Tensor[]): boolean {
  return out.requiresGrad && isGradEnabled() && reachesOtherLeaf(out, variables);
}

/**
 * A fresh tensor standing for argument `x`, which the transform will differentiate with respect
 * to. When `x` is itself tracked, the variable is recorded from it, so enclosing derivatives flow
 * through; forward-mode tangents of `x` are kept.
 */
export function variableFor(x: Arg, op: string): Tensor {
  const t = toTensor(x as TensorLike, op);
  // Inside a custom function, differentiating a tensor it closed over is using it (custom-scope.ts).
  if (inCustomScope()) checkUse(t);
  if (t.requiresGrad && isGradEnabled()) return identity(t);
  const v = engineTensor(t.data, t._shape, { requiresGrad: true });
  if (t._tangents) v._tangents = new Map(t._tangents);
  return v;
}

/**
 * Arrays of the tensors customVjp and customJvp rules returned: user code may still hold them (a
 * rule may return a tensor it keeps), so a transform returns a copy of one rather than the array.
 */
export const ruleResults = new WeakSet<Float64Array>();

/**
 * `t`, or a copy of it when its array is in `taken` (an argument's, a cotangent's or tangent's the
 * caller gave, or one already returned) or a custom rule returned it, adding the result's array to
 * `taken`. What a transform returns is then the caller's alone: writing it in place (assign)
 * changes nothing else, as with every op's result. The copy is recorded from `t` when `t` is, so it
 * differentiates as `t` does.
 */
export function unshared(t: Tensor, taken: Set<Float64Array>): Tensor {
  const result = taken.has(t.data) || ruleResults.has(t.data) ? identity(t) : t;
  taken.add(result.data);
  return result;
}

/**
 * `t`'s values cut from the reverse-mode graph, with its forward-mode tangents kept (each cut the
 * same way): what a reverse transform that records nothing returns, so that an enclosing jvp still
 * sees how the value moves.
 */
export function detachKeepingTangents(t: Tensor): Tensor {
  const d = t.detach();
  if (t._tangents) {
    d._tangents = new Map();
    for (const [level, tangent] of t._tangents) d._tangents.set(level, detachKeepingTangents(tangent));
  }
  return d;
}
