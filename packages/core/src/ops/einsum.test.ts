/**
 * einsum: values by hand, second order and tangents through its composite, and errors. Its
 * agreement with torch.einsum on random operands, gradients included, is in
 * test/pytorch-agreement.test.ts.
 */
import { ShapeError, Tensor, ValueError, einsum, hessian, jvp, matmul, tensor } from '@adjoint/core';
import { expectThrows } from '../testing/expect-throws';

describe('einsum', () => {
  const a = tensor([[1, 2], [3, 4]]);
  const b = tensor([[5, 6], [7, 8]]);

  test('products, traces, diagonals, outer products and totals', () => {
    expect(einsum('ij,jk->ik', a, b).toArray()).toEqual(matmul(a, b).toArray());
    expect(einsum('ij,jk', a, b).toArray()).toEqual(matmul(a, b).toArray());
    expect(einsum('ii', a).item()).toBe(5);
    expect(einsum('ii->i', a).toArray()).toEqual([1, 4]);
    expect(einsum('ij->ji', a).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(einsum('i,j->ij', tensor([1, 2]), tensor([3, 4, 5])).toArray()).toEqual([[3, 4, 5], [6, 8, 10]]);
    expect(einsum('ij->', a).item()).toBe(10);
    expect(einsum('ij,ij->i', a, b).toArray()).toEqual([17, 53]);
    expect(einsum('iii', tensor([[[1, 0], [0, 0]], [[0, 0], [0, 2]]])).item()).toBe(3);
    expect(einsum('...ij,...jk->...ik', tensor([[[1, 0], [0, 1]]]), b).toArray()).toEqual([[[5, 6], [7, 8]]]);
    expect(einsum('iJ,Jk->ik', a, b).toArray()).toEqual(matmul(a, b).toArray());
  });

  test('operands written in an awkward order are still contracted pair by pair without an outer product of all', () => {
    const [x, y, z] = [tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]]), tensor([[1, 0], [2, 1]])];
    // 'ij,kl,jk->il' is x·z·y: the greedy order contracts x with z (sharing j) before y.
    expect(einsum('ij,kl,jk->il', x, y, z).toArray()).toEqual(matmul(matmul(x, z), y).toArray());
  });

  test('second order and tangents come through: the Hessian of xᵀAx is A + Aᵀ', () => {
    const quadratic = (x: Tensor) => einsum('i,ij,j->', x, a, x);
    expect(hessian(quadratic)(tensor([0.5, -1])).toArray()).toEqual([[2, 5], [5, 8]]);
    const [, tangent] = jvp((x: Tensor) => einsum('ij,j->i', a, x), [tensor([1, 1])], [tensor([1, 0])]);
    expect(tangent.toArray()).toEqual([1, 3]);
  });

  test('bad subscripts and shapes are errors naming einsum', () => {
    expectThrows(() => einsum('ij,jk->ik', a), ValueError, "einsum: 'ij,jk->ik' names 2 operands, got 1");
    expectThrows(() => einsum('ij,jk->ik', a, tensor([1, 2])), ShapeError, "einsum: operand 1 has shape [2] (1 axis), but 'jk' names 2");
    expectThrows(() => einsum('ij,jk->ik', a, tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]])), ShapeError, "einsum: index 'j' has size 2 in one operand and 3 in operand 1 (shape [3, 3])");
    expect(einsum('ij,jk->ik', a, tensor([[1, 2, 3]])).toArray()).toEqual([[3, 6, 9], [7, 14, 21]]); // a size-1 axis broadcasts
    expectThrows(() => einsum('ij->iz', a), ValueError, "einsum: the output index 'z' is in no operand of 'ij->iz'");
    expectThrows(() => einsum('ij->ii', a), ValueError, "einsum: an output index appears twice in 'ij->ii'");
    expectThrows(() => einsum('i1', a), ValueError, "einsum: subscripts are letters, ',' and '->' (and '...'), got '1' in 'i1'");
    expectThrows(() => einsum('...i...', a), ValueError, "einsum: '...' appears twice in operand 0 of '...i...'");
    expectThrows(() => einsum('ijk...', a), ShapeError, "einsum: operand 0 'ijk...' names more axes than its shape [2, 2] has");
    expectThrows(() => einsum(3 as never, a), ValueError, "einsum: subscripts must be a string such as 'ij,jk->ik', got 3");
    expectThrows(() => einsum('ii', tensor([[1, 2, 3]])), ShapeError, "einsum: index 'i' is repeated in operand 0 (shape [1, 3]) over axes of sizes 1 and 3; a diagonal needs one size");
    expectThrows(() => einsum('...i,...i->...', tensor([[1, 2, 3], [4, 5, 6]]), tensor([[1, 2, 3], [1, 2, 3], [1, 2, 3]])), ShapeError, "einsum: axis 0 of '...' has size 2 in one operand and 3 in operand 1");
    expectThrows(() => einsum('...i->i', a), ValueError, "einsum: the operands have '...' axes but the output 'i' has no '...'");
  });
});
