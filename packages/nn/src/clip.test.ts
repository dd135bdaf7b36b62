import { ValueError, tensor } from '@adjoint/core';
import { clipGradNorm, clipGradValue } from './clip';
import { mlp } from './layers/index';

function withGrad(values: number[], grad: number[] | null) {
  const p = tensor(values, { requiresGrad: true });
  p.grad = grad === null ? null : tensor(grad);
  return p;
}

describe('clipGradNorm', () => {
  test('scales all gradients jointly to maxNorm and returns the norm before clipping', () => {
    const a = withGrad([0, 0], [3, 4]);
    const b = withGrad([0], [12]);
    const c = withGrad([0], null);
    const gradA = a.grad;
    expect(clipGradNorm([a, b, c], 6.5)).toBe(13); // √(9 + 16 + 144)
    expect(a.grad).toBe(gradA); // in place
    expect(a.grad!.toArray()).toEqual([1.5, 2]);
    expect(b.grad!.toArray()).toEqual([6]);
    expect(c.grad).toBeNull();
  });

  test('leaves gradients alone when the norm is already small enough', () => {
    const a = withGrad([0, 0], [3, 4]);
    expect(clipGradNorm([a], 10)).toBe(5);
    expect(a.grad!.toArray()).toEqual([3, 4]);
  });

  test('accepts a module; rejects a bad maxNorm', () => {
    const model = mlp([2, 2], { seed: 0 });
    model.forward(tensor([[100, 100]])).sum().backward();
    expect(clipGradNorm(model, 1)).toBeGreaterThan(1);
    const total = Math.sqrt(model.parameters().reduce((s, p) => s + p.grad!.square().sum().item(), 0));
    expect(total).toBeCloseTo(1, 12);
    expect(() => clipGradNorm([], 0)).toThrow('clipGradNorm: maxNorm must be a finite number > 0, got 0');
  });
});

describe('clipGradValue', () => {
  test('clamps each element to [−v, v]', () => {
    const a = withGrad([0, 0, 0], [-5, 0.5, 3]);
    clipGradValue([a], 1);
    expect(a.grad!.toArray()).toEqual([-1, 0.5, 1]);
    expect(() => clipGradValue([a], -1)).toThrow(ValueError);
  });
});
