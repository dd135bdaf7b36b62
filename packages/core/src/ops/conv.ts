/**
 * Convolution and pooling over images in PyTorch's layout, [N, C, H, W]: conv2d, conv2dTranspose,
 * maxPool2d, avgPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d and interpolate. This file holds the public functions and their options; the ops they apply, with the
 * adjoint ops their rules are written with, are in rules/conv-grads.ts and rules/pool-grads.ts,
 * and the kernels (im2col and gemm, pooling loops) in kernels/conv.ts and kernels/pool.ts.
 */
import { ShapeError, ValueError } from '../errors';
import { requireOptions } from '../arguments';
import { checkSize, describeValue, formatShape } from '../shape';
import { toTensor } from '../create';
import type { Tensor } from '../tensor';
import { conv2dBiasWith, conv2dInputGrad, conv2dWith, type ConvAttrs } from './rules/conv-grads';
import { add, div, mul } from './binary';
import { pad, reshape } from './layout';
import { avgPool2dWith, maxPool2dWith, type PoolAttrs } from './rules/pool-grads';
import { mean, sum } from './reduce';
import { gather, where } from './indexing';
import { tensor } from '../create';

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
   * a strided convolution maps to the same size (PyTorch's `output_padding`): less than the stride
   * or the dilation.
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
 * bad or unknown option, or an outputPadding not less than both the stride and the dilation.
 */
export function conv2dTranspose(x: Tensor, w: Tensor, options?: Conv2dTransposeOptions): Tensor {
  const op = 'conv2dTranspose';
  const opts = requireOptions(op, options, TRANSPOSE_OPTIONS);
  const stride = pairOf(op, 'stride', opts.stride === undefined ? 1 : opts.stride, 1);
  const dilation = pairOf(op, 'dilation', opts.dilation === undefined ? 1 : opts.dilation, 1);
  const [ph, pw] = pairOf(op, 'padding', opts.padding === undefined ? 0 : opts.padding, 0);
  const extra = pairOf(op, 'outputPadding', opts.outputPadding === undefined ? 0 : opts.outputPadding, 0);
  if (extra[0] >= Math.max(stride[0], dilation[0]) || extra[1] >= Math.max(stride[1], dilation[1])) {
    throw new ValueError(`${op}: outputPadding must be less than the stride or the dilation (PyTorch's rule), got outputPadding ${describeValue(opts.outputPadding)} for stride ${describeValue(stride)} and dilation ${describeValue(dilation)}`);
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
  // Rows and columns of output padding beyond stride − 1 lie past every input pixel's reach, where
  // conv2d's adjoint has no say: they are zeros, added after it (outputPadding ≥ stride needs a
  // dilation larger than the stride).
  const [surplusH, surplusW] = [Math.max(0, extra[0] - (stride[0] - 1)), Math.max(0, extra[1] - (stride[1] - 1))];
  if (oh - surplusH < 1 || ow - surplusW < 1) throw new ShapeError(`${op}: the padding leaves no row or column an input pixel reaches, ${got} with padding ${describeValue([ph, pw])}`);
  let out = conv2dInputGrad(xt, wt, { stride, padding: [ph, ph, pw, pw], dilation, groups, size: [oh - surplusH, ow - surplusW] });
  if (surplusH > 0 || surplusW > 0) out = pad(out, [0, 0, 0, 0], [n, o, oh, ow]);
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

// ── Adaptive pooling and interpolation ──────────────────────────────────────────────────────────
// Composites: each is written with gather, where, sums and products (or the pooling ops when the
// windows allow), so every derivative, to any order and in both modes, is those ops'.

/**
 * The output size of {@link adaptiveAvgPool2d} and {@link adaptiveMaxPool2d}: one positive integer
 * for both axes, or a pair [height, width] in which null keeps that axis's size.
 */
export type AdaptiveOutputSize = number | readonly [number | null, number | null];

/** Options of {@link interpolate}: exactly one of `size` and `scaleFactor`. */
export interface InterpolateOptions {
  /** The output's height and width: a positive integer for both, or a pair of them. */
  size?: number | readonly [number, number];
  /** The factor each of height and width is multiplied by (rounded down): a positive finite number or a pair of them. */
  scaleFactor?: number | readonly [number, number];
  /** 'nearest' (the default; PyTorch's legacy nearest, src = ⌊dst·in/out⌋) or 'bilinear'. */
  mode?: 'nearest' | 'bilinear';
  /**
   * Bilinear only: whether the corner pixels' centres of input and output coincide, so that
   * src = dst·(in − 1)/(out − 1) (true), or their outer edges do, with half-pixel centres,
   * src = (dst + ½)·in/out − ½ clamped at 0 (false, the default, as PyTorch's).
   */
  alignCorners?: boolean;
}

const INTERPOLATE_OPTIONS = ['size', 'scaleFactor', 'mode', 'alignCorners'] as const;

/** `x` checked as images [N, C, H, W] with C, H and W at least 1, for the function `op`: its height and width. */
function imageSize(op: string, x: Tensor): [number, number] {
  if (x.rank !== 4 || x._shape[1] === 0 || x._shape[2] === 0 || x._shape[3] === 0) {
    throw new ShapeError(`${op}: x must be [N, C, H, W] with C, H and W at least 1, got ${formatShape(x._shape)}`);
  }
  return [x._shape[2]!, x._shape[3]!];
}

/** An adaptive pooling's output size as [oh, ow] for an [h, w] image, null entries keeping the input's. */
function adaptiveSize(op: string, value: unknown, h: number, w: number): [number, number] {
  if (isCount(value, 1)) return [value, value];
  const entry = (v: unknown): boolean => v === null || isCount(v, 1);
  if (Array.isArray(value) && value.length === 2 && entry(value[0]) && entry(value[1])) {
    return [value[0] === null ? h : value[0], value[1] === null ? w : value[1]];
  }
  throw new ValueError(`${op}: outputSize must be a positive integer or a pair of positive integers or nulls, got ${describeValue(value)}`);
}

/**
 * PyTorch's adaptive windows along an axis of `size` cut into `out`: window i spans
 * [⌊i·size/out⌋, ⌈(i + 1)·size/out⌉). As [out, longest] indices, each window's row padded with its
 * first index, and a mask of the entries that are its own.
 */
function adaptiveWindows(size: number, out: number): { indices: Tensor; mask: Tensor; counts: number[] } {
  const starts = Array.from({ length: out }, (_, i) => Math.floor((i * size) / out));
  const ends = Array.from({ length: out }, (_, i) => Math.ceil(((i + 1) * size) / out));
  const counts = starts.map((s, i) => ends[i]! - s);
  const longest = Math.max(...counts);
  const indices = new Float64Array(out * longest);
  const mask = new Float64Array(out * longest);
  for (let i = 0; i < out; i++) {
    for (let k = 0; k < longest; k++) {
      indices[i * longest + k] = k < counts[i]! ? starts[i]! + k : starts[i]!;
      mask[i * longest + k] = k < counts[i]! ? 1 : 0;
    }
  }
  return { indices: tensor(indices, { shape: [out, longest] }), mask: tensor(mask, { shape: [out, longest] }), counts };
}

/**
 * `x` with axis 2 or 3 (`axis`) of `size` reduced to `out` adaptive windows: each window's entries
 * gathered into a new axis after it, then summed (`'sum'`, the padding masked out by where, so that an
 * infinity elsewhere cannot turn it into NaN as 0·∞ would) or maximised (`'max'`, the padding a repeat of
 * the window's first entry, which a maximum ignores). The maximum is max pooling's over that axis, so
 * that its derivative goes to one entry, the window's first maximum or first NaN (`max`'s would be
 * shared on ties and NaN throughout a window holding a NaN, and reach the windows overlapping it).
 */
function reduceWindows(x: Tensor, axis: 2 | 3, size: number, out: number, reduce: 'sum' | 'max'): { y: Tensor; counts: number[] } {
  const { indices, mask, counts } = adaptiveWindows(size, out);
  const windows = gather(x, indices, axis); // [N, C, out, longest, W] or [N, C, H, out, longest]
  if (reduce === 'max') {
    const [n, c, a, b, d] = windows._shape as [number, number, number, number, number];
    // The windows' axis as the rows (axis 2) or columns (axis 3) of images [N, C·a, b, d], pooled whole.
    const long = axis === 2 ? b : d;
    const kernel: [number, number] = axis === 2 ? [long, 1] : [1, long];
    const pooled = maxPool2dWith(reshape(windows, [n, c * a, b, d]), { kernel, stride: kernel, padding: [0, 0] });
    return { y: reshape(pooled, axis === 2 ? [n, c, a, d] : [n, c, a, b]), counts };
  }
  const kept = where(axis === 2 ? reshape(mask, [...mask._shape, 1]) : mask, windows, 0);
  return { y: sum(kept, axis + 1), counts };
}

/** What adaptiveAvgPool2d and adaptiveMaxPool2d share: the checks, and the windows, reduced one axis at a time. */
function adaptivePool(op: string, x: Tensor, outputSize: unknown, kind: 'avg' | 'max'): Tensor {
  const xt = toTensor(x, op);
  const [h, w] = imageSize(op, xt);
  const [oh, ow] = adaptiveSize(op, outputSize, h, w);
  // An empty batch too: the windows' or taps' indices are made for each output row and column.
  checkSize(op, [Math.max(xt._shape[0]!, 1), xt._shape[1]!, oh, ow], () => 'the output has shape');
  // The global average pooling of a classifier's head: one reduction (the maximum is the tiling case below).
  if (oh === 1 && ow === 1 && kind === 'avg') return mean(xt, [2, 3], true);
  // Windows side by side, all of one size: the pooling ops themselves, in one pass.
  if (h % oh === 0 && w % ow === 0) {
    const attrs: PoolAttrs = { kernel: [h / oh, w / ow], stride: [h / oh, w / ow], padding: [0, 0] };
    return kind === 'avg' ? avgPool2dWith(xt, attrs) : maxPool2dWith(xt, attrs);
  }
  // A rectangle's sum is the sum over its rows of the sums over its columns; its maximum the maximum
  // over its rows of each row's maximum, columns first, so that a tie's derivative goes to the first
  // maximum in row-major order.
  if (kind === 'max') {
    const cols = ow === w ? xt : reduceWindows(xt, 3, w, ow, 'max').y;
    return oh === h ? cols : reduceWindows(cols, 2, h, oh, 'max').y;
  }
  const rows = oh === h ? { y: xt, counts: new Array<number>(h).fill(1) } : reduceWindows(xt, 2, h, oh, 'sum');
  const both = ow === w ? { y: rows.y, counts: new Array<number>(w).fill(1) } : reduceWindows(rows.y, 3, w, ow, 'sum');
  // PyTorch divides each window's sum by its kH·kW values.
  const areas = rows.counts.flatMap((a) => both.counts.map((b) => a * b));
  return div(both.y, tensor(areas, { shape: [oh, ow] }));
}

/**
 * Adaptive average pooling of images x [N, C, H, W] to [N, C, oh, ow], PyTorch's
 * `adaptive_avg_pool2d`: output (i, j) is the mean of the window of rows
 * [⌊i·H/oh⌋, ⌈(i + 1)·H/oh⌉) and columns [⌊j·W/ow⌋, ⌈(j + 1)·W/ow⌉), so any input size gives the
 * same output size (windows overlap by a row where H is not a multiple of oh, and an output larger
 * than the input repeats rows). `outputSize` is one size for both axes, or [oh, ow] with null keeping
 * that axis. Size 1 is one mean over H and W (a classifier's global pooling); windows that tile the
 * image are avgPool2d's. Linear, so differentiable to any order.
 *
 * @example
 * adaptiveAvgPool2d(randn([8, 64, 7, 7]), 1).shape; // [8, 64, 1, 1]
 * adaptiveAvgPool2d(tensor([[[[1, 2, 3]]]]), [1, 2]); // [[[[1.5, 2.5]]]]: windows [1, 2] and [2, 3]
 * @throws ShapeError when x is not [N, C, H, W] with C, H and W at least 1; ValueError for an
 * outputSize that is not a positive integer or a pair of them (or nulls), or an output too large for a tensor.
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveOutputSize): Tensor {
  return adaptivePool('adaptiveAvgPool2d', x, outputSize, 'avg');
}

/**
 * Adaptive max pooling of images x [N, C, H, W] to [N, C, oh, ow], PyTorch's `adaptive_max_pool2d`
 * (without its indices): output (i, j) is the largest value of the window {@link adaptiveAvgPool2d}
 * averages, NaN if the window holds one. Windows that tile the image (size 1 among them) are
 * maxPool2d's; others are reduced by max pooling too, one axis at a time. Either way the gradient of
 * a window goes to one element: its first maximum in row-major order on ties (PyTorch's too), or its
 * first NaN (PyTorch's last), so that a NaN does not reach the elements of other windows.
 *
 * @example
 * adaptiveMaxPool2d(tensor([[[[1, 5, 3]]]]), [1, 2]); // [[[[5, 5]]]]
 * @throws ShapeError and ValueError as {@link adaptiveAvgPool2d}.
 */
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveOutputSize): Tensor {
  return adaptivePool('adaptiveMaxPool2d', x, outputSize, 'max');
}

/** A positive finite number, or a pair of them, as [vertical, horizontal]; else a ValueError naming `op`. */
function factorPair(op: string, value: unknown): [number, number] {
  const ok = (v: unknown): v is number => typeof v === 'number' && v > 0 && Number.isFinite(v);
  if (ok(value)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && ok(value[0]) && ok(value[1])) return [value[0], value[1]];
  throw new ValueError(`${op}: scaleFactor must be a positive finite number or a pair of them, got ${describeValue(value)}`);
}

/**
 * PyTorch's legacy nearest source index, ⌊dst·scale⌋ with scale 1/scaleFactor when one was given,
 * else in/out, computed as its kernel for NCHW images computes it, in float32.
 */
function nearestSource(dst: number, size: number, out: number, factor: number | null): number {
  const scale = Math.fround(factor === null ? size / out : 1 / factor);
  return Math.min(Math.floor(Math.fround(dst * scale)), size - 1);
}

/**
 * PyTorch's linear source of output `dst` (upsample_bilinear2d, in double): its two input indices
 * and their weights λ0 = 1 − λ1 and λ1.
 */
function linearSource(dst: number, size: number, out: number, factor: number | null, alignCorners: boolean): [number, number, number, number] {
  const ratio = alignCorners ? (out > 1 ? (size - 1) / (out - 1) : 0) : factor === null ? size / out : 1 / factor;
  const src = alignCorners ? ratio * dst : Math.max(ratio * (dst + 0.5) - 0.5, 0);
  const i0 = Math.min(Math.floor(src), size - 1);
  const lambda1 = Math.min(Math.max(src - i0, 0), 1);
  return [i0, i0 < size - 1 ? i0 + 1 : i0, 1 - lambda1, lambda1];
}

/** `x` resized along axis 2 or 3 from `size` to `out`: one gather (nearest) or two gathers weighted and added (bilinear). */
function resizeAxis(x: Tensor, axis: 2 | 3, size: number, out: number, factor: number | null, mode: 'nearest' | 'bilinear', alignCorners: boolean): Tensor {
  // The same size is the identity, except for nearest with a scale factor, whose ⌊dst/s⌋ PyTorch
  // computes all the same (3 rows scaled by 1.3 are rows 0, 0, 1).
  if (out === size && (mode === 'bilinear' || factor === null)) return x;
  const dsts = Array.from({ length: out }, (_, i) => i);
  if (mode === 'nearest') return gather(x, dsts.map((i) => nearestSource(i, size, out, factor)), axis);
  const taps = dsts.map((i) => linearSource(i, size, out, factor, alignCorners));
  // Weights along the axis: [out, 1] against [.., out, W] for the rows, [out] for the columns.
  const weights = (k: 2 | 3): Tensor => tensor(taps.map((t) => t[k]), { shape: axis === 2 ? [out, 1] : [out] });
  const near = mul(gather(x, taps.map((t) => t[0]), axis), weights(2));
  return add(near, mul(gather(x, taps.map((t) => t[1]), axis), weights(3)));
}

/**
 * Resizes images x [N, C, H, W] to [N, C, oh, ow], PyTorch's `F.interpolate` (and `nn.Upsample`)
 * with mode 'nearest' or 'bilinear'. The size is `size`, or ⌊H·s⌋ × ⌊W·s⌋ for `scaleFactor` s
 * (then, as in PyTorch, s itself sets the sampling positions, not the rounded sizes' ratio).
 * - 'nearest' (the default) copies input pixel ⌊dst·H/oh⌋ (⌊dst/s⌋ with a scale factor; PyTorch's
 *   legacy `nearest`, in its float32 arithmetic, so that the same pixels are picked).
 * - 'bilinear' weighs the two nearest rows, then columns, by their distance to the source
 *   position: (dst + ½)·H/oh − ½, clamped at 0 (half-pixel centres, `alignCorners: false`, the
 *   default), or dst·(H − 1)/(oh − 1) (`alignCorners: true`). Each axis is a gather of the two taps,
 *   scaled and added, in PyTorch's order (columns first), so the values are PyTorch's to about 1e-14 (not bit for bit: PyTorch's kernel fuses some multiply-adds).
 * An axis whose size does not change is left as it is (but for nearest with a scale factor, where
 * PyTorch too computes ⌊dst/s⌋). Linear in x, so differentiable to any order;
 * the adjoint adds each output's cotangent back into the pixels it was read from.
 *
 * @example
 * interpolate(tensor([[[[1, 2], [3, 4]]]]), { scaleFactor: 2 }).shape; // [1, 1, 4, 4]
 * interpolate(tensor([[[[0, 1]]]]), { size: [1, 4], mode: 'bilinear' }); // [[[[0, 0.25, 0.75, 1]]]]
 * @throws ShapeError when x is not [N, C, H, W] with C, H and W at least 1, or a scale factor
 * leaves an axis empty; ValueError for both or neither of size and scaleFactor, a bad size, factor
 * or mode, alignCorners with 'nearest', an unknown option, or an output too large for a tensor.
 */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  const op = 'interpolate';
  const opts = requireOptions(op, options, INTERPOLATE_OPTIONS);
  const mode = opts.mode === undefined ? 'nearest' : opts.mode;
  if (mode !== 'nearest' && mode !== 'bilinear') throw new ValueError(`${op}: mode must be 'nearest' or 'bilinear', got ${describeValue(mode)}`);
  if (opts.alignCorners !== undefined && typeof opts.alignCorners !== 'boolean') throw new ValueError(`${op}: alignCorners must be true or false, got ${describeValue(opts.alignCorners)}`);
  const alignCorners = opts.alignCorners === true;
  // Given at all with nearest, as PyTorch refuses it: false would be a silent no-op there.
  if (opts.alignCorners !== undefined && mode === 'nearest') throw new ValueError(`${op}: alignCorners applies to 'bilinear' only (nearest has no corners to align), got it with mode 'nearest'`);
  if ((opts.size === undefined) === (opts.scaleFactor === undefined)) throw new ValueError(`${op}: give exactly one of size and scaleFactor, got ${opts.size === undefined ? 'neither' : 'both'}`);
  const factors = opts.scaleFactor === undefined ? null : factorPair(op, opts.scaleFactor);
  const sizes = opts.size === undefined ? null : pairOf(op, 'size', opts.size, 1);
  const xt = toTensor(x, op);
  const [h, w] = imageSize(op, xt);
  const [oh, ow] = sizes ?? [Math.floor(h * factors![0]), Math.floor(w * factors![1])];
  if (oh < 1 || ow < 1) throw new ShapeError(`${op}: scaleFactor ${describeValue(opts.scaleFactor)} leaves x ${formatShape(xt._shape)} an empty ${oh}×${ow} output`);
  // An empty batch too: the windows' or taps' indices are made for each output row and column.
  checkSize(op, [Math.max(xt._shape[0]!, 1), xt._shape[1]!, oh, ow], () => 'the output has shape');
  // Columns first, then rows: PyTorch's bilinear order, (x₀₀·λ + x₀₁·λ′)·μ + (x₁₀·λ + x₁₁·λ′)·μ′.
  const cols = resizeAxis(xt, 3, w, ow, factors === null ? null : factors[1], mode, alignCorners);
  return resizeAxis(cols, 2, h, oh, factors === null ? null : factors[0], mode, alignCorners);
}
