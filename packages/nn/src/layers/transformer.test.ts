import { Rng, ShapeError, Tensor, ValueError, gelu, randn, relu, tensor, triu, ones } from '@adjoint/core';
import { checkGrad, checkModule } from '@adjoint/gradcheck';
import { Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer, type DecoderLayer } from './transformer';
import { MultiheadAttention, causalMask, type AttentionForwardOptions } from './attention';
import { Module, type AnyModule } from '../module';
import { LayerNorm } from './layer-norm';
import { Dense } from './dense';
import { Sequential } from './sequential';
import { mse } from '../losses';
import { expectError } from '../testing/errors';

/** A layer with every parameter random, so that a mixed-up weight or bias shows. */
function randomized<M extends AnyModule>(layer: M, seed: number): M {
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

/** PyTorch's TransformerDecoderLayer.forward in evaluation mode, written with the children's own forward passes. */
function composedDecoder(layer: TransformerDecoderLayer, tgt: Tensor, memory: Tensor, self: AttentionForwardOptions = {}, cross: AttentionForwardOptions = {}): Tensor {
  const act = layer.activation === 'relu' ? relu : gelu;
  const sa = (x: Tensor): Tensor => layer.selfAttn.forward(x, x, x, { ...self, needWeights: false })[0];
  const ca = (x: Tensor): Tensor => layer.multiheadAttn.forward(x, memory, memory, { ...cross, needWeights: false })[0];
  const ff = (x: Tensor): Tensor => layer.linear2.forward(act(layer.linear1.forward(x)));
  if (layer.normFirst) {
    const x = tgt.add(sa(layer.norm1.forward(tgt)));
    const y = x.add(ca(layer.norm2.forward(x)));
    return y.add(ff(layer.norm3.forward(y)));
  }
  const x = layer.norm1.forward(tgt.add(sa(tgt)));
  const y = layer.norm2.forward(x.add(ca(x)));
  return layer.norm3.forward(y.add(ff(y)));
}

/** A model of one input around `module`, for checkModule: `run` gives the module its other inputs. */
function oneInput<M extends AnyModule>(module: M, run: (m: M, x: Tensor) => Tensor): Module {
  return new (class extends Module {
    constructor() {
      super();
      this.register('module', module);
    }

    forward(x: Tensor): Tensor {
      return run(module, x);
    }
  })();
}

const values = (t: Tensor): number[] => Array.from(t.data);

describe('TransformerDecoderLayer', () => {
  test("children and parameters: PyTorch's names in camelCase, in PyTorch's order; options and defaults", () => {
    const layer = new TransformerDecoderLayer(8, 2, { seed: 0 });
    expect(layer.namedChildren().map(([name, m]) => `${name} ${m.constructor.name}`)).toEqual([
      'selfAttn MultiheadAttention', 'multiheadAttn MultiheadAttention', 'linear1 Dense', 'dropout Dropout', 'linear2 Dense',
      'norm1 LayerNorm', 'norm2 LayerNorm', 'norm3 LayerNorm', 'dropout1 Dropout', 'dropout2 Dropout', 'dropout3 Dropout',
    ]);
    expect(layer.namedParameters().map(([name, p]) => `${name} ${p.shape.join('×')}`)).toEqual([
      'selfAttn.inProjWeight 24×8', 'selfAttn.inProjBias 24', 'selfAttn.outProj.weight 8×8', 'selfAttn.outProj.bias 8',
      'multiheadAttn.inProjWeight 24×8', 'multiheadAttn.inProjBias 24', 'multiheadAttn.outProj.weight 8×8', 'multiheadAttn.outProj.bias 8',
      'linear1.weight 8×2048', 'linear1.bias 2048', 'linear2.weight 2048×8', 'linear2.bias 8',
      'norm1.weight 8', 'norm1.bias 8', 'norm2.weight 8', 'norm2.bias 8', 'norm3.weight 8', 'norm3.bias 8',
    ]);
    expect([layer.dimFeedforward, layer.dropoutP, layer.activation, layer.layerNormEps, layer.normFirst, layer.bias]).toEqual([2048, 0.1, 'relu', 1e-5, false, true]);
    expect([layer.selfAttn.dropout, layer.multiheadAttn.dropout, layer.dropout.p, layer.dropout1.p, layer.dropout2.p, layer.dropout3.p]).toEqual([0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
    // The fields are the registered children, so that replaceChild reaches forward.
    expect([layer.multiheadAttn, layer.norm3, layer.dropout3]).toEqual(['multiheadAttn', 'norm3', 'dropout3'].map((n) => Module.childrenOf(layer).get(n)));
    expect(String(layer).split('\n')[0]).toBe('TransformerDecoderLayer(8, nhead 2, dimFeedforward 2048, dropout 0.1, relu');
    const noBias = new TransformerDecoderLayer(4, 1, { dimFeedforward: 6, bias: false, normFirst: true, activation: 'gelu', layerNormEps: 1e-3 });
    expect(noBias.namedParameters().map(([name]) => name)).toEqual([
      'selfAttn.inProjWeight', 'selfAttn.outProj.weight', 'multiheadAttn.inProjWeight', 'multiheadAttn.outProj.weight', 'linear1.weight', 'linear2.weight',
      'norm1.weight', 'norm2.weight', 'norm3.weight',
    ]);
    expect([noBias.norm3.eps, noBias.multiheadAttn.inProjBias]).toEqual([1e-3, null]);
    expect(String(noBias).split('\n')[0]).toBe('TransformerDecoderLayer(4, nhead 1, dimFeedforward 6, dropout 0.1, gelu, normFirst, no bias');
  });

  test('initialisation: as the encoder layer draws (a seed gives the same layer), the two attentions drawn apart', () => {
    const layer = new TransformerDecoderLayer(16, 4, { dimFeedforward: 64, seed: 1 });
    for (const [dense, fanIn] of [[layer.linear1, 16], [layer.linear2, 64]] as const) {
      expect(dense.weight.abs().max().item()).toBeLessThanOrEqual(1 / Math.sqrt(fanIn));
      expect(dense.bias!.abs().max().item()).toBeGreaterThan(0.5 / Math.sqrt(fanIn));
    }
    expect(values(layer.multiheadAttn.inProjWeight!)).not.toEqual(values(layer.selfAttn.inProjWeight!));
    const again = new TransformerDecoderLayer(16, 4, { dimFeedforward: 64, rng: new Rng(1) });
    expect(again.namedParameters().map(([, p]) => values(p))).toEqual(layer.namedParameters().map(([, p]) => values(p)));
  });

  test.each([
    ['post-norm, relu', {}],
    ['pre-norm (normFirst), gelu', { normFirst: true, activation: 'gelu' }],
    ['no biases', { bias: false }],
  ] as const)('forward is PyTorch’s composition of its children: %s, with and without masks', (_, options) => {
    const layer = randomized(new TransformerDecoderLayer(8, 2, { dimFeedforward: 12, dropout: 0.2, ...options, seed: 2 }), 3).eval();
    const [tgt, memory] = [randn([2, 5, 8], { seed: 4 }), randn([2, 6, 8], { seed: 5 })];
    const y = layer.forward(tgt, memory);
    expect(y.shape).toEqual([2, 5, 8]);
    expect(values(y)).toEqual(values(composedDecoder(layer, tgt, memory)));
    const tgtPadding = tensor([[0, 0, 0, 0, 1], [0, 0, 0, 0, 0]]);
    const memoryPadding = tensor([[0, 0, 0, 0, 1, 1], [0, 1, 0, 0, 0, 0]]);
    const memoryMask = randn([5, 6], { seed: 6 });
    const masked = layer.forward(tgt, memory, { tgtMask: causalMask(5), tgtKeyPaddingMask: tgtPadding, memoryMask, memoryKeyPaddingMask: memoryPadding });
    expect(values(masked)).toEqual(values(composedDecoder(layer, tgt, memory, { attnMask: causalMask(5), keyPaddingMask: tgtPadding }, { attnMask: memoryMask, keyPaddingMask: memoryPadding })));
    expect(values(masked)).not.toEqual(values(y));
    expect(values(layer.forward(tgt, memory, { tgtIsCausal: true }))).toEqual(values(layer.forward(tgt, memory, { tgtMask: causalMask(5) })));
    // memoryIsCausal without a mask: target position i sees memory positions 0 … i, the [T, S] mask above the diagonal.
    expect(values(layer.forward(tgt, memory, { memoryIsCausal: true }))).toEqual(values(layer.forward(tgt, memory, { memoryMask: triu(ones([5, 6]), 1) })));
  });

  test('masks reach the right attention: tgt masks the self-attention, memory masks the cross-attention', () => {
    const layer = randomized(new TransformerDecoderLayer(8, 2, { dimFeedforward: 12, dropout: 0, seed: 7 }), 8);
    const seen: Array<[string, AttentionForwardOptions | undefined]> = [];
    for (const name of ['selfAttn', 'multiheadAttn'] as const) {
      const attention = layer[name];
      const forward = attention.forward.bind(attention);
      jest.spyOn(attention, 'forward').mockImplementation((q, k, v, o) => (seen.push([name, o]), forward(q, k, v, o)));
    }
    const [tgt, memory] = [randn([2, 3, 8], { seed: 9 }), randn([2, 4, 8], { seed: 10 })];
    const [tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask] = [causalMask(3), randn([3, 4], { seed: 11 }), tensor([[0, 0, 1], [0, 0, 0]]), tensor([[0, 1, 0, 0], [0, 0, 0, 1]])];
    layer.forward(tgt, memory, { tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal: true, maskKind: 'auto' });
    expect(seen).toEqual([
      ['selfAttn', { attnMask: tgtMask, keyPaddingMask: tgtKeyPaddingMask, isCausal: true, maskKind: 'auto', needWeights: false }],
      ['multiheadAttn', { attnMask: memoryMask, keyPaddingMask: memoryKeyPaddingMask, isCausal: undefined, maskKind: 'auto', needWeights: false }],
    ]);
    expect(seen.map(([, o]) => o!.attnMask)).toEqual([tgtMask, memoryMask]);
    jest.restoreAllMocks();
    // Their effect: a memory position that is padding, or a target position later than i, does not reach output i.
    const changed = (t: Tensor, at: number[]): Tensor => t.add(tensor(Array.from(t.data, (_, i) => (at.includes(i) ? 3 : 0)), { shape: [...t.shape] }));
    const padded = { memoryKeyPaddingMask: tensor([[0, 0, 1, 0], [0, 0, 0, 0]]) };
    const memoryRow = [2 * 8, 2 * 8 + 7]; // memory[0, 2, 0] and memory[0, 2, 7]
    expect(values(layer.forward(tgt, changed(memory, memoryRow), padded))).toEqual(values(layer.forward(tgt, memory, padded)));
    expect(values(layer.forward(tgt, changed(memory, memoryRow)))).not.toEqual(values(layer.forward(tgt, memory)));
    const lastTarget = [2 * 8 + 1, 3 * 8 + 2 * 8 + 5]; // tgt[0, 2, 1] and tgt[1, 2, 5]
    const before = values(layer.forward(tgt, memory, { tgtIsCausal: true }));
    const after = values(layer.forward(changed(tgt, lastTarget), memory, { tgtIsCausal: true }));
    const firstTwo = (v: number[]): number[] => [...v.slice(0, 16), ...v.slice(24, 40)];
    expect(firstTwo(after)).toEqual(firstTwo(before));
    expect(after).not.toEqual(before);
  });

  test('dropout: the identity in evaluation; in training, masks from the layer’s one generator (the same seed, the same outputs)', () => {
    const [tgt, memory] = [randn([2, 4, 8], { seed: 12 }), randn([2, 5, 8], { seed: 13 })];
    const make = (dropout: number): TransformerDecoderLayer => new TransformerDecoderLayer(8, 2, { dimFeedforward: 16, dropout, seed: 14 });
    const plain = make(0);
    const layer = make(0.3);
    expect(values(layer.eval().forward(tgt, memory))).toEqual(values(plain.forward(tgt, memory)));
    layer.train();
    const trained = layer.forward(tgt, memory);
    expect(values(trained)).not.toEqual(values(plain.forward(tgt, memory)));
    expect(values(make(0.3).forward(tgt, memory))).toEqual(values(trained));
    expect(values(layer.forward(tgt, memory))).not.toEqual(values(trained)); // the stream moved on
    expect([layer.selfAttn.rng, layer.multiheadAttn.rng, layer.dropout.rng, layer.dropout3.rng]).toEqual([layer.rng, layer.rng, layer.rng, layer.rng]);
    expect(layer.rng).toBeInstanceOf(Rng);
  });

  test('errors: ValueErrors naming TransformerDecoderLayer for bad options, ShapeErrors naming its forward and its names for the masks', () => {
    expectError(() => new TransformerDecoderLayer(10, 4), ValueError, 'TransformerDecoderLayer: dModel 10 must be divisible by nhead 4 (each head gets dModel/nhead features)');
    expectError(() => new TransformerDecoderLayer(8, 2, { dropout: 1 }), ValueError, 'TransformerDecoderLayer: dropout must be in [0, 1), got 1');
    expectError(() => new TransformerDecoderLayer(8, 2, { seed: 1, rng: new Rng(1) }), ValueError, 'TransformerDecoderLayer: give seed or rng, not both');
    expectError(() => new TransformerDecoderLayer(8, 2, { batchFirst: true } as never), ValueError,
      "TransformerDecoderLayer: unknown option 'batchFirst'; the options are dimFeedforward, dropout, activation, layerNormEps, normFirst, bias, seed, rng");
    const layer = new TransformerDecoderLayer(8, 2, { dimFeedforward: 8, seed: 0 });
    const [tgt, memory] = [randn([2, 3, 8], { seed: 1 }), randn([2, 4, 8], { seed: 2 })];
    expectError(() => layer.forward(randn([2, 3, 6]), memory), ShapeError, 'TransformerDecoderLayer.forward: tgt must be [batch, T, 8], got [2, 3, 6]');
    expectError(() => layer.forward(tgt, randn([1, 4, 8])), ShapeError, 'TransformerDecoderLayer.forward: memory must be [2, S, 8] for tgt [2, 3, 8], got [1, 4, 8]');
    expectError(() => layer.forward(tgt, [[1]] as never), ValueError, 'TransformerDecoderLayer.forward: memory must be a Tensor, got an array of length 1; make one with tensor(…)');
    expectError(() => layer.forward(tgt, memory, { memoryMask: causalMask(3) }), ShapeError,
      'TransformerDecoderLayer.forward: memoryMask must be [L, S] = [3, 4] or [batch·numHeads, L, S] = [4, 3, 4], got [3, 3]');
    expectError(() => layer.forward(tgt, memory, { tgtMask: causalMask(4) }), ShapeError,
      'TransformerDecoderLayer.forward: tgtMask must be [L, S] = [3, 3] or [batch·numHeads, L, S] = [4, 3, 3], got [4, 4]');
    expectError(() => layer.forward(tgt, memory, { memoryKeyPaddingMask: tensor([[0, 0, 1], [0, 0, 0]]) }), ShapeError,
      'TransformerDecoderLayer.forward: memoryKeyPaddingMask must be [batch, S] = [2, 4], got [2, 3]');
    expectError(() => layer.forward(tgt, memory, { tgtKeyPaddingMask: tensor([[0, 0, 1, 0], [0, 0, 0, 0]]) }), ShapeError,
      'TransformerDecoderLayer.forward: tgtKeyPaddingMask must be [batch, S] = [2, 3], got [2, 4]');
    expectError(() => layer.forward(tgt, memory, { tgtMask: causalMask(3).T, tgtIsCausal: true }), ValueError,
      'TransformerDecoderLayer.forward: tgtIsCausal says tgtMask is the causal mask (−∞ above the diagonal, 0 elsewhere), but it holds 0 at flat index 1 of [3, 3]; leave tgtIsCausal out to apply this mask as it is');
    expectError(() => layer.forward(tgt, memory, { memoryIsCausal: 'yes' as never }), ValueError, 'TransformerDecoderLayer.forward: memoryIsCausal must be true or false, got "yes"');
    expectError(() => layer.forward(tgt, memory, { memoryMask: tensor([[0, 2, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]), maskKind: 'boolean' }), ValueError,
      "TransformerDecoderLayer.forward: with maskKind 'boolean', memoryMask must hold only 0s and 1s (1 = masked), got 2 at flat index 1 of [3, 4]");
    expectError(() => layer.forward(tgt, memory, { srcMask: causalMask(3) } as never), ValueError,
      "TransformerDecoderLayer.forward: unknown option 'srcMask'; the options are tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal, memoryIsCausal, maskKind");
  });

  test('checkModule: every parameter, both modes, post-norm and pre-norm, with masks on both attentions', () => {
    const x = randn([2, 3, 4], { seed: 15 });
    const y = randn([2, 3, 4], { seed: 16 });
    const memory = randn([2, 4, 4], { seed: 17 });
    const masks = { tgtIsCausal: true, tgtKeyPaddingMask: tensor([[0, 0, 1], [0, 0, 0]]), memoryKeyPaddingMask: tensor([[0, 0, 0, 1], [0, 1, 0, 0]]), memoryMask: randn([3, 4], { seed: 18 }) };
    for (const normFirst of [false, true]) {
      const layer = randomized(new TransformerDecoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, normFirst, activation: normFirst ? 'gelu' : 'relu', seed: 19 }), 20);
      const report = checkModule(oneInput(layer, (m, tgt) => m.forward(tgt, memory, masks)), x, y, mse, { order: 1, tolerance: 'auto' });
      expect(report.parameters.length).toBe(18);
      expect(report.failures).toEqual([]);
      expect(report.ok).toBe(true);
    }
  });

  test('checkGrad: the gradients of tgt and memory, both modes', () => {
    const layer = randomized(new TransformerDecoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, normFirst: true, seed: 21 }), 22);
    const seedR = randn([2, 3, 4], { seed: 23 });
    const f = (tgt: Tensor, memory: Tensor): Tensor => layer.forward(tgt, memory, { tgtIsCausal: true, memoryKeyPaddingMask: tensor([[0, 0, 1, 0], [0, 0, 0, 0]]) }).mul(seedR).sum();
    const report = checkGrad(f, [randn([2, 3, 4], { seed: 24 }), randn([2, 4, 4], { seed: 25 })], { order: 1, tolerance: 'auto' });
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
  });
});

