/** The 2-D transposed convolution layer, as PyTorch's nn.ConvTranspose2d. */
import { MAX_SIZE, ShapeError, ValueError, conv2dTranspose, formatShape, type Tensor } from '@adjoint/core';
import { Convolution, type Conv2dOptions } from './conv';
import { knownOptions, positiveSize, requireTensor, sizePair } from '../args';

const CONV_TRANSPOSE2D_OPTIONS = ['stride', 'padding', 'outputPadding', 'dilation', 'groups', 'bias', 'init', 'seed', 'rng'];

/** Options of {@link ConvTranspose2d}: {@link Conv2dOptions}' but for padding, which is sizes only, and with `outputPadding`. */
export interface ConvTranspose2dOptions extends Omit<Conv2dOptions, 'padding'> {
  /** The padding of the convolution it transposes, cut from each side of the output: a non-negative integer or a pair (default 0). */
  padding?: number | readonly [number, number];
  /** Rows and columns added after the output's last (PyTorch's `output_padding`), less than the stride or the dilation (default 0). */
  outputPadding?: number | readonly [number, number];
}

/**
 * A 2-D transposed convolution over a batch of images `[N, inChannels, H, W]` → `[N, outChannels,
 * H', W']` with H' = (H − 1)·sH − 2pH + dH·(kH − 1) + opH + 1 (likewise W'): core's
 * `conv2dTranspose` with the layer's `weight` `[inChannels, outChannels / groups, kH, kW]` and
 * `bias` `[outChannels]`. PyTorch's `nn.ConvTranspose2d`: its layout, parameter names and default
 * initialisation (U(−1/√fanIn, 1/√fanIn) for weight and bias, with PyTorch's fanIn of this layout,
 * (outChannels / groups)·kH·kW), so a PyTorch state dict maps onto it one to one. It upsamples: with
 * stride 2, kernel 4 and padding 1 it doubles the height and width, as in a decoder or a GAN's
 * generator.
 *
 * @example
 * const up = new ConvTranspose2d(8, 4, 4, { stride: 2, padding: 1, seed: 0 });
 * up.forward(randn([1, 8, 7, 7])).shape; // [1, 4, 14, 14]
 */
export class ConvTranspose2d extends Convolution {
  /** [kH, kW]. */
  readonly kernelSize: readonly [number, number];
  /** [sH, sW]. */
  readonly stride: readonly [number, number];
  /** [pH, pW], cut from each side. */
  readonly padding: readonly [number, number];
  /** [opH, opW], added after the last row and column. */
  readonly outputPadding: readonly [number, number];
  /** [dH, dW]. */
  readonly dilation: readonly [number, number];

  /**
   * @throws ValueError naming ConvTranspose2d for a channel count that is not a positive integer,
   * a bad kernel size, stride, padding, output padding (not less than the stride) or dilation,
   * groups that do not divide both channel counts, a weight larger than a tensor can hold, an
   * initialiser that returns the wrong shape, a bad seed, seed and rng together, or an unknown option.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: ConvTranspose2dOptions = {}) {
    const op = 'ConvTranspose2d';
    options = knownOptions(op, options, CONV_TRANSPOSE2D_OPTIONS);
    positiveSize(op, 'inChannels', inChannels);
    positiveSize(op, 'outChannels', outChannels);
    const pair = (name: string, value: unknown, fallback: number, min: 0 | 1): [number, number] => sizePair(op, name, value === undefined ? fallback : value, min);
    const kernel = pair('kernelSize', kernelSize, 1, 1);
    const stride = pair('stride', options.stride, 1, 1);
    const outputPadding = pair('outputPadding', options.outputPadding, 0, 0);
    const padding = pair('padding', options.padding, 0, 0);
    const dilation = pair('dilation', options.dilation, 1, 1);
    if (outputPadding[0] >= Math.max(stride[0], dilation[0]) || outputPadding[1] >= Math.max(stride[1], dilation[1])) {
      throw new ValueError(`${op}: outputPadding must be less than the stride or the dilation (PyTorch's rule), got outputPadding [${outputPadding.join(', ')}] for stride [${stride.join(', ')}] and dilation [${dilation.join(', ')}]`);
    }
    super(op, inChannels, outChannels, kernel, options, true);
    [this.kernelSize, this.stride, this.padding, this.outputPadding, this.dilation] = [kernel, stride, padding, outputPadding, dilation];
  }

  /**
   * conv2dTranspose(x, weight) + bias for x of shape `[N, inChannels, H, W]`.
   * @throws ShapeError naming ConvTranspose2d.forward when x is not `[N, inChannels, H, W]` with H
   * and W at least 1, the padding leaves an empty output, or the output would be too large for a
   * tensor; ValueError for a non-tensor.
   */
  forward(x: Tensor): Tensor {
    const op = 'ConvTranspose2d.forward';
    requireTensor(op, 'input', x);
    if (x.rank !== 4 || x.shape[1] !== this.inChannels || x.shape[2] === 0 || x.shape[3] === 0) {
      throw new ShapeError(`${op}: input must be [batch, ${this.inChannels}, height, width] with height and width at least 1, got ${formatShape(x.shape)}`);
    }
    // Checked here so that the message names this layer, not conv2dTranspose.
    const size = (d: 0 | 1): number => (x.shape[2 + d]! - 1) * this.stride[d] - 2 * this.padding[d] + this.dilation[d] * (this.kernelSize[d] - 1) + this.outputPadding[d] + 1;
    const [outH, outW] = [size(0), size(1)];
    if (outH < 1 || outW < 1) throw new ShapeError(`${op}: input ${formatShape(x.shape)} gives an empty ${outH}×${outW} output with padding [${this.padding.join(', ')}]`);
    if (x.shape[0]! * this.outChannels * outH * outW > MAX_SIZE) {
      throw new ShapeError(`${op}: input ${formatShape(x.shape)} gives an output [${x.shape[0]}, ${this.outChannels}, ${outH}, ${outW}], more than the ${MAX_SIZE} values a tensor can hold`);
    }
    const options = { stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, dilation: this.dilation, groups: this.groups };
    const b = this.bias;
    return conv2dTranspose(x, this.weight, b === null ? options : { ...options, bias: b });
  }

  protected override describeSelf(): string {
    const pair = ([a, b]: readonly [number, number]): string => `${a}×${b}`;
    const parts = [`kernel ${pair(this.kernelSize)}`];
    if (this.stride[0] !== 1 || this.stride[1] !== 1) parts.push(`stride ${pair(this.stride)}`);
    if (this.padding[0] !== 0 || this.padding[1] !== 0) parts.push(`padding ${pair(this.padding)}`);
    if (this.outputPadding[0] !== 0 || this.outputPadding[1] !== 0) parts.push(`output padding ${pair(this.outputPadding)}`);
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) parts.push(`dilation ${pair(this.dilation)}`);
    return this.describeWith(parts);
  }
}
