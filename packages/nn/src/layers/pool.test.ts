import { ShapeError, Tensor, ValueError, randn, tensor, zeros } from '@adjoint/core';
import { assertGrad } from '@adjoint/gradcheck';
import { AvgPool2d, MaxPool2d } from './pool';
import { Sequential } from './sequential';
import { Conv2d } from './conv';
import { deserializeModel, serializeModel } from '../io/model-file';
import { expectNear } from '../testing/sequences';
import { expectError } from '../testing/errors';

/** PyTorch's pooling on plain numbers: max (padding never chosen) or mean (padding counted as zeros). */
function byHand(kind: 'max' | 'avg', x: Tensor, [kh, kw]: readonly number[], [sh, sw]: readonly number[], [ph, pw]: readonly number[]): { shape: number[]; data: number[] } {
  const [n, c, h, w] = x.shape as number[];
  const oh = Math.floor((h! + 2 * ph! - kh!) / sh!) + 1;
  const ow = Math.floor((w! + 2 * pw! - kw!) / sw!) + 1;
  const data: number[] = [];
  for (let plane = 0; plane < n! * c!; plane++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let best = -Infinity;
        let sum = 0;
        for (let a = 0; a < kh!; a++) {
          for (let b = 0; b < kw!; b++) {
            const r = i * sh! + a - ph!;
            const q = j * sw! + b - pw!;
            if (r < 0 || q < 0 || r >= h! || q >= w!) continue;
            const v = x.data[(plane * h! + r) * w! + q]!;
            best = Math.max(best, v);
            sum += v;
          }
        }
        data.push(kind === 'max' ? best : sum / (kh! * kw!));
      }
    }
  }
  return { shape: [n!, c!, oh, ow], data };
}

describe.each([
  ['MaxPool2d', MaxPool2d, 'max'],
  ['AvgPool2d', AvgPool2d, 'avg'],
] as const)('%s', (name, Pool, kind) => {
  test.each([
    ['kernel 2 (stride 2 by default)', 2, {}, [2, 2], [2, 2], [0, 0]],
    ['kernel 3, stride 1, padding 1', 3, { stride: 1, padding: 1 }, [3, 3], [1, 1], [1, 1]],
    ['kernel [2, 3], stride [1, 2], padding [1, 0]', [2, 3], { stride: [1, 2], padding: [1, 0] }, [2, 3], [1, 2], [1, 0]],
  ] as const)('%s: the values of the definition (checked on plain numbers)', (_, kernelSize, options, kernel, stride, padding) => {
    const pool = new Pool(kernelSize, options);
    expect(pool.kernelSize).toEqual(kernel);
    expect(pool.stride).toEqual(stride);
    expect(pool.padding).toEqual(padding);
    const x = randn([2, 3, 7, 6], { seed: 1 });
    const y = pool.forward(x);
    const expected = byHand(kind, x, kernel, stride, padding);
    expect(y.shape).toEqual(expected.shape);
    expectNear(y.data, expected.data, kind === 'max' ? 0 : 1e-12);
    expect(pool.parameters()).toEqual([]);
  });

  test('by hand', () => {
    const x = tensor([[[[1, 2, 5, 6], [3, 4, 7, 8], [0, 0, 1, 0], [0, 9, 0, 0]]]]);
    expect(new Pool(2).forward(x).toArray()).toEqual(kind === 'max' ? [[[[4, 8], [9, 1]]]] : [[[[2.5, 6.5], [2.25, 0.25]]]]);
  });

  test('errors name the layer, the values and the shapes', () => {
    expectError(() => new Pool(0), ValueError, `${name}: kernelSize must be a positive integer or a pair of them, got 0`);
    expectError(() => new Pool(2, { stride: [1] as never }), ValueError, `${name}: stride must be a positive integer or a pair of them, got [1]`);
    expectError(() => new Pool(2, { padding: 2 }), ValueError, `${name}: padding must be at most half the kernel size, got padding [2, 2] for kernelSize [2, 2]`);
    expectError(() => new Pool(2, { dilation: 2 } as never), ValueError, `${name}: unknown option 'dilation'; the options are stride, padding`);
    const pool = new Pool(3);
    expectError(() => pool.forward(zeros([2, 8, 8])), ShapeError, `${name}.forward: input must be [batch, channels, height, width] with at least one channel, got [2, 8, 8]`);
    expectError(() => pool.forward(zeros([1, 0, 8, 8])), ShapeError, `${name}.forward: input must be [batch, channels, height, width] with at least one channel, got [1, 0, 8, 8]`);
    expectError(() => pool.forward(zeros([1, 1, 0, 8])), ShapeError, `${name}.forward: input [1, 1, 0, 8] has height 0`);
    expectError(() => pool.forward(zeros([1, 1, 8, 0])), ShapeError, `${name}.forward: input [1, 1, 8, 0] has width 0`);
    expectError(() => pool.forward(zeros([1, 1, 2, 8])), ShapeError, `${name}.forward: input [1, 1, 2, 8] is 2×8, 2×8 padded, smaller than the 3×3 window`);
    expectError(() => new Pool(3, { padding: 1 }).forward(zeros([1, 1, 8, 0])), ShapeError, `${name}.forward: input [1, 1, 8, 0] has width 0`);
    expectError(() => pool.forward(5 as never), ValueError, `${name}.forward: input must be a Tensor, got number 5`);
  });

  test('describes itself', () => {
    expect(String(new Pool(2))).toBe(`${name}(kernel 2×2, stride 2×2)`);
    expect(String(new Pool([3, 2], { stride: 1, padding: [1, 0] }))).toBe(`${name}(kernel 3×2, stride 1×1, padding 1×0)`);
  });

  test('gradient check (second order for the average, whose map is linear)', () => {
    const pool = new Pool(2, { stride: 1, padding: 1 });
    // Distinct values, so that no window's maximum is tied.
    const x = tensor(Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(7 * i) * 3)).reshape([1, 2, 3, 4]);
    assertGrad((input: Tensor) => pool.forward(input).square(), [x], { order: kind === 'max' ? 1 : 2 });
  });

  test('a model file round trip keeps the window and the outputs', () => {
    const model = new Sequential([new Conv2d(1, 2, 3, { padding: 1, seed: 2 }), new Pool([3, 2], { stride: [2, 1], padding: [1, 0] })]);
    const loaded = deserializeModel(serializeModel(model));
    expect(String(loaded)).toBe(String(model));
    const x = randn([2, 1, 7, 5], { seed: 3 });
    expect(Array.from(loaded.forward(x).data)).toEqual(Array.from(model.forward(x).data));
  });
});
