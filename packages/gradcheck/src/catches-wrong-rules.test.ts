/**
 * A check that cannot fail is worthless: here ops with deliberately wrong rules are registered and
 * checkGrad must report each, in the right mode and order — and the same ops with right rules pass.
 *
 * The ops are registered under unique names in core's registry. Jest gives every test file its own
 * module registry, so they exist only in this file's worker and never reach all-ops.test.ts.
 */
import {
  apply, cos, div, exp, log, matmul, mul, registerOp, sin, tensor, transpose, add, rand, abs, relu, customVjp, customJvp,
  type DifferentiableOp, type Shape, type Tensor,
} from '@adjoint/core';
import { assertGrad, checkAllOps, checkGrad, formatFailure, formatReport, GradCheckError, type GradFailure, type GradReport } from '@adjoint/gradcheck';
import { registerSin } from './testing/sin-with-rules';

const domain = { inputs: [{ min: -2, max: 2 }], cases: [{ shapes: [[3]], attrs: undefined }] };

/** Registers an elementwise op of one input with the given rules; returns it as a function. */
function unary(
  name: string,
  f: (v: number) => number,
  vjp: (g: Tensor, x: Tensor, out: Tensor) => Tensor,
  jvp: (t: Tensor, x: Tensor, out: Tensor) => Tensor,
): (x: Tensor) => Tensor {
  const op = registerOp<DifferentiableOp>({
    kind: 'differentiable',
    name: `gradcheckTest.${name}`,
    arity: 1,
    shape: ([s]) => s!,
    forward: ([x]) => x!.map(f),
    vjp: (g, [x], out) => [vjp(g, x!, out)],
    jvp: ([t], [x], out) => jvp(t!, x!, out),
    domain,
  });
  return (x) => apply(op, [x], undefined);
}

/** C = AB for 2-D A [m, k] and B [k, n], with a given rule for Ā (B̄ = AᵀC̄ is right). */
function matmulLike(name: string, adjointA: (g: Tensor, b: Tensor) => Tensor): (a: Tensor, b: Tensor) => Tensor {
  const op = registerOp<DifferentiableOp>({
    kind: 'differentiable',
    name: `gradcheckTest.${name}`,
    arity: 2,
    shape: ([a, b]) => [a![0]!, b![1]!],
    forward: ([a, b], [sa, sb]) => {
      const [m, k] = sa as [number, number];
      const n = (sb as Shape)[1]!;
      const out = new Float64Array(m * n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) out[i * n + j]! += a![i * k + p]! * b![p * n + j]!;
      return out;
    },
    vjp: (g, [a, b]) => [adjointA(g, b!), matmul(transpose(a!), g)],
    jvp: ([ta, tb], [a, b]) => {
      const terms = [ta && matmul(ta, b!), tb && matmul(a!, tb)].filter((t): t is Tensor => t !== null);
      return terms.length === 2 ? add(terms[0]!, terms[1]!) : terms[0]!;
    },
    domain: domain as never,
  });
  return (a, b) => apply(op, [a, b], undefined);
}

const x = tensor([0.3, -1.1, 0.8, 1.7]);
const modesOf = (failures: readonly GradFailure[]) => [...new Set(failures.map((f) => `${f.mode}/${f.order}`))].sort();
const inputsOf = (failures: readonly GradFailure[]) => [...new Set(failures.map((f) => f.input))].sort();
const mismatches = (r: GradReport) => r.failures.filter((f) => f.reason === 'mismatch');

describe('right rules pass (the control for every case below)', () => {
  const goodSin = unary('goodSin', Math.sin, (g, x) => mul(g, cos(x)), (t, x) => mul(t, cos(x)));
  const goodExp = unary('goodExp', Math.exp, (g, _x, out) => mul(g, out), (t, _x, out) => mul(t, out));
  const goodMatmul = matmulLike('goodMatmul', (g, b) => matmul(g, transpose(b)));

  it('in both modes, to second order', () => {
    expect(checkGrad(goodSin, [x], { order: 2 }).failures).toEqual([]);
    expect(checkGrad(goodExp, [x], { order: 2 }).failures).toEqual([]);
    const report = checkGrad(goodMatmul, [rand([2, 3], { seed: 1 }), rand([3, 3], { seed: 2 })], { order: 2 });
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
  });
});

