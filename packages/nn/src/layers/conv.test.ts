import { MAX_SIZE, Rng, ShapeError, Tensor, ValueError, rand, randn, tensor, zeros } from '@adjoint/core';
import { assertGrad, checkModule } from '@adjoint/gradcheck';
import { Conv2d } from './conv';
import { Sequential } from './sequential';
import { Flatten } from './flatten';
import { functionalCall } from '../module';
import { mse } from '../losses';
import { deserializeModel, serializeModel } from '../io/model-file';
import { expectNear } from '../testing/sequences';
import { expectError } from '../testing/errors';

/**
 * PyTorch's Conv2d written out element by element on plain numbers: b[o] + Σ w[o, c, a, b]·x[n, c′,
 * i·sH + a·dH − top, j·sW + b·dW − left], the input read as 0 outside the image.
 */
function byHand(layer: Conv2d, x: Tensor, [top, bottom, left, right]: [number, number, number, number]): { shape: number[]; data: number[] } {
  const [n, c, h, w] = x.shape as number[];
  const [o, cg, kh, kw] = layer.weight.shape as number[];
  const [sh, sw] = layer.stride;
  const [dh, dw] = layer.dilation;
  const oh = Math.floor((h! + top + bottom - dh * (kh! - 1) - 1) / sh) + 1;
  const ow = Math.floor((w! + left + right - dw * (kw! - 1) - 1) / sw) + 1;
  const perGroup = o! / layer.groups;
  const data: number[] = [];
  for (let b = 0; b < n!; b++) {
    for (let oc = 0; oc < o!; oc++) {
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          let s = layer.bias ? layer.bias.data[oc]! : 0;
          for (let ci = 0; ci < cg!; ci++) {
            const channel = Math.floor(oc / perGroup) * cg! + ci;
            for (let a = 0; a < kh!; a++) {
              for (let q = 0; q < kw!; q++) {
                const r = i * sh + a * dh - top;
                const col = j * sw + q * dw - left;
                if (r < 0 || col < 0 || r >= h! || col >= w!) continue;
                s += layer.weight.data[((oc * cg! + ci) * kh! + a) * kw! + q]! * x.data[((b * c! + channel) * h! + r) * w! + col]!;
              }
            }
          }
          data.push(s);
        }
      }
    }
  }
  return { shape: [n!, o!, oh, ow], data };
}

