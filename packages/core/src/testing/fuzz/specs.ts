/**
 * One fuzz spec per op function (the public ones of packages/core/src/functions.ts and those of
 * rule-ops.ts): how its arguments are generated (valid ones and deliberately broken ones) and what
 * the reference expects.
 *
 * Most specs are derived from the op the function applies: an elementwise op or a reduction over
 * axes with a reference in fuzz/reference.ts (elementwiseOps, reductionOps) gets its spec from its
 * definition — how many inputs, which are drawn from whole numbers, which attributes its domain
 * gives it. The specs written out below are for what a definition does not say: attributes with
 * their own arguments and rules (alpha, clip's bounds, axes, permutations, boxes), functions that
 * compose ops, and inputs that must fit together (matmul, gather, cross-entropy).
 */
import fc from 'fast-check';
import * as core from '@adjoint/core';
import type { OpDef } from '@adjoint/core';
import * as ruleOps from '../../rule-ops';
import * as R from './reference';
import { reject, type Nd, type Ref } from './reference';
import { orderSpecs } from './specs-order';
import { digammaRef, polygammaRef } from './reference-gamma';
import { linalgSpecs } from './specs-linalg';
import {
  axesArb, axisArb, badNumber, dim, intListArb, isDesc, junk, nd, nestedOf, replaceAt, shapeArb, tensorArg, tensorOf, value, type Spec,
} from './harness';

/** `ref` applied to the tensor arguments, or a rejection when one of them is not tensor data. */
function withNd(args: readonly unknown[], ref: (...xs: Nd[]) => Ref): Ref {
  const xs = args.map(nd);
  if (xs.some((x) => x === null)) return reject('an argument is not tensor data');
  return ref(...(xs as Nd[]));
}

// ── Elementwise ─────────────────────────────────────────────────────────────────────────────────

/** Shapes that mostly broadcast: suffixes of one shape with some dims set to 1, sometimes spoiled. */
function broadcastable(count: number, maxRank = 4): fc.Arbitrary<number[][]> {
  const independent = fc.array(shapeArb(0, Math.min(maxRank, 2)), { minLength: count, maxLength: count });
  return fc.oneof({ weight: 6, arbitrary: derivedShapes(count, maxRank) }, { weight: 1, arbitrary: independent });
}

function derivedShapes(count: number, maxRank: number): fc.Arbitrary<number[][]> {
  return shapeArb(0, maxRank).chain((full) => {
    const side = fc
      .tuple(fc.integer({ min: 0, max: full.length }), fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }))
      .map(([drop, ones]) => full.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
    const spoil = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.nat(), dim);
    return fc.tuple(fc.array(side, { minLength: count, maxLength: count }), fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: spoil })).map(
      ([shapes, sp]) => (sp === null ? shapes : shapes.map((s, i) => (i === sp[0] % count ? replaceAt(s, sp[1], sp[2]) : s))),
    );
  });
}

/** An `alpha`: the default, a finite number, or something that is not one. */
const alphaArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(NaN, Infinity, -Infinity, null, 'a', '0.5') },
);

function withAlpha(
  fn: (x: any, alpha?: any) => core.Tensor,
  f: (v: number, alpha: number) => number,
  fallback: number,
): Spec<{ x: unknown; alpha: unknown }> {
  return {
    args: shapeArb().chain((s) => fc.record({ x: tensorArg(s), alpha: alphaArb })),
    run: ({ x, alpha }, s) => fn(s.t(x), alpha),
    ref: ({ x, alpha }) => {
      const al = alpha === undefined ? fallback : alpha;
      if (typeof al !== 'number' || !Number.isFinite(al)) return reject('alpha must be finite');
      return withNd([x], (a) => R.map(a, (v) => f(v, al)));
    },
  };
}

const boundArb = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: -5, max: 5, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(-Infinity, Infinity, NaN, undefined, null, 'a', '1') },
);

// ── Reductions ──────────────────────────────────────────────────────────────────────────────────

type ReduceArgs = { x: unknown; axis: unknown; keepDims: boolean | undefined };
const reduceArgs: fc.Arbitrary<ReduceArgs> = shapeArb().chain((s) =>
  fc.record({ x: tensorArg(s), axis: axesArb(s.length), keepDims: fc.constantFrom(undefined, true, false) }),
);

function reduction(fn: (x: any, axis?: any, keepDims?: boolean) => core.Tensor, f: (v: number[]) => number, needsElements = false): Spec<ReduceArgs> {
  return {
    args: reduceArgs,
    run: ({ x, axis, keepDims }, s) => fn(s.t(x), axis, keepDims),
    ref: ({ x, axis, keepDims }) => withNd([x], (a) => R.reduce(a, axis, keepDims ?? false, f, needsElements)),
  };
}

type AxisArgs = { x: unknown; axis: unknown };
const oneAxisArgs: fc.Arbitrary<AxisArgs> = shapeArb().chain((s) =>
  fc.record({ x: tensorArg(s), axis: fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 5, arbitrary: axisArb(s.length) }) }),
);

function argReduction(fn: (x: any, axis?: any) => core.Tensor, sign: 1 | -1): Spec<AxisArgs> {
  return {
    args: oneAxisArgs,
    run: ({ x, axis }, s) => fn(s.t(x), axis),
    ref: ({ x, axis }) => withNd([x], (a) => R.argReduce(a, axis, sign)),
  };
}

function softmaxLike(fn: (x: any, axis?: any) => core.Tensor, log: boolean): Spec<AxisArgs> {
  return {
    args: oneAxisArgs,
    run: ({ x, axis }, s) => fn(s.t(x), axis),
    ref: ({ x, axis }) => withNd([x], (a) => R.softmaxRef(a, axis, log)),
  };
}

/** gelu's options: none, either form, or a bad value, an unknown key or junk. */
const geluOptions: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<unknown>(undefined, {}, { approximate: 'none' }, { approximate: 'tanh' }, { approximate: undefined }) },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom<unknown>({ approximate: 'exact' }, { approximate: null }, { aproximate: 'tanh' }, { approximate: 'tanh', fast: true }), junk) },
);

/** variance's and std's options: corrections of every kind, or a bad one, an unknown key or junk. */
const varianceOptions: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<unknown>(undefined, {}, { correction: 0 }, { correction: 1 }, { correction: 2 }, { correction: 0.5 }, { correction: -1 }, { correction: 5 }) },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom<unknown>({ correction: '1' }, { correction: NaN }, { correction: Infinity }, { correction: null }, { corection: 1 }), junk) },
);

const normOptions: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<unknown>(undefined, {}, { ord: 2 }, { ord: 1 }, { ord: 3 }, { ord: 0.5 }, { ord: 0 }, { ord: Infinity }, { ord: -Infinity }) },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom<unknown>({ ord: -1 }, { ord: NaN }, { ord: '2' }, { ord: null }, { order: 2 }), junk) },
);

type VarianceArgs = ReduceArgs & { options: unknown };
function varianceLike(fn: (x: any, axis?: any, keepDims?: boolean, options?: any) => core.Tensor, root: boolean): Spec<VarianceArgs> {
  return {
    args: shapeArb().chain((s) =>
      fc.record({ x: tensorArg(s), axis: axesArb(s.length), keepDims: fc.constantFrom(undefined, true, false), options: varianceOptions }),
    ),
    run: ({ x, axis, keepDims, options }, s) => fn(s.t(x), axis, keepDims, options),
    ref: ({ x, axis, keepDims, options }) => withNd([x], (a) => R.varianceRef(a, axis, keepDims ?? false, options, root)),
  };
}

/** a and b for linearRecurrence: of one shape, now and then of two. */
type RecurrenceArgs = { a: unknown; b: unknown; axis: unknown; reverse: unknown };
const recurrenceArgs: fc.Arbitrary<RecurrenceArgs> = fc
  .tuple(shapeArb(0, 3), fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: shapeArb(0, 3) }))
  .chain(([sa, sb]) =>
    fc.record({
      a: tensorArg(sa),
      b: tensorArg(sb ?? sa),
      axis: axisArb(sa.length),
      reverse: fc.oneof({ weight: 8, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, 1, 'yes') }),
    }),
  );

// ── Linear algebra ──────────────────────────────────────────────────────────────────────────────

/** Operand ranks: scalar (rejected) now and then, mostly vectors, matrices and batches. */
const rankArb = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 19, arbitrary: fc.integer({ min: 1, max: 3 }) });