describe('checkGrad catches wrong rules', () => {
  it('(a) a VJP off by a factor 2: reverse-mode failures at order 1, forward mode passes', () => {
    const f = unary('vjpTimesTwo', Math.sin, (g, x) => mul(mul(g, cos(x)), 2), (t, x) => mul(t, cos(x)));
    const report = checkGrad(f, [x]);
    expect(report.ok).toBe(false);
    expect(modesOf(report.failures)).toEqual(['rev/1']);
    // Every diagonal element is wrong, by exactly the factor.
    expect(report.failures.map((f) => [f.index, f.outputIndex])).toEqual([[0, 0], [1, 1], [2, 2], [3, 3]]);
    for (const f of report.failures) {
      expect(f.reason).toBe('mismatch');
      expect(f.input).toBe(0);
      expect(f.analytic / f.numeric).toBeCloseTo(2, 6);
      expect(f.numeric).toBeCloseTo(Math.cos(x.data[f.index]!), 8);
    }
    expect(checkGrad(f, [x], { modes: ['fwd'] }).ok).toBe(true);
  });

  it('(b) a JVP off by a factor: forward-mode failures, reverse mode passes', () => {
    const f = unary('jvpTimesThree', Math.sin, (g, x) => mul(g, cos(x)), (t, x) => mul(mul(t, cos(x)), 3));
    const report = checkGrad(f, [x], { order: 2 });
    expect(modesOf(report.failures)).toEqual(['fwd/1']);
    expect(report.failures).toHaveLength(4);
    for (const f of report.failures) expect(f.analytic / f.numeric).toBeCloseTo(3, 6);
    expect(checkGrad(f, [x], { modes: ['rev'], order: 2 }).ok).toBe(true);
  });

  it('(c) a matmul VJP with the wrong transpose (Ā = C̄B for C̄Bᵀ): wrong values for input 0 in reverse mode', () => {
    // B square and A not: C̄B has Ā's shape [2, 3], so only the values can give the mistake away.
    const f = matmulLike('wrongTranspose', (g, b) => matmul(g, b));
    const a = tensor([[0.5, -1, 2], [1.5, 0.25, -0.75]]);
    const b = tensor([[1, 2, 0.5], [-1, 0.3, 1], [0.2, -0.4, 1.1]]);
    const report = checkGrad(f, [a, b]);
    expect(report.ok).toBe(false);
    expect(modesOf(report.failures)).toEqual(['rev/1']);
    expect(inputsOf(report.failures)).toEqual([0]); // B̄ = AᵀC̄ is right
    expect(report.failures.every((fl) => fl.reason === 'mismatch')).toBe(true);
  });

  it('(c) … and where the wrong transpose does not fit, the ShapeError is a failure with reason "error", not a crash', () => {
    const f = matmulLike('wrongTransposeThrows', (g, b) => matmul(g, b));
    const report = checkGrad(f, [rand([2, 3], { seed: 3 }), rand([3, 4], { seed: 4 })], { order: 2 });
    expect(report.ok).toBe(false);
    const errors = report.failures.filter((fl) => fl.reason === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((fl) => fl.mode === 'rev' && Number.isNaN(fl.analytic))).toBe(true);
    expect(errors[0]!.message).toMatch(/matmul: inner dimensions must match/);
    // Forward mode does not use the VJP: it passes.
    expect(report.failures.filter((fl) => fl.mode === 'fwd')).toEqual([]);
  });

  it('(d) a VJP using detach(): first order passes in both modes, order 2 fails in reverse mode', () => {
    // exp's rule g·eˣ written with the output detached: right values, but not differentiable.
    const f = unary('expDetached', Math.exp, (g, _x, out) => mul(g, out.detach()), (t, _x, out) => mul(t, out));
    expect(checkGrad(f, [x]).ok).toBe(true);
    const report = checkGrad(f, [x], { order: 2 });
    expect(report.ok).toBe(false);
    expect(report.failures.filter((fl) => fl.order === 1)).toEqual([]);
    const rev2 = report.failures.filter((fl) => fl.mode === 'rev' && fl.order === 2);
    expect(rev2).toHaveLength(4);
    for (const fl of rev2) {
      // The detached rule says the gradient u·eˣ does not depend on x.
      expect(fl.analytic).toBe(0);
      expect(Math.abs(fl.numeric)).toBeGreaterThan(1e-3);
      expect(fl.gradientOf).toBe(0);
    }
    // Forward over reverse differentiates the same gradient, so it sees the same mistake.
    expect(modesOf(report.failures)).toEqual(['fwd/2', 'rev/2']);
  });

  it('(e) a non-finite analytic value is a failure, in the mode that produced it', () => {
    // The rule multiplies by x/x: right everywhere except at 0, where it is NaN.
    const nanAtZero = unary('nanAtZero', (v) => v * v, (g, x) => mul(mul(g, mul(x, 2)), div(x, x)), (t, x) => mul(t, mul(x, 2)));
    const report = checkGrad(nanAtZero, [tensor([1, 0, -1])]);
    // Element 1 of every Jacobian row is NaN (0·NaN is NaN too), though the true derivative is 0 there.
    expect(report.failures).toEqual([0, 1, 2].map((outputIndex) => ({
      input: 0, index: 1, outputIndex, mode: 'rev', order: 1, analytic: NaN, numeric: 0, reason: 'non-finite',
    })));
    const infTangent = unary('infTangent', Math.sin, (g, x) => mul(g, cos(x)), (t, x) => div(mul(t, cos(x)), 0));
    const fwd = checkGrad(infTangent, [tensor([0.5])]);
    expect(fwd.failures.map((f) => [f.mode, f.reason, f.analytic])).toEqual([['fwd', 'non-finite', Infinity]]);
  });

  it('(e) … and so is a non-finite numeric value (finite differences stepping out of the domain)', () => {
    const report = checkGrad((t) => log(t), [tensor([1e-7])], { eps: 1e-6 });
    expect(report.ok).toBe(false);
    expect(report.failures.map((f) => [f.mode, f.reason, Number.isNaN(f.numeric)])).toEqual([
      ['fwd', 'non-finite', true],
      ['rev', 'non-finite', true],
    ]);
  });

  it('(f) assertGrad throws a message naming the input, element, mode, and the analytic and numeric values', () => {
    const f = unary('vjpTimesTwoAgain', Math.sin, (g, x) => mul(mul(g, cos(x)), 2), (t, x) => mul(t, cos(x)));
    let thrown: unknown;
    try {
      assertGrad(f, [tensor([0.25, 0.5])]);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(GradCheckError);
    const error = thrown as GradCheckError;
    expect(error.report.failures).toHaveLength(2);
    expect(error.message).toMatch(/^gradient check failed: 2 of 8 values disagree/);
    // The worst element comes first: element 0, where cos is largest.
    const line = /input 0, element 0, output 0, rev mode, order 1: analytic (\S+) vs numeric (\S+),/.exec(error.message);
    expect(line).not.toBeNull();
    expect(Number(line![1])).toBeCloseTo(2 * Math.cos(0.25), 12);
    expect(Number(line![2])).toBeCloseTo(Math.cos(0.25), 8);
    expect(error.message).toContain('input 0, element 1, output 1, rev mode, order 1');
    expect(() => assertGrad(sin, [tensor([0.25, 0.5])])).not.toThrow();
  });

  it('large inputs: the dot-product test catches a wrong VJP too, naming the input', () => {
    const f = unary('vjpTimesTwoLarge', Math.sin, (g, x) => mul(mul(g, cos(x)), 2), (t, x) => mul(t, cos(x)));
    const big = rand([20, 20], { seed: 5 });
    const report = checkGrad((a, b) => add(f(a), exp(b).sum()), [big, rand([3], { seed: 6 })]);
    expect(report.compared).toBe(3 * 2 * 2); // 3 projections × 2 inputs × 2 modes
    expect(report.failures.map((fl) => [fl.input, fl.index, fl.mode])).toEqual([
      [0, -1, 'rev'],
      [0, -1, 'rev'],
      [0, -1, 'rev'],
    ]);
  });
});

describe('checkGrad catches rules that are right at a unit (co)tangent only', () => {
  // The element-by-element check pulls back −2·eᵢ and pushes forward −2·eⱼ: a rule must be linear
  // in its cotangent (tangent), and these are not, though they agree with the right one at eᵢ.
  // (A registered op that ignores g is caught without probes: its rows are wrong off the diagonal.)
  const notLinear: [string, (g: Tensor) => Tensor][] = [
    ['|g|', (g) => abs(g)],
    ['g²', (g) => mul(g, g)],
    ['relu(g)', (g) => relu(g)],
  ];

  it.each(notLinear)('a VJP using %s for g fails in reverse mode only, at order 1 and 2, fixed and auto, whatever the sign it is fed, and in checkAllOps', (label, of) => {
    const name = `gradcheckTest.vjpNotLinear ${label}`;
    const op = registerSin(name, { vjp: (g, x) => mul(of(g), cos(x)) }, [3]);
    const f = (t: Tensor) => apply(op, [t], undefined);
    // The rule sees g = 1 from the first and g = −1 from the second at the unit cotangent.
    for (const checked of [f, (t: Tensor) => f(t).sum(), (t: Tensor) => f(t).sum().neg()]) {
      for (const options of [{}, { order: 2 as const }, { tolerance: 'auto' as const }, { order: 2 as const, tolerance: 'auto' as const }]) {
        const report = checkGrad(checked, [tensor([0.3, -1.1, 0.8])], options);
        expect(report.ok).toBe(false);
        expect(modesOf(report.failures).filter((m) => m.endsWith('/1'))).toEqual(['rev/1']);
        expect(report.failures.every((fl) => fl.reason === 'mismatch' || fl.reason === 'nonlinear')).toBe(true);
      }
    }
    expect(checkAllOps({ only: [name] }).ok).toBe(false);
    expect(checkAllOps({ only: [name], tolerance: 'auto' }).ok).toBe(false);
  });

  it('a customVjp rule that ignores g fails even when fed the cotangent 1 of .sum(), and says it is not linear', () => {
    const expIgnoringG = customVjp(function expIgnoringG(v: Tensor) { return v.exp(); }, ([v]) => [v!.exp()]);
    const report = checkGrad((t: Tensor) => expIgnoringG(t).sum(), [tensor([0.3, -1.1, 0.8])], { order: 2 });
    expect(report.ok).toBe(false);
    const failure = report.failures.find((fl) => fl.order === 1)!;
    expect(failure).toMatchObject({ mode: 'rev', reason: 'nonlinear', input: 0, index: 0, outputIndex: -1 });
    expect(formatFailure(failure)).toMatch(/^input 0, element 0, rev mode, order 1: the rule is not linear in its cotangent: at the cotangent −2·w \(w random in \[½, 1\]\) it gives \S+, where the rows it gives at each eᵢ combine to \S+ \(numeric \S+\)$/);
  });

  it('a JVP using |t| for t fails in forward mode only, whatever the sign it is fed', () => {
    const op = registerSin('gradcheckTest.jvpAbsTangent', { jvp: (t, x) => mul(abs(t), cos(x)) }, [3]);
    const f = (t: Tensor) => apply(op, [t], undefined);
    expect(modesOf(checkGrad(f, [tensor([0.3, -1.1, 0.8])]).failures)).toEqual(['fwd/1']);
    expect(modesOf(checkGrad((t: Tensor) => f(t.neg()), [tensor([0.3, -1.1, 0.8])]).failures)).toEqual(['fwd/1']);
  });
});

describe('checkGrad at order 2 checks that the JVP rules are differentiable too', () => {
  it('a JVP right in value but detached fails at order 2 (the directional derivative ⟨u, J·v⟩), in checkGrad and checkAllOps', () => {
    const op = registerOp<DifferentiableOp>({
      kind: 'differentiable', name: 'gradcheckTest.detachedJvp', arity: 1, shape: ([s]) => s!,
      forward: ([v]) => v!.map((a) => Math.log(Math.cosh(a))),
      vjp: (g, [v]) => [mul(g, v!.tanh())],
      jvp: ([t], [v]) => mul(t!, v!.tanh().detach()),
      domain: { inputs: [{ min: -3, max: 3 }], cases: [{ shapes: [[2]], attrs: undefined }] },
    });
    const f = (t: Tensor) => apply(op, [t], undefined);
    expect(checkGrad(f, [tensor([0.5, -1])]).ok).toBe(true);
    const report = checkGrad(f, [tensor([0.5, -1])], { order: 2 });
    expect(report.ok).toBe(false);
    expect(report.failures.every((fl) => fl.order === 2 && fl.directional === true && fl.index === -1)).toBe(true);
    expect(modesOf(report.failures)).toEqual(['fwd/2', 'rev/2']);
    expect(formatFailure(report.failures[0]!)).toMatch(/\(of the directional derivative ⟨u, J·v⟩\)/);
    // Only forward mode uses the JVP: without it there is nothing of it to check.
    expect(checkGrad(f, [tensor([0.5, -1])], { order: 2, modes: ['rev'] }).ok).toBe(true);
    expect(checkAllOps({ only: ['gradcheckTest.detachedJvp'] }).ok).toBe(false);
    expect(checkAllOps({ only: ['gradcheckTest.detachedJvp'], tolerance: 'auto' }).ok).toBe(false);
  });
});

describe('checkGrad and inputs changed in place', () => {
  it('fails, naming the input and element, when a rule writes into its input, and leaves the caller\'s tensor as it was', () => {
    const writes = customVjp(function writes(v: Tensor) { return v.square(); }, ([v], _o, g) => {
      const r = g.mul(v!).mul(2);
      v!.data[0] = 42;
      return [r];
    });
    const input = tensor([0.5, 0.25]);
    const report = checkGrad((t: Tensor) => writes(t).sum(), [input], { order: 2 });
    expect(report.ok).toBe(false);
    const mutated = report.failures.filter((fl) => fl.reason === 'mutated');
    expect(mutated[0]).toMatchObject({ input: 0, index: 0, mode: 'rev', order: 1, numeric: 0.5, analytic: 42 });
    expect(formatFailure(mutated[0]!)).toMatch(/^input 0, element 0, rev mode, order 1: changed in place from 0\.5 to 42 while the rev mode derivatives were taken/);
    expect(Array.from(input.data)).toEqual([0.5, 0.25]);
  });

  it("never hands the function the caller's own tensors, so nothing can write into them", () => {
    const input = tensor([0.5, 0.25]);
    const seen: Tensor[] = [];
    checkGrad((t: Tensor) => { seen.push(t); return t.sin().sum(); }, [input], { order: 2, blame: true });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.some((t) => t === input || t.data === input.data)).toBe(false);
  });

  it('fails when the function itself writes into its input', () => {
    const report = checkGrad((t: Tensor) => { t.data[1] = 7; return t.sin().sum(); }, [tensor([0.5, 0.25, 1])]);
    expect(report.failures.filter((fl) => fl.reason === 'mutated').map((fl) => [fl.input, fl.index])).toContainEqual([0, 1]);
  });
});

