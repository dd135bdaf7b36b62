/**
 * How a backward pass adds slices' cotangents into their input's adjoint (Adjoints.addBox): into
 * the box each slice was cut from, so that cutting a tensor into k pieces costs the pieces' size in
 * the backward pass rather than k padded copies of the tensor; with the same bits in the pass that
 * reuses memory (Tensor.backward), the plain one (grad) and a recorded one (createGraph).
 */
import { Tensor, concat, detectAnomaly, grad, ones, randn, slice, split, sum, tensor, transpose } from './index';
import * as layoutKernels from './kernels/layout';
import * as alloc from './kernels/alloc';

afterEach(() => jest.restoreAllMocks());

type Pass = 'reuse' | 'plain' | 'recorded';

/** The gradient of `loss` at a fresh copy of `x0`, by each pass. */
function gradientBy(pass: Pass, x0: Tensor, loss: (x: Tensor) => Tensor): Float64Array {
  if (pass === 'plain') return grad(loss)(x0.detach()).data;
  const x = x0.clone();
  x.requiresGrad = true;
  alloc.withPoisonedReuse(() => loss(x).backward(undefined, { createGraph: pass === 'recorded' }));
  return x.grad!.data;
}

const sameBits = (a: Float64Array, b: Float64Array): boolean => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe("slices' cotangents added into boxes of the adjoint", () => {
  it('split into many pieces: one padded array for the whole backward pass, and the right gradient', () => {
    const rows = 64;
    const x0 = randn([rows, 3], { seed: 1 });
    const weights = randn([rows, 3], { seed: 2 });
    const loss = (x: Tensor): Tensor => {
      const pieces = split(x, rows, 0).map((p, i) => p.mul(i + 1));
      return sum(concat(pieces, 0).mul(weights));
    };
    const pads = jest.spyOn(layoutKernels, 'padData');
    const boxes = jest.spyOn(layoutKernels, 'addIntoBox');
    // In every pass the first piece's cotangent is padded once and the other 63 are added into one
    // array: in place into that one, or (a recorded pass) by one addIntoSlices into a new one.
    const byPass = (['reuse', 'plain', 'recorded'] as const).map((pass) => {
      pads.mockClear();
      boxes.mockClear();
      const g = gradientBy(pass, x0, loss);
      expect(pads).toHaveBeenCalledTimes(1);
      expect(boxes).toHaveBeenCalledTimes(rows - 1);
      expect(new Set(boxes.mock.calls.map(([target]) => target)).size).toBe(1);
      return g;
    });
    const expected = Float64Array.from(weights.data, (w, k) => w * (Math.floor(k / 3) + 1));
    expect(byPass[0]).toEqual(expected);
    expect(sameBits(byPass[0]!, byPass[1]!)).toBe(true);
    expect(sameBits(byPass[0]!, byPass[2]!)).toBe(true);
  });

  it('keeps the sign of a zero in a cotangent: every pass gives the same bits', () => {
    // Each slice is multiplied by weights holding −0, so its cotangent holds −0 there. A box added
    // into the adjoint leaves the elements outside it untouched, where adding a padded copy would
    // have turned a −0 already there into 0.
    const c = tensor([[-0, 1, -0], [2, -0, 3], [-0, -0, 4], [5, -0, -0]]);
    const loss = (x: Tensor): Tensor => sum(slice(x, [0, 0], [2, 3]).mul(slice(c, [0, 0], [2, 3]))).add(sum(slice(x, [2, 0], [2, 3]).mul(slice(c, [2, 0], [2, 3]))));
    const x0 = randn([4, 3], { seed: 3 });
    const reused = gradientBy('reuse', x0, loss);
    expect(Array.from(reused).some((v) => Object.is(v, -0))).toBe(true);
    expect(sameBits(reused, gradientBy('plain', x0, loss))).toBe(true);
    expect(sameBits(reused, gradientBy('recorded', x0, loss))).toBe(true);
    expect(Array.from(reused).every((v, k) => v === c.data[k])).toBe(true); // the gradient of Σ x·c is c
  });

  it('never writes into an adjoint it does not own: a seed passed through stays as the caller made it', () => {
    // x's adjoint is first the seed itself (add passes it through), then a slice's cotangent.
    const x = randn([5, 4], { seed: 4, requiresGrad: true });
    const y = x.add(concat([slice(x, [1, 0], [4, 4]), ones([1, 4])], 0));
    const seed = randn([5, 4], { seed: 5 });
    const before = Float64Array.from(seed.data);
    y.backward(seed);
    expect(seed.data).toEqual(before);
    const expected = Float64Array.from(before, (s, k) => s + (k >= 4 ? before[k - 4]! : 0)); // row r of x is also row r − 1 of y
    expect(x.grad!.data).toEqual(expected);
  });

  it('differentiates a slice twice: the recorded boxes carry second derivatives', () => {
    // f(x) = Σ_pieces Σ piece³ over halves of x: ∂²f/∂x² = 6x on the diagonal, so grad of (∂f/∂x · v) is 6x·v.
    const x0 = randn([6, 2], { seed: 6 });
    const v = randn([6, 2], { seed: 7 });
    const f = (x: Tensor): Tensor => split(x, 2, 0).map((p) => sum(p.mul(p).mul(p))).reduce((a, b) => a.add(b));
    const hv = grad((x: Tensor) => sum(grad(f)(x).mul(v)))(x0);
    hv.data.forEach((h, k) => expect(h).toBeCloseTo(6 * x0.data[k]! * v.data[k]!, 12));
  });

  it('an empty slice adds nothing, and alone still gives its input a zero gradient', () => {
    const x0 = tensor([0.5]);
    const withOther = (x: Tensor): Tensor => sum(slice(x, [0], [0])).add(sum(x.exp())); // x's slot holds a number (scalar rules)
    for (const pass of ['reuse', 'plain', 'recorded'] as const) expect(Array.from(gradientBy(pass, x0, withOther))).toEqual([Math.exp(0.5)]);
    const alone = (x: Tensor): Tensor => sum(slice(x, [1, 0], [0, 2])).add(1);
    for (const pass of ['reuse', 'plain', 'recorded'] as const) expect(Array.from(gradientBy(pass, randn([3, 2], { seed: 8 }), alone))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('detectAnomaly names slice when a non-finite adjoint passes through one', () => {
    const x = tensor([1, 2, 3, 4], { requiresGrad: true });
    const left = slice(x, [0], [2]);
    left.registerHook(() => tensor([Infinity, 0]));
    const loss = sum(left).add(sum(slice(x, [2], [2])));
    expect(() => detectAnomaly(() => loss.backward())).toThrow(/^detectAnomaly: the backward rule of 'slice' \(output \[2\]\) produced Infinity in the adjoint of input 0 \(\[4\]\) because its output adjoint was already non-finite/);
  });

  it('reductions and transpose keep their own copies of their axis lists too', () => {
    const x = randn([2, 3, 4], { seed: 10, requiresGrad: true });
    const axes = [0, 2];
    const perm = [2, 0, 1];
    const y = sum(transpose(x, perm).mul(2), axes.map((a) => (a + 1) % 3)).add(sum(x, axes).mul(3));
    axes[1] = 1;
    perm.reverse();
    sum(y).backward();
    expect(Array.from(x.grad!.data)).toEqual(Array<number>(24).fill(5));
  });

  it('keeps its own copy of begin and size: the caller may change its lists after slicing', () => {
    const x = randn([3, 4], { seed: 9, requiresGrad: true });
    const begin = [1, 0];
    const size = [2, 4];
    const y = slice(x, begin, size);
    begin[0] = 0;
    size[0] = 1;
    sum(y).backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
  });
});
