import fc from 'fast-check';
import { Tensor, ValueError, apply, broadcastShapes, cos, matmul, mul } from '@adjoint/core';
import { arb, checkGrad, gradProperty, GradPropertyError } from '@adjoint/gradcheck';
import { registerSin } from './testing/sin-with-rules';

const runs = { numRuns: 100, seed: 42 };

describe('arb.shape', () => {
  it('stays within the requested ranks and dimensions', () => {
    fc.assert(
      fc.property(arb.shape({ minRank: 1, maxRank: 2, maxDim: 3 }), (s) => {
        expect(s.length).toBeGreaterThanOrEqual(1);
        expect(s.length).toBeLessThanOrEqual(2);
        for (const d of s) expect(d >= 1 && d <= 3).toBe(true);
      }),
      runs,
    );
  });

  it('rejects an empty range', () => {
    expect(() => arb.shape({ minRank: 3, maxRank: 1 })).toThrow(ValueError);
  });
});

describe('arb.tensor', () => {
  it('makes finite core tensors within [min, max] (default [−10, 10])', () => {
    fc.assert(
      fc.property(arb.tensor(), arb.tensor({ shape: [2, 3], min: -1, max: 0.5 }), (a, b) => {
        expect(a).toBeInstanceOf(Tensor);
        expect(a.data.every((v) => Number.isFinite(v) && v >= -10 && v <= 10)).toBe(true);
        expect(b.shape).toEqual([2, 3]);
        expect(b.data.every((v) => v >= -1 && v <= 0.5)).toBe(true);
      }),
      runs,
    );
  });

  it('draws from a domain: bounds, kinks kept at a distance, integers', () => {
    const away = { min: -2, max: 2, awayFrom: [0, 1], margin: 0.25 };
    fc.assert(
      fc.property(arb.tensor({ domain: away }), arb.tensor({ shape: [4], domain: { min: 0, max: 3, integer: true } }), (a, i) => {
        expect(a.data.every((v) => v >= -2 && v <= 2 && Math.abs(v) >= 0.25 && Math.abs(v - 1) >= 0.25)).toBe(true);
        expect(i.data.every((v) => Number.isInteger(v) && v >= 0 && v <= 3)).toBe(true);
      }),
      runs,
    );
  });

  it('refuses a domain with no room left between its kinks, instead of searching forever', () => {
    expect(() => arb.tensor({ domain: { min: -1, max: 1, awayFrom: [-0.5, 0.5], margin: 0.6 } })).toThrow(/no value in \[-1, 1\] is 0.6 away/);
    expect(() => arb.tensor({ domain: { min: 0, max: 2, integer: true, awayFrom: [0, 1, 2], margin: 0.5 } })).toThrow(ValueError);
    expect(() => arb.tensor({ domain: { min: -1, max: 1, awayFrom: [0], margin: 1 } })).not.toThrow();
  });

  it('takes an arbitrary of shapes', () => {
    fc.assert(fc.property(arb.tensor({ shape: arb.shape({ minRank: 2, maxRank: 2 }) }), (t) => expect(t.rank).toBe(2)), runs);
  });
});

describe('shape pairs', () => {
  it('broadcastableShapes broadcast under NumPy rules, and cover broadcasting that stretches axes', () => {
    let stretched = 0;
    fc.assert(
      fc.property(arb.broadcastableShapes(), ([a, b]) => {
        const out = broadcastShapes('test', a, b);
        if (a.length !== b.length || a.some((d, i) => d !== b[i])) stretched++;
        expect(out.length).toBe(Math.max(a.length, b.length));
      }),
      runs,
    );
    expect(stretched).toBeGreaterThan(10);
  });

  it('matmulShapes multiply, batched ones too', () => {
    fc.assert(
      fc.property(arb.tensors(arb.matmulShapes({ batch: true })), ([a, b]) => {
        const c = matmul(a!, b!);
        expect(c.shape.slice(-2)).toEqual([a!.shape[a!.rank - 2], b!.shape[b!.rank - 1]]);
      }),
      runs,
    );
  });
});

describe('gradProperty', () => {
  it('holds for right rules over drawn shapes and values', () => {
    fc.assert(gradProperty((a, b) => a.mul(b).tanh().sum(), arb.tensors(arb.broadcastableShapes({ maxDim: 3 }), { min: -2, max: 2 })), { numRuns: 30, seed: 1 });
    fc.assert(gradProperty((a, b) => matmul(a, b), arb.tensors(arb.matmulShapes()), { order: 2 }), { numRuns: 20, seed: 2 });
    fc.assert(gradProperty((x) => x.log(), arb.tensor({ domain: { min: 0.5, max: 3 } })), { numRuns: 20, seed: 3 });
  });

  it('fails for a wrong rule, with a message naming the failure and the inputs', () => {
    const op = registerSin('gradcheckTest.arbWrongSin', { vjp: (g, x) => mul(g, cos(x)).mul(1.5) });
    const property = gradProperty((x) => apply(op, [x], undefined), arb.tensor({ min: -1, max: 1 }));
    let error: Error | undefined;
    try {
      fc.assert(property, { numRuns: 20, seed: 4 });
    } catch (e) {
      error = e as Error;
    }
    // fast-check shows the shrunk counterexample, printed as a tensor …
    expect(error?.message).toMatch(/Counterexample: \[\[tensor\(.*\)\]\]/);
    // … and keeps the property's own error, which says what is wrong where, as the cause.
    const cause = error?.cause as Error;
    expect(cause).toBeInstanceOf(GradPropertyError);
    expect(cause.message).toMatch(/rev mode, order 1: analytic \S+ vs numeric \S+/);
    expect(cause.message).toMatch(/input 0: shape \[.*\]/);
    // With includeErrorInReport the whole story is in one message.
    expect(() => fc.assert(property, { numRuns: 20, seed: 4, includeErrorInReport: true })).toThrow(/analytic \S+ vs numeric/);
  });

  it('shrinks to counterexamples that fail by a clear margin, not at the edge of the tolerance', () => {
    // A rule whose error, 1e-4·x², passes the tolerance (about 1e-3 here) for |x| < 3 and fails beyond.
    const op = registerSin('gradcheckTest.arbEdgeSin', { vjp: (g, x) => mul(g, cos(x).add(x.square().mul(1e-4))) });
    const f = (x: Tensor): Tensor => apply(op, [x], undefined);
    /** How many times its tolerance the worst value of the shrunk counterexample misses by. */
    const worstRatio = (margin: number): number => {
      const result = fc.check(gradProperty(f, arb.tensor({ shape: [1], min: -10, max: 10 }), { margin, modes: ['rev'] }), { numRuns: 200, seed: 5 });
      expect(result.failed).toBe(true);
      const [[x]] = result.counterexample as [[Tensor]];
      return Math.max(...checkGrad(f, [x!], { modes: ['rev'] }).failures.map((e) => Math.abs(e.analytic - e.numeric) / (1e-5 + 1e-3 * Math.abs(e.numeric))));
    };
    expect(worstRatio(1)).toBeLessThan(1.5); // without a margin: right at the edge
    expect(worstRatio(4)).toBeGreaterThan(4); // the default: plainly wrong
  });

  it('needs at least one arbitrary, and arbitraries that make tensors', () => {
    expect(() => gradProperty((x) => x, {} as never)).toThrow(/needs at least one fast-check arbitrary/);
    const notTensors = gradProperty((x) => x, fc.integer() as never);
    expect(() => fc.assert(notTensors, { numRuns: 1, includeErrorInReport: true })).toThrow(/must produce a Tensor or a list of Tensors/);
  });
});
