/**
 * The regression problem of the course notes (docs/course-notes.md): learn
 * f(x0, x1) = x0² + 3·x0·x1 + x1² + 5 from samples. Linear regression cannot represent the squares
 * and the product; an MLP with two hidden layers fits them. Also shows the usual chores: a seeded
 * train/test split, a StandardScaler fitted on the training targets only, and R² on the test set.
 *
 *   npm run example -- regression
 */
import { Rng, linspace, stack, full, tensor, type Tensor } from '@adjoint/core';
import { StandardScaler, cosineDecay, fit, mlp, predict, r2Score, trainTestSplit } from '@adjoint/nn';
import { formatTable, lineChart, writeSvg } from '../tools/plot';
import { context, num, type ExampleOptions } from './lib/common';
import { leastSquares, predictLinear } from './lib/linalg';

/** One line description for the example list. */
export const description = 'fit f(x0,x1) = x0² + 3x0x1 + x1² + 5 with an MLP (vs linear regression)';

/** The function of the notes. */
export function target(x0: number, x1: number): number {
  return x0 * x0 + 3 * x0 * x1 + x1 * x1 + 5;
}

/** What the example found. */
export interface RegressionResult {
  /** R² on the test set. */
  r2: { linear: number; mlp: number };
  /** Training loss (on standardised targets) per epoch. */
  loss: number[];
  plots: { loss: string; slice: string };
}

/** Samples (x0, x1) uniformly from [−1, 1]², with their targets f(x0, x1). */
export function samples(n: number, seed: number): { x: Tensor; y: Tensor } {
  const rng = new Rng(seed);
  const x = Array.from({ length: n }, () => [rng.uniform(-1, 1), rng.uniform(-1, 1)]);
  return { x: tensor(x), y: tensor(x.map(([a, b]) => [target(a!, b!)])) };
}

/** Fits linear regression and an MLP and compares them on held-out samples. */
export function run(options: ExampleOptions = {}): RegressionResult {
  const { quick, log, output } = context(options);
  const { x, y } = samples(quick ? 300 : 600, 1);
  const [xTrain, xTest, yTrain, yTest] = trainTestSplit(x, y, { testSize: 0.2, seed: 1 });

  // Baseline: least squares on [1, x0, x1].
  const rows = (t: Tensor): number[][] => (t.toArray() as number[][]).map(([a, b]) => [1, a!, b!]);
  const theta = leastSquares(rows(xTrain), [...yTrain.data]);
  const linearTest = predictLinear(rows(xTest), theta);
  const r2Linear = r2Score(yTest, tensor(linearTest.map((v) => [v])));

  // The network learns standardised targets (mean 0, std 1): scaled from the training rows only.
  const scaler = new StandardScaler().fit(yTrain);
  const model = mlp([2, 32, 32, 1], { activation: 'tanh', seed: 1 });
  const epochs = quick ? 60 : 250;
  const batchSize = 32;
  // The learning rate decays along a cosine to zero over the run: big steps first, fine ones last.
  const steps = epochs * Math.ceil((xTrain.shape[0]! * 0.8) / batchSize);
  const history = fit(model, {
    x: xTrain, y: scaler.transform(yTrain), loss: 'mse', optimizer: 'adam', lr: cosineDecay(0.01, { decaySteps: steps }),
    epochs, batchSize, seed: 1, validationSplit: 0.2, progress: false,
  });
  const predictTargets = (inputs: Tensor): Tensor => scaler.inverseTransform(predict(model, inputs));
  const mlpTest = predictTargets(xTest);
  const r2Mlp = r2Score(yTest, mlpTest);

  log('f(x0, x1) = x0² + 3·x0·x1 + x1² + 5 on [−1, 1]², R² on held-out samples:\n');
  log(formatTable(['model', 'test R²'], [
    [`linear regression  θ = [${theta.map((v) => v.toFixed(3)).join(', ')}]`, num(r2Linear)],
    ['MLP 2-32-32-1 tanh, Adam with cosine decay', num(r2Mlp)],
  ], ['left']));
  const shown = Math.min(5, xTest.shape[0]!);
  log('\n' + formatTable(['x0', 'x1', 'f(x0, x1)', 'linear', 'MLP'], Array.from({ length: shown }, (_, i) => [
    num(xTest.data[2 * i]!, 3), num(xTest.data[2 * i + 1]!, 3), num(yTest.data[i]!), num(linearTest[i]!), num(mlpTest.data[i]!),
  ])));

  // A slice through the surface at x1 = 0.5: f is a parabola in x0 there.
  const grid = linspace(-1, 1, 41);
  const sliceX = stack([grid, full([41], 0.5)], 1);
  const xs = [...grid.data];
  const plots = {
    loss: writeSvg(output('regression-loss.svg'), lineChart(
      [{ name: 'training', y: history.loss }, { name: 'validation', y: history.valLoss, dashed: true }],
      { xLabel: 'epoch', yLabel: 'MSE (standardised targets)', title: 'Fitting f(x0, x1) with an MLP', logY: true },
    )),
    slice: writeSvg(output('regression-slice.svg'), lineChart([
      { name: 'f(x0, 0.5)', x: xs, y: xs.map((v) => target(v, 0.5)) },
      { name: 'MLP', x: xs, y: [...predictTargets(sliceX).data], dashed: true },
      { name: 'linear regression', x: xs, y: predictLinear(xs.map((v) => [1, v, 0.5]), theta), dashed: true },
    ], { xLabel: 'x0 (x1 = 0.5)', yLabel: 'f', title: 'A slice of the surface', markers: false })),
  };
  log(`\nWrote ${plots.loss}, ${plots.slice}`);
  return { r2: { linear: r2Linear, mlp: r2Mlp }, loss: history.loss, plots };
}

if (require.main === module) run();
