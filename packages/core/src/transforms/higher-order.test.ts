import { GradError, Rng, Tensor, exp, grad, hessian, hvp, jacobian, jvp, randn, tanh, tensor, valueAndGrad, ValueError } from '@adjoint/core';

/** Rosenbrock's function (1 − x)² + 100(y − x²)² of p = [x, y]. */
function rosenbrock(p: Tensor): Tensor {
  const x = p.slice([0], [1]).sum();
  const y = p.slice([1], [1]).sum();
  return x.neg().add(1).square().add(y.sub(x.square()).square().mul(100));
}

/** Its Hessian by hand: [[2 − 400(y − x²) + 800x², −400x], [−400x, 200]]. */
function rosenbrockHessian(x: number, y: number): number[][] {
  return [[2 - 400 * (y - x * x) + 800 * x * x, -400 * x], [-400 * x, 200]];
}

describe('forward mode', () => {
  it('carries tangents through each op: the dot of exp(x²) is 2x·exp(x²)·ẋ', () => {
    const [value, dot] = jvp((x) => x.square().exp(), [0.7], [2]);
    expect(value.item()).toBeCloseTo(Math.exp(0.49), 14);
    expect(dot.item()).toBeCloseTo(2 * 0.7 * Math.exp(0.49) * 2, 13);
  });

  it('runs the function once and records nothing for reverse mode', () => {
    let calls = 0;
    const [out] = jvp((x) => { calls++; return x.mul(3); }, [tensor([1, 2])], [tensor([1, 0])]);
    expect(calls).toBe(1);
    expect(out.requiresGrad).toBe(false);
  });

  it('several inputs: the tangent is the sum of the partial contributions', () => {
    // f(x, y) = x·y + sin(x): ḟ = (y + cos x)ẋ + x·ẏ.
    const [, dot] = jvp((x, y) => x.mul(y).add(x.sin()), [1.2, -0.5], [0.3, 2]);
    expect(dot.item()).toBeCloseTo((-0.5 + Math.cos(1.2)) * 0.3 + 1.2 * 2, 14);
  });

  it('rejects tangents whose shape differs from the primal', () => {
    expect(() => jvp((x) => x, [tensor([1, 2])], [tensor([1])])).toThrow(GradError);
    expect(() => jvp((x) => x, [tensor([1, 2])], [])).toThrow(ValueError);
  });
});

describe('derivatives of any order', () => {
  it.each([-1.5, 0.3, 2])('second derivative of tanh is −2·tanh·(1 − tanh²) at %p', (x) => {
    const t = Math.tanh(x);
    expect(grad(grad((v) => tanh(v)))(x).item()).toBeCloseTo(-2 * t * (1 - t * t), 13);
  });

  it.each([-0.4, 0.1, 0.9])('third derivative of exp(2x) is 8·exp(2x) at %p', (x) => {
    expect(grad(grad(grad((v) => exp(v.mul(2)))))(x).item()).toBeCloseTo(8 * Math.exp(2 * x), 11);
  });

  it('forward over forward: the second derivative of x³ by nested jvp is 6x', () => {
    const inner = (x: Tensor) => jvp((w) => w.mul(w).mul(w), [x], [1])[1];
    expect(jvp(inner, [2], [1])[1].item()).toBe(12);
  });

  it('reverse over forward: the gradient of a jvp', () => {
    // d/dx of (d/dx Σ exp(x)·1) = exp(x).
    expect(grad((x) => jvp((w) => w.exp().sum(), [x], [tensor(1)])[1])(0.3).item()).toBeCloseTo(Math.exp(0.3), 14);
  });

  it('does not confuse the perturbations of nested derivatives: d/dx [x · d/dy (x + y)] = 1', () => {
    const inner = (x: Tensor) => grad((y: Tensor) => x.add(y))(2);
    expect(grad((x) => x.mul(inner(x)))(5).item()).toBe(1);
    const innerFwd = (x: Tensor) => jvp((y) => x.add(y), [2], [1])[1];
    expect(jvp((x) => x.mul(innerFwd(x)), [5], [1])[1].item()).toBe(1);
  });

  it('the gradient of a gradient through closures over the outer variable', () => {
    // f(x) = x · g'(x) where g(y) = x·y² at y = x: g'(y) = 2xy ⇒ f = 2x³, f' = 6x².
    const f = (x: Tensor) => x.mul(grad((y: Tensor) => x.mul(y.square()))(x));
    expect(grad(f)(1.5).item()).toBeCloseTo(6 * 1.5 * 1.5, 13);
  });
});

