import '@adjoint/gradcheck/jest';
import { gradcheckMatchers } from '@adjoint/gradcheck/jest';
import { apply, cos, mul, tensor, type Tensor } from '@adjoint/core';
import { registerSin } from './testing/sin-with-rules';

/** sin with a VJP that is 10× too large: wrong in reverse mode only. */
const wrongSinOp = registerSin('gradcheckTest.matcherWrongSin', { vjp: (g, x) => mul(mul(g, cos(x)), 10) });
const wrongSin = (x: Tensor): Tensor => apply(wrongSinOp, [x], undefined);

describe('expect(f).toHaveCorrectGradients(inputs, options?)', () => {
  it('is registered by importing @adjoint/gradcheck/jest', () => {
    expect((x: Tensor) => x.sin().mul(x).sum()).toHaveCorrectGradients([tensor([0.1, 0.7])]);
    expect((x: Tensor, y: Tensor) => x.div(y)).toHaveCorrectGradients([tensor([1, 2]), tensor([[0.5], [3]])], { order: 2 });
    expect(wrongSin).not.toHaveCorrectGradients([tensor([0.2, 0.4])]);
    // Forward mode alone does not see the wrong VJP.
    expect(wrongSin).toHaveCorrectGradients([tensor([0.2, 0.4])], { modes: ['fwd'] });
  });

  it('fails with a message that names the function, shows the worst elements and blames the op', () => {
    expect(() => expect(wrongSin).toHaveCorrectGradients([tensor([0.2, 0.4, 1.3])])).toThrow(
      /expected the gradients of wrongSin to agree with finite differences, but the gradient check failed: 3 of 18 values disagree\n {2}input 0, element 0, output 0, rev mode, order 1: analytic 9\.80\d+ vs numeric 0\.980\d+/,
    );
    const composite = function lossOfWrongSin(x: Tensor): Tensor {
      return wrongSin(x.mul(2)).exp().sum();
    };
    expect(() => expect(composite).toHaveCorrectGradients([tensor([0.2, 0.4])], { tolerance: 'auto' })).toThrow(
      /expected the gradients of lossOfWrongSin to agree[\s\S]*\(finite-difference error estimated at [\d.e+-]+\)[\s\S]*\nblame: the rule of 'gradcheckTest\.matcherWrongSin' \(inputs \[2\]\) at .*jest\.test\.ts:\d+ is wrong: rev mode/,
    );
  });

  it('says so under .not when the gradients are right', () => {
    expect(() => expect((x: Tensor) => x.exp()).not.toHaveCorrectGradients([tensor([1])])).toThrow(
      /expected the gradients of .* to disagree with finite differences, but gradients agree \(2 values compared/,
    );
  });

  it('exports the matcher object, which explains a bad call instead of throwing', () => {
    const { toHaveCorrectGradients } = gradcheckMatchers;
    const notAFunction = toHaveCorrectGradients.call({}, 42, [tensor([1])]);
    expect(notAFunction.pass).toBe(false);
    expect(notAFunction.message()).toMatch(/f must be a function of tensors, got number/);
    expect(toHaveCorrectGradients.call({}, (x: Tensor) => x, tensor([1]) as never).message()).toMatch(/inputs must be a list/);
    expect(toHaveCorrectGradients((x: Tensor) => x.square(), [tensor([3])]).pass).toBe(true);
  });
});
