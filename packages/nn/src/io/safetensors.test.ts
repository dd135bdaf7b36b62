/** toSafetensors / fromSafetensors: bit-exact round trips, an independent reader, and hostile files. */
import { GradError, Rng, ShapeError, Tensor, ValueError, tensor } from '@adjoint/core';
import {
  BatchNorm, BatchNorm2d, Conv2d, Dense, Flatten, GRU, LSTM, LayerNorm, Module, RNN, ReLU, Sequential, fit, fromSafetensors, mlp, toSafetensors, type AnyModule,
} from '@adjoint/nn';
import { everyLayer, everySequenceLayer } from '../testing/every-layer';

const inputs = (n: number, features: number, seed = 1): Tensor => {
  const rng = new Rng(seed);
  return tensor(Array.from({ length: n }, () => Array.from({ length: features }, () => rng.normal())));
};

/** Every layer kind, trained a little so that BatchNorm's running statistics have moved. */
function trainedModel(): Module {
  const model = everyLayer(6, 3);
  fit(model, { x: inputs(24, 3), y: inputs(24, 3, 2).softmax(), loss: 'mse', optimizer: 'adam', lr: 0.01, epochs: 2, batchSize: 8, progress: false });
  return model;
}

/** Every parameter and buffer's bytes, to compare models bit for bit. */
function snapshot(model: AnyModule): Map<string, string> {
  return new Map([...model.namedParameters(), ...model.namedBuffers()].map(([name, t]) => [name, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex')]));
}

/**
 * A reader written from the format's description alone, sharing no code with the library: the
 * 8-byte little-endian header length, the JSON header, then each tensor's bytes.
 */
function readSafetensors(bytes: Uint8Array): { header: Record<string, any>; headerLength: number; tensors: Map<string, { dtype: string; shape: number[]; values: number[] }> } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('utf8'));
  const base = 8 + headerLength;
  const tensors = new Map<string, { dtype: string; shape: number[]; values: number[] }>();
  for (const [name, info] of Object.entries<any>(header)) {
    if (name === '__metadata__') continue;
    const [begin, end] = info.data_offsets as [number, number];
    const size = info.dtype === 'F64' ? 8 : 4;
    const values: number[] = [];
    for (let at = base + begin; at < base + end; at += size) values.push(size === 8 ? view.getFloat64(at, true) : view.getFloat32(at, true));
    tensors.set(name, { dtype: info.dtype, shape: info.shape, values });
  }
  return { header, headerLength, tensors };
}

/** A file from a header object and data bytes, for crafting damaged ones (no padding unless asked). */
function file(header: unknown, data: Uint8Array = new Uint8Array(0), headerText: string | Uint8Array = JSON.stringify(header)): Uint8Array {
  const json = typeof headerText === 'string' ? Buffer.from(headerText, 'utf8') : headerText;
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}
const f64 = (...values: number[]): Uint8Array => new Uint8Array(Float64Array.from(values).buffer);

describe('toSafetensors', () => {
  test('the independent reader finds every parameter and buffer, by name, with its shape and exact values', () => {
    const model = trainedModel();
    const bytes = toSafetensors(model);
    const { header, headerLength, tensors } = readSafetensors(bytes);
    const expected = [...model.namedParameters(), ...model.namedBuffers()];
    expect([...tensors.keys()].sort()).toEqual(expected.map(([name]) => name).sort());
    expect(expected.map(([name]) => name)).toEqual(expect.arrayContaining(['1.runningMean', '1.runningVar', '0.weight', '3.module.0.weight']));
    for (const [name, t] of expected) {
      const got = tensors.get(name)!;
      expect(got.dtype).toBe('F64');
      expect(got.shape).toEqual([...t.shape]);
      got.values.forEach((v, i) => expect(Object.is(v, t.data[i])).toBe(true));
    }
    // The layout the reference writer uses: no metadata unless given, the header padded with spaces
    // to a multiple of 8, the tensors sorted by name and packed with no gap, the file ending with the last.
    expect(header.__metadata__).toBeUndefined();
    expect(headerLength % 8).toBe(0);
    const text = Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('latin1');
    expect(text.trimEnd()).toBe(JSON.stringify(header));
    expect(/^ *$/.test(text.slice(JSON.stringify(header).length))).toBe(true);
    const names = Object.keys(header);
    expect(names).toEqual([...names].sort());
    let at = 0;
    for (const name of names) {
      expect(header[name].data_offsets[0]).toBe(at);
      at = header[name].data_offsets[1];
    }
    expect(8 + headerLength + at).toBe(bytes.length);
  });

  test("F32 stores each weight rounded to float32; metadata goes into '__metadata__'", () => {
    const model = mlp([3, 4, 2], { seed: 2 });
    const bytes = toSafetensors(model, { dtype: 'F32', metadata: { format: 'pt', source: 'adjoint' } });
    const { header, tensors } = readSafetensors(bytes);
    expect(Object.keys(header)[0]).toBe('__metadata__');
    expect(header.__metadata__).toEqual({ format: 'pt', source: 'adjoint' });
    for (const [name, t] of model.namedParameters()) {
      expect(tensors.get(name)!.dtype).toBe('F32');
      tensors.get(name)!.values.forEach((v, i) => expect(v).toBe(Math.fround(t.data[i]!)));
    }
  });

  test('a tensor shared by two layers is written once, under its first name', () => {
    const shared = new Dense(3, 3, { seed: 1 });
    const { tensors } = readSafetensors(toSafetensors(new Sequential([shared, shared])));
    expect([...tensors.keys()].sort()).toEqual(['0.bias', '0.weight']);
  });

  test('errors: a bad option, a non-finite weight, one beyond float32, metadata that is not strings', () => {
    const model = mlp([2, 2], { seed: 1 });
    expect(() => toSafetensors(model, { dtype: 'F16' as 'F32' })).toThrow("toSafetensors: dtype must be 'F64' or 'F32', got");
    expect(() => toSafetensors(model, { precision: 'F32' } as object)).toThrow(ValueError);
    expect(() => toSafetensors({} as Module)).toThrow('toSafetensors: model must be a Module');
    expect(() => toSafetensors(model, { metadata: { epochs: 3 } as unknown as Record<string, string> })).toThrow("toSafetensors: metadata: 'epochs' must be a string, got number 3");
    model.namedParameters()[1]![1].data[0] = 1e300;
    expect(() => toSafetensors(model, { dtype: 'F32' })).toThrow("toSafetensors: '0.bias' holds 1e+300 at element 0, beyond float32's range; write F64");
    expect(toSafetensors(model).length).toBeGreaterThan(0);
    model.namedParameters()[1]![1].data[1] = NaN;
    expect(() => toSafetensors(model)).toThrow("toSafetensors: '0.bias' holds NaN at element 1; only finite weights are written");
  });
});

describe('fromSafetensors', () => {
  test('round trip: the loaded model holds the same bits, and writes the same bytes', () => {
    const model = trainedModel();
    const bytes = toSafetensors(model);
    const fresh = everyLayer(6, 3);
    expect(snapshot(fresh)).not.toEqual(snapshot(model));
    expect(fromSafetensors(fresh, bytes)).toBe(fresh);
    expect(snapshot(fresh)).toEqual(snapshot(model));
    expect(Buffer.from(toSafetensors(fresh)).equals(Buffer.from(bytes))).toBe(true);
    // F32: the values read back are the rounded ones, and writing them again gives the same file.
    const f32 = toSafetensors(model, { dtype: 'F32' });
    fromSafetensors(fresh, f32);
    for (const [name, t] of [...model.namedParameters(), ...model.namedBuffers()]) {
      const loaded = [...fresh.namedParameters(), ...fresh.namedBuffers()].find(([n]) => n === name)![1];
      loaded.data.forEach((v, i) => expect(v).toBe(Math.fround(t.data[i]!)));
    }
    expect(Buffer.from(toSafetensors(fresh, { dtype: 'F32' })).equals(Buffer.from(f32))).toBe(true);
  });

  test('the 1-D, normalisation and stacked recurrent layers, trained: loaded into a fresh model bit for bit, which writes the same bytes', () => {
    const model = everySequenceLayer();
    const x = inputs(12, 24, 3).reshape([12, 2, 12]);
    fit(model, { x, y: inputs(12, 12, 4), loss: 'mse', optimizer: 'adam', lr: 0.01, epochs: 2, batchSize: 6, progress: false });
    const bytes = toSafetensors(model);
    const { tensors } = readSafetensors(bytes);
    expect([...tensors.keys()]).toEqual(expect.arrayContaining(['imageNorm.runningVar', 'tokenNorm.weight', 'conv.3.weight', 'lstm.weightIhL1Reverse', 'rnn.biasHhL1']));
    expect(tensors.has('tokenNorm.bias')).toBe(false);
    expect(tensors.has('conv.3.bias')).toBe(false);
    const fresh = everySequenceLayer();
    expect(snapshot(fresh)).not.toEqual(snapshot(model));
    fromSafetensors(fresh, bytes);
    expect(snapshot(fresh)).toEqual(snapshot(model));
    expect(Buffer.from(toSafetensors(fresh)).equals(Buffer.from(bytes))).toBe(true);
  });

  test("stacked, bidirectional recurrent layers: every cell under PyTorch's name in camelCase, loaded into a fresh layer bit for bit", () => {
    for (const make of [(seed: number) => new RNN(3, 4, { numLayers: 2, bidirectional: true, seed }), (seed: number) => new LSTM(3, 4, { numLayers: 2, bidirectional: true, seed }), (seed: number) => new GRU(3, 4, { numLayers: 2, bidirectional: true, seed })]) {
      const model = make(1);
      const bytes = toSafetensors(model);
      const { tensors } = readSafetensors(bytes);
      const cells = ['', 'Reverse', 'L1', 'L1Reverse'];
      expect([...tensors.keys()].sort()).toEqual(cells.flatMap((cell) => ['weightIh', 'weightHh', 'biasIh', 'biasHh'].map((base) => `${base}${cell}`)).sort());
      expect(tensors.get('weightIhL1Reverse')!.shape).toEqual([model.weightIh.shape[0], 8]);
      const fresh = make(2);
      expect(snapshot(fresh)).not.toEqual(snapshot(model));
      fromSafetensors(fresh, bytes);
      expect(snapshot(fresh)).toEqual(snapshot(model));
    }
  });

  test("LayerNorm and BatchNorm2d: PyTorch's names in camelCase (weight, bias, runningMean, runningVar), trained statistics loaded bit for bit", () => {
    const make = (seed: number): Sequential => new Sequential([
      new Conv2d(1, 2, 3, { padding: 1, seed }), new BatchNorm2d(2), new ReLU(), new LayerNorm([3, 3], { bias: false }), new Flatten(), new LayerNorm(18), new Dense(18, 2, { seed: seed + 1 }),
    ]);
    const model = make(1);
    fit(model, { x: inputs(8, 9).reshape([8, 1, 3, 3]), y: inputs(8, 2, 2), loss: 'mse', optimizer: 'adam', lr: 0.01, epochs: 2, batchSize: 4, progress: false });
    const bytes = toSafetensors(model);
    const { tensors } = readSafetensors(bytes);
    expect([...tensors].filter(([name]) => /^[135]\./.test(name)).map(([name, t]) => `${name} ${t.shape.join('×')}`).sort()).toEqual([
      '1.bias 2', '1.runningMean 2', '1.runningVar 2', '1.weight 2', '3.weight 3×3', '5.bias 18', '5.weight 18',
    ]);
    const fresh = make(3);
    expect(snapshot(fresh)).not.toEqual(snapshot(model));
    fromSafetensors(fresh, bytes);
    expect(snapshot(fresh)).toEqual(snapshot(model));
    expect(Array.from((fresh.layers[1] as BatchNorm2d).runningMean.data).every((v) => v !== 0)).toBe(true);
  });

  test('an ArrayBuffer, and a Uint8Array that is a view into a larger buffer, load too', () => {
    const model = mlp([2, 3, 1], { seed: 4 });
    const bytes = toSafetensors(model);
    const other = mlp([2, 3, 1], { seed: 5 });
    fromSafetensors(other, bytes.slice().buffer);
    expect(snapshot(other)).toEqual(snapshot(model));
    const padded = new Uint8Array(bytes.length + 13);
    padded.set(bytes, 5);
    const third = mlp([2, 3, 1], { seed: 6 });
    fromSafetensors(third, padded.subarray(5, 5 + bytes.length));
    expect(snapshot(third)).toEqual(snapshot(model));
  });

  test('F16 and BF16 tensors load exactly', () => {
    const layer = new BatchNorm(4);
    // F16: 1, −2, 2⁻²⁴ (the smallest subnormal), 65504 (the largest); BF16: 1, −0.5, 3, 2⁻¹³³ (subnormal).
    const half = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x0001, 0x7bff]).buffer);
    const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0xbf00, 0x4040, 0x0001]).buffer);
    const stats = f64(0, 0, 0, 0, 1, 1, 1, 1);
    const data = new Uint8Array([...half, ...bf16, ...stats]);
    fromSafetensors(layer, file({
      gamma: { dtype: 'F16', shape: [4], data_offsets: [0, 8] },
      beta: { dtype: 'BF16', shape: [4], data_offsets: [8, 16] },
      runningMean: { dtype: 'F64', shape: [4], data_offsets: [16, 48] },
      runningVar: { dtype: 'F64', shape: [4], data_offsets: [48, 80] },
    }, data));
    expect(Array.from(layer.gamma.data)).toEqual([1, -2, 2 ** -24, 65504]);
    expect(Array.from(layer.beta.data)).toEqual([1, -0.5, 3, 2 ** -133]);
  });

  describe('hostile files: a clear error, and the model unchanged', () => {
    const model = mlp([2, 2], { seed: 3 }); // 0.weight [2, 2], 0.bias [2]
    const good = toSafetensors(model);
    const goodHeader = readSafetensors(good).header;
    const weights = good.subarray(good.length - 48);
    const before = snapshot(model);
    afterEach(() => expect(snapshot(model)).toEqual(before));

    const withHeader = (edit: (h: Record<string, any>) => void): Uint8Array => {
      const header = structuredClone(goodHeader);
      edit(header);
      return file(header, weights);
    };
    const setLength = (bytes: Uint8Array, length: bigint): Uint8Array => {
      const copy = bytes.slice();
      new DataView(copy.buffer).setBigUint64(0, length, true);
      return copy;
    };

    test.each<[string, () => Uint8Array, RegExp | string, typeof ValueError]>([
      ['empty', () => new Uint8Array(0), 'fromSafetensors: 0 bytes are too few for a safetensors file', ValueError],
      ['truncated in the length', () => good.subarray(0, 5), '5 bytes are too few', ValueError],
      ['truncated in the header', () => good.subarray(0, 40), /the header length is \d+ bytes, more than the 32 that follow it \(truncated/, ValueError],
      ['truncated in the data', () => good.subarray(0, good.length - 1), /tensor '0.weight' has data_offsets \[16, 48\], past the end of the 47 data bytes \(truncated file\?\)/, ValueError],
      ['a huge header length', () => setLength(good, 0xffffffffffffffffn), 'the header length is 18446744073709551615 bytes, more than the', ValueError],
      ['a header length of 2⁵³ + 1', () => setLength(good, 2n ** 53n + 1n), 'the header length is 9007199254740993 bytes', ValueError],
      ['a header length of 1', () => setLength(good, 1n), 'too short for a JSON object', ValueError],
      ['not JSON', () => file(null, weights, '{"0.weight": {'), 'the header is not valid UTF-8 JSON', ValueError],
      ['not UTF-8', () => file(null, new Uint8Array(0), new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), 'the header is not valid UTF-8 JSON', ValueError],
      ['a JSON list', () => file([1, 2], weights), 'the header must be a JSON object of tensors, got the list [1, 2]', ValueError],
      ['a JSON string', () => file('weights', weights), 'the header must be a JSON object of tensors, got the string "weights"', ValueError],
      ['JSON null', () => file(null, weights), 'the header must be a JSON object of tensors, got null', ValueError],
      ['nested too deep', () => file(null, weights, `{"a":${'['.repeat(100)}${']'.repeat(100)}}`), 'nested deeper than maxDepth (3)', ValueError],
      ['an entry that is not an object', () => withHeader((h) => void (h['0.bias'] = [0, 16])), "tensor '0.bias': expected {dtype, shape, data_offsets}, got the list [0, 16]", ValueError],
      ['an unknown dtype', () => withHeader((h) => void (h['0.bias'].dtype = 'F128')), `tensor '0.bias': unknown dtype "F128"; safetensors dtypes are F64, F32, F16, BF16, BOOL`, ValueError],
      ['an integer dtype', () => withHeader((h) => Object.assign(h['0.bias'], { dtype: 'I64' })), "tensor '0.bias' has dtype I64; the model's weights are floating point: F64, F32, F16 or BF16", ValueError],
      ['a dtype of the wrong size', () => withHeader((h) => void (h['0.bias'].dtype = 'F32')), "tensor '0.bias': shape [2] of F32 needs 8 bytes, but data_offsets [0, 16] hold 16", ValueError],
      ['a shape of the wrong size', () => withHeader((h) => void (h['0.weight'].shape = [2, 3])), "tensor '0.weight': shape [2, 3] of F64 needs 48 bytes, but data_offsets [16, 48] hold 32", ValueError],
      ['a huge shape', () => withHeader((h) => void (h['0.weight'].shape = [2 ** 40, 2 ** 40])), 'needs 9.671406556917033e+24 bytes', ValueError],
      ['a negative size', () => withHeader((h) => void (h['0.weight'].shape = [-2, -2])), "tensor '0.weight': shape must be a list of whole numbers ≥ 0, got [-2, -2]", ValueError],
      ['a fractional size', () => withHeader((h) => void (h['0.weight'].shape = [1.5, 2])), 'shape must be a list of whole numbers ≥ 0, got [1.5, 2]', ValueError],
      ['an infinite number (1e999 in the text)', () => file(null, weights, JSON.stringify(goodHeader).replace('[2,2]', '[1e999,2]')), 'shape must be a list of whole numbers ≥ 0, got [Infinity, 2]', ValueError],
      ['NaN in the text', () => file(null, weights, JSON.stringify(goodHeader).replace('[2,2]', '[NaN,2]')), 'the header is not valid UTF-8 JSON', ValueError],
      ['a size as a string', () => withHeader((h) => void (h['0.weight'].shape = ['2', 2])), 'shape must be a list of whole numbers ≥ 0, got ["2", 2]', ValueError],
      ['offsets that end before they begin', () => withHeader((h) => void (h['0.bias'].data_offsets = [16, 0])), "tensor '0.bias': data_offsets [16, 0] end before they begin", ValueError],
      ['three offsets', () => withHeader((h) => void (h['0.bias'].data_offsets = [0, 8, 16])), 'data_offsets must be [begin, end], two whole numbers ≥ 0, got [0, 8, 16]', ValueError],
      ['overlapping tensors', () => withHeader((h) => void (h['0.bias'].data_offsets = [8, 24])), "tensors '0.bias' and '0.weight' overlap (their data ends at 24 and begins at 16)", ValueError],
      ['two tensors on the same bytes', () => withHeader((h) => void (h['0.bias'].data_offsets = [16, 32])), "overlap (their data ends at 32 and begins at 16)", ValueError],
      ['a gap', () => withHeader((h) => Object.assign(h['0.weight'], { shape: [3], data_offsets: [24, 48] })), "bytes 16 to 24 of the data belong to no tensor (a gap before '0.weight')", ValueError],
      ['trailing bytes', () => file(goodHeader, new Uint8Array([...weights, 1, 2, 3])), "the tensors' data ends at byte 48, but the file has 51 data bytes (3 left over)", ValueError],
      ['metadata that is not strings', () => withHeader((h) => void (h.__metadata__ = { epochs: 3 })), "the header's __metadata__: 'epochs' must be a string, got number 3", ValueError],
      ['a missing tensor', () => file({ '0.weight': { dtype: 'F64', shape: [2, 2], data_offsets: [0, 32] } }, weights.subarray(16)), "the file lacks '0.bias', which the model has", ValueError],
      ['an unexpected tensor', () => withHeader((h) => void (h.extra = { dtype: 'F64', shape: [0], data_offsets: [48, 48] })), "the file has 'extra', which the model lacks", ValueError],
      ['a tensor named __proto__', () => file(null, weights, JSON.stringify(goodHeader).replace('}}', '},"__proto__":{"dtype":"F64","shape":[0],"data_offsets":[48,48]}}')), "the file has '__proto__', which the model lacks", ValueError],
      ['a wrong shape', () => withHeader((h) => void (h['0.bias'].shape = [1, 2])), "fromSafetensors: tensor '0.bias' has shape [1, 2] in the file but the model expects [2]", ShapeError],
      ['a NaN weight', () => file(goodHeader, new Uint8Array([...weights.subarray(0, 40), ...f64(NaN)])), "tensor '0.weight' holds NaN at element 3; weights must be finite", ValueError],
    ])('%s', (_, make, message, kind) => {
      const bytes = make();
      expect(() => fromSafetensors(model, bytes)).toThrow(kind);
      expect(() => fromSafetensors(model, bytes)).toThrow(message);
    });

    test("a PyTorch Linear weight ([out, in]) is named as the transpose of Dense's", () => {
      const layer = new Dense(3, 2, { seed: 1 });
      const linear = file({ bias: { dtype: 'F64', shape: [2], data_offsets: [0, 16] }, weight: { dtype: 'F64', shape: [2, 3], data_offsets: [16, 64] } }, new Uint8Array(64));
      expect(() => fromSafetensors(layer, linear)).toThrow(ShapeError);
      expect(() => fromSafetensors(layer, linear)).toThrow("tensor 'weight' has shape [2, 3] in the file but the model expects [3, 2] (its transpose: a PyTorch Linear weight is [out, in]");
    });

    test('a header longer than 100 MB is refused unread', () => {
      const big = new Uint8Array(100_000_016);
      new DataView(big.buffer).setBigUint64(0, 100_000_001n, true);
      expect(() => fromSafetensors(model, big)).toThrow('the header length is 100000001 bytes, more than the 100000000 a safetensors header may have');
    });

    test('not bytes, not a module', () => {
      expect(() => fromSafetensors(model, 'weights' as unknown as Uint8Array)).toThrow('fromSafetensors: bytes must be a Uint8Array (a file\'s contents) or an ArrayBuffer, got string weights');
      expect(() => fromSafetensors(null as unknown as Module, good)).toThrow('fromSafetensors: model must be a Module, got null');
    });
  });
});

test('fromSafetensors counts its writes: a backward through a graph made before the load is a GradError', () => {
  const model = mlp([2, 3, 1], { seed: 0 });
  const loss = model.forward(tensor([[1, 2]])).sum();
  fromSafetensors(model, toSafetensors(mlp([2, 3, 1], { seed: 1 })));
  expect(() => loss.backward()).toThrow(GradError);
});
