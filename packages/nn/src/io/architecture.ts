/**
 * Model architectures as JSON configs, so a saved model can be rebuilt without its code. Each
 * serializable layer class has a serializer in a registry keyed by a type name; the library's layers
 * are registered here (by inspecting their public properties, so the layer files need no changes),
 * and `registerLayer` adds user layers.
 */
import { ValueError, requireOptions } from '@adjoint/core';
import { Module, type AnyModule } from '../module';
import { Dense } from '../layers/dense';
import { Sequential } from '../layers/sequential';
import { Dropout } from '../layers/dropout';
import { BatchNorm } from '../layers/batch-norm';
import { BatchNorm2d } from '../layers/batch-norm-2d';
import { LayerNorm } from '../layers/layer-norm';
import { Residual } from '../layers/residual';
import { ELU, GELU, Identity, LeakyReLU, ReLU, SiLU, Sigmoid, Softmax, Softplus, Tanh } from '../layers/activation';
import { Flatten } from '../layers/flatten';
import { Embedding } from '../layers/embedding';
import { RNN } from '../layers/rnn';
import { LSTM } from '../layers/lstm';
import { GRU } from '../layers/gru';
import { Conv2d } from '../layers/conv';
import { ConvTranspose2d } from '../layers/conv-transpose';
import { AvgPool2d, MaxPool2d } from '../layers/pool';
import { Conv1d } from '../layers/conv1d';
import { AvgPool1d, MaxPool1d } from '../layers/pool1d';
import { GroupNorm, InstanceNorm2d } from '../layers/group-norm';
import { AdaptiveAvgPool2d, AdaptiveMaxPool2d } from '../layers/adaptive-pool';
import { Upsample } from '../layers/upsample';
import { PixelShuffle, PixelUnshuffle } from '../layers/pixel-shuffle';
import { MultiheadAttention } from '../layers/attention';
import {
  Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer, type CustomDecoder, type CustomEncoder, type TransformerLayerOptions,
} from '../layers/transformer';
import { activationNames, type ActivationName } from '../activations';
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_ITEMS, checkTree, requireLimit, type JsonLimits } from './limits';
import { elide, kind, preview } from './messages';

/** A layer's config: its registered type name and its constructor arguments as JSON values. */
export interface LayerConfig {
  type: string;
  [key: string]: unknown;
}

/** Turns a child module into its config (used for containers); `key` names it in messages. */
export type ChildToConfig = (module: AnyModule, key: string) => LayerConfig;
/** Rebuilds a child module from its config. */
export type ChildFromConfig = (config: unknown, key: string) => Module;

/** How one layer class is written to and read from a config. */
export interface LayerSerializer<M extends AnyModule = Module> {
  /** The name stored as `type` (unique in the registry). */
  type: string;
  /** The class. Only instances of exactly this class use the serializer: a subclass may differ. */
  cls: abstract new (...args: never[]) => M;
  /** The constructor arguments of `module`, as JSON values (without `type`). */
  toConfig(module: M, child: ChildToConfig): Record<string, unknown>;
  /**
   * A new module from a config written by toConfig. Its parameters' values do not matter (the saved
   * weights are loaded over them), but they should be drawn deterministically. The config comes from
   * a file, so check each field: it holds the file's own fields but `type`, in an object without a
   * prototype (a field the file lacks is undefined, never something inherited such as `toString`).
   */
  fromConfig(config: Record<string, unknown>, child: ChildFromConfig): M;
  /**
   * The value of each field that toConfig leaves out when it has its default (to keep files of
   * default layers as they were before the field existed): a config with the field written out at
   * that value describes the same layer.
   */
  defaults?: Readonly<Record<string, unknown>>;
}

const byType = new Map<string, LayerSerializer<any>>();
const byClass = new Map<Function, LayerSerializer<any>>();

/**
 * Registers a serializer, so that models containing the class can be saved with their
 * architecture and rebuilt by loadModel.
 * @throws ValueError when the type name or the class is already registered.
 *
 * @example
 * registerLayer({
 *   type: 'Scale', cls: Scale,
 *   toConfig: (m) => ({ factor: m.factor }),
 *   fromConfig: (c) => new Scale(c.factor as number),
 * });
 */
export function registerLayer<M extends AnyModule>(serializer: LayerSerializer<M>): void {
  const { type, cls } = serializer ?? ({} as LayerSerializer<M>);
  if (typeof type !== 'string' || type === '' || typeof cls !== 'function' || typeof serializer.toConfig !== 'function' || typeof serializer.fromConfig !== 'function') {
    throw new ValueError('registerLayer: expected {type, cls, toConfig, fromConfig}');
  }
  if (byType.has(type)) throw new ValueError(`registerLayer: the type '${type}' is already registered`);
  if (byClass.has(cls)) throw new ValueError(`registerLayer: ${cls.name} is already registered as '${byClass.get(cls)!.type}'`);
  byType.set(type, serializer);
  byClass.set(cls, serializer);
}

/**
 * The architecture of `model` as a config tree.
 * @throws ValueError naming the module's path and class when a module has no serializer, or when a
 * module instance appears twice in the tree (weight sharing cannot be expressed in a config).
 */
