/**
 * Conv2d, ConvTranspose2d, MaxPool2d and AvgPool2d as ONNX's Conv, ConvTranspose, MaxPool and
 * AveragePool, and their 1-D forms
 * Conv1d, MaxPool1d and AvgPool1d as the same operators with 1-D kernels (ONNX takes `[N, C, L]`
 * with kernel_shape [k], pads [begin, end]). adjoint's layers have
 * PyTorch's layouts (NCHW images, weight `[out, in/groups, kH, kW]`), which are ONNX's too, so the
 * weight is written as it is. Padding is explicit, `pads` = [top, left, bottom, right]; Conv2d's
 * 'same' puts an odd total's extra row and column after the image, as the layer does.
 *
 * ConvTranspose2d's weight `[in, out/groups, kH, kW]` is ONNX's ConvTranspose layout as it is.
 *
 * ONNX Runtime's CPU provider runs Conv, ConvTranspose and AveragePool in float only, so a model
 * holding a Conv1d, Conv2d, ConvTranspose2d, AvgPool1d or AvgPool2d is exported in float. MaxPool
 * has a double kernel.
 */
import { ValueError } from '@adjoint/core';
import { Conv2d } from '../layers/conv';
import { ConvTranspose2d } from '../layers/conv-transpose';
import { AvgPool2d, MaxPool2d } from '../layers/pool';
import { Conv1d } from '../layers/conv1d';
import { AvgPool1d, MaxPool1d, type Pool1d } from '../layers/pool1d';
import type { Dim, GraphBuilder, OnnxValue } from './onnx-graph';
import { entry, valueName, type LayerExport, type LayerExporter } from './onnx-layers';

/** The output size of a window sliding over `size` (padded by `pad` in all), or a new name when `size` is one. */
function slide(g: GraphBuilder, size: Dim, pad: number, span: number, stride: number, path: string, axis: string): Dim {
  return typeof size === 'number' ? Math.floor((size + pad - span) / stride) + 1 : g.dimName(`${path || 'model'}_${axis}`);
}

const conv: LayerExporter<Conv2d> = (layer, x, at) => {
  const [kh, kw] = layer.kernelSize;
  const [dh, dw] = layer.dilation;
  const [spanH, spanW] = [dh * (kh - 1) + 1, dw * (kw - 1) + 1];
  // [top, left, bottom, right].
  const pads = layer.padding === 'same'
    ? [Math.floor((spanH - 1) / 2), Math.floor((spanW - 1) / 2), Math.ceil((spanH - 1) / 2), Math.ceil((spanW - 1) / 2)]
    : [layer.padding[0], layer.padding[1], layer.padding[0], layer.padding[1]];
  const shape: Dim[] = [
    x.shape[0]!, layer.outChannels,
    slide(at.graph, x.shape[2]!, pads[0]! + pads[2]!, spanH, layer.stride[0], at.path, 'height'),
    slide(at.graph, x.shape[3]!, pads[1]! + pads[3]!, spanW, layer.stride[1], at.path, 'width'),
  ];
  const inputs: OnnxValue[] = [x, at.weight(layer.weight, 'weight')];
  if (layer.bias !== null) inputs.push(at.weight(layer.bias, 'bias'));
  return at.graph.op('Conv', inputs, valueName(at, 'Conv'), shape, {
    kernel_shape: { ints: [kh, kw] }, strides: { ints: [...layer.stride] }, pads: { ints: pads }, dilations: { ints: [dh, dw] }, group: { int: layer.groups },
  });
};

/** One side of a transposed convolution's output: (size − 1)·stride − 2·pad + span + outputPadding, or a new name. */
function spread(g: GraphBuilder, size: Dim, pad: number, span: number, stride: number, extra: number, path: string, axis: string): Dim {
  return typeof size === 'number' ? (size - 1) * stride - 2 * pad + span + extra : g.dimName(`${path || 'model'}_${axis}`);
}

const convTranspose: LayerExporter<ConvTranspose2d> = (layer, x, at) => {
  if (layer.outputPadding.some((p, i) => p >= layer.stride[i]!)) {
    throw new ValueError(`${at.where} (ConvTranspose2d) has an outputPadding [${layer.outputPadding.join(', ')}] not less than its stride [${layer.stride.join(', ')}], which ONNX Runtime's ConvTranspose refuses`);
  }
  const [kh, kw] = layer.kernelSize;
  const [dh, dw] = layer.dilation;
  const [ph, pw] = layer.padding;
  const shape: Dim[] = [
    x.shape[0]!, layer.outChannels,
    spread(at.graph, x.shape[2]!, ph, dh * (kh - 1) + 1, layer.stride[0], layer.outputPadding[0], at.path, 'height'),
    spread(at.graph, x.shape[3]!, pw, dw * (kw - 1) + 1, layer.stride[1], layer.outputPadding[1], at.path, 'width'),
  ];
  const inputs: OnnxValue[] = [x, at.weight(layer.weight, 'weight')];
  if (layer.bias !== null) inputs.push(at.weight(layer.bias, 'bias'));
  return at.graph.op('ConvTranspose', inputs, valueName(at, 'ConvTranspose'), shape, {
    kernel_shape: { ints: [kh, kw] }, strides: { ints: [...layer.stride] }, pads: { ints: [ph, pw, ph, pw] }, dilations: { ints: [dh, dw] },
    group: { int: layer.groups }, output_padding: { ints: [...layer.outputPadding] },
  });
};

