/** Reductions over any axes, with keepDims: sum, prod, max, min, logSumExp, norm; and the running cumsum, cumprod, logCumSumExp. */
import { registerOp, type DifferentiableOp, type OpCase } from '../registry';
import { describeValue, formatShape, normalizeAxes, normalizeAxis, reducedShape, type Shape } from '../shape';
import { ValueError } from '../errors';
import { cumsumAxis, extremeAxes, logCumSumExpAxis, logSoftmaxAxis, logSumExpAxes, normAxes, prodAxes, sumAxes } from '../kernels/reduce';
import { abs, broadcastTo, div, equal, exp, greater, less, mul, notEqual, pow, reshape, square, sub, where } from '../functions';
import { exclusiveProducts, linearRecurrence, shiftAlong, unitAlong } from './rules/recurrence';
import { ownCopy, requireFinite, requireKeepDims, requireOptions } from '../arguments';
import type { Tensor, TensorLike } from '../tensor';
import { apply } from '../dispatch';
import { applyUnary } from './call';
import { toTensor } from '../create';

/** Axes of a reduction: one axis, a list of axes, or undefined for all of them. @inline */
type Axis = number | readonly number[] | undefined;

/** Attributes of a reduction: the axes (undefined: all) and whether reduced axes stay as size 1. */
interface ReduceAttrs {
  readonly axis: number | readonly number[] | undefined;
  readonly keepDims: boolean;
}

const reduceCases: OpCase<ReduceAttrs>[] = [
  { shapes: [[]], attrs: { axis: undefined, keepDims: false } },
  { shapes: [[5]], attrs: { axis: undefined, keepDims: false } },
  { shapes: [[5]], attrs: { axis: 0, keepDims: true } },
  { shapes: [[2, 3]], attrs: { axis: 0, keepDims: false } },
  { shapes: [[2, 3]], attrs: { axis: -1, keepDims: true } },
  { shapes: [[2, 3]], attrs: { axis: [0, 1], keepDims: false } },
  { shapes: [[2, 3, 4]], attrs: { axis: [0, 2], keepDims: true } },
  { shapes: [[2, 3, 4]], attrs: { axis: 1, keepDims: false } },
];

/** `t` (a reduced result) reshaped so that it broadcasts against the input: reduced axes as 1. */
function expandReduced(t: Tensor, inputShape: Shape, name: string, attrs: ReduceAttrs): Tensor {
  return reshape(t, reducedShape(inputShape, normalizeAxes(name, attrs.axis, inputShape.length), true));
}

function reduction(spec: {
  name: string;
  kernel: (x: Float64Array, shape: Shape, axes: readonly number[]) => Float64Array;
  /** The weight w with ∂out/∂x = w (broadcast against x): vjp = expand(g)·w, jvp = reduce(ṫ·w). */
  weight: ((x: Tensor, outExpanded: Tensor) => Tensor) | null;
  smooth: boolean;
  domainMin?: number;
  /** Reducing an empty axis has no answer (max, min), unlike sum's 0. */
  needsElements?: boolean;
}): DifferentiableOp<ReduceAttrs> {
  const { name, weight } = spec;
  return registerOp<DifferentiableOp<ReduceAttrs>>({
    kind: 'differentiable',
    name,
    arity: 1,
    shape: ([s], attrs) => {
      const axes = normalizeAxes(name, attrs.axis, s!.length);
      if (spec.needsElements && axes.some((a) => s![a] === 0)) {
        throw new ValueError(`${name}: cannot reduce an empty axis (it has no ${name === 'max' ? 'maximum' : 'minimum'}), got shape ${formatShape(s!)}`);
      }
      return reducedShape(s!, axes, attrs.keepDims);
    },
    forward: ([x], [s], _o, attrs) => spec.kernel(x!, s!, normalizeAxes(name, attrs.axis, s!.length)),
    vjp: (g, [x], out, attrs) => {
      const gExpanded = broadcastTo(expandReduced(g, x!._shape, name, attrs), x!._shape);
      return [weight ? mul(gExpanded, weight(x!, expandReduced(out, x!._shape, name, attrs))) : gExpanded];
    },
    jvp: ([t], [x], out, attrs) =>
      sum(weight ? mul(t!, weight(x!, expandReduced(out, x!._shape, name, attrs))) : t!, attrs.axis, attrs.keepDims),
    domain: { inputs: [{ min: spec.domainMin ?? -2, max: 2 }], cases: reduceCases, smooth: spec.smooth },
  });
}

