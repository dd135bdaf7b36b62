import { ValueError } from '@adjoint/core';
import { SGD } from './sgd';
import { expectClose, param, trajectory } from '../testing/optim-helpers';

describe('SGD on f(w) = w² from w = 1 (gradient 2w)', () => {
  test('plain: w ← w − η·2w = 0.8w with η = 0.1', () => {
    const w = param([1]);
    expectClose(trajectory(w, new SGD([w], { lr: 0.1 }), 3).flat(), [0.8, 0.64, 0.512]);
  });

  test('momentum 0.9: v = 2, w = 0.8; v = 0.9·2 + 1.6 = 3.4, w = 0.8 − 0.34 = 0.46; then 0.062', () => {
    const w = param([1]);
    // third step: g = 0.92, v = 0.9·3.4 + 0.92 = 3.98, w = 0.46 − 0.398 = 0.062
    expectClose(trajectory(w, new SGD([w], { lr: 0.1, momentum: 0.9 }), 3).flat(), [0.8, 0.46, 0.062]);
  });

  test('Nesterov: the step uses g + μv', () => {
    const w = param([1]);
    // step 1: g = 2, v = 2, d = 2 + 0.9·2 = 3.8, w = 1 − 0.38 = 0.62
    // step 2: g = 1.24, v = 1.8 + 1.24 = 3.04, d = 1.24 + 0.9·3.04 = 3.976, w = 0.62 − 0.3976 = 0.2224
    expectClose(trajectory(w, new SGD([w], { lr: 0.1, momentum: 0.9, nesterov: true }), 2).flat(), [0.62, 0.2224]);
  });

  test('weight decay adds λw to the gradient', () => {
    const w = param([1, -2]);
    // g = 2w + 0.5w = 2.5w, w ← w − 0.1·2.5w = 0.75w
    expectClose(trajectory(w, new SGD([w], { lr: 0.1, weightDecay: 0.5 }), 2).flat(), [0.75, -1.5, 0.5625, -1.125]);
  });

  test('weight decay λ is the same as adding (λ/2)·Σw² to the loss, with momentum too', () => {
    const a = param([1, -2]);
    const b = param([1, -2]);
    const decayed = new SGD([a], { lr: 0.05, momentum: 0.8, weightDecay: 0.4 });
    const penalised = new SGD([b], { lr: 0.05, momentum: 0.8 });
    for (let k = 0; k < 5; k++) {
      decayed.zeroGrad();
      a.square().sum().backward();
      decayed.step();
      penalised.zeroGrad();
      b.square().sum().mul(1.2).backward(); // w² + 0.2·w²
      penalised.step();
    }
    expectClose([...a.data], [...b.data], 13);
  });

  test('validation names the optimizer and the value', () => {
    const w = param([1]);
    expect(() => new SGD([w], { lr: -0.1 })).toThrow('SGD: lr must be a finite number ≥ 0 or a schedule, got -0.1');
    expect(() => new SGD([w], { momentum: 1 })).toThrow('SGD: momentum must be in [0, 1), got 1');
    expect(() => new SGD([w], { momentum: -0.5 })).toThrow(ValueError);
    expect(() => new SGD([w], { weightDecay: -1 })).toThrow(/SGD: weightDecay .* got -1/);
    expect(() => new SGD([w], { nesterov: true })).toThrow(/nesterov needs momentum > 0/);
  });
});
