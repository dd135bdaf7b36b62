/**
 * The op definition type and the registry: the single list of elementary ops. Each op is one object
 * holding its shape rule, forward kernel, adjoint (VJP) rule, tangent (JVP) rule, the domain its
 * inputs are drawn from when it is checked, and, where a call `name(a, b)` would not read well, how
 * traces and graphs print it. This module imports no ops, so op files can register themselves
 * while the rest of the engine is still loading.
 */
import type { Shape } from './shape';
import type { Tensor } from './tensor';
import { ValueError } from './errors';

/** Where one input of an op may be drawn from when its derivatives are checked. */
export interface InputDomain {
  /** Each element is drawn uniformly from [min, max]. */
  readonly min: number;
  readonly max: number;
  /** Values to stay at least `margin` away from (kinks and poles: 0 for abs, π/2 for tan). */
  readonly awayFrom?: readonly number[];
  /** Default 0.1. */
  readonly margin?: number;
  /** Draw integers (indices) instead of reals. */
  readonly integer?: boolean;
  /**
   * Added to the diagonal of each square matrix in the last two axes after drawing: keeps a linear
   * algebra op's input well conditioned (invertible, positive definite), as finite differences need.
   */
  readonly diagonal?: number;
}

/** One configuration an op is checked at: input shapes, attributes, optional per-case domains. */
export interface OpCase<A> {
  /** One shape per input. */
  readonly shapes: readonly Shape[];
  readonly attrs: A;
  /** Replace {@link OpDomain.inputs} for this case. */
  readonly domains?: readonly InputDomain[];
}

/** How an op is checked: per-input domains, the cases to try, and whether it is smooth there. */
export interface OpDomain<A> {
  /** One domain per input (the last one serves any further inputs); at least one. */
  readonly inputs: readonly InputDomain[];
  /**
   * At least one. Include a case with broadcasting if the op broadcasts, and one with an input or
   * output of more than eight elements: arrays that large are the ones a backward pass reuses, and
   * checkAllOps compares that pass with the plain one at each case.
   */
  readonly cases: readonly OpCase<A>[];
  /** False for ops with kinks (relu, abs, max): second derivatives are not checked. */
  readonly smooth?: boolean;
}

/** What every op has; see {@link registerOp} for the rules each member must keep. */
interface OpBase<A> {
  /** Unique among registered ops; the op's messages start with it. */
  readonly name: string;
  /** Number of tensor inputs: the op is applied to exactly this many. */
  readonly arity: number;
  /**
   * Output shape from the input shapes and attributes, or a ShapeError "name: requirement, got
   * [2, 3] and [4]" (a ValueError for a bad attribute). Runs first, before any kernel; calls no op.
   */
  shape(shapes: readonly Shape[], attrs: A): Shape;
  /**
   * The kernel: input data to the output's data, row-major, in a new array of the output shape's
   * size. Writes into no input, calls no op, keeps nothing.
   */
  forward(inputs: readonly Float64Array[], shapes: readonly Shape[], outShape: Shape, attrs: A): Float64Array;
  /**
   * How `trace` writes the op applied to inputs named `args`, where the usual notation is
   * clearer than a call: `a + b`, `√a`, `aᵀ @ b`. Show any attribute that changes what the op
   * computes (a transpose, a fused relu). Without it the trace writes `name(a, b)`.
   *
   * @example
   * print: ([a, b]) => `${a} + ${b}`
   */
  print?(args: readonly string[], attrs: A): string;
  /**
   * The op's label in a `toDot` graph, where the name alone would hide such an attribute:
   * `linear + relu`. Without it the label is the name.
   */
  dotLabel?(attrs: A): string;
}

/** An op with derivatives. Its rules are written with ops, so they are differentiable in turn. */
export interface DifferentiableOp<A = undefined> extends OpBase<A> {
  readonly kind: 'differentiable';
  /**
   * Positions of inputs that carry no derivative (indices, conditions): they get no cotangent and
   * null tangents, and one that requires grad does not make the result recorded.
   */
  readonly nondiff?: readonly number[];
  /**
   * Adjoint rule: the output's cotangent `g` (of `out`'s shape) → one entry per input: its
   * cotangent, at the input's shape or a shape it broadcasts to (un-broadcasting is the engine's
   * job), or null for none. Written with core ops; writes into no argument, keeps nothing.
   */
  vjp(g: Tensor, inputs: readonly Tensor[], out: Tensor, attrs: A): readonly (Tensor | null)[];
  /**
   * Tangent rule: input tangents → output tangent (any shape that broadcasts to the output's). A
   * tangent has its input's shape, or is null where that input carries none; at least one is not
   * null. Written with core ops; writes into no argument, keeps nothing.
   */
  jvp(tangents: readonly (Tensor | null)[], inputs: readonly Tensor[], out: Tensor, attrs: A): Tensor;
  /** Where gradcheck checks both rules against finite differences. */
  readonly domain: OpDomain<A>;
  /**
   * @internal Set by core's slice alone: input 0's cotangent is `g` written at `begin` (this
   * function of the attributes) into zeros of the input's shape. A backward pass then adds `g`
   * into that box of the input's adjoint (see Adjoints.addBox), so cutting k pieces from a tensor
   * costs their size in the backward pass, not k times the tensor's. Ignored on other ops.
   */
  readonly cotangentBox?: (attrs: A) => readonly number[];
}

/**
 * An op whose output is piecewise constant (comparisons, sign, oneHot): its derivative is zero
 * wherever it exists, so it has no rules and no domain, and records nothing.
 */
export interface ConstantOp<A = undefined> extends OpBase<A> {
  readonly kind: 'constant';
}

