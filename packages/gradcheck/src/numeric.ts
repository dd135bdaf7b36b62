/** Finite-difference derivatives: central differences, optionally refined by Richardson extrapolation. */
import { Rng, Tensor, noGrad, shapeSize, toTensor, ValueError, type NestedArray, type TensorLike } from '@adjoint/core';

/** Options of {@link numericGrad}. */
export interface NumericOptions {
  /** Step size (default 1e-6 for central, 1e-3 for richardson, whose error shrinks as eps⁴). */
  eps?: number;
  /** 'central': (f(x+h) − f(x−h)) / 2h, error O(h²). 'richardson': (4·D(h/2) − D(h)) / 3, error O(h⁴). */
  method?: 'central' | 'richardson';
}

/** The most elements a tensor holds (core's limit): numericGrad refuses larger Jacobians up front. */
const MAX_JACOBIAN = 2 ** 31 - 1;

/** A function of tensors returning a tensor, as checked by gradcheck. */
export type CheckedFunction = (...inputs: Tensor[]) => Tensor;

/**
 * The function and its inputs as tensors, checked: a function, and a list (one input per argument)
 * of tensors, numbers or nested arrays; anything else is a ValueError naming `caller`.
 */
export function checkedArguments(caller: string, f: unknown, inputs: unknown): Tensor[] {
  if (typeof f !== 'function') throw new ValueError(`${caller}: expected a function of tensors, got ${f === null ? 'null' : typeof f}`);
  if (!Array.isArray(inputs)) {
    const got = inputs instanceof Tensor ? `a Tensor of shape [${inputs.shape.join(', ')}] (wrap it in a list)` : inputs === null ? 'null' : typeof inputs;
    throw new ValueError(`${caller}: inputs must be a list with one tensor per argument of the function, got ${got}`);
  }
  return inputs.map((x, i) => {
    let t: Tensor;
    try {
      t = toTensor(x as TensorLike | NestedArray, caller);
    } catch (e) {
      throw new ValueError(`${caller}: input ${i} is not a tensor, a number or nested arrays of numbers: ${(e as Error).message}`);
    }
    // ±∞ stays: a mask of −∞ added to logits is a point where derivatives exist. NaN is no point.
    const j = t.data.findIndex(Number.isNaN);
    if (j >= 0) throw new ValueError(`${caller}: input ${i} holds NaN at element ${j}: a derivative at NaN means nothing`);
    return t;
  });
}

/** `f(...inputs)` without recording, insisting on a Tensor result. */
export function evaluateTensor(f: CheckedFunction, inputs: readonly Tensor[], caller = 'numericGrad'): Tensor {
  if (typeof f !== 'function') throw new ValueError(`${caller}: expected a function of tensors, got ${typeof f}`);
  const out = noGrad(() => f(...inputs));
  if (!(out instanceof Tensor)) throw new ValueError(`${caller}: the function must return a Tensor, got ${out === null ? 'null' : typeof out}`);
  return out;
}

/** `method` and `eps` with their defaults (eps 1e-6, or 1e-3 for Richardson), checked. */
export function resolveNumeric(options: NumericOptions, caller = 'numericGrad'): { eps: number; method: 'central' | 'richardson' } {
  const method = options.method === undefined ? 'central' : options.method;
  if (method !== 'central' && method !== 'richardson') {
    throw new ValueError(`${caller}: method must be 'central' or 'richardson', got ${typeof method === 'string' ? `'${method}'` : String(method)}`);
  }
  const eps = options.eps === undefined ? (method === 'richardson' ? 1e-3 : 1e-6) : options.eps;
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) {
    throw new ValueError(`${caller}: eps must be a positive finite number, got ${String(options.eps)}`);
  }
  return { eps, method };
}

/**
 * Directional derivative of `f` at `inputs` along `directions` (one per input), by finite differences:
 * d/dh f(x + h·v) at h = 0, as a flat array over the output elements.
 */
export function numericDirectional(f: CheckedFunction, inputs: readonly Tensor[], directions: readonly Tensor[], options: NumericOptions = {}): Float64Array {
  const { eps, method } = resolveNumeric(options);
  const central = (h: number): Float64Array => {
    const shifted = (s: number): Tensor[] => inputs.map((x, k) => shift(x, directions[k]!, s * h));
    const plus = evaluateTensor(f, shifted(1)).data;
    const minus = evaluateTensor(f, shifted(-1)).data;
    return plus.map((p, i) => (p - minus[i]!) / (2 * h));
  };
  if (method === 'central') return central(eps);
  // D(h) = f' + c·h² + O(h⁴), so (4·D(h/2) − D(h)) / 3 cancels the h² term.
  const coarse = central(eps);
  const fine = central(eps / 2);
  return fine.map((v, i) => (4 * v - coarse[i]!) / 3);
}

