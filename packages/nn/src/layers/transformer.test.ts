import { Rng, ShapeError, Tensor, ValueError, gelu, randn, relu, tensor } from '@adjoint/core';
import { checkModule } from '@adjoint/gradcheck';
import { TransformerEncoder, TransformerEncoderLayer } from './transformer';
import { MultiheadAttention, causalMask } from './attention';
import { LayerNorm } from './layer-norm';
import { Dense } from './dense';
import { Sequential } from './sequential';
import { mse } from '../losses';
import { expectError } from '../testing/errors';

/** A layer with every parameter random, so that a mixed-up weight or bias shows. */
function randomized(layer: TransformerEncoderLayer, seed: number): TransformerEncoderLayer {
  layer.namedParameters().forEach(([, p], i) => p.assign(randn(p.shape, { seed: seed + i, std: 0.5 })));
  return layer;
}

/** PyTorch's forward, written with the children's own forward passes: what the layer must compute. */
function composed(layer: TransformerEncoderLayer, src: Tensor, masks: { attnMask?: Tensor; keyPaddingMask?: Tensor; isCausal?: boolean } = {}): Tensor {
  const act = layer.activation === 'relu' ? relu : gelu;
  const sa = (x: Tensor): Tensor => layer.selfAttn.forward(x, x, x, { ...masks, needWeights: false })[0];
  const ff = (x: Tensor): Tensor => layer.linear2.forward(act(layer.linear1.forward(x)));
  if (layer.normFirst) {
    const x = src.add(sa(layer.norm1.forward(src)));
    return x.add(ff(layer.norm2.forward(x)));
  }
  const x = layer.norm1.forward(src.add(sa(src)));
  return layer.norm2.forward(x.add(ff(x)));
}

