/**
 * vmap: values equal to the separate calls, in and out axes, arguments passed whole, lists of
 * outputs, composition with grad and jvp (per-sample gradients), nesting, and errors.
 */
import { ShapeError, ValueError, grad, jvp, matmul, ones, randn, stack, tensor, vmap, type Tensor } from '@adjoint/core';
import { expectThrows } from '../testing/expect-throws';

const dot = (a: Tensor, b: Tensor): Tensor => a.mul(b).sum();

describe('vmap', () => {
  test('maps over axis 0 of every argument by default', () => {
    expect(vmap(dot)(tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]])).toArray()).toEqual([17, 53]);
  });

  test('inAxes picks each argument’s batch axis, null passes one whole; outAxes places the batch axis', () => {
    const xs = tensor([[1, 3], [2, 4]]); // examples are its columns: axis 1
    expect(vmap(dot, [1, null])(xs, tensor([1, 10])).toArray()).toEqual([21, 43]);
    expect(vmap(dot, [-1, null])(xs, tensor([1, 10])).toArray()).toEqual([21, 43]);
    const outer = (v: Tensor): Tensor => v.mul(tensor([1, 2, 3]));
    expect(vmap(outer, 0, 1)(tensor([1, 10])).toArray()).toEqual([[1, 10], [2, 20], [3, 30]]);
    expect(vmap((v: Tensor, k: number) => v.mul(k), [0, null])(tensor([1, 2]), 3).toArray()).toEqual([3, 6]);
  });

  test('equals the batched computation, bit for bit with the separate calls', () => {
    const w = randn([4, 3], { seed: 1 });
    const xs = randn([5, 2, 4], { seed: 2 });
    const mapped = vmap((x: Tensor) => matmul(x, w).tanh(), [0])(xs);
    const separate = stack([0, 1, 2, 3, 4].map((k) => matmul(xs.slice([k, 0, 0], [1, 2, 4]).reshape([2, 4]), w).tanh()));
    expect(Array.from(mapped.data)).toEqual(Array.from(separate.data));
    const batched = matmul(xs, w).tanh();
    Array.from(batched.data).forEach((v, i) => expect(mapped.data[i]).toBeCloseTo(v, 14));
  });

  test('a function returning a list gives a list, each output with its own out axis', () => {
    const [sums, doubled] = vmap((v: Tensor) => [v.sum(), v.mul(2)], 0, [0, 1])(tensor([[1, 2], [3, 4]]));
    expect(sums!.toArray()).toEqual([3, 7]);
    expect(doubled!.toArray()).toEqual([[2, 6], [4, 8]]);
  });

  test('per-sample gradients: vmap of grad, with the weights passed whole', () => {
    const loss = (w: Tensor, x: Tensor, y: Tensor): Tensor => dot(w, x).sub(y).square();
    const w = tensor([0.5, -1]);
    const xs = tensor([[1, 2], [3, 4], [5, 6]]);
    const ys = tensor([1, 0, 2]);
    const each = vmap(grad(loss), [null, 0, 0])(w, xs, ys);
    // d/dw (w·x − y)² = 2(w·x − y)x: residuals −2.5, −2.5, −5.5.
    expect(each.toArray()).toEqual([[-5, -10], [-15, -20], [-55, -66]]);
  });

  test('grad and jvp differentiate through a vmapped function', () => {
    const f = vmap((x: Tensor) => x.square().sum());
    const xs = tensor([[1, 2], [3, 4]]);
    expect(grad((t: Tensor) => f(t).sum())(xs).toArray()).toEqual([[2, 4], [6, 8]]);
    const [value, tangent] = jvp(f, [xs], [ones([2, 2])]);
    expect(value.toArray()).toEqual([5, 25]);
    expect(tangent.toArray()).toEqual([6, 14]);
  });

  test('nests: a vmap of a vmap maps over two axes', () => {
    const products = vmap(vmap((a: Tensor, b: Tensor) => a.mul(b), [0, null]), [null, 0])(tensor([1, 2, 3]), tensor([10, 100]));
    expect(products.toArray()).toEqual([[10, 20, 30], [100, 200, 300]]);
  });

  test('leaves its arguments as they were', () => {
    const xs = tensor([[1, 2], [3, 4]]);
    vmap((x: Tensor) => x.mul(2))(xs);
    expect(xs.toArray()).toEqual([[1, 2], [3, 4]]);
  });

  test('errors name vmap and what does not fit', () => {
    expectThrows(() => vmap(dot, 'x' as never), ValueError, 'vmap: inAxes must be an axis, null, or a list of them');
    expectThrows(() => vmap(dot, 0, [0.5] as never), ValueError, 'vmap: outAxes must be an axis or a list of them');
    expectThrows(() => vmap(42 as never), ValueError, 'vmap');
    expectThrows(() => vmap(dot)(tensor([1, 2]), tensor([1, 2, 3])), ShapeError, 'vmap: mapped arguments need one batch size, got 2 (argument 0) and 3 (argument 1, shape [3], axis 0)');
    expectThrows(() => vmap(dot, [0])(tensor([1]), tensor([1])), ValueError, 'vmap: inAxes lists 1 axes for 2 argument(s)');
    expectThrows(() => vmap(dot, null)(tensor([1]), tensor([1])), ValueError, 'vmap: no argument is mapped');
    expectThrows(() => vmap(dot)(tensor(1), tensor([1])), ValueError, 'vmap: argument 0 is a scalar, which has no axis 0 to map over');
    expectThrows(() => vmap(dot, 2)(tensor([1]), tensor([1])), ValueError, 'vmap');
    expectThrows(() => vmap((x: Tensor) => x.sum())(tensor([])), ValueError, 'vmap: the batch is empty');
    expectThrows(() => vmap(() => 3 as never)(tensor([1, 2])), ValueError, 'vmap: the function must return a Tensor or a list of Tensors, the same kind for every example; for example 0 it returned 3');
    expectThrows(() => vmap((x: Tensor) => (x.item() > 1 ? x.reshape([1]) : x))(tensor([1, 2])), ShapeError, 'vmap: output 0 must have one shape for every example, got [] and [1] (example 1)');
    expectThrows(() => vmap((x: Tensor) => [x, x], 0, [0])(tensor([1, 2])), ValueError, 'vmap: outAxes lists 1 axes for 2 output(s)');
    expectThrows(() => vmap((x: Tensor) => x, 0, 2)(tensor([1, 2])), ValueError, 'vmap');
  });

  test('takes its axes when made: changing the lists afterwards changes nothing', () => {
    const inAxes: (number | null)[] = [0, null];
    const outAxes = [0];
    const f = vmap((a: Tensor, b: Tensor) => [a.mul(b)], inAxes, outAxes);
    inAxes[0] = 0.5;
    outAxes[0] = 7;
    expect(f(tensor([[1, 2], [3, 4]]), tensor([1, 10]))[0]!.toArray()).toEqual([[1, 20], [3, 40]]);
  });

  test('an axis out of range names inAxes or outAxes, and the argument or output it is for', () => {
    expectThrows(() => vmap(dot, [0, 2])(tensor([[1, 2]]), tensor([[1, 2]])), ValueError, 'vmap: inAxes 2 is out of range for argument 1, of shape [1, 2] (valid: -2 to 1)');
    expectThrows(() => vmap((x: Tensor) => [x.mul(2), x.sum()], 0, 1)(tensor([[1, 2]])), ValueError, 'vmap: outAxes 1 is out of range for output 1, whose examples have shape [] (valid: -1 to 0)');
  });
});
