import { binaryLoop, unaryLoop } from './specialize';

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
    expect(Array.from(sub(a, sa, b, sb, out))).toEqual(expected);
  });
});
