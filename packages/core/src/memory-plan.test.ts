/**
 * Tensor.backward reuses the arrays its pass owns once they are dead (memory-plan.ts). These tests
 * check that it does, and that it never touches an array someone can still see: an adjoint that is
 * also on its way to another input or a leaf, the seed, what a user's rule was given. Gradients
 * with reuse are compared bit for bit with those of the plain pass that `grad` runs.
 */
import fc from 'fast-check';
import {
  Tensor, apply, concat, customVjp, detectAnomaly, exp, grad, linear, matmul, ones, randn, registerOp, registeredOps, sin, softmaxCrossEntropy, split, sum, tanh,
  type DifferentiableOp,
} from './index';
import * as alloc from './kernels/alloc';
import { isBuiltInOp } from './registry';

const ROWS = 6;
const COLS = 5; // 30 elements: arrays of their own, which are the ones reused

const leaf = (seed: number, shape: number[] = [ROWS, COLS]): Tensor => randn(shape, { seed, requiresGrad: true });

/**
 * `.grad` of each leaf after `loss(leaves).backward()`, run fresh each time (new leaves, same
 * values); or, `plain`, the gradients of the plain pass `grad` runs, which reuses nothing.
 */
function gradients(seeds: number[], loss: (leaves: Tensor[]) => Tensor, plain = false): number[][] {
  const leaves = seeds.map((s) => leaf(s));
  if (plain) return grad((...xs: Tensor[]) => loss(xs), seeds.map((_, i) => i))(...leaves).map((g) => Array.from(g.data));
  loss(leaves).backward();
  return leaves.map((l) => Array.from(l.grad!.data));
}

/** Allocates and scribbles over many arrays of `n` elements, so that a wrongly recycled one is overwritten. */
function churn(n: number): void {
  for (let k = 0; k < 8; k++) alloc.allocData(n).fill(-12345);
}

afterEach(() => jest.restoreAllMocks());

