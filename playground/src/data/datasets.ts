/**
 * The 2-D classification problems of the playground, each a set of points in about [-1, 1]² with
 * labels 0 and 1. Noise is a fraction (0 to 0.5) that blurs the classes into each other; the same
 * seed draws the same points, so "reset" replays a run exactly.
 */
import { Rng } from '@adjoint/core';

export const DATASETS = {
  xor: 'XOR gate',
  and: 'AND gate',
  or: 'OR gate',
  circles: 'Circles',
  spirals: 'Spirals',
  gaussians: 'Gaussians',
} as const;
export type DatasetName = keyof typeof DATASETS;

/** Points as rows [x, y] in one flat array, and a label 0 or 1 per point. */
export interface Points {
  readonly n: number;
  readonly xy: Float64Array;
  readonly labels: Float64Array;
}

export interface DatasetOptions {
  /** Number of points (split into training and test points afterwards). */
  n: number;
  /** 0 (clean) to 0.5 (the classes overlap a lot). */
  noise: number;
  seed: number;
}

/** Half the side of the square the plots show: every dataset lives inside it. */
export const EXTENT = 1.25;

type Generator = (rng: Rng, i: number, n: number, noise: number) => [x: number, y: number, label: number];

const gate = (rule: (a: boolean, b: boolean) => boolean): Generator => (rng, _i, _n, noise) => {
  // The gate's inputs (a, b) ∈ {0, 1}² sit at the centres of the four quadrants, as in the
  // course notes' truth tables; each point is a jittered copy of one of them.
  const a = rng.uniform() < 0.5;
  const b = rng.uniform() < 0.5;
  const x = (a ? 0.5 : -0.5) + rng.uniform(-0.4, 0.4) + rng.normal(0, noise * 0.5);
  const y = (b ? 0.5 : -0.5) + rng.uniform(-0.4, 0.4) + rng.normal(0, noise * 0.5);
  return [x, y, rule(a, b) ? 1 : 0];
};

const GENERATORS: Record<DatasetName, Generator> = {
  xor: gate((a, b) => a !== b),
  and: gate((a, b) => a && b),
  or: gate((a, b) => a || b),
  circles: (rng, i, _n, noise) => {
    // A disc of one class inside a ring of the other: no straight line separates them.
    const inner = i % 2 === 0;
    const r = inner ? rng.uniform(0, 0.45) : rng.uniform(0.65, 1.0);
    const angle = rng.uniform(0, 2 * Math.PI);
    return [r * Math.cos(angle) + rng.normal(0, noise * 0.5), r * Math.sin(angle) + rng.normal(0, noise * 0.5), inner ? 1 : 0];
  },
  spirals: (rng, i, n, noise) => {
    // Two arms, half a turn apart, each winding 1.75 times around the origin.
    const arm = i % 2;
    const t = Math.floor(i / 2) / Math.ceil(n / 2);
    const r = 0.05 + 0.9 * t;
    const angle = 1.75 * 2 * Math.PI * t + arm * Math.PI;
    return [r * Math.cos(angle) + rng.normal(0, noise * 0.3), r * Math.sin(angle) + rng.normal(0, noise * 0.3), arm];
  },
  gaussians: (rng, i, _n, noise) => {
    // Two round clouds; noise widens them until they overlap.
    const label = i % 2;
    const centre = label === 1 ? 0.45 : -0.45;
    const std = 0.15 + noise * 0.8;
    return [centre + rng.normal(0, std), centre + rng.normal(0, std), label];
  },
};

export function makeDataset(name: DatasetName, { n, noise, seed }: DatasetOptions): Points {
  const rng = new Rng(seed);
  const xy = new Float64Array(2 * n);
  const labels = new Float64Array(n);
  const draw = GENERATORS[name];
  for (let i = 0; i < n; i++) {
    const [x, y, label] = draw(rng, i, n, noise);
    // Keep every point on the plot, even with a lot of noise.
    xy[2 * i] = Math.max(-EXTENT, Math.min(EXTENT, x));
    xy[2 * i + 1] = Math.max(-EXTENT, Math.min(EXTENT, y));
    labels[i] = label;
  }
  return { n, xy, labels };
}

/** The points at `indices`, in that order. */
export function subset(points: Points, indices: readonly number[]): Points {
  const xy = new Float64Array(2 * indices.length);
  const labels = new Float64Array(indices.length);
  indices.forEach((k, i) => {
    xy[2 * i] = points.xy[2 * k]!;
    xy[2 * i + 1] = points.xy[2 * k + 1]!;
    labels[i] = points.labels[k]!;
  });
  return { n: indices.length, xy, labels };
}

/** A shuffled split: `trainFraction` of the points to train on, the rest to test on (each ≥ 1 point). */
export function splitPoints(points: Points, trainFraction: number, seed: number): { train: Points; test: Points } {
  const order = new Rng(seed).permutation(points.n);
  const nTrain = Math.min(points.n - 1, Math.max(1, Math.round(points.n * trainFraction)));
  return { train: subset(points, order.slice(0, nTrain)), test: subset(points, order.slice(nTrain)) };
}
