import { Tensor, ValueError, add, mul, square, sub, sum, tensor } from '@adjoint/core';
import { LBFGS } from './lbfgs';
import { Dense } from '../layers/dense';
import { mse } from '../losses';
import { expectError } from '../../../../test/support/expect-error';

/** Rosenbrock's function of p = [x, y]: (1 − x)² + 100(y − x²)², minimum 0 at (1, 1). */
const rosenbrock = (p: Tensor): Tensor => {
  const [x, y] = [p.slice([0], [1]), p.slice([1], [1])];
  return sum(add(square(sub(1, x)), mul(square(sub(y, square(x))), 100)));
};

/** The closure L-BFGS calls: clear, evaluate, backward, return. */
const closureFor = (opt: LBFGS, f: () => Tensor) => (): Tensor => {
  opt.zeroGrad();
  const loss = f();
  loss.backward();
  return loss;
};

describe('LBFGS', () => {
  test("minimises Rosenbrock's function from (−1.5, 2) with the strong Wolfe line search", () => {
    const p = tensor([-1.5, 2], { requiresGrad: true });
    const opt = new LBFGS([p], { lineSearch: 'strongWolfe', maxIter: 100, toleranceGrad: 1e-12, toleranceChange: 1e-15 });
    const first = opt.step(closureFor(opt, () => rosenbrock(p)));
    expect(first.item()).toBeCloseTo(6.25 + 100 * 0.0625, 12); // the loss before the step
    expect(Math.abs(p.data[0]! - 1)).toBeLessThan(1e-8);
    expect(Math.abs(p.data[1]! - 1)).toBeLessThan(1e-8);
    expect(opt.iterations).toBeGreaterThan(10);
    expect(opt.funcEvals).toBeGreaterThan(opt.iterations); // the line search evaluates more than once per iteration at times
  });

  test('over several steps that keep the history, fits a linear model exactly', () => {
    // y = 2x₀ − 3x₁ + 1, a convex quadratic loss: L-BFGS reaches the least-squares solution.
    const x = tensor([[1, 0], [0, 1], [1, 1], [2, -1], [-1, 3]]);
    const y = tensor([[3], [-2], [0], [8], [-10]]);
    const layer = new Dense(2, 1, { seed: 1 });
    const opt = new LBFGS(layer, { historySize: 3, maxIter: 5, lineSearch: 'strongWolfe', toleranceGrad: 1e-12, toleranceChange: 1e-15 });
    for (let i = 0; i < 8; i++) opt.step(closureFor(opt, () => mse(layer.forward(x), y)));
    expect(Array.from(layer.weight.data).map((v) => +v.toFixed(8))).toEqual([2, -3]);
    expect(+layer.bias!.data[0]!.toFixed(8)).toBe(1);
  });

  test('stops at once where the gradient is already below toleranceGrad, leaving the parameters as they are', () => {
    const p = tensor([1, 1], { requiresGrad: true });
    const opt = new LBFGS([p]);
    expect(opt.step(closureFor(opt, () => rosenbrock(p))).item()).toBe(0);
    expect(Array.from(p.data)).toEqual([1, 1]);
    expect([opt.funcEvals, opt.iterations]).toEqual([1, 0]);
  });

  test('maxEval bounds the evaluations of one step', () => {
    const p = tensor([-1.5, 2], { requiresGrad: true });
    const opt = new LBFGS([p], { maxIter: 50, maxEval: 7 });
    opt.step(closureFor(opt, () => rosenbrock(p)));
    expect(opt.funcEvals).toBe(7);
  });

  test('updates through assign: a graph recorded before the step refuses to run backward', () => {
    const p = tensor([-1.5, 2], { requiresGrad: true });
    const before = rosenbrock(p);
    const opt = new LBFGS([p], { maxIter: 2 });
    opt.step(closureFor(opt, () => rosenbrock(p)));
    expect(() => before.backward()).toThrow(/changed in place/);
  });

  test('a closure that returns no loss, or leaves a gradient that is not finite, is a ValueError naming LBFGS.step; a line search puts the parameters back', () => {
    const p = tensor([0.5, 0.5], { requiresGrad: true });
    const opt = new LBFGS([p], { lineSearch: 'strongWolfe' });
    expectError(() => opt.step(undefined as never), ValueError, 'LBFGS.step: needs a closure that clears the gradients, computes the loss, calls backward and returns the loss, got undefined');
    expectError(() => opt.step(() => tensor([1, 2]) as Tensor), ValueError, 'LBFGS.step: the closure must return the loss, a finite number or a one-element tensor, got a tensor of shape [2]');
    // Finite at the start, NaN everywhere the line search tries.
    let calls = 0;
    const start = Array.from(p.data);
    expectError(
      () => opt.step(() => {
        opt.zeroGrad();
        const loss = calls++ === 0 ? sum(square(p)) : sum(square(p)).mul(NaN);
        loss.backward();
        return loss;
      }),
      ValueError,
      'LBFGS.step: the closure must return the loss, a finite number or a one-element tensor, got a tensor of shape [] holding NaN',
    );
    expect(Array.from(p.data)).toEqual(start);
  });

  test('a step whose closure throws leaves the parameters and the state as after its last whole iteration, and the next step runs as if it had stopped there', () => {
    const quadratic = (p: Tensor): Tensor => sum(mul(square(p), tensor([1, 10])));
    for (const lineSearch of [null, 'strongWolfe'] as const) {
      // Iterations after the first stopped step: the reference's first step is cut short by maxIter.
      const reference = (iterations: number): number[] => {
        const q = tensor([0.5, 0.5], { requiresGrad: true });
        const opt = new LBFGS([q], { lineSearch, maxIter: iterations === 0 ? 4 : iterations, maxEval: 5 });
        if (iterations > 0) opt.step(closureFor(opt, () => quadratic(q)));
        (opt as { maxIter: number }).maxIter = 4;
        const after = Array.from(q.data);
        for (let i = 0; i < 2; i++) opt.step(closureFor(opt, () => quadratic(q)));
        return [...after, ...Array.from(q.data)];
      };
      /** The `fail`-th closure call of the first step throws; then two ordinary steps. */
      const failing = (fail: number): number[] => {
        const p = tensor([0.5, 0.5], { requiresGrad: true });
        const opt = new LBFGS([p], { lineSearch, maxIter: 4 });
        let calls = 0;
        const inner = closureFor(opt, () => quadratic(p));
        expect(() => opt.step(() => (++calls === fail ? (() => { throw new Error('boom'); })() : inner()))).toThrow('boom');
        const after = Array.from(p.data);
        for (let i = 0; i < 2; i++) opt.step(closureFor(opt, () => quadratic(p)));
        return [...after, ...Array.from(p.data)];
      };
      // The first iteration's evaluation (call 2) fails: nothing moved, and the next step is a first step.
      expect(failing(2)).toEqual([0.5, 0.5, ...reference(0).slice(2)]);
      // An evaluation of the second iteration fails: the first iteration's move and history stay.
      const q = tensor([0.5, 0.5], { requiresGrad: true });
      const probe = new LBFGS([q], { lineSearch, maxIter: 4 });
      const iterationAtCall: number[] = [];
      probe.step(() => (iterationAtCall.push(probe.iterations), closureFor(probe, () => quadratic(q))()));
      expect(failing(iterationAtCall.indexOf(2) + 1)).toEqual(reference(1));
    }
  });

  test('stateDict through JSON: a run resumed from it is the uninterrupted run, bit for bit', () => {
    const run = (resumeAfter: number | null): { losses: number[]; p: number[] } => {
      let p = tensor([-1.5, 2], { requiresGrad: true });
      let opt = new LBFGS([p], { lineSearch: 'strongWolfe', maxIter: 4, historySize: 3 });
      const losses: number[] = [];
      for (let i = 0; i < 4; i++) {
        if (i === resumeAfter) {
          const saved = JSON.stringify(opt.stateDict());
          p = tensor(Array.from(p.data), { requiresGrad: true });
          opt = new LBFGS([p], { lineSearch: 'strongWolfe', maxIter: 4, historySize: 3 });
          opt.loadStateDict(JSON.parse(saved));
        }
        const current = p;
        losses.push(opt.step(closureFor(opt, () => rosenbrock(current))).item());
      }
      return { losses, p: Array.from(p.data) };
    };
    const whole = run(null);
    expect(run(2)).toEqual(whole);
    expect(whole.losses[3]).toBeLessThan(whole.losses[0]!);
  });

  test('a malformed state, or one saved with other settings, is a ValueError naming LBFGS.loadStateDict, and changes nothing', () => {
    const p = tensor([-1.5, 2], { requiresGrad: true });
    const opt = new LBFGS([p], { historySize: 2 });
    opt.step(closureFor(opt, () => rosenbrock(p)));
    const good = opt.stateDict();
    const other = new LBFGS([tensor([0, 0], { requiresGrad: true })], { historySize: 2 });
    const before = JSON.stringify(other.stateDict());
    expectError(() => other.loadStateDict({ ...good, d: [1, 2, 3] }), ValueError, "LBFGS.loadStateDict: 'd' must be a list of 2 numbers (the parameters' size), got an array of length 3");
    expectError(() => other.loadStateDict({ ...good, oldDirs: [[1, 2], [1, 2], [1, 2]] }), ValueError, "LBFGS.loadStateDict: 'oldDirs' must be a list of at most 2 entries (historySize), got an array of length 3");
    expectError(() => other.loadStateDict({ ...good, ro: [] }), ValueError, "LBFGS.loadStateDict: 'oldDirs', 'oldSteps' and 'ro' must be as long as each other, got 2, 2, 0");
    expectError(() => other.loadStateDict({ ...good, prevLoss: null as never }), ValueError, "LBFGS.loadStateDict: 'prevLoss' must be a finite number, got null");
    expectError(() => new LBFGS([p], { historySize: 3 }).loadStateDict(good), ValueError, "LBFGS.loadStateDict: the state was saved with historySize 2, this optimizer's is 3; build it with the saved one");
    expect(JSON.stringify(other.stateDict())).toBe(before);
  });

  test('bad options are ValueErrors naming LBFGS', () => {
    const p = [tensor([1], { requiresGrad: true })];
    expectError(() => new LBFGS(p, { lineSearch: 'armijo' as never }), ValueError, "LBFGS: lineSearch must be 'strongWolfe', got \"armijo\"");
    expectError(() => new LBFGS(p, { historySize: 0 }), ValueError, 'LBFGS: historySize must be a positive integer, got 0');
    expectError(() => new LBFGS(p, { lr: -1 }), ValueError, 'LBFGS: lr must be in [0, ∞), got -1');
    expectError(() => new LBFGS(p, { line_search_fn: 'strong_wolfe' } as never), ValueError, "LBFGS: unknown option 'line_search_fn'; the options are lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearch");
    expectError(() => new LBFGS([]), ValueError, 'LBFGS: the parameter list is empty');
    // A rate reassigned since is checked by step, before anything moves.
    const opt = new LBFGS(p);
    opt.lr = NaN;
    expectError(() => opt.step(closureFor(opt, () => sum(square(p[0]!)))), ValueError, 'LBFGS.step: lr must be in [0, ∞), got NaN');
    expect(Array.from(p[0]!.data)).toEqual([1]);
  });
});
