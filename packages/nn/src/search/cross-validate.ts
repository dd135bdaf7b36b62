/** k-fold cross-validation of a model recipe: the estimate the searches rank candidates by. */
import { AdjointError, GradError, Rng, ShapeError, Tensor, ValueError, gather, noGrad } from '@adjoint/core';
import { Module } from '../module';
import { asSamples, checkInteger, checkSameRows, knownNestedOptions, knownOptions, oneOf, quoteName, rows, show, type TensorInput, orDefault } from '../args';
import { DEFAULT_MAX_INDICES, limitOption, seedOption } from '../data/checks';
import { makeFolds } from '../data/kfold';
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
  /** Seed of the folds and of the per-fold seeds (default 0), a whole number. */
  seed?: number;
  /**
   * Most row indices the folds may hold in all, k·rows (default 5·10⁷, as kFold): leave-one-out on
   * 10⁵ rows would list 10¹⁰. Raise it for larger data.
   */
  maxIndices?: number;
}

/** The keys of {@link CrossValidationOptions}, which every search accepts. */
export const CROSS_VALIDATION_KEYS = ['x', 'y', 'k', 'fitOptions', 'metric', 'mode', 'seed', 'maxIndices'] as const;

/**
 * fit's options that cross-validation passes on (fit's own list, less the data, which each fold
 * supplies). fit does not export its list; a test checks this one against fit's messages.
 */
export const TRAIN_OPTION_KEYS = [
  'loss', 'optimizer', 'lr', 'epochs', 'batchSize', 'shuffle', 'dropLast', 'seed', 'metrics', 'earlyStopping', 'callbacks', 'clipNorm', 'progress', 'verbose',
] as const;

/** fit options that would replace the fold's data. */
const DATA_KEYS = ['x', 'y', 'validationData', 'validationSplit'];

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
 * @throws ValueError for bad or unknown options (checked before any training), or a build that
 * returns a model sharing a trainable parameter with one built for an earlier fold; an error from
 * training a fold (fit, evaluate, the model) comes back as the same kind of error, its message
 * prefixed with `crossValidate` and the fold.
 *
 * @example
 * const { mean, std } = crossValidate({
 *   build: ({ seed }) => mlp([2, 8, 1], { seed }),
 *   x, y, k: 5, fitOptions: { loss: 'mse', optimizer: 'adam', lr: 0.01, epochs: 50 },
 * });
 */
export function crossValidate(options: CrossValidateOptions): CrossValidationResult {
  const op = 'crossValidate';
  options = knownOptions(op, options, [...CROSS_VALIDATION_KEYS, 'build']);
  const build = requireBuild(op, options.build);
  return scoreRecipe(planFolds(op, options), build, '');
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
  /** The trainable parameters of every model built so far, which a later fold's model must not share. */
  trained: WeakSet<Tensor>;
}

/** `build`, when it is a function. Checked before the folds are cut, so that a mistake costs nothing. */
export function requireBuild<F>(op: string, build: F): F {
  if (typeof build !== 'function') throw new ValueError(`${op}: build must be a function returning a fresh model (or {model, ...fitOptions}), got ${show(build)}`);
  return build;
}

/**
 * Validates the shared options (the caller has checked them for unknown keys) and cuts the folds.
 * Everything is checked here, before any model is trained, so a typo does not surface after hours.
 */
export function planFolds(op: string, options: CrossValidationOptions): FoldPlan {
  const x = asSamples(op, 'x', options.x);
  const y = asSamples(op, 'y', options.y);
  checkSameRows(op, x, y);
  const k = checkInteger(op, 'k', orDefault(options.k, 5), 2);
  if (k > rows(x)) throw new ValueError(`${op}: k must be at most the number of rows (${rows(x)}), got ${k}`);
  const seed = seedOption(op, options.seed);
  const maxIndices = limitOption(op, 'maxIndices', options.maxIndices, DEFAULT_MAX_INDICES);
  const fitOptions = checkFitOptions(op, 'fitOptions', orDefault(options.fitOptions, {}));
  const metric = checkMetric(op, orDefault(options.metric, 'loss'));
  const mode = scoreMode(op, metric, options.mode);
  const rng = new Rng(seed);
  const folds = makeFolds(op, rows(x), k, { seed: rng.int(0, 2 ** 31), shuffle: true, maxIndices });
  const seeds = folds.map(() => rng.int(0, 2 ** 31));
  return { op, x, y, folds, seeds, fitOptions, metric, mode, trained: new WeakSet() };
}

/**
 * fit options for every fold (`where` is 'fitOptions', or what build returned): fit's options
 * only, and none that would replace the fold's data.
 */
function checkFitOptions(op: string, where: string, value: unknown): TrainOptions {
  if (value !== null && typeof value === 'object') {
    for (const key of DATA_KEYS) {
      if (key in value) throw new ValueError(`${op}: ${where}.${key} is not allowed; cross-validation supplies the data of each fold`);
    }
  }
  return knownNestedOptions<TrainOptions>(op, where, value, TRAIN_OPTION_KEYS);
}

/** The metric option: 'loss', a name or a function, or `{name, fn, mode}` with no other key. */
function checkMetric(op: string, metric: unknown): 'loss' | MetricSpec {
  if (metric !== null && typeof metric === 'object') knownNestedOptions(op, 'metric', metric, ['name', 'fn', 'mode']);
  if (metric !== 'loss') resolveMetrics(op, [metric]); // refuses what fit would, before any training
  return metric as 'loss' | MetricSpec;
}

