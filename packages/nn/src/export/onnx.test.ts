/** @jest-environment ./test/support/native-typed-arrays.environment.cjs */
/**
 * exportOnnx: the file's structure (read back with a protobuf reader), its errors, and — where
 * onnxruntime-node is installed (npm run references; CI installs it) — every exported model run in
 * ONNX Runtime, its outputs equal to adjoint's within 1e-9 in double and 1e-5 in float.
 */
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { Rng, ShapeError, Tensor, ValueError, noGrad, tensor } from '@adjoint/core';
import {
  AvgPool1d, AvgPool2d, BatchNorm, BatchNorm2d, Conv1d, Conv2d, ConvTranspose2d, Dense, Dropout, ELU, Embedding, Flatten, GELU, GRU, Identity, LSTM, LayerNorm, LeakyReLU, MaxPool1d, MaxPool2d, Module,
  RNN, ReLU, Residual, Sequential, SiLU, Sigmoid, Softmax, Softplus, Tanh, exportOnnx, fit, mlp, type ActivationName, type AnyModule,
} from '@adjoint/nn';
import { AdaptiveAvgPool2d, AdaptiveMaxPool2d, GroupNorm, InstanceNorm2d, PixelShuffle, PixelUnshuffle, Upsample } from '@adjoint/nn';
import { everyLayer } from '../testing/every-layer';
import { ONNX_RUNTIME_MISSING, onnxRuntime, runOnnx } from '../testing/onnx-runtime';
import { GraphBuilder } from './onnx-graph';
import { checkWeightBytes } from './onnx';

const inputs = (shape: number[], seed = 1, scale = 1): Tensor => {
  const rng = new Rng(seed);
  return tensor(Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * rng.normal()), { shape });
};

/** A GroupNorm or InstanceNorm2d whose weight and bias are not ones and zeros. */
function randomAffine<M extends GroupNorm | InstanceNorm2d>(layer: M, seed: number): M {
  layer.weight!.data.set(inputs(layer.weight!.shape as number[], seed).data);
  layer.bias!.data.set(inputs(layer.bias!.shape as number[], seed + 1).data);
  return layer;
}

/** An InstanceNorm2d that tracks running statistics, trained a little so that they have moved. */
function trackedInstanceNorm(channels: number): InstanceNorm2d {
  const norm = randomAffine(new InstanceNorm2d(channels, { affine: true, trackRunningStats: true, momentum: 0.5 }), 60);
  noGrad(() => norm.forward(inputs([3, channels, 3, 2], 61, 3)));
  return norm;
}

/** Every layer kind, trained a little so that BatchNorm's running statistics have moved. */
function trainedEveryLayer(): Module {
  const model = everyLayer(6, 3);
  fit(model, { x: inputs([24, 3]), y: inputs([24, 3], 2).softmax(), loss: 'mse', optimizer: 'adam', lr: 0.01, epochs: 2, batchSize: 8, progress: false });
  return model;
}

/** Every named activation but 'gelu' (exact GELU needs Erf, which ONNX Runtime runs in float only: see everyActivationWithGelu). */
const ACTIVATIONS: ActivationName[] = ['relu', 'tanh', 'sigmoid', 'leakyRelu', 'elu', 'silu', 'softplus', 'identity', 'softmax'];

/** A Dense layer with each named activation in `names`, one after the other, and one without bias. */
function everyActivation(names: readonly ActivationName[] = ACTIVATIONS): Module {
  return new Sequential([
    ...names.map((activation, i) => new Dense(i === 0 ? 4 : 5, 5, { activation, seed: 10 + i })),
    new Dense(5, 3, { bias: false, seed: 30 }),
  ]);
}

/** Every named activation, 'gelu' among them: exported in float. */
const everyActivationWithGelu = (): Module => everyActivation(['gelu', ...ACTIVATIONS]);

/** The activation modules, with non-default parameters, and a softmax over the batch axis (exact GELU apart: see withExactGelu). */
function activationModules(): Module {
  return new Sequential([
    new Dense(4, 6, { seed: 1 }), new ReLU(), new Dense(6, 6, { seed: 2 }), new Sigmoid(), new Dense(6, 6, { seed: 3 }),
    new Softplus(), new LeakyReLU(0.3), new ELU(0.7), new SiLU(), new Dense(6, 6, { seed: 4 }), new GELU({ approximate: 'tanh' }),
    new Tanh(), new Identity(), new Softmax(0),
  ]);
}

/** Exact GELU as a module, after SiLU and the tanh GELU: exported in float. */
const withExactGelu = (): Module => new Sequential([new Dense(4, 6, { seed: 1 }), new GELU(), new Dense(6, 6, { seed: 2 }), new SiLU(), new GELU({ approximate: 'tanh' })]);

interface Case {
  name: string;
  model: () => AnyModule;
  inputShape: Array<number | string>;
  /** Inputs to run, each with the shape the model takes (named sizes varied). */
  runs: Tensor[];
  /** The precisions the model exports in (both by default; the recurrent layers in float only). */
  dtypes?: ReadonlyArray<'float64' | 'float32'>;
  /** Whether the input is indices (int64 in ONNX). */
  indices?: boolean;
}

/** Integer indices in [0, n) of `shape`. */
const indices = (shape: number[], n: number, seed: number): Tensor => {
  const rng = new Rng(seed);
  return tensor(Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.floor(rng.uniform(0, n))), { shape });
};

