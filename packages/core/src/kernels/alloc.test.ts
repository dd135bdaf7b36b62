import { allocData } from './alloc';
import { scalar, tensor } from '../index';

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
