/** Model files of the attention layers: MultiheadAttention, TransformerEncoderLayer and TransformerEncoder round trip exactly. */
import { Tensor, ValueError, randn, tensor } from '@adjoint/core';
import {
  Dense, Dropout, Identity, LayerNorm, MultiheadAttention, Sequential, TransformerEncoder, TransformerEncoderLayer, deserializeModel, exportOnnx, fit,
  serializeModel, summary, toModelFile,
} from '@adjoint/nn';

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
