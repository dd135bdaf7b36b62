import { binaryLoop, unaryLoop } from './specialize';
import { recycleData } from './alloc';

describe('specialised elementwise loops', () => {
  it('each copy has source text of its own (named for its op), so V8 cannot merge copies and their type feedback', () => {
    const [a, b] = [unaryLoop((v: number) => v + 1, 'inc'), unaryLoop((v: number) => v * 2, 'inc')];
    expect(a.name).toMatch(/^unaryLoop_inc_\d+$/);
    expect(a.toString()).not.toBe(b.toString());
    const [c, d] = [binaryLoop((x, y) => x + y), binaryLoop((x, y) => x * y)];
    expect(c.toString()).not.toBe(d.toString());
    expect(Array.from(a(Float64Array.of(1, 2), undefined))).toEqual([2, 3]);
    expect(Array.from(b(Float64Array.of(1, 2), undefined))).toEqual([2, 4]);
  });

  // Each branch of the binary loop, against the value read through broadcasting by hand.
  const sub = binaryLoop((x, y) => x - y);
  const a23 = Float64Array.of(1, 2, 3, 4, 5, 6);
  it.each([
    ['equal shapes', a23, [2, 3], Float64Array.of(6, 5, 4, 3, 2, 1), [2, 3], [2, 3], [-5, -3, -1, 1, 3, 5]],
    ['a scalar on the right', a23, [2, 3], Float64Array.of(1), [], [2, 3], [0, 1, 2, 3, 4, 5]],
    ['a scalar on the left', Float64Array.of(10), [], a23, [2, 3], [2, 3], [9, 8, 7, 6, 5, 4]],
    ['a row on the right', a23, [2, 3], Float64Array.of(1, 2, 3), [3], [2, 3], [0, 0, 0, 3, 3, 3]],
    ['a column on the right', a23, [2, 3], Float64Array.of(1, 4), [2, 1], [2, 3], [0, 1, 2, 0, 1, 2]],
    ['a column on the left', Float64Array.of(10, 20), [2, 1], a23, [2, 3], [2, 3], [9, 8, 7, 16, 15, 14]],
    ['a column of a batch', a23, [1, 2, 3], Float64Array.of(1, 4), [1, 2, 1], [1, 2, 3], [0, 1, 2, 0, 1, 2]],
    ['an outer difference (neither side full)', Float64Array.of(1, 2), [2, 1], Float64Array.of(10, 20, 30), [3], [2, 3], [-9, -19, -29, -8, -18, -28]],
  ] as const)('%s', (_name, a, sa, b, sb, out, expected) => {
    expect(Array.from(sub(a, sa, b, sb, out, undefined))).toEqual(expected);
  });

  // The loops write into reused arrays without zeroing them: every element must be written, on
  // every branch. Spare arrays of the output's length are filled with NaN first.
  describe('every element is written when the output array is a reused one', () => {
    const poisonSpares = (n: number): void => {
      for (let k = 0; k < 4; k++) recycleData(new Float64Array(n).fill(NaN));
    };
    /** a[i] − b[j] through right-aligned broadcasting, element by element. */
    const reference = (a: Float64Array, sa: number[], b: Float64Array, sb: number[], out: number[]): number[] => {
      const read = (x: Float64Array, s: number[], index: number[]): number => {
        let at = 0;
        s.forEach((d, k) => (at = at * d + (d === 1 ? 0 : index[index.length - s.length + k]!)));
        return x[at]!;
      };
      const size = out.reduce((p, d) => p * d, 1);
      return Array.from({ length: size }, (_, flat) => {
        const index = out.map(() => 0);
        for (let k = out.length - 1, rest = flat; k >= 0; k--) [index[k], rest] = [rest % out[k]!, Math.floor(rest / out[k]!)];
        return read(a, sa, index) - read(b, sb, index);
      });
    };
    const values = (n: number, from: number): Float64Array => Float64Array.from({ length: n }, (_, i) => from + i * 1.5);
    it.each([
      ['equal shapes', [4, 3], [4, 3]],
      ['a row', [4, 3], [3]],
      ['a column', [4, 3], [4, 1]],
      ['a column on the left', [4, 1], [4, 3]],
      ['an outer difference', [4, 1], [1, 3]],
    ] as [string, number[], number[]][])('%s', (_name, sa, sb) => {
      const out = [4, 3];
      const size = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);
      const [a, b] = [values(size(sa), 1), values(size(sb), -7)];
      poisonSpares(12);
      expect(Array.from(sub(a, sa, b, sb, out, undefined))).toEqual(reference(a, sa, b, sb, out));
      poisonSpares(12);
      expect(Array.from(unaryLoop((v: number) => v * 3, 'triple')(values(12, 2), undefined))).toEqual(Array.from(values(12, 2), (v) => v * 3));
    });
  });
});