describe('TransformerEncoderLayer', () => {
  test("children and parameters: PyTorch's names in camelCase, in PyTorch's order; options and defaults", () => {
    const layer = new TransformerEncoderLayer(8, 2, { seed: 0 });
    expect(layer.namedChildren().map(([name, m]) => `${name} ${m.constructor.name}`)).toEqual([
      'selfAttn MultiheadAttention', 'linear1 Dense', 'dropout Dropout', 'linear2 Dense', 'norm1 LayerNorm', 'norm2 LayerNorm', 'dropout1 Dropout', 'dropout2 Dropout',
    ]);
    expect(layer.namedParameters().map(([name, p]) => `${name} ${p.shape.join('×')}`)).toEqual([
      'selfAttn.inProjWeight 24×8', 'selfAttn.inProjBias 24', 'selfAttn.outProj.weight 8×8', 'selfAttn.outProj.bias 8',
      'linear1.weight 8×2048', 'linear1.bias 2048', 'linear2.weight 2048×8', 'linear2.bias 8', 'norm1.weight 8', 'norm1.bias 8', 'norm2.weight 8', 'norm2.bias 8',
    ]);
    expect([layer.dimFeedforward, layer.dropoutP, layer.activation, layer.layerNormEps, layer.normFirst, layer.bias]).toEqual([2048, 0.1, 'relu', 1e-5, false, true]);
    expect([layer.selfAttn.dropout, layer.dropout.p, layer.dropout1.p, layer.dropout2.p]).toEqual([0.1, 0.1, 0.1, 0.1]);
    expect(String(layer).split('\n')[0]).toBe('TransformerEncoderLayer(8, nhead 2, dimFeedforward 2048, dropout 0.1, relu');
    const noBias = new TransformerEncoderLayer(4, 1, { dimFeedforward: 6, bias: false, normFirst: true, activation: 'gelu' });
    expect(noBias.namedParameters().map(([name]) => name)).toEqual(['selfAttn.inProjWeight', 'selfAttn.outProj.weight', 'linear1.weight', 'linear2.weight', 'norm1.weight', 'norm2.weight']);
    expect(String(noBias).split('\n')[0]).toBe('TransformerEncoderLayer(4, nhead 1, dimFeedforward 6, dropout 0.1, gelu, normFirst, no bias');
  });

  test("initialisation: the linear layers' weights and biases from nn.Linear's U(±1/√in); a seed gives the same layer", () => {
    const layer = new TransformerEncoderLayer(16, 4, { dimFeedforward: 64, seed: 1 });
    for (const [dense, fanIn] of [[layer.linear1, 16], [layer.linear2, 64]] as const) {
      for (const t of [dense.weight, dense.bias!]) {
        expect(t.abs().max().item()).toBeLessThanOrEqual(1 / Math.sqrt(fanIn));
        expect(t.abs().max().item()).toBeGreaterThan(0.8 / Math.sqrt(fanIn));
      }
    }
    const again = new TransformerEncoderLayer(16, 4, { dimFeedforward: 64, seed: 1 });
    expect(again.namedParameters().map(([, p]) => Array.from(p.data))).toEqual(layer.namedParameters().map(([, p]) => Array.from(p.data)));
    expect(new TransformerEncoderLayer(16, 4, { dimFeedforward: 64, rng: new Rng(1) }).linear2.weight.data[5]).toBe(layer.linear2.weight.data[5]);
  });

  test.each([
    ['post-norm, relu', {}],
    ['pre-norm (normFirst), gelu', { normFirst: true, activation: 'gelu' }],
    ['no biases', { bias: false }],
  ] as const)('forward is PyTorch’s composition of its children: %s, with and without masks', (_, options) => {
    const layer = randomized(new TransformerEncoderLayer(8, 2, { dimFeedforward: 12, dropout: 0.2, ...options, seed: 2 }), 3).eval();
    const src = randn([2, 5, 8], { seed: 4 });
    const y = layer.forward(src);
    expect(y.shape).toEqual([2, 5, 8]);
    expect(Array.from(y.data)).toEqual(Array.from(composed(layer, src).data));
    const padding = tensor([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]]);
    const masked = layer.forward(src, { srcMask: causalMask(5), srcKeyPaddingMask: padding });
    expect(Array.from(masked.data)).toEqual(Array.from(composed(layer, src, { attnMask: causalMask(5), keyPaddingMask: padding }).data));
    expect(Array.from(layer.forward(src, { isCausal: true }).data)).toEqual(Array.from(layer.forward(src, { srcMask: causalMask(5) }).data));
    expect(Array.from(masked.data)).not.toEqual(Array.from(y.data));
  });

  test('dropout: the identity in evaluation; in training, masks from the layer’s generator (the same seed, the same outputs)', () => {
    const src = randn([2, 4, 8], { seed: 5 });
    const make = (dropout: number): TransformerEncoderLayer => new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout, seed: 6 });
    const plain = make(0);
    const layer = make(0.3);
    expect(Array.from(layer.eval().forward(src).data)).toEqual(Array.from(plain.forward(src).data));
    layer.train();
    const trained = layer.forward(src);
    expect(Array.from(trained.data)).not.toEqual(Array.from(plain.forward(src).data));
    expect(Array.from(make(0.3).forward(src).data)).toEqual(Array.from(trained.data));
    expect(layer.rng).toBe(layer.selfAttn.rng);
    expect(layer.dropout1.rng).toBe(layer.rng);
  });

  test('errors: ValueErrors naming TransformerEncoderLayer for bad options, ShapeErrors naming its forward (and its names for the masks)', () => {
    expectError(() => new TransformerEncoderLayer(10, 4), ValueError, 'TransformerEncoderLayer: dModel 10 must be divisible by nhead 4 (each head gets dModel/nhead features)');
    expectError(() => new TransformerEncoderLayer(8, 2, { dimFeedforward: 0 }), ValueError, 'TransformerEncoderLayer: dimFeedforward must be a positive integer, got 0');
    expectError(() => new TransformerEncoderLayer(8, 2, { activation: 'tanh' as never }), ValueError, 'TransformerEncoderLayer: activation must be \'relu\' or \'gelu\', got "tanh"');
    expectError(() => new TransformerEncoderLayer(8, 2, { layerNormEps: 0 }), ValueError, 'TransformerEncoderLayer: layerNormEps must be a positive finite number, got 0');
    expectError(() => new TransformerEncoderLayer(8, 2, { dropout: -0.1 }), ValueError, 'TransformerEncoderLayer: dropout must be in [0, 1), got -0.1');
    expectError(() => new TransformerEncoderLayer(8, 2, { batchFirst: true } as never), ValueError,
      "TransformerEncoderLayer: unknown option 'batchFirst'; the options are dimFeedforward, dropout, activation, layerNormEps, normFirst, bias, seed, rng");
    const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 8, seed: 0 });
    const src = randn([2, 3, 8], { seed: 1 });
    expectError(() => layer.forward(randn([2, 3, 6])), ShapeError, 'TransformerEncoderLayer.forward: src must be [batch, L, 8], got [2, 3, 6]');
    expectError(() => layer.forward(src, { srcMask: causalMask(4) }), ShapeError,
      'TransformerEncoderLayer.forward: srcMask must be [L, S] = [3, 3] or [batch·numHeads, L, S] = [4, 3, 3], got [4, 4]');
    expectError(() => layer.forward(src, { srcKeyPaddingMask: tensor([[0, 1, 0]]) }), ShapeError, 'TransformerEncoderLayer.forward: srcKeyPaddingMask must be [batch, S] = [2, 3], got [1, 3]');
    expectError(() => layer.forward(src, { srcMask: causalMask(3).T, isCausal: true }), ValueError,
      'TransformerEncoderLayer.forward: isCausal says srcMask is the causal mask (−∞ above the diagonal, 0 elsewhere), but it holds 0 at flat index 1 of [3, 3]; leave isCausal out to apply this mask as it is');
    expectError(() => layer.forward(src, { mask: causalMask(3) } as never), ValueError,
      "TransformerEncoderLayer.forward: unknown option 'mask'; the options are srcMask, srcKeyPaddingMask, isCausal, maskKind");
  });

  test('checkModule: every parameter, both modes, post-norm and pre-norm, with masks', () => {
    const x = randn([2, 3, 4], { seed: 7 });
    const y = randn([2, 3, 4], { seed: 8 });
    for (const normFirst of [false, true]) {
      const layer = randomized(new TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, normFirst, activation: normFirst ? 'gelu' : 'relu', seed: 9 }), 10);
      const model = new (class extends Sequential {
        override forward(src: Tensor): Tensor {
          return layer.forward(src, { isCausal: true, srcKeyPaddingMask: tensor([[0, 0, 1], [0, 0, 0]]) });
        }
      })([layer]);
      const report = checkModule(model, x, y, mse, { order: 1, tolerance: 'auto' });
      expect(report.parameters.length).toBe(12);
      expect(report.failures).toEqual([]);
      expect(report.ok).toBe(true);
    }
  });

  test('in a Sequential (forward takes one tensor), with a Dense head', () => {
    const model = new Sequential([new TransformerEncoderLayer(8, 2, { dimFeedforward: 8, seed: 0 }), new Dense(8, 3, { seed: 1 })]);
    expect(model.forward(randn([2, 5, 8])).shape).toEqual([2, 5, 3]);
  });
});

