import { inspect } from 'node:util';
import { GradError, ShapeError, Tensor, ValueError, assign, expandDims, gather, grad, noGrad, randn, reshape, slice, tensor, vjp } from './index';

describe('assign', () => {
  it('writes values of any accepted form into a leaf in place and returns it', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    const data = x.data;
    expect(assign(x, [[6, 5, 4], [3, 2, 1]])).toBe(x);
    expect(x.data).toBe(data);
    expect(x.toArray()).toEqual([[6, 5, 4], [3, 2, 1]]);
    x.assign([10, 20, 30]); // broadcast over the rows
    expect(x.toArray()).toEqual([[10, 20, 30], [10, 20, 30]]);
    x.assign(tensor([[1], [2]]));
    expect(x.toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
    x.assign(7);
    expect(x.toArray()).toEqual([[7, 7, 7], [7, 7, 7]]);
    x.assign(new Float64Array([1, 2, 3, 4, 5, 6]));
    expect(x.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    x.assign((d) => d.forEach((v, i) => (d[i] = -v)));
    expect(x.toArray()).toEqual([[-1, -2, -3], [-4, -5, -6]]);
  });

  it('refuses values that do not fit, and tensors made by an op, naming the op and the shapes', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    expect(() => assign(x, [1, 2])).toThrow(ShapeError);
    expect(() => assign(x, [1, 2])).toThrow(/^assign: .*\[2\].*\[3\]/);
    expect(() => assign(x, [[1, 2, 3], [4, 5, 6]])).toThrow(/do not broadcast to the tensor's shape \[3\]/);
    expect(() => assign(x, new Float64Array(4))).toThrow(/^assign: a Float64Array of length 4 cannot fill a \[3\] tensor \(3 elements\)/);
    const y = x.exp();
    expect(() => assign(y, [0, 0, 0])).toThrow(GradError);
    expect(() => y.assign([0, 0, 0])).toThrow(/^assign: can only write a leaf in place; this \[3\] tensor was made by 'exp'/);
    expect(x.toArray()).toEqual([1, 2, 3]);
  });
});

describe('assign: mistakes and views', () => {
  it('a target that is not a tensor is a ValueError naming assign (once a TypeError)', () => {
    expect(() => assign([1, 2] as never, 0)).toThrow(ValueError);
    expect(() => assign(3 as never, 0)).toThrow(/^assign: can only write a Tensor, got 3$/);
  });

  it('a function that returns a new array instead of writing is a ValueError (d.map wrote nothing, silently)', () => {
    const x = tensor([1, 2, 3]);
    expect(() => x.assign((d) => d.map((v) => 2 * v) as never)).toThrow(ValueError);
    expect(() => x.assign((d) => Array.from(d) as never)).toThrow(/^assign: the function returned \[1, 2, 3\] instead of writing into the data it was given \(d\.map makes a copy and writes nothing/);
    expect(() => x.assign((d) => d.map((v) => 2 * v) as never)).toThrow(/^assign: the function returned a Float64Array of length 3 instead/);
    expect(x.toArray()).toEqual([1, 2, 3]);
    // Returning the array itself (fill, sort) or a number (an arrow around d[i] = v) is a write.
    expect(x.assign((d) => d.fill(4) as never).toArray()).toEqual([4, 4, 4]);
    expect(x.assign((d) => (d[0] = 5) as never).toArray()).toEqual([5, 4, 4]);
  });

  it('typed arrays of x\'s size are read row-major, as Float64Arrays are', () => {
    const x = tensor([[1, 2], [3, 4]]);
    x.assign(new Float32Array([0.5, 1.5, 2.5, 3.5]));
    expect(x.toArray()).toEqual([[0.5, 1.5], [2.5, 3.5]]);
    expect(() => x.assign(new Int32Array(3))).toThrow(/^assign: an Int32Array of length 3 cannot fill a \[2, 2\] tensor \(4 elements\)/);
    expect(() => x.assign(new BigInt64Array(4) as never)).toThrow(/^assign: values must be numbers, got a BigInt64Array of length 4/);
  });

  it('a value refused is not a write: a graph that recorded x still runs backward (once a GradError)', () => {
    const w = tensor([1, 2, 3], { requiresGrad: true });
    const loss = w.square().sum();
    expect(() => w.assign([1, 2])).toThrow(ShapeError);
    expect(() => w.assign('x' as never)).toThrow(ValueError);
    expect(() => w.assign(new Float64Array(2))).toThrow(ShapeError);
    loss.backward();
    expect(w.grad!.toArray()).toEqual([2, 4, 6]);
  });

  it('writes reach every tensor sharing the data (an untracked reshape or expandDims), not copies (slice, gather, transpose)', () => {
    const x = tensor([[1, 2], [3, 4]]);
    reshape(x, [4]).assign([5, 6, 7, 8]);
    expect(x.toArray()).toEqual([[5, 6], [7, 8]]);
    expandDims(x, 0).assign(0);
    expect(x.toArray()).toEqual([[0, 0], [0, 0]]);
    slice(x, [1, 0]).assign(9);
    gather(x, [0]).assign(9);
    x.transpose().assign(9);
    expect(x.toArray()).toEqual([[0, 0], [0, 0]]);
  });

  it('a write through a reshape made under noGrad is seen by a backward through the leaf', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const loss = w.mul(w).sum();
    noGrad(() => reshape(w, [2, 1])).assign(7);
    expect(() => loss.backward()).toThrow(/^backward: 'mul' \(output \[2\]\) recorded its input 0, a \[2\] tensor, which was changed in place/);
  });
});

describe('version counting: a backward through values changed since they were recorded', () => {
  it('is a GradError naming the op that recorded the tensor and its shape (the issue’s case)', () => {
    const w = randn([20], { seed: 3, requiresGrad: true });
    const h = w.square();
    const l1 = h.sum();
    const l2 = h.mul(2).sum();
    l1.backward(undefined, { retainGraph: true });
    const first = Array.from(w.grad!.data);
    assign(w, (d) => d.forEach((v, i) => (d[i] = v - 0.1 * first[i]!)));
    expect(() => l2.backward()).toThrow(GradError);
    expect(() => l2.backward()).toThrow(/^backward: 'square' \(output \[20\]\) recorded its input 0, a \[20\] tensor, which was changed in place/);
    expect(Array.from(w.grad!.data)).toEqual(first); // nothing was accumulated
  });

  it('sees writes through a tensor sharing the data: detach() and reshape', () => {
    const w = randn([2, 3], { seed: 1, requiresGrad: true });
    const loss = w.reshape([6]).exp().sum();
    w.detach().assign(0);
    expect(() => loss.backward()).toThrow(/'exp' \(output \[6\]\) recorded its input 0, a \[6\] tensor/);
    const y = w.exp(); // exp's rule reads its own output
    y.detach().assign(1);
    expect(() => y.backward(tensor([[1, 1, 1], [1, 1, 1]]))).toThrow(/'exp' \(output \[2, 3\]\) recorded its own output/);
  });

  it('is no error for writes before the op recorded, nor in the functional transforms after a fresh forward', () => {
    const w = randn([4], { seed: 2, requiresGrad: true });
    assign(w, [1, 2, 3, 4]);
    const loss = w.square().sum();
    loss.backward();
    expect(Array.from(w.grad!.data)).toEqual([2, 4, 6, 8]);
    const [, pullback] = vjp((x) => x.square(), tensor([1, 2]));
    expect(pullback(tensor([1, 1]))[0]!.toArray()).toEqual([2, 4]);
    expect(grad((x) => x.square().sum())(w).toArray()).toEqual([2, 4, 6, 8]);
  });
});

describe('hooks', () => {
  it('see the complete gradient, may replace it, and run until removed', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const seen: Tensor[] = [];
    const h = x.mul(2);
    const handle = h.registerHook((g) => {
      seen.push(g);
      return g.mul(10);
    });
    h.add(h).sum().backward(undefined, { retainGraph: true });
    expect(seen.map((g) => g.toArray())).toEqual([[2, 2, 2]]); // both uses summed first
    expect(x.grad!.toArray()).toEqual([40, 40, 40]);
    handle.remove();
    x.zeroGrad();
    h.add(h).sum().backward();
    expect(x.grad!.toArray()).toEqual([4, 4, 4]);
    expect(seen).toHaveLength(1);
  });

  it('on a leaf run before .grad, and a wrong replacement is a GradError naming the shapes', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.registerHook((g) => g.mul(-1));
    x.square().sum().backward();
    expect(x.grad!.toArray()).toEqual([-2, -4]);
    const y = tensor([1, 2], { requiresGrad: true });
    y.registerHook(() => tensor([1, 2, 3]));
    expect(() => y.sum().backward()).toThrow(/^registerHook: a hook of a \[2\] tensor must return nothing or a tensor of shape \[2\], got shape \[3\]/);
    expect(() => tensor([1]).registerHook(() => undefined)).toThrow(GradError);
  });
});

describe('printing', () => {
  it('console.log and util.inspect show the values and shape, not the engine’s fields', () => {
    const t = tensor([[1, 2], [3, 4]], { requiresGrad: true }).mul(2);
    expect(inspect(t)).toBe(t.toString());
    expect(inspect({ t })).toContain(t.toString().split('\n')[0]!);
    expect(inspect(t)).not.toMatch(/_op|_in0|_visit|_grad/);
  });
});
