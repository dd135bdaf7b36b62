/**
 * Reverse mode over the recorded graph: the tape (a topological order, found iteratively, so a
 * 200,000-op chain cannot overflow the stack), the sweep back along it, un-broadcasting of
 * adjoints (here, once, not in each rule), leaves' gradients, and freeing the graph after a pass.
 */
import { Tensor, engineTensor, isOneElement, isPrivateGrad, scalarValue, setPrivateGrad, type NestedArray } from './tensor';
import { GradError, ValueError } from './errors';
import { broadcastsTo, formatShape, sameShape, type Shape } from './shape';
import { noGrad, setGradMode } from './mode';
import { forwardActive } from './forward';
import { add, identity, reshape, sum } from './functions';
import { toTensor } from './create';
import { requireOptions } from './arguments';
import { setAllocationSink } from './kernels/alloc';
import { addInto } from './kernels/elementwise';
import { anomalyDetection, checkBackward, runBackwardRule } from './anomaly';
import { freeInputs, inputAt, inputCount, inputsOf } from './inputs';
import { isBuiltInOp, type DifferentiableOp } from './registry';
import { Adjoints } from './adjoints';
import { MemoryPlan } from './memory-plan';
import { anyHooks, hasHooks, runHooks } from './hooks';
import { checkRecordedValues } from './versions';
import { scalarRuleOf } from './scalar-rules';

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
   * A memory plan (see memory-plan.ts): given, the pass reuses the arrays it owns once they are
   * dead, and the caller can ask the plan afterwards which adjoints it may keep without a copy.
   * Ignored when the pass is differentiated. Without one the pass reuses nothing (what `grad` and
   * `vjp` run), and the reusing pass of `Tensor.backward` is checked against it, bit for bit.
   */
  memory?: MemoryPlan;
}

/**
 * Sums `g` over the axes that broadcasting added or stretched, so that it has `shape`: the adjoint
 * of broadcasting. Written with ops, so it is differentiable. An adjoint that differs from `shape`
 * only by axes of length 1 is reshaped; any other shape is a rule's mistake (a [2, 3] adjoint for
 * a [3, 2] input holds the right number of values in the wrong places), and a GradError.
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g._shape, shape)) return g;
  if (broadcastsTo(shape, g._shape)) {
    const lead = g.rank - shape.length;
    const axes: number[] = [];
    for (let i = 0; i < g.rank; i++) {
      if (i < lead || (shape[i - lead] === 1 && g._shape[i] !== 1)) axes.push(i);
    }
    return reshape(sum(g, axes), shape);
  }
  if (!sameShape(withoutOnes(g._shape), withoutOnes(shape))) {
    throw new GradError(`backward: cannot reduce an adjoint of shape ${formatShape(g._shape)} to shape ${formatShape(shape)}`);
  }
  return reshape(g, shape);
}

const withoutOnes = (shape: Shape): number[] => shape.filter((d) => d !== 1);

/**
 * The reverse sweep, as the textbook has it. Orders the graph behind `roots` into a tape, seeds the
 * roots' adjoints with `seeds`, then visits the tape from the end: each node's complete adjoint
 * goes through its op's rule to one cotangent per input, which is summed to the input's shape and
 * added to the input's adjoint; a slice's is added straight into its box of the input's adjoint
 * instead (see Adjoints.addBox). Returns the adjoint of each target (or of each leaf with
 * requiresGrad).
 *
 * Memory is planned beside the sweep, not in it (see memory-plan.ts): given a plan, and unless the
 * pass is itself differentiated, the arrays core's rules allocate are the engine's to reuse once
 * dead, and anything handed to user code (custom rules, registered ops' rules, hooks, `onAdjoint`)
 * is the user's from then on.
 */
