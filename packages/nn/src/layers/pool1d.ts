/** 1-D pooling layers, as PyTorch's nn.MaxPool1d and nn.AvgPool1d. */
import { MAX_SIZE, ShapeError, Tensor, ValueError, avgPool2d, formatShape, maxPool2d, type Pool2dOptions as CorePool2dOptions } from '@adjoint/core';
import { Module } from '../module';
import { windowSize, requireTensor } from '../args';
import { poolWindow } from './pool';

/** Options of {@link MaxPool1d} and {@link AvgPool1d} (the kernel size is the constructor's first argument). */
export interface Pool1dOptions {
  /** Step between windows: a positive integer (default: the kernel size, windows side by side). */
  stride?: number;
  /** Padding at each end: a non-negative integer, at most half the kernel size (default 0). */
  padding?: number;
}

/**
 * What MaxPool1d and AvgPool1d share: the window, checked at construction, and a forward that
 * checks `[N, C, L]` against it before applying core's 2-D pooling op to the input read as
 * `[N, C, 1, L]`. No parameters.
 */
export abstract class Pool1d extends Module {
  readonly kernelSize: number;
  /** The kernel size unless given. */
  readonly stride: number;
  /** At each end. */
  readonly padding: number;

  protected constructor(
    private readonly kind: string,
    private readonly pool: (x: Tensor, options: CorePool2dOptions) => Tensor,
    kernelSize: number,
    options: Pool1dOptions,
  ) {
    super();
    ({ kernelSize: this.kernelSize, stride: this.stride, padding: this.padding } = poolWindow(kind, kernelSize, options, (name, value, min) => windowSize(kind, name, value, min)));
  }

  /**
   * The pooled windows, `[N, C, L']` with L' = ⌊(L + 2·padding − kernelSize)/stride⌋ + 1.
   * @throws ShapeError naming the layer's forward when x is not `[N, C, L]` with C > 0 or the
   * window does not fit in the padded length; ValueError for a non-tensor.
   */
  forward(x: Tensor): Tensor {
    const op = `${this.kind}.forward`;
    requireTensor(op, 'input', x);
    if (x.rank !== 3 || x.shape[1] === 0) throw new ShapeError(`${op}: input must be [batch, channels, length] with at least one channel, got ${formatShape(x.shape)}`);
    const [n, c, length] = x.shape as [number, number, number];
    const { kernelSize: k, stride: s, padding: p } = this;
    if (length === 0) throw new ShapeError(`${op}: input ${formatShape(x.shape)} has length 0`);
    if (length + 2 * p < k) throw new ShapeError(`${op}: input ${formatShape(x.shape)} has length ${length}, ${length + 2 * p} padded, shorter than the window of ${k}`);
    const outLength = Math.floor((length + 2 * p - k) / s) + 1;
    if (n * c * (length + 2 * p) > MAX_SIZE || n * c * outLength > MAX_SIZE) {
      throw new ShapeError(`${op}: input ${formatShape(x.shape)} padded to length ${length + 2 * p} gives an output [${n}, ${c}, ${outLength}]; the padded input or the output would hold more than the ${MAX_SIZE} values a tensor can`);
    }
    const y = this.pool(x.reshape([n, c, 1, length]), { kernelSize: [1, k], stride: [1, s], padding: [0, p] });
    return y.reshape([n, c, y.shape[3]!]);
  }

  protected override describeSelf(): string {
    const parts = [`kernel ${this.kernelSize}`, `stride ${this.stride}`];
    if (this.padding !== 0) parts.push(`padding ${this.padding}`);
    return parts.join(', ');
  }
}

/**
 * Max pooling over windows of `kernelSize` of a batch of sequences `[N, C, L]` → `[N, C, L']`: each
 * output is the largest value of its window, L' = ⌊(L + 2p − k)/s⌋ + 1, the padding never chosen
 * (PyTorch's `nn.MaxPool1d`; core's `maxPool2d` on `[N, C, 1, L]`). The gradient goes to each
 * window's maximum (its first, on ties). No parameters.
 *
 * @example
 * new MaxPool1d(2).forward(zeros([16, 8, 100])).shape; // [16, 8, 50]
 */
export class MaxPool1d extends Pool1d {
  /** @throws ValueError naming MaxPool1d for a bad size, padding over half the kernel, or an unknown option. */
  constructor(kernelSize: number, options: Pool1dOptions = {}) {
    super('MaxPool1d', maxPool2d, kernelSize, options);
  }
}

/**
 * Average pooling over windows of `kernelSize` of a batch of sequences `[N, C, L]` → `[N, C, L']`:
 * each output is the mean of its window, zero padding included in the count (always k terms),
 * L' = ⌊(L + 2p − k)/s⌋ + 1: PyTorch's `nn.AvgPool1d` (count_include_pad); core's `avgPool2d` on
 * `[N, C, 1, L]`. No parameters.
 *
 * @example
 * new AvgPool1d(4, { stride: 2 }).forward(zeros([16, 8, 100])).shape; // [16, 8, 49]
 */
export class AvgPool1d extends Pool1d {
  /** @throws ValueError naming AvgPool1d for a bad size, padding over half the kernel, or an unknown option. */
  constructor(kernelSize: number, options: Pool1dOptions = {}) {
    super('AvgPool1d', avgPool2d, kernelSize, options);
  }
}
