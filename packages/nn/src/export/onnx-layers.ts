/**
 * The ONNX export of each layer kind, in one table keyed by class: a layer kind becomes ONNX nodes
 * by one entry here (or in a file of its family, whose entries the table takes in). An exporter
 * gets the layer, its input value and a context that writes the layer's weights and exports its
 * children, and returns the value(s) of `forward` in inference mode.
 */
import { ValueError, type Tensor } from '@adjoint/core';
import type { AnyModule } from '../module';
import { Dense } from '../layers/dense';
import { Sequential } from '../layers/sequential';
import { Dropout } from '../layers/dropout';
import { BatchNorm } from '../layers/batch-norm';
import { Residual } from '../layers/residual';
import { ELU, GELU, Identity, LeakyReLU, ReLU, SiLU, Sigmoid, Softmax, Softplus, Tanh } from '../layers/activation';
import { Flatten } from '../layers/flatten';
import { Embedding } from '../layers/embedding';
import { activation, activationFloatOnly, namedActivation, type ActivationSpec } from './onnx-activations';
import type { GraphBuilder, OnnxValue } from './onnx-graph';
import { DataType } from './onnx-proto';

/** What an exporter may ask of the export while it writes one layer. */
export interface LayerContext {
  graph: GraphBuilder;
  /** The layer's dotted path in the model ('' for the root): names its values. */
  path: string;
  /** Where the layer is, for messages: 'model', 'model.0.module'. */
  where: string;
  /** An initializer holding one of the layer's parameters or buffers, `name` its registered name. */
  weight(tensor: Tensor, name: string): OnnxValue;
  /** The export of the layer's child registered as `name`, applied to `x`: one value. */
  child(name: string, x: OnnxValue): OnnxValue;
}

/** The nodes of one layer kind's `forward` in inference mode: its output, or outputs. */
export type LayerExporter<M extends AnyModule = any> = (layer: M, x: OnnxValue, at: LayerContext) => OnnxValue | OnnxValue[];

/** A table entry: how one class of layer is exported. */
export interface LayerExport<M extends AnyModule = any> {
  /** The class, matched exactly: a subclass may compute something else. */
  cls: abstract new (...args: never[]) => M;
  exporter: LayerExporter<M>;
  /**
   * Set when the layer's ONNX operator runs in float only in ONNX Runtime's CPU provider (why, for
   * messages): a model holding one is exported in float unless double is asked for, which is an error.
   * A function decides for each layer (undefined: double is fine), as for exact GELU, which needs Erf.
   */
  floatOnly?: string | ((layer: M) => string | undefined);
  /** The graph outputs' names when the layer is the whole model and returns several tensors. */
  outputs?: readonly string[];
}

/** A table entry, its class's type checked against its exporter's. */
export function entry<M extends AnyModule>(e: LayerExport<M>): LayerExport {
  return e;
}

/** `${path}/${op}`: the name of a value a layer makes (PyTorch's exporter names them alike). */
export function valueName(at: LayerContext, op: string): string {
  return `${at.path}/${op}`;
}

/** An activation module's export: the activation `spec` gives for the module. */
function activationModule<M extends AnyModule>(spec: (m: M) => ActivationSpec): LayerExporter<M> {
  return (m, x, at) => activation(at.graph, spec(m), x, at.path);
}

/**
 * Dense: Gemm(x, W, b) for a batch of rows (W is already [in, out], Gemm's B with transB = 0), else
 * MatMul then Add, which broadcast over any leading axes; then the activation.
 */
const dense: LayerExporter<Dense> = (layer, x, at) => {
  const g = at.graph;
  const w = at.weight(layer.weight, 'weight');
  const b = layer.bias === null ? null : at.weight(layer.bias, 'bias');
  const shape = [...x.shape.slice(0, -1), layer.outFeatures];
  let y: OnnxValue;
  if (x.shape.length === 2 && b !== null) y = g.op('Gemm', [x, w, b], valueName(at, 'Gemm'), shape);
  else {
    y = g.op('MatMul', [x, w], valueName(at, 'MatMul'), shape);
    if (b !== null) y = g.op('Add', [y, b], valueName(at, 'Add'), shape);
  }
  if (layer.namedChildren().some(([name]) => name === 'activation')) return at.child('activation', y);
  const spec = namedActivation(layer.activationName);
  if (spec === null) throw new ValueError(`${at.where} (Dense ${layer.inFeatures} → ${layer.outFeatures}) has a custom activation function, which ONNX cannot be told; use a named activation or an activation module`);
  return activation(g, spec, y, at.path);
};

/**
 * BatchNorm in evaluation: (x − running mean)/√(running var + ε)·γ + β over the last axis. In
 * double it is composed in core's order with ε a double initializer (BatchNormalization's epsilon
 * is a float32 attribute, which would change the result where the variance is tiny); in float a
 * BatchNormalization node serves a [batch, features] input, whose channel axis is the last.
 */
