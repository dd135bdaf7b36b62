import { ShapeError, Tensor, ValueError, grad, logSoftmax, oneHot, randn, recordOps, softmax, tensor } from '@adjoint/core';
import { assertGrad } from '@adjoint/gradcheck';
import { binaryCrossEntropy, crossEntropy, gaussianNllLoss, huberLoss, klDiv, l1, l2, mae, mse, nllLoss, poissonNllLoss, smoothL1Loss } from './losses';
import { mlp } from './layers/index';
import { elementwiseLossName, resolveLoss } from './train/resolve';

const sigma = (z: number): number => 1 / (1 + Math.exp(-z));

describe('regression losses', () => {
  const pred = tensor([[1, 2], [3, 4]]);
  const target = tensor([[0, 2], [5, 4]]);

  test('mse and mae by hand', () => {
    expect(mse(pred, target).item()).toBe((1 + 0 + 4 + 0) / 4);
    expect(mae(pred, target).item()).toBe((1 + 0 + 2 + 0) / 4);
    expect(mse(pred, [[1, 2], [3, 4]]).item()).toBe(0); // plain arrays as targets
    expect(mse(pred, target).shape).toEqual([]);
  });

  test('shape mismatches name the loss and both shapes', () => {
    expect(() => mse(tensor([[1], [2]]), tensor([1, 2]))).toThrow(ShapeError);
    expect(() => mse(tensor([[1], [2]]), tensor([1, 2]))).toThrow('mse: pred and target must have the same shape, got pred [2, 1] and target [2]');
    expect(() => mae(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(/mae: .*\[2\].*\[3\]/);
    expect(() => mse([1, 2] as unknown as Tensor, tensor([1, 2]))).toThrow(ValueError);
    expect(() => mse([1, 2] as unknown as Tensor, tensor([1, 2]))).toThrow('mse: pred must be a Tensor, got an array of length 2; make one with tensor(…)');
  });

  test('gradient checks wrt predictions (and targets)', () => {
    const p = randn([3, 2], { seed: 1 });
    const t = randn([3, 2], { seed: 2 });
    assertGrad((p, t) => mse(p, t), [p, t], { order: 2 });
    assertGrad((p) => mae(p, t), [p]); // |·| has a kink at 0, which these points avoid
  });
});

describe('binaryCrossEntropy', () => {
  const z = [-2, 0.5, 3, -0.25];
  const y = [0, 1, 1, 0.3];
  const naive = z.reduce((s, zi, i) => s - (y[i]! * Math.log(sigma(zi)) + (1 - y[i]!) * Math.log(1 - sigma(zi))), 0) / z.length;

  test('from logits equals the naive formula at moderate values', () => {
    expect(binaryCrossEntropy(tensor(z), tensor(y)).item()).toBeCloseTo(naive, 14);
  });

  test('from probabilities equals the naive formula; 0 and 1 stay finite', () => {
    const p = tensor(z.map(sigma));
    expect(binaryCrossEntropy(p, tensor(y), { fromLogits: false }).item()).toBeCloseTo(naive, 12);
    expect(binaryCrossEntropy(tensor([0.2, 0.9]), tensor([0, 1]), { fromLogits: false }).item()).toBeCloseTo(-(Math.log(0.8) + Math.log(0.9)) / 2, 14);
    expect(binaryCrossEntropy(tensor([0, 1]), tensor([0, 1]), { fromLogits: false }).item()).toBeCloseTo(0, 10);
    const worst = binaryCrossEntropy(tensor([0, 1]), tensor([1, 0]), { fromLogits: false }).item();
    expect(worst).toBeCloseTo(-Math.log(1e-12), 3);
  });

  test('stable at ±1000 logits: finite value and finite gradient', () => {
    const logits = tensor([1000, -1000, 1000, -1000], { requiresGrad: true });
    const loss = binaryCrossEntropy(logits, tensor([0, 1, 1, 0]));
    expect(loss.item()).toBe((1000 + 1000 + 0 + 0) / 4);
    loss.backward();
    expect(logits.grad!.toArray()).toEqual([0.25, -0.25, 0, 0]); // (σ(z) − y)/n
  });

  test('from probabilities, a value outside [0, 1] is refused rather than clipped (logits passed by mistake), as PyTorch refuses it', () => {
    // Clipped, 2.3 would cost as much as 1 − 1e-12 and get a zero gradient: a silent stall.
    expect(() => binaryCrossEntropy(tensor([0.5, 2.3, -1.1]), tensor([1, 0, 0]), { fromLogits: false })).toThrow(ValueError);
    expect(() => binaryCrossEntropy(tensor([0.5, 2.3, -1.1]), tensor([1, 0, 0]), { fromLogits: false })).toThrow(
      'binaryCrossEntropy: with fromLogits: false, pred must hold probabilities in [0, 1], got 2.3 at position 1 (shape [3]); for logits leave fromLogits at its default, true',
    );
    expect(() => binaryCrossEntropy(tensor([[0.5], [-1e-300]]), tensor([[1], [0]]), { fromLogits: false })).toThrow(/got -1e-300 at position 1 \(shape \[2, 1\]\)/);
    // The ends themselves are probabilities, and a NaN from a diverged model is passed on, not refused.
    expect(binaryCrossEntropy(tensor([0, 1]), tensor([0, 1]), { fromLogits: false }).item()).toBeCloseTo(0, 10);
    expect(binaryCrossEntropy(tensor([NaN, 0.5]), tensor([0, 1]), { fromLogits: false }).item()).toBeNaN();
  });

  test('shape mismatch', () => {
    expect(() => binaryCrossEntropy(tensor([[1], [2]]), tensor([1, 0]))).toThrow('binaryCrossEntropy: pred and target must have the same shape, got pred [2, 1] and target [2]');
  });

  test('gradient checks wrt predictions (logits to second order; probabilities)', () => {
    const t = tensor([[0, 1], [1, 0.25], [0.5, 1]]);
    assertGrad((p) => binaryCrossEntropy(p, t), [randn([3, 2], { seed: 3 })], { order: 2 });
    assertGrad((p) => binaryCrossEntropy(p, t, { fromLogits: false }), [tensor([[0.2, 0.7], [0.55, 0.1], [0.9, 0.4]])], { order: 2 });
  });
});

describe('crossEntropy', () => {
  const logits = tensor([[1, 2, 3], [1, 1, 1]]);
  const byHand = (-Math.log(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3))) + Math.log(3)) / 2;

  test('from logits with class indices, by hand', () => {
    expect(crossEntropy(logits, tensor([2, 0])).item()).toBeCloseTo(byHand, 14);
    expect(crossEntropy(logits, [2, 0]).item()).toBeCloseTo(byHand, 14);
  });

  test('indices and one-hot targets give the same value and gradient', () => {
    const z = randn([5, 4], { seed: 1, requiresGrad: true });
    const z2 = z.detach().clone();
    z2.requiresGrad = true;
    const labels = [3, 0, 1, 1, 2];
    const a = crossEntropy(z, tensor(labels));
    const b = crossEntropy(z2, oneHot(labels, 4));
    expect(b.item()).toBeCloseTo(a.item(), 14);
    a.backward();
    b.backward();
    z.grad!.data.forEach((g, i) => expect(z2.grad!.data[i]).toBeCloseTo(g, 14));
  });

  test('class indices take the fused softmaxCrossEntropy: the value bit for bit as the one-hot path, the gradient to rounding (batch 64)', () => {
    const z = randn([64, 10], { seed: 3, requiresGrad: true });
    const z2 = z.detach().clone();
    z2.requiresGrad = true;
    const labels = Array.from({ length: 64 }, (_, i) => (i * 7) % 10);
    const a = crossEntropy(z, labels);
    const b = crossEntropy(z2, oneHot(labels, 10));
    expect(a.item()).toBe(b.item()); // 1/64 is exact, so both roundings agree
    a.backward();
    b.backward();
    // softmax e^(z − max)/Σ against exp(logSoftmax): an ulp or so of p, divided by 64
    z.grad!.data.forEach((g, i) => expect(Math.abs(g - z2.grad!.data[i]!)).toBeLessThanOrEqual(1e-15 / 64));
  });

  test('a −∞ logit on a class other than the label leaves the loss finite', () => {
    const loss = crossEntropy(tensor([[-Infinity, 0, 0], [0, 0, Math.log(2)]], { requiresGrad: true }), [1, 2]);
    expect(loss.item()).toBeCloseTo((Math.LN2 + Math.log(2)) / 2, 14); // −log ½ and −log(2/4)
  });

  test('from probabilities equals from logits; soft labels; a single sample', () => {
    const z = randn([3, 4], { seed: 2 });
    const labels = tensor([1, 3, 0]);
    expect(crossEntropy(softmax(z), labels, { fromLogits: false }).item()).toBeCloseTo(crossEntropy(z, labels).item(), 12);
    const soft = tensor([[0.5, 0.5, 0]]);
    const single = tensor([[0, Math.log(3), 0]]); // softmax [1/5, 3/5, 1/5]
    expect(crossEntropy(single, soft).item()).toBeCloseTo(-(0.5 * Math.log(0.2) + 0.5 * Math.log(0.6)), 14);
    expect(crossEntropy(tensor([0, Math.log(3), 0]), tensor(1)).item()).toBeCloseTo(-Math.log(0.6), 14);
  });

  test('stable at ±1000 logits: finite value and finite gradient', () => {
    const z = tensor([[1000, -1000, 0], [-1000, 1000, 0]], { requiresGrad: true });
    const loss = crossEntropy(z, tensor([1, 0]));
    expect(loss.item()).toBe(2000);
    loss.backward();
    expect(z.grad!.data.every(Number.isFinite)).toBe(true);
    expect(z.grad!.toArray()).toEqual([[0.5, -0.5, 0], [-0.5, 0.5, 0]]); // (softmax − onehot)/N
  });

  test('target shape and index errors', () => {
    expect(() => crossEntropy(logits, tensor([1, 2, 0]))).toThrow(ShapeError);
    expect(() => crossEntropy(logits, tensor([1, 2, 0]))).toThrow(/crossEntropy: target must be class indices of shape \[2\] or one-hot of shape \[2, 3\], got pred \[2, 3\] and target \[3\]/);
    expect(() => crossEntropy(logits, tensor([1, 3]))).toThrow('crossEntropy: class indices must be integers in [0, 3), got 3 at position 1');
    expect(() => crossEntropy(logits, tensor([1, 0.5]))).toThrow(ValueError);
  });

  test('from probabilities, a value outside [0, 1] is refused rather than clipped, with either form of target', () => {
    const z = tensor([[2.3, -1.1, 0.5]]);
    expect(() => crossEntropy(z, tensor([1]), { fromLogits: false })).toThrow(
      'crossEntropy: with fromLogits: false, pred must hold probabilities in [0, 1], got 2.3 at position 0 (shape [1, 3]); for logits leave fromLogits at its default, true',
    );
    expect(() => crossEntropy(z, tensor([[0, 1, 0]]), { fromLogits: false })).toThrow(ValueError);
    expect(crossEntropy(tensor([[0, 1, 0]]), tensor([1]), { fromLogits: false }).item()).toBeCloseTo(0, 15);
  });

  test('gradient checks wrt predictions', () => {
    assertGrad((p) => crossEntropy(p, tensor([2, 0, 1])), [randn([3, 4], { seed: 4 })], { order: 2 });
    assertGrad((p) => crossEntropy(p, tensor([[0.2, 0.8, 0], [0, 0, 1]])), [randn([2, 3], { seed: 5 })], { order: 2 });
    assertGrad((p) => crossEntropy(p, tensor([1, 0]), { fromLogits: false }), [tensor([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]])], { order: 2 });
  });
});

