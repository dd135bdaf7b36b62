/**
 * The image layers of modern architectures (U-Nets, ResNets, diffusion models) as ONNX nodes, in
 * inference mode, in opset 17:
 *
 * - GroupNorm has no operator before opset 18 (GroupNormalization), so it is composed: Reshape to
 *   [N, G, −1], ReduceMean, Sub, Mul, ReduceMean, Add ε, Sqrt, Div, Reshape back (to the input's
 *   Shape), then Mul and Add for the weight and bias reshaped to [C, 1, …]. InstanceNorm2d is the
 *   same with one group per channel, or, when it tracks running statistics, the running ones
 *   subtracted and divided by (composed, in double as in float: no float32 ε attribute).
 * - AdaptiveAvgPool2d to 1 × 1 is ReduceMean over H and W; to any other size, MatMuls with the
 *   averaging matrices of its windows, A_h·x·A_wᵀ (the windows of unequal size that ONNX's
 *   AveragePool cannot express included), for which the image's height and width must be fixed.
 * - AdaptiveMaxPool2d to 1 × 1 is ReduceMax; otherwise MaxPool when its windows tile a fixed-size
 *   image, and it is refused when they do not (ONNX has no adaptive max pooling).
 * - Upsample is Resize, for scales that are powers of two only (others are refused: see the exporter): nearest with coordinate_transformation_mode 'asymmetric' and nearest_mode
 *   'floor' (PyTorch's legacy nearest, src = ⌊dst/scale⌋), bilinear as 'linear' with 'half_pixel'
 *   or 'align_corners'; `scales` for a scale factor (so that ONNX's ⌊in·s⌋ and dst/s are PyTorch's),
 *   `sizes` built from the input's batch and channels for a size.
 * - PixelShuffle is DepthToSpace in 'CRD' mode, PyTorch's channel order. PixelUnshuffle is
 *   SpaceToDepth, whose channel order is ONNX's DCR one, followed by a Gather that puts channels
 *   back in PyTorch's order (so the channel count must be fixed).
 *
 * ONNX Runtime's CPU provider runs Resize in float only, so a model holding an Upsample is exported
 * in float; the others run in double.
 */
import { ValueError } from '@adjoint/core';
import { GroupNorm, InstanceNorm2d } from '../layers/group-norm';
import { AdaptiveAvgPool2d, AdaptiveMaxPool2d } from '../layers/adaptive-pool';
import { Upsample } from '../layers/upsample';
import { PixelShuffle, PixelUnshuffle } from '../layers/pixel-shuffle';
import { floatBytes, type Attribute, type Dim, type GraphBuilder, type OnnxValue } from './onnx-graph';
import { entry, valueName, type LayerContext, type LayerExport, type LayerExporter } from './onnx-layers';
import { DataType } from './onnx-proto';

/** A float32 initializer whatever the export's element type: Resize's `scales` is always tensor(float). */
function floats(g: GraphBuilder, values: readonly number[], base: string): OnnxValue {
  const name = g.name(base);
  g.initializers.push({ name, dims: [values.length], dataType: DataType.FLOAT, rawData: floatBytes(values, 'float32') });
  return { name, shape: [values.length], elemType: DataType.FLOAT };
}

/** `weight` and `bias` [C] applied along axis 1 of `y` (of rank `rank`): reshaped to [C, 1, …] and broadcast. */
function affineNodes(at: LayerContext, y: OnnxValue, weight: OnnxValue | null, bias: OnnxValue | null): OnnxValue {
  if (weight === null || bias === null) return y;
  const g = at.graph;
  const perChannel = [-1, ...y.shape.slice(2).map(() => 1)];
  const shape = g.int64s(perChannel, [perChannel.length], valueName(at, 'perChannel'));
  const w = g.op('Reshape', [weight, shape], valueName(at, 'ReshapeWeight'), [weight.shape[0]!, ...perChannel.slice(1)]);
  const b = g.op('Reshape', [bias, shape], valueName(at, 'ReshapeBias'), [bias.shape[0]!, ...perChannel.slice(1)]);
  return g.op('Add', [g.op('Mul', [y, w], valueName(at, 'Mul'), y.shape), b], valueName(at, 'Add'), y.shape);
}

