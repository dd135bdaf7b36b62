/** vmap: a function of one example mapped over a batch axis, as JAX's `vmap`. */
import { Tensor } from '../tensor';
import { ShapeError, ValueError } from '../errors';
import { describeValue, formatShape } from '../shape';
import { ownCopy, requireFunction } from '../arguments';
import { toTensor } from '../create';
import { split, squeeze, stack } from '../functions';
import type { Arg } from './variables';

/** Where each argument's batch axis is: one axis for all, or one entry per argument, null for an argument passed whole to every call. */
export type InAxes = number | null | readonly (number | null)[];
/** Where the batch axis goes in each output: one axis for all, or one per output of a function returning a list. */
export type OutAxes = number | readonly number[];

/** What a mapped function may return: a tensor, or a list of them. */
type Outputs = Tensor | readonly Tensor[];

/**
 * Maps `fn` over a batch axis of its arguments, as JAX's `vmap` (PyTorch's `torch.func.vmap`):
 * `vmap(fn)(xs)` is the stack of `fn(x)` for each x along axis 0 of xs. `inAxes` says which axis of
 * each argument is the batch axis (default 0 for every argument; null passes an argument whole to
 * every call, as a weight or a number); `outAxes` where the batch axis goes in the result, or in
 * each result when `fn` returns a list of tensors. Every mapped argument must have the same batch
 * size.
 *
 * It composes with the other transforms: `vmap(grad(loss), [null, 0, 0])(w, xs, ys)` gives one
 * gradient per example (per-sample gradients), and `grad` or `jvp` of a vmapped function
 * differentiate through it. adjoint evaluates `fn` once per example and stacks the results, so the
 * values are exactly those of the separate calls, and a batch costs what that many calls cost: where
 * speed matters, write the batched computation directly (matmul, for one, takes stacks of matrices).
 *
 * @example
 * const dot = (a: Tensor, b: Tensor) => a.mul(b).sum();
 * vmap(dot)(tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]])).toArray(); // [17, 53]
 * vmap(dot, [0, null])(tensor([[1, 2], [3, 4]]), tensor([1, 1])).toArray(); // [3, 7]
 * @throws ValueError (when called) for axes that do not fit the arguments, no mapped argument, an
 * empty batch (its result's shape is unknown without a call), or a function that returns something
 * other than a tensor or a list of tensors; ShapeError for mapped arguments of different batch
 * sizes, or examples whose outputs differ in shape.
 */
export function vmap<F extends (...args: never[]) => Tensor | readonly Tensor[]>(fn: F, inAxes: InAxes = 0, outAxes: OutAxes = 0): (...args: Arg[]) => ReturnType<F> {
  requireFunction('vmap', fn);
  checkInAxes(inAxes);
  checkOutAxes(outAxes);
  // Copies, so that lists the caller changes later neither change the mapping nor slip past the checks.
  const ins = ownCopy(inAxes);
  const outs = ownCopy(outAxes);
  return ((...args: Arg[]): Outputs => {
    const axes = axesOf(ins, args.length);
    const inputs = args.map((a, i) => (axes[i] === null ? a : toTensor(a as Tensor | number, 'vmap')));
    const size = batchSize(inputs, axes);
    // Each mapped argument split into its examples once, the batch axis dropped from each.
    const examples = inputs.map((x, i) => (axes[i] === null ? null : split(x as Tensor, size, axes[i]!).map((piece) => squeeze(piece, axes[i]!))));
    const results: Outputs[] = [];
    const call = fn as unknown as (...values: unknown[]) => Outputs;
    for (let k = 0; k < size; k++) results.push(call(...inputs.map((x, i) => examples[i]?.[k] ?? x)));
    return stackResults(results, outs);
  }) as (...args: Arg[]) => ReturnType<F>;
}

function checkInAxes(inAxes: unknown): void {
  const ok = (a: unknown): boolean => a === null || Number.isInteger(a);
  if (!(ok(inAxes) || (Array.isArray(inAxes) && inAxes.every(ok)))) {
    throw new ValueError(`vmap: inAxes must be an axis, null, or a list of them (one per argument), got ${describeValue(inAxes)}`);
  }
}

