/** Upsampling of images, as PyTorch's nn.Upsample. */
import { MAX_SIZE, ShapeError, ValueError, formatShape, interpolate, type InterpolateOptions, type Tensor } from '@adjoint/core';
import { Module } from '../module';
import { checkBoolean, knownOptions, oneOf, requireTensor, show, sizePair } from '../args';

/** Options of {@link Upsample}: core's `interpolate`'s, PyTorch's `size`, `scale_factor`, `mode` and `align_corners`, exactly one of size and scaleFactor. */
export type UpsampleOptions = InterpolateOptions;

/**
 * Upsampling (or resizing) of images `[N, C, H, W]` to `[N, C, oh, ow]`, PyTorch's `nn.Upsample`
 * over core's `interpolate`: the output size is `size`, or ⌊H·s⌋ × ⌊W·s⌋ for `scaleFactor` s.
 * 'nearest' copies pixel ⌊dst·H/oh⌋ (⌊dst/s⌋ with a scale factor), PyTorch's legacy nearest;
 * 'bilinear' weighs the two nearest rows and columns, with half-pixel centres (clamped at the
 * edge; `alignCorners: false`, the default) or with the corners aligned (`alignCorners: true`). The
 * decoder step of a U-Net, often followed by a 3 × 3 convolution. No parameters; linear, so
 * differentiable to any order.
 *
 * @example
 * new Upsample({ scaleFactor: 2 }).forward(randn([1, 8, 16, 16])).shape; // [1, 8, 32, 32]
 * new Upsample({ size: [24, 40], mode: 'bilinear' }).forward(randn([1, 3, 12, 20])).shape; // [1, 3, 24, 40]
 */
export class Upsample extends Module {
  /** [oh, ow], or null when the layer scales by scaleFactor. */
  readonly size: readonly [number, number] | null;
  /** [sH, sW], or null when the layer resizes to size. */
  readonly scaleFactor: readonly [number, number] | null;
  /** 'nearest' or 'bilinear'. */
  readonly mode: 'nearest' | 'bilinear';
  /** Whether bilinear sampling aligns the corner pixels (always false for nearest). */
  readonly alignCorners: boolean;

  /**
   * @throws ValueError naming Upsample for both or neither of size and scaleFactor, a size that is
   * not a positive integer or a pair of them, a scale factor that is not a positive finite number or
   * a pair of them, a mode other than 'nearest' and 'bilinear', alignCorners with 'nearest', or an
   * unknown option.
   */
  constructor(options: UpsampleOptions) {
    super();
    const op = 'Upsample';
    if (options === undefined) throw new ValueError(`${op}: options must give size or scaleFactor, such as {scaleFactor: 2}`);
    options = knownOptions(op, options, ['size', 'scaleFactor', 'mode', 'alignCorners']);
    if ((options.size === undefined) === (options.scaleFactor === undefined)) {
      throw new ValueError(`${op}: give exactly one of size and scaleFactor, got ${options.size === undefined ? 'neither' : 'both'}`);
    }
    this.size = options.size === undefined ? null : sizePair(op, 'size', options.size, 1);
    this.scaleFactor = options.scaleFactor === undefined ? null : factorPair(op, options.scaleFactor);
    this.mode = oneOf(op, 'mode', options.mode === undefined ? 'nearest' : options.mode, ['nearest', 'bilinear'] as const);
    this.alignCorners = options.alignCorners === undefined ? false : checkBoolean(op, 'alignCorners', options.alignCorners);
    // Given at all with nearest, as PyTorch refuses it: false would be a silent no-op there.
    if (options.alignCorners !== undefined && this.mode === 'nearest') throw new ValueError(`${op}: alignCorners applies to mode 'bilinear' only, got it with mode 'nearest'`);
  }

  /** The output's height and width for an input of height `h` and width `w`. */
  private outputSizeFor(h: number, w: number): [number, number] {
    return this.size !== null ? [this.size[0], this.size[1]] : [Math.floor(h * this.scaleFactor![0]), Math.floor(w * this.scaleFactor![1])];
  }

  /**
   * The resized images, `[N, C, oh, ow]`.
   * @throws ShapeError naming Upsample.forward when x is not `[N, C, H, W]` with C, H and W at least
   * 1, a scale factor below 1 leaves it empty, or the output (one sample's, for an empty batch) would
   * be too large for a tensor; ValueError for a non-tensor.
   */
  forward(x: Tensor): Tensor {
    const op = 'Upsample.forward';
    requireTensor(op, 'input', x);
    if (x.rank !== 4 || x.shape.slice(1).some((d) => d === 0)) {
      throw new ShapeError(`${op}: input must be [batch, channels, height, width] with channels, height and width at least 1, got ${formatShape(x.shape)}`);
    }
    const [oh, ow] = this.outputSizeFor(x.shape[2]!, x.shape[3]!);
    if (oh < 1 || ow < 1) throw new ShapeError(`${op}: scaleFactor [${this.scaleFactor!.join(', ')}] leaves input ${formatShape(x.shape)} an empty ${oh}×${ow} output`);
    // Checked here so that the message names this layer, not interpolate (which refuses the same sizes).
    const [n, c] = x.shape as [number, number];
    if (Math.max(n, 1) * c * oh * ow > MAX_SIZE) {
      throw new ShapeError(`${op}: input ${formatShape(x.shape)} gives an output [${n}, ${c}, ${oh}, ${ow}], more than the ${MAX_SIZE} values a tensor can hold${n === 0 ? ' for one sample' : ''}`);
    }
    const common = { mode: this.mode, ...(this.mode === 'bilinear' ? { alignCorners: this.alignCorners } : {}) };
    return interpolate(x, this.size !== null ? { ...common, size: this.size as [number, number] } : { ...common, scaleFactor: this.scaleFactor as [number, number] });
  }

  protected override describeSelf(): string {
    const pair = ([a, b]: readonly [number, number]): string => `${a}×${b}`;
    const parts = [this.size !== null ? `size ${pair(this.size)}` : `scaleFactor ${pair(this.scaleFactor!)}`, `mode '${this.mode}'`];
    if (this.alignCorners) parts.push('alignCorners = true');
    return parts.join(', ');
  }
}

/** A positive finite number, or a pair of them, as [vertical, horizontal]; else a ValueError naming `op`. */
function factorPair(op: string, value: unknown): [number, number] {
  const ok = (v: unknown): v is number => typeof v === 'number' && v > 0 && Number.isFinite(v);
  if (ok(value)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && ok(value[0]) && ok(value[1])) return [value[0], value[1]];
  throw new ValueError(`${op}: scaleFactor must be a positive finite number or a pair of them, got ${show(value)}`);
}
