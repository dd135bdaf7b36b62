/**
 * Multi-head attention (Vaswani et al. 2017), as PyTorch's nn.MultiheadAttention with
 * `batch_first=True`, and the causal mask of its nn.Transformer.
 */
import {
  Rng, ShapeError, Tensor, ValueError, formatShape, full, linear, matmul, matmulWith, ones, rand, reshape, softmax, split, transpose,
  triu, where, zeros,
} from '@adjoint/core';
import { Module } from '../module';
import { Dense } from './dense';
import { dropped } from './dropout';
import { glorotUniform } from '../init';
import { checkBoolean, checkParameterSize, generatorOf, knownOptions, oneOf, orDefault, positiveSize, randomSource, requireTensor, show } from '../args';

/** How {@link MultiheadAttention} reads a mask: see {@link AttentionForwardOptions.maskKind}. */
export type MaskKind = 'auto' | 'boolean' | 'additive';

const MASK_KINDS: readonly MaskKind[] = ['auto', 'boolean', 'additive'];

/** Options of {@link MultiheadAttention}: PyTorch's `dropout`, `bias`, `kdim` and `vdim`, and where the weights and masks are drawn from. */
export interface MultiheadAttentionOptions {
  /** Probability in [0, 1) of zeroing each attention weight, in training mode only, survivors scaled by 1/(1 − p) (default 0). */
  dropout?: number;
  /** Whether the input and output projections add a bias (default true). */
  bias?: boolean;
  /** Features of the keys (default embedDim). */
  kdim?: number;
  /** Features of the values (default embedDim). */
  vdim?: number;
  /** Seed for the weight draws, then for dropout's masks: a whole number (give seed or rng, not both). */
  seed?: number;
  /** Generator to draw the weights from, then dropout's masks. */
  rng?: Rng;
}

const MHA_OPTIONS = ['dropout', 'bias', 'kdim', 'vdim', 'seed', 'rng'];

/** Options of {@link MultiheadAttention.forward}: PyTorch's, in camelCase. */
export interface AttentionForwardOptions {
  /**
   * `[batch, S]`: keys to ignore in each sequence (padding). Boolean (1 = ignored) or additive
   * (added to every query's scores for that key), see maskKind.
   */
  keyPaddingMask?: Tensor;
  /**
   * `[L, S]` for every sequence and head, or `[batch·numHeads, L, S]` (row b·numHeads + h for
   * sequence b and head h): which keys each query may not see. Boolean (1 = not allowed) or
   * additive (added to the scores before the softmax; −∞ forbids), see maskKind.
   */
  attnMask?: Tensor;
  /** Whether to return the attention weights (default true); without them forward returns `[output, null]`. */
  needWeights?: boolean;
  /** Whether the weights returned are averaged over the heads, `[batch, L, S]` (default true), or per head, `[batch, numHeads, L, S]`. */
  averageAttnWeights?: boolean;
  /**
   * Query i sees keys 0 … i only (default false). Without attnMask, the layer applies that mask
   * itself; with one, it is PyTorch's hint that attnMask is the causal mask, which is checked.
   */
  isCausal?: boolean;
  /**
   * How the masks are read (default 'auto'). PyTorch tells a boolean mask from an additive one by
   * its dtype, and every tensor here is float64: with 'auto' a mask that holds only 0s and 1s and
   * does not require grad is boolean, any other additive. 'boolean' requires 0s and 1s; 'additive'
   * adds any mask, one of 0s and 1s too.
   */
  maskKind?: MaskKind;
}

const FORWARD_OPTIONS = ['keyPaddingMask', 'attnMask', 'needWeights', 'averageAttnWeights', 'isCausal', 'maskKind'];