export function moduleToConfig(model: AnyModule): LayerConfig {
  const seen = new Map<AnyModule, string>();
  const visit = (m: AnyModule, path: string): LayerConfig => {
    if (!(m instanceof Module)) throw new ValueError(`moduleToConfig: ${path} is not a Module`);
    const first = seen.get(m);
    if (first !== undefined) throw new ValueError(`moduleToConfig: the same ${m.constructor.name} instance is used at ${first} and ${path}; shared modules cannot be described by a config`);
    seen.set(m, path);
    const s = byClass.get(m.constructor);
    if (s === undefined) throw new ValueError(`moduleToConfig: ${path} is a ${m.constructor.name}, which has no serializer (see registerLayer)`);
    try {
      return { type: s.type, ...s.toConfig(m, (child, key) => visit(child, `${path}.${key}`)) };
    } catch (e) {
      if (e instanceof ValueError && e.message.startsWith('moduleToConfig')) throw e;
      throw new ValueError(`moduleToConfig: ${path}: ${(e as Error).message}`);
    }
  };
  return visit(model, 'model');
}

/** Options of {@link moduleFromConfig}. */
export interface ModuleFromConfigOptions {
  /** The deepest nesting of arrays and objects in the config, and of modules in the tree (default 64). */
  maxDepth?: number;
  /** The most objects, arrays and strings in the config (default 1,000,000). */
  maxItems?: number;
}

/**
 * A new model from a config tree. The config is untrusted input (it comes from a file): it must be
 * a tree of JSON values within `options`' limits, only its own properties are read (a `type` of
 * "constructor" or "toString" is just an unknown type), and messages quote it in bounded pieces.
 * @throws ValueError naming the position in the tree for an unknown type or a malformed config.
 */
export function moduleFromConfig(config: unknown, where = 'architecture', options: ModuleFromConfigOptions = {}): Module {
  options = requireOptions('moduleFromConfig', options);
  const limits: JsonLimits = {
    maxDepth: requireLimit(where, 'maxDepth', options.maxDepth, DEFAULT_MAX_DEPTH),
    maxItems: requireLimit(where, 'maxItems', options.maxItems, DEFAULT_MAX_ITEMS),
  };
  checkTree(where, config, limits);
  return buildModule(config, { where, path: [], maxDepth: limits.maxDepth });
}

/** Where buildModule is in the config tree: the caller's prefix and the keys from the root. */
interface Position {
  where: string;
  path: readonly string[];
  maxDepth: number;
}

/** Errors that already say where in the tree they happened, so that outer levels pass them on. */
const located = new WeakSet<Error>();

/**
 * The module a config describes, its children built by recursion. The recursion is as deep as the
 * module tree, which checkTree has bounded; the depth is checked again here because a serializer
 * may build children from configs it makes itself.
 */
function buildModule(config: unknown, at: Position): Module {
  const here = locate(at);
  if (at.path.length >= at.maxDepth) throw locatedError(`${here}: modules nested deeper than maxDepth (${at.maxDepth}) levels; pass {maxDepth} to allow deeper models`);
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw locatedError(`${here}: expected a layer config {type, …}, got ${kind(config)}`);
  const type = own(config, 'type');
  const s = typeof type === 'string' ? byType.get(type) : undefined;
  if (s === undefined) throw locatedError(`${here}: unknown layer type ${preview(type)}; known types are ${knownTypes()}`);
  try {
    return s.fromConfig(ownFields(config), (child, key) => buildModule(child, { ...at, path: [...at.path, `.${elide(String(key), 40)}`] }));
  } catch (e) {
    if (e instanceof Error && located.has(e)) throw e;
    throw locatedError(`${here} (${elide(type as string, 40)}): ${elide(String((e as Error)?.message ?? e), 300)}`);
  }
}

function locatedError(message: string): ValueError {
  const error = new ValueError(message);
  located.add(error);
  return error;
}

/** `at` as text: the prefix, then the path from the root, its middle elided when deep. */
function locate(at: Position): string {
  const path = at.path.length > 8 ? [...at.path.slice(0, 4), `…(${at.path.length - 8} more)…`, ...at.path.slice(-4)] : at.path;
  return `${elide(at.where, 200)}${path.join('')}`;
}

/** The registered type names, for messages: the first dozen. */
function knownTypes(): string {
  const types = [...byType.keys()];
  const listed = types.slice(0, 12).map((t) => elide(t, 30)).join(', ');
  return types.length > 12 ? `${listed} and ${types.length - 12} more` : listed;
}

