/**
 * fast-check arbitraries for property-testing derivatives: shapes, finite bounded tensors (optionally
 * drawn from an op's input domain), broadcastable shape pairs and matmul-compatible shape pairs.
 */
import fc from 'fast-check';
import { Tensor, ValueError, shapeSize, type InputDomain, type Shape } from '@adjoint/core';
import { withDiagonal } from './domain';

/** Options of {@link arb}.shape. */
export interface ShapeOptions {
  /** Fewest axes (default 0: scalars included). */
  minRank?: number;
  /** Most axes (default 3). */
  maxRank?: number;
  /** Smallest dimension (default 1; 0 allows empty tensors). */
  minDim?: number;
  /** Largest dimension (default 4: small enough for element-by-element checks). */
  maxDim?: number;
}

/** Options of {@link arb}.tensor. */
export interface TensorArbOptions {
  /** A fixed shape, or an arbitrary of shapes (default `arb.shape()`). */
  shape?: Shape | fc.Arbitrary<Shape>;
  /** Smallest element (default −10). */
  min?: number;
  /** Largest element (default 10). */
  max?: number;
  /** Draw from an op's input domain instead: its bounds, kinks to stay away from, integers. */
  domain?: InputDomain;
}

function nonNegativeInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new ValueError(`arb.${name}: expected a non-negative integer, got ${value}`);
  return value;
}

/** Shapes: arrays of `minRank`…`maxRank` dimensions, each in `minDim`…`maxDim`. */
function shape(options: ShapeOptions = {}): fc.Arbitrary<Shape> {
  const minRank = nonNegativeInt('shape minRank', options.minRank ?? 0);
  const maxRank = nonNegativeInt('shape maxRank', options.maxRank ?? Math.max(3, minRank));
  const minDim = nonNegativeInt('shape minDim', options.minDim ?? 1);
  const maxDim = nonNegativeInt('shape maxDim', options.maxDim ?? Math.max(4, minDim));
  if (maxRank < minRank || maxDim < minDim) throw new ValueError(`arb.shape: empty range (rank ${minRank}…${maxRank}, dims ${minDim}…${maxDim})`);
  return fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/** One element: a finite double in [min, max] (or an integer), at least `margin` from each kink. */
function element(domain: InputDomain): fc.Arbitrary<number> {
  const { min, max } = domain;
  if (!(Number.isFinite(min) && Number.isFinite(max) && min <= max)) throw new ValueError(`arb.tensor: need finite min ≤ max, got [${min}, ${max}]`);
  const base = domain.integer
    ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
    : // noDefaultInfinity and noNaN keep every element finite; −0 is turned into 0 as no tensor op cares.
      fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((v) => (v === 0 ? 0 : v));
  const away = domain.awayFrom ?? [];
  if (away.length === 0) return base;
  const margin = domain.margin ?? 0.1;
  const allowed = (v: number): boolean => v >= min && v <= max && away.every((a) => Math.abs(v - a) >= margin);
  // A filter that can never pass would make fast-check retry forever. The allowed set, if not empty,
  // contains its smallest point: min or the upper edge of an excluded interval (rounded up for integers).
  const round = domain.integer ? Math.ceil : (v: number) => v;
  if (![min, ...away.map((a) => a + margin)].some((v) => allowed(round(v)))) {
    throw new ValueError(`arb.tensor: no value in [${min}, ${max}] is ${margin} away from [${away.join(', ')}]`);
  }
  return base.filter(allowed);
}

/** A tensor of a given shape whose elements come from `elements` (the domain's `diagonal` added, for square matrices). */
function tensorOfShape(s: Shape, elements: fc.Arbitrary<number>, domain: InputDomain): fc.Arbitrary<Tensor> {
  const n = shapeSize(s);
  return fc.array(elements, { minLength: n, maxLength: n }).map((values) => withPrintableValue(new Tensor(withDiagonal(Float64Array.from(values), s, domain), [...s])));
}

/** Counterexamples print as `tensor([...], shape)` rather than as an object dump. */
function withPrintableValue(t: Tensor): Tensor {
  Object.defineProperty(t, fc.toStringMethod, { value: () => `tensor(${JSON.stringify(t.toArray())})`, enumerable: false });
  return t;
}

/** Whether `x` is a fast-check arbitrary. */
export function isArbitrary(x: unknown): x is fc.Arbitrary<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { generate?: unknown }).generate === 'function' && typeof (x as { chain?: unknown }).chain === 'function';
}