/** x [N, C, …] normalised per sample over each of `groups` groups of channels and every position (see GroupNorm). */
function groupNormNodes(at: LayerContext, x: OnnxValue, groups: number, eps: number): OnnxValue {
  const g = at.graph;
  const grouped: Dim[] = [x.shape[0]!, groups, g.dimName(`${at.path || 'model'}_group`)];
  const reshaped = g.op('Reshape', [x, g.int64s([0, groups, -1], [3], valueName(at, 'groupShape'))], valueName(at, 'Reshape'), grouped);
  const reduce = { axes: { ints: [2] }, keepdims: { int: 1 } };
  const stats: Dim[] = [x.shape[0]!, groups, 1];
  const mean = g.op('ReduceMean', [reshaped], valueName(at, 'ReduceMean'), stats, reduce);
  const centred = g.op('Sub', [reshaped, mean], valueName(at, 'Sub'), grouped);
  const variance = g.op('ReduceMean', [g.op('Mul', [centred, centred], valueName(at, 'Square'), grouped)], valueName(at, 'ReduceMean'), stats, reduce);
  const std = g.op('Sqrt', [g.op('Add', [variance, g.scalar(eps, valueName(at, 'eps'))], valueName(at, 'AddEps'), stats)], valueName(at, 'Sqrt'), stats);
  const normalized = g.op('Div', [centred, std], valueName(at, 'Div'), grouped);
  const shape = g.op('Shape', [x], valueName(at, 'Shape'), [x.shape.length], {}, DataType.INT64);
  return g.op('Reshape', [normalized, shape], valueName(at, 'ReshapeBack'), x.shape);
}

const groupNorm: LayerExporter<GroupNorm> = (layer, x, at) => {
  const [w, b] = [layer.weight, layer.bias];
  return affineNodes(at, groupNormNodes(at, x, layer.numGroups, layer.eps), w === null ? null : at.weight(w, 'weight'), b === null ? null : at.weight(b, 'bias'));
};

/** InstanceNorm2d: each channel of each sample on its own statistics, or (tracking them) on the running ones. */
const instanceNorm2d: LayerExporter<InstanceNorm2d> = (layer, x, at) => {
  const g = at.graph;
  const [w, b, runningMean, runningVar] = [layer.weight, layer.bias, layer.runningMean, layer.runningVar];
  const [weight, bias] = [w === null ? null : at.weight(w, 'weight'), b === null ? null : at.weight(b, 'bias')];
  if (runningMean === null || runningVar === null) return affineNodes(at, groupNormNodes(at, x, layer.numFeatures, layer.eps), weight, bias);
  const perChannel = [layer.numFeatures, 1, 1];
  const shape = g.int64s(perChannel, [3], valueName(at, 'perChannel'));
  const mean = g.op('Reshape', [at.weight(runningMean, 'runningMean'), shape], valueName(at, 'ReshapeMean'), perChannel);
  const variance = g.op('Reshape', [at.weight(runningVar, 'runningVar'), shape], valueName(at, 'ReshapeVar'), perChannel);
  const std = g.op('Sqrt', [g.op('Add', [variance, g.scalar(layer.eps, valueName(at, 'eps'))], valueName(at, 'AddEps'), perChannel)], valueName(at, 'Sqrt'), perChannel);
  const normalized = g.op('Div', [g.op('Sub', [x, mean], valueName(at, 'Sub'), x.shape), std], valueName(at, 'Div'), x.shape);
  return affineNodes(at, normalized, weight, bias);
};

/** The layer's output size on an image whose height and width are `h` and `w` (sizes or names). */
function adaptiveSize(layer: AdaptiveAvgPool2d | AdaptiveMaxPool2d, h: Dim, w: Dim): [Dim, Dim] {
  return [layer.outputSize[0] ?? h, layer.outputSize[1] ?? w];
}

/** `${where} (${class})` needs the input's height and width fixed in inputShape: a ValueError saying so and why. */
function needsFixedSize(at: LayerContext, layer: AdaptiveAvgPool2d | AdaptiveMaxPool2d, x: OnnxValue, why: string): ValueError {
  return new ValueError(`${at.where} (${layer.constructor.name} to ${layer.outputSize.map((d) => d ?? 'same').join('×')}) ${why}, got input [${x.shape.join(', ')}]`);
}

/**
 * The averaging matrix of PyTorch's adaptive windows along an axis of `size` cut into `out`:
 * [out, size], row i holding 1/len over window i. `transposed` gives [size, out].
 */
