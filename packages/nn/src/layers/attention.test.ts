import { Rng, ShapeError, Tensor, ValueError, randn, tensor } from '@adjoint/core';
import { assertGrad, checkModule } from '@adjoint/gradcheck';
import { MultiheadAttention, causalMask, type AttentionForwardOptions } from './attention';
import { Sequential } from './sequential';
import { Module, functionalCall } from '../module';
import { mse } from '../losses';
import { expectError } from '../testing/errors';

/** Entry [i, j] of a row-major matrix of `columns` columns. */
const at = (t: Tensor, i: number, j: number, columns: number): number => t.data[i * columns + j]!;

/**
 * PyTorch's multi-head attention written out on plain numbers, for the packed or separate weights
 * of `layer`: projections, scores q·k/√D plus `bias(b, h, i, j)` (−∞ hides), softmax, weighted
 * values, output projection (outProj.weight is [in, out]). Returns the output [N, L, E] and the
 * per-head weights [N, H, L, S], flattened.
 */
function byHand(layer: MultiheadAttention, query: Tensor, key: Tensor, value: Tensor, bias: (b: number, h: number, i: number, j: number) => number = () => 0): { output: number[]; weights: number[] } {
  const [n, l, e] = query.shape as [number, number, number];
  const s = key.shape[1]!;
  const [heads, d] = [layer.numHeads, layer.headDim];
  const b = layer.inProjBias;
  const weightOf = (block: number): [Tensor, number] =>
    layer.inProjWeight !== null ? [layer.inProjWeight.slice([block * e, 0], [e, e]), e] : [[layer.qProjWeight!, layer.kProjWeight!, layer.vProjWeight!][block]!, [e, layer.kdim, layer.vdim][block]!];
  /** Row r of x (`[rows, width]` flattened per sequence) projected by block `block`: W x + b. */
  const project = (x: Tensor, block: number): number[][][] => {
    const [w, width] = weightOf(block);
    const rows = x.shape[1]!;
    return Array.from({ length: n }, (_, seq) => Array.from({ length: rows }, (_, r) => Array.from({ length: e }, (_, o) => {
      let sum = b === null ? 0 : b.data[block * e + o]!;
      for (let c = 0; c < width; c++) sum += at(w, o, c, width) * x.data[(seq * rows + r) * width + c]!;
      return sum;
    })));
  };
  const [q, k, v] = [project(query, 0), project(key, 1), project(value, 2)];
  const weights: number[] = [];
  const joined: number[][][] = Array.from({ length: n }, () => Array.from({ length: l }, () => new Array<number>(e).fill(0)));
  for (let seq = 0; seq < n; seq++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < l; i++) {
        const scores = Array.from({ length: s }, (_, j) => {
          let dot = 0;
          for (let c = h * d; c < (h + 1) * d; c++) dot += q[seq]![i]![c]! * k[seq]![j]![c]!;
          return dot / Math.sqrt(d) + bias(seq, h, i, j);
        });
        const top = Math.max(...scores);
        const exps = scores.map((x) => Math.exp(x - top));
        const total = exps.reduce((a, c) => a + c, 0);
        const row = exps.map((x) => x / total);
        weights.push(...row);
        for (let c = h * d; c < (h + 1) * d; c++) joined[seq]![i]![c] = row.reduce((sum, w, j) => sum + w * v[seq]![j]![c]!, 0);
      }
    }
  }
  const out = layer.outProj;
  const output: number[] = [];
  for (let seq = 0; seq < n; seq++) {
    for (let i = 0; i < l; i++) {
      for (let o = 0; o < e; o++) {
        let sum = out.bias === null ? 0 : out.bias.data[o]!;
        for (let c = 0; c < e; c++) sum += joined[seq]![i]![c]! * at(out.weight, c, o, e);
        output.push(sum);
      }
    }
  }
  return { output, weights };
}

function expectNear(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  const worst = Array.from(actual).reduce((m, x, i) => Math.max(m, Math.abs(x - expected[i]!)), 0);
  expect(worst).toBeLessThanOrEqual(tolerance);
}

