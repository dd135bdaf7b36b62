/**
 * Choosing hyperparameters as the course notes (docs/course-notes.md) advise: grid search with
 * k-fold cross-validation. Every pair (learning rate, L2 strength λ) trains a fresh network on
 * k − 1 folds of the training data and is scored by its mean squared error on the remaining fold,
 * k times; the pair with the lowest mean wins, is retrained on all training data, and is scored once
 * on the test set, which the search never saw. The data: f(x0, x1) = x0² + 3·x0·x1 + x1² + 5 plus
 * noise, 100 samples as in the notes, and a network big enough to fit the noise — which is what the
 * L2 penalty λ·Σw² is against.
 *
 *   npm run example -- hyperparameters
 */
import { Rng, tensor } from '@adjoint/core';
import { Adam, StandardScaler, evaluate, fit, gridSearch, l2, mlp, mse, trainTestSplit, type Module, type SearchEntry } from '@adjoint/nn';
import { formatTable, heatMap, writeSvg } from '../tools/plot';
import { context, num, type ExampleOptions } from './lib/common';
import { samples } from './regression';

/** One line description for the example list. */
export const description = 'grid search with k-fold cross-validation over learning rate and L2 strength, heat map';

/**
 * Every step uses all rows (full-batch gradient descent), so training on a fold and retraining on
 * all training rows take the same number of steps of the same kind: a setting that wins the
 * search then behaves the same way when it is retrained.
 */
const FULL_BATCH = 1000;

/** A candidate's hyperparameters. */
export interface Params {
  lr: number;
  lambda: number;
}

/** What the example found. */
export interface HyperparametersResult {
  learningRates: number[];
  lambdas: number[];
  /** Mean cross-validated MSE, by learning rate (rows) and λ (columns). */
  scores: number[][];
  best: SearchEntry<Params>;
  /** MSE on the test set of the best candidate retrained on all training rows. */
  testMse: number;
  plot: string;
}

/** Runs the search and draws its heat map. */
export function run(options: ExampleOptions = {}): HyperparametersResult {
  const { quick, log, output } = context(options);
  const learningRates = quick ? [0.003, 0.01, 0.03] : [0.001, 0.003, 0.01, 0.03];
  const lambdas = quick ? [0, 0.001, 0.01] : [0, 0.0001, 0.001, 0.01];
  const k = quick ? 3 : 4;
  const epochs = quick ? 100 : 200;
  const { x, y } = noisySamples(100, 0.5, 6);
  const [xTrain, xTest, yRawTrain, yRawTest] = trainTestSplit(x, y, { testSize: 0.2, seed: 6 });
  // Standardised targets (statistics of the training rows), so that one learning rate suits every weight.
  const scaler = new StandardScaler().fit(yRawTrain);
  const [yTrain, yTest] = [scaler.transform(yRawTrain), scaler.transform(yRawTest)];

  // A fresh model per fold; the loss closes over it to add λ·Σw² of its own parameters.
  const recipe = ({ lr, lambda }: Params, seed: number): { model: Module; optimizer: Adam; loss: typeof mse } => {
    const model = mlp([2, 32, 32, 1], { activation: 'tanh', seed });
    const penalty = (pred: Parameters<typeof mse>[0], target: Parameters<typeof mse>[1]) => mse(pred, target).add(l2(model).mul(lambda));
    return { model, optimizer: new Adam(model.parameters(), { lr }), loss: penalty };
  };
  const search = gridSearch({
    grid: { lr: learningRates, lambda: lambdas },
    build: (params, { seed }) => recipe(params, seed),
    x: xTrain, y: yTrain, k, metric: 'mse', seed: 6,
    fitOptions: { epochs, batchSize: FULL_BATCH },
  });
  const scoreOf = (lr: number, lambda: number): number => search.results.find((r) => r.params.lr === lr && r.params.lambda === lambda)!.mean;
  const scores = learningRates.map((lr) => lambdas.map((lambda) => scoreOf(lr, lambda)));

  // The winner, retrained on every training row and tested once.
  const final = recipe(search.best.params, 6);
  fit(final.model, { x: xTrain, y: yTrain, loss: final.loss, optimizer: final.optimizer, epochs, batchSize: FULL_BATCH, seed: 6, progress: false });
  const testMse = evaluate(final.model, xTest, yTest, { metrics: ['mse'] }).mse!;

  log(`${k}-fold cross-validated MSE (standardised targets, mean over folds) of a 2-32-32-1 tanh network, ${epochs} steps of Adam:\n`);
  log(formatTable(['lr \\ λ', ...lambdas.map(String)], learningRates.map((lr, i) => [String(lr), ...scores[i]!.map((v) => num(v))]), ['left']));
  const { lr, lambda } = search.best.params;
  log(`\nBest: lr = ${lr}, λ = ${lambda}, cross-validated MSE ${num(search.best.mean)} ± ${num(search.best.std)} (std over folds).`);
  const noise = 0.5 ** 2 / scaler.scale!.item() ** 2;
  log(`Retrained on all ${xTrain.shape[0]} training samples, its test MSE is ${num(testMse)}; the noise alone accounts for ${num(noise)}.`);
  const plot = writeSvg(output('hyperparameters-grid.svg'), heatMap(scores, {
    rowLabels: learningRates.map(String), columnLabels: lambdas.map(String), xLabel: 'L2 strength λ', yLabel: 'learning rate',
    valueLabel: `${k}-fold CV mean squared error`, title: 'Grid search with cross-validation', logColor: true, reverse: true,
    highlight: [learningRates.indexOf(lr), lambdas.indexOf(lambda)], format: (v) => num(v, 3),
  }));
  log(`Wrote ${plot}`);
  return { learningRates, lambdas, scores, best: search.best, testMse, plot };
}

/** Samples of the notes' function with Gaussian noise of standard deviation `sigma` added. */
function noisySamples(n: number, sigma: number, seed: number): ReturnType<typeof samples> {
  const { x, y } = samples(n, seed);
  const rng = new Rng(seed + 1);
  return { x, y: tensor([...y.data].map((v) => [v + rng.normal(0, sigma)])) };
}

if (require.main === module) run();
