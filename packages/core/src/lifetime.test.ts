/**
 * Graph lifetime, through the public API only (backward.test.ts has the basic cases):
 *
 * - `backward` frees the graph it walked: a second pass through any part of it — the same output, an
 *   output that shares an intermediate with it, or a new computation built on one of its results —
 *   is a GradError naming the freed op and its shape;
 * - `{retainGraph: true}` keeps it, and each further pass adds its gradients to `.grad`;
 * - `{createGraph: true}` implies retainGraph, so higher derivatives can be taken;
 * - forward values outlive the graph, `detach()` makes a fresh leaf from them, and leaves can be
 *   reused for new graphs indefinitely (a training loop);
 * - a pass that throws part-way frees nothing and leaves nothing behind: fix the cause and retry.
 */
import { GradError, Tensor, detectAnomaly, grad, tensor } from '@adjoint/core';
import { thrown } from '../../../test/support/expect-error';

const leaf = (v: number[]): Tensor => tensor(v, { requiresGrad: true });

const gradError = (fn: () => unknown): GradError => thrown(fn, GradError);

describe('a freed graph cannot be walked again', () => {
  it('the same output: the message names the op, its shape and the remedy', () => {
    const x = leaf([1, 2]);
    const y = x.exp().sum();
    y.backward();
    expect(gradError(() => y.backward()).message).toBe(
      "backward: the graph through 'sum' (output []) was freed by an earlier backward; to differentiate twice, keep it with the first: backward(undefined, { retainGraph: true }) (the seed comes first), or build it again",
    );
    expect(Array.from(x.grad!.data)).toEqual([Math.E, Math.exp(2)]); // the first pass counted once
  });

  it('an output sharing an intermediate with one already differentiated: the shared op is named', () => {
    const x = leaf([0.5, 1, 2]);
    const h = x.mul(x); // shared by a and b
    const a = h.exp().sum();
    const b = h.sin().sum();
    a.backward();
    expect(gradError(() => b.backward()).message).toMatch(/^backward: the graph through 'mul' \(output \[3\]\) was freed/);
  });

  it('a new computation built on a result of a freed graph; detach() starts a fresh leaf instead', () => {
    const x = leaf([3]);
    const y = x.square();
    y.backward();
    expect(gradError(() => y.mul(2).backward()).message).toMatch(/the graph through 'square' \(output \[1\]\) was freed/);
    const fresh = y.detach();
    fresh.requiresGrad = true;
    fresh.mul(2).backward();
    expect(fresh.grad!.item()).toBe(2);
  });

  it('retainGraph applies to the pass it is given to: the next plain pass frees the graph', () => {
    const x = leaf([2]);
    const y = x.square();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(() => y.backward()).toThrow(GradError);
    expect(x.grad!.item()).toBe(8); // two passes of dy/dx = 2x = 4
  });
});

describe('retained graphs accumulate', () => {
  it('k passes through a retained graph add k gradients, exactly', () => {
    const x = leaf([0.25, -1.5]);
    const y = x.tanh().mul(x).sum();
    const once = grad((t: Tensor) => t.tanh().mul(t).sum())(tensor([0.25, -1.5]));
    for (let k = 1; k <= 5; k++) {
      y.backward(undefined, { retainGraph: k < 5 });
      // k·g computed by repeated addition in the same order, so the comparison can be exact
      let expected = Array.from(once.data);
      for (let j = 1; j < k; j++) expected = expected.map((v, i) => v + once.data[i]!);
      expect(Array.from(x.grad!.data)).toEqual(expected);
    }
    expect(() => y.backward()).toThrow(GradError);
  });

  it('two outputs sharing an intermediate, the first with retainGraph: .grad is the sum of both gradients', () => {
    const x = leaf([0.5, 1, 2]);
    const h = x.mul(x);
    h.exp().sum().backward(undefined, { retainGraph: true });
    h.sin().sum().backward();
    const v = [0.5, 1, 2];
    // d/dx [e^(x²) + sin(x²)] = 2x·(e^(x²) + cos(x²))
    x.grad!.data.forEach((g, i) => expect(g).toBeCloseTo(2 * v[i]! * (Math.exp(v[i]! ** 2) + Math.cos(v[i]! ** 2)), 12));
  });

  it('createGraph implies retainGraph: the gradient can be differentiated, and the pass repeated', () => {
    const x = leaf([1.5]);
    const y = x.mul(x).mul(x); // x³
    y.backward(undefined, { createGraph: true });
    const first = x.grad!; // 3x², itself recorded
    expect(first.item()).toBeCloseTo(3 * 1.5 ** 2, 12);
    expect(first.requiresGrad).toBe(true);
    x.zeroGrad();
    // The graph of 3x² runs through that of x³ (its rules used x·x), so this pass needs retainGraph
    // too if y is to be differentiated again afterwards.
    first.backward(undefined, { retainGraph: true }); // d/dx 3x² = 6x
    expect(x.grad!.item()).toBeCloseTo(6 * 1.5, 12);
    x.zeroGrad();
    y.backward(); // the graph of y was kept by createGraph
    expect(x.grad!.item()).toBeCloseTo(3 * 1.5 ** 2, 12);
    expect(() => first.backward()).toThrow(GradError); // …and that plain pass freed it
  });

  // A plain backward into a leaf whose .grad came from a createGraph pass must not add into that
  // recorded tensor's data in place: the tensor would change value under any graph that uses it. Here w = g·g with g = dy/dx = 2x = 4 should
  // have dw/dx = 2g·dg/dx = 16, but the second pass turns g's data into 8 and the pass gives 32.
  // PyTorch accumulates out of place (grad = grad + new) when the existing grad requires grad.
  it('a plain pass does not change the value of a .grad recorded by createGraph', () => {
    const x = leaf([2]);
    const y = x.square();
    y.backward(undefined, { createGraph: true });
    const g = x.grad!;
    const w = g.mul(g);
    y.backward(undefined, { retainGraph: true });
    expect(x.grad!.item()).toBe(8); // accumulated: 4 + 4
    expect(g.item()).toBe(4); // the first pass's gradient keeps its value
    x.zeroGrad();
    w.backward();
    expect(x.grad!.item()).toBe(16);
  });
});