/** `object[key]` when it is the object's own property: never something inherited, such as Object.prototype.toString. */
function own(object: object, key: string): unknown {
  return Object.hasOwn(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}

/** A config's fields but `type`, in an object without a prototype, so that a serializer reads only what the file holds. */
function ownFields(config: object): Record<string, unknown> {
  const fields: Record<string, unknown> = Object.create(null);
  for (const [key, value] of Object.entries(config)) if (key !== 'type') fields[key] = value;
  return fields;
}

/**
 * A lower bound on the number of values a model built from `config` holds in its parameters and
 * buffers: those of the library's layers with parameters (Dense, BatchNorm, BatchNorm2d, LayerNorm, GroupNorm, InstanceNorm2d,
 * Embedding, RNN, LSTM, GRU, Conv1d, Conv2d, ConvTranspose2d, MultiheadAttention, TransformerEncoderLayer, TransformerDecoderLayer) in it, at any depth (user layers are not counted). A file must hold them all, so
 * deserializeModel can refuse a corrupt dimension (`"features": 1000000000`) before building the
 * model allocates gigabytes for it.
 */
export function configStateSize(config: unknown): number {
  if (config === null || typeof config !== 'object') return 0;
  let n = 0;
  // Recursion as deep as the config, which the caller has bounded (checkTree).
  for (const value of Object.values(config)) n += configStateSize(value); // child configs, lists of them
  if (Array.isArray(config)) return n;
  const dim = (key: string): number => {
    const v = own(config, key);
    return Number.isInteger(v) && (v as number) > 0 ? (v as number) : 0;
  };
  const type = own(config, 'type');
  if (type === 'Dense') n += dim('inFeatures') * dim('outFeatures') + (own(config, 'bias') === true ? dim('outFeatures') : 0);
  else if (type === 'BatchNorm') n += 4 * dim('features'); // gamma, beta, running mean and variance
  else if (type === 'BatchNorm2d') n += 4 * dim('numFeatures'); // weight, bias, running mean and variance
  else if (type === 'GroupNorm') n += own(config, 'affine') === true ? 2 * dim('numChannels') : 0; // weight, bias
  else if (type === 'InstanceNorm2d') n += ((own(config, 'affine') === true ? 2 : 0) + (own(config, 'trackRunningStats') === true ? 2 : 0)) * dim('numFeatures');
  else if (type === 'LayerNorm' && own(config, 'elementwiseAffine') === true) {
    const shape = own(config, 'normalizedShape');
    const size = isShape(shape) ? (shape as number[]).reduce((a, b) => a * b, 1) : 0;
    n += size * (own(config, 'bias') === true ? 2 : 1); // weight, and bias
  }
  else if (type === 'Embedding') n += dim('numEmbeddings') * dim('dim');
  else if (type === 'RNN' || type === 'LSTM' || type === 'GRU') {
    const gates = type === 'RNN' ? 1 : type === 'LSTM' ? 4 : 3;
    const [hidden, layers, directions] = [dim('hiddenSize'), Math.max(dim('numLayers'), 1), own(config, 'bidirectional') === true ? 2 : 1];
    // Per direction: weightIh, weightHh, biasIh, biasHh; layers above the first take D·hidden inputs.
    n += directions * gates * hidden * (dim('inputSize') + hidden + 2 + (layers - 1) * (directions * hidden + hidden + 2));
  } else if (type === 'Conv2d' || type === 'ConvTranspose2d') {
    const kernel = own(config, 'kernelSize');
    const taps = Array.isArray(kernel) && kernel.length === 2 && kernel.every(isInt) ? (kernel[0] as number) * (kernel[1] as number) : 0;
    // in·out/groups kernels either way: [out, in/groups, …] or, transposed, [in, out/groups, …].
    const perGroup = Math.floor(dim('inChannels') / Math.max(dim('groups'), 1));
    n += dim('outChannels') * perGroup * taps + (own(config, 'bias') === true ? dim('outChannels') : 0);
  } else if (type === 'Conv1d') {
    const perGroup = Math.floor(dim('inChannels') / Math.max(dim('groups'), 1));
    n += dim('outChannels') * perGroup * dim('kernelSize') + (own(config, 'bias') === true ? dim('outChannels') : 0);
  } else if (type === 'MultiheadAttention') {
    const e = dim('embedDim');
    // The three projections (kdim and vdim wide for keys and values) and outProj; with bias, 3E + E biases.
    n += e * (e + dim('kdim') + dim('vdim')) + e * e + (own(config, 'bias') === true ? 4 * e : 0);
  } else if (type === 'TransformerEncoderLayer' || type === 'TransformerDecoderLayer') {
    const [d, ff] = [dim('dModel'), dim('dimFeedforward')];
    // selfAttn (and the decoder's multiheadAttn), linear1, linear2 and the norms' weights (one per block); with bias, their biases too.
    const attentions = type === 'TransformerDecoderLayer' ? 2 : 1;
    n += attentions * 4 * d * d + 2 * d * ff + (attentions + 1) * d + (own(config, 'bias') === true ? attentions * 4 * d + ff + d + (attentions + 1) * d : 0);
  }
  return n;
}

/** A config field, checked. */
function field<T>(config: Record<string, unknown>, key: string, ok: (v: unknown) => boolean, what: string): T {
  const v = own(config, key);
  if (!ok(v)) throw new ValueError(`'${key}' must be ${what}, got ${kind(v)}`);
  return v as T;
}
const isInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
const isNum = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const isBool = (v: unknown): boolean => typeof v === 'boolean';
/** A non-empty list of positive integers (LayerNorm's normalizedShape). */
const isShape = (v: unknown): boolean => Array.isArray(v) && v.length > 0 && Array.from(v).every(isInt);

/**
 * A Dense layer's activation: its module's config, or its name. A function activation (named
 * 'custom') cannot be saved by name.
 */
function denseActivation(layer: Dense, child: ChildToConfig): string | LayerConfig {
  const module = layer.namedChildren().find(([name]) => name === 'activation');
  if (module !== undefined) return child(module[1], 'activation');
  const name = layer.activationName;
  if ((activationNames as string[]).includes(name)) return name;
  throw new ValueError(`Dense(${layer.inFeatures} → ${layer.outFeatures}) has a custom activation function, which cannot be saved by name; use a named activation or an activation module`);
}

const simple = <M extends Module>(type: string, cls: new () => M): LayerSerializer<M> => ({ type, cls, toConfig: () => ({}), fromConfig: () => new cls() });
/** A layer whose one constructor argument is the number `alpha` (LeakyReLU, ELU). */
const withAlpha = <M extends Module & { readonly alpha: number }>(type: string, cls: new (alpha: number) => M): LayerSerializer<M> => ({
  type, cls, toConfig: (m) => ({ alpha: m.alpha }), fromConfig: (c) => new cls(field(c, 'alpha', isNum, 'a number')),
});

/** A pair of integers ≥ `min` (1 unless given): a window's size, stride, padding or dilation. */
const isPair = (v: unknown, min: number = 1): v is [number, number] => Array.isArray(v) && v.length === 2 && v.every((d) => Number.isInteger(d) && d >= min);

/** An integer ≥ `min` (1 unless given): a 1-D window's size, stride, padding or dilation. */
const isCount = (v: unknown, min: number = 1): v is number => Number.isInteger(v) && (v as number) >= min;

/** A window's size as JSON: a pair copied, a number as it is. */
const sizeConfig = (v: number | readonly number[]): number | number[] => (typeof v === 'number' ? v : [...v]);

/**
 * The pooling layers, 1-D (sizes are numbers) and 2-D (sizes are pairs): their window. `isSize`
 * checks a size read from a file, `what` names what it must be.
 */
function pool<S extends number | readonly [number, number], M extends MaxPool2d | AvgPool2d | MaxPool1d | AvgPool1d>(
  type: string,
  cls: new (kernelSize: S, options: { stride: S; padding: S }) => M,
  isSize: (v: unknown, min?: number) => v is S,
  what: (min: 0 | 1) => string,
): LayerSerializer<M> {
  return {
    type,
    cls,
    toConfig: (m) => ({ kernelSize: sizeConfig(m.kernelSize), stride: sizeConfig(m.stride), padding: sizeConfig(m.padding) }),
    fromConfig: (c) =>
      new cls(field<S>(c, 'kernelSize', isSize, what(1)), {
        stride: field<S>(c, 'stride', isSize, what(1)),
        padding: field<S>(c, 'padding', (v) => isSize(v, 0), what(0)),
      }),
  };
}
/** AdaptiveAvgPool2d and AdaptiveMaxPool2d: their output size, a pair of positive integers or nulls. */
const adaptivePool = <M extends AdaptiveAvgPool2d | AdaptiveMaxPool2d>(type: string, cls: new (outputSize: [number | null, number | null]) => M): LayerSerializer<M> => ({
  type,
  cls,
  toConfig: (m) => ({ outputSize: [...m.outputSize] }),
  fromConfig: (c) => new cls(field(c, 'outputSize', (v) => Array.isArray(v) && v.length === 2 && v.every((d) => d === null || isInt(d)), 'a pair of positive integers or nulls')),
});

/**
 * Conv1d and Conv2d: their channels, window (sizes read as for {@link pool}), groups and whether
 * they have a bias. Built with zero weights and a seeded bias: the saved weights replace them, and
 * core's shared random stream is left alone.
 */
function convolution<S extends number | readonly [number, number], M extends Conv1d | Conv2d>(
  type: string,
  cls: new (inChannels: number, outChannels: number, kernelSize: S, options: { stride: S; padding: S | 'same'; dilation: S; groups: number; bias: boolean; init: 'zeros'; seed: number }) => M,
  isSize: (v: unknown, min?: number) => v is S,
  what: (min: 0 | 1) => string,
): LayerSerializer<M> {
  return {
    type,
    cls,
    toConfig: (m) => ({
      inChannels: m.inChannels, outChannels: m.outChannels, kernelSize: sizeConfig(m.kernelSize), stride: sizeConfig(m.stride),
      padding: m.padding === 'same' ? 'same' : sizeConfig(m.padding), dilation: sizeConfig(m.dilation), groups: m.groups, bias: m.bias !== null,
    }),
    fromConfig: (c) =>
      new cls(field(c, 'inChannels', isInt, 'a positive integer'), field(c, 'outChannels', isInt, 'a positive integer'), field<S>(c, 'kernelSize', isSize, what(1)), {
        stride: field<S>(c, 'stride', isSize, what(1)),
        padding: field<S | 'same'>(c, 'padding', (v) => v === 'same' || isSize(v, 0), `${what(0)} or 'same'`),
        dilation: field<S>(c, 'dilation', isSize, what(1)),
        groups: field(c, 'groups', isInt, 'a positive integer'),
        bias: field(c, 'bias', isBool, 'true or false'),
        init: 'zeros',
        seed: 0,
      }),
  };
}

/** ConvTranspose2d: Conv2d's fields (padding sizes only) and its outputPadding, built as {@link convolution} builds. */
const convolutionTranspose: LayerSerializer<ConvTranspose2d> = {
  type: 'ConvTranspose2d',
  cls: ConvTranspose2d,
  toConfig: (m) => ({
    inChannels: m.inChannels, outChannels: m.outChannels, kernelSize: sizeConfig(m.kernelSize), stride: sizeConfig(m.stride), padding: sizeConfig(m.padding),
    outputPadding: sizeConfig(m.outputPadding), dilation: sizeConfig(m.dilation), groups: m.groups, bias: m.bias !== null,
  }),
  fromConfig: (c) =>
    new ConvTranspose2d(field(c, 'inChannels', isInt, 'a positive integer'), field(c, 'outChannels', isInt, 'a positive integer'), field(c, 'kernelSize', isPair, pairs(1)), {
      stride: field(c, 'stride', isPair, pairs(1)),
      padding: field(c, 'padding', (v) => isPair(v, 0), pairs(0)),
      outputPadding: field(c, 'outputPadding', (v) => isPair(v, 0), pairs(0)),
      dilation: field(c, 'dilation', isPair, pairs(1)),
      groups: field(c, 'groups', isInt, 'a positive integer'),
      bias: field(c, 'bias', isBool, 'true or false'),
      init: 'zeros',
      seed: 0,
    }),
};

const pairs = (min: 0 | 1): string => (min === 0 ? 'a pair of non-negative integers' : 'a pair of positive integers');
const counts = (min: 0 | 1): string => (min === 0 ? 'a non-negative integer' : 'a positive integer');

/** What {@link stackingConfig} leaves out. */
const STACKING_DEFAULTS = { numLayers: 1, bidirectional: false, dropout: 0 } as const;

/**
 * A recurrent layer's numLayers, bidirectional and dropout, each written only when it is not the
 * default, so that a file of a default layer is what it was before these options existed.
 */
function stackingConfig(m: RNN | LSTM | GRU): Record<string, unknown> {
  return { ...(m.numLayers === 1 ? {} : { numLayers: m.numLayers }), ...(m.bidirectional ? { bidirectional: true } : {}), ...(m.dropout === 0 ? {} : { dropout: m.dropout }) };
}

/** The same options read back; a file without them (older, or of a default layer) gets the defaults. */
function stackingOptions(c: Record<string, unknown>): { numLayers?: number; bidirectional?: boolean; dropout?: number } {
  return {
    ...(own(c, 'numLayers') === undefined ? {} : { numLayers: field<number>(c, 'numLayers', isInt, 'a positive integer') }),
    ...(own(c, 'bidirectional') === undefined ? {} : { bidirectional: field<boolean>(c, 'bidirectional', (v) => typeof v === 'boolean', 'true or false') }),
    ...(own(c, 'dropout') === undefined ? {} : { dropout: field<number>(c, 'dropout', (v) => isNum(v) && (v as number) >= 0 && (v as number) < 1, 'a number in [0, 1)') }),
  };
}

/** BatchNorm and BatchNorm2d: their size (under `sizeKey`, the constructor's own name for it), momentum and eps. */
const batchNorm = <M extends BatchNorm | BatchNorm2d>(
  type: string,
  cls: new (size: number, options: { momentum: number; eps: number }) => M,
  sizeKey: string,
  sizeOf: (m: M) => number,
): LayerSerializer<M> => ({
  type,
  cls,
  toConfig: (m) => ({ [sizeKey]: sizeOf(m), momentum: m.momentum, eps: m.eps }),
  fromConfig: (c) => new cls(field(c, sizeKey, isInt, 'a positive integer'), { momentum: field(c, 'momentum', isNum, 'a number'), eps: field(c, 'eps', isNum, 'a number') }),
});

/** A recurrent layer built from a file, its dropout masks then drawn from core's stream (see drawMasksFromCoreStream). */
function loadedRecurrent<M extends RNN | LSTM | GRU>(layer: M): M {
  layer.drawMasksFromCoreStream();
  return layer;
}

/**
 * A TransformerEncoderLayer's or TransformerDecoderLayer's config holds its options only, so its
 * children must be the ones those options build: one put in place by replaceChild (another class,
 * or the same class with other options: a Dropout of another p, a Dense with an activation, a
 * LayerNorm of another ε, an attention of other heads) would be lost in the file.
 */
function checkLayerChildren(m: TransformerEncoderLayer | TransformerDecoderLayer): void {
  const d = m.dModel;
  const dense = (inFeatures: number, outFeatures: number) => (c: unknown): boolean => c instanceof Dense && c.constructor === Dense && c.inFeatures === inFeatures
    && c.outFeatures === outFeatures && c.activationName === 'identity' && (c.bias !== null) === m.bias;
  const attention = (c: unknown): boolean => c instanceof MultiheadAttention && c.constructor === MultiheadAttention && c.embedDim === d && c.numHeads === m.nhead
    && c.kdim === d && c.vdim === d && c.dropout === m.dropoutP && (c.inProjBias !== null) === m.bias && attentionChildrenMade(c);
  const norm = (c: unknown): boolean => c instanceof LayerNorm && c.constructor === LayerNorm && c.normalizedShape.length === 1 && c.normalizedShape[0] === d
    && c.eps === m.layerNormEps && c.elementwiseAffine && (c.bias !== null) === m.bias;
  const dropout = (c: unknown): boolean => c instanceof Dropout && c.constructor === Dropout && c.p === m.dropoutP;
  const expected: Record<string, (c: unknown) => boolean> = {
    selfAttn: attention, multiheadAttn: attention, linear1: dense(d, m.dimFeedforward), dropout, linear2: dense(m.dimFeedforward, d), norm1: norm, norm2: norm, norm3: norm,
    dropout1: dropout, dropout2: dropout, dropout3: dropout,
  };
  for (const [name, child] of m.namedChildren()) {
    if (!expected[name]?.(child)) throw notMadeByOptions(name, child);
  }
}

/** Whether a MultiheadAttention's outProj is the plain Dense(E, E) its options make (its config holds its options only). */
function attentionChildrenMade(m: MultiheadAttention): boolean {
  const out = m.outProj;
  return out instanceof Dense && out.constructor === Dense && out.inFeatures === m.embedDim && out.outFeatures === m.embedDim && out.activationName === 'identity'
    && (out.bias !== null) === (m.inProjBias !== null) && m.namedChildren().length === 1;
}

function notMadeByOptions(name: string, child: AnyModule): ValueError {
  return new ValueError(`its child '${name}' (${child.constructor.name}) is not the one its options make, so a file could not rebuild it; register a layer class of your own for this model (see registerLayer)`);
}

/** TransformerEncoderLayer and TransformerDecoderLayer: their options are their whole configuration. */
const transformerLayer = <M extends TransformerEncoderLayer | TransformerDecoderLayer>(
  type: string,
  cls: new (dModel: number, nhead: number, options: TransformerLayerOptions) => M,
): LayerSerializer<M> => ({
  type,
  cls,
  toConfig: (m) => {
    checkLayerChildren(m);
    return {
      dModel: m.dModel, nhead: m.nhead, dimFeedforward: m.dimFeedforward, dropout: m.dropoutP, activation: m.activation,
      layerNormEps: m.layerNormEps, normFirst: m.normFirst, bias: m.bias,
    };
  },
  // Seeded: the saved weights replace the draw, and core's shared stream is left alone; masks come from that stream.
  fromConfig: (c) => {
    const layer = new cls(field(c, 'dModel', isInt, 'a positive integer'), field(c, 'nhead', isInt, 'a positive integer'), {
      dimFeedforward: field(c, 'dimFeedforward', isInt, 'a positive integer'),
      dropout: field(c, 'dropout', isNum, 'a number in [0, 1)'),
      activation: field(c, 'activation', (v) => v === 'relu' || v === 'gelu', "'relu' or 'gelu'"),
      layerNormEps: field(c, 'layerNormEps', isNum, 'a number'),
      normFirst: field(c, 'normFirst', isBool, 'true or false'),
      bias: field(c, 'bias', isBool, 'true or false'),
      seed: 0,
    });
    layer.drawMasksFromCoreStream();
    return layer;
  },
});

/** TransformerEncoder and TransformerDecoder: their layers' configs and their norm's (or null). */
const transformerStack = <M extends TransformerEncoder | TransformerDecoder>(
  type: string,
  cls: new (layer: (index: number) => never, numLayers: number, options: { norm?: Module }) => M,
): LayerSerializer<M> => ({
  type,
  cls,
  toConfig: (m, child) => ({ layers: [...m.layers].map((l, i) => child(l, `layers.${i}`)), norm: m.norm === null ? null : child(m.norm, 'norm') }),
  fromConfig: (c, child) => {
    const layers = field<unknown[]>(c, 'layers', (v) => Array.isArray(v) && v.length > 0, 'a non-empty list of layer configs');
    const norm = own(c, 'norm');
    return new cls((i) => child(layers[i], `layers[${i}]`) as never, layers.length, norm === null ? {} : { norm: child(norm, 'norm') });
  },
});

/** LSTM and GRU: their sizes and stacking are their whole configuration. */
const recurrent = <M extends LSTM | GRU>(type: string, cls: new (inputSize: number, hiddenSize: number, options: { seed: number }) => M): LayerSerializer<M> => ({
  type,
  cls,
  toConfig: (m) => ({ inputSize: m.inputSize, hiddenSize: m.hiddenSize, ...stackingConfig(m) }),
  defaults: STACKING_DEFAULTS,
  // Seeded: the saved weights replace the draw, and no draw from core's shared random stream is
  // spent; dropout's masks come from that stream, as for any layer built without a seed.
  fromConfig: (c) => loadedRecurrent(new cls(field(c, 'inputSize', isInt, 'a positive integer'), field(c, 'hiddenSize', isInt, 'a positive integer'), { seed: 0, ...stackingOptions(c) })),
});

for (const s of [
  {
    type: 'Sequential',
    cls: Sequential,
    toConfig: (m: Sequential, child: ChildToConfig) => ({ layers: m.layers.map((l, i) => child(l, String(i))) }),
    fromConfig: (c: Record<string, unknown>, child: ChildFromConfig) =>
      new Sequential(field<unknown[]>(c, 'layers', Array.isArray, 'a list of layer configs').map((l, i) => child(l, `layers[${i}]`))),
  } satisfies LayerSerializer<Sequential>,
  {
    type: 'Dense',
    cls: Dense,
    toConfig: (m: Dense, child: ChildToConfig) => ({
      inFeatures: m.inFeatures, outFeatures: m.outFeatures, activation: denseActivation(m, child), bias: m.bias !== null,
    }),
    fromConfig: (c: Record<string, unknown>, child: ChildFromConfig) => {
      const a = c.activation ?? 'identity';
      const activation = typeof a === 'string' ? (a as ActivationName) : child(a, 'activation');
      const bias = field<boolean>(c, 'bias', (v) => typeof v === 'boolean', 'true or false');
      // Zeros: the saved weights replace them, and no draw from core's shared random stream is spent.
      return new Dense(field(c, 'inFeatures', isInt, 'a positive integer'), field(c, 'outFeatures', isInt, 'a positive integer'), { activation, bias, init: 'zeros' });
    },
  } satisfies LayerSerializer<Dense>,
  {
    type: 'Dropout',
    cls: Dropout,
    toConfig: (m: Dropout) => ({ p: m.p }),
    fromConfig: (c: Record<string, unknown>) => new Dropout(field(c, 'p', isNum, 'a number in [0, 1)')),
  } satisfies LayerSerializer<Dropout>,
  batchNorm('BatchNorm', BatchNorm, 'features', (m) => m.features),
  batchNorm('BatchNorm2d', BatchNorm2d, 'numFeatures', (m) => m.numFeatures),
  {
    type: 'LayerNorm',
    cls: LayerNorm,
    toConfig: (m: LayerNorm) => ({ normalizedShape: [...m.normalizedShape], eps: m.eps, elementwiseAffine: m.elementwiseAffine, bias: m.bias !== null }),
    fromConfig: (c: Record<string, unknown>) =>
      new LayerNorm(field(c, 'normalizedShape', isShape, 'a non-empty list of positive integers'), {
        eps: field(c, 'eps', isNum, 'a number'),
        elementwiseAffine: field(c, 'elementwiseAffine', isBool, 'true or false'),
        bias: field(c, 'bias', isBool, 'true or false'),
      }),
  } satisfies LayerSerializer<LayerNorm>,
  {
    type: 'Residual',
    cls: Residual,
    toConfig: (m: Residual, child: ChildToConfig) => ({ module: child(m.module, 'module') }),
    fromConfig: (c: Record<string, unknown>, child: ChildFromConfig) => new Residual(child(c.module, 'module')),
  } satisfies LayerSerializer<Residual>,
  withAlpha('LeakyReLU', LeakyReLU),
  withAlpha('ELU', ELU),
  {
    type: 'GELU',
    cls: GELU,
    toConfig: (m: GELU) => ({ approximate: m.approximate }),
    fromConfig: (c: Record<string, unknown>) => new GELU({ approximate: field(c, 'approximate', (v) => v === 'none' || v === 'tanh', "'none' or 'tanh'") }),
  } satisfies LayerSerializer<GELU>,
  {
    type: 'Softmax',
    cls: Softmax,
    toConfig: (m: Softmax) => ({ axis: m.axis }),
    fromConfig: (c: Record<string, unknown>) => new Softmax(field(c, 'axis', Number.isInteger, 'an integer')),
  } satisfies LayerSerializer<Softmax>,
  simple('Flatten', Flatten),
  {
    type: 'Embedding',
    cls: Embedding,
    toConfig: (m: Embedding) => ({ numEmbeddings: m.numEmbeddings, dim: m.dim, ...(m.paddingIdx === null ? {} : { paddingIdx: m.paddingIdx }) }),
    // Seeded: the saved weights replace the draw, and no draw from core's shared random stream is spent.
    // paddingIdx is absent from files without one (and from files older than it).
    fromConfig: (c: Record<string, unknown>) => new Embedding(field(c, 'numEmbeddings', isInt, 'a positive integer'), field(c, 'dim', isInt, 'a positive integer'), {
      seed: 0,
      ...(own(c, 'paddingIdx') === undefined ? {} : { paddingIdx: field<number>(c, 'paddingIdx', Number.isInteger, 'an integer') }),
    }),
  } satisfies LayerSerializer<Embedding>,
  {
    type: 'RNN',
    cls: RNN,
    toConfig: (m: RNN) => ({ inputSize: m.inputSize, hiddenSize: m.hiddenSize, nonlinearity: m.nonlinearity, ...stackingConfig(m) }),
    defaults: STACKING_DEFAULTS,
    fromConfig: (c: Record<string, unknown>) =>
      loadedRecurrent(
        new RNN(field(c, 'inputSize', isInt, 'a positive integer'), field(c, 'hiddenSize', isInt, 'a positive integer'), {
          nonlinearity: field(c, 'nonlinearity', (v) => v === 'tanh' || v === 'relu', "'tanh' or 'relu'"),
          seed: 0,
          ...stackingOptions(c),
        }),
      ),
  } satisfies LayerSerializer<RNN>,
  recurrent('LSTM', LSTM),
  recurrent('GRU', GRU),
  convolution('Conv2d', Conv2d, isPair, pairs),
  convolutionTranspose,
  convolution('Conv1d', Conv1d, isCount, counts),
  pool('MaxPool2d', MaxPool2d, isPair, pairs),
  pool('AvgPool2d', AvgPool2d, isPair, pairs),
  pool('MaxPool1d', MaxPool1d, isCount, counts),
  pool('AvgPool1d', AvgPool1d, isCount, counts),
  {
    type: 'GroupNorm',
    cls: GroupNorm,
    toConfig: (m: GroupNorm) => ({ numGroups: m.numGroups, numChannels: m.numChannels, eps: m.eps, affine: m.affine }),
    fromConfig: (c: Record<string, unknown>) =>
      new GroupNorm(field(c, 'numGroups', isInt, 'a positive integer'), field(c, 'numChannels', isInt, 'a positive integer'), {
        eps: field(c, 'eps', isNum, 'a number'),
        affine: field(c, 'affine', isBool, 'true or false'),
      }),
  } satisfies LayerSerializer<GroupNorm>,
  {
    type: 'InstanceNorm2d',
    cls: InstanceNorm2d,
    toConfig: (m: InstanceNorm2d) => ({ numFeatures: m.numFeatures, eps: m.eps, momentum: m.momentum, affine: m.affine, trackRunningStats: m.trackRunningStats }),
    fromConfig: (c: Record<string, unknown>) =>
      new InstanceNorm2d(field(c, 'numFeatures', isInt, 'a positive integer'), {
        eps: field(c, 'eps', isNum, 'a number'),
        momentum: field(c, 'momentum', isNum, 'a number'),
        affine: field(c, 'affine', isBool, 'true or false'),
        trackRunningStats: field(c, 'trackRunningStats', isBool, 'true or false'),
      }),
  } satisfies LayerSerializer<InstanceNorm2d>,
  adaptivePool('AdaptiveAvgPool2d', AdaptiveAvgPool2d),
  adaptivePool('AdaptiveMaxPool2d', AdaptiveMaxPool2d),
  {
    type: 'Upsample',
    cls: Upsample,
    toConfig: (m: Upsample) => ({
      ...(m.size !== null ? { size: [...m.size] } : { scaleFactor: [...m.scaleFactor!] }), mode: m.mode, alignCorners: m.alignCorners,
    }),
    fromConfig: (c: Record<string, unknown>) => {
      const mode = field<'nearest' | 'bilinear'>(c, 'mode', (v) => v === 'nearest' || v === 'bilinear', "'nearest' or 'bilinear'");
      const alignCorners = field<boolean>(c, 'alignCorners', isBool, 'true or false');
      // A nearest layer's file says alignCorners false, which the constructor takes only from bilinear (true is passed on, to be refused).
      const common = mode === 'bilinear' || alignCorners ? { mode, alignCorners } : { mode };
      // Both given: the constructor's refusal, not one of them silently dropped.
      if (own(c, 'size') !== undefined && own(c, 'scaleFactor') !== undefined) return new Upsample({ ...common, size: c.size as never, scaleFactor: c.scaleFactor as never });
      return own(c, 'size') !== undefined
        ? new Upsample({ ...common, size: field(c, 'size', isPair, pairs(1)) })
        : new Upsample({ ...common, scaleFactor: field(c, 'scaleFactor', (v) => Array.isArray(v) && v.length === 2 && v.every((f) => isNum(f) && f > 0), 'a pair of positive numbers') });
    },
  } satisfies LayerSerializer<Upsample>,
  {
    type: 'PixelShuffle',
    cls: PixelShuffle,
    toConfig: (m: PixelShuffle) => ({ upscaleFactor: m.upscaleFactor }),
    fromConfig: (c: Record<string, unknown>) => new PixelShuffle(field(c, 'upscaleFactor', isInt, 'a positive integer')),
  } satisfies LayerSerializer<PixelShuffle>,
  {
    type: 'PixelUnshuffle',
    cls: PixelUnshuffle,
    toConfig: (m: PixelUnshuffle) => ({ downscaleFactor: m.downscaleFactor }),
    fromConfig: (c: Record<string, unknown>) => new PixelUnshuffle(field(c, 'downscaleFactor', isInt, 'a positive integer')),
  } satisfies LayerSerializer<PixelUnshuffle>,
  {
    type: 'MultiheadAttention',
    cls: MultiheadAttention,
    toConfig: (m: MultiheadAttention) => {
      if (!attentionChildrenMade(m)) throw notMadeByOptions('outProj', m.outProj);
      return { embedDim: m.embedDim, numHeads: m.numHeads, kdim: m.kdim, vdim: m.vdim, dropout: m.dropout, bias: m.inProjBias !== null };
    },
    // Seeded: the saved weights replace the draw, and core's shared stream is left alone; masks come from that stream.
    fromConfig: (c: Record<string, unknown>) => {
      const layer = new MultiheadAttention(field(c, 'embedDim', isInt, 'a positive integer'), field(c, 'numHeads', isInt, 'a positive integer'), {
        kdim: field(c, 'kdim', isInt, 'a positive integer'),
        vdim: field(c, 'vdim', isInt, 'a positive integer'),
        dropout: field(c, 'dropout', isNum, 'a number in [0, 1)'),
        bias: field(c, 'bias', isBool, 'true or false'),
        seed: 0,
      });
      layer.drawMasksFromCoreStream();
      return layer;
    },
  } satisfies LayerSerializer<MultiheadAttention>,
  transformerLayer('TransformerEncoderLayer', TransformerEncoderLayer),
  transformerStack('TransformerEncoder', TransformerEncoder),
  transformerLayer('TransformerDecoderLayer', TransformerDecoderLayer),
  transformerStack('TransformerDecoder', TransformerDecoder),
  {
    type: 'Transformer',
    cls: Transformer,
    toConfig: (m: Transformer, child: ChildToConfig) => ({ dModel: m.dModel, nhead: m.nhead, encoder: child(m.encoder, 'encoder'), decoder: child(m.decoder, 'decoder') }),
    // Given as they are built from their configs: the Transformer draws no weights of its own then.
    fromConfig: (c: Record<string, unknown>, child: ChildFromConfig) => new Transformer({
      dModel: field(c, 'dModel', isInt, 'a positive integer'),
      nhead: field(c, 'nhead', isInt, 'a positive integer'),
      customEncoder: child(c.encoder, 'encoder') as unknown as CustomEncoder,
      customDecoder: child(c.decoder, 'decoder') as unknown as CustomDecoder,
    }),
  } satisfies LayerSerializer<Transformer>,
  simple('ReLU', ReLU),
  simple('Tanh', Tanh),
  simple('Sigmoid', Sigmoid),
  simple('Softplus', Softplus),
  simple('SiLU', SiLU),
  simple('Identity', Identity),
] as Array<LayerSerializer<any>>) {
  registerLayer(s);
}

/**
 * The first place where two configs differ, as 'path: a vs b', or null when they are equal.
 * Used to explain why a file does not fit a model; `a` is from the file, so only its own
 * properties count and its values are quoted in bounded pieces. The recursion is as deep as the
 * configs, which the caller has bounded (checkTree).
 */
export function configDifference(a: unknown, b: unknown, path = 'architecture'): string | null {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path} has ${a.length} entries in the file but ${b.length} in the model`;
    for (let i = 0; i < a.length; i++) {
      const d = configDifference(a[i], b[i], `${path}[${i}]`);
      if (d !== null) return d;
    }
    return null;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    // Two configs of one layer type: a field one of them leaves out has its default.
    const type = own(a, 'type');
    const defaults = typeof type === 'string' && type === own(b, 'type') ? byType.get(type)?.defaults : undefined;
    const value = (o: object, k: string): unknown => own(o, k) ?? (defaults !== undefined && Object.hasOwn(defaults, k) ? defaults[k] : undefined);
    for (const k of keys) {
      const d = configDifference(value(a, k), value(b, k), `${path}.${elide(k, 40)}`);
      if (d !== null) return d;
    }
    return null;
  }
  return Object.is(a, b) ? null : `${elide(path, 200)} is ${preview(a)} in the file but ${preview(b)} in the model`;
}
