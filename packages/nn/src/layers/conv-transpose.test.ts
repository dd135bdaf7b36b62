import { Rng, ShapeError, Tensor, ValueError, conv2d, conv2dTranspose, mul, randn, sum, zeros } from '@adjoint/core';
import { checkModule } from '@adjoint/gradcheck';
import { ConvTranspose2d } from './conv-transpose';
import { Conv2d } from './conv';
import { Sequential } from './sequential';
import { mse } from '../losses';
import { expectError } from '../testing/errors';

describe('ConvTranspose2d', () => {
  test("PyTorch's parameter layout and names, and its output size", () => {
    const layer = new ConvTranspose2d(6, 4, [3, 2], { stride: 2, padding: [1, 0], outputPadding: 1, groups: 2, seed: 1 });
    expect(layer.namedParameters().map(([name, p]) => [name, p.shape])).toEqual([['weight', [6, 2, 3, 2]], ['bias', [4]]]);
    // H' = (5 − 1)·2 − 2 + 2 + 1 + 1 = 10, W' = (7 − 1)·2 − 0 + 1 + 1 + 1 = 15
    expect(layer.forward(randn([3, 6, 5, 7], { seed: 2 })).shape).toEqual([3, 4, 10, 15]);
    expect(new ConvTranspose2d(8, 4, 4, { stride: 2, padding: 1, seed: 0 }).forward(randn([1, 8, 7, 7], { seed: 3 })).shape).toEqual([1, 4, 14, 14]);
  });

  test("draws weight and bias as PyTorch: U(−1/√fanIn, 1/√fanIn) with fanIn = (out / groups)·kH·kW, the weight first", () => {
    const layer = new ConvTranspose2d(6, 4, [3, 2], { groups: 2, seed: 5 });
    const bound = 1 / Math.sqrt(2 * 3 * 2);
    const rng = new Rng(5);
    const expected = Array.from({ length: 6 * 2 * 3 * 2 + 4 }, () => -bound + 2 * bound * rng.uniform());
    const drawn = [...layer.weight.data, ...layer.bias!.data];
    drawn.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 15));
  });

  test('computes core’s conv2dTranspose with the bias, and is the adjoint of the convolution with the same weight', () => {
    const layer = new ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1, outputPadding: 1, seed: 7 });
    const x = randn([2, 3, 4, 5], { seed: 8 });
    const y = layer.forward(x);
    expect(Array.from(y.data)).toEqual(Array.from(conv2dTranspose(x, layer.weight, { stride: 2, padding: 1, outputPadding: 1, bias: layer.bias! }).data));
    const unbiased = new ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1, bias: false, seed: 9 });
    const g = randn([...unbiased.forward(x).shape], { seed: 10 });
    const left = sum(mul(conv2d(g, unbiased.weight, { stride: 2, padding: 1 }), x)).item();
    const right = sum(mul(g, unbiased.forward(x))).item();
    expect(Math.abs(left - right)).toBeLessThan(1e-12 * Math.abs(left));
  });

  test('its gradients agree with finite differences to second order, in both modes', () => {
    const model = new Sequential([new ConvTranspose2d(2, 3, 2, { stride: 2, seed: 11 }), new Conv2d(3, 1, 2, { seed: 12 })]);
    const x = randn([2, 2, 3, 3], { seed: 13 });
    const report = checkModule(model, x, randn([...model.forward(x).shape], { seed: 14 }), mse, { order: 2, tolerance: 'auto' });
    expect(report.parameters).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(report.failures).toEqual([]);
  });

  test('prints its sizes where they are not the default', () => {
    expect(String(new ConvTranspose2d(4, 2, 4, { stride: 2, padding: 1, outputPadding: 1, bias: false, seed: 0 }))).toContain('4 → 2, kernel 4×4, stride 2×2, padding 1×1, output padding 1×1, no bias');
  });

  test('bad arguments and inputs are errors naming the layer', () => {
    expectError(() => new ConvTranspose2d(0, 2, 3), ValueError, 'ConvTranspose2d: inChannels must be a positive integer, got 0');
    expectError(() => new ConvTranspose2d(2, 2, 3, { outputPadding: 1 }), ValueError, "ConvTranspose2d: outputPadding must be less than the stride or the dilation (PyTorch's rule), got outputPadding [1, 1] for stride [1, 1] and dilation [1, 1]");
    expectError(() => new ConvTranspose2d(2, 3, 3, { groups: 2 }), ValueError, 'ConvTranspose2d: groups must divide inChannels and outChannels, got groups 2 for 2 → 3 channels');
    expectError(() => new ConvTranspose2d(2, 2, 3, { padding: 'same' } as never), ValueError, 'ConvTranspose2d: padding must be a non-negative integer or a pair of them, got "same"');
    expectError(() => new ConvTranspose2d(2, 2, 3, { output_padding: 1 } as never), ValueError, "ConvTranspose2d: unknown option 'output_padding'; the options are stride, padding, outputPadding, dilation, groups, bias, init, seed, rng");
    const layer = new ConvTranspose2d(2, 2, 3, { padding: 2, seed: 0 });
    expectError(() => layer.forward(zeros([1, 3, 4, 4])), ShapeError, 'ConvTranspose2d.forward: input must be [batch, 2, height, width] with height and width at least 1, got [1, 3, 4, 4]');
    expectError(() => layer.forward(zeros([1, 2, 1, 1])), ShapeError, 'ConvTranspose2d.forward: input [1, 2, 1, 1] gives an empty -1×-1 output with padding [2, 2]');
    expect(() => layer.forward('x' as unknown as Tensor)).toThrow(/^ConvTranspose2d\.forward: /);
  });
});
