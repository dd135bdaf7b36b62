/**
 * Hyperparameter search by cross-validation, as the course notes (docs/course-notes.md) advise: every candidate is trained
 * and scored on the same k folds, and candidates are ranked by their mean held-out score.
 */
import { Rng, ValueError } from '@adjoint/core';
import { checkBoolean, checkInteger, knownNestedOptions, knownOptions, show } from '../args';
import { formatCount, limitOption, memberName, seedOption } from '../data/checks';
import {
  CROSS_VALIDATION_KEYS, planFolds, requireBuild, scoreRecipe, type BuildContext, type BuildResult, type CrossValidationOptions, type CrossValidationResult,
} from './cross-validate';

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

/** Options of gridSearch and randomSearch besides those of cross-validation. */
export interface SearchOptions {
  /**
   * Most candidates to score (default 100000): each trains k models, so a grid of 1000³
   * combinations is a mistake rather than a plan. Raise it for larger searches.
   */
  maxCandidates?: number;
}

/** Default of {@link SearchOptions.maxCandidates}. */
const DEFAULT_MAX_CANDIDATES = 100_000;

/** Options of {@link gridSearch}. */
export interface GridSearchOptions<G extends Record<string, readonly unknown[]>> extends CrossValidationOptions, SearchOptions {
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
 * @throws ValueError for bad or unknown options, or a grid of more than `maxCandidates`
 * combinations, before any training; an error from training comes back with `gridSearch`, the
 * candidate and the fold in front of its message (see crossValidate).
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
  options = knownOptions(op, options, [...CROSS_VALIDATION_KEYS, 'grid', 'build', 'onResult', 'maxCandidates']);
  const maxCandidates = limitOption(op, 'maxCandidates', options.maxCandidates, DEFAULT_MAX_CANDIDATES);
  const candidates = gridCombinations(op, options.grid, maxCandidates);
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
export interface RandomSearchOptions<S extends Record<string, SpaceEntry>> extends CrossValidationOptions, SearchOptions {
  /** Where each hyperparameter is drawn from. */
  space: S;
  /** Number of candidates to draw, at most `maxCandidates`. */
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
 * @throws ValueError for bad or unknown options (in `space` too), or more than `maxCandidates`
 * trials, before any training; an error from training is named as in gridSearch.
 *
 * @example
 * randomSearch({
 *   space: { lr: { min: 1e-4, max: 1e-1, log: true }, hidden: [8, 16, 32] },
 *   trials: 10, build: ({ lr, hidden }, { seed }) => …, x, y, fitOptions: { loss: 'mse', epochs: 50 },
 * });
 */
export function randomSearch<S extends Record<string, SpaceEntry>>(options: RandomSearchOptions<S>): SearchResult<SpaceParams<S>> {
  const op = 'randomSearch';
  options = knownOptions(op, options, [...CROSS_VALIDATION_KEYS, 'space', 'trials', 'build', 'onResult', 'maxCandidates']);
  const space = options.space;
  if (space === null || typeof space !== 'object' || Array.isArray(space) || Object.keys(space).length === 0) {
    throw new ValueError(`${op}: space must be an object of hyperparameter → list, {min, max} or function, got ${show(space)}`);
  }
  const maxCandidates = limitOption(op, 'maxCandidates', options.maxCandidates, DEFAULT_MAX_CANDIDATES);
  const trials = checkInteger(op, 'trials', options.trials, 1);
  if (trials > maxCandidates) {
    throw new ValueError(`${op}: trials is ${trials}, more than maxCandidates = ${maxCandidates} (each trains k models); pass a larger { maxCandidates } to raise the limit`);
  }
  // A stream of its own, so the draws do not depend on how folds and fold seeds are made.
  const rng = new Rng(seedOption(op, options.seed)).fork();
  const samplers = Object.entries(space).map(([key, entry]) => [key, sampler(op, memberName('space', key), entry)] as const);
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
  requireBuild(op, build);
  // Checked now: a TypeError after the first candidate has trained would waste its training.
  if (onResult !== undefined && typeof onResult !== 'function') throw new ValueError(`${op}: onResult must be a function (entry, index, total), got ${show(onResult)}`);
  const plan = planFolds(op, options);
  const results = candidates.map((params, i) => {
    const entry: SearchEntry<P> = { params, ...scoreRecipe(plan, (context) => build(params, context), `candidate ${i}`) };
    onResult?.(entry, i, candidates.length);
    return entry;
  });
  const sign = plan.mode === 'min' ? 1 : -1;
  // Stable sort: ties keep the candidates' order. NaN (a diverged candidate) sorts last.
  const ranked = results.slice().sort((a, b) => {
    if (Number.isNaN(a.mean) || Number.isNaN(b.mean)) return Number(Number.isNaN(a.mean)) - Number(Number.isNaN(b.mean));
    if (a.mean === b.mean) return 0; // also ±∞ against itself, where the difference would be NaN
    return sign * (a.mean - b.mean);
  });
  const metric = plan.metric === 'loss' ? 'loss' : typeof plan.metric === 'string' ? plan.metric : typeof plan.metric === 'function' ? plan.metric.name || 'metric' : plan.metric.name;
  return { best: ranked[0]!, results: ranked, metric, mode: plan.mode };
}

/**
 * Every combination of the grid's values, the last key varying fastest. Their number (the product
 * of the lists' lengths) is checked against `maxCandidates` before any is made, and each is made
 * directly from its index, so the work is one object per combination whatever the grid's shape.
 */
function gridCombinations<G extends Record<string, readonly unknown[]>>(op: string, grid: G, maxCandidates: number): Array<GridParams<G>> {
  if (grid === null || typeof grid !== 'object' || Array.isArray(grid) || Object.keys(grid).length === 0) {
    throw new ValueError(`${op}: grid must be an object of hyperparameter → list of values, got ${show(grid)}`);
  }
  const entries = Object.entries(grid as Record<string, unknown>);
  let count = 1;
  for (const [key, values] of entries) {
    if (!Array.isArray(values) || values.length === 0) throw new ValueError(`${op}: ${memberName('grid', key)} must be a non-empty list of values, got ${show(values)}`);
    count *= values.length;
  }
  if (count > maxCandidates) {
    throw new ValueError(`${op}: the grid has ${formatCount(count)} combinations, more than maxCandidates = ${maxCandidates} (each trains k models); pass a larger { maxCandidates }, or sample the grid with randomSearch`);
  }
  const lists = entries as Array<[string, unknown[]]>;
  return Array.from({ length: count }, (_, index) => combinationAt(lists, index) as GridParams<G>);
}

/** Combination number `index`: its digits in the mixed radix of the lists' lengths, the last key lowest. */
function combinationAt(lists: ReadonlyArray<[string, readonly unknown[]]>, index: number): Record<string, unknown> {
  const values: unknown[] = new Array(lists.length);
  let rest = index;
  for (let i = lists.length - 1; i >= 0; i--) {
    const options = lists[i]![1];
    values[i] = options[rest % options.length];
    rest = Math.floor(rest / options.length);
  }
  const combination: Record<string, unknown> = {};
  lists.forEach(([key], i) => (combination[key] = values[i]));
  return combination;
}

/** The keys of a {@link SampleRange}. */
const RANGE_KEYS = ['min', 'max', 'log', 'integer'];

/** @internal How one space entry is drawn; `where` is its name in messages ("space.lr"). */
export function sampler(op: string, where: string, entry: unknown): (rng: Rng) => unknown {
  if (typeof entry === 'function') return entry as (rng: Rng) => unknown;
  if (Array.isArray(entry)) {
    if (entry.length === 0) throw new ValueError(`${op}: ${where} is an empty list`);
    return (rng) => entry[rng.int(0, entry.length)];
  }
  if (entry !== null && typeof entry === 'object') return rangeSampler(op, where, entry);
  throw new ValueError(`${op}: ${where} must be a list, {min, max, log?, integer?} or a function of an Rng, got ${show(entry)}`);
}

/** A sampler of a {@link SampleRange}, checked: finite min < max (a finite width), min > 0 for log. */
function rangeSampler(op: string, where: string, entry: object): (rng: Rng) => number {
  const { min, max, log = false, integer = false } = knownNestedOptions<SampleRange>(op, where, entry, RANGE_KEYS);
  checkBoolean(op, `${where}.log`, log);
  checkBoolean(op, `${where}.integer`, integer);
  const finite = typeof min === 'number' && typeof max === 'number' && min < max && Number.isFinite(max - min);
  if (!finite || (log && min <= 0)) {
    throw new ValueError(`${op}: ${where} must have finite min < max${log ? ' and min > 0 for log' : ''}, got min ${show(min)} and max ${show(max)}`);
  }
  if (integer) return integerSampler(op, where, min, max, log);
  return log ? (rng) => Math.exp(rng.uniform(Math.log(min), Math.log(max))) : (rng) => rng.uniform(min, max);
}

/** Whole numbers in [⌈min⌉, ⌊max⌋], uniformly or log-uniformly (the log-uniform law on [⌈min⌉ − ½, ⌊max⌋ + ½], rounded). */
function integerSampler(op: string, where: string, min: number, max: number, log: boolean): (rng: Rng) => number {
  const [lo, hi] = [Math.ceil(min), Math.floor(max)];
  if (lo > hi) throw new ValueError(`${op}: ${where} holds no integer between ${min} and ${max}`);
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi)) {
    throw new ValueError(`${op}: ${where} with integer: true needs min and max within ±2⁵³ (where every whole number is a double), got ${min} and ${max}`);
  }
  // Log-uniform on [lo − ½, hi + ½], then rounded, as Optuna's suggest_int(log=True): each whole
  // number gets the mass of the half-units around it, the ends included (on [lo, hi] they got half).
  if (log) return (rng) => Math.min(hi, Math.max(lo, Math.round(Math.exp(rng.uniform(Math.log(lo - 0.5), Math.log(hi + 0.5))))));
  const width = hi - lo + 1;
  // Rng.int draws exactly uniformly from up to 2³² values; a wider range scales a uniform draw,
  // whose 53 bits leave a bias far below anything a search could notice.
  if (width <= 2 ** 32) return (rng) => rng.int(lo, hi + 1);
  return (rng) => Math.min(hi, lo + Math.floor(rng.uniform() * width));
}