const batchNorm: LayerExporter<BatchNorm> = (layer, x, at) => {
  const g = at.graph;
  const [gamma, beta, mean, variance] = [
    at.weight(layer.gamma, 'gamma'), at.weight(layer.beta, 'beta'), at.weight(layer.runningMean, 'runningMean'), at.weight(layer.runningVar, 'runningVar'),
  ];
  if (g.precision === 'float32' && x.shape.length === 2) {
    return g.op('BatchNormalization', [x, gamma, beta, mean, variance], valueName(at, 'BatchNormalization'), x.shape, { epsilon: { float: layer.eps } });
  }
  const std = g.op('Sqrt', [g.op('Add', [variance, g.scalar(layer.eps, valueName(at, 'eps'))], valueName(at, 'AddEps'), variance.shape)], valueName(at, 'Sqrt'), variance.shape);
  const normalized = g.op('Div', [g.op('Sub', [x, mean], valueName(at, 'Sub'), x.shape), std], valueName(at, 'Div'), x.shape);
  return g.op('Add', [g.op('Mul', [normalized, gamma], valueName(at, 'Mul'), x.shape), beta], valueName(at, 'Add'), x.shape);
};

/** Sequential: each layer on the previous one's output. */
const sequential: LayerExporter<Sequential> = (layer, x, at) => layer.layers.reduce((value, _, i) => at.child(String(i), value), x);

/** Residual: x + module(x). */
const residual: LayerExporter<Residual> = (_, x, at) => at.graph.op('Add', [x, at.child('module', x)], valueName(at, 'Add'), x.shape);

/**
 * Flatten: ONNX's Flatten with axis 1 is the same map, [N, d₁, …, dₖ] → [N, d₁·…·dₖ] ([N] → [N, 1]).
 */
const flatten: LayerExporter<Flatten> = (_, x, at) => {
  const rest = x.shape.slice(1);
  const size = rest.every((d): d is number => typeof d === 'number') ? rest.reduce((a, b) => a * b, 1) : at.graph.dimName(`${at.path || 'flatten'}_features`);
  return at.graph.op('Flatten', [x], valueName(at, 'Flatten'), [x.shape[0]!, size], { axis: { int: 1 } });
};

/** Embedding: Gather of the table's rows at the indices (int64: a model that starts with an Embedding takes int64 input). */
const embedding: LayerExporter<Embedding> = (layer, x, at) => {
  const g = at.graph;
  const indices = x.elemType === DataType.INT64 ? x : g.op('Cast', [x], valueName(at, 'Cast'), x.shape, { to: { int: DataType.INT64 } }, DataType.INT64);
  return g.op('Gather', [at.weight(layer.weight, 'weight'), indices], valueName(at, 'Gather'), [...x.shape, layer.dim], { axis: { int: 0 } });
};

/** The layers every model is built from; other families add their entries to the table in onnx.ts. */
export const BASIC_LAYERS: readonly LayerExport[] = [
  entry({ cls: Sequential, exporter: sequential }),
  entry<Dense>({
    cls: Dense,
    exporter: dense,
    floatOnly: (m) => (m.namedChildren().some(([name]) => name === 'activation') ? undefined : activationFloatOnly(namedActivation(m.activationName))),
  }),
  entry({ cls: BatchNorm, exporter: batchNorm }),
  entry({ cls: Residual, exporter: residual }),
  entry({ cls: Dropout, exporter: (_, x) => x }), // the identity in inference
  entry({ cls: Identity, exporter: (_, x) => x }),
  entry({ cls: ReLU, exporter: activationModule(() => ({ kind: 'relu' })) }),
  entry({ cls: Sigmoid, exporter: activationModule(() => ({ kind: 'sigmoid' })) }),
  entry({ cls: Tanh, exporter: activationModule(() => ({ kind: 'tanh' })) }),
  entry({ cls: Softplus, exporter: activationModule(() => ({ kind: 'softplus' })) }),
  entry({ cls: LeakyReLU, exporter: activationModule<LeakyReLU>((m) => ({ kind: 'leakyRelu', alpha: m.alpha })) }),
  entry({ cls: ELU, exporter: activationModule<ELU>((m) => ({ kind: 'elu', alpha: m.alpha })) }),
  entry({ cls: SiLU, exporter: activationModule(() => ({ kind: 'silu' })) }),
  entry<GELU>({ cls: GELU, exporter: activationModule<GELU>((m) => ({ kind: 'gelu', approximate: m.approximate })), floatOnly: (m) => activationFloatOnly({ kind: 'gelu', approximate: m.approximate }) }),
  entry({ cls: Softmax, exporter: activationModule<Softmax>((m) => ({ kind: 'softmax', axis: m.axis })) }),
  entry({ cls: Flatten, exporter: flatten }),
  entry({ cls: Embedding, exporter: embedding }),
];

/**
 * Whether `module` reads integer indices first (an Embedding, or a Sequential that starts with
 * one): the graph's input is then int64.
 */
export function takesIndices(module: AnyModule): boolean {
  let first: AnyModule | undefined = module;
  while (first !== undefined && first.constructor === Sequential) first = (first as Sequential).layers[0];
  return first !== undefined && first.constructor === Embedding;
}
