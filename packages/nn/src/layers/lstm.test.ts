import { Rng, ShapeError, Tensor, ValueError, manualSeed, randn, zeros } from '@adjoint/core';
import { assertGrad, checkModule } from '@adjoint/gradcheck';
import { LSTM, type LstmState } from './lstm';
import { Sequential } from './sequential';
import { Module, functionalCall } from '../module';
import { mse } from '../losses';
import { deserializeModel, serializeModel } from '../io/model-file';
import { affine, expectNear, expectRecurrentParameters, plus, row, sigma, step, times } from '../testing/sequences';
import { expectError } from '../testing/errors';

/** The LSTM of PyTorch's documentation, step by step on plain numbers: output, hN and cN, flattened. */
function byHand(lstm: LSTM, x: Tensor, state?: LstmState): { output: number[]; h: number[]; c: number[] } {
  const [batch, time] = x.shape as [number, number];
  const n = lstm.hiddenSize;
  const { weightIh, weightHh, biasIh, biasHh } = lstm;
  const output: number[] = [];
  const hs: number[] = [];
  const cs: number[] = [];
  for (let b = 0; b < batch; b++) {
    let h = state ? row(state[0], b) : new Array<number>(n).fill(0);
    let c = state ? row(state[1], b) : new Array<number>(n).fill(0);
    for (let t = 0; t < time; t++) {
      const xt = step(x, b, t);
      // Gate k's pre-activation: W_ik x + b_ik + W_hk h + b_hk (blocks i, f, g, o in that order).
      const gate = (k: number): number[] => plus(affine(weightIh, biasIh, xt, k * n, n), affine(weightHh, biasHh, h, k * n, n));
      const i = gate(0).map(sigma);
      const f = gate(1).map(sigma);
      const g = gate(2).map(Math.tanh);
      const o = gate(3).map(sigma);
      c = plus(times(f, c), times(i, g));
      h = times(o, c.map(Math.tanh));
      output.push(...h);
    }
    hs.push(...h);
    cs.push(...c);
  }
  return { output, h: hs, c: cs };
}

