import { Tensor, ValueError, customVjp, grad, hessian, jacobian, jvp, tensor, valueAndGrad, vjp, type JacobianOptions } from '@adjoint/core';

describe('vjp: the pullback is a function of its cotangent', () => {
  // f(y) = y·sin(y): the pullback maps c to c·(sin y + y·cos y), linear in c.
  const x = tensor([0.3, 0.5]);
  const slope = (x.toArray() as number[]).map((v) => Math.sin(v) + v * Math.cos(v));
  const f = (y: Tensor) => y.sin().mul(y);

  it('differentiates under grad even when vjp ran outside it', () => {
    const [, pullback] = vjp(f, x);
    const g = grad((c) => pullback(c)[0]!.sum())(tensor([1, 1])).toArray() as number[];
    g.forEach((v, i) => expect(v).toBeCloseTo(slope[i]!, 15));
  });

  it('records its pass for a cotangent that requires grad', () => {
    const [, pullback] = vjp(f, x);
    const c = tensor([1, 1], { requiresGrad: true });
    pullback(c)[0]!.sum().backward();
    (c.grad!.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(slope[i]!, 15));
  });

  it('carries tangents of the cotangent', () => {
    const [, pullback] = vjp(f, x);
    const [, dot] = jvp((c) => pullback(c)[0]!, [tensor([1, 1])], [tensor([1, 1])]);
    (dot.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(slope[i]!, 15));
  });
});

/** `run` throws a ValueError with exactly this message (toThrow(error) compares messages only). */
function expectValueError(run: () => unknown, message: string): void {
  expect(run).toThrow(ValueError);
  expect(run).toThrow(new ValueError(message));
}

describe('what a transform returns is the caller’s alone', () => {
  it('a function returning a tensor it closed over gives a copy of it, in vjp, valueAndGrad and jvp', () => {
    const c = tensor([1, 2]);
    const [fromVjp] = vjp(() => c, tensor([0, 0]));
    const [fromValueAndGrad] = valueAndGrad(() => c.sum().mul(1), 0)(tensor([0, 0]));
    const [fromJvp] = jvp(() => c, [tensor([0, 0])], [tensor([1, 1])]);
    expect(fromJvp).not.toBe(c);
    fromVjp.assign([9, 9]);
    fromJvp.assign([9, 9]);
    fromValueAndGrad.assign(9);
    expect(c.toArray()).toEqual([1, 2]);
  });
});

describe('arguments and options of the transforms', () => {
  it('refuses argnums that are not argument indices with a ValueError naming the transform', () => {
    const f = (x: Tensor) => x.square();
    expectValueError(() => grad(f, {} as never)(1), 'grad: argnums must be an argument index or a list of them, got an object');
    expectValueError(() => grad(f, null as never)(1), 'grad: argnums must be an argument index or a list of them, got null');
    expectValueError(() => valueAndGrad(f, '0' as never)(1), 'valueAndGrad: argnums must be an argument index or a list of them, got "0"');
    expectValueError(() => grad(f, [null] as never)(1), 'grad: argnum null is out of range for 1 argument(s)');
    expectValueError(() => grad(f, 1)(1), 'grad: argnum 1 is out of range for 1 argument(s)');
  });

  it('counts a negative argnum from the end, as JAX does', () => {
    // f(x, y, z) = x·y² + z³: ∂f/∂z = 3z², ∂f/∂y = 2xy.
    const f = (x: Tensor, y: Tensor, z: Tensor) => x.mul(y.square()).add(z.pow(3));
    expect(grad(f, -1)(2, 3, 4).item()).toBe(48);
    expect(grad(f, [-2, 0])(2, 3, 4).map((g) => g.item())).toEqual([12, 9]);
    const [value, gz] = valueAndGrad(f, -1)(2, 3, 4);
    expect([value.item(), gz.item()]).toEqual([82, 48]);
    expectValueError(() => grad(f, -4)(2, 3, 4), 'grad: argnum -4 is out of range for 3 argument(s)');
  });

  it('a repeated argnum gives the gradient again, as a tensor of its own', () => {
    const [a, b] = grad((x: Tensor) => x.square().sum(), [0, 0])(tensor([1, 2]));
    expect([a!.toArray(), b!.toArray()]).toEqual([[2, 4], [2, 4]]);
    a!.assign([0, 0]);
    expect(b!.toArray()).toEqual([2, 4]);
  });

  it('jacobian and hessian take one argument: a second is refused, not dropped', () => {
    // Dropped, y would fall back to its default and the result would be d/dx of x·1.
    const f = (x: Tensor, y: Tensor = tensor(1)) => x.mul(y).sum();
    const message = 'takes one argument, got 2; for a function of several, close over the others: (x) => f(x, y)';
    expectValueError(() => (jacobian(f) as (...a: Tensor[]) => Tensor)(tensor([1, 2]), tensor(3)), `jacobian: ${message}`);
    expectValueError(() => (hessian(f) as (...a: Tensor[]) => Tensor)(tensor([1, 2]), tensor(3)), `hessian: ${message}`);
    expectValueError(() => [tensor([1, 2])].map(jacobian(f) as never), 'jacobian: takes one argument, got 3; from Array.map, which passes the index and the array too, call it as .map((x) => jacobian(f)(x))');
  });

  it('refuses a misspelt option of jacobian and hessian rather than using the default', () => {
    expectValueError(() => jacobian((x) => x, { mdoe: 'fwd' } as never), "jacobian: unknown option 'mdoe'; the options are mode");
    expectValueError(() => hessian((x) => x.sum(), { mdoe: 'rev' } as never), "hessian: unknown option 'mdoe'; the options are mode");
  });

  it('hessian runs forward over reverse unless told otherwise, options given or not', () => {
    // Forward mode evaluates f once per input element; reverse mode once in all.
    const callsOf = (options?: JacobianOptions) => {
      let calls = 0;
      const h = hessian((x) => { calls++; return x.pow(3).sum(); }, options)(tensor([1, 2, 3]));
      expect(h.toArray()).toEqual([[6, 0, 0], [0, 12, 0], [0, 0, 18]]);
      return calls;
    };
    expect(callsOf()).toBe(3);
    expect(callsOf({})).toBe(3);
    expect(callsOf({ mode: 'rev' })).toBe(1);
  });
});

