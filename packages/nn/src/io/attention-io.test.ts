/** Model files of the attention layers: MultiheadAttention, the transformer's encoder and decoder layers and stacks, and Transformer round trip exactly. */
import { Tensor, ValueError, randn, tensor } from '@adjoint/core';
import {
  Dense, Dropout, Identity, LayerNorm, Module, MultiheadAttention, Sequential, Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,
  TransformerEncoderLayer, causalMask, deserializeModel, exportOnnx, fit, serializeModel, summary, toModelFile,
} from '@adjoint/nn';
import { configStateSize } from './architecture';

const same = (a: Tensor, b: Tensor): boolean => a.size === b.size && a.data.every((v, i) => Object.is(v, b.data[i]));

/** A classifier of token sequences: an encoder of two pre-norm gelu layers with a final LayerNorm, then a Dense head. */
function model(): Sequential {
  const encoder = new TransformerEncoder(new TransformerEncoderLayer(8, 2, { dimFeedforward: 12, dropout: 0.2, activation: 'gelu', normFirst: true, layerNormEps: 1e-4, seed: 1 }), 2, { norm: new LayerNorm(8) });
  return new Sequential([encoder, new Dense(8, 3, { seed: 2 })]);
}

describe('attention layers in model files', () => {
  test.each(['base64', 'numbers'] as const)('%s: a trained TransformerEncoder model loads with its architecture and predicts bit for bit the same', (encoding) => {
    const m = model();
    const x = randn([4, 5, 8], { seed: 3 });
    fit(m, { x, y: randn([4, 5, 3], { seed: 4 }), loss: 'mse', optimizer: 'adam', lr: 0.01, epochs: 2, batchSize: 2, progress: false });
    const loaded = deserializeModel(serializeModel(m, { encoding })) as Sequential;
    expect(String(loaded)).toBe(String(m));
    expect(loaded.layers[0]).toBeInstanceOf(TransformerEncoder);
    m.eval();
    loaded.eval();
    expect(same(loaded.forward(x), m.forward(x))).toBe(true);
    // Read from a file, the layers draw their dropout masks from core's stream, as a layer built without a seed.
    const layer = (loaded.layers[0] as TransformerEncoder).layers.at(1) as TransformerEncoderLayer;
    expect([layer.rng, layer.selfAttn.rng, layer.dropout.rng, layer.dropout1.rng, layer.dropout2.rng]).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  test('the configs: every option of the layers', () => {
    const file = toModelFile(model());
    expect(file.architecture).toEqual({
      type: 'Sequential',
      layers: [
        {
          type: 'TransformerEncoder',
          layers: [0, 1].map(() => ({ type: 'TransformerEncoderLayer', dModel: 8, nhead: 2, dimFeedforward: 12, dropout: 0.2, activation: 'gelu', layerNormEps: 1e-4, normFirst: true, bias: true })),
          norm: { type: 'LayerNorm', normalizedShape: [8], eps: 1e-5, elementwiseAffine: true, bias: true },
        },
        { type: 'Dense', inFeatures: 8, outFeatures: 3, activation: 'identity', bias: true },
      ],
    });
    expect(toModelFile(new TransformerEncoder(new TransformerEncoderLayer(4, 1, { dimFeedforward: 4, bias: false }), 1)).architecture).toEqual({
      type: 'TransformerEncoder',
      layers: [{ type: 'TransformerEncoderLayer', dModel: 4, nhead: 1, dimFeedforward: 4, dropout: 0.1, activation: 'relu', layerNormEps: 1e-5, normFirst: false, bias: false }],
      norm: null,
    });
  });

  test('MultiheadAttention alone (separate projections, no bias, dropout): outputs and weights bit for bit', () => {
    const attention = new MultiheadAttention(6, 3, { kdim: 4, vdim: 5, dropout: 0.1, bias: false, seed: 5 });
    expect(toModelFile(attention).architecture).toEqual({ type: 'MultiheadAttention', embedDim: 6, numHeads: 3, kdim: 4, vdim: 5, dropout: 0.1, bias: false });
    const loaded = deserializeModel(serializeModel(attention)) as unknown as MultiheadAttention;
    expect(loaded).toBeInstanceOf(MultiheadAttention);
    expect(loaded.rng).toBeUndefined();
    const [q, k, v] = [randn([2, 3, 6], { seed: 6 }), randn([2, 4, 4], { seed: 7 }), randn([2, 4, 5], { seed: 8 })];
    attention.eval();
    loaded.eval();
    const mask = { keyPaddingMask: tensor([[0, 0, 0, 1], [0, 1, 0, 0]]) };
    const [a, wa] = attention.forward(q, k, v, mask);
    const [b, wb] = loaded.forward(q, k, v, mask);
    expect(same(a, b) && same(wa!, wb!)).toBe(true);
  });

  test('a TransformerEncoderLayer whose children were replaced is refused, naming the child, rather than saved as one its options would make', () => {
    const layer = new TransformerEncoderLayer(4, 1, { dimFeedforward: 4 });
    layer.replaceChild('dropout1', new Dropout(0.5));
    expect(() => toModelFile(layer, { requireArchitecture: true })).toThrow(ValueError);
    expect(() => toModelFile(layer, { requireArchitecture: true })).toThrow("its child 'dropout1' (Dropout) is not the one its options make");
    const other = new TransformerEncoderLayer(4, 1, { dimFeedforward: 4 });
    other.replaceChild('norm2', new Identity());
    const file = toModelFile(other);
    expect(file.architecture).toBeNull(); // saved with its weights only, for loadModel(path, {into})
    expect(file.architectureNote).toContain("its child 'norm2' (Identity) is not the one its options make");
  });

  test('children replaced by ones of the same class with other options are refused too, not saved as the ones the options make', () => {
    const replaced: Array<[string, () => Module<any, unknown>, string]> = [
      ['an outProj with an activation', () => {
        const attention = new MultiheadAttention(8, 2);
        attention.replaceChild('outProj', new Dense(8, 8, { activation: 'relu' }));
        return attention;
      }, "its child 'outProj' (Dense) is not the one its options make"],
      ['a norm of another ε', () => {
        const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
        layer.replaceChild('norm1', new LayerNorm(8, { eps: 0.5 }));
        return layer;
      }, "its child 'norm1' (LayerNorm) is not the one its options make"],
      ['a self-attention of other heads', () => {
        const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
        layer.replaceChild('selfAttn', new MultiheadAttention(8, 4, { dropout: 0.1 }));
        return layer;
      }, "its child 'selfAttn' (MultiheadAttention) is not the one its options make"],
      ['a linear layer without bias', () => {
        const layer = new TransformerDecoderLayer(8, 2, { dimFeedforward: 16 });
        layer.replaceChild('linear1', new Dense(8, 16, { bias: false }));
        return layer;
      }, "its child 'linear1' (Dense) is not the one its options make"],
      ['an attention whose outProj has an activation, in a layer', () => {
        const layer = new TransformerDecoderLayer(8, 2, { dimFeedforward: 16 });
        layer.multiheadAttn.replaceChild('outProj', new Dense(8, 8, { activation: 'tanh' }));
        return layer;
      }, "its child 'multiheadAttn' (MultiheadAttention) is not the one its options make"],
    ];
    for (const [label, make, message] of replaced) {
      const m = make();
      expect({ label, architecture: toModelFile(m).architecture }).toEqual({ label, architecture: null });
      expect(toModelFile(m).architectureNote).toContain(message);
    }
  });

  test('summary lists their parts and output shapes; exportOnnx refuses them, naming the layer', () => {
    const m = model();
    const lines = summary(m, [2, 5, 8]).split('\n');
    // The attention's output, and "?" for the weights the encoder layer does not ask for (null).
    expect(lines.find((l) => l.includes('0.layers.0.selfAttn (MultiheadAttention)'))).toMatch(/\[2, 5, 8\], null\s+216$/);
    expect(summary(new MultiheadAttention(8, 2), [2, 5, 8]).split('\n')[2]).toMatch(/^MultiheadAttention\s+\[2, 5, 8\], \[2, 5, 5\]\s+216$/);
    expect(lines.find((l) => l.includes('0.layers.1.linear1 (Dense)'))).toMatch(/\[2, 5, 12\]\s+108$/);
    expect(lines).toContain('Total params: 1,107'); // 2 × (288 + 108 + 104 + 32) + 16 + 27
    expect(() => exportOnnx(m, { inputShape: [2, 5, 8] })).toThrow('exportOnnx: model.0 is a TransformerEncoder, which exportOnnx cannot write');
    expect(() => exportOnnx(new MultiheadAttention(4, 1) as never, { inputShape: [1, 2, 4] })).toThrow('exportOnnx: the model is a MultiheadAttention, which exportOnnx cannot write');
  });
});

/** A small Transformer with every parameter random: pre-norm gelu layers, dropout, its own ε. */
function transformer(): Transformer {
  const m = new Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 2, dimFeedforward: 12, dropout: 0.2, activation: 'gelu', normFirst: true, layerNormEps: 1e-4, seed: 1 });
  m.namedParameters().forEach(([, p], i) => p.assign(randn(p.shape, { seed: 10 + i, std: 0.5 })));
  return m;
}

