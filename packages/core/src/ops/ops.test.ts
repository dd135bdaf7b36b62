/**
 * Forward values and errors of every public op function (the ops/ family files). Expected values are worked
 * out by hand (derivations in comments where they are not obvious). Gradients are checked elsewhere
 * (the registry-driven finite-difference suite in packages/gradcheck).
 */
import {
  ShapeError, Tensor, ValueError,
  acos, acosh, asin, atanh, ceil, floor, isFinite, isInf, isNaN, logaddexp, logCumSumExp, round, trunc, xlogy,
  abs, add, arange, argmax, argmin, asinh, atan, atan2, broadcastTo, clip, concat, cos, cosh, cumprod, cumsum, div, dot, elu, equal, erf, exp,
  expandDims, expm1, eye, flatten, gather, gelu, grad, greater, greaterEqual, hessian, identity, jvp, leakyRelu, less, lessEqual, linear,
  log, log10, log1p, log2, logSoftmax, logSumExp, matmul, matmulWith, max, maximum, mean, min, minimum, mul, neg, norm, notEqual, oneHot,
  ones, outer, pad, pow, prod, reciprocal, relu, reshape, rsqrt, scalar, scatterAdd, sigmoid, sign, silu, sin, sinh, slice, softmax,
  softmaxCrossEntropy, softplus, split, sqrt, square, squeeze, stack, std, stopGradient, sub, sum, tan, tanh, tensor, transpose, variance, where,
  zeros,
} from '@adjoint/core';
import { reluGrad, softmaxCrossEntropyGrad } from '../rule-ops';
import { expectThrows } from '../testing/expect-throws';

type Nested = number | Nested[];

const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);

/**
 * Asserts the shape and every value: NaN matches NaN, ±∞ match exactly, finite values to `digits`
 * decimal places (Jest's toBeCloseTo criterion, so −0 matches 0). Mismatches are listed by index.
 */
function expectTensor(t: Tensor, shape: readonly number[], expected: Nested, digits = 12): void {
  expect(t).toBeInstanceOf(Tensor);
  expect(t.shape).toEqual(shape);
  const want = flat(expected);
  expect(t.size).toBe(want.length);
  const ok = (got: number, e: number): boolean =>
    Number.isNaN(e) ? Number.isNaN(got) : !Number.isFinite(e) ? got === e : Math.abs(got - e) < 10 ** -digits / 2;
  const bad = want.flatMap((e, i) => (ok(t.data[i]!, e) ? [] : [{ index: i, expected: e, got: t.data[i] }]));
  expect(bad).toEqual([]);
}

const tracked = (v: Nested): Tensor => tensor(v as never, { requiresGrad: true });

const M23 = [[1, 2, 3], [4, 5, 6]];

// ─────────────────────────────────────────────────────────────────────────────────────────────────
describe('add', () => {
  it('same shapes', () => {
    expectTensor(add(tensor(M23), tensor([[10, 20, 30], [40, 50, 60]])), [2, 3], [[11, 22, 33], [44, 55, 66]]);
  });

  it('broadcasts [2, 3] + [3] along the rows', () => {
    expectTensor(add(tensor(M23), tensor([10, 20, 30])), [2, 3], [[11, 22, 33], [14, 25, 36]]);
  });

  it('broadcasts [2, 1] + [1, 3] to [2, 3]', () => {
    expectTensor(add(tensor([[1], [2]]), tensor([[10, 20, 30]])), [2, 3], [[11, 21, 31], [12, 22, 32]]);
  });

  it('broadcasts [2, 1, 3] + [2, 1] to [2, 2, 3]', () => {
    // out[i, j, k] = a[i, 0, k] + b[j, 0]
    const a = tensor([[[1, 2, 3]], [[4, 5, 6]]]);
    const b = tensor([[10], [20]]);
    expectTensor(add(a, b), [2, 2, 3], [[[11, 12, 13], [21, 22, 23]], [[14, 15, 16], [24, 25, 26]]]);
  });

  it('a 0-d tensor with a vector', () => {
    expectTensor(add(scalar(5), tensor([1, 2])), [2], [6, 7]);
    expectTensor(add(tensor([1, 2]), scalar(5)), [2], [6, 7]);
  });

  it('a plain number on either side', () => {
    expectTensor(add(tensor([1, 2]), 0.5), [2], [1.5, 2.5]);
    expectTensor(add(0.5, tensor([1, 2])), [2], [1.5, 2.5]);
  });

  it('two numbers give a 0-d tensor', () => {
    expectTensor(add(2, 3), [], 5);
  });

  it('the method form', () => {
    expectTensor(tensor([1, 2]).add(tensor([3, 4])), [2], [4, 6]);
  });

  it('zero-size broadcasting: [0, 3] + [3] is [0, 3]', () => {
    expectTensor(add(zeros([0, 3]), tensor([1, 2, 3])), [0, 3], []);
  });

  it('does not modify its inputs', () => {
    const a = tensor([1, 2]);
    add(a, 1);
    expect(Array.from(a.data)).toEqual([1, 2]);
  });
});

describe('sub', () => {
  it('broadcasts [2, 3] − [3]', () => {
    expectTensor(sub(tensor(M23), tensor([1, 2, 3])), [2, 3], [[0, 0, 0], [3, 3, 3]]);
  });

  it('a number on either side: 10 − t and t − 10', () => {
    expectTensor(sub(10, tensor([1, 2, 3])), [3], [9, 8, 7]);
    expectTensor(sub(tensor([1, 2, 3]), 10), [3], [-9, -8, -7]);
  });

  it('the method form', () => {
    expectTensor(tensor([5]).sub(2), [1], [3]);
  });
});

describe('mul', () => {
  it('broadcasts [2, 1] · [1, 3] to an outer product', () => {
    expectTensor(mul(tensor([[1], [2]]), tensor([[3, 4, 5]])), [2, 3], [[3, 4, 5], [6, 8, 10]]);
  });

  it('a number on either side', () => {
    expectTensor(mul(tensor([1, -2]), 3), [2], [3, -6]);
    expectTensor(mul(3, tensor([1, -2])), [2], [3, -6]);
  });

  it('the method form', () => {
    expectTensor(tensor([2, 3]).mul(tensor([4, 5])), [2], [8, 15]);
  });
});

describe('div', () => {
  it('a number over a tensor: div(10, t)', () => {
    expectTensor(div(10, tensor([1, 2, 4, 5])), [4], [10, 5, 2.5, 2]);
  });

  it('a tensor over a number', () => {
    expectTensor(div(tensor([1, 2, 4, 5]), 2), [4], [0.5, 1, 2, 2.5]);
  });

  it('broadcasts [2, 3] / [3]', () => {
    expectTensor(div(tensor([[2, 4, 6], [3, 6, 9]]), tensor([2, 4, 3])), [2, 3], [[1, 1, 2], [1.5, 1.5, 3]]);
  });

  it('division by zero follows IEEE and does not throw: 1/0 = ∞, −1/0 = −∞, 0/0 = NaN', () => {
    expectTensor(div(1, 0), [], Infinity);
    expectTensor(div(tensor([1, -1, 0]), 0), [3], [Infinity, -Infinity, NaN]);
  });

  it('the method form', () => {
    expectTensor(tensor([9]).div(3), [1], [3]);
  });
});

