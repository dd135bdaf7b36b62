/** Layer normalisation (Ba, Kiros & Hinton 2016), as PyTorch's nn.LayerNorm. */
import { MAX_RANK, ShapeError, Tensor, ValueError, formatShape, ones, sameShape, zeros } from '@adjoint/core';
import { Module } from '../module';
import { checkBoolean, checkParameterSize, knownOptions, orDefault, show, requireTensor } from '../args';
import { epsValue, moments, normalize } from './normalization';

/** Options of {@link LayerNorm}: PyTorch's `eps`, `elementwise_affine` and `bias`, with its defaults. */
export interface LayerNormOptions {
  /** Added to the variance before the square root: a positive finite number (default 1e-5). */
  eps?: number;
  /** Whether to learn `weight` and `bias` of shape normalizedShape (default true). */
  elementwiseAffine?: boolean;
  /** Whether to learn `bias` (default true); without elementwiseAffine there is none either way. */
  bias?: boolean;
}

/**
 * Normalises each sample over its last axes, the `normalizedShape` ones (the features of a token in
 * a transformer, say), to zero mean and unit variance, then scales by the learned `weight` (starting
 * at ones) and shifts by the learned `bias` (starting at zeros), both of shape normalizedShape:
 *
 *   y = (x − E[x]) / √(Var[x] + ε) · weight + bias
 *
 * where E[x] and Var[x] (the biased variance, dividing by the number of values) are taken over the
 * normalizedShape axes of each sample separately — so, unlike batch normalisation, the layer keeps no
 * running statistics and computes the same in training and evaluation. The gradient flows through
 * the mean and the variance. PyTorch's `nn.LayerNorm`, whose parameter names and defaults it shares,
 * so a state dict maps one to one.
 *
 * @example
 * const norm = new LayerNorm(16);
 * norm.forward(randn([8, 10, 16])).shape; // [8, 10, 16]: each of the 80 tokens normalised over its 16 features
 * new LayerNorm([4, 4], { elementwiseAffine: false }); // over the last two axes, without parameters
 */
export class LayerNorm extends Module {
  /** The shape of the trailing axes normalised over (a number given to the constructor becomes [number]). */
  readonly normalizedShape: readonly number[];
  /** ε, added to the variance before the square root. */
  readonly eps: number;
  /** Whether the layer learns `weight` (and `bias`, unless built with `bias: false`). */
  readonly elementwiseAffine: boolean;
  private readonly hasBias: boolean;

  /**
   * @throws ValueError naming LayerNorm for a normalizedShape that is not a positive integer or a
   * non-empty list of them (or describes more values than a tensor holds), an eps that is not a
   * positive finite number, an elementwiseAffine or bias that is not a boolean, or an unknown option.
   */
  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    const op = 'LayerNorm';
    options = knownOptions(op, options, ['eps', 'elementwiseAffine', 'bias']);
    const shape = shapeOf(op, normalizedShape);
    this.normalizedShape = shape;
    this.eps = epsValue(op, orDefault(options.eps, 1e-5));
    this.elementwiseAffine = checkBoolean(op, 'elementwiseAffine', orDefault(options.elementwiseAffine, true));
    if (this.elementwiseAffine) checkParameterSize(op, 'weight', shape);
    this.hasBias = checkBoolean(op, 'bias', orDefault(options.bias, true)) && this.elementwiseAffine;
    if (this.elementwiseAffine) this.registerParameter('weight', ones(shape));
    if (this.hasBias) this.registerParameter('bias', zeros(shape));
  }

  /** The learned scale, of shape normalizedShape, or null for a layer built with `elementwiseAffine: false`. */
  get weight(): Tensor | null {
    return this.elementwiseAffine ? this.param('weight') : null;
  }

  /** The learned shift, of shape normalizedShape, or null for a layer built with `bias: false` or `elementwiseAffine: false`. */
  get bias(): Tensor | null {
    return this.hasBias ? this.param('bias') : null;
  }

  /**
   * Normalises `x` of shape `[..., ...normalizedShape]` over its last normalizedShape.length axes.
   * @throws ShapeError naming LayerNorm.forward when x has fewer axes than normalizedShape or its
   * trailing axes are not normalizedShape; ValueError for a non-tensor.
   */
  forward(x: Tensor): Tensor {
    const op = 'LayerNorm.forward';
    requireTensor(op, 'input', x);
    const k = this.normalizedShape.length;
    const first = x.rank - k;
    if (first < 0 || !sameShape(x.shape.slice(first), this.normalizedShape)) {
      throw new ShapeError(`${op}: input must end in normalizedShape ${formatShape(this.normalizedShape)}, got ${formatShape(x.shape)}`);
    }
    const axes = this.normalizedShape.map((_, i) => first + i);
    const { centred, variance } = moments(x, axes, true);
    const normalized = normalize(centred, variance, this.eps);
    const [weight, bias] = [this.weight, this.bias];
    const scaled = weight === null ? normalized : normalized.mul(weight);
    return bias === null ? scaled : scaled.add(bias);
  }

  protected override describeSelf(): string {
    const flags = !this.elementwiseAffine ? ', elementwiseAffine = false' : !this.hasBias ? ', bias = false' : '';
    return `${formatShape(this.normalizedShape)}, eps = ${this.eps}${flags}`;
  }
}

/** normalizedShape checked: a positive integer n (as [n]) or a non-empty list of at most MAX_RANK of them. */
function shapeOf(op: string, value: unknown): number[] {
  const ok = (d: unknown): d is number => typeof d === 'number' && Number.isInteger(d) && d > 0;
  if (ok(value)) return [value];
  // Array.from: a hole in a sparse list is undefined, which every() would skip.
  const list = Array.isArray(value) ? Array.from(value as unknown[]) : null;
  if (list !== null && list.length > 0 && list.length <= MAX_RANK && list.every(ok)) return list;
  const bad = list === null ? -1 : list.findIndex((d) => !ok(d));
  const got = list === null ? show(value) : bad >= 0 ? `${show(list[bad])} at index ${bad}` : `a list of length ${list.length}`;
  throw new ValueError(`${op}: normalizedShape must be a positive integer or a list of 1 to ${MAX_RANK} of them (a tensor's most axes), got ${got}`);
}
