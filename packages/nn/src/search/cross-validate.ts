/** k-fold cross-validation of a model recipe: the estimate the searches rank candidates by. */
import { Rng, Tensor, ValueError, gather, noGrad, requireChoice, requireFinite } from '@adjoint/core';
import { Module } from '../module';
import { asSamples, checkInteger, checkSameRows, rows, show, type TensorInput } from '../args';
import { kFold } from '../data/kfold';
import { fit, type FitOptions } from '../train/fit';
import { evaluate } from '../train/predict';
import { resolveMetrics, type MetricSpec } from '../train/resolve';

/** What a recipe's build function receives: which fold it trains for, and a seed for that fold. */
export interface BuildContext {
  /** The fold, 0 … k − 1. */
  fold: number;
  /** A seed for this fold (the same for every candidate, so candidates are compared on equal terms). */
  seed: number;
}

/** fit's options without the data, which cross-validation supplies fold by fold. */
export type TrainOptions = Partial<Omit<FitOptions, 'x' | 'y' | 'validationData' | 'validationSplit'>>;

/**
 * What a build function returns: a fresh model, or a fresh model with fit options of its own (an
 * optimizer instance over that model, a learning rate, a loss, …), which override `fitOptions`.
 */
export type BuildResult = Module | ({ model: Module } & TrainOptions);

/** Options shared by {@link crossValidate}, gridSearch and randomSearch. */
export interface CrossValidationOptions {
  x: TensorInput;
  y: TensorInput;
  /** Number of folds (default 5), 2 ≤ k ≤ rows. */
  k?: number;
  /** fit options used for every fold (epochs, batchSize, loss, optimizer by name, lr, …). Progress is off unless set. */
  fitOptions?: TrainOptions;
  /** What to score each held-out fold by: 'loss' (the fit loss, the default) or a metric. */
  metric?: 'loss' | MetricSpec;
  /** Whether lower or higher scores are better (default: from the metric; needed for a custom function). */
  mode?: 'min' | 'max';
  /** Seed of the folds and of the per-fold seeds (default 0). */
  seed?: number;
}

/** The held-out scores of one recipe. */
export interface CrossValidationResult {
  /** One score per fold, in fold order. */
  scores: number[];
  /** Mean of the scores. */
  mean: number;
  /** Population standard deviation of the scores (divisor k). */
  std: number;
}

/** Options of {@link crossValidate}. */
export interface CrossValidateOptions extends CrossValidationOptions {
  /** Builds a fresh, untrained model for a fold. */
  build: (context: BuildContext) => BuildResult;
}

/**
 * k-fold cross-validation: for each fold, builds a fresh model, trains it with fit on the other
 * folds' rows, and scores it on the fold's own rows.
 *
 * @example
 * const { mean, std } = crossValidate({
 *   build: ({ seed }) => mlp([2, 8, 1], { seed }),
 *   x, y, k: 5, fitOptions: { loss: 'mse', optimizer: 'adam', lr: 0.01, epochs: 50 },
 * });
 */
export function crossValidate(options: CrossValidateOptions): CrossValidationResult {
  const plan = planFolds('crossValidate', options);
  return scoreRecipe(plan, options.build);
}

/** Everything a search needs to score recipes: data, folds, per-fold seeds and the scoring rule. */
export interface FoldPlan {
  op: string;
  x: Tensor;
  y: Tensor;
  folds: Array<{ train: number[]; test: number[] }>;
  seeds: number[];
  fitOptions: TrainOptions;
  metric: 'loss' | MetricSpec;
  mode: 'min' | 'max';
}

/** Validates the shared options and cuts the folds. */
export function planFolds(op: string, options: CrossValidationOptions): FoldPlan {
  if (options === null || typeof options !== 'object') throw new ValueError(`${op}: options must be an object, got ${show(options)}`);
  const x = asSamples(op, 'x', options.x);
  const y = asSamples(op, 'y', options.y);
  checkSameRows(op, x, y);
  const k = checkInteger(op, 'k', options.k ?? 5, 2);
  if (k > rows(x)) throw new ValueError(`${op}: k must be at most the number of rows (${rows(x)}), got ${k}`);
  const seed = requireFinite(op, 'seed', options.seed ?? 0);
  const fitOptions = options.fitOptions ?? {};
  if (fitOptions === null || typeof fitOptions !== 'object') throw new ValueError(`${op}: fitOptions must be an object of fit options, got ${show(fitOptions)}`);
  for (const key of ['x', 'y', 'validationData', 'validationSplit']) {
    if (key in fitOptions) throw new ValueError(`${op}: fitOptions.${key} is not allowed; cross-validation supplies the data of each fold`);
  }
  const rng = new Rng(seed);
  const folds = kFold(rows(x), k, { seed: rng.int(0, 2 ** 31), shuffle: true });
  const seeds = folds.map(() => rng.int(0, 2 ** 31));
  const metric = options.metric ?? 'loss';
  return { op, x, y, folds, seeds, fitOptions, metric, mode: scoreMode(op, metric, options.mode) };
}

function scoreMode(op: string, metric: 'loss' | MetricSpec, mode: unknown): 'min' | 'max' {
  if (mode !== undefined) return requireChoice(op, 'mode', mode, ['min', 'max']);
  if (metric === 'loss') return 'min';
  const [m] = resolveMetrics(op, [metric]);
  if (m!.mode === undefined) throw new ValueError(`${op}: cannot tell whether metric '${m!.name}' is better high or low; give mode 'min' or 'max'`);
  return m!.mode;
}

/** Trains and scores one recipe on every fold. */
export function scoreRecipe(plan: FoldPlan, build: (context: BuildContext) => BuildResult): CrossValidationResult {
  const { op } = plan;
  if (typeof build !== 'function') throw new ValueError(`${op}: build must be a function returning a fresh model (or {model, ...fitOptions}), got ${show(build)}`);
  const scores = plan.folds.map((fold, i) => {
    const built = build({ fold: i, seed: plan.seeds[i]! });
    const { model, ...own } = built instanceof Module ? { model: built } : (built ?? ({} as { model?: unknown }));
    if (!(model instanceof Module)) throw new ValueError(`${op}: build must return a Module or {model, ...fitOptions}, got ${show(built)}`);
    const merged = { seed: plan.seeds[i]!, progress: false, ...plan.fitOptions, ...own } as Omit<FitOptions, 'x' | 'y'>;
    const [xTrain, yTrain, xTest, yTest] = noGrad(() => [
      gather(plan.x, fold.train), gather(plan.y, fold.train), gather(plan.x, fold.test), gather(plan.y, fold.test),
    ]);
    fit(model, { ...merged, x: xTrain, y: yTrain });
    if (plan.metric === 'loss') return evaluate(model, xTest, yTest, { loss: merged.loss }).loss!;
    const [m] = resolveMetrics(op, [plan.metric], merged.loss);
    return evaluate(model, xTest, yTest, { metrics: [{ name: m!.name, fn: m!.fn }] })[m!.name]!;
  });
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const std = Math.sqrt(scores.reduce((a, s) => a + (s - mean) ** 2, 0) / scores.length);
  return { scores, mean, std };
}
