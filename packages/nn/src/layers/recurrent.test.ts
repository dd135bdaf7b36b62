/**
 * What RNN, LSTM and GRU share beyond one layer: numLayers, bidirectional and dropout (PyTorch's
 * num_layers, bidirectional, dropout). The cells themselves are checked against their equations in
 * rnn.test.ts, lstm.test.ts and gru.test.ts; here stacked and bidirectional layers are checked
 * against single-layer, forward-only layers given the same weights, and the ONNX export runs them
 * in ONNX Runtime (export/onnx.test.ts).
 */
import { Rng, ShapeError, Tensor, ValueError, concat, manualSeed, rand, randn, reshape, tensor, zeros } from '@adjoint/core';
import { assertGrad, checkModule } from '@adjoint/gradcheck';
import { RNN } from './rnn';
import { LSTM, type LstmState } from './lstm';
import { GRU } from './gru';
import type { Recurrent, RecurrentOptions } from './recurrent';
import { Module, functionalCall } from '../module';
import { mse } from '../losses';
import { summary } from '../summary';
import { deserializeModel, serializeModel, toModelFile } from '../io/model-file';
import { expectError } from '../testing/errors';

type State = Tensor | LstmState;
type Layer = Recurrent<State>;

/** The three layers, built alike: `make(inputSize, hiddenSize, options)`, and their gate count. */
const KINDS = [
  { name: 'RNN', gates: 1, make: (i: number, h: number, o: RecurrentOptions = {}) => new RNN(i, h, o) as unknown as Layer },
  { name: 'LSTM', gates: 4, make: (i: number, h: number, o: RecurrentOptions = {}) => new LSTM(i, h, o) as unknown as Layer },
  { name: 'GRU', gates: 3, make: (i: number, h: number, o: RecurrentOptions = {}) => new GRU(i, h, o) as unknown as Layer },
] as const;

/** The tensors of a state: [h], or an LSTM's [h, c]. */
const parts = (state: State): Tensor[] => (Array.isArray(state) ? [...state] : [state]);
/** A state of `layer`'s kind from its tensors. */
const stateOf = (layer: Layer, tensors: Tensor[]): State => (layer instanceof LSTM ? [tensors[0]!, tensors[1]!] : tensors[0]!);
/** Rows `first`…`first + count − 1` of a `[cells, batch, hidden]` state tensor, kept 3-D unless a single row is asked for. */
const rows = (t: Tensor, first: number, count: number): Tensor => {
  const [, batch, hidden] = t.shape as [number, number, number];
  const cut = t.slice([first, 0, 0], [count, batch, hidden]);
  return count === 1 ? reshape(cut, [batch, hidden]) : cut;
};
/** x `[batch, time, features]` with its time axis reversed. */
function reverseTime(x: Tensor): Tensor {
  const [batch, time, features] = x.shape as [number, number, number];
  const out = new Float64Array(x.size);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < time; t++) out.set(x.data.subarray((b * time + t) * features, (b * time + t + 1) * features), (b * time + time - 1 - t) * features);
  }
  return tensor(out, { shape: [batch, time, features] });
}
/** The last axis's values `first`…`first + count − 1` of a `[batch, time, n]` tensor. */
const lastAxis = (y: Tensor, first: number, count: number): Tensor => y.slice([0, 0, first], [y.shape[0]!, y.shape[1]!, count]);
const values = (t: Tensor): number[] => Array.from(t.data);
/** Expects the same values, bit for bit. */
const expectSame = (a: Tensor, b: Tensor): void => {
  expect(a.shape).toEqual(b.shape);
  expect(values(a)).toEqual(values(b));
};
/** Copies `from`'s parameter `fromName` into `to`'s parameter `toName` (same shape). */
function copy(to: Layer, toName: string, from: Layer, fromName: string): void {
  const target = to.param(toName);
  const source = from.param(fromName);
  expect(target.shape).toEqual(source.shape);
  target.data.set(source.data);
}
const BASES = ['weightIh', 'weightHh', 'biasIh', 'biasHh'] as const;
/** Copies the cell `fromSuffix` of `from` (e.g. 'L1Reverse') into the cell `toSuffix` of `to`. */
const copyCell = (to: Layer, toSuffix: string, from: Layer, fromSuffix: string): void => BASES.forEach((b) => copy(to, `${b}${toSuffix}`, from, `${b}${fromSuffix}`));