/** Operand shapes for matmul: scalars, vectors, matrices and batches, inner dims mostly agreeing. */
const matmulShapesOf = (rankArb: fc.Arbitrary<number>): fc.Arbitrary<[number[], number[]]> => fc
  .tuple(
    broadcastable(2, 2),
    rankArb,
    rankArb,
    dim,
    dim,
    dim,
    fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.boolean(), fc.nat(), dim) }),
  )
  .map(([[ba, bb], ra, rb, m, k, n, spoil]) => {
    const make = (rank: number, batch: number[], rows: number, cols: number, vector: number): number[] =>
      rank === 0 ? [] : rank === 1 ? [vector] : [...batch.slice(0, rank === 2 ? 0 : batch.length), rows, cols];
    let a = make(ra, ba!, m, k, k);
    let b = make(rb, bb!, k, n, k);
    if (spoil) [a, b] = spoil[0] ? [replaceAt(a, spoil[1], spoil[2]), b] : [a, replaceAt(b, spoil[1], spoil[2])];
    return [a, b];
  });
const matmulShapes = matmulShapesOf(rankArb);

const matmulArgs = matmulShapes.chain(([sa, sb]) => fc.record({ a: tensorArg(sa), b: tensorArg(sb) }));

type MatmulWithArgs = { a: unknown; b: unknown; transA: boolean; transB: boolean };
const matmulWithArgs: fc.Arbitrary<MatmulWithArgs> = fc
  .tuple(matmulShapesOf(fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 0, max: 1 }) }, { weight: 8, arbitrary: fc.integer({ min: 2, max: 3 }) })), fc.boolean(), fc.boolean())
  .chain(([[sa, sb], transA, transB]) => {
    const swap = (s: number[], t: boolean) => (t && s.length >= 2 ? [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!] : s);
    return fc.record({ a: tensorArg(swap(sa, transA)), b: tensorArg(swap(sb, transB)), transA: fc.constant(transA), transB: fc.constant(transB) });
  });

type LinearArgs = { x: unknown; w: unknown; b: unknown; options: unknown };
/** x [..., k], W [k, n] and b [n], each sometimes of another shape. */
const linearArgs: fc.Arbitrary<LinearArgs> = fc
  .tuple(shapeArb(0, 2), dim, dim, fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.nat(2), shapeArb(0, 3)) }))
  .chain(([lead, k, n, spoil]) => {
    const shapes = [[...lead, k], [k, n], [n]];
    if (spoil !== null) shapes[spoil[0]] = spoil[1];
    return fc.record({ x: tensorArg(shapes[0]!), w: tensorArg(shapes[1]!), b: tensorArg(shapes[2]!), options: linearOptions });
  });

/** No options, either activation, or something that is not a valid choice. */
const linearOptions: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>(undefined, {}, { activation: 'identity' }, { activation: 'relu' }) },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom<unknown>({ activation: 'tanh' }, { activation: null }), junk) },
);

/** linear as the documented contract: matmul then add, for x of rank ≥ 1, a 2-D W and a 1-D b of W's width. */
function linearRef(x: Nd, w: Nd, b: Nd, options: unknown): Ref {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) return reject('options not an object');
  const activation = (options as { activation?: unknown } | undefined)?.activation;
  if (activation !== undefined && activation !== 'identity' && activation !== 'relu') return reject('bad activation');
  if (x.shape.length === 0 || w.shape.length !== 2 || b.shape.length !== 1 || b.shape[0] !== w.shape[1]) return reject('linear shapes');
  const product = R.matmulRef(x, w);
  const z = R.isReject(product) ? product : R.zipN([product, b], (p, q) => p + q);
  return R.isReject(z) || activation !== 'relu' ? z : R.map(z, (v) => (v > 0 || v !== v ? v : 0));
}

// ── Shape ───────────────────────────────────────────────────────────────────────────────────────

type XAttr = { x: unknown; attr: unknown };

/** Reshape targets: the dims regrouped (maybe with one −1 or extra 1s), or arbitrary lists. */
const reshapeArgs: fc.Arbitrary<XAttr> = shapeArb().chain((s) => {
  const regrouped = fc
    .tuple(fc.shuffledSubarray(s, { minLength: s.length, maxLength: s.length }), fc.nat(), fc.boolean(), fc.integer({ min: -1, max: 4 }), fc.integer({ min: 0, max: 2 }))
    .map(([dims, at, merge, minus, ones]) => {
      let t = [...dims];
      if (merge && t.length >= 2) {
        const i = at % (t.length - 1);
        t.splice(i, 2, t[i]! * t[i + 1]!);
      }
      for (let k = 0; k < ones; k++) t.splice(at % (t.length + 1), 0, 1);
      if (minus >= 0 && t.length > 0) t = replaceAt(t, minus, -1);
      return t;
    });
  return fc.record({ x: tensorArg(s), attr: fc.oneof({ weight: 3, arbitrary: regrouped }, { weight: 1, arbitrary: intListArb(4, -2, 6) }) });
});

/** Targets for broadcastTo: the shape with leading axes added and 1s stretched, or arbitrary lists. */
const broadcastToArgs: fc.Arbitrary<XAttr> = shapeArb(0, 3).chain((s) => {
  const target = fc
    .tuple(fc.array(dim, { maxLength: 2 }), fc.array(dim, { minLength: s.length, maxLength: s.length }), fc.boolean())
    .map(([lead, stretch, doStretch]) => [...lead, ...s.map((d, i) => (d === 1 && doStretch ? stretch[i]! : d))]);
  return fc.record({ x: tensorArg(s), attr: fc.oneof({ weight: 3, arbitrary: target }, { weight: 1, arbitrary: intListArb(4, -1, 5) }) });
});

/** A box (begin, size) inside the shape, sometimes with one entry spoiled. */
type BoxArgs = { x: unknown; begin: unknown; size: unknown };
const sliceArgs: fc.Arbitrary<BoxArgs> = shapeArb().chain((s) => {
  const box = fc.tuple(...s.map((d) => fc.integer({ min: 0, max: d }).chain((b) => fc.tuple(fc.constant(b), fc.oneof(fc.integer({ min: 0, max: d - b }), fc.constant(-1))))));
  const spoiled = fc.tuple(box, fc.nat(), fc.boolean(), fc.oneof(fc.integer({ min: -2, max: 6 }), badNumber)).map(([pairs, at, which, v]) => {
    const begin = pairs.map(([b]) => b as unknown);
    const size = pairs.map(([, n]) => n as unknown);
    return which ? { begin: replaceAt(begin, at, v), size } : { begin, size: replaceAt(size, at, v) };
  });
  const clean = box.map((pairs) => ({ begin: pairs.map(([b]) => b as unknown), size: pairs.map(([, n]) => n as unknown) }));
  const sizeless = box.map((pairs) => ({ begin: pairs.map(([b]) => b as unknown), size: undefined as unknown }));
  const wild = fc.record({ begin: intListArb(), size: fc.oneof(intListArb(), fc.constant(undefined)) });
  return fc.record({
    x: tensorArg(s),
    box: fc.oneof({ weight: 4, arbitrary: clean }, { weight: 1, arbitrary: sizeless }, { weight: 2, arbitrary: spoiled }, { weight: 1, arbitrary: wild }),
  }).map(({ x, box: b }) => ({ x, begin: b.begin, size: b.size }));
});

/** pad: x placed at begin inside a larger shape, sometimes spoiled. */
const padArgs: fc.Arbitrary<BoxArgs> = shapeArb().chain((s) => {
  const box = fc.tuple(...s.map((d) => fc.integer({ min: 0, max: 3 }).chain((extra) => fc.tuple(fc.integer({ min: 0, max: extra }), fc.constant(d + extra)))));
  const clean = box.map((pairs) => ({ begin: pairs.map(([b]) => b as unknown), size: pairs.map(([, n]) => n as unknown) }));
  const spoiled = fc.tuple(clean, fc.nat(), fc.boolean(), fc.oneof(fc.integer({ min: -2, max: 6 }), badNumber)).map(([b, at, which, v]) =>
    which ? { begin: replaceAt(b.begin, at, v), size: b.size } : { begin: b.begin, size: replaceAt(b.size, at, v) },
  );
  const wild = fc.record({ begin: intListArb(), size: intListArb() });
  return fc.record({ x: tensorArg(s), box: fc.oneof({ weight: 4, arbitrary: clean }, { weight: 2, arbitrary: spoiled }, { weight: 1, arbitrary: wild }) }).map(
    ({ x, box: b }) => ({ x, begin: b.begin, size: b.size }),
  );
});

