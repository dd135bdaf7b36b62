import { Rng, ShapeError, Tensor, ValueError, rand, randn, tensor, zeros } from '@adjoint/core';
import { assertGrad } from '@adjoint/gradcheck';
import { Conv1d } from './conv1d';
import { Conv2d } from './conv';
import { Sequential } from './sequential';
import { Flatten } from './flatten';
import { functionalCall } from '../module';
import { summary } from '../summary';
import { deserializeModel, serializeModel } from '../io/model-file';
import { configStateSize, moduleToConfig } from '../io/architecture';
import { fromSafetensors, toSafetensors } from '../io/safetensors';
import { expectNear } from '../testing/sequences';
import { expectError } from '../testing/errors';

/**
 * PyTorch's Conv1d written out element by element on plain numbers: b[o] + Σ w[o, c, a]·x[n, c′,
 * i·s + a·d − before], the input read as 0 outside the sequence.
 */
function byHand(layer: Conv1d, x: Tensor, [before, after]: [number, number]): { shape: number[]; data: number[] } {
  const [n, c, length] = x.shape as number[];
  const [o, cg, k] = layer.weight.shape as number[];
  const { stride: s, dilation: d } = layer;
  const out = Math.floor((length! + before + after - d * (k! - 1) - 1) / s) + 1;
  const perGroup = o! / layer.groups;
  const data: number[] = [];
  for (let b = 0; b < n!; b++) {
    for (let oc = 0; oc < o!; oc++) {
      for (let i = 0; i < out; i++) {
        let sum = layer.bias ? layer.bias.data[oc]! : 0;
        for (let ci = 0; ci < cg!; ci++) {
          const channel = Math.floor(oc / perGroup) * cg! + ci;
          for (let a = 0; a < k!; a++) {
            const at = i * s + a * d - before;
            if (at < 0 || at >= length!) continue;
            sum += layer.weight.data[(oc * cg! + ci) * k! + a]! * x.data[(b * c! + channel) * length! + at]!;
          }
        }
        data.push(sum);
      }
    }
  }
  return { shape: [n!, o!, out], data };
}

