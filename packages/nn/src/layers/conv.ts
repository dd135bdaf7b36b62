/** The 2-D convolution layer, as PyTorch's nn.Conv2d. */
import { MAX_SIZE, Rng, ShapeError, Tensor, ValueError, conv2d, formatShape, rand, type Conv2dOptions as CoreConv2dOptions } from '@adjoint/core';
import { Module } from '../module';
import { checkInitialized, initializeWithFans, initializer, type Initializer, type InitializerName } from '../init';
import { checkBoolean, checkParameterSize, knownOptions, positiveSize, randomSource, generatorOf, show, sizePair, orDefault, requireTensor } from '../args';

const CONV2D_OPTIONS = ['stride', 'padding', 'dilation', 'groups', 'bias', 'init', 'seed', 'rng'];

/**
 * Options of {@link Conv2d}: stride, padding, dilation and groups as core's `conv2d` takes them
 * (each size one number for both axes or a pair [vertical, horizontal]), plus the layer's own.
 */
export interface Conv2dOptions extends Pick<CoreConv2dOptions, 'stride' | 'padding' | 'dilation' | 'groups'> {
  /** Whether to add a learned bias per output channel (default true). */
  bias?: boolean;
  /**
   * The weight's initialiser, by name or as a function (called with the weight's shape `[out,
   * in / groups, kH, kW]` and `{rng}` or `{}`). Named fan-scaled initialisers use a convolution's
   * fans: fan-in (in / groups)·kH·kW, fan-out out·kH·kW. Default: PyTorch's, U(−1/√fanIn, 1/√fanIn).
   * The bias is always drawn as PyTorch draws it, U(−1/√fanIn, 1/√fanIn).
   */
  init?: InitializerName | Initializer;
  /** Seed for the draws: a whole number (give seed or rng, not both). */
  seed?: number;
  /** Generator to draw from. */
  rng?: Rng;
}

/**
 * What Conv1d and Conv2d share: their channel counts and groups, and the weight and bias drawn as
 * PyTorch's ConvNd draws them (U(−1/√fanIn, 1/√fanIn), fanIn = (inChannels / groups)·Πkernel),
 * registered as `weight` and `bias`. Each subclass
 * checks and keeps its own kernel size, stride, padding and dilation, one number or one pair each.
 */
export abstract class Convolution extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly groups: number;
  private readonly hasBias: boolean;

  /**
   * `op` names the layer in messages; `kernel` is the kernel's checked spatial size; `transposed`
   * lays the weight out as a transposed convolution's, `[inChannels, outChannels / groups, ...kernel]`.
   */
  protected constructor(op: string, inChannels: number, outChannels: number, kernel: readonly number[], options: ConvParameterOptions, transposed = false) {
    super();
    const { groups, weight, bias } = convParameters(op, inChannels, outChannels, kernel, options, transposed);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.groups = groups;
    this.hasBias = bias !== null;
    this.registerParameter('weight', weight);
    if (bias !== null) this.registerParameter('bias', bias);
  }

  /** The kernels, `[outChannels, inChannels / groups, ...kernelSize]` (a transposed convolution's `[inChannels, outChannels / groups, ...kernelSize]`). */
  get weight(): Tensor {
    return this.param('weight');
  }

  /** The `[outChannels]` bias, or null for a layer built with `bias: false`. */
  get bias(): Tensor | null {
    return this.hasBias ? this.param('bias') : null;
  }

  /** The printed description: the channels, then `sizes` (the subclass's kernel, stride, …), then groups and bias where not the default. */
  protected describeWith(sizes: readonly string[]): string {
    const parts = [`${this.inChannels} → ${this.outChannels}`, ...sizes];
    if (this.groups !== 1) parts.push(`groups ${this.groups}`);
    if (!this.hasBias) parts.push('no bias');
    return parts.join(', ');
  }
}

/**
 * A 2-D convolution over a batch of images `[N, inChannels, H, W]` → `[N, outChannels, H', W']`:
 * core's `conv2d` with the layer's kernels `weight` `[outChannels, inChannels / groups, kH, kW]`,
 * plus `bias` `[outChannels]` added to every position of its channel:
 *
 *   y[n, o, i, j] = b[o] + Σ_{c, a, b} w[o, c, a, b] · x[n, c′, i·sH + a·dH − pH, j·sW + b·dW − pW]
 *
 * (c′ the input channel c of o's group, the input read as 0 outside the image) with
 * H' = ⌊(H + 2pH − dH·(kH − 1) − 1)/sH⌋ + 1, likewise W': PyTorch's `nn.Conv2d`, whose layouts,
 * parameter names and default initialisation (kaiming-uniform with a = √5, that is
 * U(−1/√fanIn, 1/√fanIn) for weight and bias, fanIn = (inChannels / groups)·kH·kW) it shares, so a
 * PyTorch state dict maps onto it one to one.
 *
 * @example
 * const conv = new Conv2d(1, 8, 3, { padding: 1, seed: 0 });
 * conv.forward(randn([64, 1, 28, 28])).shape; // [64, 8, 28, 28]
 */
