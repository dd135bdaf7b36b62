/**
 * BatchNorm2d and LayerNorm as ONNX nodes, in inference mode.
 *
 * BatchNorm2d is ONNX's BatchNormalization, whose channel axis is 1, as NCHW images have it. Its
 * epsilon is a float32 attribute, which would change a double result where a variance is tiny; in
 * double, ε is therefore added to the running variance by a double Add, and the node's epsilon is 0.
 *
 * LayerNorm is ONNX's LayerNormalization (opset 17) with axis = −normalizedShape.length in float. In
 * double it is composed — ReduceMean, Sub, Mul, ReduceMean, Add, Sqrt, Div, then Mul and Add for the
 * weight and bias — in the order adjoint computes it, with ε a double initializer: LayerNormalization
 * adds its float32 epsilon to a variance it computes itself, so there is no double Add to move it into.
 */
import { shapeSize } from '@adjoint/core';
import { BatchNorm2d } from '../layers/batch-norm-2d';
import { LayerNorm } from '../layers/layer-norm';
import type { Dim, OnnxValue } from './onnx-graph';
import { entry, valueName, type LayerExport, type LayerExporter } from './onnx-layers';

/** BatchNorm2d in evaluation: BatchNormalization on the running statistics (training_mode 0, the default). */
const batchNorm2d: LayerExporter<BatchNorm2d> = (layer, x, at) => {
  const g = at.graph;
  const [weight, bias, mean, variance] = [
    at.weight(layer.weight, 'weight'), at.weight(layer.bias, 'bias'), at.weight(layer.runningMean, 'runningMean'), at.weight(layer.runningVar, 'runningVar'),
  ];
  const name = valueName(at, 'BatchNormalization');
  if (g.precision === 'float32') return g.op('BatchNormalization', [x, weight, bias, mean, variance], name, x.shape, { epsilon: { float: layer.eps } });
  const shifted = g.op('Add', [variance, g.scalar(layer.eps, valueName(at, 'eps'))], valueName(at, 'AddEps'), variance.shape);
  return g.op('BatchNormalization', [x, weight, bias, mean, shifted], name, x.shape, { epsilon: { float: 0 } });
};

/** LayerNorm: LayerNormalization in float, composed in double (see the file's comment). */
const layerNorm: LayerExporter<LayerNorm> = (layer, x, at) => {
  const g = at.graph;
  const k = layer.normalizedShape.length;
  const weight = layer.weight === null ? null : at.weight(layer.weight, 'weight');
  const bias = layer.bias === null ? null : at.weight(layer.bias, 'bias');
  if (g.precision === 'float32') {
    // LayerNormalization requires a scale: ones when the layer learns none.
    const scale = weight ?? g.constant(new Array<number>(shapeSize(layer.normalizedShape)).fill(1), layer.normalizedShape, valueName(at, 'ones'));
    const inputs: OnnxValue[] = bias === null ? [x, scale] : [x, scale, bias];
    return g.op('LayerNormalization', inputs, valueName(at, 'LayerNormalization'), x.shape, { axis: { int: -k }, epsilon: { float: layer.eps } });
  }
  const reduce = { axes: { ints: layer.normalizedShape.map((_, i) => i - k) }, keepdims: { int: 1 } };
  const reduced: Dim[] = [...x.shape.slice(0, x.shape.length - k), ...layer.normalizedShape.map(() => 1)];
  const mean = g.op('ReduceMean', [x], valueName(at, 'ReduceMean'), reduced, reduce);
  const centred = g.op('Sub', [x, mean], valueName(at, 'Sub'), x.shape);
  const squares = g.op('Mul', [centred, centred], valueName(at, 'Square'), x.shape);
  const variance = g.op('ReduceMean', [squares], valueName(at, 'ReduceMean'), reduced, reduce);
  const shifted = g.op('Add', [variance, g.scalar(layer.eps, valueName(at, 'eps'))], valueName(at, 'AddEps'), reduced);
  const normalized = g.op('Div', [centred, g.op('Sqrt', [shifted], valueName(at, 'Sqrt'), reduced)], valueName(at, 'Div'), x.shape);
  const scaled = weight === null ? normalized : g.op('Mul', [normalized, weight], valueName(at, 'Mul'), x.shape);
  return bias === null ? scaled : g.op('Add', [scaled, bias], valueName(at, 'Add'), x.shape);
};

/** The normalisation layers' table entries (BatchNorm, over the last axis, is among the basic layers). */
export const NORM_LAYERS: readonly LayerExport[] = [
  entry({ cls: BatchNorm2d, exporter: batchNorm2d }),
  entry({ cls: LayerNorm, exporter: layerNorm }),
];
