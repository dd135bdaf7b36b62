/**
 * Fuzz specs of einsum and the linear algebra ops: valid and broken arguments, and their
 * references in reference-linalg.ts. The matrices are kept well conditioned (a dominant diagonal),
 * with exactly singular and non-finite ones mixed in, so that a reference computed another way
 * agrees to rounding.
 */
import fc from 'fast-check';
import * as core from '@adjoint/core';
import { reject, type Nd } from './reference';
import * as R from './reference-linalg';
import { junk, nd, tensorArg, tensorOf, type Spec, type TDesc } from './harness';

/** Stacks of n×n matrices (n 0…3, up to two batch axes) whose diagonal outweighs each row. */
const conditionedShape = fc.tuple(fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 2 }), fc.integer({ min: 0, max: 3 }));

function conditioned([batch, n]: [number[], number]): fc.Arbitrary<TDesc> {
  return tensorOf([...batch, n, n], fc.double({ min: -1, max: 1, noNaN: true })).map((t) => ({
    ...t,
    data: t.data.map((v, i) => (Math.floor(i / n) % n === i % n ? v + 2 * n + 1 : v)),
  }));
}

/** A matrix argument: mostly well conditioned; sometimes exactly singular (a zero column), not finite, not square, or junk. */
const matrixArg = (n: [number[], number], spoil = true): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 12, arbitrary: conditioned(n) },
    ...(spoil
      ? [
          { weight: 1, arbitrary: conditioned(n).map((t) => ({ ...t, data: t.data.map((v, i) => (i % Math.max(n[1], 1) === 0 ? 0 : v)) })) },
          { weight: 1, arbitrary: conditioned(n).map((t) => ({ ...t, data: t.data.map((v, i) => (i === 0 ? NaN : v)) })) },
        ]
      : []),
    { weight: 1, arbitrary: tensorArg([...n[0], n[1], n[1] + 1]) },
    { weight: 1, arbitrary: junk },
  );

type SolveArgs = { a: unknown; b: unknown };
const solveArgs: fc.Arbitrary<SolveArgs> = conditionedShape.chain(([batch, n]) =>
  fc.record({
    a: matrixArg([batch, n]),
    b: fc.oneof(
      { weight: 4, arbitrary: tensorOf([n], fc.double({ min: -3, max: 3, noNaN: true })) },
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }).chain((k) => tensorOf([...batch.slice(1), n, k], fc.double({ min: -3, max: 3, noNaN: true }))) },
      { weight: 1, arbitrary: tensorArg([n + 1]) },
      { weight: 1, arbitrary: junk },
    ),
  }),
);

type MatrixArgs = { a: unknown };
/** Matrices for inv, slogdet and det; `spoil` false keeps them invertible, as the backward pass of slogdet and det needs. */
const matrixArgs = (spoil: boolean): fc.Arbitrary<MatrixArgs> => conditionedShape.chain((shape) => fc.record({ a: matrixArg(shape, spoil) }));

/** Symmetric positive definite matrices, with noise above the diagonal (not read); sometimes not positive definite. */
const choleskyArgs: fc.Arbitrary<MatrixArgs> = conditionedShape.chain(([batch, n]) =>
  fc.record({
    a: fc.oneof(
      { weight: 8, arbitrary: conditioned([batch, n]) },
      { weight: 1, arbitrary: conditioned([batch, n]).map((t) => ({ ...t, data: t.data.map((v, i) => (i === 0 ? -v : v)) })) },
      { weight: 1, arbitrary: tensorArg([n, n + 1]) },
      { weight: 1, arbitrary: junk },
    ),
  }),
);

/**
 * Finite elements of moderate size: with three operands einsum sums in another order than the
 * reference, which changes where ±∞ meets −∞ (one of them NaN, the other ∞), not only rounding.
 */
const finite = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -10, max: 10, noNaN: true }));

/** Subscripts with their operands' letters; sizes are drawn per letter, 1 now and then in one operand (it broadcasts). */
const einsumPatterns = [
  'ij,jk->ik', 'ij,jk', 'bij,bjk->bik', 'ii->i', 'ii', 'ij->', 'i,j->ij', 'ij,ij->i', 'ij,jk,kl->il', 'iij,jk->ki', 'ijk,ikl->jl', 'i,i->', 'ij->ji', 'iJ,Jk->ik',
];

type EinsumArgs = { subscripts: unknown; operands: unknown[] };
const einsumArgs: fc.Arbitrary<EinsumArgs> = fc.tuple(fc.constantFrom(...einsumPatterns), fc.dictionary(fc.constantFrom(...'ijklbJ'), fc.integer({ min: 0, max: 3 })), fc.nat(), fc.integer({ min: 0, max: 9 })).chain(
  ([pattern, sizeOf, spoilAt, spoil]) => {
    const inputs = pattern.split('->')[0]!.split(',');
    const size = (ch: string): number => sizeOf[ch] ?? 2;
    const shapes = inputs.map((letters, k) => [...letters].map((ch, a) => (spoil === 0 && (k + a) % 3 === spoilAt % 3 ? size(ch) + 1 : spoil === 1 && k === 0 ? 1 : size(ch))));
    const subscripts = spoil === 2 ? fc.constantFrom<unknown>('ij,jk->iz', 'i1,jk', 'ij->ii', 3, '') : fc.constant(pattern);
    const operands = fc.tuple(...shapes.map((s) => fc.oneof({ weight: 20, arbitrary: tensorOf(s, finite) }, { weight: 1, arbitrary: junk })));
    return fc.record({ subscripts, operands: spoil === 3 ? operands.map((list) => list.slice(1)) : operands });
  },
);

/** The reference of a function of one matrix argument. */
const ofMatrix = (ref: (a: Nd) => ReturnType<typeof R.slogdetRef>) => ({ a }: MatrixArgs) => {
  const x = nd(a);
  return x === null ? reject('not tensor data') : ref(x);
};

export const linalgSpecs: Record<string, Spec> = {
  einsum: {
    args: einsumArgs,
    run: ({ subscripts, operands }, s) => core.einsum(subscripts as string, ...operands.map((t) => s.t(t))),
    ref: ({ subscripts, operands }) => {
      const xs = operands.map(nd);
      return xs.some((x) => x === null) ? reject('not tensor data') : R.einsumRef(subscripts, xs as Nd[]);
    },
  } as Spec<EinsumArgs>,
  solve: {
    args: solveArgs,
    run: ({ a, b }, s) => core.solve(s.t(a), s.t(b)),
    ref: ({ a, b }) => {
      const [x, y] = [nd(a), nd(b)];
      return x === null || y === null ? reject('not tensor data') : R.solveRef(x, y);
    },
  } as Spec<SolveArgs>,
  inv: { args: matrixArgs(true), run: ({ a }, s) => core.inv(s.t(a)), ref: ofMatrix(R.invRef) } as Spec<MatrixArgs>,
  // The sign stacked over log |det|: both are checked, and the log's derivatives.
  slogdet: { args: matrixArgs(false), run: ({ a }, s) => core.stack(core.slogdet(s.t(a)), 0), ref: ofMatrix(R.slogdetRef), alsoNamed: ['logAbsDet'] } as Spec<MatrixArgs>,
  det: { args: matrixArgs(false), run: ({ a }, s) => core.det(s.t(a)), ref: ofMatrix(R.detRef) } as Spec<MatrixArgs>,
  cholesky: { args: choleskyArgs, run: ({ a }, s) => core.cholesky(s.t(a)), ref: ofMatrix(R.choleskyRef) } as Spec<MatrixArgs>,
};