describe('penalties', () => {
  const params = [tensor([1, -2]), tensor([[3]])];

  test('l1 = Σ|w| and l2 = Σw² (no ½)', () => {
    expect(l1(params).item()).toBe(6);
    expect(l2(params).item()).toBe(14);
    expect(l2([]).item()).toBe(0);
  });

  test('over a module; the gradient of l2 is 2w', () => {
    const model = mlp([2, 2], { seed: 0 });
    l2(model).backward();
    const w = model.parameters()[0]!;
    w.grad!.data.forEach((g, i) => expect(g).toBe(2 * w.data[i]!));
    expect(() => l1([tensor(1), 3 as unknown as Tensor])).toThrow('l1: parameter 1 is not a Tensor, got number 3');
  });

  test('gradient checks', () => {
    const a = tensor([[0.5, -1.5], [2, -0.25]]);
    const b = tensor([0.75, -3]);
    assertGrad((a, b) => l1([a, b]), [a, b]);
    assertGrad((a, b) => l2([a, b]), [a, b], { order: 2 });
  });
});

const close = (got: Tensor, want: readonly number[], digits = 14): void => {
  expect(got.size).toBe(want.length);
  want.forEach((w, i) => expect(got.data[i]).toBeCloseTo(w, digits));
};
const errorOf = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
};
/** The error f throws: its class and its exact message. */
const expectError = (f: () => unknown, kind: typeof ValueError | typeof ShapeError, message: string): void => {
  const e = errorOf(f);
  expect(e).toBeInstanceOf(kind);
  expect((e as Error).message).toBe(message);
};

