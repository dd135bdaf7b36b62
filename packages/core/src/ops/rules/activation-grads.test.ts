/** tanh's and sigmoid's backward passes in one op each: the same bits as the products they replace. */
import { grad, mul, randn, sigmoid, square, sub, sum, tanh, type Tensor } from '../../index';
import { sigmoidGrad, tanhGrad } from '../../rule-ops';

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
