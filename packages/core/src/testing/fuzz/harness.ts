/**
 * The fuzz harness: arbitraries for tensor arguments (valid, junk, nested arrays, plain numbers),
 * axes and shapes, and the check every generated call must pass:
 *
 *   (a) the reference accepts the arguments and the op returns a Tensor of the reference's shape
 *       and values (and, when it recorded a graph, `backward` and `jvp` through it work and give
 *       cotangents/tangents of the right shapes), or
 *   (b) the reference rejects them and the op throws an AdjointError whose message names the op.
 *
 * Anything else — a TypeError or RangeError, a wrong shape or value, a refusal of a valid call, a
 * result for a call NumPy rejects — fails the property with a description of what happened.
 */
import fc from 'fast-check';
import { AdjointError, Tensor, jvp, ones, vjp, withPoisonedReuse } from '@adjoint/core';
import { fromValue, isReject, size, type Nd, type Ref } from './reference';

/** Runs per op; raise with FUZZ_RUNS=2000 for a deeper search. */
export const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

/**
 * The suite is seeded so that CI is reproducible; FUZZ_SEED=random (or any integer) explores
 * other inputs, and a failure prints the seed that replays it.
 */
export const SEED: number | undefined = process.env.FUZZ_SEED === 'random' ? undefined : Number(process.env.FUZZ_SEED ?? 20261123);

// ── Tensor arguments ────────────────────────────────────────────────────────────────────────────

/** A generated tensor: turned into a Tensor (or, when `nested`, nested arrays) when the op is called. */
export interface TDesc {
  readonly kind: 'tensor';
  readonly shape: number[];
  readonly data: number[];
  readonly nested?: boolean;
}

export const isDesc = (v: unknown): v is TDesc => typeof v === 'object' && v !== null && (v as TDesc).kind === 'tensor';

/** Element values: small integers (ties, zeros), reals, and now and then an IEEE special. */
export const value: fc.Arbitrary<number> = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: -3, max: 3 }) },
  { weight: 8, arbitrary: fc.double({ min: -10, max: 10, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e300, -1e-300) },
);

/** A dimension 0…4, biased away from 0 (an empty tensor in every fifth draw would hide the rest). */
export const dim: fc.Arbitrary<number> = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 7, arbitrary: fc.integer({ min: 1, max: 4 }) });

/** Shapes of rank minRank…maxRank with dims 0…4. */
export const shapeArb = (minRank = 0, maxRank = 4): fc.Arbitrary<number[]> => fc.array(dim, { minLength: minRank, maxLength: maxRank });

/** A tensor of exactly this shape (sometimes passed as nested arrays). */
export function tensorOf(shape: readonly number[], elements: fc.Arbitrary<number> = value, allowNested = true): fc.Arbitrary<TDesc> {
  const n = size(shape);
  return fc.tuple(fc.array(elements, { minLength: n, maxLength: n }), allowNested ? fc.integer({ min: 0, max: 5 }) : fc.constant(1)).map(([data, k]) => ({
    kind: 'tensor' as const,
    shape: [...shape],
    data,
    ...(k === 0 ? { nested: true } : {}),
  }));
}

/** Values that are not tensor data. */
export const junk: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(null, undefined, 'abc', {}, true, [[1], [1, 2]], [1, 'a'], [[1, 2], 3], Symbol('s'), () => 1, 10n, new Float32Array(2));

/** Mostly a tensor of `shape`; sometimes a plain number or junk. */
export function tensorArg(shape: readonly number[], elements: fc.Arbitrary<number> = value): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 24, arbitrary: tensorOf(shape, elements) },
    { weight: 1, arbitrary: elements },
    { weight: 1, arbitrary: junk },
  );
}

/** Nested arrays of `desc`'s values (a number for a scalar). */
export function nestedOf(desc: TDesc): unknown {
  const rec = (d: number, off: number): unknown => {
    if (d === desc.shape.length) return desc.data[off];
    const stride = size(desc.shape.slice(d + 1));
    return Array.from({ length: desc.shape[d]! }, (_, i) => rec(d + 1, off + i * stride));
  };
  return rec(0, 0);
}

