import { Adagrad } from './adagrad';
import { RMSprop } from './rmsprop';
import { expectClose, param, trajectory } from '../testing/optim-helpers';

describe('Adagrad on f(w) = w² from w = 1, η = 0.1', () => {
  test('two steps by hand: s accumulates g²', () => {
    const w = param([1]);
    const eps = 1e-10;
    // step 1: g = 2, s = 4, w = 1 − 0.1·2/(2 + ε) ≈ 0.9
    const w1 = 1 - (0.1 * 2) / (2 + eps);
    // step 2: g = 2w₁ ≈ 1.8, s = 4 + g², w = w₁ − 0.1·g/(√s + ε)
    const g = 2 * w1;
    const w2 = w1 - (0.1 * g) / (Math.sqrt(4 + g * g) + eps);
    expectClose(trajectory(w, new Adagrad([w], { lr: 0.1 }), 2).flat(), [w1, w2], 14);
    expect(w2).toBeCloseTo(0.9 - 0.18 / Math.sqrt(7.24), 8);
  });

  test('each weight gets its own rate: the first step moves every weight by η', () => {
    const w = param([1, -100]);
    expectClose(trajectory(w, new Adagrad([w], { lr: 0.1 }), 1).flat(), [0.9, -99.9], 9);
  });

  test('validation', () => {
    const w = param([1]);
    expect(() => new Adagrad([w], { eps: -1 })).toThrow('Adagrad: eps must be in [0, ∞), got -1');
    expect(() => new Adagrad([w], { lr: Infinity })).toThrow(/Adagrad: lr .* got Infinity/);
  });
});

describe('RMSprop on f(w) = w² from w = 1, η = 0.01, ρ = 0.9', () => {
  test('two steps by hand: s is a decaying average of g²', () => {
    const w = param([1]);
    const [lr, rho, eps] = [0.01, 0.9, 1e-8];
    // step 1: g = 2, s = 0.1·4 = 0.4, w = 1 − 0.01·2/(√0.4 + ε) ≈ 0.968377
    const s1 = (1 - rho) * 4;
    const w1 = 1 - (lr * 2) / (Math.sqrt(s1) + eps);
    // step 2: g = 2w₁, s = 0.9·0.4 + 0.1·g²
    const g = 2 * w1;
    const s2 = rho * s1 + (1 - rho) * g * g;
    const w2 = w1 - (lr * g) / (Math.sqrt(s2) + eps);
    expectClose(trajectory(w, new RMSprop([w], { lr, rho }), 2).flat(), [w1, w2], 14);
    expect(w1).toBeCloseTo(0.968377, 6);
  });

  test('validation', () => {
    const w = param([1]);
    expect(() => new RMSprop([w], { rho: 1 })).toThrow('RMSprop: rho must be in [0, 1), got 1');
  });
});
