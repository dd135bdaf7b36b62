/** Mask-shaped derivatives select: where a function is locally constant, its derivative is 0 whatever comes from above. */
import { clip, grad, jvp, leakyRelu, linear, maximum, minimum, relu, sqrt, sub, sum, tensor, type Tensor } from '../../index';
import { maskGrad, reluGrad } from '../../rule-ops';

const x = tensor([-1, 0.5, 2]);
// √ has an infinite derivative at 0: the value each mask below receives where its input is cut off.
const root = 1 / (2 * Math.sqrt(1.5));

describe('mask-shaped derivatives', () => {
  it.each([
    ['relu', (t: Tensor) => relu(sub(t, 0.5)), [0, 0, root], [0, 0, 1]],
    ['clip', (t: Tensor) => clip(sub(t, 0.5), 0, Infinity), [0, Infinity, root], [0, Infinity, 1]],
    ['maximum', (t: Tensor) => maximum(sub(t, 0.5), 0), [0, Infinity, root], [0, Infinity, 1]],
    ['minimum', (t: Tensor) => sub(0, minimum(sub(0.5, t), 0)), [0, Infinity, root], [0, Infinity, 1]],
    ['leakyRelu with α = 0', (t: Tensor) => leakyRelu(sub(t, 0.5), 0), [0, 0, root], [0, 0, 1]],
    ['linear with relu', (t: Tensor) => linear(t.reshape([3, 1]), tensor([[1]]), tensor([-0.5]), { activation: 'relu' }).reshape([3]), [0, 0, root], [0, 0, 1]],
  ] as const)('%s: √ of it has derivative 0 where it is cut off (PyTorch and JAX select; a product gave ∞·0 = NaN)', (_name, cut, gradient, tangent) => {
    const plusZero = (t: Tensor): number[] => Array.from(t.data, (v) => v + 0); // −0 and +0 alike
    expect(plusZero(grad((t: Tensor) => sum(sqrt(cut(t))))(x))).toEqual(gradient);
    // Forward mode: an infinite tangent is cut off too. (Through √ at 0 the tangent 0 then meets √'s
    // infinite derivative, 0·∞ = NaN, in PyTorch's and JAX's forward mode as here.)
    expect(plusZero(jvp(cut, [x], [tensor([Infinity, Infinity, 1])])[1])).toEqual(tangent);
  });

  it('a NaN or ±∞ from above survives where the mask is 1, and is 0 where it is 0', () => {
    const v = tensor([NaN, Infinity, -Infinity, NaN, Infinity, 3]);
    expect(Array.from(reluGrad(v, tensor([1, 1, 1, -1, -1, -1])).data)).toEqual([NaN, Infinity, -Infinity, 0, 0, 0]);
    expect(Array.from(maskGrad(v, tensor([1, 0.5, 1, 0, 0, 0])).data)).toEqual([NaN, Infinity, -Infinity, 0, 0, 0]);
  });
});
