/** The transformer encoder (Vaswani et al. 2017), as PyTorch's nn.TransformerEncoderLayer and nn.TransformerEncoder, batch first. */
import { Rng, ShapeError, Tensor, ValueError, formatShape, rand } from '@adjoint/core';
import { Module, describe, type AnyModule } from '../module';
import { activationFn, type ActivationFn } from '../activations';
import { Dense } from './dense';
import { Dropout } from './dropout';
import { LayerNorm } from './layer-norm';
import { ModuleList } from './module-list';
import { MultiheadAttention, attentionMasks, checkHeads, dropoutProbability, type MaskKind } from './attention';
import { checkBoolean, generatorOf, knownOptions, oneOf, orDefault, positiveSize, randomSource, requireTensor, show } from '../args';

/** Options of {@link TransformerEncoderLayer}: PyTorch's, in camelCase, with its defaults. */
export interface TransformerEncoderLayerOptions {
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
  /** Whether the linear layers, the attention's projections and the LayerNorms have biases (default true; PyTorch 2.1's `bias`). */
  bias?: boolean;
  /** Seed for the weight draws, then for dropout's masks: a whole number (give seed or rng, not both). */
  seed?: number;
  /** Generator to draw the weights from, then dropout's masks. */
  rng?: Rng;
}

const LAYER_OPTIONS = ['dimFeedforward', 'dropout', 'activation', 'layerNormEps', 'normFirst', 'bias', 'seed', 'rng'];

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

const LAYER_FORWARD_OPTIONS = ['srcMask', 'srcKeyPaddingMask', 'isCausal', 'maskKind'];

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
export class TransformerEncoderLayer extends Module {
  readonly dModel: number;
  readonly nhead: number;
  readonly dimFeedforward: number;
  /** The dropout probability of the attention weights and of the three Dropout children. */
  readonly dropoutP: number;
  readonly activation: 'relu' | 'gelu';
  readonly layerNormEps: number;
  readonly normFirst: boolean;
  /** Whether the linear layers, the projections and the LayerNorms have biases. */
  readonly bias: boolean;
  readonly selfAttn: MultiheadAttention;
  readonly linear1: Dense;
  readonly dropout: Dropout;
  readonly linear2: Dense;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  private readonly activate: ActivationFn;
  /** The generator every child draws from (weights, then masks), or undefined for core's stream. */
  private generator: Rng | undefined;

  /**
   * @throws ValueError naming TransformerEncoderLayer for a dModel, nhead or dimFeedforward that is
   * not a positive integer, a dModel that nhead does not divide, a dropout outside [0, 1), an
   * activation other than 'relu' and 'gelu', a layerNormEps that is not a positive finite number,
   * a normFirst or bias that is not a boolean, a bad seed, seed and rng together, or an unknown option.
   */
  constructor(dModel: number, nhead: number, options: TransformerEncoderLayerOptions = {}) {
    super();
    const op = 'TransformerEncoderLayer';
    options = knownOptions(op, options, LAYER_OPTIONS);
    const d = positiveSize(op, 'dModel', dModel);
    const h = positiveSize(op, 'nhead', nhead);
    checkHeads(op, 'dModel', d, 'nhead', h);
    const ff = positiveSize(op, 'dimFeedforward', orDefault<unknown>(options.dimFeedforward, 2048));
    const p = dropoutProbability(op, orDefault<unknown>(options.dropout, 0.1));
    this.activation = oneOf(op, 'activation', orDefault<unknown>(options.activation, 'relu'), ['relu', 'gelu'] as const);
    const eps: unknown = orDefault<unknown>(options.layerNormEps, 1e-5);
    if (typeof eps !== 'number' || !(eps > 0 && Number.isFinite(eps))) throw new ValueError(`${op}: layerNormEps must be a positive finite number, got ${show(eps)}`);
    this.layerNormEps = eps;
    this.normFirst = checkBoolean(op, 'normFirst', orDefault<unknown>(options.normFirst, false));
    this.bias = checkBoolean(op, 'bias', orDefault<unknown>(options.bias, true));
    [this.dModel, this.nhead, this.dimFeedforward, this.dropoutP] = [d, h, ff, p];
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
    this.selfAttn = this.register('selfAttn', new MultiheadAttention(d, h, { dropout: p, bias: this.bias, ...from }));
    this.linear1 = this.register('linear1', linearLike(d, ff));
    this.dropout = this.register('dropout', new Dropout(p, from));
    this.linear2 = this.register('linear2', linearLike(ff, d));
    this.norm1 = this.register('norm1', new LayerNorm(d, { eps: this.layerNormEps, bias: this.bias }));
    this.norm2 = this.register('norm2', new LayerNorm(d, { eps: this.layerNormEps, bias: this.bias }));
    this.dropout1 = this.register('dropout1', new Dropout(p, from));
    this.dropout2 = this.register('dropout2', new Dropout(p, from));
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
    this.selfAttn.drawMasksFromCoreStream();
    for (const name of ['dropout', 'dropout1', 'dropout2'] as const) this.replaceChild(name, new Dropout(this.dropoutP));
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
    options = knownOptions(op, options, LAYER_FORWARD_OPTIONS);
    requireTensor(op, 'src', src);
    if (src.rank !== 3 || src.shape[2] !== this.dModel) throw new ShapeError(`${op}: src must be [batch, L, ${this.dModel}], got ${formatShape(src.shape)}`);
    const [n, l] = src.shape as [number, number];
    const { srcMask: attnMask, srcKeyPaddingMask: keyPaddingMask, isCausal, maskKind } = options;
    // Checked here so that a bad mask is reported under this layer's names for it.
    attentionMasks(op, { attnMask: 'srcMask', keyPaddingMask: 'srcKeyPaddingMask' }, { attnMask, keyPaddingMask, isCausal, maskKind }, { batch: n, heads: this.nhead, queries: l, keys: l });
    const attend = { ...(attnMask === undefined ? {} : { attnMask }), ...(keyPaddingMask === undefined ? {} : { keyPaddingMask }), isCausal, maskKind, needWeights: false };
    const sa = (x: Tensor): Tensor => this.dropout1.forward(this.selfAttn.forward(x, x, x, attend)[0]);
    const ff = (x: Tensor): Tensor => this.dropout2.forward(this.linear2.forward(this.dropout.forward(this.activate(this.linear1.forward(x)))));
    let x = src;
    if (this.normFirst) {
      x = x.add(sa(this.norm1.forward(x)));
      return x.add(ff(this.norm2.forward(x)));
    }
    x = this.norm1.forward(x.add(sa(x)));
    return this.norm2.forward(x.add(ff(x)));
  }