/** addIntoSlices: up to three ys added into boxes of x, a begin sometimes spoiled, x now and then of any shape. */
type AddBoxesArgs = { x: unknown; ys: unknown; begins: unknown };
const addIntoSlicesArgs: fc.Arbitrary<AddBoxesArgs> = shapeArb().chain((big) => {
  const piece = fc
    .tuple(...big.map((d) => fc.integer({ min: 0, max: d }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: d - b })))))
    .chain((pairs) => fc.record({ y: tensorArg(pairs.map(([, n]) => n)), begin: fc.constant(pairs.map(([b]) => b as unknown)) }));
  const badBegin = fc.oneof(intListArb(), badNumber, fc.tuple(fc.nat(), fc.integer({ min: -2, max: 6 })).map(([at, v]) => replaceAt(big.map(() => 0 as unknown), at, v)));
  return fc
    .record({
      x: fc.oneof({ weight: 6, arbitrary: tensorArg(big) }, { weight: 1, arbitrary: shapeArb().chain((other) => tensorArg(other)) }),
      pieces: fc.array(piece, { maxLength: 3 }),
      spoil: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.nat(), badBegin) }, { weight: 1, arbitrary: fc.constant('short' as const) }),
    })
    .map(({ x, pieces, spoil }) => {
      let begins: unknown[] = pieces.map((p) => p.begin);
      if (spoil === 'short') begins = begins.slice(1);
      else if (spoil !== null && begins.length > 0) begins = replaceAt(begins, spoil[0] % begins.length, spoil[1]);
      return { x, ys: pieces.map((p) => p.y), begins };
    });
});

type ListArgs = { list: unknown; axis: unknown };

/** 1–3 tensors agreeing except (mostly) on one axis. */
const concatArgs: fc.Arbitrary<ListArgs> = fc.tuple(shapeArb(0, 3), fc.nat()).chain(([s, at]) => {
  const a = s.length === 0 ? 0 : at % s.length;
  const item = fc.oneof(
    { weight: 6, arbitrary: dim.map((d) => replaceAt(s, a, d)) },
    { weight: 1, arbitrary: shapeArb(0, 3) },
  ).chain((shape) => tensorArg(shape));
  const list = fc.oneof(
    { weight: 12, arbitrary: fc.array(item, { minLength: 1, maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>([], null, 'abc') },
  );
  return fc.record({ list, axis: fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.constant(a) }, { weight: 3, arbitrary: axisArb(s.length) }) });
});

const stackArgs: fc.Arbitrary<ListArgs> = shapeArb(0, 3).chain((s) => {
  const item = fc.oneof({ weight: 8, arbitrary: fc.constant(s) }, { weight: 1, arbitrary: shapeArb(0, 3) }).chain((shape) => tensorArg(shape));
  const list = fc.oneof({ weight: 12, arbitrary: fc.array(item, { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>([], null, 'abc') });
  return fc.record({ list, axis: fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 5, arbitrary: axisArb(s.length + 1) }) });
});

type SplitArgs = { x: unknown; sections: unknown; axis: unknown };

/**
 * A tensor, an axis (given as is, counted from the end, or left out), and sections for that axis:
 * mostly a divisor of its size or upward indices within it, sometimes neither.
 */
const splitArgs: fc.Arbitrary<SplitArgs> = shapeArb(0, 3).chain((s) => {
  const axis = s.length === 0 ? fc.constant(0) : fc.integer({ min: 0, max: s.length - 1 });
  return axis.chain((a) => {
    const n = s[a] ?? 0;
    const divisors = Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
    const sections = fc.oneof(
      { weight: 4, arbitrary: divisors.length > 0 ? fc.constantFrom(...divisors) : fc.constant(1) },
      { weight: 4, arbitrary: fc.array(fc.integer({ min: 0, max: n }), { maxLength: 4 }).map((cuts) => cuts.sort((p, q) => p - q)) },
      { weight: 1, arbitrary: fc.integer({ min: -1, max: 7 }) },
      { weight: 1, arbitrary: fc.array(fc.integer({ min: -2, max: n + 2 }), { maxLength: 4 }) },
      { weight: 1, arbitrary: fc.oneof(badNumber, fc.constantFrom<unknown>('2', null, [1.5], {})) },
    );
    const given = fc.constantFrom<unknown>(a, a - s.length, undefined);
    return fc.record({ x: tensorArg(s), sections, axis: fc.oneof({ weight: 6, arbitrary: given }, { weight: 1, arbitrary: axisArb(s.length) }) });
  });
});

function listNd(list: unknown): Nd[] | null {
  if (!Array.isArray(list)) return null;
  const xs = list.map(nd);
  return xs.some((x) => x === null) ? null : (xs as Nd[]);
}

// ── Indexing ────────────────────────────────────────────────────────────────────────────────────

/** Index values for an axis of size d: mostly in range, sometimes −1, d, fractional or NaN. */
const indexValue = (d: number): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 10, arbitrary: d > 0 ? fc.integer({ min: 0, max: d - 1 }) : fc.constant(0) },
    { weight: 1, arbitrary: fc.constantFrom(-1, d, d + 1, 0.5, NaN, -0) },
  );

/** Indices as a Tensor or nested arrays (never a plain number: that is junk for gather/oneHot). */
const indicesOf = (d: number, shape: fc.Arbitrary<number[]> = shapeArb(0, 2)): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 16, arbitrary: shape.chain((s) => tensorOf(s, indexValue(d))) },
    { weight: 1, arbitrary: fc.oneof(fc.integer({ min: 0, max: 3 }), junk) },
  );

/** Indices as the reference sees them: Tensors and nested arrays only. */
function indexNd(v: unknown): Nd | null {
  const passed = isDesc(v) && v.nested ? nestedOf(v) : v;
  return typeof passed === 'number' ? null : nd(v);
}

type GatherArgs = { x: unknown; indices: unknown; axis: unknown };
const gatherArgs: fc.Arbitrary<GatherArgs> = fc.tuple(shapeArb(0, 3), fc.nat()).chain(([s, at]) => {
  const a = s.length === 0 ? 0 : at % s.length;
  return fc.record({
    x: tensorArg(s),
    indices: indicesOf(s[a] ?? 1),
    axis: fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: fc.constant(a) }, { weight: 2, arbitrary: axisArb(s.length) }),
  });
});

type ScatterArgs = { values: unknown; indices: unknown; axis: unknown; dim: unknown };
const scatterArgs: fc.Arbitrary<ScatterArgs> = fc.tuple(shapeArb(1, 3), fc.nat(), shapeArb(0, 2), fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.nat(), dim) })).chain(
  ([out, at, idxShape, spoil]) => {
    const a = at % out.length;
    let valuesShape = [...out.slice(0, a), ...idxShape, ...out.slice(a + 1)];
    if (spoil) valuesShape = replaceAt(valuesShape, spoil[0], spoil[1]);
    return fc.record({
      values: tensorArg(valuesShape),
      indices: fc.oneof({ weight: 12, arbitrary: tensorOf(idxShape, indexValue(out[a]!)) }, { weight: 1, arbitrary: indicesOf(out[a]!) }),
      axis: fc.oneof({ weight: 3, arbitrary: fc.constant(a) }, { weight: 1, arbitrary: axisArb(out.length) }),
      dim: fc.oneof({ weight: 6, arbitrary: fc.constant(out[a]!) }, { weight: 1, arbitrary: fc.oneof(fc.integer({ min: -1, max: 5 }), badNumber) }),
    });
  },
);

type OneHotArgs = { indices: unknown; depth: unknown };
const oneHotArgs: fc.Arbitrary<OneHotArgs> = fc.integer({ min: 1, max: 4 }).chain((depth) =>
  fc.record({
    indices: indicesOf(depth),
    depth: fc.oneof({ weight: 6, arbitrary: fc.constant(depth) }, { weight: 1, arbitrary: fc.oneof(fc.integer({ min: -1, max: 5 }), badNumber) }),
  }),
);