const CASES: Case[] = [
  { name: 'every named activation in Dense, a Dense without bias', model: everyActivation, inputShape: ['batch', 4], runs: [inputs([5, 4]), inputs([1, 4], 2)] },
  { name: 'every layer kind (BatchNorm, Dropout, Residual, activation modules) after training', model: trainedEveryLayer, inputShape: ['batch', 3], runs: [inputs([7, 3], 3), inputs([2, 3], 4)] },
  { name: 'the activation modules, softmax over the batch axis', model: activationModules, inputShape: ['batch', 4], runs: [inputs([6, 4], 5, 2)] },
  { name: 'large inputs through the saturating activations', model: everyActivation, inputShape: ['batch', 4], runs: [inputs([9, 4], 6, 40)] },
  {
    name: "every named activation with 'gelu' (Erf: float only)",
    model: everyActivationWithGelu,
    inputShape: ['batch', 4],
    runs: [inputs([5, 4]), inputs([9, 4], 6, 40)],
    dtypes: ['float32'],
  },
  { name: 'GELU (exact: Erf, float only), SiLU, GELU (tanh)', model: withExactGelu, inputShape: ['batch', 4], runs: [inputs([6, 4], 5, 2), inputs([3, 4], 6, 40)], dtypes: ['float32'] },
  {
    name: 'rank-3 inputs (MatMul and Add, BatchNorm over the last axis)',
    model: () => new Sequential([new Dense(4, 5, { activation: 'elu', seed: 1 }), trainedBatchNorm(5), new Residual(new Dense(5, 5, { activation: 'tanh', seed: 2 }))]),
    inputShape: ['batch', 'time', 4],
    runs: [inputs([3, 2, 4], 7), inputs([2, 5, 4], 8)],
  },
  { name: 'a single sample (rank 1, fixed size)', model: () => mlp([4, 8, 2], { activation: 'softplus', seed: 4 }), inputShape: [4], runs: [inputs([4], 9)] },
  { name: 'a model that is the identity in inference (Dropout)', model: () => new Dropout(0.5), inputShape: ['n', 3], runs: [inputs([4, 3], 10)] },
  { name: 'a layer used twice (one initializer)', model: () => { const shared = new Dense(3, 3, { activation: 'tanh', seed: 5 }); return new Sequential([shared, shared]); }, inputShape: [2, 3], runs: [inputs([2, 3], 11)] },
  { name: 'Flatten of a rank-3 input', model: () => new Sequential([new Flatten(), new Dense(6, 2, { activation: 'sigmoid', seed: 6 })]), inputShape: ['batch', 2, 3], runs: [inputs([4, 2, 3], 12)] },
  {
    name: 'Embedding (int64 indices in), Flatten, Dense',
    model: () => new Sequential([new Embedding(10, 4, { seed: 7 }), new Flatten(), new Dense(12, 3, { activation: 'softmax', seed: 8 })]),
    inputShape: ['batch', 3],
    runs: [indices([5, 3], 10, 13), indices([1, 3], 10, 14)],
    indices: true,
  },
  {
    name: 'a CNN: Conv2d (padding, stride, dilation, groups, \'same\', no bias), MaxPool2d, AvgPool2d, Flatten, Dense',
    model: () => new Sequential([
      new Conv2d(2, 4, 3, { padding: 1, seed: 1 }), new ReLU(), new MaxPool2d(2),
      new Conv2d(4, 4, [3, 2], { stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2, bias: false, seed: 2 }), new Tanh(),
      new Conv2d(4, 3, 2, { padding: 'same', seed: 3 }), new AvgPool2d([2, 3], { stride: 1, padding: 1 }),
      new Flatten(), new Dense(36, 2, { seed: 4 }),
    ]),
    inputShape: ['batch', 2, 12, 10],
    runs: [inputs([3, 2, 12, 10], 21), inputs([1, 2, 12, 10], 22)],
    dtypes: ['float32'],
  },
  {
    name: 'a decoder: ConvTranspose2d (stride, padding, outputPadding, dilation, groups, no bias), then a named image size',
    model: () => new Sequential([
      new ConvTranspose2d(2, 4, 4, { stride: 2, padding: 1, seed: 45 }), new ReLU(),
      new ConvTranspose2d(4, 2, [3, 2], { stride: [2, 3], padding: [1, 0], outputPadding: [1, 2], dilation: [1, 2], groups: 2, bias: false, seed: 46 }),
    ]),
    inputShape: ['batch', 2, 'height', 'width'],
    runs: [inputs([2, 2, 3, 4], 47), inputs([1, 2, 5, 2], 48)],
    dtypes: ['float32'],
  },
  {
    name: 'a named length that must be at least a kernel (Conv1d of 5, MaxPool1d of 3): exported, and run at lengths 9 and 7',
    model: () => new Sequential([new Conv1d(2, 3, 5, { seed: 41 }), new MaxPool1d(3)]),
    inputShape: ['batch', 2, 'length'],
    runs: [inputs([2, 2, 9], 42), inputs([1, 2, 7], 43)],
    dtypes: ['float32'],
  },
  {
    name: 'named image sides that must be at least a kernel (Conv2d of 5, MaxPool2d of 2): exported, and run at 8×6 and 12×12',
    model: () => new Sequential([new Conv2d(1, 2, 5, { seed: 44 }), new MaxPool2d(2)]),
    inputShape: ['batch', 1, 'height', 'width'],
    runs: [inputs([2, 1, 8, 6], 45), inputs([1, 1, 12, 12], 46)],
    dtypes: ['float32'],
  },
  { name: 'a 1-D CNN: Conv1d (padding, dilation, groups; \'same\' with an even kernel, no bias), ReLU, MaxPool1d, AvgPool1d, Flatten, Dense', model: conv1dModel, inputShape: ['batch', 2, 12], runs: [inputs([3, 2, 12], 34), inputs([1, 2, 12], 35)], dtypes: ['float32'] },
  { name: 'MaxPool1d with padding and stride (double kernels)', model: () => new Sequential([new MaxPool1d(3, { stride: 2, padding: 1 }), new Flatten()]), inputShape: ['batch', 2, 'length'], runs: [inputs([2, 2, 9], 36), inputs([1, 2, 4], 37)] },
  { name: 'MaxPool2d with padding and stride (double kernels)', model: () => new Sequential([new MaxPool2d(3, { stride: 2, padding: 1 }), new Flatten()]), inputShape: ['batch', 2, 7, 6], runs: [inputs([2, 2, 7, 6], 23)] },
  {
    name: 'a U-Net block (double): GroupNorm, SiLU, PixelUnshuffle, InstanceNorm2d (running statistics and not), PixelShuffle, AdaptiveMaxPool2d, AdaptiveAvgPool2d',
    model: () => new Sequential([
      randomAffine(new GroupNorm(2, 4), 50), new SiLU(), new PixelUnshuffle(2), trackedInstanceNorm(16), new InstanceNorm2d(16, { affine: true }),
      new PixelShuffle(2), new AdaptiveMaxPool2d([3, 2]), new AdaptiveAvgPool2d([2, null]), new GroupNorm(1, 4, { affine: false }),
    ]),
    inputShape: ['batch', 4, 6, 4],
    runs: [inputs([3, 4, 6, 4], 51, 2), inputs([1, 4, 6, 4], 52)],
    // In float, an instance of 6 values with a small spread amplifies float32 rounding past 1e-5: see the next case.
    dtypes: ['float64'],
  },
  {
    name: 'GroupNorm, InstanceNorm2d (running statistics, and its own), each on random images',
    model: () => new Sequential([trackedInstanceNorm(6), randomAffine(new GroupNorm(3, 6), 62), new InstanceNorm2d(6, { affine: true })]),
    inputShape: ['batch', 6, 'height', 'width'],
    runs: [inputs([2, 6, 5, 4], 63, 2), inputs([1, 6, 3, 7], 64)],
  },
  {
    name: 'AdaptiveAvgPool2d: global (ReduceMean, named sides) and windows of two sizes (MatMul); AdaptiveMaxPool2d global (ReduceMax)',
    model: () => new Sequential([new AdaptiveAvgPool2d([3, 4]), new AdaptiveMaxPool2d(1)]),
    inputShape: ['batch', 2, 7, 9],
    runs: [inputs([2, 2, 7, 9], 53)],
  },
  { name: 'AdaptiveAvgPool2d(1) on named sides', model: () => new Sequential([new AdaptiveAvgPool2d(1), new Flatten()]), inputShape: ['batch', 3, 'height', 'width'], runs: [inputs([2, 3, 5, 7], 54), inputs([1, 3, 2, 2], 55)] },
  {
    name: 'Upsample (Resize, float): nearest by 2 on named sides, bilinear by [1, 4], bilinear with aligned corners to twice a fixed size',
    model: () => new Sequential([
      new Upsample({ scaleFactor: 2 }), new Upsample({ scaleFactor: [1, 4], mode: 'bilinear' }),
    ]),
    inputShape: ['batch', 2, 'height', 'width'],
    runs: [inputs([2, 2, 3, 4], 56), inputs([1, 2, 5, 2], 57)],
    dtypes: ['float32'],
  },
  {
    name: 'Upsample (Resize, float): to a size twice a fixed one, nearest and bilinear with aligned corners',
    model: () => new Sequential([new Upsample({ size: [6, 8] }), new Upsample({ size: [12, 16], mode: 'bilinear', alignCorners: true })]),
    inputShape: ['batch', 2, 3, 4],
    runs: [inputs([2, 2, 3, 4], 58)],
    dtypes: ['float32'],
  },
  { name: 'RNN (tanh)', model: () => new RNN(3, 5, { seed: 1 }), inputShape: ['batch', 'time', 3], runs: [inputs([4, 6, 3], 15), inputs([1, 2, 3], 16)], dtypes: ['float32'] },
  { name: 'RNN (relu)', model: () => new RNN(3, 5, { nonlinearity: 'relu', seed: 2 }), inputShape: ['batch', 'time', 3], runs: [inputs([3, 5, 3], 17)], dtypes: ['float32'] },
  { name: 'LSTM (gates i f g o → i o f c)', model: () => new LSTM(3, 4, { seed: 3 }), inputShape: ['batch', 'time', 3], runs: [inputs([4, 7, 3], 18), inputs([2, 1, 3], 19)], dtypes: ['float32'] },
  { name: 'GRU (gates r z n → z r h, linear_before_reset)', model: () => new GRU(3, 4, { seed: 4 }), inputShape: ['batch', 'time', 3], runs: [inputs([5, 6, 3], 20)], dtypes: ['float32'] },
  ...recurrentStacks(),
  {
    name: 'a CNN: Conv2d, BatchNorm2d (trained), ReLU, Flatten, Dense',
    model: () => new Sequential([new Conv2d(2, 3, 3, { padding: 1, seed: 5 }), trainedBatchNorm2d(3), new ReLU(), new Flatten(), new Dense(3 * 5 * 4, 2, { seed: 6 })]),
    inputShape: ['batch', 2, 5, 4],
    runs: [inputs([3, 2, 5, 4], 24), inputs([1, 2, 5, 4], 25)],
    dtypes: ['float32'],
  },
  {
    name: 'BatchNorm2d without a convolution (double kernels), H·W = 1 too',
    model: () => new Sequential([trainedBatchNorm2d(3), new MaxPool2d(2), new Flatten()]),
    inputShape: ['batch', 3, 'height', 'width'],
    runs: [inputs([2, 3, 4, 6], 26, 3), inputs([3, 3, 2, 2], 27)],
  },
  {
    name: 'BatchNorm2d with a running variance far below ε (ε exact in double)',
    model: () => {
      const bn = trainedBatchNorm2d(2);
      bn.runningVar.data.set([1e-9, 3e-8]);
      return new Sequential([bn, new Flatten()]);
    },
    inputShape: ['batch', 2, 3, 3],
    runs: [inputs([2, 2, 3, 3], 28)],
  },
  {
    name: 'an MLP with LayerNorm (one without bias)',
    model: () => new Sequential([
      new Dense(4, 8, { seed: 7 }), randomized(new LayerNorm(8)), new ReLU(), new Dense(8, 8, { seed: 8 }), randomized(new LayerNorm(8, { eps: 1e-3, bias: false })), new Dense(8, 3, { seed: 9 }),
    ]),
    inputShape: ['batch', 4],
    runs: [inputs([5, 4], 29, 2), inputs([1, 4], 30)],
  },
  {
    name: 'LayerNorm over the last two axes of images, then over the last without affine',
    model: () => new Sequential([randomized(new LayerNorm([3, 4])), new LayerNorm(4, { elementwiseAffine: false }), new Flatten()]),
    inputShape: ['batch', 2, 3, 4],
    runs: [inputs([3, 2, 3, 4], 31, 5), inputs([1, 2, 3, 4], 32)],
  },
  {
    name: 'LayerNorm of rows whose variance is about ε (ε exact in double: its float32 rounding would move outputs by ~1e-8)',
    model: () => randomized(new LayerNorm(6)),
    inputShape: ['batch', 6],
    runs: [inputs([4, 6], 33, 3e-3)],
  },
];

