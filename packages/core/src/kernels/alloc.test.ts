import { allocData, allocForOverwrite, recycleData } from './alloc';
import { linear, matmul, randn, scalar, tensor } from '../index';

describe('allocData', () => {
  it('gives zeroed arrays of the requested length, small ones sharing a slab without overlapping', () => {
    const views = Array.from({ length: 300 }, (_, i) => allocData(1 + (i % 8)));
    views.forEach((v, i) => {
      expect(v.length).toBe(1 + (i % 8));
      expect(v.every((x) => x === 0)).toBe(true);
    });
    // Fill each with its own index, then check that no write landed in a neighbour.
    views.forEach((v, i) => v.fill(i));
    views.forEach((v, i) => expect(v.every((x) => x === i)).toBe(true));
    expect(views[0]!.buffer).toBe(views[1]!.buffer);
    expect(new Set(views.map((v) => v.buffer)).size).toBeGreaterThan(1); // 300 views of ~4.5 outgrow one slab
  });

  it('gives large arrays a buffer of their own', () => {
    const big = allocData(1000);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(8000);
    expect(allocData(0).length).toBe(0);
  });

  it('keeps small tensors independent: ops on one never show in another', () => {
    const a = scalar(1);
    const b = scalar(2);
    const c = a.add(b);
    a.data[0] = 10;
    expect([b.item(), c.item()]).toEqual([2, 3]);
    expect(tensor([1, 2]).add(1).toArray()).toEqual([2, 3]);
  });
});

describe('recycleData', () => {
  it('hands a recycled array to the next allocation of its length, zeroed, and only once', () => {
    const a = allocData(1001).fill(7);
    recycleData(a);
    expect(allocData(1002)).not.toBe(a); // another length
    const again = allocData(1001);
    expect(again).toBe(a);
    expect(again.every((x) => x === 0)).toBe(true);
    expect(allocData(1001)).not.toBe(a);
  });

  it('ignores views into larger buffers, which other arrays share', () => {
    const whole = allocData(2006);
    const half = whole.subarray(0, 1003);
    recycleData(half);
    expect(allocData(1003)).not.toBe(half);
  });

  it('keeps at most 64 MiB of spares', () => {
    const n = 1 << 20; // 8 MiB each
    const arrays = Array.from({ length: 9 }, () => allocData(n));
    arrays.forEach(recycleData);
    const reused = Array.from({ length: 9 }, () => allocData(n)).filter((b) => arrays.includes(b));
    expect(reused).toHaveLength(8);
  });
});

describe('allocForOverwrite', () => {
  it('hands out a recycled array as it is, without zeroing it', () => {
    const a = allocData(1005).fill(3);
    recycleData(a);
    const again = allocForOverwrite(1005);
    expect(again).toBe(a);
    expect(again[1004]).toBe(3);
    expect(allocForOverwrite(1005).every((x) => x === 0)).toBe(true); // a new one is zeroed all the same
  });

  it('is only used by kernels that write every element: matmul and linear into recycled NaNs', () => {
    const x = randn([6, 5, 3], { seed: 1 });
    const w = randn([3, 4], { seed: 2 });
    const b = randn([4], { seed: 3 });
    const expected = matmul(x, w).add(b).toArray();
    const poisoned = (): Float64Array => {
      const a = allocData(6 * 5 * 4).fill(NaN);
      recycleData(a);
      return a;
    };
    let reused = poisoned();
    const product = matmul(x, w);
    expect(product.data).toBe(reused);
    expect(product.add(b).toArray()).toEqual(expected);
    reused = poisoned();
    const fused = linear(x, w, b);
    expect(fused.data).toBe(reused);
    expect(fused.toArray()).toEqual(expected);
  });
});
