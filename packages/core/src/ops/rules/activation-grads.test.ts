/** Activations' backward passes in one op each: the same bits as the products they replace. */
import { add, clip, elu, exp, gelu, grad, greater, mul, randn, sigmoid, silu, square, sub, sum, tanh, tensor, where, type Tensor } from '../../index';
import { eluGrad, geluGrad, sigmoidGrad, siluGrad, tanhGrad } from '../../rule-ops';

const sameBits = (a: Tensor, b: Tensor): boolean => a.size === b.size && a.data.every((v, i) => Object.is(v, b.data[i]));

describe('tanhGrad and sigmoidGrad', () => {
  const x = randn([7, 9], { seed: 1 }).mul(3);
  const v = randn([7, 9], { seed: 2 });

  it("tanh's gradient is v·(1 − y²), bit for bit as mul(v, sub(1, square(y)))", () => {
    const y = tanh(x);
    const g = grad((t: Tensor) => sum(mul(tanh(t), v)))(x);
    expect(sameBits(g, mul(v, sub(1, square(y))))).toBe(true);
    expect(sameBits(tanhGrad(v, y), g)).toBe(true);
  });

  it("sigmoid's gradient is v·(y·(1 − y)), bit for bit as the composed products", () => {
    const y = sigmoid(x);
    const g = grad((t: Tensor) => sum(mul(sigmoid(t), v)))(x);
    expect(sameBits(g, mul(v, mul(y, sub(1, y))))).toBe(true);
    expect(sameBits(sigmoidGrad(v, y), g)).toBe(true);
  });

  it('second derivatives through them: tanh″ = −2·tanh·(1 − tanh²), σ″ = σ(1 − σ)(1 − 2σ)', () => {
    const second = (f: (t: Tensor) => Tensor) => grad((t: Tensor) => sum(grad((u: Tensor) => sum(f(u)))(t)))(x);
    const th = second(tanh);
    const sg = second(sigmoid);
    x.data.forEach((xi, k) => {
      const t = Math.tanh(xi);
      const s = 1 / (1 + Math.exp(-xi));
      expect(th.data[k]).toBeCloseTo(-2 * t * (1 - t * t), 14);
      expect(sg.data[k]).toBeCloseTo(s * (1 - s) * (1 - 2 * s), 14);
    });
  });
});

describe('eluGrad, siluGrad and geluGrad', () => {
  const x = randn([7, 9], { seed: 3 }).mul(4);
  const v = randn([7, 9], { seed: 4 });
  const gradOf = (f: (t: Tensor) => Tensor) => grad((t: Tensor) => sum(mul(f(t), v)))(x);

  it("elu's gradient is v·(x > 0 ? 1 : α·eˣ), bit for bit as the products it replaced", () => {
    for (const alpha of [1, 0.3]) {
      const positive = greater(x, 0);
      const composed = mul(v, where(positive, 1, mul(exp(where(positive, 0, x)), alpha)));
      expect(sameBits(gradOf((t) => elu(t, alpha)), composed)).toBe(true);
      expect(sameBits(eluGrad(v, x, alpha), composed)).toBe(true);
    }
  });

  it("silu's gradient is v·(σ + x·σ(1 − σ)) at x clipped to ±800, bit for bit as the products it replaced", () => {
    const xc = clip(x, -800, 800);
    const s = sigmoid(xc);
    const composed = mul(v, add(s, mul(mul(xc, s), sub(1, s))));
    expect(sameBits(gradOf(silu), composed)).toBe(true);
    expect(sameBits(siluGrad(v, x), composed)).toBe(true);
  });

  it("gelu's tanh form: bit for bit as the products it replaced", () => {
    const [k, c] = [Math.sqrt(2 / Math.PI), 0.044715];
    const xc = clip(x, -40, 40);
    const s = sigmoid(mul(add(xc, mul(mul(square(xc), xc), c)), 2 * k));
    const du = add(mul(square(xc), 6 * c * k), 2 * k);
    const composed = mul(v, add(s, mul(mul(mul(xc, s), sub(1, s)), du)));
    expect(sameBits(gradOf((t) => gelu(t, { approximate: 'tanh' })), composed)).toBe(true);
    expect(sameBits(geluGrad(v, x, 'tanh'), composed)).toBe(true);
  });

  it("gelu′ keeps its relative accuracy in the left tail, where Φ = ½(1 + erf) cancels (it was 1% off at x = −10)", () => {
    // gelu's values are accurate there (through erfc), so a central difference of them is a reference to ~1e-8.
    for (const at of [-6, -10, -20]) {
      const h = 1e-4;
      const fd = (gelu(tensor(at + h)).item() - gelu(tensor(at - h)).item()) / (2 * h);
      const got = geluGrad(tensor(1), tensor(at), 'none').item();
      expect(Math.abs(got - fd) / Math.abs(fd)).toBeLessThan(1e-6);
    }
  });

  it('their limits at ±∞ and NaN: 0 or 1, never ∞·0', () => {
    const ends = tensor([-Infinity, Infinity, NaN]);
    const one = tensor([1, 1, 1]);
    expect(Array.from(siluGrad(one, ends).data)).toEqual([0, 1, NaN]);
    expect(Array.from(geluGrad(one, ends, 'none').data)).toEqual([0, 1, NaN]);
    expect(Array.from(geluGrad(one, ends, 'tanh').data)).toEqual([0, 1, NaN]);
    expect(Array.from(eluGrad(one, ends, 2).data)).toEqual([0, 1, NaN]);
  });
});