/** Conv1d → ReLU → MaxPool1d → Conv1d → AvgPool1d → Flatten → Dense on sequences [N, 2, 12] (lengths 12, 6, 6, 7). */
function conv1dModel(): Module {
  return new Sequential([
    new Conv1d(2, 4, 3, { padding: 2, dilation: 2, groups: 2, seed: 1 }), new ReLU(), new MaxPool1d(3, { stride: 2, padding: 1 }),
    new Conv1d(4, 3, 4, { padding: 'same', bias: false, seed: 2 }), new AvgPool1d(2, { stride: 1, padding: 1 }),
    new Flatten(), new Dense(21, 2, { seed: 3 }),
  ]);
}

/** A BatchNorm2d whose running statistics, weight and bias are not the initial ones and zeros. */
function trainedBatchNorm2d(channels: number): BatchNorm2d {
  const bn = new BatchNorm2d(channels, { eps: 1e-3, momentum: 0.3 });
  for (let i = 0; i < 4; i++) bn.forward(inputs([3, channels, 2, 3], 40 + i, 2).add(1));
  bn.weight.data.set(inputs([channels], 44).data);
  bn.bias.data.set(inputs([channels], 45).data);
  return bn;
}

/** `norm` with a weight and bias drawn at random (where it has them). */
function randomized(norm: LayerNorm): LayerNorm {
  norm.weight?.data.set(inputs([...norm.normalizedShape], 46).data);
  norm.bias?.data.set(inputs([...norm.normalizedShape], 47).data);
  return norm;
}

/**
 * RNN, LSTM and GRU with 2 layers, bidirectional, and both (with dropout, the identity in
 * inference): a chain of nodes, direction "bidirectional", states [numLayers·D, batch, hidden].
 */
function recurrentStacks(): Case[] {
  const kinds = [
    ['RNN (relu)', (o: object) => new RNN(3, 4, { nonlinearity: 'relu', ...o })],
    ['LSTM', (o: object) => new LSTM(3, 4, o)],
    ['GRU', (o: object) => new GRU(3, 4, o)],
  ] as const;
  const stacks = [['2 layers', { numLayers: 2 }], ['bidirectional', { bidirectional: true }], ['3 layers, bidirectional, dropout', { numLayers: 3, bidirectional: true, dropout: 0.5 }]] as const;
  return kinds.flatMap(([kind, make], k) => stacks.map(([stack, options], s): Case => ({
    name: `${kind}, ${stack}`,
    model: () => make({ ...options, seed: 40 + 3 * k + s }),
    inputShape: ['batch', 'time', 3],
    runs: [inputs([4, 6, 3], 50 + 3 * k + s), inputs([1, 1, 3], 60 + 3 * k + s)],
    dtypes: ['float32'],
  })));
}

/** A BatchNorm whose running statistics are not the initial zeros and ones. */
function trainedBatchNorm(features: number): BatchNorm {
  const bn = new BatchNorm(features, { eps: 1e-3 });
  for (let i = 0; i < 5; i++) bn.forward(inputs([8, features], 20 + i, 3).add(1));
  bn.gamma.data.set(inputs([features], 30).data);
  bn.beta.data.set(inputs([features], 31).data);
  return bn;
}

/**
 * The fields of one protobuf message, by number: varints as bigint, 32- and 64-bit values as
 * numbers, length-delimited ones as bytes (a nested message, a string or packed data).
 */
function fields(bytes: Uint8Array): Map<number, Array<bigint | number | Uint8Array>> {
  const reader = new BinaryReader(bytes);
  const out = new Map<number, Array<bigint | number | Uint8Array>>();
  while (reader.pos < reader.len) {
    const [no, type] = reader.tag();
    const value = type === WireType.Varint ? BigInt(reader.uint64()) : type === WireType.Bit32 ? reader.float() : type === WireType.Bit64 ? reader.double() : reader.bytes();
    const known = out.get(no);
    if (known === undefined) out.set(no, [value]);
    else known.push(value);
  }
  return out;
}
const text = (b: unknown): string => new TextDecoder().decode(b as Uint8Array);