/** A directional derivative by finite differences, with an estimate of its own error per element. */
export interface NumericEstimate {
  value: Float64Array;
  /** Truncation plus rounding error of `value`, estimated per output element (see numericWithError). */
  error: Float64Array;
  /**
   * Per output element: its largest value at the evaluation points divided by the size of the
   * perturbed elements, the scale of a derivative whose every term is as large as the function
   * (what its rounding is relative to). Per element, so that one huge output cannot widen the
   * allowance of the others.
   */
  functionScale: Float64Array;
  /** Per output element: the smallest step its finite differences were taken with (smaller after retries). */
  step: Float64Array;
}

/** Machine epsilon of float64. */
const EPS = Number.EPSILON;
/** The coarsest step, relative to the size of the perturbed elements (three levels: h, h/2, h/4). */
const AUTO_STEP = 4e-3;
/** Elements smaller than this are perturbed as if they were this large: the step stays above rounding. */
const AUTO_MIN_SCALE = 0.1;
/**
 * With `tolerance: 'auto'`, a value passes when it is within this many times the finite
 * difference's own estimated error (see numericWithError) of the numeric value: the estimates are
 * of the right size, not bounds, and a correct rule must never fail.
 */
export const AUTO_SAFETY = 10;
/** A struggling element is estimated again with the step divided by this, at most AUTO_RETRIES times. */
export const AUTO_SHRINK = 8;
export const AUTO_RETRIES = 4;
/**
 * An element is estimated again with a smaller step when ten times its estimated error (what a
 * comparison allows) exceeds this fraction of its reference size (see `referenceOf`), and the
 * error comes from truncation rather than rounding (a smaller step only makes rounding worse).
 */
const RETRY_FRACTION = 1e-3;

/** The size a derivative's error is judged against: its own value, or the function's scale when larger. */
export function referenceOf(estimate: NumericEstimate, i: number): number {
  return Math.max(Math.abs(estimate.value[i]!), estimate.functionScale[i]!);
}

/** One estimate at steps h, h/2, h/4, with its truncation and rounding parts kept apart. */
interface Level extends NumericEstimate {
  truncation: Float64Array;
  rounding: Float64Array;
}

/**
 * The directional derivative of `f` along `directions`, with an estimate of its error, for
 * `tolerance: 'auto'`. Central differences at three steps h, h/2, h/4 (h = 4·10⁻³ times the size of
 * the perturbed elements, at least 0.1) are combined by two Richardson steps into
 * R₂ = (4·D(h/4) − D(h/2)) / 3, whose error falls as h⁴. Its estimated error is the sum of
 * - truncation and noise: |R₂ − R₁|, the change from the previous Richardson level (R₁ from h and
 *   h/2): fifteen times what an h⁴ error alone predicts, because the levels also differ by the
 *   rounding noise of the function's own arithmetic, which this measures;
 * - rounding: machine epsilon times the function's magnitude at each evaluation point, weighted by
 *   that point's coefficient in R₂ (the coefficients grow as 1/h: a large function and a small step
 *   lose digits), plus the error of representing the step itself (ε·|x|/h relative).
 * Six evaluations of `f` per direction. The step is relative to the input's size, not to how fast
 * `f` varies: where that is too coarse (sin at 1000, a domain edge closer than the step, where an
 * evaluation is not finite), the direction is evaluated again with the step divided by 8, up to 4
 * times, and each element keeps its estimate with the smallest error. Only the elements that
 * struggle pay for this. `stepFactor` scales the first step (see compare.ts's CONFIRM_STEPS).
 */
export function numericWithError(f: CheckedFunction, inputs: readonly Tensor[], directions: readonly Tensor[], stepFactor = 1): NumericEstimate {
  let scale = AUTO_MIN_SCALE;
  inputs.forEach((x, k) => {
    const d = directions[k]!.data;
    // An infinite element (a −∞ mask) stays infinite whatever the step: it must not make the step infinite.
    for (let i = 0; i < d.length; i++) if (d[i] !== 0 && Number.isFinite(x.data[i]!)) scale = Math.max(scale, Math.abs(x.data[i]!));
  });
  let h = AUTO_STEP * scale * stepFactor;
  const best = estimateAt(f, inputs, directions, h, scale);
  for (let retry = 0; retry < AUTO_RETRIES; retry++) {
    const struggling: number[] = [];
    for (let i = 0; i < best.value.length; i++) if (needsSmallerStep(best, i)) struggling.push(i);
    if (struggling.length === 0) break;
    h /= AUTO_SHRINK;
    const next = estimateAt(f, inputs, directions, h, scale);
    // NaN compares false: a finite error always replaces a NaN one, never the other way round.
    for (const i of struggling) {
      if (next.error[i]! < best.error[i]! || !(best.error[i]! >= 0)) copyElement(next, best, i);
      best.step[i] = next.step[i]!; // the smallest tried, whichever estimate is kept
    }
  }
  return best;
}

/** Whether a smaller step could improve element i: it is not finite, or truncation dominates a large error. */
function needsSmallerStep(e: Level, i: number): boolean {
  if (!Number.isFinite(e.value[i]!) || !Number.isFinite(e.error[i]!)) return true;
  return e.truncation[i]! > e.rounding[i]! && AUTO_SAFETY * e.error[i]! > RETRY_FRACTION * referenceOf(e, i);
}