export function backpropagate(roots: readonly Tensor[], seeds: readonly Tensor[], options: BackpropOptions): Map<Tensor, Tensor> {
  const targets = options.targets ? new Set(options.targets) : null;
  const tape = recordTape(roots, targets, passesRunning > 0);
  const nodes = tape.nodes;
  const differentiable = options.createGraph || forwardActive();
  const memory = differentiable ? null : options.memory ?? null;
  const adjoints = new Adjoints(nodes, memory, !differentiable);
  const result = new Map<Tensor, Tensor>();
  const checking = anomalyDetection();
  const { onAdjoint } = options;
  const hooked = anyHooks();
  // Scalar rules (scalar-rules.ts) serve a pass that nothing observes: not differentiated (it then
  // has a memory plan), no anomaly checks, no onAdjoint; hooks are checked per node.
  const scalarRules = memory !== null && !checking && onAdjoint === undefined;

  // Rules are recorded only when the pass itself is to be differentiated.
  const previousMode = setGradMode(options.createGraph);
  const previousSink = setAllocationSink(memory);
  passesRunning++;
  try {
    roots.forEach((root, i) => {
      const seed = seeds[i]!;
      if (!sameShape(seed._shape, root._shape)) {
        throw new GradError(`backward: seed shape ${formatShape(seed._shape)} does not match output shape ${formatShape(root._shape)}`);
      }
      const k = tape.positionOf(root);
      if (k >= 0) adjoints.add(k, seed);
    });
    for (let k = nodes.length - 1; k >= 0; k--) {
      const t = nodes[k]!;
      if (scalarRules && scalarStep(t, k, adjoints, tape, targets, hooked)) continue;
      let g = adjoints.get(k);
      if (g === null) continue;
      if (onAdjoint !== undefined || (hooked && hasHooks(t))) {
        g = observe(t, g, onAdjoint, memory);
        if (g !== adjoints.get(k)) adjoints.replace(k, g);
      }
      const op = t._op;
      if (targets ? targets.has(t) : op === null) {
        if (targets || t._leaf) result.set(t, g); // stays in its slot, so no step reuses its array
        continue;
      }
      adjoints.clear(k);
      const inputs = op === null ? null : inputsOf(t);
      if (op === null || inputs === null) continue;
      checkRecordedValues(t);
      const box = op.cotangentBox;
      if (box !== undefined && isBuiltInOp(op)) {
        if (checking) checkBackward(op.name, t, g, inputs, [g]); // the cotangent is g, padded with zeros
        const slot = tape.positionOf(inputs[0]!);
        if (slot >= 0) adjoints.addBox(slot, g, box(t._attrs));
        memory?.endStep();
        continue;
      }
      const cotangents = runRule(op, g, inputs, t, memory, checking);
      for (let i = 0; i < inputs.length; i++) {
        const x = inputs[i]!;
        const gi = cotangents[i];
        const slot = tape.positionOf(x);
        if (slot < 0 || !gi || op.nondiff?.includes(i)) continue;
        adjoints.add(slot, sumToShape(gi, x._shape));
      }
      memory?.endStep();
    }
  } finally {
    passesRunning--;
    setAllocationSink(previousSink);
    setGradMode(previousMode);
    tape.release();
  }

  if (!options.retainGraph) for (const t of nodes) if (!targets?.has(t)) freeInputs(t);
  return result;
}

/** Reused by scalarStep for the cotangents of a scalar rule. */
const scalarCotangents = new Float64Array(2);

/** Steps run by scalar rules so far: lets tests see that the path ran. */
export let scalarSteps = 0;

/**
 * Node k's step in numbers, when its op has a scalar rule and it and its inputs are one-element
 * tensors of one shape (so no un-broadcasting): returns false, having done nothing, otherwise. The
 * same additions in the same order as the tensor step, so the same gradients bit for bit.
 */
function scalarStep(t: Tensor, k: number, adjoints: Adjoints, tape: Tape, targets: Set<Tensor> | null, hooked: boolean): boolean {
  const op = t._op;
  if (op === null || !isOneElement(t) || t._inMany !== null) return false;
  const rule = scalarRuleOf(op);
  if (rule === undefined) return false;
  const a = t._in0;
  const b = t._in1;
  if (a === null || !sameShape(a._shape, t._shape) || (b !== null && !sameShape(b._shape, t._shape))) return false;
  if ((targets !== null && targets.has(t)) || (hooked && hasHooks(t))) return false;
  if (!adjoints.has(k)) return true; // no adjoint reached it: nothing to pass on
  const g = adjoints.takeNumber(k);
  checkRecordedValues(t);
  scalarSteps++;
  const into = scalarCotangents;
  rule(g, scalarValue(a), b === null ? NaN : scalarValue(b), scalarValue(t), t._attrs, into);
  const slotA = tape.positionOf(a);
  if (slotA >= 0 && !op.nondiff?.includes(0)) adjoints.addNumber(slotA, into[0]!);
  if (b !== null) {
    const slotB = tape.positionOf(b);
    if (slotB >= 0 && !op.nondiff?.includes(1)) adjoints.addNumber(slotB, into[1]!);
  }
  return true;
}

/** Runs `t`'s hooks and the pass's observer on its complete adjoint `g`, which user code then holds. */
function observe(t: Tensor, g: Tensor, onAdjoint: BackpropOptions['onAdjoint'], memory: MemoryPlan | null): Tensor {
  memory?.expose(g);
  const run = (): Tensor => {
    const hooked = runHooks(t, g);
    onAdjoint?.(t, hooked);
    return hooked;
  };
  return memory === null ? run() : memory.outside(run);
}

