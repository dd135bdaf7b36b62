/** Batch normalisation (Ioffe & Szegedy 2015). */
import { ShapeError, Tensor, ValueError, formatShape, ones, zeros } from '@adjoint/core';
import { Module } from '../module';
import { knownOptions, orDefault, requireTensor } from '../args';
import { epsValue, featureCount, moments, momentumValue, normalize, updateRunningStats } from './normalization';

/** Options of {@link BatchNorm}. */
export interface BatchNormOptions {
  /** Weight of the newest batch in the running averages (default 0.1, as PyTorch). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

/**
 * Normalises each feature (the last axis) to zero mean and unit variance, then scales and shifts it
 * by learned γ (`gamma`, starting at ones) and β (`beta`, starting at zeros):
 *
 *   y = γ · (x − μ)/√(σ² + ε) + β
 *
 * In training, μ and σ² are the batch's mean and biased variance (over every axis but the last),
 * and the gradient flows through them. Each training call also updates the buffers
 *
 *   runningMean ← (1 − momentum)·runningMean + momentum·μ
 *   runningVar  ← (1 − momentum)·runningVar  + momentum·σ²·n/(n − 1)
 *
 * (the unbiased variance of the n values per feature, as PyTorch). In evaluation, the running
 * statistics replace the batch's, so an output depends on its own input only.
 *
 * On `[N, f]` this is PyTorch's `nn.BatchNorm1d(f)` (γ, β are its `weight`, `bias`). On inputs of
 * more axes the features stay the *last* axis, where BatchNorm1d's are axis 1 of `[N, C, L]`: for
 * Conv1d's output `[N, C, L]`, transpose to `[N, L, C]` first (`x.transpose([0, 2, 1])`), or the
 * layer refuses the shape — or, when L equals C, normalises over the wrong axis without a word.
 */
export class BatchNorm extends Module {
  readonly features: number;
  readonly momentum: number;
  readonly eps: number;

  /**
   * @throws ValueError naming BatchNorm for a feature count that is not a positive integer, a
   * momentum outside [0, 1], an eps that is not a positive finite number, or an unknown option.
   */
  constructor(features: number, options: BatchNormOptions = {}) {
    super();
    options = knownOptions('BatchNorm', options, ['momentum', 'eps']);
    this.features = featureCount('BatchNorm', 'features', features);
    this.momentum = momentumValue('BatchNorm', orDefault(options.momentum, 0.1));
    this.eps = epsValue('BatchNorm', orDefault(options.eps, 1e-5));
    this.registerParameter('gamma', ones([features]));
    this.registerParameter('beta', zeros([features]));
    this.registerBuffer('runningMean', zeros([features]));
    this.registerBuffer('runningVar', ones([features]));
  }

  /** The learned scale γ, `[features]`. */
  get gamma(): Tensor {
    return this.param('gamma');
  }
  /** The learned shift β, `[features]`. */
  get beta(): Tensor {
    return this.param('beta');
  }
  /** Running mean of the batch means, used in evaluation. */
  get runningMean(): Tensor {
    return this.buffer('runningMean');
  }
  /** Running mean of the batch (unbiased) variances, used in evaluation. */
  get runningVar(): Tensor {
    return this.buffer('runningVar');
  }

  /**
   * Normalises `x` of shape `[..., features]`: with the batch's statistics in training (updating the
   * running ones), with the running statistics in evaluation.
   * @throws ShapeError naming BatchNorm.forward when the last axis of x is not `features`; ValueError
   * for a non-tensor, or in training when a feature has fewer than 2 values.
   */
  forward(x: Tensor): Tensor {
    requireTensor('BatchNorm.forward', 'input', x);
    if (x.rank === 0 || x.shape[x.rank - 1] !== this.features) {
      throw new ShapeError(`BatchNorm.forward: input must be [batch, ..., ${this.features}], got ${formatShape(x.shape)}`);
    }
    if (!this.training) {
      return normalize(x.sub(this.runningMean), this.runningVar, this.eps).mul(this.gamma).add(this.beta);
    }
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const n = x.size / this.features;
    if (x.rank < 2 || n < 2) throw new ValueError(`BatchNorm.forward: training needs more than one value per feature, got input ${formatShape(x.shape)} (use eval() for single samples)`);
    const { mean, centred, variance } = moments(x, axes, false);
    updateRunningStats(this.runningMean, this.runningVar, mean, variance, n, this.momentum);
    return normalize(centred, variance, this.eps).mul(this.gamma).add(this.beta);
  }

  protected override describeSelf(): string {
    return `${this.features}, momentum = ${this.momentum}, eps = ${this.eps}`;
  }
}
