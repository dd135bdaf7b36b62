/**
 * Convolution and pooling over images in PyTorch's layout, [N, C, H, W]: conv2d, conv2dTranspose,
 * maxPool2d and avgPool2d. This file holds the public functions and their options; the ops they apply, with the
 * adjoint ops their rules are written with, are in rules/conv-grads.ts and rules/pool-grads.ts,
 * and the kernels (im2col and gemm, pooling loops) in kernels/conv.ts and kernels/pool.ts.
 */
import { ShapeError, ValueError } from '../errors';
import { requireOptions } from '../arguments';
import { checkSize, describeValue, formatShape } from '../shape';
import { toTensor } from '../create';
import type { Tensor } from '../tensor';
import { conv2dBiasWith, conv2dInputGrad, conv2dWith, type ConvAttrs } from './rules/conv-grads';
import { add } from './binary';
import { reshape } from './layout';
import { avgPool2dWith, maxPool2dWith, type PoolAttrs } from './rules/pool-grads';

/** Options of {@link conv2d}. Each size is one number for both axes or a pair [vertical, horizontal]. */
export interface Conv2dOptions {
  /** Step between applications of the kernel: a positive integer or a pair of them (default 1). */
  stride?: number | readonly [number, number];
  /**
   * Zeros added around the input: a non-negative integer for every side, a pair [rows, columns]
   * (added both before and after), `'valid'` (none, the default 0) or `'same'` (as much as keeps
   * the output's height and width equal to the input's; stride 1 only). An odd total for `'same'`
   * puts the extra row and column after the input (bottom, right), as PyTorch does.
   */
  padding?: number | readonly [number, number] | 'valid' | 'same';
  /** Spacing between the kernel's taps: a positive integer or a pair of them (default 1). */
  dilation?: number | readonly [number, number];
  /**
   * Channel groups (default 1): input and output channels are split into `groups` equal parts and
   * part g of the output sees only part g of the input. Must divide both C and O.
   */
  groups?: number;
  /**
   * A bias [O] added at every position of each output channel (default: none), as PyTorch's
   * `conv2d(input, weight, bias)`: the same values as `add(conv2d(x, w), reshape(bias, [O, 1, 1]))`,
   * computed while each output block is still in cache, with the bias's adjoint (ȳ summed over
   * samples and positions per channel) in one pass too.
   */
  bias?: Tensor;
}

/** Options of {@link conv2dTranspose}. Each size is one number for both axes or a pair [vertical, horizontal]. */
export interface Conv2dTransposeOptions {
  /** The stride of the convolution it transposes: how far apart the input's pixels land (default 1). */
  stride?: number | readonly [number, number];
  /** The padding of the convolution it transposes: rows and columns cut from each side of the result (default 0). */
  padding?: number | readonly [number, number];
  /**
   * Rows and columns added after the last of the result (default 0), to pick one of the output sizes
   * a strided convolution maps to the same size (PyTorch's `output_padding`): less than the stride.
   */
  outputPadding?: number | readonly [number, number];
  /** Spacing between the kernel's taps (default 1). */
  dilation?: number | readonly [number, number];
  /** Channel groups (default 1): must divide both the input's and the output's channels. */
  groups?: number;
  /** A bias [O] added at every position of each output channel (default: none). */
  bias?: Tensor;
}

/** Options of {@link maxPool2d} and {@link avgPool2d}. Each size is one number for both axes or a pair [vertical, horizontal]. */
export interface Pool2dOptions {
  /** The window's height and width: a positive integer or a pair of them. Required. */
  kernelSize: number | readonly [number, number];
  /** Step between windows: a positive integer or a pair of them (default: the kernel size, windows side by side). */
  stride?: number | readonly [number, number];
  /**
   * Padding on each side: a non-negative integer or a pair [rows, columns], at most half the kernel
   * size (default 0). Max pooling pads with −∞, average pooling with zeros that count in the mean.
   */
  padding?: number | readonly [number, number];
}

const isCount = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;

/** `value` as [vertical, horizontal]: one integer ≥ min for both, or a pair of them; else a ValueError naming `op`. */
function pairOf(op: string, name: string, value: unknown, min: 0 | 1): [number, number] {
  if (isCount(value, min)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && isCount(value[0], min) && isCount(value[1], min)) return [value[0], value[1]];
  const kind = min === 0 ? 'a non-negative integer' : 'a positive integer';
  throw new ValueError(`${op}: ${name} must be ${kind} or a pair of them, got ${describeValue(value)}`);
}

