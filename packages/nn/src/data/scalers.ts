/**
 * Feature scaling. Fit a scaler on the training rows only and apply it to every set: statistics
 * taken from the test rows would leak them into training.
 */
import { ShapeError, Tensor, ValueError, equal, formatShape, noGrad, tensor, where, sameShape } from '@adjoint/core';
import { asSamples, knownOptions, orDefault, show, type TensorInput } from '../args';
import { firstNonFinite, requireFiniteRows } from './checks';

/** A fitted scaler's statistics as plain data (JSON can carry it): what {@link Scaler.state} gives. */
export interface ScalerState {
  /** The shape of one sample: x's shape after its first axis. */
  features: number[];
  /** Per feature, what is subtracted: StandardScaler's mean, MinMaxScaler's minimum. */
  offset: number[];
  /** Per feature, what divides: StandardScaler's std, MinMaxScaler's max − min (1 for a constant feature). */
  scale: number[];
}

/**
 * Shared machinery: per-feature `offset` and `scale` learned by `fit`, applied as
 * (x − offset)/scale + shift. Features are everything after the first (sample) axis, so an `[n]`
 * input is one feature and an `[n, f]` input has f.
 */
export abstract class Scaler {
  protected offset: Tensor | null = null;
  protected factor: Tensor | null = null;

  constructor(private readonly name: string) {}

  /** Learns the statistics of each feature column of `x`; returns this scaler. */
  fit(x: TensorInput): this {
    const op = `${this.name}.fit`;
    const t = asSamples(op, 'x', x);
    if (t.shape[0] === 0) throw new ValueError(`${op}: x has no rows`);
    requireFiniteRows(op, 'x', t, 'scale finite data only');
    noGrad(() => this.learn(t.detach()));
    return this;
  }

  /** `x` scaled with the fitted statistics (a new tensor; differentiable in x). */
  transform(x: TensorInput): Tensor {
    const t = this.checked('transform', x);
    return this.forward(t);
  }

  /** `fit(x)` then `transform(x)`. */
  fitTransform(x: TensorInput): Tensor {
    return this.fit(x).transform(x);
  }

  /** Undoes {@link transform}: original units from scaled values. */
  inverseTransform(x: TensorInput): Tensor {
    const t = this.checked('inverseTransform', x);
    return this.backward(t);
  }

  /** Whether {@link fit} has been called. */
  get fitted(): boolean {
    return this.offset !== null;
  }

  /**
   * The fitted statistics as plain data, to save beside a model (an exported ONNX model expects
   * the inputs scaled as in training); the subclass's `fromState` rebuilds the scaler from them.
   * @throws ValueError before {@link fit}.
   */
  state(): ScalerState {
    if (this.offset === null || this.factor === null) throw new ValueError(`${this.name}.state: call fit first`);
    return { features: [...this.offset.shape], offset: Array.from(this.offset.data), scale: Array.from(this.factor.data) };
  }

  /** Sets the statistics from `state`, checked: for the subclasses' `fromState`. */
  protected restore(op: string, state: ScalerState): this {
    const { features, offset, scale } = (typeof state === 'object' && state !== null ? state : {}) as Partial<ScalerState>;
    const size = Array.isArray(features) && features.every((d) => Number.isInteger(d) && d >= 0) ? features.reduce((a, b) => a * b, 1) : -1;
    const numbers = (v: unknown, ok: (x: number) => boolean): v is number[] =>
      Array.isArray(v) && v.length === size && v.every((x) => typeof x === 'number' && ok(x));
    if (size < 0 || !numbers(offset, Number.isFinite) || !numbers(scale, (x) => Number.isFinite(x) && x > 0)) {
      throw new ValueError(`${op}: needs { features: a shape, offset: finite numbers, scale: finite numbers > 0, one per feature }, as state() gives, got ${show(state)}`);
    }
    this.offset = tensor(offset, { shape: features! });
    this.factor = tensor(scale, { shape: features! });
    return this;
  }

  protected abstract learn(x: Tensor): void;
  protected abstract forward(x: Tensor): Tensor;
  protected abstract backward(x: Tensor): Tensor;