export class Conv2d extends Convolution {
  /** [kH, kW]. */
  readonly kernelSize: readonly [number, number];
  /** [sH, sW]. */
  readonly stride: readonly [number, number];
  /** [pH, pW] on each side, or 'same'. */
  readonly padding: readonly [number, number] | 'same';
  /** [dH, dW]. */
  readonly dilation: readonly [number, number];

  /**
   * @throws ValueError naming Conv2d for a channel count that is not a positive integer, a bad
   * kernel size, stride, padding or dilation, 'same' padding with a stride, groups that do not
   * divide both channel counts, a weight larger than a tensor can hold, an initialiser that returns
   * the wrong shape, a bad seed, seed and rng together, or an unknown option.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: Conv2dOptions = {}) {
    const op = 'Conv2d';
    options = knownOptions(op, options, CONV2D_OPTIONS);
    positiveSize(op, 'inChannels', inChannels);
    positiveSize(op, 'outChannels', outChannels);
    const window = convWindow(op, kernelSize, options, (name, value, min) => sizePair(op, name, value, min), 'a non-negative integer, a pair of them');
    super(op, inChannels, outChannels, window.kernelSize, options);
    ({ kernelSize: this.kernelSize, stride: this.stride, dilation: this.dilation, padding: this.padding } = window);
  }

  /**
   * conv2d(x, weight) + bias for x of shape `[N, inChannels, H, W]`.
   * @throws ShapeError naming Conv2d.forward when x is not `[N, inChannels, H, W]`, its height or
   * width is 0, its (padded) height or width is smaller than the (dilated) kernel, or the padded
   * input or the output would be too large for a tensor; ValueError for a non-tensor.
   */
  forward(x: Tensor): Tensor {
    const op = 'Conv2d.forward';
    requireTensor(op, 'input', x);
    if (x.rank !== 4 || x.shape[1] !== this.inChannels) {
      throw new ShapeError(`${op}: input must be [batch, ${this.inChannels}, height, width], got ${formatShape(x.shape)}`);
    }
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const [kh, kw] = this.kernelSize;
    const [dh, dw] = this.dilation;
    const [spanH, spanW] = [dh * (kh - 1) + 1, dw * (kw - 1) + 1];
    const [padH, padW] = this.padding === 'same' ? [spanH - 1, spanW - 1] : [2 * this.padding[0], 2 * this.padding[1]];
    if (h === 0 || w === 0) throw new ShapeError(`${op}: input ${formatShape(x.shape)} has ${h === 0 ? 'height' : 'width'} 0`);
    if (h + padH < spanH || w + padW < spanW) {
      throw new ShapeError(`${op}: input ${formatShape(x.shape)} is ${h}×${w}, ${h + padH}×${w + padW} padded, smaller than the ${spanH}×${spanW} the kernel spans`);
    }
    // Checked here so that the message names this layer, not conv2d.
    const [outH, outW] = [Math.floor((h + padH - spanH) / this.stride[0]) + 1, Math.floor((w + padW - spanW) / this.stride[1]) + 1];
    if (n * c * (h + padH) * (w + padW) > MAX_SIZE || n * this.outChannels * outH * outW > MAX_SIZE) {
      throw new ShapeError(`${op}: input ${formatShape(x.shape)} padded to ${h + padH}×${w + padW} gives an output [${n}, ${this.outChannels}, ${outH}, ${outW}]; the padded input or the output would hold more than the ${MAX_SIZE} values a tensor can`);
    }
    const options = { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
    const b = this.bias;
    // The bias goes into the convolution (core adds it per output block, and sums its adjoint in one pass).
    return conv2d(x, this.weight, b === null ? options : { ...options, bias: b });
  }

  protected override describeSelf(): string {
    const pair = ([a, b]: readonly [number, number]): string => `${a}×${b}`;
    const parts = [`kernel ${pair(this.kernelSize)}`];
    if (this.stride[0] !== 1 || this.stride[1] !== 1) parts.push(`stride ${pair(this.stride)}`);
    if (this.padding === 'same') parts.push("padding 'same'");
    else if (this.padding[0] !== 0 || this.padding[1] !== 0) parts.push(`padding ${pair(this.padding)}`);
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) parts.push(`dilation ${pair(this.dilation)}`);
    return this.describeWith(parts);
  }
}