/** A layer whose biases are not zero, so that a mixed-up bias block shows. */
function layerWithBiases(embedDim: number, numHeads: number, options: ConstructorParameters<typeof MultiheadAttention>[2] = {}, seed = 1): MultiheadAttention {
  const layer = new MultiheadAttention(embedDim, numHeads, { ...options, seed });
  for (const p of [layer.inProjBias, layer.outProj.bias]) p?.data.set(randn(p.shape, { seed: seed + 100 }).data);
  return layer;
}

/** Per-head weights [N, H, L, S] averaged over the heads, on plain numbers. */
function averaged(weights: number[], n: number, heads: number, ls: number): number[] {
  return Array.from({ length: n * ls }, (_, k) => {
    const [seq, rest] = [Math.floor(k / ls), k % ls];
    let sum = 0;
    for (let h = 0; h < heads; h++) sum += weights[(seq * heads + h) * ls + rest]!;
    return sum / heads;
  });
}

describe('MultiheadAttention', () => {
  test("parameters: PyTorch's names, order and shapes; separate projections when kdim or vdim differs; none of the biases with bias: false", () => {
    const packed = new MultiheadAttention(8, 2, { seed: 0 });
    expect(packed.namedParameters().map(([name, p]) => `${name} ${p.shape.join('×')}`)).toEqual(['inProjWeight 24×8', 'inProjBias 24', 'outProj.weight 8×8', 'outProj.bias 8']);
    expect([packed.headDim, packed.kdim, packed.vdim, packed.dropout]).toEqual([4, 8, 8, 0]);
    expect([packed.qProjWeight, packed.kProjWeight, packed.vProjWeight]).toEqual([null, null, null]);
    const separate = new MultiheadAttention(6, 3, { kdim: 4, vdim: 5, seed: 0 });
    expect(separate.namedParameters().map(([name, p]) => `${name} ${p.shape.join('×')}`)).toEqual([
      'qProjWeight 6×6', 'kProjWeight 6×4', 'vProjWeight 6×5', 'inProjBias 18', 'outProj.weight 6×6', 'outProj.bias 6',
    ]);
    expect(separate.inProjWeight).toBeNull();
    const noBias = new MultiheadAttention(4, 1, { bias: false, dropout: 0.2 });
    expect(noBias.namedParameters().map(([name]) => name)).toEqual(['inProjWeight', 'outProj.weight']);
    expect(noBias.inProjBias).toBeNull();
    expect(String(packed)).toBe('MultiheadAttention(8, numHeads 2\n  (outProj): Dense(8 → 8, identity)\n)');
    expect(String(separate).split('\n')[0]).toBe('MultiheadAttention(6, numHeads 3, kdim 4, vdim 5');
    expect(String(noBias).split('\n')[0]).toBe('MultiheadAttention(4, numHeads 1, dropout 0.2, no bias');
  });

  test("initialisation: PyTorch's laws (Glorot for the projections with each block's fans, U(±1/√E) for outProj, zero biases); a seed gives the same weights", () => {
    const e = 64;
    const layer = new MultiheadAttention(e, 4, { seed: 3 });
    const w = layer.inProjWeight!;
    const limit = Math.sqrt(6 / (e + 3 * e));
    expect(w.abs().max().item()).toBeLessThanOrEqual(limit);
    expect(w.abs().max().item()).toBeGreaterThan(0.95 * limit);
    expect(layer.outProj.weight.abs().max().item()).toBeLessThanOrEqual(1 / Math.sqrt(e));
    expect(layer.outProj.weight.abs().max().item()).toBeGreaterThan(0.95 / Math.sqrt(e));
    expect([...layer.inProjBias!.data, ...layer.outProj.bias!.data].every((b) => b === 0)).toBe(true);
    const k = new MultiheadAttention(e, 4, { kdim: 16, seed: 3 }).kProjWeight!;
    expect(k.abs().max().item()).toBeLessThanOrEqual(Math.sqrt(6 / (16 + e)));
    expect(k.abs().max().item()).toBeGreaterThan(0.95 * Math.sqrt(6 / (16 + e)));
    const again = new MultiheadAttention(e, 4, { seed: 3 });
    expect(Array.from(again.inProjWeight!.data)).toEqual(Array.from(w.data));
    expect(Array.from(again.outProj.weight.data)).toEqual(Array.from(layer.outProj.weight.data));
    expect(Array.from(new MultiheadAttention(e, 4, { rng: new Rng(3) }).inProjWeight!.data)).toEqual(Array.from(w.data));
    expect(new MultiheadAttention(e, 4, { seed: 4 }).inProjWeight!.data[0]).not.toBe(w.data[0]);
  });

  test.each([
    ['self-attention (one product for q, k and v)', 8, 2, {}, 'self'],
    ['query, key and value of their own, another length', 8, 4, {}, 'cross'],
    ['kdim and vdim: separate projections', 6, 3, { kdim: 4, vdim: 5 }, 'cross'],
    ['no biases', 6, 2, { bias: false }, 'cross'],
  ] as const)('forward against a direct computation on plain numbers: %s, averaged and per-head weights', (_, e, heads, options, kind) => {
    const layer = layerWithBiases(e, heads, options);
    const query = randn([2, 3, e], { seed: 5 });
    const [key, value] = kind === 'self' ? [query, query] : [randn([2, 4, layer.kdim], { seed: 6 }), randn([2, 4, layer.vdim], { seed: 7 })];
    const s = key.shape[1]!;
    const expected = byHand(layer, query, key, value);
    const [output, weights] = layer.forward(query, key, value);
    expect(output.shape).toEqual([2, 3, e]);
    expect(weights!.shape).toEqual([2, 3, s]);
    expectNear(output.data, expected.output);
    expectNear(weights!.data, averaged(expected.weights, 2, heads, 3 * s));
    const [, perHead] = layer.forward(query, key, value, { averageAttnWeights: false });
    expect(perHead!.shape).toEqual([2, heads, 3, s]);
    expectNear(perHead!.data, expected.weights);
    const [again, none] = layer.forward(query, key, value, { needWeights: false });
    expect(none).toBeNull();
    expect(Array.from(again.data)).toEqual(Array.from(output.data));
    if (kind === 'self') expect(Array.from(layer.forward(query)[0].data)).toEqual(Array.from(output.data)); // key and value default to the query
  });

  describe('masks', () => {
    const layer = layerWithBiases(8, 2, {}, 11);
    const query = randn([2, 3, 8], { seed: 12 });
    const key = randn([2, 4, 8], { seed: 13 });
    const value = randn([2, 4, 8], { seed: 14 });
    const perHead = (options: AttentionForwardOptions): [Tensor, Tensor] => {
      const [output, weights] = layer.forward(query, key, value, { ...options, averageAttnWeights: false });
      return [output, weights!];
    };

    test('a boolean keyPaddingMask hides those keys (weight exactly 0) for every query and head, as the additive −∞ mask does', () => {
      const padding = tensor([[0, 0, 1, 1], [0, 1, 0, 0]]);
      const [output, weights] = perHead({ keyPaddingMask: padding });
      const hidden = (b: number, _h: number, _i: number, j: number): number => (padding.data[b * 4 + j] === 1 ? -Infinity : 0);
      const expected = byHand(layer, query, key, value, hidden);
      expectNear(output.data, expected.output);
      expectNear(weights.data, expected.weights);
      weights.data.forEach((w, flat) => {
        const [b, j] = [Math.floor(flat / 24), flat % 4];
        if (padding.data[b * 4 + j] === 1) expect(w).toBe(0);
      });
      const additive = perHead({ keyPaddingMask: tensor([[0, 0, -Infinity, -Infinity], [0, -Infinity, 0, 0]]) });
      expect(Array.from(additive[0].data)).toEqual(Array.from(output.data));
      expect(Array.from(additive[1].data)).toEqual(Array.from(weights.data));
    });

    test('an attnMask [L, S] for all sequences and heads, or [N·numHeads, L, S] (row b·numHeads + h), boolean or additive, and both masks together', () => {
      const mask = tensor([[0, 1, 0, 0], [1, 0, 0, 1], [0, 0, 0, 1]]);
      const expected = byHand(layer, query, key, value, (_b, _h, i, j) => (mask.data[i * 4 + j] === 1 ? -Infinity : 0));
      const [output, weights] = perHead({ attnMask: mask });
      expectNear(output.data, expected.output);
      expectNear(weights.data, expected.weights);

      const stacked = randn([4, 3, 4], { seed: 15 }); // additive: any values are added to the scores
      const padding = tensor([[0, 0, 0, 1], [1, 0, 0, 0]]);
      const both = byHand(layer, query, key, value, (b, h, i, j) => stacked.data[((b * 2 + h) * 3 + i) * 4 + j]! + (padding.data[b * 4 + j] === 1 ? -Infinity : 0));
      const [output2, weights2] = perHead({ attnMask: stacked, keyPaddingMask: padding });
      expectNear(output2.data, both.output);
      expectNear(weights2.data, both.weights);
    });

    test("isCausal: query i sees keys 0 … i, as causalMask's −∞ and a boolean triangle do; with a mask, the mask must be the causal one", () => {
      const x = randn([2, 4, 8], { seed: 16 });
      const [causal, weights] = layer.forward(x, x, x, { isCausal: true });
      const expected = byHand(layer, x, x, x, (_b, _h, i, j) => (j > i ? -Infinity : 0));
      expectNear(causal.data, expected.output);
      expectNear(weights!.data, averaged(expected.weights, 2, 2, 16));
      const boolean = tensor([[0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]]);
      for (const options of [{ attnMask: causalMask(4) }, { attnMask: boolean }, { attnMask: causalMask(4), isCausal: true }, { attnMask: boolean, isCausal: true }]) {
        expect(Array.from(layer.forward(x, x, x, options)[0].data)).toEqual(Array.from(causal.data));
      }
      expectError(() => layer.forward(x, x, x, { attnMask: boolean.T, isCausal: true }), ValueError,
        "MultiheadAttention.forward: isCausal says attnMask is the causal mask (1 above the diagonal, 0 elsewhere), but it holds 0 at flat index 1 of [4, 4]; leave isCausal out to apply this mask as it is");
      expectError(() => layer.forward(x, x, x, { attnMask: causalMask(4).T, isCausal: true }), ValueError,
        'MultiheadAttention.forward: isCausal says attnMask is the causal mask (−∞ above the diagonal, 0 elsewhere), but it holds 0 at flat index 1 of [4, 4]; leave isCausal out to apply this mask as it is');
      // Fewer queries than keys: query i still sees keys 0 … i.
      const expectedShort = byHand(layer, query, key, value, (_b, _h, i, j) => (j > i ? -Infinity : 0));
      expectNear(perHead({ isCausal: true })[1].data, expectedShort.weights);
    });

    test("maskKind: 'auto' reads 0s and 1s as boolean, 'additive' adds them, 'boolean' refuses other values; a mask that requires grad is additive", () => {
      const ones = tensor([[0, 1, 0, 0], [1, 0, 0, 1], [0, 0, 0, 1]]);
      const added = byHand(layer, query, key, value, (_b, _h, i, j) => ones.data[i * 4 + j]!);
      const hidden = byHand(layer, query, key, value, (_b, _h, i, j) => (ones.data[i * 4 + j] === 1 ? -Infinity : 0));
      expectNear(perHead({ attnMask: ones, maskKind: 'additive' })[1].data, added.weights);
      expectNear(perHead({ attnMask: ones, maskKind: 'boolean' })[1].data, hidden.weights);
      expectNear(perHead({ attnMask: ones })[1].data, hidden.weights);
      expectNear(perHead({ attnMask: tensor(ones.toArray(), { requiresGrad: true }) })[1].data, added.weights);
      expectError(() => perHead({ attnMask: causalMask(4).slice([0, 0], [3, 4]), maskKind: 'boolean' }), ValueError,
        "MultiheadAttention.forward: with maskKind 'boolean', attnMask must hold only 0s and 1s (1 = masked), got -Infinity at flat index 1 of [3, 4]");
    });

    test('a query that may see no key gets NaN, as in PyTorch; the other rows are unchanged', () => {
      const padding = tensor([[0, 1, 0, 0], [1, 1, 1, 1]]);
      const [output, weights] = layer.forward(query, key, value, { keyPaddingMask: padding });
      const row = 3 * 8;
      expect(output.data.subarray(row).every(Number.isNaN)).toBe(true);
      expect(weights!.data.subarray(12).every(Number.isNaN)).toBe(true);
      const alone = layer.forward(query.slice([0, 0, 0], [1, 3, 8]), key.slice([0, 0, 0], [1, 4, 8]), value.slice([0, 0, 0], [1, 4, 8]), { keyPaddingMask: tensor([[0, 1, 0, 0]]) })[0];
      expect(Array.from(output.data.subarray(0, row))).toEqual(Array.from(alone.data));
    });

    test("masks and inputs are read, never written (values stay values)", () => {
      const padding = tensor([[0, 0, 1, 1], [0, 1, 0, 0]]);
      const mask = randn([3, 4], { seed: 17 });
      const before = [query, key, value, padding, mask].map((t) => Array.from(t.data));
      layer.forward(query, key, value, { keyPaddingMask: padding, attnMask: mask });
      expect([query, key, value, padding, mask].map((t) => Array.from(t.data))).toEqual(before);
    });
  });

  test('dropout: only in training, on the attention weights (each 0 or its evaluation value/(1 − p)), from the layer’s generator', () => {
    const x = randn([2, 5, 8], { seed: 20 });
    const layer = new MultiheadAttention(8, 2, { dropout: 0.4, seed: 21 });
    const plain = new MultiheadAttention(8, 2, { seed: 21 }); // the same weights: masks are drawn after them
    expect(Array.from(plain.inProjWeight!.data)).toEqual(Array.from(layer.inProjWeight!.data));
    const reference = plain.forward(x, x, x, { averageAttnWeights: false });
    layer.eval();
    const evaluated = layer.forward(x, x, x, { averageAttnWeights: false });
    expect(Array.from(evaluated[0].data)).toEqual(Array.from(reference[0].data));
    layer.train();
    const [output, weights] = layer.forward(x, x, x, { averageAttnWeights: false });
    let dropped = 0;
    weights!.data.forEach((w, i) => {
      if (w === 0) dropped++;
      else expect(Math.abs(w - reference[1]!.data[i]! / 0.6)).toBeLessThan(1e-15);
    });
    expect(dropped).toBeGreaterThan(0.25 * weights!.size);
    expect(dropped).toBeLessThan(0.55 * weights!.size);
    expect(Array.from(output.data)).not.toEqual(Array.from(reference[0].data));
    // The same seed gives the same masks; the next call draws new ones.
    const twin = new MultiheadAttention(8, 2, { dropout: 0.4, seed: 21 });
    expect(Array.from(twin.forward(x, x, x)[0].data)).toEqual(Array.from(output.data));
    expect(Array.from(twin.forward(x, x, x)[0].data)).not.toEqual(Array.from(output.data));
  });

  test('errors: ValueErrors naming MultiheadAttention for bad arguments and options', () => {
    expectError(() => new MultiheadAttention(10, 3), ValueError, 'MultiheadAttention: embedDim 10 must be divisible by numHeads 3 (each head gets embedDim/numHeads features)');
    expectError(() => new MultiheadAttention(0, 1), ValueError, 'MultiheadAttention: embedDim must be a positive integer, got 0');
    expectError(() => new MultiheadAttention(8, 2.5), ValueError, 'MultiheadAttention: numHeads must be a positive integer, got 2.5');
    expectError(() => new MultiheadAttention(8, 2, { kdim: -1 }), ValueError, 'MultiheadAttention: kdim must be a positive integer, got -1');
    expectError(() => new MultiheadAttention(8, 2, { dropout: 1 }), ValueError, 'MultiheadAttention: dropout must be in [0, 1), got 1');
    expectError(() => new MultiheadAttention(8, 2, { bias: 1 as never }), ValueError, 'MultiheadAttention: bias must be true or false, got 1');
    expectError(() => new MultiheadAttention(8, 2, { seed: 1, rng: new Rng(1) }), ValueError, 'MultiheadAttention: give seed or rng, not both');
    expectError(() => new MultiheadAttention(8, 2, { batchFirst: true } as never), ValueError,
      "MultiheadAttention: unknown option 'batchFirst'; the options are dropout, bias, kdim, vdim, seed, rng");
  });

  test('errors: ShapeErrors naming MultiheadAttention.forward and the shapes for inputs and masks that do not fit; ValueErrors for the rest', () => {
    const layer = new MultiheadAttention(8, 2, { kdim: 6, seed: 0 });
    const q = randn([2, 3, 8], { seed: 1 });
    const k = randn([2, 4, 6], { seed: 2 });
    const v = randn([2, 4, 8], { seed: 3 });
    expectError(() => layer.forward(randn([3, 8]), k, v), ShapeError, 'MultiheadAttention.forward: query must be [batch, L, 8], got [3, 8]');
    expectError(() => layer.forward(q, randn([2, 4, 8]), v), ShapeError, 'MultiheadAttention.forward: key must be [2, S, 6] for query [2, 3, 8], got [2, 4, 8]');
    expectError(() => layer.forward(q, randn([1, 4, 6]), v), ShapeError, 'MultiheadAttention.forward: key must be [2, S, 6] for query [2, 3, 8], got [1, 4, 6]');
    expectError(() => layer.forward(q, k, randn([2, 5, 8])), ShapeError, 'MultiheadAttention.forward: value must be [2, 4, 8] for key [2, 4, 6], got [2, 5, 8]');
    expectError(() => layer.forward(q, k, v, { keyPaddingMask: tensor([[0, 0, 1], [0, 0, 0]]) }), ShapeError, 'MultiheadAttention.forward: keyPaddingMask must be [batch, S] = [2, 4], got [2, 3]');
    expectError(() => layer.forward(q, k, v, { attnMask: causalMask(4) }), ShapeError,
      'MultiheadAttention.forward: attnMask must be [L, S] = [3, 4] or [batch·numHeads, L, S] = [4, 3, 4], got [4, 4]');
    expectError(() => layer.forward(q, k, v, { attnMask: randn([2, 3, 4]) }), ShapeError,
      'MultiheadAttention.forward: attnMask must be [L, S] = [3, 4] or [batch·numHeads, L, S] = [4, 3, 4], got [2, 3, 4]');
    expectError(() => layer.forward(q, k, v, { attnMask: [[0, 1]] as never }), ValueError, 'MultiheadAttention.forward: attnMask must be a Tensor, got an array of length 1; make one with tensor(…)');
    expectError(() => layer.forward([[1]] as never, k, v), ValueError, 'MultiheadAttention.forward: query must be a Tensor, got an array of length 1; make one with tensor(…)');
    expectError(() => layer.forward(q, k, v, { maskKind: 'bool' as never }), ValueError, "MultiheadAttention.forward: maskKind must be 'auto', 'boolean' or 'additive', got \"bool\"");
    expectError(() => layer.forward(q, k, v, { needWeights: 0 as never }), ValueError, 'MultiheadAttention.forward: needWeights must be true or false, got 0');
    expectError(() => layer.forward(q, k, v, { need_weights: false } as never), ValueError,
      "MultiheadAttention.forward: unknown option 'need_weights'; the options are keyPaddingMask, attnMask, needWeights, averageAttnWeights, isCausal, maskKind");
  });

  test('a Sequential refuses it at run time: forward returns [output, weights]', () => {
    expect(() => new Sequential([new MultiheadAttention(4, 1) as never]).forward(randn([1, 2, 4]))).toThrow(ValueError);
  });

  test('causalMask: PyTorch’s generate_square_subsequent_mask', () => {
    expect(causalMask(3).toArray()).toEqual([[0, -Infinity, -Infinity], [0, 0, -Infinity], [0, 0, 0]]);
    expect(causalMask(1).toArray()).toEqual([[0]]);
    expectError(() => causalMask(0), ValueError, 'causalMask: size must be a positive integer, got 0');
  });
});

