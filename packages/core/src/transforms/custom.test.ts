import { GradError, ValueError, argmax, customJvp, customVjp, gather, grad, greater, hessian, hvp, jacobian, jvp, noGrad, sign, tensor, vjp, where, Tensor, exp, log1p } from '@adjoint/core';

describe('customVjp', () => {
  it('differentiates with the given rule instead of the function’s own ops', () => {
    const clipGradient = customVjp((x) => x.mul(3), (_inputs, _output, g) => [g.clip(-1, 1).mul(3)]);
    expect(clipGradient(tensor([1, 2])).toArray()).toEqual([3, 6]);
    const g = grad((x) => clipGradient(x).mul(tensor([0.1, 5])).sum())(tensor([1, 2]));
    expect(g.toArray()).toEqual([0.1 * 3, 1 * 3]);
  });

  it('a stable log(1 + eˣ) with a hand-written rule that is itself differentiable: second derivative σ(x)(1 − σ(x))', () => {
    const softplus = customVjp(
      (x) => x.relu().add(log1p(exp(x.abs().neg()))),
      ([x], _out, g) => [g.mul(x!.sigmoid())],
    );
    const s = 1 / (1 + Math.exp(-0.8));
    expect(grad((x) => softplus(x))(0.8).item()).toBeCloseTo(s, 14);
    expect(grad(grad((x) => softplus(x)))(0.8).item()).toBeCloseTo(s * (1 - s), 14);
  });

  it('forward mode goes through the function itself', () => {
    const f = customVjp((x) => x.square(), (_i, _o, g) => [g.mul(1000)]);
    expect(jvp(f, [3], [1])[1].item()).toBe(6);
  });

  it('a rule that runs a backward pass of its own through the outer graph leaves the outer adjoints intact', () => {
    // The inner grad meets x (an outer tensor, mid-accumulation) as a constant of its function:
    // it must keep its adjoints apart from the outer pass's.
    const double = customVjp((x) => x.mul(2), ([x], _o, g) => {
      const inner = grad((y) => y.mul(x!).sum())(tensor([1, 1]));
      expect(inner.toArray()).toEqual(x!.toArray());
      return [g.mul(2)];
    });
    const a = tensor([1, 2], { requiresGrad: true });
    const x = a.mul(3);
    // d/da of 2·3a + 3a is 9, whichever branch the outer pass reaches first.
    x.sum().add(double(x).sum()).backward();
    expect(a.grad!.toArray()).toEqual([9, 9]);
    a.zeroGrad();
    const x2 = a.mul(3);
    double(x2).sum().add(x2.sum()).backward();
    expect(a.grad!.toArray()).toEqual([9, 9]);
  });

  it('what grad and vjp return is not the array the rule returned: writing it leaves the rule’s tensor alone', () => {
    const k = tensor([5, 6]);
    const f = customVjp((x) => x.mul(1), () => [k]);
    const g = grad((x) => f(x).sum())(tensor([1, 2]));
    const [, pullback] = vjp((x) => f(x).reshape([2, 1]), tensor([1, 2]));
    const p = pullback(tensor([[1], [1]]))[0]!;
    g.assign([0, 0]);
    p.assign([0, 0]);
    expect(k.toArray()).toEqual([5, 6]);
    expect(grad((x) => f(x).sum())(tensor([1, 2])).toArray()).toEqual([5, 6]);
  });

  it('refuses a function that uses a tracked tensor besides its arguments, whose gradient the rule cannot give', () => {
    const w = tensor([2, 3], { requiresGrad: true });
    const message = /^customVjp\(scaled\): the function uses a tensor of shape \[2\] that requires grad and is not one of its arguments .*: pass it as an argument$/;
    const scaled = customVjp(function scaled(x: Tensor) { return x.mul(w); }, ([x], _o, g) => [g.mul(w), null]);
    expect(() => grad((x: Tensor) => scaled(x).sum())(tensor([1, 1]))).toThrow(message);
    expect(() => scaled(tensor([1, 1]))).toThrow(message); // .backward() would miss w's share
    const viaIntermediate = customVjp(function scaled(x: Tensor) { return x.mul(w.exp()); }, ([x], _o, g) => [g, null]);
    expect(() => viaIntermediate(tensor([1, 1]))).toThrow(message);
    // As an argument it gets its cotangent; frozen, or under noGrad, nothing is lost.
    const both = customVjp((x: Tensor, v: Tensor) => x.mul(v), ([x, v], _o, g) => [g.mul(v!), g.mul(x!)]);
    expect(grad((v: Tensor) => both(tensor([1, 4]), v).sum())(w).toArray()).toEqual([1, 4]);
    expect(noGrad(() => scaled(tensor([1, 1]))).toArray()).toEqual([2, 3]);
    const frozen = tensor([2, 3]);
    const scaledByFrozen = customVjp((x: Tensor) => x.mul(frozen), ([x], _o, g) => [g.mul(frozen)]);
    expect(grad((x: Tensor) => scaledByFrozen(x).sum())(tensor([1, 1])).toArray()).toEqual([2, 3]);
  });

  it('and in forward mode, a tensor carrying a tangent (jvp with respect to a weight the function closes over)', () => {
    const x0 = tensor([1, 2]);
    const viaVjp = (w: Tensor) => customVjp(function scaled(x: Tensor) { return x.mul(w); }, ([, ], _o, g) => [g.mul(w)])(x0);
    const viaJvp = (w: Tensor) => customJvp(function scaled(x: Tensor) { return x.mul(w); }, ([], _o, [t]) => t!.mul(w))(x0);
    for (const [kind, g] of [['customVjp', viaVjp], ['customJvp', viaJvp]] as const) {
      expect(() => jvp(g, [tensor([3, 4])], [tensor([1, 0])])).toThrow(new RegExp(`^${kind}\\(scaled\\): the function uses a tensor of shape \\[2\\] that carries a jvp's tangent`));
    }
    // Through the arguments, forward mode works: the tangent of x·w along (ẋ, 0) is ẋ·w.
    const both = customJvp((x: Tensor, w: Tensor) => x.mul(w), ([x, w], _o, [tx, tw]) => tx!.mul(w!).add(x!.mul(tw!)));
    expect(jvp((x: Tensor) => both(x, tensor([3, 4])), [x0], [tensor([1, 1])])[1].toArray()).toEqual([3, 4]);
  });

  it('what the closure check allows: f gets the caller’s tensors, runs unrecorded, may make tracked tensors and take gradients inside', () => {
    const y = tensor([1, 2], { requiresGrad: true });
    let seen: Tensor | null = null;
    let residual: Tensor | null = null;
    const f = customVjp((x: Tensor) => {
      seen = x;
      residual = x.exp(); // saved for the rule: a solver's state, say, which must not keep a graph
      return residual.mul(1);
    }, ([x], _o, g) => [g.mul(x!.exp())]);
    f(y).sum().backward();
    expect(seen).toBe(y);
    expect(residual!.requiresGrad).toBe(false);
    expect(y.grad!.toArray()).toEqual([Math.exp(1), Math.exp(2)]);
    // A force from an energy's gradient, and a tracked tensor made inside: both are f's own.
    const force = customVjp((p: Tensor) => grad((q: Tensor) => q.square().sum().add(tensor(2, { requiresGrad: true })))(p).neg(), (_i, _o, g) => [g.mul(-2)]);
    expect(grad((w: Tensor) => force(tensor([1, 2])).mul(w).sum())(tensor([1, 1])).toArray()).toEqual([-2, -4]);
  });

  it('the closure check sees through nested custom functions and transforms, and passes what carries no derivative', () => {
    const w = tensor([2, 3], { requiresGrad: true });
    const double = customVjp((v: Tensor) => v.mul(2), (_i, _o, g) => [g.mul(2)]);
    const message = /^customVjp\(outer\): the function uses a tensor of shape \[2\] that requires grad/;
    const throughInner = customVjp(function outer(x: Tensor) { return x.mul(double(w)); }, (_i, _o, g) => [g]);
    expect(() => throughInner(tensor([1, 1]))).toThrow(message);
    const throughGrad = customVjp(function outer(x: Tensor) { return x.mul(grad((u: Tensor) => u.square().sum())(w)); }, (_i, _o, g) => [g]);
    expect(() => throughGrad(tensor([1, 1]))).toThrow(message);
    // Comparisons, signs, argmax and indices carry no derivative: using them is no closure.
    const masked = customVjp((x: Tensor) => where(greater(x, w), x, 0).add(x.mul(sign(w))).add(gather(x, argmax(w).reshape([1])).sum()), (_i, _o, g) => [g]);
    expect(masked(tensor([5, 1])).toArray()).toEqual([5 + 5 + 1, 0 + 1 + 1]); // x[argmax(w)] = x[1]
  });

  it('an output on the array of a tensor f closed over (a view of it) is a copy', () => {
    const c = tensor([[1, 2]]);
    const y = customVjp(() => c.reshape([2]), (_i, _o, g) => [g])(tensor([0, 0]));
    const z = customJvp(() => c.reshape([2]), (_i, _o, [t]) => t!)(tensor([0, 0]));
    y.assign([9, 9]);
    z.assign([9, 9]);
    expect(c.toArray()).toEqual([[1, 2]]);
  });

  it('several inputs and a null cotangent for one of them', () => {
    const f = customVjp((a, b) => a.mul(b), ([a], _o, g) => [g.mul(10), null]);
    const [ga, gb] = grad((a, b) => f(a, b), [0, 1])(2, 3);
    expect(ga!.item()).toBe(10);
    expect(gb!.item()).toBe(0);
  });

  it('says so when the rule returns the wrong number of cotangents or a wrong shape', () => {
    const wrongCount = customVjp((a, b) => a.add(b), (_i, _o, g) => [g]);
    expect(() => grad((a, b) => wrongCount(a, b))(1, 2)).toThrow(GradError);
    expect(() => grad((a, b) => wrongCount(a, b))(1, 2)).toThrow(/one cotangent per input/);
    const wrongShape = customVjp((a) => a.sum(), (_i, _o, g) => [g.reshape([1]).broadcastTo([5])]);
    expect(() => grad((a) => wrongShape(a))(tensor([1, 2, 3]))).toThrow(GradError);
    // Named for the custom function, not for the graph's un-broadcasting deep in the pass.
    const reduced = customVjp(function sumAll(a) { return a.sum(); }, (_i, _o, g) => [g]);
    expect(() => grad((a) => reduced(a))(tensor([1, 2, 3]))).toThrow(
      "customVjp(sumAll): cotangent 0 has shape [], which does not fit input 0's shape [3]",
    );
    expect(() => customVjp(null as never, null as never)).toThrow(ValueError);
  });
});