/**
 * Attention from `query` to `key`/`value` with several heads, PyTorch's `nn.MultiheadAttention`
 * with `batch_first=True`. For query `[N, L, E]`, key `[N, S, kdim]` and value `[N, S, vdim]`, each
 * is projected to E features, q = query·W_qᵀ + b_q and so on, cut into numHeads heads of
 * D = E/numHeads features, and each head computes
 *
 *   weights = softmax(q·kᵀ/√D + masks)       head = weights · v
 *
 * the heads are joined again and projected by `outProj`. forward returns `[output [N, L, E],
 * weights]`, the weights averaged over the heads (`[N, L, S]`) or per head (`[N, numHeads, L, S]`).
 *
 * The parameters are PyTorch's under its names in camelCase, so a state dict maps one to one:
 * `inProjWeight` `[3E, E]` (W_q, W_k and W_v stacked, in PyTorch's `[out, in]` layout) and
 * `inProjBias` `[3E]`, or, when kdim or vdim differs from E, `qProjWeight` `[E, E]`, `kProjWeight`
 * `[E, kdim]` and `vProjWeight` `[E, vdim]` in place of inProjWeight; and `outProj`, a
 * {@link Dense}`(E, E)` whose `weight` is `[in, out]` as every Dense weight is: PyTorch's
 * `out_proj.weight` transposed. They are drawn as PyTorch draws them: the projections from Glorot
 * uniform (each block with its own fans), outProj's weight from U(−1/√E, 1/√E), the biases zero.
 *
 * Dropout (in training mode) zeroes attention weights, from the layer's generator after the weights;
 * the weights returned are those after dropout, as PyTorch's.
 *
 * @example
 * const attention = new MultiheadAttention(16, 4, { seed: 0 });
 * const x = randn([2, 5, 16]);
 * const [y, weights] = attention.forward(x, x, x, { attnMask: causalMask(5) }); // y [2, 5, 16], weights [2, 5, 5]
 */
export class MultiheadAttention extends Module<[query: Tensor, key?: Tensor, value?: Tensor, options?: AttentionForwardOptions], [Tensor, Tensor | null]> {
  /** E, the features of the queries and of the output. */
  readonly embedDim: number;
  /** The number of heads the features are split between. */
  readonly numHeads: number;
  /** E/numHeads, the features of each head. */
  readonly headDim: number;
  /** Features of the keys. */
  readonly kdim: number;
  /** Features of the values. */
  readonly vdim: number;
  /** Dropout's probability on the attention weights, in training mode. */
  readonly dropout: number;
  /** The output projection: a Dense(E, E), its weight PyTorch's `out_proj.weight` transposed. */
  readonly outProj: Dense;
  /** Whether the three projections are one `[3E, E]` weight (kdim = vdim = E), PyTorch's `_qkv_same_embed_dim`. */
  private readonly packed: boolean;
  private readonly hasBias: boolean;
  /** Where dropout's masks come from: the generator the weights came from, or core's stream (undefined). */
  private masks: Rng | undefined;