describe.each(KINDS)('$name: parameters, shapes and printing', ({ name, gates, make }) => {
  test("PyTorch's names in camelCase, in PyTorch's order, layer k > 0 taking D·hidden inputs; all drawn from one generator in that order", () => {
    const layer = make(3, 4, { numLayers: 2, bidirectional: true, seed: 5 });
    const g = gates * 4;
    expect(layer.namedParameters().map(([n, p]) => `${n} ${p.shape.join('×')}`)).toEqual([
      `weightIh ${g}×3`, `weightHh ${g}×4`, `biasIh ${g}`, `biasHh ${g}`,
      `weightIhReverse ${g}×3`, `weightHhReverse ${g}×4`, `biasIhReverse ${g}`, `biasHhReverse ${g}`,
      `weightIhL1 ${g}×8`, `weightHhL1 ${g}×4`, `biasIhL1 ${g}`, `biasHhL1 ${g}`,
      `weightIhL1Reverse ${g}×8`, `weightHhL1Reverse ${g}×4`, `biasIhL1Reverse ${g}`, `biasHhL1Reverse ${g}`,
    ]);
    const rng = new Rng(5);
    for (const [, p] of layer.namedParameters()) expect(values(p)).toEqual(values(rand(p.shape, { rng, min: -0.5, max: 0.5 })));
    expect(make(3, 4, { numLayers: 3, seed: 1 }).namedParameters().map(([n]) => n).filter((n) => n.startsWith('weightIh'))).toEqual(['weightIh', 'weightIhL1', 'weightIhL2']);
  });

  test('the same seed: layer 0 forward holds the weights a single layer draws, and dropout changes no weight', () => {
    const single = make(3, 4, { seed: 8 });
    const stacked = make(3, 4, { numLayers: 2, bidirectional: true, seed: 8 });
    for (const base of BASES) expectSame(stacked.param(base), single.param(base));
    const withDropout = make(3, 4, { numLayers: 2, bidirectional: true, dropout: 0.5, seed: 8 });
    for (const [n, p] of stacked.namedParameters()) expectSame(withDropout.param(n), p);
  });

  test('output [batch, time, D·hidden]; state [batch, hidden] for one cell, else [numLayers·D, batch, hidden]', () => {
    const x = randn([2, 5, 3], { seed: 1 });
    const cases: Array<[RecurrentOptions, number[], number[]]> = [
      [{}, [2, 5, 4], [2, 4]],
      [{ numLayers: 2 }, [2, 5, 4], [2, 2, 4]],
      [{ bidirectional: true }, [2, 5, 8], [2, 2, 4]],
      [{ numLayers: 3, bidirectional: true }, [2, 5, 8], [6, 2, 4]],
    ];
    for (const [options, outputShape, stateShape] of cases) {
      const [output, state] = make(3, 4, { ...options, seed: 2 }).forward(x);
      expect(output.shape).toEqual(outputShape);
      expect(parts(state).map((t) => t.shape)).toEqual(Array(name === 'LSTM' ? 2 : 1).fill(stateShape));
    }
  });

  test('printing and summary', () => {
    const layer = make(3, 4, { numLayers: 2, bidirectional: true, dropout: 0.25, seed: 1 });
    const cell = name === 'RNN' ? ', tanh' : '';
    expect(String(layer)).toBe(`${name}(3 → 4${cell}, numLayers 2, bidirectional, dropout 0.25)`);
    expect(String(make(3, 4, { numLayers: 1, bidirectional: false, dropout: 0 }))).toBe(`${name}(3 → 4${cell})`);
    const count = 2 * gates * 4 * (3 + 4 + 2) + 2 * gates * 4 * (8 + 4 + 2);
    const state = name === 'LSTM' ? '([4, 2, 4], [4, 2, 4])' : '[4, 2, 4]';
    const table = summary(layer, [2, 5, 3]).split('\n');
    expect(table[2]!.split(/ {3,}/)).toEqual([name, `[2, 5, 8], ${state}`, count.toLocaleString('en-US')]);
    expect(table).toContain(`Total params: ${count.toLocaleString('en-US')}`);
  });
});