/** Σ over axes: the adjoint is the cotangent broadcast back over the reduced axes. */
const sumOp = reduction({ name: 'sum', kernel: sumAxes, weight: null, smooth: true });

/**
 * The axes a reduction reduced, read off its input and its expanded output: those where the output
 * has 1 and the input has not (an axis of size 1 makes no difference to which elements are grouped).
 */
function reducedAxesOf(x: Tensor, outExpanded: Tensor): number[] {
  return x._shape.flatMap((d, i) => (outExpanded._shape[i] === 1 && d !== 1 ? [i] : []));
}

/** The elements equal to the extreme get the derivative, shared equally on ties. */
function extremeWeight(x: Tensor, outExpanded: Tensor): Tensor {
  const mask = equal(x, outExpanded);
  return div(mask, sum(mask, reducedAxesOf(x, outExpanded), true));
}

/**
 * ∏ over axes; ∂out/∂xᵢ = ∏ⱼ≠ᵢ xⱼ, the product of the others, computed without dividing by xᵢ (see
 * exclusiveProducts): right with zeros in the input, to any order.
 */
const prodOp = reduction({
  name: 'prod',
  kernel: prodAxes,
  weight: (x, outExpanded) => exclusiveProducts(x, reducedAxesOf(x, outExpanded)),
  smooth: true,
});

/** Max over axes (NaN propagates); d/dx is 1 at the maximum (shared on ties), 0 elsewhere. */
const maxOp = reduction({ name: 'max', kernel: (x, s, a) => extremeAxes(x, s, a, 1), weight: extremeWeight, smooth: false, needsElements: true });

/** Min over axes; d/dx is 1 at the minimum (shared on ties), 0 elsewhere. */
const minOp = reduction({ name: 'min', kernel: (x, s, a) => extremeAxes(x, s, a, -1), weight: extremeWeight, smooth: false, needsElements: true });

/**
 * log Σ exp x over axes, stable for large |x|; d/dx = softmax(x) = e/Σe with e = exp(x − out). In
 * exact arithmetic Σe = 1; dividing by it takes out the error of out's rounding, which exp(x − out)
 * alone keeps: out has an absolute error of up to |out|·2⁻⁵³, so e a relative one of as much (2·10⁻⁷
 * at out = 10¹⁰, as PyTorch's gradient has). A group holding +∞ has out = ∞ and Σe = NaN (e^(∞ − ∞)
 * at the ∞): there e is left undivided, so the finite elements keep their weight 0 (as PyTorch's)
 * and only the ∞ gets NaN.
 */
const logSumExpOp = reduction({
  name: 'logSumExp',
  kernel: logSumExpAxes,
  weight: (x, outExpanded) => {
    const e = exp(sub(x, outExpanded));
    const total = sum(e, reducedAxesOf(x, outExpanded), true);
    return div(e, where(equal(total, total), total, 1));
  },
  smooth: true,
});

/**
 * Euclidean (Frobenius) norm over axes, without overflow or underflow in the squares (see
 * normAxes); d/dx = x / ‖x‖, taken as 0 where ‖x‖ = 0. There x is all ±0 and is divided by ∞, not
 * by 1: the weight is the same ±0, but its own derivative is 1/∞ = 0, so higher derivatives at the
 * origin are 0 (as for a gradient held at 0), where x/1 would give those of ½‖x‖², the identity.
 */
const normOp = reduction({
  name: 'norm',
  kernel: normAxes,
  weight: (x, outExpanded) => div(x, where(equal(outExpanded, 0), Infinity, outExpanded)),
  smooth: true,
  domainMin: 0.2,
});

