/** Drawing op inputs from their declared domains. */
import { Rng, Tensor, shapeSize, type InputDomain } from '@adjoint/core';

/** One value from a domain: uniform in [min, max], integers when asked, kept away from kinks. */
export function drawFrom(domain: InputDomain, rng: Rng): number {
  if (domain.integer) return rng.int(Math.ceil(domain.min), Math.floor(domain.max) + 1);
  const margin = domain.margin ?? 0.1;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const v = rng.uniform(domain.min, domain.max);
    if (!(domain.awayFrom ?? []).some((a) => Math.abs(v - a) < margin)) return v;
  }
  throw new Error(`drawFrom: no value in [${domain.min}, ${domain.max}] is ${margin} away from [${domain.awayFrom?.join(', ')}]`);
}

/** A tensor of `shape` with every element drawn from `domain` (its `diagonal` added, for square matrices). */
export function tensorFrom(shape: readonly number[], domain: InputDomain, rng: Rng): Tensor {
  const n = shapeSize(shape);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = drawFrom(domain, rng);
  return new Tensor(withDiagonal(data, shape, domain), shape);
}

/** `data` with `domain.diagonal` added to the diagonal of each square matrix in the last two axes of `shape`. */
export function withDiagonal(data: Float64Array, shape: readonly number[], domain: InputDomain): Float64Array {
  const extra = domain.diagonal ?? 0;
  const n = shape[shape.length - 1]!;
  if (extra === 0 || shape.length < 2 || shape[shape.length - 2] !== n) return data;
  for (let m = 0; m < data.length; m += n * n) for (let i = 0; i < n; i++) data[m + i * n + i]! += extra;
  return data;
}
