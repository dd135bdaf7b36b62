/** Reverse-mode transforms: grad, valueAndGrad, vjp. */
import { Tensor, engineTensor, requireScalar } from '../tensor';
import { backpropagate } from '../graph';
import { toTensor, zeros } from '../create';
import { withGradMode } from '../mode';
import { GradError, ValueError } from '../errors';
import { describeValue, formatShape, sameShape } from '../shape';
import { closesOverTracked, detachKeepingTangents, mustRecord, inReverseTransform, unshared, variableFor, type Arg } from './variables';
import { requireFunction, requireOptions } from '../arguments';

/** A function of tensors to a tensor. */
export type TensorFunction = (...args: Tensor[]) => Tensor;

function argnumList(argnums: number | readonly number[], count: number, op: string): number[] {
  if (typeof argnums !== 'number' && !Array.isArray(argnums)) {
    throw new ValueError(`${op}: argnums must be an argument index or a list of them, got ${describeValue(argnums)}`);
  }
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  return list.map((i) => {
    if (!Number.isInteger(i) || i < -count || i >= count) {
      throw new ValueError(`${op}: argnum ${describeValue(i)} is out of range for ${count} argument(s)`);
    }
    return i < 0 ? i + count : i; // from the end, as JAX counts
  });
}

/**
 * Differentiates `fn(...args)` with respect to the arguments listed in `argnums`: one reverse pass
 * from `seed` (ones-like for a size-1 output). Returns the output and the cotangent of each.
 */
function reverse(fn: TensorFunction, args: readonly Arg[], argnums: readonly number[], op: string, needScalar: boolean) {
  return inReverseTransform(() => {
    const inputs = args.map((a) => toTensor(a as Tensor | number, op));
    const vars = inputs.map((x, i) => (argnums.includes(i) ? variableFor(x, op) : x));
    const out = withGradMode(true, () => fn(...vars));
    if (!(out instanceof Tensor)) throw new ValueError(`${op}: the function must return a Tensor, got ${typeof out}`);
    if (needScalar) requireScalar(op, out);
    const targets = argnums.map((i) => vars[i]!);
    const record = mustRecord(inputs) || closesOverTracked(out, targets);
    const pull = (seed: Tensor, retain: boolean): Tensor[] => {
      if (!sameShape(seed._shape, out._shape)) {
        throw new GradError(`${op}: cotangent shape ${formatShape(seed._shape)} does not match output shape ${formatShape(out._shape)}`);
      }
      if (!out.requiresGrad) return targets.map((t) => zeros(t._shape));
      // A pullback is linear in its cotangent: called inside another reverse transform, or with a
      // tracked cotangent, its pass is recorded even when the forward pass was not.
      const createGraph = record || mustRecord([seed]);
      const grads = backpropagate([out], [seed], { targets, createGraph, retainGraph: retain || createGraph });
      // A rule may pass its cotangent on unchanged (add gives it to both inputs): the seed, or one
      // cotangent for several arguments, is copied.
      const taken = new Set([seed.data, value.data, ...inputs.map((x) => x.data)]);
      return targets.map((t) => unshared(grads.get(t) ?? zeros(t._shape), taken));
    };
    // fn may return an argument, a view of one, or a tensor it closed over (which then depends on
    // no variable): the value is then copied.
    const inputData = new Set(inputs.map((x) => x.data));
    if (!out.requiresGrad) inputData.add(out.data);
    // What the function returns leaves as the value does: still recorded for an enclosing
    // transform, else cut from the graph with its tangents kept; copied where it is an argument's.
    const leave = (t: Tensor): Tensor => unshared(record ? t : detachKeepingTangents(t), inputData);
    const value = leave(out);
    return { out: value, pull, record, leave };
  });
}

/**
 * The gradient of a scalar-valued function. `grad(f)(x)` has the shape of `x`; with a list of
 * argnums it returns a list. A negative argnum counts from the end (-1: the last argument), as in
 * JAX; one listed twice gives its gradient twice. Nest it for higher derivatives: `grad(grad(f))`.
 * When `f` closes over tensors that require gradients (a model's weights), the result is recorded
 * as a function of them too; take it under `noGrad` when it will not be differentiated again.
 *
 * @example
 * const df = grad((x) => x.mul(x).exp());   // d/dx exp(x²) = 2x·exp(x²)
 * df(1).item();                             // 2e
 */
export function grad(fn: TensorFunction, argnums?: number): (...args: Arg[]) => Tensor;
export function grad(fn: TensorFunction, argnums: readonly number[]): (...args: Arg[]) => Tensor[];
export function grad<A>(fn: AuxFunction<A>, argnums: number | undefined, options: { hasAux: true }): (...args: Arg[]) => [Tensor, A];
export function grad<A>(fn: AuxFunction<A>, argnums: readonly number[], options: { hasAux: true }): (...args: Arg[]) => [Tensor[], A];
export function grad(fn: TensorFunction | AuxFunction<unknown>, argnums: number | readonly number[] = 0, options?: GradOptions): (...args: Arg[]) => unknown {
  const vg = valueAndGradAs('grad', fn as TensorFunction, argnums, options);
  const hasAux = options?.hasAux === true;
  return (...args) => {
    const [value, grads] = vg(...args);
    return hasAux ? [grads, (value as unknown as [Tensor, unknown])[1]] : grads;
  };
}

/** A function of tensors returning its output and anything beside it: `[output, aux]` (see {@link GradOptions}). */
export type AuxFunction<A> = (...args: Tensor[]) => [Tensor, A];

