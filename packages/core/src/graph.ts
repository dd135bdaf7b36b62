/**
 * Reverse mode over the recorded graph: topological order (iterative, so a 200,000-op chain cannot
 * overflow the stack), adjoint accumulation for tensors with several children, un-broadcasting of
 * adjoints (here, once, not in each rule), and freeing the graph after a pass.
 */
import { Tensor, setPrivateGrad, type NestedArray } from './tensor';
import { GradError } from './errors';
import { formatShape, sameShape, shapeSize, type Shape } from './shape';
import { setGradMode } from './mode';
import { forwardActive } from './forward';
import { add, reshape, sum } from './functions';
import { toTensor } from './create';
import { requireOptions } from './arguments';
import { collectAllocations, isPooled } from './kernels/alloc';
import { anomalyDetection, checkBackward, runBackwardRule } from './anomaly';
import { freeInputs, inputAt, inputCount, inputsOf } from './inputs';
import { AdjointReuse } from './adjoint-reuse';

/** Options of `Tensor.backward`. */
export interface BackwardOptions {
  /** Keep the graph so that it can be differentiated again (default false: it is freed). */
  retainGraph?: boolean;
  /** Record the backward pass so that the gradients can be differentiated (implies retainGraph). */
  createGraph?: boolean;
}

/** Options of {@link backpropagate}. */
export interface BackpropOptions {
  /** Differentiate with respect to these tensors only; the pass stops at them. Default: every leaf with requiresGrad. */
  targets?: readonly Tensor[];
  createGraph: boolean;
  retainGraph: boolean;
  /** Called with each tensor's adjoint once it is complete (for the trace view). */
  onAdjoint?: (t: Tensor, adjoint: Tensor) => void;
  /**
   * The arrays allocated since the pass began (from collectAllocations): given, the pass reuses
   * those of adjoints it has finished with (see adjoint-reuse.ts).
   */
  fresh?: Set<Float64Array>;
}

/**
 * Sums `g` over the axes that broadcasting added or stretched, so that it has `shape`: the adjoint
 * of broadcasting. Written with ops, so it is differentiable.
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const summed = sum(g, axes);
  if (summed.size !== shapeSize(shape)) {
    throw new GradError(`backward: cannot reduce an adjoint of shape ${formatShape(g.shape)} to shape ${formatShape(shape)}`);
  }
  return reshape(summed, shape);
}

let passesRunning = 0;

/**
 * The reverse sweep. Seeds `roots` with `seeds`, walks the graph in reverse topological order,
 * and returns the accumulated adjoint of each target (or of each leaf with requiresGrad).
 */
export function backpropagate(roots: readonly Tensor[], seeds: readonly Tensor[], options: BackpropOptions): Map<Tensor, Tensor> {
  const targets = options.targets ? new Set(options.targets) : null;
  const order = topologicalOrder(roots, targets);
  // Marks the sums this pass made itself (in Tensor._visit, negative so that no walk's mark can
  // equal it): those it may add into in place.
  const ownMark = -lastVisit;
  const differentiable = options.createGraph || forwardActive();
  // Adjoints sit in a slot of each tensor: no hashing, nothing to grow, for the one pass that
  // usually runs. A pass started inside another's rule (a custom rule that calls `grad`) may meet
  // the same tensors, so it keeps its adjoints in a Map of its own instead.
  const nested = passesRunning === 0 ? null : new Map<Tensor, Tensor>();
  const adjointOf = (t: Tensor): Tensor | null => (nested === null ? t._adjoint : nested.get(t) ?? null);
  const setAdjoint = (t: Tensor, g: Tensor | null): void => {
    if (nested === null) t._adjoint = g;
    else if (g === null) nested.delete(t);
    else nested.set(t, g);
  };
  const result = new Map<Tensor, Tensor>();
  const touched: Tensor[] = []; // to clear their slots afterwards
  const checking = anomalyDetection();
  const { onAdjoint } = options;
  // Made on the first large adjoint: a pass over small tensors only (a scalar workload's) never needs one.
  const reusable = AdjointReuse.allowed(options.fresh, differentiable, nested !== null, onAdjoint !== undefined || checking);
  let reuse = null as AdjointReuse | null;

  const accumulate = (t: Tensor, g: Tensor): void => {
    const previous = adjointOf(t);
    if (previous === null) {
      // A sum made for another slot and passed on unchanged (add gives its adjoint to both inputs,
      // identity and broadcastTo to theirs) may now sit in several slots: no longer one slot's
      // alone, so nothing may add into it in place.
      if (g._visit === ownMark) g._visit = 0;
      setAdjoint(t, g);
      if (reusable !== null && isPooled(g.data)) (reuse ??= new AdjointReuse(reusable)).hold(g);
      touched.push(t);
    }
    else if (differentiable) setAdjoint(t, add(previous, g));
    else if (previous._visit === ownMark) addInto(previous.data, g.data);
    else {
      const total = add(previous, g); // recording is off: a plain sum in a new array, ours to add into
      total._visit = ownMark;
      setAdjoint(t, total);
      reuse?.replace(previous, total);
    }
  };

  // Rules are recorded only when the pass itself is to be differentiated.
  const previousMode = setGradMode(options.createGraph);
  passesRunning++;
  try {
    roots.forEach((root, i) => {
      const seed = seeds[i]!;
      if (!sameShape(seed.shape, root.shape)) {
        throw new GradError(`backward: seed shape ${formatShape(seed.shape)} does not match output shape ${formatShape(root.shape)}`);
      }
      accumulate(root, seed);
    });
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k]!;
      const g = adjointOf(t);
      if (g === null) continue;
      onAdjoint?.(t, g);
      const op = t._op;
      if (targets ? targets.has(t) : op === null) {
        if (targets || t._leaf) result.set(t, g);
        continue;
      }
      setAdjoint(t, null);
      const inputs = op === null ? null : inputsOf(t);
      if (op === null || inputs === null) continue;
      const cotangents = checking
        ? runBackwardRule(() => op.vjp(g, inputs, t, t._attrs))
        : reuse !== null ? reuse.rule(op, () => op.vjp(g, inputs, t, t._attrs)) : op.vjp(g, inputs, t, t._attrs);
      if (checking) checkBackward(op.name, t, g, inputs, cotangents);
      for (let i = 0; i < inputs.length; i++) {
        const x = inputs[i]!;
        const gi = cotangents[i];
        if (!gi || !x.requiresGrad || op.nondiff?.includes(i)) continue;
        const reduced = sumToShape(gi, x.shape);
        accumulate(x, reduced);
        if (reduced !== gi) reuse?.retire(reduced);
      }
      reuse?.spend(op, g, cotangents);
    }
  } finally {
    passesRunning--;
    setGradMode(previousMode);
    if (nested === null) for (const t of touched) t._adjoint = null;
  }

  if (!options.retainGraph) for (const t of order) if (!targets?.has(t)) freeInputs(t);
  return result;
}

