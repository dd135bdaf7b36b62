/**
 * What a backward pass or a transform hands back is the caller's alone. A rule may pass a cotangent
 * on unchanged (add gives it to both inputs; a function may return its argument), so the same
 * array can reach several results; each result that would share an array with the caller's seed,
 * argument or tangent, or with another result, is a copy. Writing one result in place (assign)
 * then changes nothing else, whichever path made it.
 */
import { assign, customVjp, grad, jvp, tensor, valueAndGrad, vjp, type Tensor } from '@adjoint/core';

const values = (t: Tensor | null): number[] => Array.from(t!.data);

describe('createGraph backward gives each leaf a gradient of its own, as the plain pass does', () => {
  it.each([false, true])('createGraph %s: the seed passed through add reaches both leaves; each .grad is a copy', (createGraph) => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = tensor([4, 5, 6], { requiresGrad: true });
    const seed = tensor([10, 20, 30]);
    x.add(y).backward(seed, { createGraph });
    expect(x.grad).not.toBe(y.grad);
    expect(x.grad!.data).not.toBe(y.grad!.data);
    expect(x.grad!.data).not.toBe(seed.data);
    assign(x.grad!, [0, 0, 0]);
    expect(values(y.grad)).toEqual([10, 20, 30]);
    expect(values(seed)).toEqual([10, 20, 30]);
  });

  it('a seed that is itself tracked, reaching a leaf through a recorded view, is copied too', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const seed = tensor([[3, 4]], { requiresGrad: true });
    x.reshape([1, 2]).backward(seed, { createGraph: true });
    expect(x.grad!.data).not.toBe(seed.data);
    expect(values(x.grad)).toEqual([3, 4]);
  });

  it('a tensor a hook returns becomes no leaf’s .grad itself', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const replacement = tensor([7, 8]);
    const h = x.add(1); // add passes its cotangent on unchanged: the hook's tensor itself reaches x
    h.registerHook(() => replacement);
    h.sum().backward(undefined, { createGraph: true });
    expect(values(x.grad)).toEqual([7, 8]);
    assign(replacement, [0, 0]);
    expect(values(x.grad)).toEqual([7, 8]);
  });

  it('the copies are recorded: the gradient of a createGraph .grad is still the second derivative', () => {
    const x = tensor([1.5, -2], { requiresGrad: true });
    const y = tensor([0.5, 3], { requiresGrad: true });
    x.mul(x).add(y).sum().backward(undefined, { createGraph: true }); // x.grad = 2x, y.grad = 1 (the seed, copied)
    const [gx, gy] = [x.grad!, y.grad!];
    x.grad = null;
    gx.sum().backward();
    expect(values(x.grad)).toEqual([2, 2]);
    expect(values(gy)).toEqual([1, 1]);
  });
});

describe('transforms return values of their own', () => {
  it('vjp: the pullback never returns the caller’s cotangent, nor one tensor for two arguments', () => {
    const x = tensor([1, 2, 3]);
    const y = tensor([4, 5, 6]);
    const [out, pull] = vjp((a, b) => a.add(b), x, y);
    const ct = tensor([1, 1, 1]);
    const [ga, gb] = pull(ct);
    expect(new Set([ga!.data, gb!.data, ct.data, out.data]).size).toBe(4);
    assign(ga!, [9, 9, 9]);
    expect(values(gb!)).toEqual([1, 1, 1]);
    expect(values(ct)).toEqual([1, 1, 1]);
    // A second call is as fresh as the first.
    const [again] = pull(ct);
    expect(values(again!)).toEqual([1, 1, 1]);
  });

  it('grad of a function of two arguments through add: two arrays', () => {
    const [gx, gy] = grad((a: Tensor, b: Tensor) => a.add(b).sum(), [0, 1])(tensor([1, 2]), tensor([3, 4]));
    expect(gx!.data).not.toBe(gy!.data);
    assign(gx!, [0, 0]);
    expect(values(gy!)).toEqual([1, 1]);
  });

  it('a function that returns its argument: vjp’s and valueAndGrad’s value and jvp’s value and tangent are copies', () => {
    const x = tensor([1, 2, 3]);
    const [out] = vjp((a) => a, x);
    const s = tensor(5);
    const [value] = valueAndGrad((a: Tensor) => a)(s);
    const t = tensor([0.5, 0.5, 0.5]);
    const [jOut, jTangent] = jvp((a) => a, [x], [t]);
    assign(x, [0, 0, 0]);
    assign(t, [0, 0, 0]);
    assign(s, 0);
    expect(values(out)).toEqual([1, 2, 3]);
    expect(values(jOut)).toEqual([1, 2, 3]);
    expect(values(jTangent)).toEqual([0.5, 0.5, 0.5]);
    expect(value.item()).toBe(5);
    const reshaped = vjp((a) => a.reshape([3, 1]), x)[0];
    assign(x, [7, 7, 7]);
    expect(values(reshaped)).toEqual([0, 0, 0]);
  });

  it('customVjp of a function that returns its argument: the output does not change with the argument', () => {
    const passThrough = customVjp((a: Tensor) => a, (_inputs, _out, g) => [g.mul(2)]);
    const w = tensor([1, 2, 3], { requiresGrad: true });
    const out = passThrough(w);
    out.sum().backward();
    expect(values(w.grad)).toEqual([2, 2, 2]);
    assign(w, [0, 0, 0]);
    expect(values(out)).toEqual([1, 2, 3]);
  });
});
