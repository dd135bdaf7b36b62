/**
 * takeAlongAxis, flip, roll, sort, argsort, topK, tril and triu: values by hand, NumPy's and
 * PyTorch's conventions at the edges (NaN, ties, empty axes), gradients and tangents as the
 * permutation they are, and errors. Their agreement with PyTorch on random inputs, gradients
 * included, is in test/pytorch-agreement.test.ts.
 */
import {
  ShapeError, Tensor, ValueError, argsort, flip, grad, hessian, jvp, roll, sort, takeAlongAxis, tensor, topK, tril, triu,
} from '@adjoint/core';
import { expectThrows } from '../testing/expect-throws';

const values = (t: Tensor): number[] => Array.from(t.data);

describe('takeAlongAxis', () => {
  test('picks one entry per position along the axis (torch.gather), broadcasting the other axes', () => {
    const x = tensor([[10, 20, 30], [40, 50, 60]]);
    expect(takeAlongAxis(x, [[2], [0]], 1).toArray()).toEqual([[30], [40]]);
    expect(takeAlongAxis(x, [[1, 0, 1]], 0).toArray()).toEqual([[40, 20, 60]]);
    expect(takeAlongAxis(x, [[0, 2, 2, 1]], -1).toArray()).toEqual([[10, 30, 30, 20], [40, 60, 60, 50]]);
    expect(takeAlongAxis(x, tensor([[0], [1]]), 1).shape).toEqual([2, 1]);
  });

  test('an entry taken twice gets both gradients', () => {
    const x = tensor([1, 2, 3]);
    const g = grad((t: Tensor) => takeAlongAxis(t, [2, 2, 0], 0).mul(tensor([1, 10, 100])).sum())(x);
    expect(values(g)).toEqual([100, 0, 11]);
  });

  test('bad indices are errors naming the call', () => {
    const x = tensor([[1, 2], [3, 4]]);
    expectThrows(() => takeAlongAxis(x, [0, 1], 1), ShapeError, "takeAlongAxis: indices must have x's rank (2), got shape [2] for x of shape [2, 2]");
    expectThrows(() => takeAlongAxis(x, [[2]], 1), ValueError, 'takeAlongAxis: index 2 is out of range for axis 1 of size 2');
    expectThrows(() => takeAlongAxis(x, [[-1]], 1), ValueError, 'index -1 is out of range');
    expectThrows(() => takeAlongAxis(x, [[0.5]], 1), ValueError, 'index 0.5 is out of range');
    expectThrows(() => takeAlongAxis(x, [[0], [1], [0]], 1), ShapeError, 'takeAlongAxis: indices of shape [3, 1] do not broadcast against x of shape [2, 2] outside axis 1');
    expectThrows(() => takeAlongAxis(tensor(3), tensor(0), 0), ShapeError, 'takeAlongAxis: cannot index a scalar');
    expectThrows(() => takeAlongAxis(x, [[0]], 2), ValueError, 'takeAlongAxis');
  });
});

describe('flip and roll', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);

  test('flip reverses the axes named, or all of them', () => {
    expect(flip(x, 1).toArray()).toEqual([[3, 2, 1], [6, 5, 4]]);
    expect(flip(x, [0]).toArray()).toEqual([[4, 5, 6], [1, 2, 3]]);
    expect(flip(x).toArray()).toEqual([[6, 5, 4], [3, 2, 1]]);
    expect(flip(tensor([7])).toArray()).toEqual([7]);
  });

  test('roll shifts along an axis, or the flat list keeping the shape; any shift', () => {
    expect(roll(x, 1, 1).toArray()).toEqual([[3, 1, 2], [6, 4, 5]]);
    expect(roll(x, -4, 1).toArray()).toEqual(roll(x, 2, 1).toArray());
    expect(roll(x, 2).toArray()).toEqual([[5, 6, 1], [2, 3, 4]]);
    expect(roll(x, [1, 1], [0, 1]).toArray()).toEqual([[6, 4, 5], [3, 1, 2]]);
    expect(roll(x, 1, [0, 1]).toArray()).toEqual([[6, 4, 5], [3, 1, 2]]); // one shift for both axes, as NumPy
    expect(roll(x, [1, 1], [1, 1]).toArray()).toEqual(roll(x, 2, 1).toArray()); // an axis twice: the shifts add up
    expect(roll(tensor([]), 3, 0).shape).toEqual([0]);
  });

  test('their gradients and tangents are the cotangent and tangent moved back and along', () => {
    const w = tensor([1, 10, 100]);
    expect(values(grad((t: Tensor) => roll(t, 1, 0).mul(w).sum())(tensor([0, 0, 0])))).toEqual([10, 100, 1]);
    expect(values(grad((t: Tensor) => flip(t).mul(w).sum())(tensor([0, 0, 0])))).toEqual([100, 10, 1]);
    const [, tangent] = jvp((t: Tensor) => roll(t, -1, 0), [tensor([1, 2, 3])], [tensor([4, 5, 6])]);
    expect(values(tangent)).toEqual([5, 6, 4]);
  });

  test('bad arguments are ValueErrors naming the call', () => {
    expectThrows(() => flip(x, [1, -1]), ValueError, 'flip: repeated axis in [1, -1] for rank 2');
    const one = tensor([5]);
    const [flipped, rolled] = [flip(one), roll(x, 3, 1)]; // nothing moves: still copies, as gather's
    expect(flipped).not.toBe(one);
    expect(rolled).not.toBe(x);
    rolled.assign(tensor([[0, 0, 0], [0, 0, 0]]));
    expect(x.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expectThrows(() => flip(x, 2), ValueError, 'flip');
    expectThrows(() => roll(x, 1.5, 0), ValueError, 'roll: shift must be an integer or a list of them, got 1.5');
    expectThrows(() => roll(x, [1, 2]), ValueError, 'roll: without axis, shift must be one integer, got [1, 2]');
    expectThrows(() => roll(x, [1, 2, 3], [0, 1]), ValueError, 'roll: shift and axis must be of the same length (or one of them single), got [1, 2, 3] and [0, 1]');
  });
});

