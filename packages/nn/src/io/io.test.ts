/** saveModel / loadModel: exact round trips, the file format, atomic writes and every kind of bad file. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Rng, Tensor, ValueError, tensor } from '@adjoint/core';
import {
  BatchNorm, BatchNorm2d, Conv2d, ConvTranspose2d, Dense, Flatten, GELU, GRU, LSTM, LayerNorm, Module, ReLU, Residual, Sequential, SiLU, Sigmoid, deserializeModel, fit,
  loadModel, mlp, moduleFromConfig, predict, registerLayer, saveModel, serializeModel, toModelFile,
} from '@adjoint/nn';
import { EveryNewLayer, EverySequenceLayer, everyLayer, everyNewLayer, everySequenceLayer } from '../testing/every-layer';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'adjoint-io-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (t: Tensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
const inputs = (n: number, features: number, seed = 1): Tensor => {
  const rng = new Rng(seed);
  return tensor(Array.from({ length: n }, () => Array.from({ length: features }, () => rng.normal())));
};

/** Every serializable layer kind, trained a little so that BatchNorm's running statistics move. */
function trainedModel(): Module {
  const model = everyLayer(8, 3);
  const x = inputs(24, 3);
  fit(model, { x, y: inputs(24, 3, 2).softmax(), loss: 'mse', optimizer: 'adam', lr: 0.01, epochs: 2, batchSize: 8, progress: false });
  return model;
}