  /**
   * @throws ValueError naming MultiheadAttention for an embedDim, numHeads, kdim or vdim that is not a
   * positive integer, an embedDim that numHeads does not divide, a dropout outside [0, 1), a bias
   * that is not a boolean, a bad seed, seed and rng together, or an unknown option.
   */
  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    const op = 'MultiheadAttention';
    options = knownOptions(op, options, MHA_OPTIONS);
    const e = positiveSize(op, 'embedDim', embedDim);
    const heads = positiveSize(op, 'numHeads', numHeads);
    checkHeads(op, 'embedDim', e, 'numHeads', heads);
    const kdim = positiveSize(op, 'kdim', orDefault<unknown>(options.kdim, e));
    const vdim = positiveSize(op, 'vdim', orDefault<unknown>(options.vdim, e));
    this.dropout = dropoutProbability(op, orDefault<unknown>(options.dropout, 0));
    this.hasBias = checkBoolean(op, 'bias', orDefault<unknown>(options.bias, true));
    this.packed = kdim === e && vdim === e;
    if (this.packed) checkParameterSize(op, 'inProjWeight', [3 * e, e]);
    else for (const [name, width] of [['kProjWeight', kdim], ['vProjWeight', vdim]] as const) checkParameterSize(op, name, [e, width]);
    this.embedDim = e;
    this.numHeads = heads;
    this.headDim = e / heads;
    this.kdim = kdim;
    this.vdim = vdim;
    // One generator for every draw, weights first, so that dropout leaves the weights alone.
    const rng = generatorOf(randomSource(op, options));
    this.masks = rng;
    const from = rng ? { rng } : {};
    // PyTorch's xavier_uniform_ reads the fans of its [out, in] weights: fan-in is the column count.
    const glorot = (rows: number, columns: number): Tensor => glorotUniform([rows, columns], { ...from, fanIn: columns, fanOut: rows });
    if (this.packed) this.registerParameter('inProjWeight', glorot(3 * e, e));
    else {
      this.registerParameter('qProjWeight', glorot(e, e));
      this.registerParameter('kProjWeight', glorot(e, kdim));
      this.registerParameter('vProjWeight', glorot(e, vdim));
    }
    if (this.hasBias) this.registerParameter('inProjBias', zeros([3 * e]));
    // nn.Linear's weight law, U(−1/√in, 1/√in); MultiheadAttention zeroes out_proj's bias, as Dense starts it.
    const bound = 1 / Math.sqrt(e);
    this.outProj = this.register('outProj', new Dense(e, e, { bias: this.hasBias, init: (shape, o) => rand(shape, { ...o, min: -bound, max: bound }), ...from }));
  }

  /**
   * The generator dropout's masks are drawn from, after the weights were: the one given as `rng`,
   * or the layer's own for a `seed`; undefined when masks come from core's module-wide stream (no
   * seed or rng, or a layer read from a model file).
   */
  get rng(): Rng | undefined {
    return this.masks;
  }

  /** @internal For the model-file reader, which seeds the weights only to leave core's stream alone: masks then come from core's stream. */
  drawMasksFromCoreStream(): void {
    this.masks = undefined;
  }

  /** `[3E, E]`: W_q, W_k and W_v stacked, PyTorch's layout; null when kdim or vdim differs from E. */
  get inProjWeight(): Tensor | null {
    return this.packed ? this.param('inProjWeight') : null;
  }

  /** `[E, E]`, `[E, kdim]`, `[E, vdim]`: the separate projections when kdim or vdim differs from E; null otherwise. */
  get qProjWeight(): Tensor | null {
    return this.packed ? null : this.param('qProjWeight');
  }

  /** `[E, kdim]`, W_k, when kdim or vdim differs from E; else null (it is a block of inProjWeight). */
  get kProjWeight(): Tensor | null {
    return this.packed ? null : this.param('kProjWeight');
  }

  /** `[E, vdim]`, W_v, when kdim or vdim differs from E; else null (it is a block of inProjWeight). */
  get vProjWeight(): Tensor | null {
    return this.packed ? null : this.param('vProjWeight');
  }

  /** `[3E]`: b_q, b_k and b_v; null for a layer built with `bias: false`. */
  get inProjBias(): Tensor | null {
    return this.hasBias ? this.param('inProjBias') : null;
  }

  /**
   * `[output, weights]` for query `[N, L, E]`, key `[N, S, kdim]` and value `[N, S, vdim]` (key
   * and value default to the query and the key: self-attention). `weights` is null with
   * `needWeights: false`.
   * @throws ShapeError naming MultiheadAttention.forward and the shapes for inputs or masks of the
   * wrong shape; ValueError for what is not a tensor, a bad option, a boolean mask holding other
   * values than 0 and 1, or an isCausal attnMask that is not the causal mask.
   */
  forward(query: Tensor, key: Tensor = query, value: Tensor = key, options: AttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const op = 'MultiheadAttention.forward';
    options = knownOptions(op, options, FORWARD_OPTIONS);
    requireTensor(op, 'query', query);
    requireTensor(op, 'key', key);
    requireTensor(op, 'value', value);
    const e = this.embedDim;
    if (query.rank !== 3 || query.shape[2] !== e) throw new ShapeError(`${op}: query must be [batch, L, ${e}], got ${formatShape(query.shape)}`);
    const [n, l] = query.shape as [number, number];
    if (key.rank !== 3 || key.shape[0] !== n || key.shape[2] !== this.kdim) {
      throw new ShapeError(`${op}: key must be [${n}, S, ${this.kdim}] for query ${formatShape(query.shape)}, got ${formatShape(key.shape)}`);
    }
    const s = key.shape[1]!;
    if (value.rank !== 3 || value.shape[0] !== n || value.shape[1] !== s || value.shape[2] !== this.vdim) {
      throw new ShapeError(`${op}: value must be [${n}, ${s}, ${this.vdim}] for key ${formatShape(key.shape)}, got ${formatShape(value.shape)}`);
    }
    const needWeights = checkBoolean(op, 'needWeights', orDefault<unknown>(options.needWeights, true));
    const average = checkBoolean(op, 'averageAttnWeights', orDefault<unknown>(options.averageAttnWeights, true));
    const masks = attentionMasks(op, { attnMask: 'attnMask', keyPaddingMask: 'keyPaddingMask' }, options, { batch: n, heads: this.numHeads, queries: l, keys: s });

    const [q, k, v] = this.project(query, key, value);
    const [h, d] = [this.numHeads, this.headDim];
    const heads = (t: Tensor, length: number): Tensor => transpose(reshape(t, [n, length, h, d]), [0, 2, 1, 3]);
    // q/√D before the product, as PyTorch scales it.
    let scores = matmulWith(heads(q, l).div(Math.sqrt(d)), heads(k, s), false, true); // [N, H, L, S]
    for (const mask of masks) scores = mask.boolean ? where(mask.tensor, -Infinity, scores) : scores.add(mask.tensor);
    let weights = softmax(scores, -1);
    if (this.training && this.dropout > 0) weights = dropped(weights, this.dropout, this.masks);
    const joined = reshape(transpose(matmul(weights, heads(v, s)), [0, 2, 1, 3]), [n, l, e]);
    const output = this.outProj.forward(joined);
    return [output, !needWeights ? null : average ? weights.mean(1) : weights];
  }

  /** q, k and v, each `[N, ·, E]`: one product for self-attention with the packed weight, else one per input. */
  private project(query: Tensor, key: Tensor, value: Tensor): [Tensor, Tensor, Tensor] {
    const bias = this.inProjBias;
    const affine = (x: Tensor, w: Tensor, b: Tensor | null): Tensor => (b === null ? matmul(x, transpose(w)) : linear(x, transpose(w), b));
    if (this.packed) {
      const w = this.param('inProjWeight');
      if (query === key && key === value) return split(affine(query, w, bias), 3, 2) as [Tensor, Tensor, Tensor];
      const ws = split(w, 3, 0);
      const bs = bias === null ? [null, null, null] : split(bias, 3, 0);
      return [affine(query, ws[0]!, bs[0]!), affine(key, ws[1]!, bs[1]!), affine(value, ws[2]!, bs[2]!)];
    }
    const bs = bias === null ? [null, null, null] : split(bias, 3, 0);
    return [affine(query, this.param('qProjWeight'), bs[0]!), affine(key, this.param('kProjWeight'), bs[1]!), affine(value, this.param('vProjWeight'), bs[2]!)];
  }

  protected override describeSelf(): string {
    const parts = [`${this.embedDim}`, `numHeads ${this.numHeads}`];
    if (this.kdim !== this.embedDim) parts.push(`kdim ${this.kdim}`);
    if (this.vdim !== this.embedDim) parts.push(`vdim ${this.vdim}`);
    if (this.dropout !== 0) parts.push(`dropout ${this.dropout}`);
    if (!this.hasBias) parts.push('no bias');
    return parts.join(', ');
  }
}

