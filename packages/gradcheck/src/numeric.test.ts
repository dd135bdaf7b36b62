import { ValueError, exp, sin, tensor, matmul } from '@adjoint/core';
import { numericDirectional, numericGrad } from '@adjoint/gradcheck';

describe('numericGrad', () => {
  it('returns one Jacobian per input, of shape [...out, ...input]', () => {
    const a = tensor([[1, 2], [3, 4], [5, 6]]);
    const b = tensor([0.5, -1]);
    const [ja, jb] = numericGrad((x, y) => matmul(x, y), [a, b]);
    expect(ja!.shape).toEqual([3, 3, 2]);
    expect(jb!.shape).toEqual([3, 2]);
    // d(Ab)_i / dA_ij = b_j; d(Ab)/db = A.
    expect(ja!.toArray()).toEqual([
      [[expect.closeTo(0.5, 8), expect.closeTo(-1, 8)], [0, 0], [0, 0]],
      [[0, 0], [expect.closeTo(0.5, 8), expect.closeTo(-1, 8)], [0, 0]],
      [[0, 0], [0, 0], [expect.closeTo(0.5, 8), expect.closeTo(-1, 8)]],
    ]);
    jb!.data.forEach((v, i) => expect(v).toBeCloseTo(a.data[i]!, 8));
  });

  it('gives the gradient of a scalar function, for numbers and nested arrays too', () => {
    const [g] = numericGrad((x) => x.mul(x).sum(), [[1, 2]]);
    expect(g!.shape).toEqual([2]);
    expect(g!.data[0]).toBeCloseTo(2, 8);
    expect(g!.data[1]).toBeCloseTo(4, 8);
    expect(numericGrad((x) => x.exp(), [0])[0]!.item()).toBeCloseTo(1, 8);
  });

  it('rejects a bad step, a bad method and functions that do not return a tensor', () => {
    expect(() => numericGrad((x) => x, [1], { eps: 0 })).toThrow(ValueError);
    expect(() => numericGrad((x) => x, [1], { eps: NaN })).toThrow(/eps must be a positive finite number/);
    expect(() => numericGrad((x) => x, [1], { method: 'forward' as never })).toThrow(/method must be 'central' or 'richardson'/);
    expect(() => numericGrad((() => 3) as never, [1])).toThrow(/must return a Tensor, got number/);
  });
});

describe('Richardson extrapolation', () => {
  // Exact derivatives to compare against: d/dx sin = cos, d/dx exp = exp.
  const cases = [
    { name: 'sin', f: sin, df: Math.cos },
    { name: 'exp', f: exp, df: Math.exp },
  ];
  // Points where f''' is not small (for sin, away from ±π/2), so that the central error is visible.
  const points = [-1.2, -0.4, 0.2, 0.9, 1.3];

  it.each(cases)('is measurably more accurate than central differences on $name at eps = 1e-3', ({ f, df }) => {
    const errors = (method: 'central' | 'richardson'): number[] =>
      points.map((p) => {
        const x = tensor([p]);
        const d = numericDirectional(f, [x], [tensor([1])], { method, eps: 1e-3 })[0]!;
        return Math.abs(d - df(p));
      });
    const central = errors('central');
    const richardson = errors('richardson');
    // Central differences err by about h²/6·|f'''| ≈ 1e-7 here; Richardson cancels the h² term and
    // is left with O(h⁴) and rounding, both around 1e-12.
    for (let i = 0; i < points.length; i++) {
      expect(central[i]).toBeGreaterThan(1e-8);
      expect(richardson[i]).toBeLessThan(1e-10);
      expect(richardson[i]! * 1000).toBeLessThan(central[i]!);
    }
  });

  it('agrees with the default central differences at their own default steps', () => {
    const x = tensor([0.3, -0.7]);
    const central = numericGrad((t) => t.tanh(), [x])[0]!;
    const richardson = numericGrad((t) => t.tanh(), [x], { method: 'richardson' })[0]!;
    central.data.forEach((v, i) => expect(Math.abs(v - richardson.data[i]!)).toBeLessThan(1e-8));
  });
});
