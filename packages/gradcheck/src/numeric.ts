/** Finite-difference derivatives: central differences, optionally refined by Richardson extrapolation. */
import { Tensor, noGrad, toTensor, ValueError, type TensorLike } from '@adjoint/core';

/** Options of {@link numericGrad}. */
export interface NumericOptions {
  /** Step size (default 1e-6 for central, 1e-3 for richardson, whose error shrinks as eps⁴). */
  eps?: number;
  /** 'central': (f(x+h) − f(x−h)) / 2h, error O(h²). 'richardson': (4·D(h/2) − D(h)) / 3, error O(h⁴). */
  method?: 'central' | 'richardson';
}

/** A function of tensors returning a tensor, as checked by gradcheck. */
export type CheckedFunction = (...inputs: Tensor[]) => Tensor;

function evaluate(f: CheckedFunction, inputs: readonly Tensor[]): Float64Array {
  const out = noGrad(() => f(...inputs));
  if (!(out instanceof Tensor)) throw new ValueError(`numericGrad: the function must return a Tensor, got ${typeof out}`);
  return out.data.slice();
}

/**
 * Directional derivative of `f` at `inputs` along `directions` (one per input), by finite differences:
 * d/dh f(x + h·v) at h = 0, as a flat array over the output elements.
 */
export function numericDirectional(f: CheckedFunction, inputs: readonly Tensor[], directions: readonly Tensor[], options: NumericOptions = {}): Float64Array {
  const method = options.method ?? 'central';
  const eps = options.eps ?? (method === 'richardson' ? 1e-3 : 1e-6);
  const central = (h: number): Float64Array => {
    const shifted = (s: number) => inputs.map((x, k) => shift(x, directions[k]!, s * h));
    const plus = evaluate(f, shifted(1));
    const minus = evaluate(f, shifted(-1));
    return plus.map((p, i) => (p - minus[i]!) / (2 * h));
  };
  if (method === 'central') return central(eps);
  if (method !== 'richardson') throw new ValueError(`numericGrad: method must be 'central' or 'richardson', got '${String(method)}'`);
  const coarse = central(eps);
  const fine = central(eps / 2);
  return fine.map((v, i) => (4 * v - coarse[i]!) / 3);
}

function shift(x: Tensor, direction: Tensor, h: number): Tensor {
  const data = x.data.slice();
  for (let i = 0; i < data.length; i++) data[i]! += h * direction.data[i]!;
  return new Tensor(data, x.shape);
}

/** A tensor of zeros with a single 1 at flat index `i`. */
export function unit(shape: readonly number[], i: number): Tensor {
  const t = new Tensor(new Float64Array(shape.reduce((a, b) => a * b, 1)), shape);
  t.data[i] = 1;
  return t;
}

/**
 * The Jacobian of `f` with respect to each input by finite differences, shape
 * `[...outShape, ...inputShape]` (for a scalar `f`, the gradient).
 *
 * @example
 * numericGrad((x) => x.mul(x).sum(), [tensor([1, 2])]); // ≈ [tensor([2, 4])]
 */
export function numericGrad(f: CheckedFunction, inputs: readonly TensorLike[], options: NumericOptions = {}): Tensor[] {
  const xs = inputs.map((x) => toTensor(x, 'numericGrad'));
  const outShape = noGrad(() => f(...xs)).shape;
  const outSize = outShape.reduce((a, b) => a * b, 1);
  return xs.map((x, k) => {
    const jac = new Float64Array(outSize * x.size);
    for (let j = 0; j < x.size; j++) {
      const directions = xs.map((y, m) => (m === k ? unit(y.shape, j) : new Tensor(new Float64Array(y.size), y.shape)));
      const column = numericDirectional(f, xs, directions, options);
      for (let i = 0; i < outSize; i++) jac[i * x.size + j] = column[i]!;
    }
    return new Tensor(jac, [...outShape, ...x.shape]);
  });
}
