/**
 * `tolerance: 'auto'` where finite differences struggle: one huge output among small ones, a step
 * too coarse for how fast the function varies, a domain edge closer than the step, and points where
 * no step gives a usable estimate (then the value is a failure of its own, never a pass).
 */
import { customVjp, randn, softmax, tensor, where, type Tensor } from '@adjoint/core';
import { checkGrad, formatReport } from './index';

const auto = { tolerance: 'auto' } as const;
const wrongBy = (factor: number, f: (x: Tensor) => Tensor, df: (x: Tensor) => Tensor) =>
  customVjp(function scaledRule(x: Tensor) { return f(x); }, ([x], _o, g) => [g.mul(df(x!)).mul(factor)]);

describe("tolerance 'auto': each output element is judged on its own scale", () => {
  it('a huge output does not widen the allowance of a small one (eˣ at 30 and 0.5, the rule 30% off where x ≤ 1)', () => {
    const expish = customVjp(function expish(x: Tensor) { return x.exp(); }, ([x], out, g) => [g.mul(out).mul(where(x!.greater(1), 1, 1.3))]);
    const report = checkGrad(expish, [tensor([30, 0.5])], auto);
    expect(report.ok).toBe(false);
    expect(report.failures.map((f) => [f.mode, f.index, f.outputIndex, f.reason])).toEqual([['rev', 1, 1, 'mismatch']]);
    expect(checkGrad((x: Tensor) => x.exp(), [tensor([30, 0.5])], auto).ok).toBe(true);
  });
});

describe("tolerance 'auto': the step shrinks where the function varies faster than it", () => {
  const sin30 = (x: Tensor) => x.mul(30).sin();
  const dsin30 = (x: Tensor) => x.mul(30).cos().mul(30);

  it('right rules pass where the first step is far too coarse', () => {
    expect(checkGrad(wrongBy(1, sin30, dsin30), [tensor([20.3])], auto).ok).toBe(true);
    expect(checkGrad(wrongBy(1, (x) => x.sin(), (x) => x.cos()), [tensor([1000])], auto).ok).toBe(true);
    const steep = checkGrad((x: Tensor) => x.sub(100).mul(50).tanh().sum(), [tensor([100.01])], auto);
    expect(steep.ok).toBe(true);
    expect(steep.maxRelErr).toBeLessThan(1e-4); // it was 2.37 with the fixed first step
    // Layer-norm–like: a large common offset, a small spread.
    const ln = (x: Tensor) => { const c = x.sub(x.mean()); return c.div(c.square().mean().add(1e-5).sqrt()).mul(tensor([1, 2, 3])).sum(); };
    expect(checkGrad(ln, [tensor([100.01, 100.02, 100.04])], auto).ok).toBe(true);
  });

  it('a step that resolves nothing is not trusted because its Richardson levels happen to agree', () => {
    // At 0.6246207299134332 the first step is 25 periods of sin(10⁴x) wide, and the central
    // differences at h, h/2 and h/4 extrapolate to the same wrong value (−44.46 for 7510.77) to 4e-5.
    const fast = (x: Tensor) => x.mul(1e4).sin();
    expect(checkGrad(fast, [tensor([0.6246207299134332])], auto).failures).toEqual([]);
    // Across many points, no right rule is reported as a mismatch.
    const many = checkGrad(fast, [randn([100], { seed: 0 })], { ...auto, modes: ['rev'] });
    expect(many.failures.filter((f) => f.reason === 'mismatch')).toEqual([]);
  });

  it('rules 50% too large or of the wrong sign fail there', () => {
    expect(checkGrad(wrongBy(1.5, sin30, dsin30), [tensor([20.3])], auto).failures.map((f) => f.reason)).toEqual(['mismatch']);
    expect(checkGrad(wrongBy(-1, (x) => x.sin(), (x) => x.cos()), [tensor([1000])], auto).failures.map((f) => f.reason)).toEqual(['mismatch']);
  });

  it('a domain edge closer than the first step (log and sqrt at 1e-4) is not a false failure', () => {
    expect(checkGrad((x: Tensor) => x.log(), [tensor([1e-4])], auto).failures).toEqual([]);
    expect(checkGrad((x: Tensor) => x.sqrt(), [tensor([1e-4])], auto).failures).toEqual([]);
    expect(checkGrad((x: Tensor) => x.log().sum(), [tensor([1e-4, 2])], { ...auto, order: 2 }).failures).toEqual([]);
  });

  it('an infinite input (a mask of −∞ added to logits) does not make the step infinite: the others are estimated, not NaN', () => {
    const masked = (s: Tensor, mask: Tensor) => softmax(s.add(mask));
    const inputs = [tensor([0.5, 1, 2]), tensor([0, -Infinity, 0])];
    expect(checkGrad(masked, inputs).failures).toEqual([]); // the fixed step was always fine
    expect(checkGrad(masked, inputs, auto).failures).toEqual([]);
    expect(checkGrad(masked, inputs, { ...auto, maxElements: 2 }).failures).toEqual([]); // random projections
  });

  it('a domain edge the smallest step still reaches past (log at 7·10⁻⁸) leaves no error estimate (NaN): never a mismatch', () => {
    // It was reported as a mismatch, 'finite-difference error estimated at NaN'; steps of other
    // ratios estimate it (see CONFIRM_STEPS in compare.ts).
    for (const x of [6e-8, 7e-8, 8e-8]) expect(checkGrad((t: Tensor) => t.log(), [tensor([x])], auto).failures).toEqual([]);
  });

  it('only struggling directions pay: six evaluations per direction where the first step is fine, more where it is not', () => {
    let calls = 0;
    const counted = (f: (x: Tensor) => Tensor) => (x: Tensor) => { calls++; return f(x); };
    checkGrad(counted((x) => x.tanh().sum()), [tensor([0.3, -0.2, 0.7])], { ...auto, modes: ['fwd'] });
    // Two evaluations at the point (the output's shape, and that it is deterministic), six per input
    // element, one per forward-mode column, and two for the linearity check (once more to see that
    // the rule gives the same again).
    expect(calls).toBe(2 + 6 * 3 + 3 + 2);
    calls = 0;
    checkGrad(counted((x) => x.sin().sum()), [tensor([1000])], { ...auto, modes: ['fwd'] });
    expect(calls).toBeGreaterThan(2 + 6 + 3);
    expect(calls).toBeLessThanOrEqual(2 + 6 * 5 + 3); // at most four retries
  });
});

