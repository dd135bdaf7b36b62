/**
 * exportOnnx: a model's `forward` in inference mode as an ONNX model file (opset 17, IR version 8),
 * its weights as initializers, ready for ONNX Runtime or any other ONNX engine.
 */
import { AdjointError, ShapeError, ValueError, noGrad, requireChoice, zeros } from '@adjoint/core';
import { Module, describe, moduleTreeDepth, type AnyModule } from '../module';
import { knownOptions, show } from '../args';
import { withMode } from '../train/modes';
import { quoteName } from '../io/messages';
import { GraphBuilder, type Dim, type OnnxPrecision, type OnnxValue } from './onnx-graph';
import { BASIC_LAYERS, takesIndices, type LayerContext, type LayerExport } from './onnx-layers';
import { RECURRENT_LAYERS } from './onnx-recurrent';
import { CONV_LAYERS } from './onnx-conv';
import { NORM_LAYERS } from './onnx-norm';
import { IMAGE_LAYERS } from './onnx-image';
import { DataType, encodeModel, type ValueInfoProto } from './onnx-proto';

/** The operator set the export targets: ONNX 1.12's, which every ONNX Runtime since 1.12 runs. */
export const ONNX_OPSET = 17;
/** The IR version that goes with opset 17. */
export const ONNX_IR_VERSION = 8;
/** The deepest nesting of modules exportOnnx follows (each level is a few calls on the stack). */
const MAX_EXPORT_DEPTH = 1000;

/** A protobuf message, and so an ONNX file without external data, holds less than 2 GiB. */
const PROTOBUF_LIMIT = 2 ** 31 - 1;

/** Options of {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /**
   * The shape of the model's input, batch axis included: sizes, and names for the sizes fixed only
   * when the model runs, such as `['batch', 4]` for rows of 4 features in batches of any size.
   */
  inputShape: ReadonlyArray<number | string>;
  /**
   * The element type of the inputs, weights and outputs: 'float64' (tensor(double), what adjoint
   * computes in) or 'float32' (tensor(float), what most ONNX engines run fastest). By default
   * 'float64', unless the model holds a layer whose ONNX operator ONNX Runtime runs in float only
   * (Conv1d, Conv2d, AvgPool1d, AvgPool2d, Upsample, RNN, LSTM, GRU, and exact GELU, whose Erf ONNX Runtime runs in float only):
   * then 'float32', and asking for 'float64' is an error.
   */
  dtype?: OnnxPrecision;
}

/** Every layer kind exportOnnx writes, by class. */
const EXPORTERS = new Map<Function, LayerExport>([...BASIC_LAYERS, ...CONV_LAYERS, ...NORM_LAYERS, ...IMAGE_LAYERS, ...RECURRENT_LAYERS].map((e) => [e.cls, e]));

/**
 * The model's `forward` in inference mode (Dropout the identity, BatchNorm and BatchNorm2d on their
 * running statistics) as the bytes of an ONNX model: one graph input `input` of `inputShape`, one output
 * `output` (a recurrent layer adds its final states `h_n`, `c_n`), and every parameter and buffer an
 * initializer under its dotted name (`0.weight`). The model must be built from the library's
 * layers: Sequential, Dense (with a named activation or an activation module), BatchNorm, Dropout,
 * Residual, the activation modules, Flatten, Embedding, Conv1d, MaxPool1d, AvgPool1d, Conv2d, MaxPool2d, AvgPool2d, BatchNorm2d,
 * LayerNorm, GroupNorm, InstanceNorm2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d (windows that tile the image), Upsample, PixelShuffle,
 * PixelUnshuffle, and (as the whole model) RNN, LSTM and GRU. docs/nn.md lists the ONNX operators each becomes. In 'float64',
 * every operator runs on tensor(double) in ONNX Runtime's CPU provider (those it has no double
 * kernel for are composed from ones it has, or the model is exported in float: see `dtype`); in
 * 'float32' the weights are rounded to float32.
 *
 * The model is run on zeros of `inputShape` before anything is written, so that an input it cannot
 * take is reported as its own forward reports it. A named size is taken as 2, or, where the model
 * needs more (a named length shorter than a kernel), as the first of 4, 8, 16, … it accepts while
 * the input holds at most 2¹⁸ values; a name on the leading axis (the batch) stays 2. Each name is
 * then tried one larger: a name the model takes at one size only (a feature axis) is an error, as
 * an ONNX engine would take that size as free and could broadcast a wrong input instead of refusing it.
 * @throws ValueError naming the module and its class when a module has no ONNX form (a class
 * exportOnnx does not know, a subclass of one, a Dense with an activation function); for a bad
 * inputShape or option.
 * @throws ShapeError when the model does not accept inputs of `inputShape`, or takes a named size at one size only.
 *
 * @example
 * const model = mlp([4, 16, 3], { seed: 0 });
 * writeFileSync('iris.onnx', exportOnnx(model, { inputShape: ['batch', 4] }));
 * // Python: onnxruntime.InferenceSession('iris.onnx').run(None, {'input': x})
 */
