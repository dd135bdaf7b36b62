/**
 * Shared by the recurrent layers' tests: plain-number arithmetic (no tensor ops) for writing a
 * cell's step equations by hand, and comparing a tensor with numbers computed that way.
 */
import type { Tensor } from '@adjoint/core';

/** The logistic function, on a number. */
export const sigma = (v: number): number => 1 / (1 + Math.exp(-v));

/** Rows `first`…`first + count − 1` of a 2-D tensor `w` times `v`, plus the same entries of `b`: (W v + b) for one gate's block. */
export function affine(w: Tensor, b: Tensor, v: readonly number[], first: number, count: number): number[] {
  const cols = w.shape[1]!;
  if (cols !== v.length) throw new Error(`affine: ${cols} columns but a vector of ${v.length}`);
  const out: number[] = [];
  for (let r = first; r < first + count; r++) {
    let s = b.data[r]!;
    for (let k = 0; k < cols; k++) s += w.data[r * cols + k]! * v[k]!;
    out.push(s);
  }
  return out;
}

/** x[b, t, :] of a `[batch, time, features]` tensor, as numbers. */
export function step(x: Tensor, b: number, t: number): number[] {
  const [, time, features] = x.shape as [number, number, number];
  return Array.from(x.data.subarray((b * time + t) * features, (b * time + t + 1) * features));
}

/** Row b of a `[batch, n]` tensor, as numbers. */
export function row(h: Tensor, b: number): number[] {
  const n = h.shape[1]!;
  return Array.from(h.data.subarray(b * n, (b + 1) * n));
}

/** Elementwise a ⊙ b, a + b on numbers. */
export const times = (a: readonly number[], b: readonly number[]): number[] => a.map((v, i) => v * b[i]!);
export const plus = (a: readonly number[], b: readonly number[]): number[] => a.map((v, i) => v + b[i]!);

/** Expects every element of `actual` within `tolerance` of `expected` (flattened, same length). */
export function expectNear(actual: ArrayLike<number>, expected: readonly number[], tolerance = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThanOrEqual(tolerance);
}
