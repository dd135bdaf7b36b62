/** saveModel / loadModel: exact round trips, the file format, atomic writes and every kind of bad file. */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, Tensor, ValueError, tensor } from '@adjoint/core';
import {
  BatchNorm, Dense, Module, Sequential, Sigmoid, deserializeModel, fit, loadModel, mlp,
  predict, registerLayer, saveModel, serializeModel,
} from '@adjoint/nn';
import { everyLayer } from '../testing/every-layer';

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
    const loaded = deserializeModel(JSON.parse(JSON.stringify(serializeModel(layer, { encoding: 'numbers' })))) as Dense;
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
    const custom = serializeModel(new Sequential([new Dense(2, 2, { activation: (x) => x.mul(2) })]));
    expect(custom.architectureNote).toMatch(/model\.0: Dense\(2 → 2\) has a custom activation function/);
    const shared = new Dense(2, 2);
    expect(serializeModel(new Sequential([shared, shared])).architectureNote).toMatch(/same Dense instance is used at model\.0 and model\.1/);
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
    expect(() => saveModel(mlp([2, 3, 1], { seed: 2 }), path, { writeFile: failing })).toThrow(/saveModel: could not write '.*model\.json': disk full; any previous file there is unchanged/);
    expect(tempPath.startsWith(sub)).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readdirSync(sub)).toEqual(['model.json']);
    saveModel(mlp([2, 3, 1], { seed: 2 }), path);
    expect(readFileSync(path, 'utf8')).not.toBe(before);
    expect(readdirSync(sub)).toEqual(['model.json']);
  });

  test('weights holding NaN are refused before anything is written', () => {
    const model = mlp([2, 3, 1], { seed: 1 });
    model.parameters()[2]!.data[1] = NaN;
    const path = join(dir, 'nan.json');
    expect(() => saveModel(model, path)).toThrow(/serializeModel: '1.weight': element 1 is NaN; model files hold finite numbers only/);
    expect(existsSync(path)).toBe(false);
  });
});

describe('bad files are ValueErrors saying what is wrong', () => {
  const good = () => JSON.parse(JSON.stringify(serializeModel(mlp([2, 3, 1], { seed: 1 }))));
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
      f.architecture.layers[1].type = 'Conv2d';
      return write('unknown.json', f);
    }, /architecture\.layers\[1\]: unknown layer type "Conv2d"; known types are Sequential, Dense/],
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
