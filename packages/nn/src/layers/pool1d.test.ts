import { ShapeError, Tensor, ValueError, randn, tensor, zeros } from '@adjoint/core';
import { assertGrad } from '@adjoint/gradcheck';
import { AvgPool1d, MaxPool1d } from './pool1d';
import { AvgPool2d, MaxPool2d } from './pool';
import { Conv1d } from './conv1d';
import { Sequential } from './sequential';
import { deserializeModel, serializeModel } from '../io/model-file';
import { moduleToConfig } from '../io/architecture';
import { expectNear } from '../testing/sequences';
import { expectError } from '../testing/errors';

/** PyTorch's 1-D pooling on plain numbers: max (padding never chosen) or mean (padding counted as zeros). */
function byHand(kind: 'max' | 'avg', x: Tensor, k: number, s: number, p: number): { shape: number[]; data: number[] } {
  const [n, c, length] = x.shape as number[];
  const out = Math.floor((length! + 2 * p - k) / s) + 1;
  const data: number[] = [];
  for (let row = 0; row < n! * c!; row++) {
    for (let i = 0; i < out; i++) {
      let best = -Infinity;
      let sum = 0;
      for (let a = 0; a < k; a++) {
        const at = i * s + a - p;
        if (at < 0 || at >= length!) continue;
        const v = x.data[row * length! + at]!;
        best = Math.max(best, v);
        sum += v;
      }
      data.push(kind === 'max' ? best : sum / k);
    }
  }
  return { shape: [n!, c!, out], data };
}

describe.each([
  ['MaxPool1d', MaxPool1d, MaxPool2d, 'max'],
  ['AvgPool1d', AvgPool1d, AvgPool2d, 'avg'],
] as const)('%s', (name, Pool, Pool2, kind) => {
  test.each([
    ['kernel 2 (stride 2 by default)', 2, {}, 2, 2, 0],
    ['kernel 3, stride 1, padding 1', 3, { stride: 1, padding: 1 }, 3, 1, 1],
    ['kernel 4, stride 3, padding 2', 4, { stride: 3, padding: 2 }, 4, 3, 2],
  ] as const)('%s: the values of the definition (checked on plain numbers), as the 2-D pool on [N, C, 1, L]', (_, kernelSize, options, k, s, p) => {
    const pool = new Pool(kernelSize, options);
    expect([pool.kernelSize, pool.stride, pool.padding]).toEqual([k, s, p]);
    const x = randn([2, 3, 11], { seed: 1 });
    const y = pool.forward(x);
    const expected = byHand(kind, x, k, s, p);
    expect(y.shape).toEqual(expected.shape);
    expectNear(y.data, expected.data, kind === 'max' ? 0 : 1e-12);
    const wide = new Pool2([1, k], { stride: [1, s], padding: [0, p] }).forward(x.reshape([2, 3, 1, 11]));
    expect(Array.from(y.data)).toEqual(Array.from(wide.data));
    expect(pool.parameters()).toEqual([]);
  });

  test('by hand', () => {
    const x = tensor([[[1, 2, 5, 6, 0], [3, -4, 7, 8, 9]]]);
    expect(new Pool(2).forward(x).toArray()).toEqual(kind === 'max' ? [[[2, 6], [3, 8]]] : [[[1.5, 5.5], [-0.5, 7.5]]]);
  });

  test('errors name the layer (and its forward), the values and the shapes', () => {
    expectError(() => new Pool(0), ValueError, `${name}: kernelSize must be a positive integer, got 0`);
    expectError(() => new Pool([2, 2] as never), ValueError, `${name}: kernelSize must be a positive integer, got an array of length 2`);
    expectError(() => new Pool(2, { stride: 0 }), ValueError, `${name}: stride must be a positive integer, got 0`);
    expectError(() => new Pool(2, { padding: -1 }), ValueError, `${name}: padding must be a non-negative integer, got -1`);
    expectError(() => new Pool(3, { padding: 2 }), ValueError, `${name}: padding must be at most half the kernel size, got padding 2 for kernelSize 3`);
    expectError(() => new Pool(2, { dilation: 2 } as never), ValueError, `${name}: unknown option 'dilation'; the options are stride, padding`);
    const pool = new Pool(3);
    expectError(() => pool.forward(zeros([2, 8])), ShapeError, `${name}.forward: input must be [batch, channels, length] with at least one channel, got [2, 8]`);
    expectError(() => pool.forward(zeros([2, 0, 8])), ShapeError, `${name}.forward: input must be [batch, channels, length] with at least one channel, got [2, 0, 8]`);
    expectError(() => pool.forward(zeros([1, 1, 2])), ShapeError, `${name}.forward: input [1, 1, 2] has length 2, 2 padded, shorter than the window of 3`);
    expectError(() => pool.forward(zeros([1, 1, 0])), ShapeError, `${name}.forward: input [1, 1, 0] has length 0`);
    expectError(() => pool.forward(5 as never), ValueError, `${name}.forward: input must be a Tensor, got number 5`);
  });

  test('describes itself', () => {
    expect(String(new Pool(2))).toBe(`${name}(kernel 2, stride 2)`);
    expect(String(new Pool(3, { stride: 1, padding: 1 }))).toBe(`${name}(kernel 3, stride 1, padding 1)`);
  });

  test('gradient check in float64 (second order for the average, whose map is linear)', () => {
    const pool = new Pool(2, { stride: 1, padding: 1 });
    // Distinct values, so that no window's maximum is tied.
    const x = tensor(Array.from({ length: 2 * 2 * 5 }, (_, i) => Math.sin(7 * i) * 3)).reshape([2, 2, 5]);
    assertGrad((input: Tensor) => pool.forward(input).square(), [x], { order: kind === 'max' ? 1 : 2 });
  });

  test('a model file round trip keeps the window and the outputs', () => {
    const model = new Sequential([new Conv1d(1, 2, 3, { padding: 1, seed: 2 }), new Pool(3, { stride: 2, padding: 1 })]);
    expect(moduleToConfig(model.layers[1]!)).toEqual({ type: name, kernelSize: 3, stride: 2, padding: 1 });
    const loaded = deserializeModel(serializeModel(model));
    expect(String(loaded)).toBe(String(model));
    const x = randn([2, 1, 9], { seed: 3 });
    expect(Array.from(loaded.forward(x).data)).toEqual(Array.from(model.forward(x).data));
    const file = JSON.parse(new TextDecoder().decode(serializeModel(model))) as { architecture: { layers: Array<Record<string, unknown>> } };
    file.architecture.layers[1]!.padding = [1];
    expect(() => deserializeModel(new TextEncoder().encode(JSON.stringify(file)))).toThrow("'padding' must be a non-negative integer, got");
  });
});