function copyElement(from: Level, to: Level, i: number): void {
  for (const key of ['value', 'error', 'functionScale', 'step', 'truncation', 'rounding'] as const) to[key][i] = from[key][i]!;
}

/** R₂ and its error at steps h, h/2, h/4 (see numericWithError); `scale` is the perturbed elements' size. */
function estimateAt(f: CheckedFunction, inputs: readonly Tensor[], directions: readonly Tensor[], h: number, scale: number): Level {
  const at = (s: number): Float64Array => evaluateTensor(f, inputs.map((x, k) => shift(x, directions[k]!, s))).data;
  const [p1, m1, p2, m2, p4, m4] = [at(h), at(-h), at(h / 2), at(-h / 2), at(h / 4), at(-h / 4)];
  const n = p1.length;
  const e: Level = {
    value: new Float64Array(n), error: new Float64Array(n), functionScale: new Float64Array(n),
    step: new Float64Array(n).fill(h / 4), truncation: new Float64Array(n), rounding: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const d1 = (p1[i]! - m1[i]!) / (2 * h);
    const d2 = (p2[i]! - m2[i]!) / h;
    const d4 = (p4[i]! - m4[i]!) / (h / 2);
    const r1 = (4 * d2 - d1) / 3;
    const r2 = (4 * d4 - d2) / 3;
    // An h⁴ error alone would make R₂'s error |R₂ − R₁| / 15; but the levels also differ by rounding
    // noise, which the function's own arithmetic (cancellation inside it) can make far larger than
    // ε·|f|, and which this difference measures. So the whole difference counts.
    e.truncation[i] = Math.abs(r2 - r1);
    // R₂ = (4/3)·D(h/4) − (1/3)·D(h/2): f(±h/4) enter with weight (4/3)·(2/h), f(±h/2) with (1/3)·(1/h).
    e.rounding[i] = EPS * ((8 / (3 * h)) * (Math.abs(p4[i]!) + Math.abs(m4[i]!)) + (1 / (3 * h)) * (Math.abs(p2[i]!) + Math.abs(m2[i]!)))
      + (EPS * scale / h) * Math.abs(r2);
    e.value[i] = r2;
    e.error[i] = e.truncation[i]! + e.rounding[i]!;
    e.functionScale[i] = Math.max(Math.abs(p4[i]!), Math.abs(m4[i]!)) / scale;
  }
  return e;
}

function shift(x: Tensor, direction: Tensor, h: number): Tensor {
  const data = x.data.slice();
  for (let i = 0; i < data.length; i++) data[i]! += h * direction.data[i]!;
  return new Tensor(data, x.shape);
}

/** A tensor of zeros with a single 1 at flat index `i`. */
export function unit(shape: readonly number[], i: number): Tensor {
  const t = zerosOfShape(shape);
  t.data[i] = 1;
  return t;
}

/** A tensor of zeros (made here rather than with core's `zeros` so that no op is recorded). */
export function zerosOfShape(shape: readonly number[]): Tensor {
  return new Tensor(new Float64Array(shapeSize(shape)), shape);
}

/** A tensor of `shape` with entries uniform in [−1, 1]: a random direction or cotangent. */
export function randomTensor(shape: readonly number[], rng: Rng): Tensor {
  const data = new Float64Array(shapeSize(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1);
  return new Tensor(data, shape);
}

/**
 * The Jacobian of `f` with respect to each input by finite differences, shape
 * `[...outShape, ...inputShape]` (for a scalar `f`, the gradient).
 *
 * @example
 * numericGrad((x) => x.mul(x).sum(), [tensor([1, 2])]); // ≈ [tensor([2, 4])]
 */
export function numericGrad(f: CheckedFunction, inputs: readonly (TensorLike | NestedArray)[], options: NumericOptions = {}): Tensor[] {
  const xs = checkedArguments('numericGrad', f, inputs);
  const outShape = evaluateTensor(f, xs).shape;
  const outSize = shapeSize(outShape);
  for (const x of xs) {
    // Checked before any work: a Jacobian block is outSize × x.size numbers.
    if (outSize * x.size > MAX_JACOBIAN) {
      throw new ValueError(`numericGrad: the Jacobian of a [${outShape.join(', ')}] output with respect to a [${x.shape.join(', ')}] input has ${outSize * x.size} elements, more than the ${MAX_JACOBIAN} a tensor can hold`);
    }
  }
  return xs.map((x, k) => {
    const jac = new Float64Array(outSize * x.size);
    for (let j = 0; j < x.size; j++) {
      const directions = xs.map((y, m) => (m === k ? unit(y.shape, j) : zerosOfShape(y.shape)));
      const column = numericDirectional(f, xs, directions, options);
      for (let i = 0; i < outSize; i++) jac[i * x.size + j] = column[i]!;
    }
    return new Tensor(jac, [...outShape, ...x.shape]);
  });
}
