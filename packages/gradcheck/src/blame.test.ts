import { Tensor, apply, customJvp, customVjp, randn, registerOp, relu, tensor, where, type DifferentiableOp } from '@adjoint/core';
import { checkGrad, formatReport } from './index';

const x = randn([3, 4], { seed: 7 });

describe('checkGrad with {blame: true}', () => {
  it('names the customVjp function with the wrong rule, its input shapes, the line that applied it, and the mode', () => {
    const halfWrong = customVjp(function halfWrong(v: Tensor) { return v.square(); }, ([v], _out, g) => [g.mul(v!)]); // should be 2v
    const f = (v: Tensor): Tensor => halfWrong(v.tanh().mul(1.5)).exp().sum();
    const report = checkGrad(f, [x], { blame: true });
    expect(report.ok).toBe(false);
    expect(report.blame).toMatchObject({ op: 'halfWrong', inputShapes: [[3, 4]], mode: 'rev', order: 1 });
    expect(report.blame!.site).toMatch(/blame\.test\.ts:9$/);
    expect(report.blame!.maxAbsErr).toBeGreaterThan(0.01);
    expect(formatReport(report)).toMatch(/blame: the rule of 'halfWrong' \(inputs \[3, 4\]\) at .*blame\.test\.ts:9 is wrong: rev mode, order 1, max abs error/);
  });

  it('names an anonymous customJvp function with a wrong tangent rule, in forward mode', () => {
    const wrong = customJvp((v: Tensor) => v.sin(), (inputs, _out, [t]) => t!.mul(inputs[0]!.cos()).mul(1.01));
    const report = checkGrad((v: Tensor) => wrong(v.mul(2)).sum(), [x], { blame: true, modes: ['fwd'] });
    expect(report.blame).toMatchObject({ op: 'customJvp', mode: 'fwd' });
  });

  it("names a registered op whose rule is wrong, and only an op's second derivatives when only they are wrong", () => {
    const cubeWrongVjp = registerOp<DifferentiableOp>({
      kind: 'differentiable', name: 'cubeWrongVjpForBlame', arity: 1,
      shape: ([s]) => s!,
      forward: ([v]) => v!.map((a) => a * a * a),
      vjp: (g, [v]) => [g.mul(v!.square()).mul(3.3)],
      jvp: ([t], [v]) => t!.mul(v!.square()).mul(3),
      domain: { inputs: [{ min: -1, max: 1 }], cases: [{ shapes: [[12]], attrs: undefined }] },
    });
    const report = checkGrad((v: Tensor) => apply(cubeWrongVjp, [v.exp().add(1).reshape([12])], undefined).sum(), [x], { blame: true });
    expect(report.blame).toMatchObject({ op: 'cubeWrongVjpForBlame', inputShapes: [[12]], mode: 'rev', order: 1 });

    // Right values, but the rule detaches what it multiplies by: its own derivative is wrong.
    const detached = customVjp(function detached(v: Tensor) { return v.square(); }, ([v], _out, g) => [g.mul(v!.detach()).mul(2)]);
    const second = checkGrad((v: Tensor) => detached(v.sin()).sum(), [tensor([0.3, -0.7])], { blame: true, order: 2 });
    expect(second.blame).toMatchObject({ op: 'detached', order: 2 });
  });

  it('is null when every op\'s rule holds and the function itself is at fault', () => {
    // x.detach()·x: each op is differentiated right, but the composite's gradient is x, not 2x.
    const report = checkGrad((v: Tensor) => v.detach().mul(v).sum(), [x], { blame: true });
    expect(report.ok).toBe(false);
    expect(report.blame).toBeNull();
    expect(formatReport(report)).toMatch(/blame: every op's own rule agrees with finite differences/);
    expect(checkGrad((v: Tensor) => v.sin().sum(), [x], { blame: true }).blame).toBeNull();
    expect('blame' in checkGrad((v: Tensor) => v.sin().sum(), [x])).toBe(false);
  });

  it('scales to thousands of ops: each distinct op is checked once', () => {
    const wrong = customVjp(function offByTenth(v: Tensor) { return v.mul(1); }, (_i, _o, g) => [g.mul(1.1)]);
    const f = (v: Tensor): Tensor => {
      let h = v;
      for (let i = 0; i < 3000; i++) h = i === 2500 ? wrong(h) : i % 3 === 0 ? h.mul(1.0001) : i % 3 === 1 ? h.add(0.001) : h.sub(0.0005);
      return h.sum();
    };
    const started = Date.now();
    const report = checkGrad(f, [tensor([0.1, 0.2])], { blame: true, modes: ['rev'] });
    expect(report.blame).toMatchObject({ op: 'offByTenth', mode: 'rev' });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('checks the other applications of an op before concluding that no rule is at fault', () => {
    // Wrong for v > 0 only; its first application is at v < 0, where it is right.
    const cube = customVjp(function cube(v: Tensor) { return v.pow(3); }, ([v], _o, g) => [g.mul(v!.square()).mul(3).mul(where(v!.greater(0), 2, 1))]);
    const report = checkGrad((v: Tensor) => cube(v.neg()).add(cube(v)).sum(), [tensor([0.5, 0.7])], { blame: true });
    expect(report.blame).toMatchObject({ op: 'cube', mode: 'rev', order: 1 });
    expect(report.blame!.site).toMatch(/blame\.test\.ts:\d+$/);
  });

  it('says kink, not a wrong rule, when an op with a right rule was applied where it is not differentiable', () => {
    const report = checkGrad((v: Tensor) => v.relu().sum(), [tensor([0, 1])], { blame: true });
    expect(report.ok).toBe(false);
    expect(report.blame).toBeNull();
    expect(report.kink).toMatchObject({ op: 'relu', inputShapes: [[2]], input: 0, index: 0 });
    expect(formatReport(report)).toMatch(/blame: no rule is at fault: 'relu' \(inputs \[2\]\) at .*blame\.test\.ts:\d+ was applied where it is not differentiable/);
    // At order 2 the kink also fails the second-order checks; it is still a kink, not relu's rule.
    const second = checkGrad((v: Tensor) => v.relu().sum(), [tensor([0, 1])], { blame: true, order: 2 });
    expect(second.failures.some((f) => f.order === 2)).toBe(true);
    expect(second.blame).toBeNull();
    expect(second.kink).toMatchObject({ op: 'relu', input: 0, index: 0 });
    // A wrong rule at a smooth point of the same kind of op is still blamed.
    const badRelu = customVjp(function badRelu(v: Tensor) { return v.relu(); }, ([v], _o, g) => [g.mul(v!.greater(0)).mul(2)]);
    expect(checkGrad((v: Tensor) => badRelu(v).sum(), [tensor([0.5, 1])], { blame: true }).blame).toMatchObject({ op: 'badRelu' });
  });

  it("names the line that called checkGrad, not gradcheck's own code, when the function checked is itself an op", () => {
    const wrong = customJvp(function wrongTangent(v: Tensor) { return v.sin(); }, (inputs, _out, [t]) => t!.mul(inputs[0]!.cos()).mul(2));
    const report = checkGrad(wrong, [tensor([0.3, 0.4])], { blame: true });
    expect(report.blame).toMatchObject({ op: 'wrongTangent' });
    expect(report.blame!.site).toMatch(/gradcheck[\\/]src[\\/]blame\.test\.ts:\d+$/); // not gradcheck's own blame.ts
    expect(checkGrad(relu, [tensor([0, 1])], { blame: true }).kink!.site).toMatch(/blame\.test\.ts:\d+$/);
  });
});