describe('pow', () => {
  it('a number exponent', () => {
    expectTensor(pow(tensor([1, 2, 3]), 2), [3], [1, 4, 9]);
    expectTensor(pow(tensor([4, 9]), 0.5), [2], [2, 3]);
    expectTensor(pow(tensor([2, 4]), -1), [2], [0.5, 0.25]);
    expectTensor(pow(tensor([2, 4]), -1.5), [2], [Math.SQRT2 / 4, 0.125]); // 2^−1.5 = 1/(2√2) = √2/4
  });

  it('exponent 0 gives 1, even at 0', () => {
    expectTensor(pow(tensor([0, 5, -3]), 0), [3], [1, 1, 1]);
  });

  it('a negative base with a fractional exponent is NaN (IEEE)', () => {
    expectTensor(pow(tensor([-8]), 1 / 3), [1], [NaN]);
  });

  it('1 to any power is 1, ∞ and NaN included, and (−1)^±∞ is 1: C99 and IEEE 754, as NumPy and PyTorch (Math.pow gives NaN)', () => {
    const base = tensor([1, 1, 1, 1, -1, -1]);
    const exponent = tensor([Infinity, -Infinity, NaN, 0.5, Infinity, -Infinity]);
    expect(Array.from(pow(base, exponent).data)).toEqual([1, 1, 1, 1, 1, 1]);
    expect([pow(1, Infinity).item(), pow(1, NaN).item(), pow(-1, -Infinity).item()]).toEqual([1, 1, 1]); // one element: the scalar path
    expect(Array.from(pow(tensor([1, 1, -1]), Infinity).data)).toEqual([1, 1, 1]);
    expect(pow(tensor([1, 1]), NaN).toArray()).toEqual([1, 1]);
    // Their derivatives, as PyTorch's: ∂/∂a = b·aᵇ⁻¹ = ±∞, ∂/∂b = aᵇ·ln a = 0 at a = 1 (NaN at a = −1).
    const [da, db] = grad((a: Tensor, b: Tensor) => pow(a, b).sum(), [0, 1])(tensor([1, 1, -1]), tensor([Infinity, -Infinity, Infinity])) as Tensor[];
    expect(Array.from(da!.data)).toEqual([Infinity, -Infinity, Infinity]);
    expect(Array.from(db!.data)).toEqual([0, 0, NaN]);
  });

  it("second derivatives: aᵇ's Hessian is symmetric at b = 0 (∂²/∂b∂a = 1/a there), and finite at a = 0 where aᵇ is constant", () => {
    const both = (v: Tensor) => pow(v.slice([0], [1]).reshape([]), v.slice([1], [1]).reshape([]));
    const h = hessian(both)(tensor([2, 0])).toArray() as number[][];
    expect(h[0]![0]).toBe(0);
    expect(h[0]![1]).toBeCloseTo(0.5, 15); // d/db (b·aᵇ⁻¹) = aᵇ⁻¹(1 + b ln a) = ½ (PyTorch gives 0 here, and ½ below it)
    expect(h[1]![0]).toBeCloseTo(0.5, 15);
    expect(h[1]![1]).toBeCloseTo(Math.LN2 ** 2, 15);
    const second = (f: (t: Tensor) => Tensor, at: number): number => grad((t: Tensor) => grad(f)(t))(scalar(at)).item();
    expect(second((a) => pow(a, tensor(0)), 0)).toBe(0); // a⁰ = 1 (PyTorch: NaN)
    expect(second((b) => pow(tensor(0), b), 1)).toBe(0); // 0ᵇ = 0 for b > 0 (PyTorch: NaN)
    expect(second((b) => pow(tensor(0), b), 2)).toBe(0);
    expect(second((a) => pow(a, tensor(2)), 0)).toBe(2);
    expect(second((a) => pow(a, tensor(3)), -1)).toBe(-6);
    // The first derivative of a⁰ is 0 at a = NaN too, as with a number exponent (and PyTorch).
    expect(Array.from(grad((a: Tensor) => pow(a, tensor([0, 0])).sum())(tensor([NaN, 0])).data)).toEqual([0, 0]);
    expect(Array.from(grad((a: Tensor) => pow(a, 0).sum())(tensor([NaN, 0])).data)).toEqual([0, 0]);
    // …and at subnormal a, where a⁻¹ overflows (0·∞ would be NaN; PyTorch gives 0), and tiny normal a
    const tiny = tensor([1e-310, 5e-324, -5e-324, 2 ** -1022, 1e-300, 2]);
    expect(Array.from(grad((a: Tensor) => pow(a, tensor([0, 0, 0, 0, 0, 0])).sum())(tiny).data)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('a tensor exponent, elementwise', () => {
    expectTensor(pow(tensor([2, 3, 4]), tensor([3, 2, 0.5])), [3], [8, 9, 2]);
  });

  it('a number base with a tensor exponent', () => {
    expectTensor(pow(2, tensor([0, 1, 10])), [3], [1, 2, 1024]);
  });

  it('broadcasts base [2, 1] against exponent [2]', () => {
    expectTensor(pow(tensor([[2], [3]]), tensor([1, 2])), [2, 2], [[2, 4], [3, 9]]);
  });

  it('two numbers give a 0-d tensor', () => {
    expectTensor(pow(2, 3), [], 8);
  });

  it('the method form, with a number and with a tensor', () => {
    expectTensor(tensor([3]).pow(2), [1], [9]);
    expectTensor(tensor([3]).pow(tensor([3])), [1], [27]);
  });
});

describe('maximum and minimum', () => {
  it('elementwise', () => {
    expectTensor(maximum(tensor([1, 5, 3]), tensor([4, 2, 3])), [3], [4, 5, 3]);
    expectTensor(minimum(tensor([1, 5, 3]), tensor([4, 2, 3])), [3], [1, 2, 3]);
  });

  it('with a number', () => {
    expectTensor(maximum(tensor([-1, 2]), 0), [2], [0, 2]);
    expectTensor(minimum(0, tensor([-1, 2])), [2], [-1, 0]);
  });

  it('broadcast [2, 1] against [3]', () => {
    expectTensor(maximum(tensor([[0], [2]]), tensor([1, 2, 3])), [2, 3], [[1, 2, 3], [2, 2, 3]]);
    expectTensor(minimum(tensor([[0], [2]]), tensor([1, 2, 3])), [2, 3], [[0, 0, 0], [1, 2, 2]]);
  });

  it('NaN propagates (NumPy), from either side', () => {
    expectTensor(maximum(tensor([NaN, 1]), tensor([1, NaN])), [2], [NaN, NaN]);
    expectTensor(minimum(tensor([NaN, 1]), tensor([1, NaN])), [2], [NaN, NaN]);
  });

  it('infinities', () => {
    expectTensor(maximum(tensor([-Infinity]), tensor([-5])), [1], [-5]);
    expectTensor(minimum(tensor([Infinity]), tensor([-5])), [1], [-5]);
  });

  it('the method forms', () => {
    expectTensor(tensor([1, 4]).maximum(2), [2], [2, 4]);
    expectTensor(tensor([1, 4]).minimum(2), [2], [1, 2]);
  });
});

describe('binary ops: errors', () => {
  const ops = { add, sub, mul, div, pow, maximum, minimum, greater, greaterEqual, less, lessEqual, equal, notEqual };

  it.each(Object.entries(ops))('%s: [2, 3] with [4] is a ShapeError naming the op and both shapes', (name, op) => {
    expectThrows(() => op(tensor(M23), zeros([4])), ShapeError, name, '[2, 3]', '[4]');
  });

  it.each(Object.entries(ops))('%s: [2, 3] with [3, 2] is a ShapeError (no silent broadcasting)', (name, op) => {
    expectThrows(() => op(zeros([2, 3]), zeros([3, 2])), ShapeError, name, '[2, 3]', '[3, 2]');
  });

  it('[2, 1, 3] with [4, 1] broadcasts, [2, 2, 3] with [4, 1] does not', () => {
    expect(add(zeros([2, 1, 3]), zeros([4, 1])).shape).toEqual([2, 4, 3]);
    expectThrows(() => add(zeros([2, 2, 3]), zeros([4, 1])), ShapeError, 'add', '[2, 2, 3]', '[4, 1]');
  });

  it('a non-tensor, non-number operand is a ValueError naming the op', () => {
    expectThrows(() => add(tensor([1]), 'a' as never), ValueError, 'add', /string/);
    expectThrows(() => mul(null as never, tensor([1])), ValueError, 'mul', /null/);
    expectThrows(() => pow(tensor([1]), undefined as never), ValueError, 'pow');
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────────
describe('comparisons', () => {
  const a = tensor([1, 2, 3]);
  const b = tensor([2, 2, 2]);

  it('greater', () => expectTensor(greater(a, b), [3], [0, 0, 1]));
  it('greaterEqual', () => expectTensor(greaterEqual(a, b), [3], [0, 1, 1]));
  it('less', () => expectTensor(less(a, b), [3], [1, 0, 0]));
  it('lessEqual', () => expectTensor(lessEqual(a, b), [3], [1, 1, 0]));
  it('equal', () => expectTensor(equal(a, b), [3], [0, 1, 0]));
  it('notEqual', () => expectTensor(notEqual(a, b), [3], [1, 0, 1]));

  it('broadcast [2, 1] against [2]', () => {
    expectTensor(greater(tensor([[1], [3]]), tensor([2, 0])), [2, 2], [[0, 1], [1, 1]]);
  });

  it('a number on either side', () => {
    expectTensor(less(2, tensor([1, 2, 3])), [3], [0, 0, 1]);
    expectTensor(equal(tensor([1, 2, 3]), 2), [3], [0, 1, 0]);
  });

  it('NaN compares false, except notEqual', () => {
    const n = tensor([NaN]);
    expectTensor(equal(n, n), [1], [0]);
    expectTensor(notEqual(n, n), [1], [1]);
    expectTensor(greater(n, 0), [1], [0]);
    expectTensor(lessEqual(n, 0), [1], [0]);
  });

  it('return constants: requiresGrad is false even for tracked inputs', () => {
    const x = tracked([1, 2, 3]);
    for (const r of [greater(x, 1), greaterEqual(x, 1), less(x, 1), lessEqual(x, 1), equal(x, 1), notEqual(x, 1)]) {
      expect(r.requiresGrad).toBe(false);
      expect(r.isLeaf).toBe(true);
    }
  });

  it('the method forms', () => {
    expectTensor(a.greater(b), [3], [0, 0, 1]);
    expectTensor(a.greaterEqual(b), [3], [0, 1, 1]);
    expectTensor(a.less(b), [3], [1, 0, 0]);
    expectTensor(a.lessEqual(b), [3], [1, 1, 0]);
    expectTensor(a.equal(b), [3], [0, 1, 0]);
    expectTensor(a.notEqual(b), [3], [1, 0, 1]);
  });
});

describe('sign', () => {
  it('is −1, 0 or 1', () => {
    expectTensor(sign(tensor([-2, 0, 3, -0.5, Infinity])), [5], [-1, 0, 1, -1, 1]);
  });

  it('is +0 at −0, as NumPy and PyTorch (Math.sign gives −0), so abs′(±0) is +0 too', () => {
    expect(Object.is(sign(tensor([-0, 1])).data[0], 0)).toBe(true);
    expect(Object.is(sign(-0).item(), 0)).toBe(true);
    expect(Array.from(grad((t: Tensor) => abs(t).sum())(tensor([-0, 0])).data).map((v) => Object.is(v, 0))).toEqual([true, true]);
  });

  it('NaN stays NaN', () => {
    expectTensor(sign(tensor([NaN])), [1], [NaN]);
  });

  it('has no gradient: requiresGrad is false for a tracked input', () => {
    expect(sign(tracked([1, -1])).requiresGrad).toBe(false);
    expect(tracked([1]).sign().requiresGrad).toBe(false);
  });

  it('accepts a number', () => {
    expectTensor(sign(-4), [], -1);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────────
describe('unary ops', () => {
  it('neg', () => {
    expectTensor(neg(tensor([1, -2, 0])), [3], [-1, 2, 0]);
    expectTensor(tensor([[3]]).neg(), [1, 1], [[-3]]);
  });

  it('exp', () => {
    expectTensor(exp(tensor([0, 1, -1])), [3], [1, Math.E, 1 / Math.E]);
    expectTensor(exp(tensor([-Infinity, 1000])), [2], [0, Infinity]);
  });

  it('log, with IEEE results: log 0 = −∞, log(−1) = NaN, no throw', () => {
    expectTensor(log(tensor([1, Math.E, 0.5])), [3], [0, 1, -Math.LN2]);
    expectTensor(log(0), [], -Infinity);
    expectTensor(log(-1), [], NaN);
  });

  it('log1p is accurate near 0: log1p(1e-10) = 1e-10 − 5e-21 + …', () => {
    expectTensor(log1p(tensor([0, 1, -1])), [3], [0, Math.LN2, -Infinity]);
    // ln(1 + 1e-10) computed naively has a relative error ≈ 8e-8; log1p keeps it to rounding.
    expect(log1p(1e-10).item() / 1e-10).toBeCloseTo(1 - 5e-11, 15);
  });

  it('expm1 is accurate near 0: expm1(1e-10) = 1e-10 + 5e-21 + …', () => {
    expectTensor(expm1(tensor([0, 1, -Infinity])), [3], [0, Math.E - 1, -1]);
    expect(expm1(1e-10).item() / 1e-10).toBeCloseTo(1 + 5e-11, 15);
  });

  it("expm1's derivative is eˣ to full precision for x ≪ 0, where out + 1 would cancel (0 from x = −37 on)", () => {
    const xs = [-20, -40, -700, 3];
    const g = grad((t: Tensor) => expm1(t).sum())(tensor(xs));
    g.data.forEach((v, i) => expect(Math.abs(v / Math.exp(xs[i]!) - 1)).toBeLessThan(4e-16));
    expect(Math.abs(grad((t: Tensor) => expm1(t))(scalar(-40)).item() / Math.exp(-40) - 1)).toBeLessThan(4e-16); // the scalar path
  });

  it('sqrt (NaN below 0)', () => {
    expectTensor(sqrt(tensor([0, 4, 2, 0.25])), [4], [0, 2, Math.SQRT2, 0.5]);
    expectTensor(sqrt(-1), [], NaN);
  });

  it('square', () => {
    expectTensor(square(tensor([-3, 0.5, 0])), [3], [9, 0.25, 0]);
  });

  it('abs', () => {
    expectTensor(abs(tensor([-3, 2, -0.5, -Infinity])), [4], [3, 2, 0.5, Infinity]);
  });

  it('sin', () => {
    expectTensor(sin(tensor([0, Math.PI / 2, Math.PI / 6, -Math.PI / 2])), [4], [0, 1, 0.5, -1]);
  });

  it('cos', () => {
    expectTensor(cos(tensor([0, Math.PI, Math.PI / 3])), [3], [1, -1, 0.5]);
  });

  it('tan', () => {
    expectTensor(tan(tensor([0, Math.PI / 4, -Math.PI / 4])), [3], [0, 1, -1]);
  });

  it('tanh: tanh 1 = (e² − 1)/(e² + 1), saturating to ±1', () => {
    const e2 = Math.E * Math.E;
    expectTensor(tanh(tensor([0, 1, -1000, 1000])), [4], [0, (e2 - 1) / (e2 + 1), -1, 1]);
  });

  it('sigmoid: σ(0) = ½, σ(2) = 1/(1 + e⁻²)', () => {
    expectTensor(sigmoid(tensor([0, 2, -2])), [3], [0.5, 1 / (1 + Math.exp(-2)), 1 - 1 / (1 + Math.exp(-2))]);
  });

  it('sigmoid at ±1000 is finite: exactly 1 and 0', () => {
    const s = sigmoid(tensor([1000, -1000]));
    expect(Array.from(s.data).every(Number.isFinite)).toBe(true);
    expectTensor(s, [2], [1, 0]);
  });

  it('sigmoid is accurate in the far negative tail: σ(−50) = e⁻⁵⁰/(1 + e⁻⁵⁰)', () => {
    // 1/(1 + e⁵⁰) computed naively is fine too; the point is that it is not 0 or NaN.
    expect(sigmoid(-50).item() / Math.exp(-50)).toBeCloseTo(1, 12);
  });

  it('relu', () => {
    expectTensor(relu(tensor([-1, 0, 2, -Infinity, Infinity])), [5], [0, 0, 2, 0, Infinity]);
  });

  it('relu gives +0, never −0, for every input not above 0 (−0, negatives, −∞), on long inputs too', () => {
    const inputs = [-0, 0, -1, -1e-300, -Number.MAX_VALUE, -Infinity, 5e-324, 3, Infinity];
    const long = Array.from({ length: 50 }, (_, i) => inputs[i % inputs.length]!);
    const out = Array.from(relu(tensor(long)).data);
    expect(out.map((v) => Object.is(v, 0) || v > 0)).toEqual(long.map(() => true));
    expect(out).toEqual(long.map((v) => (v > 0 ? v : 0)));
  });

  it('relu(NaN) is NaN', () => {
    expectTensor(relu(tensor([NaN])), [1], [NaN]);
  });

  it('NaN propagates through the other unary ops', () => {
    const n = tensor([NaN]);
    for (const f of [neg, exp, log, log1p, expm1, sqrt, square, abs, sin, cos, tan, tanh, sigmoid, softplus]) {
      expectTensor(f(n), [1], [NaN]);
    }
    expectTensor(leakyRelu(n), [1], [NaN]);
    expectTensor(elu(n), [1], [NaN]);
  });

  it('leakyRelu with the default alpha 0.01', () => {
    expectTensor(leakyRelu(tensor([-2, 0, 3])), [3], [-0.02, 0, 3]);
    expectTensor(tensor([-100]).leakyRelu(), [1], [-1]);
  });

  it('leakyRelu with alpha 0.2', () => {
    expectTensor(leakyRelu(tensor([-2, 0, 3]), 0.2), [3], [-0.4, 0, 3]);
    expectTensor(tensor([-2]).leakyRelu(0.2), [1], [-0.4]);
  });

  it('elu with the default alpha 1: elu(−1) = e⁻¹ − 1', () => {
    expectTensor(elu(tensor([-1, 0, 2])), [3], [Math.exp(-1) - 1, 0, 2]);
  });

  it('elu with alpha 2, saturating at −alpha', () => {
    expectTensor(elu(tensor([-1, 2, -1000]), 2), [3], [2 * (Math.exp(-1) - 1), 2, -2]);
    expectTensor(tensor([-1000]).elu(0.5), [1], [-0.5]);
  });

  it("elu's derivative below 0 is α·eˣ to full precision, where out + α would cancel (PyTorch's value)", () => {
    const x = tensor([-20, -40, -700, -1000, -1e-8]);
    const g = grad((t: Tensor) => elu(t, 2).sum())(x);
    const want = [-20, -40, -700, -1000, -1e-8].map((v) => 2 * Math.exp(v)); // 0 at −1000, where eˣ underflows
    g.data.forEach((v, i) => expect(v === want[i] || Math.abs(v / want[i]! - 1) < 4e-16).toBe(true));
    const second = grad((t: Tensor) => grad((u: Tensor) => elu(u, 2).sum())(t).sum())(tensor([-20]));
    expect(Math.abs(second.item() / (2 * Math.exp(-20)) - 1)).toBeLessThan(4e-16);
  });

  it('softplus: ln 2 at 0, ln(1 + e) at 1', () => {
    expectTensor(softplus(tensor([0, 1])), [2], [Math.LN2, Math.log(1 + Math.E)]);
  });

  it('softplus(1000) = 1000 and softplus(−1000) ≈ 0, both finite', () => {
    const s = softplus(tensor([1000, -1000]));
    expect(Array.from(s.data).every(Number.isFinite)).toBe(true);
    expectTensor(s, [2], [1000, 0]);
    expect(s.data[1]).toBeGreaterThanOrEqual(0);
  });

  it('softplus is accurate in the tails: softplus(−30) ≈ e⁻³⁰, softplus(30) ≈ 30 + e⁻³⁰', () => {
    expect(softplus(-30).item() / Math.exp(-30)).toBeCloseTo(1, 12);
    expect(softplus(30).item()).toBeCloseTo(30, 12);
  });

  it('clip limits to [lo, hi]', () => {
    expectTensor(clip(tensor([-2, -0.5, 0, 0.5, 2]), -1, 1), [5], [-1, -0.5, 0, 0.5, 1]);
    expectTensor(tensor([-2, 5]).clip(0, 3), [2], [0, 3]);
  });

  it('clip with lo = hi gives that value; NaN stays NaN', () => {
    expectTensor(clip(tensor([-1, 3]), 2, 2), [2], [2, 2]);
    expectTensor(clip(tensor([NaN]), 0, 1), [1], [NaN]);
  });

  it('clip with lo > hi is a ValueError naming clip and both bounds', () => {
    expectThrows(() => clip(tensor([1]), 1, 0), ValueError, 'clip', /1/, /0/);
    expectThrows(() => clip(tensor([1]), NaN, 0), ValueError, 'clip', /NaN/);
  });

  it('leakyRelu and elu reject a non-finite alpha with a ValueError naming the op', () => {
    expectThrows(() => leakyRelu(tensor([1]), NaN), ValueError, 'leakyRelu', /alpha/);
    expectThrows(() => elu(tensor([1]), Infinity), ValueError, 'elu', /alpha/);
  });

  it('unary ops keep the shape, including 0-d and zero-size', () => {
    expectTensor(exp(scalar(0)), [], 1);
    expectTensor(tanh(zeros([2, 0])), [2, 0], []);
  });

  it('accept plain numbers', () => {
    expectTensor(square(3), [], 9);
    expectTensor(abs(-2), [], 2);
  });

  it('the method forms', () => {
    const x = tensor([0.5]);
    expectTensor(x.exp(), [1], [Math.exp(0.5)]);
    expectTensor(x.log(), [1], [-Math.LN2]);
    expectTensor(x.log1p(), [1], [Math.log(1.5)]);
    expectTensor(x.expm1(), [1], [Math.exp(0.5) - 1]);
    expectTensor(x.sqrt(), [1], [Math.SQRT1_2]);
    expectTensor(x.square(), [1], [0.25]);
    expectTensor(tensor([-0.5]).abs(), [1], [0.5]);
    expectTensor(x.sin(), [1], [Math.sin(0.5)]);
    expectTensor(x.cos(), [1], [Math.cos(0.5)]);
    expectTensor(x.tan(), [1], [Math.sin(0.5) / Math.cos(0.5)]);
    expectTensor(x.tanh(), [1], [(Math.E - 1) / (Math.E + 1)]); // tanh ½ = (e − 1)/(e + 1)
    expectTensor(x.sigmoid(), [1], [1 / (1 + Math.exp(-0.5))]);
    expectTensor(tensor([-0.5]).relu(), [1], [0]);
    expectTensor(x.softplus(), [1], [Math.log(1 + Math.exp(0.5))]);
  });
});

/** The value of a 0-d result, for tests of signed zeros (expectTensor treats −0 and 0 alike). */
const valueOf = (t: Tensor): number => t.item();

describe('erf, gelu and silu', () => {
  it('erf at the values of Abramowitz & Stegun, Table 7.1 (15 decimals)', () => {
    expectTensor(erf(tensor([0.5, 1, 2])), [3], [0.520499877813047, 0.842700792949715, 0.995322265018953], 14);
  });

  it('erf is odd, exactly; erf(−0) = −0, erf(±∞) = ±1, NaN stays NaN', () => {
    const x = tensor([0.1, 0.75, 1.1, 1.25, 2.5, 5.9]);
    expect(Array.from(erf(neg(x)).data)).toEqual(Array.from(erf(x).data, (v) => -v));
    expect(Object.is(valueOf(erf(-0)), -0)).toBe(true);
    expect(Object.is(valueOf(erf(0)), 0)).toBe(true);
    expectTensor(erf(tensor([Infinity, -Infinity, NaN])), [3], [1, -1, NaN]);
  });

  it('erf is exactly ±1 from |x| = 6 on, where 1 − erfc x rounds to 1 (erfc 6 ≈ 2·10⁻¹⁷), and below 1 before', () => {
    expect(Array.from(erf(tensor([6, -6, 1e300])).data)).toEqual([1, -1, 1]);
    expect(erf(5.5).item()).toBeLessThan(1); // erfc 5.5 ≈ 7.4·10⁻¹⁵
  });

  it('erf near 0 is (2/√π)·x to double precision: erf(1e-10) = 1.1283791670955126e-10', () => {
    expect(erf(1e-10).item()).toBe(1.1283791670955126e-10);
  });

  it('gelu: x·Φ(x), Φ(1) = 0.841344746068543 (A&S Table 26.1), so gelu(1) = Φ(1) and gelu(−1) = −(1 − Φ(1))', () => {
    expectTensor(gelu(tensor([1, -1, 0, 3])), [4], [0.841344746068543, -0.158655253931457, 0, 3 * 0.998650101968370], 14);
  });

  it('gelu keeps its relative accuracy in the left tail: gelu(−10) = −10·Φ(−10) = −7.619853024160526e-23', () => {
    // ½x(1 + erf(x/√2)) would give −0 here: 1 + erf(−7.07) cancels to 0.
    expect(gelu(-10).item() / -7.619853024160526e-23).toBeCloseTo(1, 12);
  });

  it('gelu(−∞) is −0 (the limit; PyTorch gives NaN), gelu(∞) = ∞, NaN stays NaN', () => {
    expect(Object.is(valueOf(gelu(-Infinity)), -0)).toBe(true);
    expect(Object.is(valueOf(gelu(-Infinity, { approximate: 'tanh' })), -0)).toBe(true);
    expectTensor(gelu(tensor([Infinity, NaN])), [2], [Infinity, NaN]);
    expectTensor(gelu(tensor([Infinity, NaN]), { approximate: 'tanh' }), [2], [Infinity, NaN]);
  });

  it("gelu's tanh approximation ½x(1 + tanh(√(2/π)(x + 0.044715x³))) at 1, −1 and 2", () => {
    // √(2/π)·(1 + 0.044715) = 0.833563…, tanh of it 0.682383…, ½(1 + 0.682383…) = 0.841191…
    expectTensor(gelu(tensor([1, -1, 2]), { approximate: 'tanh' }), [3], [0.8411919906082767, -0.15880800939172330, 1.9545976940877750], 14);
    expectTensor(gelu(tensor([1]), { approximate: 'none' }), [1], [0.841344746068543], 14);
  });

  it('gelu refuses an unknown form, an unknown option and options that are not an object, naming gelu', () => {
    expectThrows(() => gelu(tensor([1]), { approximate: 'exact' } as never), ValueError, /^gelu: approximate must be 'none' or 'tanh', got "exact"$/);
    expectThrows(() => gelu(tensor([1]), { aproximate: 'tanh' } as never), ValueError, /^gelu: unknown option 'aproximate'; the options are approximate$/);
    expectThrows(() => gelu(tensor([1]), null as never), ValueError, /^gelu: options must be an object, got null$/);
    expectThrows(() => gelu(tensor([1]), { approximate: null } as never), ValueError, /^gelu: approximate must be/);
  });

  it('silu: x·σ(x), silu(1) = 1/(1 + e⁻¹), silu(−1) = −1/(1 + e)', () => {
    expectTensor(silu(tensor([1, -1, 0, 2])), [4], [1 / (1 + Math.exp(-1)), -1 / (1 + Math.E), 0, 2 / (1 + Math.exp(-2))]);
  });

  it('silu at the extremes: x at +∞ and 1000, −0 at −1000 and −∞ (the limit; x/(1 + e⁻ˣ) gives NaN at −∞)', () => {
    expectTensor(silu(tensor([Infinity, 1000, NaN])), [3], [Infinity, 1000, NaN]);
    expect(Object.is(valueOf(silu(-1000)), -0)).toBe(true);
    expect(Object.is(valueOf(silu(-Infinity)), -0)).toBe(true);
  });

  it('gelu and silu have their limits as derivatives at ±∞ (0 and 1), and gelu\'s tanh form a finite one at any finite x', () => {
    const x = tensor([-Infinity, -1e308, -1e160, 1e160, 1e308, Infinity]);
    for (const f of [(t: Tensor) => gelu(t), (t: Tensor) => gelu(t, { approximate: 'tanh' }), silu]) {
      expect(Array.from(grad((t: Tensor) => f(t).sum())(x).data)).toEqual([0, 0, 0, 1, 1, 1]);
      const [, tangent] = jvp(f, [x], [ones([6])]);
      expect(Array.from(tangent.data)).toEqual([0, 0, 0, 1, 1, 1]);
    }
  });
});

describe('sinh, cosh, asinh, atan, log2, log10, reciprocal, rsqrt', () => {
  const e = Math.E;

  it('sinh: (e − 1/e)/2 at 1, odd, ±∞ at ±∞, −0 at −0', () => {
    expectTensor(sinh(tensor([1, -1, 0, Infinity, -Infinity])), [5], [(e - 1 / e) / 2, -(e - 1 / e) / 2, 0, Infinity, -Infinity]);
    expect(Object.is(valueOf(sinh(-0)), -0)).toBe(true);
  });

  it('cosh: (e + 1/e)/2 at ±1, 1 at 0, ∞ at ±∞ and overflowing to ∞ at 1000', () => {
    expectTensor(cosh(tensor([1, -1, 0, Infinity, -Infinity, 1000])), [6], [(e + 1 / e) / 2, (e + 1 / e) / 2, 1, Infinity, Infinity, Infinity]);
  });

  it('asinh: ln(1 + √2) at 1, the inverse of sinh, ±∞ at ±∞, −0 at −0', () => {
    expectTensor(asinh(tensor([1, -1, 0, Infinity, -Infinity])), [5], [Math.log(1 + Math.SQRT2), -Math.log(1 + Math.SQRT2), 0, Infinity, -Infinity]);
    expectTensor(asinh(sinh(tensor([0.5, -2]))), [2], [0.5, -2]);
    expect(Object.is(valueOf(asinh(-0)), -0)).toBe(true);
  });

  it('atan: π/4 at 1, ±π/2 at ±∞, −0 at −0', () => {
    expectTensor(atan(tensor([1, -1, Math.sqrt(3), Infinity, -Infinity])), [5], [Math.PI / 4, -Math.PI / 4, Math.PI / 3, Math.PI / 2, -Math.PI / 2]);
    expect(Object.is(valueOf(atan(-0)), -0)).toBe(true);
  });

  it('log2 and log10: exact at powers of their base; −∞ at 0, NaN below 0, ∞ at ∞', () => {
    expectTensor(log2(tensor([8, 0.5, 1, 0, -1, Infinity])), [6], [3, -1, 0, -Infinity, NaN, Infinity]);
    expectTensor(log10(tensor([1000, 0.01, 1, 0, -1, Infinity])), [6], [3, -2, 0, -Infinity, NaN, Infinity]);
    expect(log2(2 ** 40).item()).toBe(40);
    expect(log10(1e22).item()).toBe(22);
  });

  it('reciprocal: 1/x, with ±∞ at ±0 and ±0 at ±∞ (IEEE division)', () => {
    expectTensor(reciprocal(tensor([4, -0.5, 0, -0, Infinity])), [5], [0.25, -2, Infinity, -Infinity, 0]);
    expect(Object.is(valueOf(reciprocal(-Infinity)), -0)).toBe(true);
  });

  it('rsqrt: 1/√x, ∞ at 0, −∞ at −0 (as PyTorch), NaN below 0, 0 at ∞', () => {
    expectTensor(rsqrt(tensor([4, 0.25, 2, 0, -0, -1, Infinity])), [7], [0.5, 2, Math.SQRT1_2, Infinity, -Infinity, NaN, 0]);
  });

  it('NaN propagates through all of them', () => {
    for (const f of [erf, silu, sinh, cosh, asinh, atan, log2, log10, reciprocal, rsqrt, (x: Tensor) => gelu(x)]) {
      expectTensor(f(tensor([NaN])), [1], [NaN]);
    }
  });

  it('keep the shape, zero-size and 0-d included, and accept plain numbers', () => {
    expectTensor(erf(zeros([2, 0])), [2, 0], []);
    expectTensor(sinh(scalar(0)), [], 0);
    expectTensor(log2(4), [], 2);
  });

  it('the method forms', () => {
    const x = tensor([0.5]);
    expectTensor(x.erf(), [1], [0.520499877813047], 14);
    expectTensor(x.gelu(), [1], [0.5 * 0.691462461274013], 14); // Φ(½) = 0.691462461274013
    expectTensor(x.gelu({ approximate: 'tanh' }), [1], [gelu(x, { approximate: 'tanh' }).item()], 15);
    expectTensor(x.silu(), [1], [0.5 / (1 + Math.exp(-0.5))]);
    expectTensor(x.sinh(), [1], [(Math.exp(0.5) - Math.exp(-0.5)) / 2]);
    expectTensor(x.cosh(), [1], [(Math.exp(0.5) + Math.exp(-0.5)) / 2]);
    expectTensor(x.asinh(), [1], [Math.log(0.5 + Math.sqrt(1.25))]);
    expectTensor(tensor([1]).atan(), [1], [Math.PI / 4]);
    expectTensor(x.log2(), [1], [-1]);
    expectTensor(tensor([100]).log10(), [1], [2]);
    expectTensor(x.reciprocal(), [1], [2]);
    expectTensor(tensor([0.25]).rsqrt(), [1], [2]);
  });

  it('their derivatives by hand at one point each', () => {
    const at = (f: (x: Tensor) => Tensor, v: number): number => grad((x: Tensor) => f(x))(scalar(v)).item();
    expect(at(erf, 1)).toBeCloseTo((2 / Math.sqrt(Math.PI)) * Math.exp(-1), 15);
    expect(at((x) => gelu(x), 1)).toBeCloseTo(0.841344746068543 + Math.exp(-0.5) / Math.sqrt(2 * Math.PI), 14); // Φ(1) + φ(1)
    expect(at(silu, 0)).toBeCloseTo(0.5, 15); // σ(0)·(1 + 0)
    expect(at(sinh, 1)).toBeCloseTo((e + 1 / e) / 2, 15);
    expect(at(cosh, 1)).toBeCloseTo((e - 1 / e) / 2, 15);
    expect(at(asinh, 1)).toBeCloseTo(Math.SQRT1_2, 15);
    expect(at(atan, 1)).toBeCloseTo(0.5, 15);
    expect(at(log2, 2)).toBeCloseTo(1 / (2 * Math.LN2), 15);
    expect(at(log10, 10)).toBeCloseTo(1 / (10 * Math.LN10), 15);
    expect(at(reciprocal, 2)).toBeCloseTo(-0.25, 15);
    expect(at(rsqrt, 4)).toBeCloseTo(-1 / 16, 15); // −½·4^{−3/2}
  });
});

describe('atan2', () => {
  const pi = Math.PI;

  it('the four quadrants, y first', () => {
    expectTensor(atan2(tensor([1, 1, -1, -1]), tensor([1, -1, -1, 1])), [4], [pi / 4, (3 * pi) / 4, (-3 * pi) / 4, -pi / 4]);
  });

  it('the axes: ±π/2 on the y axis, 0 and π on the x axis, −π below the negative x axis (y = −0)', () => {
    expectTensor(atan2(tensor([1, -1, 0, 0]), tensor([0, 0, 1, -1])), [4], [pi / 2, -pi / 2, 0, pi]);
    expect(valueOf(atan2(-0, -1))).toBe(-pi);
  });

  it('signed zeros as IEEE 754 (and Math.atan2): ±0 with +0 gives ±0, with −0 gives ±π', () => {
    expect(Object.is(valueOf(atan2(0, 0)), 0)).toBe(true);
    expect(Object.is(valueOf(atan2(-0, 0)), -0)).toBe(true);
    expect(valueOf(atan2(0, -0))).toBe(pi);
    expect(valueOf(atan2(-0, -0))).toBe(-pi);
    expect(Object.is(valueOf(atan2(-0, 5)), -0)).toBe(true);
  });

  it('infinities: the diagonals at (±∞, ±∞), 0 or ±π for a finite y against x = ±∞, ±π/2 for y = ±∞', () => {
    expectTensor(atan2(tensor([Infinity, Infinity, -Infinity, -Infinity]), tensor([Infinity, -Infinity, Infinity, -Infinity])), [4], [pi / 4, (3 * pi) / 4, -pi / 4, (-3 * pi) / 4]);
    expectTensor(atan2(tensor([1, 1, -1, Infinity, -Infinity]), tensor([Infinity, -Infinity, -Infinity, 1, 1])), [5], [0, pi, -pi, pi / 2, -pi / 2]);
  });

  it('NaN on either side gives NaN', () => {
    expectTensor(atan2(tensor([NaN, 1]), tensor([1, NaN])), [2], [NaN, NaN]);
  });

  it('broadcasts y [2, 1] against x [3], takes plain numbers, and has the method form y.atan2(x)', () => {
    expectTensor(atan2(tensor([[1], [-1]]), tensor([1, 0, -1])), [2, 3], [[pi / 4, pi / 2, (3 * pi) / 4], [-pi / 4, -pi / 2, (-3 * pi) / 4]]);
    expectTensor(atan2(1, tensor([1])), [1], [pi / 4]);
    expectTensor(tensor([-1]).atan2(-1), [1], [(-3 * pi) / 4]);
  });

  it('shapes that do not broadcast are a ShapeError naming atan2 and both shapes', () => {
    expectThrows(() => atan2(tensor([1, 2]), tensor([1, 2, 3])), ShapeError, /^atan2: /, '[2]', '[3]');
  });

  it('the partial derivatives by hand: at (y, x) = (1, 2), ∂/∂y = x/(x² + y²) = 2/5 and ∂/∂x = −y/(x² + y²) = −1/5', () => {
    const [dy, dx] = grad((y: Tensor, x: Tensor) => atan2(y, x), [0, 1])(scalar(1), scalar(2)) as Tensor[];
    expect(dy!.item()).toBeCloseTo(0.4, 15);
    expect(dx!.item()).toBeCloseTo(-0.2, 15);
  });
});

describe('where', () => {
  it('picks from a where cond is nonzero, else from b', () => {
    expectTensor(where(tensor([1, 0, 1]), tensor([1, 2, 3]), tensor([10, 20, 30])), [3], [1, 20, 3]);
  });

  it('any nonzero condition counts as true', () => {
    expectTensor(where(tensor([2, -1, 0.5, 0]), 1, 0), [4], [1, 1, 1, 0]);
  });

  it('the method form cond.where(a, b): the tensor is the condition', () => {
    expectTensor(tensor([1, 0, 1]).where(tensor([1, 2, 3]), 0), [3], [1, 0, 3]);
  });

  it('broadcasts all three: cond [2, 1], a [3], b a number', () => {
    expectTensor(where(tensor([[1], [0]]), tensor([1, 2, 3]), -1), [2, 3], [[1, 2, 3], [-1, -1, -1]]);
  });

  it('broadcasts cond [3] against a [2, 1] and b [2, 3]', () => {
    const out = where(tensor([1, 0, 1]), tensor([[7], [8]]), tensor([[0, 1, 2], [3, 4, 5]]));
    expectTensor(out, [2, 3], [[7, 1, 7], [8, 4, 8]]);
  });

  it('with a comparison as the condition: relu by hand', () => {
    const x = tensor([-1, 2, -3, 4]);
    expectTensor(where(greater(x, 0), x, 0), [4], [0, 2, 0, 4]);
  });

  it('incompatible shapes are a ShapeError naming where and the shapes', () => {
    expectThrows(() => where(tensor([1, 0]), tensor([1, 2, 3]), 0), ShapeError, 'where', '[2]', '[3]');
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────────
describe('reductions: sum', () => {
  const x = tensor(M23);

  it('over everything (axis undefined) gives a 0-d tensor', () => {
    expectTensor(sum(x), [], 21);
  });

  it('axis 0 and axis 1', () => {
    expectTensor(sum(x, 0), [3], [5, 7, 9]);
    expectTensor(sum(x, 1), [2], [6, 15]);
  });

  it('negative axes count from the end', () => {
    expectTensor(sum(x, -1), [2], [6, 15]);
    expectTensor(sum(x, -2), [3], [5, 7, 9]);
  });

  it('a list of axes', () => {
    expectTensor(sum(x, [0, 1]), [], 21);
    expectTensor(sum(x, [1, 0]), [], 21);
    expectTensor(sum(x, [-1]), [2], [6, 15]);
  });

  it('keepDims keeps reduced axes as 1', () => {
    expectTensor(sum(x, 0, true), [1, 3], [[5, 7, 9]]);
    expectTensor(sum(x, 1, true), [2, 1], [[6], [15]]);
    expectTensor(sum(x, undefined, true), [1, 1], [[21]]);
    expectTensor(sum(x, [0, 1], true), [1, 1], [[21]]);
  });

  it('a 3-D tensor over axes [0, 2]', () => {
    // x[i, j, k] = 12i + 4j + k; Σ over i ∈ {0, 1}, k ∈ {0…3} = 8·4j + (4·0 + 4·12) + 2·(0+1+2+3) = 32j + 60.
    const y = arange(24).reshape([2, 3, 4]);
    expectTensor(sum(y, [0, 2]), [3], [60, 92, 124]);
    expectTensor(sum(y, [0, -1], true), [1, 3, 1], [[[60], [92], [124]]]);
  });

  it('a 0-d tensor sums to itself; an empty tensor sums to 0', () => {
    expectTensor(sum(scalar(4)), [], 4);
    expectTensor(sum(zeros([0])), [], 0);
    expectTensor(sum(zeros([2, 0]), 1), [2], [0, 0]);
  });

  it('the method form', () => {
    expectTensor(x.sum(0, true), [1, 3], [[5, 7, 9]]);
  });
});

describe('reductions: mean', () => {
  const x = tensor(M23);

  it('over everything', () => {
    expectTensor(mean(x), [], 3.5);
  });

  it('along an axis, negative axis, keepDims', () => {
    expectTensor(mean(x, 0), [3], [2.5, 3.5, 4.5]);
    expectTensor(mean(x, 1), [2], [2, 5]);
    expectTensor(mean(x, -1, true), [2, 1], [[2], [5]]);
  });

  it('a list of axes divides by the product of their sizes', () => {
    expectTensor(mean(x, [0, 1]), [], 3.5);
    // 3-D [2, 3, 4] over [0, 2]: (32j + 60) / 8
    expectTensor(mean(arange(24).reshape([2, 3, 4]), [0, 2]), [3], [7.5, 11.5, 15.5]);
  });

  it('the method form', () => {
    expectTensor(x.mean(1), [2], [2, 5]);
  });
});

describe('reductions: max and min', () => {
  const z = tensor([[3, -1, 2], [-5, 4, 0]]);

  it('over everything', () => {
    expectTensor(max(z), [], 4);
    expectTensor(min(z), [], -5);
  });

  it('along axis 0 and axis 1', () => {
    expectTensor(max(z, 0), [3], [3, 4, 2]);
    expectTensor(max(z, 1), [2], [3, 4]);
    expectTensor(min(z, 0), [3], [-5, -1, 0]);
    expectTensor(min(z, 1), [2], [-1, -5]);
  });

  it('negative axes, lists and keepDims', () => {
    expectTensor(max(z, -1, true), [2, 1], [[3], [4]]);
    expectTensor(min(z, -2, true), [1, 3], [[-5, -1, 0]]);
    expectTensor(max(z, [0, 1]), [], 4);
    expectTensor(min(z, undefined, true), [1, 1], [[-5]]);
  });

  it('NaN propagates (NumPy)', () => {
    expectTensor(max(tensor([1, NaN, 3])), [], NaN);
    expectTensor(min(tensor([[1, 2], [NaN, 0]]), 1), [2], [1, NaN]);
  });

  it('infinite values', () => {
    expectTensor(max(tensor([-Infinity, -Infinity])), [], -Infinity);
    expectTensor(min(tensor([Infinity, 7])), [], 7);
  });

  it('the method forms', () => {
    expectTensor(z.max(0), [3], [3, 4, 2]);
    expectTensor(z.min(1), [2], [-1, -5]);
  });
});

describe('reductions: logSumExp', () => {
  it('log(e⁰ + e^ln3) = ln 4', () => {
    expectTensor(logSumExp(tensor([0, Math.log(3)])), [], Math.log(4));
  });

  it('[1000, 1000] gives 1000 + ln 2 without overflow', () => {
    expectTensor(logSumExp(tensor([1000, 1000])), [], 1000 + Math.LN2);
  });

  it('[−1000, −1000] gives −1000 + ln 2 without underflow', () => {
    expectTensor(logSumExp(tensor([-1000, -1000])), [], -1000 + Math.LN2);
  });

  it('[−∞, −∞] gives −∞ (not NaN)', () => {
    expectTensor(logSumExp(tensor([-Infinity, -Infinity])), [], -Infinity);
  });

  it('−∞ entries contribute nothing: [−∞, 0] gives 0', () => {
    expectTensor(logSumExp(tensor([-Infinity, 0])), [], 0);
  });

  it('+∞ gives +∞; NaN gives NaN', () => {
    expectTensor(logSumExp(tensor([Infinity, 0])), [], Infinity);
    expectTensor(logSumExp(tensor([NaN, 0])), [], NaN);
  });

  it('along an axis, with keepDims', () => {
    const x = tensor([[0, 0], [1, 1]]);
    expectTensor(logSumExp(x, 1), [2], [Math.LN2, 1 + Math.LN2]);
    expectTensor(logSumExp(x, -1, true), [2, 1], [[Math.LN2], [1 + Math.LN2]]);
    // column j: ln(e⁰ + e¹) = ln(1 + e)
    expectTensor(logSumExp(x, 0), [2], [Math.log(1 + Math.E), Math.log(1 + Math.E)]);
    expectTensor(logSumExp(x, [0, 1]), [], Math.log(2 + 2 * Math.E));
  });

  it('rows with very different scales are each stable', () => {
    expectTensor(logSumExp(tensor([[1000, 1000], [-1000, -1000]]), 1), [2], [1000 + Math.LN2, -1000 + Math.LN2]);
  });

  it('its gradient, softmax(x), keeps full precision where |logSumExp(x)| is large (exp(x − out) alone would not)', () => {
    expect(Array.from(grad((t: Tensor) => logSumExp(t))(tensor([1e10, 1e10])).data)).toEqual([0.5, 0.5]); // PyTorch: 0.49999976…
    const g = grad((t: Tensor) => logSumExp(t, 1).sum())(tensor([[1e12 + 1, 1e12, 1e12 - 2], [-3e9, -3e9 + 1, -3e9 - 1]]));
    const want = [[Math.E, 1, Math.exp(-2)], [1, Math.E, Math.exp(-1)]].flatMap((r) => r.map((v) => v / r.reduce((a, b) => a + b)));
    g.data.forEach((v, i) => expect(Math.abs(v / want[i]! - 1)).toBeLessThan(1e-15));
  });

  it('a +∞ in a group makes only its own derivative NaN: the others have softmax weight 0 (as PyTorch)', () => {
    // logSumExp([1, ∞, 2]) = ∞ whatever the finite ones are: ∂/∂x₀ = ∂/∂x₂ = 0; at ∞ itself, e^(∞ − ∞) is NaN.
    const x = tensor([[1, Infinity, 2], [0, 1, 2]]);
    const rowTwo = [1, Math.E, Math.E ** 2].map((v) => v / (1 + Math.E + Math.E ** 2));
    expectTensor(grad((t: Tensor) => logSumExp(t, 1).sum())(x), [2, 3], [[0, NaN, 0], rowTwo]);
  });

  it('the method form', () => {
    expectTensor(tensor([0, 0]).logSumExp(), [], Math.LN2);
  });
});

describe('reductions: norm', () => {
  it('the Euclidean norm of a vector: ‖[3, 4]‖ = 5', () => {
    expectTensor(norm(tensor([3, -4])), [], 5);
  });

  it('the Frobenius norm of a matrix: √(1 + 4 + 4 + 16) = 5', () => {
    expectTensor(norm(tensor([[1, 2], [2, 4]])), [], 5);
  });

  it('along an axis, with keepDims', () => {
    expectTensor(norm(tensor([[3, 4], [6, 8]]), 1), [2], [5, 10]);
    expectTensor(norm(tensor([[3, 4], [4, 3]]), 0, true), [1, 2], [[5, 5]]);
  });

  it('the norm of zeros is 0', () => {
    expectTensor(norm(zeros([3])), [], 0);
  });

  it('at the origin, where the gradient is taken as 0, its derivatives are 0 too (not those of ½‖x‖², the identity)', () => {
    // ‖x‖ is a cone at 0: any Hessian there is a convention, and a gradient held at 0 has derivative 0 (as abs's).
    expectTensor(hessian((t: Tensor) => norm(t))(zeros([3])), [3, 3], [[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
    expectTensor(jvp(grad((t: Tensor) => norm(t, 1).sum()), [tensor([[0, 0], [3, 4]])], [tensor([[1, 2], [1, 0]])])[1], [2, 2], [
      [0, 0],
      [16 / 125, -12 / 125], // (I − uuᵀ)/‖x‖ · [1, 0] with u = [0.6, 0.8]: [0.64, −0.48]/5
    ]);
    // std of equal values is ‖x − x̄‖ at the origin: its Hessian is 0 there as well.
    expectTensor(hessian((t: Tensor) => std(t))(tensor([2, 2, 2])), [3, 3], [[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
  });

  it('neither underflows nor overflows where the squares would: ‖[3, 4]·10^±200‖ = 5·10^±200, and its gradient is x/‖x‖ there', () => {
    for (const scale of [1e-200, 1e200, 1e-310]) {
      const x = tensor([3 * scale, -4 * scale]);
      expect(Math.abs(norm(x).item() / (5 * scale) - 1)).toBeLessThan(1e-15);
      const g = grad((t: Tensor) => norm(t))(x);
      expect(Math.abs(g.data[0]! - 0.6)).toBeLessThan(1e-15);
      expect(Math.abs(g.data[1]! + 0.8)).toBeLessThan(1e-15);
    }
    expectTensor(norm(tensor([[1e-200, 1e-200], [3, 4]]), 1), [2], [Math.SQRT2 * 1e-200, 5]);
    expect(norm(tensor([[1e-200, 1e-200], [3, 4]]), 1).data[0]).toBe(Math.SQRT2 * 1e-200);
    expect(norm(tensor([1e308, 1e308])).item()).toBe(Math.SQRT2 * 1e308);
    expect(std(tensor([1e200, -1e200])).item()).toBe(1e200); // variance overflows (1e400), std need not
    // Infinities and NaN: ∞, unless a NaN is there.
    expect([norm(tensor([Infinity, 1])).item(), norm(tensor([-Infinity, 1e-300])).item(), norm(tensor([NaN, 1e-300])).item()]).toEqual([Infinity, Infinity, NaN]);
  });

  it('the method form, with the function\'s axis and keepDims', () => {
    expectTensor(tensor([1, 1, 1, 1]).norm(), [], 2);
    // x.norm(axis) once ignored the axis and returned the norm of every element.
    expectTensor(tensor([[3, 4], [6, 8]]).norm(1), [2], [5, 10]);
    expectTensor(tensor([[3, 4], [4, 3]]).norm(0, true), [1, 2], [[5, 5]]);
    expectTensor(tensor([[[3, 4]], [[6, 8]]]).norm([1, 2]), [2], [5, 10]);
  });
});

describe('reductions: prod', () => {
  const x = tensor(M23);

  it('over everything, along each axis, negative axes, lists and keepDims', () => {
    expectTensor(prod(x), [], 720);
    expectTensor(prod(x, 0), [3], [4, 10, 18]);
    expectTensor(prod(x, 1), [2], [6, 120]);
    expectTensor(prod(x, -1, true), [2, 1], [[6], [120]]);
    expectTensor(prod(x, [1, 0]), [], 720);
    expectTensor(prod(x, undefined, true), [1, 1], [[720]]);
  });

  it('a 3-D tensor over the axes [0, 2], which are not next to each other', () => {
    // groups j = 0: 1·2·5·6 = 60; j = 1: 3·4·7·8 = 672
    const y = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
    expectTensor(prod(y, [0, 2]), [2], [60, 672]);
    expectTensor(prod(y, [0, -1], true), [1, 2, 1], [[[60], [672]]]);
  });

  it('the empty product is 1; a 0-d tensor is its own product', () => {
    expectTensor(prod(zeros([0])), [], 1);
    expectTensor(prod(zeros([2, 0]), 1), [2], [1, 1]);
    expectTensor(prod(zeros([2, 0]), 0), [0], []);
    expectTensor(prod(scalar(-4)), [], -4);
  });

  it('zeros, signed zeros, infinities, NaN and overflow follow IEEE multiplication', () => {
    expectTensor(prod(tensor([2, 0, 3])), [], 0);
    expect(Object.is(valueOf(prod(tensor([-0, 5]))), -0)).toBe(true);
    expectTensor(prod(tensor([Infinity, 0])), [], NaN);
    expectTensor(prod(tensor([-2, Infinity])), [], -Infinity);
    expectTensor(prod(tensor([NaN, 1])), [], NaN);
    expectTensor(prod(tensor([1e200, 1e200])), [], Infinity);
  });

  it('the method form', () => {
    expectTensor(x.prod(1, true), [2, 1], [[6], [120]]);
  });
});

describe("prod's derivatives", () => {
  const gradOf = (v: Nested): number[] => Array.from(grad((x: Tensor) => prod(x))(tensor(v as never)).data);
  /** Central differences, exact here up to rounding: prod is linear in each element. */
  const differences = (v: number[]): number[] =>
    v.map((_, i) => {
      const at = (d: number): number => prod(tensor(v.map((w, j) => (j === i ? w + d : w)))).item();
      return (at(0.5) - at(-0.5)) / 1;
    });

  it('without zeros: the product of the others', () => {
    expect(gradOf([2, 5, 3])).toEqual([15, 6, 10]);
    expect(gradOf([2, 5, 3])).toEqual(differences([2, 5, 3]));
  });

  it('with one zero: the product of the rest at the zero, 0 elsewhere (out/x would give 0/0 there)', () => {
    expect(gradOf([2, 0, 3, 4])).toEqual([0, 24, 0, 0]);
    expect(gradOf([2, 0, 3, 4])).toEqual(differences([2, 0, 3, 4]));
  });

  it('with two zeros: 0 everywhere', () => {
    expect(gradOf([2, 0, 3, 0])).toEqual([0, 0, 0, 0]);
    expect(gradOf([2, 0, 3, 0])).toEqual(differences([2, 0, 3, 0]));
    expect(gradOf([0, 0])).toEqual([0, 0]);
  });

  it('where the product underflows to 0 and no element is 0: still the product of the others', () => {
    // ∂/∂x₀ = 1e-200·1e200 = 1; out/x would give 0/1e-200 = 0.
    expect(gradOf([1e-200, 1e-200, 1e200])).toEqual([1, 1, 0]);
  });

  it('along one axis of several, with zeros in some rows: each row on its own', () => {
    const g = grad((x: Tensor) => prod(x, 1).sum())(tensor([[2, 0, 3], [1, 2, 3], [0, 0, 5]]));
    expectTensor(g, [3, 3], [[0, 6, 0], [6, 3, 2], [0, 0, 0]]);
  });

  it('over the axes [0, 2] of a 3-D tensor, with a zero in one group', () => {
    const g = grad((x: Tensor) => prod(x, [0, 2]).sum())(tensor([[[1, 2], [3, 4]], [[5, 0], [7, 8]]]));
    // group j = 0 is {1, 2, 5, 0}: only the zero's entry, 1·2·5 = 10; group j = 1 is {3, 4, 7, 8}, product 672.
    expectTensor(g, [2, 2, 2], [[[0, 0], [224, 168]], [[0, 10], [96, 84]]]);
  });

  it('second derivatives at zeros: ∂²/∂xᵢ∂xⱼ is the product of all but xᵢ and xⱼ', () => {
    // [2, 0, 3]: H₀₁ = 3, H₁₂ = 2, H₀₂ = 0 (it contains the zero); the diagonal is 0.
    expectTensor(hessian((x: Tensor) => prod(x))(tensor([2, 0, 3])), [3, 3], [[0, 3, 0], [3, 0, 2], [0, 2, 0]]);
    // [2, 0, 3, 0]: only H₁₃ = 2·3 = 6 avoids both zeros.
    expectTensor(hessian((x: Tensor) => prod(x))(tensor([2, 0, 3, 0])), [4, 4], [[0, 0, 0, 0], [0, 0, 0, 6], [0, 0, 0, 0], [0, 6, 0, 0]]);
  });

  it('a third derivative at zeros: ∂³/∂x₀∂x₁∂x₂ of x₀x₁x₂x₃ is x₃', () => {
    const third = (x: Tensor): Tensor => grad((y: Tensor) => grad((z: Tensor) => grad((w: Tensor) => prod(w))(z).gather([0]).sum())(y).gather([1]).sum())(x);
    expectTensor(third(tensor([0, 0, 0, 7])), [4], [0, 0, 7, 0]);
  });

  it('forward mode at zeros: the tangent is Σᵢ ẋᵢ·∏ⱼ≠ᵢ xⱼ', () => {
    const [value, tangent] = jvp((x: Tensor) => prod(x), [tensor([2, 0, 3])], [tensor([1, 10, 100])]);
    expectTensor(value, [], 0);
    expectTensor(tangent, [], 60); // only the zero's tangent counts: 10·(2·3)
  });
});

describe('reductions: variance and std', () => {
  it('the population variance by default: [2, 4, 4, 4, 5, 5, 7, 9] has mean 5, Σ(x − 5)² = 32, variance 4, std 2', () => {
    const x = tensor([2, 4, 4, 4, 5, 5, 7, 9]);
    expectTensor(variance(x), [], 4);
    expectTensor(std(x), [], 2);
  });

  it('correction 1 divides by N − 1: 32/7 and √(32/7) for the same data; 5/3 for [1, 2, 3, 4]', () => {
    const x = tensor([2, 4, 4, 4, 5, 5, 7, 9]);
    expectTensor(variance(x, undefined, false, { correction: 1 }), [], 32 / 7);
    expectTensor(std(x, undefined, false, { correction: 1 }), [], Math.sqrt(32 / 7));
    // [1, 2, 3, 4]: mean 2.5, Σ(x − 2.5)² = 2.25 + 0.25 + 0.25 + 2.25 = 5
    expectTensor(variance(tensor([1, 2, 3, 4]), undefined, false, { correction: 1 }), [], 5 / 3);
    expectTensor(variance(tensor([1, 2, 3, 4]), undefined, false, { correction: 0.5 }), [], 5 / 3.5);
  });

  it('along each axis, with keepDims', () => {
    const x = tensor([[1, 2, 3, 4], [2, 4, 6, 8]]);
    // rows: Σ(x − x̄)² = 5 and 20; columns: pairs (1, 2) … (4, 8), deviations ±0.5, ±1, ±1.5, ±2
    expectTensor(variance(x, 1), [2], [1.25, 5]);
    expectTensor(variance(x, 1, true, { correction: 1 }), [2, 1], [[5 / 3], [20 / 3]]);
    expectTensor(variance(x, 0), [4], [0.25, 1, 2.25, 4]);
    expectTensor(std(x, -2, true), [1, 4], [[0.5, 1, 1.5, 2]]);
    expectTensor(std(x, [0, 1]), [], Math.sqrt(variance(x).item()));
  });

  it('two passes: no cancellation for large values, where E[x²] − x̄² loses everything', () => {
    expectTensor(variance(tensor([1e9 + 1, 1e9 + 2, 1e9 + 3])), [], 2 / 3, 15);
  });

  it('N − correction ≤ 0 divides by 0 (as PyTorch and NumPy): NaN where the deviations are 0, +∞ where not', () => {
    expectTensor(variance(tensor([3]), undefined, false, { correction: 1 }), [], NaN);
    expectTensor(std(tensor([3]), undefined, false, { correction: 1 }), [], NaN);
    expectTensor(variance(tensor([1, 3]), undefined, false, { correction: 2 }), [], Infinity);
    expectTensor(variance(tensor([1, 3]), undefined, false, { correction: 3 }), [], Infinity); // max(2 − 3, 0) = 0
    expectTensor(std(tensor([1, 3]), undefined, false, { correction: 5 }), [], Infinity);
    expectTensor(variance(zeros([0])), [], NaN);
  });

  it('NaN and infinities: NaN (∞ − ∞ in the deviations)', () => {
    expectTensor(variance(tensor([1, NaN])), [], NaN);
    expectTensor(variance(tensor([1, Infinity])), [], NaN);
    expectTensor(std(tensor([[1, 1], [Infinity, 2]]), 1), [2], [0, NaN]);
  });

  it('the method forms', () => {
    const x = tensor([[1, 3], [2, 2]]);
    expectTensor(x.variance(1), [2], [1, 0]);
    expectTensor(x.std(1, true, { correction: 1 }), [2, 1], [[Math.SQRT2], [0]]);
  });

  it('a bad correction, an unknown option, options that are not an object and bad axes are ValueErrors naming the function', () => {
    for (const [name, f] of [['variance', variance], ['std', std]] as const) {
      expectThrows(() => f(tensor([1, 2]), undefined, false, { correction: '1' } as never), ValueError, new RegExp(`^${name}: correction must be a finite number, got "1"$`));
      expectThrows(() => f(tensor([1, 2]), undefined, false, { correction: NaN }), ValueError, new RegExp(`^${name}: correction must be a finite number, got NaN$`));
      expectThrows(() => f(tensor([1, 2]), undefined, false, { corection: 1 } as never), ValueError, new RegExp(`^${name}: unknown option 'corection'; the options are correction$`));
      expectThrows(() => f(tensor([1, 2]), undefined, false, 1 as never), ValueError, new RegExp(`^${name}: options must be an object, got 1$`));
      expectThrows(() => f(tensor([[1, 2]]), 2), ValueError, new RegExp(`^${name}: axis 2 is out of range for rank 2`));
      expectThrows(() => f('abc' as never), ValueError, new RegExp(`^${name}: `));
    }
  });

  it('derivatives by hand: ∂var/∂xᵢ = 2(xᵢ − x̄)/(N − c), ∂std/∂xᵢ = (xᵢ − x̄)/((N − c)·std)', () => {
    const x = tensor([1, 2, 3, 4]);
    expectTensor(grad((t: Tensor) => variance(t, undefined, false, { correction: 1 }))(x), [4], [-1, -1 / 3, 1 / 3, 1]);
    const s = Math.sqrt(1.25);
    expectTensor(grad((t: Tensor) => std(t))(x), [4], [-1.5 / (4 * s), -0.5 / (4 * s), 0.5 / (4 * s), 1.5 / (4 * s)]);
    const [, tangent] = jvp((t: Tensor) => variance(t), [x], [tensor([1, 0, 0, 0])]);
    expectTensor(tangent, [], (2 * -1.5) / 4);
  });

  it("variance's second derivative by hand: (2/(N − c))·(I − 𝟙𝟙ᵀ/N)", () => {
    const h = hessian((t: Tensor) => variance(t))(tensor([0.3, -1, 2]));
    const d = 2 / 3;
    expectTensor(h, [3, 3], [[d * (2 / 3), -d / 3, -d / 3], [-d / 3, d * (2 / 3), -d / 3], [-d / 3, -d / 3, d * (2 / 3)]]);
  });

  it("at zero variance std's gradient is 0 (documented; PyTorch gives NaN), variance's is 0", () => {
    expectTensor(grad((t: Tensor) => std(t))(tensor([2, 2, 2])), [3], [0, 0, 0]);
    expectTensor(grad((t: Tensor) => variance(t))(tensor([2, 2, 2])), [3], [0, 0, 0]);
    expectTensor(grad((t: Tensor) => std(t, 1).sum())(tensor([[1, 3], [2, 2]])), [2, 2], [[-0.5, 0.5], [0, 0]]);
  });
});

describe('cumprod', () => {
  it('running products along an axis; ∞ and zeros as multiplication gives them', () => {
    expectTensor(cumprod(tensor([[1, 2, 3], [4, 5, 6]]), 1), [2, 3], [[1, 2, 6], [4, 20, 120]]);
    expectTensor(cumprod(tensor([[1, 2, 3], [4, 5, 6]]), -2), [2, 3], [[1, 2, 3], [4, 10, 18]]);
    expectTensor(cumprod(tensor([2, Infinity, 0, 3]), 0), [4], [2, Infinity, NaN, NaN]);
    expectTensor(cumprod(tensor([1, Infinity, 2]), 0), [3], [1, Infinity, Infinity]);
    expect(Array.from(cumprod(tensor([1, -0, 2]), 0).data).map((v) => Object.is(v, -0))).toEqual([false, true, true]); // NumPy's −0
  });

  it('derivatives at a zero, where out/x would divide by zero', () => {
    // Σ cumprod = x0 + x0·x1 + x0·x1·x2 at (2, 0, 3)
    expectTensor(grad((x: Tensor) => cumprod(x, 0).sum())(tensor([2, 0, 3])), [3], [1, 8, 0]);
    expectTensor(hessian((x: Tensor) => cumprod(x, 0).sum())(tensor([2, 0, 3])), [3, 3], [[0, 4, 0], [4, 0, 2], [0, 2, 0]]);
  });

  it('a scalar or a bad axis is a ValueError naming cumprod', () => {
    expectThrows(() => cumprod(tensor(2), 0), ValueError, 'cumprod: needs at least one axis, got a scalar');
    expectThrows(() => cumprod(tensor([1, 2]), 1), ValueError, 'cumprod: axis 1 is out of range');
  });
});

describe('cumsum', () => {
  it('a vector: the running sums', () => {
    expectTensor(cumsum(tensor([1, 2, 3, 4]), 0), [4], [1, 3, 6, 10]);
    expectTensor(cumsum(tensor([1, 2, 3, 4]), -1), [4], [1, 3, 6, 10]);
  });

  it('a matrix along each axis', () => {
    const x = tensor(M23);
    expectTensor(cumsum(x, 0), [2, 3], [[1, 2, 3], [5, 7, 9]]);
    expectTensor(cumsum(x, 1), [2, 3], [[1, 3, 6], [4, 9, 15]]);
    expectTensor(cumsum(x, -2), [2, 3], [[1, 2, 3], [5, 7, 9]]);
  });

  it('a 3-D tensor along each of its axes', () => {
    // x[i, j, k] = 12i + 4j + k
    const y = arange(24).reshape([2, 3, 4]);
    expectTensor(cumsum(y, 0), [2, 3, 4], [
      [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]],
      [[12, 14, 16, 18], [20, 22, 24, 26], [28, 30, 32, 34]],
    ]);
    // along j: (j + 1)(12i + k) + 2j(j + 1)
    expectTensor(cumsum(y, 1), [2, 3, 4], [
      [[0, 1, 2, 3], [4, 6, 8, 10], [12, 15, 18, 21]],
      [[12, 13, 14, 15], [28, 30, 32, 34], [48, 51, 54, 57]],
    ]);
    // along k: (k + 1)(12i + 4j) + k(k + 1)/2
    expectTensor(cumsum(y, 2), [2, 3, 4], [
      [[0, 1, 3, 6], [4, 9, 15, 22], [8, 17, 27, 38]],
      [[12, 25, 39, 54], [16, 33, 51, 70], [20, 41, 63, 86]],
    ]);
  });

  it('NaN and ∞ carry on down the axis; −0 stays −0 in the first place (as NumPy)', () => {
    expectTensor(cumsum(tensor([1, NaN, 2]), 0), [3], [1, NaN, NaN]);
    expectTensor(cumsum(tensor([Infinity, 1, -Infinity]), 0), [3], [Infinity, Infinity, NaN]);
    expect(Object.is(cumsum(tensor([-0, -0]), 0).data[0], -0)).toBe(true);
  });

  it('zero-size axes give zero-size results', () => {
    expectTensor(cumsum(zeros([2, 0]), 1), [2, 0], []);
    expectTensor(cumsum(zeros([0, 3]), 1), [0, 3], []);
  });

  it('a scalar, a missing, fractional or out-of-range axis are ValueErrors naming cumsum', () => {
    expectThrows(() => cumsum(scalar(1), 0), ValueError, /^cumsum: needs at least one axis, got a scalar$/);
    expectThrows(() => cumsum(tensor(M23), 2), ValueError, /^cumsum: axis 2 is out of range for rank 2/);
    expectThrows(() => cumsum(tensor(M23), undefined as never), ValueError, /^cumsum: axis must be an integer, got undefined$/);
    expectThrows(() => cumsum(tensor(M23), 0.5), ValueError, /^cumsum: axis must be an integer, got 0.5$/);
  });

  it('the adjoint is the running sum from the end; the tangent is the running sum of the tangent', () => {
    // Σₖ wₖ·cumsum(x)ₖ: ∂/∂xᵢ = Σ_{k ≥ i} wₖ
    expectTensor(grad((x: Tensor) => cumsum(x, 0).mul(tensor([1, 10, 100])).sum())(tensor([1, 2, 3])), [3], [111, 110, 100]);
    expectTensor(grad((x: Tensor) => cumsum(x, 0).mul(tensor([[1, 2], [10, 20]])).sum())(tensor([[0, 0], [0, 0]])), [2, 2], [[11, 22], [10, 20]]);
    const [, tangent] = jvp((x: Tensor) => cumsum(x, 1), [tensor(M23)], [tensor([[1, 0, 1], [0, 2, 0]])]);
    expectTensor(tangent, [2, 3], [[1, 1, 2], [0, 2, 2]]);
  });

  it('the method form', () => {
    expectTensor(tensor(M23).cumsum(1), [2, 3], [[1, 3, 6], [4, 9, 15]]);
  });
});

describe('reductions: errors', () => {
  const x = tensor(M23);
  const reductions = { sum, mean, max, min, logSumExp, norm, prod, variance, std };

  it.each(Object.entries(reductions))('%s: an out-of-range axis is a ValueError naming the op and the axis', (name, op) => {
    expectThrows(() => op(x, 2), ValueError, name, /2/);
    expectThrows(() => op(x, -3), ValueError, name, /-3/);
    expectThrows(() => op(x, [0, 5]), ValueError, name, /5/);
  });

  it.each(Object.entries(reductions))('%s: a non-integer axis is a ValueError naming the op', (name, op) => {
    expectThrows(() => op(x, 0.5), ValueError, name, /0\.5/);
    expectThrows(() => op(x, NaN), ValueError, name);
  });

  it.each(Object.entries(reductions))('%s: a repeated axis is a ValueError naming the op', (name, op) => {
    expectThrows(() => op(x, [0, -2]), ValueError, name);
  });

  it('a 0-d tensor has no axis 0', () => {
    expectThrows(() => sum(scalar(1), 0), ValueError, 'sum');
  });
});

describe('argmax and argmin', () => {
  const x = tensor([[1, 5, 2], [7, 0, 7]]);

  it('without an axis: the index in the flattened tensor, as a 0-d tensor', () => {
    expectTensor(argmax(tensor([1, 3, 2])), [], 1);
    expectTensor(argmax(x), [], 3); // the first 7
    expectTensor(argmin(x), [], 4);
  });

  it('along an axis (first index on ties)', () => {
    expectTensor(argmax(x, 0), [3], [1, 0, 1]);
    expectTensor(argmax(x, 1), [2], [1, 0]);
    expectTensor(argmin(x, 0), [3], [0, 1, 0]);
    expectTensor(argmin(x, 1), [2], [0, 1]);
  });

  it('a negative axis', () => {
    expectTensor(argmax(x, -1), [2], [1, 0]);
    expectTensor(argmin(x, -2), [3], [0, 1, 0]);
  });

  it('a 3-D tensor along the middle axis', () => {
    // [2, 2, 2]: compare x[i, 0, k] with x[i, 1, k]
    const y = tensor([[[1, 9], [2, 3]], [[8, 0], [4, 0]]]);
    expectTensor(argmax(y, 1), [2, 2], [[1, 0], [0, 0]]);
    expectTensor(argmin(y, 1), [2, 2], [[0, 1], [1, 0]]);
  });

  it('NaN counts as the extreme (NumPy)', () => {
    expectTensor(argmax(tensor([1, NaN, 3])), [], 1);
    expectTensor(argmin(tensor([1, NaN, 0])), [], 1);
  });

  it('has no gradient: requiresGrad is false for a tracked input', () => {
    expect(argmax(tracked([1, 2])).requiresGrad).toBe(false);
    expect(argmin(tracked([[1, 2]]), 1).requiresGrad).toBe(false);
  });

  it('the method forms', () => {
    expectTensor(x.argmax(1), [2], [1, 0]);
    expectTensor(x.argmin(), [], 4);
  });

  it('an out-of-range or non-integer axis is a ValueError naming the op', () => {
    expectThrows(() => argmax(x, 2), ValueError, 'argmax', /2/);
    expectThrows(() => argmin(x, -3), ValueError, 'argmin', /-3/);
    expectThrows(() => argmax(x, 0.5), ValueError, 'argmax', /0\.5/);
  });

  it('an empty axis is a ValueError naming the op', () => {
    expectThrows(() => argmax(zeros([0])), ValueError, 'argmax');
    expectThrows(() => argmin(zeros([2, 0]), 1), ValueError, 'argmin', '[2, 0]');
  });
});

describe('softmax and logSoftmax', () => {
  it('softmax([0, ln 2, ln 5]) = [1, 2, 5]/8', () => {
    expectTensor(softmax(tensor([0, Math.LN2, Math.log(5)])), [3], [0.125, 0.25, 0.625]);
  });

  it('logSoftmax([0, ln 2, ln 5]) = [ln ⅛, ln ¼, ln ⅝]', () => {
    expectTensor(logSoftmax(tensor([0, Math.LN2, Math.log(5)])), [3], [Math.log(0.125), Math.log(0.25), Math.log(0.625)]);
  });

  it('softmax at [1000, 0, −1000] is finite: [1, e⁻¹⁰⁰⁰, e⁻²⁰⁰⁰] = [1, 0, 0]', () => {
    const s = softmax(tensor([1000, 0, -1000]));
    expect(Array.from(s.data).every(Number.isFinite)).toBe(true);
    expectTensor(s, [3], [1, 0, 0]);
  });

  it('logSoftmax at [1000, 0, −1000] is [0, −1000, −2000], finite', () => {
    expectTensor(logSoftmax(tensor([1000, 0, -1000])), [3], [0, -1000, -2000]);
  });

  it('rows of a matrix (default axis −1) sum to 1 and keep the shape', () => {
    const s = softmax(tensor([[1000, 0, -1000], [1, 2, 3], [-1000, -1000, -1000]]));
    expect(s.shape).toEqual([3, 3]);
    expectTensor(sum(s, 1), [3], [1, 1, 1]);
    // equal logits give a uniform row
    expectTensor(slice(s, [2, 0], [1, 3]), [1, 3], [[1 / 3, 1 / 3, 1 / 3]]);
  });

  it('is invariant to a shift: softmax(x + 1000) = softmax(x)', () => {
    // softmax([1, 2, 3]) = [1, e, e²]/(1 + e + e²)
    const z = 1 + Math.E + Math.E ** 2;
    const want = [1 / z, Math.E / z, Math.E ** 2 / z];
    expectTensor(softmax(tensor([1, 2, 3])), [3], want);
    expectTensor(softmax(tensor([1001, 1002, 1003])), [3], want);
  });

  it('along axis 0', () => {
    // column 0: [e⁰, e^ln3]/4 = [¼, ¾]; column 1: equal logits, [½, ½]
    expectTensor(softmax(tensor([[0, 5], [Math.log(3), 5]]), 0), [2, 2], [[0.25, 0.5], [0.75, 0.5]]);
  });

  it('a −∞ logit gets probability 0', () => {
    expectTensor(softmax(tensor([-Infinity, 0])), [2], [0, 1]);
    expectTensor(logSoftmax(tensor([-Infinity, 0])), [2], [-Infinity, 0]);
  });

  it('the method forms', () => {
    expectTensor(tensor([0, 0]).softmax(), [2], [0.5, 0.5]);
    expectTensor(tensor([[0], [0]]).logSoftmax(0), [2, 1], [[-Math.LN2], [-Math.LN2]]);
  });

  it('an out-of-range axis is a ValueError', () => {
    expectThrows(() => softmax(tensor([[1, 2]]), 2), ValueError, /2/);
    expectThrows(() => logSoftmax(tensor([[1, 2]]), 0.5), ValueError, /0\.5/);
  });

  it('an out-of-range axis names softmax / logSoftmax in the message', () => {
    expectThrows(() => softmax(tensor([[1, 2]]), 2), ValueError, /^softmax:/);
    expectThrows(() => logSoftmax(tensor([[1, 2]]), 2), ValueError, /^logSoftmax:/);
  });
});

describe('softmaxCrossEntropy', () => {
  // log(e + e² + e³) − 3 = log(1 + e⁻¹ + e⁻²); equal logits give log 3 whatever the label
  const byHand = Math.log(1 + Math.exp(-1) + Math.exp(-2));

  it('one loss per sample: logSumExp(z) − z[label]', () => {
    expectTensor(softmaxCrossEntropy(tensor([[1, 2, 3], [1, 1, 1]]), [2, 0]), [2], [byHand, Math.log(3)]);
    expectTensor(softmaxCrossEntropy(tensor([1, 2, 3]), tensor(2)), [], byHand); // a single sample
    expectTensor(softmaxCrossEntropy(tensor([[[1, 2, 3]], [[1, 1, 1]]]), tensor([[2], [0]])), [2, 1], [[byHand], [Math.log(3)]]);
    expectTensor(softmaxCrossEntropy(zeros([0, 3]), zeros([0])), [0], []);
  });

  it("reduction 'mean' or 'sum' gives one value; its gradient scales each sample's δ by ḡ/N or ḡ", () => {
    const z = tensor([[1, 2, 3], [1, 1, 1]], { requiresGrad: true });
    expectTensor(softmaxCrossEntropy(z, [2, 0], { reduction: 'mean' }), [], (byHand + Math.log(3)) / 2);
    expectTensor(softmaxCrossEntropy(z, [2, 0], { reduction: 'sum' }), [], byHand + Math.log(3));
    expectTensor(softmaxCrossEntropy(z, [2, 0], { reduction: 'none' }), [2], [byHand, Math.log(3)]);
    expect(softmaxCrossEntropy(zeros([0, 3]), zeros([0]), { reduction: 'mean' }).item()).toBeNaN(); // 0/0, as mean of nothing
    expect(softmaxCrossEntropy(zeros([0, 3]), zeros([0]), { reduction: 'sum' }).item()).toBe(0);
    softmaxCrossEntropy(z, [2, 0], { reduction: 'mean' }).mul(4).backward();
    const delta = sub(softmax(z.detach()), oneHot([2, 0], 3)).mul(2); // ḡ/N = 4/2
    z.grad!.data.forEach((v, i) => expect(v).toBeCloseTo(delta.data[i]!, 15));
  });

  it('reductions are the per-sample losses then mean or sum, bit for bit, and so are the gradients', () => {
    const data = arange(0, 50 * 7).reshape([50, 7]).mul(0.91).cos().mul(3);
    const labels = Array.from({ length: 50 }, (_, i) => (i * 3) % 7);
    for (const reduction of ['mean', 'sum'] as const) {
      const [a, b] = [0, 1].map(() => tensor(data.data.slice(), { shape: [50, 7], requiresGrad: true }));
      const fused = softmaxCrossEntropy(a!, labels, { reduction });
      const rows = softmaxCrossEntropy(b!, labels);
      const composite = reduction === 'mean' ? rows.sum().div(50) : rows.sum();
      expect(fused.item()).toBe(composite.item());
      fused.backward();
      composite.backward();
      expect(Array.from(a!.grad!.data)).toEqual(Array.from(b!.grad!.data));
    }
  });

  it('is −logSoftmax at the label bit for bit; its adjoint is (softmax − oneHot)·g to rounding', () => {
    const z = arange(0, 64 * 10).reshape([64, 10]).mul(0.73).sin().mul(4);
    const labels = arange(0, 64).mul(7).data.map((v) => v % 10);
    const viaLogSoftmax = gather(logSoftmax(z).reshape([-1]), Array.from(labels, (c, i) => i * 10 + c)).neg();
    expect(Array.from(softmaxCrossEntropy(z, tensor(labels)).data)).toEqual(Array.from(viaLogSoftmax.data));
    // softmax as e^(z − max)/Σ rather than through the log: the two differ by an ulp or so of p, and |g| ≤ 1
    const maxDifference = (a: Tensor, b: Tensor): number => Math.max(...Array.from(a.data, (v, i) => Math.abs(v - b.data[i]!)));
    const g = arange(0, 64).mul(0.1).cos();
    const viaSoftmax = mul(sub(softmax(z), oneHot(tensor(labels), 10)), g.reshape([64, 1]));
    expect(maxDifference(softmaxCrossEntropyGrad(g, z, tensor(labels)), viaSoftmax)).toBeLessThanOrEqual(1e-15);
    const single = mul(sub(softmax(z), oneHot(tensor(labels), 10)), 0.25); // a scalar g scales every row
    expect(maxDifference(softmaxCrossEntropyGrad(0.25, z, tensor(labels)), single)).toBeLessThanOrEqual(0.25e-15);
    const wide = tensor([[30, -30, 0, 29.5]]); // probabilities from e⁻⁶⁰ to ½: relative accuracy on each
    const p = softmaxCrossEntropyGrad(1, wide, [1]).add(oneHot([1], 4));
    const exact = [30, -30, 0, 29.5].map((v) => Math.exp(v - 30) / (1 + Math.exp(-60) + Math.exp(-30) + Math.exp(-0.5)));
    p.data.forEach((v, j) => expect(Math.abs(v - exact[j]!)).toBeLessThanOrEqual(4e-16 * exact[j]! + (j === 1 ? 2.3e-16 : 0)));
  });

  it('stays finite at ±1000 logits, and a −∞ logit away from the label costs nothing', () => {
    expectTensor(softmaxCrossEntropy(tensor([[1000, -1000, 0], [-1000, 1000, 0]]), [1, 0]), [2], [2000, 2000]);
    expectTensor(softmaxCrossEntropy(tensor([[-Infinity, 0, 0]]), [1]), [1], [Math.LN2]);
    expectTensor(softmaxCrossEntropy(tensor([[-Infinity, 0]]), [0]), [1], [Infinity]);
    expectTensor(softmaxCrossEntropyGrad(tensor([1]), tensor([[-Infinity, 0, 0]]), [1]), [1, 3], [[0, -0.5, 0.5]]);
  });

  it('labels of the wrong shape are ShapeErrors; non-integer or out-of-range labels ValueErrors naming the value', () => {
    const z = zeros([2, 3]);
    expectThrows(() => softmaxCrossEntropy(z, [0, 1, 2]), ShapeError, 'softmaxCrossEntropy', '[2]', '[2, 3]', '[3]');
    expectThrows(() => softmaxCrossEntropy(z, oneHot([0, 1], 3)), ShapeError, 'softmaxCrossEntropy', 'class indices');
    expectThrows(() => softmaxCrossEntropy(scalar(1), tensor(0)), ShapeError, 'softmaxCrossEntropy', 'class axis', '[]');
    expectThrows(() => softmaxCrossEntropy(zeros([2, 0]), [0, 0]), ShapeError, 'softmaxCrossEntropy', '[2, 0]');
    expectThrows(() => softmaxCrossEntropy(z, [0, 3]), ValueError, 'softmaxCrossEntropy', '[0, 3)', 'got 3 at position 1');
    expectThrows(() => softmaxCrossEntropy(z, [0.5, 1]), ValueError, 'softmaxCrossEntropy', 'got 0.5 at position 0');
    expectThrows(() => softmaxCrossEntropy(z, [-1, NaN]), ValueError, 'got -1 at position 0');
    expectThrows(() => softmaxCrossEntropyGrad(zeros([3]), z, [0, 1]), ShapeError, 'softmaxCrossEntropyGrad', 'g', '[2]', '[3]');
    expectThrows(() => softmaxCrossEntropy(z, [0, 1], { reduction: 'avg' as 'mean' }), ValueError, 'softmaxCrossEntropy', 'reduction', 'avg');
    expectThrows(() => softmaxCrossEntropy(z, [0, 1], 'mean' as unknown as { reduction: 'mean' }), ValueError, 'softmaxCrossEntropy', 'options');
    expectThrows(() => softmaxCrossEntropyGrad(zeros([2]), z, [0, 5]), ValueError, 'softmaxCrossEntropyGrad', 'got 5 at position 1');
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────────
describe('matmul', () => {
  // A·B = [[1·7+2·9+3·11, 1·8+2·10+3·12], [4·7+5·9+6·11, 4·8+5·10+6·12]] = [[58, 64], [139, 154]]
  const A = tensor(M23);
  const B = tensor([[7, 8], [9, 10], [11, 12]]);

  it('2-D · 2-D', () => {
    expectTensor(matmul(A, B), [2, 2], [[58, 64], [139, 154]]);
    expectTensor(A.matmul(B), [2, 2], [[58, 64], [139, 154]]);
  });

  it('matrix · vector gives a vector: A·[1, 0, −1] = [1 − 3, 4 − 6]', () => {
    expectTensor(matmul(A, tensor([1, 0, -1])), [2], [-2, -2]);
  });

  it('vector · matrix gives a vector: [1, 1]·A = column sums', () => {
    expectTensor(matmul(tensor([1, 1]), A), [3], [5, 7, 9]);
  });

  it('vector · vector gives a 0-d tensor: [1, 2, 3]·[4, 5, 6] = 32', () => {
    expectTensor(matmul(tensor([1, 2, 3]), tensor([4, 5, 6])), [], 32);
  });

  it('batched [2, 2, 3] · [3, 2] → [2, 2, 2]', () => {
    // second batch: [−1, 0, 1]·B = [−7 + 11, −8 + 12] = [4, 4]; a zero row gives zeros
    const a = tensor([M23, [[-1, 0, 1], [0, 0, 0]]]);
    expectTensor(matmul(a, B), [2, 2, 2], [[[58, 64], [139, 154]], [[4, 4], [0, 0]]]);
  });

  it('batched [2, 2, 3] · [2, 3, 2] → [2, 2, 2], batch by batch', () => {
    // batch 1: rows [1, 0, 0] and [0, 0, 1] pick rows 0 and 2 of [[1, 0], [0, 1], [1, 1]]
    const a = tensor([M23, [[1, 0, 0], [0, 0, 1]]]);
    const b = tensor([[[7, 8], [9, 10], [11, 12]], [[1, 0], [0, 1], [1, 1]]]);
    expectTensor(matmul(a, b), [2, 2, 2], [[[58, 64], [139, 154]], [[1, 0], [1, 1]]]);
  });

  it('broadcast batch axes: [2, 1, 2, 3] · [3, 3, 2] → [2, 3, 2, 2]', () => {
    // A[0, 0] = [[1, 0, 0], [0, 1, 0]] picks rows 0 and 1 of B[j]; A[1, 0] = [[0, 0, 1], [1, 1, 1]] picks
    // row 2 and the sum of the rows. B[j] = [[10j+1, 10j+2], [10j+3, 10j+4], [10j+5, 10j+6]], so the
    // row sum is [30j + 9, 30j + 12].
    const a = tensor([[[[1, 0, 0], [0, 1, 0]]], [[[0, 0, 1], [1, 1, 1]]]]);
    const b = tensor([
      [[1, 2], [3, 4], [5, 6]],
      [[11, 12], [13, 14], [15, 16]],
      [[21, 22], [23, 24], [25, 26]],
    ]);
    expectTensor(matmul(a, b), [2, 3, 2, 2], [
      [[[1, 2], [3, 4]], [[11, 12], [13, 14]], [[21, 22], [23, 24]]],
      [[[5, 6], [9, 12]], [[15, 16], [39, 42]], [[25, 26], [69, 72]]],
    ]);
  });

  it('batched · vector: [2, 2, 3] · [3] → [2, 2]', () => {
    const a = tensor([M23, [[-1, 0, 1], [0, 0, 0]]]);
    expectTensor(matmul(a, tensor([1, 0, -1])), [2, 2], [[-2, -2], [-2, 0]]);
  });

  it('vector · batched: [2] · [2, 2, 3] → [2, 3]', () => {
    const b = tensor([M23, [[-1, 0, 1], [0, 0, 0]]]);
    expectTensor(matmul(tensor([1, 1]), b), [2, 3], [[5, 7, 9], [-1, 0, 1]]);
  });

  it('larger products (the packed kernel path): ones·ones and I·M', () => {
    // every entry of ones[20, 30]·ones[30, 10] is 30
    expectTensor(matmul(ones([20, 30]), ones([30, 10])), [20, 10], new Array(200).fill(30));
    // ones[20, 30]·[0, 1, …, 29]ᵀ: every entry is 0 + 1 + … + 29 = 435
    expectTensor(matmul(ones([20, 30]), arange(30).reshape([30, 1])), [20, 1], new Array(20).fill(435));
    // I₁₇·M = M
    const m = arange(153).reshape([17, 9]);
    expectTensor(matmul(eye(17), m), [17, 9], Array.from({ length: 153 }, (_, i) => i));
  });

  it('a zero inner dimension gives zeros', () => {
    expectTensor(matmul(zeros([2, 0]), zeros([0, 3])), [2, 3], [0, 0, 0, 0, 0, 0]);
  });

  it('[2, 3] · [4, 5] is a ShapeError naming matmul and both shapes', () => {
    expectThrows(() => matmul(zeros([2, 3]), zeros([4, 5])), ShapeError, 'matmul', '[2, 3]', '[4, 5]');
  });

  it('mismatched vector cases are ShapeErrors naming both shapes', () => {
    expectThrows(() => matmul(zeros([3]), zeros([4])), ShapeError, 'matmul', '[3]', '[4]');
    expectThrows(() => matmul(zeros([2, 3]), zeros([2])), ShapeError, 'matmul', '[2, 3]', '[2]');
    expectThrows(() => matmul(zeros([2]), zeros([3, 2])), ShapeError, 'matmul', '[2]', '[3, 2]');
  });

  it('a 0-d operand is a ShapeError', () => {
    expectThrows(() => matmul(scalar(2), zeros([2, 2])), ShapeError, 'matmul', '[]', '[2, 2]');
  });

  it('batch axes that do not broadcast are a ShapeError naming matmul', () => {
    expectThrows(() => matmul(zeros([2, 2, 3]), zeros([3, 3, 2])), ShapeError, 'matmul');
  });

  it('batch axes that do not broadcast: the message names both full shapes', () => {
    expectThrows(() => matmul(zeros([2, 2, 3]), zeros([3, 3, 2])), ShapeError, '[2, 2, 3]', '[3, 3, 2]');
  });
});

describe('matmulWith', () => {
  const A = tensor(M23);
  const At = tensor([[1, 4], [2, 5], [3, 6]]);
  const B = tensor([[7, 8], [9, 10], [11, 12]]);
  const Bt = tensor([[7, 9, 11], [8, 10, 12]]);
  const AB = [[58, 64], [139, 154]];

  it('all four transpositions compute the same A·B', () => {
    expectTensor(matmulWith(A, B, false, false), [2, 2], AB);
    expectTensor(matmulWith(At, B, true, false), [2, 2], AB);
    expectTensor(matmulWith(A, Bt, false, true), [2, 2], AB);
    expectTensor(matmulWith(At, Bt, true, true), [2, 2], AB);
  });

  it('inner dimensions are checked after transposition', () => {
    expectThrows(() => matmulWith(A, B, true, false), ShapeError, 'matmul', '[2, 3]', '[3, 2]');
  });

  it('needs operands of rank ≥ 2', () => {
    expectThrows(() => matmulWith(tensor([1, 2]), B, false, false), ShapeError, 'matmul', '[2]');
  });
});

describe('linear', () => {
  const W = tensor([[7, 8], [9, 10], [11, 12]]);
  const b = tensor([0.5, -1]);

  it('x·W + b, row by row: [[58, 64], [139, 154]] + [0.5, −1]', () => {
    expectTensor(linear(tensor(M23), W, b), [2, 2], [[58.5, 63], [139.5, 153]]);
  });

  it('is matmul then add, bit for bit, on a product large enough for the WebAssembly kernel', () => {
    const x = arange(0, 64 * 30).reshape([64, 30]).mul(0.37).sin();
    const w = arange(0, 30 * 20).reshape([30, 20]).mul(0.11).cos();
    const bias = arange(0, 20).mul(0.3).tanh();
    expect(Array.from(linear(x, w, bias).data)).toEqual(Array.from(add(matmul(x, w), bias).data));
  });

  it('a vector input gives a vector; leading axes are batch axes', () => {
    expectTensor(linear(tensor([1, 2, 3]), W, b), [2], [58.5, 63]);
    expectTensor(linear(tensor([M23, M23]), W, b), [2, 2, 2], [[[58.5, 63], [139.5, 153]], [[58.5, 63], [139.5, 153]]]);
  });

  it('an empty batch gives an empty result', () => {
    expectTensor(linear(zeros([0, 3]), W, b), [0, 2], []);
  });

  it('shape mismatches are ShapeErrors naming linear and all three shapes', () => {
    expectThrows(() => linear(zeros([2, 4]), W, b), ShapeError, 'linear', '[2, 4]', '[3, 2]', '[2]');
    expectThrows(() => linear(tensor(M23), W, zeros([3])), ShapeError, 'linear', '[3]');
    expectThrows(() => linear(tensor(M23), zeros([3, 2, 1]), b), ShapeError, 'linear', '[3, 2, 1]');
    expectThrows(() => linear(scalar(1), W, b), ShapeError, 'linear', '[]');
  });

  it('a tangent of the bias alone is broadcast over the rows', () => {
    const [, tangent] = jvp((bias) => linear(tensor(M23), W, bias as Tensor), [b], [tensor([1, 2])]);
    expectTensor(tangent, [2, 2], [[1, 2], [1, 2]]);
  });

  it("{ activation: 'relu' } zeroes the negative entries: relu([[58.5, 63], [139.5, 153]] − 100)", () => {
    expectTensor(linear(tensor(M23), W, b.sub(100), { activation: 'relu' }), [2, 2], [[0, 0], [39.5, 53]]);
    expectTensor(linear(tensor(M23), W, b, { activation: 'identity' }), [2, 2], [[58.5, 63], [139.5, 153]]);
  });

  it('with relu is matmul, add and relu bit for bit, NaN included, and so are its gradients', () => {
    const xData = arange(0, 64 * 30).reshape([64, 30]).mul(0.37).sin().data.slice();
    xData[5] = NaN; // row 0 of the product becomes NaN, which relu keeps
    const param = (t: Tensor): Tensor => tensor(t.data, { shape: t.shape, requiresGrad: true });
    const w = param(arange(0, 30 * 20).reshape([30, 20]).mul(0.11).cos());
    const bias = param(arange(0, 20).mul(0.3).tanh());
    const x = tensor(xData, { shape: [64, 30], requiresGrad: true });
    const weights = arange(0, 64 * 20).reshape([64, 20]).mul(0.7).cos(); // weights the outputs so that every gradient differs
    const gradients = (f: () => Tensor): number[][] => {
      [x, w, bias].forEach((t) => (t.grad = null));
      const out = f();
      out.mul(weights).sum().backward();
      return [out, x.grad!, w.grad!, bias.grad!].map((t) => Array.from(t.data));
    };
    const fused = gradients(() => linear(x, w, bias, { activation: 'relu' }));
    const separate = gradients(() => relu(add(matmul(x, w), bias)));
    expect(fused[0]!.some((v) => v === 0) && fused[0]!.some((v) => v > 0) && fused[0]!.some(Number.isNaN)).toBe(true);
    expect(fused).toEqual(separate);
  });

  it('an activation other than identity or relu is a ValueError naming linear and the value', () => {
    expectThrows(() => linear(tensor(M23), W, b, { activation: 'tanh' as 'relu' }), ValueError, 'linear', 'tanh');
    expectThrows(() => linear(tensor(M23), W, b, 3 as unknown as { activation: 'relu' }), ValueError, 'linear', 'options');
  });
});

describe('reluGrad', () => {
  it('passes v where x > 0 and gives 0 elsewhere, also for NaN and ∞ in v (the derivative of a constant), as PyTorch selects', () => {
    const v = tensor([3, -4, 5, NaN, Infinity, 6, NaN, -Infinity]);
    const x = tensor([1, 0, -2, -1, -1, NaN, 1, 2]);
    const out = reluGrad(v, x);
    expectTensor(out, [8], [3, 0, 0, 0, 0, 0, NaN, -Infinity]);
    expect(Object.is(out.data[1], -0)).toBe(true); // −4·0, as v·(x > 0) gives
  });

  it('broadcasts like any binary op, and x carries no gradient', () => {
    const v = tracked([1, 2, 3]);
    const x = tracked([[1], [-1]]);
    const out = reluGrad(v, x);
    expectTensor(out, [2, 3], [[1, 2, 3], [0, 0, 0]]);
    out.sum().backward();
    expectTensor(v.grad!, [3], [1, 1, 1]);
    expect(x.grad).toBeNull();
  });
});

describe('dot and outer', () => {
  it('dot of vectors: [1, 2, 3]·[4, 5, 6] = 32', () => {
    expectTensor(dot(tensor([1, 2, 3]), tensor([4, 5, 6])), [], 32);
    expectTensor(tensor([1, 2]).dot(tensor([3, 4])), [], 11);
  });

  it('dot of matrices is matmul', () => {
    expectTensor(dot(tensor(M23), tensor([[7, 8], [9, 10], [11, 12]])), [2, 2], [[58, 64], [139, 154]]);
  });

  it('dot of vectors of different lengths is a ShapeError naming dot and both shapes', () => {
    expectThrows(() => dot(zeros([3]), zeros([4])), ShapeError, 'dot', '[3]', '[4]');
  });

  it('outer: [1, 2] ⊗ [3, 4, 5]', () => {
    expectTensor(outer(tensor([1, 2]), tensor([3, 4, 5])), [2, 3], [[3, 4, 5], [6, 8, 10]]);
    expectTensor(tensor([2]).outer(tensor([1, -1])), [1, 2], [[2, -2]]);
  });
});

describe('transpose and .T', () => {
  const A = tensor(M23);

  it('.T of a matrix', () => {
    expectTensor(A.T, [3, 2], [[1, 4], [2, 5], [3, 6]]);
  });

  it('transpose without perm reverses the axes', () => {
    expectTensor(transpose(A), [3, 2], [[1, 4], [2, 5], [3, 6]]);
    // [2, 3, 4] → [4, 3, 2]: out[i, j, k] = x[k, j, i] = 12k + 4j + i
    const want = [];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 2; k++) want.push(12 * k + 4 * j + i);
    expectTensor(transpose(arange(24).reshape([2, 3, 4])), [4, 3, 2], want);
  });

  it('transpose with a perm: output axis d is input axis perm[d]', () => {
    // [2, 3, 4] with perm [2, 0, 1] → [4, 2, 3]: out[i, j, k] = x[j, k, i] = 12j + 4k + i
    const want = [];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 3; k++) want.push(12 * j + 4 * k + i);
    expectTensor(transpose(arange(24).reshape([2, 3, 4]), [2, 0, 1]), [4, 2, 3], want);
    expectTensor(arange(24).reshape([2, 3, 4]).transpose([2, 0, 1]), [4, 2, 3], want);
    // negative axes count from the end, as NumPy's transpose and PyTorch's permute take them
    expectTensor(transpose(arange(24).reshape([2, 3, 4]), [-1, 0, -2]), [4, 2, 3], want);
    expect(() => transpose(A, [-3, 0])).toThrow(/^transpose: perm must be a permutation of the axes 0…1 .*got \[-3, 0\]/);
  });

  it('the identity perm and 1-D and 0-d tensors', () => {
    expectTensor(transpose(A, [0, 1]), [2, 3], M23);
    expectTensor(transpose(tensor([1, 2, 3])), [3], [1, 2, 3]);
    expectTensor(transpose(scalar(5)), [], 5);
  });

  it('a bad perm is a ValueError naming transpose', () => {
    expectThrows(() => transpose(A, [0, 0]), ValueError, 'transpose', /0,0|0, 0/);
    expectThrows(() => transpose(A, [0]), ValueError, 'transpose');
    expectThrows(() => transpose(A, [0, 2]), ValueError, 'transpose');
    expectThrows(() => transpose(A, [1, 0, 2]), ValueError, 'transpose');
    expectThrows(() => transpose(A, [-3, 0]), ValueError, 'transpose');
  });

  it('.T of a tensor that is not 2-D is a ValueError naming the shape', () => {
    expectThrows(() => tensor([1, 2]).T, ValueError, 'T', '[2]');
    expectThrows(() => zeros([2, 2, 2]).T, ValueError, 'T', '[2, 2, 2]');
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────────
describe('reshape and flatten', () => {
  const v = arange(6);

  it('reshape to a given shape, row-major', () => {
    expectTensor(reshape(v, [2, 3]), [2, 3], [[0, 1, 2], [3, 4, 5]]);
    expectTensor(v.reshape([3, 1, 2]), [3, 1, 2], [[[0, 1]], [[2, 3]], [[4, 5]]]);
  });

  it('one −1 is inferred', () => {
    expectTensor(reshape(v, [-1, 2]), [3, 2], [[0, 1], [2, 3], [4, 5]]);
    expectTensor(reshape(v, [3, -1]), [3, 2], [[0, 1], [2, 3], [4, 5]]);
    expectTensor(reshape(tensor([[1, 2], [3, 4]]), [-1]), [4], [1, 2, 3, 4]);
  });

  it('to and from 0-d', () => {
    expectTensor(reshape(tensor([7]), []), [], 7);
    expectTensor(reshape(scalar(7), [1, 1]), [1, 1], [[7]]);
  });

  it('a different element count is a ShapeError naming reshape and both shapes', () => {
    expectThrows(() => reshape(zeros([2, 3]), [4]), ShapeError, 'reshape', '[2, 3]', '[4]');
  });

  it('a −1 that cannot be inferred is a ShapeError naming both shapes', () => {
    expectThrows(() => reshape(zeros([2, 3]), [4, -1]), ShapeError, 'reshape', '[2, 3]', '[4, -1]');
  });

  it('two −1s, other negatives and fractions are ValueErrors naming reshape', () => {
    expectThrows(() => reshape(v, [-1, -1]), ValueError, 'reshape', '[-1, -1]');
    expectThrows(() => reshape(v, [-2, -3]), ValueError, 'reshape', '[-2, -3]');
    expectThrows(() => reshape(v, [1.5, 4]), ValueError, 'reshape', '[1.5, 4]');
  });

  it('flatten', () => {
    expectTensor(flatten(tensor([[1, 2], [3, 4]])), [4], [1, 2, 3, 4]);
    expectTensor(flatten(scalar(3)), [1], [3]);
    expectTensor(arange(8).reshape([2, 2, 2]).flatten(), [8], [0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('expandDims and squeeze', () => {
  it('expandDims inserts a size-1 axis', () => {
    const v = tensor([1, 2, 3]);
    expectTensor(expandDims(v, 0), [1, 3], [[1, 2, 3]]);
    expectTensor(expandDims(v, 1), [3, 1], [[1], [2], [3]]);
    expectTensor(expandDims(tensor(M23), 1), [2, 1, 3], [[[1, 2, 3]], [[4, 5, 6]]]);
    expectTensor(expandDims(scalar(4), 0), [1], [4]);
  });

  it('expandDims with a negative axis counts from the end of the result', () => {
    const v = tensor([1, 2, 3]);
    expectTensor(expandDims(v, -1), [3, 1], [[1], [2], [3]]);
    expectTensor(v.expandDims(-2), [1, 3], [[1, 2, 3]]);
    expect(expandDims(zeros([2, 3]), -1).shape).toEqual([2, 3, 1]);
  });

  it('expandDims with an out-of-range or non-integer axis is a ValueError naming expandDims', () => {
    expectThrows(() => expandDims(zeros([3]), 2), ValueError, 'expandDims', /2/);
    expectThrows(() => expandDims(zeros([3]), -3), ValueError, 'expandDims', /-3/);
    expectThrows(() => expandDims(zeros([3]), 0.5), ValueError, 'expandDims', /0\.5/);
  });

  it('squeeze without an axis removes every size-1 axis', () => {
    expectTensor(squeeze(tensor([[[1], [2], [3]]])), [3], [1, 2, 3]);
    expectTensor(squeeze(tensor([[5]])), [], 5);
    expectTensor(squeeze(tensor([1, 2])), [2], [1, 2]);
  });

  it('squeeze of a given axis, a negative axis, a list', () => {
    const x = zeros([1, 3, 1]);
    expect(squeeze(x, 0).shape).toEqual([3, 1]);
    expect(squeeze(x, -1).shape).toEqual([1, 3]);
    expect(x.squeeze([0, 2]).shape).toEqual([3]);
    expectTensor(squeeze(tensor([[1, 2, 3]]), 0), [3], [1, 2, 3]);
  });

  it('squeeze of an axis that is not 1 is a ValueError naming squeeze, the axis and the shape', () => {
    expectThrows(() => squeeze(zeros([1, 3, 1]), 1), ValueError, 'squeeze', '[1, 3, 1]', /3/);
  });

  it('squeeze with an out-of-range or non-integer axis is a ValueError naming squeeze', () => {
    expectThrows(() => squeeze(zeros([1, 3]), 2), ValueError, 'squeeze', /2/);
    expectThrows(() => squeeze(zeros([1, 3]), 0.5), ValueError, 'squeeze', /0\.5/);
  });
});

describe('broadcastTo', () => {
  it('repeats a vector along new leading axes', () => {
    expectTensor(broadcastTo(tensor([1, 2, 3]), [2, 3]), [2, 3], [[1, 2, 3], [1, 2, 3]]);
    expectTensor(broadcastTo(tensor([1, 2]), [2, 1, 2]), [2, 1, 2], [[[1, 2]], [[1, 2]]]);
  });

  it('repeats along size-1 axes', () => {
    expectTensor(broadcastTo(tensor([[1], [2]]), [2, 3]), [2, 3], [[1, 1, 1], [2, 2, 2]]);
    expectTensor(tensor([[1], [2]]).broadcastTo([3, 2, 2]), [3, 2, 2], [[[1, 1], [2, 2]], [[1, 1], [2, 2]], [[1, 1], [2, 2]]]);
  });

  it('a 0-d tensor fills any shape', () => {
    expectTensor(broadcastTo(scalar(7), [2, 2]), [2, 2], [[7, 7], [7, 7]]);
  });

  it('to its own shape is a copy of the values', () => {
    expectTensor(broadcastTo(tensor(M23), [2, 3]), [2, 3], M23);
  });

  it('an impossible target is a ShapeError naming broadcastTo and both shapes', () => {
    expectThrows(() => broadcastTo(zeros([2]), [3]), ShapeError, 'broadcastTo', '[2]', '[3]');
    expectThrows(() => broadcastTo(zeros([3]), [3, 2]), ShapeError, 'broadcastTo', '[3]', '[3, 2]');
  });

  it('a target of lower rank, or one that shrinks an axis, is a ShapeError', () => {
    expectThrows(() => broadcastTo(zeros([2, 3]), [3]), ShapeError, 'broadcastTo', '[2, 3]', '[3]');
    expectThrows(() => broadcastTo(zeros([1, 3]), [3]), ShapeError, 'broadcastTo', '[1, 3]', '[3]');
  });

  it('a negative target dimension is a ValueError naming broadcastTo', () => {
    expectThrows(() => broadcastTo(tensor([1]), [-2]), ValueError, 'broadcastTo', '[-2]');
  });

  it('a fractional target dimension is a ValueError naming broadcastTo', () => {
    expectThrows(() => broadcastTo(scalar(1), [1.5]), ValueError, 'broadcastTo', '[1.5]');
  });
});

describe('slice and pad', () => {
  // x = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
  const x = arange(12).reshape([3, 4]);

  it('a box given by begin and size', () => {
    expectTensor(slice(x, [1, 1], [2, 2]), [2, 2], [[5, 6], [9, 10]]);
    expectTensor(x.slice([0, 3], [3, 1]), [3, 1], [[3], [7], [11]]);
  });

  it('size −1 runs to the end of the axis', () => {
    expectTensor(slice(x, [1, 0], [-1, 2]), [2, 2], [[4, 5], [8, 9]]);
  });

  it('without size: everything after begin', () => {
    expectTensor(slice(x, [0, 2]), [3, 2], [[2, 3], [6, 7], [10, 11]]);
    expectTensor(x.slice([2, 1]), [1, 3], [[9, 10, 11]]);
  });

  it('a zero size gives an empty tensor', () => {
    expectTensor(slice(tensor([1, 2, 3]), [3], [0]), [0], []);
  });

  it('a box of a 3-D tensor', () => {
    // x[i, j, k] = 12i + 4j + k; begin [1, 1, 2], size [1, 2, 2] → j ∈ {1, 2}, k ∈ {2, 3}
    expectTensor(slice(arange(24).reshape([2, 3, 4]), [1, 1, 2], [1, 2, 2]), [1, 2, 2], [[[18, 19], [22, 23]]]);
  });

  it('a 1-D slice', () => {
    expectTensor(slice(arange(10), [2], [3]), [3], [2, 3, 4]);
  });

  it('out of range is a ValueError naming slice, the axis and the shape', () => {
    expectThrows(() => slice(x, [2, 0], [2, 4]), ValueError, 'slice', '[3, 4]', /axis 0/);
    expectThrows(() => slice(x, [0, 5]), ValueError, 'slice', '[3, 4]');
    expectThrows(() => slice(x, [-1, 0], [1, 1]), ValueError, 'slice');
    expectThrows(() => slice(x, [0, 0], [1, -2]), ValueError, 'slice');
  });

  it('begin or size of the wrong length, or fractional, is a ValueError naming slice', () => {
    expectThrows(() => slice(x, [0], [1]), ValueError, 'slice', '[3, 4]');
    expectThrows(() => slice(x, [0, 0], [1]), ValueError, 'slice');
    expectThrows(() => slice(x, [0.5, 0], [1, 1]), ValueError, 'slice');
  });

  it('pad writes the input into zeros at begin', () => {
    expectTensor(pad(tensor([1, 2]), [1], [4]), [4], [0, 1, 2, 0]);
    expectTensor(pad(tensor([[1, 2]]), [1, 1], [3, 4]), [3, 4], [[0, 0, 0, 0], [0, 1, 2, 0], [0, 0, 0, 0]]);
  });

  it('pad out of range is a ValueError', () => {
    expectThrows(() => pad(tensor([1, 2]), [3], [4]), ValueError);
  });

  it('pad out of range names pad in the message', () => {
    expectThrows(() => pad(tensor([1, 2]), [3], [4]), ValueError, /^pad:/);
  });

  it('a fractional target shape is a ValueError naming pad', () => {
    expectThrows(() => pad(tensor([1, 2]), [0], [2.5]), ValueError, /^pad:/, '[2.5]');
  });
});

describe('concat', () => {
  const a = tensor([[1, 2], [3, 4]]);

  it('along axis 0 (the default)', () => {
    expectTensor(concat([a, tensor([[5, 6]])], 0), [3, 2], [[1, 2], [3, 4], [5, 6]]);
    expectTensor(concat([a, tensor([[5, 6]])]), [3, 2], [[1, 2], [3, 4], [5, 6]]);
  });

  it('along axis 1', () => {
    expectTensor(concat([a, tensor([[7], [8]])], 1), [2, 3], [[1, 2, 7], [3, 4, 8]]);
  });

  it('along a negative axis', () => {
    expectTensor(concat([a, tensor([[7], [8]])], -1), [2, 3], [[1, 2, 7], [3, 4, 8]]);
    expectTensor(concat([a, tensor([[5, 6]])], -2), [3, 2], [[1, 2], [3, 4], [5, 6]]);
  });

  it('three vectors, one of them empty', () => {
    expectTensor(concat([tensor([1]), tensor([2, 3]), zeros([0]), tensor([4, 5, 6])]), [6], [1, 2, 3, 4, 5, 6]);
  });

  it('the middle axis of 3-D tensors', () => {
    // [2, 1, 2] and [2, 2, 2] along axis 1 → [2, 3, 2]
    const p = tensor([[[1, 2]], [[3, 4]]]);
    const q = tensor([[[5, 6], [7, 8]], [[9, 10], [11, 12]]]);
    expectTensor(concat([p, q], 1), [2, 3, 2], [[[1, 2], [5, 6], [7, 8]], [[3, 4], [9, 10], [11, 12]]]);
  });

  it('a single tensor is a copy of its values', () => {
    expectTensor(concat([a]), [2, 2], [[1, 2], [3, 4]]);
  });

  it('mismatched shapes are a ShapeError naming concat and both shapes', () => {
    expectThrows(() => concat([zeros([2, 2]), zeros([2, 3])], 0), ShapeError, 'concat', '[2, 2]', '[2, 3]');
    expectThrows(() => concat([zeros([2, 2]), zeros([3, 3])], 1), ShapeError, 'concat', '[2, 2]', '[3, 3]');
  });

  it('different ranks are a ShapeError naming both shapes', () => {
    expectThrows(() => concat([zeros([2, 2]), zeros([2])], 0), ShapeError, 'concat', '[2, 2]', '[2]');
  });

  it('0-d tensors cannot be concatenated (ShapeError)', () => {
    expectThrows(() => concat([scalar(1), scalar(2)]), ShapeError, 'concat');
  });

  it('an empty list is a ValueError naming concat', () => {
    expectThrows(() => concat([]), ValueError, 'concat');
  });

  it('an out-of-range or non-integer axis is a ValueError naming concat', () => {
    expectThrows(() => concat([a, a], 2), ValueError, 'concat', /2/);
    expectThrows(() => concat([a, a], -3), ValueError, 'concat', /-3/);
    expectThrows(() => concat([a, a], 0.5), ValueError, 'concat', /0\.5/);
  });
});

describe('split', () => {
  const x = tensor([[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]]);

  it('into equal sections along an axis (0 by default, negative from the end)', () => {
    const [left, middle, right] = split(x, 3, 1);
    expectTensor(left!, [2, 2], [[1, 2], [7, 8]]);
    expectTensor(middle!, [2, 2], [[3, 4], [9, 10]]);
    expectTensor(right!, [2, 2], [[5, 6], [11, 12]]);
    expect(split(x, 2).map((t) => t.toArray())).toEqual([[[1, 2, 3, 4, 5, 6]], [[7, 8, 9, 10, 11, 12]]]);
    expect(split(x, 3, -1).map((t) => t.toArray())).toEqual(split(x, 3, 1).map((t) => t.toArray()));
  });

  it('before each of a list of indices, pieces possibly empty (NumPy\'s indices_or_sections)', () => {
    expect(split(x, [1, 4], 1).map((t) => t.shape)).toEqual([[2, 1], [2, 3], [2, 2]]);
    expect(split(x, [1, 4], 1)[1]!.toArray()).toEqual([[2, 3, 4], [8, 9, 10]]);
    expect(split(x, [0, 6, 6], 1).map((t) => t.shape)).toEqual([[2, 0], [2, 6], [2, 0], [2, 0]]);
    expect(split(x, [], 1).map((t) => t.shape)).toEqual([[2, 6]]);
  });

  it('is undone by concat, and each piece passes its gradient back to its own part', () => {
    expect(concat(split(x, [2, 3], 1), 1).toArray()).toEqual(x.toArray());
    const g = grad((t: Tensor) => {
      const [a, b] = split(t, 2, 1);
      return a!.sum().add(b!.mul(10).sum());
    })(x);
    expect(g.toArray()).toEqual([[1, 1, 1, 10, 10, 10], [1, 1, 1, 10, 10, 10]]);
  });

  it('refuses sections that do not divide the axis, indices that run backwards or out of it, and scalars', () => {
    expectThrows(() => split(x, 4, 1), ValueError, "split: sections must be a whole number from 1 to axis 1's size 6, dividing it, got 4");
    expectThrows(() => split(x, 0, 1), ValueError, "split: sections must be a whole number from 1 to axis 1's size 6, dividing it, got 0");
    expectThrows(() => split(zeros([0]), 1e20), ValueError, "split: sections must be a whole number from 1 to axis 0's size 0, dividing it, got 100000000000000000000");
    expect(split(zeros([0]), 1).map((t) => t.shape)).toEqual([[0]]);
    // eslint-disable-next-line no-sparse-arrays
    expectThrows(() => split(x, [2, , 4] as number[], 1), ValueError, /^split: indices must be whole numbers running upward/);
    expect(split(x, [-0], 1)[0]!.shape).toEqual([2, 0]);
    expectThrows(() => split(x, [3, 1], 1), ValueError, "split: indices must be whole numbers running upward from 0 to axis 1's size 6, got [3, 1]");
    expectThrows(() => split(x, [7], 1), ValueError, "split: indices must be whole numbers running upward from 0 to axis 1's size 6, got [7]");
    expectThrows(() => split(x, [-1], 1), ValueError, "split: indices must be whole numbers running upward from 0 to axis 1's size 6, got [-1]");
    expectThrows(() => split(x, 2, 2), ValueError, /^split: axis 2 is out of range/);
    expectThrows(() => split(tensor(5), 1), ShapeError, 'split: a scalar cannot be split, got shape []');
  });
});

describe('stack', () => {
  const p = tensor([1, 2]);
  const q = tensor([3, 4]);

  it('vectors along axis 0 (the default) become rows', () => {
    expectTensor(stack([p, q], 0), [2, 2], [[1, 2], [3, 4]]);
    expectTensor(stack([p, q]), [2, 2], [[1, 2], [3, 4]]);
  });

  it('vectors along axis 1 become columns', () => {
    expectTensor(stack([p, q], 1), [2, 2], [[1, 3], [2, 4]]);
  });

  it('axis −1 is the new last axis', () => {
    expectTensor(stack([p, q], -1), [2, 2], [[1, 3], [2, 4]]);
  });

  it('matrices along axes 0, 1 and −1', () => {
    const a = tensor([[1, 2], [3, 4]]);
    const b = tensor([[5, 6], [7, 8]]);
    // axis 0: out[k] = list[k]
    expectTensor(stack([a, b], 0), [2, 2, 2], [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
    // axis 1: out[i, k, j] = list[k][i, j]
    expectTensor(stack([a, b], 1), [2, 2, 2], [[[1, 2], [5, 6]], [[3, 4], [7, 8]]]);
    // axis −1: out[i, j, k] = list[k][i, j]
    expectTensor(stack([a, b], -1), [2, 2, 2], [[[1, 5], [2, 6]], [[3, 7], [4, 8]]]);
  });

  it('0-d tensors stack into a vector', () => {
    expectTensor(stack([scalar(1), scalar(2), scalar(3)]), [3], [1, 2, 3]);
  });

  it('different shapes are a ShapeError naming stack and both shapes', () => {
    expectThrows(() => stack([zeros([2]), zeros([3])]), ShapeError, 'stack', '[2]', '[3]');
    expectThrows(() => stack([zeros([2]), zeros([1, 2])]), ShapeError, 'stack', '[2]', '[1, 2]');
  });

  it('an empty list is a ValueError naming stack', () => {
    expectThrows(() => stack([]), ValueError, 'stack');
  });

  it('an out-of-range or non-integer axis is a ValueError naming stack', () => {
    expectThrows(() => stack([p, q], 2), ValueError, 'stack', /2/);
    expectThrows(() => stack([p, q], -3), ValueError, 'stack', /-3/);
    expectThrows(() => stack([p, q], 0.5), ValueError, 'stack', /0\.5/);
  });
});

// ─────────────────────────────────────────────────────────────────────────────────────────────────
describe('gather', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);

  it('rows along axis 0 (the default)', () => {
    expectTensor(gather(x, [2, 0], 0), [2, 3], [[7, 8, 9], [1, 2, 3]]);
    expectTensor(gather(x, [2, 0]), [2, 3], [[7, 8, 9], [1, 2, 3]]);
  });

  it('columns along axis 1 and axis −1', () => {
    expectTensor(gather(x, [2, 0], 1), [3, 2], [[3, 1], [6, 4], [9, 7]]);
    expectTensor(x.gather([2, 0], -1), [3, 2], [[3, 1], [6, 4], [9, 7]]);
  });

  it('repeated indices repeat the slice', () => {
    expectTensor(gather(tensor([10, 20, 30]), [1, 1, 1, 0]), [4], [20, 20, 20, 10]);
    expectTensor(gather(x, [1, 1], 0), [2, 3], [[4, 5, 6], [4, 5, 6]]);
  });

  it('2-D indices: the result has the indices’ shape in place of the axis', () => {
    expectTensor(gather(tensor([10, 20, 30]), tensor([[0, 1], [2, 2]])), [2, 2], [[10, 20], [30, 30]]);
    // x [3, 3] with indices [2, 1] along axis 1 → [3, 2, 1]
    expectTensor(gather(x, tensor([[0], [2]]), 1), [3, 2, 1], [[[1], [3]], [[4], [6]], [[7], [9]]]);
  });

  it('the middle axis of a 3-D tensor', () => {
    // x[i, j, k] = 12i + 4j + k; indices [2, 0] along axis 1 → out[i, m, k] = 12i + 4·idx[m] + k
    const want = [];
    for (let i = 0; i < 2; i++) for (const j of [2, 0]) for (let k = 0; k < 4; k++) want.push(12 * i + 4 * j + k);
    expectTensor(gather(arange(24).reshape([2, 3, 4]), [2, 0], 1), [2, 2, 4], want);
  });

  it('indices given as a tensor; a 0-d index drops the axis', () => {
    expectTensor(gather(x, tensor([1]), 0), [1, 3], [[4, 5, 6]]);
    expectTensor(gather(x, scalar(1), 0), [3], [4, 5, 6]);
  });

  it('an out-of-range index is a ValueError naming gather, the index and the axis size', () => {
    expectThrows(() => gather(x, [3], 0), ValueError, 'gather', /3/, '[3, 3]');
    expectThrows(() => gather(x, [0, -1], 1), ValueError, 'gather', /-1/);
  });

  it('a fractional or NaN index is a ValueError naming gather', () => {
    expectThrows(() => gather(x, [1.5], 0), ValueError, 'gather', /1\.5/);
    expectThrows(() => gather(x, [NaN], 0), ValueError, 'gather', /NaN/);
  });

  it('an out-of-range or non-integer axis is a ValueError naming gather', () => {
    expectThrows(() => gather(x, [0], 2), ValueError, 'gather', /2/);
    expectThrows(() => gather(x, [0], 0.5), ValueError, 'gather', /0\.5/);
  });

  it('a 0-d input cannot be indexed (ValueError)', () => {
    expectThrows(() => gather(scalar(1), [0]), ValueError, 'gather');
  });
});

describe('scatterAdd', () => {
  it('adds values at indices into zeros, summing repeats: [1, 2, 3] at [0, 2, 0] into 3', () => {
    // out[0] = 1 + 3, out[1] = 0, out[2] = 2
    expectTensor(scatterAdd(tensor([1, 2, 3]), [0, 2, 0], 0, 3), [3], [4, 0, 2]);
  });

  it('rows along axis 0', () => {
    // rows 0 and 2 go to 1, row 1 to 0
    expectTensor(scatterAdd(tensor([[1, 2], [3, 4], [5, 6]]), [1, 0, 1], 0, 2), [2, 2], [[3, 4], [6, 8]]);
  });

  it('columns along axis 1', () => {
    // column 0 goes to 2, column 1 to 0; column 1 of the result stays 0
    expectTensor(scatterAdd(tensor([[1, 2], [3, 4]]), tensor([2, 0]), 1, 3), [2, 3], [[2, 0, 1], [4, 0, 3]]);
  });

  it('the middle axis of a 3-D tensor', () => {
    // v[i, j, k] = 4i + 2j + k, both j go to 1: out[i, 1, k] = v[i, 0, k] + v[i, 1, k] = 8i + 2 + 2k
    const v = arange(8).reshape([2, 2, 2]);
    expectTensor(scatterAdd(v, [1, 1], 1, 3), [2, 3, 2], [[[0, 0], [2, 4], [0, 0]], [[0, 0], [10, 12], [0, 0]]]);
  });

  it('2-D indices', () => {
    // values [[1, 2], [3, 4]] at [[0, 1], [1, 1]]: out[0] = 1, out[1] = 2 + 3 + 4
    expectTensor(scatterAdd(tensor([[1, 2], [3, 4]]), tensor([[0, 1], [1, 1]]), 0, 2), [2], [1, 9]);
  });

  it('undoes gather on a permutation', () => {
    const v = tensor([10, 20, 30]);
    expectTensor(scatterAdd(gather(v, [2, 0, 1]), [2, 0, 1], 0, 3), [3], [10, 20, 30]);
  });

  it('an out-of-range or fractional index is a ValueError naming scatterAdd', () => {
    expectThrows(() => scatterAdd(tensor([1, 2]), [0, 3], 0, 3), ValueError, 'scatterAdd', /3/);
    expectThrows(() => scatterAdd(tensor([1, 2]), [0, 0.5], 0, 3), ValueError, 'scatterAdd', /0\.5/);
  });

  it('values that do not hold the indices are a ValueError naming both shapes', () => {
    expectThrows(() => scatterAdd(tensor([1, 2, 3]), [0, 1], 0, 3), ValueError, 'scatterAdd', '[3]', '[2]');
  });

  it('a bad dim is a ValueError naming scatterAdd', () => {
    expectThrows(() => scatterAdd(tensor([1]), [0], 0, -1), ValueError, 'scatterAdd', /-1/);
    expectThrows(() => scatterAdd(tensor([1]), [0], 0, 1.5), ValueError, 'scatterAdd', /1\.5/);
  });
});

describe('oneHot', () => {
  it('one row per index', () => {
    expectTensor(oneHot([0, 2, 1], 3), [3, 3], [[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
  });

  it('indices as a tensor, of any shape: [...indices.shape, depth]', () => {
    expectTensor(oneHot(tensor([[0], [1]]), 2), [2, 1, 2], [[[1, 0]], [[0, 1]]]);
    expectTensor(oneHot(scalar(1), 3), [3], [0, 1, 0]);
  });

  it('depth 1', () => {
    expectTensor(oneHot([0, 0], 1), [2, 1], [[1], [1]]);
  });

  it('the method form indices.oneHot(depth)', () => {
    expectTensor(tensor([2, 0]).oneHot(3), [2, 3], [[0, 0, 1], [1, 0, 0]]);
  });

  it('has no gradient', () => {
    expect(oneHot(tracked([0, 1]), 2).requiresGrad).toBe(false);
  });

  it('an index ≥ depth, negative or fractional is a ValueError naming oneHot and the index', () => {
    expectThrows(() => oneHot([0, 3], 3), ValueError, 'oneHot', /3/);
    expectThrows(() => oneHot([-1], 3), ValueError, 'oneHot', /-1/);
    expectThrows(() => oneHot([1.5], 3), ValueError, 'oneHot', /1\.5/);
  });

  it('a depth that is not a positive integer is a ValueError naming oneHot', () => {
    expectThrows(() => oneHot([0], 0), ValueError, 'oneHot', /0/);
    expectThrows(() => oneHot([0], 2.5), ValueError, 'oneHot', /2\.5/);
  });
});

describe('identity and stopGradient', () => {
  it('identity copies the values into new data', () => {
    const x = tensor(M23);
    const y = identity(x);
    expectTensor(y, [2, 3], M23);
    expect(y.data).not.toBe(x.data);
  });

  it('stopGradient keeps the values and cuts the graph', () => {
    const y = stopGradient(add(tracked([1, 2]), 1));
    expectTensor(y, [2], [2, 3]);
    expect(y.requiresGrad).toBe(false);
  });
});

describe('recording (no gradients computed here)', () => {
  it('ops on untracked tensors give untracked results; on tracked ones, tracked results', () => {
    expect(add(tensor([1]), tensor([2])).requiresGrad).toBe(false);
    expect(add(tracked([1]), tensor([2])).requiresGrad).toBe(true);
    expect(matmul(tracked([[1]]), tensor([[2]])).requiresGrad).toBe(true);
  });

  it('indices and conditions do not make a result tracked', () => {
    expect(gather(tensor([1, 2]), tracked([0])).requiresGrad).toBe(false);
    expect(where(tracked([1, 0]), tensor([1, 2]), 0).requiresGrad).toBe(false);
  });
});

describe('asin, acos, acosh, atanh', () => {
  const at = (f: (x: Tensor) => Tensor, v: number): number => grad((x: Tensor) => f(x))(scalar(v)).item();

  it('values at known points, NaN outside their domains, −0 kept by the odd ones', () => {
    expectTensor(asin(tensor([0.5, -1, 1, 1.5])), [4], [Math.PI / 6, -Math.PI / 2, Math.PI / 2, NaN]);
    expectTensor(acos(tensor([0.5, -1, 1, -1.5])), [4], [Math.PI / 3, Math.PI, 0, NaN]);
    expectTensor(acosh(tensor([1, 2, Infinity, 0.5])), [4], [0, Math.log(2 + Math.sqrt(3)), Infinity, NaN]);
    expectTensor(atanh(tensor([0.5, 1, -1, 2])), [4], [0.5 * Math.log(3), Infinity, -Infinity, NaN]);
    expect(Object.is(valueOf(asin(-0)), -0)).toBe(true);
    expect(Object.is(valueOf(atanh(-0)), -0)).toBe(true);
    expectTensor(tensor([0.5]).asin().add(tensor([0.5]).acos()), [1], [Math.PI / 2]);
  });

  it('derivatives by hand, accurate next to ±1 (√((1 − x)(1 + x)), not √(1 − x²))', () => {
    expect(at(asin, 0.6)).toBeCloseTo(1.25, 14);
    expect(at(acos, 0.6)).toBeCloseTo(-1.25, 14);
    expect(at(acosh, 1.25)).toBeCloseTo(1 / 0.75, 14);
    expect(at(atanh, 0.5)).toBeCloseTo(4 / 3, 14);
    // x = 1 − 2⁻⁴⁰: x² = 1 − 2⁻³⁹ + 2⁻⁸⁰ rounds the 2⁻⁸⁰ away, so √(1 − x²) is off by 2⁻⁴² relatively; (1 − x)(1 + x) is exact.
    const x = 1 - 2 ** -40;
    const exact = 1 / Math.sqrt(2 ** -40 * (2 - 2 ** -40));
    expect(Math.abs(at(asin, x) / exact - 1)).toBeLessThan(1e-15);
  });
});

describe('floor, ceil, trunc, round, isNaN, isInf, isFinite', () => {
  it("round halves to the even neighbour and keeps a zero's sign, as NumPy", () => {
    expectTensor(round(tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999999999999994, 2 ** 53 + 2])), [8], [0, 2, 2, -0, -2, -2, 0, 2 ** 53 + 2]);
    expect(Object.is(valueOf(round(-0.4)), -0)).toBe(true);
    expect(Object.is(valueOf(round(-0.5)), -0)).toBe(true);
    expectTensor(round(tensor([Infinity, -Infinity, NaN])), [3], [Infinity, -Infinity, NaN]);
  });

  it("round to decimals scales as NumPy does, and gives NumPy's results", () => {
    expect(round(tensor([1234.5678, 2.675, -0.125]), 2).toArray()).toEqual([1234.57, 2.68, -0.12]);
    expect(round(tensor([1250, 1350, -1250]), -2).toArray()).toEqual([1200, 1400, -1200]);
    expect(tensor([0.25]).round(1).item()).toBe(0.2);
    expectThrows(() => round(tensor([1]), 0.5), ValueError, 'round: decimals must be an integer from -308 to 308, got 0.5');
    // NumPy's 10^d is 1e9 multiplied by 10 one step at a time, which from d = 23 on is not the correctly rounded 10^d.
    expect(round(tensor([1.2345678901234567e-20, 3.3e-10]), 25).toArray()).toEqual([1.2345700000000002e-20, 3.3000000000000005e-10]);
    expect(round(tensor([1.2345678901234567e-20]), 27).toArray()).toEqual([1.2345679000000001e-20]);
    expect(round(tensor([1.2345678901234567e-20]), 30).toArray()).toEqual([1.2345678901000001e-20]);
  });

  it('floor, ceil and trunc as Math, −0 included', () => {
    expectTensor(floor(tensor([1.5, -1.5, -0.5])), [3], [1, -2, -1]);
    expectTensor(ceil(tensor([1.5, -1.5])), [2], [2, -1]);
    expect(Object.is(valueOf(ceil(-0.5)), -0)).toBe(true);
    expectTensor(trunc(tensor([1.5, -1.5])), [2], [1, -1]);
    expect(Object.is(tensor([-0.5]).trunc().data[0], -0)).toBe(true);
  });

  it('classify NaN and the infinities', () => {
    const v = tensor([1, NaN, Infinity, -Infinity, -0]);
    expect(isNaN(v).toArray()).toEqual([0, 1, 0, 0, 0]);
    expect(isInf(v).toArray()).toEqual([0, 0, 1, 1, 0]);
    expect(isFinite(v).toArray()).toEqual([1, 0, 0, 0, 1]);
    expect(v.isFinite().toArray()).toEqual([1, 0, 0, 0, 1]);
  });

  it('carry no derivative: nothing is recorded, as for sign', () => {
    const x = tracked([1.5, -2.5]);
    for (const f of [floor, ceil, trunc, (t: Tensor) => round(t), isNaN, isInf, isFinite]) expect(f(x).requiresGrad).toBe(false);
  });
});

describe('logaddexp and xlogy', () => {
  it('logaddexp without overflow, −∞ its identity', () => {
    expectTensor(logaddexp(tensor([0, 1000, -Infinity, Infinity, -1000]), tensor([0, 1000, -Infinity, 3, -1000])), [5], [Math.LN2, 1000 + Math.LN2, -Infinity, Infinity, -1000 + Math.LN2]);
    expectTensor(logaddexp(tensor([1, NaN]), tensor([-Infinity, 0])), [2], [1, NaN]);
  });

  it("logaddexp's gradient is the softmax of the two", () => {
    const [ga, gb] = grad((a: Tensor, b: Tensor) => logaddexp(a, b).sum(), [0, 1])(tensor([0, 800]), tensor([Math.log(3), -800]));
    expectTensor(ga!, [2], [0.25, 1]);
    expectTensor(gb!, [2], [0.75, 0]);
  });

  it('xlogy is 0 where x is 0, even at y = 0, and NaN for NaN y', () => {
    expectTensor(xlogy(tensor([0, 0, 2, 3, 0]), tensor([0, 5, Math.E, 0, NaN])), [5], [0, 0, 2, -Infinity, NaN]);
  });

  it("xlogy's derivatives: ln y in x (at x = 0 too), x/y in y and 0 where x = 0, with no NaN at a second order", () => {
    const [gx, gy] = grad((x: Tensor, y: Tensor) => xlogy(x, y).sum(), [0, 1])(tensor([0, 2, 0]), tensor([Math.E, 4, 0]));
    expectTensor(gx!, [3], [1, Math.log(4), -Infinity]);
    expectTensor(gy!, [3], [0, 0.5, 0]);
    const second = grad((y: Tensor) => grad((yy: Tensor) => xlogy(tensor([0, 2]), yy).sum())(y).sum())(tensor([0, 4]));
    expectTensor(second, [2], [0, -2 / 16]);
  });
});

describe('logCumSumExp', () => {
  it('running log-sum-exps without overflow; −∞ adds nothing', () => {
    expectTensor(logCumSumExp(tensor([0, 0, 0]), 0), [3], [0, Math.LN2, Math.log(3)]);
    expectTensor(logCumSumExp(tensor([1000, 1000, -Infinity]), 0), [3], [1000, 1000 + Math.LN2, 1000 + Math.LN2]);
    expectTensor(logCumSumExp(tensor([[1, 2], [3, 4]]), 1), [2, 2], [[1, Math.log(Math.E + Math.E ** 2)], [3, Math.log(Math.E ** 3 + Math.E ** 4)]]);
    expectTensor(tensor([[1, 2], [3, 4]]).logCumSumExp(0), [2, 2], [[1, 2], [Math.log(Math.E + Math.E ** 3), Math.log(Math.E ** 2 + Math.E ** 4)]]);
  });

  it("its gradient is the prefix softmaxes' sum; leading −∞ inputs get 0 (PyTorch: NaN)", () => {
    // d/dx Σₖ out[k] for x = [0, 0]: out = [0, ln 2], so x[0] gets 1 + ½ and x[1] gets ½.
    expectTensor(grad((x: Tensor) => logCumSumExp(x, 0).sum())(tensor([0, 0])), [2], [1.5, 0.5]);
    expectTensor(grad((x: Tensor) => logCumSumExp(x, 0).sum())(tensor([-Infinity, -Infinity, 1, 2])), [4], [0, 0, 1 + 1 / (1 + Math.E), Math.E / (1 + Math.E)]);
  });

  it('a +∞ leaves the gradient of the elements before it finite, as PyTorch', () => {
    // x = [0, ∞, 1]: out = [0, ∞, ∞], so x[0] gets its share of out[0] alone; the ∞ itself NaN, x[2] 0.
    expectTensor(grad((x: Tensor) => logCumSumExp(x, 0).mul(tensor([1, 2, 3])).sum())(tensor([0, Infinity, 1])), [3], [1, NaN, 0]);
    expectTensor(grad((x: Tensor) => logCumSumExp(x, 0).sum())(tensor([Infinity, 0, 1])), [3], [NaN, 0, 0]);
  });

  it('errors name logCumSumExp', () => {
    expectThrows(() => logCumSumExp(scalar(1), 0), ValueError, 'logCumSumExp: needs at least one axis, got a scalar');
    expectThrows(() => logCumSumExp(tensor([1, 2]), 1), ValueError, 'logCumSumExp');
  });
});

describe("norm's ord", () => {
  const x = tensor([[3, -4, 0], [0, 0, 0]]);
  it('p-norms, ±∞ and 0 over an axis, as torch.linalg.vector_norm', () => {
    expectTensor(norm(x, 1, false, { ord: 1 }), [2], [7, 0]);
    expectTensor(norm(x, 1, false, { ord: 3 }), [2], [Math.cbrt(91), 0]);
    expectTensor(norm(x, 1, false, { ord: Infinity }), [2], [4, 0]);
    expectTensor(norm(x, 1, false, { ord: -Infinity }), [2], [0, 0]);
    expectTensor(norm(x, 1, false, { ord: 0 }), [2], [2, 0]);
    expectTensor(norm(x, undefined, true, { ord: 0.5 }), [1, 1], [(Math.sqrt(3) + 2) ** 2]);
    expectTensor(x.norm(1, false, { ord: 2 }), [2], [5, 0]);
  });

  it('p-norms neither overflow nor underflow, and keep ∞ and NaN', () => {
    expect(norm(tensor([3e200, 4e200]), 0, false, { ord: 3 }).item() / 1e200).toBeCloseTo(Math.cbrt(91), 13);
    expect(norm(tensor([3e-200, 4e-200]), 0, false, { ord: 3 }).item() / 1e-200).toBeCloseTo(Math.cbrt(91), 13);
    expectTensor(norm(tensor([Infinity, 1]), 0, false, { ord: 3 }), [], Infinity);
    expectTensor(norm(tensor([NaN, 1]), 0, false, { ord: 3 }), [], NaN);
  });

  it('gradients: |x|^{p−1}·sign(x)/‖x‖^{p−1}, 0 for a zero vector, ∞-norm ties shared', () => {
    const g3 = grad((t: Tensor) => norm(t, 1, false, { ord: 3 }).sum())(x).toArray() as number[][];
    const n3 = Math.cbrt(91);
    expect(g3[0]![0]).toBeCloseTo(9 / n3 ** 2, 14);
    expect(g3[0]![1]).toBeCloseTo(-16 / n3 ** 2, 14);
    expect(g3[1]).toEqual([0, 0, 0]);
    expect(grad((t: Tensor) => norm(t, 0, false, { ord: Infinity }))(tensor([2, -2, 1])).toArray()).toEqual([0.5, -0.5, 0]);
  });

  it('p < 1: a zero element gets 0 (as PyTorch), not the NaN of sign(0)·∞, in every mode', () => {
    const f = (t: Tensor): Tensor => norm(t, 0, false, { ord: 0.5 });
    const v = tensor([0, 4, -1]); // ‖v‖ = (2 + 1)² = 9; ∂/∂vᵢ = sign(vᵢ)·|vᵢ|^{−½}·‖v‖^{½} = ±3/√|vᵢ|
    expectTensor(grad(f)(v), [3], [0, 1.5, -3]);
    expectTensor(jvp(f, [v], [tensor([1, 1, 1])])[1], [], -1.5);
    // Where both are nonzero, PyTorch's Hessian; the zero element's row and column (NaN there) 0.
    expectTensor(hessian(f)(v), [3, 3], [[0, 0, 0], [0, -0.0625, -0.25], [0, -0.25, -1]]);
  });

  it('options in the place of keepDims are refused, not taken for keepDims', () => {
    expectThrows(() => norm(tensor([3, -4]), 0, { ord: 1 } as never), ValueError, 'norm: keepDims must be true or false, got an object (options go after keepDims)');
    // variance and std take options after keepDims too: { correction: 1 } there gave the population variance.
    expectThrows(() => variance(tensor([1, 2, 3, 4]), 0, { correction: 1 } as never), ValueError, 'variance: keepDims must be true or false, got an object (options go after keepDims)');
    expectThrows(() => std(tensor([1, 2, 3, 4]), 0, { correction: 1 } as never), ValueError, 'std: keepDims must be true or false, got an object (options go after keepDims)');
  });

  it('a bad ord, or the ∞-norm of nothing, is a ValueError naming norm', () => {
    expectThrows(() => norm(x, 1, false, { ord: -1 }), ValueError, 'norm: ord must be a number ≥ 0, Infinity or -Infinity, got -1');
    expectThrows(() => norm(x, 1, false, { ord: NaN }), ValueError, 'norm: ord must be');
    expectThrows(() => norm(zeros([2, 0]), 1, false, { ord: Infinity }), ValueError, 'norm: the Infinity-norm of an empty vector is undefined');
    expectThrows(() => norm(zeros([0]), undefined, false, { ord: -Infinity }), ValueError, 'norm: the -Infinity-norm of an empty vector is undefined, and the tensor of shape [0] is empty');
    expectThrows(() => norm(scalar(1), 0, false, { ord: 1 }), ValueError, 'norm');
    expectTensor(norm(zeros([2, 0]), 1, false, { ord: 3 }), [2], [0, 0]);
  });
});