const CONV_OPTIONS = ['stride', 'padding', 'dilation', 'groups', 'bias'] as const;
const TRANSPOSE_OPTIONS = ['stride', 'padding', 'outputPadding', 'dilation', 'groups', 'bias'] as const;
const POOL_OPTIONS = ['kernelSize', 'stride', 'padding'] as const;

/**
 * 2-D convolution (cross-correlation, as in deep learning) of a batch of images:
 * x [N, C, H, W] with kernels w [O, C / groups, kH, kW] gives [N, O, H', W'] with
 * y[n, o, i, j] = Σ_{c, ki, kj} w[o, c, ki, kj] · x[n, c′, i·sH + ki·dH − pH, j·sW + kj·dW − pW]
 * (c′ the input channel c of o's group, x read as 0 outside the image), plus bias[o] with the
 * `bias` option (a tensor [O]; none by default), and
 * H' = ⌊(H + 2pH − dH·(kH − 1) − 1) / sH⌋ + 1 (likewise W'): PyTorch's `conv2d` and its layouts.
 * Differentiable to any order in x, w and the bias, in both modes; the adjoints are convolutions too, run
 * like the forward pass as matrix products over whole chunks of the batch (im2col).
 *
 * @example
 * const x = randn([64, 1, 28, 28]);            // a batch of images
 * const w = randn([8, 1, 5, 5], { std: 0.2 });  // eight 5×5 kernels
 * conv2d(x, w).shape;                          // [64, 8, 24, 24]
 * conv2d(x, w, { padding: 'same' }).shape;     // [64, 8, 28, 28]
 * conv2d(x, w, { stride: 2, padding: 2 }).shape; // [64, 8, 14, 14]
 * conv2d(x, w, { padding: 2, bias: zeros([8]) }); // with a bias per output channel
 * @throws ShapeError when x or w is not of rank 4, the bias is not [O], C or O is not divisible by groups, w's second
 * axis is not C / groups, an axis of x other than the batch or of w is empty, or the (dilated)
 * kernel is larger than the padded input; ValueError for a bad or unknown option, 'same' with a
 * stride, or an output too large for a tensor.
 */
export function conv2d(x: Tensor, w: Tensor, options?: Conv2dOptions): Tensor {
  const op = 'conv2d';
  const opts = requireOptions(op, options, CONV_OPTIONS);
  const stride = pairOf(op, 'stride', opts.stride === undefined ? 1 : opts.stride, 1);
  const dilation = pairOf(op, 'dilation', opts.dilation === undefined ? 1 : opts.dilation, 1);
  const groups = opts.groups === undefined ? 1 : opts.groups;
  if (!isCount(groups, 1)) throw new ValueError(`${op}: groups must be a positive integer, got ${describeValue(groups)}`);
  const xt = toTensor(x, op);
  const wt = toTensor(w, op);
  const padding = convPadding(opts.padding === undefined ? 0 : opts.padding, stride, dilation, wt._shape);
  const attrs: ConvAttrs = { stride, padding, dilation, groups };
  return opts.bias === undefined ? conv2dWith(xt, wt, attrs) : conv2dBiasWith(xt, wt, toTensor(opts.bias, op), attrs);
}

/**
 * The transposed 2-D convolution (PyTorch's `conv_transpose2d`, sometimes called deconvolution):
 * the adjoint of conv2d in its input, which spreads each input pixel over a kernel-sized patch of
 * the output, `stride` apart. x [N, C, H, W] with kernels w [C, O / groups, kH, kW] (PyTorch's
 * layout for it: input channels first) gives [N, O, H', W'] with
 * H' = (H − 1)·sH − 2pH + dH·(kH − 1) + opH + 1 (likewise W'), op the `outputPadding`: conv2d
 * with the same stride, padding and dilation maps [N, O, H', W'] back to [N, C, H, W]. Used to
 * upsample in decoders, GANs and U-Nets. Differentiable to any order in x, w and the bias, in both
 * modes (its adjoints are conv2d and conv2d's weight gradient).
 *
 * @example
 * const x = randn([1, 4, 7, 7]);
 * conv2dTranspose(x, randn([4, 2, 4, 4]), { stride: 2, padding: 1 }).shape; // [1, 2, 14, 14]
 * @throws ShapeError when x or w is not of rank 4, w's first axis is not x's channels, channels
 * are not divisible by groups, the bias is not [O], or the output would be empty; ValueError for a
 * bad or unknown option, or an outputPadding not less than the stride.
 */