type CrossEntropyArgs = { g: unknown; z: unknown; labels: unknown; options: unknown };
/**
 * Logits [..., classes] (sometimes none), labels of the batch shape (sometimes not), g of the batch
 * shape or a scalar, and a reduction (sometimes not a valid one).
 */
const crossEntropyArgs: fc.Arbitrary<CrossEntropyArgs> = fc
  .tuple(shapeArb(1, 3), fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: shapeArb(0, 2) }))
  .chain(([z, spoiled]) => {
    const batch = z.slice(0, -1);
    return fc.record({
      g: fc.oneof({ weight: 3, arbitrary: tensorArg(spoiled ?? batch) }, { weight: 1, arbitrary: tensorArg([]) }),
      z: fc.oneof({ weight: 12, arbitrary: tensorArg(z) }, { weight: 1, arbitrary: tensorArg([]) }),
      labels: fc.oneof({ weight: 12, arbitrary: tensorOf(spoiled ?? batch, indexValue(z[z.length - 1]!)) }, { weight: 1, arbitrary: indicesOf(z[z.length - 1]!) }),
      options: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom<unknown>(undefined, {}, { reduction: 'none' }, { reduction: 'mean' }, { reduction: 'sum' }) },
        { weight: 1, arbitrary: fc.oneof(fc.constantFrom<unknown>({ reduction: 'avg' }, { reduction: null }), junk) },
      ),
    });
  });

// ── Convolution and pooling ─────────────────────────────────────────────────────────────────────

/** Something that is not a size: zero, negative, fractional, the wrong length, not a number. */
const badSize = fc.constantFrom<unknown>(0, -1, 1.5, NaN, Infinity, null, '2', [1], [1, 2, 3], [0, 1], [1, 0.5], {});

/** A stride or dilation: absent, one positive integer, a pair, or (now and then) not a size. */
const positiveSize = (max: number): fc.Arbitrary<unknown> => fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max }) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 1, max }), fc.integer({ min: 1, max })) },
  { weight: 1, arbitrary: fc.oneof({ weight: 1, arbitrary: badSize }, { weight: 1, arbitrary: fc.constant(undefined) }) },
);

/** conv2d's padding: absent, a number, a pair, 'valid', 'same', or something else. */
const convPadding: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 2 }) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })) },
  { weight: 3, arbitrary: fc.constantFrom<unknown>('valid', 'same') },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, 0.5, 'full', null, [1, -1], [1, 1, 1, 1]) },
);

/** conv2d's options, mostly valid; sometimes an unknown key or not an object at all. */
const convOptions = (groups: number): fc.Arbitrary<unknown> => fc.oneof(
  { weight: 12, arbitrary: fc.record({ stride: positiveSize(2), padding: convPadding, dilation: positiveSize(2), groups: fc.oneof({ weight: 6, arbitrary: fc.constant(groups) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(0, 3, 1.5, null) }) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, {}, { strides: 2 }, { padding: 'same', bias: true }) },
  { weight: 1, arbitrary: junk },
);

/** Sizes of a convolution: batch, groups, channels per group in and out, image and kernel. */
const convSizes = fc.record({
  n: fc.integer({ min: 0, max: 2 }),
  groups: fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(2) }),
  cg: fc.integer({ min: 1, max: 2 }),
  og: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 5 }),
  w: fc.integer({ min: 1, max: 5 }),
  kh: fc.integer({ min: 1, max: 3 }),
  kw: fc.integer({ min: 1, max: 3 }),
});
type ConvSizes = { n: number; groups: number; cg: number; og: number; h: number; w: number; kh: number; kw: number };

/** Shapes that fit together, with one of the two sometimes spoiled. */
function convShapes(count: number, shapes: (s: ConvSizes) => number[][]): fc.Arbitrary<[ConvSizes, number[][]]> {
  const spoil = fc.oneof({ weight: 10, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.nat(count - 1), fc.nat(), dim) }, { weight: 1, arbitrary: fc.tuple(fc.nat(count - 1), shapeArb(0, 5)) });
  return fc.tuple(convSizes, spoil).map(([s, sp]) => {
    const list = shapes(s);
    if (sp !== null && sp.length === 3) list[sp[0]] = replaceAt(list[sp[0]]!, sp[1], sp[2]);
    else if (sp !== null) list[sp[0]] = sp[1];
    return [s, list];
  });
}

/** The ops' own conv2d attributes, mostly valid, sometimes with one entry out of range. */
const convAttrs = (s: ConvSizes, size: [number, number]): fc.Arbitrary<unknown> => fc.record({
  stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  padding: fc.tuple(fc.nat(1), fc.nat(1), fc.nat(1), fc.nat(1)),
  dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  groups: fc.constant(s.groups),
  size: fc.constant(size),
  spoil: fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.constantFrom('stride', 'padding', 'dilation', 'groups', 'size'), fc.constantFrom<unknown>(0, -1, 1.5, [1], null)) }),
}).map(({ spoil, ...a }) => (spoil === null ? a : { ...a, [spoil[0]]: spoil[1] }));

/** conv2d's output size of one axis for these attributes (only to shape g; the reference decides). */
const convOut = (size: number, before: number, after: number, k: number, d: number, s: number): number => sizeFrom(Math.floor((size + before + after - d * (k - 1) - 1) / s) + 1);

/** A computed size from attributes that may be spoiled: 0 below 0, 1 when not a number at all. */
const sizeFrom = (v: number): number => (Number.isInteger(v) ? Math.min(Math.max(v, 0), 8) : 1);

type ConvArgs = { x: unknown; w: unknown; options: unknown; bias?: unknown };
/** x, w and options, and half the time a bias (of [O], sometimes spoiled) for the bias option. */
const conv2dArgs: fc.Arbitrary<ConvArgs> = convShapes(3, (s) => [[s.n, s.groups * s.cg, s.h, s.w], [s.groups * s.og, s.cg, s.kh, s.kw], [s.groups * s.og]]).chain(([s, [xs, ws, bs]]) =>
  fc.record({ x: tensorArg(xs!), w: tensorArg(ws!), options: convOptions(s.groups), bias: fc.option(tensorArg(bs!), { nil: undefined }) }, { requiredKeys: ['x', 'w', 'options'] }));

/** The options with the bias added, when there is one and the options are an options object (else as drawn). */
function withBias(options: unknown, bias: unknown): unknown {
  if (bias === undefined) return options;
  if (options === undefined) return { bias };
  return options !== null && typeof options === 'object' && !Array.isArray(options) ? { ...options, bias } : options;
}

/** conv2dTranspose's options, mostly valid: stride, padding, outputPadding (less than the stride, mostly), dilation, groups. */
const transposeOptions = (groups: number): fc.Arbitrary<unknown> => fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      stride: positiveSize(3),
      padding: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, 'same', -1) }),
      outputPadding: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 1 }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, 2, [0, 1], 0.5) }),
      dilation: positiveSize(2),
      groups: fc.oneof({ weight: 6, arbitrary: fc.constant(groups) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(0, 3, null) }),
    }, { requiredKeys: [] }),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, {}, { output_padding: 1 }) },
  { weight: 1, arbitrary: junk },
);

/** x, w (PyTorch's transposed layout [C, O / groups, kH, kW]) and options, and half the time a bias [O]. */
const conv2dTransposeArgs: fc.Arbitrary<ConvArgs> = convShapes(3, (s) => [[s.n, s.groups * s.cg, s.h, s.w], [s.groups * s.cg, s.og, s.kh, s.kw], [s.groups * s.og]]).chain(([s, [xs, ws, bs]]) =>
  fc.record({ x: tensorArg(xs!), w: tensorArg(ws!), options: transposeOptions(s.groups), bias: fc.option(tensorArg(bs!), { nil: undefined }) }, { requiredKeys: ['x', 'w', 'options'] }));

