import { ShapeError, Tensor, ValueError, randn, tensor, zeros } from '@adjoint/core';
import { assertGrad, checkModule } from '@adjoint/gradcheck';
import { BatchNorm2d } from './batch-norm-2d';
import { BatchNorm } from './batch-norm';
import { Sequential } from './sequential';
import { Flatten } from './flatten';
import { functionalCall } from '../module';
import { mse } from '../losses';
import { expectError } from '../testing/errors';

/** Per channel of `x` [N, C, H, W], element by element: the mean and the biased variance over N, H, W. */
function channelStats(x: Tensor): { mean: number[]; variance: number[]; n: number } {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const mean: number[] = [];
  const variance: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    const values: number[] = [];
    for (let b = 0; b < n; b++) for (let i = 0; i < h * w; i++) values.push(x.data[(b * c + ch) * h * w + i]!);
    const mu = values.reduce((s, v) => s + v, 0) / values.length;
    mean.push(mu);
    variance.push(values.reduce((s, v) => s + (v - mu) ** 2, 0) / values.length);
  }
  return { mean, variance, n: n * h * w };
}

/** (x − mean[c])/√(var[c] + ε)·weight[c] + bias[c], element by element. */
function normalizeByHand(x: Tensor, mean: number[], variance: number[], eps: number, weight: ArrayLike<number>, bias: ArrayLike<number>): number[] {
  const [, c, h, w] = x.shape as [number, number, number, number];
  return Array.from(x.data, (v, i) => {
    const ch = Math.floor(i / (h * w)) % c;
    return ((v - mean[ch]!) / Math.sqrt(variance[ch]! + eps)) * weight[ch]! + bias[ch]!;
  });
}

/** Every element of `actual` within `tolerance` of `expected` (and the same count). */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  const worst = Array.from(actual).reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0);
  expect(worst).toBeLessThanOrEqual(tolerance);
}

/** A layer with a weight and bias other than ones and zeros. */
function layerWithAffine(c: number, seed: number, options = {}): BatchNorm2d {
  const bn = new BatchNorm2d(c, options);
  bn.weight.data.set(randn([c], { seed }).data);
  bn.bias.data.set(randn([c], { seed: seed + 1 }).data);
  return bn;
}

