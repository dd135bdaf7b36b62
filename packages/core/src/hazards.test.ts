/**
 * Numerical hazards: the functions that overflow when written naively stay finite, with finite
 * derivatives in both modes, at ±1000; log, sqrt and pow at the edges of their domains give the
 * documented IEEE values (no throw, no silent garbage); division by zero follows IEEE 754.
 */
import {
  Tensor, div, erf, exp, expm1, gelu, grad, jvp, log, log1p, logSoftmax, logSumExp, ones, pow, sigmoid, silu, softmax, softmaxCrossEntropy,
  softplus, sqrt, tanh, tensor,
} from '@adjoint/core';

const EXTREMES = [-1000, -100, -1, 0, 1, 100, 1000];
const xs = (): Tensor => tensor(EXTREMES);

/** Every element finite. */
function expectFinite(t: Tensor, what: string): void {
  const bad = [...t.data].findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`${what}: element ${bad} is ${t.data[bad]} (input ${EXTREMES[bad] ?? bad})`);
}

/** Values, reverse-mode gradient and forward-mode tangent of the scalar f are all finite. */
function expectFiniteEverywhere(name: string, f: (x: Tensor) => Tensor, input: Tensor): void {
  const value = f(input);
  expectFinite(value, `${name} value`);
  // A weighted sum of the outputs (weights −1, 0, 1), so the derivative of every output counts.
  const weights = new Tensor(Float64Array.from({ length: value.size }, (_, i) => (i % 3) - 1), value.shape);
  const scalarF = (x: Tensor): Tensor => f(x).mul(weights).sum();
  expectFinite(grad(scalarF)(input), `${name} gradient`);
  expectFinite(jvp(scalarF, [input], [ones(input.shape)])[1], `${name} forward tangent`);
  expectFinite(grad((x: Tensor) => grad(scalarF)(x).sum())(input), `${name} second derivative`);
}