function averaging(size: number, out: number, transposed: boolean): number[] {
  const m = new Array<number>(size * out).fill(0);
  for (let i = 0; i < out; i++) {
    const [start, end] = [Math.floor((i * size) / out), Math.ceil(((i + 1) * size) / out)];
    for (let k = start; k < end; k++) m[transposed ? k * out + i : i * size + k] = 1 / (end - start);
  }
  return m;
}

const adaptiveAvgPool: LayerExporter<AdaptiveAvgPool2d> = (layer, x, at) => {
  const g = at.graph;
  const [h, w] = [x.shape[2]!, x.shape[3]!];
  const [oh, ow] = adaptiveSize(layer, h, w);
  if (oh === 1 && ow === 1) return g.op('ReduceMean', [x], valueName(at, 'ReduceMean'), [x.shape[0]!, x.shape[1]!, 1, 1], { axes: { ints: [2, 3] }, keepdims: { int: 1 } });
  let y = x;
  if (oh !== h) {
    if (typeof h !== 'number' || typeof oh !== 'number') throw needsFixedSize(at, layer, x, 'needs a fixed height in inputShape to be exported (its windows are a matrix of that size)');
    y = g.op('MatMul', [g.constant(averaging(h, oh, false), [oh, h], valueName(at, 'rows')), y], valueName(at, 'MatMul'), [x.shape[0]!, x.shape[1]!, oh, w]);
  }
  if (ow !== w) {
    if (typeof w !== 'number' || typeof ow !== 'number') throw needsFixedSize(at, layer, x, 'needs a fixed width in inputShape to be exported (its windows are a matrix of that size)');
    y = g.op('MatMul', [y, g.constant(averaging(w, ow, true), [w, ow], valueName(at, 'columns'))], valueName(at, 'MatMul'), [x.shape[0]!, x.shape[1]!, oh, ow]);
  }
  return y;
};

const adaptiveMaxPool: LayerExporter<AdaptiveMaxPool2d> = (layer, x, at) => {
  const g = at.graph;
  const [h, w] = [x.shape[2]!, x.shape[3]!];
  const [oh, ow] = adaptiveSize(layer, h, w);
  if (oh === 1 && ow === 1) return g.op('ReduceMax', [x], valueName(at, 'ReduceMax'), [x.shape[0]!, x.shape[1]!, 1, 1], { axes: { ints: [2, 3] }, keepdims: { int: 1 } });
  const kernel = (size: Dim, out: Dim): number | null => (size === out ? 1 : typeof size === 'number' && typeof out === 'number' && size % out === 0 ? size / out : null);
  const [kh, kw] = [kernel(h, oh), kernel(w, ow)];
  if (kh === null || kw === null) {
    throw needsFixedSize(at, layer, x, 'cannot be exported: ONNX has no adaptive max pooling, and MaxPool expresses its windows only when they tile a fixed-size image (height and width multiples of the output\'s)');
  }
  return g.op('MaxPool', [x], valueName(at, 'MaxPool'), [x.shape[0]!, x.shape[1]!, oh, ow], { kernel_shape: { ints: [kh, kw] }, strides: { ints: [kh, kw] } });
};

const upsample: LayerExporter<Upsample> = (layer, x, at) => {
  const g = at.graph;
  const attributes: Record<string, Attribute> = layer.mode === 'nearest'
    ? { mode: { string: 'nearest' }, coordinate_transformation_mode: { string: 'asymmetric' }, nearest_mode: { string: 'floor' } }
    : { mode: { string: 'linear' }, coordinate_transformation_mode: { string: layer.alignCorners ? 'align_corners' : 'half_pixel' } };
  const [n, c, h, w] = x.shape as [Dim, Dim, Dim, Dim];
  // Resize works out its coordinates from a float32 scale (and rounds output sizes its own way), so
  // only scales whose float32 arithmetic is exact give the pixels and sizes adjoint and PyTorch do:
  // powers of two, 1 included. Anything else would be a model that silently computes otherwise.
  const [sh, sw] = layer.scaleFactor ?? [scaleOf(h, layer.size![0]), scaleOf(w, layer.size![1])];
  if (!isPowerOfTwo(sh) || !isPowerOfTwo(sw)) {
    const given = layer.scaleFactor === null ? `size [${layer.size!.join(', ')}] for an input of [${x.shape.join(', ')}]` : `scaleFactor [${layer.scaleFactor.join(', ')}]`;
    throw new ValueError(
      `${at.where} (Upsample) is exported as ONNX's Resize only when each side is scaled by a power of two (1, 2, 4, …, with a fixed input size when given a size): ` +
        `Resize computes other scales' coordinates and sizes in float32 and would pick other pixels than adjoint and PyTorch; got ${given}`,
    );
  }
  const scaled = (size: Dim, s: number, axis: string): Dim => (typeof size === 'number' ? size * s : g.dimName(`${at.path || 'model'}_${axis}`));
  const scales = floats(g, [1, 1, sh, sw], valueName(at, 'scales'));
  return g.op('Resize', [x, '', scales], valueName(at, 'Resize'), [n, c, scaled(h, sh, 'height'), scaled(w, sw, 'width')], attributes);
};

