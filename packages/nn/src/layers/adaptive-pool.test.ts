import { ShapeError, Tensor, ValueError, grad, randn, tensor, zeros } from '@adjoint/core';
import { assertGrad } from '@adjoint/gradcheck';
import { AdaptiveAvgPool2d, AdaptiveMaxPool2d } from './adaptive-pool';
import { Sequential } from './sequential';
import { deserializeModel, serializeModel } from '../io/model-file';
import { expectNear } from '../testing/sequences';
import { expectError } from '../testing/errors';

/** PyTorch's adaptive windows on plain numbers: rows [⌊i·H/oh⌋, ⌈(i + 1)·H/oh⌉), likewise columns; their mean or max. */
function byHand(kind: 'avg' | 'max', x: Tensor, oh: number, ow: number): number[] {
  const [n, c, h, w] = x.shape as number[];
  const out: number[] = [];
  for (let plane = 0; plane < n! * c!; plane++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const values: number[] = [];
        for (let r = Math.floor((i * h!) / oh); r < Math.ceil(((i + 1) * h!) / oh); r++) {
          for (let q = Math.floor((j * w!) / ow); q < Math.ceil(((j + 1) * w!) / ow); q++) values.push(x.data[(plane * h! + r) * w! + q]!);
        }
        out.push(kind === 'avg' ? values.reduce((a, v) => a + v, 0) / values.length : Math.max(...values));
      }
    }
  }
  return out;
}

describe.each([
  ['AdaptiveAvgPool2d', AdaptiveAvgPool2d, 'avg'],
  ['AdaptiveMaxPool2d', AdaptiveMaxPool2d, 'max'],
] as const)('%s', (name, Pool, kind) => {
  test.each([
    ['1 (global pooling)', 1, [1, 1]],
    ['[2, 3] on 6 × 9 (windows that tile the image)', [2, 3], [2, 3]],
    ['[4, 3] on 6 × 7 (overlapping windows of two sizes)', [4, 3], [4, 3]],
    ['[null, 4] (height kept)', [null, 4], [6, 4]],
    ['[9, null] (more rows than the input: rows repeated)', [9, null], [9, 7]],
  ] as const)('outputSize %s: the values of the definition', (_, outputSize, [oh, ow]) => {
    const x = randn([2, 3, 6, outputSize === 1 || outputSize[0] === 2 ? 9 : 7], { seed: 1 });
    const y = new Pool(outputSize as never).forward(x);
    expect(y.shape).toEqual([2, 3, oh, ow]);
    expectNear(y.data, byHand(kind, x, oh, ow), kind === 'max' ? 0 : 1e-14);
  });

  test('by hand', () => {
    const x = tensor([[[[1, 5, 3]]]]);
    expect(new Pool([1, 2]).forward(x).toArray()).toEqual(kind === 'avg' ? [[[[3, 4]]]] : [[[[5, 5]]]]);
  });

  test('gradient check in both modes (second order for the average, which is linear)', () => {
    // Distinct values, so that no window's maximum is tied.
    const x = tensor(Array.from({ length: 2 * 2 * 5 * 4 }, (_, i) => Math.sin(7 * i) * 3)).reshape([2, 2, 5, 4]);
    for (const size of [1, [3, 2], [2, 3]] as const) {
      assertGrad((input: Tensor) => new Pool(size as never).forward(input).square(), [x], { order: kind === 'max' ? 1 : 2 });
    }
  });

  test('describes itself; a model file keeps the output size', () => {
    expect(String(new Pool(1))).toBe(`${name}(output 1×1)`);
    expect(String(new Pool([null, 3]))).toBe(`${name}(output same×3)`);
    const model = new Sequential([new Pool([3, null])]);
    const loaded = deserializeModel(serializeModel(model));
    expect(String(loaded)).toBe(String(model));
    const x = randn([1, 2, 7, 5], { seed: 2 });
    expect(Array.from(loaded.forward(x).data)).toEqual(Array.from(model.forward(x).data));
  });

  test('errors name the layer and the shapes', () => {
    expectError(() => new Pool(0), ValueError, `${name}: outputSize must be a positive integer or a pair of positive integers or nulls, got 0`);
    expectError(() => new Pool([2, 2.5] as never), ValueError, `${name}: outputSize must be a positive integer or a pair of positive integers or nulls, got [2, 2.5]`);
    const pool = new Pool(2);
    expectError(() => pool.forward(zeros([3, 8, 8])), ShapeError, `${name}.forward: input must be [batch, channels, height, width] with channels, height and width at least 1, got [3, 8, 8]`);
    expectError(() => pool.forward(zeros([1, 2, 0, 8])), ShapeError, `${name}.forward: input must be [batch, channels, height, width] with channels, height and width at least 1, got [1, 2, 0, 8]`);
    expectError(() => pool.forward(null as never), ValueError, `${name}.forward: input must be a Tensor, got null`);
    expectError(() => new Pool([100000, 100000]).forward(zeros([1, 2, 3, 3])), ShapeError,
      `${name}.forward: input [1, 2, 3, 3] gives an output [1, 2, 100000, 100000], more than the 2147483647 values a tensor can hold`);
    expectError(() => new Pool([null, 100000]).forward(zeros([0, 2, 30000, 3])), ShapeError,
      `${name}.forward: input [0, 2, 30000, 3] gives an output [0, 2, 30000, 100000], more than the 2147483647 values a tensor can hold for one sample`);
  });
});

describe('AdaptiveMaxPool2d: NaN and ties in the gradient', () => {
  /** The gradient of the sum of the pooled windows, as plain numbers. */
  const dx = (x: Tensor, size: number | [number, number]): number[] => Array.from(grad((input: Tensor) => new AdaptiveMaxPool2d(size as never).forward(input).sum())(x).data);

  test.each([
    // Windows [0, 2), [1, 4), [3, 5): the NaN is window 1's maximum, and not in window 2, whose maximum (2) keeps its 1.
    ['overlapping windows', [1, NaN, 3, 2, 0], [1, 3], [0, 2, 0, 1, 0]],
    // Global pooling: the gradient goes to one element, the NaN, not NaN to every pixel of the image.
    ['global pooling', [1, NaN, 3, 2], 1, [0, 1, 0, 0]],
    // A maximum tied within a window goes to the first, as where the windows tile the image (maxPool2d).
    ['a tie', [5, 5, 3, 2, 0], [1, 3], [1, 1, 0, 1, 0]],
  ] as const)('%s: as PyTorch, a NaN takes its window\'s gradient and other windows keep theirs', (_, values, size, expected) => {
    expect(dx(tensor([[[values as unknown as number[]]]]), size as never)).toEqual(expected);
  });
});
