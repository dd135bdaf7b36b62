/**
 * Shared by the recurrent layers' tests: plain-number arithmetic (no tensor ops) for writing a
 * cell's step equations by hand, and comparing a tensor with numbers computed that way.
 */
import { Rng, rand, zeros, type Tensor } from '@adjoint/core';
import type { Recurrent } from '../layers/recurrent';

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

/**
 * For a layer whose state is one tensor (RNN, GRU): over `x` with no state, the output is within
 * expectNear's default tolerance of `expected` (worked out by hand), and a zero state `[batch,
 * hidden]` gives the same output and final state, bit for bit.
 */
export function expectZeroStateSame(layer: Recurrent<Tensor>, x: Tensor, expected: readonly number[]): void {
  const [output, h] = layer.forward(x);
  expectNear(output.data, expected);
  const [output0, h0] = layer.forward(x, zeros([x.shape[0]!, layer.hiddenSize]));
  expect(Array.from(output0.data)).toEqual(Array.from(output.data));
  expect(Array.from(h0.data)).toEqual(Array.from(h.data));
}

/**
 * The layer's parameters are `names` (each "name shape", as "weightIh 9×4"), in order, drawn one
 * after the other from one Rng(seed) as U(−bound, bound).
 */
export function expectRecurrentParameters(layer: Recurrent<unknown>, names: readonly string[], seed: number, bound: number): void {
  expect(layer.namedParameters().map(([name, p]) => `${name} ${p.shape.join('×')}`)).toEqual(names);
  const rng = new Rng(seed);
  for (const [, p] of layer.namedParameters()) expect(Array.from(p.data)).toEqual(Array.from(rand(p.shape, { rng, min: -bound, max: bound }).data));
}