type ConvGradArgs = { a: unknown; b: unknown; attrs: unknown };
/** g, w and attributes for conv2dInputGrad: g of conv2d's output shape for the attributes drawn. */
const conv2dInputGradArgs: fc.Arbitrary<ConvGradArgs> = convSizes.chain((s) => convAttrs(s, [s.h, s.w]).chain((attrs) => {
  const a = attrs as { stride: number[]; padding: number[]; dilation: number[] };
  const shapes = Array.isArray(a.stride) && Array.isArray(a.padding) && Array.isArray(a.dilation) && a.padding.length === 4
    ? [s.n, s.groups * s.og, convOut(s.h, a.padding[0]!, a.padding[1]!, s.kh, a.dilation[0]!, a.stride[0]!), convOut(s.w, a.padding[2]!, a.padding[3]!, s.kw, a.dilation[1]!, a.stride[1]!)]
    : [s.n, s.groups * s.og, 1, 1];
  return fc.tuple(convShapes(2, () => [shapes, [s.groups * s.og, s.cg, s.kh, s.kw]]), fc.constant(attrs)).chain(([[, [gs, ws]], at]) =>
    fc.record({ a: tensorArg(gs!), b: tensorArg(ws!), attrs: fc.constant(at) }));
}));

/** x, g and attributes for conv2dWeightGrad. */
const conv2dWeightGradArgs: fc.Arbitrary<ConvGradArgs> = convSizes.chain((s) => convAttrs(s, [s.kh, s.kw]).chain((attrs) => {
  const a = attrs as { stride: number[]; padding: number[]; dilation: number[] };
  const shapes = Array.isArray(a.stride) && Array.isArray(a.padding) && Array.isArray(a.dilation) && a.padding.length === 4
    ? [s.n, s.groups * s.og, convOut(s.h, a.padding[0]!, a.padding[1]!, s.kh, a.dilation[0]!, a.stride[0]!), convOut(s.w, a.padding[2]!, a.padding[3]!, s.kw, a.dilation[1]!, a.stride[1]!)]
    : [s.n, s.groups * s.og, 1, 1];
  return fc.tuple(convShapes(2, () => [[s.n, s.groups * s.cg, s.h, s.w], shapes]), fc.constant(attrs)).chain(([[, [xs, gs]], at]) =>
    fc.record({ a: tensorArg(xs!), b: tensorArg(gs!), attrs: fc.constant(at) }));
}));

/** A pooling window and its stride and padding (at most half the window), as public options: mostly valid. */
const poolOptions: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).chain(([kh, kw]) => fc.record({
      kernelSize: fc.oneof({ weight: 12, arbitrary: fc.constant<unknown>(kh) }, { weight: 6, arbitrary: fc.constant<unknown>([kh, kw]) }, { weight: 1, arbitrary: badSize }),
      stride: positiveSize(3),
      padding: fc.oneof(
        { weight: 6, arbitrary: fc.constant<unknown>(undefined) },
        { weight: 6, arbitrary: fc.integer({ min: 0, max: Math.floor(Math.min(kh, kw) / 2) }) },
        { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 0, max: Math.floor(kh / 2) }), fc.integer({ min: 0, max: Math.floor(kw / 2) })) },
        { weight: 1, arbitrary: fc.constantFrom<unknown>(1, 2, -1, 0.5, null) },
      ),
    }, { requiredKeys: ['kernelSize'] })),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, {}, { kernelSize: 2, strides: 1 }) },
  { weight: 1, arbitrary: junk },
);

/** Images [N, C, H, W], some of another rank or with an empty axis. */
const imageShape: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.nat(2), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })).map((t) => [...t]) },
  { weight: 1, arbitrary: fc.tuple(dim, dim, dim, dim).map((t) => [...t]) },
  { weight: 1, arbitrary: shapeArb(0, 5) },
);

type PoolArgs = { x: unknown; options: unknown };
const poolArgs: fc.Arbitrary<PoolArgs> = imageShape.chain((s) => fc.record({ x: tensorArg(s), options: poolOptions }));

/** The ops' pooling attributes, mostly valid, sometimes with one entry out of range. */
const poolAttrs = (size: [number, number]): fc.Arbitrary<{ kernel: unknown; stride: unknown; padding: unknown; size: unknown }> => fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).chain(([kh, kw]) => fc.record({
  kernel: fc.constant([kh, kw]),
  stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  padding: fc.tuple(fc.integer({ min: 0, max: Math.floor(kh / 2) }), fc.integer({ min: 0, max: Math.floor(kw / 2) })),
  size: fc.constant<unknown>(size),
  spoil: fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.constantFrom('kernel', 'stride', 'padding', 'size'), fc.constantFrom<unknown>(0, -1, 1.5, [1], [2, 0], [1, 1], [2, 2], null)) }),
}).map(({ spoil, ...a }) => (spoil === null ? a : { ...a, [spoil[0]]: spoil[1] })));

/** The pooled shape of x for attributes `a` (only to shape g; the reference decides what is valid). */
function pooledOf(x: number[], a: { kernel: unknown; stride: unknown; padding: unknown }): number[] {
  const [k, s, p] = [a.kernel, a.stride, a.padding] as number[][];
  if (x.length !== 4 || !Array.isArray(k) || !Array.isArray(s) || !Array.isArray(p) || k.length < 2 || s.length < 2 || p.length < 2) return [1, 1, 1, 1];
  return [x[0]!, x[1]!, sizeFrom(Math.floor((x[2]! + 2 * p[0]! - k[0]!) / s[0]!) + 1), sizeFrom(Math.floor((x[3]! + 2 * p[1]! - k[1]!) / s[1]!) + 1)];
}

/** A cotangent (or tangent) of `shape`, sometimes of a spoiled one. */
const maybeSpoiled = (shape: number[]): fc.Arbitrary<unknown> => fc.oneof(
  { weight: 8, arbitrary: fc.constant(shape) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(), dim).map(([at, d]) => replaceAt(shape, at, d)) },
  { weight: 1, arbitrary: shapeArb(0, 5) },
).chain((s) => tensorArg(s as number[]));

type PoolGradArgs = { a: unknown; x: unknown; attrs: unknown };
/** g (of the pooled shape) or t (of x's shape), x and attributes for maxPool2dGrad and maxPool2dGather. */
const maxPoolRuleArgs = (cotangent: boolean): fc.Arbitrary<PoolGradArgs> => imageShape.chain((xs) =>
  poolAttrs([1, 1]).chain(({ size: _size, ...attrs }) =>
    fc.record({ a: maybeSpoiled(cotangent ? pooledOf(xs, attrs) : xs), x: tensorArg(xs), attrs: fc.constant(attrs) })));

/** An adaptive pooling's output size: a number, a pair (nulls keeping an axis), or (now and then) not one. */
const adaptiveSizeArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 5 }) },
  { weight: 6, arbitrary: fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 1, arbitrary: fc.constant(null) }), fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 1, arbitrary: fc.constant(null) })) },
  { weight: 1, arbitrary: badSize },
);

type AdaptiveArgs = { x: unknown; outputSize: unknown };
const adaptiveArgs: fc.Arbitrary<AdaptiveArgs> = imageShape.chain((s) => fc.record({ x: tensorArg(s), outputSize: adaptiveSizeArb }));

/** interpolate's options: a size or a scale factor (now and then both, neither or a bad one), a mode, alignCorners. */
const interpolateOptions: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      size: fc.oneof({ weight: 2, arbitrary: fc.constant<unknown>(undefined) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })) }, { weight: 1, arbitrary: badSize }),
      scaleFactor: fc.oneof(
        { weight: 4, arbitrary: fc.constant<unknown>(undefined) },
        { weight: 3, arbitrary: fc.constantFrom<unknown>(0.5, 1, 1.3, 2, 2.5, 3) },
        { weight: 2, arbitrary: fc.tuple(fc.double({ min: 0.2, max: 3, noNaN: true }), fc.double({ min: 0.2, max: 3, noNaN: true })) },
        { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -1, NaN, Infinity, 1e12, '2', [2], null) },
      ),
      mode: fc.constantFrom<unknown>(undefined, 'nearest', 'bilinear', 'bilinear', 'bicubic'),
      alignCorners: fc.constantFrom<unknown>(undefined, false, true, 1),
    }, { requiredKeys: [] }),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, {}, { size: 2, scale: 2 }) },
  { weight: 1, arbitrary: junk },
);

type InterpolateArgs = { x: unknown; options: unknown };
const interpolateArgs: fc.Arbitrary<InterpolateArgs> = imageShape.chain((s) => fc.record({ x: tensorArg(s), options: interpolateOptions }));

type AvgGradArgs = { g: unknown; attrs: unknown };
const avgPool2dGradArgs: fc.Arbitrary<AvgGradArgs> = imageShape.chain((xs) =>
  poolAttrs([xs[2] ?? 1, xs[3] ?? 1]).chain((attrs) => fc.record({ g: maybeSpoiled(pooledOf(xs, attrs)), attrs: fc.constant(attrs) })));

