import { ValueError, customVjp, gather, rand, randn, tensor, softmax, matmul, zeros, type Tensor } from '@adjoint/core';
import {
  arb, checkAllOps, checkGrad, checkModule, assertGrad, formatReport, gradProperty, numericGrad, type CheckableModule, type GradReport,
} from '@adjoint/gradcheck';

const fields = (r: GradReport) => Object.keys(r).sort();

describe('checkGrad on functions whose rules are right', () => {
  it('passes element by element in both modes, reporting what it compared', () => {
    const f = (a: Tensor, b: Tensor) => softmax(matmul(a, b).tanh());
    const report = checkGrad(f, [rand([2, 3], { seed: 1 }), randn([3, 2], { seed: 2 })]);
    expect(fields(report)).toEqual(['compared', 'failures', 'maxAbsErr', 'maxRelErr', 'ok']);
    expect(report.ok).toBe(true);
    // 4 outputs × 12 input elements, once per mode.
    expect(report.compared).toBe(2 * 4 * 12);
    expect(report.maxAbsErr).toBeLessThan(1e-8);
    expect(report.maxRelErr).toBeLessThan(1e-3);
  });

  it('checks second derivatives with order 2', () => {
    const f = (x: Tensor, y: Tensor) => x.mul(y).sin().sum();
    const report = checkGrad(f, [tensor([0.3, -0.2]), tensor([1.5, 0.7])], { order: 2 });
    expect(report.ok).toBe(true);
    // First order: 1 output × 4 elements × 2 modes; second: 2 gradients × 2 outputs × 4 elements × 2
    // modes, and the directional derivative ⟨u, J·v⟩: one random projection × 2 inputs × 2 modes.
    expect(report.compared).toBe(8 + 32 + 4);
  });

  it('uses the random-projection dot-product test for large inputs', () => {
    const x = randn([30, 10], { seed: 3 });
    const report = checkGrad((t) => t.tanh().mul(t).sum(1), [x], { order: 2 });
    expect(report.ok).toBe(true);
    // 3 projections × 2 modes, at each order (the gradient has 300 outputs, so projections again),
    // and one projection × 2 modes for the directional derivative ⟨u, J·v⟩.
    expect(report.compared).toBe(6 + 6 + 2);
    expect(checkGrad((t) => t.tanh().sum(1), [x], { maxElements: 1000 }).compared).toBe(2 * 30 * 300);
    expect(checkGrad((t) => t.tanh().sum(1), [x], { projections: 5 }).compared).toBe(10);
  });

  it('accepts numbers and nested arrays as inputs, and one mode at a time', () => {
    expect(checkGrad((x) => x.exp(), [0.5], { modes: ['rev'] }).compared).toBe(1);
    expect(checkGrad((x) => x.exp(), [[0.5, 1]], { modes: ['fwd'] }).compared).toBe(4);
  });

  it('is deterministic: the same seed, the same report', () => {
    const x = randn([25, 10], { seed: 4 });
    const f = (t: Tensor) => t.sin().sum(0);
    expect(checkGrad(f, [x], { seed: 7 })).toEqual(checkGrad(f, [x], { seed: 7 }));
  });

  it('with richardson, uses a larger default step and stays accurate', () => {
    const report = checkGrad((t) => t.exp().sum(), [tensor([0.1, 1.2])], { method: 'richardson' });
    expect(report.ok).toBe(true);
    expect(report.maxAbsErr).toBeLessThan(1e-9);
  });

  it('rejects options that would make the check meaningless', () => {
    const f = (t: Tensor) => t.exp();
    expect(() => checkGrad(f, [1], { eps: -1 })).toThrow(ValueError);
    expect(() => checkGrad(f, [1], { atol: NaN })).toThrow(/atol must be a non-negative finite number/);
    expect(() => checkGrad(f, [1], { modes: ['reverse' as 'rev'] })).toThrow(/modes must list 'rev' and\/or 'fwd'/);
    expect(() => checkGrad(f, [1], { order: 3 as 2 })).toThrow(/order must be 1 or 2/);
    expect(() => checkGrad((() => [1]) as never, [1])).toThrow(/must return a Tensor/);
  });
});