describe('LSTM', () => {
  const lstm = new LSTM(3, 4, { seed: 1 });
  const x = randn([2, 5, 3], { seed: 2 });

  test('forward computes the LSTM equations (checked on plain numbers to 1e-12), from zeros and from a given state', () => {
    const [output, [h, c]] = lstm.forward(x);
    const expected = byHand(lstm, x);
    expect(output.shape).toEqual([2, 5, 4]);
    expect(h.shape).toEqual([2, 4]);
    expect(c.shape).toEqual([2, 4]);
    expectNear(output.data, expected.output);
    expectNear(h.data, expected.h);
    expectNear(c.data, expected.c);

    const state: LstmState = [randn([2, 4], { seed: 3 }), randn([2, 4], { seed: 4 })];
    const [output2, [h2, c2]] = lstm.forward(x, state);
    const expected2 = byHand(lstm, x, state);
    expectNear(output2.data, expected2.output);
    expectNear(h2.data, expected2.h);
    expectNear(c2.data, expected2.c);
    expect(Math.max(...output2.data.map((v, i) => Math.abs(v - output.data[i]!)))).toBeGreaterThan(1e-3); // the state matters
  });

  test('one time step, and a longer odd-length sequence (the steps are split in halves) in the right order', () => {
    for (const time of [1, 2, 13]) {
      const xs = randn([3, time, 3], { seed: time });
      const [output, [h, c]] = lstm.forward(xs);
      const expected = byHand(lstm, xs);
      expect(output.shape).toEqual([3, time, 4]);
      expectNear(output.data, expected.output);
      expectNear(h.data, expected.h);
      expectNear(c.data, expected.c);
    }
  });

  test('no state and a zero state give the same values, bit for bit (the first step skips the zero products)', () => {
    const [a, [ha, ca]] = lstm.forward(x);
    const [b, [hb, cb]] = lstm.forward(x, [zeros([2, 4]), zeros([2, 4])]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(ha.data)).toEqual(Array.from(hb.data));
    expect(Array.from(ca.data)).toEqual(Array.from(cb.data));
  });

  test("hN is the output's last step", () => {
    const [output, [h]] = lstm.forward(x);
    expect(Array.from(output.slice([0, 4, 0], [2, 1, 4]).data)).toEqual(Array.from(h.data));
  });

  test("parameters: PyTorch's names, order and shapes, drawn from U(−1/√hidden, 1/√hidden) in that order", () => {
    const layer = new LSTM(3, 5, { seed: 7 });
    const k = 1 / Math.sqrt(5);
    expectRecurrentParameters(layer, ['weightIh 20×3', 'weightHh 20×5', 'biasIh 20', 'biasHh 20'], 7, k);
    const all = layer.parameters().flatMap((p) => Array.from(p.data));
    expect(Math.max(...all.map(Math.abs))).toBeLessThanOrEqual(k);
    expect(Math.max(...all.map(Math.abs))).toBeGreaterThan(0.8 * k); // the whole range is used
    expect(layer.weightIh).toBe(layer.param('weightIh'));
    expect(String(layer)).toBe('LSTM(3 → 5)');
  });

  test('seeds: the same seed, the same weights; no seed draws from core’s stream', () => {
    expect(Array.from(new LSTM(2, 3, { seed: 4 }).weightHh.data)).toEqual(Array.from(new LSTM(2, 3, { seed: 4 }).weightHh.data));
    expect(Array.from(new LSTM(2, 3, { seed: 4 }).weightHh.data)).not.toEqual(Array.from(new LSTM(2, 3, { seed: 5 }).weightHh.data));
    manualSeed(11);
    const a = new LSTM(2, 3);
    manualSeed(11);
    expect(Array.from(new LSTM(2, 3).biasHh.data)).toEqual(Array.from(a.biasHh.data));
    expect(Array.from(new LSTM(2, 3, { rng: new Rng(4) }).weightIh.data)).toEqual(Array.from(new LSTM(2, 3, { seed: 4 }).weightIh.data));
  });

  test('bad arguments are ValueErrors naming LSTM', () => {
    expectError(() => new LSTM(0, 2), ValueError, 'LSTM: inputSize must be a positive integer, got 0');
    expectError(() => new LSTM(3, 2.5), ValueError, 'LSTM: hiddenSize must be a positive integer, got 2.5');
    expectError(() => new LSTM(3, '4' as never), ValueError, 'LSTM: hiddenSize must be a positive integer, got "4"');
    expectError(() => new LSTM(100_000, 100_000), ValueError, 'LSTM: a 400000 × 100000 weightIh would hold 40000000000 values, more than the 2147483647 a tensor can hold');
    expectError(() => new LSTM(3, 2, { seed: 1, rng: new Rng(1) }), ValueError, 'LSTM: give seed or rng, not both');
    expect(() => new LSTM(3, 2, { seed: 0.5 })).toThrow(ValueError);
    expect(() => new LSTM(3, 2, { seed: 0.5 })).toThrow(/^LSTM: seed must be/);
    expectError(() => new LSTM(3, 2, { nonlinearity: 'relu' } as never), ValueError, "LSTM: unknown option 'nonlinearity'; the options are seed, rng, numLayers, bidirectional, dropout");
  });

  test('bad inputs and states: ShapeErrors (ValueErrors for what is not a tensor) naming LSTM.forward and the shapes', () => {
    const layer = new LSTM(3, 20, { seed: 0 });
    const xs = randn([4, 7, 3], { seed: 1 });
    const h0 = zeros([4, 20]);
    const wrongX = 'LSTM.forward: x must have shape [batch, time, 3] (batch and time at least 1), got';
    expectError(() => layer.forward(randn([4, 3], { seed: 1 })), ShapeError, `${wrongX} [4, 3]`);
    expectError(() => layer.forward(randn([4, 7, 2], { seed: 1 })), ShapeError, `${wrongX} [4, 7, 2]`);
    expectError(() => layer.forward(zeros([4, 0, 3])), ShapeError, `${wrongX} [4, 0, 3]`);
    expectError(() => layer.forward(zeros([0, 7, 3])), ShapeError, `${wrongX} [0, 7, 3]`);
    expectError(() => layer.forward([[[1, 2, 3]]] as never), ValueError, 'LSTM.forward: x must be a Tensor, got an array of length 1; make one with tensor(…)');
    expectError(() => layer.forward(xs, [zeros([20]), h0]), ShapeError, 'LSTM.forward: h0 must have shape [4, 20] for x [4, 7, 3], got [20]');
    expectError(() => layer.forward(xs, [h0, zeros([4, 2])]), ShapeError, 'LSTM.forward: c0 must have shape [4, 20] for x [4, 7, 3], got [4, 2]');
    expectError(() => layer.forward(xs, h0 as never), ValueError, 'LSTM.forward: the state must be a pair [h0, c0] of tensors, got a Tensor of shape [4, 20]');
    expectError(() => layer.forward(xs, [h0] as never), ValueError, 'LSTM.forward: the state must be a pair [h0, c0] of tensors, got an array of length 1');
    expectError(() => layer.forward(xs, [h0, 0] as never), ValueError, 'LSTM.forward: c0 must be a Tensor, got number 0');
  });

  test('a Sequential refuses it at run time, saying why (and TypeScript refuses it at compile time)', () => {
    // @ts-expect-error: an LSTM is not a tensor → tensor Module
    const model = new Sequential([new LSTM(3, 2, { seed: 0 })]);
    expect(() => model.forward(x)).toThrow(
      'Sequential.forward: item 0 (LSTM) returned an array of length 2, not a Tensor; a Sequential passes one tensor from module to module (a recurrent layer returns [output, state]: call it from a Module of your own)',
    );
  });
});

