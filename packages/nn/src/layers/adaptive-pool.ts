/** Adaptive pooling layers, as PyTorch's nn.AdaptiveAvgPool2d and nn.AdaptiveMaxPool2d. */
import { MAX_SIZE, ShapeError, ValueError, adaptiveAvgPool2d, adaptiveMaxPool2d, formatShape, type AdaptiveOutputSize, type Tensor } from '@adjoint/core';
import { Module } from '../module';
import { requireTensor, show } from '../args';

/** An output size checked for `op`: [oh, ow], each a positive integer or null (keep that axis). */
function outputSizeOf(op: string, value: unknown): readonly [number | null, number | null] {
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (ok(value)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => v === null || ok(v))) return [value[0], value[1]];
  const got = Array.isArray(value) && value.length <= 4 ? `[${value.map(show).join(', ')}]` : show(value);
  throw new ValueError(`${op}: outputSize must be a positive integer or a pair of positive integers or nulls, got ${got}`);
}

/**
 * What AdaptiveAvgPool2d and AdaptiveMaxPool2d share: the output size, checked at construction, and
 * a forward that checks `[N, C, H, W]` before applying core's adaptive pooling. No parameters.
 */
export abstract class AdaptivePool2d extends Module {
  /** [oh, ow]; null keeps the input's size on that axis. */
  readonly outputSize: readonly [number | null, number | null];

  protected constructor(
    private readonly kind: string,
    private readonly pool: (x: Tensor, outputSize: AdaptiveOutputSize) => Tensor,
    outputSize: AdaptiveOutputSize,
  ) {
    super();
    this.outputSize = outputSizeOf(kind, outputSize);
  }

  /**
   * The pooled windows, `[N, C, oh, ow]`.
   * @throws ShapeError naming the layer's forward when x is not `[N, C, H, W]` with C, H and W
   * positive, or the output (one sample's, for an empty batch) would be too large for a tensor;
   * ValueError for a non-tensor.
   */
  forward(x: Tensor): Tensor {
    const op = `${this.kind}.forward`;
    requireTensor(op, 'input', x);
    if (x.rank !== 4 || x.shape.slice(1).some((d) => d === 0)) {
      throw new ShapeError(`${op}: input must be [batch, channels, height, width] with channels, height and width at least 1, got ${formatShape(x.shape)}`);
    }
    // Checked here so that the message names this layer, not core's pooling (which refuses the same sizes).
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const [oh, ow] = [this.outputSize[0] ?? h, this.outputSize[1] ?? w];
    if (Math.max(n, 1) * c * oh * ow > MAX_SIZE) {
      throw new ShapeError(`${op}: input ${formatShape(x.shape)} gives an output [${n}, ${c}, ${oh}, ${ow}], more than the ${MAX_SIZE} values a tensor can hold${n === 0 ? ' for one sample' : ''}`);
    }
    return this.pool(x, this.outputSize);
  }

  protected override describeSelf(): string {
    const [h, w] = this.outputSize;
    return `output ${h ?? 'same'}×${w ?? 'same'}`;
  }
}

/**
 * Adaptive average pooling of images `[N, C, H, W]` to `[N, C, oh, ow]` whatever H and W are,
 * PyTorch's `nn.AdaptiveAvgPool2d` (core's `adaptiveAvgPool2d`): output (i, j) is the mean of the
 * rows [⌊i·H/oh⌋, ⌈(i + 1)·H/oh⌉) and columns [⌊j·W/ow⌋, ⌈(j + 1)·W/ow⌉). `outputSize` is one size
 * for both axes, or [oh, ow] with null keeping that axis. `new AdaptiveAvgPool2d(1)`, the global
 * average pooling before a ResNet's classifier, is one mean over H and W. No parameters.
 *
 * @example
 * new AdaptiveAvgPool2d(1).forward(randn([8, 512, 7, 7])).shape; // [8, 512, 1, 1]
 * new AdaptiveAvgPool2d([5, null]).forward(randn([1, 3, 12, 9])).shape; // [1, 3, 5, 9]
 */
export class AdaptiveAvgPool2d extends AdaptivePool2d {
  /** @throws ValueError naming AdaptiveAvgPool2d for an outputSize that is not a positive integer or a pair of them (or nulls). */
  constructor(outputSize: AdaptiveOutputSize) {
    super('AdaptiveAvgPool2d', adaptiveAvgPool2d, outputSize);
  }
}

/**
 * Adaptive max pooling of images `[N, C, H, W]` to `[N, C, oh, ow]`, PyTorch's
 * `nn.AdaptiveMaxPool2d` without `return_indices` (core's `adaptiveMaxPool2d`): the largest value
 * of each of the windows {@link AdaptiveAvgPool2d} averages. Each window's gradient goes to its
 * maximum: the first in row-major order on ties, or its first NaN (PyTorch's last). No parameters.
 *
 * @example
 * new AdaptiveMaxPool2d([2, 2]).forward(randn([1, 8, 5, 7])).shape; // [1, 8, 2, 2]
 */
export class AdaptiveMaxPool2d extends AdaptivePool2d {
  /** @throws ValueError naming AdaptiveMaxPool2d for an outputSize that is not a positive integer or a pair of them (or nulls). */
  constructor(outputSize: AdaptiveOutputSize) {
    super('AdaptiveMaxPool2d', adaptiveMaxPool2d, outputSize);
  }
}