// ── Derived from the op ─────────────────────────────────────────────────────────────────────────

/** The op functions, by name: the public ones, and those only other ops' rules call. */
const opFunctions: Record<string, unknown> = { ...core, ...ruleOps };

/** The function that applies the op named `name` (by convention, the function of that name). */
function opFunction(name: string): (...args: unknown[]) => core.Tensor {
  const fn = opFunctions[name];
  if (typeof fn !== 'function') {
    throw new Error(`fuzz: the op ${name} has no function of its name: write the spec of the function that applies it in fuzz/specs.ts, with alsoNamed: ['${name}']`);
  }
  return fn as (...args: unknown[]) => core.Tensor;
}

/** The attributes of every case of the op's domain (none for a constant op, which has no domain). */
function caseAttrs(op: OpDef): unknown[] {
  return op.kind === 'differentiable' ? op.domain.cases.map((c) => c.attrs) : [];
}

/**
 * An elementwise op's spec, from its definition: one tensor argument per input, of any shape for
 * one input and of shapes that mostly broadcast for more. An input whose domain holds whole numbers
 * (where's condition) is data, not a variable: its elements come mostly from that range (the rest as
 * for any input) and it is passed as a constant. The reference applies `f` element by element.
 */
function elementwiseSpec(op: OpDef, f: (...v: number[]) => number): Spec<unknown[]> {
  if (f.length !== op.arity) throw new Error(`fuzz: R.elementwiseOps.${op.name} needs one parameter per input of the op (${op.arity}), has ${f.length}`);
  if (caseAttrs(op).some((a) => a !== undefined)) {
    throw new Error(`fuzz: ${op.name} has attributes, so its function takes more than tensors: write its spec in fuzz/specs.ts`);
  }
  const fn = opFunction(op.name);
  const domains = op.kind === 'differentiable' ? op.domain.inputs : [];
  const whole = Array.from({ length: op.arity }, (_, i) => domains[i]?.integer === true);
  const elements = (i: number): fc.Arbitrary<number> =>
    whole[i] ? fc.oneof(fc.integer({ min: Math.ceil(domains[i]!.min), max: Math.floor(domains[i]!.max) }), value) : value;
  const shapes = op.arity === 1 ? shapeArb().map((s) => [s]) : broadcastable(op.arity);
  return {
    args: shapes.chain((list) => fc.tuple(...list.map((shape, i) => tensorArg(shape, elements(i))))),
    run: (xs, s) => fn(...xs.map((x, i) => (whole[i] ? s.c(x) : s.t(x)))),
    ref: (xs) => withNd(xs, (...nds) => (nds.length === 1 ? R.map(nds[0]!, f) : R.zipN(nds, f))),
  };
}

/** A reduction's spec, from its definition: its function takes (x, axis, keepDims), as its attributes say. */
function reductionSpec(op: OpDef, { of, needsElements }: R.Reduction): Spec<ReduceArgs> {
  const keys = caseAttrs(op).map((a) => Object.keys(a ?? {}).sort().join(', '));
  if (keys.length === 0 || keys.some((k) => k !== 'axis, keepDims')) {
    throw new Error(`fuzz: R.reductionOps.${op.name}: the op's attributes are not { axis, keepDims } in every case of its domain`);
  }
  return reduction(opFunction(op.name), of, needsElements);
}

/** The spec derived from an op's definition and its reference in fuzz/reference.ts, or undefined when it has none there. */
export function derivedSpec(op: OpDef): Spec | undefined {
  const scalar = R.elementwiseOps[op.name];
  if (scalar !== undefined) return elementwiseSpec(op, scalar);
  const reduced = R.reductionOps[op.name];
  if (reduced !== undefined) return reductionSpec(op, reduced);
  return undefined;
}

const derived: Record<string, Spec> = {};
for (const op of core.registeredOps()) {
  const spec = derivedSpec(op);
  if (spec !== undefined) derived[op.name] = spec;
}

/** A running op's spec (cumsum and its kind): the op's function takes (x, axis). */
function running(fn: (x: core.Tensor, axis: number) => core.Tensor, ref: (x: Nd, axis: unknown) => Ref): Spec<AxisArgs> {
  return {
    args: oneAxisArgs,
    run: ({ x, axis }, s) => fn(s.t(x), axis as number),
    ref: ({ x, axis }) => withNd([x], (a) => ref(a, axis)),
  };
}

// ── The table ───────────────────────────────────────────────────────────────────────────────────

/**
 * Every op function, by name: the specs derived from ops, then those written here, which replace a
 * derived one of the same name.
 */
