/** Embedding: a learned vector per token, looked up by integer index. */
import { Rng, Tensor, ValueError, gather, randn, requireIndicesBelow, stopGradient, tensor, where, type NestedArray } from '@adjoint/core';
import { Module } from '../module';
import { asTensor, checkParameterSize, knownOptions, positiveSize, randomSource, show } from '../args';

/** Options of {@link Embedding}. */
export interface EmbeddingOptions {
  /** Seed for the weight draw: a whole number (give seed or rng, not both). */
  seed?: number;
  /** Generator to draw the weight from. */
  rng?: Rng;
  /**
   * The index of a padding token (negative counts from the end, as in PyTorch): its row starts at
   * zeros and gets no gradient, so it stays as it is while the others learn.
   */
  paddingIdx?: number;
}

/**
 * A lookup table of `numEmbeddings` learned vectors of length `dim`: the index i gives row i of the
 * parameter `weight` (`[numEmbeddings, dim]`, drawn from N(0, 1) as PyTorch's `nn.Embedding`).
 * Indices of any shape `[...s]` give `[...s, dim]`. It is core's `gather` along axis 0, so the
 * gradient of `weight` is the output's cotangent scattered back (added) into the rows looked up;
 * rows not looked up get zero. With `paddingIdx`, that row starts at zeros and the lookups of it
 * pass no gradient back, as PyTorch's `padding_idx`.
 *
 * @example
 * const embed = new Embedding(1000, 16, { seed: 0 });
 * embed.forward([[3, 1, 4], [1, 5, 9]]).shape; // [2, 3, 16]
 */
export class Embedding extends Module<[indices: Tensor | NestedArray], Tensor> {
  readonly numEmbeddings: number;
  readonly dim: number;
  /** The padding index, from 0 (a negative option counted from the end), or null without one. */
  readonly paddingIdx: number | null;

  /**
   * @throws ValueError naming Embedding for a size that is not a positive integer, a table larger
   * than a tensor can hold, a bad seed, seed and rng together, a paddingIdx that is not an integer in
   * [−numEmbeddings, numEmbeddings), or an unknown option.
   */
  constructor(numEmbeddings: number, dim: number, options: EmbeddingOptions = {}) {
    super();
    const op = 'Embedding';
    options = knownOptions(op, options, ['seed', 'rng', 'paddingIdx']);
    positiveSize(op, 'numEmbeddings', numEmbeddings);
    positiveSize(op, 'dim', dim);
    checkParameterSize(op, 'weight', [numEmbeddings, dim]);
    const { paddingIdx } = options;
    if (paddingIdx !== undefined && !(Number.isInteger(paddingIdx) && paddingIdx >= -numEmbeddings && paddingIdx < numEmbeddings)) {
      throw new ValueError(`${op}: paddingIdx must be an integer in [${-numEmbeddings}, ${numEmbeddings}), got ${show(paddingIdx)}`);
    }
    const random = randomSource(op, options);
    this.numEmbeddings = numEmbeddings;
    this.dim = dim;
    this.paddingIdx = paddingIdx === undefined ? null : (paddingIdx + numEmbeddings) % numEmbeddings;
    const weight = randn([numEmbeddings, dim], random);
    if (this.paddingIdx !== null) weight.data.fill(0, this.paddingIdx * dim, (this.paddingIdx + 1) * dim);
    this.registerParameter('weight', weight);
  }

  /** The `[numEmbeddings, dim]` table: row i is the vector of index i. */
  get weight(): Tensor {
    return this.param('weight');
  }

  /**
   * The rows of `weight` at `indices`: a tensor or nested arrays of integers in [0, numEmbeddings),
   * of any shape `[...s]` (a single number gives one vector), → `[...s, dim]`.
   * @throws ValueError naming Embedding.forward and the first bad index (not an integer, negative, or ≥
   * numEmbeddings) and its position, or for indices that are not numbers.
   */
  forward(indices: Tensor | NestedArray): Tensor {
    const op = 'Embedding.forward';
    const idx = asTensor(op, 'indices', indices);
    requireIndicesBelow(op, 'indices', idx.data, this.numEmbeddings);
    const rows = gather(this.weight, idx, 0);
    const padding = this.paddingIdx;
    if (padding === null || !idx.data.includes(padding)) return rows;
    // The padding lookups read the row's values but pass nothing back to it.
    const isPadding = tensor(Array.from(idx.data, (i) => (i === padding ? 1 : 0)), { shape: [...idx.shape, 1] });
    return where(isPadding, stopGradient(rows), rows);
  }

  protected override describeSelf(): string {
    return `${this.numEmbeddings}, ${this.dim}${this.paddingIdx === null ? '' : `, paddingIdx=${this.paddingIdx}`}`;
  }
}