/**
 * log softmax along one axis: y = x − logSumExp(x), computed stably (see logSoftmaxAxis). With
 * s = eʸ the softmax, the adjoint is x̄ = ȳ − s·Σȳ and the tangent ẏ = ẋ − Σ s·ẋ (sums along the
 * axis). One op rather than a composite of seven, so a cross-entropy costs a few passes, not dozens.
 */
const logSoftmaxOp = registerOp<DifferentiableOp<{ axis: number }>>({
  kind: 'differentiable',
  name: 'logSoftmax',
  arity: 1,
  shape: ([s], { axis }) => {
    if (s!.length === 0) throw new ValueError('logSoftmax: needs at least one axis, got a scalar');
    normalizeAxis('logSoftmax', axis, s!.length);
    return s!;
  },
  forward: ([x], [s], _o, { axis }) => logSoftmaxAxis(x!, s!, normalizeAxis('logSoftmax', axis, s!.length)),
  vjp: (g, _inputs, out, { axis }) => [sub(g, mul(exp(out), sum(g, axis, true)))],
  jvp: ([t], _inputs, out, { axis }) => sub(t!, sum(mul(exp(out), t!), axis, true)),
  domain: {
    inputs: [{ min: -2, max: 2 }],
    cases: [
      { shapes: [[5]], attrs: { axis: 0 } },
      { shapes: [[2, 3]], attrs: { axis: -1 } },
      { shapes: [[2, 3]], attrs: { axis: 0 } },
      { shapes: [[2, 3, 4]], attrs: { axis: 1 } },
    ],
    smooth: true,
  },
});

/** cumsum's attributes: the axis, and whether the sums run from the end (the op's own adjoint). */
interface CumsumAttrs {
  readonly axis: number;
  readonly reverse: boolean;
}

/**
 * Running sums along one axis. Linear, so the tangent is the running sum of the tangent, and the
 * adjoint of a running sum is the running sum from the other end: x̄[k] = Σ_{i ≥ k} ȳ[i].
 */
const cumsumOp: DifferentiableOp<CumsumAttrs> = registerOp<DifferentiableOp<CumsumAttrs>>({
  kind: 'differentiable',
  name: 'cumsum',
  arity: 1,
  shape: ([s], { axis }) => {
    if (s!.length === 0) throw new ValueError('cumsum: needs at least one axis, got a scalar');
    normalizeAxis('cumsum', axis, s!.length);
    return s!;
  },
  forward: ([x], [s], _o, { axis, reverse }) => cumsumAxis(x!, s!, normalizeAxis('cumsum', axis, s!.length), reverse),
  vjp: (g, _inputs, _out, { axis, reverse }) => [apply(cumsumOp, [g], { axis, reverse: !reverse })],
  jvp: ([t], _inputs, _out, attrs) => apply(cumsumOp, [t!], attrs),
  domain: {
    inputs: [{ min: -2, max: 2 }],
    cases: [
      { shapes: [[5]], attrs: { axis: 0, reverse: false } },
      { shapes: [[5]], attrs: { axis: -1, reverse: true } },
      { shapes: [[2, 3]], attrs: { axis: 0, reverse: false } },
      { shapes: [[2, 3]], attrs: { axis: 1, reverse: true } },
      { shapes: [[3, 4]], attrs: { axis: -1, reverse: false } },
      { shapes: [[2, 3, 4]], attrs: { axis: 1, reverse: false } },
    ],
    smooth: true,
  },
  print: ([a], { axis, reverse }) => `cumsum(${a}, axis ${axis}${reverse ? ', from the end' : ''})`,
});

