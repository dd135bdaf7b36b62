/**
 * Losses at ±1000: binary cross-entropy (from logits and from probabilities) and categorical
 * cross-entropy (logits and probabilities, class indices and one-hot targets) give finite values with
 * finite gradients in reverse and forward mode, and the exact values where those are known.
 */
import { Tensor, grad, jvp, ones, sigmoid, softmax, tensor } from '@adjoint/core';
import { Dense, Sequential, Sigmoid, Softmax, binaryCrossEntropy, crossEntropy, mae, mse } from '@adjoint/nn';

function expectFinite(t: Tensor, what: string): void {
  const bad = [...t.data].findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`${what}: element ${bad} is ${t.data[bad]}`);
}

/** The loss as a function of the predictions: finite value, gradient and forward tangent. */
function expectFiniteLoss(name: string, loss: (p: Tensor) => Tensor, pred: Tensor): number {
  const value = loss(pred);
  expect(value.shape).toEqual([]);
  expectFinite(value, `${name} value`);
  expectFinite(grad(loss)(pred), `${name} gradient`);
  expectFinite(jvp(loss, [pred], [ones(pred.shape)])[1], `${name} forward tangent`);
  return value.item();
}

const logits = tensor([[1000, -1000], [-1000, 1000], [1000, 1000], [-1000, -1000], [0, 1000]]);
const binaryTargets = tensor([[1, 0], [1, 0], [0, 1], [0, 1], [1, 1]]);

describe('binary cross-entropy stays finite at ±1000', () => {
  it('from logits: finite value and gradients; exact softplus(z) − y·z values', () => {
    expectFiniteLoss('bce logits', (z) => binaryCrossEntropy(z, binaryTargets), logits);
    // z = 1000, y = 1 costs 0; z = −1000, y = 1 costs 1000; z = 1000, y = 0 costs 1000
    expect(binaryCrossEntropy(tensor([1000]), tensor([1])).item()).toBe(0);
    expect(binaryCrossEntropy(tensor([-1000]), tensor([1])).item()).toBe(1000);
    expect(binaryCrossEntropy(tensor([1000]), tensor([0])).item()).toBe(1000);
    // the gradient σ(z) − y (over n elements) is bounded by 1/n
    const g = grad((z: Tensor) => binaryCrossEntropy(z, binaryTargets))(logits);
    expect(Math.max(...[...g.data].map(Math.abs))).toBeLessThanOrEqual(1 / logits.size);
  });

  it('from probabilities: p = σ(±1000) is exactly 0 or 1, clipped to [1e-12, 1 − 1e-12], so loss and gradients stay finite', () => {
    const probs = sigmoid(logits);
    expect([...probs.data].filter((p) => p === 0 || p === 1)).toHaveLength(9);
    const value = expectFiniteLoss('bce probabilities', (p) => binaryCrossEntropy(p, binaryTargets, { fromLogits: false }), probs);
    expect(value).toBeGreaterThan(0);
    // through the sigmoid as well (the chain rule multiplies by σ' = 0 there: finite)
    expectFiniteLoss('bce through sigmoid', (z) => binaryCrossEntropy(sigmoid(z), binaryTargets, { fromLogits: false }), logits);
    // the worst case, certain and wrong, costs −log(1e-12) ≈ 27.6, not ∞
    expect(binaryCrossEntropy(tensor([0, 1]), tensor([1, 0]), { fromLogits: false }).item()).toBeCloseTo(-Math.log(1e-12), 3);
  });

  it('a Sigmoid output layer with fromLogits: false trains on saturated inputs without NaN', () => {
    const model = new Sequential([new Dense(2, 1, { seed: 1 }), new Sigmoid()]);
    const x = tensor([[1000, -1000], [-1000, 1000]]);
    const loss = binaryCrossEntropy(model.forward(x), tensor([[1], [0]]), { fromLogits: false });
    expectFinite(loss, 'loss');
    loss.backward();
    for (const [name, p] of model.namedParameters()) expectFinite(p.grad!, `${name} gradient`);
  });
});

describe('categorical cross-entropy stays finite at ±1000', () => {
  const ceLogits = tensor([[1000, -1000, 0], [-1000, 1000, -1000], [1000, 1000, 1000], [-1000, -1000, -1000]]);
  const indices = [0, 0, 2, 1];
  const oneHot = tensor([[1, 0, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]]);

  it('from logits with class indices and with one-hot targets (the same loss)', () => {
    const a = expectFiniteLoss('ce indices', (z) => crossEntropy(z, indices), ceLogits);
    const b = expectFiniteLoss('ce one-hot', (z) => crossEntropy(z, oneHot), ceLogits);
    expect(a).toBe(b);
    // row 1: the target logit is 2000 below the best → 2000; rows 0, 2, 3: 0, ln 3, ln 3
    expect(a).toBeCloseTo((0 + 2000 + Math.log(3) + Math.log(3)) / 4, 9);
  });

  it('from probabilities (softmax of ±1000 logits holds exact zeros): clipped, finite', () => {
    const probs = softmax(ceLogits);
    expect([...probs.data].some((p) => p === 0)).toBe(true);
    expectFiniteLoss('ce probabilities', (p) => crossEntropy(p, indices, { fromLogits: false }), probs);
    expectFiniteLoss('ce through softmax', (z) => crossEntropy(softmax(z), indices, { fromLogits: false }), ceLogits);
    expectFiniteLoss('ce through a Softmax module', (z) => crossEntropy(new Softmax().forward(z), oneHot, { fromLogits: false }), ceLogits);
  });

  it('soft labels at ±1000 too', () => {
    const soft = tensor([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1], [1 / 3, 1 / 3, 1 / 3], [0, 0.5, 0.5]]);
    expectFiniteLoss('ce soft labels', (z) => crossEntropy(z, soft), ceLogits);
  });
});

describe('regression losses at ±1000', () => {
  it('mse and mae are finite with finite gradients', () => {
    const target = tensor([[-1000, 1000], [1000, -1000], [0, 0], [1, 1], [-1, 0]]);
    expect(expectFiniteLoss('mse', (p) => mse(p, target), logits)).toBeGreaterThan(0);
    expect(expectFiniteLoss('mae', (p) => mae(p, target), logits)).toBeGreaterThan(0);
  });
});