describe('reduction, on every loss', () => {
  const pred = tensor([[1, 2], [3, 4]]);
  const target = tensor([[0, 2], [5, 4]]);

  test("'none' keeps each element's loss in pred's shape, 'sum' adds them, 'mean' (the default) averages", () => {
    expect(mse(pred, target, { reduction: 'none' }).toArray()).toEqual([[1, 0], [4, 0]]);
    expect(mse(pred, target, { reduction: 'sum' }).item()).toBe(5);
    expect(mse(pred, target, { reduction: 'mean' }).item()).toBe(5 / 4);
    expect(mae(pred, target, { reduction: 'none' }).toArray()).toEqual([[1, 0], [2, 0]]);
    expect(mae(pred, target, { reduction: 'sum' }).item()).toBe(3);
    for (const loss of [mse, mae, huberLoss, smoothL1Loss, binaryCrossEntropy, poissonNllLoss, klDiv]) {
      const none = loss(pred, target, { reduction: 'none' });
      expect(none.shape).toEqual([2, 2]);
      expect(loss(pred, target, { reduction: 'sum' }).item()).toBeCloseTo(none.sum().item(), 13);
      expect(loss(pred, target).item()).toBeCloseTo(none.mean().item(), 13);
    }
    const none = gaussianNllLoss(pred, target, tensor([[0.5, 1], [2, 3]]), { reduction: 'none' });
    expect(none.shape).toEqual([2, 2]);
    expect(gaussianNllLoss(pred, target, tensor([[0.5, 1], [2, 3]])).item()).toBeCloseTo(none.mean().item(), 14);
  });

  test('an unknown reduction or option is a ValueError naming the loss', () => {
    expectError(() => mse(pred, target, { reduction: 'avg' as 'mean' }), ValueError, 'mse: reduction must be \'mean\', \'sum\' or \'none\', got "avg"');
    expectError(() => crossEntropy(pred, [0, 1], { reduction: 'batchmean' as 'mean' }), ValueError, 'crossEntropy: reduction must be \'mean\', \'sum\' or \'none\', got "batchmean"');
    expectError(() => klDiv(pred, target, { reduction: 'avg' as 'mean' }), ValueError, 'klDiv: reduction must be \'mean\', \'batchmean\', \'sum\' or \'none\', got "avg"');
    expectError(() => mae(pred, target, { reduction: null as unknown as 'mean' }), ValueError, "mae: reduction must be 'mean' or 'sum' or 'none', got null");
    expectError(() => huberLoss(pred, target, { beta: 1 } as never), ValueError, "huberLoss: unknown option 'beta'; the options are reduction, delta");
    expectError(() => nllLoss(pred, [0, 1], { labelSmoothing: 0.1 } as never), ValueError, "nllLoss: unknown option 'labelSmoothing'; the options are reduction, weight, ignoreIndex");
    expect(errorOf(() => poissonNllLoss(pred, target, 'sum' as never))).toBeInstanceOf(ValueError);
  });
});

describe('huberLoss and smoothL1Loss', () => {
  const d = [-2, -0.5, 0, 0.3, 1, 3];
  const zero = tensor(d.map(() => 0));

  test('by hand: quadratic inside δ (β), linear outside, the linear piece from |d| = δ on', () => {
    close(huberLoss(tensor(d), zero, { reduction: 'none' }), [1.5, 0.125, 0, 0.045, 0.5, 2.5]);
    close(huberLoss(tensor(d), zero, { delta: 2, reduction: 'none' }), [2, 0.125, 0, 0.045, 0.5, 4]);
    close(smoothL1Loss(tensor(d), zero, { beta: 0.5, reduction: 'none' }), [1.75, 0.25, 0, 0.09, 0.75, 2.75]);
    expect(huberLoss(tensor(d), zero).item()).toBeCloseTo((1.5 + 0.125 + 0.045 + 0.5 + 2.5) / 6, 15);
  });

  test('smoothL1 with β is huber with δ = β divided by β; β = 0 is mae, with a finite gradient at d = 0', () => {
    const p = randn([4, 3], { seed: 7 }).mul(2);
    const y = randn([4, 3], { seed: 8 });
    expect(smoothL1Loss(p, y, { beta: 0.7 }).item()).toBeCloseTo(huberLoss(p, y, { delta: 0.7 }).item() / 0.7, 14);
    expect(smoothL1Loss(p, y, { beta: 0 }).item()).toBe(mae(p, y).item());
    const g = grad((x: Tensor) => smoothL1Loss(x, tensor([0, 1, 0]), { beta: 0, reduction: 'sum' }))(tensor([0, 3, -2]));
    expect(g.toArray()).toEqual([0, 1, -1]);
  });

  test('gradient checks away from the kinks (to second order where it is smooth), both modes', () => {
    const y = tensor([[0, 1, -1], [0.5, 2, 0]]);
    const p = tensor([[0.2, 2.5, -1.3], [-1.5, 1.1, 0.9]]); // |p − y| avoids δ = β = 1 and 0.7
    assertGrad((p, y) => huberLoss(p, y), [p, y], { order: 2 });
    assertGrad((p) => huberLoss(p, y, { delta: 0.7, reduction: 'none' }), [p], { order: 2 });
    assertGrad((p) => smoothL1Loss(p, y, { beta: 0.7, reduction: 'sum' }), [p], { order: 2 });
    assertGrad((p) => smoothL1Loss(p, y, { beta: 0 }), [p]);
  });

  test('delta and beta are checked', () => {
    expectError(() => huberLoss(tensor([1]), tensor([0]), { delta: 0 }), ValueError, 'huberLoss: delta must be > 0, got 0');
    expectError(() => huberLoss(tensor([1]), tensor([0]), { delta: -1 }), ValueError, 'huberLoss: delta must be > 0, got -1');
    expectError(() => huberLoss(tensor([1]), tensor([0]), { delta: Infinity }), ValueError, 'huberLoss: delta must be a finite number, got Infinity');
    expectError(() => smoothL1Loss(tensor([1]), tensor([0]), { beta: -0.5 }), ValueError, 'smoothL1Loss: beta must be ≥ 0, got -0.5');
    expectError(() => smoothL1Loss(tensor([1]), tensor([0]), { beta: NaN }), ValueError, 'smoothL1Loss: beta must be a finite number, got NaN');
    expectError(() => smoothL1Loss(tensor([1]), tensor([0]), { beta: '1' as unknown as number }), ValueError, 'smoothL1Loss: beta must be a finite number, got "1"');
    expectError(() => huberLoss(tensor([1, 2]), tensor([0])), ShapeError, 'huberLoss: pred and target must have the same shape, got pred [2] and target [1]');
  });
});