describe('Jacobians, Hessians and Hessian-vector products', () => {
  it('the Hessian of Rosenbrock at (1, 1) is [[802, −400], [−400, 200]], in both modes', () => {
    expect(hessian(rosenbrock)(tensor([1, 1])).toArray()).toEqual([[802, -400], [-400, 200]]);
    expect(hessian(rosenbrock, { mode: 'rev' })(tensor([1, 1])).toArray()).toEqual([[802, -400], [-400, 200]]);
  });

  it('the Hessian of Rosenbrock elsewhere matches the formula', () => {
    const h = hessian(rosenbrock)(tensor([0.3, -0.7])).toArray() as number[][];
    rosenbrockHessian(0.3, -0.7).forEach((row, i) => row.forEach((v, j) => expect(h[i]![j]).toBeCloseTo(v, 10)));
  });

  it('hvp equals the Hessian times the vector', () => {
    const rng = new Rng(3);
    for (let k = 0; k < 5; k++) {
      const x = tensor([rng.uniform(-2, 2), rng.uniform(-2, 2)]);
      const v = tensor([rng.uniform(-1, 1), rng.uniform(-1, 1)]);
      const expected = hessian(rosenbrock)(x).matmul(v).toArray() as number[];
      const got = hvp(rosenbrock, x, v).toArray() as number[];
      got.forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 9));
    }
  });

  it('jacobian has shape [...outShape, ...inShape] and both modes agree', () => {
    const w = randn([3, 4], { seed: 1 });
    const f = (x: Tensor) => x.tanh().matmul(w).mul(x.sum());
    const x = randn([2, 3], { seed: 2 });
    const rev = jacobian(f, { mode: 'rev' })(x);
    const fwd = jacobian(f, { mode: 'fwd' })(x);
    expect(rev.shape).toEqual([2, 4, 2, 3]);
    expect(fwd.shape).toEqual([2, 4, 2, 3]);
    rev.data.forEach((v, i) => expect(v).toBeCloseTo(fwd.data[i]!, 12));
  });

  it('jacobian of a vector function by hand: f(x) = x² · M has J[j][i] = 2xᵢ·M[i][j]', () => {
    const m = tensor([[1, 2, 3], [4, 5, 6]]);
    const expected = [[2, 16], [4, 20], [6, 24]]; // x = [1, 2]
    expect(jacobian((x) => x.square().matmul(m))(tensor([1, 2])).toArray()).toEqual(expected);
    expect(jacobian((x) => x.square().matmul(m), { mode: 'fwd' })(tensor([1, 2])).toArray()).toEqual(expected);
  });

  it('jacobian(grad(f)) is the Hessian: for f = (Σx²)(Σx), H = 2δᵢⱼΣx + 2xᵢ + 2xⱼ', () => {
    const f = (x: Tensor) => x.square().sum().mul(x.sum());
    expect(jacobian(grad(f))(tensor([1, 2])).toArray()).toEqual([[10, 6], [6, 14]]);
  });

  it('results of top-level transforms are plain values, not tied to an internal graph', () => {
    const x = tensor([0.3, -0.7]);
    const v = tensor([1, 2]);
    for (const result of [
      hessian(rosenbrock)(x),
      hessian(rosenbrock, { mode: 'rev' })(x),
      hvp(rosenbrock, x, v),
      jacobian(grad(rosenbrock))(x),
      grad(rosenbrock)(x),
      jvp(rosenbrock, [x], [v])[1],
    ]) {
      expect(result.requiresGrad).toBe(false);
    }
  });

  it('rejects an unknown mode', () => {
    expect(() => jacobian((x) => x, { mode: 'sideways' as never })).toThrow(ValueError);
  });

  it('valueAndGrad of a Hessian entry: derivatives of derivatives stay differentiable', () => {
    // d/dx of ∂²f/∂x² for f = x⁴ is 24x.
    const [value, g] = valueAndGrad((x) => grad(grad((v) => v.pow(4)))(x))(tensor(1.5));
    expect(value.item()).toBeCloseTo(12 * 1.5 * 1.5, 12);
    expect(g.item()).toBeCloseTo(24 * 1.5, 12);
  });
});