describe('sort, argsort and topK', () => {
  test('ascending along the axis, NaN last, equal values in their order (stable)', () => {
    const x = tensor([[3, NaN, -1, 2], [0, -0, 5, -2]]);
    expect(sort(x).toArray()).toEqual([[-1, 2, 3, NaN], [-2, 0, -0, 5]]);
    expect(argsort(x).toArray()).toEqual([[2, 3, 0, 1], [3, 0, 1, 2]]);
    expect(Object.is(sort(x).data[5], 0) && Object.is(sort(x).data[6], -0)).toBe(true);
    expect(sort(tensor([[3, 1], [2, 4]]), 0).toArray()).toEqual([[2, 1], [3, 4]]);
    expect(argsort(tensor([2, 1, 2, 1])).toArray()).toEqual([1, 3, 0, 2]);
    expect(argsort(tensor([2, 1])).requiresGrad).toBe(false);
  });

  test('topK: the k largest in descending order (NaN largest, as PyTorch), or the smallest ascending, with their indices', () => {
    const x = tensor([[1, 5, NaN, 5, 2], [4, 3, 2, 1, 0]]);
    const [v, i] = topK(x, 3);
    expect(v.toArray()).toEqual([[NaN, 5, 5], [4, 3, 2]]);
    expect(i.toArray()).toEqual([[2, 1, 3], [0, 1, 2]]);
    const [small, at] = topK(x, 2, { axis: 1, largest: false });
    expect(small.toArray()).toEqual([[1, 2], [0, 1]]);
    expect(at.toArray()).toEqual([[0, 4], [4, 3]]);
    expect(topK(x, 0)[0].shape).toEqual([2, 0]);
    expect(topK(tensor([[1, 2], [3, 0]]), 1, { axis: 0 })[1].toArray()).toEqual([[1, 0]]);
  });

  test('gradients go back to where each value came from; the Hessian of a sort is 0 away from ties', () => {
    const x = tensor([0.3, -2, 1.5, 0.1]);
    const w = tensor([1, 10, 100, 1000]);
    expect(values(grad((t: Tensor) => sort(t).mul(w).sum())(x))).toEqual([100, 1, 1000, 10]);
    expect(values(grad((t: Tensor) => topK(t, 2)[0].mul(tensor([1, 10])).sum())(x))).toEqual([10, 0, 1, 0]);
    expect(values(hessian((t: Tensor) => sort(t).mul(w).sum())(x))).toEqual(new Array(16).fill(0));
    expect(values(hessian((t: Tensor) => sort(t).square().mul(w).sum())(x))).toEqual([
      200, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2000, 0, 0, 0, 0, 20,
    ]);
  });

  test('bad arguments are errors naming the call', () => {
    expectThrows(() => sort(tensor(1)), ShapeError, 'sort: needs at least one axis, got a scalar');
    expectThrows(() => argsort(tensor([1, 2]), 1), ValueError, 'argsort');
    expectThrows(() => topK(tensor([1, 2]), 3), ValueError, 'topK: k must be a whole number from 0 to 2 (the size of axis 0), got 3');
    expectThrows(() => topK(tensor([1, 2]), 1, { largest: 'yes' } as never), ValueError, 'topK: largest must be true or false, got "yes"');
    expectThrows(() => topK(tensor([1, 2]), 1, { dim: 0 } as never), ValueError, "topK: unknown option 'dim'");
  });
});

describe('tril and triu', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]);

  test('keep the entries on one side of diagonal k of the last two axes, zero the rest', () => {
    expect(tril(x).toArray()).toEqual([[1, 0, 0], [4, 5, 0], [7, 8, 9], [10, 11, 12]]);
    expect(tril(x, -2).toArray()).toEqual([[0, 0, 0], [0, 0, 0], [7, 0, 0], [10, 11, 0]]);
    expect(triu(x, 1).toArray()).toEqual([[0, 2, 3], [0, 0, 6], [0, 0, 0], [0, 0, 0]]);
    expect(triu(tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])).toArray()).toEqual([[[1, 2], [0, 4]], [[5, 6], [0, 8]]]);
    expect(values(tril(tensor([[Infinity, NaN], [1, 2]])))).toEqual([Infinity, 0, 1, 2]);
  });

  test('the gradient of a zeroed entry is 0', () => {
    expect(values(grad((t: Tensor) => triu(t).sum())(tensor([[1, 2], [3, 4]])))).toEqual([1, 1, 0, 1]);
  });

  test('bad arguments are errors naming the call', () => {
    expectThrows(() => tril(tensor([1, 2])), ShapeError, 'tril: needs a matrix or a stack of them (rank ≥ 2), got shape [2]');
    expectThrows(() => triu(x, 0.5), ValueError, 'triu: k must be an integer (the diagonal: 0 the main one, > 0 above, < 0 below), got 0.5');
  });
});
