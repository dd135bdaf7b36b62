import { ShapeError, Tensor, ValueError, randn, tensor, zeros } from '@adjoint/core';
import { assertGrad } from '@adjoint/gradcheck';
import { Upsample } from './upsample';
import { Sequential } from './sequential';
import { deserializeModel, serializeModel } from '../io/model-file';
import { expectNear } from '../testing/sequences';
import { expectError } from '../testing/errors';

/**
 * PyTorch's resampling along one axis on plain numbers: nearest ⌊dst·scale⌋ in float32, bilinear
 * half-pixel (clamped at 0) or aligned corners, `scale` 1/factor when one is given, else in/out.
 */
function taps(size: number, out: number, factor: number | null, mode: string, align: boolean): Array<Array<[number, number]>> {
  return Array.from({ length: out }, (_, d) => {
    if (mode === 'nearest') return [[Math.min(Math.floor(Math.fround(d * Math.fround(factor === null ? size / out : 1 / factor))), size - 1), 1]];
    const ratio = align ? (out > 1 ? (size - 1) / (out - 1) : 0) : factor === null ? size / out : 1 / factor;
    const src = align ? ratio * d : Math.max(ratio * (d + 0.5) - 0.5, 0);
    const i0 = Math.min(Math.floor(src), size - 1);
    return [[i0, 1 - (src - i0)], [Math.min(i0 + 1, size - 1), src - i0]];
  });
}

function byHand(x: Tensor, oh: number, ow: number, factor: number | null, mode: string, align: boolean): number[] {
  const [n, c, h, w] = x.shape as number[];
  const [rows, cols] = [taps(h!, oh, factor, mode, align), taps(w!, ow, factor, mode, align)];
  const out: number[] = [];
  for (let plane = 0; plane < n! * c!; plane++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        out.push(rows[i]!.reduce((s, [r, a]) => s + a * cols[j]!.reduce((t, [q, b]) => t + b * x.data[(plane * h! + r) * w! + q]!, 0), 0));
      }
    }
  }
  return out;
}

