/** Batch normalisation of images, per channel, as PyTorch's nn.BatchNorm2d. */
import { ShapeError, Tensor, ValueError, formatShape, ones, zeros } from '@adjoint/core';
import { Module } from '../module';
import { knownOptions, orDefault, requireTensor } from '../args';
import { epsValue, featureCount, moments, momentumValue, normalize, updateRunningStats } from './normalization';

/** Options of {@link BatchNorm2d}: PyTorch's `eps` and `momentum`, with its defaults. */
export interface BatchNorm2dOptions {
  /** Added to the variance before the square root: a positive finite number (default 1e-5). */
  eps?: number;
  /** Weight of the newest batch in the running statistics, in [0, 1] (default 0.1). */
  momentum?: number;
}

/** The axes a channel's statistics are taken over: batch, height and width of `[N, C, H, W]`. */
const AXES = [0, 2, 3];

/**
 * Batch normalisation of images `[N, C, H, W]` (NCHW, as Conv2d writes them), PyTorch's
 * `nn.BatchNorm2d`: each channel c is normalised with statistics over its N·H·W values, then scaled
 * by the learned `weight` (starting at ones) and shifted by the learned `bias` (starting at zeros),
 * both `[C]`:
 *
 *   y[n, c, i, j] = (x[n, c, i, j] − μ_c) / √(σ²_c + ε) · weight[c] + bias[c]
 *
 * In training, μ_c and σ²_c are the batch's mean and biased variance over N, H and W, and the
 * gradient flows through them; each training call also updates the buffers `runningMean` (starting
 * at zeros) and `runningVar` (starting at ones), with m the momentum and n = N·H·W,
 *
 *   runningMean ← (1 − m)·runningMean + m·μ
 *   runningVar  ← (1 − m)·runningVar  + m·σ²·n/(n − 1)
 *
 * (the unbiased variance, as PyTorch). In evaluation the running statistics replace the batch's, so
 * the layer is a fixed affine map of each channel. The names are PyTorch's in camelCase (`weight`,
 * `bias`, `running_mean` → `runningMean`, `running_var` → `runningVar`), so a state dict maps one to
 * one; PyTorch's `num_batches_tracked` counter is not kept (it only matters for `momentum=None`,
 * which this layer does not offer): load a PyTorch state dict holding it with `strict: false`, or
 * leave that key out. PyTorch's `affine=False` and `track_running_stats=False` are not offered either.
 *
 * @example
 * const bn = new BatchNorm2d(8);
 * bn.forward(randn([16, 8, 28, 28])).shape; // [16, 8, 28, 28]
 */
export class BatchNorm2d extends Module {
  /** C, the number of channels. */
  readonly numFeatures: number;
  /** ε, added to the variance before the square root. */
  readonly eps: number;
  /** m, the weight of the newest batch in the running statistics. */
  readonly momentum: number;

  /**
   * @throws ValueError naming BatchNorm2d for a channel count that is not a positive integer (up to
   * 2³¹ − 1), an eps that is not a positive finite number, a momentum outside [0, 1], or an unknown
   * option.
   */
  constructor(numFeatures: number, options: BatchNorm2dOptions = {}) {
    super();
    const op = 'BatchNorm2d';
    options = knownOptions(op, options, ['eps', 'momentum']);
    this.numFeatures = featureCount(op, 'numFeatures', numFeatures);
    this.eps = epsValue(op, orDefault(options.eps, 1e-5));
    this.momentum = momentumValue(op, orDefault(options.momentum, 0.1));
    this.registerParameter('weight', ones([numFeatures]));
    this.registerParameter('bias', zeros([numFeatures]));
    this.registerBuffer('runningMean', zeros([numFeatures]));
    this.registerBuffer('runningVar', ones([numFeatures]));
  }

  /** The learned scale per channel, `[C]` (PyTorch's `weight`, γ). */
  get weight(): Tensor {
    return this.param('weight');
  }
  /** The learned shift per channel, `[C]` (PyTorch's `bias`, β). */
  get bias(): Tensor {
    return this.param('bias');
  }
  /** Running mean of the batch means per channel, `[C]`, used in evaluation (PyTorch's `running_mean`). */
  get runningMean(): Tensor {
    return this.buffer('runningMean');
  }
  /** Running mean of the batch's unbiased variances per channel, `[C]`, used in evaluation (PyTorch's `running_var`). */
  get runningVar(): Tensor {
    return this.buffer('runningVar');
  }

  /**
   * Normalises `x` of shape `[N, C, H, W]` per channel: with the batch's statistics in training
   * (updating the running ones), with the running statistics in evaluation.
   * @throws ShapeError naming BatchNorm2d.forward when x is not `[N, numFeatures, H, W]`; ValueError
   * for a non-tensor, or in training when a channel has fewer than 2 values (N·H·W < 2), whose
   * variance is not defined (as PyTorch: use eval() for a single 1 × 1 image).
   */
  forward(x: Tensor): Tensor {
    const op = 'BatchNorm2d.forward';
    requireTensor(op, 'input', x);
    const c = this.numFeatures;
    if (x.rank !== 4 || x.shape[1] !== c) throw new ShapeError(`${op}: input must be [batch, ${c}, height, width], got ${formatShape(x.shape)}`);
    const perChannel = [1, c, 1, 1];
    const [weight, bias] = [this.weight.reshape(perChannel), this.bias.reshape(perChannel)];
    if (!this.training) {
      return normalize(x.sub(this.runningMean.reshape(perChannel)), this.runningVar.reshape(perChannel), this.eps).mul(weight).add(bias);
    }
    const n = x.size / c;
    if (!(n > 1)) {
      const remedy = n === 1 ? '; use eval() for a single 1 × 1 image, or dropLast in fit' : '';
      throw new ValueError(`${op}: expected more than 1 value per channel when training, got input ${formatShape(x.shape)} (${n} per channel${remedy})`);
    }
    const { mean, centred, variance } = moments(x, AXES, true);
    updateRunningStats(this.runningMean, this.runningVar, mean.reshape([c]), variance.reshape([c]), n, this.momentum);
    return normalize(centred, variance, this.eps).mul(weight).add(bias);
  }

  protected override describeSelf(): string {
    return `${this.numFeatures}, momentum = ${this.momentum}, eps = ${this.eps}`;
  }
}