/** Self-attention's output plus the weights applied to the input, so that the loss reaches both. */
class SelfAttention extends Module {
  readonly attention: MultiheadAttention;
  constructor(attention: MultiheadAttention, private readonly options: AttentionForwardOptions = {}) {
    super();
    this.attention = this.register('attention', attention);
  }
  forward(x: Tensor): Tensor {
    const [output, weights] = this.attention.forward(x, x, x, this.options);
    return output.add(weights!.matmul(x));
  }
}

describe('MultiheadAttention gradients', () => {
  test('checkModule: every parameter, both modes, with a padding mask and the causal mask; to second order without biases', () => {
    const masks = { keyPaddingMask: tensor([[0, 0, 1], [0, 0, 0]]), isCausal: true };
    const [x, y] = [randn([2, 3, 4], { seed: 31 }), randn([2, 3, 4], { seed: 32 })];
    const report = checkModule(new SelfAttention(layerWithBiases(4, 2, {}, 30), masks), x, y, mse, { order: 1, tolerance: 'auto' });
    expect(report.parameters).toEqual(['attention.inProjWeight', 'attention.inProjBias', 'attention.outProj.weight', 'attention.outProj.bias']);
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    // The keys' bias b_k adds q·b_k to all of a query's scores, which the softmax ignores: its gradient
    // is zero whatever the weights, and finite differences cannot estimate derivatives of a zero.
    const second = checkModule(new SelfAttention(new MultiheadAttention(4, 2, { bias: false, seed: 30 }), masks), x, y, mse, { order: 2, tolerance: 'auto' });
    expect(second.parameters).toEqual(['attention.inProjWeight', 'attention.outProj.weight']);
    expect(second.failures).toEqual([]);
    expect(second.ok).toBe(true);
  });

  test('query, key, value (separate projections) and an additive mask, through functionalCall, both modes, to second order', () => {
    const layer = layerWithBiases(4, 2, { kdim: 3, vdim: 2 }, 33);
    const f = (q: Tensor, k: Tensor, v: Tensor, mask: Tensor, kProjWeight: Tensor): Tensor => {
      const [output, weights] = functionalCall(layer, { kProjWeight }, q, k, v, { attnMask: mask, averageAttnWeights: false });
      return output.sum(-1).add(weights!.sum([1, 3]));
    };
    const inputs = [randn([2, 2, 4], { seed: 34 }), randn([2, 3, 3], { seed: 35 }), randn([2, 3, 2], { seed: 36 }), randn([2, 3], { seed: 37 }), layer.kProjWeight!.clone()];
    assertGrad(f, inputs, { order: 2, tolerance: 'auto' });
  });

  test('training-mode dropout: the gradient of the same masks (a generator reset to the same state) checks out', () => {
    const layer = new MultiheadAttention(4, 2, { dropout: 0.3, seed: 38 });
    const state = layer.rng!.state();
    const f = (x: Tensor): Tensor => {
      layer.rng!.setState(state);
      return layer.forward(x, x, x)[0];
    };
    assertGrad(f, [randn([1, 3, 4], { seed: 39 })], { order: 1 });
  });
});