describe('stable at ±1000: finite values and finite first and second derivatives, both modes', () => {
  it.each([
    ['sigmoid', sigmoid],
    ['tanh', tanh],
    ['softplus', softplus],
    ['erf', erf],
    ['gelu', (x: Tensor) => gelu(x)],
    ['gelu (tanh)', (x: Tensor) => gelu(x, { approximate: 'tanh' })],
    ['silu', silu],
  ] as const)('%s (elementwise)', (name, f) => {
    expectFiniteEverywhere(name, f, xs());
  });

  it('sigmoid, tanh and softplus saturate to the exact limits', () => {
    expect([...sigmoid(tensor([-1000, 1000])).data]).toEqual([0, 1]);
    expect([...tanh(tensor([-1000, 1000])).data]).toEqual([-1, 1]);
    expect([...softplus(tensor([-1000, 1000])).data]).toEqual([0, 1000]);
    // derivatives σ(1 − σ), 1 − tanh², σ: exactly 0 or 1 out there, never NaN
    expect([...grad((x: Tensor) => sigmoid(x).sum())(tensor([-1000, 1000])).data]).toEqual([0, 0]);
    expect([...grad((x: Tensor) => tanh(x).sum())(tensor([-1000, 1000])).data]).toEqual([0, 0]);
    expect([...grad((x: Tensor) => softplus(x).sum())(tensor([-1000, 1000])).data]).toEqual([0, 1]);
  });

  it('erf, gelu (both forms) and silu saturate to the exact limits, derivatives 0 and 1', () => {
    expect([...erf(tensor([-1000, 1000])).data]).toEqual([-1, 1]);
    expect([...gelu(tensor([-1000, 1000])).data]).toEqual([-0, 1000]);
    expect([...gelu(tensor([-1000, 1000]), { approximate: 'tanh' }).data]).toEqual([-0, 1000]);
    expect([...silu(tensor([-1000, 1000])).data]).toEqual([-0, 1000]);
    expect([...grad((x: Tensor) => erf(x).sum())(tensor([-1000, 1000])).data]).toEqual([0, 0]);
    expect([...grad((x: Tensor) => gelu(x).sum())(tensor([-1000, 1000])).data]).toEqual([0, 1]);
    expect([...grad((x: Tensor) => gelu(x, { approximate: 'tanh' }).sum())(tensor([-1000, 1000])).data]).toEqual([0, 1]);
    expect([...grad((x: Tensor) => silu(x).sum())(tensor([-1000, 1000])).data]).toEqual([0, 1]);
  });

  it('logSumExp over a vector, a matrix axis and all elements', () => {
    expectFiniteEverywhere('logSumExp', (x) => logSumExp(x), xs());
    const m = tensor([[1000, -1000, 0], [-1000, -1000, -1000], [1000, 1000, 999]]);
    expectFiniteEverywhere('logSumExp axis 1', (x) => logSumExp(x, 1), m);
    expectFiniteEverywhere('logSumExp axis 0 keepDims', (x) => logSumExp(x, 0, true), m);
    expect(logSumExp(tensor([1000, 1000])).item()).toBeCloseTo(1000 + Math.LN2, 10);
    expect(logSumExp(tensor([-1000, -1000])).item()).toBeCloseTo(-1000 + Math.LN2, 10);
    // its gradient is softmax: sums to 1 along the reduced axis
    const g = grad((x: Tensor) => logSumExp(x, 1).sum())(m);
    expect([...g.sum(1).data].map((v) => +v.toFixed(12))).toEqual([1, 1, 1]);
  });

  it.each([
    ['softmax', softmax],
    ['logSoftmax', logSoftmax],
  ] as const)('%s along the last axis and along axis 0', (name, f) => {
    const m = tensor([[1000, -1000, 0], [-1000, -1000, -1000], [1000, 1000, 999]]);
    expectFiniteEverywhere(name, (x) => f(x), m);
    expectFiniteEverywhere(`${name} axis 0`, (x) => f(x, 0), m);
    expectFiniteEverywhere(`${name} vector`, (x) => f(x), xs());
  });

  it('softmax and logSoftmax give the exact limits', () => {
    expect([...softmax(tensor([1000, -1000])).data]).toEqual([1, 0]);
    expect([...logSoftmax(tensor([1000, -1000])).data]).toEqual([0, -2000]);
    expect([...softmax(tensor([1000, 1000])).data]).toEqual([0.5, 0.5]);
    const rows = softmax(tensor([[1000, 0, -1000], [5, 5, 5]]));
    expect([...rows.sum(1).data]).toEqual([1, 1]);
  });

  it('softmaxCrossEntropy per sample and reduced, and its exact limits', () => {
    const m = tensor([[1000, -1000, 0], [-1000, -1000, -1000], [1000, 1000, 999]]);
    expectFiniteEverywhere('softmaxCrossEntropy', (x) => softmaxCrossEntropy(x, [1, 2, 2]), m);
    expectFiniteEverywhere('softmaxCrossEntropy mean', (x) => softmaxCrossEntropy(x, [1, 2, 2], { reduction: 'mean' }), m);
    expect([...softmaxCrossEntropy(tensor([[1000, -1000], [1000, 1000], [1e300, 1e300]]), [1, 0, 1]).data]).toEqual([2000, Math.LN2, Math.LN2]);
    // the adjoint softmax − onehot: exactly [−1, 1] at a certain mistake, [−½, ½] at a tie, even at 1e300
    const g = grad((x: Tensor) => softmaxCrossEntropy(x, [1, 0, 1], { reduction: 'sum' }))(tensor([[1000, -1000], [1000, 1000], [1e300, 1e300]]));
    expect([...g.data]).toEqual([1, -1, -0.5, 0.5, 0.5, -0.5]);
  });

  it('softmax and logSoftmax keep full precision for huge inputs (found by this suite: x − logSumExp(x) lost log 2 at 1e16)', () => {
    for (const v of [1e6, 1e16, 1e300, -1e300]) {
      const p = [...softmax(tensor([v, v])).data];
      expect(p).toEqual([0.5, 0.5]);
      expect([...logSoftmax(tensor([v, v])).data]).toEqual([-Math.LN2, -Math.LN2]);
    }
    // the gradient is unchanged by the shift: d/dx Σ w·logSoftmax(x) = w − softmax(x)·Σw
    const g = grad((x: Tensor) => logSoftmax(x).mul(tensor([1, 0])).sum())(tensor([1e16, 1e16]));
    expect([...g.data]).toEqual([0.5, -0.5]);
  });
});

