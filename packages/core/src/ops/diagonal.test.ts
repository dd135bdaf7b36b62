/**
 * diagonal, matrixTrace and diag: values by hand, offsets and axes, gradients, and errors. Their
 * fuzz specs compare them with naive references; PyTorch agreement is in test/pytorch-agreement.test.ts.
 */
import { ValueError, arange, diag, diagonal, einsum, grad, jvp, matrixTrace, ones, reshape, tensor, type Tensor } from '@adjoint/core';
import { expectThrows } from '../testing/expect-throws';

const M = tensor([[1, 2, 3], [4, 5, 6]]);

describe('diagonal', () => {
  test('the main diagonal and those above and below it; one that misses the matrix is empty', () => {
    expect(diagonal(M).toArray()).toEqual([1, 5]);
    expect(diagonal(M, 1).toArray()).toEqual([2, 6]);
    expect(diagonal(M, 2).toArray()).toEqual([3]);
    expect(diagonal(M, -1).toArray()).toEqual([4]);
    expect(diagonal(M, 3).shape).toEqual([0]);
    expect(diagonal(M, -7).shape).toEqual([0]);
  });

  test('of any two axes, the diagonal last (NumPy), and the same as einsum', () => {
    const x = reshape(arange(24), [2, 3, 4]);
    // x[i, j, k] = 12i + 4j + k; the diagonal of axes 0 and 2 at offset 1 is x[d, j, d + 1] for each j.
    expect(diagonal(x, 1, 0, 2).toArray()).toEqual([[1, 14], [5, 18], [9, 22]]);
    // Swapping the axes swaps the offset's sense: axis1 = 2, axis2 = 1 at offset 1 is x[i, d + 1, d].
    expect(diagonal(x, 1, 2, 1).toArray()).toEqual([[4, 9], [16, 21]]);
    const square = reshape(arange(18), [2, 3, 3]);
    expect(diagonal(square, 0, 1, 2).toArray()).toEqual(einsum('bii->bi', square).toArray());
    expect(x.diagonal(0, 1, 2).toArray()).toEqual([[0, 5, 10], [12, 17, 22]]);
  });

  test('gradients go back to the diagonal, in both modes', () => {
    const g = grad((x: Tensor) => diagonal(x, 1).mul(tensor([10, 20])).sum())(M);
    expect(g.toArray()).toEqual([[0, 10, 0], [0, 0, 20]]);
    const [, tangent] = jvp((x: Tensor) => diagonal(x, -1), [M], [ones([2, 3])]);
    expect(tangent.toArray()).toEqual([1]);
  });

  test('errors name diagonal and what was wrong', () => {
    expectThrows(() => diagonal(tensor([1, 2])), ValueError, 'diagonal: needs at least two axes, got shape [2]');
    expectThrows(() => diagonal(M, 0, 1, -1), ValueError, 'diagonal: axis1 and axis2 must be different axes, got 1 and -1 of shape [2, 3]');
    expectThrows(() => diagonal(M, 0.5), ValueError, 'diagonal: offset must be a whole number, got 0.5');
    expectThrows(() => diagonal(M, 0, 0, 2), ValueError, 'diagonal');
  });
});

describe('matrixTrace', () => {
  test('sums a diagonal: of a matrix, at an offset, and of each matrix of a stack', () => {
    expect(matrixTrace(tensor([[1, 2], [3, 4]])).item()).toBe(5);
    expect(matrixTrace(M, 1).item()).toBe(8);
    const stack = reshape(arange(8), [2, 2, 2]);
    expect(matrixTrace(stack, 0, 1, 2).toArray()).toEqual([3, 11]);
    expect(tensor([[1, 2], [3, 4]]).trace()).toBeDefined();
    expect(tensor([[1, 2], [3, 4]]).trace().item()).toBe(5);
    expect(matrixTrace(M, 5).item()).toBe(0); // an empty diagonal sums to 0, as NumPy's
  });

  test('its gradient is the identity (1 on the diagonal)', () => {
    expect(grad((x: Tensor) => matrixTrace(x))(tensor([[1, 2], [3, 4]])).toArray()).toEqual([[1, 0], [0, 1]]);
  });

  test('errors name matrixTrace', () => {
    expectThrows(() => matrixTrace(tensor(3)), ValueError, 'matrixTrace: needs at least two axes, got shape []');
    expectThrows(() => matrixTrace(M, 0, 0, 0), ValueError, 'matrixTrace: axis1 and axis2 must be different axes');
  });
});

describe('diag', () => {
  test('a vector onto a diagonal of a square matrix, and back', () => {
    expect(diag(tensor([1, 2])).toArray()).toEqual([[1, 0], [0, 2]]);
    expect(diag(tensor([1, 2]), 1).toArray()).toEqual([[0, 1, 0], [0, 0, 2], [0, 0, 0]]);
    expect(diag(tensor([1, 2]), -1).toArray()).toEqual([[0, 0, 0], [1, 0, 0], [0, 2, 0]]);
    expect(diag(diag(tensor([7, 8, 9]), -2), -2).toArray()).toEqual([7, 8, 9]);
    expect(diag(M, 1).toArray()).toEqual([2, 6]);
    expect(diag(tensor([])).shape).toEqual([0, 0]);
  });

  test('the gradient of the matrix it builds goes back to the vector', () => {
    const w = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    expect(grad((v: Tensor) => diag(v, 1).mul(w).sum())(tensor([1, 1])).toArray()).toEqual([2, 6]);
  });

  test('errors name diag', () => {
    expectThrows(() => diag(tensor(1)), ValueError, 'diag: needs a vector or a matrix, got shape []');
    expectThrows(() => diag(ones([2, 2, 2])), ValueError, 'diag: needs a vector or a matrix, got shape [2, 2, 2]');
    expectThrows(() => diag(tensor([1]), 1.5), ValueError, 'diag: offset must be a whole number, got 1.5');
    expectThrows(() => diag(tensor([1]), 2 ** 40), ValueError, 'diag: the result');
  });
});