describe('round trips', () => {
  test.each(['base64', 'numbers'] as const)('%s: the loaded model predicts bit for bit the same', (encoding) => {
    const model = trainedModel();
    const path = join(dir, `model-${encoding}.json`);
    saveModel(model, path, { encoding });
    const loaded = loadModel(path);
    expect(loaded).toBeInstanceOf(Sequential);
    expect(loaded.toString()).toBe(model.toString());
    const x = inputs(50, 3, 9);
    expect(bytes(predict(loaded, x)).equals(bytes(predict(model, x)))).toBe(true);
    for (const [key, t] of Object.entries(model.stateDict())) expect(bytes(loaded.stateDict()[key]!).equals(bytes(t))).toBe(true);
  });

  test.each(['base64', 'numbers'] as const)('%s: the image and sequence layers (Conv2d, the pools, Flatten, RNN, LSTM, GRU, Embedding) too', (encoding) => {
    const model = everyNewLayer();
    const images = (n: number, seed: number): Tensor => inputs(n, 64, seed).reshape([n, 1, 8, 8]);
    fit(model, { x: images(12, 3), y: inputs(12, 19, 4), loss: 'mse', optimizer: 'adam', lr: 0.01, epochs: 2, batchSize: 6, progress: false });
    const path = join(dir, `new-layers-${encoding}.json`);
    saveModel(model, path, { encoding });
    const loaded = loadModel(path);
    expect(loaded).toBeInstanceOf(EveryNewLayer);
    expect(loaded.toString()).toBe(model.toString());
    const x = images(20, 9);
    expect(predict(model, x).shape).toEqual([20, 19]);
    expect(bytes(predict(loaded, x)).equals(bytes(predict(model, x)))).toBe(true);
    for (const [key, t] of Object.entries(model.stateDict())) expect(bytes(loaded.stateDict()[key]!).equals(bytes(t))).toBe(true);
    const again = deserializeModel(serializeModel(model, { encoding }));
    expect(bytes(predict(again, x)).equals(bytes(predict(model, x)))).toBe(true);
  });

  test.each(['base64', 'numbers'] as const)('%s: ConvTranspose2d with every option, bit for bit', (encoding) => {
    const model = new Sequential([
      new ConvTranspose2d(1, 4, [3, 2], { stride: [2, 3], padding: [1, 0], outputPadding: [1, 2], dilation: [1, 2], groups: 1, seed: 5 }), new ReLU(),
      new ConvTranspose2d(4, 2, 2, { groups: 2, bias: false, seed: 6 }), new Flatten(), new Dense(2 * 17 * 27, 3, { seed: 7 }),
    ]);
    const images = (n: number, seed: number): Tensor => inputs(n, 64, seed).reshape([n, 1, 8, 8]);
    fit(model, { x: images(6, 3), y: inputs(6, 3, 4), loss: 'mse', optimizer: 'adam', lr: 0.01, epochs: 2, batchSize: 3, progress: false });
    const loaded = deserializeModel(serializeModel(model, { encoding }));
    expect(loaded.toString()).toBe(model.toString());
    const x = images(4, 9);
    expect(bytes(predict(loaded, x)).equals(bytes(predict(model, x)))).toBe(true);
    expect(toModelFile(model).architecture).toMatchObject({
      type: 'Sequential',
      layers: [
        { type: 'ConvTranspose2d', inChannels: 1, outChannels: 4, kernelSize: [3, 2], stride: [2, 3], padding: [1, 0], outputPadding: [1, 2], dilation: [1, 2], groups: 1, bias: true },
        { type: 'ReLU' },
        { type: 'ConvTranspose2d', inChannels: 4, outChannels: 2, kernelSize: [2, 2], stride: [1, 1], padding: [0, 0], outputPadding: [0, 0], dilation: [1, 1], groups: 2, bias: false },
        { type: 'Flatten' },
        { type: 'Dense' },
      ],
    });
  });

  test.each(['base64', 'numbers'] as const)('%s: the 1-D, normalisation and stacked recurrent layers (Conv1d, the 1-D pools, BatchNorm2d, LayerNorm, stacked bidirectional RNN, LSTM, GRU with dropout) too', (encoding) => {
    const model = everySequenceLayer();
    const sequences = (n: number, seed: number): Tensor => inputs(n, 24, seed).reshape([n, 2, 12]);
    fit(model, { x: sequences(12, 3), y: inputs(12, 12, 4), loss: 'mse', optimizer: 'adam', lr: 0.01, epochs: 2, batchSize: 6, progress: false });
    // Training moved BatchNorm2d's running statistics away from their start, so the file must carry them.
    expect([...model.imageNorm.runningVar.data].some((v) => v !== 1)).toBe(true);
    const path = join(dir, `sequence-layers-${encoding}.json`);
    saveModel(model, path, { encoding });
    const loaded = loadModel(path);
    expect(loaded).toBeInstanceOf(EverySequenceLayer);
    expect(loaded.toString()).toBe(model.toString());
    const x = sequences(20, 9);
    expect(predict(model, x).shape).toEqual([20, 12]);
    expect(bytes(predict(loaded, x)).equals(bytes(predict(model, x)))).toBe(true);
    const names = Object.keys(model.stateDict());
    expect(Object.keys(loaded.stateDict())).toEqual(names);
    expect(names).toEqual(expect.arrayContaining(['imageNorm.runningMean', 'imageNorm.runningVar', 'tokenNorm.weight', 'lstm.weightHhL1Reverse', 'gru.biasIhReverse', 'rnn.weightIhL1']));
    for (const [key, t] of Object.entries(model.stateDict())) expect(bytes(loaded.stateDict()[key]!).equals(bytes(t))).toBe(true);
  });

  test.each(['base64', 'numbers'] as const)("%s: 'gelu' and 'silu' by name, GELU (both forms) and SiLU as modules", (encoding) => {
    const model = new Sequential([
      new Dense(3, 6, { activation: 'gelu', seed: 1 }), new Dense(6, 6, { activation: 'silu', seed: 2 }), new GELU(),
      new Dense(6, 6, { activation: new GELU({ approximate: 'tanh' }), seed: 3 }), new SiLU(), new GELU({ approximate: 'tanh' }), new Dense(6, 2, { seed: 4 }),
    ]);
    const { architecture } = toModelFile(model) as unknown as { architecture: { layers: unknown[] } };
    expect(architecture.layers).toEqual([
      { type: 'Dense', inFeatures: 3, outFeatures: 6, activation: 'gelu', bias: true },
      { type: 'Dense', inFeatures: 6, outFeatures: 6, activation: 'silu', bias: true },
      { type: 'GELU', approximate: 'none' },
      { type: 'Dense', inFeatures: 6, outFeatures: 6, activation: { type: 'GELU', approximate: 'tanh' }, bias: true },
      { type: 'SiLU' },
      { type: 'GELU', approximate: 'tanh' },
      { type: 'Dense', inFeatures: 6, outFeatures: 2, activation: 'identity', bias: true },
    ]);
    const path = join(dir, `gelu-silu-${encoding}.json`);
    saveModel(model, path, { encoding });
    const loaded = loadModel(path);
    expect(loaded.toString()).toBe(model.toString());
    expect((loaded as Sequential).layers[5]).toBeInstanceOf(GELU);
    expect(((loaded as Sequential).layers[5] as GELU).approximate).toBe('tanh');
    const x = inputs(30, 3, 9);
    expect(bytes(predict(loaded, x)).equals(bytes(predict(model, x)))).toBe(true);
  });

  test("a GELU whose approximate is not 'none' or 'tanh' in the file is a ValueError naming GELU", () => {
    const f = JSON.parse(JSON.stringify(toModelFile(new Sequential([new Dense(2, 2, { seed: 1 }), new GELU()]))));
    f.architecture.layers[1].approximate = 'erf';
    expect(() => deserializeModel(f)).toThrow(ValueError);
    expect(() => deserializeModel(f)).toThrow(/architecture\.layers\[1\] \(GELU\): 'approximate' must be 'none' or 'tanh', got/);
  });

  test("the new layers' configs in the file", () => {
    const { architecture } = toModelFile(everyNewLayer()) as { architecture: Record<string, unknown> };
    expect(architecture.type).toBe('testing.EveryNewLayer');
    expect(architecture.features).toEqual({
      type: 'Sequential',
      layers: [
        { type: 'Conv2d', inChannels: 1, outChannels: 4, kernelSize: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1, bias: true },
        { type: 'ReLU' },
        { type: 'MaxPool2d', kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] },
        { type: 'Conv2d', inChannels: 4, outChannels: 4, kernelSize: [3, 2], stride: [1, 1], padding: 'same', dilation: [1, 1], groups: 2, bias: false },
        { type: 'AvgPool2d', kernelSize: [3, 3], stride: [1, 1], padding: [1, 1] },
      ],
    });
    expect(architecture.rnn).toEqual({ type: 'RNN', inputSize: 16, hiddenSize: 6, nonlinearity: 'relu' });
    expect(architecture.lstm).toEqual({ type: 'LSTM', inputSize: 6, hiddenSize: 5 });
    expect(architecture.gru).toEqual({ type: 'GRU', inputSize: 5, hiddenSize: 4 });
    expect(architecture.embed).toEqual({ type: 'Embedding', numEmbeddings: 4, dim: 3 });
    expect(architecture.flatten).toEqual({ type: 'Flatten' });
  });

  test("the 1-D, normalisation and stacked recurrent layers' configs in the file", () => {
    const { architecture } = toModelFile(everySequenceLayer()) as { architecture: Record<string, unknown> };
    expect(architecture).toEqual({
      type: 'testing.EverySequenceLayer',
      conv: {
        type: 'Sequential',
        layers: [
          { type: 'Conv1d', inChannels: 2, outChannels: 4, kernelSize: 3, stride: 1, padding: 1, dilation: 1, groups: 1, bias: true },
          { type: 'ReLU' },
          { type: 'MaxPool1d', kernelSize: 2, stride: 2, padding: 0 },
          { type: 'Conv1d', inChannels: 4, outChannels: 4, kernelSize: 3, stride: 1, padding: 'same', dilation: 2, groups: 2, bias: false },
          { type: 'AvgPool1d', kernelSize: 3, stride: 1, padding: 1 },
        ],
      },
      imageNorm: { type: 'BatchNorm2d', numFeatures: 4, momentum: 0.2, eps: 1e-5 },
      tokenNorm: { type: 'LayerNorm', normalizedShape: [4], eps: 1e-5, elementwiseAffine: true, bias: false },
      lstm: { type: 'LSTM', inputSize: 4, hiddenSize: 3, numLayers: 2, bidirectional: true, dropout: 0.1 },
      gru: { type: 'GRU', inputSize: 6, hiddenSize: 2, bidirectional: true },
      rnn: { type: 'RNN', inputSize: 4, hiddenSize: 2, nonlinearity: 'tanh', numLayers: 2, dropout: 0.2 },
      flatten: { type: 'Flatten' },
    });
  });

  test('stacked and bidirectional recurrent layers: their options in the file, loaded back; into a model with other options is refused', () => {
    const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true, dropout: 0.2, seed: 1 });
    const path = join(dir, 'stacked-lstm.json');
    saveModel(lstm, path);
    expect(JSON.parse(readFileSync(path, 'utf8')).architecture).toEqual({ type: 'LSTM', inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, dropout: 0.2 });
    const loaded = loadModel(path);
    expect(loaded).toBeInstanceOf(LSTM);
    expect(String(loaded)).toBe('LSTM(3 → 4, numLayers 2, bidirectional, dropout 0.2)');
    const x = tensor([[[0.5, -1, 2], [0.25, 0, -0.5]]]);
    const [a, [ha]] = lstm.eval().forward(x);
    const [b, [hb]] = (loaded as unknown as LSTM).eval().forward(x);
    expect(bytes(b).equals(bytes(a))).toBe(true);
    expect(bytes(hb).equals(bytes(ha))).toBe(true);
    expect(() => loadModel(path, { into: new LSTM(3, 4, { numLayers: 2, bidirectional: true, seed: 2 }) })).toThrow(
      'the file\'s architecture does not match the model: architecture.dropout is 0.2 in the file but 0 in the model',
    );
    // A file that writes the defaults out describes the same layer as one that leaves them out.
    const plainPath = join(dir, 'explicit-defaults.json');
    saveModel(new LSTM(3, 4, { seed: 3 }), plainPath);
    const explicit = JSON.parse(readFileSync(plainPath, 'utf8'));
    explicit.architecture = { ...explicit.architecture, numLayers: 1, bidirectional: false, dropout: 0 };
    writeFileSync(plainPath, JSON.stringify(explicit));
    const into = new LSTM(3, 4, { seed: 4 });
    expect(loadModel(plainPath, { into })).toBe(into);
    expect(() => loadModel(plainPath, { into: new LSTM(3, 4, { numLayers: 2, seed: 4 }) })).toThrow('architecture.numLayers is 1 in the file but 2 in the model');
    expect(() => deserializeModel(serializeModel(new GRU(3, 4, { numLayers: 3 })), { into: new GRU(3, 4, { numLayers: 2 }) })).toThrow(
      "deserializeModel: the file's architecture does not match the model: architecture.numLayers is 3 in the file but 2 in the model",
    );
  });

  test('the file names its format and version, and holds the architecture and the state', () => {
    const path = join(dir, 'xor.json');
    saveModel(mlp([2, 8, 1], { activation: 'tanh', outputActivation: 'sigmoid', seed: 1 }), path);
    const file = JSON.parse(readFileSync(path, 'utf8'));
    expect(file.format).toBe('adjoint-model');
    expect(file.version).toBe(1);
    expect(file.architecture).toEqual({
      type: 'Sequential',
      layers: [
        { type: 'Dense', inFeatures: 2, outFeatures: 8, activation: 'tanh', bias: true },
        { type: 'Dense', inFeatures: 8, outFeatures: 1, activation: 'sigmoid', bias: true },
      ],
    });
    expect(Object.keys(file.tensors)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(file.tensors['0.weight'].shape).toEqual([2, 8]);
  });

  test('JSON numbers carry doubles exactly (the shortest round-trip decimal), extremes included', () => {
    const rng = new Rng(3);
    const values = [Number.MIN_VALUE, -Number.MAX_VALUE, 2.2250738585072014e-308, 0.1, 1 / 3, Math.PI * 1e-300, 123456789.123456789];
    for (let i = 0; i < 2000; i++) values.push(rng.normal() * 10 ** rng.int(-300, 300));
    const layer = new Dense(values.length, 1, { init: (s) => tensor(values).reshape(s) });
    const loaded = deserializeModel(JSON.parse(JSON.stringify(toModelFile(layer, { encoding: 'numbers' })))) as Dense;
    expect(bytes(loaded.weight).equals(bytes(layer.weight))).toBe(true);
  });

  test('base64 keeps even the sign of zero; loading into an existing model replaces its weights in place', () => {
    const source = new Dense(2, 2, { init: () => tensor([[-0, 1], [2, -3]]) });
    const target = new Dense(2, 2, { seed: 7 });
    const weight = target.weight;
    const path = join(dir, 'into.json');
    saveModel(source, path);
    expect(loadModel(path, { into: target })).toBe(target);
    expect(target.weight).toBe(weight);
    expect(Object.is(target.weight.data[0], -0)).toBe(true);
    expect(Array.from(target.weight.data)).toEqual([-0, 1, 2, -3]);
  });

  test('registerLayer makes a user layer saveable with its architecture', () => {
    class Scale extends Module {
      constructor(readonly factor: number) {
        super();
      }
      forward(x: Tensor): Tensor {
        return x.mul(this.factor);
      }
    }
    registerLayer({ type: 'test.Scale', cls: Scale, toConfig: (m) => ({ factor: m.factor }), fromConfig: (c) => new Scale(c.factor as number) });
    const model = new Sequential([new Dense(2, 2, { seed: 1 }), new Scale(3), new Sigmoid()]);
    const path = join(dir, 'scale.json');
    saveModel(model, path);
    const x = inputs(4, 2);
    expect(bytes(predict(loadModel(path), x)).equals(bytes(predict(model, x)))).toBe(true);
    expect(() => registerLayer({ type: 'test.Scale', cls: Scale, toConfig: () => ({}), fromConfig: () => new Scale(1) })).toThrow(/already registered/);
  });
});

