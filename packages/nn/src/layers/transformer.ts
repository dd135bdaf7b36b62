/**
 * The transformer (Vaswani et al. 2017), as PyTorch's nn.TransformerEncoderLayer,
 * nn.TransformerEncoder, nn.TransformerDecoderLayer, nn.TransformerDecoder and nn.Transformer,
 * batch first.
 */
import { Rng, ShapeError, Tensor, ValueError, formatShape, rand } from '@adjoint/core';
import { Module, describe, type AnyModule } from '../module';
import { activationFn, type ActivationFn } from '../activations';
import { glorotUniform } from '../init';
import { Dense } from './dense';
import { Dropout } from './dropout';
import { LayerNorm } from './layer-norm';
import { ModuleList } from './module-list';
import { MultiheadAttention, attentionMasks, causalMask, checkHeads, dropoutProbability, type AttentionForwardOptions, type MaskKind } from './attention';
import { checkBoolean, generatorOf, knownOptions, oneOf, orDefault, positiveSize, randomSource, requireTensor, show } from '../args';

/** Options of {@link TransformerEncoderLayer} and {@link TransformerDecoderLayer}: PyTorch's, in camelCase, with its defaults. */
export interface TransformerLayerOptions {
  /** Width of the feed-forward block's hidden layer (default 2048). */
  dimFeedforward?: number;
  /** Dropout's probability on the attention weights, after each block and inside the feed-forward block, in training mode (default 0.1). */
  dropout?: number;
  /** The feed-forward block's activation: 'relu' (default) or 'gelu' (the exact x·Φ(x), PyTorch's). */
  activation?: 'relu' | 'gelu';
  /** The LayerNorms' ε (default 1e-5). */
  layerNormEps?: number;
  /** Whether each block normalises its input (pre-norm) rather than its residual sum (post-norm, the default false). */
  normFirst?: boolean;
  /** Whether the linear layers, the attentions' projections and the LayerNorms have biases (default true; PyTorch 2.1's `bias`). */
  bias?: boolean;
  /** Seed for the weight draws, then for dropout's masks: a whole number (give seed or rng, not both). */
  seed?: number;
  /** Generator to draw the weights from, then dropout's masks. */
  rng?: Rng;
}

/** Options of {@link TransformerEncoderLayer}. */
export type TransformerEncoderLayerOptions = TransformerLayerOptions;
/** Options of {@link TransformerDecoderLayer}. */
export type TransformerDecoderLayerOptions = TransformerLayerOptions;

const LAYER_OPTIONS = ['dimFeedforward', 'dropout', 'activation', 'layerNormEps', 'normFirst', 'bias', 'seed', 'rng'];

/** A layer's options, checked and with their defaults. */
interface LayerSettings {
  dModel: number;
  nhead: number;
  dimFeedforward: number;
  dropout: number;
  activation: 'relu' | 'gelu';
  layerNormEps: number;
  normFirst: boolean;
  bias: boolean;
}

/** The options every transformer layer takes, checked under `op`'s name (Transformer checks its own before it builds any). */
function layerSettings(op: string, dModel: unknown, nhead: unknown, options: TransformerLayerOptions): LayerSettings {
  const d = positiveSize(op, 'dModel', dModel);
  const h = positiveSize(op, 'nhead', nhead);
  checkHeads(op, 'dModel', d, 'nhead', h);
  const dimFeedforward = positiveSize(op, 'dimFeedforward', orDefault<unknown>(options.dimFeedforward, 2048));
  const dropout = dropoutProbability(op, orDefault<unknown>(options.dropout, 0.1));
  const activation = oneOf(op, 'activation', orDefault<unknown>(options.activation, 'relu'), ['relu', 'gelu'] as const);
  const eps: unknown = orDefault<unknown>(options.layerNormEps, 1e-5);
  if (typeof eps !== 'number' || !(eps > 0 && Number.isFinite(eps))) throw new ValueError(`${op}: layerNormEps must be a positive finite number, got ${show(eps)}`);
  const normFirst = checkBoolean(op, 'normFirst', orDefault<unknown>(options.normFirst, false));
  const bias = checkBoolean(op, 'bias', orDefault<unknown>(options.bias, true));
  return { dModel: d, nhead: h, dimFeedforward, dropout, activation, layerNormEps: eps, normFirst, bias };
}

/**
 * What {@link TransformerEncoderLayer} and {@link TransformerDecoderLayer} share: their options, the
 * self-attention `selfAttn`, the feed-forward block (`linear1`, `dropout`, `linear2`), and the norms
 * and dropouts of their residual blocks, `norm1`, `norm2`, `dropout1`, `dropout2` (the decoder has a
 * third of each, and a cross-attention). Every child draws from one generator, weights first in
 * PyTorch's order of registration, then dropout's masks.
 */