describe('domain edges behave as documented (IEEE values, no throw)', () => {
  const at = (f: (x: Tensor) => Tensor, values: number[]): number[] => [...f(tensor(values)).data];
  const derivative = (f: (x: Tensor) => Tensor, values: number[]): number[] => [...grad((x: Tensor) => f(x).sum())(tensor(values)).data];

  it('log: log(0) = −∞, log(−0) = −∞, log(−1) = NaN, log(∞) = ∞; d/dx at 0 is +∞', () => {
    expect(at(log, [0, -0, -1, Infinity])).toEqual([-Infinity, -Infinity, NaN, Infinity]);
    expect(derivative(log, [0])).toEqual([Infinity]);
    expect(at(log1p, [-1, -2])).toEqual([-Infinity, NaN]);
  });

  it('sqrt: sqrt(0) = 0, sqrt(−1) = NaN; the derivative at 0 is +∞ (1/(2√0)), as documented', () => {
    expect(at(sqrt, [0, -1, 4])).toEqual([0, NaN, 2]);
    expect(derivative(sqrt, [0, 4])).toEqual([Infinity, 0.25]);
    expect(jvp(sqrt, [tensor([0])], [tensor([1])])[1].item()).toBe(Infinity);
  });

  it('pow: 0⁰ = 1 (both the number-exponent and the tensor-exponent op), negative base with fractional exponent = NaN', () => {
    expect(pow(tensor([0]), 0).item()).toBe(1);
    expect(pow(tensor([0]), tensor([0])).item()).toBe(1);
    expect(pow(tensor([-8]), 1 / 3).item()).toBeNaN();
    expect(pow(tensor([-8]), tensor([1 / 3])).item()).toBeNaN();
    expect(pow(tensor([-2]), 3).item()).toBe(-8); // integer exponents of negative bases are fine
    expect(pow(tensor([-2]), tensor([2])).item()).toBe(4);
    expect(pow(tensor([0]), -1).item()).toBe(Infinity);
    expect(pow(tensor([-0]), -1).item()).toBe(-Infinity);
  });

  it('pow derivatives in the base at 0: 0 for exponent 2, +∞ for exponent ½; −4 at −2 for x², tensor exponent too', () => {
    expect(derivative((x) => pow(x, 2), [0])).toEqual([0]);
    expect(derivative((x) => pow(x, 0.5), [0])).toEqual([Infinity]);
    expect(derivative((x) => pow(x, tensor([2])), [-2])).toEqual([-4]);
  });

  // Found by this suite: d/dx x⁰ is 0 everywhere, but the rules computed 0·x⁻¹ = 0·∞ = NaN at x = 0
  // (both the powScalar rule in ops/unary.ts and the pow rule in ops/binary.ts); and d/dy 0^y, 0 for
  // y > 0 (0^y is constantly 0 there), came out as 0^y·ln 0 = 0·(−∞) = NaN. PyTorch and JAX return 0.
  it('pow: d/dx x⁰ is 0 everywhere, x = 0 included, in both modes', () => {
    expect(derivative((x) => pow(x, 0), [0, -0, 2, -3])).toEqual([0, 0, 0, 0]);
    expect(jvp((x: Tensor) => pow(x, 0), [tensor([0])], [tensor([1])])[1].item()).toBe(0);
  });
  it('pow: d/dx x⁰ is 0 with a tensor exponent too, and elsewhere the rule is unchanged', () => {
    expect(derivative((x) => pow(x, tensor([0, 0, 2, 0.5])), [0, 5, 3, 4])).toEqual([0, 0, 6, 0.25]);
    expect(jvp((x: Tensor) => pow(x, tensor([0])), [tensor([0])], [tensor([1])])[1].item()).toBe(0);
  });
  it('pow: d/dy 0^y for y ≥ 0 is 0, not NaN; for y < 0 and for a > 0 it is aʸ·ln a as before', () => {
    const dy = (a: number[], y: number[]) => [...grad((t: Tensor) => pow(tensor(a), t).sum())(tensor(y)).data];
    expect(dy([0, 0, 0], [2, 0.5, 0])).toEqual([0, 0, 0]);
    expect(dy([0], [-1])).toEqual([-Infinity]); // 0⁻¹ = ∞ times ln 0 = −∞
    expect(dy([2, 0.5], [3, 2])).toEqual([8 * Math.log(2), 0.25 * Math.log(0.5)]);
    expect(jvp((t: Tensor) => pow(tensor([0]), t), [tensor([2])], [tensor([1])])[1].item()).toBe(0);
  });

  it('exp overflows to +∞ and underflows to 0 (IEEE), expm1 likewise', () => {
    expect(at(exp, [1000, -1000])).toEqual([Infinity, 0]);
    expect(at(expm1, [1000, -1000])).toEqual([Infinity, -1]);
  });
});

describe('division by zero gives IEEE results, not an exception', () => {
  it('x/0 = ±∞, 0/0 = NaN, x/−0 flips the sign', () => {
    expect([...div(tensor([1, -1, 0, 1]), tensor([0, 0, 0, -0])).data]).toEqual([Infinity, -Infinity, NaN, -Infinity]);
    expect(div(10, tensor([0])).item()).toBe(Infinity);
    expect(div(tensor([3]), 0).item()).toBe(Infinity);
    expect(tensor([2]).div(0).item()).toBe(Infinity);
  });

  it('derivatives through a division by zero are IEEE too', () => {
    // d/da (a/b) = 1/b = ∞ at b = 0; d/db (1/b) = −1/b² = −∞
    expect(grad((a: Tensor) => div(a, tensor([0])).sum())(tensor([1])).item()).toBe(Infinity);
    expect(grad((b: Tensor) => div(1, b).sum())(tensor([0])).item()).toBe(-Infinity);
    expect(jvp((b: Tensor) => div(1, b), [tensor([0])], [tensor([1])])[1].item()).toBe(-Infinity);
  });
});