function checkOutAxes(outAxes: unknown): void {
  if (!(Number.isInteger(outAxes) || (Array.isArray(outAxes) && outAxes.every((a) => Number.isInteger(a))))) {
    throw new ValueError(`vmap: outAxes must be an axis or a list of them (one per output), got ${describeValue(outAxes)}`);
  }
}

/** One entry per argument, normalised against each argument's rank later. */
function axesOf(inAxes: InAxes, count: number): (number | null)[] {
  if (!Array.isArray(inAxes)) return Array.from({ length: count }, () => inAxes as number | null);
  if (inAxes.length !== count) throw new ValueError(`vmap: inAxes lists ${inAxes.length} axes for ${count} argument(s)`);
  return [...(inAxes as (number | null)[])];
}

/** The batch size shared by the mapped arguments, their axes normalised in place. */
function batchSize(inputs: readonly unknown[], axes: (number | null)[]): number {
  let size: number | null = null;
  let first = -1;
  inputs.forEach((x, i) => {
    if (axes[i] === null) return;
    const t = x as Tensor;
    if (t.rank === 0) throw new ValueError(`vmap: argument ${i} is a scalar, which has no axis ${axes[i]} to map over (pass null in inAxes to give it whole to every call)`);
    const axis = axisIn(axes[i]!, t.rank, () => `inAxes ${axes[i]} is out of range for argument ${i}, of shape ${formatShape(t.shape)}`);
    axes[i] = axis;
    const n = t.shape[axis]!;
    if (size === null) [size, first] = [n, i];
    else if (n !== size) {
      throw new ShapeError(`vmap: mapped arguments need one batch size, got ${size} (argument ${first}) and ${n} (argument ${i}, shape ${formatShape(t.shape)}, axis ${axis})`);
    }
  });
  if (size === null) throw new ValueError('vmap: no argument is mapped (every inAxes entry is null), so there is no batch to map over');
  if (size === 0) throw new ValueError("vmap: the batch is empty, and adjoint evaluates the function once per example, so it cannot know the shape of an empty result");
  return size;
}

/** `axis` counted from the end when negative, or a ValueError saying which of inAxes or outAxes is out of range for what. */
function axisIn(axis: number, rank: number, what: () => string): number {
  if (axis < -rank || axis >= rank) throw new ValueError(`vmap: ${what()} (valid: ${-rank} to ${rank - 1})`);
  return axis < 0 ? axis + rank : axis;
}

/** The per-example results stacked along their out axes: one tensor, or one per output. */
function stackResults(results: readonly Outputs[], outAxes: OutAxes): Outputs {
  const asList = Array.isArray(results[0]);
  const width = asList ? (results[0] as readonly Tensor[]).length : 1;
  const ok = (r: unknown): boolean => (asList ? Array.isArray(r) && r.length === width && r.every((t) => t instanceof Tensor) : r instanceof Tensor);
  const bad = results.findIndex((r) => !ok(r));
  if (bad >= 0) {
    throw new ValueError(`vmap: the function must return a Tensor or a list of Tensors, the same kind for every example; for example ${bad} it returned ${describeValue(results[bad])}`);
  }
  if (Array.isArray(outAxes) && outAxes.length !== width) throw new ValueError(`vmap: outAxes lists ${outAxes.length} axes for ${width} output(s)`);
  const axisOf = (j: number): number => (Array.isArray(outAxes) ? outAxes[j]! : (outAxes as number));
  const stackOne = (j: number): Tensor => {
    const parts = results.map((r) => (asList ? (r as readonly Tensor[])[j]! : (r as Tensor)));
    const shape = parts[0]!.shape;
    const k = parts.findIndex((p) => p.shape.length !== shape.length || p.shape.some((d, i) => d !== shape[i]));
    if (k >= 0) throw new ShapeError(`vmap: output ${j} must have one shape for every example, got ${formatShape(shape)} and ${formatShape(parts[k]!.shape)} (example ${k})`);
    const axis = axisIn(axisOf(j), shape.length + 1, () => `outAxes ${axisOf(j)} is out of range for output ${j}, whose examples have shape ${formatShape(shape)}`);
    return stack(parts, axis);
  };
  return asList ? Array.from({ length: width }, (_, j) => stackOne(j)) : stackOne(0);
}