function scoreMode(op: string, metric: 'loss' | MetricSpec, mode: unknown): 'min' | 'max' {
  if (mode !== undefined) return oneOf(op, 'mode', mode, ['min', 'max']);
  if (metric === 'loss') return 'min';
  const [m] = resolveMetrics(op, [metric]);
  if (m!.mode === undefined) throw new ValueError(`${op}: cannot tell whether metric '${m!.name}' is better high or low; give mode 'min' or 'max'`);
  return m!.mode;
}

/**
 * Trains and scores one recipe on every fold. `candidate` names the recipe in messages ('' for
 * crossValidate's single one, 'candidate 3' in a search).
 */
export function scoreRecipe(plan: FoldPlan, build: (context: BuildContext) => BuildResult, candidate: string): CrossValidationResult {
  const scores = plan.folds.map((_, i) => {
    const where = `${candidate === '' ? '' : `${candidate}, `}fold ${i} of ${plan.folds.length}`;
    return renamingErrors(plan.op, where, () => scoreFold(plan, build, i, where));
  });
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const std = Math.sqrt(scores.reduce((a, s) => a + (s - mean) ** 2, 0) / scores.length);
  return { scores, mean, std };
}

/** `options` without the keys whose value is undefined. */
function defined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Builds, trains and scores the model for fold `i` (`where` in messages). */
function scoreFold(plan: FoldPlan, build: (context: BuildContext) => BuildResult, i: number, where: string): number {
  const { op } = plan;
  const fold = plan.folds[i]!;
  const built = build({ fold: i, seed: plan.seeds[i]! });
  const { model, own } = splitBuilt(op, built);
  refuseTrainedBefore(plan, model, where);
  // A key given as undefined is left out, as fit takes it: it must not override the fold's seed or quiet progress.
  const merged = { seed: plan.seeds[i]!, progress: false, ...defined(plan.fitOptions), ...defined(own) } as Omit<FitOptions, 'x' | 'y'>;
  const [xTrain, yTrain, xTest, yTest] = noGrad(() => [
    gather(plan.x, fold.train), gather(plan.y, fold.train), gather(plan.x, fold.test), gather(plan.y, fold.test),
  ]);
  fit(model, { ...merged, x: xTrain, y: yTrain });
  if (plan.metric === 'loss') return evaluate(model, xTest, yTest, { loss: merged.loss }).loss!;
  const [m] = resolveMetrics(op, [plan.metric], merged.loss);
  return evaluate(model, xTest, yTest, { metrics: [{ name: m!.name, fn: m!.fn }] })[m!.name]!;
}

/**
 * Notes the model's trainable parameters, refusing one a previous fold (of this or an earlier
 * candidate) trained: a build that returns one model, or wraps one layer, every time would carry
 * its training from fold to fold, and score each fold on rows it has already trained on.
 */
function refuseTrainedBefore(plan: FoldPlan, model: Module, where: string): void {
  const params = model.namedParameters().filter(([, p]) => p.requiresGrad);
  const reused = params.find(([, p]) => plan.trained.has(p));
  if (reused !== undefined) {
    throw new ValueError(`${plan.op}: ${where}: build returned a model whose parameter ${quoteName(reused[0])} a previous fold trained; build a fresh model each time (a model carried over from other folds would be scored on rows it was trained on)`);
  }
  for (const [, p] of params) plan.trained.add(p);
}

/** What build returned: the model, and fit options of its own (checked like fitOptions). */
function splitBuilt(op: string, built: unknown): { model: Module; own: TrainOptions } {
  if (built instanceof Module) return { model: built, own: {} };
  const model = built !== null && typeof built === 'object' ? (built as { model?: unknown }).model : undefined;
  if (!(model instanceof Module)) throw new ValueError(`${op}: build must return a Module or {model, ...fitOptions}, got ${show(built)}`);
  const { model: _, ...own } = built as { model: Module };
  return { model, own: checkFitOptions(op, 'build(…)', own) };
}

/** Core's error classes, which {@link renamingErrors} may re-create with a longer message. */
const CORE_ERRORS: ReadonlyArray<new (message: string) => AdjointError> = [AdjointError, ShapeError, ValueError, GradError];

/**
 * Runs `f`; an error of core's classes from inside (fit, evaluate, a layer) comes back as the same
 * class with the message prefixed by `op` and `where`, and the original as its `cause`. The user
 * called `op`: "gridSearch: candidate 2, fold 0 of 3: fit: epochs must be …" says which call and
 * which candidate failed, where "fit: …" alone would name a function they never called. Other
 * errors (from the user's own code) pass through unchanged.
 */
function renamingErrors<T>(op: string, where: string, f: () => T): T {
  try {
    return f();
  } catch (error) {
    const Kind = CORE_ERRORS.find((c) => error instanceof AdjointError && error.constructor === c);
    if (Kind === undefined || (error as Error).message.startsWith(`${op}:`)) throw error;
    const renamed = new Kind(`${op}: ${where}: ${(error as Error).message}`);
    Object.defineProperty(renamed, 'cause', { value: error, configurable: true, writable: true });
    throw renamed;
  }
}