describe('checkGrad and rules that write into their (co)tangent', () => {
  // Zeroes its cotangent after using it: its own result is right, but the engine hands the same
  // cotangent to every rule that uses it, so a sibling whose rule runs later gets zeros.
  const zeroesG = customVjp(function zeroesG(v: Tensor) { return v.sin(); }, ([v], _o, g) => {
    const r = g.mul(v!.cos());
    g.data.fill(0);
    return [r];
  });
  const point = tensor([0.3, -1.1]);

  it('fails with reason "mutated" in reverse mode when such a rule is checked on its own, though every value it gives is right', () => {
    const report = checkGrad(zeroesG, [point]);
    expect(report.ok).toBe(false);
    expect(report.failures.filter((fl) => fl.reason === 'mismatch')).toEqual([]);
    const mutated = report.failures.filter((fl) => fl.reason === 'mutated');
    expect(mutated).toHaveLength(1);
    expect(mutated[0]).toMatchObject({ input: -1, index: -1, outputIndex: 0, mode: 'rev', order: 1, numeric: 1, analytic: 0 });
    expect(formatFailure(mutated[0]!)).toMatch(/^all inputs, rev mode, order 1: a rule changed the cotangent it was given in place \(element 0, from 1 to 0\)/);
  });

  it('and blame names it where it made a sibling\'s gradient wrong', () => {
    const f = (t: Tensor) => { const y = t.mul(1); return y.exp().add(zeroesG(y)); };
    const report = checkGrad(f, [point], { blame: true });
    expect(report.ok).toBe(false);
    expect(report.blame).toMatchObject({ op: 'zeroesG', reason: 'mutated' });
    expect(formatReport(report)).toMatch(/blame: the rule of 'zeroesG' .* is wrong: rev mode, order 1, it changes what it was given in place/);
  });

  it('a customJvp rule that writes into its tangent fails with reason "mutated" in forward mode, naming the input', () => {
    const zeroesT = customJvp(function zeroesT(v: Tensor) { return v.sin(); }, ([v], _o, [t]) => {
      const r = t!.mul(v!.cos());
      t!.data.fill(0);
      return r;
    });
    const report = checkGrad(zeroesT, [point]);
    const mutated = report.failures.filter((fl) => fl.reason === 'mutated');
    expect(mutated.map((fl) => [fl.input, fl.index, fl.mode])).toEqual([[0, 0, 'fwd']]);
    expect(formatFailure(mutated[0]!)).toMatch(/^input 0, element 0, fwd mode, order 1: a rule changed the tangent it was given in place/);
  });
});