describe('BatchNorm2d', () => {
  test('parameters and buffers: PyTorch\'s names and initial values, [C] each', () => {
    const bn = new BatchNorm2d(3);
    expect(bn.namedParameters().map(([name, p]) => [name, p.shape, Array.from(p.data)])).toEqual([['weight', [3], [1, 1, 1]], ['bias', [3], [0, 0, 0]]]);
    expect(bn.namedBuffers().map(([name, b]) => [name, b.shape, Array.from(b.data)])).toEqual([['runningMean', [3], [0, 0, 0]], ['runningVar', [3], [1, 1, 1]]]);
    expect([bn.numFeatures, bn.eps, bn.momentum]).toEqual([3, 1e-5, 0.1]);
    expect(String(bn)).toBe('BatchNorm2d(3, momentum = 0.1, eps = 0.00001)');
    expect(String(new BatchNorm2d(2, { eps: 1e-3, momentum: 0.5 }))).toBe('BatchNorm2d(2, momentum = 0.5, eps = 0.001)');
  });

  test.each([
    ['[2, 3, 4, 5]', [2, 3, 4, 5]],
    ['H·W = 1', [6, 2, 1, 1]],
    ['a single image, N = 1', [1, 4, 3, 2]],
    ['one channel', [3, 1, 2, 5]],
  ])('training: batch statistics per channel over N, H, W, against a direct computation (%s)', (_, shape) => {
    const c = shape[1]!;
    const bn = layerWithAffine(c, 3, { eps: 1e-3 });
    const x = randn(shape, { seed: 4, std: 3, mean: 1 });
    const y = bn.forward(x);
    expect(y.shape).toEqual(shape);
    const { mean, variance } = channelStats(x);
    expectClose(y.data, normalizeByHand(x, mean, variance, 1e-3, bn.weight.data, bn.bias.data), 1e-12);
  });

  test('training output has per-channel mean 0 and (biased) variance σ²/(σ² + ε) with weight 1 and bias 0', () => {
    const x = randn([4, 3, 5, 5], { seed: 5, std: 4, mean: -2 });
    const y = new BatchNorm2d(3).forward(x);
    const { mean, variance } = channelStats(y);
    const before = channelStats(x).variance;
    mean.forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-14));
    variance.forEach((v, c) => expect(v).toBeCloseTo(before[c]! / (before[c]! + 1e-5), 12));
  });

  test('running statistics follow the momentum rule with the unbiased variance n/(n − 1), n = N·H·W (by hand)', () => {
    const bn = new BatchNorm2d(2);
    // Channel 0 holds 1, 2, 3, 6 and channel 1 holds 0, 0, 4, 4 (N = 2, H = 1, W = 2): means 3 and 2,
    // biased variances 3.5 and 4, unbiased 14/3 and 16/3.
    const x = tensor([[[[1, 2]], [[0, 0]]], [[[3, 6]], [[4, 4]]]]);
    bn.forward(x);
    expectClose(bn.runningMean.data, [0.3, 0.2], 1e-15); // 0.9·0 + 0.1·[3, 2]
    expectClose(bn.runningVar.data, [0.9 + 1.4 / 3, 0.9 + 1.6 / 3], 1e-15); // 0.9·1 + 0.1·[14/3, 16/3]
    bn.forward(x);
    expectClose(bn.runningMean.data, [0.9 * 0.3 + 0.3, 0.9 * 0.2 + 0.2], 1e-15);
    expectClose(bn.runningVar.data, [0.9 * (0.9 + 1.4 / 3) + 1.4 / 3, 0.9 * (0.9 + 1.6 / 3) + 1.6 / 3], 1e-14);
  });

  test('running statistics over several random batches with a configured momentum, against a direct computation', () => {
    const bn = new BatchNorm2d(3, { momentum: 0.3 });
    let runningMean = [0, 0, 0];
    let runningVar = [1, 1, 1];
    for (let step = 0; step < 4; step++) {
      const x = randn([2, 3, 3, 2], { seed: 10 + step, std: 2, mean: step });
      bn.forward(x);
      const { mean, variance, n } = channelStats(x);
      runningMean = runningMean.map((r, c) => 0.7 * r + 0.3 * mean[c]!);
      runningVar = runningVar.map((r, c) => 0.7 * r + (0.3 * variance[c]! * n) / (n - 1));
    }
    expectClose(bn.runningMean.data, runningMean, 1e-14);
    expectClose(bn.runningVar.data, runningVar, 1e-13);
  });

  test('momentum 0 leaves the running statistics alone, momentum 1 replaces them by the batch\'s', () => {
    const x = randn([2, 2, 2, 2], { seed: 20 });
    const still = new BatchNorm2d(2, { momentum: 0 });
    still.forward(x);
    expect(Array.from(still.runningMean.data)).toEqual([0, 0]);
    expect(Array.from(still.runningVar.data)).toEqual([1, 1]);
    const latest = new BatchNorm2d(2, { momentum: 1 });
    latest.forward(x);
    const { mean, variance, n } = channelStats(x);
    expectClose(latest.runningMean.data, mean, 1e-15);
    expectClose(latest.runningVar.data, variance.map((v) => (v * n) / (n - 1)), 1e-15);
  });

  test('the same as BatchNorm over the channels of the image laid out as rows [N·H·W, C], running statistics included', () => {
    const x = randn([3, 4, 2, 3], { seed: 21 });
    const images = layerWithAffine(4, 22);
    const rows = new BatchNorm(4);
    rows.gamma.data.set(images.weight.data);
    rows.beta.data.set(images.bias.data);
    const asRows = (t: Tensor): Tensor => t.transpose([0, 2, 3, 1]).reshape([18, 4]);
    expectClose(asRows(images.forward(x)).data, rows.forward(asRows(x)).data, 1e-14);
    expectClose(images.runningMean.data, rows.runningMean.data, 1e-16);
    expectClose(images.runningVar.data, rows.runningVar.data, 1e-15);
    images.eval();
    rows.eval();
    expectClose(asRows(images.forward(x)).data, rows.forward(asRows(x)).data, 1e-14);
  });

  test('evaluation uses the running statistics and moves nothing: an affine map a·x + b per channel', () => {
    const bn = layerWithAffine(3, 30, { eps: 1e-3 });
    bn.runningMean.data.set([1, -2, 0.5]);
    bn.runningVar.data.set([4, 0.25, 2]);
    bn.eval();
    const x = randn([2, 3, 4, 3], { seed: 31, std: 3 });
    const y = bn.forward(x);
    expectClose(y.data, normalizeByHand(x, [1, -2, 0.5], [4, 0.25, 2], 1e-3, bn.weight.data, bn.bias.data), 1e-13);
    // a[c] = weight[c]/√(runningVar[c] + ε), b[c] = bias[c] − runningMean[c]·a[c]
    const a = [0, 1, 2].map((c) => bn.weight.data[c]! / Math.sqrt(bn.runningVar.data[c]! + 1e-3));
    const b = [0, 1, 2].map((c) => bn.bias.data[c]! - bn.runningMean.data[c]! * a[c]!);
    expectClose(y.data, Array.from(x.data, (v, i) => a[Math.floor(i / 12) % 3]! * v + b[Math.floor(i / 12) % 3]!), 1e-13);
    // Each image's output depends on itself only, and the statistics stay as they were.
    expectClose(bn.forward(x.slice([1, 0, 0, 0], [1, 3, 4, 3])).data, y.data.slice(36), 0);
    expect(Array.from(bn.runningMean.data)).toEqual([1, -2, 0.5]);
    expect(Array.from(bn.runningVar.data)).toEqual([4, 0.25, 2]);
    // A single 1 × 1 image works in evaluation.
    expect(bn.forward(randn([1, 3, 1, 1], { seed: 32 })).shape).toEqual([1, 3, 1, 1]);
  });

  test('train() after eval() uses the batch again', () => {
    const bn = new BatchNorm2d(2);
    const x = randn([2, 2, 3, 3], { seed: 33, mean: 5 });
    const trained = bn.forward(x);
    bn.eval();
    const evaluated = bn.forward(x);
    expect(Math.abs(evaluated.data[0]! - trained.data[0]!)).toBeGreaterThan(1);
    bn.train();
    const { mean, variance } = channelStats(x);
    expectClose(bn.forward(x).data, normalizeByHand(x, mean, variance, 1e-5, [1, 1], [0, 0]), 1e-12);
  });

  test('gradient check in training mode (batch statistics differentiated): x, weight and bias to first order in both modes, x to second order', () => {
    const bn = new BatchNorm2d(2);
    const x = randn([2, 2, 2, 3], { seed: 40 });
    const weight = randn([2], { seed: 41 });
    const bias = randn([2], { seed: 42 });
    assertGrad((x, weight, bias) => functionalCall(bn, { weight, bias }, x), [x, weight, bias], { order: 1 });
    assertGrad((x) => functionalCall(bn, { weight, bias }, x), [x], { order: 2, tolerance: 'auto' });
    // H·W = 1: the statistics over the batch axis alone.
    assertGrad((x, weight) => functionalCall(bn, { weight }, x), [randn([4, 2, 1, 1], { seed: 43 }), weight], { order: 2, tolerance: 'auto' });
  });

  test('checkModule over weight and bias in a model, to second order', () => {
    const model = new Sequential([layerWithAffine(3, 44), new Flatten()]);
    const x = randn([3, 3, 2, 2], { seed: 45 });
    const report = checkModule(model, x, randn([3, 12], { seed: 46 }), mse, { order: 2, tolerance: 'auto' });
    expect(report.parameters).toEqual(['0.weight', '0.bias']);
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
  });

  test('gradient check in evaluation mode, to second order', () => {
    const bn = layerWithAffine(2, 47);
    bn.forward(randn([3, 2, 2, 2], { seed: 48 }));
    bn.eval();
    assertGrad((x, weight, bias) => functionalCall(bn, { weight, bias }, x), [randn([2, 2, 3, 2], { seed: 49 }), bn.weight.clone(), bn.bias.clone()], { order: 2, tolerance: 'auto' });
  });

  test('bad constructor arguments are ValueErrors naming BatchNorm2d and the value', () => {
    expectError(() => new BatchNorm2d(0), ValueError, 'BatchNorm2d: numFeatures must be a positive integer up to 2147483647, got 0');
    expectError(() => new BatchNorm2d(2.5), ValueError, 'BatchNorm2d: numFeatures must be a positive integer up to 2147483647, got 2.5');
    expectError(() => new BatchNorm2d('3' as never), ValueError, 'BatchNorm2d: numFeatures must be a positive integer up to 2147483647, got "3"');
    expectError(() => new BatchNorm2d(3, { eps: 0 }), ValueError, 'BatchNorm2d: eps must be a positive finite number, got 0');
    expectError(() => new BatchNorm2d(3, { eps: -1e-5 }), ValueError, 'BatchNorm2d: eps must be a positive finite number, got -0.00001');
    expectError(() => new BatchNorm2d(3, { eps: Infinity }), ValueError, 'BatchNorm2d: eps must be a positive finite number, got Infinity');
    expectError(() => new BatchNorm2d(3, { eps: NaN }), ValueError, 'BatchNorm2d: eps must be a positive finite number, got NaN');
    expectError(() => new BatchNorm2d(3, { momentum: 1.5 }), ValueError, 'BatchNorm2d: momentum must be in [0, 1], got 1.5');
    expectError(() => new BatchNorm2d(3, { momentum: -0.1 }), ValueError, 'BatchNorm2d: momentum must be in [0, 1], got -0.1');
    expectError(() => new BatchNorm2d(3, { momentum: null as never }), ValueError, 'BatchNorm2d: momentum must be in [0, 1], got null');
    expectError(() => new BatchNorm2d(3, { affine: false } as never), ValueError, "BatchNorm2d: unknown option 'affine'; the options are eps, momentum");
  });

  test('bad inputs: ShapeErrors for the wrong rank or channel count, a ValueError for a non-tensor or one value per channel in training', () => {
    const bn = new BatchNorm2d(3);
    expectError(() => bn.forward(zeros([2, 4, 5, 5])), ShapeError, 'BatchNorm2d.forward: input must be [batch, 3, height, width], got [2, 4, 5, 5]');
    expectError(() => bn.forward(zeros([2, 3, 5])), ShapeError, 'BatchNorm2d.forward: input must be [batch, 3, height, width], got [2, 3, 5]');
    expectError(() => bn.forward(zeros([2, 3])), ShapeError, 'BatchNorm2d.forward: input must be [batch, 3, height, width], got [2, 3]');
    expectError(() => bn.forward([[1, 2, 3]] as never), ValueError, 'BatchNorm2d.forward: input must be a Tensor, got an array of length 1; make one with tensor(…)');
    expectError(
      () => bn.forward(zeros([1, 3, 1, 1])),
      ValueError,
      'BatchNorm2d.forward: expected more than 1 value per channel when training, got input [1, 3, 1, 1] (1 per channel; use eval() for a single 1 × 1 image, or dropLast in fit)',
    );
    expectError(() => bn.forward(zeros([0, 3, 4, 4])), ValueError, 'BatchNorm2d.forward: expected more than 1 value per channel when training, got input [0, 3, 4, 4] (0 per channel)');
    expect(Array.from(bn.runningMean.data)).toEqual([0, 0, 0]); // the refused call moved nothing
    // Two values per channel are enough: from one image of 2 pixels, or from two 1 × 1 images.
    expectClose(bn.forward(tensor([[[[1], [3]], [[0], [2]], [[5], [5]]]])).data, [-1, 1, -1, 1, 0, 0].map((v, i) => (i < 4 ? v / Math.sqrt(1 + 1e-5) : 0)), 1e-15);
    expectClose(bn.forward(tensor([[[[1]], [[0]], [[5]]], [[[3]], [[2]], [[5]]]])).data, [-1, -1, 0, 1, 1, 0].map((v) => v / Math.sqrt(1 + 1e-5)), 1e-15);
  });
});
