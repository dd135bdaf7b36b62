/**
 * Where a recorded tensor keeps the inputs of the op that made it: the first two in fields of the
 * tensor, more in an array. Almost every op has one or two inputs, and a graph lives until its
 * backward pass, so an input list of its own per op (an array and its backing store: two more
 * objects to keep, to copy in every young-generation collection, and to chase through memory in
 * every walk of the graph) cost a scalar workload about a fifth of its time. These functions are
 * the only code that knows the layout.
 */
import type { Tensor } from './tensor';
import { writeCount } from './versions';

/** Records `inputs` as the inputs of `t`'s op, stamped with the count of in-place writes (see versions.ts). */
export function recordInputs(t: Tensor, inputs: readonly Tensor[]): void {
  if (inputs.length > 2) {
    t._inMany = inputs;
    t._recordedAt = writeCount();
  }
  else recordOneOrTwo(t, inputs[0] ?? null, inputs[1] ?? null);
}

/** Records `a`, or `a` and `b`, as the inputs of `t`'s op: recordInputs without a list. */
export function recordOneOrTwo(t: Tensor, a: Tensor | null, b: Tensor | null): void {
  t._in0 = a;
  t._in1 = b;
  t._recordedAt = writeCount();
}

/** How many inputs `t` still holds: 0 for a leaf, an untracked result, or a freed graph. */
export function inputCount(t: Tensor): number {
  return t._inMany !== null ? t._inMany.length : t._in1 !== null ? 2 : t._in0 !== null ? 1 : 0;
}

/** Input `i` of `t` (0 ≤ i < inputCount(t)). */
export function inputAt(t: Tensor, i: number): Tensor {
  return t._inMany !== null ? t._inMany[i]! : i === 0 ? t._in0! : t._in1!;
}

/** The inputs as a list (a new array for one or two), or null when `t` holds none. */
export function inputsOf(t: Tensor): readonly Tensor[] | null {
  if (t._inMany !== null) return t._inMany;
  if (t._in0 === null) return null;
  return t._in1 === null ? [t._in0] : [t._in0, t._in1];
}

/** Drops `t`'s references to its inputs: the graph behind it can be collected. */
export function freeInputs(t: Tensor): void {
  t._in0 = null;
  t._in1 = null;
  t._inMany = null;
}