/** A model around an LSTM, so that every output (sequence, hN, cN) reaches the loss. */
class Head extends Module {
  readonly lstm = this.register('lstm', new LSTM(3, 2, { seed: 5 }));
  forward(x: Tensor): Tensor {
    const [output, [h, c]] = this.lstm.forward(x);
    return output.sum(1).add(h.mul(c));
  }
}

describe('LSTM gradients', () => {
  const x = randn([2, 3, 3], { seed: 6 });

  test('checkModule: every parameter, both modes, to second order', () => {
    const report = checkModule(new Head(), x, randn([2, 2], { seed: 7 }), mse, { order: 2, tolerance: 'auto' });
    expect(report.parameters).toEqual(['lstm.weightIh', 'lstm.weightHh', 'lstm.biasIh', 'lstm.biasHh']);
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.compared).toBeGreaterThan(0);
  });

  test('with respect to the input and the initial state, through functionalCall', () => {
    const layer = new LSTM(3, 2, { seed: 8 });
    const f = (xs: Tensor, h0: Tensor, c0: Tensor, weightHh: Tensor): Tensor => {
      const [output, [h, c]] = functionalCall(layer, { weightHh }, xs, [h0, c0]);
      return output.sum(1).add(h.mul(c));
    };
    assertGrad(f, [x, randn([2, 2], { seed: 9 }), randn([2, 2], { seed: 10 }), layer.weightHh.clone()], { order: 2, tolerance: 'auto' });
  });

  test('backward reaches every parameter and h0, c0', () => {
    const layer = new LSTM(3, 2, { seed: 8 });
    const h0 = randn([2, 2], { seed: 9, requiresGrad: true });
    const c0 = randn([2, 2], { seed: 10, requiresGrad: true });
    const [output, [h, c]] = layer.forward(x, [h0, c0]);
    output.sum().add(h.sum()).add(c.sum()).backward();
    for (const t of [...layer.parameters(), h0, c0]) expect(t.grad!.data.some((g) => g !== 0)).toBe(true);
  });
});

describe('LSTM in a model file', () => {
  test('serializeModel → deserializeModel gives an LSTM with the same outputs, bit for bit', () => {
    const lstm = new LSTM(3, 4, { seed: 12 });
    const x = randn([2, 6, 3], { seed: 13 });
    for (const encoding of ['base64', 'numbers'] as const) {
      const loaded = deserializeModel(serializeModel(lstm, { encoding })) as unknown as LSTM;
      expect(loaded).toBeInstanceOf(LSTM);
      expect(String(loaded)).toBe('LSTM(3 → 4)');
      const [a, [ha, ca]] = lstm.forward(x);
      const [b, [hb, cb]] = loaded.forward(x);
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
      expect(Array.from(hb.data)).toEqual(Array.from(ha.data));
      expect(Array.from(cb.data)).toEqual(Array.from(ca.data));
    }
  });
});