/**
 * Running log-sum-exp along an axis: out[k] = ln Σᵢ≤ₖ e^{x[i]}. ∂out[k]/∂x[j] = e^{x[j] − out[k]}
 * for j ≤ k, so
 *
 *   x̄[j] = e^{x[j] − out[j]}·T[j],  T[j] = ḡ[j] + e^{out[j] − out[j + 1]}·T[j + 1]   (from the end)
 *   ẏ[k] = U[k],  U[k] = e^{x[k] − out[k]}·ẋ[k] + e^{out[k − 1] − out[k]}·U[k − 1]
 *
 * Both are linear recurrences whose factors are at most 1 (out never decreases, and x ≤ out), so
 * nothing overflows, and derivatives of any order follow from the recurrence's rules. Where out is
 * still −∞ (a lane that starts with −∞), 0 stands in for it: e^{−∞ − 0} makes those inputs' share 0,
 * where −∞ − (−∞) would make it NaN.
 */
const logCumSumExpOp: DifferentiableOp<{ axis: number }> = registerOp<DifferentiableOp<{ axis: number }>>({
  kind: 'differentiable',
  name: 'logCumSumExp',
  arity: 1,
  shape: ([s], { axis }) => {
    if (s!.length === 0) throw new ValueError('logCumSumExp: needs at least one axis, got a scalar');
    normalizeAxis('logCumSumExp', axis, s!.length);
    return s!;
  },
  forward: ([x], [s], _o, { axis }) => logCumSumExpAxis(x!, s!, normalizeAxis('logCumSumExp', axis, s!.length)),
  vjp: (g, [x], out, { axis }) => {
    const o = finiteFromBelow(out);
    const next = where(unitAlong(o._shape, axis, -1), o, shiftAlong(o, axis, -1));
    // Where out[j + 1] is +∞, out[j]'s weight in it is 0, and stays 0 rather than the e^{∞ − ∞} that
    // would carry a NaN back to every element before (x[j]'s own share of the +∞ is e^{x[j] − ∞}).
    const factor = where(equal(next, Infinity), 0, exp(sub(o, next)));
    return [mul(exp(sub(x!, o)), linearRecurrence(factor, g, axis, true))];
  },
  jvp: ([t], [x], out, { axis }) => {
    const o = finiteFromBelow(out);
    const previous = where(unitAlong(o._shape, axis, 0), o, shiftAlong(o, axis, 1));
    return linearRecurrence(exp(sub(previous, o)), mul(exp(sub(x!, o)), t!), axis, false);
  },
  domain: {
    inputs: [{ min: -3, max: 3 }],
    cases: [
      { shapes: [[5]], attrs: { axis: 0 } },
      { shapes: [[2, 3]], attrs: { axis: 1 } },
      { shapes: [[3, 4]], attrs: { axis: 0 } },
      { shapes: [[2, 3, 2]], attrs: { axis: -2 } },
    ],
    smooth: true,
  },
  print: ([a], { axis }) => `logCumSumExp(${a}, axis ${axis})`,
});

/** The running log-sum-exp with 0 in place of its −∞s (see logCumSumExpOp). */
const finiteFromBelow = (out: Tensor): Tensor => where(equal(out, -Infinity), 0, out);

// ── Reductions ──────────────────────────────────────────────────────────────────────────────────
/** Sum over `axis` (a number, a list, or all when omitted). */
export const sum = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => applyUnary(sumOp, x, { axis: ownCopy(axis), keepDims });
/**
 * Product over `axis` (a number, a list, or all when omitted); 1 over an empty axis. The gradient
 * is the product of the other elements of each group, computed without division, so it is right
 * where the input has zeros: with one zero in a group, the zero's entry is the product of the rest
 * and the others are 0; with two or more, all are 0. Higher derivatives are right there too.
 *
 * @example
 * grad((x) => prod(x))(tensor([2, 0, 3])).toArray(); // [0, 6, 0]
 */
export const prod = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => applyUnary(prodOp, x, { axis: ownCopy(axis), keepDims });
/**
 * Largest element over `axis` (a ValueError for an empty one), NaN where a group holds a NaN (as
 * NumPy's max and PyTorch's amax). The gradient is shared equally by the elements equal to the
 * maximum (as amax's and JAX's; PyTorch's max along a dimension picks one), and is NaN throughout a
 * group holding a NaN (as both give).
 */
