import { ShapeError, Tensor, ValueError, oneHot, randn, softmax, tensor } from '@adjoint/core';
import { assertGrad } from '@adjoint/gradcheck';
import { binaryCrossEntropy, crossEntropy, l1, l2, mae, mse } from './losses';
import { mlp } from './layers/index';

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
