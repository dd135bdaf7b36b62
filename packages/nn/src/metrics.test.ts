/** Metrics against values worked out by hand. */
import { ShapeError, ValueError, tensor } from '@adjoint/core';
import { accuracy, confusionMatrix, evaluate, meanAbsoluteError, meanSquaredError, mlp, predict, r2Score } from '@adjoint/nn';

describe('accuracy', () => {
  test('argmax of scores against class indices or one-hot rows', () => {
    const scores = [[0.9, 0.1, 0], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4], [0.5, 0.1, 0.4]];
    expect(accuracy([0, 1, 2, 2], scores)).toBe(0.75);
    expect(accuracy([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]], scores)).toBe(0.75);
  });

  test('a single probability column is thresholded at 0.5 (≥ counts as 1); labels are compared directly', () => {
    expect(accuracy([[0], [1], [1], [0]], [[0.2], [0.5], [0.49], [0.51]])).toBe(0.5);
    expect(accuracy([0, 1, 2, 2], [0, 1, 2, 1])).toBe(0.75);
    expect(accuracy([1, 0], [[0.3], [-0.2]], { threshold: 0 })).toBe(1);
  });

  test('mismatched sample counts and non-label targets are errors', () => {
    expect(() => accuracy([0, 1], [[0.1, 0.9]])).toThrow(ShapeError);
    expect(() => accuracy([0.5, 1], [0, 1])).toThrow(/accuracy: yTrue must hold whole-number class labels in a single column, got 0.5 at position 0/);
  });
});

test('confusionMatrix: rows are true classes, columns predicted classes', () => {
  expect(confusionMatrix([0, 1, 2, 2, 1], [0, 2, 2, 1, 1])).toEqual([[1, 0, 0], [0, 1, 1], [0, 1, 1]]);
  expect(confusionMatrix([0, 1], [[0.9, 0.1], [0.4, 0.6]], 3)).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 0]]);
  expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(/confusionMatrix: labels must be in \[0, 3\), got true 3 and predicted 1 at sample 1/);
});

test('meanSquaredError and meanAbsoluteError; [n] and [n, 1] are the same column', () => {
  expect(meanSquaredError([1, 2, 3], [1, 4, 0])).toBe((0 + 4 + 9) / 3);
  expect(meanAbsoluteError([[1], [2], [3]], [1, 4, 0])).toBe(5 / 3);
  expect(() => meanSquaredError([1, 2], [[1, 2]])).toThrow(/meanSquaredError: yTrue and yPred must have the same shape, got yTrue \[2\] and yPred \[1, 2\]/);
});

describe('r2Score', () => {
  test('by hand: y = [1, 2, 3, 4], ŷ = [1, 2, 3, 5] gives 1 − 1/5', () => {
    expect(r2Score([1, 2, 3, 4], [1, 2, 3, 5])).toBeCloseTo(0.8, 15);
    expect(r2Score([1, 2, 3], [2, 2, 2])).toBe(0);
    expect(r2Score([1, 2, 3], [1, 2, 3])).toBe(1);
  });

  test('several columns are averaged; a constant column scores 1 if exact, else 0', () => {
    expect(r2Score([[1, 5], [2, 5], [3, 5], [4, 5]], [[1, 5], [2, 5], [3, 5], [5, 5]])).toBeCloseTo((0.8 + 1) / 2, 15);
    expect(r2Score([5, 5], [5, 6])).toBe(0);
  });
});

test('evaluate returns the loss and each metric by name; it needs something to compute', () => {
  const model = mlp([2, 3, 2], { seed: 1 });
  const x = tensor([[0, 1], [1, 0], [1, 1]]);
  const y = tensor([0, 1, 1]);
  const result = evaluate(model, x, y, { loss: 'crossEntropy', metrics: ['accuracy'] });
  expect(Object.keys(result)).toEqual(['loss', 'accuracy']);
  expect(result.accuracy).toBe(accuracy(y, predict(model, x)));
  expect(() => evaluate(model, x, y)).toThrow(ValueError);
});
