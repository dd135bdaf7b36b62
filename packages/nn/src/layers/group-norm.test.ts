import { ShapeError, Tensor, ValueError, randn, zeros } from '@adjoint/core';
import { assertGrad, checkModule } from '@adjoint/gradcheck';
import { GroupNorm, InstanceNorm2d } from './group-norm';
import { Sequential } from './sequential';
import { Flatten } from './flatten';
import { functionalCall } from '../module';
import { mse } from '../losses';
import { deserializeModel, serializeModel } from '../io/model-file';
import { configStateSize, moduleToConfig } from '../io/architecture';
import { expectNear } from '../testing/sequences';
import { expectError } from '../testing/errors';

/**
 * Group normalisation on plain numbers: for each sample n and group g, the values of channels
 * g·C/G … (g + 1)·C/G − 1 at every position, normalised with their mean and biased variance, then
 * weight[c] and bias[c] (or none).
 */
function byHand(x: Tensor, groups: number, eps: number, weight: ArrayLike<number> | null, bias: ArrayLike<number> | null): number[] {
  const [n, c] = x.shape as number[];
  const positions = x.size / (n! * c!);
  const out = new Array<number>(x.size);
  const perGroup = (c! / groups) * positions;
  for (let s = 0; s < n!; s++) {
    for (let g = 0; g < groups; g++) {
      const start = (s * c! + (g * c!) / groups) * positions;
      const values = Array.from(x.data.subarray(start, start + perGroup));
      const mean = values.reduce((a, v) => a + v, 0) / perGroup;
      const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / perGroup;
      values.forEach((v, k) => {
        const channel = (g * c!) / groups + Math.floor(k / positions);
        out[start + k] = ((v - mean) / Math.sqrt(variance + eps)) * (weight === null ? 1 : weight[channel]!) + (bias === null ? 0 : bias[channel]!);
      });
    }
  }
  return out;
}

/** A layer whose weight and bias are not ones and zeros. */
function randomized<M extends GroupNorm | InstanceNorm2d>(layer: M, seed: number): M {
  layer.weight?.data.set(randn(layer.weight.shape, { seed }).data);
  layer.bias?.data.set(randn(layer.bias.shape, { seed: seed + 1 }).data);
  return layer;
}

