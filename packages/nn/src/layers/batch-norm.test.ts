import { ShapeError, ValueError, randn, tensor } from '@adjoint/core';
import { assertGrad } from '@adjoint/gradcheck';
import { BatchNorm } from './batch-norm';
import { functionalCall } from '../module';

describe('BatchNorm', () => {
  test('training output has per-feature mean 0 and (biased) variance ≈ 1', () => {
    const x = randn([16, 3], { seed: 1, std: 5, mean: 2 });
    const y = new BatchNorm(3).forward(x);
    const mean = y.mean(0);
    const variance = y.sub(mean).square().mean(0);
    mean.data.forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-12));
    variance.data.forEach((v) => expect(v).toBeCloseTo(1, 5));
  });

  test('running statistics follow the momentum rule with the unbiased variance (by hand)', () => {
    const bn = new BatchNorm(2);
    const x = tensor([[1, 2], [3, 6]]); // mean [2, 4]; biased var [1, 4]; unbiased var [2, 8]
    const y = bn.forward(x);
    expect(bn.runningMean.toArray()).toEqual([0.2, 0.4]); // 0.9·0 + 0.1·[2, 4]
    bn.runningVar.data.forEach((v, i) => expect(v).toBeCloseTo([1.1, 1.7][i]!, 14)); // 0.9·1 + 0.1·[2, 8]
    y.data.forEach((v, i) => expect(v).toBeCloseTo([-1, -1, 1, 1][i]! / Math.sqrt(1 + 1e-5 / [1, 4][i % 2]!), 12));
    bn.forward(x);
    bn.runningMean.data.forEach((v, i) => expect(v).toBeCloseTo([0.38, 0.76][i]!, 14)); // 0.9·0.2 + 0.2
    bn.runningVar.data.forEach((v, i) => expect(v).toBeCloseTo([1.19, 2.33][i]!, 14)); // 0.9·1.1 + 0.2
  });

  test('momentum is configurable', () => {
    const bn = new BatchNorm(1, { momentum: 0.5 });
    bn.forward(tensor([[0], [4]])); // mean 2, unbiased var 8
    expect(bn.runningMean.toArray()).toEqual([1]);
    expect(bn.runningVar.toArray()).toEqual([4.5]);
  });

  test('evaluation uses the running statistics, γ and β', () => {
    const bn = new BatchNorm(2, { eps: 1e-3 });
    bn.runningMean.data.set([1, -2]);
    bn.runningVar.data.set([4, 0.25]);
    bn.gamma.data.set([2, 1]);
    bn.beta.data.set([0, 3]);
    bn.eval();
    const y = bn.forward(tensor([[3, -1]]));
    expect(y.data[0]).toBeCloseTo((2 * (3 - 1)) / Math.sqrt(4.001), 14);
    expect(y.data[1]).toBeCloseTo((-1 + 2) / Math.sqrt(0.251) + 3, 14);
    expect(bn.runningMean.toArray()).toEqual([1, -2]); // evaluation leaves the statistics alone
    expect(bn.forward(tensor([3, -1])).shape).toEqual([2]); // a single sample works in eval
  });

  test('errors: wrong feature count, a single sample in training, bad options', () => {
    const bn = new BatchNorm(3);
    expect(() => bn.forward(randn([4, 2], { seed: 0 }))).toThrow(ShapeError);
    expect(() => bn.forward(randn([1, 3], { seed: 0 }))).toThrow(ValueError);
    expect(() => new BatchNorm(3, { momentum: 1.5 })).toThrow('BatchNorm: momentum must be in [0, 1], got 1.5');
    expect(() => new BatchNorm(3, { eps: 0 })).toThrow(ValueError);
  });

  test('gradient check in training mode (batch statistics differentiated), wrt x, γ and β', () => {
    const bn = new BatchNorm(3);
    const x = randn([4, 3], { seed: 3 });
    const gamma = randn([3], { seed: 4 });
    const beta = randn([3], { seed: 5 });
    assertGrad((x, gamma, beta) => functionalCall(bn, { gamma, beta }, x), [x, gamma, beta], { order: 1 });
  });

  test('gradient check in evaluation mode', () => {
    const bn = new BatchNorm(3);
    bn.forward(randn([6, 3], { seed: 6 }));
    bn.eval();
    assertGrad((x, gamma) => functionalCall(bn, { gamma }, x), [randn([2, 3], { seed: 7 }), randn([3], { seed: 8 })], { order: 2 });
  });
});