export const specs: Record<string, Spec> = {
  ...derived,
  // pow applies powScalar for a number exponent: its messages may name either op.
  pow: { ...derived.pow!, alsoNamed: ['powScalar'] },
  leakyRelu: withAlpha(core.leakyRelu, (v, al) => (v > 0 ? v : al * v), 0.01),
  elu: withAlpha(core.elu, (v, al) => (v > 0 ? v : al * Math.expm1(v)), 1),
  clip: {
    args: shapeArb().chain((s) => fc.record({ x: tensorArg(s), lo: boundArb, hi: boundArb })),
    run: ({ x, lo, hi }, s) => core.clip(s.t(x), lo, hi),
    // adjoint requires numbers with lo ≤ hi (NumPy silently returns hi everywhere when lo > hi).
    ref: ({ x, lo, hi }) => {
      if (typeof lo !== 'number' || typeof hi !== 'number' || !(lo <= hi)) return reject('needs numbers lo ≤ hi');
      return withNd([x], (a) => R.map(a, (v) => (v !== v ? NaN : Math.min(Math.max(v, lo), hi))));
    },
  } as Spec<{ x: unknown; lo: any; hi: any }>,
  gelu: {
    args: shapeArb().chain((s) => fc.record({ x: tensorArg(s), options: geluOptions })),
    run: ({ x, options }, s) => core.gelu(s.t(x), options as core.GeluOptions),
    ref: ({ x, options }) => {
      const approximate = R.geluOptionsRef(options);
      return typeof approximate === 'object' ? approximate : withNd([x], (a) => R.map(a, (v) => R.geluRef(v, approximate)));
    },
  } as Spec<{ x: unknown; options: unknown }>,
  // Reductions
  mean: reduction(core.mean, R.meanOf),
  norm: {
    args: shapeArb().chain((s) => fc.record({ x: tensorArg(s), axis: axesArb(s.length), keepDims: fc.constantFrom(undefined, true, false), options: normOptions })),
    run: ({ x, axis, keepDims, options }, s) => core.norm(s.t(x), axis as number, keepDims, options as core.NormOptions),
    ref: ({ x, axis, keepDims, options }) => withNd([x], (a) => R.normRef(a, axis, keepDims ?? false, options)),
  } as Spec<VarianceArgs>,
  variance: varianceLike(core.variance, false),
  std: varianceLike(core.std, true),
  cumsum: running(core.cumsum, R.cumsumRef),
  logCumSumExp: running(core.logCumSumExp, R.logCumSumExpRef),
  polygamma: {
    args: shapeArb().chain((s) => fc.record({ n: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 1, arbitrary: badNumber }), x: tensorArg(s) })),
    run: ({ n, x }, s) => core.polygamma(n as number, s.t(x)),
    ref: ({ n, x }) => {
      if (!Number.isInteger(n) || (n as number) < 0 || (n as number) > 100) return reject('n not a whole number from 0 to 100');
      return withNd([x], (a) => R.map(a, (v) => (n === 0 ? digammaRef(v) : polygammaRef(n as number, v))));
    },
    alsoNamed: ['digamma'],
  } as Spec<{ n: unknown; x: unknown }>,
  cumprod: running(core.cumprod, R.cumprodRef),
  round: {
    args: shapeArb().chain((sh) => fc.record({ x: tensorArg(sh), decimals: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: -3, max: 6 }) }, { weight: 2, arbitrary: fc.integer({ min: -30, max: 30 }) }, { weight: 1, arbitrary: badNumber }) })),
    run: ({ x, decimals }, s) => core.round(s.t(x), decimals as number),
    ref: ({ x, decimals }) => (Number.isInteger(decimals) ? withNd([x], (a) => R.map(a, (v) => R.roundRef(v, decimals as number))) : reject('decimals not a whole number')),
  } as Spec<{ x: unknown; decimals: unknown }>,
  linearRecurrence: {
    args: recurrenceArgs,
    run: ({ a, b, axis, reverse }, s) => ruleOps.linearRecurrence(s.t(a), s.t(b), axis as number, reverse as boolean),
    ref: ({ a, b, axis, reverse }) => withNd([a, b], (x, y) => R.linearRecurrenceRef(x, y, axis, reverse)),
  } as Spec<RecurrenceArgs>,
  argmax: argReduction(core.argmax, 1),
  argmin: argReduction(core.argmin, -1),
  logSoftmax: softmaxLike(core.logSoftmax, true),
  softmax: softmaxLike(core.softmax, false),
  // Linear algebra
  matmul: {
    args: matmulArgs,
    run: ({ a, b }, s) => core.matmul(s.t(a), s.t(b)),
    ref: ({ a, b }) => withNd([a, b], R.matmulRef),
  } as Spec<{ a: unknown; b: unknown }>,
  matmulWith: {
    args: matmulWithArgs,
    run: ({ a, b, transA, transB }, s) => core.matmulWith(s.t(a), s.t(b), transA, transB),
    ref: ({ a, b, transA, transB }) => withNd([a, b], (x, y) => R.matmulWithRef(x, y, transA, transB)),
    alsoNamed: ['matmul'], // the raw matmul op: its shape messages say 'matmul'
  } as Spec<MatmulWithArgs>,
  linear: {
    args: linearArgs,
    run: ({ x, w, b, options }, s) => core.linear(s.t(x), s.t(w), s.t(b), options as core.LinearOptions),
    ref: ({ x, w, b, options }) => withNd([x, w, b], (xs, ws, bs) => linearRef(xs, ws, bs, options)),
  } as Spec<LinearArgs>,
  dot: {
    args: matmulArgs,
    run: ({ a, b }, s) => core.dot(s.t(a), s.t(b)),
    // matmul semantics for tensors (the documented contract); adjoint refuses scalars, which NumPy multiplies.
    ref: ({ a, b }) => withNd([a, b], (x, y) => (x.shape.length === 0 || y.shape.length === 0 ? reject('dot of a scalar') : R.matmulRef(x, y))),
  } as Spec<{ a: unknown; b: unknown }>,
  outer: {
    args: fc.tuple(shapeArb(0, 3), shapeArb(0, 3)).chain(([sa, sb]) => fc.record({ a: tensorArg(sa), b: tensorArg(sb) })),
    run: ({ a, b }, s) => core.outer(s.t(a), s.t(b)),
    ref: ({ a, b }) => withNd([a, b], R.outerRef),
  } as Spec<{ a: unknown; b: unknown }>,
  transpose: {
    args: shapeArb().chain((s) => {
      const range = s.map((_, i) => i);
      const perm = fc.oneof(
        { weight: 2, arbitrary: fc.constantFrom<unknown>(undefined, null) },
        { weight: 6, arbitrary: fc.shuffledSubarray(range, { minLength: s.length, maxLength: s.length }) },
        { weight: 2, arbitrary: intListArb(5, -2, 4) },
      );
      return fc.record({ x: tensorArg(s), attr: perm });
    }),
    run: ({ x, attr }, s) => core.transpose(s.t(x), attr as number[]),
    ref: ({ x, attr }) => withNd([x], (a) => R.transposeRef(a, attr)),
  } as Spec<XAttr>,
  // Shape
  reshape: {
    args: reshapeArgs,
    run: ({ x, attr }, s) => core.reshape(s.t(x), attr as number[]),
    ref: ({ x, attr }) => withNd([x], (a) => R.reshapeRef(a, attr)),
  } as Spec<XAttr>,
  flatten: {
    args: shapeArb().chain((s) => fc.record({ x: tensorArg(s) })),
    run: ({ x }, s) => core.flatten(s.t(x)),
    ref: ({ x }) => withNd([x], (a) => ({ shape: [a.data.length], data: a.data })),
  } as Spec<{ x: unknown }>,
  expandDims: {
    args: shapeArb().chain((s) => fc.record({ x: tensorArg(s), attr: axisArb(s.length + 1) })),
    run: ({ x, attr }, s) => core.expandDims(s.t(x), attr as number),
    ref: ({ x, attr }) => withNd([x], (a) => R.expandDimsRef(a, attr)),
  } as Spec<XAttr>,
  squeeze: {
    args: shapeArb().chain((s) => fc.record({ x: tensorArg(s), attr: axesArb(s.length) })),
    run: ({ x, attr }, s) => core.squeeze(s.t(x), attr as number),
    ref: ({ x, attr }) => withNd([x], (a) => R.squeezeRef(a, attr)),
  } as Spec<XAttr>,
  broadcastTo: {
    args: broadcastToArgs,
    run: ({ x, attr }, s) => core.broadcastTo(s.t(x), attr as number[]),
    ref: ({ x, attr }) => withNd([x], (a) => R.broadcastToRef(a, attr)),
  } as Spec<XAttr>,
  slice: {
    args: sliceArgs,
    run: ({ x, begin, size }, s) => core.slice(s.t(x), begin as number[], size as number[]),
    ref: ({ x, begin, size }) => withNd([x], (a) => R.sliceRef(a, begin, size)),
  } as Spec<BoxArgs>,
  pad: {
    args: padArgs,
    run: ({ x, begin, size }, s) => core.pad(s.t(x), begin as number[], size as number[]),
    ref: ({ x, begin, size }) => withNd([x], (a) => R.padRef(a, begin, size)),
  } as Spec<BoxArgs>,
  addIntoSlices: {
    args: addIntoSlicesArgs,
    run: ({ x, ys, begins }, s) => ruleOps.addIntoSlices(s.t(x), (ys as unknown[]).map((y) => s.t(y)), begins as number[][]),
    ref: ({ x, ys, begins }) => {
      const list = listNd(ys);
      return list === null ? reject('not a list of tensors') : withNd([x], (a) => R.addIntoSlicesRef(a, list, begins));
    },
  } as Spec<AddBoxesArgs>,
  concat: {
    args: concatArgs,
    run: ({ list, axis }, s) => core.concat(Array.isArray(list) ? list.map((t) => s.t(t)) : (list as never), axis as number),
    ref: ({ list, axis }) => {
      const xs = listNd(list);
      return xs === null ? reject('not a list of tensors') : R.concatRef(xs, axis);
    },
  } as Spec<ListArgs>,
  split: {
    args: splitArgs,
    // The pieces joined again, piece k scaled by k + 1: values, order and gradients of every piece.
    run: ({ x, sections, axis }, s) => {
      const pieces = core.split(s.t(x), sections as never, axis as number);
      return core.concat(pieces.map((piece, k) => piece.mul(k + 1)), (axis as number | undefined) ?? 0);
    },
    ref: ({ x, sections, axis }) => withNd([x], (a) => R.splitScaledRef(a, sections, axis)),
  } as Spec<SplitArgs>,
  stack: {
    args: stackArgs,
    run: ({ list, axis }, s) => core.stack(Array.isArray(list) ? list.map((t) => s.t(t)) : (list as never), axis as number),
    ref: ({ list, axis }) => {
      const xs = listNd(list);
      return xs === null ? reject('not a list of tensors') : R.stackRef(xs, axis);
    },
  } as Spec<ListArgs>,
  // Indexing
  gather: {
    args: gatherArgs,
    run: ({ x, indices, axis }, s) => core.gather(s.t(x), s.c(indices), axis as number),
    ref: ({ x, indices, axis }) => {
      const xs = nd(x);
      const idx = indexNd(indices);
      return xs === null || idx === null ? reject('not tensor data') : R.gatherRef(xs, idx, axis);
    },
  } as Spec<GatherArgs>,
  scatterAdd: {
    args: scatterArgs,
    run: ({ values, indices, axis, dim: d }, s) => core.scatterAdd(s.t(values), s.c(indices), axis as number, d as number),
    ref: ({ values, indices, axis, dim: d }) => {
      const v = nd(values);
      const idx = indexNd(indices);
      return v === null || idx === null ? reject('not tensor data') : R.scatterAddRef(v, idx, axis, d);
    },
  } as Spec<ScatterArgs>,
  oneHot: {
    args: oneHotArgs,
    run: ({ indices, depth }, s) => core.oneHot(s.c(indices), depth as number),
    ref: ({ indices, depth }) => {
      const idx = indexNd(indices);
      return idx === null ? reject('not tensor data') : R.oneHotRef(idx, depth);
    },
  } as Spec<OneHotArgs>,
  // Losses
  softmaxCrossEntropy: {
    args: crossEntropyArgs,
    run: ({ z, labels, options }, s) => core.softmaxCrossEntropy(s.t(z), s.c(labels), options as core.SoftmaxCrossEntropyOptions),
    ref: ({ z, labels, options }) => {
      const [zs, idx] = [nd(z), indexNd(labels)];
      return zs === null || idx === null ? reject('not tensor data') : R.softmaxCrossEntropyRef(zs, idx, options);
    },
  } as Spec<CrossEntropyArgs>,
  softmaxCrossEntropyGrad: {
    args: crossEntropyArgs,
    run: ({ g, z, labels }, s) => ruleOps.softmaxCrossEntropyGrad(s.t(g), s.t(z), s.c(labels)),
    ref: ({ g, z, labels }) => {
      const [gs, zs, idx] = [nd(g), nd(z), indexNd(labels)];
      return gs === null || zs === null || idx === null ? reject('not tensor data') : R.softmaxCrossEntropyGradRef(gs, zs, idx);
    },
  } as Spec<CrossEntropyArgs>,
  // Activations' adjoints with attributes (their functions are rule-ops, called only by rules, which pass valid ones)
  eluGrad: {
    args: broadcastable(2).chain(([sv, sx]) => fc.record({ v: tensorArg(sv!), x: tensorArg(sx!), alpha: fc.double({ min: -3, max: 3, noNaN: true }) })),
    run: ({ v, x, alpha }, s) => ruleOps.eluGrad(s.t(v), s.t(x), alpha),
    ref: ({ v, x, alpha }) => withNd([v, x], (a, b) => R.zipN([a, b], (g, y) => g * R.eluPrimeRef(y, alpha))),
  } as Spec<{ v: unknown; x: unknown; alpha: number }>,
  geluGrad: {
    args: broadcastable(2).chain(([sv, sx]) => fc.record({ v: tensorArg(sv!), x: tensorArg(sx!), approximate: fc.constantFrom<'none' | 'tanh'>('none', 'tanh') })),
    run: ({ v, x, approximate }, s) => ruleOps.geluGrad(s.t(v), s.t(x), approximate),
    ref: ({ v, x, approximate }) => withNd([v, x], (a, b) => R.zipN([a, b], (g, y) => g * R.geluPrimeRef(y, approximate))),
  } as Spec<{ v: unknown; x: unknown; approximate: 'none' | 'tanh' }>,
  // Convolution and pooling
  conv2d: {
    args: conv2dArgs,
    run: ({ x, w, options, bias }, s) => core.conv2d(s.t(x), s.t(w), withBias(options, bias === undefined ? undefined : s.t(bias)) as core.Conv2dOptions),
    ref: ({ x, w, options, bias }) => {
      const opts = withBias(options, bias);
      return opts !== options ? withNd([x, w, bias], (xs, ws, bs) => R.conv2dRef(xs, ws, opts, bs)) : withNd([x, w], (xs, ws) => R.conv2dRef(xs, ws, options));
    },
    alsoNamed: ['conv2dBias'], // conv2d with the bias option: its shape messages say 'conv2d'
  } as Spec<ConvArgs>,
  conv2dTranspose: {
    args: conv2dTransposeArgs,
    run: ({ x, w, options, bias }, s) => core.conv2dTranspose(s.t(x), s.t(w), withBias(options, bias === undefined ? undefined : s.t(bias)) as core.Conv2dTransposeOptions),
    ref: ({ x, w, options, bias }) => {
      const opts = withBias(options, bias);
      return opts !== options ? withNd([x, w, bias], (xs, ws, bs) => R.conv2dTransposeRef(xs, ws, opts, bs)) : withNd([x, w], (xs, ws) => R.conv2dTransposeRef(xs, ws, options));
    },
  } as Spec<ConvArgs>,
  conv2dBiasGrad: {
    args: convShapes(1, (s) => [[s.n, s.groups * s.og, s.h, s.w]]).chain(([, [gs]]) => fc.record({ g: tensorArg(gs!) })),
    run: ({ g }, s) => ruleOps.conv2dBiasGrad(s.t(g)),
    ref: ({ g }) => withNd([g], (gs) => R.conv2dBiasGradRef(gs)),
  } as Spec<{ g: unknown }>,
  conv2dInputGrad: {
    args: conv2dInputGradArgs,
    run: ({ a, b, attrs }, s) => ruleOps.conv2dInputGrad(s.t(a), s.t(b), attrs as never),
    ref: ({ a, b, attrs }) => withNd([a, b], (gs, ws) => R.conv2dInputGradRef(gs, ws, attrs)),
  } as Spec<ConvGradArgs>,
  conv2dWeightGrad: {
    args: conv2dWeightGradArgs,
    run: ({ a, b, attrs }, s) => ruleOps.conv2dWeightGrad(s.t(a), s.t(b), attrs as never),
    ref: ({ a, b, attrs }) => withNd([a, b], (xs, gs) => R.conv2dWeightGradRef(xs, gs, attrs)),
  } as Spec<ConvGradArgs>,
  maxPool2d: {
    args: poolArgs,
    run: ({ x, options }, s) => core.maxPool2d(s.t(x), options as core.Pool2dOptions),
    ref: ({ x, options }) => withNd([x], (xs) => R.maxPool2dRef(xs, options)),
  } as Spec<PoolArgs>,
  avgPool2d: {
    args: poolArgs,
    run: ({ x, options }, s) => core.avgPool2d(s.t(x), options as core.Pool2dOptions),
    ref: ({ x, options }) => withNd([x], (xs) => R.avgPool2dRef(xs, options)),
  } as Spec<PoolArgs>,
  adaptiveAvgPool2d: {
    args: adaptiveArgs,
    run: ({ x, outputSize }, s) => core.adaptiveAvgPool2d(s.t(x), outputSize as core.AdaptiveOutputSize),
    ref: ({ x, outputSize }) => withNd([x], (xs) => R.adaptiveAvgPool2dRef(xs, outputSize)),
  } as Spec<AdaptiveArgs>,
  adaptiveMaxPool2d: {
    args: adaptiveArgs,
    run: ({ x, outputSize }, s) => core.adaptiveMaxPool2d(s.t(x), outputSize as core.AdaptiveOutputSize),
    ref: ({ x, outputSize }) => withNd([x], (xs) => R.adaptiveMaxPool2dRef(xs, outputSize)),
  } as Spec<AdaptiveArgs>,
  interpolate: {
    args: interpolateArgs,
    run: ({ x, options }, s) => core.interpolate(s.t(x), options as core.InterpolateOptions),
    ref: ({ x, options }) => withNd([x], (xs) => R.interpolateRef(xs, options)),
  } as Spec<InterpolateArgs>,
  maxPool2dGrad: {
    args: maxPoolRuleArgs(true),
    run: ({ a, x, attrs }, s) => ruleOps.maxPool2dGrad(s.t(a), s.c(x), attrs as never),
    ref: ({ a, x, attrs }) => withNd([a, x], (gs, xs) => R.maxPool2dGradRef(gs, xs, attrs)),
  } as Spec<PoolGradArgs>,
  maxPool2dGather: {
    args: maxPoolRuleArgs(false),
    run: ({ a, x, attrs }, s) => ruleOps.maxPool2dGather(s.t(a), s.c(x), attrs as never),
    ref: ({ a, x, attrs }) => withNd([a, x], (ts, xs) => R.maxPool2dGatherRef(ts, xs, attrs)),
  } as Spec<PoolGradArgs>,
  avgPool2dGrad: {
    args: avgPool2dGradArgs,
    run: ({ g, attrs }, s) => ruleOps.avgPool2dGrad(s.t(g), attrs as never),
    ref: ({ g, attrs }) => withNd([g], (gs) => R.avgPool2dGradRef(gs, attrs)),
  } as Spec<AvgGradArgs>,
  // Reordering, triangles, einsum and linear algebra: in files of their own.
  ...orderSpecs,
  ...linalgSpecs,
};
