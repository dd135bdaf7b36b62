/**
 * detectAnomaly, beyond the basic cases in validation.test.ts: it names the *first* op that went
 * non-finite (not one the NaN later spread to), forward and backward, with the shapes and the line
 * that created the op; it stops before anything is written to `.grad`; it works through the
 * transforms and custom rules; and it switches itself off again, even after throwing.
 */
import { GradError, Tensor, customVjp, detectAnomaly, grad, tensor } from '@adjoint/core';
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
