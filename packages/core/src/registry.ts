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
  readonly min: number;
  readonly max: number;
  /** Values to stay at least `margin` away from (kinks and poles: 0 for abs, π/2 for tan). */
  readonly awayFrom?: readonly number[];
  readonly margin?: number;
  /** Draw integers (indices) instead of reals. */
  readonly integer?: boolean;
}

/** One configuration an op is checked at: input shapes, attributes, optional per-case domains. */
export interface OpCase<A> {
  readonly shapes: readonly Shape[];
  readonly attrs: A;
  readonly domains?: readonly InputDomain[];
}

/** How an op is checked: per-input domains, the cases to try, and whether it is smooth there. */
export interface OpDomain<A> {
  readonly inputs: readonly InputDomain[];
  readonly cases: readonly OpCase<A>[];
  /** False for ops with kinks (relu, abs, max): second derivatives are not checked. */
  readonly smooth?: boolean;
}

interface OpBase<A> {
  readonly name: string;
  /** Number of tensor inputs. */
  readonly arity: number;
  /** Output shape, or a ShapeError "name: requirement, got shapes". Runs before `forward`. */
  shape(shapes: readonly Shape[], attrs: A): Shape;
  /** The kernel: input data to output data (row-major, of the size of the output shape). */
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
  /** Inputs that carry no derivative (indices, conditions). */
  readonly nondiff?: readonly number[];
  /** Adjoint rule: output cotangent → one cotangent per input (null for none). Un-broadcasting is the graph's job. */
  vjp(g: Tensor, inputs: readonly Tensor[], out: Tensor, attrs: A): readonly (Tensor | null)[];
  /**
   * Tangent rule: input tangents → output tangent (any shape that broadcasts to the output's). A
   * tangent is null where that input carries none; at least one is not null.
   */
  jvp(tangents: readonly (Tensor | null)[], inputs: readonly Tensor[], out: Tensor, attrs: A): Tensor;
  readonly domain: OpDomain<A>;
}

/** An op whose output is piecewise constant (comparisons, sign, oneHot): it records nothing. */
export interface ConstantOp<A = undefined> extends OpBase<A> {
  readonly kind: 'constant';
}

/** Any registered op. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpDef<A = any> = DifferentiableOp<A> | ConstantOp<A>;

const registry = new Map<string, OpDef>();

/**
 * Core's own ops. Their rules keep no reference to the tensors they are given or return, which
 * lets a backward pass reuse the arrays of adjoints it has finished with (see graph.ts); an op
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
 * Adds an op to the registry (names are unique) and returns it: a copy of `def` with every field of
 * the op types, in one order (absent ones undefined), then any others. All ops then share one
 * hidden class in V8, so the engine's reads of `op.forward`, `op.vjp`, `op.nondiff` … stay
 * monomorphic however many kinds of op a program mixes (measured: a scalar workload run after the
 * Jacobian benchmark, which uses many ops, was about a tenth slower with the literals as given).
 * Apply the returned op, not the literal.
 */
export function registerOp<D extends OpDef>(def: D): D {
  if (registry.has(def.name)) throw new ValueError(`registerOp: an op named '${def.name}' is already registered`);
  const rules = def as Partial<DifferentiableOp<unknown>>;
  const fields = {
    kind: def.kind, name: def.name, arity: def.arity, shape: def.shape, forward: def.forward,
    print: def.print, dotLabel: def.dotLabel,
    nondiff: rules.nondiff, vjp: rules.vjp, jvp: rules.jvp, domain: rules.domain,
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