/** A pooling layer as `opType`; AveragePool counts the padding, as AvgPool2d does. */
function pool(opType: 'MaxPool' | 'AveragePool'): LayerExporter<MaxPool2d | AvgPool2d> {
  return (layer, x, at) => {
    const [kh, kw] = layer.kernelSize;
    const [ph, pw] = layer.padding;
    const shape: Dim[] = [
      x.shape[0]!, x.shape[1]!,
      slide(at.graph, x.shape[2]!, 2 * ph, kh, layer.stride[0], at.path, 'height'),
      slide(at.graph, x.shape[3]!, 2 * pw, kw, layer.stride[1], at.path, 'width'),
    ];
    return at.graph.op(opType, [x], valueName(at, opType), shape, {
      kernel_shape: { ints: [kh, kw] }, strides: { ints: [...layer.stride] }, pads: { ints: [ph, pw, ph, pw] },
      ...(opType === 'AveragePool' ? { count_include_pad: { int: 1 } } : {}),
    });
  };
}

/** Conv1d as Conv with a 1-D kernel; 'same' puts an odd total's extra zero after the sequence, as the layer does. */
const conv1d: LayerExporter<Conv1d> = (layer, x, at) => {
  const span = layer.dilation * (layer.kernelSize - 1) + 1;
  // [begin, end].
  const pads = layer.padding === 'same' ? [Math.floor((span - 1) / 2), Math.ceil((span - 1) / 2)] : [layer.padding, layer.padding];
  const shape: Dim[] = [x.shape[0]!, layer.outChannels, slide(at.graph, x.shape[2]!, pads[0]! + pads[1]!, span, layer.stride, at.path, 'length')];
  const inputs: OnnxValue[] = [x, at.weight(layer.weight, 'weight')];
  if (layer.bias !== null) inputs.push(at.weight(layer.bias, 'bias'));
  return at.graph.op('Conv', inputs, valueName(at, 'Conv'), shape, {
    kernel_shape: { ints: [layer.kernelSize] }, strides: { ints: [layer.stride] }, pads: { ints: pads }, dilations: { ints: [layer.dilation] }, group: { int: layer.groups },
  });
};

/** A 1-D pooling layer as `opType` with a 1-D window; AveragePool counts the padding, as AvgPool1d does. */
function pool1d(opType: 'MaxPool' | 'AveragePool'): LayerExporter<Pool1d> {
  return (layer, x, at) => {
    const { kernelSize: k, stride: s, padding: p } = layer;
    const shape: Dim[] = [x.shape[0]!, x.shape[1]!, slide(at.graph, x.shape[2]!, 2 * p, k, s, at.path, 'length')];
    return at.graph.op(opType, [x], valueName(at, opType), shape, {
      kernel_shape: { ints: [k] }, strides: { ints: [s] }, pads: { ints: [p, p] },
      ...(opType === 'AveragePool' ? { count_include_pad: { int: 1 } } : {}),
    });
  };
}

/** The convolution family's table entries. */
export const CONV_LAYERS: readonly LayerExport[] = [
  entry({ cls: Conv1d, exporter: conv1d, floatOnly: 'ONNX Runtime runs Conv in float only' }),
  entry({ cls: MaxPool1d, exporter: pool1d('MaxPool') }),
  entry({ cls: AvgPool1d, exporter: pool1d('AveragePool'), floatOnly: 'ONNX Runtime runs AveragePool in float only' }),
  entry({ cls: Conv2d, exporter: conv, floatOnly: 'ONNX Runtime runs Conv in float only' }),
  entry({ cls: ConvTranspose2d, exporter: convTranspose, floatOnly: 'ONNX Runtime runs ConvTranspose in float only' }),
  entry({ cls: MaxPool2d, exporter: pool('MaxPool') }),
  entry({ cls: AvgPool2d, exporter: pool('AveragePool'), floatOnly: 'ONNX Runtime runs AveragePool in float only' }),
];