/**
 * PyTorch's `nn.Transformer.generate_square_subsequent_mask(size)`: a `[size, size]` additive mask,
 * −∞ above the diagonal and 0 elsewhere, so that as attnMask each query i sees keys 0 … i only.
 * @throws ValueError naming causalMask for a size that is not a positive integer.
 * @example
 * causalMask(3).toArray(); // [[0, -Infinity, -Infinity], [0, 0, -Infinity], [0, 0, 0]]
 */
export function causalMask(size: number): Tensor {
  positiveSize('causalMask', 'size', size);
  return triu(full([size, size], -Infinity), 1);
}

/** @internal @throws ValueError naming `op` unless `heads` divides `dim` (each head gets dim/heads features). */
export function checkHeads(op: string, dimName: string, dim: number, headsName: string, heads: number): void {
  if (dim % heads !== 0) throw new ValueError(`${op}: ${dimName} ${dim} must be divisible by ${headsName} ${heads} (each head gets ${dimName}/${headsName} features)`);
}

/** @internal A dropout probability in [0, 1), else a ValueError naming `op`. */
export function dropoutProbability(op: string, p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new ValueError(`${op}: dropout must be in [0, 1), got ${show(p)}`);
  return p;
}

/** A mask ready to apply to the scores `[N, H, L, S]`: a boolean one (1 = hidden) or one to add, broadcasting. */
interface ScoreMask {
  tensor: Tensor;
  boolean: boolean;
}

/** The sizes a mask is checked against. */
interface AttentionSizes {
  batch: number;
  heads: number;
  queries: number;
  keys: number;
}

