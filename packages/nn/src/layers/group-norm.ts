/** Group normalisation (Wu & He 2018) and instance normalisation, as PyTorch's nn.GroupNorm and nn.InstanceNorm2d. */
import { ShapeError, Tensor, ValueError, formatShape, ones, zeros } from '@adjoint/core';
import { Module } from '../module';
import { checkBoolean, knownOptions, orDefault, requireTensor } from '../args';
import { epsValue, featureCount, moments, momentumValue, normalize, updateRunningStats } from './normalization';

/** Options of {@link GroupNorm}: PyTorch's `eps` and `affine`, with its defaults. */
export interface GroupNormOptions {
  /** Added to the variance before the square root: a positive finite number (default 1e-5). */
  eps?: number;
  /** Whether to learn a `weight` and a `bias` per channel (default true). */
  affine?: boolean;
}

/** Options of {@link InstanceNorm2d}: PyTorch's, with its defaults (which differ from GroupNorm's and BatchNorm2d's: no affine map, no running statistics). */
export interface InstanceNorm2dOptions {
  /** Added to the variance before the square root: a positive finite number (default 1e-5). */
  eps?: number;
  /** Weight of the newest batch in the running statistics, in [0, 1] (default 0.1); used with trackRunningStats. */
  momentum?: number;
  /** Whether to learn a `weight` and a `bias` per channel (default false). */
  affine?: boolean;
  /** Whether to keep running statistics, and normalise with them in evaluation (default false). */
  trackRunningStats?: boolean;
}

/**
 * `x` [N, C, …] normalised per sample over each group of C/groups consecutive channels and every
 * position: the statistics are those of x read as [N, groups, C/groups·positions] along its last
 * axis. Returns the normalised x in its own shape, and the mean and biased variance, [N, groups, 1].
 */
function normalizeGroups(x: Tensor, groups: number, eps: number): { normalized: Tensor; mean: Tensor; variance: Tensor } {
  const [n, c] = [x.shape[0]!, x.shape[1]!];
  const perGroup = (c / groups) * x.shape.slice(2).reduce((a, b) => a * b, 1);
  const { mean, centred, variance } = moments(x.reshape([n, groups, perGroup]), [2], true);
  return { normalized: normalize(centred, variance, eps).reshape(x.shape), mean, variance };
}

/** y·weight + bias with weight and bias [C] along axis 1 of y [N, C, …]; y itself without them. */
function affineMap(y: Tensor, weight: Tensor | null, bias: Tensor | null): Tensor {
  if (weight === null || bias === null) return y;
  const perChannel = [1, y.shape[1]!, ...y.shape.slice(2).map(() => 1)];
  return y.mul(weight.reshape(perChannel)).add(bias.reshape(perChannel));
}

/**
 * Group normalisation of `[N, C, *]` (any number of trailing axes, none included), PyTorch's
 * `nn.GroupNorm`: the C channels are split into `numGroups` groups of C/numGroups consecutive
 * channels, and each sample's group is normalised with its own mean and biased variance over those
 * channels and every position, then each channel is scaled and shifted by the learned `weight`
 * (starting at ones) and `bias` (starting at zeros), both `[C]`:
 *
 *   y[n, c, …] = (x[n, c, …] − μ_{n,g(c)}) / √(σ²_{n,g(c)} + ε) · weight[c] + bias[c]
 *
 * It keeps no running statistics, so it computes the same in training and evaluation and does not
 * depend on the batch size: the normalisation of U-Nets and diffusion models, trained with small
 * batches. One group is LayerNorm over each sample's channels and positions (with a weight per
 * channel); C groups is InstanceNorm2d. The gradient flows through the statistics.
 *
 * @example
 * const norm = new GroupNorm(4, 32);
 * norm.forward(randn([2, 32, 16, 16])).shape; // [2, 32, 16, 16]
 */
export class GroupNorm extends Module {
  /** G, the number of groups the channels are split into. */
  readonly numGroups: number;
  /** C, the number of channels (axis 1 of the input). */
  readonly numChannels: number;
  /** ε, added to the variance before the square root. */
  readonly eps: number;
  /** Whether the layer learns `weight` and `bias`. */
  readonly affine: boolean;