  private checked(method: string, x: TensorInput): Tensor {
    const op = `${this.name}.${method}`;
    if (this.offset === null) throw new ValueError(`${op}: call fit first`);
    const t = asSamples(op, 'x', x);
    const features = this.offset.shape;
    if (!sameShape(t.shape.slice(1), features)) {
      throw new ShapeError(`${op}: x must have feature shape ${formatShape(features)} as in fit, got x ${formatShape(t.shape)}`);
    }
    return t;
  }
}

/** Whether every element of `t` is finite. */
const allFinite = (t: Tensor): boolean => firstNonFinite(t.data) < 0;

/**
 * `value` where it is finite, else `fallback()` there: for the scalers' formulas, whose plain form
 * overflows in an intermediate (x − mean, x·scale) for values near ±1.8·10³⁰⁸ although the result
 * is a finite double. The fallback is computed only then, so ordinary data keeps the plain form's
 * bits.
 */
function finiteOr(value: Tensor, fallback: () => Tensor): Tensor {
  if (allFinite(value)) return value;
  // x − x is 0 for a finite x and NaN otherwise.
  return where(equal(value.sub(value), 0), value, fallback());
}

/**
 * Per column of `x`, a power of two at least as large as its largest magnitude (1 for a column of
 * zeros): dividing by it is exact, and brings every value into [−1, 1].
 */
function powerOfTwoUnits(x: Tensor): Tensor {
  const largest = x.abs().max(0);
  const units = Array.from(largest.data, (v) => (v === 0 ? 1 : 2 ** Math.min(1023, Math.ceil(Math.log2(v)))));
  return tensor(units, { shape: largest.shape });
}

/** 1 where a column's spread is 0 (constant), so that dividing by the spread is harmless. */
function safeSpread(spread: Tensor, constant: Tensor): Tensor {
  return where(constant, 1, spread);
}

/**
 * Standardisation: each feature becomes (x − mean)/std, with the population standard deviation
 * (divisor n, as scikit-learn). A constant feature has std 0; its scale is set to 1 and its mean to
 * its value, so it maps to exactly 0 rather than NaN.
 *
 * @example
 * const scaler = new StandardScaler().fit(xTrain);
 * const xs = scaler.transform(xTest);
 */
export class StandardScaler extends Scaler {
  constructor() {
    super('StandardScaler');
  }

  /** Per-feature mean learned by fit (null before). */
  get mean(): Tensor | null {
    return this.offset;
  }

  /** Per-feature divisor learned by fit: the standard deviation, or 1 for a constant feature. */
  get scale(): Tensor | null {
    return this.factor;
  }

  /**
   * A fitted scaler from what {@link Scaler.state} gave.
   * @example
   * const saved = JSON.stringify(new StandardScaler().fit(xTrain).state());
   * const scaler = StandardScaler.fromState(JSON.parse(saved));
   * @throws ValueError for anything else.
   */
  static fromState(state: ScalerState): StandardScaler {
    return new StandardScaler().restore('StandardScaler.fromState', state);
  }

  protected learn(x: Tensor): void {
    // In units of a power of two per column, which brings every value into [−1, 1] exactly: the
    // sums cannot overflow (values near ±1.8·10³⁰⁸) nor the squares underflow (a column of values
    // near 10⁻¹⁷⁰ would get std 0), and ordinary columns keep the plain formula's bits.
    const unit = powerOfTwoUnits(x);
    const scaled = x.div(unit);
    const scaledMean = scaled.mean(0);
    const mean = scaledMean.mul(unit);
    const std = scaled.sub(scaledMean).square().mean(0).sqrt().mul(unit);
    // Compare max and min rather than std with 0: rounding can leave a tiny std for a constant column,
    // and a rounded mean (0.1 + 0.1 + 0.1 ≠ 0.3) would map it to ±1e-17 instead of exactly 0.
    const high = x.max(0);
    const constant = equal(high, x.min(0));
    this.offset = where(constant, high, mean);
    this.factor = safeSpread(std, constant);
  }