export abstract class TransformerLayer<In extends unknown[] = Tensor[]> extends Module<In, Tensor> {
  /** The features of every position, in and out. */
  readonly dModel: number;
  /** The attention heads. */
  readonly nhead: number;
  /** The width of the feed-forward block's hidden layer. */
  readonly dimFeedforward: number;
  /**
   * The dropout probability of the attention weights and of the Dropout children: the `dropout`
   * option, under another name because `dropout` is, as in PyTorch, the feed-forward block's Dropout child.
   */
  readonly dropoutP: number;
  /** The feed-forward block's activation. */
  readonly activation: 'relu' | 'gelu';
  /** ε of the LayerNorms. */
  readonly layerNormEps: number;
  /** Whether each block normalises its input (pre-norm) rather than its sum with the residual (post-norm, the default). */
  readonly normFirst: boolean;
  /** Whether the linear layers, the projections and the LayerNorms have biases. */
  readonly bias: boolean;
  /** The self-attention over the sequence. */
  readonly selfAttn: MultiheadAttention;
  /** The feed-forward block's first linear layer, dModel → dimFeedforward. */
  readonly linear1: Dense;
  /** Dropout between the feed-forward block's activation and linear2. */
  readonly dropout: Dropout;
  /** The feed-forward block's second linear layer, dimFeedforward → dModel. */
  readonly linear2: Dense;
  /** The LayerNorm of the self-attention block. */
  readonly norm1: LayerNorm;
  /** The LayerNorm of the next block (the feed-forward block's in an encoder, the cross-attention's in a decoder). */
  readonly norm2: LayerNorm;
  /** Dropout on the self-attention block's output. */
  readonly dropout1: Dropout;
  /** Dropout on the next block's output. */
  readonly dropout2: Dropout;
  private readonly activate: ActivationFn;
  /** The generator every child draws from (weights, then masks), or undefined for core's stream. */
  private generator: Rng | undefined;

  /**
   * Registers the children in PyTorch's order: selfAttn, (multiheadAttn), linear1, dropout, linear2,
   * norm1, norm2, (norm3), dropout1, dropout2, (dropout3), the bracketed ones with `crossAttention`.
   */
  protected constructor(op: string, dModel: number, nhead: number, options: TransformerLayerOptions, crossAttention: boolean) {
    super();
    options = knownOptions(op, options, LAYER_OPTIONS);
    const settings = layerSettings(op, dModel, nhead, options);
    const { dModel: d, nhead: h, dimFeedforward: ff, dropout: p } = settings;
    [this.dModel, this.nhead, this.dimFeedforward, this.dropoutP] = [d, h, ff, p];
    [this.activation, this.layerNormEps, this.normFirst, this.bias] = [settings.activation, settings.layerNormEps, settings.normFirst, settings.bias];
    this.activate = activationFn(this.activation, op);
    // One generator for all the children, in PyTorch's order: weights as registered, then masks.
    const rng = generatorOf(randomSource(op, options));
    this.generator = rng;
    const from = rng ? { rng } : {};
    const linearLike = (inFeatures: number, outFeatures: number): Dense => {
      const bound = 1 / Math.sqrt(inFeatures);
      const law = { min: -bound, max: bound };
      const dense = new Dense(inFeatures, outFeatures, { bias: this.bias, init: (shape, o) => rand(shape, { ...o, ...law }), ...from });
      dense.bias?.assign(rand([outFeatures], { ...from, ...law }));
      return dense;
    };
    const attention = (): MultiheadAttention => new MultiheadAttention(d, h, { dropout: p, bias: this.bias, ...from });
    const norm = (): LayerNorm => new LayerNorm(d, { eps: this.layerNormEps, bias: this.bias });
    const blocks = crossAttention ? [1, 2, 3] : [1, 2];
    this.selfAttn = this.register('selfAttn', attention());
    if (crossAttention) this.register('multiheadAttn', attention());
    this.linear1 = this.register('linear1', linearLike(d, ff));
    this.dropout = this.register('dropout', new Dropout(p, from));
    this.linear2 = this.register('linear2', linearLike(ff, d));
    [this.norm1, this.norm2] = blocks.map((i) => this.register(`norm${i}`, norm())) as [LayerNorm, LayerNorm];
    [this.dropout1, this.dropout2] = blocks.map((i) => this.register(`dropout${i}`, new Dropout(p, from))) as [Dropout, Dropout];
  }

  /**
   * The generator the weights were drawn from and every dropout mask is drawn from: the one given
   * as `rng`, or the layer's own for a `seed`; undefined when masks come from core's stream.
   */
  get rng(): Rng | undefined {
    return this.generator;
  }

  /** @internal For the model-file reader (see {@link MultiheadAttention.drawMasksFromCoreStream}): the Dropout children are made anew without a generator. */
  drawMasksFromCoreStream(): void {
    this.generator = undefined;
    for (const [name, child] of this.namedChildren()) {
      if (child instanceof MultiheadAttention) child.drawMasksFromCoreStream();
      else if (child instanceof Dropout) this.replaceChild(name, new Dropout(this.dropoutP));
    }
  }

  /** A child registered by the constructor, for the subclasses' fields. */
  protected child<M extends AnyModule>(name: string): M {
    return Module.childrenOf(this).get(name) as M;
  }

  /** `x` `[N, L, dModel]`, else a ShapeError naming `op` and `name` (and L as `length`); returns [N, L]. */
  protected checkSequence(op: string, name: string, x: unknown, length: string): [number, number] {
    requireTensor(op, name, x);
    if (x.rank !== 3 || x.shape[2] !== this.dModel) throw new ShapeError(`${op}: ${name} must be [batch, ${length}, ${this.dModel}], got ${formatShape(x.shape)}`);
    return [x.shape[0]!, x.shape[1]!];
  }

  /** One residual block: x + f(norm(x)) in pre-norm, norm(x + f(x)) in post-norm. */
  protected residual(x: Tensor, norm: LayerNorm, f: (x: Tensor) => Tensor): Tensor {
    return this.normFirst ? x.add(f(norm.forward(x))) : norm.forward(x.add(f(x)));
  }