export const max = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => applyUnary(maxOp, x, { axis: ownCopy(axis), keepDims });
/** Smallest element over `axis`; NaN, ties and gradient as {@link max}'s. */
export const min = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => applyUnary(minOp, x, { axis: ownCopy(axis), keepDims });
/** log Σ exp(x) over `axis`, stable for large inputs. */
export const logSumExp = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => applyUnary(logSumExpOp, x, { axis: ownCopy(axis), keepDims });
/** Options of {@link norm}. */
export interface NormOptions {
  /**
   * Which vector norm (PyTorch's `torch.linalg.vector_norm` ord): 2 (the default), any p > 0 for
   * (Σ|x|ᵖ)^{1/p}, Infinity for max |x|, -Infinity for min |x|, 0 for the number of nonzero elements.
   */
  ord?: number;
}

/**
 * A vector norm over `axis` (all axes by default), the Euclidean one unless `options.ord` says
 * otherwise; over several axes the elements count as one vector, as PyTorch's
 * `torch.linalg.vector_norm` (NumPy's `linalg.norm` takes two axes for a matrix norm instead).
 *
 * The Euclidean norm does not let squares that overflow or underflow spoil it: a group whose sum of
 * squares is ∞ or tiny is scaled by its largest magnitude first, so ‖[3, 4]·10²⁰⁰‖ = 5·10²⁰⁰
 * (NumPy's and PyTorch's give ∞) and ‖[3, 4]·10⁻²⁰⁰‖ = 5·10⁻²⁰⁰ (theirs 0). Its gradient is x/‖x‖,
 * and 0 at the origin (PyTorch's choice there), where higher derivatives are 0 too (PyTorch's
 * Hessian there is NaN). Other p-norms are scaled the same way, by each group's largest magnitude,
 * with gradient |x|^{p−1}·sign(x)/‖x‖^{p−1}, and 0 at the origin and, for p < 1 (where it is
 * infinite), at each zero element (as PyTorch); higher derivatives there are 0 too. The ∞-norm's gradient
 * goes to the largest magnitudes, shared equally on ties (as PyTorch); the 0-"norm" counts and has none.
 *
 * @example
 * norm(tensor([3, -4])).item(); // 5
 * norm(tensor([3, -4]), undefined, false, { ord: 1 }).item(); // 7
 * norm(tensor([[3, -4], [1, 0]]), 1, false, { ord: Infinity }).toArray(); // [4, 1]
 */
export function norm(x: TensorLike, axis?: Axis, keepDims = false, options?: NormOptions): Tensor {
  requireKeepDims('norm', keepDims);
  const { ord = 2 } = requireOptions('norm', options, ['ord']);
  if (typeof ord !== 'number' || !(ord >= 0 || ord === -Infinity)) {
    throw new ValueError(`norm: ord must be a number ≥ 0, Infinity or -Infinity, got ${describeValue(ord)}`);
  }
  const axes = ownCopy(axis);
  if (ord === 2) return applyUnary(normOp, x, { axis: axes, keepDims });
  const t = toTensor(x, 'norm');
  const count = normalizeAxes('norm', axes, t.rank).reduce((n, d) => n * t._shape[d]!, 1);
  const a = abs(t);
  if (ord === 1) return sum(a, axes, keepDims);
  if (ord === 0) return sum(notEqual(t, 0), axes, keepDims);
  if (Math.abs(ord) === Infinity) {
    if (count === 0) throw new ValueError(`norm: the ${ord}-norm of an empty vector is undefined, and ${axes === undefined ? 'the tensor' : `axis ${describeValue(axes)}`} of shape ${formatShape(t._shape)} is empty`);
    return ord > 0 ? max(a, axes, keepDims) : min(a, axes, keepDims);
  }
  if (count === 0) return sum(a, axes, keepDims); // 0
  // (Σ|x|ᵖ)^{1/p} = m·(Σ(|x|/m)ᵖ)^{1/p} for any m > 0: with m the largest |x| of the group (a
  // constant, so every derivative is the norm's own) no power overflows or underflows to 0 unless
  // it should. A group whose largest is 0, ∞ or NaN is its norm itself; it is computed at ones and
  // then replaced, so that its gradient is 0, not the 0·∞ of the power's derivative at 0. So is
  // each zero element of the others (its power 0 put in by where): for p < 1 the power's
  // derivative there is ∞, and times abs's 0 it would be NaN (PyTorch gives such an element 0).
  const largest = max(a, axes, true).detach();
  const plain = mul(greater(largest, 0), less(largest, Infinity));
  const scale = where(plain, largest, 1);
  const live = mul(plain, notEqual(a, 0));
  const powers = where(live, pow(div(where(live, a, 1), scale), ord), sub(1, plain));
  const pNorm = mul(pow(sum(powers, axes, true), 1 / ord), scale);
  const out = where(plain, pNorm, largest);
  return keepDims ? out : reshape(out, reducedShape(t._shape, normalizeAxes('norm', axes, t.rank), false));
}
/** Mean over `axis`: the sum divided by the number of elements reduced. */
export function mean(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  const t = toTensor(x, 'mean');
  const count = normalizeAxes('mean', axis, t.rank).reduce((n, a) => n * t._shape[a]!, 1);
  return div(sum(t, axis, keepDims), count);
}
/** Options of {@link variance} and {@link std}. */
export interface VarianceOptions {
  /**
   * The sum of squared deviations is divided by N − correction, N the number of elements reduced:
   * 0 (the default) for the population variance, 1 for the unbiased sample variance (Bessel's
   * correction), as PyTorch's `correction` and NumPy's `ddof`. Any finite number.
   */
  correction?: number;
}