describe('Conv2d', () => {
  test.each([
    ['a 3×3 kernel, no padding', 3, 4, 3, {}, [0, 0, 0, 0]],
    ['stride 2 and padding 1', 3, 4, 3, { stride: 2, padding: 1 }, [1, 1, 1, 1]],
    ['a 2×3 kernel, stride [2, 1], padding [1, 2]', 2, 3, [2, 3], { stride: [2, 1], padding: [1, 2] }, [1, 1, 2, 2]],
    ['dilation 2', 2, 2, 3, { dilation: 2 }, [0, 0, 0, 0]],
    ['groups 2', 4, 6, 3, { groups: 2, padding: 1 }, [1, 1, 1, 1]],
    ["padding 'same' with an even kernel (the extra row and column after)", 2, 3, [2, 4], { padding: 'same' }, [0, 1, 1, 2]],
    ['no bias', 3, 2, 2, { bias: false }, [0, 0, 0, 0]],
  ] as const)('%s: the values of PyTorch’s formula (checked on plain numbers to 1e-12)', (_, inC, outC, kernel, options, padding) => {
    const layer = new Conv2d(inC, outC, kernel, { ...options, seed: 1 });
    const x = randn([2, inC, 7, 6], { seed: 2 });
    const y = layer.forward(x);
    const expected = byHand(layer, x, [...padding]);
    expect(y.shape).toEqual(expected.shape);
    expectNear(y.data, expected.data);
  });

  test('by hand: a 2×2 kernel of ones with bias 0.5 sums each window', () => {
    const layer = new Conv2d(1, 1, 2, { init: 'zeros' });
    layer.weight.data.fill(1);
    layer.bias!.data.set([0.5]);
    expect(layer.forward(tensor([[[[1, 2, 3], [4, 5, 6]]]])).toArray()).toEqual([[[[12.5, 16.5]]]]);
  });

  test("parameters: weight [out, in / groups, kH, kW] and bias [out], PyTorch's default U(−1/√fanIn, 1/√fanIn) for both, weight first", () => {
    const layer = new Conv2d(4, 6, [3, 2], { groups: 2, seed: 3 });
    expect(layer.namedParameters().map(([name, p]) => `${name} ${p.shape.join('×')}`)).toEqual(['weight 6×2×3×2', 'bias 6']);
    const rng = new Rng(3);
    const bound = 1 / Math.sqrt(2 * 3 * 2);
    expect(Array.from(layer.weight.data)).toEqual(Array.from(rand([6, 2, 3, 2], { rng, min: -bound, max: bound }).data));
    expect(Array.from(layer.bias!.data)).toEqual(Array.from(rand([6], { rng, min: -bound, max: bound }).data));
    const big = new Conv2d(8, 16, 3, { seed: 4 }).weight;
    expect(Math.max(...big.data.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(72));
    expect(Math.max(...big.data.map(Math.abs))).toBeGreaterThan(0.95 / Math.sqrt(72));
    expect(new Conv2d(2, 3, 2, { bias: false }).namedParameters().map(([name]) => name)).toEqual(['weight']);
  });

  test('init: named initialisers use the convolution’s fans; a function gets the weight’s shape', () => {
    const he = new Conv2d(3, 4, 3, { init: 'heUniform', seed: 5 });
    expect(Array.from(he.weight.data)).toEqual(Array.from(rand([4, 3, 3, 3], { rng: new Rng(5), min: -Math.sqrt(6 / 27), max: Math.sqrt(6 / 27) }).data));
    const glorot = new Conv2d(3, 4, 3, { init: 'glorotNormal', seed: 5 }).weight;
    const std = Math.sqrt(glorot.square().mean().item());
    expect(Math.abs(std - Math.sqrt(2 / (27 + 36)))).toBeLessThan(0.03); // fan-in 3·9, fan-out 4·9
    const shapes: number[][] = [];
    new Conv2d(4, 2, [1, 3], { groups: 2, init: (shape) => (shapes.push([...shape]), zeros(shape)) });
    expect(shapes).toEqual([[2, 2, 1, 3]]);
    expectError(() => new Conv2d(2, 2, 3, { init: () => zeros([2, 2]) }), ValueError, 'Conv2d: the initializer must return a [2, 2, 3, 3] tensor, got a Tensor of shape [2, 2]');
    expect(() => new Conv2d(2, 2, 3, { init: 'kaiming' as never })).toThrow(/^Conv2d: unknown initializer "kaiming"/);
  });

  test('describes itself with its settings', () => {
    expect(String(new Conv2d(3, 8, 3))).toBe('Conv2d(3 → 8, kernel 3×3)');
    expect(String(new Conv2d(4, 8, [3, 5], { stride: 2, padding: [1, 2], dilation: [1, 2], groups: 4, bias: false }))).toBe(
      'Conv2d(4 → 8, kernel 3×5, stride 2×2, padding 1×2, dilation 1×2, groups 4, no bias)',
    );
    expect(String(new Conv2d(1, 1, 3, { padding: 'same' }))).toBe("Conv2d(1 → 1, kernel 3×3, padding 'same')");
  });

  test('bad arguments are ValueErrors naming Conv2d', () => {
    expectError(() => new Conv2d(0, 2, 3), ValueError, 'Conv2d: inChannels must be a positive integer, got 0');
    expectError(() => new Conv2d(2, 2, 0), ValueError, 'Conv2d: kernelSize must be a positive integer or a pair of them, got 0');
    expectError(() => new Conv2d(2, 2, [3, 0]), ValueError, 'Conv2d: kernelSize must be a positive integer or a pair of them, got [3, 0]');
    expectError(() => new Conv2d(2, 2, 3, { stride: [1, 2, 3] as never }), ValueError, 'Conv2d: stride must be a positive integer or a pair of them, got [1, 2, 3]');
    expectError(() => new Conv2d(2, 2, 3, { padding: -1 }), ValueError, 'Conv2d: padding must be a non-negative integer or a pair of them, got -1');
    expectError(() => new Conv2d(2, 2, 3, { padding: 'full' as never }), ValueError, 'Conv2d: padding must be a non-negative integer, a pair of them, \'valid\' or \'same\', got "full"');
    expectError(() => new Conv2d(2, 2, 3, { padding: 'same', stride: 2 }), ValueError, "Conv2d: padding 'same' needs stride 1, got stride [2, 2]");
    expectError(() => new Conv2d(2, 2, 3, { dilation: 0 }), ValueError, 'Conv2d: dilation must be a positive integer or a pair of them, got 0');
    expectError(() => new Conv2d(4, 6, 3, { groups: 4 }), ValueError, 'Conv2d: groups must divide inChannels and outChannels, got groups 4 for 4 → 6 channels');
    expectError(() => new Conv2d(2, 2, 3, { bias: 1 as never }), ValueError, 'Conv2d: bias must be true or false, got 1');
    expectError(() => new Conv2d(2, 2, 3, { kernel: 3 } as never), ValueError, "Conv2d: unknown option 'kernel'; the options are stride, padding, dilation, groups, bias, init, seed, rng");
    expectError(() => new Conv2d(50_000, 50_000, 3), ValueError, 'Conv2d: a 50000 × 50000 × 3 × 3 weight would hold 22500000000 values, more than the 2147483647 a tensor can hold');
  });

  test('bad inputs are ShapeErrors naming Conv2d and the shapes', () => {
    const layer = new Conv2d(3, 2, 3, { dilation: 2, seed: 0 });
    expectError(() => layer.forward(zeros([2, 4, 8, 8])), ShapeError, 'Conv2d.forward: input must be [batch, 3, height, width], got [2, 4, 8, 8]');
    expectError(() => layer.forward(zeros([3, 8, 8])), ShapeError, 'Conv2d.forward: input must be [batch, 3, height, width], got [3, 8, 8]');
    expectError(() => layer.forward(zeros([1, 3, 4, 8])), ShapeError, 'Conv2d.forward: input [1, 3, 4, 8] is 4×8, 4×8 padded, smaller than the 5×5 the kernel spans');
    expectError(() => layer.forward(zeros([1, 3, 0, 8])), ShapeError, 'Conv2d.forward: input [1, 3, 0, 8] has height 0');
    expectError(() => new Conv2d(3, 2, 1, { padding: 1 }).forward(zeros([1, 3, 8, 0])), ShapeError, 'Conv2d.forward: input [1, 3, 8, 0] has width 0');
    // Too large for a tensor: the layer's own words, before core's conv2d is reached.
    expectError(() => new Conv2d(3, 2, 1, { padding: 100000 }).forward(zeros([1, 3, 5, 5])), ShapeError,
      `Conv2d.forward: input [1, 3, 5, 5] padded to 200005×200005 gives an output [1, 2, 200005, 200005]; the padded input or the output would hold more than the ${MAX_SIZE} values a tensor can`);
    expectError(() => new Conv2d(3, 4000, 1).forward(zeros([1000, 3, 30, 30])), ShapeError,
      `Conv2d.forward: input [1000, 3, 30, 30] padded to 30×30 gives an output [1000, 4000, 30, 30]; the padded input or the output would hold more than the ${MAX_SIZE} values a tensor can`);
    expectError(() => layer.forward([[1]] as never), ValueError, 'Conv2d.forward: input must be a Tensor, got an array of length 1; make one with tensor(…)');
    expect(new Conv2d(3, 2, 3, { padding: 'same' }).forward(zeros([1, 3, 1, 1])).shape).toEqual([1, 2, 1, 1]);
  });

  test('gradients: checkModule over weight and bias (second order), and with respect to x', () => {
    const model = new Sequential([new Conv2d(2, 3, 2, { stride: [1, 2], padding: 1, seed: 6 }), new Flatten()]);
    const x = randn([2, 2, 3, 4], { seed: 7 });
    const y = model.forward(x);
    const report = checkModule(model, x, randn(y.shape, { seed: 8 }), mse, { order: 2, tolerance: 'auto' });
    expect(report.parameters).toEqual(['0.weight', '0.bias']);
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    const grouped = new Conv2d(4, 2, 3, { groups: 2, dilation: [1, 2], seed: 9 });
    assertGrad((input: Tensor, weight: Tensor) => functionalCall(grouped, { weight }, input).tanh(), [randn([1, 4, 4, 6], { seed: 10 }), grouped.weight.clone()], { order: 2, tolerance: 'auto' });
  });

  test('a model file round trip keeps every setting and the outputs, bit for bit', () => {
    for (const layer of [new Conv2d(4, 2, [3, 2], { stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2, seed: 11 }), new Conv2d(2, 2, 3, { padding: 'same', bias: false, seed: 12 })]) {
      const loaded = deserializeModel(serializeModel(layer)) as unknown as Conv2d;
      expect(loaded).toBeInstanceOf(Conv2d);
      expect(String(loaded)).toBe(String(layer));
      const x = randn([2, layer.inChannels, 6, 7], { seed: 13 });
      expect(Array.from(loaded.forward(x).data)).toEqual(Array.from(layer.forward(x).data));
    }
  });
});