  /** The attention block: `attention` from x to `memory` (x itself for self-attention), then `dropout`. */
  protected attend(attention: MultiheadAttention, dropout: Dropout, x: Tensor, memory: Tensor, options: AttentionForwardOptions): Tensor {
    return dropout.forward(attention.forward(x, memory, memory, options)[0]);
  }

  /** The feed-forward block, linear2(dropout(activation(linear1(x)))), then `dropout`. */
  protected feedForward(x: Tensor, dropout: Dropout): Tensor {
    return dropout.forward(this.linear2.forward(this.dropout.forward(this.activate(this.linear1.forward(x)))));
  }

  protected override describeSelf(): string {
    const parts = [`${this.dModel}`, `nhead ${this.nhead}`, `dimFeedforward ${this.dimFeedforward}`, `dropout ${this.dropoutP}`, this.activation];
    if (this.normFirst) parts.push('normFirst');
    if (!this.bias) parts.push('no bias');
    return parts.join(', ');
  }
}

/** One attention's masks as a layer's forward is given them, under MultiheadAttention's names. */
interface GivenMasks {
  attnMask?: Tensor | undefined;
  keyPaddingMask?: Tensor | undefined;
  isCausal?: boolean | undefined;
  maskKind?: MaskKind | undefined;
}

/**
 * The options for one of a layer's attentions, its masks checked first under the layer's names for
 * them (`names`), so that a bad one is reported as the caller wrote it.
 */
function attentionOptions(
  op: string,
  names: { attnMask: string; keyPaddingMask: string; isCausal: string },
  given: GivenMasks,
  sizes: { batch: number; heads: number; queries: number; keys: number },
): AttentionForwardOptions {
  attentionMasks(op, names, given, sizes);
  const { attnMask, keyPaddingMask, isCausal, maskKind } = given;
  return { ...(attnMask === undefined ? {} : { attnMask }), ...(keyPaddingMask === undefined ? {} : { keyPaddingMask }), isCausal, maskKind, needWeights: false };
}

/** Options of {@link TransformerEncoderLayer.forward}: PyTorch's, in camelCase. */
export interface TransformerEncoderLayerForwardOptions {
  /** `[L, L]` or `[batch·nhead, L, L]`: the self-attention's attnMask (see {@link MultiheadAttention.forward}). */
  srcMask?: Tensor;
  /** `[batch, L]`: positions to ignore as keys (padding), 1 = ignored. */
  srcKeyPaddingMask?: Tensor;
  /** Position i attends to positions 0 … i only; with srcMask, the hint that it is the causal mask (checked). */
  isCausal?: boolean;
  /** How the masks are read: 'auto' (default), 'boolean' or 'additive', as {@link MultiheadAttention.forward}'s. */
  maskKind?: MaskKind;
}

const ENCODER_LAYER_FORWARD_OPTIONS = ['srcMask', 'srcKeyPaddingMask', 'isCausal', 'maskKind'];

/**
 * One encoder block of a transformer, PyTorch's `nn.TransformerEncoderLayer` with
 * `batch_first=True`: self-attention and a feed-forward block, each added to its input (a residual)
 * and normalised. For src `[N, L, dModel]`, with SA(x) = dropout1(selfAttn(x, x, x)) and
 * FF(x) = dropout2(linear2(dropout(activation(linear1(x))))),
 *
 *   post-norm (default):  x = norm1(x + SA(x)); x = norm2(x + FF(x))
 *   pre-norm (normFirst): x = x + SA(norm1(x)); x = x + FF(norm2(x))
 *
 * The children are PyTorch's under its names in camelCase: `selfAttn` (a {@link MultiheadAttention}),
 * `linear1` (Dense(dModel, dimFeedforward)), `dropout`, `linear2` (Dense(dimFeedforward, dModel)),
 * `norm1`, `norm2` (LayerNorm(dModel)), `dropout1`, `dropout2`; a state dict maps one to one onto
 * PyTorch's, the Dense weights (`linear1.weight`, `linear2.weight`, `selfAttn.outProj.weight`)
 * transposed, as every Dense weight is. The Dense layers are drawn as nn.Linear draws, weight and
 * bias from U(−1/√in, 1/√in). The activation is applied between linear1 and dropout, not held by
 * linear1, as in PyTorch.
 *
 * @example
 * const layer = new TransformerEncoderLayer(16, 4, { dimFeedforward: 64, dropout: 0, seed: 0 });
 * layer.forward(randn([2, 5, 16]), { isCausal: true }).shape; // [2, 5, 16]
 */
export class TransformerEncoderLayer extends TransformerLayer {
  /**
   * @throws ValueError naming TransformerEncoderLayer for a dModel, nhead or dimFeedforward that is
   * not a positive integer, a dModel that nhead does not divide, a dropout outside [0, 1), an
   * activation other than 'relu' and 'gelu', a layerNormEps that is not a positive finite number,
   * a normFirst or bias that is not a boolean, a bad seed, seed and rng together, or an unknown option.
   */
  constructor(dModel: number, nhead: number, options: TransformerEncoderLayerOptions = {}) {
    super('TransformerEncoderLayer', dModel, nhead, options, false);
  }