/**
 * `op`'s rule on the adjoint `g`. A rule that is not core's own is user code: the adjoint is
 * handed to it, and what it allocates is not collected as the engine's.
 */
function runRule(op: DifferentiableOp<unknown>, g: Tensor, inputs: readonly Tensor[], t: Tensor, memory: MemoryPlan | null, checking: boolean): readonly (Tensor | null)[] {
  const userCode = memory !== null && !isBuiltInOp(op);
  if (!userCode && !checking) return op.vjp(g, inputs, t, t._attrs); // the usual case, without closures
  const rule = (): readonly (Tensor | null)[] => op.vjp(g, inputs, t, t._attrs);
  const checked = checking ? () => runBackwardRule(rule) : rule;
  if (userCode) memory.expose(g);
  const cotangents = userCode ? memory.outside(checked) : checked();
  if (checking) checkBackward(op.name, t, g, inputs, cotangents);
  return cotangents;
}

/** Passes running: a pass started while another runs (from inside a rule) restores the marks it overwrites. */
let passesRunning = 0;

/** The mark of the latest walk (see Tensor._visit). */
let lastVisit = 0;

/**
 * A pass's tape: the tensors reachable from its roots through recorded nodes, inputs before the
 * tensors made from them. Each tensor on it holds its position in Tensor._position, marked with the
 * walk's own mark in Tensor._visit, so that looking an input up costs two field reads.
 */
interface Tape {
  readonly nodes: Tensor[];
  /** A tensor's position on the tape, or -1 when it is not on it (or takes no adjoint). */
  positionOf(t: Tensor): number;
  /** Ends the pass: a pass started inside another's rule gives back the marks it overwrote. */
  release(): void;
}

/** The marks a walk overwrote: tensor, _visit, _position, … — kept only by walks inside another pass. */
type SavedMarks = Array<Tensor | number>;

/**
 * Whether a tracked leaf other than `own` lies behind `root` (through inputs that require grad).
 * Seen tensors are marked in Tensor._visit, as a tape walk marks them, so the test costs a field
 * read per tensor rather than a set; inside a pass, the marks it overwrites are given back.
 */
export function reachesOtherLeaf(root: Tensor, own: readonly Tensor[]): boolean {
  const mark = ++lastVisit;
  const saved: SavedMarks | null = passesRunning > 0 ? [] : null;
  const visit = (t: Tensor): void => {
    if (saved !== null) saved.push(t, t._visit);
    t._visit = mark;
  };
  try {
    for (const t of own) visit(t); // the variables end the walk
    const stack = [root];
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (t._visit === mark) continue;
      visit(t);
      const count = inputCount(t);
      if (count === 0) return true;
      for (let i = 0; i < count; i++) {
        const x = inputAt(t, i);
        if (x.requiresGrad && x._visit !== mark) stack.push(x);
      }
    }
    return false;
  } finally {
    if (saved !== null) for (let i = saved.length - 2; i >= 0; i -= 2) (saved[i] as Tensor)._visit = saved[i + 1] as number;
  }
}

/**
 * The tape behind `roots`: a depth-first walk, inputs in order, with an explicit stack (a 200,000-op
 * chain cannot overflow it). With targets, the walk stops at them and keeps only tensors on a path
 * to one.
 *
 * A tensor is marked in Tensor._visit when it is expanded (its inputs pushed, all at once) and
 * again when it is done (placed on the tape, its position in Tensor._position, or -1 when it is not
 * on a path to a target). One reached again while an earlier copy of it still waits lower on the
 * stack is expanded where it is reached, as a recursive walk would; the earlier copy is skipped
 * when its turn comes. A pass started inside another's rule (a custom rule calling `grad`) may walk
 * the outer pass's tensors: it saves the marks it overwrites and restores them when it ends, so the
 * outer pass finds its positions intact.
 */
