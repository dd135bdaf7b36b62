/**
 * `Tensor.toString()`: NumPy-like text. The rules (format.ts): integers print without decimals when
 * every shown value is an integer below 1e15; otherwise 4 decimals, or exponential with 4 digits
 * when the largest |v| ≥ 1e6 or the smallest nonzero |v| < 1e-4; NaN/±∞ print as nan/inf/-inf;
 * every cell is right-aligned to the widest; rows continue under the first bracket; tensors of more
 * than 1000 elements show 3 entries at each end of every axis with `...` and add `shape=[…]`; an
 * empty tensor of more than one axis prints as `tensor([], shape=[…])`, as NumPy prints it.
 */
import { add, arange, ones, scalar, tensor, zeros } from '@adjoint/core';

describe('scalars', () => {
  it('an integer', () => {
    expect(scalar(3).toString()).toBe('tensor(3)');
  });

  it('a negative integer', () => {
    expect(scalar(-42).toString()).toBe('tensor(-42)');
  });

  it('a decimal has 4 places', () => {
    expect(scalar(2.5).toString()).toBe('tensor(2.5000)');
    expect(scalar(1 / 3).toString()).toBe('tensor(0.3333)');
    expect(scalar(2 / 3).toString()).toBe('tensor(0.6667)'); // rounded, not truncated
  });

  it('negative zero prints as 0', () => {
    expect(scalar(-0).toString()).toBe('tensor(0)');
  });

  it('NaN and infinities', () => {
    expect(scalar(NaN).toString()).toBe('tensor(nan)');
    expect(scalar(Infinity).toString()).toBe('tensor(inf)');
    expect(scalar(-Infinity).toString()).toBe('tensor(-inf)');
  });
});

describe('vectors', () => {
  it('integers', () => {
    expect(tensor([1, 2, 3]).toString()).toBe('tensor([1, 2, 3])');
  });

  it('integers of different widths are right-aligned to the widest ("-2" and "10": 2)', () => {
    expect(tensor([1, -2, 10]).toString()).toBe('tensor([ 1, -2, 10])');
  });

  it('decimals: one non-integer switches every cell to 4 places', () => {
    // "1.5000" and "2.0000" are 6 wide, "-0.2500" is 7.
    expect(tensor([1.5, 2, -0.25]).toString()).toBe('tensor([ 1.5000,  2.0000, -0.2500])');
  });

  it('negative zero among integers prints as 0', () => {
    expect(tensor([-0, 1]).toString()).toBe('tensor([0, 1])');
  });

  it('NaN and infinities among integers', () => {
    // widths: "1" 1, "nan" 3, "inf" 3, "-inf" 4 → all padded to 4.
    expect(tensor([1, NaN, Infinity, -Infinity]).toString()).toBe('tensor([   1,  nan,  inf, -inf])');
  });

  it('NaN among decimals', () => {
    expect(tensor([0.5, NaN]).toString()).toBe('tensor([0.5000,    nan])');
  });

  it('only NaN', () => {
    expect(tensor([NaN, NaN]).toString()).toBe('tensor([nan, nan])');
  });

  it('small magnitudes switch to exponential notation (smallest nonzero |v| < 1e-4)', () => {
    expect(tensor([1e-5, 1]).toString()).toBe('tensor([1.0000e-5, 1.0000e+0])');
  });

  it('large magnitudes switch to exponential notation (largest |v| ≥ 1e6) once a value is not an integer', () => {
    expect(tensor([1.5e6, 2.5]).toString()).toBe('tensor([1.5000e+6, 2.5000e+0])');
  });

  it('zero does not count as a small magnitude', () => {
    expect(tensor([0, 0.5]).toString()).toBe('tensor([0.0000, 0.5000])');
  });

  it('large integers below 1e15 stay integers', () => {
    expect(tensor([123456789, 1]).toString()).toBe('tensor([123456789,         1])');
  });

  it('integers of 1e15 and above are printed in exponential notation', () => {
    expect(tensor([1e15]).toString()).toBe('tensor([1.0000e+15])');
  });

  it('an empty vector', () => {
    expect(zeros([0]).toString()).toBe('tensor([])');
  });
});