  /**
   * The block's output for src `[N, L, dModel]`, of the same shape.
   * @throws ShapeError naming TransformerEncoderLayer.forward and the shapes for a src or mask of
   * the wrong shape; ValueError for what is not a tensor, a bad option, a boolean mask holding
   * other values than 0 and 1, or an isCausal srcMask that is not the causal mask.
   */
  // Two signatures, so that the layer is a plain tensor → tensor Module (a Sequential's item, fit's
  // model): TypeScript does not take a signature with an options object for Module's (...Tensor[]).
  forward(src: Tensor): Tensor;
  forward(src: Tensor, options: TransformerEncoderLayerForwardOptions | undefined): Tensor;
  forward(src: Tensor, options: TransformerEncoderLayerForwardOptions = {}): Tensor {
    const op = 'TransformerEncoderLayer.forward';
    options = knownOptions(op, options, ENCODER_LAYER_FORWARD_OPTIONS);
    const [n, l] = this.checkSequence(op, 'src', src, 'L');
    const { srcMask: attnMask, srcKeyPaddingMask: keyPaddingMask, isCausal, maskKind } = options;
    const self = attentionOptions(op, { attnMask: 'srcMask', keyPaddingMask: 'srcKeyPaddingMask', isCausal: 'isCausal' }, { attnMask, keyPaddingMask, isCausal, maskKind },
      { batch: n, heads: this.nhead, queries: l, keys: l });
    const x = this.residual(src, this.norm1, (y) => this.attend(this.selfAttn, this.dropout1, y, y, self));
    return this.residual(x, this.norm2, (y) => this.feedForward(y, this.dropout2));
  }
}

/** Options of {@link TransformerDecoderLayer.forward} and {@link TransformerDecoder.forward}: PyTorch's, in camelCase. */
export interface TransformerDecoderLayerForwardOptions {
  /** `[T, T]` or `[batch·nhead, T, T]`: the self-attention's attnMask (see {@link MultiheadAttention.forward}); {@link causalMask}(T) for a decoder that may not look ahead. */
  tgtMask?: Tensor;
  /** `[T, S]` or `[batch·nhead, T, S]`: the cross-attention's attnMask, which memory positions each target position may not see. */
  memoryMask?: Tensor;
  /** `[batch, T]`: target positions to ignore as keys of the self-attention (padding), 1 = ignored. */
  tgtKeyPaddingMask?: Tensor;
  /** `[batch, S]`: memory positions to ignore (the source's padding), 1 = ignored. */
  memoryKeyPaddingMask?: Tensor;
  /** Target position i attends to target positions 0 … i only; with tgtMask, the hint that it is the causal mask (checked). */
  tgtIsCausal?: boolean;
  /** Target position i attends to memory positions 0 … i only; with memoryMask, the hint that it is that mask (checked). */
  memoryIsCausal?: boolean;
  /** How the masks are read: 'auto' (default), 'boolean' or 'additive', as {@link MultiheadAttention.forward}'s. */
  maskKind?: MaskKind;
}

const DECODER_FORWARD_OPTIONS = ['tgtMask', 'memoryMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask', 'tgtIsCausal', 'memoryIsCausal', 'maskKind'];

/**
 * One decoder block of a transformer, PyTorch's `nn.TransformerDecoderLayer` with
 * `batch_first=True`: self-attention over the target, attention from the target to the encoder's
 * output (memory), and a feed-forward block, each added to its input and normalised. For tgt
 * `[N, T, dModel]` and memory `[N, S, dModel]`, with SA(x) = dropout1(selfAttn(x, x, x)),
 * CA(x) = dropout2(multiheadAttn(x, memory, memory)) and
 * FF(x) = dropout3(linear2(dropout(activation(linear1(x))))),
 *
 *   post-norm (default):  x = norm1(x + SA(x)); x = norm2(x + CA(x)); x = norm3(x + FF(x))
 *   pre-norm (normFirst): x = x + SA(norm1(x)); x = x + CA(norm2(x)); x = x + FF(norm3(x))
 *
 * The children are PyTorch's under its names in camelCase, in its order: `selfAttn`,
 * `multiheadAttn` ({@link MultiheadAttention}s), `linear1`, `dropout`, `linear2`, `norm1`, `norm2`,
 * `norm3`, `dropout1`, `dropout2`, `dropout3`; drawn as {@link TransformerEncoderLayer}'s are, and
 * mapped onto a PyTorch state dict the same way (the Dense weights transposed).
 *
 * @example
 * const layer = new TransformerDecoderLayer(16, 4, { dimFeedforward: 64, dropout: 0, seed: 0 });
 * layer.forward(randn([2, 5, 16]), randn([2, 7, 16]), { tgtMask: causalMask(5) }).shape; // [2, 5, 16]
 */
export class TransformerDecoderLayer extends TransformerLayer<[tgt: Tensor, memory: Tensor, options?: TransformerDecoderLayerForwardOptions]> {
  /** The attention from the target to the memory, PyTorch's `multihead_attn`. */
  /** The cross-attention from the target to the memory. */
  readonly multiheadAttn: MultiheadAttention;
  /** The LayerNorm of the feed-forward block. */
  readonly norm3: LayerNorm;
  /** Dropout on the feed-forward block's output. */
  readonly dropout3: Dropout;

  /**
   * @throws ValueError naming TransformerDecoderLayer for a dModel, nhead or dimFeedforward that is
   * not a positive integer, a dModel that nhead does not divide, a dropout outside [0, 1), an
   * activation other than 'relu' and 'gelu', a layerNormEps that is not a positive finite number,
   * a normFirst or bias that is not a boolean, a bad seed, seed and rng together, or an unknown option.
   */
  constructor(dModel: number, nhead: number, options: TransformerDecoderLayerOptions = {}) {
    super('TransformerDecoderLayer', dModel, nhead, options, true);
    this.multiheadAttn = this.child('multiheadAttn');
    this.norm3 = this.child('norm3');
    this.dropout3 = this.child('dropout3');
  }