/** The graph's nodes in order: op type, input names and attributes (floats, ints and lists of ints by name). */
function nodesOf(bytes: Uint8Array): Array<{ op: string; inputs: string[]; attributes: Record<string, number | number[]> }> {
  const graph = fields(fields(bytes).get(7)![0] as Uint8Array);
  return (graph.get(1) ?? []).map((n) => {
    const node = fields(n as Uint8Array);
    const attributes = Object.fromEntries((node.get(5) ?? []).map((a) => {
      const f = fields(a as Uint8Array);
      const type = Number(f.get(20)![0]); // AttributeProto.type: 1 FLOAT, 2 INT, 7 INTS
      const int64 = (v: unknown): number => Number(BigInt.asIntN(64, v as bigint)); // varints are read unsigned
      const value = type === 1 ? ((f.get(2)?.[0] as number | undefined) ?? 0) : type === 2 ? int64(f.get(3)?.[0] ?? 0n) : (f.get(8) ?? []).map(int64);
      return [text(f.get(1)![0]), value];
    }));
    return { op: text(node.get(4)![0]), inputs: (node.get(1) ?? []).map(text), attributes };
  });
}

/** What a test reads from an exported file: opset, ops, initializers, inputs and outputs. */
function describeFile(bytes: Uint8Array) {
  const model = fields(bytes);
  const graph = fields(model.get(7)![0] as Uint8Array);
  const opset = fields(model.get(8)![0] as Uint8Array);
  const valueInfo = (b: unknown) => {
    const info = fields(b as Uint8Array);
    const tensorType = fields(fields(info.get(2)![0] as Uint8Array).get(1)![0] as Uint8Array);
    const dims = (fields(tensorType.get(2)![0] as Uint8Array).get(1) ?? []).map((d) => {
      const dim = fields(d as Uint8Array);
      return dim.has(1) ? Number(dim.get(1)![0]) : text(dim.get(2)![0]);
    });
    return { name: text(info.get(1)![0]), elemType: Number(tensorType.get(1)![0]), dims };
  };
  return {
    irVersion: Number(model.get(1)![0]),
    opset: { domain: opset.has(1) ? text(opset.get(1)![0]) : '', version: Number(opset.get(2)![0]) },
    ops: (graph.get(1) ?? []).map((n) => text(fields(n as Uint8Array).get(4)![0])),
    initializers: new Map((graph.get(5) ?? []).map((t) => {
      const f = fields(t as Uint8Array);
      return [text(f.get(8)![0]), { dims: (f.get(1) ?? []).map(Number), dataType: Number(f.get(2)![0]), raw: f.get(9)![0] as Uint8Array }];
    })),
    inputs: (graph.get(11) ?? []).map(valueInfo),
    outputs: (graph.get(12) ?? []).map(valueInfo),
  };
}