/**
 * A convolution's kernel size, stride, dilation and padding, each read by `size` (numbers for a
 * 1-D layer, pairs for a 2-D one; left out, stride and dilation are 1 and padding 0): padding is
 * sizes, `'valid'` (none) or `'same'`, which needs every stride 1; `sizes` says what sizes padding
 * takes, for the message. Errors are ValueErrors naming `op`.
 * @internal Conv1d's and Conv2d's.
 */
export function convWindow<S extends number | readonly number[]>(
  op: string,
  kernelSize: unknown,
  options: { stride?: unknown; dilation?: unknown; padding?: unknown },
  size: (name: string, value: unknown, min: 0 | 1) => S,
  sizes: string,
): { kernelSize: S; stride: S; dilation: S; padding: S | 'same' } {
  const kernel = size('kernelSize', kernelSize, 1);
  const stride = size('stride', orDefault(options.stride, 1), 1);
  const dilation = size('dilation', orDefault(options.dilation, 1), 1);
  const value = orDefault(options.padding, 0);
  if (value === 'same') {
    if ([stride].flat().some((s) => s !== 1)) {
      throw new ValueError(`${op}: padding 'same' needs stride 1, got stride ${typeof stride === 'number' ? stride : `[${[stride].flat().join(', ')}]`}`);
    }
    return { kernelSize: kernel, stride, dilation, padding: 'same' };
  }
  if (typeof value === 'string' && value !== 'valid') throw new ValueError(`${op}: padding must be ${sizes}, 'valid' or 'same', got ${show(value)}`);
  return { kernelSize: kernel, stride, dilation, padding: size('padding', value === 'valid' ? 0 : value, 0) };
}

/** The options a convolution layer's groups, weight and bias are made from. */
export interface ConvParameterOptions {
  groups?: number;
  bias?: boolean;
  init?: InitializerName | Initializer;
  seed?: number;
  rng?: Rng;
}

/**
 * A convolution's groups, weight `[outChannels, inChannels / groups, ...kernel]` (transposed:
 * `[inChannels, outChannels / groups, ...kernel]`) and bias `[outChannels]` (null with `bias:
 * false`), checked and drawn as PyTorch's ConvNd draws them: both U(−1/√fanIn, 1/√fanIn), from one
 * generator, weight first, with PyTorch's fans of the weight's layout, fanIn = shape[1]·Πkernel and
 * fanOut = shape[0]·Πkernel (which a named `init` for the weight uses too).
 * @throws ValueError naming `op` for groups that are not a positive integer dividing both channel
 * counts, a non-boolean bias, a weight larger than a tensor can hold, an unknown initialiser or one
 * that returns the wrong shape, a bad seed, or seed and rng together.
 * @internal Conv1d's and Conv2d's.
 */
export function convParameters(
  op: string, inChannels: number, outChannels: number, kernel: readonly number[], options: ConvParameterOptions, transposed = false,
): { groups: number; weight: Tensor; bias: Tensor | null } {
  const groups = positiveSize(op, 'groups', orDefault(options.groups, 1));
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new ValueError(`${op}: groups must divide inChannels and outChannels, got groups ${groups} for ${inChannels} → ${outChannels} channels`);
  }
  const hasBias = checkBoolean(op, 'bias', orDefault(options.bias, true));
  const shape = transposed ? [inChannels, outChannels / groups, ...kernel] : [outChannels, inChannels / groups, ...kernel];
  checkParameterSize(op, 'weight', shape);
  if (options.init !== undefined) initializer(options.init, op);
  const random = randomSource(op, options);
  // One generator for the weight and then the bias (PyTorch's order).
  const rng = generatorOf(random);
  const draw = rng ? { rng } : {};
  const taps = kernel.reduce((a, b) => a * b, 1);
  const fanIn = shape[1]! * taps;
  const bound = 1 / Math.sqrt(fanIn);
  const weight = options.init === undefined
    ? rand(shape, { ...draw, min: -bound, max: bound })
    : checkInitialized(op, initializeWithFans(op, options.init, shape, { fanIn, fanOut: shape[0]! * taps }, draw), shape);
  return { groups, weight, bias: hasBias ? rand([outChannels], { ...draw, min: -bound, max: bound }) : null };
}