describe.each(KINDS)('$name: stacked and bidirectional layers are single layers put together', ({ make }) => {
  const x = randn([3, 6, 2], { seed: 11 });

  test('numLayers 2 equals two single layers, the second run on the first one’s output, with the weights copied in (from zeros and from a state)', () => {
    const stacked = make(2, 3, { numLayers: 2, seed: 12 });
    const first = make(2, 3, { seed: 13 });
    const second = make(3, 3, { seed: 14 });
    copyCell(first, '', stacked, '');
    copyCell(second, '', stacked, 'L1');
    const [o1, s1] = first.forward(x);
    const [o2, s2] = second.forward(o1);
    const [output, state] = stacked.forward(x);
    expectSame(output, o2);
    parts(state).forEach((t, k) => expectSame(t, concat([parts(s1)[k]!, parts(s2)[k]!].map((p) => reshape(p, [1, 3, 3])), 0)));

    // A given state [2, batch, hidden]: row 0 starts layer 0, row 1 layer 1.
    const given = parts(stacked.forward(x)[1]).map((_, k) => randn([2, 3, 3], { seed: 20 + k }));
    const [g1] = first.forward(x, stateOf(first, given.map((t) => rows(t, 0, 1))));
    const [g2, gs2] = second.forward(g1, stateOf(second, given.map((t) => rows(t, 1, 1))));
    const [gOutput, gState] = stacked.forward(x, stateOf(stacked, given));
    expectSame(gOutput, g2);
    parts(gState).forEach((t, k) => expectSame(rows(t, 1, 1), parts(gs2)[k]!));
    expect(Math.max(...values(gOutput).map((v, i) => Math.abs(v - output.data[i]!)))).toBeGreaterThan(1e-3); // the state matters
  });

  test('bidirectional: the forward half is a forward layer; the reverse half is a forward layer with the reverse weights run on the time-reversed input, reversed back', () => {
    const both = make(2, 3, { bidirectional: true, seed: 15 });
    const forward = make(2, 3, { seed: 16 });
    const backward = make(2, 3, { seed: 17 });
    copyCell(forward, '', both, '');
    copyCell(backward, '', both, 'Reverse');
    for (const seed of [null, 30]) {
      // From zeros, then from a state [2, batch, hidden]: row 0 the forward direction's, row 1 the reverse one's.
      const given = seed === null ? null : parts(both.forward(x)[1]).map((_, k) => randn([2, 3, 3], { seed: seed + k }));
      const [f, fs] = forward.forward(x, given === null ? undefined : stateOf(forward, given.map((t) => rows(t, 0, 1))));
      const [b, bs] = backward.forward(reverseTime(x), given === null ? undefined : stateOf(backward, given.map((t) => rows(t, 1, 1))));
      const [output, state] = both.forward(x, given === null ? undefined : stateOf(both, given));
      expectSame(lastAxis(output, 0, 3), f);
      expectSame(lastAxis(output, 3, 3), reverseTime(b));
      parts(state).forEach((t, k) => {
        expectSame(rows(t, 0, 1), parts(fs)[k]!);
        expectSame(rows(t, 1, 1), parts(bs)[k]!);
      });
    }
    // The reverse direction's final state is its state after the first step, which its output holds there.
    const [output, state] = both.forward(x);
    expectSame(lastAxis(output, 3, 3).slice([0, 0, 0], [3, 1, 3]).reshape([3, 3]), rows(parts(state)[0]!, 1, 1));
  });

  test('numLayers 2 and bidirectional: two bidirectional layers, the second taking 2·hidden inputs; state rows layer·2 + direction', () => {
    const stacked = make(2, 3, { numLayers: 2, bidirectional: true, seed: 18 });
    const first = make(2, 3, { bidirectional: true, seed: 19 });
    const second = make(6, 3, { bidirectional: true, seed: 20 });
    copyCell(first, '', stacked, '');
    copyCell(first, 'Reverse', stacked, 'Reverse');
    copyCell(second, '', stacked, 'L1');
    copyCell(second, 'Reverse', stacked, 'L1Reverse');
    const given = parts(stacked.forward(x)[1]).map((_, k) => randn([4, 3, 3], { seed: 40 + k }));
    const [o1, s1] = first.forward(x, stateOf(first, given.map((t) => rows(t, 0, 2))));
    const [o2, s2] = second.forward(o1, stateOf(second, given.map((t) => rows(t, 2, 2))));
    const [output, state] = stacked.forward(x, stateOf(stacked, given));
    expectSame(output, o2);
    parts(state).forEach((t, k) => expectSame(t, concat([parts(s1)[k]!, parts(s2)[k]!], 0)));
  });
});

