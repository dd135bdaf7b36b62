import { ShapeError, Tensor, ValueError, randn, tensor, zeros } from '@adjoint/core';
import { assertGrad, checkModule } from '@adjoint/gradcheck';
import { LayerNorm } from './layer-norm';
import { Sequential } from './sequential';
import { Flatten } from './flatten';
import { functionalCall } from '../module';
import { mse } from '../losses';
import { expectError } from '../testing/errors';

/**
 * LayerNorm written out on plain numbers: x as rows of `size` consecutive values (the trailing
 * axes), each row normalised with its own mean and biased variance, then weight and bias (flat,
 * of length `size`, or null) applied value by value.
 */
function byHand(x: Tensor, size: number, eps: number, weight: ArrayLike<number> | null, bias: ArrayLike<number> | null): number[] {
  const out: number[] = [];
  for (let start = 0; start < x.size; start += size) {
    const row = Array.from(x.data.subarray(start, start + size));
    const mean = row.reduce((s, v) => s + v, 0) / size;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / size;
    row.forEach((v, i) => out.push(((v - mean) / Math.sqrt(variance + eps)) * (weight === null ? 1 : weight[i]!) + (bias === null ? 0 : bias[i]!)));
  }
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  const worst = Array.from(actual).reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0);
  expect(worst).toBeLessThanOrEqual(tolerance);
}

/** A layer whose weight and bias are not ones and zeros. */
function layerWithAffine(shape: number | number[], seed: number, options = {}): LayerNorm {
  const norm = new LayerNorm(shape, options);
  norm.weight?.data.set(randn(norm.normalizedShape, { seed }).data);
  norm.bias?.data.set(randn(norm.normalizedShape, { seed: seed + 1 }).data);
  return norm;
}

