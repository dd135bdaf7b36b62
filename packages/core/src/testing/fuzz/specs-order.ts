/**
 * Fuzz specs of the reordering ops (takeAlongAxis, flip, roll, sort, argsort, topK), the triangles
 * (tril, triu), the diagonals (diagonal, matrixTrace, diag) and the order statistics (quantile,
 * median): valid and broken arguments, and their references in reference-order.ts.
 */
import fc from 'fast-check';
import * as core from '@adjoint/core';
import { reject, type Nd } from './reference';
import * as R from './reference-order';
import { axesArb, axisArb, badNumber, isDesc, junk, nd, nestedOf, shapeArb, tensorArg, tensorOf, type Spec } from './harness';

/** Index values for an axis of size d: mostly in range, sometimes −1, d, fractional or NaN. */
const indexValue = (d: number): fc.Arbitrary<number> =>
  fc.oneof({ weight: 12, arbitrary: d > 0 ? fc.integer({ min: 0, max: d - 1 }) : fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-1, d, 0.5, NaN) });

type TakeArgs = { x: unknown; indices: unknown; axis: unknown };
const takeArgs: fc.Arbitrary<TakeArgs> = fc.tuple(shapeArb(1, 3), fc.nat(), fc.nat(), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 })).chain(([s, at, k, ones]) => {
  const a = at % s.length;
  // The indices' shape: x's with axis a of any length and some other axes 1 (they broadcast), now and then another rank.
  const shape = s.map((d, i) => (i === a ? k % 4 : ones[i] ? 1 : d));
  const indices = fc.oneof({ weight: 10, arbitrary: tensorOf(shape, indexValue(s[a]!)) }, { weight: 1, arbitrary: tensorOf(shape.slice(1), indexValue(s[a]!)) }, { weight: 1, arbitrary: junk });
  return fc.record({ x: tensorArg(s), indices, axis: fc.oneof({ weight: 5, arbitrary: fc.constant(a) }, { weight: 1, arbitrary: axisArb(s.length) }) });
});

/** Indices as the reference sees them: Tensors and nested arrays, not plain numbers. */
function indexData(v: unknown): Nd | null {
  const passed = isDesc(v) && v.nested ? nestedOf(v) : v;
  return typeof passed === 'number' ? null : nd(v);
}

type ShiftArgs = { x: unknown; shift: unknown; axis: unknown };
const rollArgs: fc.Arbitrary<ShiftArgs> = shapeArb(0, 3).chain((s) =>
  fc.record({
    x: tensorArg(s),
    shift: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -7, max: 7 }) }, { weight: 3, arbitrary: fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 3 }) }, { weight: 1, arbitrary: badNumber }),
    axis: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(undefined, null) },
      { weight: 5, arbitrary: axisArb(s.length) },
      { weight: 3, arbitrary: fc.array(fc.integer({ min: -s.length - 1, max: s.length }), { maxLength: 3 }) },
    ),
  }),
);

type AxisArgs = { x: unknown; axis: unknown };
const sortArgs: fc.Arbitrary<AxisArgs> = shapeArb(0, 3).chain((s) =>
  fc.record({ x: tensorArg(s), axis: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 5, arbitrary: axisArb(s.length) }) }),
);

type TopKArgs = { x: unknown; k: unknown; options: unknown };
const topKArgs: fc.Arbitrary<TopKArgs> = shapeArb(0, 3).chain((s) =>
  fc.record({
    x: tensorArg(s),
    k: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 1, arbitrary: badNumber }),
    options: fc.oneof(
      { weight: 2, arbitrary: fc.constant(undefined) },
      { weight: 6, arbitrary: fc.record({ axis: fc.oneof(fc.constant(undefined), axisArb(s.length)), largest: fc.oneof(fc.constant(undefined), fc.boolean(), fc.constant<unknown>('yes')) }, { requiredKeys: [] }) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 3, { dim: 0 }) },
    ),
  }),
);

type TriangleArgs = { x: unknown; k: unknown };
const triangleArgs: fc.Arbitrary<TriangleArgs> = shapeArb(0, 4).chain((s) =>
  fc.record({ x: tensorArg(s), k: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 6, arbitrary: fc.integer({ min: -4, max: 4 }) }, { weight: 1, arbitrary: badNumber }) }),
);

const triangle = (fn: typeof core.tril, lower: boolean): Spec<TriangleArgs> => ({
  args: triangleArgs,
  run: ({ x, k }, s) => fn(s.t(x), k as number),
  ref: ({ x, k }) => {
    const a = nd(x);
    return a === null ? reject('not tensor data') : R.triangleRef(a, k, lower);
  },
});

type DiagonalArgs = { x: unknown; offset: unknown; axis1: unknown; axis2: unknown };
const offsetArb = fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 6, arbitrary: fc.integer({ min: -4, max: 4 }) }, { weight: 1, arbitrary: badNumber });
const diagonalArgs: fc.Arbitrary<DiagonalArgs> = shapeArb(0, 4).chain((s) => {
  const axis = fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 6, arbitrary: axisArb(s.length) });
  return fc.record({ x: tensorArg(s), offset: offsetArb, axis1: axis, axis2: axis });
});