/**
 * @internal The masks of an attention call (`options` holding attnMask, keyPaddingMask, isCausal and
 * maskKind), checked against `sizes` and shaped to broadcast against the scores `[N, H, L, S]`.
 * `names` gives the options' names in `op`'s messages (TransformerEncoderLayer calls them srcMask and
 * srcKeyPaddingMask; TransformerDecoderLayer's cross-attention memoryMask, memoryKeyPaddingMask and memoryIsCausal).
 */
export function attentionMasks(
  op: string,
  names: { attnMask: string; keyPaddingMask: string; isCausal?: string },
  options: { attnMask?: unknown; keyPaddingMask?: unknown; isCausal?: unknown; maskKind?: unknown },
  sizes: AttentionSizes,
): ScoreMask[] {
  const { batch, heads, queries: l, keys: s } = sizes;
  const kind = oneOf(op, 'maskKind', orDefault<unknown>(options.maskKind, 'auto'), MASK_KINDS);
  const causalName = names.isCausal ?? 'isCausal';
  const isCausal = checkBoolean(op, causalName, orDefault<unknown>(options.isCausal, false));
  const masks: ScoreMask[] = [];
  if (options.keyPaddingMask !== undefined) {
    const mask = options.keyPaddingMask;
    const name = names.keyPaddingMask;
    requireTensor(op, name, mask);
    if (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== s) {
      throw new ShapeError(`${op}: ${name} must be [batch, S] = [${batch}, ${s}], got ${formatShape(mask.shape)}`);
    }
    masks.push({ tensor: reshape(mask, [batch, 1, 1, s]), boolean: isBoolean(op, name, mask, kind) });
  }
  if (options.attnMask !== undefined) {
    const mask = options.attnMask;
    const name = names.attnMask;
    requireTensor(op, name, mask);
    const two = mask.rank === 2 && mask.shape[0] === l && mask.shape[1] === s;
    const three = mask.rank === 3 && mask.shape[0] === batch * heads && mask.shape[1] === l && mask.shape[2] === s;
    if (!two && !three) {
      throw new ShapeError(`${op}: ${name} must be [L, S] = [${l}, ${s}] or [batch·numHeads, L, S] = [${batch * heads}, ${l}, ${s}], got ${formatShape(mask.shape)}`);
    }
    const boolean = isBoolean(op, name, mask, kind);
    if (isCausal) checkCausal(op, causalName, name, mask, boolean);
    masks.push({ tensor: three ? reshape(mask, [batch, heads, l, s]) : mask, boolean });
  } else if (isCausal) {
    masks.push({ tensor: triu(ones([l, s]), 1), boolean: true });
  }
  return masks;
}

/** Whether `mask` is read as boolean under `kind` (see {@link AttentionForwardOptions.maskKind}). */
function isBoolean(op: string, name: string, mask: Tensor, kind: MaskKind): boolean {
  if (kind === 'additive') return false;
  const bad = mask.data.findIndex((v) => v !== 0 && v !== 1);
  if (kind === 'auto') return bad < 0 && !mask.requiresGrad;
  if (bad >= 0) throw new ValueError(`${op}: with maskKind 'boolean', ${name} must hold only 0s and 1s (1 = masked), got ${mask.data[bad]} at flat index ${bad} of ${formatShape(mask.shape)}`);
  return true;
}

/**
 * @throws ValueError unless `mask` (`[L, S]` or a stack of them) is the causal mask, as PyTorch's
 * isCausal hint promises: masked (1, or −∞ when additive) exactly above the diagonal, 0 elsewhere.
 */
function checkCausal(op: string, causalName: string, name: string, mask: Tensor, boolean: boolean): void {
  const [l, s] = mask.shape.slice(-2) as [number, number];
  const blocked = boolean ? 1 : -Infinity;
  const bad = mask.data.findIndex((v, i) => {
    const [row, column] = [Math.floor(i / s) % l, i % s];
    return v !== (column > row ? blocked : 0);
  });
  if (bad >= 0) {
    throw new ValueError(`${op}: ${causalName} says ${name} is the causal mask (${boolean ? '1' : '−∞'} above the diagonal, 0 elsewhere), but it holds ${mask.data[bad]} at flat index ${bad} of ${formatShape(mask.shape)}; leave ${causalName} out to apply this mask as it is`);
  }
}