  protected override describeSelf(): string {
    const parts = [`${this.dModel}`, `nhead ${this.nhead}`, `dimFeedforward ${this.dimFeedforward}`, `dropout ${this.dropoutP}`, this.activation];
    if (this.normFirst) parts.push('normFirst');
    if (!this.bias) parts.push('no bias');
    return parts.join(', ');
  }
}

/** A layer of a {@link TransformerEncoder}: a TransformerEncoderLayer, or a module of your own whose forward takes the same. */
export type EncoderLayer = Module & { forward(src: Tensor, options?: TransformerEncoderLayerForwardOptions): Tensor };

/** Options of {@link TransformerEncoder}. */
export interface TransformerEncoderOptions {
  /** A module applied to the last layer's output (a LayerNorm, usually with normFirst layers). */
  norm?: Module;
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
  readonly layers: ModuleList<EncoderLayer>;
  /** The module after the last layer, or null. */
  readonly norm: Module | null;

  /**
   * @throws ValueError naming TransformerEncoder for a numLayers that is not a positive integer, a
   * layer (or a factory's result) that is not a Module, a norm that is not a Module, or an unknown option.
   */
  constructor(layer: EncoderLayer | ((index: number) => EncoderLayer), numLayers: number, options: TransformerEncoderOptions = {}) {
    super();
    const op = 'TransformerEncoder';
    options = knownOptions(op, options, ['norm']);
    const count = positiveSize(op, 'numLayers', numLayers);
    if (!(layer instanceof Module) && typeof layer !== 'function') throw new ValueError(`${op}: layer must be a Module or a function of the layer index that returns one, got ${describe(layer)}`);
    const layers: EncoderLayer[] = [];
    for (let i = 0; i < count; i++) {
      const made: unknown = layer instanceof Module ? layer.clone() : layer(i);
      if (!(made instanceof Module)) throw new ValueError(`${op}: the factory must return a Module, got ${describe(made)} for layer ${i}`);
      if (layers.includes(made as EncoderLayer)) throw new ValueError(`${op}: the factory returned the same module for layers ${layers.indexOf(made as EncoderLayer)} and ${i}; return a new one each time`);
      layers.push(made as EncoderLayer);
    }
    if (layer instanceof Module) forkGenerators(layers);
    this.layers = this.register('layers', new ModuleList(layers));
    const norm = options.norm;
    if (norm !== undefined && norm !== null && !(norm instanceof Module)) throw new ValueError(`${op}: norm must be a Module, got ${show(norm)}`);
    this.norm = norm === undefined || norm === null ? null : this.register('norm', norm);
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
    const op = 'TransformerEncoder.forward';
    const { mask, srcKeyPaddingMask, isCausal, maskKind } = knownOptions(op, options, ['mask', 'srcKeyPaddingMask', 'isCausal', 'maskKind']);
    const given = { srcMask: mask, srcKeyPaddingMask, isCausal, maskKind };
    const layerOptions = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as TransformerEncoderLayerForwardOptions;
    let x = src;
    for (const layer of this.layers) x = layer.forward(x, layerOptions);
    return this.norm === null ? x : this.norm.forward(x);
  }

  protected override describeSelf(): string {
    return `numLayers ${this.numLayers}`;
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