describe.each(KINDS)('$name: dropout between layers', ({ make }) => {
  const x = randn([4, 5, 3], { seed: 21 });
  const options = { numLayers: 3, bidirectional: true, seed: 22 };

  test('evaluation: no dropout at all, bit for bit; training: a new mask each call, the same masks for the same seed', () => {
    const plain = make(3, 4, options);
    const dropped = make(3, 4, { ...options, dropout: 0.4 });
    const [expected, expectedState] = plain.forward(x);
    dropped.eval();
    const [output, state] = dropped.forward(x);
    expectSame(output, expected);
    parts(state).forEach((t, k) => expectSame(t, parts(expectedState)[k]!));

    dropped.train();
    const [a] = dropped.forward(x);
    const [b] = dropped.forward(x);
    const [again] = make(3, 4, { ...options, dropout: 0.4 }).forward(x);
    expectSame(again, a);
    const differs = (u: Tensor, v: Tensor): boolean => values(u).some((value, i) => Math.abs(value - v.data[i]!) > 1e-6);
    expect(differs(a, expected)).toBe(true);
    expect(differs(b, a)).toBe(true);
    // Layer 0 is never dropped, so with one layer dropout changes nothing (PyTorch warns; adjoint accepts it).
    expectSame(make(3, 4, { seed: 22, dropout: 0.4 }).forward(x)[0], make(3, 4, { seed: 22 }).forward(x)[0]);
  });

  test('masks come from the layer’s generator after the weights: an rng gives the same as its seed', () => {
    const [bySeed] = make(3, 4, { ...options, dropout: 0.4 }).forward(x);
    const { seed, ...rest } = options;
    const [byRng] = make(3, 4, { ...rest, dropout: 0.4, rng: new Rng(seed) }).forward(x);
    expectSame(byRng, bySeed);
    manualSeed(3);
    const [fromStream] = make(3, 4, { ...rest, dropout: 0.4 }).forward(x);
    manualSeed(3);
    expectSame(make(3, 4, { ...rest, dropout: 0.4 }).forward(x)[0], fromStream);
  });

  test('rng is that generator: the given one, a new one for a seed, undefined for core’s stream and for a layer loaded from a file', () => {
    const { seed, ...rest } = options;
    const own = new Rng(seed);
    expect(make(3, 4, { ...rest, rng: own }).rng).toBe(own);
    const seeded = make(3, 4, { ...options, dropout: 0.4 });
    expect(seeded.rng).toBeInstanceOf(Rng);
    expect(seeded.rng!.state()).toEqual(own.state()); // both past the same weight draws
    expect(make(3, 4, rest).rng).toBeUndefined();
    expect((deserializeModel(serializeModel(seeded)) as unknown as Layer).rng).toBeUndefined();
  });

  test('resuming: its rng state saved after 3 training forwards and set after 5 makes the next output the 4th', () => {
    const layer = make(3, 4, { ...options, dropout: 0.4 });
    const outputs: Tensor[] = [];
    const step = (): void => void outputs.push(layer.forward(x)[0]);
    for (let i = 0; i < 3; i++) step();
    const saved = JSON.parse(JSON.stringify(layer.rng!.state()));
    for (let i = 0; i < 2; i++) step();
    layer.rng!.setState(saved);
    step();
    expectSame(outputs[5]!, outputs[3]!);
    expect(values(outputs[4]!)).not.toEqual(values(outputs[3]!)); // the masks do change from call to call
  });
});

test('dropout zeroes each value of a lower layer’s output with probability p and scales the others by exactly 1/(1 − p)', () => {
  // A relu RNN whose second layer passes its input through: W_ih = I, W_hh = 0, no biases, so that
  // its output is layer 0's output (≥ 0) after dropout, exactly.
  const p = 0.3;
  const rnn = new RNN(3, 6, { nonlinearity: 'relu', numLayers: 2, dropout: p, seed: 23 });
  for (const name of ['weightHhL1', 'biasIhL1', 'biasHhL1']) rnn.param(name).data.fill(0);
  rnn.param('weightIhL1').data.set(Array.from({ length: 36 }, (_, i) => (i % 7 === 0 ? 1 : 0)));
  const x = randn([40, 10, 3], { seed: 24 });
  const [undropped] = rnn.eval().forward(x);
  const [dropped] = rnn.train().forward(x);
  let kept = 0;
  let zeroed = 0;
  undropped.data.forEach((h, i) => {
    const v = dropped.data[i]!;
    if (h === 0) return expect(v).toBe(0);
    if (v === 0) zeroed++;
    else {
      kept++;
      expect(v).toBe(h / (1 - p));
    }
  });
  expect(kept + zeroed).toBeGreaterThan(1000);
  expect(Math.abs(zeroed / (kept + zeroed) - p)).toBeLessThan(0.05);
});