  /**
   * The block's output for tgt `[N, T, dModel]` and memory `[N, S, dModel]` (the encoder's
   * output), of tgt's shape.
   * @throws ShapeError naming TransformerDecoderLayer.forward and the shapes for a tgt, memory or
   * mask of the wrong shape; ValueError for what is not a tensor, a bad option, a boolean mask
   * holding other values than 0 and 1, or a mask said to be causal (tgtIsCausal, memoryIsCausal) that is not.
   */
  forward(tgt: Tensor, memory: Tensor, options: TransformerDecoderLayerForwardOptions = {}): Tensor {
    const op = 'TransformerDecoderLayer.forward';
    options = knownOptions(op, options, DECODER_FORWARD_OPTIONS);
    const [n, t] = this.checkSequence(op, 'tgt', tgt, 'T');
    requireTensor(op, 'memory', memory);
    if (memory.rank !== 3 || memory.shape[0] !== n || memory.shape[2] !== this.dModel) {
      throw new ShapeError(`${op}: memory must be [${n}, S, ${this.dModel}] for tgt ${formatShape(tgt.shape)}, got ${formatShape(memory.shape)}`);
    }
    const s = memory.shape[1]!;
    const { maskKind } = options;
    const self = attentionOptions(op, { attnMask: 'tgtMask', keyPaddingMask: 'tgtKeyPaddingMask', isCausal: 'tgtIsCausal' },
      { attnMask: options.tgtMask, keyPaddingMask: options.tgtKeyPaddingMask, isCausal: options.tgtIsCausal, maskKind }, { batch: n, heads: this.nhead, queries: t, keys: t });
    const cross = attentionOptions(op, { attnMask: 'memoryMask', keyPaddingMask: 'memoryKeyPaddingMask', isCausal: 'memoryIsCausal' },
      { attnMask: options.memoryMask, keyPaddingMask: options.memoryKeyPaddingMask, isCausal: options.memoryIsCausal, maskKind }, { batch: n, heads: this.nhead, queries: t, keys: s });
    let x = this.residual(tgt, this.norm1, (y) => this.attend(this.selfAttn, this.dropout1, y, y, self));
    x = this.residual(x, this.norm2, (y) => this.attend(this.multiheadAttn, this.dropout2, y, memory, cross));
    return this.residual(x, this.norm3, (y) => this.feedForward(y, this.dropout3));
  }
}

/** A layer of a {@link TransformerEncoder}: a TransformerEncoderLayer, or a module of your own whose forward takes the same. */
export type EncoderLayer = Module & { forward(src: Tensor, options?: TransformerEncoderLayerForwardOptions): Tensor };

/** A layer of a {@link TransformerDecoder}: a TransformerDecoderLayer, or a module of your own whose forward takes the same. */
export type DecoderLayer = { forward(tgt: Tensor, memory: Tensor, options?: TransformerDecoderLayerForwardOptions): Tensor } & AnyModule;

/** Options of {@link TransformerEncoder} and {@link TransformerDecoder}. */
export interface TransformerEncoderOptions {
  /** A module applied to the last layer's output (a LayerNorm, usually with normFirst layers). */
  norm?: Module;
}

/** Options of {@link TransformerDecoder}. */
export type TransformerDecoderOptions = TransformerEncoderOptions;

/**
 * A stack's layers and norm, registered on `stack` as PyTorch's `layers` and `norm`: numLayers
 * clones of `layer` on generators of their own, or `layer(i)` for each i.
 */
function buildStack<L extends AnyModule>(
  stack: AnyModule,
  op: string,
  layer: L | ((index: number) => L),
  numLayers: number,
  options: TransformerEncoderOptions,
): { layers: ModuleList<L>; norm: Module | null } {
  options = knownOptions(op, options, ['norm']);
  const count = positiveSize(op, 'numLayers', numLayers);
  if (!(layer instanceof Module) && typeof layer !== 'function') throw new ValueError(`${op}: layer must be a Module or a function of the layer index that returns one, got ${describe(layer)}`);
  const layers: L[] = [];
  for (let i = 0; i < count; i++) {
    const made: unknown = layer instanceof Module ? layer.clone() : layer(i);
    if (!(made instanceof Module)) throw new ValueError(`${op}: the factory must return a Module, got ${describe(made)} for layer ${i}`);
    if (layers.includes(made as L)) throw new ValueError(`${op}: the factory returned the same module for layers ${layers.indexOf(made as L)} and ${i}; return a new one each time`);
    layers.push(made as L);
  }
  if (layer instanceof Module) forkGenerators(layers);
  const list = stack.register('layers', new ModuleList(layers));
  const norm: unknown = options.norm;
  if (norm !== undefined && norm !== null && !(norm instanceof Module)) throw new ValueError(`${op}: norm must be a Module, got ${show(norm)}`);
  return { layers: list, norm: norm === undefined || norm === null ? null : stack.register('norm', norm as Module) };
}

/** `x` through each layer (`step`), then the norm when there is one. */
function runStack<L extends AnyModule>(layers: ModuleList<L>, norm: Module | null, x: Tensor, step: (layer: L, x: Tensor) => Tensor): Tensor {
  for (const layer of layers) x = step(layer, x);
  return norm === null ? x : norm.forward(x);
}

/** `options` without the entries that are undefined, so that a layer of the user's own sees only what was given. */
function given<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}