describe('LayerNorm and BatchNorm2d in model files', () => {
  /** Conv2d → BatchNorm2d → ReLU → Flatten → LayerNorm (two axes, then one without bias) → Dense, trained a little. */
  function normModel(): Sequential {
    const model = new Sequential([
      new Conv2d(2, 3, 3, { padding: 1, seed: 1 }), new BatchNorm2d(3, { momentum: 0.2, eps: 1e-3 }), new ReLU(),
      new LayerNorm([4, 4], { eps: 1e-4 }), new Flatten(), new LayerNorm(48, { bias: false }), new LayerNorm(48, { elementwiseAffine: false }),
      new Dense(48, 2, { seed: 2 }),
    ]);
    const images = inputs(12, 32, 3).reshape([12, 2, 4, 4]);
    fit(model, { x: images, y: inputs(12, 2, 4), loss: 'mse', optimizer: 'adam', lr: 0.01, epochs: 2, batchSize: 6, progress: false });
    return model;
  }

  test("their configs: PyTorch's options, every one written", () => {
    const { architecture } = toModelFile(normModel()) as unknown as { architecture: { layers: unknown[] } };
    expect(architecture.layers.slice(1, 7)).toEqual([
      { type: 'BatchNorm2d', numFeatures: 3, momentum: 0.2, eps: 1e-3 },
      { type: 'ReLU' },
      { type: 'LayerNorm', normalizedShape: [4, 4], eps: 1e-4, elementwiseAffine: true, bias: true },
      { type: 'Flatten' },
      { type: 'LayerNorm', normalizedShape: [48], eps: 1e-5, elementwiseAffine: true, bias: false },
      { type: 'LayerNorm', normalizedShape: [48], eps: 1e-5, elementwiseAffine: false, bias: false },
    ]);
  });

  test.each(['base64', 'numbers'] as const)('%s: the loaded model has the same layers, state (running statistics moved by training) and predictions, bit for bit', (encoding) => {
    const model = normModel();
    const bn = model.layers[1] as BatchNorm2d;
    expect(Array.from(bn.runningMean.data).every((v) => v !== 0)).toBe(true);
    const path = join(dir, `norms-${encoding}.json`);
    saveModel(model, path, { encoding });
    const loaded = loadModel(path) as Sequential;
    expect(loaded.toString()).toBe(model.toString());
    expect(loaded.layers[1]).toBeInstanceOf(BatchNorm2d);
    expect(loaded.layers[3]).toBeInstanceOf(LayerNorm);
    expect(Object.keys(loaded.stateDict())).toEqual(Object.keys(model.stateDict()));
    for (const [key, t] of Object.entries(model.stateDict())) expect(bytes(loaded.stateDict()[key]!).equals(bytes(t))).toBe(true);
    const x = inputs(5, 32, 9).reshape([5, 2, 4, 4]);
    expect(bytes(predict(loaded, x)).equals(bytes(predict(model, x)))).toBe(true);
    // Training goes on from the same state: the same batch statistics and running averages.
    loaded.train();
    model.train();
    expect(bytes(loaded.forward(x)).equals(bytes(model.forward(x)))).toBe(true);
    expect(bytes((loaded.layers[1] as BatchNorm2d).runningVar).equals(bytes(bn.runningVar))).toBe(true);
  });

  test('loading into a model whose options differ is refused, naming the option', () => {
    const path = join(dir, 'layer-norm.json');
    saveModel(new LayerNorm([2, 3], { eps: 1e-3 }), path);
    expect(() => loadModel(path, { into: new LayerNorm([2, 3]) })).toThrow("the file's architecture does not match the model: architecture.eps is 0.001 in the file but 0.00001 in the model");
    expect(() => loadModel(path, { into: new LayerNorm([3, 2], { eps: 1e-3 }) })).toThrow('architecture.normalizedShape[0] is 2 in the file but 3 in the model');
    expect(() => deserializeModel(serializeModel(new BatchNorm2d(3, { momentum: 0.2 })), { into: new BatchNorm2d(3) })).toThrow('architecture.momentum is 0.2 in the file but 0.1 in the model');
  });

  test.each([
    ['normalizedShape', (c: any) => void (c.normalizedShape = []), "(LayerNorm): 'normalizedShape' must be a non-empty list of positive integers, got the list []"],
    ['normalizedShape', (c: any) => void (c.normalizedShape = [2, 0.5]), "(LayerNorm): 'normalizedShape' must be a non-empty list of positive integers, got the list [2, 0.5]"],
    ['elementwiseAffine', (c: any) => void delete c.elementwiseAffine, "(LayerNorm): 'elementwiseAffine' must be true or false, got nothing"],
    ['bias', (c: any) => void (c.bias = 'yes'), `(LayerNorm): 'bias' must be true or false, got the string "yes"`],
    ['eps', (c: any) => void (c.eps = -1), '(LayerNorm): LayerNorm: eps must be a positive finite number, got -1'],
  ])('a malformed LayerNorm config (%s) is a ValueError naming the layer and the field', (_, corrupt, message) => {
    const file = JSON.parse(JSON.stringify(toModelFile(new LayerNorm([2, 3]))));
    corrupt(file.architecture);
    expect(() => deserializeModel(file)).toThrow(ValueError);
    expect(() => deserializeModel(file)).toThrow(message);
  });

  test.each([
    ['numFeatures', (c: any) => void (c.numFeatures = 0), "(BatchNorm2d): 'numFeatures' must be a positive integer, got number 0"],
    ['momentum', (c: any) => void (c.momentum = 2), '(BatchNorm2d): BatchNorm2d: momentum must be in [0, 1], got 2'],
    ['eps', (c: any) => void (c.eps = '1e-5'), `(BatchNorm2d): 'eps' must be a number, got the string "1e-5"`],
  ])('a malformed BatchNorm2d config (%s) is a ValueError naming the layer and the field', (_, corrupt, message) => {
    const file = JSON.parse(JSON.stringify(toModelFile(new BatchNorm2d(3))));
    corrupt(file.architecture);
    expect(() => deserializeModel(file)).toThrow(ValueError);
    expect(() => deserializeModel(file)).toThrow(message);
  });

  test.each([
    ['BatchNorm2d numFeatures', (f: any) => void (f.architecture.layers[1].numFeatures = 1e9), /at least 4000000\d{3} values but the file's tensors hold \d+/],
    ['LayerNorm normalizedShape', (f: any) => void (f.architecture.layers[3].normalizedShape = [40000, 40000]), /at least 3200000\d{3} values but the file's tensors hold \d+/],
  ])('a corrupt dimension (%s) is refused before anything is allocated for it', (_, corrupt, message) => {
    const file = JSON.parse(JSON.stringify(toModelFile(normModel())));
    corrupt(file);
    const started = process.memoryUsage().rss;
    expect(() => deserializeModel(file)).toThrow(message);
    expect(process.memoryUsage().rss - started).toBeLessThan(200 * 1024 * 1024);
  });
});

describe('models whose architecture cannot be described are saved as weights only', () => {
  class Custom extends Module {
    readonly fc = this.register('fc', new Dense(2, 1, { seed: 1 }));
    forward(x: Tensor): Tensor {
      return this.fc.forward(x);
    }
  }

  test('a class without a serializer: loadModel needs {into}', () => {
    const path = join(dir, 'custom.json');
    saveModel(new Custom(), path);
    expect(JSON.parse(readFileSync(path, 'utf8')).architecture).toBeNull();
    expect(() => loadModel(path)).toThrow(/holds weights only, no architecture \(moduleToConfig: model is a Custom, which has no serializer \(see registerLayer\)\); load it into a model with \{into: model\}/);
    const into = new Custom();
    into.fc.weight.data.fill(0);
    loadModel(path, { into });
    expect(Array.from(into.fc.weight.data)).toEqual(Array.from(new Custom().fc.weight.data));
    expect(() => saveModel(new Custom(), path, { requireArchitecture: true })).toThrow(ValueError);
  });

  test('a custom activation function or a shared module is explained', () => {
    const custom = toModelFile(new Sequential([new Dense(2, 2, { activation: (x) => x.mul(2) })]));
    expect(custom.architectureNote).toMatch(/model\.0: Dense\(2 → 2\) has a custom activation function/);
    const shared = new Dense(2, 2);
    expect(toModelFile(new Sequential([shared, shared])).architectureNote).toMatch(/same Dense instance is used at model\.0 and model\.1/);
  });
});

describe('writes are atomic', () => {
  test('a write that fails midway leaves the old file intact and no temporary file behind', () => {
    const sub = mkdtempSync(join(dir, 'atomic-'));
    const path = join(sub, 'model.json');
    saveModel(mlp([2, 3, 1], { seed: 1 }), path);
    const before = readFileSync(path, 'utf8');
    let tempPath = '';
    const failing = (temp: string, text: string): void => {
      tempPath = temp;
      writeFileSync(temp, text.slice(0, text.length >> 1));
      throw new Error('disk full');
    };
    expect(() => saveModel(mlp([2, 3, 1], { seed: 2 }), path, { writeFile: failing })).toThrow(/^saveModel: '.*model\.json': could not write the file: disk full; any previous file there is unchanged$/);
    expect(tempPath.startsWith(sub)).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readdirSync(sub)).toEqual(['model.json']);
    saveModel(mlp([2, 3, 1], { seed: 2 }), path);
    expect(readFileSync(path, 'utf8')).not.toBe(before);
    expect(readdirSync(sub)).toEqual(['model.json']);
  });

  test("a temporary name that exists is another writer's: it is left alone and another name drawn", () => {
    const sub = mkdtempSync(join(dir, 'taken-'));
    const path = join(sub, 'model.json');
    const names: string[] = [];
    const writer = (temp: string, text: string): void => {
      names.push(temp);
      if (names.length === 1) writeFileSync(temp, 'another writer'); // a file appears under the name first
      writeFileSync(temp, text, { flag: 'wx' }); // so this fails with EEXIST, the first time
    };
    saveModel(mlp([2, 3, 1], { seed: 1 }), path, { writeFile: writer });
    expect(names).toHaveLength(2);
    expect(names[1]).not.toBe(names[0]);
    expect(readFileSync(names[0]!, 'utf8')).toBe('another writer');
    expect(readdirSync(sub).sort()).toEqual([basename(names[0]!), 'model.json'].sort());
    expect(loadModel(path)).toBeInstanceOf(Sequential);
  });

  test('a file name of 250 bytes is saved: the temporary name is kept within the 255 bytes a name may have', () => {
    const path = join(dir, `${'m'.repeat(245)}.json`);
    saveModel(mlp([2, 3, 1], { seed: 1 }), path);
    saveModel(mlp([2, 3, 1], { seed: 2 }), path);
    expect(loadModel(path)).toBeInstanceOf(Sequential);
  });

  test('weights holding NaN are refused before anything is written', () => {
    const model = mlp([2, 3, 1], { seed: 1 });
    model.parameters()[2]!.data[1] = NaN;
    const path = join(dir, 'nan.json');
    expect(() => saveModel(model, path)).toThrow(/^saveModel: '.*nan\.json': '1.weight': element 1 is NaN; model files hold finite numbers only$/);
    expect(() => serializeModel(model)).toThrow(/^serializeModel: '1.weight': element 1 is NaN/);
    expect(existsSync(path)).toBe(false);
  });
});

describe('bad files are ValueErrors saying what is wrong', () => {
  const good = () => JSON.parse(JSON.stringify(toModelFile(mlp([2, 3, 1], { seed: 1 }))));
  const write = (name: string, content: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const cases: Array<[string, () => string, RegExp, Module?]> = [
    ['missing', () => join(dir, 'nope.json'), /loadModel: '.*nope\.json': cannot read the file: ENOENT/],
    ['truncated', () => write('trunc.json', JSON.stringify(good()).slice(0, 150)), /'.*trunc\.json': not valid JSON \(truncated or corrupt\?\)/],
    ['not a model', () => write('other.json', { hello: 1 }), /not an adjoint model file \(format is undefined, expected 'adjoint-model'\)/],
    ['a newer version', () => write('v2.json', { ...good(), version: 2 }), /format version 2 is not supported; this version of @adjoint\/nn reads version 1/],
    ['Infinity in numbers', () => {
      const f = good();
      return write('inf.json', JSON.stringify({ ...f, tensors: { ...f.tensors, '0.bias': { shape: [3], data: [0, 0, 0] } } }).replace('"data":[0,0,0]', '"data":[0,1e999,0]'));
    }, /tensor '0.bias': element 1 is Infinity; model files hold finite numbers only/],
    ['NaN in base64', () => {
      const f = good();
      const nan = Buffer.alloc(24);
      nan.writeDoubleLE(NaN, 16);
      f.tensors['0.bias'].data = nan.toString('base64');
      return write('nan64.json', f);
    }, /tensor '0.bias': element 2 is NaN/],
    ['short data', () => {
      const f = good();
      f.tensors['1.weight'].data = f.tensors['1.weight'].data.slice(0, 16);
      return write('short.json', f);
    }, /tensor '1.weight': data holds 12 bytes but shape \[3, 1\] needs 3 float64 values \(24 bytes\)/],
    ['garbled base64', () => {
      const f = good();
      f.tensors['1.bias'].data = '@@@@';
      return write('garbled.json', f);
    }, /tensor '1.bias': data is not valid base64/],
    ['architecture and weights disagree', () => {
      const f = good();
      f.architecture.layers[0].outFeatures = 4;
      return write('shape.json', f);
    }, /tensor '0.weight' has shape \[2, 3\] in the file but the model expects \[2, 4\]/],
    ['a missing key', () => {
      const f = good();
      delete f.tensors['1.bias'];
      return write('missing-key.json', f);
    }, /the file lacks '1.bias', which the model has/],
    ['an unknown layer', () => {
      const f = good();
      f.architecture.layers[1].type = 'Perceiver';
      return write('unknown.json', f);
    }, /architecture\.layers\[1\]: unknown layer type "Perceiver"; known types are Sequential, Dense/],
    ['a bad layer option', () => {
      const f = good();
      f.architecture.layers[0].activation = 'swish';
      return write('swish.json', f);
    }, /architecture\.layers\[0\] \(Dense\): Dense: unknown activation "swish"/],
    ['weights for another architecture', () => write('into.json', good()), /the file's architecture does not match the model: architecture\.layers\[0\]\.activation is "relu" in the file but "tanh" in the model/, mlp([2, 3, 1], { activation: 'tanh' })],
    ['weights of another size', () => {
      const f = good();
      f.architecture = null;
      return write('into-shape.json', f);
    }, /tensor '0.weight' has shape \[2, 3\] in the file but the model expects \[2, 5\]/, mlp([2, 5, 1])],
  ];

  // `into` has a default so that jest does not take a fourth parameter for a done callback.
  test.each(cases)('%s', (_name, makePath, message, into: Module | undefined = undefined) => {
    const path = makePath();
    const load = () => (into ? loadModel(path, { into }) : loadModel(path));
    expect(load).toThrow(ValueError);
    expect(load).toThrow(message);
    expect(load).toThrow(new RegExp(`^loadModel: '${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}': .{1,450}$`));
  });

  test('a failed load into a model leaves it unchanged', () => {
    const model = mlp([2, 3, 1], { seed: 5 });
    const before = model.parameters().map((p) => Array.from(p.data));
    const f = good();
    f.tensors['1.bias'] = { shape: [2], data: [0, 0] };
    expect(() => deserializeModel(f, { into: model })).toThrow(/tensor '1.bias' has shape \[2\] in the file but the model expects \[1\]/);
    expect(model.parameters().map((p) => Array.from(p.data))).toEqual(before);
  });
});

describe('model files are untrusted input', () => {
  const goodText = (): string => new TextDecoder().decode(serializeModel(mlp([2, 3, 1], { seed: 1 })));
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  /** The error loading `path` throws: a ValueError whose one-line message names loadModel and the file, in at most 500 characters. */
  const loadError = (path: string, options?: object): ValueError => {
    let error: unknown;
    try {
      loadModel(path, options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValueError);
    const message = (error as ValueError).message;
    expect(message.startsWith(`loadModel: '${path}': `)).toBe(true);
    expect(message.length).toBeLessThanOrEqual(500);
    expect(message).not.toMatch(/\n/);
    return error as ValueError;
  };
  /** The good file with the text of its architecture wrapped `n` times in `before` … `after`. */
  const wrapArchitecture = (n: number, before: string, after: string): string => {
    const text = goodText();
    const start = text.indexOf('"architecture":') + '"architecture":'.length;
    const end = text.indexOf(',"tensors"');
    return `${text.slice(0, start)}${before.repeat(n)}${text.slice(start, end)}${after.repeat(n)}${text.slice(end)}`;
  };

  describe('nesting', () => {
    test('a file nested 100,000 deep is refused by maxDepth before it is parsed, not a RangeError', () => {
      const modules = write('deep-modules.json', wrapArchitecture(100_000, '{"type":"Residual","module":', '}'));
      expect(loadError(modules).message).toMatch(/arrays and objects nested deeper than maxDepth \(64\) levels, at byte \d+; pass \{maxDepth\} to allow deeper files$/);
      const shape = write('deep-shape.json', goodText().replace('"shape":[3]', `"shape":${'['.repeat(100_000)}${']'.repeat(100_000)}`));
      expect(loadError(shape).message).toMatch(/nested deeper than maxDepth \(64\)/);
    });

    test('a genuine model deeper than the default loads with {maxDepth} raised', () => {
      let model: Module = mlp([2, 3, 2], { seed: 1 });
      for (let i = 0; i < 70; i++) model = new Residual(model);
      const path = join(dir, 'residuals.json');
      saveModel(model, path);
      expect(loadError(path).message).toMatch(/maxDepth \(64\)/);
      const x = inputs(4, 2);
      expect(bytes(predict(loadModel(path, { maxDepth: 100 }), x)).equals(bytes(predict(model, x)))).toBe(true);
    });

    test('deserializeModel refuses deep and cyclic objects built in code', () => {
      const file = JSON.parse(goodText());
      let deep: unknown = file.architecture;
      for (let i = 0; i < 100_000; i++) deep = { type: 'Residual', module: deep };
      expect(() => deserializeModel({ ...file, architecture: deep })).toThrow(/^deserializeModel: arrays and objects nested deeper than maxDepth \(64\) levels, at architecture\.module\.module…\(\d+ more\)…(\.module){4} \(or cyclic\); pass \{maxDepth\} to allow deeper files$/);
      const cyclic: Record<string, unknown> = { type: 'Residual' };
      cyclic.module = cyclic;
      expect(() => deserializeModel({ ...file, architecture: cyclic })).toThrow(/^deserializeModel: .*nested deeper than maxDepth/);
      expect(() => moduleFromConfig(cyclic)).toThrow(/^architecture: .*nested deeper than maxDepth/);
      // A chain of shared objects (each level holding the one below twice) unfolds to 2^60 items.
      let shared: unknown = [];
      for (let i = 0; i < 60; i++) shared = [shared, shared];
      expect(() => deserializeModel({ ...file, extra: shared })).toThrow(/^deserializeModel: more than maxItems \(1000000\) objects, arrays and strings/);
    });

    test('with maxDepth raised beyond what the stack allows, a deep file is still a ValueError', () => {
      const path = write('deeper-than-stack.json', wrapArchitecture(100_000, '{"type":"Residual","module":', '}'));
      expect(loadError(path, { maxDepth: 1_000_000 }).message).toMatch(/Maximum call stack size exceeded/);
    });
  });

  describe('size', () => {
    test('more than maxItems objects, arrays and strings are refused before parsing (85 million {} would exhaust the heap)', () => {
      const path = write('items.json', `[${'{},'.repeat(1_000_000)}{}]`);
      expect(loadError(path).message).toMatch(/more than maxItems \(1000000\) objects, arrays and strings, at byte 2999998; pass \{maxItems\} to allow more$/);
      expect(loadError(write('few-items.json', goodText()), { maxItems: 20 }).message).toMatch(/more than maxItems \(20\)/);
    });

    test('a file larger than maxBytes is refused unread; {maxBytes} raises the limit', () => {
      const huge = write('huge.json', '');
      truncateSync(huge, 300 * 1024 * 1024); // sparse: no 300 MB written
      expect(loadError(huge).message).toMatch(/the file is 314572800 bytes, more than maxBytes \(268435456\); pass \{maxBytes\} to loadModel to read larger files$/);
      const path = write('small.json', goodText());
      const size = statSync(path).size;
      expect(loadError(path, { maxBytes: size - 1 }).message).toMatch(`the file is ${size} bytes, more than maxBytes (${size - 1})`);
      expect(loadModel(path, { maxBytes: size })).toBeInstanceOf(Sequential);
    });

    test('limits must be whole numbers of at least 1', () => {
      const path = write('limits.json', goodText());
      for (const [name, value] of [['maxBytes', 0], ['maxBytes', 1.5], ['maxBytes', 2 ** 40], ['maxDepth', -1], ['maxDepth', NaN], ['maxItems', '10']] as const) {
        expect(loadError(path, { [name]: value }).message).toMatch(new RegExp(`: ${name} must be a whole number from 1 to \\d+, got `));
      }
    });

    test('a tensor of a million values loads (its base64 check once overflowed the regular-expression stack at about 420,000)', () => {
      const values = 1_000_000;
      const file = {
        format: 'adjoint-model', version: 1, encoding: 'base64',
        architecture: { type: 'Dense', inFeatures: 1000, outFeatures: 1000, activation: 'identity', bias: true },
        tensors: {
          weight: { shape: [1000, 1000], data: Buffer.alloc(values * 8).toString('base64') },
          bias: { shape: [1000], data: Buffer.alloc(8000).toString('base64') },
        },
      };
      const loaded = loadModel(write('million.json', JSON.stringify(file))) as Dense;
      expect(loaded.weight.shape).toEqual([1000, 1000]);
    });
  });

  describe('only regular files are read', () => {
    test('a directory', () => {
      const sub = join(dir, 'a-directory.json');
      mkdirSync(sub);
      expect(loadError(sub).message).toMatch(/not a regular file but a directory; model files are regular files$/);
    });

    const unix = process.platform === 'win32' ? test.skip : test;
    unix('/dev/zero is refused at once, not read until memory runs out', () => {
      expect(loadError('/dev/zero').message).toMatch(/^loadModel: '\/dev\/zero': not a regular file but a character device/);
    });

    unix('a FIFO is refused at once; opening it does not wait for a writer', () => {
      const fifo = join(dir, 'fifo.json');
      execFileSync('mkfifo', [fifo]);
      expect(loadError(fifo).message).toMatch(/not a regular file but a FIFO \(named pipe\)/);
    });
  });

  describe('keys are the file\'s own', () => {
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
    test.each(names)('a tensor named %j is an unexpected key, loading into a model or not', (name) => {
      // Inserted into the text: a JS object literal's "__proto__" would set the prototype instead.
      const path = write(`key-${name}.json`, goodText().replace('"tensors":{', `"tensors":{${JSON.stringify(name)}:{"shape":[1],"data":[1]},`));
      expect(loadError(path).message).toMatch(`the file has '${name}', which the model lacks`);
      expect(() => loadModel(path, { into: mlp([2, 3, 1]) })).toThrow(`the file has '${name}', which the model lacks`);
    });

    test.each(names)('a layer type %j is an unknown type', (name) => {
      const path = write(`type-${name}.json`, goodText().replace('"type":"Dense"', `"type":${JSON.stringify(name)}`));
      expect(loadError(path).message).toMatch(`architecture.layers[0]: unknown layer type ${JSON.stringify(name)}; known types are Sequential, Dense`);
    });

    test('a config field is read only from the config itself, not from a "__proto__" in it', () => {
      const path = write('proto-field.json', goodText().replace('"type":"Dense"', '"type":"Dense","__proto__":{"bias":false}').replace(',"bias":true', ''));
      expect(loadError(path).message).toMatch(/architecture\.layers\[0\] \(Dense\): 'bias' must be true or false, got nothing$/);
    });
  });

  test('every message quotes the file in bounded pieces: at most 500 characters, whatever the file holds', () => {
    const long = 'x'.repeat(1_000_000);
    const edits: Array<[string, (f: any) => void]> = [
      ['a huge key', (f) => void (f.tensors[long] = f.tensors['0.bias'])],
      ['many unexpected keys', (f) => { for (let i = 0; i < 10_000; i++) f.tensors[`extra${i}`] = f.tensors['0.bias']; }],
      ['a huge type', (f) => void (f.architecture.layers[0].type = long)],
      ['a huge activation', (f) => void (f.architecture.layers[0].activation = long)],
      ['a huge format', (f) => void (f.format = long)],
      ['a huge version', (f) => void (f.version = long)],
      ['a huge shape', (f) => void (f.tensors['0.bias'].shape = Array(100_000).fill(-1))],
      ['a huge non-number', (f) => void (f.tensors['0.bias'] = { shape: [3], data: [0, long, 0] })],
      ['a huge architecture note', (f) => { f.architecture = null; f.architectureNote = long; }],
      ['a huge option', (f) => void (f.architecture.layers[1].inFeatures = long)],
      ['a huge mismatch', (f) => void (f.architecture.layers[0].activation = long)],
    ];
    for (const [name, edit] of edits) {
      const f = JSON.parse(goodText());
      edit(f);
      const message = loadError(write('bounded.json', JSON.stringify(f)), name === 'a huge mismatch' ? { into: mlp([2, 3, 1]) } : undefined).message;
      expect([name, message.length <= 500]).toEqual([name, true]);
    }
    // A long path is elided in the middle, keeping the file's name.
    let deepDir = dir;
    for (let i = 0; i < 6; i++) deepDir = join(deepDir, 'd'.repeat(150));
    mkdirSync(deepDir, { recursive: true });
    const path = join(deepDir, 'model.json');
    writeFileSync(path, 'not json');
    let message = '';
    try {
      loadModel(path);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^loadModel: '.*…d*[\\/]model\.json': not valid JSON/);
    expect(message.length).toBeLessThanOrEqual(500);
  });
});

describe('model files as bytes (serializeModel / deserializeModel), anywhere', () => {
  test('serializeModel gives the bytes saveModel writes, and deserializeModel reads bytes, text or the object back exactly', () => {
    const model = mlp([3, 5, 2], { activation: 'tanh', seed: 11 });
    const bytes = serializeModel(model);
    expect(bytes).toBeInstanceOf(Uint8Array);
    const dir = mkdtempSync(join(tmpdir(), 'adjoint-bytes-'));
    try {
      saveModel(model, join(dir, 'm.json'));
      expect(Buffer.from(readFileSync(join(dir, 'm.json'))).equals(Buffer.from(bytes))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const x = tensor([[0.1, -0.2, 0.3]]);
    const want = Array.from(predict(model, x).data);
    for (const form of [bytes, new TextDecoder().decode(bytes), toModelFile(model)]) {
      expect(Array.from(predict(deserializeModel(form), x).data)).toEqual(want);
    }
  });

  test('bytes are checked as a file is: size, nesting and JSON', () => {
    const bytes = serializeModel(mlp([2, 2], { seed: 1 }));
    expect(() => deserializeModel(bytes, { maxBytes: 10 })).toThrow(/^deserializeModel: \d+ bytes, more than maxBytes \(10\)/);
    expect(() => deserializeModel(bytes.subarray(0, 40))).toThrow(/^deserializeModel: not valid JSON \(truncated or corrupt\?\)/);
    expect(() => deserializeModel('['.repeat(100_000))).toThrow(/^deserializeModel: arrays and objects nested deeper than maxDepth/);
  });
});
