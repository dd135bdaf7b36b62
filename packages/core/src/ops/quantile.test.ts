/**
 * quantile and median: NumPy's values for every method (worked out by hand below), NaN, layouts,
 * gradients and errors. Their fuzz specs compare them with a naive reference.
 */
import { ValueError, grad, median, quantile, tensor, type Tensor } from '@adjoint/core';
import { expectThrows } from '../testing/expect-throws';

// Sorted: [1, 2, 3, 4, 5]; the quantile at q lies at position 4q.
const x = tensor([3, 1, 4, 5, 2]);

describe('quantile', () => {
  test('each method at a position between two elements (q = 0.3: position 1.2, between 2 and 3)', () => {
    expect(quantile(x, 0.3).item()).toBeCloseTo(2.2, 15);
    expect(quantile(x, 0.3, undefined, false, { method: 'lower' }).item()).toBe(2);
    expect(quantile(x, 0.3, undefined, false, { method: 'higher' }).item()).toBe(3);
    expect(quantile(x, 0.3, undefined, false, { method: 'nearest' }).item()).toBe(2);
    expect(quantile(x, 0.3, undefined, false, { method: 'midpoint' }).item()).toBe(2.5);
  });

  test("'nearest' rounds a half to the even index, and every method is exact at an element", () => {
    const y = tensor([10, 20, 30, 40]); // q = 0.5: position 1.5 → index 2; q = 1/6: 0.5 → index 0
    expect(quantile(y, [0.5, 1 / 6], undefined, false, { method: 'nearest' }).toArray()).toEqual([30, 10]);
    for (const method of ['linear', 'lower', 'higher', 'nearest', 'midpoint'] as const) {
      expect(quantile(x, [0, 0.25, 1], undefined, false, { method }).toArray()).toEqual([1, 2, 5]);
    }
  });

  test('over an axis or several; a list of q is the first axis; keepDims keeps the reduced ones as 1', () => {
    const m = tensor([[1, 5, 3], [4, 2, 6]]);
    expect(quantile(m, 0.5, 1).toArray()).toEqual([3, 4]);
    expect(quantile(m, [0, 1], 0).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(quantile(m, [0, 1], 1, true).shape).toEqual([2, 2, 1]);
    expect(quantile(m, 0.5, [0, 1], true).toArray()).toEqual([[3.5]]);
    expect(quantile(m, 0.5).item()).toBe(3.5);
  });

  test('NaN in a lane makes its quantiles NaN (NumPy); ±∞ sort to the ends and are kept where a quantile falls on them', () => {
    expect(quantile(tensor([[1, NaN, 3], [1, 2, 3]]), 0.5, 1).toArray()).toEqual([NaN, 2]);
    // NumPy gives NaN for all three: its interpolation subtracts ∞ from ∞ even at t = 0.
    expect(quantile(tensor([-Infinity, 0, Infinity]), [0, 0.5, 1]).toArray()).toEqual([-Infinity, 0, Infinity]);
    expect(quantile(tensor([1, Infinity, Infinity]), 0.75).item()).toBe(Infinity);
  });

  test('the gradient goes to the two neighbours, weighted as interpolated', () => {
    // q = 0.3 reads 0.8·(the 2, at index 4) + 0.2·(the 3, at index 0).
    const g = grad((t: Tensor) => quantile(t, 0.3))(x).data;
    expect(g[4]).toBeCloseTo(0.8, 15);
    expect(g[0]).toBeCloseTo(0.2, 15);
    expect([g[1], g[2], g[3]]).toEqual([0, 0, 0]);
  });

  test('errors name quantile', () => {
    expectThrows(() => quantile(x, 1.5), ValueError, 'quantile: q must be a number in [0, 1] or a non-empty list of them, got 1.5');
    expectThrows(() => quantile(x, []), ValueError, 'quantile: q must be');
    expectThrows(() => quantile(x, NaN), ValueError, 'quantile: q must be');
    expectThrows(() => quantile(tensor([]), 0.5), ValueError, 'quantile: an empty lane has no quantile, and the tensor of shape [0] is empty');
    expectThrows(() => quantile(x, 0.5, undefined, false, { method: 'cubic' as never }), ValueError, 'quantile');
    expectThrows(() => quantile(x, 0.5, 3), ValueError, 'quantile');
  });

  test('options in the place of keepDims are refused, not taken for keepDims with the method ignored', () => {
    expectThrows(() => quantile(x, 0.3, undefined, { method: 'lower' } as never), ValueError, 'quantile: keepDims must be true or false, got an object (options go after keepDims)');
    expectThrows(() => median(x, 0, 1 as never), ValueError, 'median: keepDims must be true or false, got 1');
  });
});

describe('median', () => {
  test("NumPy's: the middle element, or the mean of the two middle ones", () => {
    expect(median(x).item()).toBe(3);
    expect(median(tensor([3, 1, 4, 1])).item()).toBe(2);
    expect(median(tensor([[3, 1, 4, 1], [5, 9, 2, 6]]), 1).toArray()).toEqual([2, 5.5]);
    expect(median(tensor([[3, 1], [4, 1]]), 0, true).toArray()).toEqual([[3.5, 1]]);
    expect(median(tensor([1, NaN])).item()).toBeNaN();
  });

  test('the gradient goes to the middle element, or half to each', () => {
    expect(grad((t: Tensor) => median(t))(x).toArray()).toEqual([1, 0, 0, 0, 0]);
    expect(grad((t: Tensor) => median(t))(tensor([3, 1, 4, 2])).toArray()).toEqual([0.5, 0, 0, 0.5]);
  });

  test('errors name median', () => {
    expectThrows(() => median(tensor([[]]), 1), ValueError, 'median: an empty lane has no median, and axis 1 of shape [1, 0] is empty');
  });
});