/** What the reference makes of an argument: a desc, a number or nested arrays; null for junk. */
export function nd(v: unknown): Nd | null {
  if (isDesc(v)) return v.nested ? fromValue(nestedOf(v)) : { shape: [...v.shape], data: [...v.data] };
  return fromValue(v);
}

/**
 * Turns generated arguments into what the op receives. `t` marks a differentiable argument: in
 * the backward pass it is a leaf with requiresGrad, in the jvp pass the variable jvp passes in.
 * `c` marks a constant argument (indices, conditions).
 */
export class Slots {
  readonly tensors: Tensor[] = [];
  constructor(private readonly given?: readonly Tensor[], private readonly requiresGrad = false) {}

  t(v: unknown): any {
    if (!isDesc(v)) return v;
    if (v.nested) return nestedOf(v);
    const next = this.given ? this.given[this.tensors.length]! : new Tensor(Float64Array.from(v.data), [...v.shape], { requiresGrad: this.requiresGrad });
    this.tensors.push(next);
    return next;
  }

  c(v: unknown): any {
    if (!isDesc(v)) return v;
    return v.nested ? nestedOf(v) : new Tensor(Float64Array.from(v.data), [...v.shape]);
  }
}

// ── Axes and attributes ─────────────────────────────────────────────────────────────────────────

/** Values that are not axes (or not integers). */
export const badNumber = fc.constantFrom<unknown>(0.5, -1.5, NaN, Infinity, -Infinity, '0', true, {}, Symbol('axis'));

/** One axis for a tensor of rank r: in range, just out of range, negative, or not an integer. */
export const axisArb = (r: number): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 12, arbitrary: fc.integer({ min: -r - 2, max: r + 1 }) }, { weight: 1, arbitrary: badNumber });

/** An axis argument of a reduction: undefined/null (all), one axis, or a list (repeats included). */
export const axesArb = (r: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(undefined, null) },
    { weight: 6, arbitrary: axisArb(r) },
    { weight: 4, arbitrary: fc.array(fc.integer({ min: -r - 1, max: r }), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.array(axisArb(r), { maxLength: 3 }) },
  );

/** Lists of integers (shapes, begins, sizes) that are sometimes wrong in length or content. */
export const intListArb = (maxLength = 4, min = -2, max = 6): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.array(fc.integer({ min, max }), { maxLength }) },
    { weight: 1, arbitrary: fc.array(fc.oneof(fc.integer({ min, max }), badNumber), { maxLength }) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 3, 'abc', {}) },
  );

/** A copy of `list` with one entry replaced by `v` (or unchanged for an empty list). */
export function replaceAt<T>(list: readonly T[], at: number, v: T): T[] {
  const out = [...list];
  if (out.length > 0) out[at % out.length] = v;
  return out;
}

// ── The check ───────────────────────────────────────────────────────────────────────────────────