describe('binaryCrossEntropy: weight and posWeight', () => {
  const z = [-2, 0.5, 3, -0.25];
  const y = [0, 1, 1, 0.3];
  const softplus = (v: number): number => Math.log1p(Math.exp(v));

  test('by hand: weight scales each element (the mean still divides by n); posWeight scales the positive term', () => {
    const w = [1, 2, 0.5, 3];
    const plain = binaryCrossEntropy(tensor(z), tensor(y), { reduction: 'none' });
    close(binaryCrossEntropy(tensor(z), tensor(y), { weight: tensor(w), reduction: 'none' }), Array.from(plain.data, (v, i) => v * w[i]!));
    expect(binaryCrossEntropy(tensor(z), tensor(y), { weight: w }).item()).toBeCloseTo(plain.data.reduce((s, v, i) => s + v * w[i]!, 0) / 4, 14);
    // −[p·y·log σ(z) + (1 − y)·log(1 − σ(z))] = p·y·softplus(−z) + (1 − y)·softplus(z)
    const p = 2.5;
    close(binaryCrossEntropy(tensor(z), tensor(y), { posWeight: p, reduction: 'none' }), z.map((zi, i) => p * y[i]! * softplus(-zi) + (1 - y[i]!) * softplus(zi)));
    close(binaryCrossEntropy(tensor(z), tensor(y), { posWeight: 1, reduction: 'none' }), Array.from(plain.data));
    const fromProbabilities = binaryCrossEntropy(tensor(z.map((v) => 1 / (1 + Math.exp(-v)))), tensor(y), { fromLogits: false, weight: w, reduction: 'sum' });
    expect(fromProbabilities.item()).toBeCloseTo(plain.data.reduce((s, v, i) => s + v * w[i]!, 0), 12);
  });

  test('posWeight and weight broadcast over the leading axes: one per class', () => {
    const logits = randn([3, 2], { seed: 4 });
    const targets = tensor([[1, 0], [0, 1], [1, 1]]);
    const perClass = binaryCrossEntropy(logits, targets, { posWeight: [2, 0.5], weight: [[1, 3]], reduction: 'none' });
    const full = binaryCrossEntropy(logits, targets, { posWeight: [[2, 0.5], [2, 0.5], [2, 0.5]], weight: [[1, 3], [1, 3], [1, 3]], reduction: 'none' });
    expect(perClass.toArray()).toEqual(full.toArray());
  });

  test('stable at logits of ±1e300 with posWeight: exact value, finite gradient', () => {
    const logits = tensor([1e300, -1e300, 1e300, -1e300], { requiresGrad: true });
    const loss = binaryCrossEntropy(logits, tensor([0, 1, 1, 0]), { posWeight: 3, reduction: 'none' });
    expect(loss.toArray()).toEqual([1e300, 3e300, 0, 0]);
    loss.sum().backward();
    expect(logits.grad!.toArray()).toEqual([1, -3, 0, 0]); // (1 − y) − (1 + (p − 1)y)·σ(−z)
  });

  test('gradient checks with weight and posWeight, to second order, both modes', () => {
    const t = tensor([[0, 1], [1, 0.25], [0.5, 1]]);
    assertGrad((p) => binaryCrossEntropy(p, t, { posWeight: [3, 0.5], weight: [[1], [2], [0.5]] }), [randn([3, 2], { seed: 3 })], { order: 2 });
    assertGrad((p, pw) => binaryCrossEntropy(p, t, { posWeight: pw, reduction: 'sum' }), [randn([3, 2], { seed: 5 }), tensor([1.5, 0.7])], { order: 2 });
    assertGrad((p) => binaryCrossEntropy(p, t, { fromLogits: false, weight: [2, 0.5], reduction: 'none' }), [tensor([[0.2, 0.7], [0.55, 0.1], [0.9, 0.4]])], { order: 2 });
  });

  test('errors', () => {
    expectError(() => binaryCrossEntropy(tensor([[1, 2]]), tensor([[1, 0]]), { weight: [1, 2, 3] }), ShapeError, 'binaryCrossEntropy: weight must broadcast to pred\'s shape [1, 2], got shape [3]');
    expectError(() => binaryCrossEntropy(tensor([[1, 2]]), tensor([[1, 0]]), { posWeight: [[[1, 1]]] }), ShapeError, 'binaryCrossEntropy: posWeight must broadcast to pred\'s shape [1, 2], got shape [1, 1, 2]');
    expectError(() => binaryCrossEntropy(tensor([0.5]), tensor([1]), { fromLogits: false, posWeight: 2 }), ValueError,
      "binaryCrossEntropy: posWeight applies to logits only (PyTorch's binary_cross_entropy_with_logits); leave fromLogits at its default, true");
    expectError(() => binaryCrossEntropy(tensor([0.5]), tensor([1]), { weight: 'heavy' as never }), ValueError, 'binaryCrossEntropy: weight must be a Tensor or nested arrays of numbers, got string heavy');
    expectError(() => binaryCrossEntropy(tensor([0.5]), tensor([1]), { fromLogits: 0 as never }), ValueError, 'binaryCrossEntropy: fromLogits must be true or false, got 0');
  });
});