  /**
   * @throws ValueError naming GroupNorm for a group or channel count that is not a positive
   * integer, numGroups not dividing numChannels, an eps that is not a positive finite number, an
   * affine that is not a boolean, or an unknown option.
   */
  constructor(numGroups: number, numChannels: number, options: GroupNormOptions = {}) {
    super();
    const op = 'GroupNorm';
    options = knownOptions(op, options, ['eps', 'affine']);
    this.numGroups = featureCount(op, 'numGroups', numGroups);
    this.numChannels = featureCount(op, 'numChannels', numChannels);
    if (numChannels % numGroups !== 0) throw new ValueError(`${op}: numGroups must divide numChannels, got numGroups ${numGroups} for numChannels ${numChannels}`);
    this.eps = epsValue(op, orDefault(options.eps, 1e-5));
    this.affine = checkBoolean(op, 'affine', orDefault(options.affine, true));
    if (this.affine) {
      this.registerParameter('weight', ones([numChannels]));
      this.registerParameter('bias', zeros([numChannels]));
    }
  }

  /** The learned scale per channel, `[C]`, or null for a layer built with `affine: false`. */
  get weight(): Tensor | null {
    return this.affine ? this.param('weight') : null;
  }
  /** The learned shift per channel, `[C]`, or null for a layer built with `affine: false`. */
  get bias(): Tensor | null {
    return this.affine ? this.param('bias') : null;
  }

  /**
   * Normalises `x` of shape `[N, numChannels, *]` per sample and group.
   * @throws ShapeError naming GroupNorm.forward when x has fewer than 2 axes or its axis 1 is not
   * numChannels; ValueError for a non-tensor.
   */
  forward(x: Tensor): Tensor {
    const op = 'GroupNorm.forward';
    requireTensor(op, 'input', x);
    if (x.rank < 2 || x.shape[1] !== this.numChannels) throw new ShapeError(`${op}: input must be [batch, ${this.numChannels}, …], got ${formatShape(x.shape)}`);
    return affineMap(normalizeGroups(x, this.numGroups, this.eps).normalized, this.weight, this.bias);
  }

  protected override describeSelf(): string {
    return `${this.numGroups}, ${this.numChannels}, eps = ${this.eps}${this.affine ? '' : ', affine = false'}`;
  }
}

/**
 * Instance normalisation of images `[N, C, H, W]`, PyTorch's `nn.InstanceNorm2d`: each channel of
 * each sample is normalised with its own mean and biased variance over its H·W positions (GroupNorm
 * with one group per channel), then, with `affine: true`, scaled by `weight` (ones) and shifted by
 * `bias` (zeros), both `[C]`. PyTorch's defaults: no affine map and no running statistics, so by
 * default it computes the same in training and evaluation. With `trackRunningStats: true`, each
 * training call also updates the buffers `runningMean` (zeros) and `runningVar` (ones) with the
 * samples' means and unbiased variances averaged over the batch, as BatchNorm2d's update does, and
 * evaluation normalises with them instead. The style-transfer normalisation; the gradient flows
 * through the statistics.
 *
 * @example
 * new InstanceNorm2d(3).forward(randn([2, 3, 8, 8])).shape; // [2, 3, 8, 8]
 * new InstanceNorm2d(3, { affine: true, trackRunningStats: true }); // weight, bias, runningMean, runningVar
 */
export class InstanceNorm2d extends Module {
  /** C, the number of channels. */
  readonly numFeatures: number;
  /** ε, added to the variance before the square root. */
  readonly eps: number;
  /** m, the weight of the newest batch in the running statistics. */
  readonly momentum: number;
  /** Whether the layer learns `weight` and `bias`. */
  readonly affine: boolean;
  /** Whether the layer keeps running statistics and normalises with them in evaluation. */
  readonly trackRunningStats: boolean;