/** Options of {@link TransformerEncoder.forward}: PyTorch's, in camelCase. */
export interface TransformerEncoderForwardOptions {
  /** Every layer's srcMask. */
  mask?: Tensor;
  /** Every layer's srcKeyPaddingMask. */
  srcKeyPaddingMask?: Tensor;
  /** Every layer's isCausal. */
  isCausal?: boolean;
  /** How the masks are read, as {@link MultiheadAttention.forward}'s maskKind. */
  maskKind?: MaskKind;
}

/**
 * A stack of encoder layers, PyTorch's `nn.TransformerEncoder`: src goes through `layers.0`,
 * `layers.1`, … (a {@link ModuleList}, PyTorch's `layers`), each given the same masks, then through
 * `norm` when there is one. Given a layer, the encoder holds `numLayers` copies of it
 * ({@link Module.clone}), all starting from its weights as PyTorch's deep copies do (the layer given
 * is not itself used); copies that draw dropout masks from a generator of their own each get a
 * stream of their own, so that the layers do not drop the same positions. Given a function instead,
 * layer i is `factory(i)`, each with its own weights.
 *
 * @example
 * const encoder = new TransformerEncoder(new TransformerEncoderLayer(16, 4, { dimFeedforward: 32, seed: 0 }), 2);
 * encoder.forward(randn([2, 5, 16]), { srcKeyPaddingMask: tensor([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]]) }).shape; // [2, 5, 16]
 */
export class TransformerEncoder extends Module {
  /** The layers, run in order. */
  readonly layers: ModuleList<EncoderLayer>;
  /** The module after the last layer, or null. */
  readonly norm: Module | null;

  /**
   * @throws ValueError naming TransformerEncoder for a numLayers that is not a positive integer, a
   * layer (or a factory's result) that is not a Module, a norm that is not a Module, or an unknown option.
   */
  constructor(layer: EncoderLayer | ((index: number) => EncoderLayer), numLayers: number, options: TransformerEncoderOptions = {}) {
    super();
    ({ layers: this.layers, norm: this.norm } = buildStack(this, 'TransformerEncoder', layer, numLayers, options));
  }

  /** The number of layers. */
  get numLayers(): number {
    return this.layers.length;
  }

  /**
   * src `[N, L, dModel]` through every layer and the norm.
   * @throws what the layers throw (ShapeError or ValueError naming TransformerEncoderLayer.forward)
   * for a src or mask that does not fit; ValueError naming TransformerEncoder.forward for an unknown option.
   */
  // Two signatures, as TransformerEncoderLayer's: a plain tensor → tensor Module too.
  forward(src: Tensor): Tensor;
  forward(src: Tensor, options: TransformerEncoderForwardOptions | undefined): Tensor;
  forward(src: Tensor, options: TransformerEncoderForwardOptions = {}): Tensor {
    const { mask, srcKeyPaddingMask, isCausal, maskKind } = knownOptions('TransformerEncoder.forward', options, ['mask', 'srcKeyPaddingMask', 'isCausal', 'maskKind']);
    const layerOptions = given<TransformerEncoderLayerForwardOptions>({ srcMask: mask, srcKeyPaddingMask, isCausal, maskKind });
    return runStack(this.layers, this.norm, src, (layer, x) => layer.forward(x, layerOptions));
  }

  protected override describeSelf(): string {
    return `numLayers ${this.numLayers}`;
  }
}

/**
 * A stack of decoder layers, PyTorch's `nn.TransformerDecoder`: tgt goes through `layers.0`,
 * `layers.1`, …, each attending to the same memory with the same masks, then through `norm` when
 * there is one. Its layers are made as {@link TransformerEncoder}'s are: copies of a layer given
 * (each drawing masks from a stream of its own), or `factory(i)`.
 *
 * @example
 * const decoder = new TransformerDecoder(new TransformerDecoderLayer(16, 4, { dimFeedforward: 32, seed: 0 }), 2, { norm: new LayerNorm(16) });
 * decoder.forward(randn([2, 5, 16]), randn([2, 7, 16]), { tgtIsCausal: true }).shape; // [2, 5, 16]
 */
export class TransformerDecoder extends Module<[tgt: Tensor, memory: Tensor, options?: TransformerDecoderLayerForwardOptions]> {
  /** The layers, run in order. */
  readonly layers: ModuleList<DecoderLayer>;
  /** The module after the last layer, or null. */
  readonly norm: Module | null;

  /**
   * @throws ValueError naming TransformerDecoder for a numLayers that is not a positive integer, a
   * layer (or a factory's result) that is not a Module, a norm that is not a Module, or an unknown option.
   */
  constructor(layer: DecoderLayer | ((index: number) => DecoderLayer), numLayers: number, options: TransformerDecoderOptions = {}) {
    super();
    ({ layers: this.layers, norm: this.norm } = buildStack(this, 'TransformerDecoder', layer, numLayers, options));
  }

  /** The number of layers. */
  get numLayers(): number {
    return this.layers.length;
  }

  /**
   * tgt `[N, T, dModel]` through every layer, each attending to memory `[N, S, dModel]`, and the norm.
   * @throws what the layers throw (ShapeError or ValueError naming TransformerDecoderLayer.forward)
   * for a tgt, memory or mask that does not fit; ValueError naming TransformerDecoder.forward for an unknown option.
   */
  forward(tgt: Tensor, memory: Tensor, options: TransformerDecoderLayerForwardOptions = {}): Tensor {
    const layerOptions = given(knownOptions('TransformerDecoder.forward', options, DECODER_FORWARD_OPTIONS));
    return runStack(this.layers, this.norm, tgt, (layer, x) => layer.forward(x, memory, layerOptions));
  }