describe('crossEntropy: weight, ignoreIndex, labelSmoothing, reduction', () => {
  const z = tensor([[1, 2, 3], [1, 1, 1], [0.5, -1, 2], [0, 0, 0]]);
  const lp = logSoftmax(z, -1).toArray() as number[][];
  const nll = (n: number, c: number): number => -lp[n]![c]!;
  const w = [0.2, 1, 3];

  test('class indices: reduction none and sum (the fused op), weights with their own mean', () => {
    const y = [2, 0, 1, 1];
    close(crossEntropy(z, y, { reduction: 'none' }), y.map((c, n) => nll(n, c)));
    expect(crossEntropy(z, y, { reduction: 'none' }).shape).toEqual([4]);
    expect(crossEntropy(z, y, { reduction: 'sum' }).item()).toBeCloseTo(y.reduce((s, c, n) => s + nll(n, c), 0), 14);
    close(crossEntropy(z, y, { weight: w, reduction: 'none' }), y.map((c, n) => w[c]! * nll(n, c)));
    const weighted = y.reduce((s, c, n) => s + w[c]! * nll(n, c), 0);
    expect(crossEntropy(z, y, { weight: tensor(w) }).item()).toBeCloseTo(weighted / (3 + 0.2 + 1 + 1), 14);
    expect(crossEntropy(z, y, { weight: w, reduction: 'sum' }).item()).toBeCloseTo(weighted, 14);
  });

  test('the plain case is the single op softmaxCrossEntropy, for every reduction', () => {
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      const { ops } = recordOps((x: Tensor) => crossEntropy(x, [2, 0, 1, 1], { reduction }))(z);
      expect(ops.map((o) => o.name)).toEqual(['softmaxCrossEntropy']);
    }
  });

  test('ignoreIndex: ignored samples cost 0 and leave the denominator, also with weights and inside [0, C)', () => {
    const y = [2, -100, 1, -100];
    close(crossEntropy(z, y, { ignoreIndex: -100, reduction: 'none' }), [nll(0, 2), 0, nll(2, 1), 0]);
    expect(crossEntropy(z, y, { ignoreIndex: -100 }).item()).toBeCloseTo((nll(0, 2) + nll(2, 1)) / 2, 14);
    expect(crossEntropy(z, y, { ignoreIndex: -100, weight: w }).item()).toBeCloseTo((3 * nll(0, 2) + nll(2, 1)) / 4, 14);
    expect(crossEntropy(z, [2, 0, 1, 0], { ignoreIndex: 0 }).item()).toBeCloseTo((nll(0, 2) + nll(2, 1)) / 2, 14);
    // All ignored: 0/0 for the mean, as PyTorch; 0 for the sum.
    expect(crossEntropy(z, [-1, -1, -1, -1], { ignoreIndex: -1 }).item()).toBeNaN();
    expect(crossEntropy(z, [-1, -1, -1, -1], { ignoreIndex: -1, reduction: 'sum' }).item()).toBe(0);
  });

  test('an ignored sample whose class 0 has log-probability −∞ stays out of the value and the gradient', () => {
    const logits = tensor([[-Infinity, 0], [0, Math.log(3)]], { requiresGrad: true });
    const loss = crossEntropy(logits, [-100, 1], { ignoreIndex: -100 });
    expect(loss.item()).toBeCloseTo(-Math.log(0.75), 15);
    loss.backward();
    expect(logits.grad!.data.slice(0, 2).every((g) => g === 0)).toBe(true); // ±0
    close(logits.grad!.slice([1, 0], [1, 2]), [0.25, -0.25], 15);
    expect(nllLoss(tensor([[-Infinity, 0], [0, -1]]), [-100, 1], { ignoreIndex: -100 }).item()).toBe(1);
  });

  test('labelSmoothing with class indices: (1 − ε)·w[y]·nll + (ε/C)·Σ w_c·(−log p_c), over Σ w[y]', () => {
    const y = [2, 0, -100, 1];
    const eps = 0.3;
    const spread = (n: number): number => [0, 1, 2].reduce((s, c) => s + w[c]! * nll(n, c), 0);
    const each = [0, 1, 3].map((n) => (1 - eps) * w[y[n]!]! * nll(n, y[n]!) + (eps / 3) * spread(n));
    close(crossEntropy(z, y, { weight: w, ignoreIndex: -100, labelSmoothing: eps, reduction: 'none' }), [each[0]!, each[1]!, 0, each[2]!]);
    expect(crossEntropy(z, y, { weight: w, ignoreIndex: -100, labelSmoothing: eps }).item()).toBeCloseTo((each[0]! + each[1]! + each[2]!) / (3 + 0.2 + 1), 14);
  });

  test('without weights, smoothed indices are the smoothed one-hot rows; with weights the two means differ, as in PyTorch', () => {
    const y = [2, 0, 1, 1];
    const eps = 0.2;
    expect(crossEntropy(z, y, { labelSmoothing: eps }).item()).toBeCloseTo(crossEntropy(z, oneHot(y, 3), { labelSmoothing: eps }).item(), 14);
    const smoothed = oneHot(y, 3).mul(1 - eps).add(eps / 3);
    expect(crossEntropy(z, oneHot(y, 3), { labelSmoothing: eps }).item()).toBeCloseTo(crossEntropy(z, smoothed).item(), 15);
    // Soft targets: −Σ w_c t'_c log p_c per sample, and the mean divides by N, not by the weights.
    const soft = crossEntropy(z, smoothed, { weight: w, reduction: 'none' });
    close(soft, y.map((_, n) => -[0, 1, 2].reduce((s, c) => s + w[c]! * smoothed.data[3 * n + c]! * lp[n]![c]!, 0)));
    expect(crossEntropy(z, smoothed, { weight: w }).item()).toBeCloseTo(soft.sum().item() / 4, 14);
    expect(crossEntropy(z, y, { weight: w, labelSmoothing: eps }).item()).not.toBeCloseTo(soft.sum().item() / 4, 3);
    // ε = 1: a uniform target, whatever the label.
    expect(crossEntropy(z, y, { labelSmoothing: 1 }).item()).toBeCloseTo(crossEntropy(z, [0, 1, 2, 0], { labelSmoothing: 1 }).item(), 14);
  });

  test('classes on the last axis for any rank; from probabilities the same formulas', () => {
    const logits = randn([2, 3, 4], { seed: 6 });
    const y = tensor([[3, 0, -1], [2, 2, 1]]);
    const options = { weight: [1, 0.5, 2, 1.5], ignoreIndex: -1, labelSmoothing: 0.1 };
    const flat = crossEntropy(logits.reshape([6, 4]), y.reshape([6]), { ...options, reduction: 'none' });
    const none = crossEntropy(logits, y, { ...options, reduction: 'none' });
    expect(none.shape).toEqual([2, 3]);
    expect(Array.from(none.data)).toEqual(Array.from(flat.data));
    expect(crossEntropy(softmax(logits), y, { ...options, fromLogits: false }).item()).toBeCloseTo(crossEntropy(logits, y, options).item(), 12);
  });

  test('the user\'s labels and weights are left as they were', () => {
    const y = tensor([2, -100, 1, 0]);
    const weight = tensor(w);
    crossEntropy(z, y, { ignoreIndex: -100, weight, labelSmoothing: 0.1 }).item();
    expect(y.toArray()).toEqual([2, -100, 1, 0]);
    expect(weight.toArray()).toEqual(w);
  });

  test('gradient checks with weight, ignoreIndex and labelSmoothing, to second order, both modes', () => {
    const y = tensor([2, -100, 1, 0]);
    const p = randn([4, 3], { seed: 9 });
    assertGrad((x) => crossEntropy(x, y, { weight: w, ignoreIndex: -100, labelSmoothing: 0.2 }), [p], { order: 2 });
    assertGrad((x) => crossEntropy(x, y, { ignoreIndex: -100, reduction: 'none' }), [p], { order: 2 });
    assertGrad((x) => crossEntropy(x, [[0.2, 0.8, 0], [0, 0, 1], [1, 0, 0], [0.3, 0.3, 0.4]], { weight: w, labelSmoothing: 0.1, reduction: 'sum' }), [p], { order: 2 });
    assertGrad((x) => crossEntropy(x, tensor([1, 0]), { fromLogits: false, weight: [1, 2, 3], labelSmoothing: 0.3 }), [tensor([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]])], { order: 2 });
  });

  test('errors name crossEntropy and the offending value', () => {
    expectError(() => crossEntropy(z, [2, 0, 1, 1], { weight: [1, 2] }), ShapeError, 'crossEntropy: weight must hold one value per class, shape [3], got shape [2]');
    expectError(() => crossEntropy(z, [2, 0, 1, 1], { weight: [[1, 2, 3]] as never }), ShapeError, 'crossEntropy: weight must hold one value per class, shape [3], got shape [1, 3]');
    expectError(() => crossEntropy(z, [2, 0, 1, 1], { labelSmoothing: 1.5 }), ValueError, 'crossEntropy: labelSmoothing must be in [0, 1], got 1.5');
    expectError(() => crossEntropy(z, [2, 0, 1, 1], { labelSmoothing: -0.1 }), ValueError, 'crossEntropy: labelSmoothing must be in [0, 1], got -0.1');
    expectError(() => crossEntropy(z, [2, 0, 1, 1], { labelSmoothing: NaN }), ValueError, 'crossEntropy: labelSmoothing must be a finite number, got NaN');
    expectError(() => crossEntropy(z, [2, 0, 1, 1], { ignoreIndex: 0.5 }), ValueError, 'crossEntropy: ignoreIndex must be an integer, got 0.5');
    expectError(() => crossEntropy(z, [2, 0, 1, 1], { ignoreIndex: Infinity }), ValueError, 'crossEntropy: ignoreIndex must be an integer, got Infinity');
    expectError(() => crossEntropy(z, oneHot([2, 0, 1, 1], 3), { ignoreIndex: -100 }), ValueError,
      "crossEntropy: ignoreIndex applies to class-index targets only, got a target of pred's shape [4, 3] (class probabilities), as PyTorch refuses it");
    expectError(() => crossEntropy(z, [2, 0, 5, -100], { ignoreIndex: -100 }), ValueError, 'crossEntropy: class indices must be integers in [0, 3) or ignoreIndex (-100), got 5 at position 2');
    expectError(() => crossEntropy(z, [2, 0, -100, 1]), ValueError, 'crossEntropy: class indices must be integers in [0, 3), got -100 at position 2; PyTorch ignores −100 by default, here pass ignoreIndex: -100');
    expectError(() => crossEntropy(z, [2, 0, 3, 1], { weight: w }), ValueError, 'crossEntropy: class indices must be integers in [0, 3), got 3 at position 2');
    expectError(() => crossEntropy(z, [2, 0, 1], { weight: w }), ShapeError, 'crossEntropy: target must be class indices of shape [4] or one-hot of shape [4, 3], got pred [4, 3] and target [3]');
  });
});