describe('adjoint arrays reused within a backward pass', () => {
  it('hands spent adjoints back, and the gradient is the same as without', () => {
    const recycled = jest.spyOn(alloc, 'recycleData');
    const loss = ([x]: Tensor[]) => sin(exp(tanh(x!)).mul(3)).sum();
    const withReuse = gradients([1], loss);
    expect(recycled).toHaveBeenCalled(); // the adjoints of sin's, mul's and exp's outputs at least
    expect(withReuse).toEqual(gradients([1], loss, true));
  });

  it('keeps an adjoint passed on to two inputs until both are done with it', () => {
    // add gives its output's adjoint, unchanged, to both inputs: the leaf a keeps it, b's rule spends it.
    const loss = ([a, c]: Tensor[]) => a!.add(exp(c!)).sin().sum();
    expect(gradients([2, 3], loss)).toEqual(gradients([2, 3], loss, true));
    const loss2 = ([a]: Tensor[]) => a!.add(a!).tanh().add(a!).sum(); // one input twice, and a fan-out
    expect(gradients([4], loss2)).toEqual(gradients([4], loss2, true));
  });

  it('never reuses the seed', () => {
    const x = leaf(5);
    const seed = randn([ROWS, COLS], { seed: 6 });
    const copy = Array.from(seed.data);
    x.reshape([COLS, ROWS]).reshape([ROWS, COLS]).sin().backward(seed);
    churn(ROWS * COLS);
    expect(Array.from(seed.data)).toEqual(copy);
  });

  it('hands the cotangent a customVjp rule is given to it for good: the rule may keep it', () => {
    const kept: Tensor[] = [];
    const keepCotangent = customVjp((x) => x.mul(1), (_inputs, _output, g) => {
      kept.push(g);
      return [g.mul(1)];
    });
    const x = leaf(7);
    keepCotangent(exp(x)).sin().sum().backward();
    const expected = Array.from(exp(x).cos().data); // d/dy sin(y) at y = exp(x)
    churn(ROWS * COLS);
    expect(Array.from(kept[0]!.data)).toEqual(expected);
  });

  it('likewise the cotangent a user-registered op\'s rule is given', () => {
    const kept: Tensor[] = [];
    const keeper: DifferentiableOp = registerOp<DifferentiableOp>({
      kind: 'differentiable', name: 'keepAdjointForReuseTest', arity: 1,
      shape: ([s]) => s!,
      forward: ([x]) => x!.slice(),
      vjp: (g) => {
        kept.push(g);
        return [g.mul(1)];
      },
      jvp: ([t]) => t!,
      domain: { inputs: [{ min: -1, max: 1 }], cases: [] },
    });
    expect(isBuiltInOp(keeper)).toBe(false);
    const x = leaf(8);
    apply(keeper, [exp(x)], undefined).sin().sum().backward();
    const expected = Array.from(exp(x).cos().data);
    churn(ROWS * COLS);
    expect(Array.from(kept[0]!.data)).toEqual(expected);
  });

  it("hands back the arrays a rule makes for itself: linear's relu mask on the adjoint", () => {
    const [x, w, b] = [leaf(21), leaf(22, [COLS, COLS]), leaf(23, [COLS])];
    const loss = (): Tensor => linear(x, w, b, { activation: 'relu' }).sum();
    const handedBack: number[][] = [];
    const recycled = jest.spyOn(alloc, 'recycleData').mockImplementation((a) => void handedBack.push(Array.from(a)));
    const out = linear(x, w, b, { activation: 'relu' });
    loss().backward();
    // sum's adjoint (ones), spent by linear's rule, and the rule's own array: the ones masked by relu′
    const mask = Array.from(out.data, (v) => (v > 0 ? 1 : 0));
    expect(mask).toContain(0);
    expect(handedBack).toEqual([mask.map(() => 1), mask]);
    recycled.mockRestore();
    const grads = [x, w, b].map((t) => Array.from(t.grad!.data));
    for (let i = 0; i < 2; i++) { // with reuse (twice: the second pass runs on recycled arrays) and without
      [x, w, b].forEach((t) => (t.grad = null));
      loss().backward();
      expect([x, w, b].map((t) => Array.from(t.grad!.data))).toEqual(grads);
    }
    [x, w, b].forEach((t) => (t.grad = null));
    detectAnomaly(() => loss().backward());
    expect([x, w, b].map((t) => Array.from(t.grad!.data))).toEqual(grads);
  });

  it('counts every op core registers as its own', () => {
    const core = registeredOps().filter((op) => op.name !== 'keepAdjointForReuseTest');
    expect(core.length).toBeGreaterThan(40);
    expect(core.filter((op) => !isBuiltInOp(op)).map((op) => op.name)).toEqual([]);
  });

  it('random programs of shared, broadcast, reshaped and multiplied values: the same gradients as without', () => {
    type Step = { op: number; a: number; b: number };
    const ops: Array<(a: Tensor, b: Tensor, w: Tensor, bias: Tensor) => Tensor> = [
      (a, b) => a.add(b),
      (a, b) => a.mul(b),
      (a, b) => a.sub(b).tanh(),
      (a) => a.sin(),
      (a) => a.square().mul(0.1),
      (a) => a.relu(),
      (a) => a.reshape([COLS, ROWS]).mul(2).reshape([ROWS, COLS]),
      (a, _b, w) => matmul(a, w),
      (a, _b, _w, bias) => a.add(bias), // broadcast over rows: the adjoint is summed back
      (a) => a.mul(sum(a, 0, true).tanh()),
      (a, b) => concat([a, b], 0).slice([3, 0], [ROWS, COLS]),
      (a) => a.add(a),
      (a) => a,
      // Rules that make arrays of their own on the way: the relu mask, the softmax
      (a, _b, w, bias) => linear(a, w, bias, { activation: 'relu' }),
      (a) => a.logSoftmax(),
      (a) => softmaxCrossEntropy(a, [0, 4, 1, 2, 3, 0]).reshape([ROWS, 1]).mul(a),
      // Several slices of one value (their cotangents added into boxes of its adjoint), and a
      // negated relu, whose adjoint holds −0 wherever the mask is 0 and the cotangent negative
      (a) => {
        const [top, middle, bottom] = split(a, [1, 4], 0);
        return concat([bottom!.mul(2), top!, middle!.tanh()], 0);
      },
      (a, b) => concat([a.slice([1, 0], [ROWS - 1, COLS]).mul(b.slice([0, 0], [ROWS - 1, COLS])), a.slice([0, 0], [1, COLS])], 0),
      (a) => a.relu().neg(),
    ];
    const steps = fc.array(fc.record({ op: fc.nat(ops.length - 1), a: fc.nat(), b: fc.nat() }), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(steps, fc.nat(), (program: Step[], pick) => {
        const loss = ([x0, x1, w, bias]: Tensor[]): Tensor => {
          const values = [x0!, x1!];
          for (const { op, a, b } of program) values.push(ops[op]!(values[a % values.length]!, values[b % values.length]!, w!, bias!));
          const last = values[values.length - 1]!;
          return last.mul(ones([ROWS, COLS]).mul(0.5)).sum().add(values[pick % values.length]!.sum());
        };
        // Without reuse: the plain pass of grad, and a recorded pass; both add nothing in place.
        const run = (mode: 'reuse' | 'anomaly' | 'recorded'): number[][] => {
          const leaves = [leaf(11), leaf(12), leaf(13, [COLS, COLS]), leaf(14, [COLS])];
          const pass = (): void => loss(leaves).backward(undefined, { createGraph: mode === 'recorded' });
          if (mode === 'anomaly') detectAnomaly(pass);
          else alloc.withPoisonedReuse(pass);
          return leaves.map((l) => (l.grad === null ? Array<number>(l.size).fill(0) : Array.from(l.grad.data)));
        };
        const plain = grad((a, b, c, d) => loss([a!, b!, c!, d!]), [0, 1, 2, 3])(leaf(11), leaf(12), leaf(13, [COLS, COLS]), leaf(14, [COLS]));
        const withReuse = run('reuse');
        expect(withReuse).toEqual(plain.map((g) => Array.from(g.data)));
        expect(withReuse).toEqual(run('anomaly'));
        expect(withReuse).toEqual(run('recorded'));
      }),
      { numRuns: 200, seed: 42 },
    );
  });
});