/** Options of {@link grad} and {@link valueAndGrad}. */
export interface GradOptions {
  /**
   * The function returns `[output, aux]` (JAX's `has_aux`): `aux` (numbers, tensors, and arrays,
   * plain objects or Maps of them: metrics to log, predictions) comes back beside the gradient, not
   * differentiated by this transform. Its tensors leave as the value does, as in JAX: an enclosing
   * grad or jvp still differentiates through them, and outside any transform they are cut from the
   * graph. Then `grad` returns `[grads, aux]` and `valueAndGrad` `[[value, aux], grads]`.
   */
  hasAux?: boolean;
}

/** {@link grad}, with `op` naming the public function in messages (hessian and hvp are built on it). */
export function gradAs(op: string, fn: TensorFunction, argnums: number | readonly number[] = 0): (...args: Arg[]) => Tensor {
  const vg = valueAndGradAs(op, fn, argnums);
  return (...args) => vg(...args)[1] as Tensor;
}

/** Like {@link grad}, also returning the function's value: `[value, grads]` (`[[value, aux], grads]` with `hasAux`). */
export function valueAndGrad(fn: TensorFunction, argnums?: number): (...args: Arg[]) => [Tensor, Tensor];
export function valueAndGrad(fn: TensorFunction, argnums: readonly number[]): (...args: Arg[]) => [Tensor, Tensor[]];
export function valueAndGrad<A>(fn: AuxFunction<A>, argnums: number | undefined, options: { hasAux: true }): (...args: Arg[]) => [[Tensor, A], Tensor];
export function valueAndGrad<A>(fn: AuxFunction<A>, argnums: readonly number[], options: { hasAux: true }): (...args: Arg[]) => [[Tensor, A], Tensor[]];
export function valueAndGrad(fn: TensorFunction | AuxFunction<unknown>, argnums: number | readonly number[] = 0, options?: GradOptions): (...args: Arg[]) => unknown {
  return valueAndGradAs('valueAndGrad', fn as TensorFunction, argnums, options);
}

function valueAndGradAs(op: string, fn: TensorFunction, argnums: number | readonly number[], options?: GradOptions): (...args: Arg[]) => [Tensor, Tensor | Tensor[]] {
  requireFunction(op, fn);
  const { hasAux = false } = requireOptions(op, options ?? {}, ['hasAux']);
  if (typeof hasAux !== 'boolean') throw new ValueError(`${op}: hasAux must be true or false, got ${describeValue(hasAux)}`);
  return (...args) => {
    const nums = argnumList(argnums, args.length, op);
    let aux: unknown;
    const main: TensorFunction = hasAux ? (...vars) => {
      const result: unknown = fn(...vars);
      if (!Array.isArray(result) || result.length !== 2 || !(result[0] instanceof Tensor)) {
        throw new ValueError(`${op}: with hasAux the function must return [output, aux], got ${describeValue(result)}`);
      }
      aux = result[1];
      return result[0];
    } : fn;
    const { out, pull, leave } = reverse(main, args, nums, op, true);
    const grads = inReverseTransform(() => pull(engineTensor(new Float64Array([1]), out._shape), false));
    const value = (hasAux ? [out, mapTensors(op, aux, leave, new Map())] : out) as Tensor;
    return [value, typeof argnums === 'number' ? grads[0]! : grads];
  };
}

/**
 * `aux` with `f` applied to every tensor in it, at any depth of arrays, plain objects and Maps (a
 * shared or cyclic part stays shared). A tensor inside any other object is refused: it would leave
 * still tied to this transform's variables.
 */
function mapTensors(op: string, aux: unknown, f: (t: Tensor) => Tensor, done: Map<object, unknown>): unknown {
  if (aux instanceof Tensor) return f(aux);
  if (aux === null || typeof aux !== 'object') return aux;
  if (done.has(aux)) return done.get(aux);
  if (Array.isArray(aux)) {
    const out: unknown[] = [];
    done.set(aux, out);
    for (const item of aux) out.push(mapTensors(op, item, f, done));
    return out;
  }
  if (aux instanceof Map) {
    const out = new Map();
    done.set(aux, out);
    for (const [key, item] of aux) out.set(key, mapTensors(op, item, f, done));
    return out;
  }
  const proto = Object.getPrototypeOf(aux);
  if (proto !== Object.prototype && proto !== null) {
    if (Object.values(aux).some((v) => v instanceof Tensor)) {
      throw new ValueError(`${op}: aux holds a tensor inside a ${(aux as object).constructor?.name ?? 'object'}; put aux's tensors in arrays, plain objects or Maps, which the transform can look into`);
    }
    return aux;
  }
  const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
  done.set(aux, out);
  for (const [key, item] of Object.entries(aux)) out[key] = mapTensors(op, item, f, done);
  return out;
}

/**
 * Vector-Jacobian product: runs `fn(...primals)` once and returns its output with a pullback that
 * maps an output cotangent to one cotangent per primal. The pullback may be called many times.
 */
export function vjp(fn: TensorFunction, ...primals: Arg[]): [Tensor, (cotangent: Tensor | Arg) => Tensor[]] {
  return vjpAs('vjp', fn, primals);
}

/** {@link vjp}, with `op` naming the public function in messages (jacobian is built on it). */
export function vjpAs(op: string, fn: TensorFunction, primals: readonly Arg[]): [Tensor, (cotangent: Tensor | Arg) => Tensor[]] {
  requireFunction(op, fn);
  const nums = primals.map((_, i) => i);
  const { out, pull } = reverse(fn, primals, nums, op, false);
  return [out, (cotangent) => inReverseTransform(() => pull(toTensor(cotangent as Tensor, op), true))];
}