  protected override describeSelf(): string {
    return `numLayers ${this.numLayers}`;
  }
}

/** The encoder of a {@link Transformer}: a TransformerEncoder, or a module of your own whose forward takes the same. */
export type CustomEncoder = Module & { forward(src: Tensor, options?: TransformerEncoderForwardOptions): Tensor };
/** The decoder of a {@link Transformer}: a TransformerDecoder, or a module of your own whose forward takes the same. */
export type CustomDecoder = { forward(tgt: Tensor, memory: Tensor, options?: TransformerDecoderLayerForwardOptions): Tensor } & AnyModule;

/** Options of {@link Transformer}: PyTorch's, in camelCase, with its defaults. */
export interface TransformerOptions extends TransformerLayerOptions {
  /** The features of every position, the model's width (default 512). */
  dModel?: number;
  /** Heads of every attention (default 8). */
  nhead?: number;
  /** Layers of the encoder (default 6). */
  numEncoderLayers?: number;
  /** Layers of the decoder (default 6). */
  numDecoderLayers?: number;
  /** An encoder to use as it is instead of the one the options make (PyTorch's custom_encoder). */
  customEncoder?: CustomEncoder;
  /** A decoder to use as it is instead of the one the options make (PyTorch's custom_decoder). */
  customDecoder?: CustomDecoder;
}

const TRANSFORMER_OPTIONS = [
  'dModel', 'nhead', 'numEncoderLayers', 'numDecoderLayers', 'dimFeedforward', 'dropout', 'activation', 'customEncoder', 'customDecoder', 'layerNormEps', 'normFirst', 'bias',
  'seed', 'rng',
];

/** Options of {@link Transformer.forward}: PyTorch's, in camelCase. */
export interface TransformerForwardOptions {
  /** The encoder's mask: `[S, S]` or `[batch·nhead, S, S]`. */
  srcMask?: Tensor;
  /** The decoder's self-attention mask: `[T, T]` or `[batch·nhead, T, T]`, usually {@link causalMask}(T). */
  tgtMask?: Tensor;
  /** The decoder's cross-attention mask: `[T, S]` or `[batch·nhead, T, S]`. */
  memoryMask?: Tensor;
  /** `[batch, S]`: the source's padding, 1 = ignored, in the encoder. */
  srcKeyPaddingMask?: Tensor;
  /** `[batch, T]`: the target's padding, in the decoder's self-attention. */
  tgtKeyPaddingMask?: Tensor;
  /** `[batch, S]`: the memory positions the decoder ignores (usually srcKeyPaddingMask again). */
  memoryKeyPaddingMask?: Tensor;
  /** The encoder's isCausal. */
  srcIsCausal?: boolean;
  /** The decoder's tgtIsCausal. */
  tgtIsCausal?: boolean;
  /** The decoder's memoryIsCausal. */
  memoryIsCausal?: boolean;
  /** How every mask is read, as {@link MultiheadAttention.forward}'s maskKind. */
  maskKind?: MaskKind;
}

const TRANSFORMER_FORWARD_OPTIONS = [
  'srcMask', 'tgtMask', 'memoryMask', 'srcKeyPaddingMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask', 'srcIsCausal', 'tgtIsCausal', 'memoryIsCausal', 'maskKind',
];

/**
 * The whole encoder-decoder transformer, PyTorch's `nn.Transformer` with `batch_first=True`: src
 * `[N, S, dModel]` goes through `encoder`, a {@link TransformerEncoder} of numEncoderLayers layers
 * with a final LayerNorm, and tgt `[N, T, dModel]` through `decoder`, a {@link TransformerDecoder} of
 * numDecoderLayers layers with a final LayerNorm, attending to the encoder's output. Its parameters
 * are PyTorch's, in camelCase: `encoder.layers.0.selfAttn.inProjWeight`, …, `encoder.norm.weight`,
 * `decoder.layers.0.…`, `decoder.norm.weight`. As PyTorch's `_reset_parameters` does, every
 * parameter of more than one axis (the projections and the linear layers' weights) is then drawn
 * again from Glorot uniform; the biases keep their layers' laws. An encoder or decoder given as
 * `customEncoder` or `customDecoder` is used as it is (PyTorch redraws its weights too).
 *
 * Like PyTorch's, it has no embedding and no output projection: give it sequences of dModel
 * features (embedded tokens plus positions) and put a Dense layer on its output.
 *
 * @example
 * const model = new Transformer({ dModel: 16, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 32, seed: 0 });
 * model.forward(randn([2, 7, 16]), randn([2, 5, 16]), { tgtMask: causalMask(5) }).shape; // [2, 5, 16]
 */
export class Transformer extends Module<[src: Tensor, tgt: Tensor, options?: TransformerForwardOptions]> {
  /** The features of every position. */
  readonly dModel: number;
  /** The attention heads of every layer. */
  readonly nhead: number;
  /** The encoder stack, with its final LayerNorm (or the customEncoder given). */
  readonly encoder: CustomEncoder;
  /** The decoder stack, with its final LayerNorm (or the customDecoder given). */
  readonly decoder: CustomDecoder;
  /** The generator the weights were drawn from and the layers' dropout masks are drawn from, or undefined for core's stream. */
  readonly rng: Rng | undefined;

