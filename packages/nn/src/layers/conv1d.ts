/** The 1-D convolution layer, as PyTorch's nn.Conv1d. */
import { MAX_SIZE, Rng, ShapeError, Tensor, ValueError, conv2d, formatShape } from '@adjoint/core';

import { type Initializer, type InitializerName } from '../init';
import { knownOptions, positiveSize, windowSize, requireTensor } from '../args';
import { Convolution, convWindow } from './conv';

const CONV1D_OPTIONS = ['stride', 'padding', 'dilation', 'groups', 'bias', 'init', 'seed', 'rng'];

/** Options of {@link Conv1d}. */
export interface Conv1dOptions {
  /** Step between applications of the kernel: a positive integer (default 1). */
  stride?: number;
  /**
   * Zeros added at both ends of each sequence: a non-negative integer (default 0), `'valid'` (none)
   * or `'same'` (as much as keeps the length; stride 1 only; an odd total puts the extra zero after
   * the sequence, as PyTorch does).
   */
  padding?: number | 'valid' | 'same';
  /** Spacing between the kernel's taps: a positive integer (default 1). */
  dilation?: number;
  /**
   * Channel groups (default 1): input and output channels are split into `groups` equal parts and
   * part g of the output sees only part g of the input. Must divide both channel counts.
   */
  groups?: number;
  /** Whether to add a learned bias per output channel (default true). */
  bias?: boolean;
  /**
   * The weight's initialiser, by name or as a function (called with the weight's shape `[out,
   * in / groups, kernelSize]` and `{rng}` or `{}`). Named fan-scaled initialisers use a convolution's
   * fans: fan-in (in / groups)·kernelSize, fan-out out·kernelSize. Default: PyTorch's,
   * U(−1/√fanIn, 1/√fanIn). The bias is always drawn as PyTorch draws it, U(−1/√fanIn, 1/√fanIn).
   */
  init?: InitializerName | Initializer;
  /** Seed for the draws: a whole number (give seed or rng, not both). */
  seed?: number;
  /** Generator to draw from. */
  rng?: Rng;
}

/**
 * A 1-D convolution over a batch of sequences `[N, inChannels, L]` → `[N, outChannels, L']`, with
 * kernels `weight` `[outChannels, inChannels / groups, kernelSize]` and `bias` `[outChannels]`:
 *
 *   y[n, o, i] = b[o] + Σ_{c, a} w[o, c, a] · x[n, c′, i·s + a·d − p]
 *
 * (c′ the input channel c of o's group, the input read as 0 outside the sequence) with
 * L' = ⌊(L + 2p − d·(k − 1) − 1)/s⌋ + 1: PyTorch's `nn.Conv1d`, whose layouts, parameter names and
 * default initialisation (U(−1/√fanIn, 1/√fanIn) for weight and bias, fanIn = (inChannels /
 * groups)·kernelSize) it shares. It is core's `conv2d` on the input read as `[N, C, 1, L]` and the
 * weight as `[O, C/groups, 1, k]`, so its derivatives of every order are core's.
 *
 * @example
 * const conv = new Conv1d(4, 8, 3, { padding: 'same', seed: 0 });
 * conv.forward(randn([16, 4, 100])).shape; // [16, 8, 100]
 */
export class Conv1d extends Convolution {
  readonly kernelSize: number;
  readonly stride: number;
  /** Zeros at each end, or 'same'. */
  readonly padding: number | 'same';
  readonly dilation: number;

  /**
   * @throws ValueError naming Conv1d for a channel count that is not a positive integer, a bad
   * kernel size, stride, padding or dilation, 'same' padding with a stride, groups that do not
   * divide both channel counts, a weight larger than a tensor can hold, an initialiser that returns
   * the wrong shape, a bad seed, seed and rng together, or an unknown option.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: number, options: Conv1dOptions = {}) {
    const op = 'Conv1d';
    options = knownOptions(op, options, CONV1D_OPTIONS);
    positiveSize(op, 'inChannels', inChannels);
    positiveSize(op, 'outChannels', outChannels);
    const window = convWindow(op, kernelSize, options, (name, value, min) => windowSize(op, name, value, min), 'a non-negative integer');
    super(op, inChannels, outChannels, [window.kernelSize], options);
    ({ kernelSize: this.kernelSize, stride: this.stride, dilation: this.dilation, padding: this.padding } = window);
  }

  /**
   * The convolution plus bias for x of shape `[N, inChannels, L]`.
   * @throws ShapeError naming Conv1d.forward when x is not `[N, inChannels, L]` or its (padded)
   * length is shorter than the (dilated) kernel; ValueError for a non-tensor.
   */
  forward(x: Tensor): Tensor {
    const op = 'Conv1d.forward';
    requireTensor(op, 'input', x);
    if (x.rank !== 3 || x.shape[1] !== this.inChannels) {
      throw new ShapeError(`${op}: input must be [batch, ${this.inChannels}, length], got ${formatShape(x.shape)}`);
    }
    const [n, c, length] = x.shape as [number, number, number];
    const span = this.dilation * (this.kernelSize - 1) + 1;
    const padded = length + (this.padding === 'same' ? span - 1 : 2 * this.padding);
    if (length === 0) throw new ShapeError(`${op}: input ${formatShape(x.shape)} has length 0`);
    if (padded < span) throw new ShapeError(`${op}: input ${formatShape(x.shape)} has length ${length}, ${padded} padded, shorter than the ${span} the kernel spans`);
    // Checked here so that the message names this layer and 1-D shapes, not conv2d's 4-D ones.
    const outLength = Math.floor((padded - span) / this.stride) + 1;
    if (n * c * padded > MAX_SIZE || n * this.outChannels * outLength > MAX_SIZE) {
      throw new ShapeError(`${op}: input ${formatShape(x.shape)} padded to length ${padded} gives an output [${n}, ${this.outChannels}, ${outLength}]; the padded input or the output would hold more than the ${MAX_SIZE} values a tensor can`);
    }
    const b = this.bias;
    const options = {
      stride: [1, this.stride] as const,
      padding: this.padding === 'same' ? ('same' as const) : ([0, this.padding] as const),
      dilation: [1, this.dilation] as const,
      groups: this.groups,
      ...(b === null ? {} : { bias: b }),
    };
    const w = this.weight;
    const y = conv2d(x.reshape([n, c, 1, length]), w.reshape([w.shape[0]!, w.shape[1]!, 1, this.kernelSize]), options);
    return y.reshape([n, this.outChannels, y.shape[3]!]);
  }

  protected override describeSelf(): string {
    const parts = [`kernel ${this.kernelSize}`];
    if (this.stride !== 1) parts.push(`stride ${this.stride}`);
    if (this.padding === 'same') parts.push("padding 'same'");
    else if (this.padding !== 0) parts.push(`padding ${this.padding}`);
    if (this.dilation !== 1) parts.push(`dilation ${this.dilation}`);
    return this.describeWith(parts);
  }
}
