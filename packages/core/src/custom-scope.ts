/**
 * What a custom function (customVjp, customJvp) may use while it runs. Its rule differentiates its
 * arguments alone, so a tensor it closes over that carries a derivative — one that requires grad
 * where a backward pass could follow, or one that carries a tangent at a jvp level open at the call
 * — would have that derivative dropped without a word. Every op applied while the function runs
 * reports its inputs here (dispatch.ts), as does every tensor made then (tensor.ts), so such a use
 * is found as it happens, with nothing recorded and nothing kept alive: a GradError (JAX refuses
 * such a closure too). The arguments, and tensors made during the call (an inner grad's variables,
 * a constant, the function's intermediates), may be used freely.
 */
import { GradError } from './errors';
import type { Tensor } from './tensor';

interface Scope {
  /** The custom function's name, for the message. */
  readonly name: string;
  readonly args: readonly Tensor[];
  /** Tensors made while the function runs (by it, or by a custom function it calls). */
  readonly made: WeakSet<Tensor>;
  /** Whether a tensor that requires grad is refused (customVjp's, when grad was enabled at the call). */
  readonly refuseTracked: boolean;
  /** The jvp levels open and visible at the call: a tangent at one of them is refused. */
  readonly levels: readonly number[];
}

const scopes: Scope[] = [];

/** Whether a custom function is running (the hooks below have work to do). */
export function inCustomScope(): boolean {
  return scopes.length > 0;
}

/** Notes a tensor made while custom functions run (Tensor's constructor calls this when inCustomScope). */
export function noteMade(t: Tensor): void {
  for (const scope of scopes) scope.made.add(t);
}

/**
 * Checks one tensor used by the innermost running custom function: an op's input, or what the
 * function returns. Its arguments and what it made pass; another tensor carrying a derivative the
 * call would drop is a GradError naming the function and the tensor's shape.
 */
export function checkUse(t: Tensor): void {
  const scope = scopes[scopes.length - 1]!;
  if (scope.made.has(t) || scope.args.includes(t)) return;
  const tracked = scope.refuseTracked && t.requiresGrad;
  const tangent = t._tangents !== null && scope.levels.some((level) => t._tangents!.has(level));
  if (!tracked && !tangent) return;
  throw new GradError(
    `${scope.name}: the function uses a tensor of shape [${t.shape.join(', ')}] that ${tracked ? 'requires grad' : "carries a jvp's tangent"} and is not one of its ` +
      'arguments (a weight it closes over, say); the rule differentiates the arguments only, so that derivative would be lost: pass it as an argument',
  );
}

/**
 * Runs `fn` (a custom function applied to `args`) watched as described above; returns its result
 * and whether the function made it (false for an argument, or a tensor it closed over and returned).
 */
export function runWatched(
  name: string,
  args: readonly Tensor[],
  options: { refuseTracked: boolean; levels: readonly number[] },
  fn: () => Tensor,
): { value: Tensor; made: boolean } {
  const scope: Scope = { name, args, made: new WeakSet(), ...options };
  scopes.push(scope);
  try {
    const value = fn();
    checkUse(value); // returning it is using it
    return { value, made: scope.made.has(value) };
  } finally {
    scopes.pop();
  }
}
