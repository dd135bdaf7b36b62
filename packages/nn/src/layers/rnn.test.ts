import { ShapeError, Tensor, ValueError, randn, zeros } from '@adjoint/core';
import { assertGrad, checkModule } from '@adjoint/gradcheck';
import { RNN } from './rnn';
import { Module, functionalCall } from '../module';
import { mse } from '../losses';
import { deserializeModel, serializeModel } from '../io/model-file';
import { affine, expectNear, expectRecurrentParameters, expectZeroStateSame, plus, row, step } from '../testing/sequences';
import { expectError } from '../testing/errors';

/** h' = act(W_ih x + b_ih + W_hh h + b_hh), step by step on plain numbers: output and hN, flattened. */
function byHand(rnn: RNN, x: Tensor, h0?: Tensor): { output: number[]; h: number[] } {
  const [batch, time] = x.shape as [number, number];
  const n = rnn.hiddenSize;
  const act = rnn.nonlinearity === 'relu' ? (v: number) => Math.max(v, 0) : Math.tanh;
  const output: number[] = [];
  const hs: number[] = [];
  for (let b = 0; b < batch; b++) {
    let h = h0 ? row(h0, b) : new Array<number>(n).fill(0);
    for (let t = 0; t < time; t++) {
      h = plus(affine(rnn.weightIh, rnn.biasIh, step(x, b, t), 0, n), affine(rnn.weightHh, rnn.biasHh, h, 0, n)).map(act);
      output.push(...h);
    }
    hs.push(...h);
  }
  return { output, h: hs };
}

describe('RNN', () => {
  const x = randn([3, 6, 2], { seed: 2 });

  test.each(['tanh', 'relu'] as const)('%s: forward computes the step equation (checked on plain numbers to 1e-12), from zeros and from h0', (nonlinearity) => {
    const rnn = new RNN(2, 5, { nonlinearity, seed: 1 });
    const [output, h] = rnn.forward(x);
    expect(output.shape).toEqual([3, 6, 5]);
    expect(h.shape).toEqual([3, 5]);
    const expected = byHand(rnn, x);
    expectNear(output.data, expected.output);
    expectNear(h.data, expected.h);
    if (nonlinearity === 'relu') expect(output.data.some((v) => v === 0) && output.data.every((v) => v >= 0)).toBe(true); // both sides of relu's kink
    const h0 = randn([3, 5], { seed: 3 });
    const [output2, h2] = rnn.forward(x, h0);
    const expected2 = byHand(rnn, x, h0);
    expectNear(output2.data, expected2.output);
    expectNear(h2.data, expected2.h);
  });

  test('one step and an odd number of steps; no state equals a zero state, bit for bit', () => {
    const rnn = new RNN(2, 3, { seed: 4 });
    for (const time of [1, 7]) {
      const xs = randn([2, time, 2], { seed: time });
      expectZeroStateSame(rnn, xs, byHand(rnn, xs).output);
    }
  });

  test("parameters: PyTorch's names and shapes, U(−1/√hidden, 1/√hidden) in order; the default is tanh", () => {
    const rnn = new RNN(4, 9, { seed: 6 });
    expectRecurrentParameters(rnn, ['weightIh 9×4', 'weightHh 9×9', 'biasIh 9', 'biasHh 9'], 6, 1 / 3);
    expect(rnn.nonlinearity).toBe('tanh');
    expect(String(rnn)).toBe('RNN(4 → 9, tanh)');
    expect(String(new RNN(4, 9, { nonlinearity: 'relu' }))).toBe('RNN(4 → 9, relu)');
  });

  test('errors name RNN (the constructor) or RNN.forward, with the values and shapes', () => {
    expectError(() => new RNN(2, 3, { nonlinearity: 'sigmoid' as never }), ValueError, "RNN: nonlinearity must be 'tanh' or 'relu', got \"sigmoid\"");
    expectError(() => new RNN(-1, 3), ValueError, 'RNN: inputSize must be a positive integer, got -1');
    expectError(() => new RNN(2, 3, { seed: 1, hidden: 3 } as never), ValueError, "RNN: unknown option 'hidden'; the options are seed, rng, nonlinearity, numLayers, bidirectional, dropout");
    expectError(() => new RNN(2, 3, null as never), ValueError, 'RNN: options must be an object, got null');
    const rnn = new RNN(2, 3, { seed: 0 });
    expectError(() => rnn.forward(randn([3, 6], { seed: 1 })), ShapeError, 'RNN.forward: x must have shape [batch, time, 2] (batch and time at least 1), got [3, 6]');
    expectError(() => rnn.forward(x, zeros([3])), ShapeError, 'RNN.forward: h0 must have shape [3, 3] for x [3, 6, 2], got [3]');
    expectError(() => rnn.forward(x, zeros([2, 3])), ShapeError, 'RNN.forward: h0 must have shape [3, 3] for x [3, 6, 2], got [2, 3]');
    expectError(() => rnn.forward(x, [zeros([3, 3])] as never), ValueError, 'RNN.forward: h0 must be a Tensor, got an array of length 1');
  });

  test('gradients: checkModule over every parameter to second order, and with respect to x and h0', () => {
    for (const nonlinearity of ['tanh', 'relu'] as const) {
      class Head extends Module {
        readonly rnn = this.register('rnn', new RNN(2, 3, { nonlinearity, seed: 7 }));
        forward(input: Tensor): Tensor {
          const [output, h] = this.rnn.forward(input);
          return output.mean(1).mul(h);
        }
      }
      const report = checkModule(new Head(), randn([2, 4, 2], { seed: 8 }), randn([2, 3], { seed: 9 }), mse, { order: 2, tolerance: 'auto' });
      expect(report.parameters).toEqual(['rnn.weightIh', 'rnn.weightHh', 'rnn.biasIh', 'rnn.biasHh']);
      expect(report.failures).toEqual([]);
      expect(report.ok).toBe(true);
    }
    const rnn = new RNN(2, 3, { seed: 10 });
    assertGrad((xs: Tensor, h0: Tensor) => functionalCall(rnn, {}, xs, h0)[0], [randn([2, 4, 2], { seed: 11 }), randn([2, 3], { seed: 12 })], { order: 2, tolerance: 'auto' });
  });

  test('a model file round trip keeps the nonlinearity and the outputs, bit for bit', () => {
    const rnn = new RNN(2, 4, { nonlinearity: 'relu', seed: 13 });
    const loaded = deserializeModel(serializeModel(rnn)) as unknown as RNN;
    expect(loaded).toBeInstanceOf(RNN);
    expect(loaded.nonlinearity).toBe('relu');
    const [a, ha] = rnn.forward(x);
    const [b, hb] = loaded.forward(x);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(Array.from(hb.data)).toEqual(Array.from(ha.data));
  });
});