describe('nllLoss', () => {
  const z = randn([5, 4], { seed: 11 });
  const logp = logSoftmax(z, -1);

  test('of logSoftmax is crossEntropy, with every option it shares', () => {
    const y = [3, -100, 1, 1, 0];
    for (const options of [{}, { weight: [1, 2, 0.5, 3] }, { ignoreIndex: -100, reduction: 'none' as const }, { ignoreIndex: -100, weight: tensor([1, 2, 0.5, 3]), reduction: 'sum' as const }]) {
      const labels = 'ignoreIndex' in options ? y : [3, 0, 1, 1, 0];
      close(nllLoss(logp, labels, options), Array.from(crossEntropy(z, labels, options).data), 14);
    }
  });

  test('by hand: −w[y]·logProbs[y], the mean over Σ w[y]; any log-probabilities (it does not normalise)', () => {
    const x = tensor([[-1, -2], [-0.5, -3], [-4, -0.25]]);
    expect(nllLoss(x, [0, 1, 1]).item()).toBeCloseTo((1 + 3 + 0.25) / 3, 15);
    expect(nllLoss(x, [0, 1, 1], { weight: [2, 0.5] }).item()).toBeCloseTo((2 + 1.5 + 0.125) / 3, 15);
    expect(nllLoss(x, [0, 1, 1], { weight: [2, 0.5], reduction: 'none' }).toArray()).toEqual([2, 1.5, 0.125]);
    expect(nllLoss(tensor([-1, -2]), tensor(1)).item()).toBe(2); // a single sample: [C] and a scalar target
  });

  test('gradient checks, both modes', () => {
    assertGrad((x) => nllLoss(x, [3, -100, 1, 1, 0], { weight: [1, 2, 0.5, 3], ignoreIndex: -100 }), [logp], { order: 2 });
  });

  test('errors', () => {
    expectError(() => nllLoss(logp, [3, 0]), ShapeError, "nllLoss: target must be class indices of shape [5] (logProbs' shape without its last axis, the classes), got logProbs [5, 4] and target [2]");
    expectError(() => nllLoss(logp, [3, 0, 1, 4, 0]), ValueError, 'nllLoss: class indices must be integers in [0, 4), got 4 at position 3');
    expectError(() => nllLoss(logp, [3, 0, 1, 1, 0], { weight: [1, 2, 3] }), ShapeError, 'nllLoss: weight must hold one value per class, shape [4], got shape [3]');
    expectError(() => nllLoss(tensor(1), tensor(0)), ShapeError, 'nllLoss: logProbs needs a class axis, got shape []');
    expectError(() => nllLoss([[0]] as unknown as Tensor, [0]), ValueError, 'nllLoss: logProbs must be a Tensor, got an array of length 1; make one with tensor(…)');
  });
});