  /**
   * @throws ValueError naming Transformer for a dModel, nhead, numEncoderLayers, numDecoderLayers or
   * dimFeedforward that is not a positive integer, a dModel that nhead does not divide, the other
   * layer options as {@link TransformerEncoderLayer} checks them, a customEncoder or customDecoder
   * that is not a Module, a bad seed, seed and rng together, or an unknown option.
   */
  constructor(options: TransformerOptions = {}) {
    super();
    const op = 'Transformer';
    options = knownOptions(op, options, TRANSFORMER_OPTIONS);
    const settings = layerSettings(op, orDefault<unknown>(options.dModel, 512), orDefault<unknown>(options.nhead, 8), options);
    const numEncoderLayers = positiveSize(op, 'numEncoderLayers', orDefault<unknown>(options.numEncoderLayers, 6));
    const numDecoderLayers = positiveSize(op, 'numDecoderLayers', orDefault<unknown>(options.numDecoderLayers, 6));
    const { customEncoder, customDecoder } = options;
    for (const [name, custom] of [['customEncoder', customEncoder], ['customDecoder', customDecoder]] as const) {
      if (custom !== undefined && !(custom instanceof Module)) throw new ValueError(`${op}: ${name} must be a Module, got ${describe(custom)}`);
    }
    [this.dModel, this.nhead] = [settings.dModel, settings.nhead];
    // One generator for every layer: the weights in PyTorch's order, then the dropout masks as the layers run.
    this.rng = generatorOf(randomSource(op, options));
    const from = this.rng ? { rng: this.rng } : {};
    const { dModel: d, nhead: h, dimFeedforward, dropout, activation, layerNormEps, normFirst, bias } = settings;
    const layerOptions = { dimFeedforward, dropout, activation, layerNormEps, normFirst, bias, ...from };
    const norm = (): LayerNorm => new LayerNorm(d, { eps: layerNormEps, bias });
    this.encoder = this.register('encoder', customEncoder ?? new TransformerEncoder(() => new TransformerEncoderLayer(d, h, layerOptions), numEncoderLayers, { norm: norm() }));
    this.decoder = this.register('decoder', customDecoder ?? new TransformerDecoder(() => new TransformerDecoderLayer(d, h, layerOptions), numDecoderLayers, { norm: norm() }));
    // PyTorch's _reset_parameters; a custom part is the caller's, and its weights are left as they are.
    const made = [customEncoder === undefined ? this.encoder : null, customDecoder === undefined ? this.decoder : null];
    for (const part of made) for (const p of part?.parameters() ?? []) if (p.rank > 1) p.assign(glorotUniform(p.shape, from));
  }

  /** PyTorch's `nn.Transformer.generate_square_subsequent_mask`: {@link causalMask}(size). */
  static generateSquareSubsequentMask(size: number): Tensor {
    return causalMask(size);
  }

  /**
   * The decoder's output `[N, T, dModel]` for src `[N, S, dModel]` and tgt `[N, T, dModel]`: the
   * encoder runs on src with srcMask, srcKeyPaddingMask and srcIsCausal, and the decoder on tgt
   * and the encoder's output with the other masks.
   * @throws ShapeError naming Transformer.forward for a src or tgt that is not `[batch, ·, dModel]`
   * with one batch; what the layers throw for masks that do not fit; ValueError for an unknown option.
   */
  forward(src: Tensor, tgt: Tensor, options: TransformerForwardOptions = {}): Tensor {
    const op = 'Transformer.forward';
    const { srcMask, srcKeyPaddingMask, srcIsCausal, ...decoderOptions } = knownOptions(op, options, TRANSFORMER_FORWARD_OPTIONS);
    requireTensor(op, 'src', src);
    requireTensor(op, 'tgt', tgt);
    const d = this.dModel;
    if (src.rank !== 3 || tgt.rank !== 3 || src.shape[0] !== tgt.shape[0] || src.shape[2] !== d || tgt.shape[2] !== d) {
      throw new ShapeError(`${op}: src and tgt must be [batch, S, ${d}] and [batch, T, ${d}] with the same batch, got ${formatShape(src.shape)} and ${formatShape(tgt.shape)}`);
    }
    const memory = this.encoder.forward(src, given({ mask: srcMask, srcKeyPaddingMask, isCausal: srcIsCausal, maskKind: decoderOptions.maskKind }));
    return this.decoder.forward(tgt, memory, given(decoderOptions));
  }

  protected override describeSelf(): string {
    return `dModel ${this.dModel}, nhead ${this.nhead}`;
  }
}

/**
 * Copies of one layer start with equal generators (clone copies a generator at its place in the
 * stream), which would drop the same positions in every layer: copy i ≥ 1 is moved to a stream
 * forked from copy i − 1's. Only generators are touched; a copy drawing from core's stream has none.
 */
function forkGenerators(layers: readonly AnyModule[]): void {
  for (let i = 1; i < layers.length; i++) {
    const [before, copy] = [generatorsOf(layers[i - 1]!), generatorsOf(layers[i]!)];
    // Forked from a copy of copy i − 1's generator, so that copy 0 stays where the layer's was.
    copy.forEach((rng, k) => rng.setState(Rng.fromState(before[k]!.state()).fork().state()));
  }
}

/** Every distinct generator a module tree draws with (`rng` of its modules), in tree order. */
function generatorsOf(module: AnyModule): Rng[] {
  const found: Rng[] = [];
  for (const [, m] of module.namedModules()) {
    const rng = (m as { rng?: unknown }).rng;
    if (rng instanceof Rng && !found.includes(rng)) found.push(rng);
  }
  return found;
}