describe('TransformerEncoder', () => {
  test("a layer given: numLayers copies of its weights (PyTorch's deep copies), each drawing other dropout masks; the layer itself is not used", () => {
    const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 12, dropout: 0.3, seed: 1 });
    const encoder = new TransformerEncoder(layer, 3, { norm: new LayerNorm(8) });
    expect(encoder.numLayers).toBe(3);
    expect(encoder.namedParameters().map(([name]) => name).filter((n) => n.endsWith('inProjWeight') || n.startsWith('norm.'))).toEqual([
      'layers.0.selfAttn.inProjWeight', 'layers.1.selfAttn.inProjWeight', 'layers.2.selfAttn.inProjWeight', 'norm.weight', 'norm.bias',
    ]);
    const copies = [...encoder.layers] as TransformerEncoderLayer[];
    for (const copy of copies) {
      expect(copy).not.toBe(layer);
      expect(Array.from(copy.linear1.weight.data)).toEqual(Array.from(layer.linear1.weight.data));
    }
    const masks = copies.map((c) => c.rng!.state().words.join());
    expect(new Set(masks).size).toBe(3);
    expect(masks[0]).toBe(layer.rng!.state().words.join()); // copy 0 is where the layer was; the layer's generator is not moved
    expect(copies[0]!.dropout1.rng).toBe(copies[0]!.rng);
  });

  test('forward: the layers in order with the same masks, then the norm; a factory gives layers of their own', () => {
    const encoder = new TransformerEncoder((i) => randomized(new TransformerEncoderLayer(8, 2, { dimFeedforward: 12, dropout: 0, seed: i }), 10 * i), 2, { norm: new LayerNorm(8) });
    const [a, b] = [...encoder.layers] as TransformerEncoderLayer[];
    expect(Array.from(a!.linear1.weight.data)).not.toEqual(Array.from(b!.linear1.weight.data));
    const src = randn([2, 4, 8], { seed: 3 });
    const padding = tensor([[0, 0, 1, 1], [0, 0, 0, 0]]);
    const options = { srcKeyPaddingMask: padding, isCausal: true };
    const expected = (encoder.norm as LayerNorm).forward(b!.forward(a!.forward(src, options), options));
    expect(Array.from(encoder.forward(src, { srcKeyPaddingMask: padding, isCausal: true }).data)).toEqual(Array.from(expected.data));
    const withMask = b!.forward(a!.forward(src, { srcMask: causalMask(4) }), { srcMask: causalMask(4) });
    expect(Array.from(new TransformerEncoder(() => a!, 1).forward(src).data)).toEqual(Array.from(a!.forward(src).data));
    expect(Array.from((encoder.norm as LayerNorm).forward(withMask).data)).toEqual(Array.from(encoder.forward(src, { mask: causalMask(4) }).data));
    expect(String(encoder).split('\n')[0]).toBe('TransformerEncoder(numLayers 2');
  });

  test('errors: ValueErrors naming TransformerEncoder', () => {
    const layer = new TransformerEncoderLayer(4, 1, { dimFeedforward: 4 });
    expectError(() => new TransformerEncoder(layer, 0), ValueError, 'TransformerEncoder: numLayers must be a positive integer, got 0');
    expectError(() => new TransformerEncoder({} as never, 2), ValueError, 'TransformerEncoder: layer must be a Module or a function of the layer index that returns one, got an object (Object)');
    expectError(() => new TransformerEncoder(() => 3 as never, 2), ValueError, 'TransformerEncoder: the factory must return a Module, got number 3 for layer 0');
    expectError(() => new TransformerEncoder(() => layer, 2), ValueError, 'TransformerEncoder: the factory returned the same module for layers 0 and 1; return a new one each time');
    expectError(() => new TransformerEncoder(layer, 1, { norm: 'layer' as never }), ValueError, 'TransformerEncoder: norm must be a Module, got "layer"');
    expectError(() => new TransformerEncoder(layer, 1).forward(randn([1, 2, 4]), { srcMask: causalMask(2) } as never), ValueError,
      "TransformerEncoder.forward: unknown option 'srcMask'; the options are mask, srcKeyPaddingMask, isCausal, maskKind");
    expectError(() => new TransformerEncoder(layer, 1).forward(randn([1, 2, 3])), ShapeError, 'TransformerEncoderLayer.forward: src must be [batch, L, 4], got [1, 2, 3]');
  });

  test('gradients reach every parameter of every layer and the norm', () => {
    const encoder = new TransformerEncoder(new TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, seed: 1 }), 2, { norm: new LayerNorm(4) });
    encoder.forward(randn([2, 3, 4], { seed: 2 }), { isCausal: true }).square().sum().backward();
    // Only the keys' bias block (which adds the same amount to a query's every score) gets zero.
    for (const [name, p] of encoder.namedParameters()) {
      if (name.endsWith('inProjBias')) expect(Array.from(p.grad!.data.subarray(4, 8)).every((g) => Math.abs(g) < 1e-12)).toBe(true);
      else expect(p.grad!.data.some((g) => g !== 0)).toBe(true);
    }
    expect(MultiheadAttention).toBeDefined();
  });
});