/** The scale from a fixed size `from` to `to` (NaN for a size known only at run time). */
const scaleOf = (from: Dim, to: number): number => (typeof from === 'number' ? to / from : NaN);
/** Whether `s` is 2ᵏ for a whole k ≥ 0. */
const isPowerOfTwo = (s: number): boolean => Number.isInteger(Math.log2(s)) && s >= 1;

/** The refusal of a pixel shuffle whose input is not [N, C, H, W] (ONNX's DepthToSpace and SpaceToDepth take rank 4 only). */
function requireImages(at: LayerContext, name: string, x: OnnxValue): void {
  if (x.shape.length !== 4) throw new ValueError(`${at.where} (${name}) is exported as ONNX's ${name === 'PixelShuffle' ? 'DepthToSpace' : 'SpaceToDepth'}, which takes [N, C, H, W] only, got input [${x.shape.join(', ')}]`);
}

/** Size `d` multiplied by `k` (or divided, for k < 1), or a new name for a named size. */
function scaledDim(g: GraphBuilder, d: Dim, k: number, name: string): Dim {
  return typeof d === 'number' ? d * k : g.dimName(name);
}

const pixelShuffle: LayerExporter<PixelShuffle> = (layer, x, at) => {
  requireImages(at, 'PixelShuffle', x);
  const r = layer.upscaleFactor;
  const base = at.path || 'model';
  const [n, c, h, w] = x.shape as [Dim, Dim, Dim, Dim];
  const shape: Dim[] = [n, scaledDim(at.graph, c, 1 / (r * r), `${base}_channels`), scaledDim(at.graph, h, r, `${base}_height`), scaledDim(at.graph, w, r, `${base}_width`)];
  return at.graph.op('DepthToSpace', [x], valueName(at, 'DepthToSpace'), shape, { blocksize: { int: r }, mode: { string: 'CRD' } });
};

const pixelUnshuffle: LayerExporter<PixelUnshuffle> = (layer, x, at) => {
  requireImages(at, 'PixelUnshuffle', x);
  const g = at.graph;
  const r = layer.downscaleFactor;
  const base = at.path || 'model';
  const [n, c, h, w] = x.shape as [Dim, Dim, Dim, Dim];
  if (typeof c !== 'number') throw new ValueError(`${at.where} (PixelUnshuffle) needs a fixed channel count in inputShape to be exported (its channels are reordered by a Gather of that size), got input [${x.shape.join(', ')}]`);
  const shape: Dim[] = [n, c * r * r, scaledDim(g, h, 1 / r, `${base}_height`), scaledDim(g, w, 1 / r, `${base}_width`)];
  const blocks = g.op('SpaceToDepth', [x], valueName(at, 'SpaceToDepth'), shape, { blocksize: { int: r } });
  // SpaceToDepth's channel (a·r + b)·C + c becomes PyTorch's c·r² + a·r + b.
  const order = Array.from({ length: c * r * r }, (_, k) => (k % (r * r)) * c + Math.floor(k / (r * r)));
  return g.op('Gather', [blocks, g.int64s(order, [order.length], valueName(at, 'channelOrder'))], valueName(at, 'Gather'), shape, { axis: { int: 1 } });
};

/** The image layers' table entries. */
export const IMAGE_LAYERS: readonly LayerExport[] = [
  entry({ cls: GroupNorm, exporter: groupNorm }),
  entry({ cls: InstanceNorm2d, exporter: instanceNorm2d }),
  entry({ cls: AdaptiveAvgPool2d, exporter: adaptiveAvgPool }),
  entry({ cls: AdaptiveMaxPool2d, exporter: adaptiveMaxPool }),
  entry({ cls: Upsample, exporter: upsample, floatOnly: 'ONNX Runtime runs Resize in float only' }),
  entry({ cls: PixelShuffle, exporter: pixelShuffle }),
  entry({ cls: PixelUnshuffle, exporter: pixelUnshuffle }),
];
