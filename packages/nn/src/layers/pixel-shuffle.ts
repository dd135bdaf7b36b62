/** Pixel shuffles, as PyTorch's nn.PixelShuffle and nn.PixelUnshuffle. */
import { ShapeError, formatShape, type Tensor } from '@adjoint/core';
import { Module } from '../module';
import { positiveSize, requireTensor } from '../args';

/**
 * Rearranges `[*, C·r², H, W]` into `[*, C, H·r, W·r]`, PyTorch's `nn.PixelShuffle(r)` (Shi et al.
 * 2016, sub-pixel convolution): output pixel (i·r + a, j·r + b) of channel c is input channel
 * c·r² + a·r + b at (i, j), PyTorch's channel order, which is ONNX's DepthToSpace in 'CRD' mode. A
 * reshape, a transpose and a reshape, so the gradient is the inverse rearrangement. No parameters.
 *
 * @example
 * new PixelShuffle(2).forward(randn([1, 12, 8, 8])).shape; // [1, 3, 16, 16]
 */
export class PixelShuffle extends Module {
  /** r, the factor height and width grow by. */
  readonly upscaleFactor: number;

  /** @throws ValueError naming PixelShuffle for an upscaleFactor that is not a positive integer. */
  constructor(upscaleFactor: number) {
    super();
    this.upscaleFactor = positiveSize('PixelShuffle', 'upscaleFactor', upscaleFactor);
  }

  /**
   * @throws ShapeError naming PixelShuffle.forward when x has fewer than 3 axes or its channels
   * (axis −3) are not a multiple of r²; ValueError for a non-tensor.
   */
  forward(x: Tensor): Tensor {
    const op = 'PixelShuffle.forward';
    const r = this.upscaleFactor;
    requireTensor(op, 'input', x);
    if (x.rank < 3 || x.shape[x.rank - 3]! % (r * r) !== 0) {
      throw new ShapeError(`${op}: input must be [*, channels, height, width] with channels a multiple of upscaleFactor² = ${r * r}, got ${formatShape(x.shape)}`);
    }
    const lead = x.shape.slice(0, -3);
    const [c, h, w] = x.shape.slice(-3) as [number, number, number];
    const k = lead.length;
    // [*, C, r, r, H, W] → [*, C, H, r, W, r]: row i·r + a, column j·r + b.
    const perm = [...lead.map((_, i) => i), k, k + 3, k + 1, k + 4, k + 2];
    return x.reshape([...lead, c / (r * r), r, r, h, w]).transpose(perm).reshape([...lead, c / (r * r), h * r, w * r]);
  }

  protected override describeSelf(): string {
    return `${this.upscaleFactor}`;
  }
}

/**
 * The inverse of {@link PixelShuffle}: rearranges `[*, C, H·r, W·r]` into `[*, C·r², H, W]`,
 * PyTorch's `nn.PixelUnshuffle(r)`, with input pixel (i·r + a, j·r + b) of channel c going to
 * channel c·r² + a·r + b at (i, j). No parameters.
 *
 * @example
 * new PixelUnshuffle(2).forward(randn([1, 3, 16, 16])).shape; // [1, 12, 8, 8]
 */
export class PixelUnshuffle extends Module {
  /** r, the factor height and width shrink by. */
  readonly downscaleFactor: number;

  /** @throws ValueError naming PixelUnshuffle for a downscaleFactor that is not a positive integer. */
  constructor(downscaleFactor: number) {
    super();
    this.downscaleFactor = positiveSize('PixelUnshuffle', 'downscaleFactor', downscaleFactor);
  }

  /**
   * @throws ShapeError naming PixelUnshuffle.forward when x has fewer than 3 axes or its height and
   * width are not multiples of r; ValueError for a non-tensor.
   */
  forward(x: Tensor): Tensor {
    const op = 'PixelUnshuffle.forward';
    const r = this.downscaleFactor;
    requireTensor(op, 'input', x);
    if (x.rank < 3 || x.shape[x.rank - 2]! % r !== 0 || x.shape[x.rank - 1]! % r !== 0) {
      throw new ShapeError(`${op}: input must be [*, channels, height, width] with height and width multiples of downscaleFactor ${r}, got ${formatShape(x.shape)}`);
    }
    const lead = x.shape.slice(0, -3);
    const [c, h, w] = x.shape.slice(-3) as [number, number, number];
    const k = lead.length;
    // [*, C, H, r, W, r] → [*, C, r, r, H, W].
    const perm = [...lead.map((_, i) => i), k, k + 2, k + 4, k + 1, k + 3];
    return x.reshape([...lead, c, h / r, r, w / r, r]).transpose(perm).reshape([...lead, c * r * r, h / r, w / r]);
  }

  protected override describeSelf(): string {
    return `${this.downscaleFactor}`;
  }
}