/** Finite tensors with elements in [min, max] (default [−10, 10]) or drawn from `domain`. */
function tensor(options: TensorArbOptions = {}): fc.Arbitrary<Tensor> {
  const domain: InputDomain = options.domain ?? { min: options.min ?? -10, max: options.max ?? 10 };
  const elements = element(domain);
  const s = options.shape ?? shape();
  // Duck-typed rather than instanceof, which a second copy of fast-check would defeat.
  if (isArbitrary(s)) return s.chain((fixed) => tensorOfShape(fixed, elements, domain));
  return tensorOfShape(s, elements, domain);
}

/** One tensor per shape of a list of shapes (a pair from `broadcastableShapes`, say). */
function tensors(shapes: fc.Arbitrary<readonly Shape[]>, options: Omit<TensorArbOptions, 'shape'> = {}): fc.Arbitrary<Tensor[]> {
  return shapes.chain((list) => fc.tuple(...list.map((s) => tensor({ ...options, shape: s }))));
}

/** Options of {@link arb}.broadcastableShapes and {@link arb}.matmulShapes. */
export interface PairOptions {
  /** Most axes of the broadcast result (default 3). */
  maxRank?: number;
  /** Largest dimension (default 4). */
  maxDim?: number;
}

/**
 * Pairs of shapes that broadcast together under NumPy's rules: each is a suffix of a common shape
 * (leading axes dropped) with some dimensions replaced by 1.
 */
function broadcastableShapes(options: PairOptions = {}): fc.Arbitrary<[Shape, Shape]> {
  const maxRank = options.maxRank ?? 3;
  const common = shape({ minRank: 0, maxRank, maxDim: options.maxDim ?? 4 });
  const side = (full: Shape): fc.Arbitrary<Shape> =>
    fc.tuple(fc.integer({ min: 0, max: full.length }), fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length })).map(([drop, ones]) =>
      full.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)),
    );
  return common.chain((full) => fc.tuple(side(full), side(full)));
}

/** Options of {@link arb}.matmulShapes. */
export interface MatmulPairOptions extends PairOptions {
  /** Also draw broadcastable batch axes in front of the matrices (default false). */
  batch?: boolean;
}

/** Pairs [[…, m, k], [… , k, n]] whose matrix product is defined (batch axes broadcast when asked). */
function matmulShapes(options: MatmulPairOptions = {}): fc.Arbitrary<[Shape, Shape]> {
  const dim = fc.integer({ min: 1, max: options.maxDim ?? 4 });
  const batches: fc.Arbitrary<[Shape, Shape]> = options.batch
    ? broadcastableShapes({ maxRank: Math.max(0, (options.maxRank ?? 4) - 2), maxDim: options.maxDim ?? 3 })
    : fc.constant([[], []] as [Shape, Shape]);
  return fc.tuple(batches, dim, dim, dim).map(([[ba, bb], m, k, n]) => [[...ba, m, k], [...bb, k, n]]);
}

/**
 * The arbitraries of @adjoint/gradcheck, for `fc.assert(fc.property(...))` or {@link gradProperty}.
 *
 * @example
 * fc.assert(gradProperty((a, b) => a.mul(b).sum(), arb.tensors(arb.broadcastableShapes())));
 */
export const arb = { shape, tensor, tensors, broadcastableShapes, matmulShapes, element };