describe('gradients against finite differences (float64)', () => {
  /** A model whose loss sees the output sequence and every final state tensor. */
  class Head extends Module {
    readonly layer: Layer;
    constructor(layer: Layer) {
      super();
      this.layer = this.register('layer', layer);
    }
    forward(x: Tensor): Tensor {
      const [output, state] = this.layer.forward(x);
      return concat([output.mean(1), ...parts(state).map((t) => t.sum(0))], 1);
    }
  }
  const configs: RecurrentOptions[] = [{ numLayers: 2 }, { bidirectional: true }, { numLayers: 2, bidirectional: true }];

  test.each(KINDS.flatMap((kind) => configs.map((options) => [kind.name, JSON.stringify(options), kind, options] as const)))('%s %s: checkModule over every parameter', (_, __, kind, options) => {
    const head = new Head(kind.make(2, 2, { ...options, seed: 25 }));
    const x = randn([2, 3, 2], { seed: 26 });
    const width = head.forward(x).shape[1]!;
    const report = checkModule(head, x, randn([2, width], { seed: 27 }), mse, { tolerance: 'auto' });
    expect(report.parameters).toEqual(head.namedParameters().map(([n]) => n));
    expect(report.parameters).toContain(options.numLayers === 2 ? 'layer.biasHhL1' : 'layer.weightHhReverse');
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
  });

  test.each(KINDS)('$name, numLayers 2 and bidirectional: with respect to x and the initial state, to second order', ({ make }) => {
    const layer = make(2, 2, { numLayers: 2, bidirectional: true, seed: 28 });
    const f = (xs: Tensor, ...state: Tensor[]): Tensor => {
      const [output, final] = functionalCall(layer, {}, xs, stateOf(layer, state));
      return concat([output.sum(1), ...parts(final).map((t) => t.mean(0))], 1);
    };
    const states = Array.from({ length: layer instanceof LSTM ? 2 : 1 }, (_, k) => randn([4, 1, 2], { seed: 29 + k }));
    assertGrad(f, [randn([1, 3, 2], { seed: 31 }), ...states], { order: 2, tolerance: 'auto' });
  });

  test('through dropout in training (a fresh layer with the same seed per call, so the same masks)', () => {
    const f = (xs: Tensor): Tensor => new GRU(2, 3, { numLayers: 2, dropout: 0.5, seed: 32 }).forward(xs)[0];
    const xs = randn([2, 4, 2], { seed: 33 });
    const evaluated = new GRU(2, 3, { numLayers: 2, dropout: 0.5, seed: 32 }).eval().forward(xs)[0];
    expect(values(f(xs)).some((v, i) => Math.abs(v - evaluated.data[i]!) > 1e-6)).toBe(true); // some value was dropped
    assertGrad(f, [xs], { tolerance: 'auto' });
  });
});