describe('exportOnnx: the file', () => {
  test('opset 17, IR 8; input and output typed with their named sizes; weights under their dotted names, exact in double', () => {
    const model = trainedEveryLayer();
    const file = describeFile(exportOnnx(model, { inputShape: ['batch', 3] }));
    expect(file.irVersion).toBe(8);
    expect(file.opset).toEqual({ domain: '', version: 17 });
    expect(file.inputs).toEqual([{ name: 'input', elemType: 11, dims: ['batch', 3] }]);
    expect(file.outputs).toEqual([{ name: 'output', elemType: 11, dims: ['batch', 3] }]);
    for (const [name, t] of [...model.namedParameters(), ...model.namedBuffers()]) {
      const init = file.initializers.get(name)!;
      expect(init.dims).toEqual([...t.shape]);
      expect(init.dataType).toBe(11);
      expect(Buffer.from(init.raw).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))).toBe(true);
    }
  });

  test('in double, no operator ONNX Runtime lacks a double kernel for; in float, the native ones', () => {
    const double = describeFile(exportOnnx(everyActivation(), { inputShape: ['batch', 4] })).ops;
    expect(double.filter((op) => ['Elu', 'Softplus', 'LeakyRelu', 'Conv', 'AveragePool'].includes(op))).toEqual([]);
    expect(new Set(double)).toEqual(new Set(['Gemm', 'Relu', 'Tanh', 'Sigmoid', 'Mul', 'Greater', 'Where', 'Exp', 'Sub', 'Abs', 'Neg', 'Add', 'Log', 'Softmax', 'MatMul', 'Equal']));
    const single = describeFile(exportOnnx(everyActivation(), { inputShape: ['batch', 4], dtype: 'float32' }));
    expect(single.ops).toEqual(expect.arrayContaining(['LeakyRelu', 'Elu']));
    expect(single.inputs[0]!.elemType).toBe(1);
    expect([...single.initializers.values()].every((t) => t.dataType === 1)).toBe(true);
  });

  test('Dense is one Gemm for rows; BatchNorm is BatchNormalization in float, composed in double', () => {
    const model = new Sequential([new Dense(3, 4, { seed: 1 }), new BatchNorm(4)]);
    expect(describeFile(exportOnnx(model, { inputShape: ['batch', 3], dtype: 'float32' })).ops).toEqual(['Gemm', 'BatchNormalization']);
    expect(describeFile(exportOnnx(model, { inputShape: ['batch', 3] })).ops).toEqual(['Gemm', 'Add', 'Sqrt', 'Sub', 'Div', 'Mul', 'Add']);
  });

  test('BatchNorm2d: BatchNormalization on the running statistics, epsilon ε in float; in double ε added to the running variance in double and epsilon 0', () => {
    const cnn = new Sequential([new Conv2d(1, 2, 3, { seed: 1 }), new BatchNorm2d(2, { eps: 1e-3 }), new ReLU(), new Flatten()]);
    const single = exportOnnx(cnn, { inputShape: ['batch', 1, 5, 5] });
    const nodes = nodesOf(single);
    expect(nodes.map((n) => n.op)).toEqual(['Conv', 'BatchNormalization', 'Relu', 'Flatten']);
    expect(nodes[1]!.inputs.slice(1)).toEqual(['1.weight', '1.bias', '1.runningMean', '1.runningVar']);
    expect(nodes[1]!.attributes.epsilon).toBe(Math.fround(1e-3));
    expect(describeFile(single).outputs).toEqual([{ name: 'output', elemType: 1, dims: ['batch', 18] }]);
    const bn = new BatchNorm2d(3, { eps: 1e-3 });
    bn.forward(inputs([2, 3, 2, 2], 1));
    const double = exportOnnx(bn, { inputShape: ['batch', 3, 'h', 'w'] });
    const doubleNodes = nodesOf(double);
    expect(doubleNodes.map((n) => n.op)).toEqual(['Add', 'BatchNormalization']);
    expect(doubleNodes[0]!.inputs).toEqual(['runningVar', '/eps']);
    expect(doubleNodes[1]!.inputs).toEqual(['input', 'weight', 'bias', 'runningMean', '/AddEps']);
    expect(doubleNodes[1]!.attributes.epsilon).toBe(0);
    const file = describeFile(double);
    expect(file.outputs).toEqual([{ name: 'output', elemType: 11, dims: ['batch', 3, 'h', 'w'] }]);
    expect(new Float64Array(file.initializers.get('/eps')!.raw.slice().buffer)[0]).toBe(1e-3);
    for (const [name, t] of [...bn.namedParameters(), ...bn.namedBuffers()]) {
      const init = file.initializers.get(name)!;
      expect(init.dims).toEqual([3]);
      expect(Buffer.from(init.raw).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))).toBe(true);
    }
  });

  test('LayerNorm: LayerNormalization (axis −len(normalizedShape), epsilon ε) in float; composed in double, ε a double', () => {
    const model = new Sequential([new Dense(3, 6, { seed: 1 }), new LayerNorm([2, 3], { eps: 1e-3 })]);
    expect(() => exportOnnx(model, { inputShape: ['batch', 3] })).toThrow('LayerNorm.forward: input must end in normalizedShape [2, 3], got [2, 6]');
    const norm = new LayerNorm([2, 3], { eps: 1e-3 });
    const single = nodesOf(exportOnnx(norm, { inputShape: ['batch', 2, 3], dtype: 'float32' }));
    expect(single.map((n) => n.op)).toEqual(['LayerNormalization']);
    expect(single[0]!.inputs).toEqual(['input', 'weight', 'bias']);
    expect(single[0]!.attributes).toEqual({ axis: -2, epsilon: Math.fround(1e-3) });
    // Without affine, the scale LayerNormalization requires is ones; without bias, no third input.
    const plain = exportOnnx(new LayerNorm(4, { elementwiseAffine: false }), { inputShape: ['batch', 4], dtype: 'float32' });
    expect(nodesOf(plain)[0]!.inputs).toEqual(['input', '/ones']);
    expect(Array.from(new Float32Array(describeFile(plain).initializers.get('/ones')!.raw.slice().buffer))).toEqual([1, 1, 1, 1]);
    expect(nodesOf(exportOnnx(new LayerNorm(4, { bias: false }), { inputShape: ['batch', 4], dtype: 'float32' }))[0]!.inputs).toEqual(['input', 'weight']);
    const double = nodesOf(exportOnnx(norm, { inputShape: ['batch', 2, 3] }));
    expect(double.map((n) => n.op)).toEqual(['ReduceMean', 'Sub', 'Mul', 'ReduceMean', 'Add', 'Sqrt', 'Div', 'Mul', 'Add']);
    expect(double[0]!.attributes).toEqual({ axes: [-2, -1], keepdims: 1 });
    expect(nodesOf(exportOnnx(new LayerNorm(4, { elementwiseAffine: false }), { inputShape: ['batch', 4] })).map((n) => n.op)).toEqual(['ReduceMean', 'Sub', 'Mul', 'ReduceMean', 'Add', 'Sqrt', 'Div']);
  });

  test('recurrent layers: RNN, LSTM and GRU operators, in float by default (double is an error); their states are outputs too', () => {
    const lstm = describeFile(exportOnnx(new LSTM(3, 4, { seed: 1 }), { inputShape: ['batch', 'time', 3] }));
    expect(lstm.ops).toEqual(['Transpose', 'LSTM', 'Transpose', 'Squeeze', 'Squeeze', 'Squeeze']);
    expect(lstm.inputs).toEqual([{ name: 'input', elemType: 1, dims: ['batch', 'time', 3] }]);
    expect(lstm.outputs).toEqual([
      { name: 'output', elemType: 1, dims: ['batch', 'time', 4] }, { name: 'h_n', elemType: 1, dims: ['batch', 4] }, { name: 'c_n', elemType: 1, dims: ['batch', 4] },
    ]);
    expect([...lstm.initializers.keys()].filter((n) => !n.includes('/'))).toEqual(['W', 'R', 'B']);
    expect(lstm.initializers.get('W')!.dims).toEqual([1, 16, 3]);
    expect(describeFile(exportOnnx(new GRU(2, 3), { inputShape: [1, 4, 2] })).outputs.map((o) => o.name)).toEqual(['output', 'h_n']);
    expect(() => exportOnnx(new RNN(2, 3), { inputShape: [1, 4, 2], dtype: 'float64' })).toThrow(
      "exportOnnx: dtype 'float64' cannot be had: the model (RNN): ONNX Runtime runs RNN, LSTM and GRU in float only; export it with {dtype: 'float32'}",
    );
  });

  test('stacked and bidirectional recurrent layers: one node per layer, Y reshaped between them, W [D, G·hidden, input], states concatenated', () => {
    const both = describeFile(exportOnnx(new LSTM(3, 4, { numLayers: 2, bidirectional: true, seed: 1 }), { inputShape: ['batch', 'time', 3] }));
    expect(both.ops).toEqual(['Transpose', 'LSTM', 'Transpose', 'Reshape', 'LSTM', 'Transpose', 'Reshape', 'Concat', 'Concat']);
    expect(both.outputs).toEqual([
      { name: 'output', elemType: 1, dims: ['batch', 'time', 8] }, { name: 'h_n', elemType: 1, dims: [4, 'batch', 4] }, { name: 'c_n', elemType: 1, dims: [4, 'batch', 4] },
    ]);
    const weights = [...both.initializers].filter(([n]) => !n.includes('/')).map(([n, t]) => `${n} ${t.dims.join('×')}`);
    expect(weights).toEqual(['W 2×16×3', 'R 2×16×4', 'B 2×32', 'W_l1 2×16×8', 'R_l1 2×16×4', 'B_l1 2×32']);
    expect(describeFile(exportOnnx(new GRU(3, 4, { numLayers: 2, seed: 1 }), { inputShape: ['batch', 'time', 3] })).ops).toEqual(['Transpose', 'GRU', 'Squeeze', 'GRU', 'Transpose', 'Squeeze', 'Concat']);
    const bidirectional = describeFile(exportOnnx(new RNN(3, 4, { bidirectional: true, seed: 1 }), { inputShape: [2, 5, 3] }));
    expect(bidirectional.ops).toEqual(['Transpose', 'RNN', 'Transpose', 'Reshape']);
    expect(bidirectional.outputs.map((o) => `${o.name} ${o.dims.join('×')}`)).toEqual(['output 2×5×8', 'h_n 2×2×4']);
  });

  test('Conv2d: Conv with its weight as it is ([out, in, kH, kW]); in float by default, as AvgPool2d; MaxPool2d stays double', () => {
    const cnn = new Sequential([new Conv2d(1, 2, 3, { padding: 'same', seed: 1 }), new MaxPool2d(2), new Flatten()]);
    const file = describeFile(exportOnnx(cnn, { inputShape: ['batch', 1, 6, 4] }));
    expect(file.ops).toEqual(['Conv', 'MaxPool', 'Flatten']);
    expect(file.inputs).toEqual([{ name: 'input', elemType: 1, dims: ['batch', 1, 6, 4] }]);
    expect(file.outputs).toEqual([{ name: 'output', elemType: 1, dims: ['batch', 12] }]);
    expect(file.initializers.get('0.weight')!.dims).toEqual([2, 1, 3, 3]);
    expect(() => exportOnnx(cnn, { inputShape: ['batch', 1, 6, 4], dtype: 'float64' })).toThrow("dtype 'float64' cannot be had: model.0 (Conv2d): ONNX Runtime runs Conv in float only");
    expect(() => exportOnnx(new AvgPool2d(2), { inputShape: [1, 1, 4, 4], dtype: 'float64' })).toThrow('ONNX Runtime runs AveragePool in float only');
    expect(describeFile(exportOnnx(new MaxPool2d(2), { inputShape: [1, 1, 4, 4] })).inputs[0]!.elemType).toBe(11);
  });

  test('Conv1d, MaxPool1d, AvgPool1d: Conv, MaxPool and AveragePool with 1-D kernels ([k], strides [s], pads [p, p]); Conv1d and AvgPool1d in float by default', () => {
    const file = exportOnnx(conv1dModel(), { inputShape: ['batch', 2, 12] });
    const nodes = nodesOf(file);
    expect(nodes.map((n) => n.op)).toEqual(['Conv', 'Relu', 'MaxPool', 'Conv', 'AveragePool', 'Flatten', 'Gemm']);
    expect(nodes[0]!.inputs).toEqual(['input', '0.weight', '0.bias']);
    expect(nodes[0]!.attributes).toEqual({ kernel_shape: [3], strides: [1], pads: [2, 2], dilations: [2], group: 2 });
    expect(nodes[2]!.attributes).toEqual({ kernel_shape: [3], strides: [2], pads: [1, 1] });
    expect(nodes[3]!.inputs).toEqual(['2/MaxPool', '3.weight']);
    expect(nodes[3]!.attributes).toEqual({ kernel_shape: [4], strides: [1], pads: [1, 2], dilations: [1], group: 1 }); // 'same': the extra zero after
    expect(nodes[4]!.attributes).toEqual({ kernel_shape: [2], strides: [1], pads: [1, 1], count_include_pad: 1 });
    const described = describeFile(file);
    expect(described.inputs).toEqual([{ name: 'input', elemType: 1, dims: ['batch', 2, 12] }]);
    expect(described.outputs).toEqual([{ name: 'output', elemType: 1, dims: ['batch', 2] }]);
    expect(described.initializers.get('0.weight')!.dims).toEqual([4, 1, 3]);
    expect(described.initializers.get('3.weight')!.dims).toEqual([3, 4, 4]);
    expect(() => exportOnnx(new Conv1d(1, 1, 2), { inputShape: [1, 1, 4], dtype: 'float64' })).toThrow("dtype 'float64' cannot be had: the model (Conv1d): ONNX Runtime runs Conv in float only");
    expect(() => exportOnnx(new AvgPool1d(2), { inputShape: [1, 1, 4], dtype: 'float64' })).toThrow('the model (AvgPool1d): ONNX Runtime runs AveragePool in float only');
    const max = describeFile(exportOnnx(new MaxPool1d(2), { inputShape: ['batch', 3, 'length'] }));
    expect(max.inputs[0]!.elemType).toBe(11);
    expect(max.outputs).toEqual([{ name: 'output', elemType: 11, dims: ['batch', 3, 'model_length'] }]);
    expect(() => exportOnnx(conv1dModel(), { inputShape: ['batch', 3, 12] })).toThrow('Conv1d.forward: input must be [batch, 2, length], got [2, 3, 12]');
  });

  test('image layers: GroupNorm and InstanceNorm2d composed (double), adaptive pooling as ReduceMean, MatMul, ReduceMax or MaxPool, Upsample as Resize (float), pixel shuffles as DepthToSpace and SpaceToDepth + Gather', () => {
    const ops = (model: Module, inputShape: Array<number | string>) => describeFile(exportOnnx(model, { inputShape })).ops;
    expect(ops(new GroupNorm(2, 4), ['batch', 4, 'h', 'w'])).toEqual(['Reshape', 'ReduceMean', 'Sub', 'Mul', 'ReduceMean', 'Add', 'Sqrt', 'Div', 'Shape', 'Reshape', 'Reshape', 'Reshape', 'Mul', 'Add']);
    expect(ops(new InstanceNorm2d(3, { trackRunningStats: true }), ['batch', 3, 4, 4])).toEqual(['Reshape', 'Reshape', 'Add', 'Sqrt', 'Sub', 'Div']);
    expect(ops(new AdaptiveAvgPool2d(1), ['batch', 3, 'h', 'w'])).toEqual(['ReduceMean']);
    expect(ops(new AdaptiveAvgPool2d([2, 3]), ['batch', 3, 5, 7])).toEqual(['MatMul', 'MatMul']);
    expect(ops(new AdaptiveMaxPool2d([2, 3]), ['batch', 3, 6, 9])).toEqual(['MaxPool']);
    expect(ops(new PixelShuffle(2), ['batch', 8, 'h', 'w'])).toEqual(['DepthToSpace']);
    expect(ops(new PixelUnshuffle(2), ['batch', 2, 4, 4])).toEqual(['SpaceToDepth', 'Gather']);
    const up = describeFile(exportOnnx(new Upsample({ size: [8, 8], mode: 'bilinear' }), { inputShape: ['batch', 2, 4, 4] }));
    expect(up.ops).toEqual(['Resize']);
    expect(up.inputs[0]!.elemType).toBe(1);
    // Other scales are refused: Resize's float32 coordinates and sizes would differ from adjoint's and PyTorch's (45 rows × 1.4 is 63 there, 62 here).
    for (const [layer, given] of [
      [new Upsample({ scaleFactor: 1.4 }), 'scaleFactor [1.4, 1.4]'],
      [new Upsample({ size: [2, 8] }), 'size [2, 8] for an input of [batch, 2, 14, 4]'],
      [new Upsample({ size: [8, 8] }), 'size [8, 8] for an input of [batch, 2, h, w]'],
    ] as const) {
      const shape = given.includes('h, w') ? ['batch', 2, 'h', 'w'] : [`batch`, 2, 14, 4];
      expect(() => exportOnnx(layer, { inputShape: shape })).toThrow(
        `exportOnnx: model (Upsample) is exported as ONNX's Resize only when each side is scaled by a power of two (1, 2, 4, …, with a fixed input size when given a size): Resize computes other scales' coordinates and sizes in float32 and would pick other pixels than adjoint and PyTorch; got ${given}`,
      );
    }
    expect(() => exportOnnx(new Upsample({ scaleFactor: 2 }), { inputShape: [1, 1, 4, 4], dtype: 'float64' })).toThrow("dtype 'float64' cannot be had: the model (Upsample): ONNX Runtime runs Resize in float only");
    expect(() => exportOnnx(new AdaptiveMaxPool2d([4, 3]), { inputShape: ['batch', 2, 6, 10] })).toThrow(
      "exportOnnx: model (AdaptiveMaxPool2d to 4×3) cannot be exported: ONNX has no adaptive max pooling, and MaxPool expresses its windows only when they tile a fixed-size image (height and width multiples of the output's), got input [batch, 2, 6, 10]",
    );
    expect(() => exportOnnx(new AdaptiveAvgPool2d([2, 2]), { inputShape: ['batch', 2, 'h', 6] })).toThrow(
      'exportOnnx: model (AdaptiveAvgPool2d to 2×2) needs a fixed height in inputShape to be exported (its windows are a matrix of that size), got input [batch, 2, h, 6]',
    );
    expect(() => exportOnnx(new ConvTranspose2d(2, 2, 2, { dilation: 3, outputPadding: 2, seed: 49 }), { inputShape: [1, 2, 3, 3] })).toThrow(
      "exportOnnx: model (ConvTranspose2d) has an outputPadding [2, 2] not less than its stride [1, 1], which ONNX Runtime's ConvTranspose refuses",
    );
    expect(() => exportOnnx(new PixelShuffle(2), { inputShape: [4, 2, 2] })).toThrow("exportOnnx: model (PixelShuffle) is exported as ONNX's DepthToSpace, which takes [N, C, H, W] only, got input [4, 2, 2]");
  });

  test('gelu and silu: ½x(1 + Erf(x/√2)) (in float by default), the tanh form and x·Sigmoid(x) (in double), −0 at −∞', () => {
    const exact = describeFile(exportOnnx(new GELU(), { inputShape: ['batch', 3] }));
    expect(exact.ops).toEqual(['Mul', 'Erf', 'Add', 'Mul', 'Mul', 'Equal', 'Where']);
    expect(exact.inputs[0]!.elemType).toBe(1);
    const tanhForm = describeFile(exportOnnx(new GELU({ approximate: 'tanh' }), { inputShape: ['batch', 3] }));
    expect(tanhForm.ops).toEqual(['Mul', 'Mul', 'Mul', 'Add', 'Mul', 'Tanh', 'Add', 'Mul', 'Mul', 'Equal', 'Where']);
    expect(tanhForm.inputs[0]!.elemType).toBe(11);
    const silu = describeFile(exportOnnx(new SiLU(), { inputShape: ['batch', 3] }));
    expect(silu.ops).toEqual(['Sigmoid', 'Mul', 'Equal', 'Where']); // Equal, Where: −0 at −∞, not −∞·0
    expect(silu.inputs[0]!.elemType).toBe(11);
    expect(describeFile(exportOnnx(new Dense(3, 2, { activation: 'silu' }), { inputShape: ['batch', 3] })).inputs[0]!.elemType).toBe(11);
    expect(describeFile(exportOnnx(new Dense(3, 2, { activation: 'gelu' }), { inputShape: ['batch', 3] })).inputs[0]!.elemType).toBe(1);
    // A Dense whose activation is a module is decided by the module.
    expect(describeFile(exportOnnx(new Dense(3, 2, { activation: new GELU({ approximate: 'tanh' }) }), { inputShape: ['batch', 3] })).inputs[0]!.elemType).toBe(11);
    expect(() => exportOnnx(new Sequential([new Dense(3, 2), new GELU()]), { inputShape: ['batch', 3], dtype: 'float64' })).toThrow(
      "exportOnnx: dtype 'float64' cannot be had: model.1 (GELU): ONNX Runtime runs Erf (exact GELU) in float only; export it with {dtype: 'float32'}",
    );
    expect(() => exportOnnx(new Dense(3, 2, { activation: 'gelu' }), { inputShape: ['batch', 3], dtype: 'float64' })).toThrow('the model (Dense): ONNX Runtime runs Erf (exact GELU) in float only');
  });

  test("a size the export names (a pooled length, flattened features) never takes a name of the input's, which would declare it equal", () => {
    const pooled = describeFile(exportOnnx(new MaxPool2d(2), { inputShape: ['batch', 1, 'model_height', 'model_width'] }));
    expect(pooled.outputs[0]!.dims).toEqual(['batch', 1, 'model_height_1', 'model_width_1']);
    const flat = describeFile(exportOnnx(new Flatten(), { inputShape: ['batch', 'flatten_features', 2] }));
    expect(flat.outputs[0]!.dims).toEqual(['batch', 'flatten_features_1']);
    const conv = describeFile(exportOnnx(new Sequential([new Conv1d(1, 1, 3), new MaxPool1d(2)]), { inputShape: ['batch', 1, 'n'] }));
    expect(conv.outputs[0]!.dims).toEqual(['batch', 1, '1_length']);
  });

  // Both were quadratic (each child found by copying the list of children; each name searched from
  // _1): 10,000 layers took seconds where they now take a fraction of one.
  test('a Sequential of 10,000 layers, and 20,000 nodes named alike (a recurrent layer of thousands of layers)', () => {
    const long = new Sequential(Array.from({ length: 10_000 }, () => new ReLU()));
    expect(describeFile(exportOnnx(long, { inputShape: ['batch', 3] })).ops.length).toBe(10_000);
    const graph = new GraphBuilder('float64');
    const names = Array.from({ length: 20_000 }, () => graph.name('/RNN'));
    expect(names.slice(0, 3)).toEqual(['/RNN', '/RNN_1', '/RNN_2']);
    expect(new Set(names).size).toBe(20_000);
    expect(graph.name('/RNN_1')).toBe('/RNN_1_1');
  });

  test('weights too large for one protobuf message (2 GiB) are a ValueError, not a file no reader can parse', () => {
    expect(() => checkWeightBytes('exportOnnx', 2 ** 31, 'float64')).toThrow(
      "exportOnnx: the model's weights take 2147483648 bytes in float64, more than an ONNX file can hold (2 GiB, protobuf's limit, with the graph); export with dtype: 'float32' to halve them",
    );
    expect(() => checkWeightBytes('exportOnnx', 2 ** 31 - 2 ** 19, 'float32')).toThrow(/save the weights with toSafetensors instead$/);
    expect(() => checkWeightBytes('exportOnnx', 2 ** 31 - 2 ** 21, 'float32')).not.toThrow();
  });

  test('a model that starts with an Embedding takes int64 indices', () => {
    const file = describeFile(exportOnnx(new Sequential([new Embedding(5, 2), new Flatten()]), { inputShape: ['batch', 3] }));
    expect(file.inputs).toEqual([{ name: 'input', elemType: 7, dims: ['batch', 3] }]);
    expect(file.outputs).toEqual([{ name: 'output', elemType: 11, dims: ['batch', 6] }]);
    expect(file.ops).toEqual(['Gather', 'Flatten']);
  });

  test('errors name the module, its class or the option', () => {
    class Custom extends Module {
      forward(x: Tensor): Tensor {
        return x.mul(2);
      }
    }
    const withCustom = new Sequential([new Dense(2, 2), new Residual(new Custom())]);
    expect(() => exportOnnx(withCustom, { inputShape: ['batch', 2] })).toThrow("exportOnnx: model.1.module is a Custom, which exportOnnx cannot write; it writes models built from Sequential, Dense,");
    expect(() => exportOnnx(new Dense(2, 2, { activation: (x: Tensor) => x.square() }), { inputShape: [1, 2] })).toThrow(
      'exportOnnx: model (Dense 2 → 2) has a custom activation function, which ONNX cannot be told; use a named activation or an activation module',
    );
    const model = mlp([3, 2], { seed: 0 });
    expect(() => exportOnnx(model, { inputShape: ['batch', 4] })).toThrow(ShapeError);
    expect(() => exportOnnx(model, { inputShape: ['batch', 4] })).toThrow("exportOnnx: the model does not accept inputs of inputShape ['batch', 4]: Dense.forward: input must have 3 features on its last axis, got [2, 4]");
    // A named length is tried longer until the model takes it; one no length up to the probe's limit fits is reported with the first try's message.
    expect(describeFile(exportOnnx(new Conv1d(4, 8, 5), { inputShape: ['batch', 4, 'length'] })).inputs[0]!.dims).toEqual(['batch', 4, 'length']);
    // (A dilated kernel of 3 spans 100,001: a kernel of 100,000 taps would cost seconds to draw.)
    expect(() => exportOnnx(new Conv1d(4, 8, 3, { dilation: 50_000 }), { inputShape: ['batch', 4, 'length'] })).toThrow(
      "exportOnnx: the model does not accept inputs of inputShape ['batch', 4, 'length'] (its named sizes tried from 2 to 32768): Conv1d.forward: input [2, 4, 2] has length 2, 2 padded, shorter than the 100001 the kernel spans",
    );
    // Only a size the model refuses (a ShapeError) is worth trying longer; anything else is reported at once.
    expect(() => exportOnnx(new Sequential([new LSTM(3, 3) as unknown as Module]), { inputShape: ['batch', 'time', 3] })).toThrow(
      "exportOnnx: the model does not accept inputs of inputShape ['batch', 'time', 3]: Sequential.forward: item 0 (LSTM) returned an array of length 2, not a Tensor",
    );
    // A name the model takes at one size only would tell ONNX Runtime the size is free, and it would broadcast a wrong input rather than refuse it.
    expect(() => exportOnnx(new BatchNorm(4), { inputShape: ['batch', 'features'] })).toThrow(ShapeError);
    expect(() => exportOnnx(new BatchNorm(4), { inputShape: ['batch', 'features'] })).toThrow(
      "exportOnnx: inputShape ['batch', 'features'] names a size the model fixes (give it as a number): it takes 'features' (axis 1) = 4, but not 5: BatchNorm.forward: input must be [batch, ..., 4], got [2, 5]",
    );
    expect(() => exportOnnx(new Sequential([new Conv1d(2, 2, 3), new Flatten(), new Dense(12, 1)]), { inputShape: ['batch', 2, 'length'] })).toThrow(
      "exportOnnx: inputShape ['batch', 2, 'length'] names a size the model fixes (give it as a number): it takes 'length' (axis 2) = 8, but not 9: Dense.forward: input must have 12 features on its last axis, got [2, 14]",
    );
    expect(() => exportOnnx(new LayerNorm([2, 3]), { inputShape: ['n', 'n', 3] })).toThrow("names a size the model fixes (give it as a number): it takes 'n' (axis 0) = 2, but not 3");
    expect(describeFile(exportOnnx(new Sequential([new MaxPool2d(2), new Softmax(0)]), { inputShape: ['n', 'c', 'side', 'side'] })).inputs[0]!.dims).toEqual(['n', 'c', 'side', 'side']);
    expect(() => exportOnnx(model, undefined as never)).toThrow('exportOnnx: options must give inputShape');
    // A hole in the list is a size missing, not a size the model refuses.
    expect(() => exportOnnx(model, { inputShape: [, 3] as never })).toThrow('exportOnnx: inputShape[0] must be a positive whole number or a name (letters, digits, underscores), got undefined');
    expect(() => exportOnnx(model, { inputShape: [] })).toThrow("exportOnnx: inputShape must be a non-empty list of sizes and names, such as ['batch', 4], got");
    expect(() => exportOnnx(model, { inputShape: ['batch', 0] })).toThrow('exportOnnx: inputShape[1] must be a positive whole number or a name (letters, digits, underscores), got 0');
    expect(() => exportOnnx(model, { inputShape: ['two words', 3] })).toThrow(ValueError);
    expect(() => exportOnnx(model, { inputShape: ['batch', 3], dtype: 'float16' as 'float32' })).toThrow("exportOnnx: dtype must be 'float64' or 'float32'");
    expect(() => exportOnnx(model, { inputShape: ['batch', 3], opset: 13 } as never)).toThrow(ValueError);
    expect(() => exportOnnx({} as Module, { inputShape: [3] })).toThrow('exportOnnx: model must be a Module, got an object (Object)');
  });

  test('the model is left as it was: training flags and running statistics', () => {
    const model = trainedEveryLayer();
    const before = model.stateDict();
    model.train();
    exportOnnx(model, { inputShape: ['batch', 3] });
    expect(model.namedModules().every(([, m]) => m.training)).toBe(true);
    for (const [key, t] of Object.entries(model.stateDict())) expect(Array.from(t.data)).toEqual(Array.from(before[key]!.data));
  });
});