describe('TransformerDecoder', () => {
  test("a layer given: numLayers copies of its weights (PyTorch's deep copies), each drawing other dropout masks", () => {
    const layer = new TransformerDecoderLayer(8, 2, { dimFeedforward: 12, dropout: 0.3, seed: 1 });
    const decoder = new TransformerDecoder(layer, 3, { norm: new LayerNorm(8) });
    expect(decoder.numLayers).toBe(3);
    expect(decoder.namedParameters().map(([name]) => name).filter((n) => n.endsWith('multiheadAttn.inProjWeight') || n.startsWith('norm.'))).toEqual([
      'layers.0.multiheadAttn.inProjWeight', 'layers.1.multiheadAttn.inProjWeight', 'layers.2.multiheadAttn.inProjWeight', 'norm.weight', 'norm.bias',
    ]);
    const copies = [...decoder.layers] as TransformerDecoderLayer[];
    for (const copy of copies) {
      expect(copy).not.toBe(layer);
      expect(values(copy.multiheadAttn.inProjWeight!)).toEqual(values(layer.multiheadAttn.inProjWeight!));
      expect([copy.multiheadAttn.rng, copy.dropout3.rng]).toEqual([copy.rng, copy.rng]);
    }
    const streams = copies.map((c) => c.rng!.state().words.join());
    expect(new Set(streams).size).toBe(3);
    expect(streams[0]).toBe(layer.rng!.state().words.join());
    expect(String(decoder).split('\n')[0]).toBe('TransformerDecoder(numLayers 3');
  });

  test('forward: the layers in order, each attending to the same memory with the same masks, then the norm', () => {
    const decoder = new TransformerDecoder((i) => randomized(new TransformerDecoderLayer(8, 2, { dimFeedforward: 12, dropout: 0, seed: i }), 10 * i), 2, { norm: new LayerNorm(8) });
    const [a, b] = [...decoder.layers] as TransformerDecoderLayer[];
    expect(values(a!.linear1.weight)).not.toEqual(values(b!.linear1.weight));
    const [tgt, memory] = [randn([2, 4, 8], { seed: 3 }), randn([2, 5, 8], { seed: 4 })];
    const options = { tgtIsCausal: true, tgtKeyPaddingMask: tensor([[0, 0, 0, 1], [0, 0, 0, 0]]), memoryKeyPaddingMask: tensor([[0, 0, 1, 1, 1], [0, 0, 0, 0, 0]]), memoryMask: randn([4, 5], { seed: 5 }) };
    const expected = (decoder.norm as LayerNorm).forward(b!.forward(a!.forward(tgt, memory, options), memory, options));
    expect(values(decoder.forward(tgt, memory, options))).toEqual(values(expected));
    expect(values(new TransformerDecoder(() => a!, 1).forward(tgt, memory))).toEqual(values(a!.forward(tgt, memory)));
  });

  test('a layer of your own gets the memory and only the options given', () => {
    const calls: Array<[Tensor, Tensor, unknown]> = [];
    class Recorder extends Module<[tgt: Tensor, memory: Tensor, options?: unknown]> {
      forward(tgt: Tensor, memory: Tensor, options?: unknown): Tensor {
        calls.push([tgt, memory, options]);
        return tgt.mul(2);
      }
    }
    const decoder = new TransformerDecoder(() => new Recorder() as DecoderLayer, 2);
    const [tgt, memory] = [randn([1, 2, 4], { seed: 6 }), randn([1, 3, 4], { seed: 7 })];
    const y = decoder.forward(tgt, memory, { tgtIsCausal: true, memoryMask: undefined });
    expect(values(y)).toEqual(values(tgt.mul(4)));
    expect(calls.map(([, m, o]) => [m, o])).toEqual([[memory, { tgtIsCausal: true }], [memory, { tgtIsCausal: true }]]);
    expect(calls[0]![0]).toBe(tgt);
    expect(values(calls[1]![0])).toEqual(values(tgt.mul(2))); // the second layer takes the first's output
  });

  test('errors: ValueErrors naming TransformerDecoder, the layers’ own for shapes', () => {
    const layer = new TransformerDecoderLayer(4, 1, { dimFeedforward: 4 });
    expectError(() => new TransformerDecoder(layer, 0), ValueError, 'TransformerDecoder: numLayers must be a positive integer, got 0');
    expectError(() => new TransformerDecoder(3 as never, 2), ValueError, 'TransformerDecoder: layer must be a Module or a function of the layer index that returns one, got number 3');
    expectError(() => new TransformerDecoder(() => layer, 2), ValueError, 'TransformerDecoder: the factory returned the same module for layers 0 and 1; return a new one each time');
    expectError(() => new TransformerDecoder(layer, 1, { norm: 'layer' as never }), ValueError, 'TransformerDecoder: norm must be a Module, got "layer"');
    expectError(() => new TransformerDecoder(layer, 1, { final: true } as never), ValueError, "TransformerDecoder: unknown option 'final'; the options are norm");
    const decoder = new TransformerDecoder(layer, 1);
    expectError(() => decoder.forward(randn([1, 2, 4]), randn([1, 3, 4]), { mask: causalMask(2) } as never), ValueError,
      "TransformerDecoder.forward: unknown option 'mask'; the options are tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal, memoryIsCausal, maskKind");
    expectError(() => decoder.forward(randn([1, 2, 4]), randn([1, 3, 5])), ShapeError, 'TransformerDecoderLayer.forward: memory must be [1, S, 4] for tgt [1, 2, 4], got [1, 3, 5]');
  });

  test('gradients reach every parameter of every layer, the norm and the memory', () => {
    const decoder = new TransformerDecoder(new TransformerDecoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, seed: 1 }), 2, { norm: new LayerNorm(4) });
    const memory = randn([2, 5, 4], { seed: 2, requiresGrad: true });
    decoder.forward(randn([2, 3, 4], { seed: 3 }), memory, { tgtIsCausal: true }).square().sum().backward();
    // Only the keys' bias blocks (which add the same amount to all of a query's scores) get zero.
    for (const [name, p] of decoder.namedParameters()) {
      if (name.endsWith('inProjBias')) expect(values(p.grad!).slice(4, 8).every((g) => Math.abs(g) < 1e-12)).toBe(true);
      expect(values(p.grad!).some((g) => g !== 0)).toBe(true);
    }
    expect(values(memory.grad!).every((g) => g !== 0)).toBe(true);
  });
});