describe('klDiv', () => {
  const p = [[0.5, 0.25, 0.25], [0, 1, 0]];
  const q = [[0.25, 0.25, 0.5], [0.2, 0.6, 0.2]];
  const input = tensor(q.map((r) => r.map(Math.log)));
  const terms = p.flatMap((r, n) => r.map((pc, c) => (pc === 0 ? 0 : pc * Math.log(pc / q[n]![c]!))));
  const kl = terms.reduce((a, b) => a + b, 0);

  test("by hand: 'mean' over every element, 'batchmean' over the samples (the true mean KL divergence), 'sum', 'none'", () => {
    close(klDiv(input, p, { reduction: 'none' }), terms);
    expect(klDiv(input, p, { reduction: 'sum' }).item()).toBeCloseTo(kl, 15);
    expect(klDiv(input, p, { reduction: 'batchmean' }).item()).toBeCloseTo(kl / 2, 15);
    expect(klDiv(input, p).item()).toBeCloseTo(kl / 6, 15);
    expect(klDiv(tensor(-1), tensor(0.5), { reduction: 'batchmean' }).item()).toBeCloseTo(0.5 * (Math.log(0.5) + 1), 15); // a scalar: the sum
  });

  test('logTarget takes log p; a zero probability costs 0 even against log q = −∞, with finite gradients', () => {
    const logP = tensor(p.map((r) => r.map(Math.log)));
    close(klDiv(input, logP, { logTarget: true, reduction: 'none' }), terms);
    const masked = tensor([[-Infinity, 0]], { requiresGrad: true });
    const target = tensor([[0, 1]], { requiresGrad: true });
    const loss = klDiv(masked, target, { reduction: 'sum' });
    expect(loss.item()).toBe(0);
    loss.backward();
    expect(masked.grad!.toArray()).toEqual([[0, -1]]);
    expect(target.grad!.toArray()).toEqual([[0, 1]]); // log 1 − 0 + 1; at p = 0 the term is held at 0
    expect(klDiv(masked, tensor([[-Infinity, 0]]), { logTarget: true, reduction: 'sum' }).item()).toBe(0);
  });

  test('gradient checks in input and target, to second order, both modes', () => {
    const x = logSoftmax(randn([3, 4], { seed: 12 }), -1);
    const t = softmax(randn([3, 4], { seed: 13 }), -1);
    assertGrad((x, t) => klDiv(x, t, { reduction: 'batchmean' }), [x, t], { order: 2 });
    assertGrad((x, t) => klDiv(x, t, { logTarget: true, reduction: 'none' }), [x, t.log()], { order: 2 });
  });

  test('errors', () => {
    expectError(() => klDiv(input, [[0.5, 0.5]]), ShapeError, 'klDiv: input and target must have the same shape, got input [2, 3] and target [1, 2]');
    expectError(() => klDiv(input, p, { logTarget: 'yes' as never }), ValueError, 'klDiv: logTarget must be true or false, got "yes"');
  });
});