describe('Upsample', () => {
  test.each([
    ['nearest, scaleFactor 2', { scaleFactor: 2 }, [6, 8], 2, 'nearest', false],
    ['nearest, scaleFactor 1.5', { scaleFactor: 1.5 }, [4, 6], 1.5, 'nearest', false],
    ['nearest, size [7, 5]', { size: [7, 5] }, [7, 5], null, 'nearest', false],
    ['nearest, size [2, 3] (downsampling)', { size: [2, 3] }, [2, 3], null, 'nearest', false],
    ['bilinear, scaleFactor 2', { scaleFactor: 2, mode: 'bilinear' }, [6, 8], 2, 'bilinear', false],
    ['bilinear, size [5, 9]', { size: [5, 9], mode: 'bilinear' }, [5, 9], null, 'bilinear', false],
    ['bilinear, size [2, 3] (downsampling)', { size: [2, 3], mode: 'bilinear' }, [2, 3], null, 'bilinear', false],
    ['bilinear, alignCorners, size [7, 10]', { size: [7, 10], mode: 'bilinear', alignCorners: true }, [7, 10], null, 'bilinear', true],
  ] as const)('%s: the values of the definition', (_, options, [oh, ow], factor, mode, align) => {
    const x = randn([2, 2, 3, 4], { seed: 1 });
    const y = new Upsample(options as never).forward(x);
    expect(y.shape).toEqual([2, 2, oh, ow]);
    expectNear(y.data, byHand(x, oh, ow, factor, mode, align), 1e-15);
  });

  test('by hand: nearest repeats pixels, bilinear interpolates between centres', () => {
    const x = tensor([[[[1, 2], [3, 4]]]]);
    expect(new Upsample({ scaleFactor: 2 }).forward(x).toArray()).toEqual([[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]);
    expect(new Upsample({ size: [1, 4], mode: 'bilinear' }).forward(tensor([[[[0, 1]]]])).toArray()).toEqual([[[[0, 0.25, 0.75, 1]]]]);
    expect(new Upsample({ size: [1, 3], mode: 'bilinear', alignCorners: true }).forward(tensor([[[[0, 1]]]])).toArray()).toEqual([[[[0, 0.5, 1]]]]);
  });

  test('gradient check in both modes and to second order (the map is linear)', () => {
    const x = randn([1, 2, 3, 4], { seed: 2 });
    for (const options of [{ scaleFactor: 2 }, { size: [5, 3] }, { scaleFactor: [1.5, 2], mode: 'bilinear' }, { size: [4, 7], mode: 'bilinear', alignCorners: true }] as const) {
      assertGrad((input: Tensor) => new Upsample(options as never).forward(input).square(), [x], { order: 2 });
    }
  });

  test('describes itself; a model file keeps the options', () => {
    expect(String(new Upsample({ scaleFactor: 2 }))).toBe("Upsample(scaleFactor 2×2, mode 'nearest')");
    expect(String(new Upsample({ size: [4, 6], mode: 'bilinear', alignCorners: true }))).toBe("Upsample(size 4×6, mode 'bilinear', alignCorners = true)");
    const model = new Sequential([new Upsample({ scaleFactor: [1.5, 2], mode: 'bilinear' }), new Upsample({ size: [9, 9] })]);
    const loaded = deserializeModel(serializeModel(model));
    expect(String(loaded)).toBe(String(model));
    const x = randn([1, 2, 3, 5], { seed: 3 });
    expect(Array.from(loaded.forward(x).data)).toEqual(Array.from(model.forward(x).data));
  });

  test('errors name Upsample, the values and the shapes', () => {
    expectError(() => new Upsample({}), ValueError, 'Upsample: give exactly one of size and scaleFactor, got neither');
    expectError(() => new Upsample({ size: 2, scaleFactor: 2 }), ValueError, 'Upsample: give exactly one of size and scaleFactor, got both');
    expectError(() => new Upsample(undefined as never), ValueError, 'Upsample: options must give size or scaleFactor, such as {scaleFactor: 2}');
    expectError(() => new Upsample({ scaleFactor: 0 }), ValueError, 'Upsample: scaleFactor must be a positive finite number or a pair of them, got 0');
    expectError(() => new Upsample({ size: [2, 0] }), ValueError, 'Upsample: size must be a positive integer or a pair of them, got [2, 0]');
    expectError(() => new Upsample({ scaleFactor: 2, mode: 'bicubic' as never }), ValueError, "Upsample: mode must be 'nearest' or 'bilinear', got \"bicubic\"");
    expectError(() => new Upsample({ scaleFactor: 2, alignCorners: true }), ValueError, "Upsample: alignCorners applies to mode 'bilinear' only, got it with mode 'nearest'");
    // false too, as PyTorch refuses align_corners given at all with nearest (it would do nothing there).
    expectError(() => new Upsample({ scaleFactor: 2, alignCorners: false }), ValueError, "Upsample: alignCorners applies to mode 'bilinear' only, got it with mode 'nearest'");
    expectError(() => new Upsample({ scaleFactor: 2, align_corners: true } as never), ValueError, "Upsample: unknown option 'align_corners'; the options are size, scaleFactor, mode, alignCorners");
    const up = new Upsample({ scaleFactor: 0.4 });
    expectError(() => up.forward(zeros([1, 2, 8])), ShapeError, 'Upsample.forward: input must be [batch, channels, height, width] with channels, height and width at least 1, got [1, 2, 8]');
    expectError(() => up.forward(zeros([1, 2, 2, 8])), ShapeError, 'Upsample.forward: scaleFactor [0.4, 0.4] leaves input [1, 2, 2, 8] an empty 0×3 output');
  });

  test('an output too large for a tensor is refused by the layer, naming it, before anything is allocated', () => {
    expectError(() => new Upsample({ size: [100000, 100000] }).forward(zeros([1, 2, 3, 3])), ShapeError,
      'Upsample.forward: input [1, 2, 3, 3] gives an output [1, 2, 100000, 100000], more than the 2147483647 values a tensor can hold');
    expectError(() => new Upsample({ scaleFactor: 1e300 }).forward(zeros([1, 1, 3, 3])), ShapeError,
      'Upsample.forward: input [1, 1, 3, 3] gives an output [1, 1, 3e+300, 3e+300], more than the 2147483647 values a tensor can hold');
  });

  test('a model file with both size and scaleFactor is refused, as the constructor refuses them, not read as the size alone', () => {
    const file = JSON.parse(new TextDecoder().decode(serializeModel(new Sequential([new Upsample({ size: [3, 4] })]))));
    file.architecture.layers[0].scaleFactor = [2, 2];
    expectError(() => deserializeModel(JSON.stringify(file)), ValueError,
      'deserializeModel: architecture.layers[0] (Upsample): Upsample: give exactly one of size and scaleFactor, got both');
  });
});