  protected forward(x: Tensor): Tensor {
    const [mean, std] = [this.offset!, this.factor!];
    return finiteOr(x.sub(mean).div(std), () => x.div(std).sub(mean.div(std)));
  }

  protected backward(x: Tensor): Tensor {
    const [mean, std] = [this.offset!, this.factor!];
    return finiteOr(x.mul(std).add(mean), () => x.mul(std.div(2)).add(mean.div(2)).mul(2));
  }
}

/** Options of {@link MinMaxScaler}. */
export interface MinMaxScalerOptions {
  /** The target interval [lo, hi] (default [0, 1]). */
  range?: readonly [number, number];
}

/**
 * Rescales each feature linearly so that its training minimum maps to `lo` and its maximum to `hi`:
 * lo + (x − min)·(hi − lo)/(max − min). A constant feature maps to `lo` (its range is taken as 1).
 */
export class MinMaxScaler extends Scaler {
  readonly lo: number;
  readonly hi: number;

  constructor(options: MinMaxScalerOptions = {}) {
    super('MinMaxScaler');
    options = knownOptions('MinMaxScaler', options, ['range']);
    [this.lo, this.hi] = targetRange(orDefault(options.range, [0, 1]));
  }

  /** Per-feature minimum learned by fit (null before). */
  get dataMin(): Tensor | null {
    return this.offset;
  }

  /** Per-feature max − min learned by fit, or 1 for a constant feature. */
  get dataRange(): Tensor | null {
    return this.factor;
  }

  /** The fitted statistics and the target range, as plain data (see {@link Scaler.state}). */
  override state(): ScalerState & { range: [number, number] } {
    return { ...super.state(), range: [this.lo, this.hi] };
  }

  /**
   * A fitted scaler from what {@link MinMaxScaler.state} gave, its target range included.
   * @throws ValueError for anything else.
   */
  static fromState(state: ScalerState & { range: readonly [number, number] }): MinMaxScaler {
    const range = typeof state === 'object' && state !== null ? state.range : undefined;
    return new MinMaxScaler({ range }).restore('MinMaxScaler.fromState', state);
  }

  protected learn(x: Tensor): void {
    const lo = x.min(0);
    const spread = x.max(0).sub(lo);
    const wide = firstNonFinite(spread.data);
    if (wide >= 0) {
      throw new ValueError(`MinMaxScaler.fit: column ${wide} runs from ${lo.data[wide]} to ${x.max(0).data[wide]}, a range larger than the largest double; scale it down first (StandardScaler handles such columns)`);
    }
    this.offset = lo;
    this.factor = safeSpread(spread, equal(spread, 0));
  }

  protected forward(x: Tensor): Tensor {
    const [min, range] = [this.offset!, this.factor!];
    // Halved where x − min overflows (a value far outside the fitted range): exact, as halving is.
    const unit = finiteOr(x.sub(min).div(range), () => x.div(2).sub(min.div(2)).div(range.div(2)));
    return unit.mul(this.hi - this.lo).add(this.lo);
  }

  protected backward(x: Tensor): Tensor {
    const [min, range] = [this.offset!, this.factor!];
    const unit = x.sub(this.lo).div(this.hi - this.lo);
    return finiteOr(unit.mul(range).add(min), () => unit.mul(range.div(2)).add(min.div(2)).mul(2));
  }
}

/** MinMaxScaler's `range`, checked: two finite numbers lo < hi whose difference is finite too. */
function targetRange(range: unknown): [number, number] {
  const pair = Array.isArray(range) && range.length === 2 ? (range as unknown[]) : undefined;
  const [lo, hi] = pair ?? [];
  if (typeof lo !== 'number' || typeof hi !== 'number' || !(lo < hi) || !Number.isFinite(hi - lo)) {
    // show, not JSON.stringify: that throws on a BigInt or a cycle, and prints a huge array in full.
    const got = pair ? `[${show(lo)}, ${show(hi)}]` : show(range);
    throw new ValueError(`MinMaxScaler: range must be [lo, hi] with finite lo < hi, got ${got}`);
  }
  return [lo, hi];
}
