/** 2-D pooling layers, as PyTorch's nn.MaxPool2d and nn.AvgPool2d. */
import { ShapeError, Tensor, ValueError, avgPool2d, formatShape, maxPool2d, type Pool2dOptions as CorePool2dOptions } from '@adjoint/core';
import { Module } from '../module';
import { knownOptions, sizePair, orDefault, requireTensor } from '../args';

/**
 * Options of {@link MaxPool2d} and {@link AvgPool2d}: stride and padding as core's pooling ops take
 * them (the kernel size is the constructor's first argument).
 */
export type Pool2dOptions = Omit<CorePool2dOptions, 'kernelSize'>;

/** A pooling layer's window, checked and named after `op`. */
interface Window {
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
}

function windowOf(op: string, kernelSize: unknown, options: Pool2dOptions): Window {
  return poolWindow(op, kernelSize, options, (name, value, min) => sizePair(op, name, value, min));
}

/**
 * A pooling layer's kernel size, stride (the kernel size unless given) and padding (at most half
 * the kernel), each read by `size` (numbers for a 1-D window, pairs for a 2-D one); the options
 * checked to be stride and padding only. Errors are ValueErrors naming `op`.
 * @internal The 1-D and 2-D pools'.
 */
export function poolWindow<S extends number | readonly number[]>(
  op: string,
  kernelSize: unknown,
  options: { stride?: unknown; padding?: unknown },
  size: (name: string, value: unknown, min: 0 | 1) => S,
): { kernelSize: S; stride: S; padding: S } {
  options = knownOptions(op, options, ['stride', 'padding']);
  const kernel = size('kernelSize', kernelSize, 1);
  const stride = options.stride === undefined ? kernel : size('stride', options.stride, 1);
  const padding = size('padding', orDefault(options.padding, 0), 0);
  const [k, p] = [[kernel].flat(), [padding].flat()];
  if (p.some((pad, i) => 2 * pad > k[i]!)) {
    const show = (v: S): string => (typeof v === 'number' ? String(v) : `[${v.join(', ')}]`);
    throw new ValueError(`${op}: padding must be at most half the kernel size, got padding ${show(padding)} for kernelSize ${show(kernel)}`);
  }
  return { kernelSize: kernel, stride, padding };
}

/** `x` checked for a pooling layer: `[N, C, H, W]` with C, H and W positive and the window fitting in the padded image. */
function poolInput(op: string, x: unknown, { kernelSize: [kh, kw], padding: [ph, pw] }: Window): Tensor {
  requireTensor(op, 'input', x);
  if (x.rank !== 4 || x.shape[1] === 0) throw new ShapeError(`${op}: input must be [batch, channels, height, width] with at least one channel, got ${formatShape(x.shape)}`);
  const [h, w] = [x.shape[2]!, x.shape[3]!];
  if (h === 0 || w === 0) throw new ShapeError(`${op}: input ${formatShape(x.shape)} has ${h === 0 ? 'height' : 'width'} 0`);
  if (h + 2 * ph < kh || w + 2 * pw < kw) {
    throw new ShapeError(`${op}: input ${formatShape(x.shape)} is ${h}×${w}, ${h + 2 * ph}×${w + 2 * pw} padded, smaller than the ${kh}×${kw} window`);
  }
  return x;
}

function describeWindow({ kernelSize, stride, padding }: Window): string {
  const parts = [`kernel ${kernelSize.join('×')}`, `stride ${stride.join('×')}`];
  if (padding[0] !== 0 || padding[1] !== 0) parts.push(`padding ${padding.join('×')}`);
  return parts.join(', ');
}

/**
 * What MaxPool2d and AvgPool2d share: the window, checked at construction, and a forward that
 * checks `[N, C, H, W]` against it before applying core's pooling op. No parameters.
 */
export abstract class Pool2d extends Module {
  /** [kH, kW]. */
  readonly kernelSize: readonly [number, number];
  /** [sH, sW] (the kernel size unless given). */
  readonly stride: readonly [number, number];
  /** [pH, pW] on each side. */
  readonly padding: readonly [number, number];

  protected constructor(
    private readonly kind: string,
    private readonly pool: (x: Tensor, window: Pick<Pool2d, 'kernelSize' | 'stride' | 'padding'>) => Tensor,
    kernelSize: number | readonly [number, number],
    options: Pool2dOptions,
  ) {
    super();
    ({ kernelSize: this.kernelSize, stride: this.stride, padding: this.padding } = windowOf(kind, kernelSize, options));
  }

  /**
   * The pooled windows.
   * @throws ShapeError naming the layer's forward when x is not `[N, C, H, W]` with C, H and W
   * positive, or the window does not fit in the padded image; ValueError for a non-tensor.
   */
  forward(x: Tensor): Tensor {
    const window: Window = { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding };
    return this.pool(poolInput(`${this.kind}.forward`, x, window), window);
  }

  protected override describeSelf(): string {
    return describeWindow(this);
  }
}

/**
 * Max pooling over windows of `kernelSize` of a batch of images `[N, C, H, W]` → `[N, C, H', W']`:
 * each output is the largest value of its window, H' = ⌊(H + 2pH − kH)/sH⌋ + 1 (likewise W'), the
 * padding never chosen (PyTorch's `nn.MaxPool2d`; core's `maxPool2d`). The gradient goes to each
 * window's maximum (its first, on ties). No parameters.
 *
 * @example
 * new MaxPool2d(2).forward(zeros([64, 8, 28, 28])).shape; // [64, 8, 14, 14]
 */
export class MaxPool2d extends Pool2d {
  /** @throws ValueError naming MaxPool2d for a bad size, padding over half the kernel, or an unknown option. */
  constructor(kernelSize: number | readonly [number, number], options: Pool2dOptions = {}) {
    super('MaxPool2d', maxPool2d, kernelSize, options);
  }
}

/**
 * Average pooling over windows of `kernelSize` of a batch of images `[N, C, H, W]` → `[N, C, H', W']`:
 * each output is the mean of its window, zero padding included in the count (always kH·kW terms),
 * H' = ⌊(H + 2pH − kH)/sH⌋ + 1 (likewise W'): PyTorch's `nn.AvgPool2d` (count_include_pad);
 * core's `avgPool2d`. No parameters.
 *
 * @example
 * new AvgPool2d(2).forward(zeros([64, 8, 28, 28])).shape; // [64, 8, 14, 14]
 */
export class AvgPool2d extends Pool2d {
  /** @throws ValueError naming AvgPool2d for a bad size, padding over half the kernel, or an unknown option. */
  constructor(kernelSize: number | readonly [number, number], options: Pool2dOptions = {}) {
    super('AvgPool2d', avgPool2d, kernelSize, options);
  }
}