/** x − mean(x) over `axis` (kept as 1s), and the divisor max(N − correction, 0), for variance and std. */
function deviations(op: string, x: TensorLike, axis: Axis, options: VarianceOptions | undefined): { d: Tensor; divisor: number } {
  const t = toTensor(x, op);
  const axes = normalizeAxes(op, axis, t.rank);
  const { correction = 0 } = requireOptions(op, options, ['correction']);
  requireFinite(op, 'correction', correction);
  const count = axes.reduce((n, a) => n * t._shape[a]!, 1);
  return { d: sub(t, mean(t, axes, true)), divisor: Math.max(count - correction, 0) };
}

/**
 * Variance over `axis` (a number, a list, or all when omitted): Σ(x − x̄)² / (N − correction), x̄ the
 * mean and N the number of elements reduced, computed in two passes (the mean, then the squared
 * deviations), so it does not cancel as E[x²] − x̄² would. The default correction 0 gives the
 * population variance, `{ correction: 1 }` the unbiased sample variance.
 *
 * Where N − correction ≤ 0 (one element with correction 1, say), the divisor is taken as 0, as
 * PyTorch and NumPy do: the result is +∞, or NaN where the deviations are all 0 (and over an empty
 * axis). The derivative is 2(xᵢ − x̄)/(N − correction); variance is a composite of sum, sub, square
 * and div, so both modes and higher orders come from their rules.
 *
 * @example
 * variance(tensor([1, 2, 3, 4])).item(); // 1.25
 * variance(tensor([1, 2, 3, 4]), undefined, false, { correction: 1 }).item(); // 1.6666666666666667
 */
export function variance(x: TensorLike, axis?: Axis, keepDims = false, options?: VarianceOptions): Tensor {
  requireKeepDims('variance', keepDims);
  const { d, divisor } = deviations('variance', x, axis, options);
  return div(sum(square(d), axis, keepDims), divisor);
}

/**
 * Standard deviation over `axis`: √variance, with the same `correction` (see {@link variance}), +∞
 * or NaN where N − correction ≤ 0 as there. Computed as ‖x − x̄‖ / √(N − correction) with
 * {@link norm}, whose derivative (x − x̄)/((N − correction)·std) it has.
 *
 * At zero variance (all the elements of a group equal, so x − x̄ is exactly 0) std is not
 * differentiable; its gradient there is taken as 0, as norm's at the origin, where PyTorch gives NaN.
 *
 * @example
 * std(tensor([[1, 3], [2, 2]]), 1).toString(); // tensor([1, 0])
 */
