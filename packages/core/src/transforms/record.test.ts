import { customJvp, customVjp, gather, recordOps, tensor, type Tensor } from '../index';

describe('recordOps', () => {
  it('lists every op in evaluation order, with copies of its inputs, its site, and a way to apply it again', () => {
    const x = tensor([0.5, -1, 2]);
    const { output, ops } = recordOps((v: Tensor) => v.mul(v).exp().sum())(x);
    expect(ops.map((o) => o.name)).toEqual(['mul', 'exp', 'sum']);
    expect(output.item()).toBeCloseTo(Math.exp(0.25) + Math.exp(1) + Math.exp(4), 12);
    const [mul, exp] = ops;
    expect(mul!.inputs.map((t) => t.toArray())).toEqual([[0.5, -1, 2], [0.5, -1, 2]]);
    expect(mul!.inputs[0]!.data).not.toBe(x.data);
    expect(mul!.site).toMatch(/record\.test\.ts:\d+$/);
    expect(exp!.apply(tensor([0, 1, 2])).toArray()).toEqual([1, Math.E, Math.exp(2)]);
    expect(exp!.apply(tensor([0, 1, 2], { requiresGrad: true })).requiresGrad).toBe(true);
    expect(mul!.signature).not.toBe(exp!.signature);
    expect(mul!.smooth).toBe(true);
  });

  it('marks data inputs and kinks', () => {
    const { ops } = recordOps((v: Tensor) => gather(v.relu(), [0, 2]).max())(tensor([1, -2, 3]));
    expect(ops.map((o) => [o.name, o.differentiable, o.smooth])).toEqual([['relu', [0], true], ['gather', [0], true], ['max', [0], false]]);
  });

  it('lists customVjp and customJvp functions by name, not what their forward pass does under noGrad', () => {
    const scaled = customVjp(function scaled(v: Tensor) { return v.mul(2); }, (_i, _o, g) => [g.mul(2)]);
    const anonymous = customJvp((v: Tensor) => v.square(), (inputs, _o, [t]) => t!.mul(inputs[0]!).mul(2));
    const { ops } = recordOps((v: Tensor) => anonymous(scaled(v)).sum())(tensor([1, 2]));
    expect(ops.map((o) => [o.name, o.kind])).toEqual([['scaled', 'custom'], ['square', 'op'], ['customJvp', 'custom'], ['sum', 'op']]);
    expect(ops[0]!.apply(tensor([3])).toArray()).toEqual([6]);
  });
});