describe('gaussianNllLoss', () => {
  const mean = tensor([[1, 2], [0, -1]]);
  const target = tensor([[0, 2], [1, 1]]);
  const v = [[0.5, 2], [1, 4]];
  const each = (m: number, y: number, s: number): number => 0.5 * (Math.log(s) + (m - y) ** 2 / s);

  test('by hand; full adds ½ log 2π; one variance per row as [N] or [N, 1]', () => {
    const want = [each(1, 0, 0.5), each(2, 2, 2), each(0, 1, 1), each(-1, 1, 4)];
    close(gaussianNllLoss(mean, target, v, { reduction: 'none' }), want);
    expect(gaussianNllLoss(mean, target, tensor(v), { full: true, reduction: 'sum' }).item()).toBeCloseTo(want.reduce((a, b) => a + b) + 2 * Math.log(2 * Math.PI), 14);
    const rows = [each(1, 0, 0.5), each(2, 2, 0.5), each(0, 1, 4), each(-1, 1, 4)];
    close(gaussianNllLoss(mean, target, [0.5, 4], { reduction: 'none' }), rows);
    close(gaussianNllLoss(mean, target, [[0.5], [4]], { reduction: 'none' }), rows);
    expect(gaussianNllLoss(tensor([1, 3]), [0, 0], 2).item()).toBeCloseTo((each(1, 0, 2) + each(3, 0, 2)) / 2, 15); // [N] with a scalar variance
  });

  test('a variance below eps is raised to eps in the value, while its gradient passes through as PyTorch\'s', () => {
    const s = tensor([1e-9, 0.5], { requiresGrad: true });
    const loss = gaussianNllLoss(tensor([0.1, 1]), [0, 0], s, { reduction: 'sum' });
    expect(loss.item()).toBeCloseTo(each(0.1, 0, 1e-6) + each(1, 0, 0.5), 6);
    loss.backward();
    // ∂/∂σ² of ½(log σ² + d²/σ²) at σ² = eps: ½(1/eps − d²/eps²)
    expect(s.grad!.data[0]).toBeCloseTo(0.5 * (1 / 1e-6 - 0.01 / 1e-12), -2);
    expect(s.grad!.data[1]).toBeCloseTo(0.5 * (1 / 0.5 - 1 / 0.25), 14);
    expect(s.grad!.data[0]).not.toBe(0); // a plain maximum(σ², eps) would cut it off
  });

  test('gradient checks in mean, target and variance, to second order, both modes', () => {
    assertGrad((m, y, s) => gaussianNllLoss(m, y, s), [randn([3, 2], { seed: 14 }), randn([3, 2], { seed: 15 }), tensor([[0.5, 1.5], [2, 0.3], [1, 0.8]])], { order: 2 });
    assertGrad((m, s) => gaussianNllLoss(m, [1, 0, -1], s, { full: true, reduction: 'none' }), [randn([3], { seed: 16 }), tensor(0.7)], { order: 2 });
  });

  test('errors', () => {
    expectError(() => gaussianNllLoss(mean, target, [1, 2, 3]), ShapeError, "gaussianNllLoss: variance must have mean's shape [2, 2], or [2] or [2, 1] for one variance per row, got [3]");
    expectError(() => gaussianNllLoss(mean, target, [[1, 2]]), ShapeError, "gaussianNllLoss: variance must have mean's shape [2, 2], or [2] or [2, 1] for one variance per row, got [1, 2]");
    expectError(() => gaussianNllLoss(mean, [1, 2], v), ShapeError, 'gaussianNllLoss: mean and target must have the same shape, got mean [2, 2] and target [2]');
    expectError(() => gaussianNllLoss(mean, target, [[1, 2], [-0.5, 1]]), ValueError, 'gaussianNllLoss: variance must be ≥ 0, got -0.5 at position 2 (shape [2, 2])');
    expectError(() => gaussianNllLoss(mean, target, v, { eps: 0 }), ValueError, 'gaussianNllLoss: eps must be > 0, got 0');
    expectError(() => gaussianNllLoss(mean, target, v, { eps: NaN }), ValueError, 'gaussianNllLoss: eps must be a finite number, got NaN');
    expectError(() => gaussianNllLoss(mean, target, 'wide' as never), ValueError, 'gaussianNllLoss: variance must be a Tensor or nested arrays of numbers, got string wide');
  });
});

describe('poissonNllLoss', () => {
  const x = [0.5, 1, 2, -1];
  const y = [0, 1, 2.5, 3];
  const stirling = (k: number): number => (k > 1 ? k * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI * k) : 0);

  test('by hand: from log-rates (default) and rates; full adds Stirling where y > 1', () => {
    close(poissonNllLoss(tensor(x), tensor(y), { reduction: 'none' }), x.map((v, i) => Math.exp(v) - y[i]! * v));
    close(poissonNllLoss(tensor(x), tensor(y), { full: true, reduction: 'none' }), x.map((v, i) => Math.exp(v) - y[i]! * v + stirling(y[i]!)));
    const rates = x.map(Math.abs);
    close(poissonNllLoss(tensor(rates), tensor(y), { logInput: false, eps: 0.1, reduction: 'none' }), rates.map((v, i) => v - y[i]! * Math.log(v + 0.1)));
    expect(poissonNllLoss(tensor([0]), tensor([0]), { logInput: false }).item()).toBe(0); // 0·log(1e-8)
  });

  test('gradient checks in input and target (full, with y > 1), both modes', () => {
    assertGrad((v, t) => poissonNllLoss(v, t, { full: true }), [tensor([0.5, -0.3, 1.2]), tensor([1.5, 2, 4])], { order: 2 });
    assertGrad((v) => poissonNllLoss(v, [0, 1, 3], { logInput: false, full: true, reduction: 'sum' }), [tensor([0.5, 1.3, 2.2])], { order: 2 });
  });

  test('errors', () => {
    expectError(() => poissonNllLoss(tensor(x), tensor(y), { eps: -1 }), ValueError, 'poissonNllLoss: eps must be ≥ 0, got -1');
    expectError(() => poissonNllLoss(tensor(x), tensor(y), { full: 1 as never }), ValueError, 'poissonNllLoss: full must be true or false, got 1');
    expectError(() => poissonNllLoss(tensor(x), [1]), ShapeError, 'poissonNllLoss: input and target must have the same shape, got input [4] and target [1]');
  });
});

describe('the losses fit and evaluate know by name', () => {
  test('each name is its function with the defaults; those comparing same-shaped targets are marked for fit\'s shape check', () => {
    const p = randn([3, 2], { seed: 20 });
    const y = randn([3, 2], { seed: 21 });
    const labels = tensor([1, 0, 1]);
    expect(resolveLoss('fit', 'huberLoss')(p, y).item()).toBe(huberLoss(p, y).item());
    expect(resolveLoss('fit', 'smoothL1Loss')(p, y).item()).toBe(smoothL1Loss(p, y).item());
    expect(resolveLoss('fit', 'poissonNllLoss')(p, y.abs()).item()).toBe(poissonNllLoss(p, y.abs()).item());
    expect(resolveLoss('fit', 'nllLoss')(p, labels).item()).toBe(nllLoss(p, labels).item());
    for (const name of ['mse', 'mae', 'binaryCrossEntropy', 'huberLoss', 'smoothL1Loss', 'poissonNllLoss']) expect(elementwiseLossName(name)).toBe(name);
    expect(elementwiseLossName(smoothL1Loss)).toBe('smoothL1Loss');
    for (const other of ['crossEntropy', 'nllLoss', nllLoss, klDiv, 'klDiv']) expect(elementwiseLossName(other)).toBeNull();
    expect(() => resolveLoss('fit', 'klDiv')).toThrow(ValueError); // its default 'mean' is not the KL divergence: give a function
  });
});