export function conv2dTranspose(x: Tensor, w: Tensor, options?: Conv2dTransposeOptions): Tensor {
  const op = 'conv2dTranspose';
  const opts = requireOptions(op, options, TRANSPOSE_OPTIONS);
  const stride = pairOf(op, 'stride', opts.stride === undefined ? 1 : opts.stride, 1);
  const dilation = pairOf(op, 'dilation', opts.dilation === undefined ? 1 : opts.dilation, 1);
  const [ph, pw] = pairOf(op, 'padding', opts.padding === undefined ? 0 : opts.padding, 0);
  const extra = pairOf(op, 'outputPadding', opts.outputPadding === undefined ? 0 : opts.outputPadding, 0);
  if (extra[0] >= stride[0] || extra[1] >= stride[1]) {
    throw new ValueError(`${op}: outputPadding must be less than the stride, got outputPadding ${describeValue(opts.outputPadding)} for stride ${describeValue(stride)}`);
  }
  const groups = opts.groups === undefined ? 1 : opts.groups;
  if (!isCount(groups, 1)) throw new ValueError(`${op}: groups must be a positive integer, got ${describeValue(groups)}`);
  const xt = toTensor(x, op);
  const wt = toTensor(w, op);
  const got = `got x ${formatShape(xt._shape)} and w ${formatShape(wt._shape)}`;
  if (xt.rank !== 4 || wt.rank !== 4) throw new ShapeError(`${op}: x must be [N, C, H, W] and w [C, O / groups, kH, kW], both of rank 4, ${got}`);
  const [n, c, h, wd] = xt._shape as [number, number, number, number];
  const [wc, og, kh, kw] = wt._shape as [number, number, number, number];
  if (wc !== c) throw new ShapeError(`${op}: w's first axis must be x's channels (C = ${c}), ${got}`);
  if (c % groups !== 0) throw new ShapeError(`${op}: the input channels (C = ${c}) must be divisible by groups = ${groups}, ${got}`);
  if (c < 1 || h < 1 || wd < 1 || og < 1 || kh < 1 || kw < 1) throw new ShapeError(`${op}: every axis but the batch must be non-empty, ${got}`);
  const oh = (h - 1) * stride[0] - 2 * ph + dilation[0] * (kh - 1) + extra[0] + 1;
  const ow = (wd - 1) * stride[1] - 2 * pw + dilation[1] * (kw - 1) + extra[1] + 1;
  if (oh < 1 || ow < 1) throw new ShapeError(`${op}: the padding leaves an empty output (${oh}×${ow}), ${got} with padding ${describeValue([ph, pw])}`);
  const o = og * groups;
  checkSize(op, [n, o, oh, ow], () => 'the output has shape');
  let out = conv2dInputGrad(xt, wt, { stride, padding: [ph, ph, pw, pw], dilation, groups, size: [oh, ow] });
  if (opts.bias !== undefined) {
    const b = toTensor(opts.bias, op);
    if (b.rank !== 1 || b._shape[0] !== o) throw new ShapeError(`${op}: the bias must be [O] = [${o}], got ${formatShape(b._shape)}`);
    out = add(out, reshape(b, [o, 1, 1]));
  }
  return out;
}

