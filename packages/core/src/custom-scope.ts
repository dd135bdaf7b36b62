/**
 * What a custom function (customVjp, customJvp) may use while it runs. Its rule differentiates its
 * arguments alone, so a tensor it closes over that carries a derivative — one that requires grad
 * where a backward pass could follow, or one that carries a tangent at a jvp level open at the call
 * — would have that derivative dropped without a word. Every differentiable op applied while the
 * function runs reports the inputs it differentiates (dispatch.ts), as does every transform given a
 * variable (transforms/variables.ts), so such a use is found as it happens, with nothing recorded
 * and nothing kept alive: a GradError (JAX refuses such a closure too). The arguments, and tensors
 * made during the call (an inner grad's variables, a constant, the function's intermediates), may
 * be used freely. Custom functions nest: a tensor must pass every open call's test.
 */
import { GradError } from './errors';
import type { Tensor } from './tensor';

interface Scope {
  /** The custom function's name, for the message. */
  readonly name: string;
  readonly args: readonly Tensor[];
  /** The epoch the call opened: a tensor made during it has `_born` at least this. */
  readonly start: number;
  /** Whether a tensor that requires grad is refused (customVjp's, when grad was enabled at the call). */
  readonly refuseTracked: boolean;
  /** The jvp levels open and visible at the call: a tangent at one of them is refused. */
  readonly levels: readonly number[];
  /** Arrays of tensors from outside the call that its function used: an output on one is copied. */
  readonly foreignData: Set<Float64Array>;
}

const scopes: Scope[] = [];
/** Counts the calls opened: tensors made while one runs are stamped with it (Tensor._born). */
let epoch = 0;

/** Whether a custom function is running (the hooks below have work to do). */
export function inCustomScope(): boolean {
  return scopes.length > 0;
}

/** The stamp of a tensor made now, while a custom function runs (Tensor's constructor). */
export function birthEpoch(): number {
  return epoch;
}

const madeIn = (t: Tensor, scope: Scope): boolean => t._born >= scope.start || scope.args.includes(t);

/**
 * Checks a tensor the running custom functions use: an op's differentiated input, a transform's
 * variable, or what a function returns. A tensor carrying a derivative that some open call neither
 * made nor was given is a GradError naming that call and the tensor's shape.
 */
export function checkUse(t: Tensor): void {
  const top = scopes[scopes.length - 1]!;
  if (!madeIn(t, top)) top.foreignData.add(t.data); // (made now if t is a lazy scalar: a view of it would share it)
  if (!t.requiresGrad && t._tangents === null) return; // nothing to lose: the common case
  for (const scope of scopes) {
    if (madeIn(t, scope)) continue;
    const tracked = scope.refuseTracked && t.requiresGrad;
    const tangent = t._tangents !== null && scope.levels.some((level) => t._tangents!.has(level));
    if (!tracked && !tangent) continue;
    throw new GradError(
      `${scope.name}: the function uses a tensor of shape [${t._shape.join(', ')}] that ${tracked ? 'requires grad' : "carries a jvp's tangent"} and is not one of its ` +
        'arguments (a weight it closes over, say); the rule differentiates the arguments only, so that derivative would be lost: pass it as an argument',
    );
  }
}

/**
 * Runs `fn` (a custom function applied to `args`) watched as described above. Returns its result
 * and whether it must be copied before it becomes the custom function's output: when it is not a
 * tensor the call made, or holds the array of an argument or of a tensor from outside (a view of
 * one, say), which the output must not share.
 */
export function runWatched(
  name: string,
  args: readonly Tensor[],
  options: { refuseTracked: boolean; levels: readonly number[] },
  fn: () => Tensor,
): { value: Tensor; copy: boolean } {
  const scope: Scope = { name, args, start: ++epoch, foreignData: new Set(), ...options };
  scopes.push(scope);
  try {
    const value = fn();
    checkUse(value); // returning it is using it
    const data = value._data;
    const copy = value._born < scope.start || (data !== null && (scope.foreignData.has(data) || args.some((x) => x._data === data)));
    return { value, copy };
  } finally {
    scopes.pop();
  }
}
