import fc from 'fast-check';
import {
  GradError, Tensor, add, apply, registerOp, type DifferentiableOp, customVjp, borrowGrad, broadcastTo, grad, identity, matmul, noGrad, ones, randn, scalar, stopGradient, sum, tensor, transpose, valueAndGrad, vjp,
} from '@adjoint/core';

const leaf = (v: number | number[] | number[][]): Tensor => tensor(v, { requiresGrad: true });

describe('backward', () => {
  it('accumulates the adjoint of a tensor used by several ops: d/dx (x² + 3x) = 2x + 3', () => {
    const x = leaf(1.5);
    x.mul(x).add(x.mul(3)).backward();
    expect(x.grad!.item()).toBeCloseTo(2 * 1.5 + 3, 14);
  });

  it('never adds into a sum that a rule passed on to several inputs (add gives its adjoint to both)', () => {
    // s collects 2 + 3 = 5 in a sum of its own; add hands that sum to a and b. a then receives 5
    // more from m: added in place, it would have changed b's gradient too (found by review: b got 10).
    for (const n of [1, 4, 16]) {
      const [a, b] = [ones([n], { requiresGrad: true }), ones([n], { requiresGrad: true })];
      const m = a.mul(5);
      const s = a.add(b);
      m.add(s.mul(2).add(s.mul(3))).sum().backward();
      expect(Array.from(a.grad!.data)).toEqual(new Array(n).fill(10));
      expect(Array.from(b.grad!.data)).toEqual(new Array(n).fill(5));
    }
  });

  it('random programs with fan-out: the same gradients as a recorded pass, which adds nothing in place', () => {
    const N = 12; // more than eight elements: arrays of their own, which are the ones reused
    const ops: Array<(a: Tensor, b: Tensor) => Tensor> = [
      (a, b) => a.add(b),
      (a, b) => a.mul(b),
      (a) => a.mul(3),
      (a) => a.sin(),
      (a) => identity(a),
      (a) => broadcastTo(a.sum(), [N]).add(a),
      (a, b) => a.sub(b).tanh(),
      (a) => a.add(a),
    ];
    const program = fc.array(fc.record({ op: fc.nat(ops.length - 1), a: fc.nat(), b: fc.nat() }), { minLength: 1, maxLength: 14 });
    fc.assert(
      fc.property(program, fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), (steps, outputs) => {
        const run = (createGraph: boolean): number[][] => {
          const leaves = [1, 2, 3].map((seed) => randn([N], { seed, requiresGrad: true }));
          const values: Tensor[] = [...leaves];
          for (const { op, a, b } of steps) values.push(ops[op]!(values[a % values.length]!, values[b % values.length]!));
          // several values feed the loss, so their adjoints are sums passed on through the program
          const loss = outputs.reduce((total: Tensor, k, i) => total.add(values[k % values.length]!.mul(i + 1).sum()), scalar(0));
          loss.backward(undefined, { createGraph });
          return leaves.map((l) => (l.grad === null ? [] : Array.from(l.grad.data)));
        };
        expect(run(false)).toEqual(run(true));
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('walks a 200,000-op chain without overflowing the stack', () => {
    const x = leaf(1);
    let y: Tensor = x;
    for (let i = 0; i < 200_000; i++) y = y.mul(1.000001);
    y.backward();
    expect(x.grad!.item()).toBeCloseTo(Math.pow(1.000001, 200_000), 8);
  });

  it('un-broadcasts adjoints: a [2,3] + b [3] gives b.grad summed over the rows', () => {
    const a = leaf([[1, 2, 3], [4, 5, 6]]);
    const b = leaf([10, 20, 30]);
    a.mul(b).sum().backward();
    expect(b.grad!.toArray()).toEqual([5, 7, 9]);
    expect(a.grad!.toArray()).toEqual([[10, 20, 30], [10, 20, 30]]);
  });

  it('needs a seed for a non-scalar output, and uses it as the output cotangent', () => {
    const x = leaf([1, 2, 3]);
    const y = x.mul(x);
    expect(() => y.backward()).toThrow(GradError);
    expect(() => y.backward()).toThrow(/seed.*\[3\]/);
    y.backward([1, 0, 2]);
    expect(x.grad!.toArray()).toEqual([2, 0, 12]);
  });

  it('frees the graph after backward: a second pass is a GradError, unless the graph was retained', () => {
    const x = leaf(2);
    const y = x.mul(x).exp();
    y.backward();
    expect(() => y.backward()).toThrow(GradError);
    expect(() => y.backward()).toThrow(/freed/);

    const z = leaf(2);
    const w = z.mul(z);
    w.backward(undefined, { retainGraph: true });
    w.backward();
    expect(z.grad!.item()).toBe(8); // accumulated twice: 2·(2z)
  });

  it('drops its references to the graph after backward, so a training loop does not leak', () => {
    const x = leaf([1, 2]);
    const hidden = x.mul(2);
    const y = hidden.sum();
    y.backward();
    for (const t of [hidden, y]) expect([t._in0, t._in1, t._inMany]).toEqual([null, null, null]);
  });

  it('accumulates into .grad across passes until zeroGrad', () => {
    const x = leaf(3);
    x.mul(2).backward();
    x.mul(2).backward();
    expect(x.grad!.item()).toBe(4);
    x.zeroGrad();
    expect(x.grad).toBeNull();
  });

  it('records nothing under noGrad and nothing through detach/stopGradient', () => {
    const x = leaf(3);
    const y = noGrad(() => x.mul(x));
    expect(y.requiresGrad).toBe(false);
    expect(() => y.backward()).toThrow(GradError);
    const z = x.mul(stopGradient(x)).add(x.detach());
    z.backward();
    expect(x.grad!.item()).toBe(3); // only the first factor is differentiated
  });

  it('does not give a gradient to inputs without requiresGrad', () => {
    const w = leaf([1, 2]);
    const c = tensor([3, 4]);
    w.mul(c).sum().backward();
    expect(c.grad).toBeNull();
    expect(w.grad!.toArray()).toEqual([3, 4]);
  });
});

describe('gradient arrays taken over from the pass instead of copied', () => {
  // Large enough that their arrays are their own (small ones share slabs and are always copied).
  const big = (seed: number): Tensor => randn([40, 30], { seed, requiresGrad: true });

  it('gives two leaves that received the same adjoint gradients of their own', () => {
    const a = big(1);
    const b = big(2);
    a.add(b).sum().backward(); // add passes one adjoint to both inputs
    expect(a.grad!.data).not.toBe(b.grad!.data);
    a.grad!.data[0] = 99;
    expect(b.grad!.data[0]).toBe(1);
  });

  it('never takes over the seed or a tensor the caller holds', () => {
    const x = big(3);
    const seed = ones([40, 30]);
    x.reshape([1200]).reshape([40, 30]).backward(seed); // the seed flows through unchanged
    expect(x.grad!.data).not.toBe(seed.data);
    seed.data[0] = 5;
    expect(x.grad!.data[0]).toBe(1);
  });

  it('accumulates into a taken-over gradient across passes, and the values are right', () => {
    const w = big(4);
    const x = randn([7, 40], { seed: 5 });
    x.matmul(w).sum().backward();
    x.matmul(w).sum().backward();
    const expected = matmul(transpose(x), ones([7, 30])).mul(2);
    expect(w.grad!.toArray()).toEqual(expected.toArray());
  });
});

describe('gradient arrays reused once zeroGrad clears them', () => {
  const big = (seed: number): Tensor => randn([40, 30], { seed, requiresGrad: true });
  const input = (seed: number): Tensor => randn([7, 40], { seed });
  /** d/dw sum(x·w) = xᵀ·1, computed without the engine's gradient arrays. */
  const expectedGrad = (x: Tensor): number[] => Array.from(matmul(transpose(x), ones([7, 30])).data);

  it('gives an unread gradient\'s array to the next gradient of its size, with the right values', () => {
    const w = big(6);
    input(7).matmul(w).sum().backward();
    const first = borrowGrad(w)!.data;
    w.zeroGrad();
    const x = input(8);
    x.matmul(w).sum().backward();
    expect(borrowGrad(w)!.data).toBe(first);
    expect(Array.from(w.grad!.data)).toEqual(expectedGrad(x));
  });

  it('never reuses a gradient that was read through .grad: the reader keeps its values', () => {
    const w = big(9);
    const x1 = input(10);
    x1.matmul(w).sum().backward();
    const held = w.grad!;
    w.zeroGrad();
    const x2 = input(11);
    x2.matmul(w).sum().backward();
    expect(w.grad!.data).not.toBe(held.data);
    expect(Array.from(held.data)).toEqual(expectedGrad(x1));
    expect(Array.from(w.grad!.data)).toEqual(expectedGrad(x2));
  });

  it('never reuses a gradient recorded by createGraph, which later graphs may use', () => {
    const w = big(12);
    w.square().sum().backward(undefined, { createGraph: true }); // .grad = 2w, recorded
    const penalty = borrowGrad(w)!.square().sum(); // Σ(2w)², a graph on the gradient
    w.zeroGrad();
    input(13).matmul(w).sum().backward(); // a new [40, 30] gradient
    w.zeroGrad();
    penalty.backward(); // d/dw Σ(2w)² = 8w, read from the recorded gradient
    expect(Array.from(w.grad!.data)).toEqual(Array.from(w.data, (v) => 8 * v));
  });

  it('never reuses a gradient set by the caller', () => {
    const w = big(14);
    const mine = randn([40, 30], { seed: 15 });
    const copy = Array.from(mine.data);
    input(17).matmul(w).sum().backward();
    w.grad = mine; // replaces a gradient the pass made
    w.zeroGrad();
    input(16).matmul(w).sum().backward();
    expect(Array.from(mine.data)).toEqual(copy);
  });
});

describe('grad, valueAndGrad and vjp', () => {
  it('grad of a scalar function, with numbers as arguments', () => {
    const df = grad((x) => x.mul(x).mul(x));
    expect(df(2).item()).toBe(12);
  });

  it('argnums picks arguments and a list returns a list', () => {
    const f = (x: Tensor, y: Tensor) => x.mul(y).add(y.mul(y)).sum();
    const [dx, dy] = grad(f, [0, 1])(tensor([1, 2]), tensor([3, 4]));
    expect(dx!.toArray()).toEqual([3, 4]);
    expect(dy!.toArray()).toEqual([1 + 6, 2 + 8]);
    expect(grad(f, 1)(tensor([1, 2]), tensor([3, 4])).toArray()).toEqual([7, 10]);
  });

  it('valueAndGrad returns the value and the gradient', () => {
    const [value, g] = valueAndGrad((x) => sum(x.mul(x)))(tensor([1, 2, 3]));
    expect(value.item()).toBe(14);
    expect(g.toArray()).toEqual([2, 4, 6]);
  });

  it('grad needs a scalar output', () => {
    expect(() => grad((x) => x.mul(2))(tensor([1, 2]))).toThrow(/scalar.*\[2\]/);
  });

  it('gives zeros for an argument the output does not depend on', () => {
    expect(grad((_x: Tensor, y: Tensor) => y.sum(), 0)(tensor([1, 2]), tensor([3])).toArray()).toEqual([0, 0]);
  });

  it('leaves the .grad of the arguments alone', () => {
    const x = leaf(2);
    grad((t) => t.mul(t))(x);
    expect(x.grad).toBeNull();
  });

  it('vjp: one forward pass, a pullback that can be called many times', () => {
    const [out, pullback] = vjp((a, b) => a.mul(b), tensor([1, 2]), tensor([3, 4]));
    expect(out.toArray()).toEqual([3, 8]);
    const [ga, gb] = pullback(tensor([1, 1]));
    expect(ga!.toArray()).toEqual([3, 4]);
    expect(gb!.toArray()).toEqual([1, 2]);
    expect(pullback(tensor([2, 0]))[0]!.toArray()).toEqual([6, 0]);
  });

  it('vjp rejects a cotangent of the wrong shape', () => {
    const [, pullback] = vjp((a) => a.mul(2), tensor([1, 2]));
    expect(() => pullback(ones([3]))).toThrow(GradError);
  });

  it('works through functions that close over tensors requiring grad, without freeing their graph', () => {
    const w = leaf(3);
    const h = w.mul(2);
    const g = grad((x) => x.mul(h))(scalar(5));
    expect(g.item()).toBe(6);
    add(h, 0).backward();
    expect(w.grad!.item()).toBe(2);
  });
});

describe('a pass started inside another pass', () => {
  it('may walk the outer graph (a custom rule calling grad on a function of an outer tensor) and leaves the outer pass intact', () => {
    const w = tensor([0.5, -1.5, 2], { requiresGrad: true });
    const h = w.mul(w).add(1); // part of the outer graph, and reachable from the inner one
    // Identity forward; backward: the cotangent times d/dh Σ sin(h·u) at u = 1 — a grad inside the rule.
    const scaled = customVjp((u: Tensor) => u.mul(1), (_inputs, _output, g) => {
      const inner = grad((u: Tensor) => h.mul(u).sin().sum())(ones([3]));
      return [g.mul(inner)];
    });
    const loss = scaled(h).add(h.exp()).sum();
    loss.backward();
    // d/dw [Σ h + Σ exp(h)] with the custom factor cos(h)·h on the first term: (h·cos(h) + exp(h))·2w.
    const hv = [1.25, 3.25, 5];
    const wv = [0.5, -1.5, 2];
    const expected = hv.map((v, i) => (v * Math.cos(v) + Math.exp(v)) * 2 * wv[i]!);
    Array.from(w.grad!.data).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 10));
  });
});

describe('an op whose rule returns a cotangent of the wrong shape', () => {
  // The graph sums a cotangent over the axes its input was broadcast along; one that merely holds
  // as many values as the input, in another shape, is the rule's mistake, not a reshape to make.
  const identityWithRule = (name: string, rule: (g: Tensor) => Tensor) =>
    registerOp<DifferentiableOp>({
      kind: 'differentiable',
      name,
      arity: 1,
      shape: ([s]) => s!,
      forward: ([x]) => x!.slice(),
      vjp: (g) => [rule(g)],
      jvp: ([t]) => t!,
      domain: { inputs: [{ min: -2, max: 2 }], cases: [{ shapes: [[2, 3]], attrs: undefined }] },
    });
  const x = () => leaf([[1, 2, 3], [4, 5, 6]]);

  it('is a GradError when it holds the right number of values in another shape ([3, 2] for [2, 3])', () => {
    const transposed = identityWithRule('graphTestTransposedRule', (g) => transpose(g));
    expect(() => apply(transposed, [x()], undefined).sum().backward()).toThrow(/^backward: cannot reduce an adjoint of shape \[3, 2\] to shape \[2, 3\]$/);
  });

  it('is summed over broadcast axes, and reshaped when it differs only by axes of length 1', () => {
    const stacked = identityWithRule('graphTestStackedRule', (g) => broadcastTo(g, [4, 2, 3]));
    const w = x();
    apply(stacked, [w], undefined).sum().backward();
    expect(w.grad!.toArray()).toEqual([[4, 4, 4], [4, 4, 4]]);
    const padded = identityWithRule('graphTestPaddedRule', (g) => g.reshape([2, 1, 3]));
    const v = x();
    apply(padded, [v], undefined).sum().backward();
    expect(v.grad!.toArray()).toEqual([[1, 1, 1], [1, 1, 1]]);
  });
});