describe('matrices', () => {
  it('rows continue under the first bracket', () => {
    expect(tensor([[1, 2], [3, 4]]).toString()).toBe('tensor([[1, 2],\n        [3, 4]])');
  });

  it('columns are aligned across rows (every cell as wide as "-20" and "300")', () => {
    expect(tensor([[1, -20], [300, 4]]).toString()).toBe('tensor([[  1, -20],\n        [300,   4]])');
  });

  it('decimals with negative numbers', () => {
    // "-1.0000" 7, "2.5000" 6, "100.1250" 8, "0.0000" 6 → width 8.
    expect(tensor([[-1, 2.5], [100.125, 0]]).toString()).toBe('tensor([[ -1.0000,   2.5000],\n        [100.1250,   0.0000]])');
  });

  it('a column vector', () => {
    expect(tensor([[-1.5], [10.25]]).toString()).toBe('tensor([[-1.5000],\n        [10.2500]])');
  });

  it('a matrix with a zero-length axis prints its shape, as NumPy does', () => {
    expect(zeros([2, 0]).toString()).toBe('tensor([], shape=[2, 0])');
    expect(zeros([0, 3]).toString()).toBe('tensor([], shape=[0, 3])'); // once tensor([]), the shape lost
    expect(zeros([2, 0], { requiresGrad: true }).toString()).toBe('tensor([], shape=[2, 0], requiresGrad=true)');
  });

  it('an empty tensor with long leading axes prints at once (once a line per row: 10⁵ × 10⁵ never finished)', () => {
    const started = Date.now();
    expect(zeros([100_000, 100_000, 0]).toString()).toBe('tensor([], shape=[100000, 100000, 0])');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('3-D tensors', () => {
  it('blocks are separated by a blank line and indented one more space per level', () => {
    const t = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
    expect(t.toString()).toBe(
      'tensor([[[1, 2],\n' +
      '         [3, 4]],\n' +
      '\n' +
      '        [[5, 6],\n' +
      '         [7, 8]]])',
    );
  });

  it('a [1, 2, 3] tensor with decimals', () => {
    const t = tensor([[[0.5, 1, 1.5], [2, 2.5, -3]]]);
    expect(t.toString()).toBe('tensor([[[ 0.5000,  1.0000,  1.5000],\n         [ 2.0000,  2.5000, -3.0000]]])');
  });
});

describe('requiresGrad', () => {
  it('a leaf that requires grad says so', () => {
    expect(tensor([1, 2], { requiresGrad: true }).toString()).toBe('tensor([1, 2], requiresGrad=true)');
    expect(scalar(1, { requiresGrad: true }).toString()).toBe('tensor(1, requiresGrad=true)');
  });

  it('so does a result recorded from one', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(add(x, 1).toString()).toBe('tensor([2, 3], requiresGrad=true)');
  });

  it('a detached tensor does not', () => {
    expect(tensor([1, 2], { requiresGrad: true }).detach().toString()).toBe('tensor([1, 2])');
  });
});

describe('large tensors are elided', () => {
  it('1000 elements are printed in full', () => {
    const s = arange(1000).toString();
    expect(s).not.toContain('...');
    expect(s).not.toContain('shape=');
    expect(s.startsWith('tensor([  0,   1,   2,')).toBe(true);
    expect(s.endsWith(' 998, 999])')).toBe(true);
  });

  it('a vector of 2000 shows 3 entries at each end, the shape, and aligns to the shown values', () => {
    expect(arange(2000).toString()).toBe('tensor([   0,    1,    2, ..., 1997, 1998, 1999], shape=[2000])');
  });

  it('1001 elements are already elided', () => {
    expect(arange(1001).toString()).toBe('tensor([   0,    1,    2, ...,  998,  999, 1000], shape=[1001])');
  });

  it('a 40×50 matrix elides rows and columns', () => {
    // Entry (r, c) is 50r + c; rows 0, 1, 2, 37, 38, 39 and columns 0, 1, 2, 47, 48, 49 are shown.
    expect(arange(2000).reshape([40, 50]).toString()).toBe(
      'tensor([[   0,    1,    2, ...,   47,   48,   49],\n' +
      '        [  50,   51,   52, ...,   97,   98,   99],\n' +
      '        [ 100,  101,  102, ...,  147,  148,  149],\n' +
      '        ...,\n' +
      '        [1850, 1851, 1852, ..., 1897, 1898, 1899],\n' +
      '        [1900, 1901, 1902, ..., 1947, 1948, 1949],\n' +
      '        [1950, 1951, 1952, ..., 1997, 1998, 1999]], shape=[40, 50])',
    );
  });

  it('short axes of a large tensor are shown in full', () => {
    // [2, 2, 300]: entry (i, j, k) is 600i + 300j + k.
    expect(arange(1200).reshape([2, 2, 300]).toString()).toBe(
      'tensor([[[   0,    1,    2, ...,  297,  298,  299],\n' +
      '         [ 300,  301,  302, ...,  597,  598,  599]],\n' +
      '\n' +
      '        [[ 600,  601,  602, ...,  897,  898,  899],\n' +
      '         [ 900,  901,  902, ..., 1197, 1198, 1199]]], shape=[2, 2, 300])',
    );
  });

  it('the shape note comes before the requiresGrad note', () => {
    const t = arange(2000);
    t.requiresGrad = true;
    expect(t.toString()).toBe('tensor([   0,    1,    2, ..., 1997, 1998, 1999], shape=[2000], requiresGrad=true)');
  });

  it('a large tensor none of whose axes is long enough to elide prints in full (once a RangeError: stack overflow)', () => {
    const text = ones([4, 4, 4, 4, 4, 4, 4, 4, 4]).toString(); // 262,144 elements, all shown
    expect(text.startsWith('tensor([[[[[[[[[1, 1, 1, 1],')).toBe(true);
    expect(text.endsWith('1, 1, 1, 1]]]]]]]]], shape=[4, 4, 4, 4, 4, 4, 4, 4, 4])')).toBe(true);
    expect(text.match(/1/g)).toHaveLength(262_144);
  });

  it('a large tensor of decimals', () => {
    const t = arange(2000).div(4); // 0, 0.25, 0.5, …, 499.25, 499.5, 499.75
    expect(t.toString()).toBe('tensor([  0.0000,   0.2500,   0.5000, ..., 499.2500, 499.5000, 499.7500], shape=[2000])');
  });
});

describe('String() and template literals use toString', () => {
  it('String(t)', () => {
    expect(String(tensor([1, 2]))).toBe('tensor([1, 2])');
    expect(`${tensor([[1]])}`).toBe('tensor([[1]])');
  });
});