describe('customJvp', () => {
  it('differentiates forward with the given rule; reverse mode uses the function’s own ops', () => {
    const square = customJvp((x) => x.square(), ([x], _out, [t]) => x!.mul(t!).mul(2));
    expect(jvp(square, [3], [1])[1].item()).toBe(6);
    expect(grad((x) => square(x))(3).item()).toBe(6);
  });

  it('the rule is recorded, so its derivative is right: d/dx jvp(x²)(x; 1) = 2', () => {
    const square = customJvp((x) => x.square(), ([x], _out, [t]) => x!.mul(t!).mul(2));
    expect(grad((x) => jvp(square, [x], [1])[1])(3).item()).toBe(2);
    expect(jvp((x) => jvp(square, [x], [1])[1], [3], [1])[1].item()).toBe(2);
  });

  it('uses the rule, not the ops: a deliberately different tangent shows through', () => {
    const f = customJvp((x) => x.mul(2), (_i, _o, [t]) => t!.mul(7));
    expect(jvp(f, [tensor([1, 2])], [tensor([1, 1])])[1].toArray()).toEqual([7, 7]);
  });

  it('says so when the rule returns a tangent of a shape that does not fit the output', () => {
    const wrong = customJvp(function double(x) { return x.mul(2); }, (_i, _o, [t]) => t!.slice([0], [2]));
    expect(() => jvp(wrong, [tensor([1, 2, 3])], [tensor([1, 1, 1])])).toThrow(
      "customJvp(double): the tangent has shape [2], which does not fit the output's shape [3]",
    );
    // A tangent that broadcasts to the output is broadcast, as the tangent of a built-in op's rule is.
    const scalarTangent = customJvp((x) => x.add(tensor([0, 1, 2])), (_i, _o, [t]) => t!);
    expect(jvp(scalarTangent, [tensor(1)], [tensor(2)])[1].toArray()).toEqual([2, 2, 2]);
  });

  it('forward over reverse (hvp, the default hessian) sees the tangents of the function’s own intermediates', () => {
    // f(x) = Σ sin(eˣ): the gradient eˣcos(eˣ) is read from eˣ, an intermediate of f, so its
    // derivative needs that intermediate's tangent. Closed form: f″(x) = eˣcos(eˣ) − e²ˣsin(eˣ).
    const f = customJvp((x) => x.exp().sin(), ([x], _o, [t]) => t!.mul(x!.exp()).mul(x!.exp().cos()));
    const g = (x: Tensor) => f(x).sum();
    const x = [0.3, -0.5];
    const second = x.map((v) => Math.exp(v) * Math.cos(Math.exp(v)) - Math.exp(2 * v) * Math.sin(Math.exp(v)));
    const h = hessian(g)(tensor(x)).toArray() as number[][];
    const byRev = hessian(g, { mode: 'rev' })(tensor(x)).toArray() as number[][];
    [h, byRev].forEach((m) => m.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(i === j ? second[i]! : 0, 13))));
    (hvp(g, tensor(x), tensor([1, 0])).toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(i === 0 ? second[0]! : 0, 13));
    const jac = jacobian(grad(g), { mode: 'fwd' })(tensor(x)).toArray() as number[][];
    jac.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(i === j ? second[i]! : 0, 13)));
  });

  it('forward over reverse still gives the rule’s tangent to the output', () => {
    // g(x) = f(x)² with f(x) = 2x and a rule saying ḟ = 7ẋ: g′ = 2f·f′ through f's ops is 8x, and
    // its tangent along 1 is 2·ḟ·f′ = 2·7·2 = 28, the rule's ḟ where g′ reads f's output.
    const f = customJvp((x) => x.mul(2), (_i, _o, [t]) => t!.mul(7));
    expect(hvp((x) => f(x).square().sum(), tensor([1.5]), tensor([1])).toArray()).toEqual([28]);
  });

  it('a weight f closes over gets its gradient in reverse mode (which goes through f’s own ops); one carrying a tangent is refused', () => {
    const w = tensor([2, 3], { requiresGrad: true });
    const f = customJvp((x: Tensor) => x.mul(w), ([], _o, [t]) => t!.mul(w));
    f(tensor([1, 1])).sum().backward();
    expect(w.grad!.toArray()).toEqual([1, 1]);
    // with a tracked argument too (f then runs recorded with its own tangents inside a gradient's jvp)
    const s = tensor([3], { requiresGrad: true });
    const closing = (v: Tensor) => {
      const w = v.mul(1); // carries v's tangent, and is not the custom function's argument
      return customJvp((x: Tensor) => x.mul(w), ([], _o, [t]) => t!.mul(w))(v);
    };
    expect(() => jvp(closing, [s], [tensor([1])])).toThrow(/^customJvp\(anonymous\): the function uses a tensor of shape \[1\] that carries a jvp's tangent/);
  });

  it('a tensor f closed over and returns is not the output: the rule’s tangent lands on a copy', () => {
    const c = tensor([1, 2]);
    const F = customJvp(() => c, (_i, _o, [t]) => t!.mul(10));
    const [value, tangent] = jvp((x: Tensor) => F(x).add(c), [tensor([0, 0])], [tensor([1, 1])]);
    expect([value.toArray(), tangent.toArray()]).toEqual([[2, 4], [10, 10]]);
    const [returned] = jvp(F, [tensor([0, 0])], [tensor([1, 1])]);
    expect(returned).not.toBe(c);
    expect(c._tangents === null || c._tangents.size === 0).toBe(true);
  });

  it('the tangent jvp returns is not the array the rule returned', () => {
    const k = tensor([7, 8]);
    const f = customJvp((x) => x.mul(1), () => k);
    const [, tangent] = jvp(f, [tensor([1, 2])], [tensor([1, 1])]);
    tangent.assign([0, 0]);
    expect(k.toArray()).toEqual([7, 8]);
  });

  it('identity functions get their own output tensor', () => {
    const id = customJvp((x: Tensor) => x, (_i, _o, [t]) => t!);
    const x = tensor([1, 2]);
    expect(id(x)).not.toBe(x);
  });
});