/** One op under test. */
export interface Spec<A = any> {
  /** The generated arguments. */
  readonly args: fc.Arbitrary<A>;
  /** Calls the op (through `s.t` / `s.c` for tensor arguments). */
  readonly run: (a: A, s: Slots) => unknown;
  /** The expected result, or a rejection. */
  readonly ref: (a: A) => Ref;
  /**
   * Other names the message may use instead of the function's: the registered ops it applies under
   * other names (which the coverage test then counts as fuzzed through this function).
   */
  readonly alsoNamed?: readonly string[];
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}` : `non-Error ${String(e)}`;
}

/** Equal, both NaN, or within 1e-8 + 1e-9·|expected| (summation order differs from the reference). */
export function close(got: number, want: number): boolean {
  if (got === want) return true;
  if (Number.isNaN(got) && Number.isNaN(want)) return true;
  if (!Number.isFinite(got) || !Number.isFinite(want)) return false;
  return Math.abs(got - want) <= 1e-8 + 1e-9 * Math.abs(want);
}

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** The property body: throws an Error describing the first violation. */
export function checkSpec<A>(name: string, spec: Spec<A>, args: A): void {
  const names = [name, ...(spec.alsoNamed ?? [])];
  const expected = spec.ref(args);
  let out: unknown;
  try {
    out = spec.run(args, new Slots());
  } catch (e) {
    if (!(e instanceof AdjointError)) throw new Error(`${name} threw a ${describeError(e)} — not an AdjointError`);
    if (!names.some((n) => e.message.includes(n))) throw new Error(`${name} threw ${describeError(e)} — the message does not name ${names.join(' or ')}`);
    if (!isReject(expected)) throw new Error(`${name} refused a valid call (expected shape ${fmt(expected.shape)}): ${describeError(e)}`);
    return;
  }
  if (isReject(expected)) {
    const got = out instanceof Tensor ? `a tensor of shape ${fmt(out.shape)}` : String(out);
    throw new Error(`${name} accepted a call it must reject (${expected.reject}) and returned ${got}`);
  }
  if (!(out instanceof Tensor)) throw new Error(`${name} returned ${String(out)}, not a Tensor`);
  if (out.shape.length !== expected.shape.length || out.shape.some((d, i) => d !== expected.shape[i])) {
    throw new Error(`${name} returned shape ${fmt(out.shape)}, expected ${fmt(expected.shape)}`);
  }
  for (let i = 0; i < expected.data.length; i++) {
    if (!close(out.data[i]!, expected.data[i]!)) {
      throw new Error(`${name}: element ${i} is ${out.data[i]}, expected ${expected.data[i]} (shape ${fmt(out.shape)})`);
    }
  }
  checkDerivatives(name, spec, args, out);
}

/** Reverse and forward mode through a valid call: no error, and cotangents/tangents of the right shapes. */
function checkDerivatives<A>(name: string, spec: Spec<A>, args: A, primal: Tensor): void {
  const leaves = new Slots(undefined, true);
  let stage = 'backward';
  try {
    const out = spec.run(args, leaves) as Tensor;
    if (out.requiresGrad) {
      withPoisonedReuse(() => out.backward(ones(out.shape)));
      for (const leaf of leaves.tensors) {
        if (leaf.grad !== null && fmt(leaf.grad.shape) !== fmt(leaf.shape)) {
          throw new Error(`the gradient of a ${fmt(leaf.shape)} input has shape ${fmt(leaf.grad.shape)}`);
        }
      }
    }
    if (leaves.tensors.length === 0) return;
    stage = 'vjp';
    if (out.requiresGrad) sameAsPlainPass(spec, args, leaves.tensors, out.shape);
    stage = 'jvp';
    const primals = leaves.tensors.map((t) => new Tensor(t.data, t.shape));
    const [value, tangent] = jvp((...vars) => spec.run(args, new Slots(vars)) as Tensor, primals, primals.map((p) => ones(p.shape)));
    if (fmt(value.shape) !== fmt(primal.shape) || fmt(tangent.shape) !== fmt(primal.shape)) {
      throw new Error(`jvp gave value ${fmt(value.shape)} and tangent ${fmt(tangent.shape)} for an output of shape ${fmt(primal.shape)}`);
    }
  } catch (e) {
    throw new Error(`${name}: ${stage} through a valid call failed: ${describeError(e)}`);
  }
}

/**
 * Tensor.backward, which reuses arrays, must give the leaves exactly the gradients of vjp's plain
 * pass: every bit, -0 and NaN included.
 */
function sameAsPlainPass<A>(spec: Spec<A>, args: A, leaves: readonly Tensor[], outShape: readonly number[]): void {
  const primals = leaves.map((t) => new Tensor(t.data, t.shape));
  const [, pullback] = vjp((...vars) => spec.run(args, new Slots(vars)) as Tensor, ...primals);
  const plain = pullback(ones(outShape));
  leaves.forEach((leaf, i) => {
    const want = plain[i]!.data;
    const got = leaf.grad?.data ?? new Float64Array(want.length);
    const at = want.findIndex((v, j) => !Object.is(v, got[j]));
    if (at >= 0) throw new Error(`Tensor.backward gave ${got[at]} at element ${at} of the gradient of input ${i} (${fmt(leaf.shape)}), vjp ${want[at]}`);
  });
}

/** fc.assert of the spec's property, with the op's name in the failure. */
export function fuzz<A>(name: string, spec: Spec<A>, runs = RUNS): void {
  fc.assert(
    fc.property(spec.args, (args) => checkSpec(name, spec, args)),
    { numRuns: runs, ...(SEED === undefined ? {} : { seed: SEED }) },
  );
}
