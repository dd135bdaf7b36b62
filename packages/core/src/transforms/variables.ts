/** Turning function arguments into the tensors a transform differentiates with respect to. */
import { Tensor, type NestedArray, type TensorLike } from '../tensor';
import { toTensor } from '../create';
import { identity } from '../functions';
import { isGradEnabled } from '../mode';
import { forwardActive } from '../forward';

/** An argument a transform accepts: a tensor, a number or a nested array. */
export type Arg = TensorLike | NestedArray;

let depth = 0;

/** Runs `fn` one transform deeper; nested transforms record their rules (any-order derivatives). */
export function nested<T>(fn: () => T): T {
  depth++;
  try {
    return fn();
  } finally {
    depth--;
  }
}

/**
 * Whether a transform must record its own derivative computation: inside another transform, or
 * when an argument is itself being differentiated by an enclosing computation.
 */
export function mustRecord(args: readonly Tensor[]): boolean {
  return isGradEnabled() && (depth > 1 || forwardActive() || args.some((a) => a.requiresGrad));
}

/**
 * A fresh tensor standing for argument `x`, which the transform will differentiate with respect
 * to. When `x` is itself tracked, the variable is recorded from it, so enclosing derivatives flow
 * through; forward-mode tangents of `x` are kept.
 */
export function variableFor(x: Arg, op: string): Tensor {
  const t = toTensor(x as TensorLike, op);
  if (t.requiresGrad && isGradEnabled()) return identity(t);
  const v = new Tensor(t.data, t.shape, { requiresGrad: true });
  if (t._tangents) v._tangents = new Map(t._tangents);
  return v;
}