/** Any registered op. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpDef<A = any> = DifferentiableOp<A> | ConstantOp<A>;

const registry = new Map<string, OpDef>();

/**
 * Core's own ops. Their rules keep no reference to the tensors they are given or return, which
 * lets a backward pass reuse the arrays their rules allocate (see memory-plan.ts); an op
 * registered by a user, or made by customVjp, promises nothing of the kind.
 */
const builtIn = new WeakSet<OpDef>();

/** Marks every op registered so far as one of core's own; called once, when core's ops are loaded. */
export function markBuiltInOps(): void {
  for (const op of registry.values()) builtIn.add(op);
}

/** Whether `op` is one of core's own ops (see {@link markBuiltInOps}). */
export function isBuiltInOp(op: OpDef): boolean {
  return builtIn.has(op);
}

/**
 * Adds an op to the registry and returns it. Apply the returned op (with `apply(op, inputs, attrs)`),
 * not the literal. A registered op is in {@link registeredOps}, so gradcheck's `checkAllOps` checks
 * both its rules against finite differences, and to second order unless `smooth: false`.
 *
 * The engine relies on these rules, and checks few of them:
 *
 * - `name` is unique (registering it again is a ValueError) and starts every message of the op.
 * - `shape` runs on every application, before any kernel, so bad input fails there: it returns
 *   the output shape or throws a ShapeError naming the op and the shapes ("myOp: inner sizes must
 *   match, got [2, 3] and [4]"; `broadcastShapes(name, a, b)` words broadcasting failures so), or
 *   a ValueError for a bad attribute.
 * - `forward` returns the output's values, row-major, in a new Float64Array of the output shape's
 *   size that it keeps no reference to, for any shapes `shape` accepted (sizes of 0 included). Its
 *   inputs are read-only (a small one is a view into a shared buffer: never use `.buffer`). An op
 *   that only reinterprets its input (reshape) may return the input's array itself, whole; never
 *   a view of part of one.
 * - `shape` and `forward` call no op and keep neither list they are given: the engine reuses the
 *   lists from call to call.
 * - `vjp` gets `g` at `out`'s shape and returns one entry per input: a cotangent at that input's
 *   shape or at a shape that input broadcasts to (such as `out`'s; summing over the broadcast axes
 *   is the engine's job), or null for none. The engine ignores the entries of inputs that
 *   take no gradient (`nondiff` ones, or `requiresGrad` false), so a rule may skip their work.
 * - `jvp` gets one tangent per input, of the input's shape, or null where the input carries none
 *   (always at `nondiff` inputs; at least one is not null), and returns the output's tangent at
 *   `out`'s shape or one that broadcasts to it.
 * - Both rules are written with core's ops (this package's functions, or `apply`), never with
 *   loops over `.data`: when a derivative is differentiated again (`createGraph`, `grad` of
 *   `grad`, `hvp`) the rules' ops are recorded, and a rule that bypasses them gives wrong higher
 *   derivatives without an error. They may use `out` rather than recompute it.
 * - Both rules treat every tensor they are given (`g`, the tangents, `inputs`, `out`) as a value:
 *   they never write into its `.data`, because the same tensor may be the caller's seed, another
 *   input's cotangent, or read by another rule. They keep no reference across calls: each call is
 *   on its own values (a leaf may be assigned new values in between), and core's own ops keep
 *   nothing at all, since a backward pass reuses the arrays their rules allocate once no adjoint
 *   holds them.
 * - `attrs` stay with a recorded result until its backward pass: nothing may modify them.
 * - A `'differentiable'` op has `vjp`, `jvp` and a `domain` with at least one input domain and one
 *   case (gradcheck's `missingRules` lists an op that lacks one); a `'constant'` op has none.
 *
 * The returned op is a copy of `def` with every field of the op types, in one order (absent ones
 * undefined), then any others. All ops then share one hidden class in V8, so the engine's reads
 * of `op.forward`, `op.vjp`, `op.nondiff` … stay monomorphic however many kinds of op a program
 * mixes (measured: a scalar workload run after the Jacobian benchmark, which uses many ops, was
 * about a tenth slower with the literals as given).
 *
 * @example
 * const cubeOp = registerOp<DifferentiableOp>({
 *   kind: 'differentiable', name: 'cube', arity: 1,
 *   shape: ([s]) => s!,
 *   forward: ([x]) => x!.map((v) => v * v * v),
 *   vjp: (g, [x]) => [mul(g, mul(square(x!), 3))],
 *   jvp: ([t], [x]) => mul(t!, mul(square(x!), 3)),
 *   domain: { inputs: [{ min: -2, max: 2 }], cases: [{ shapes: [[3]], attrs: undefined }] },
 * });
 * const cube = (x: Tensor) => apply(cubeOp, [x], undefined);
 * @throws ValueError when an op of the same name is registered.
 */
export function registerOp<D extends OpDef>(def: D): D {
  if (registry.has(def.name)) throw new ValueError(`registerOp: an op named '${def.name}' is already registered`);
  const rules = def as Partial<DifferentiableOp<unknown>>;
  const fields = {
    kind: def.kind, name: def.name, arity: def.arity, shape: def.shape, forward: def.forward,
    print: def.print, dotLabel: def.dotLabel,
    nondiff: rules.nondiff, vjp: rules.vjp, jvp: rules.jvp, domain: rules.domain, cotangentBox: rules.cotangentBox,
  };
  const op = Object.assign(fields, def) as unknown as D;
  registry.set(op.name, op);
  return op;
}

/** Every registered op, in registration order. */
export function registeredOps(): OpDef[] {
  return [...registry.values()];
}

/** The registered op with this name, or undefined. */
export function getOp(name: string): OpDef | undefined {
  return registry.get(name);
}