  /**
   * @throws ValueError naming InstanceNorm2d for a channel count that is not a positive integer, an
   * eps that is not a positive finite number, a momentum outside [0, 1], an affine or
   * trackRunningStats that is not a boolean, or an unknown option.
   */
  constructor(numFeatures: number, options: InstanceNorm2dOptions = {}) {
    super();
    const op = 'InstanceNorm2d';
    options = knownOptions(op, options, ['eps', 'momentum', 'affine', 'trackRunningStats']);
    this.numFeatures = featureCount(op, 'numFeatures', numFeatures);
    this.eps = epsValue(op, orDefault(options.eps, 1e-5));
    this.momentum = momentumValue(op, orDefault(options.momentum, 0.1));
    this.affine = checkBoolean(op, 'affine', orDefault(options.affine, false));
    this.trackRunningStats = checkBoolean(op, 'trackRunningStats', orDefault(options.trackRunningStats, false));
    if (this.affine) {
      this.registerParameter('weight', ones([numFeatures]));
      this.registerParameter('bias', zeros([numFeatures]));
    }
    if (this.trackRunningStats) {
      this.registerBuffer('runningMean', zeros([numFeatures]));
      this.registerBuffer('runningVar', ones([numFeatures]));
    }
  }

  /** The learned scale per channel, `[C]`, or null without `affine`. */
  get weight(): Tensor | null {
    return this.affine ? this.param('weight') : null;
  }
  /** The learned shift per channel, `[C]`, or null without `affine`. */
  get bias(): Tensor | null {
    return this.affine ? this.param('bias') : null;
  }
  /** The running mean per channel, `[C]`, or null without `trackRunningStats`. */
  get runningMean(): Tensor | null {
    return this.trackRunningStats ? this.buffer('runningMean') : null;
  }
  /** The running (unbiased) variance per channel, `[C]`, or null without `trackRunningStats`. */
  get runningVar(): Tensor | null {
    return this.trackRunningStats ? this.buffer('runningVar') : null;
  }

  /**
   * Normalises `x` of shape `[N, C, H, W]` per sample and channel: with the sample's statistics,
   * unless the layer tracks running statistics and is in evaluation.
   * @throws ShapeError naming InstanceNorm2d.forward when x is not `[N, numFeatures, H, W]`;
   * ValueError for a non-tensor, or for an image of a single position when normalising with its own
   * statistics (its variance is 0: as PyTorch, which refuses it).
   */
  forward(x: Tensor): Tensor {
    const op = 'InstanceNorm2d.forward';
    requireTensor(op, 'input', x);
    const c = this.numFeatures;
    if (x.rank !== 4 || x.shape[1] !== c) throw new ShapeError(`${op}: input must be [batch, ${c}, height, width], got ${formatShape(x.shape)}`);
    const [runningMean, runningVar] = [this.runningMean, this.runningVar];
    if (!this.training && runningMean !== null && runningVar !== null) {
      const perChannel = [1, c, 1, 1];
      return affineMap(normalize(x.sub(runningMean.reshape(perChannel)), runningVar.reshape(perChannel), this.eps), this.weight, this.bias);
    }
    const positions = x.shape[2]! * x.shape[3]!;
    if (positions === 1) throw new ValueError(`${op}: expected more than 1 position per channel, got input ${formatShape(x.shape)} (a 1 × 1 image normalises to 0)`);
    const { normalized, mean, variance } = normalizeGroups(x, c, this.eps);
    if (this.training && runningMean !== null && runningVar !== null && x.shape[0]! > 0) {
      const [n] = x.shape as [number];
      updateRunningStats(runningMean, runningVar, mean.reshape([n, c]).mean(0), variance.reshape([n, c]).mean(0), positions, this.momentum);
    }
    return affineMap(normalized, this.weight, this.bias);
  }

  protected override describeSelf(): string {
    const flags = [this.affine ? 'affine = true' : '', this.trackRunningStats ? `trackRunningStats = true, momentum = ${this.momentum}` : ''].filter((f) => f !== '');
    return [`${this.numFeatures}`, `eps = ${this.eps}`, ...flags].join(', ');
  }
}