describe("tolerance 'auto': where no step gives a usable estimate, the value fails as 'unreliable'", () => {
  it('a right rule of sin(10⁸x) at 1 is not reported as agreeing, and the message says why', () => {
    const report = checkGrad((x: Tensor) => x.mul(1e8).sin().sum(), [tensor([1])], auto);
    expect(report.ok).toBe(false);
    expect(report.failures.map((f) => [f.mode, f.reason])).toEqual([['fwd', 'unreliable'], ['rev', 'unreliable']]);
    expect(formatReport(report)).toMatch(/rev mode, order 1: analytic \S+, but finite differences could not estimate the derivative here: estimate \S+ with an estimated error of \S+, even with steps down to \S+/);
  });

  it('nor is a rule of the wrong sign', () => {
    const report = checkGrad(wrongBy(-1, (x) => x.mul(1e8).sin(), (x) => x.mul(1e8).cos().mul(1e8)), [tensor([1])], { ...auto, modes: ['rev'] });
    expect(report.failures.map((f) => f.reason)).toEqual(['unreliable']);
  });

  it('and a right rule is never a mismatch there: a garbage estimate whose levels happened to agree is confirmed from other steps first', () => {
    // At 10⁷ and 10⁹ the retries kept an estimate off by a factor 3500 with an error of 0.7%; at 10⁶
    // steps of other ratios find the derivative, so the right rule passes and a wrong sign is caught.
    for (const w of [1e7, 1e9]) {
      expect(checkGrad((x: Tensor) => x.mul(w).sin().sum(), [tensor([1])], auto).failures.map((f) => f.reason)).toEqual(['unreliable', 'unreliable']);
    }
    expect(checkGrad((x: Tensor) => x.mul(1e6).sin().sum(), [tensor([1])], auto).failures).toEqual([]);
    const wrong = checkGrad(wrongBy(-1, (x) => x.mul(1e6).sin(), (x) => x.mul(1e6).cos().mul(1e6)), [tensor([1])], { ...auto, modes: ['rev'] });
    expect(wrong.failures.map((f) => f.reason)).toEqual(['mismatch']);
  });
});