describe.each(KINDS)('$name: errors name the layer and the value', ({ name, make }) => {
  test('bad options', () => {
    expectError(() => make(2, 3, { numLayers: 0 }), ValueError, `${name}: numLayers must be a positive integer, got 0`);
    expectError(() => make(2, 3, { numLayers: 1.5 }), ValueError, `${name}: numLayers must be a positive integer, got 1.5`);
    expectError(() => make(2, 3, { numLayers: '2' as never }), ValueError, `${name}: numLayers must be a positive integer, got "2"`);
    expectError(() => make(2, 3, { numLayers: null as never }), ValueError, `${name}: numLayers must be a positive integer, got null`);
    expectError(() => make(2, 3, { bidirectional: 'yes' as never }), ValueError, `${name}: bidirectional must be true or false, got "yes"`);
    expectError(() => make(2, 3, { bidirectional: 1 as never }), ValueError, `${name}: bidirectional must be true or false, got 1`);
    for (const p of [1, -0.1, NaN, 1.5, Infinity]) expectError(() => make(2, 3, { dropout: p }), ValueError, `${name}: dropout must be in [0, 1), got ${p}`);
    expectError(() => make(2, 3, { dropout: '0.5' as never }), ValueError, `${name}: dropout must be in [0, 1), got "0.5"`);
    const cell = name === 'RNN' ? 'nonlinearity, ' : '';
    expectError(() => make(2, 3, { num_layers: 2 } as never), ValueError, `${name}: unknown option 'num_layers'; the options are seed, rng, ${cell}numLayers, bidirectional, dropout`);
    expectError(() => make(2, 3, { layers: 2 } as never), ValueError, `${name}: unknown option 'layers'; the options are seed, rng, ${cell}numLayers, bidirectional, dropout`);
    // A numLayers whose weights would not fit in memory is refused at once, before any is drawn.
    const g = name === 'RNN' ? 1 : name === 'LSTM' ? 4 : 3;
    const total = 2 * (g * 3 * (2 + 3 + 2) + (1e9 - 1) * g * 3 * (6 + 3 + 2));
    expectError(() => make(2, 3, { numLayers: 1e9, bidirectional: true }), ValueError, `${name}: numLayers 1000000000 of 2 directions would hold ${total} parameter values in all, more than the 2147483647 a layer can hold`);
    expectError(() => make(1, 1, { numLayers: 2 ** 31 }), ValueError, `${name}: numLayers 2147483648 of 1 direction would hold ${g * 4 * 2 ** 31} parameter values in all, more than the 2147483647 a layer can hold`);
    expectError(() => make(1, 40_000, { numLayers: 2, bidirectional: true }), ValueError, `${name}: a ${40_000 * (name === 'RNN' ? 1 : name === 'LSTM' ? 4 : 3)} × 80000 weightIhL1 would hold ${40_000 * (name === 'RNN' ? 1 : name === 'LSTM' ? 4 : 3) * 80_000} values, more than the 2147483647 a tensor can hold`);
  });

  test('a mistake spends no random numbers', () => {
    manualSeed(4);
    expect(() => make(2, 3, { numLayers: 2, dropout: 1 })).toThrow(ValueError);
    const after = make(2, 3);
    manualSeed(4);
    expectSame(after.weightIh, make(2, 3).weightIh);
  });

  test('states of the wrong shape: ShapeErrors naming the method and the shape expected', () => {
    const layer = make(3, 5, { numLayers: 2, bidirectional: true, seed: 0 });
    const x = randn([2, 4, 3], { seed: 1 });
    const h = zeros([4, 2, 5]);
    const wrong = (given: number[], what = 'h0'): string => `${name}.forward: ${what} must have shape [4, 2, 5] ([numLayers·2, batch, hiddenSize]) for x [2, 4, 3], got [${given.join(', ')}]`;
    const state = (t: Tensor, c = h): State => stateOf(layer, [t, c]);
    expectError(() => layer.forward(x, state(zeros([2, 5]))), ShapeError, wrong([2, 5]));
    expectError(() => layer.forward(x, state(zeros([2, 2, 5]))), ShapeError, wrong([2, 2, 5]));
    expectError(() => layer.forward(x, state(zeros([4, 3, 5]))), ShapeError, wrong([4, 3, 5]));
    if (name === 'LSTM') expectError(() => layer.forward(x, state(h, zeros([4, 2, 4]))), ShapeError, wrong([4, 2, 4], 'c0'));
    const unidirectional = make(3, 5, { numLayers: 3, seed: 0 });
    expectError(() => unidirectional.forward(x, stateOf(unidirectional, [h, h])), ShapeError, `${name}.forward: h0 must have shape [3, 2, 5] ([numLayers·1, batch, hiddenSize]) for x [2, 4, 3], got [4, 2, 5]`);
  });
});