describe('the value a reverse transform returns under jvp', () => {
  // f(x) = x³: the value moves at f'(x) = 3x², the second derivative is 6x.
  const cube = (x: Tensor) => x.pow(3).sum();

  it('carries its tangent: jvp of the value of valueAndGrad or vjp is f′', () => {
    expect(jvp((x) => valueAndGrad(cube)(x)[0], [tensor(2)], [tensor(1)])[1].item()).toBe(12);
    expect(jvp((x) => vjp(cube, x)[0], [tensor(2)], [tensor(1)])[1].item()).toBe(12);
    expect(jvp((x) => vjp((y) => y, x)[0], [tensor(2)], [tensor(3)])[1].item()).toBe(3);
  });

  it('carries tangents of tangents, and stays a plain value', () => {
    const second = jvp((z) => jvp((x) => vjp(cube, x)[0], [z], [tensor(1)])[1], [tensor(2)], [tensor(1)]);
    expect(second[1].item()).toBe(12);
    expect([second[0].requiresGrad, second[1].requiresGrad]).toEqual([false, false]);
  });
});

describe('a function closing over tracked tensors (a model\'s weights)', () => {
  // f(x) = Σ tanh(x·W): its input gradient is a function of W, and a loss built from it (a
  // gradient penalty, a physics-informed residual) must send W its share.
  const x0 = tensor([[0.3, -0.7, 0.2]]);
  const w0 = [[0.5, -0.4], [0.9, 0.1], [-0.3, 0.8]];
  const penaltyOf = (w: Tensor, record: (x: Tensor) => Tensor) => record(x0).square().sum().add(w.sum());
  const inputGrad = (w: Tensor) => grad((x: Tensor) => x.matmul(w).tanh().sum());

  it('grad records its pass, so the penalty differentiates with respect to W (against finite differences)', () => {
    const w = tensor(w0, { requiresGrad: true });
    const g = inputGrad(w)(x0);
    expect(g.requiresGrad).toBe(true);
    penaltyOf(w, () => g).backward();
    const h = 1e-6;
    const at = (i: number, j: number, d: number) => {
      const shifted = w0.map((row, r) => row.map((v, c) => (r === i && c === j ? v + d : v)));
      const ws = tensor(shifted);
      return penaltyOf(ws, inputGrad(ws)).item();
    };
    const analytic = w.grad!.toArray() as number[][];
    w0.forEach((row, i) => row.forEach((_, j) => expect(analytic[i]![j]!).toBeCloseTo((at(i, j, h) - at(i, j, -h)) / (2 * h), 8)));
  });

  it('vjp and valueAndGrad return values and gradients tied to W; without tracked tensors nothing is recorded', () => {
    const w = tensor(w0, { requiresGrad: true });
    const [value, g] = valueAndGrad((x: Tensor) => x.matmul(w).tanh().sum())(x0);
    expect([value.requiresGrad, g.requiresGrad]).toEqual([true, true]);
    const plain = grad((x: Tensor) => x.matmul(tensor(w0)).tanh().sum())(x0);
    expect(plain.requiresGrad).toBe(false);
  });
});

