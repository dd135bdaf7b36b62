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
    // One sample: R² is undefined, NaN as scikit-learn gives (it was 0 or 1, so leave-one-out scored every model 0).
    expect(r2Score([1], [2])).toBeNaN();
    expect(r2Score([[1, 2]], [[1, 2]])).toBeNaN();
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

describe('hostile input', () => {
  let deep: unknown = [0];
  for (let i = 0; i < 100_000; i++) deep = [deep];

  test('NaN or infinite predictions never count as correct', () => {
    // A diverged model scored 2/3 here: argmax of [NaN, NaN] was 0, and NaN ≥ 0.5 is false, so class 0.
    expect(accuracy([0, 1, 1], [[NaN, NaN], [0, 1], [0, 1]])).toBe(2 / 3);
    expect(accuracy([0, 0, 0], [[NaN, NaN], [NaN, 0], [Infinity, 0]])).toBe(0);
    expect(accuracy([0, 0, 1], [NaN, -Infinity, Infinity])).toBe(0);
    expect(accuracy([0, 0, 1], [NaN, 0, 1])).toBe(2 / 3); // the other labels are still read as labels
    expect(accuracy([0, 1], [[NaN], [-Infinity]], { threshold: 0 })).toBe(0);
    expect(accuracy([0, 1], new Float64Array([NaN, NaN]))).toBe(0);
    expect(() => confusionMatrix([0, 1], [NaN, 1])).toThrow(/^confusionMatrix: yPred holds NaN or ±∞ at sample 0/);
  });

  test('labels that are not whole numbers in [0, 2³¹ − 1) are refused, not wrapped', () => {
    expect(() => accuracy([2 ** 32, 1], [0, 1])).toThrow(ValueError); // it counted as class 0
    expect(() => accuracy([2 ** 32, 1], [0, 1])).toThrow(/^accuracy: yTrue must hold whole-number class labels in a single column, got 4294967296 at position 0 \(labels are in \[0, 2147483647\)\)/);
    expect(() => accuracy([-1, 1], [-1, 1])).toThrow(/got -1 at position 0/);
    expect(() => accuracy([0, 1], [0, 2 ** 31])).toThrow(/^accuracy: yPred holds 2147483648 at position 1, which is no class label .*pass \{ threshold \}/);
    expect(() => accuracy([0, 1], [-3, 1])).toThrow(/yPred holds -3 at position 0/);
    expect(() => accuracy([0, NaN], [0, 1])).toThrow(/^accuracy: yTrue holds NaN at position 1; targets must be finite/);
    expect(() => accuracy([[1, 0], [Infinity, 0]], [0, 1])).toThrow(/yTrue holds Infinity at position 2/);
    expect(() => confusionMatrix([2 ** 32], [0])).toThrow(ValueError);
    expect(accuracy([2 ** 31 - 2], [2 ** 31 - 2])).toBe(1);
  });

  test('confusionMatrix checks the size of its matrix before making it; maxClasses raises the limit', () => {
    expect(() => confusionMatrix([0, 100000], [0, 1])).toThrow(/^confusionMatrix: the largest label, 100000, asks for a 100001 × 100001 matrix, more than maxClasses = 4096 classes; pass \{ maxClasses \} to raise the limit/);
    expect(() => confusionMatrix([0, 1], [0, 1], 1e9)).toThrow(/^confusionMatrix: numClasses asks for a 1000000000 × 1000000000 matrix/);
    expect(confusionMatrix([0, 4], [0, 4], undefined, { maxClasses: 5 })).toHaveLength(5);
    expect(() => confusionMatrix([0, 5], [0, 5], undefined, { maxClasses: 5 })).toThrow(/more than maxClasses = 5/);
    for (const bad of [0, -1, 2.5, NaN, '3', deep]) expect(() => confusionMatrix([0], [0], bad as never)).toThrow(/^confusionMatrix: numClasses must be a positive integer, got /);
    expect(() => confusionMatrix([0], [0], undefined, { maxClasses: 0 })).toThrow(/^confusionMatrix: maxClasses must be a whole number ≥ 1 or Infinity/);
  });

  test('options: unknown keys and bad thresholds name the function', () => {
    expect(() => accuracy([0], [0], { treshold: 0 } as never)).toThrow(/^accuracy: unknown option 'treshold'; the options are threshold$/);
    expect(() => confusionMatrix([0], [0], 1, { max_classes: 2 } as never)).toThrow(/^confusionMatrix: unknown option 'max_classes'; the options are threshold, maxClasses$/);
    for (const bad of [NaN, Infinity, '0.5', deep, Symbol('t')]) expect(() => accuracy([0], [0.3], { threshold: bad as never })).toThrow(/^accuracy: threshold must be a finite number, got /);
    expect(() => accuracy([0, 1], [[], []])).toThrow(/^accuracy: yPred \[2, 0\] has no columns to read a class from/);
  });

  test('regression metrics: finite targets only; NaN and infinite predictions score NaN or the worst value', () => {
    expect(meanSquaredError([1, 2, 3], [Infinity, 2, 3])).toBe(Infinity);
    expect(meanSquaredError([1, 2, 3], [NaN, 2, 3])).toBeNaN();
    expect(meanAbsoluteError([1, 2, 3], [-Infinity, 2, 3])).toBe(Infinity);
    expect(r2Score([1, 2, 3], [Infinity, 2, 3])).toBe(-Infinity);
    expect(r2Score([1, 2, 3], [NaN, 2, 3])).toBeNaN();
    // A constant column scored 0, as the mean would, for a NaN prediction.
    expect(r2Score([5, 5], [5, NaN])).toBeNaN();
    expect(r2Score([5, 5], [5, Infinity])).toBe(-Infinity);
    for (const [name, fn] of [['meanSquaredError', meanSquaredError], ['meanAbsoluteError', meanAbsoluteError], ['r2Score', r2Score]] as const) {
      expect(() => fn([1, NaN], [1, 2])).toThrow(new RegExp(`^${name}: yTrue holds NaN at position 1; targets must be finite`));
      expect(() => fn(deep as never, [1])).toThrow(new RegExp(`^${name}: yTrue is not valid tensor data`));
    }
  });

  test('r2Score near the top of the float64 range: the sums do not overflow', () => {
    // Σ(y − ȳ)² overflowed to ∞, so any prediction scored 1.
    const y = [1e308, 1.5e308, 1.7e308];
    expect(r2Score(y, y)).toBe(1);
    expect(r2Score(y, [1.7e308, 1e308, 1.5e308])).toBeLessThan(0);
    expect(r2Score(y.map((v) => v / 1e300), [1.7e8, 1e8, 1.5e8])).toBeCloseTo(r2Score(y, [1.7e308, 1e308, 1.5e308]), 12);
    expect(r2Score([1e-320, 2e-320, 3e-320], [1e-320, 2e-320, 3e-320])).toBe(1);
  });

  test('10⁷ samples get a result (no spreading or recursion over the data)', () => {
    const labels = new Float64Array(10_000_000);
    const scores = new Float64Array(20_000_000);
    for (let i = 0; i < labels.length; i += 2) {
      labels[i] = 1;
      scores[2 * i + 1] = 1;
    }
    expect(accuracy(labels, tensor(scores, { shape: [10_000_000, 2] }))).toBe(1);
    expect(confusionMatrix(labels, labels)).toEqual([[5_000_000, 0], [0, 5_000_000]]);
    expect(r2Score(labels.subarray(0, 1_000_000), labels.subarray(0, 1_000_000))).toBe(1);
  });
});