export function exportOnnx(model: AnyModule, options: ExportOnnxOptions): Uint8Array {
  const op = 'exportOnnx';
  if (!(model instanceof Module)) throw new ValueError(`${op}: model must be a Module, got ${describe(model)}`);
  if (options === undefined) throw new ValueError(`${op}: options must give inputShape, the shape of the model's input, such as {inputShape: ['batch', 4]}`);
  const { inputShape, dtype } = knownOptions(op, options, ['inputShape', 'dtype']);
  if (dtype !== undefined) requireChoice(op, 'dtype', dtype, ['float64', 'float32']);
  const shape = checkInputShape(op, inputShape);
  const depth = moduleTreeDepth(op, model);
  if (depth > MAX_EXPORT_DEPTH) throw new ValueError(`${op}: the model's modules are nested ${depth} levels deep, more than the ${MAX_EXPORT_DEPTH} exportOnnx follows`);
  let floatOnly: string | null = null;
  for (const [path, module] of model.namedModules()) {
    const found = EXPORTERS.get(module.constructor);
    if (found === undefined) throw unknownLayer(op, path, module);
    const why = typeof found.floatOnly === 'function' ? found.floatOnly(module) : found.floatOnly;
    if (why !== undefined) floatOnly ??= `${path === '' ? 'the model' : `model.${path}`} (${module.constructor.name}): ${why}`;
  }
  if (dtype === 'float64' && floatOnly !== null) throw new ValueError(`${op}: dtype 'float64' cannot be had: ${floatOnly}; export it with {dtype: 'float32'}`);
  const precision: OnnxPrecision = dtype ?? (floatOnly === null ? 'float64' : 'float32');
  probe(op, model, shape);

  const graph = new GraphBuilder(precision);
  graph.claimDims(shape);
  const input: OnnxValue = { name: graph.claim('input'), shape, ...(takesIndices(model) ? { elemType: DataType.INT64 } : {}) };
  const results = withExportErrors(op, () => exportModule(graph, model, input, '', op));
  const names = EXPORTERS.get(model.constructor)!.outputs ?? [];
  const outputs = (Array.isArray(results) ? results : [results]).map((value, i, all) => finalOutput(graph, value, names[i] ?? (all.length === 1 ? 'output' : `output_${i}`)));
  checkWeightBytes(op, graph.initializers.reduce((bytes, t) => bytes + t.rawData.length, 0), precision);
  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: '@adjoint/nn',
    docString: `${model.toString()}\n\nExported in inference mode, ${precision === 'float64' ? 'tensor(double)' : 'tensor(float)'}.`,
    graph: {
      node: graph.nodes,
      name: model.constructor.name,
      initializer: graph.initializers,
      input: [valueInfo(graph, input)],
      output: outputs.map((value) => valueInfo(graph, value)),
    },
  });
}

/** `module`'s forward as nodes: its exporter, with a context for its weights and children. */
function exportModule(graph: GraphBuilder, module: AnyModule, x: OnnxValue, path: string, op: string): OnnxValue | OnnxValue[] {
  const where = path === '' ? 'model' : `model.${path}`;
  const exporter = EXPORTERS.get(module.constructor)?.exporter;
  if (exporter === undefined) throw unknownLayer(op, path, module);
  const join = (name: string): string => (path === '' ? name : `${path}.${name}`);
  const at: LayerContext = {
    graph,
    path,
    where,
    weight: (tensor, name) => graph.weight(tensor, join(name)),
    child: (name, value) => {
      // The map itself: namedChildren() copies it, which for each child of a long Sequential would make the export quadratic.
      const child = Module.childrenOf(module).get(name);
      if (child === undefined) throw new ValueError(`${where} has no child ${quoteName(name)}`);
      const out = exportModule(graph, child, value, join(name), op);
      if (Array.isArray(out)) throw new ValueError(`${where}.${name} (${child.constructor.name}) returns several tensors, so it can only be the whole model`);
      return out;
    },
  };
  return exporter(module, x, at);
}

/** The graph output `name` holding `value`: the node that makes it renamed, or an Identity node. */
function finalOutput(graph: GraphBuilder, value: OnnxValue, name: string): OnnxValue {
  if (graph.isNodeOutput(value.name)) {
    graph.rename(value.name, name);
    return { ...value, name };
  }
  return graph.op('Identity', [value], name, value.shape, {}, value.elemType); // the input itself, or a weight (value names have a '/')
}

function valueInfo(graph: GraphBuilder, value: OnnxValue): ValueInfoProto {
  const dim = value.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name: value.name, type: { tensorType: { elemType: value.elemType ?? graph.elemType, shape: { dim } } } };
}

/** inputShape checked: a list of positive whole numbers and names. */
function checkInputShape(op: string, shape: unknown): Dim[] {
  if (!Array.isArray(shape) || shape.length === 0) throw new ValueError(`${op}: inputShape must be a non-empty list of sizes and names, such as ['batch', 4], got ${show(shape)}`);
  // Array.from, not map: map skips a sparse list's holes, which would pass the check.
  return Array.from(shape as unknown[], (d, i) => {
    if (typeof d === 'number' && Number.isInteger(d) && d > 0) return d;
    if (typeof d === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(d)) return d;
    throw new ValueError(`${op}: inputShape[${i}] must be a positive whole number or a name (letters, digits, underscores), got ${show(d)}`);
  });
}