if (onnxRuntime === null) process.stderr.write(`${ONNX_RUNTIME_MISSING}\n`);
const describeWithRuntime = onnxRuntime === null ? describe.skip : describe;

describeWithRuntime('exportOnnx in ONNX Runtime: the same outputs as adjoint', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    test.each(CASES.filter((c) => (c.dtypes ?? ['float64', 'float32']).includes(dtype)))(`${dtype}: $name`, async ({ model: make, inputShape, runs, indices: isIndices }) => {
      const model = make();
      const bytes = exportOnnx(model, { inputShape, dtype });
      for (const x of runs) {
        const expected = inference(model, x);
        const outputs = Object.values(await runOnnx(bytes, x, isIndices ? 'int64' : dtype));
        expect(outputs.map((t) => t.shape)).toEqual(expected.map((t) => t.shape));
        const tolerance = (v: number) => (dtype === 'float64' ? 1e-9 : 1e-5 * Math.max(1, Math.abs(v)));
        expected.forEach((e, k) => {
          const worst = Array.from(e.data).reduce((m, v, i) => Math.max(m, Math.abs(outputs[k]!.data[i]! - v) / tolerance(v)), 0);
          expect(worst).toBeLessThanOrEqual(1);
        });
      }
    });
  }
});

describeWithRuntime('exportOnnx in ONNX Runtime: non-finite inputs', () => {
  const special = [-Infinity, Infinity, NaN, -0, 0, -1e308, 1e308, -800, 710, -746, -1e-300];
  const cases: Array<{ name: string; make: () => Module; dtype: 'float64' | 'float32' }> = [
    { name: 'ReLU', make: () => new ReLU(), dtype: 'float64' }, { name: 'Sigmoid', make: () => new Sigmoid(), dtype: 'float64' },
    { name: 'Tanh', make: () => new Tanh(), dtype: 'float64' }, { name: 'Softplus', make: () => new Softplus(), dtype: 'float64' },
    { name: 'LeakyReLU', make: () => new LeakyReLU(0.1), dtype: 'float64' }, { name: 'ELU', make: () => new ELU(1.5), dtype: 'float64' },
    { name: 'SiLU', make: () => new SiLU(), dtype: 'float64' }, { name: 'SiLU', make: () => new SiLU(), dtype: 'float32' },
    { name: 'GELU (tanh)', make: () => new GELU({ approximate: 'tanh' }), dtype: 'float64' }, { name: 'GELU', make: () => new GELU(), dtype: 'float32' },
    { name: 'Softmax over the batch', make: () => new Softmax(0), dtype: 'float64' },
  ];
  test.each(cases)("$name ($dtype): what adjoint gives at ±∞ and NaN too (silu and gelu at −∞ their limit −0, not ONNX's −∞·0 = NaN)", async ({ make, dtype }) => {
    const model = make();
    // In float the input is rounded to float32 on its way in, so adjoint is given the rounded values.
    const x = tensor(dtype === 'float32' ? special.map(Math.fround) : special, { shape: [special.length, 1] });
    const [expected] = inference(model, x);
    const { output } = await runOnnx(exportOnnx(model, { inputShape: ['batch', 1], dtype }), x, dtype);
    // The same infinities and NaNs; finite values within the tolerance of the other runtime tests.
    const tolerance = dtype === 'float64' ? 1e-9 : 1e-5;
    const agrees = (v: number, e: number): boolean => Object.is(v, e) || (Number.isFinite(e) && Math.abs(v - e) <= tolerance * Math.max(1, Math.abs(e)));
    const shown = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));
    expect(Array.from(output!.data, (v, i) => (agrees(v, expected!.data[i]!) ? shown(expected!.data[i]!) : `${shown(v)} (adjoint: ${shown(expected!.data[i]!)})`)))
      .toEqual(Array.from(expected!.data, shown));
  });
});

/** What the model's forward returns in inference, as a list: [output], or [output, h] and [output, h, c] for the recurrent layers. */
function inference(model: AnyModule, x: Tensor): Tensor[] {
  const flags = model.namedModules().map(([, m]) => [m, m.training] as const);
  model.eval();
  try {
    const out = noGrad(() => model.forward(x)) as Tensor | [Tensor, Tensor | [Tensor, Tensor]];
    return out instanceof Tensor ? [out] : [out[0], ...(out[1] instanceof Tensor ? [out[1]] : out[1])];
  } finally {
    for (const [m, flag] of flags) m.training = flag;
  }
}