describe('formatReport and assertGrad', () => {
  it('summarise a passing report in one line', () => {
    const report = assertGrad((t) => t.square(), [tensor([1, 2])]);
    expect(formatReport(report)).toMatch(/^gradients agree \(8 values compared, max abs err .*\)$/);
  });

  it('list the worst failures first and elide the rest', () => {
    const failures = Array.from({ length: 12 }, (_, i) => ({
      input: 0, index: i, outputIndex: 0, mode: 'rev' as const, order: 1 as const, analytic: i, numeric: 0, reason: 'mismatch' as const,
    }));
    const text = formatReport({ ok: false, maxAbsErr: 11, maxRelErr: 1, compared: 20, failures }, 3);
    expect(text.split('\n')).toEqual([
      'gradient check failed: 12 of 20 values disagree',
      '  input 0, element 11, output 0, rev mode, order 1: analytic 11 vs numeric 0, error 1.10e+1',
      '  input 0, element 10, output 0, rev mode, order 1: analytic 10 vs numeric 0, error 1.00e+1',
      '  input 0, element 9, output 0, rev mode, order 1: analytic 9 vs numeric 0, error 9.00e+0',
      '  … and 9 more',
    ]);
  });
});

describe('arguments that are not what checkGrad takes', () => {
  it('name checkGrad or numericGrad, not a TypeError from inside', () => {
    const x = tensor([1, 2]);
    expect(() => checkGrad((v: Tensor) => v.sum(), x as never)).toThrow(/^checkGrad: inputs must be a list with one tensor per argument of the function, got a Tensor of shape \[2\] \(wrap it in a list\)/);
    expect(() => checkGrad('f' as never, [x])).toThrow(/^checkGrad: expected a function of tensors, got string/);
    expect(() => checkGrad((v: Tensor) => v.sum(), [[1, [2]]] as never)).toThrow(/^checkGrad: input 0 is not a tensor/);
    expect(() => numericGrad((v: Tensor) => v.sum(), null as never)).toThrow(/^numericGrad: inputs must be a list/);
  });

  it('a function that throws only at a shifted point is a ValueError naming checkGrad, the element shifted and the likely cause', () => {
    const at = (x: Tensor, i: Tensor) => gather(x, i, 0);
    expect(() => checkGrad(at, [tensor([1, 2, 3]), tensor([1, 0])])).toThrow(
      /^checkGrad: the function threw when finite differences shifted element 0 of input 1 \(it ran at the point itself\): gather: index 1\.000001 .*pass data such as indices inside the function, not as an input$/,
    );
    expect(() => checkGrad((x: Tensor) => { if (x.item() > 1) throw new RangeError('out of domain'); return x.square(); }, [tensor(1)])).toThrow(ValueError);
  });

  it('a function that gives different values at the same inputs is a ValueError naming checkGrad, the output element and both values', () => {
    let calls = 0;
    const noisy = (x: Tensor) => x.sin().mul(calls++ === 0 ? 1 : 0.5);
    expect(() => checkGrad(noisy, [tensor([0.5, 1])])).toThrow(
      /^checkGrad: the function is not deterministic: evaluated twice at the same inputs, output element 0 was 0\.479425538604203 and then 0\.2397127693021015/,
    );
    const dropout = (x: Tensor) => x.mul(rand(x.shape).greater(0.5));
    expect(() => checkModule(squareModel, tensor([1]), null, (p) => dropout(p).sum())).toThrow(/^checkModule: the function is not deterministic/);
  });

  it('an input holding NaN is a ValueError naming the input and element: a derivative at NaN means nothing', () => {
    expect(() => checkGrad((x: Tensor) => x.sin(), [tensor([0.5, NaN])])).toThrow(/^checkGrad: input 0 holds NaN at element 1/);
    expect(() => numericGrad((x: Tensor) => x.sin(), [1, [0.5, NaN]])).toThrow(/^numericGrad: input 1 holds NaN at element 1/);
  });

  it('numericGrad refuses a Jacobian larger than a tensor can hold before evaluating anything', () => {
    let calls = 0;
    const f = (v: Tensor): Tensor => {
      calls++;
      return v.reshape([-1, 1]).mul(v.reshape([1, -1]).slice([0, 0], [1, 1]));
    };
    expect(() => numericGrad(f, [zeros([50_000])])).toThrow(/^numericGrad: the Jacobian of a \[50000, 1\] output with respect to a \[50000\] input has 2500000000 elements/);
    expect(calls).toBe(1); // only the evaluation that gives the output's shape
  });
});