describe('Conv1d', () => {
  test.each([
    ['kernel 3, no padding', 3, 4, 3, {}, [0, 0]],
    ['stride 2 and padding 1', 3, 4, 3, { stride: 2, padding: 1 }, [1, 1]],
    ['dilation 2, stride 3, padding 2', 2, 3, 3, { dilation: 2, stride: 3, padding: 2 }, [2, 2]],
    ['groups 2', 4, 6, 3, { groups: 2, padding: 1 }, [1, 1]],
    ["padding 'same' with an even kernel (the extra zero after)", 2, 3, 4, { padding: 'same' }, [1, 2]],
    ["padding 'valid', no bias", 3, 2, 2, { padding: 'valid', bias: false }, [0, 0]],
  ] as const)('%s: the values of PyTorch’s formula (checked on plain numbers to 1e-12)', (_, inC, outC, kernel, options, padding) => {
    const layer = new Conv1d(inC, outC, kernel, { ...options, seed: 1 });
    const x = randn([2, inC, 11], { seed: 2 });
    const y = layer.forward(x);
    const expected = byHand(layer, x, [...padding]);
    expect(y.shape).toEqual(expected.shape);
    expectNear(y.data, expected.data);
  });

  test('by hand: a kernel [1, 1] with bias 0.5 sums neighbours', () => {
    const layer = new Conv1d(1, 1, 2, { init: 'zeros' });
    layer.weight.data.fill(1);
    layer.bias!.data.set([0.5]);
    expect(layer.forward(tensor([[[1, 2, 3, 5]]])).toArray()).toEqual([[[3.5, 5.5, 8.5]]]);
  });

  test('the same as Conv2d on [N, C, 1, L] with the weight read as [O, C/groups, 1, k], bit for bit', () => {
    const cases = [
      [4, 6, 3, { stride: 2, padding: 2, dilation: 2, groups: 2 }, { stride: [1, 2], padding: [0, 2], dilation: [1, 2], groups: 2 }],
      [3, 2, 4, { padding: 'same', bias: false }, { padding: 'same', bias: false }],
    ] as const;
    for (const [inC, outC, k, options1, options2] of cases) {
      const layer = new Conv1d(inC, outC, k, { ...options1, seed: 3 });
      const wide = new Conv2d(inC, outC, [1, k], { ...options2, seed: 4 });
      wide.weight.data.set(layer.weight.data);
      if (layer.bias !== null) wide.bias!.data.set(layer.bias.data);
      const x = randn([3, inC, 10], { seed: 5 });
      const y = layer.forward(x);
      const expected = wide.forward(x.reshape([3, inC, 1, 10]));
      expect(y.shape).toEqual([3, outC, expected.shape[3]]);
      expect(Array.from(y.data)).toEqual(Array.from(expected.data));
    }
  });

  test("parameters: weight [out, in / groups, k] and bias [out], PyTorch's default U(−1/√fanIn, 1/√fanIn), fanIn (in / groups)·k, weight first", () => {
    const layer = new Conv1d(4, 6, 3, { groups: 2, seed: 3 });
    expect(layer.namedParameters().map(([name, p]) => `${name} ${p.shape.join('×')}`)).toEqual(['weight 6×2×3', 'bias 6']);
    const rng = new Rng(3);
    const bound = 1 / Math.sqrt(2 * 3);
    expect(Array.from(layer.weight.data)).toEqual(Array.from(rand([6, 2, 3], { rng, min: -bound, max: bound }).data));
    expect(Array.from(layer.bias!.data)).toEqual(Array.from(rand([6], { rng, min: -bound, max: bound }).data));
    expect(new Conv1d(2, 3, 2, { bias: false }).namedParameters().map(([name]) => name)).toEqual(['weight']);
    // Named initialisers: fan-in (in / groups)·k = 3·5, fan-out out·k = 4·5.
    const he = new Conv1d(3, 4, 5, { init: 'heUniform', seed: 5 });
    expect(Array.from(he.weight.data)).toEqual(Array.from(rand([4, 3, 5], { rng: new Rng(5), min: -Math.sqrt(6 / 15), max: Math.sqrt(6 / 15) }).data));
    const glorot = new Conv1d(3, 4, 5, { init: 'glorotUniform', seed: 5 });
    const limit = Math.sqrt(6 / (15 + 20));
    expect(Array.from(glorot.weight.data)).toEqual(Array.from(rand([4, 3, 5], { rng: new Rng(5), min: -limit, max: limit }).data));
    const shapes: number[][] = [];
    new Conv1d(4, 2, 3, { groups: 2, init: (shape) => (shapes.push([...shape]), zeros(shape)) });
    expect(shapes).toEqual([[2, 2, 3]]);
  });

  test('describes itself with its settings; summary counts its parameters', () => {
    expect(String(new Conv1d(3, 8, 3))).toBe('Conv1d(3 → 8, kernel 3)');
    expect(String(new Conv1d(4, 8, 5, { stride: 2, padding: 1, dilation: 3, groups: 4, bias: false }))).toBe(
      'Conv1d(4 → 8, kernel 5, stride 2, padding 1, dilation 3, groups 4, no bias)',
    );
    expect(String(new Conv1d(1, 1, 3, { padding: 'same' }))).toBe("Conv1d(1 → 1, kernel 3, padding 'same')");
    const lines = summary(new Sequential([new Conv1d(2, 4, 3, { seed: 1 }), new Flatten()]), [5, 2, 10]).split('\n');
    expect(lines.find((l) => l.includes('0 (Conv1d)'))!.trim().split(/\s{2,}/)).toEqual(['0 (Conv1d)', '[5, 4, 8]', '28']);
  });

  test('bad arguments are ValueErrors naming Conv1d', () => {
    expectError(() => new Conv1d(0, 2, 3), ValueError, 'Conv1d: inChannels must be a positive integer, got 0');
    expectError(() => new Conv1d(2, 2, 0), ValueError, 'Conv1d: kernelSize must be a positive integer, got 0');
    expectError(() => new Conv1d(2, 2, [3] as never), ValueError, 'Conv1d: kernelSize must be a positive integer, got an array of length 1');
    expectError(() => new Conv1d(2, 2, 3, { stride: 1.5 }), ValueError, 'Conv1d: stride must be a positive integer, got 1.5');
    expectError(() => new Conv1d(2, 2, 3, { padding: -1 }), ValueError, 'Conv1d: padding must be a non-negative integer, got -1');
    expectError(() => new Conv1d(2, 2, 3, { padding: 'full' as never }), ValueError, 'Conv1d: padding must be a non-negative integer, \'valid\' or \'same\', got "full"');
    expectError(() => new Conv1d(2, 2, 3, { padding: 'same', stride: 2 }), ValueError, "Conv1d: padding 'same' needs stride 1, got stride 2");
    expectError(() => new Conv1d(2, 2, 3, { dilation: 0 }), ValueError, 'Conv1d: dilation must be a positive integer, got 0');
    expectError(() => new Conv1d(4, 6, 3, { groups: 4 }), ValueError, 'Conv1d: groups must divide inChannels and outChannels, got groups 4 for 4 → 6 channels');
    expectError(() => new Conv1d(2, 2, 3, { bias: 1 as never }), ValueError, 'Conv1d: bias must be true or false, got 1');
    expectError(() => new Conv1d(2, 2, 3, { kernel: 3 } as never), ValueError, "Conv1d: unknown option 'kernel'; the options are stride, padding, dilation, groups, bias, init, seed, rng");
    expectError(() => new Conv1d(2, 2, 3, { init: () => zeros([2, 2]) }), ValueError, 'Conv1d: the initializer must return a [2, 2, 3] tensor, got a Tensor of shape [2, 2]');
    expectError(() => new Conv1d(50_000, 50_000, 900), ValueError, 'Conv1d: a 50000 × 50000 × 900 weight would hold 2250000000000 values, more than the 2147483647 a tensor can hold');
  });

  test('bad inputs are errors naming Conv1d.forward and the shapes, never conv2d', () => {
    const layer = new Conv1d(3, 2, 3, { dilation: 2, seed: 0 });
    expectError(() => layer.forward(zeros([2, 4, 5])), ShapeError, 'Conv1d.forward: input must be [batch, 3, length], got [2, 4, 5]');
    expectError(() => layer.forward(zeros([2, 3, 5, 5])), ShapeError, 'Conv1d.forward: input must be [batch, 3, length], got [2, 3, 5, 5]');
    expectError(() => layer.forward(zeros([1, 3, 4])), ShapeError, 'Conv1d.forward: input [1, 3, 4] has length 4, 4 padded, shorter than the 5 the kernel spans');
    expectError(() => new Conv1d(3, 2, 1, { padding: 1 }).forward(zeros([1, 3, 0])), ShapeError, 'Conv1d.forward: input [1, 3, 0] has length 0');
    expectError(
      () => new Conv1d(1, 1, 3, { padding: 2 ** 40 }).forward(zeros([1, 1, 4])),
      ShapeError,
      'Conv1d.forward: input [1, 1, 4] padded to length 2199023255556 gives an output [1, 1, 2199023255554]; the padded input or the output would hold more than the 2147483647 values a tensor can',
    );
    expectError(() => layer.forward([[1]] as never), ValueError, 'Conv1d.forward: input must be a Tensor, got an array of length 1; make one with tensor(…)');
    expect(new Conv1d(3, 2, 4, { padding: 'same' }).forward(zeros([1, 3, 1])).shape).toEqual([1, 2, 1]);
    expect(new Conv1d(3, 2, 3, { padding: 1 }).forward(zeros([1, 3, 1])).shape).toEqual([1, 2, 1]);
  });

  test('gradients in float64: first order for input, weight and bias, second order for the input', () => {
    const layer = new Conv1d(4, 2, 3, { stride: 2, padding: 1, dilation: 2, groups: 2, seed: 6 });
    const x = randn([2, 4, 7], { seed: 7 });
    assertGrad((input: Tensor, weight: Tensor, bias: Tensor) => functionalCall(layer, { weight, bias }, input).tanh(), [x, layer.weight.clone(), layer.bias!.clone()], { tolerance: 'auto' });
    assertGrad((input: Tensor) => layer.forward(input).tanh(), [x], { order: 2, tolerance: 'auto' });
  });

  test('a model file and a safetensors round trip keep every setting and the outputs, bit for bit', () => {
    for (const layer of [new Conv1d(4, 2, 3, { stride: 2, padding: 1, dilation: 2, groups: 2, seed: 11 }), new Conv1d(2, 2, 4, { padding: 'same', bias: false, seed: 12 })]) {
      const loaded = deserializeModel(serializeModel(layer)) as unknown as Conv1d;
      expect(loaded).toBeInstanceOf(Conv1d);
      expect(String(loaded)).toBe(String(layer));
      const x = randn([2, layer.inChannels, 9], { seed: 13 });
      expect(Array.from(loaded.forward(x).data)).toEqual(Array.from(layer.forward(x).data));
      const fresh = new Conv1d(layer.inChannels, layer.outChannels, layer.kernelSize, { stride: layer.stride, padding: layer.padding, dilation: layer.dilation, groups: layer.groups, bias: layer.bias !== null, seed: 99 });
      fromSafetensors(fresh, toSafetensors(layer));
      expect(Array.from(fresh.forward(x).data)).toEqual(Array.from(layer.forward(x).data));
    }
    const config = moduleToConfig(new Conv1d(4, 6, 5, { groups: 2, seed: 1 }));
    expect(config).toEqual({ type: 'Conv1d', inChannels: 4, outChannels: 6, kernelSize: 5, stride: 1, padding: 0, dilation: 1, groups: 2, bias: true });
    expect(configStateSize(config)).toBe(6 * 2 * 5 + 6);
    const file = JSON.parse(new TextDecoder().decode(serializeModel(new Conv1d(4, 6, 5, { groups: 2, seed: 1 })))) as { architecture: Record<string, unknown> };
    file.architecture.kernelSize = [5];
    expect(() => deserializeModel(new TextEncoder().encode(JSON.stringify(file)))).toThrow("'kernelSize' must be a positive integer, got");
  });
});