export function std(x: TensorLike, axis?: Axis, keepDims = false, options?: VarianceOptions): Tensor {
  requireKeepDims('std', keepDims);
  const { d, divisor } = deviations('std', x, axis, options);
  return div(norm(d, axis, keepDims), Math.sqrt(divisor));
}

/**
 * Running sums along `axis`: out[k] = x[0] + … + x[k] (NumPy's and PyTorch's cumsum, with the axis
 * required). Its adjoint is the running sum of the cotangent from the other end, its tangent the
 * running sum of the tangent.
 *
 * @example
 * cumsum(tensor([[1, 2, 3], [4, 5, 6]]), 1).toArray(); // [[1, 3, 6], [4, 9, 15]]
 */
export function cumsum(x: TensorLike, axis: number): Tensor {
  return apply(cumsumOp, [toTensor(x, 'cumsum')], { axis, reverse: false });
}
/**
 * Running products along `axis`: out[k] = x[0]·…·x[k] (NumPy's and PyTorch's cumprod, with the
 * axis required). It is the recurrence h[k] = x[k]·h[k − 1], whose rules divide by nothing, so its
 * derivatives of any order hold at zeros too (where out/x would divide by zero).
 *
 * @example
 * cumprod(tensor([[1, 2, 3], [4, 5, 6]]), 1).toArray(); // [[1, 2, 6], [4, 20, 120]]
 */
export function cumprod(xArg: TensorLike, axis: number): Tensor {
  const x = toTensor(xArg, 'cumprod');
  if (x.rank === 0) throw new ValueError('cumprod: needs at least one axis, got a scalar');
  const a = normalizeAxis('cumprod', axis, x.rank);
  // h[0] = x[0]: the recurrence's right-hand side is x at the first index along the axis, and
  // elsewhere −0, which adds nothing to x[k]·h[k − 1], not even a sign (+0 would turn −0 into 0);
  // chosen by where, not a product (∞·0 would be NaN).
  return linearRecurrence(x, where(unitAlong(x._shape, a, 0), x, -0), a, false);
}
/**
 * Running log-sum-exp along `axis`: out[k] = ln(e^{x[0]} + … + e^{x[k]}) (PyTorch's logcumsumexp,
 * NumPy's logaddexp.accumulate), each from the last without overflow, so
 * logCumSumExp([1000, 1000]) is [1000, 1000 + ln 2]; −∞ adds nothing. The gradient of out[k] is the
 * softmax of x[0..k]; an input of −∞ gets 0 (PyTorch gives NaN to those at the start of a lane).
 *
 * @example
 * logCumSumExp(tensor([0, 0, 0]), 0).toArray(); // [0, 0.6931471805599453, 1.0986122886681098]
 */
export function logCumSumExp(x: TensorLike, axis: number): Tensor {
  return apply(logCumSumExpOp, [toTensor(x, 'logCumSumExp')], { axis });
}
/**
 * log softmax(x) = x − logSumExp(x) along `axis`: stable for large inputs. Computed as
 * (x − m) − logSumExp(x − m) with m the row's maximum, as scipy does: x − m is exact where it
 * matters, whereas x − logSumExp(x) rounds log Σ away once |x| ≫ 1 (softmax of [1e16, 1e16]
 * would be [1, 1]).
 */
export const logSoftmax = (x: TensorLike, axis = -1): Tensor => logSoftmaxAs('logSoftmax', x, axis);
/** {@link logSoftmax}, with `op` naming the public function in messages (softmax is built on it). */
function logSoftmaxAs(op: string, x: TensorLike, axis: number): Tensor {
  const t = toTensor(x, op);
  if (t.rank === 0) throw new ValueError(`${op}: needs at least one axis, got a scalar`);
  return apply(logSoftmaxOp, [t], { axis: normalizeAxis(op, axis, t.rank) });
}
/** softmax(x) = exp(x − logSumExp(x)) along `axis`: stable for large inputs. */
export const softmax = (x: TensorLike, axis = -1): Tensor => exp(logSoftmaxAs('softmax', x, axis));