describe('options that are not what checkGrad, checkAllOps, checkModule and gradProperty take', () => {
  const f = (t: Tensor) => t.exp().sum();

  it('null options are a ValueError naming the function called', () => {
    expect(() => checkGrad(f, [1], null as never)).toThrow(/^checkGrad: options must be an object, got null/);
    expect(() => checkAllOps(null as never)).toThrow(/^checkAllOps: options must be an object, got null/);
    expect(() => checkModule(squareModel, tensor([1]), null, (p) => p.sum(), null as never)).toThrow(/^checkModule: options must be an object, got null/);
    expect(() => gradProperty(f, arb.tensor({ shape: [2] }), null as never)).toThrow(/^gradProperty: options must be an object, got null/);
    expect(() => gradProperty(f, arb.tensor({ shape: [2] }), undefined as never)).not.toThrow();
  });

  it('a seed that is not a whole number is refused up front, as the user gave it', () => {
    expect(() => checkGrad(f, [1], { seed: 'abc' as never })).toThrow(/^checkGrad: seed must be a whole number .*, got "abc"/);
    expect(() => checkGrad(f, [1], { seed: 1.5, order: 2 })).toThrow(/^checkGrad: seed must be a whole number .*, got 1\.5/);
    expect(checkGrad(f, [1], { seed: Number.MAX_SAFE_INTEGER, order: 2 }).ok).toBe(true);
  });

  it("shows a string order quoted, and refuses a blame that is not a boolean", () => {
    expect(() => checkGrad(f, [1], { order: '2' as never })).toThrow(/^checkGrad: order must be 1 or 2, got "2"$/);
    expect(() => checkGrad(f, [1], { blame: 'yes' as never })).toThrow(/^checkGrad: blame must be true or false, got "yes"$/);
  });

  it('checkModule and gradProperty name themselves for a bad option, and gradProperty refuses it when built', () => {
    expect(() => checkModule(squareModel, tensor([1]), null, (p) => p.sum(), { order: 3 as never })).toThrow(/^checkModule: order must be 1 or 2, got 3$/);
    expect(() => gradProperty(f, arb.tensor({ shape: [2] }), { tolerance: 'loose' as never })).toThrow(/^gradProperty: tolerance must be 'fixed' or 'auto', got "loose"$/);
    expect(() => gradProperty(f, arb.tensor({ shape: [2] }), { atol: -1 })).toThrow(/^gradProperty: atol must be a non-negative finite number, got -1$/);
  });

  it('an option given as null is reported, not taken for the default', () => {
    for (const key of ['atol', 'rtol', 'seed', 'order', 'modes', 'maxElements', 'projections', 'eps', 'method', 'tolerance']) {
      expect(() => checkGrad(f, [1], { [key]: null } as never)).toThrow(new RegExp(`^checkGrad: ${key} must .*got null`));
    }
  });

  it('the headline counts compared values apart from findings about the function (an input changed in place)', () => {
    const report = checkGrad((t: Tensor) => { t.data[0] = t.data[0]! + 1; return t.sin().sum(); }, [tensor([0.1, 0.2])]);
    const head = formatReport(report).split('\n')[0]!;
    const [, disagree, of] = /(\d+) of (\d+) values disagree/.exec(head) ?? [];
    expect(Number(disagree)).toBeLessThanOrEqual(Number(of));
    expect(head).toMatch(/\d+ other findings?$/);
  });

  it('nothing to check is a ValueError, not a pass with 0 values compared', () => {
    expect(() => checkGrad(f, [1], { modes: [] })).toThrow(/^checkGrad: modes is empty, so there is nothing to check/);
    expect(() => checkGrad(() => tensor(1), [])).toThrow(/^checkGrad: the list of inputs is empty, so there is nothing to check/);
    expect(() => checkModule({ namedParameters: () => [], callWith: () => tensor(1) }, tensor([1]), null, (p) => p.sum())).toThrow(/^checkModule: the model has no parameters/);
  });
});

/** A one-parameter model (w ↦ w²·x) as checkModule sees an nn Module. */
const squareModel: CheckableModule = {
  namedParameters: () => [['weight', tensor([0.5, -1])]],
  callWith: (params, input) => params.weight!.square().mul(input),
};

describe('checkModule at order 2', () => {
  it("names the parameter whose gradient was differentiated, not its position", () => {
    const detachedSquare = customVjp(function detachedSquare(v: Tensor) { return v.square(); }, ([v], _o, g) => [g.mul(v!.detach()).mul(2)]);
    const model: CheckableModule = { namedParameters: () => [['weight', tensor([0.5, -1])]], callWith: (params, input) => detachedSquare(params.weight!).mul(input) };
    const report = checkModule(model, tensor([2, 3]), null, (p) => p.sum(), { order: 2 });
    expect(report.ok).toBe(false);
    expect(report.failures[0]!.gradientOfParameter).toBe('weight');
    expect(formatReport(report)).toMatch(/parameter 'weight', element \d, output \d \(of the gradient w\.r\.t\. weight\)/);
    expect(checkModule(squareModel, tensor([2, 3]), null, (p) => p.sum(), { order: 2 }).ok).toBe(true);
  });
});