const onDiagonal = (fn: typeof core.diagonal, ref: typeof R.diagonalRef): Spec<DiagonalArgs> => ({
  args: diagonalArgs,
  run: ({ x, offset, axis1, axis2 }, s) => fn(s.t(x), offset as number, axis1 as number, axis2 as number),
  ref: ({ x, offset, axis1, axis2 }) => {
    const a = nd(x);
    return a === null ? reject('not tensor data') : ref(a, offset, axis1, axis2);
  },
});

type QuantileArgs = { x: unknown; q: unknown; axis: unknown; keepDims: unknown; options: unknown };
const quantileArgs: fc.Arbitrary<QuantileArgs> = shapeArb(0, 3).chain((s) =>
  fc.record({
    x: tensorArg(s),
    q: fc.oneof(
      { weight: 4, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
      { weight: 3, arbitrary: fc.array(fc.constantFrom(0, 0.1, 0.25, 0.5, 0.625, 0.9, 1), { minLength: 1, maxLength: 3 }) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(-0.1, 1.5, NaN, [], [0.5, 2], '0.5', null) },
    ),
    axis: axesArb(s.length),
    keepDims: fc.constantFrom(undefined, true, false),
    options: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom<unknown>(undefined, {}, { method: 'linear' }, { method: 'lower' }, { method: 'higher' }, { method: 'nearest' }, { method: 'midpoint' }) },
      { weight: 1, arbitrary: fc.oneof(fc.constantFrom<unknown>({ method: 'cubic' }, { interpolation: 'lower' }), junk) },
    ),
  }),
);

export const orderSpecs: Record<string, Spec> = {
  takeAlongAxis: {
    args: takeArgs,
    run: ({ x, indices, axis }, s) => core.takeAlongAxis(s.t(x), s.c(indices), axis as number),
    ref: ({ x, indices, axis }) => {
      const [a, idx] = [nd(x), indexData(indices)];
      return a === null || idx === null ? reject('not tensor data') : R.takeAlongAxisRef(a, idx, axis);
    },
  } as Spec<TakeArgs>,
  flip: {
    args: shapeArb(0, 3).chain((s) => fc.record({ x: tensorArg(s), axis: axesArb(s.length) })),
    run: ({ x, axis }, s) => core.flip(s.t(x), axis as number),
    ref: ({ x, axis }) => {
      const a = nd(x);
      return a === null ? reject('not tensor data') : R.flipRef(a, axis);
    },
  } as Spec<AxisArgs>,
  roll: {
    args: rollArgs,
    run: ({ x, shift, axis }, s) => core.roll(s.t(x), shift as number, axis as number),
    ref: ({ x, shift, axis }) => {
      const a = nd(x);
      return a === null ? reject('not tensor data') : R.rollRef(a, shift, axis);
    },
  } as Spec<ShiftArgs>,
  sort: {
    args: sortArgs,
    run: ({ x, axis }, s) => core.sort(s.t(x), axis as number),
    ref: ({ x, axis }) => {
      const a = nd(x);
      return a === null ? reject('not tensor data') : R.sortRef(a, axis, 'values');
    },
  } as Spec<AxisArgs>,
  argsort: {
    args: sortArgs,
    run: ({ x, axis }, s) => core.argsort(s.t(x), axis as number),
    ref: ({ x, axis }) => {
      const a = nd(x);
      return a === null ? reject('not tensor data') : R.sortRef(a, axis, 'indices');
    },
  } as Spec<AxisArgs>,
  // The values stacked over the indices: both are checked, and the values' derivatives.
  topK: {
    args: topKArgs,
    run: ({ x, k, options }, s) => core.stack(core.topK(s.t(x), k as number, options as core.TopKOptions), 0),
    ref: ({ x, k, options }) => {
      const a = nd(x);
      return a === null ? reject('not tensor data') : R.topKRef(a, k, options);
    },
  } as Spec<TopKArgs>,
  diagonal: onDiagonal(core.diagonal, R.diagonalRef),
  matrixTrace: onDiagonal(core.matrixTrace, R.traceRef),
  diag: {
    args: shapeArb(0, 3).chain((s) => fc.record({ x: tensorArg(s), k: offsetArb })),
    run: ({ x, k }, s) => core.diag(s.t(x), k as number),
    ref: ({ x, k }) => {
      const a = nd(x);
      return a === null ? reject('not tensor data') : R.diagRef(a, k);
    },
  } as Spec<{ x: unknown; k: unknown }>,
  quantile: {
    args: quantileArgs,
    run: ({ x, q, axis, keepDims, options }, s) => core.quantile(s.t(x), q as number, axis as number, keepDims as boolean, options as core.QuantileOptions),
    ref: ({ x, q, axis, keepDims, options }) => {
      const a = nd(x);
      return a === null ? reject('not tensor data') : R.quantileRef(a, q, axis, (keepDims as boolean | undefined) ?? false, options);
    },
  } as Spec<QuantileArgs>,
  median: {
    args: quantileArgs,
    run: ({ x, axis, keepDims }, s) => core.median(s.t(x), axis as number, keepDims as boolean),
    ref: ({ x, axis, keepDims }) => {
      const a = nd(x);
      return a === null ? reject('not tensor data') : R.medianRef(a, axis, (keepDims as boolean | undefined) ?? false);
    },
  } as Spec<QuantileArgs>,
  tril: triangle(core.tril, true),
  triu: triangle(core.triu, false),
};
