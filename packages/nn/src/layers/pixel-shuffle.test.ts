import { ShapeError, Tensor, ValueError, arange, randn, zeros } from '@adjoint/core';
import { assertGrad } from '@adjoint/gradcheck';
import { PixelShuffle, PixelUnshuffle } from './pixel-shuffle';
import { Sequential } from './sequential';
import { deserializeModel, serializeModel } from '../io/model-file';
import { expectError } from '../testing/errors';

describe('PixelShuffle and PixelUnshuffle', () => {
  test("PyTorch's order: output (i·r + a, j·r + b) of channel c is input channel c·r² + a·r + b at (i, j)", () => {
    const [n, c, h, w, r] = [2, 2, 3, 2, 3];
    const x = arange(n * c * r * r * h * w).reshape([n, c * r * r, h, w]);
    const y = new PixelShuffle(r).forward(x);
    expect(y.shape).toEqual([n, c, h * r, w * r]);
    for (let s = 0; s < n; s++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let a = 0; a < r; a++) for (let b = 0; b < r; b++) {
      const out = ((s * c + ch) * h * r + i * r + a) * w * r + j * r + b;
      const input = ((s * c * r * r + ch * r * r + a * r + b) * h + i) * w + j;
      expect(y.data[out]).toBe(x.data[input]);
    }
    expect(Array.from(new PixelUnshuffle(r).forward(y).data)).toEqual(Array.from(x.data));
  });

  test('leading axes beyond the batch, and none', () => {
    const x = randn([2, 3, 8, 2, 2], { seed: 1 });
    expect(new PixelShuffle(2).forward(x).shape).toEqual([2, 3, 2, 4, 4]);
    expect(Array.from(new PixelUnshuffle(2).forward(new PixelShuffle(2).forward(x)).data)).toEqual(Array.from(x.data));
    expect(new PixelShuffle(2).forward(randn([4, 1, 1], { seed: 2 })).shape).toEqual([1, 2, 2]);
  });

  test('gradient check in both modes and to second order', () => {
    const x = randn([1, 8, 2, 3], { seed: 3 });
    assertGrad((input: Tensor) => new PixelShuffle(2).forward(input).square(), [x], { order: 2 });
    assertGrad((input: Tensor) => new PixelUnshuffle(2).forward(input).square(), [randn([1, 2, 4, 2], { seed: 4 })], { order: 2 });
  });

  test('describe themselves; a model file keeps the factors', () => {
    const model = new Sequential([new PixelUnshuffle(2), new PixelShuffle(2)]);
    expect(String(model.layers[0])).toBe('PixelUnshuffle(2)');
    const loaded = deserializeModel(serializeModel(model));
    expect(String(loaded)).toBe(String(model));
    const x = randn([1, 2, 4, 6], { seed: 5 });
    expect(Array.from(loaded.forward(x).data)).toEqual(Array.from(x.data));
  });

  test('errors name the layer and the shapes', () => {
    expectError(() => new PixelShuffle(0), ValueError, 'PixelShuffle: upscaleFactor must be a positive integer, got 0');
    expectError(() => new PixelUnshuffle(1.5), ValueError, 'PixelUnshuffle: downscaleFactor must be a positive integer, got 1.5');
    expectError(() => new PixelShuffle(2).forward(zeros([1, 6, 3, 3])), ShapeError, 'PixelShuffle.forward: input must be [*, channels, height, width] with channels a multiple of upscaleFactor² = 4, got [1, 6, 3, 3]');
    expectError(() => new PixelShuffle(2).forward(zeros([4, 4])), ShapeError, 'PixelShuffle.forward: input must be [*, channels, height, width] with channels a multiple of upscaleFactor² = 4, got [4, 4]');
    expectError(() => new PixelUnshuffle(2).forward(zeros([1, 1, 4, 5])), ShapeError, 'PixelUnshuffle.forward: input must be [*, channels, height, width] with height and width multiples of downscaleFactor 2, got [1, 1, 4, 5]');
  });
});