describe.each(KINDS)('$name: model files', ({ name, make }) => {
  test('numLayers, bidirectional and dropout are saved and loaded; the loaded layer computes the same, bit for bit', () => {
    const layer = make(3, 4, { numLayers: 2, bidirectional: true, dropout: 0.25, seed: 34 });
    const x = randn([2, 5, 3], { seed: 35 });
    for (const encoding of ['base64', 'numbers'] as const) {
      expect(toModelFile(layer, { encoding }).architecture).toEqual({ type: name, inputSize: 3, hiddenSize: 4, ...(name === 'RNN' ? { nonlinearity: 'tanh' } : {}), numLayers: 2, bidirectional: true, dropout: 0.25 });
      const loaded = deserializeModel(serializeModel(layer, { encoding })) as unknown as Layer;
      expect([loaded.numLayers, loaded.bidirectional, loaded.dropout]).toEqual([2, true, 0.25]);
      expect(String(loaded)).toBe(String(layer));
      const [a, sa] = layer.eval().forward(x);
      const [b, sb] = loaded.eval().forward(x);
      expectSame(b, a);
      parts(sb).forEach((t, k) => expectSame(t, parts(sa)[k]!));
    }
  });

  test("a loaded layer draws dropout's masks from core's stream, as one built without a seed does: the same masks as the original's for the same manualSeed", () => {
    manualSeed(40);
    const layer = make(3, 4, { numLayers: 2, dropout: 0.5 });
    const loaded = deserializeModel(serializeModel(layer)) as unknown as Layer;
    const x = randn([2, 5, 3], { seed: 41 });
    const run = (l: Layer, seed: number): Tensor => {
      manualSeed(seed);
      return l.train().forward(x)[0];
    };
    expectSame(run(loaded, 1), run(layer, 1));
    expect(values(run(loaded, 2))).not.toEqual(values(run(loaded, 1)));
    // A second copy loaded from the same file is not tied to the first one's masks.
    const again = deserializeModel(serializeModel(layer)) as unknown as Layer;
    manualSeed(3);
    const first = loaded.train().forward(x)[0];
    const second = again.train().forward(x)[0];
    expect(values(second)).not.toEqual(values(first));
  });

  test('each option is written only when it is not its default, so a default layer’s file is as before', () => {
    expect(toModelFile(make(3, 4, { numLayers: 3 })).architecture).toEqual({ type: name, inputSize: 3, hiddenSize: 4, ...(name === 'RNN' ? { nonlinearity: 'tanh' } : {}), numLayers: 3 });
    expect(toModelFile(make(3, 4, { bidirectional: false, dropout: 0, numLayers: 1 })).architecture).toEqual({ type: name, inputSize: 3, hiddenSize: 4, ...(name === 'RNN' ? { nonlinearity: 'tanh' } : {}) });
  });

  test('bad values in a file are ValueErrors naming the field; a numLayers the tensors cannot fill is refused before anything is built', () => {
    const file = JSON.parse(JSON.stringify(toModelFile(make(3, 4, { numLayers: 2, seed: 1 }))));
    for (const [key, value, message] of [
      ['numLayers', 0, "'numLayers' must be a positive integer, got number 0"],
      ['numLayers', 2.5, "'numLayers' must be a positive integer, got number 2.5"],
      ['bidirectional', 'yes', "'bidirectional' must be true or false, got the string \"yes\""],
      ['dropout', 1, "'dropout' must be a number in [0, 1), got number 1"],
    ] as const) {
      const bad = { ...file, architecture: { ...file.architecture, [key]: value } };
      expectError(() => deserializeModel(bad), ValueError, `deserializeModel: architecture (${name}): ${message}`);
    }
    // 10⁶ layers of 2·G·4·(4 + 4 + 2) values each, minus those of layer 0 counted as held, against the 2 layers' values the file holds.
    const perLayer = file.tensors.weightIhL1.shape[0] * (4 + 4 + 2);
    const held = Object.values(file.tensors as Record<string, { shape: number[] }>).reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
    const needed = held + (1e6 - 2) * perLayer;
    const huge = { ...file, architecture: { ...file.architecture, numLayers: 1e6 } };
    expectError(() => deserializeModel(huge), ValueError, `deserializeModel: the architecture's layers need at least ${needed} values but the file's tensors hold ${held} (a corrupt dimension?)`);
    const lacking = { ...file, tensors: Object.fromEntries(Object.entries(file.tensors).filter(([k]) => !k.endsWith('L1'))) };
    expectError(() => deserializeModel(lacking), ValueError, "deserializeModel: the file lacks 'weightIhL1', 'weightHhL1', 'biasIhL1' and 1 more, which the model has");
  });
});
