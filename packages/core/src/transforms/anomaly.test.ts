/**
 * detectAnomaly, beyond the basic cases in validation.test.ts: it names the *first* op that went
 * non-finite (not one the NaN later spread to), forward and backward, with the shapes and the line
 * that created the op; it stops before anything is written to `.grad`; it works through the
 * transforms and custom rules; and it switches itself off again, even after throwing.
 */
import { GradError, Tensor, customJvp, customVjp, detectAnomaly, grad, jvp, tensor } from '@adjoint/core';
import { thrown } from '../../../../test/support/expect-error';

const anomaly = (fn: () => unknown): GradError => thrown(fn, GradError);

describe('the first op to go non-finite is the one named', () => {
  it('forward: sqrt(x − 1) at x = 0 is NaN, and the exp, sum and backward after it are not blamed', () => {
    const x = tensor([0, 1], { requiresGrad: true });
    const error = anomaly(() => detectAnomaly(() => x.sub(1).sqrt().exp().sum().backward()));
    expect(error.message).toMatch(/^detectAnomaly: 'sqrt' produced NaN at element 0 of its \[2\] output from finite inputs; input shapes \[2\]/);
    expect(error.message).toContain('anomaly.test.ts'); // created at: this file
  });

  it('forward, on matrices: the shapes of the output and of every input are given', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    const b = tensor([[1], [0]]);
    const error = anomaly(() => detectAnomaly(() => a.div(b).mul(2).sum()));
    expect(error.message).toMatch(/'div' produced Infinity at element 3 of its \[2, 3\] output from finite inputs; input shapes \[2, 3\], \[2, 1\]/);
  });

  it('backward: sqrt(x·x) at 0 is finite forward, but its adjoint 1/(2·0) is ∞ — named, not the mul behind it that would turn it into NaN', () => {
    const x = tensor([[0, 1, 2], [3, 0, 1]], { requiresGrad: true });
    const error = anomaly(() => detectAnomaly(() => x.mul(x).sqrt().sum().backward()));
    expect(error.message).toMatch(
      /^detectAnomaly: the backward rule of 'sqrt' \(output \[2, 3\]\) produced Infinity in the adjoint of input 0 \(\[2, 3\]\) from a finite output adjoint/,
    );
    // where the sqrt was created (recorded during the forward pass, reported by the backward one)
    expect(error.message).toMatch(/the op was created at:\n\s+at .*anomaly\.test\.ts/);
  });

  it('backward: an adjoint that arrives already non-finite is reported as such', () => {
    // d/dx of x·∞: the seed ∞ reaches mul, whose rule multiplies it by the other factor.
    const x = tensor([2], { requiresGrad: true });
    const y = x.mul(3);
    const error = anomaly(() => detectAnomaly(() => y.backward(tensor([Infinity]))));
    expect(error.message).toMatch(/backward rule of 'mul' \(output \[1\]\) produced Infinity in the adjoint of input 0 \(\[1\]\) because its output adjoint was already non-finite/);
  });
});

describe('forward mode', () => {
  it('names the tangent rule that makes a tangent non-finite: sqrt at 0 has an infinite slope', () => {
    const error = anomaly(() => detectAnomaly(() => jvp((x: Tensor) => x.mul(3).sqrt().exp(), [tensor([1, 0])], [tensor([1, 1])])));
    expect(error.message).toMatch(/^detectAnomaly: the tangent rule of 'sqrt' \(output \[2\]\) produced Infinity at element 1 of the output's tangent from finite input tangents/);
    expect(error.message).toMatch(/created at:\n\s+at .*anomaly\.test\.ts/);
    // without detectAnomaly the tangent is silently infinite
    expect(jvp((x: Tensor) => x.sqrt(), [0], [1])[1].item()).toBe(Infinity);
  });

  it("names a customJvp function, not an op inside its tangent rule, and lets the rule's own intermediates be infinite", () => {
    const root = customJvp(function root(y: Tensor) { return y.sqrt(); }, (_in, out, [dy]) => dy!.div(out.mul(2)));
    const error = anomaly(() => detectAnomaly(() => jvp(root, [tensor([1, 0])], [tensor([1, 1])])));
    expect(error.message).toMatch(/^detectAnomaly: the tangent rule of 'customJvp\(root\)' \(output \[2\]\) produced Infinity at element 1/);
    // dy / (1/0) is 0: an infinite value inside a rule whose tangent is finite is not reported
    const flat = customJvp(function flat(y: Tensor) { return y.mul(0); }, (_in, _out, [dy]) => dy!.div(tensor([0, 1]).reciprocal()));
    expect(Array.from(detectAnomaly(() => jvp(flat, [tensor([1, 1])], [tensor([1, 1])]))[1].data)).toEqual([0, 1]);
  });
});

describe('what detectAnomaly protects', () => {
  it('stops the pass before any gradient is accumulated: .grad keeps its previous value', () => {
    const x = tensor([4, 0], { requiresGrad: true });
    x.mul(2).sum().backward(); // a finite gradient first
    expect(Array.from(x.grad!.data)).toEqual([2, 2]);
    anomaly(() => detectAnomaly(() => x.sqrt().sum().backward()));
    expect(Array.from(x.grad!.data)).toEqual([2, 2]); // the ∞ of sqrt never reached it
  });

  it('works through grad and custom rules, naming the custom op', () => {
    expect(anomaly(() => detectAnomaly(() => grad((t: Tensor) => t.mul(t).sqrt().sum())(tensor([0, 1])))).message).toMatch(/backward rule of 'sqrt'/);
    const broken = customVjp((t: Tensor) => t.mul(2), (_inputs, _output, g) => [g.div(0)]);
    const x = tensor([1, 2], { requiresGrad: true });
    const error = anomaly(() => detectAnomaly(() => broken(x).sum().backward()));
    expect(error.message).toMatch(/backward rule of 'customVjp\(anonymous\)' \(output \[2\]\) produced Infinity in the adjoint of input 0 \(\[2\]\)/);
    expect(x.grad).toBeNull();
    // without detectAnomaly the same pass runs and the ∞ spreads silently into .grad
    broken(x).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([Infinity, Infinity]);
  });

  it('nests, and is off again after it returns or throws', () => {
    expect(anomaly(() => detectAnomaly(() => detectAnomaly(() => tensor([1]).add(1)).log().sub(tensor([0]).log()))).message).toMatch(/'log' produced -Infinity/);
    expect(tensor([0]).log().item()).toBe(-Infinity); // no longer checked
    expect(detectAnomaly(() => 7)).toBe(7);
    expect(tensor([-1]).sqrt().item()).toBeNaN();
  });
});