describe('GroupNorm', () => {
  test("parameters: PyTorch's names, ones and zeros [C]; none with affine: false; no buffers", () => {
    const norm = new GroupNorm(2, 6);
    expect(norm.namedParameters().map(([name, p]) => [name, p.shape, Array.from(p.data)])).toEqual([['weight', [6], [1, 1, 1, 1, 1, 1]], ['bias', [6], [0, 0, 0, 0, 0, 0]]]);
    expect(norm.namedBuffers()).toEqual([]);
    expect([norm.numGroups, norm.numChannels, norm.eps, norm.affine]).toEqual([2, 6, 1e-5, true]);
    const plain = new GroupNorm(3, 6, { affine: false, eps: 1e-3 });
    expect(plain.namedParameters()).toEqual([]);
    expect([plain.weight, plain.bias]).toEqual([null, null]);
    expect(String(norm)).toBe('GroupNorm(2, 6, eps = 0.00001)');
    expect(String(plain)).toBe('GroupNorm(3, 6, eps = 0.001, affine = false)');
  });

  test.each([
    ['images [2, 6, 3, 4], 3 groups', [2, 6, 3, 4], 3],
    ['images, 1 group (LayerNorm over C, H, W)', [3, 4, 2, 2], 1],
    ['images, one group per channel (InstanceNorm)', [2, 4, 3, 3], 4],
    ['sequences [2, 6, 5]', [2, 6, 5], 2],
    ['no spatial axes [4, 6]', [4, 6], 3],
    ['volumes [1, 4, 2, 3, 2]', [1, 4, 2, 3, 2], 2],
  ])('values against a direct computation: %s', (_, shape, groups) => {
    const c = shape[1]!;
    const norm = randomized(new GroupNorm(groups as number, c, { eps: 1e-3 }), 1);
    const x = randn(shape as number[], { seed: 2, std: 3, mean: 2 });
    const y = norm.forward(x);
    expect(y.shape).toEqual(shape);
    expectNear(y.data, byHand(x, groups as number, 1e-3, norm.weight!.data, norm.bias!.data), 1e-12);
    expectNear(new GroupNorm(groups as number, c, { eps: 1e-3, affine: false }).forward(x).data, byHand(x, groups as number, 1e-3, null, null), 1e-12);
  });

  test('each sample on its own, the same in training and evaluation', () => {
    const norm = randomized(new GroupNorm(2, 4), 3);
    const x = randn([3, 4, 2, 2], { seed: 4 });
    const trained = norm.forward(x);
    norm.eval();
    expect(Array.from(norm.forward(x).data)).toEqual(Array.from(trained.data));
    expectNear(norm.forward(x.slice([1, 0, 0, 0], [1, 4, 2, 2])).data, Array.from(trained.data.slice(16, 32)), 1e-15);
  });

  test('gradient checks: x, weight and bias in both modes; x to second order; checkModule to second order', () => {
    const norm = new GroupNorm(2, 4);
    const x = randn([2, 4, 2, 3], { seed: 5 });
    const [weight, bias] = [randn([4], { seed: 6 }), randn([4], { seed: 7 })];
    assertGrad((x, weight, bias) => functionalCall(norm, { weight, bias }, x), [x, weight, bias], { order: 1 });
    assertGrad((x) => functionalCall(norm, { weight, bias }, x), [x], { order: 2, tolerance: 'auto' });
    const model = new Sequential([randomized(new GroupNorm(3, 6), 8), new Flatten()]);
    const report = checkModule(model, randn([3, 6, 2], { seed: 9 }), randn([3, 12], { seed: 10 }), mse, { order: 2, tolerance: 'auto' });
    expect(report.parameters).toEqual(['0.weight', '0.bias']);
    expect(report.ok).toBe(true);
  });

  test('a model file keeps the options and the weights; its config counts the parameters', () => {
    const model = new Sequential([randomized(new GroupNorm(2, 4, { eps: 1e-4 }), 11), new GroupNorm(4, 4, { affine: false })]);
    const loaded = deserializeModel(serializeModel(model));
    expect(String(loaded)).toBe(String(model));
    const x = randn([2, 4, 3, 3], { seed: 12 });
    expect(Array.from(loaded.forward(x).data)).toEqual(Array.from(model.forward(x).data));
    expect(configStateSize(moduleToConfig(model))).toBe(8);
  });

  test('errors name GroupNorm, the values and the shapes', () => {
    expectError(() => new GroupNorm(3, 8), ValueError, 'GroupNorm: numGroups must divide numChannels, got numGroups 3 for numChannels 8');
    expectError(() => new GroupNorm(0, 8), ValueError, 'GroupNorm: numGroups must be a positive integer up to 2147483647, got 0');
    expectError(() => new GroupNorm(2, 2.5), ValueError, 'GroupNorm: numChannels must be a positive integer up to 2147483647, got 2.5');
    expectError(() => new GroupNorm(2, 4, { eps: 0 }), ValueError, 'GroupNorm: eps must be a positive finite number, got 0');
    expectError(() => new GroupNorm(2, 4, { affine: 1 as never }), ValueError, 'GroupNorm: affine must be true or false, got 1');
    expectError(() => new GroupNorm(2, 4, { momentum: 0.1 } as never), ValueError, "GroupNorm: unknown option 'momentum'; the options are eps, affine");
    const norm = new GroupNorm(2, 4);
    expectError(() => norm.forward(zeros([2, 3, 5, 5])), ShapeError, 'GroupNorm.forward: input must be [batch, 4, …], got [2, 3, 5, 5]');
    expectError(() => norm.forward(zeros([4])), ShapeError, 'GroupNorm.forward: input must be [batch, 4, …], got [4]');
    expectError(() => norm.forward([1, 2] as never), ValueError, 'GroupNorm.forward: input must be a Tensor, got an array of length 2; make one with tensor(…)');
  });
});