/** The most values a probe's input may hold while its named sizes grow. */
const PROBE_MAX_VALUES = 1 << 18;

/**
 * Runs the model, in evaluation mode and without recording, on zeros of `shape`: an input the model
 * cannot take is reported by the model's own checks. A named size is taken as 2, and if the model
 * refuses that, as 4, 8, … while the input stays within PROBE_MAX_VALUES: a named length or height
 * may have to be as long as a kernel. A name on the leading axis, the batch in every layer's
 * layout, stays 2. Only a ShapeError is tried again. The model's message for the first try is the one reported.
 * Then each name is tried one larger (see namedSizesFree).
 */
function probe(op: string, model: AnyModule, shape: readonly Dim[]): void {
  const sizes = (named: number): number[] => shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 2 : named));
  const grows = shape.some((d, i) => typeof d !== 'number' && i > 0);
  let first: { error: unknown } | undefined;
  let named = 2;
  for (;;) {
    const refused = runOn(model, sizes(named));
    if (refused === undefined) return namedSizesFree(op, model, shape, sizes(named));
    first ??= refused;
    // A refusal other than a ShapeError (a Sequential holding a recurrent layer) is not about sizes.
    if (!(refused.error instanceof ShapeError)) break;
    if (!grows || sizes(2 * named).reduce((a, b) => a * b, 1) > PROBE_MAX_VALUES) break;
    named *= 2;
  }
  const tried = named === 2 ? '' : ` (its named sizes tried from 2 to ${named})`;
  throw refusal(first!.error, `${op}: the model does not accept inputs of inputShape ${showShape(shape)}${tried}`);
}

/**
 * Checks that the model also takes each named size one larger than `taken` (the sizes it took): a
 * name the model takes at one size only (a feature axis) would tell ONNX engines the size is free,
 * and an input of another size could then be broadcast against a weight rather than refused.
 */
function namedSizesFree(op: string, model: AnyModule, shape: readonly Dim[], taken: readonly number[]): void {
  for (const name of new Set(shape.filter((d): d is string => typeof d === 'string'))) {
    const refused = runOn(model, taken.map((size, i) => (shape[i] === name ? size + 1 : size)));
    if (refused === undefined) continue;
    const axis = shape.indexOf(name);
    throw refusal(refused.error, `${op}: inputShape ${showShape(shape)} names a size the model fixes (give it as a number): it takes '${name}' (axis ${axis}) = ${taken[axis]}, but not ${taken[axis]! + 1}`);
  }
}

/**
 * Refuses weights too large for one protobuf message: the file would be one that no ONNX reader
 * can parse. (ONNX keeps such models' weights in files beside the model, which this exporter does
 * not write.)
 * @internal exported for its test: a model this large takes more memory than a test should.
 */
export function checkWeightBytes(op: string, bytes: number, precision: OnnxPrecision): void {
  if (bytes <= PROTOBUF_LIMIT - 2 ** 20) return; // a megabyte left for the graph itself
  throw new ValueError(
    `${op}: the model's weights take ${bytes} bytes in ${precision}, more than an ONNX file can hold (2 GiB, protobuf's limit, with the graph); ` +
      (precision === 'float64' ? "export with dtype: 'float32' to halve them, or save the weights with toSafetensors" : 'save the weights with toSafetensors instead'),
  );
}

/** The model's forward on zeros of `sizes`, in evaluation mode and without recording: what it threw, or undefined. */
function runOn(model: AnyModule, sizes: number[]): { error: unknown } | undefined {
  try {
    withMode(model, false, () => noGrad(() => model.forward(zeros(sizes))));
    return undefined;
  } catch (error) {
    return { error };
  }
}

/** `message`, then the model's own, as a ShapeError when the model's was one, else a ValueError. */
function refusal(error: unknown, message: string): AdjointError {
  const full = `${message}: ${(error as Error)?.message ?? String(error)}`;
  return error instanceof ShapeError ? new ShapeError(full) : new ValueError(full);
}

function showShape(shape: readonly Dim[]): string {
  return `[${shape.map((d) => (typeof d === 'number' ? d : `'${d}'`)).join(', ')}]`;
}

function unknownLayer(op: string, path: string, module: AnyModule): ValueError {
  const known = [...EXPORTERS.keys()].map((cls) => cls.name).join(', ');
  return new ValueError(`${op}: ${path === '' ? 'the model' : `model.${path}`} is a ${module.constructor.name}, which exportOnnx cannot write; it writes models built from ${known}`);
}

/** Errors of the exporters as errors of exportOnnx: an AdjointError whose message starts with `op`. */
function withExportErrors<T>(op: string, body: () => T): T {
  try {
    return body();
  } catch (e) {
    if (e instanceof AdjointError && e.message.startsWith(op)) throw e;
    const Kind = e instanceof ShapeError ? ShapeError : ValueError;
    throw new Kind(`${op}: ${(e as Error)?.message ?? String(e)}`);
  }
}
