import { ShapeError, Tensor, ValueError, randn, zeros } from '@adjoint/core';
import { assertGrad, checkModule } from '@adjoint/gradcheck';
import { GRU } from './gru';
import { Module, functionalCall } from '../module';
import { mse } from '../losses';
import { deserializeModel, serializeModel } from '../io/model-file';
import { affine, expectNear, expectRecurrentParameters, expectZeroStateSame, plus, row, sigma, step, times } from '../testing/sequences';
import { expectError } from '../testing/errors';

/** PyTorch's GRU equations, step by step on plain numbers: output and hN, flattened. */
function byHand(gru: GRU, x: Tensor, h0?: Tensor): { output: number[]; h: number[] } {
  const [batch, time] = x.shape as [number, number];
  const n = gru.hiddenSize;
  const { weightIh, weightHh, biasIh, biasHh } = gru;
  const output: number[] = [];
  const hs: number[] = [];
  for (let b = 0; b < batch; b++) {
    let h = h0 ? row(h0, b) : new Array<number>(n).fill(0);
    for (let t = 0; t < time; t++) {
      const xt = step(x, b, t);
      // Blocks r, z, n in that order.
      const r = plus(affine(weightIh, biasIh, xt, 0, n), affine(weightHh, biasHh, h, 0, n)).map(sigma);
      const z = plus(affine(weightIh, biasIh, xt, n, n), affine(weightHh, biasHh, h, n, n)).map(sigma);
      const candidate = plus(affine(weightIh, biasIh, xt, 2 * n, n), times(r, affine(weightHh, biasHh, h, 2 * n, n))).map(Math.tanh);
      h = plus(times(z.map((v) => 1 - v), candidate), times(z, h));
      output.push(...h);
    }
    hs.push(...h);
  }
  return { output, h: hs };
}

describe('GRU', () => {
  const gru = new GRU(3, 4, { seed: 1 });
  const x = randn([2, 5, 3], { seed: 2 });

  test('forward computes the GRU equations (checked on plain numbers to 1e-12), from zeros and from h0', () => {
    const [output, h] = gru.forward(x);
    expect(output.shape).toEqual([2, 5, 4]);
    expect(h.shape).toEqual([2, 4]);
    const expected = byHand(gru, x);
    expectNear(output.data, expected.output);
    expectNear(h.data, expected.h);
    const h0 = randn([2, 4], { seed: 3 });
    const [output2, h2] = gru.forward(x, h0);
    const expected2 = byHand(gru, x, h0);
    expectNear(output2.data, expected2.output);
    expectNear(h2.data, expected2.h);
  });

  test('the reset gate multiplies W_hn h + b_hn, bias included (PyTorch), not W_hn h alone', () => {
    const layer = new GRU(1, 1, { seed: 0 });
    for (const p of layer.parameters()) p.data.fill(0);
    layer.biasHh.data.set([0, 0, 2]); // b_hn = 2; r = σ(0) = ½, z = ½ at every step
    const [output] = layer.forward(zeros([1, 1, 1]));
    // n = tanh(0 + ½·(0 + 2)) = tanh 1 and h' = ½·n + ½·0; with r applied to W_hn h only, n would be tanh 2.
    expectNear(output.data, [0.5 * Math.tanh(1)], 1e-15);
  });

  test('one step and an odd number of steps; no state equals a zero state, bit for bit', () => {
    for (const time of [1, 7]) {
      const xs = randn([3, time, 3], { seed: time });
      expectZeroStateSame(gru, xs, byHand(gru, xs).output);
    }
  });

  test("parameters: PyTorch's names and shapes, U(−1/√hidden, 1/√hidden) in order", () => {
    const layer = new GRU(2, 4, { seed: 6 });
    expectRecurrentParameters(layer, ['weightIh 12×2', 'weightHh 12×4', 'biasIh 12', 'biasHh 12'], 6, 0.5);
    expect(String(layer)).toBe('GRU(2 → 4)');
  });

  test('errors name GRU (the constructor) or GRU.forward, with the values and shapes', () => {
    expectError(() => new GRU(3, 0), ValueError, 'GRU: hiddenSize must be a positive integer, got 0');
    expectError(() => new GRU(3, 4, { nonlinearity: 'tanh' } as never), ValueError, "GRU: unknown option 'nonlinearity'; the options are seed, rng, numLayers, bidirectional, dropout");
    expectError(() => gru.forward(randn([2, 5, 4], { seed: 1 })), ShapeError, 'GRU.forward: x must have shape [batch, time, 3] (batch and time at least 1), got [2, 5, 4]');
    expectError(() => gru.forward(x, zeros([2, 5])), ShapeError, 'GRU.forward: h0 must have shape [2, 4] for x [2, 5, 3], got [2, 5]');
    expectError(() => gru.forward(x, null as never), ValueError, 'GRU.forward: h0 must be a Tensor, got null');
  });

  test('gradients: checkModule over every parameter to second order, and with respect to x and h0', () => {
    class Head extends Module {
      readonly gru = this.register('gru', new GRU(3, 2, { seed: 7 }));
      forward(input: Tensor): Tensor {
        const [output, h] = this.gru.forward(input);
        return output.sum(1).mul(h);
      }
    }
    const report = checkModule(new Head(), randn([2, 3, 3], { seed: 8 }), randn([2, 2], { seed: 9 }), mse, { order: 2, tolerance: 'auto' });
    expect(report.parameters).toEqual(['gru.weightIh', 'gru.weightHh', 'gru.biasIh', 'gru.biasHh']);
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    const layer = new GRU(3, 2, { seed: 10 });
    assertGrad((xs: Tensor, h0: Tensor) => functionalCall(layer, {}, xs, h0)[0], [randn([2, 3, 3], { seed: 11 }), randn([2, 2], { seed: 12 })], { order: 2, tolerance: 'auto' });
  });

  test('a model file round trip gives the same outputs, bit for bit', () => {
    const loaded = deserializeModel(serializeModel(gru, { encoding: 'numbers' })) as unknown as GRU;
    expect(loaded).toBeInstanceOf(GRU);
    const [a, ha] = gru.forward(x);
    const [b, hb] = loaded.forward(x);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(Array.from(hb.data)).toEqual(Array.from(ha.data));
  });
});