function recordTape(roots: readonly Tensor[], targets: Set<Tensor> | null, nested: boolean): Tape {
  const nodes: Tensor[] = [];
  const expanded = ++lastVisit;
  const done = ++lastVisit;
  const saved: SavedMarks | null = nested ? [] : null;
  const stack: Tensor[] = [];
  for (let r = roots.length - 1; r >= 0; r--) stack.push(roots[r]!); // the first root on top
  while (stack.length > 0) {
    const t = stack[stack.length - 1]!;
    const mark = t._visit;
    if (mark === done) {
      stack.pop();
      continue;
    }
    const op = t._op;
    const stops = op === null || (targets !== null && targets.has(t));
    if (mark !== expanded) {
      if (saved !== null) saved.push(t, mark, t._position);
      t._visit = expanded;
      if (!stops) {
        const count = inputCount(t);
        if (count === 0) {
          throw new GradError(
            `backward: the graph through '${op!.name}' (output ${formatShape(t._shape)}) was freed by an earlier backward; ` +
              'to differentiate twice, keep it with the first: backward(undefined, { retainGraph: true }) (the seed comes first), or build it again',
          );
        }
        for (let i = count - 1; i >= 0; i--) { // the first input on top
          const child = inputAt(t, i);
          if (takesAdjoint(op!, child, i) && child._visit !== done) stack.push(child);
        }
      }
      continue; // its inputs first; back here once they are done
    }
    stack.pop();
    t._visit = done;
    let relevant = targets === null || targets.has(t);
    if (!relevant && !stops) {
      const count = inputCount(t);
      for (let i = 0; i < count && !relevant; i++) {
        const child = inputAt(t, i);
        relevant = child._visit === done && child._position >= 0 && takesAdjoint(op!, child, i);
      }
    }
    t._position = relevant ? nodes.length : -1;
    if (relevant) nodes.push(t);
  }
  return {
    nodes,
    positionOf: (t) => (t._visit === done ? t._position : -1),
    release: () => {
      if (saved === null) return;
      for (let i = saved.length - 3; i >= 0; i -= 3) {
        const t = saved[i] as Tensor;
        t._visit = saved[i + 1] as number;
        t._position = saved[i + 2] as number;
      }
    },
  };
}

/** Whether input `i` of a node of `op`, `x`, receives an adjoint. */
function takesAdjoint(op: DifferentiableOp<unknown>, x: Tensor, i: number): boolean {
  return x.requiresGrad && !op.nondiff?.includes(i);
}

/** A plain object where a seed belongs: PyTorch's `backward(retain_graph=True)` written as `backward({ retainGraph: true })`. */
function isOptionsObject(seed: unknown): boolean {
  return seed !== null && typeof seed === 'object' && !Array.isArray(seed) && !(seed instanceof Tensor) && !ArrayBuffer.isView(seed);
}

/** `Tensor.backward`: reverse mode into the `.grad` of every leaf with requiresGrad. */
export function backward(root: Tensor, seed: Tensor | NestedArray | undefined, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new GradError(
      `backward: the ${formatShape(root._shape)} tensor does not require grad (no input had requiresGrad, or it was computed under noGrad); ` +
        'create the tensors to differentiate with respect to as tensor(data, { requiresGrad: true })',
    );
  }
  if (isOptionsObject(seed)) {
    const keys = Object.keys(seed as object);
    const given = keys.length === 0 ? '{}' : `{ ${keys.map((k) => `${k}: …`).join(', ')} }`;
    throw new ValueError(`backward: the first argument is the seed (the output's gradient), got the options ${given}; options come second: backward(undefined, ${given})`);
  }
  if (seed === undefined && root.size !== 1) {
    throw new GradError(
      `backward: without a seed the output must be a single number (a loss), got shape ${formatShape(root._shape)}; ` +
        `reduce it first (.sum() or .mean()), or pass the output's gradient, a tensor of shape ${formatShape(root._shape)}, as the seed`,
    );
  }
  const { createGraph = false, retainGraph = createGraph } = requireOptions('backward', options);
  const seedTensor = seed === undefined ? engineTensor(new Float64Array(1).fill(1), root._shape) : toTensor(seed, 'backward');
  const memory = new MemoryPlan();
  const grads = backpropagate([root], [seedTensor], { createGraph, retainGraph, memory });
  // The seed is the caller's, even when it reaches a leaf through a recorded view (a reshape).
  const taken = new Set<Float64Array>([seedTensor.data]);
  for (const [leaf, g] of grads) {
    const previous = leaf._grad;
    // A recorded gradient stays as the pass made it, and sums with it are recorded too. A tensor no
    // op recorded (the seed passed through; one a hook or a custom rule returned) can be written in
    // place by its holder, and another leaf may have taken the same array: those get a copy, as in
    // the plain pass, recorded from them so that it differentiates as they do.
    if (createGraph) {
      leaf.grad = previous !== null ? add(previous, g) : g._op === null || taken.has(g.data) ? identity(g) : g;
      taken.add(g.data);
    }
    // An array the pass owns becomes the leaf's own gradient; anything else (the seed, a forward
    // value passed through, a cotangent user code has seen) is copied.
    else if (previous === null) setPrivateGrad(leaf, memory.adopt(g) ? g.detach() : g.clone());
    // Only a gradient nobody else has seen may be added into: one read through .grad, or recorded
    // by a createGraph pass, is a value someone may hold.
    else if (isPrivateGrad(previous)) addInto(previous.data, g.data);
    else setPrivateGrad(leaf, noGrad(() => add(previous.detach(), g)));
  }
}