describe('the decoder and Transformer in model files', () => {
  test.each(['base64', 'numbers'] as const)('%s: a Transformer loads with its architecture and computes bit for bit the same', (encoding) => {
    const m = transformer();
    const loaded = deserializeModel(serializeModel(m, { encoding })) as unknown as Transformer;
    expect(loaded).toBeInstanceOf(Transformer);
    expect(String(loaded)).toBe(String(m));
    const [src, tgt] = [randn([2, 5, 8], { seed: 3 }), randn([2, 4, 8], { seed: 4 })];
    const masks = { tgtMask: causalMask(4), srcKeyPaddingMask: tensor([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]]), memoryKeyPaddingMask: tensor([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]]) };
    m.eval();
    loaded.eval();
    expect(same(loaded.forward(src, tgt, masks), m.forward(src, tgt, masks))).toBe(true);
    // Read from a file, the layers draw their dropout masks from core's stream, as layers built without a seed.
    const layer = (loaded.decoder as TransformerDecoder).layers.at(1) as TransformerDecoderLayer;
    expect([loaded.rng, layer.rng, layer.multiheadAttn.rng, layer.dropout3.rng]).toEqual([undefined, undefined, undefined, undefined]);
  });

  test('the configs: the Transformer holds its encoder’s and decoder’s; the decoder layer every option of its own', () => {
    const layer = { type: 'TransformerDecoderLayer', dModel: 8, nhead: 2, dimFeedforward: 12, dropout: 0.2, activation: 'gelu', layerNormEps: 1e-4, normFirst: true, bias: true };
    const norm = { type: 'LayerNorm', normalizedShape: [8], eps: 1e-4, elementwiseAffine: true, bias: true };
    expect(toModelFile(transformer()).architecture).toEqual({
      type: 'Transformer',
      dModel: 8,
      nhead: 2,
      encoder: { type: 'TransformerEncoder', layers: [{ ...layer, type: 'TransformerEncoderLayer' }], norm },
      decoder: { type: 'TransformerDecoder', layers: [layer, layer], norm },
    });
    expect(toModelFile(new TransformerDecoder(new TransformerDecoderLayer(4, 1, { dimFeedforward: 4, bias: false }), 1)).architecture).toEqual({
      type: 'TransformerDecoder',
      layers: [{ type: 'TransformerDecoderLayer', dModel: 4, nhead: 1, dimFeedforward: 4, dropout: 0.1, activation: 'relu', layerNormEps: 1e-5, normFirst: false, bias: false }],
      norm: null,
    });
  });

  test('a TransformerDecoderLayer alone round trips; the state size a config promises is the layers’ parameter count', () => {
    const layer = new TransformerDecoderLayer(6, 3, { dimFeedforward: 10, seed: 5 });
    const loaded = deserializeModel(serializeModel(layer)) as unknown as TransformerDecoderLayer;
    const [tgt, memory] = [randn([2, 3, 6], { seed: 6 }), randn([2, 4, 6], { seed: 7 })];
    layer.eval();
    loaded.eval();
    expect(same(loaded.forward(tgt, memory, { tgtIsCausal: true }), layer.forward(tgt, memory, { tgtIsCausal: true }))).toBe(true);
    const count = (m: Module<any, unknown>): number => m.parameters().reduce((n, p) => n + p.size, 0);
    for (const m of [layer, new TransformerDecoderLayer(4, 2, { dimFeedforward: 6, bias: false }), transformer()] as Array<Module<any, unknown>>) {
      expect(configStateSize(toModelFile(m).architecture)).toBe(count(m));
    }
  });

  test('a TransformerDecoderLayer whose children were replaced is refused, naming the child', () => {
    const layer = new TransformerDecoderLayer(4, 1, { dimFeedforward: 4 });
    layer.replaceChild('dropout3', new Dropout(0.5));
    expect(() => toModelFile(layer, { requireArchitecture: true })).toThrow("its child 'dropout3' (Dropout) is not the one its options make");
    const other = new TransformerDecoderLayer(4, 1, { dimFeedforward: 4 });
    other.replaceChild('multiheadAttn', new Identity() as never);
    const file = toModelFile(new TransformerDecoder(() => other, 1));
    expect(file.architecture).toBeNull();
    expect(file.architectureNote).toContain("its child 'multiheadAttn' (Identity) is not the one its options make");
  });

  test('summary counts their parameters and, called by a model of one input, shows their shapes; exportOnnx refuses them, naming the layer', () => {
    const t = transformer();
    // A model of one input: the last three positions of x are the target.
    const model = new (class Seq2Seq extends Module {
      readonly transformer = this.register('transformer', t);
      forward(x: Tensor): Tensor {
        return this.transformer.forward(x, x.slice([0, 2, 0], [x.shape[0]!, 3, 8]));
      }
    })();
    const lines = summary(model, [2, 5, 8]).split('\n');
    expect(lines.find((l) => l.includes('transformer.decoder.layers.1.multiheadAttn (MultiheadAttention)'))).toMatch(/\[2, 3, 8\], null\s+216$/);
    expect(lines.find((l) => l.includes('transformer.encoder (TransformerEncoder)'))).toMatch(/\[2, 5, 8\]\s+0$/);
    expect(lines.find((l) => l.includes('transformer.decoder.layers.0.norm3 (LayerNorm)'))).toMatch(/\[2, 3, 8\]\s+16$/);
    expect(lines).toContain('Total params: 2,236'); // encoder 532 + 16, decoder 2 × 836 + 16
    expect(summary(t).split('\n')).toContain('Total params: 2,236');
    expect(() => summary(new TransformerDecoderLayer(8, 2), [2, 5, 8])).toThrow('summary: the model cannot run on an input of shape [2, 5, 8]: TransformerDecoderLayer.forward: memory must be a Tensor');
    expect(() => exportOnnx(t as never, { inputShape: [2, 5, 8] })).toThrow('exportOnnx: the model is a Transformer, which exportOnnx cannot write');
    expect(() => exportOnnx(new TransformerDecoderLayer(4, 1) as never, { inputShape: [1, 2, 4] })).toThrow('exportOnnx: the model is a TransformerDecoderLayer, which exportOnnx cannot write');
    expect(() => exportOnnx(new TransformerDecoder(new TransformerDecoderLayer(4, 1), 1) as never, { inputShape: [1, 2, 4] })).toThrow(
      'exportOnnx: the model is a TransformerDecoder, which exportOnnx cannot write');
  });
});