/** conv2d's padding option as [top, bottom, left, right]. */
function convPadding(value: unknown, stride: readonly [number, number], dilation: readonly [number, number], w: readonly number[]): [number, number, number, number] {
  if (value === 'valid') return [0, 0, 0, 0];
  if (value === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) {
      throw new ValueError(`conv2d: padding 'same' needs stride 1 (with a larger stride no padding keeps the input's size), got stride ${describeValue(stride)}`);
    }
    if (w.length !== 4) return [0, 0, 0, 0]; // the op's shape rule refuses w, naming its shape
    // dH·(kH − 1) rows in all, half before; an odd one out goes after (PyTorch).
    const rows = dilation[0] * (w[2]! - 1);
    const cols = dilation[1] * (w[3]! - 1);
    return [Math.floor(rows / 2), rows - Math.floor(rows / 2), Math.floor(cols / 2), cols - Math.floor(cols / 2)];
  }
  if (typeof value === 'string') {
    throw new ValueError(`conv2d: padding must be a non-negative integer, a pair of them, 'valid' or 'same', got ${describeValue(value)}`);
  }
  const [ph, pw] = pairOf('conv2d', 'padding', value, 0);
  return [ph, ph, pw, pw];
}

/** A pooling's options as the ops' attributes, checked, for the public function `op`. */
function poolAttrs(op: string, options: Pool2dOptions | undefined): PoolAttrs {
  const opts = requireOptions(op, options, POOL_OPTIONS);
  if (opts.kernelSize === undefined) throw new ValueError(`${op}: kernelSize is required: a positive integer or a pair of them`);
  const kernel = pairOf(op, 'kernelSize', opts.kernelSize, 1);
  const stride = opts.stride === undefined ? kernel : pairOf(op, 'stride', opts.stride, 1);
  const padding = pairOf(op, 'padding', opts.padding === undefined ? 0 : opts.padding, 0);
  if (2 * padding[0] > kernel[0] || 2 * padding[1] > kernel[1]) {
    throw new ValueError(`${op}: padding must be at most half the kernel size, got padding ${describeValue(opts.padding)} for kernelSize ${describeValue(opts.kernelSize)}`);
  }
  return { kernel, stride, padding };
}

/**
 * Max pooling over windows of `kernelSize` of a batch of images x [N, C, H, W]: [N, C, H', W'] with
 * y[n, c, i, j] the largest x[n, c, i·sH + a − pH, j·sW + b − pW] for 0 ≤ a < kH, 0 ≤ b < kW (the
 * padding is −∞, so never chosen), H' = ⌊(H + 2pH − kH) / sH⌋ + 1 (likewise W'): PyTorch's
 * `max_pool2d`. The derivative goes to the first maximum of each window (in row-major order) on
 * ties; a NaN in a window is its maximum, and the derivative goes to the window's first NaN
 * (PyTorch's to its last). Not differentiable where a window's maximum changes
 * hands, so derivatives of order two are zero, as for relu.
 *
 * @example
 * maxPool2d(tensor([[[[1, 2, 5, 6], [3, 4, 7, 8], [0, 0, 1, 0], [0, 9, 0, 0]]]]), { kernelSize: 2 });
 * // [[[[4, 8], [9, 1]]]]
 * @throws ShapeError when x is not of rank 4, has an empty axis other than the batch, or the
 * window is larger than the padded input; ValueError for a bad or unknown option, a missing
 * kernelSize, or padding more than half the kernel size.
 */
export function maxPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  return maxPool2dWith(toTensor(x, 'maxPool2d'), poolAttrs('maxPool2d', options));
}

/**
 * Average pooling over windows of `kernelSize` of a batch of images x [N, C, H, W]: [N, C, H', W']
 * with y[n, c, i, j] the mean of x[n, c, i·sH + a − pH, j·sW + b − pW] over 0 ≤ a < kH,
 * 0 ≤ b < kW, the zero padding counted (always kH·kW terms: PyTorch's `avg_pool2d` with
 * count_include_pad), H' = ⌊(H + 2pH − kH) / sH⌋ + 1 (likewise W'). Linear, so differentiable to
 * any order.
 *
 * @example
 * avgPool2d(tensor([[[[1, 2, 5, 6], [3, 4, 7, 8]]]]), { kernelSize: 2 }); // [[[[2.5, 6.5]]]]
 * avgPool2d(x, { kernelSize: 3, stride: 1, padding: 1 });                 // x's height and width
 * @throws ShapeError when x is not of rank 4, has an empty axis other than the batch, or the
 * window is larger than the padded input; ValueError for a bad or unknown option, a missing
 * kernelSize, or padding more than half the kernel size.
 */
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  return avgPool2dWith(toTensor(x, 'avgPool2d'), poolAttrs('avgPool2d', options));
}
