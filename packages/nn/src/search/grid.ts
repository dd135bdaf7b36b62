/**
 * Hyperparameter search by cross-validation, as the course notes advise: every candidate is trained
 * and scored on the same k folds, and candidates are ranked by their mean held-out score.
 */
import { Rng, ValueError, requireFinite } from '@adjoint/core';
import { checkInteger, show } from '../args';
import { planFolds, scoreRecipe, type BuildContext, type BuildResult, type CrossValidationOptions, type CrossValidationResult } from './cross-validate';

/** One candidate's parameters and its cross-validated scores. */
export interface SearchEntry<P> extends CrossValidationResult {
  params: P;
}

/** What the searches return. */
export interface SearchResult<P> {
  /** The best candidate (first of `results`). */
  best: SearchEntry<P>;
  /** Every candidate, best mean score first; candidates whose mean is NaN (diverged) come last. */
  results: Array<SearchEntry<P>>;
  /** The score used ('loss' or the metric's name) and its direction. */
  metric: string;
  mode: 'min' | 'max';
}

/** Options of {@link gridSearch}. */
export interface GridSearchOptions<G extends Record<string, readonly unknown[]>> extends CrossValidationOptions {
  /** Values to try for each hyperparameter; every combination is a candidate. */
  grid: G;
  /** Builds a fresh model (or `{model, ...fitOptions}`) from one combination of hyperparameters. */
  build: (params: GridParams<G>, context: BuildContext) => BuildResult;
  /** Called after each candidate is scored (for logging long searches). */
  onResult?: (entry: SearchEntry<GridParams<G>>, index: number, total: number) => void;
}

/** One combination of a grid: each key with one of its values. */
export type GridParams<G extends Record<string, readonly unknown[]>> = { [K in keyof G]: G[K][number] };

/**
 * Exhaustive search: scores every combination of the grid's values by k-fold cross-validation.
 * Combinations are enumerated with the last key varying fastest.
 *
 * @example
 * const { best } = gridSearch({
 *   grid: { lr: [0.001, 0.01, 0.1], hidden: [4, 16] },
 *   build: ({ lr, hidden }, { seed }) => {
 *     const model = mlp([2, hidden, 1], { seed });
 *     return { model, optimizer: new Adam(model.parameters(), { lr }) };
 *   },
 *   x, y, k: 5, fitOptions: { loss: 'mse', epochs: 50 },
 * });
 * best.params; // { lr: 0.01, hidden: 16 }
 */
export function gridSearch<G extends Record<string, readonly unknown[]>>(options: GridSearchOptions<G>): SearchResult<GridParams<G>> {
  const op = 'gridSearch';
  const candidates = gridCombinations(op, options?.grid);
  return runSearch(op, options, candidates, options.build, options.onResult);
}

/** A range to sample from: uniform on [min, max), or log-uniform with `log` (for learning rates); whole numbers with `integer`. */
export interface SampleRange {
  min: number;
  max: number;
  log?: boolean;
  integer?: boolean;
}

/** How one hyperparameter is drawn: a list (one value uniformly), a range, or a function of a generator. */
export type SpaceEntry = readonly unknown[] | SampleRange | ((rng: Rng) => unknown);

/** The value type a space entry draws. */
export type SpaceValue<E> = E extends readonly (infer V)[] ? V : E extends SampleRange ? number : E extends (rng: Rng) => infer V ? V : never;

/** One draw from a space. */
export type SpaceParams<S extends Record<string, SpaceEntry>> = { [K in keyof S]: SpaceValue<S[K]> };

/** Options of {@link randomSearch}. */
export interface RandomSearchOptions<S extends Record<string, SpaceEntry>> extends CrossValidationOptions {
  /** Where each hyperparameter is drawn from. */
  space: S;
  /** Number of candidates to draw. */
  trials: number;
  /** Builds a fresh model (or `{model, ...fitOptions}`) from one draw. */
  build: (params: SpaceParams<S>, context: BuildContext) => BuildResult;
  onResult?: (entry: SearchEntry<SpaceParams<S>>, index: number, total: number) => void;
}

/**
 * Random search: draws `trials` candidates from `space` (seeded by `seed`) and scores each by k-fold
 * cross-validation. With many hyperparameters of unequal importance it covers each one's range
 * better than a grid of the same size (Bergstra & Bengio 2012).
 *
 * @example
 * randomSearch({
 *   space: { lr: { min: 1e-4, max: 1e-1, log: true }, hidden: [8, 16, 32] },
 *   trials: 10, build: ({ lr, hidden }, { seed }) => …, x, y, fitOptions: { loss: 'mse', epochs: 50 },
 * });
 */
