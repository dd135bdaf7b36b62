/**
 * solve, inv, slogdet, det and cholesky: values by hand, stacks and broadcasting, singular and
 * indefinite matrices, and errors. Their derivatives are checked against finite differences by
 * checkAllOps (packages/gradcheck), and values and gradients against PyTorch in
 * test/pytorch-agreement.test.ts.
 */
import { ShapeError, Tensor, ValueError, cholesky, det, grad, inv, matmul, slogdet, solve, tensor } from '@adjoint/core';
import { expectThrows } from '../testing/expect-throws';

type Nested = number | Nested[];
const close = (t: Tensor, want: Nested, digits = 12): void => {
  const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
  const got = flat(t.toArray());
  flat(want).forEach((w, i) => expect(got[i]).toBeCloseTo(w, digits));
};

describe('solve and inv', () => {
  const a = tensor([[2, 1], [1, 3]]);

  test('solves for a matrix or a vector; a stack broadcasts against one right-hand side', () => {
    close(solve(a, tensor([[3], [5]])), [[0.8], [1.4]]);
    close(solve(a, tensor([3, 5])), [0.8, 1.4]);
    expect(solve(a, tensor([3, 5])).shape).toEqual([2]);
    const stack = tensor([[[2, 1], [1, 3]], [[0, 1], [1, 0]]]); // the second needs a row swap
    close(solve(stack, tensor([3, 5])), [[0.8, 1.4], [5, 3]]);
    close(matmul(inv(a), a), [[1, 0], [0, 1]]);
    close(inv(tensor([[0, 2], [4, 0]])), [[0, 0.25], [0.5, 0]]);
  });

  test('a matrix holding NaN or ±∞ gives NaN; a singular one is a ValueError saying where in the stack', () => {
    expect(Array.from(solve(tensor([[NaN, 1], [1, 1]]), tensor([1, 1])).data).every(Number.isNaN)).toBe(true);
    expectThrows(() => solve(tensor([[1, 2], [2, 4]]), tensor([1, 1])), ValueError, 'solve: the matrix is singular (a pivot of its LU factorisation is 0)');
    expectThrows(() => inv(tensor([[[1, 0], [0, 1]], [[0, 0], [0, 1]]])), ValueError, 'inv: the matrix at position 1 of the stack is singular');
  });

  test('shapes that do not fit are ShapeErrors naming solve', () => {
    expectThrows(() => solve(tensor([[1, 2, 3], [4, 5, 6]]), tensor([1, 2])), ShapeError, 'solve: needs a square matrix or a stack of them (shape [..., n, n]), got [2, 3]');
    expectThrows(() => solve(a, tensor([1, 2, 3])), ShapeError, 'solve: b must be [2] or [..., 2, k] for a of shape [2, 2], got [3]');
    expectThrows(() => solve(tensor([[[1, 0], [0, 1]], [[1, 0], [0, 1]]]), tensor([[[1], [1]], [[1], [1]], [[1], [1]]])), ShapeError, 'solve');
    expectThrows(() => inv(tensor([1, 2])), ShapeError, 'inv: needs a square matrix');
  });
});

describe('slogdet and det', () => {
  test('sign and log |det|, −∞ and sign 0 for a singular matrix, per matrix of a stack', () => {
    const [sign, logAbs] = slogdet(tensor([[[0, 2], [3, 0]], [[1, 2], [2, 4]]]));
    expect(sign.toArray()).toEqual([-1, 0]);
    close(logAbs.slice([0], [1]), [Math.log(6)]);
    expect(logAbs.data[1]).toBe(-Infinity);
    close(det(tensor([[0, 2], [3, 0]])), -6);
    expect(det(tensor([[1, 2], [2, 4]])).item()).toBe(0);
    const [nanSign, nanLog] = slogdet(tensor([[NaN, 0], [0, 1]]));
    expect([nanSign.item(), nanLog.item()]).toEqual([NaN, NaN]);
  });

  test('the gradient of det is det·A⁻ᵀ; at a singular matrix it is refused, not made up', () => {
    close(grad((x: Tensor) => det(x))(tensor([[2, 1], [1, 3]])), [[3, -1], [-1, 2]]);
    expectThrows(() => grad((x: Tensor) => det(x))(tensor([[1, 2], [2, 4]])), ValueError, 'det: the matrix is singular', 'need A invertible (at a singular matrix det′ is the adjugate, which adjoint does not compute)');
    expectThrows(() => grad((x: Tensor) => slogdet(x)[1])(tensor([[1, 2], [2, 4]])), ValueError, 'slogdet: the matrix is singular');
    expectThrows(() => slogdet(tensor([[1, 2, 3]])), ShapeError, 'slogdet: needs a square matrix');
    expectThrows(() => det(tensor([1, 2, 3])), ShapeError, 'det: needs a square matrix');
  });
});

describe('cholesky', () => {
  test('the lower factor, from the lower triangle only, for a matrix or a stack', () => {
    close(cholesky(tensor([[4, 2], [2, 5]])), [[2, 0], [1, 2]]);
    close(cholesky(tensor([[4, 999], [2, 5]])), [[2, 0], [1, 2]]); // the upper triangle is not read
    const l = cholesky(tensor([[[9, 3], [3, 5]], [[1, 0], [0, 4]]]));
    close(l, [[[3, 0], [1, 2]], [[1, 0], [0, 2]]]);
    expect(Array.from(grad((x: Tensor) => cholesky(x).sum())(tensor([[4, 2], [2, 5]])).data)[1]).toBe(0);
  });

  test('a matrix that is not positive definite is a ValueError saying which block fails', () => {
    expectThrows(() => cholesky(tensor([[1, 2], [2, 1]])), ValueError, 'cholesky: the matrix is not positive definite (its leading 2×2 block is not; a NaN does this too)');
    expectThrows(() => cholesky(tensor([[[1, 0], [0, 1]], [[-1, 0], [0, 1]]])), ValueError, 'cholesky: the matrix at position 1 of the stack is not positive definite (its leading 1×1 block');
    expectThrows(() => cholesky(tensor([[NaN, 0], [0, 1]])), ValueError, 'not positive definite');
    expectThrows(() => cholesky(tensor([1, 2])), ShapeError, 'cholesky: needs a square matrix');
  });
});
