/**
 * Gradient hooks (PyTorch's `Tensor.register_hook`): functions a backward pass calls with a
 * tensor's adjoint once it is complete, before it flows on to the tensor's inputs (or, for a leaf,
 * into `.grad`). A hook may return a tensor of the same shape to use instead.
 *
 * Kept in a WeakMap beside the tensors rather than in a field of each: hooks are rare, tensors are
 * many, and a pass with no hook anywhere pays one comparison per node.
 */
import { Tensor } from './tensor';
import { GradError, ValueError } from './errors';
import { formatShape, sameShape } from './shape';

/** Called with a tensor's gradient; may return a replacement of the same shape. */
export type GradHook = (grad: Tensor) => Tensor | void;

/** What `Tensor.registerHook` returns: `remove()` unregisters the hook. */
export interface HookHandle {
  remove(): void;
}

const hooksOf = new WeakMap<Tensor, GradHook[]>();
let registered = 0;

/** Adds `hook` to `t`'s hooks (see Tensor.registerHook). */
export function registerHook(t: Tensor, hook: GradHook): HookHandle {
  if (typeof hook !== 'function') throw new ValueError(`registerHook: the hook must be a function, got ${hook === null ? 'null' : typeof hook}`);
  if (!t.requiresGrad) {
    throw new GradError(`registerHook: the ${formatShape(t._shape)} tensor does not require grad, so no gradient will ever reach it`);
  }
  let list = hooksOf.get(t);
  if (list === undefined) hooksOf.set(t, (list = []));
  list.push(hook);
  registered++;
  let removed = false;
  return {
    remove(): void {
      if (removed) return;
      removed = true;
      list.splice(list.indexOf(hook), 1);
      registered--;
    },
  };
}

/** Whether any tensor has a hook: when not, a pass need not look. */
export function anyHooks(): boolean {
  return registered > 0;
}

/** Whether `t` has a hook. */
export function hasHooks(t: Tensor): boolean {
  return (hooksOf.get(t)?.length ?? 0) > 0;
}

/** `g` after `t`'s hooks, in the order they were registered, each given the previous one's result. */
export function runHooks(t: Tensor, g: Tensor): Tensor {
  const list = hooksOf.get(t);
  if (list === undefined) return g;
  for (const hook of [...list]) {
    const replaced = hook(g);
    if (replaced === undefined) continue;
    if (!(replaced instanceof Tensor) || !sameShape(replaced._shape, g._shape)) {
      const got = replaced instanceof Tensor ? `shape ${formatShape(replaced._shape)}` : replaced === null ? 'null' : typeof replaced;
      throw new GradError(`registerHook: a hook of a ${formatShape(t._shape)} tensor must return nothing or a tensor of shape ${formatShape(g._shape)}, got ${got}`);
    }
    g = replaced;
  }
  return g;
}