/** The mark of the latest walk (see Tensor._visit). */
let lastVisit = 0;

/**
 * Tensors reachable from `roots` through recorded nodes, inputs before the tensors made from them:
 * a depth-first walk, inputs in order, with an explicit stack (a 200,000-op chain cannot overflow
 * it). With targets, the walk stops at them and keeps only tensors on a path to one.
 *
 * A tensor is marked in Tensor._visit when it is expanded (its inputs pushed, all at once) and
 * again when it is done (placed in the order). One reached again while an earlier copy of it still
 * waits lower on the stack is expanded where it is reached, as a recursive walk would; the earlier
 * copy is skipped when its turn comes.
 */
function topologicalOrder(roots: readonly Tensor[], targets: Set<Tensor> | null): Tensor[] {
  const order: Tensor[] = [];
  const expanded = ++lastVisit;
  const done = ++lastVisit;
  const relevant = targets ? new Set<Tensor>() : null;
  const stack: Tensor[] = [];
  for (let r = roots.length - 1; r >= 0; r--) stack.push(roots[r]!); // the first root on top
  while (stack.length > 0) {
    const t = stack[stack.length - 1]!;
    const mark = t._visit;
    if (mark === done) {
      stack.pop();
      continue;
    }
    if (mark !== expanded) {
      t._visit = expanded;
      const op = t._op;
      if (op !== null && !targets?.has(t)) {
        const count = inputCount(t);
        if (count === 0) {
          throw new GradError(
            `backward: the graph through '${op.name}' (output ${formatShape(t.shape)}) was freed by an earlier backward; ` +
              'pass {retainGraph: true} to the first backward to differentiate twice',
          );
        }
        for (let i = count - 1; i >= 0; i--) { // the first input on top
          const child = inputAt(t, i);
          if (child.requiresGrad && child._visit !== done && !op.nondiff?.includes(i)) stack.push(child);
        }
      }
      continue; // its inputs first; back here once they are done
    }
    stack.pop();
    t._visit = done;
    if (relevant === null) order.push(t);
    else if (targets!.has(t) || inputsOf(t)?.some((x) => relevant.has(x))) {
      relevant.add(t);
      order.push(t);
    }
  }
  return order;
}

function addInto(target: Float64Array, source: Float64Array): void {
  for (let i = 0; i < target.length; i++) target[i]! += source[i]!;
}

/**
 * A leaf's new gradient. An array the pass itself allocated is referenced only by the pass's
 * adjoints, which are gone once it returns, so the leaf can take it over; anything else (the seed,
 * an input a rule passed through, an array already given to another leaf) is copied, because the
 * gradient is accumulated into in place later. Taking over saves a parameter-sized copy per step.
 */
function adoptOrCopy(g: Tensor, fresh: Set<Float64Array>): Tensor {
  return fresh.delete(g.data) ? g.detach() : g.clone();
}

/** `Tensor.backward`: reverse mode into the `.grad` of every leaf with requiresGrad. */
export function backward(root: Tensor, seed: Tensor | NestedArray | undefined, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new GradError(`backward: the ${formatShape(root.shape)} tensor does not require grad (no input had requiresGrad, or it was computed under noGrad)`);
  }
  if (seed === undefined && root.size !== 1) {
    throw new GradError(`backward: a seed (output cotangent) is required for a non-scalar output of shape ${formatShape(root.shape)}`);
  }
  const { createGraph = false, retainGraph = createGraph } = requireOptions('backward', options);
  const seedTensor = seed === undefined ? new Tensor(new Float64Array(1).fill(1), root.shape) : toTensor(seed, 'backward');
  const fresh = new Set<Float64Array>();
  const grads = collectAllocations(fresh, () => backpropagate([root], [seedTensor], { createGraph, retainGraph, fresh }));
  for (const [leaf, g] of grads) {
    const previous = leaf._grad;
    if (previous === null) {
      // The array is the leaf's alone, for zeroGrad to recycle, unless the pass was recorded or
      // computed tangents, which may refer to it.
      if (createGraph) leaf._grad = g;
      else if (forwardActive()) leaf._grad = adoptOrCopy(g, fresh);
      else setPrivateGrad(leaf, adoptOrCopy(g, fresh));
    }
    else if (createGraph) leaf.grad = add(previous, g);
    // A gradient recorded by a createGraph pass may be in use in other graphs: add out of place.
    else if (previous.requiresGrad) leaf.grad = add(previous.detach(), g);
    else addInto(previous.data, g.data);
  }
}
