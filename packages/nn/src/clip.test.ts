import { GradError, Tensor, ValueError, tensor } from '@adjoint/core';
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
    // PyTorch's coefficient maxNorm/(‖g‖ + 1e-6), so results match torch.nn.utils.clip_grad_norm_.
    const coef = 6.5 / (13 + 1e-6);
    expect(a.grad!.toArray()).toEqual([3 * coef, 4 * coef]);
    expect(b.grad!.toArray()).toEqual([12 * coef]);
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
    const before = clipGradNorm(model, 1);
    expect(before).toBeGreaterThan(1);
    const total = Math.sqrt(model.parameters().reduce((s, p) => s + p.grad!.square().sum().item(), 0));
    expect(total).toBeCloseTo(before / (before + 1e-6), 12); // 1, less PyTorch's ε
    expect(total).toBeLessThan(1);
    expect(() => clipGradNorm([], 0)).toThrow('clipGradNorm: maxNorm must be a finite number > 0, got 0');
  });
});

describe('clipGradNorm at the ends of the float64 range', () => {
  test('squares that overflow: the norm is still found, and the gradients scaled to maxNorm rather than zeroed', () => {
    const a = withGrad([0, 0], [3e200, 4e200]);
    const b = withGrad([0], [1]);
    const total = clipGradNorm([a, b], 1);
    expect(total / 5e200).toBeCloseTo(1, 15); // √(9e400 + 16e400 + 1), where 9e400 is already ∞ in float64
    const coef = 1 / (total + 1e-6);
    a.grad!.data.forEach((g, i) => expect(g).toBeCloseTo([3e200, 4e200][i]! * coef, 15));
    expect(b.grad!.item() / coef).toBeCloseTo(1, 15);
  });

  test('the largest doubles: the norm is found (the power of two it scales by stays finite) and the clipped norm is maxNorm', () => {
    for (const [values, norm] of [[[Number.MAX_VALUE, 0], Number.MAX_VALUE], [[Number.MAX_VALUE / 2, -Number.MAX_VALUE / 4], Number.MAX_VALUE * Math.sqrt(5 / 16)]] as const) {
      const a = withGrad([0, 0], [...values]);
      const total = clipGradNorm([a], 1);
      expect(total / norm).toBeCloseTo(1, 15);
      const [x, y] = a.grad!.toArray() as number[];
      expect(Math.hypot(x!, y!)).toBeCloseTo(1, 15); // 1e-6 is lost in such a norm: maxNorm to rounding
    }
  });

  test('squares that underflow: a tiny norm is still found', () => {
    const a = withGrad([0, 0], [3e-200, 4e-200]);
    expect(clipGradNorm([a], 1) / 5e-200).toBeCloseTo(1, 15);
    expect(a.grad!.toArray()).toEqual([3e-200, 4e-200]);
  });

  test('an infinite gradient: the norm is ∞ and the gradients scaled by 0, as PyTorch does (so the step refuses the NaN)', () => {
    const a = withGrad([0, 0], [Infinity, 1]);
    expect(clipGradNorm([a], 1)).toBe(Infinity);
    expect(a.grad!.toArray()).toEqual([NaN, 0]);
  });
});

describe('gradients recorded by backward(undefined, {createGraph: true})', () => {
  test('are refused, naming the function and the parameter, before any gradient is changed', () => {
    const a = withGrad([0, 0], [30, 40]);
    const b = tensor([1, 2], { requiresGrad: true });
    b.square().sum().backward(undefined, { createGraph: true });
    for (const [clip, name] of [[(ps: Tensor[]) => clipGradNorm(ps, 1), 'clipGradNorm'], [(ps: Tensor[]) => clipGradValue(ps, 1), 'clipGradValue']] as const) {
      expect(() => clip([a, b])).toThrow(GradError);
      expect(() => clip([a, b])).toThrow(new RegExp(`^${name}: the gradient of parameter 1 \\(shape \\[2\\]\\) was recorded by backward\\(…, \\{createGraph: true\\}\\)`));
      expect(a.grad!.toArray()).toEqual([30, 40]); // not clipped halfway
    }
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