describe('InstanceNorm2d', () => {
  test("PyTorch's defaults: no parameters, no buffers; affine adds weight and bias, trackRunningStats the running statistics", () => {
    const plain = new InstanceNorm2d(3);
    expect([plain.namedParameters(), plain.namedBuffers()]).toEqual([[], []]);
    expect([plain.eps, plain.momentum, plain.affine, plain.trackRunningStats]).toEqual([1e-5, 0.1, false, false]);
    const full = new InstanceNorm2d(3, { affine: true, trackRunningStats: true, momentum: 0.2 });
    expect(full.namedParameters().map(([name, p]) => [name, Array.from(p.data)])).toEqual([['weight', [1, 1, 1]], ['bias', [0, 0, 0]]]);
    expect(full.namedBuffers().map(([name, b]) => [name, Array.from(b.data)])).toEqual([['runningMean', [0, 0, 0]], ['runningVar', [1, 1, 1]]]);
    expect(String(plain)).toBe('InstanceNorm2d(3, eps = 0.00001)');
    expect(String(full)).toBe('InstanceNorm2d(3, eps = 0.00001, affine = true, trackRunningStats = true, momentum = 0.2)');
  });

  test('each channel of each sample over its positions: GroupNorm with a group per channel', () => {
    const norm = randomized(new InstanceNorm2d(4, { affine: true, eps: 1e-3 }), 13);
    const x = randn([2, 4, 3, 5], { seed: 14, std: 2, mean: -1 });
    expectNear(norm.forward(x).data, byHand(x, 4, 1e-3, norm.weight!.data, norm.bias!.data), 1e-12);
    norm.eval();
    expectNear(norm.forward(x).data, byHand(x, 4, 1e-3, norm.weight!.data, norm.bias!.data), 1e-12);
  });

  test('trackRunningStats: training updates the running statistics with the batch-averaged unbiased variance; evaluation uses them', () => {
    const norm = new InstanceNorm2d(2, { trackRunningStats: true, momentum: 0.25 });
    const x = randn([3, 2, 2, 3], { seed: 15, std: 2, mean: 1 });
    norm.forward(x);
    const [mean, variance] = [[0, 0], [0, 0]];
    for (let n = 0; n < 3; n++) {
      for (let c = 0; c < 2; c++) {
        const values = Array.from(x.data.subarray((n * 2 + c) * 6, (n * 2 + c + 1) * 6));
        const mu = values.reduce((a, v) => a + v, 0) / 6;
        mean[c]! += mu / 3;
        variance[c]! += values.reduce((a, v) => a + (v - mu) ** 2, 0) / 5 / 3;
      }
    }
    expectNear(norm.runningMean!.data, mean.map((m) => 0.25 * m), 1e-15);
    expectNear(norm.runningVar!.data, variance.map((v) => 0.75 + 0.25 * v), 1e-15);
    norm.eval();
    const y = norm.forward(x);
    expectNear(y.data, Array.from(x.data, (v, i) => {
      const c = Math.floor(i / 6) % 2;
      return (v - norm.runningMean!.data[c]!) / Math.sqrt(norm.runningVar!.data[c]! + 1e-5);
    }), 1e-14);
    // Without tracking, evaluation keeps the sample's own statistics.
    const untracked = new InstanceNorm2d(2);
    untracked.eval();
    expectNear(untracked.forward(x).data, byHand(x, 2, 1e-5, null, null), 1e-12);
  });

  test('gradient checks: x, weight and bias in both modes, x to second order', () => {
    const norm = new InstanceNorm2d(3, { affine: true });
    const x = randn([2, 3, 2, 2], { seed: 16 });
    const [weight, bias] = [randn([3], { seed: 17 }), randn([3], { seed: 18 })];
    assertGrad((x, weight, bias) => functionalCall(norm, { weight, bias }, x), [x, weight, bias], { order: 1 });
    assertGrad((x) => functionalCall(norm, { weight, bias }, x), [x], { order: 2, tolerance: 'auto' });
  });

  test('a model file keeps the options, weights and running statistics', () => {
    const norm = randomized(new InstanceNorm2d(3, { affine: true, trackRunningStats: true, momentum: 0.3, eps: 1e-4 }), 19);
    norm.forward(randn([2, 3, 4, 4], { seed: 20 }));
    const model = new Sequential([norm, new InstanceNorm2d(3)]);
    model.eval();
    const loaded = deserializeModel(serializeModel(model));
    loaded.eval();
    expect(String(loaded)).toBe(String(model));
    const x = randn([2, 3, 4, 4], { seed: 21 });
    expect(Array.from(loaded.forward(x).data)).toEqual(Array.from(model.forward(x).data));
    expect(configStateSize(moduleToConfig(model))).toBe(12);
  });

  test('errors name InstanceNorm2d, the values and the shapes', () => {
    expectError(() => new InstanceNorm2d(0), ValueError, 'InstanceNorm2d: numFeatures must be a positive integer up to 2147483647, got 0');
    expectError(() => new InstanceNorm2d(3, { momentum: 2 }), ValueError, 'InstanceNorm2d: momentum must be in [0, 1], got 2');
    expectError(() => new InstanceNorm2d(3, { trackRunningStats: 'yes' as never }), ValueError, 'InstanceNorm2d: trackRunningStats must be true or false, got "yes"');
    expectError(() => new InstanceNorm2d(3, { track_running_stats: true } as never), ValueError, "InstanceNorm2d: unknown option 'track_running_stats'; the options are eps, momentum, affine, trackRunningStats");
    const norm = new InstanceNorm2d(3);
    expectError(() => norm.forward(zeros([3, 4, 4])), ShapeError, 'InstanceNorm2d.forward: input must be [batch, 3, height, width], got [3, 4, 4]');
    expectError(() => norm.forward(zeros([2, 3, 1, 1])), ValueError, 'InstanceNorm2d.forward: expected more than 1 position per channel, got input [2, 3, 1, 1] (a 1 × 1 image normalises to 0)');
  });
});