export function randomSearch<S extends Record<string, SpaceEntry>>(options: RandomSearchOptions<S>): SearchResult<SpaceParams<S>> {
  const op = 'randomSearch';
  const space = options?.space;
  if (space === null || typeof space !== 'object' || Array.isArray(space) || Object.keys(space).length === 0) {
    throw new ValueError(`${op}: space must be an object of hyperparameter → list, {min, max} or function, got ${show(space)}`);
  }
  const trials = checkInteger(op, 'trials', options.trials, 1);
  // A stream of its own, so the draws do not depend on how folds and fold seeds are made.
  const rng = new Rng(requireFinite(op, 'seed', options.seed ?? 0)).fork();
  const samplers = Object.entries(space).map(([key, entry]) => [key, sampler(op, key, entry)] as const);
  const candidates = Array.from({ length: trials }, () => Object.fromEntries(samplers.map(([key, draw]) => [key, draw(rng)])) as SpaceParams<S>);
  return runSearch(op, options, candidates, options.build, options.onResult);
}

function runSearch<P>(
  op: string,
  options: CrossValidationOptions,
  candidates: P[],
  build: (params: P, context: BuildContext) => BuildResult,
  onResult: ((entry: SearchEntry<P>, index: number, total: number) => void) | undefined,
): SearchResult<P> {
  if (typeof build !== 'function') throw new ValueError(`${op}: build must be a function (params, context) → model or {model, ...fitOptions}, got ${show(build)}`);
  const plan = planFolds(op, options);
  const results = candidates.map((params, i) => {
    const entry: SearchEntry<P> = { params, ...scoreRecipe(plan, (context) => build(params, context)) };
    onResult?.(entry, i, candidates.length);
    return entry;
  });
  const sign = plan.mode === 'min' ? 1 : -1;
  // Stable sort: ties keep the candidates' order. NaN (a diverged candidate) sorts last.
  const ranked = [...results].sort((a, b) => {
    if (Number.isNaN(a.mean) || Number.isNaN(b.mean)) return Number(Number.isNaN(a.mean)) - Number(Number.isNaN(b.mean));
    return sign * (a.mean - b.mean);
  });
  const metric = plan.metric === 'loss' ? 'loss' : typeof plan.metric === 'string' ? plan.metric : typeof plan.metric === 'function' ? plan.metric.name || 'metric' : plan.metric.name;
  return { best: ranked[0]!, results: ranked, metric, mode: plan.mode };
}

function gridCombinations<G extends Record<string, readonly unknown[]>>(op: string, grid: G): Array<GridParams<G>> {
  if (grid === null || typeof grid !== 'object' || Array.isArray(grid) || Object.keys(grid).length === 0) {
    throw new ValueError(`${op}: grid must be an object of hyperparameter → list of values, got ${show(grid)}`);
  }
  let combos: Array<Record<string, unknown>> = [{}];
  for (const [key, values] of Object.entries(grid)) {
    if (!Array.isArray(values) || values.length === 0) throw new ValueError(`${op}: grid.${key} must be a non-empty list of values, got ${show(values)}`);
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return combos as Array<GridParams<G>>;
}

function sampler(op: string, key: string, entry: unknown): (rng: Rng) => unknown {
  if (typeof entry === 'function') return entry as (rng: Rng) => unknown;
  if (Array.isArray(entry)) {
    if (entry.length === 0) throw new ValueError(`${op}: space.${key} is an empty list`);
    return (rng) => entry[rng.int(0, entry.length)];
  }
  if (entry !== null && typeof entry === 'object') {
    const { min, max, log = false, integer = false } = entry as SampleRange;
    const bad = typeof min !== 'number' || typeof max !== 'number' || !Number.isFinite(min) || !Number.isFinite(max) || !(min < max) || (log && min <= 0);
    if (bad) throw new ValueError(`${op}: space.${key} must have finite min < max${log ? ' and min > 0 for log' : ''}, got ${JSON.stringify(entry)}`);
    if (integer) {
      const [lo, hi] = [Math.ceil(min), Math.floor(max)];
      if (lo > hi) throw new ValueError(`${op}: space.${key} holds no integer between ${min} and ${max}`);
      return log ? (rng) => Math.min(hi, Math.max(lo, Math.round(Math.exp(rng.uniform(Math.log(lo), Math.log(hi)))))) : (rng) => rng.int(lo, hi + 1);
    }
    return log ? (rng) => Math.exp(rng.uniform(Math.log(min), Math.log(max))) : (rng) => rng.uniform(min, max);
  }
  throw new ValueError(`${op}: space.${key} must be a list, {min, max, log?, integer?} or a function of an Rng, got ${show(entry)}`);
}