describe('LayerNorm', () => {
  test("parameters: PyTorch's names, ones and zeros of normalizedShape; none without elementwiseAffine, no bias with bias: false", () => {
    const norm = new LayerNorm([2, 3]);
    expect(norm.normalizedShape).toEqual([2, 3]);
    expect(norm.namedParameters().map(([name, p]) => [name, p.shape, Array.from(p.data)])).toEqual([['weight', [2, 3], [1, 1, 1, 1, 1, 1]], ['bias', [2, 3], [0, 0, 0, 0, 0, 0]]]);
    expect(norm.namedBuffers()).toEqual([]);
    expect([norm.eps, norm.elementwiseAffine]).toEqual([1e-5, true]);
    expect(new LayerNorm(4).normalizedShape).toEqual([4]);
    const noBias = new LayerNorm(4, { bias: false });
    expect(noBias.namedParameters().map(([name]) => name)).toEqual(['weight']);
    expect(noBias.bias).toBeNull();
    const plain = new LayerNorm(4, { elementwiseAffine: false });
    expect(plain.namedParameters()).toEqual([]);
    expect([plain.weight, plain.bias]).toEqual([null, null]);
    expect(new LayerNorm(4, { elementwiseAffine: false, bias: true }).namedParameters()).toEqual([]);
    expect(String(norm)).toBe('LayerNorm([2, 3], eps = 0.00001)');
    expect(String(noBias)).toBe('LayerNorm([4], eps = 0.00001, bias = false)');
    expect(String(new LayerNorm([5], { eps: 1e-3, elementwiseAffine: false }))).toBe('LayerNorm([5], eps = 0.001, elementwiseAffine = false)');
  });

  test.each([
    ['rows [3, 5], normalizedShape 5', [3, 5], 5],
    ['tokens [2, 4, 6], normalizedShape [6]', [2, 4, 6], [6]],
    ['[4, 2, 3], normalizedShape [2, 3] (two axes)', [4, 2, 3], [2, 3]],
    ['[2, 3, 2, 2], normalizedShape [3, 2, 2] (three axes)', [2, 3, 2, 2], [3, 2, 2]],
    ['a single sample [2, 3] with normalizedShape [2, 3] (no batch axis)', [2, 3], [2, 3]],
    ['no rows: [0, 4]', [0, 4], 4],
  ])('values against a direct computation: %s', (_, shape, normalizedShape) => {
    const norm = layerWithAffine(normalizedShape as number | number[], 1, { eps: 1e-3 });
    const size = norm.normalizedShape.reduce((a, b) => a * b, 1);
    const x = randn(shape as number[], { seed: 2, std: 3, mean: 2 });
    const y = norm.forward(x);
    expect(y.shape).toEqual(shape);
    expectClose(y.data, byHand(x, size, 1e-3, norm.weight!.data, norm.bias!.data), 1e-12);
    const noBias = layerWithAffine(normalizedShape as number | number[], 1, { eps: 1e-3, bias: false });
    expectClose(noBias.forward(x).data, byHand(x, size, 1e-3, noBias.weight!.data, null), 1e-12);
  });

  test('without elementwiseAffine: over the normalized axes, mean 0 and biased variance σ²/(σ² + ε) (1 as ε → 0)', () => {
    const x = randn([3, 4, 2, 5], { seed: 3, std: 7, mean: -4 });
    for (const eps of [1e-5, 1e-12]) {
      const y = new LayerNorm([2, 5], { eps, elementwiseAffine: false }).forward(x);
      const mean = y.mean([2, 3]);
      const variance = y.sub(y.mean([2, 3], true)).square().mean([2, 3]);
      const before = x.variance([2, 3]);
      mean.data.forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-15));
      expectClose(variance.data, Array.from(before.data, (v) => v / (v + eps)), 1e-14);
      variance.data.forEach((v) => expect(Math.abs(v - 1)).toBeLessThan(eps === 1e-12 ? 1e-12 : 1e-5));
    }
  });

  test('each sample on its own, and the same in training and evaluation (no running statistics)', () => {
    const norm = layerWithAffine([3], 4);
    const x = randn([5, 3], { seed: 5 });
    const trained = norm.forward(x);
    norm.eval();
    expect(Array.from(norm.forward(x).data)).toEqual(Array.from(trained.data));
    expect(Array.from(norm.forward(x.slice([2, 0], [1, 3])).data)).toEqual(Array.from(trained.data.slice(6, 9)));
    // A constant row has no deviation: it becomes the bias.
    expectClose(norm.forward(tensor([[2, 2, 2]])).data, norm.bias!.data, 0);
  });

  test('gradient checks: x, weight and bias to first order in both modes, x to second order (one axis and two)', () => {
    const one = new LayerNorm(4);
    const x = randn([3, 4], { seed: 6 });
    const [weight, bias] = [randn([4], { seed: 7 }), randn([4], { seed: 8 })];
    assertGrad((x, weight, bias) => functionalCall(one, { weight, bias }, x), [x, weight, bias], { order: 1 });
    assertGrad((x) => functionalCall(one, { weight, bias }, x), [x], { order: 2, tolerance: 'auto' });
    const two = new LayerNorm([2, 3]);
    const x2 = randn([2, 2, 3], { seed: 9 });
    const [weight2, bias2] = [randn([2, 3], { seed: 10 }), randn([2, 3], { seed: 11 })];
    assertGrad((x, weight, bias) => functionalCall(two, { weight, bias }, x), [x2, weight2, bias2], { order: 1 });
    assertGrad((x) => functionalCall(two, { weight: weight2, bias: bias2 }, x), [x2], { order: 2, tolerance: 'auto' });
    assertGrad((x) => new LayerNorm([3], { elementwiseAffine: false }).forward(x), [randn([2, 2, 3], { seed: 12 })], { order: 2, tolerance: 'auto' });
  });

  test('checkModule over weight and bias in a model, to second order', () => {
    const model = new Sequential([layerWithAffine([2, 3], 13), new Flatten()]);
    const report = checkModule(model, randn([4, 2, 3], { seed: 14 }), randn([4, 6], { seed: 15 }), mse, { order: 2, tolerance: 'auto' });
    expect(report.parameters).toEqual(['0.weight', '0.bias']);
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
  });

  test('bad constructor arguments are ValueErrors naming LayerNorm and the value', () => {
    const message = (got: string) => `LayerNorm: normalizedShape must be a positive integer or a list of 1 to 64 of them (a tensor's most axes), got ${got}`;
    expectError(() => new LayerNorm(0), ValueError, message('0'));
    expectError(() => new LayerNorm(2.5), ValueError, message('2.5'));
    expectError(() => new LayerNorm(-3), ValueError, message('-3'));
    expectError(() => new LayerNorm([]), ValueError, message('a list of length 0'));
    expectError(() => new LayerNorm([2, 0]), ValueError, message('0 at index 1'));
    expectError(() => new LayerNorm([2, 1.5]), ValueError, message('1.5 at index 1'));
    expectError(() => new LayerNorm([2, , 3] as never), ValueError, message('undefined at index 1'));
    expectError(() => new LayerNorm([...Array<number>(20).fill(2), '2'] as never), ValueError, message('"2" at index 20'));
    expectError(() => new LayerNorm(Array<number>(65).fill(1)), ValueError, message('a list of length 65'));
    expectError(() => new LayerNorm('4' as never), ValueError, message('"4"'));
    // Without a weight there is nothing to allocate, so no size to refuse up front.
    expect(new LayerNorm([50_000, 50_000], { elementwiseAffine: false }).parameters()).toEqual([]);
    expectError(() => new LayerNorm([50_000, 50_000]), ValueError, 'LayerNorm: a 50000 × 50000 weight would hold 2500000000 values, more than the 2147483647 a tensor can hold');
    expectError(() => new LayerNorm(4, { eps: 0 }), ValueError, 'LayerNorm: eps must be a positive finite number, got 0');
    expectError(() => new LayerNorm(4, { eps: -1 }), ValueError, 'LayerNorm: eps must be a positive finite number, got -1');
    expectError(() => new LayerNorm(4, { eps: Infinity }), ValueError, 'LayerNorm: eps must be a positive finite number, got Infinity');
    expectError(() => new LayerNorm(4, { eps: NaN }), ValueError, 'LayerNorm: eps must be a positive finite number, got NaN');
    expectError(() => new LayerNorm(4, { elementwiseAffine: 1 as never }), ValueError, 'LayerNorm: elementwiseAffine must be true or false, got 1');
    expectError(() => new LayerNorm(4, { bias: 'no' as never }), ValueError, 'LayerNorm: bias must be true or false, got "no"');
    expectError(() => new LayerNorm(4, { elementwise_affine: false } as never), ValueError, "LayerNorm: unknown option 'elementwise_affine'; the options are eps, elementwiseAffine, bias");
  });

  test('bad inputs: ShapeErrors naming LayerNorm.forward and both shapes, a ValueError for a non-tensor', () => {
    const norm = new LayerNorm([2, 3]);
    expectError(() => norm.forward(zeros([4, 3, 2])), ShapeError, 'LayerNorm.forward: input must end in normalizedShape [2, 3], got [4, 3, 2]');
    expectError(() => norm.forward(zeros([3])), ShapeError, 'LayerNorm.forward: input must end in normalizedShape [2, 3], got [3]');
    expectError(() => norm.forward(zeros([])), ShapeError, 'LayerNorm.forward: input must end in normalizedShape [2, 3], got []');
    expectError(() => new LayerNorm(4).forward(zeros([4, 5])), ShapeError, 'LayerNorm.forward: input must end in normalizedShape [4], got [4, 5]');
    expectError(() => norm.forward([[1, 2, 3]] as never), ValueError, 'LayerNorm.forward: input must be a Tensor, got an array of length 1; make one with tensor(…)');
  });
});