describe('checkGrad and rules that are not deterministic', () => {
  /** sin, with a rule whose every other call is off by a relative 1e-4: inside the fixed tolerance. */
  function flickering(): (v: Tensor) => Tensor {
    let calls = 0;
    return customVjp(function flickers(v: Tensor) { return v.sin(); }, ([v], _o, g) => [g.mul(v!.cos()).mul(calls++ % 2 === 0 ? 1 : 1 + 1e-4)]);
  }

  it('fails with reason "nondeterministic" when the same cotangent pulled back twice gives different values', () => {
    const report = checkGrad(flickering(), [tensor([0.3, -1.1, 0.8])]);
    expect(report.ok).toBe(false);
    const found = report.failures.filter((fl) => fl.reason === 'nondeterministic');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ mode: 'rev', order: 1, input: 0 });
    expect(formatFailure(found[0]!)).toMatch(/rev mode, order 1: the rule gave \S+ and then \S+ for the same cotangent at the same point/);
  });

  it('in forward mode and for large inputs too', () => {
    let calls = 0;
    const flickersJvp = customJvp(function flickersJvp(v: Tensor) { return v.sin(); }, ([v], _o, [t]) => t!.mul(v!.cos()).mul(calls++ % 2 === 0 ? 1 : 1 + 1e-4));
    expect(checkGrad(flickersJvp, [tensor([0.3, -1.1])]).failures.map((fl) => [fl.mode, fl.reason])).toEqual([['fwd', 'nondeterministic']]);
    const big = rand([300], { seed: 1 });
    expect(checkGrad(flickering(), [big]).failures.map((fl) => [fl.mode, fl.reason])).toEqual([['rev', 'nondeterministic']]);
  });
});
