/** gradcheck's checkModule on nn's modules: every named parameter checked, failures by name. */
import { Tensor, customVjp, randn, tensor } from '@adjoint/core';
import { BatchNorm, Dense, Module, Sequential, mlp, mse } from '@adjoint/nn';
import { checkModule, formatReport } from '@adjoint/gradcheck';

const x = randn([5, 3], { seed: 1 });
const y = randn([5, 2], { seed: 2 });

describe('checkModule', () => {
  it("checks every named parameter of an mlp, in both modes and to second order, and they are right", () => {
    const model = mlp([3, 4, 2], { activation: 'tanh', seed: 3 });
    const report = checkModule(model, x, y, mse, { order: 2, tolerance: 'auto' });
    expect(report.parameters).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(report.ok).toBe(true);
    expect(report.compared).toBeGreaterThan(0);
  });

  it('names the parameter whose gradient is wrong, and blames the rule', () => {
    const halfGrad = customVjp(function halfGrad(v: Tensor) { return v.mul(1); }, (_i, _o, g) => [g.mul(0.5)]);
    class Scaled extends Module {
      readonly inner = this.register('inner', new Dense(3, 2, { seed: 4 }));
      readonly scale = this.registerParameter('scale', tensor([1.5, -0.5]));
      forward(input: Tensor): Tensor {
        return this.inner.forward(input).mul(halfGrad(this.param('scale')));
      }
    }
    const report = checkModule(new Scaled(), x, y, mse, { blame: true, modes: ['rev'] });
    expect(report.ok).toBe(false);
    expect([...new Set(report.failures.map((f) => f.parameter))]).toEqual(['scale']);
    expect(report.blame).toMatchObject({ op: 'halfGrad', mode: 'rev' });
    expect(formatReport(report)).toMatch(/parameter 'scale', element \d+/);
  });

  it("restores batch norm's running statistics and never changes the parameters", () => {
    const model = new Sequential([new Dense(3, 4, { seed: 5 }), new BatchNorm(4), new Dense(4, 2, { seed: 6 })]);
    const before = model.stateDict();
    expect(checkModule(model, x, y, mse, { tolerance: 'auto' }).ok).toBe(true);
    const after = model.stateDict();
    for (const [key, t] of Object.entries(before)) expect(Array.from(after[key]!.data)).toEqual(Array.from(t.data));
  });

  it('refuses what is not a module', () => {
    expect(() => checkModule({} as never, x, y, mse)).toThrow(/^checkModule: the model must have namedParameters\(\) and callWith/);
  });

  it("names itself when the model throws only at a point finite differences shifted to (at the point, the model's own error)", () => {
    class Picky extends Module {
      readonly w = this.registerParameter('w', tensor([0.5]));
      constructor(private readonly allowed: number) { super(); }
      forward(input: Tensor): Tensor {
        if (this.param('w').item() !== this.allowed) throw new Error('w moved');
        return input.mul(this.param('w'));
      }
    }
    expect(() => checkModule(new Picky(0.5), x, x, mse)).toThrow(/^checkModule: the function threw when finite differences shifted element 0 of input 0 \(it ran at the point itself\): w moved/);
    expect(() => checkModule(new Picky(2), x, x, mse)).toThrow(/^w moved$/);
  });
});