describe('Transformer', () => {
  test("PyTorch's defaults and parameter names: encoder.layers.…, encoder.norm, decoder.layers.…, decoder.norm", () => {
    const model = new Transformer({ dModel: 8, nhead: 2, dimFeedforward: 16, seed: 0 });
    expect(model.encoder).toBeInstanceOf(TransformerEncoder);
    expect(model.decoder).toBeInstanceOf(TransformerDecoder);
    const [encoder, decoder] = [model.encoder as TransformerEncoder, model.decoder as TransformerDecoder];
    expect([encoder.numLayers, decoder.numLayers]).toEqual([6, 6]);
    const first = encoder.layers.at(0) as TransformerEncoderLayer;
    expect([first.dropoutP, first.activation, first.layerNormEps, first.normFirst, first.bias, (decoder.layers.at(5) as TransformerDecoderLayer).dimFeedforward]).toEqual([0.1, 'relu', 1e-5, false, true, 16]);
    const names = model.namedParameters().map(([name]) => name);
    expect(names.slice(0, 2)).toEqual(['encoder.layers.0.selfAttn.inProjWeight', 'encoder.layers.0.selfAttn.inProjBias']);
    expect(names.filter((n) => n.includes('.norm.') || n.startsWith('decoder.layers.0.multiheadAttn.in'))).toEqual([
      'encoder.norm.weight', 'encoder.norm.bias', 'decoder.layers.0.multiheadAttn.inProjWeight', 'decoder.layers.0.multiheadAttn.inProjBias', 'decoder.norm.weight', 'decoder.norm.bias',
    ]);
    expect(names.length).toBe(6 * 12 + 2 + 6 * 18 + 2);
    expect(String(model).split('\n')[0]).toBe('Transformer(dModel 8, nhead 2');
    const wide = new Transformer({ numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 1, seed: 0 });
    expect([wide.dModel, wide.nhead, ((wide.decoder as TransformerDecoder).layers.at(0) as TransformerDecoderLayer).nhead]).toEqual([512, 8, 8]);
    expect(Transformer.generateSquareSubsequentMask(3).toArray()).toEqual(causalMask(3).toArray());
  });

  test("initialisation: PyTorch's _reset_parameters, every matrix Glorot uniform and the biases as their layers draw them; a part given is left alone", () => {
    const model = new Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 2, dimFeedforward: 64, seed: 1 });
    for (const [name, p] of model.namedParameters()) {
      if (p.rank !== 2) continue;
      const bound = Math.sqrt(6 / (p.shape[0]! + p.shape[1]!));
      expect({ name, inside: p.abs().max().item() <= bound, reaches: p.abs().max().item() > 0.8 * bound }).toEqual({ name, inside: true, reaches: true });
    }
    const layer = (model.decoder as TransformerDecoder).layers.at(1) as TransformerDecoderLayer;
    expect(layer.linear2.weight.abs().max().item()).toBeGreaterThan(1 / Math.sqrt(64)); // beyond nn.Linear's bound: drawn again
    expect(layer.linear2.bias!.abs().max().item()).toBeLessThanOrEqual(1 / Math.sqrt(64));
    expect(values(layer.multiheadAttn.inProjBias!).every((v) => v === 0)).toBe(true);
    const again = new Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 2, dimFeedforward: 64, rng: new Rng(1) });
    expect(again.namedParameters().map(([, p]) => values(p))).toEqual(model.namedParameters().map(([, p]) => values(p)));
    const custom = new TransformerEncoder(new TransformerEncoderLayer(8, 2, { dimFeedforward: 64, seed: 2 }), 1);
    const before = custom.namedParameters().map(([, p]) => values(p));
    const withCustom = new Transformer({ dModel: 8, nhead: 2, numDecoderLayers: 1, dimFeedforward: 64, customEncoder: custom, seed: 3 });
    expect(withCustom.encoder).toBe(custom);
    expect(custom.namedParameters().map(([, p]) => values(p))).toEqual(before);
    expect(withCustom.namedParameters()[0]![1]).toBe(custom.namedParameters()[0]![1]);
  });

  test('forward: the decoder on tgt and the encoder’s output, the src masks to the encoder and the others to the decoder', () => {
    const model = randomized(new Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 12, dropout: 0, seed: 4 }), 5);
    const [src, tgt] = [randn([2, 6, 8], { seed: 6 }), randn([2, 4, 8], { seed: 7 })];
    const srcKeyPaddingMask = tensor([[0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 0, 0]]);
    const masks = { srcMask: randn([6, 6], { seed: 8 }), srcKeyPaddingMask, memoryKeyPaddingMask: srcKeyPaddingMask, tgtMask: causalMask(4), tgtKeyPaddingMask: tensor([[0, 0, 0, 1], [0, 0, 0, 0]]), memoryMask: randn([4, 6], { seed: 9 }) };
    const [encoder, decoder] = [model.encoder as TransformerEncoder, model.decoder as TransformerDecoder];
    const memory = encoder.forward(src, { mask: masks.srcMask, srcKeyPaddingMask });
    const expected = decoder.forward(tgt, memory, { tgtMask: masks.tgtMask, memoryMask: masks.memoryMask, tgtKeyPaddingMask: masks.tgtKeyPaddingMask, memoryKeyPaddingMask: srcKeyPaddingMask });
    const y = model.forward(src, tgt, masks);
    expect(y.shape).toEqual([2, 4, 8]);
    expect(values(y)).toEqual(values(expected));
    const causal = model.forward(src, tgt, { srcIsCausal: true, tgtIsCausal: true, memoryIsCausal: true });
    expect(values(causal)).toEqual(values(decoder.forward(tgt, encoder.forward(src, { isCausal: true }), { tgtIsCausal: true, memoryIsCausal: true })));
    expect(values(model.clone().forward(src, tgt, masks))).toEqual(values(y));
  });

  test('dropout: the identity in evaluation; in training, every layer draws from the model’s one generator', () => {
    const make = (): Transformer => new Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 12, dropout: 0.3, seed: 10 });
    const model = make();
    const [src, tgt] = [randn([2, 5, 8], { seed: 11 }), randn([2, 3, 8], { seed: 12 })];
    const trained = model.forward(src, tgt);
    expect(values(make().forward(src, tgt))).toEqual(values(trained));
    const evaluated = model.eval().forward(src, tgt);
    expect(values(evaluated)).not.toEqual(values(trained));
    expect(values(model.forward(src, tgt))).toEqual(values(evaluated));
    const generators = model.namedModules().map(([, m]) => (m as { rng?: unknown }).rng).filter((r) => r !== undefined);
    expect(new Set(generators)).toEqual(new Set([model.rng]));
    expect(generators.length).toBeGreaterThan(10);
  });

  test('errors: ValueErrors naming Transformer for options, a ShapeError naming its forward for src and tgt that do not fit together', () => {
    expectError(() => new Transformer({ dModel: 10, nhead: 4 }), ValueError, 'Transformer: dModel 10 must be divisible by nhead 4 (each head gets dModel/nhead features)');
    expectError(() => new Transformer({ dModel: 8, nhead: 2, numDecoderLayers: 0 }), ValueError, 'Transformer: numDecoderLayers must be a positive integer, got 0');
    expectError(() => new Transformer({ dModel: 8, nhead: 2, activation: 'tanh' as never }), ValueError, 'Transformer: activation must be \'relu\' or \'gelu\', got "tanh"');
    expectError(() => new Transformer({ dModel: 8, nhead: 2, customEncoder: 3 as never }), ValueError, 'Transformer: customEncoder must be a Module, got number 3');
    expectError(() => new Transformer({ batchFirst: true } as never), ValueError,
      "Transformer: unknown option 'batchFirst'; the options are dModel, nhead, numEncoderLayers, numDecoderLayers, dimFeedforward, dropout, activation, customEncoder, customDecoder, layerNormEps, normFirst, bias, seed, rng");
    const model = new Transformer({ dModel: 4, nhead: 1, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 4, seed: 0 });
    expectError(() => model.forward(randn([2, 5, 4]), randn([3, 4, 4])), ShapeError, 'Transformer.forward: src and tgt must be [batch, S, 4] and [batch, T, 4] with the same batch, got [2, 5, 4] and [3, 4, 4]');
    expectError(() => model.forward(randn([2, 5, 4]), randn([2, 4, 3])), ShapeError, 'Transformer.forward: src and tgt must be [batch, S, 4] and [batch, T, 4] with the same batch, got [2, 5, 4] and [2, 4, 3]');
    expectError(() => model.forward(randn([2, 5, 4]), 'tgt' as never), ValueError, 'Transformer.forward: tgt must be a Tensor, got string tgt');
    expectError(() => model.forward(randn([2, 5, 4]), randn([2, 4, 4]), { mask: causalMask(5) } as never), ValueError,
      "Transformer.forward: unknown option 'mask'; the options are srcMask, tgtMask, memoryMask, srcKeyPaddingMask, tgtKeyPaddingMask, memoryKeyPaddingMask, srcIsCausal, tgtIsCausal, memoryIsCausal, maskKind");
    expectError(() => model.forward(randn([2, 5, 4]), randn([2, 4, 4]), { memoryMask: causalMask(4) }), ShapeError,
      'TransformerDecoderLayer.forward: memoryMask must be [L, S] = [4, 5] or [batch·numHeads, L, S] = [2, 4, 5], got [4, 4]');
  });

  test('checkModule: every parameter of a small Transformer, both modes, with masks', () => {
    const model = randomized(new Transformer({ dModel: 4, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 4, dropout: 0, normFirst: true, seed: 1 }), 2);
    const src = randn([2, 4, 4], { seed: 3 });
    const padding = tensor([[0, 0, 0, 1], [0, 0, 0, 0]]);
    const wrapped = oneInput(model, (m, tgt) => m.forward(src, tgt, { tgtIsCausal: true, srcKeyPaddingMask: padding, memoryKeyPaddingMask: padding }));
    const report = checkModule(wrapped, randn([2, 3, 4], { seed: 4 }), randn([2, 3, 4], { seed: 5 }), mse, { order: 1, tolerance: 'auto' });
    expect(report.parameters.length).toBe(12 + 2 + 18 + 2);
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