describe('the closure test inside a pass under way', () => {
  it('a custom rule calling grad on a function closing over a tracked tensor leaves the outer pass intact', () => {
    const w = tensor([2, 3], { requiresGrad: true });
    // f(x) = x·w elementwise with the rule written through grad: d/dx Σ g·x·w = g·w.
    const x = tensor([1, -1], { requiresGrad: true });
    const shared = x.mul(x); // reached by the outer pass twice: through scaled, and directly
    // The rule's function also closes over `shared` (times 0), so the test walks into the outer
    // pass's tape while that pass is under way, and must give back the marks it finds there.
    const rule = (z: Tensor, g: Tensor) => z.mul(w).mul(g).add(shared.mul(0)).sum();
    // (v detached, so that it is the closure alone that asks for the pass to be recorded)
    // (w an argument of scaled, whose rule gives it no cotangent: a closure over it would be refused)
    const scaled = customVjp(function scaled(v: Tensor, u: Tensor) { return v.mul(u); }, ([v], _out, g) => [grad((z: Tensor) => rule(z, g))(v!.detach()), null]);
    shared.add(scaled(shared, w)).sum().backward(undefined, { createGraph: true }); // rules run recorded: the test runs
    // d/dx Σ (x² + x²·w) = 2x(1 + w)
    expect(Array.from(x.grad!.data)).toEqual([2 * 1 * 3, 2 * -1 * 4]);
  });
});

describe("hasAux: something beside the output (JAX's has_aux)", () => {
  const loss = (w: Tensor, x: Tensor): [Tensor, { predictions: Tensor; scale: number; parts: Tensor[] }] => {
    const predictions = x.mul(w);
    return [predictions.square().sum(), { predictions, scale: 2, parts: [w, predictions.sum()] }];
  };
  const [w, x] = [tensor([1, 2]), tensor([3, 4])];

  it('grad gives [grads, aux] and valueAndGrad [[value, aux], grads], with the gradients of the output alone', () => {
    const [g, aux] = grad(loss, 0, { hasAux: true })(w, x);
    expect(g.toArray()).toEqual([18, 64]); // d/dw Σ(xw)² = 2x²w
    expect(aux.predictions.toArray()).toEqual([3, 8]);
    expect(aux.scale).toBe(2);
    expect(aux.parts[1]!.item()).toBe(11);
    const [[value, again], grads] = valueAndGrad(loss, [0, 1], { hasAux: true })(w, x);
    expect(value.item()).toBe(73);
    expect(again.predictions.toArray()).toEqual([3, 8]);
    expect(grads.map((t) => t.toArray())).toEqual([[18, 64], [6, 32]]); // d/dx = 2xw²
    const [, count] = grad((t: Tensor) => [t.sum(), t.size], 0, { hasAux: true })(w); // the tuple's type is inferred
    const size: number = count;
    expect(size).toBe(2);
  });

  it("aux leaves as the value does (JAX): cut from the graph outside any transform, not an argument's array, differentiated by an enclosing grad", () => {
    const [, aux] = grad(loss, 0, { hasAux: true })(w, x);
    expect(aux.predictions.requiresGrad).toBe(false);
    expect(aux.parts[0]!.data).not.toBe(w.data);
    aux.parts[0]!.assign(tensor([0, 0]));
    expect(w.toArray()).toEqual([1, 2]);
    // d/dw Σ (x·w) through aux = x, and d/dw of the gradient's first entry (2x₀²w₀) = [18, 0]
    expect(grad((v: Tensor) => grad(loss, 0, { hasAux: true })(v, x)[1].predictions.sum())(w).toArray()).toEqual([3, 4]);
    expect(grad((v: Tensor) => grad(loss, 0, { hasAux: true })(v, x)[0].slice([0], [1]).sum())(w).toArray()).toEqual([18, 0]);
  });

  it('aux may hold tensors in arrays, plain objects and Maps; one inside another kind of object is refused', () => {
    const [, inMap] = grad((t: Tensor) => [t.sum(), new Map([['double', t.mul(2)]])], 0, { hasAux: true })(w);
    expect(inMap.get('double')!.toArray()).toEqual([2, 4]);
    class Holder {
      constructor(readonly value: Tensor) {}
    }
    expect(() => grad((t: Tensor) => [t.sum(), new Holder(t.mul(2))], 0, { hasAux: true })(w)).toThrow('grad: aux holds a tensor inside a Holder; put aux\'s tensors in arrays, plain objects or Maps, which the transform can look into');
  });

  it('a function that does not return [output, aux], and a bad hasAux, are ValueErrors naming the transform', () => {
    expect(() => grad((t: Tensor) => t.sum() as never, 0, { hasAux: true })(w)).toThrow(/^grad: with hasAux the function must return \[output, aux\], got /);
    expect(() => valueAndGrad((t: Tensor) => [t.sum()] as never, 0, { hasAux: true })(w)).toThrow(/^valueAndGrad: with hasAux the function must return \[output, aux\]/);
    expect(() => grad(loss as never, 0, { hasAux: 'yes' } as never)).toThrow('grad: hasAux must be true or false, got "yes"');
    expect(() => grad(loss as never, 0, { aux: true } as never)).toThrow(ValueError);
  });
});