describe('what outlives the graph', () => {
  it('forward values stay readable after backward', () => {
    const x = leaf([1, 2]);
    const h = x.mul(3);
    const y = h.sum();
    y.backward();
    expect(y.item()).toBe(9);
    expect(Array.from(h.data)).toEqual([3, 6]);
    expect(h.toArray()).toEqual([3, 6]);
  });

  it('leaves build new graphs forever: 1,000 forward/backward/update rounds give the closed form', () => {
    // Gradient descent on f(w) = (w − 3)² with step 0.1: w ← w − 0.2(w − 3), so w_k − 3 = 0.8^k (w_0 − 3).
    const w = leaf([0]);
    for (let k = 0; k < 1000; k++) {
      w.sub(3).square().sum().backward();
      w.data[0] = w.data[0]! - 0.1 * w.grad!.data[0]!;
      w.zeroGrad();
    }
    expect(w.data[0]).toBeCloseTo(3, 12);
  });

  it('grad() of a function builds and frees its own graph each call: calling it again works', () => {
    const df = grad((t: Tensor) => t.square().sum());
    expect(Array.from(df(tensor([1, 2])).data)).toEqual([2, 4]);
    expect(Array.from(df(tensor([1, 2])).data)).toEqual([2, 4]);
  });
});

describe('a pass that throws part-way', () => {
  // y = sqrt(3x − 3) + 2·(3x) at x = 1: forward finite (sqrt(0) = 0), but the backward rule of sqrt gives
  // ∞. The sum is written b + a so that the reverse sweep handles a (giving the shared 3x an
  // adjoint) before it reaches sqrt and throws.
  const setup = () => {
    const x = leaf([1]);
    const h = x.mul(3);
    const a = h.mul(2);
    const b = h.sub(3).sqrt();
    return { x, h, a, y: b.add(a).sum() };
  };

  it('writes no gradient, frees nothing, and leaves no partial adjoint behind for the next pass', () => {
    const { x, a, y } = setup();
    expect(() => detectAnomaly(() => y.backward())).toThrow(/backward rule of 'sqrt'/);
    expect(x.grad).toBeNull();
    // The graph is intact: a pass from a (through the shared h) gives exactly d(6x)/dx = 6 — it would
    // be 12 if h still held the adjoint 2 the failed pass had given it.
    a.sum().backward(undefined, { retainGraph: true });
    expect(x.grad!.item()).toBe(6);
    // …and the failed output can be differentiated again, now without anomaly detection (IEEE ∞).
    x.zeroGrad();
    y.backward();
    expect(x.grad!.item()).toBe(Infinity);
  });

  it('a seed of the wrong shape frees nothing either', () => {
    const x = leaf([1, 2]);
    const y = x.mul(x);
    expect(() => y.backward(tensor([1, 1, 1]))).toThrow(/seed shape \[3\] does not match output shape \[2\]/);
    y.backward(tensor([1, 1]));
    expect(Array.from(x.grad!.data)).toEqual([2, 4]);
  });
});
