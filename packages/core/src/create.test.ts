/**
 * Forward behaviour of tensor creation: `tensor` and the constant, range and random constructors,
 * and the basic Tensor accessors (item, toArray, clone, detach, requiresGrad). Expected values are
 * worked out by hand.
 */
import {
  Rng, Tensor, ValueError, add, arange, eye, full, getRngState, linspace, manualSeed, ones, onesLike, rand, randn,
  scalar, setRngState, tensor, zeros, zerosLike, type RngState,
} from '@adjoint/core';
import { expectThrows } from './testing/expect-throws';

/** Asserts that `fn` throws a ValueError (hence an AdjointError) whose message matches every pattern. */
const expectValueError = (fn: () => unknown, ...patterns: (string | RegExp)[]): void => expectThrows(fn, ValueError, ...patterns);

const values = (t: Tensor): number[] => Array.from(t.data);

describe('tensor from numbers and nested arrays', () => {
  it('a number gives a 0-d tensor', () => {
    const t = tensor(2.5);
    expect(t.shape).toEqual([]);
    expect(t.rank).toBe(0);
    expect(t.size).toBe(1);
    expect(values(t)).toEqual([2.5]);
  });

  it('a flat array gives a vector', () => {
    const t = tensor([1, 2, 3]);
    expect(t.shape).toEqual([3]);
    expect(t.size).toBe(3);
    expect(values(t)).toEqual([1, 2, 3]);
  });

  it('a nested array gives its shape, stored row-major', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.rank).toBe(2);
    expect(values(t)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a 3-deep nested array gives a rank-3 tensor', () => {
    const t = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]], [[9, 10], [11, 12]]]);
    expect(t.shape).toEqual([3, 2, 2]);
    expect(values(t)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('empty arrays give zero-size tensors', () => {
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
    expect(tensor([[], []]).size).toBe(0);
  });

  it('keeps NaN and infinities as data', () => {
    const t = tensor([NaN, Infinity, -Infinity]);
    expect(values(t)).toEqual([NaN, Infinity, -Infinity]);
  });

  it('has dtype float64 and stores a Float64Array', () => {
    const t = tensor([1, 2]);
    expect(t.dtype).toBe('float64');
    expect(t.data).toBeInstanceOf(Float64Array);
  });

  it('copies its input array', () => {
    const src = [1, 2, 3];
    const t = tensor(src);
    src[0] = 99;
    expect(values(t)).toEqual([1, 2, 3]);
  });

  it('requiresGrad option marks a leaf', () => {
    const t = tensor([1, 2], { requiresGrad: true });
    expect(t.requiresGrad).toBe(true);
    expect(t.isLeaf).toBe(true);
    expect(tensor([1, 2]).requiresGrad).toBe(false);
  });
});

describe('tensor from flat data with a shape', () => {
  it('reads a flat number[] row-major', () => {
    const t = tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] });
    expect(t.shape).toEqual([2, 3]);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it('reads a Float64Array row-major', () => {
    const t = tensor(new Float64Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2] });
    expect(t.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it('a Float64Array without a shape is a vector', () => {
    const t = tensor(new Float64Array([4, 5]));
    expect(t.shape).toEqual([2]);
    expect(values(t)).toEqual([4, 5]);
  });

  it('copies a Float64Array rather than sharing it', () => {
    const src = new Float64Array([1, 2, 3, 4]);
    const t = tensor(src, { shape: [2, 2] });
    src[0] = 99;
    expect(t.data[0]).toBe(1);
  });

  it('a shape of [] holds one value', () => {
    const t = tensor([7], { shape: [] });
    expect(t.shape).toEqual([]);
    expect(t.item()).toBe(7);
  });

  it('accepts zero-size shapes with empty data', () => {
    expect(tensor([], { shape: [0, 3] }).shape).toEqual([0, 3]);
  });

  it('combines a shape with requiresGrad', () => {
    const t = tensor([1, 2, 3, 4], { shape: [2, 2], requiresGrad: true });
    expect(t.shape).toEqual([2, 2]);
    expect(t.requiresGrad).toBe(true);
  });
});

describe('tensor from typed arrays', () => {
  it('a Float32Array is a vector, its values widened exactly (as NumPy reads float32 into float64)', () => {
    const t = tensor(new Float32Array([0.1, -2.5, Infinity]));
    expect(t.shape).toEqual([3]);
    expect(values(t)).toEqual([0.10000000149011612, -2.5, Infinity]); // Math.fround(0.1), not 0.1
  });

  it('integer arrays of every width, Uint8ClampedArray (canvas pixels) among them, with or without a shape', () => {
    expect(values(tensor(new Int8Array([-128, 127])))).toEqual([-128, 127]);
    expect(values(tensor(new Uint32Array([4294967295])))).toEqual([4294967295]);
    expect(tensor(new Uint8ClampedArray([0, 255, 7, 9]), { shape: [2, 2] }).toArray()).toEqual([[0, 255], [7, 9]]);
    expect(values(tensor(new Int16Array([1, 2]), { shape: [2] }))).toEqual([1, 2]);
  });

  it('rows that are typed arrays', () => {
    const t = tensor([new Float64Array([1, 2]), new Float32Array([3, 4]), [5, 6]]);
    expect(t.shape).toEqual([3, 2]);
    expect(values(t)).toEqual([1, 2, 3, 4, 5, 6]);
    expectValueError(() => tensor([new Float64Array([1, 2]), new Float64Array([3])]), 'tensor', /ragged/, /length 1/);
  });

  it('copies the typed array', () => {
    const src = new Int32Array([1, 2]);
    const t = tensor(src);
    src[0] = 9;
    expect(values(t)).toEqual([1, 2]);
  });
});

describe('tensor rejects bad data with a ValueError', () => {
  it('ragged nested arrays: a short row', () => {
    expectValueError(() => tensor([[1, 2], [3]]), 'tensor', /ragged/, /2/);
  });

  it('ragged nested arrays: a long row', () => {
    expectValueError(() => tensor([[1, 2], [3, 4, 5]]), 'tensor', /ragged/);
  });

  it('ragged nested arrays: a number where a row should be', () => {
    expectValueError(() => tensor([[1, 2], 3] as never), 'tensor', /ragged/);
  });

  it('ragged nested arrays: a row where a number should be', () => {
    expectValueError(() => tensor([1, [2, 3]] as never), 'tensor');
  });

  it('ragged nested arrays: an empty row beside a non-empty one', () => {
    expectValueError(() => tensor([[], [1]]), 'tensor', /ragged/);
    expectValueError(() => tensor([[1], []]), 'tensor', /ragged/);
  });

  it('ragged arrays are also rejected when a shape is given', () => {
    expectValueError(() => tensor([[1, 2], [3]], { shape: [3] }), 'tensor');
  });

  it('strings', () => {
    expectValueError(() => tensor(['a', 'b'] as never), 'tensor', /string/, /a/);
    expectValueError(() => tensor('abc' as never), 'tensor', /string/, /abc/);
    expectValueError(() => tensor([1, '2'] as never), 'tensor', /string/);
  });

  it('booleans', () => {
    expectValueError(() => tensor([true, false] as never), 'tensor', /boolean/, /true/);
    expectValueError(() => tensor([[1, 2], [3, false]] as never), 'tensor', /boolean/, /false/);
  });

  it('null and undefined', () => {
    expectValueError(() => tensor(null as never), 'tensor', /null/);
    expectValueError(() => tensor([1, null] as never), 'tensor', /null/);
    expectValueError(() => tensor([1, undefined] as never), 'tensor', /undefined/);
  });

  it('negative dimensions', () => {
    expectValueError(() => tensor([1, 2], { shape: [-1, -2] }), 'tensor', '[-1, -2]');
    expectValueError(() => tensor([1, 2], { shape: [2, -1] }), 'tensor', '[2, -1]');
  });

  it('fractional dimensions', () => {
    expectValueError(() => tensor([1, 2, 3], { shape: [1.5, 2] }), 'tensor', '[1.5, 2]');
  });

  it('NaN and infinite dimensions', () => {
    expectValueError(() => tensor([1], { shape: [NaN] }), 'tensor', '[NaN]');
    expectValueError(() => tensor([1], { shape: [Infinity] }), 'tensor', '[Infinity]');
  });

  it('data length not matching the shape (number[])', () => {
    // 3 elements cannot fill [2, 2], which needs 4.
    expectValueError(() => tensor([1, 2, 3], { shape: [2, 2] }), 'tensor', '[2, 2]', /3/, /4/);
  });

  it('data length not matching the shape (Float64Array)', () => {
    expectValueError(() => tensor(new Float64Array(5), { shape: [2, 3] }), 'tensor', '[2, 3]', /5/, /6/);
  });

  it('non-empty data for a zero-size shape', () => {
    expectValueError(() => tensor([1, 2], { shape: [0] }), 'tensor', '[0]');
  });
});

describe('scalar', () => {
  it('is a 0-d tensor holding the value', () => {
    const s = scalar(-3.25);
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(-3.25);
  });

  it('accepts requiresGrad', () => {
    expect(scalar(1, { requiresGrad: true }).requiresGrad).toBe(true);
  });
});

describe('zeros, ones, full', () => {
  it('zeros', () => {
    const t = zeros([2, 3]);
    expect(t.shape).toEqual([2, 3]);
    expect(values(t)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('ones', () => {
    const t = ones([3]);
    expect(t.shape).toEqual([3]);
    expect(values(t)).toEqual([1, 1, 1]);
  });

  it('full', () => {
    const t = full([2, 2], 7.5);
    expect(t.toArray()).toEqual([[7.5, 7.5], [7.5, 7.5]]);
  });

  it('a shape of [] is a scalar', () => {
    expect(zeros([]).shape).toEqual([]);
    expect(ones([]).item()).toBe(1);
    expect(full([], -2).item()).toBe(-2);
  });

  it('zero-size shapes', () => {
    expect(zeros([0]).size).toBe(0);
    expect(ones([3, 0]).shape).toEqual([3, 0]);
  });

  it('accept requiresGrad', () => {
    expect(zeros([2], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(full([2], 1, { requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('full rejects a bad shape with a ValueError naming full', () => {
    expectValueError(() => full([2, -1], 0), 'full', '[2, -1]');
    expectValueError(() => full([0.5], 0), 'full', '[0.5]');
  });

  it('zeros and ones reject a bad shape with a message naming the op called', () => {
    expectValueError(() => zeros([-1]), /^zeros:/);
    expectValueError(() => ones([1.5]), /^ones:/);
  });

  it('a shape that is not an array is a ValueError', () => {
    expectValueError(() => zeros(3 as unknown as number[]), 'shape');
  });

  it('full rejects a non-numeric value', () => {
    expectValueError(() => full([2], 'x' as never), /string/);
  });
});

describe('zerosLike and onesLike', () => {
  it('take the shape of their argument', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(zerosLike(x).shape).toEqual([2, 3]);
    expect(values(zerosLike(x))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(onesLike(x).shape).toEqual([2, 3]);
    expect(values(onesLike(x))).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('do not inherit requiresGrad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(zerosLike(x).requiresGrad).toBe(false);
    expect(onesLike(x).requiresGrad).toBe(false);
  });
});

describe('eye', () => {
  it('is the identity', () => {
    expect(eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  });

  it('eye(1) and eye(0)', () => {
    expect(eye(1).toArray()).toEqual([[1]]);
    expect(eye(0).shape).toEqual([0, 0]);
  });

  it('rejects negative or fractional n', () => {
    expectValueError(() => eye(-1), 'eye', /-1/);
    expectValueError(() => eye(2.5), 'eye', /2\.5/);
  });

  it('eye(n, m) is n×m with ones on the diagonal, as NumPy\'s eye(N, M) (m was once ignored)', () => {
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(eye(3, 2).toArray()).toEqual([[1, 0], [0, 1], [0, 0]]);
    expect(eye(2, 0).shape).toEqual([2, 0]);
  });
});

describe('arange', () => {
  it('arange(n) is 0 … n-1', () => {
    const t = arange(5);
    expect(t.shape).toEqual([5]);
    expect(values(t)).toEqual([0, 1, 2, 3, 4]);
  });

  it('start and stop, stop excluded', () => {
    expect(values(arange(2, 6))).toEqual([2, 3, 4, 5]);
  });

  it('fractional step: 1, 1.25, 1.5, 1.75 (2 excluded)', () => {
    expect(values(arange(1, 2, 0.25))).toEqual([1, 1.25, 1.5, 1.75]);
  });

  it('step that does not divide the range: ceil((7 − 0) / 3) = 3 values', () => {
    expect(values(arange(0, 7, 3))).toEqual([0, 3, 6]);
  });

  it('negative step counts down', () => {
    expect(values(arange(5, 0, -2))).toEqual([5, 3, 1]);
  });

  it('a fractional stop alone: arange(2.5) = [0, 1, 2] (NumPy)', () => {
    expect(values(arange(2.5))).toEqual([0, 1, 2]);
  });

  it('an empty range', () => {
    expect(arange(3, 3).shape).toEqual([0]);
    expect(arange(0, 5, -1).shape).toEqual([0]);
  });

  it('a fractional step: NumPy\'s count ⌈(stop − start)/step⌉, so arange(1, 1.3, 0.1) reaches 1.3', () => {
    expect(values(arange(1, 1.3, 0.1))).toEqual([1, 1.1, 1.2, 1.3]);
  });

  it('start and stop whose difference overflows are a ValueError saying so (it claimed Infinity elements)', () => {
    expectValueError(() => arange(-1e308, 1e308, 1e307), 'arange: stop − start overflows float64, got -1e+308 to 1e+308');
  });

  it('rejects a zero step and non-finite bounds', () => {
    expectValueError(() => arange(0, 5, 0), 'arange');
    expectValueError(() => arange(NaN), 'arange', /NaN/);
    expectValueError(() => arange(0, Infinity), 'arange', /Infinity/);
  });
});

describe('linspace', () => {
  it('five points from 0 to 1', () => {
    expect(values(linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('decreasing', () => {
    expect(values(linspace(1, -1, 3))).toEqual([1, 0, -1]);
  });

  it('n = 1 gives the start, n = 0 is empty', () => {
    expect(values(linspace(3, 7, 1))).toEqual([3]);
    expect(linspace(3, 7, 0).shape).toEqual([0]);
  });

  it('both ends are included', () => {
    const t = linspace(-2, 4, 4); // step 2
    expect(values(t)).toEqual([-2, 0, 2, 4]);
  });

  it('the endpoint is exactly b even when a + (b − a) rounds', () => {
    expect(linspace(3, 0.1, 2).data[1]).toBe(0.1);
  });

  it('finite ends whose difference overflows give finite values (NumPy gives NaN and inf)', () => {
    expect(values(linspace(-1e308, 1e308, 3))).toEqual([-1e308, 0, 1e308]);
    expect(values(linspace(1.5e308, -1.5e308, 4))).toEqual([1.5e308, 0.5e308, -0.5e308, -1.5e308]);
  });

  it('infinite ends give NaN where ∞ − ∞ arises, as in NumPy', () => {
    expect(values(linspace(0, Infinity, 3))).toEqual([NaN, Infinity, Infinity]);
  });

  it('rejects a negative or fractional n', () => {
    expectValueError(() => linspace(0, 1, -1), 'linspace', /-1/);
    expectValueError(() => linspace(0, 1, 2.5), 'linspace', /2\.5/);
  });
});

describe('rand and randn', () => {
  it('have the requested shape', () => {
    expect(rand([2, 3], { seed: 1 }).shape).toEqual([2, 3]);
    expect(randn([4], { seed: 1 }).shape).toEqual([4]);
  });

  it('the same seed gives identical data', () => {
    expect(values(rand([50], { seed: 7 }))).toEqual(values(rand([50], { seed: 7 })));
    expect(values(randn([50], { seed: 7 }))).toEqual(values(randn([50], { seed: 7 })));
  });

  it('different seeds give different data', () => {
    const a = values(rand([50], { seed: 1 }));
    const b = values(rand([50], { seed: 2 }));
    expect(a).not.toEqual(b);
    expect(values(randn([50], { seed: 1 }))).not.toEqual(values(randn([50], { seed: 2 })));
  });

  it('uniform draws lie in [0, 1) by default and cover it', () => {
    const d = values(rand([10_000], { seed: 3 }));
    expect(Math.min(...d)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...d)).toBeLessThan(1);
    // U(0, 1): mean 1/2, standard deviation 1/√12 ≈ 0.2887.
    const mean = d.reduce((s, v) => s + v, 0) / d.length;
    const std = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(std - 1 / Math.sqrt(12))).toBeLessThan(0.02);
  });

  it('uniform draws lie in [min, max) when given', () => {
    const d = values(rand([10_000], { seed: 4, min: -3, max: 5 }));
    expect(Math.min(...d)).toBeGreaterThanOrEqual(-3);
    expect(Math.max(...d)).toBeLessThan(5);
    expect(Math.min(...d)).toBeLessThan(-2.9); // reaches near both ends
    expect(Math.max(...d)).toBeGreaterThan(4.9);
    const mean = d.reduce((s, v) => s + v, 0) / d.length;
    expect(Math.abs(mean - 1)).toBeLessThan(0.1); // (−3 + 5) / 2
  });

  it('10,000 normal draws have mean ≈ 0 and std ≈ 1 (within 0.05)', () => {
    const d = values(randn([10_000], { seed: 5 }));
    const mean = d.reduce((s, v) => s + v, 0) / d.length;
    const std = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(std - 1)).toBeLessThan(0.05);
  });

  it('randn honours mean and std', () => {
    const d = values(randn([10_000], { seed: 6, mean: 10, std: 2 }));
    const mean = d.reduce((s, v) => s + v, 0) / d.length;
    const std = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length);
    expect(Math.abs(mean - 10)).toBeLessThan(0.1);
    expect(Math.abs(std - 2)).toBeLessThan(0.1);
  });

  it('manualSeed reseeds the default stream: rand() after manualSeed(s) equals rand({seed: s})', () => {
    manualSeed(11);
    const a = values(rand([5]));
    const b = values(rand([5])); // the stream continues
    expect(a).toEqual(values(rand([5], { seed: 11 })));
    expect(b).not.toEqual(a);
    manualSeed(11);
    expect(values(rand([5]))).toEqual(a);
  });

  it('accept requiresGrad', () => {
    expect(rand([2], { seed: 1, requiresGrad: true }).requiresGrad).toBe(true);
    expect(randn([2], { seed: 1 }).requiresGrad).toBe(false);
  });

  it('reject bad shapes with a ValueError naming the op', () => {
    expectValueError(() => rand([-2], { seed: 1 }), 'rand', '[-2]');
    expectValueError(() => randn([2, 0.5], { seed: 1 }), 'randn', '[2, 0.5]');
  });
});

describe('getRngState and setRngState: the module-wide stream saved and restored', () => {
  /** The bit patterns of a tensor's values, so that a comparison is exact. */
  const bits = (t: Tensor): bigint[] => Array.from(new BigUint64Array(Float64Array.from(t.data).buffer));
  /** Draws of both kinds from the module-wide stream; randn over an odd count leaves a spare normal draw. */
  const draws = (): bigint[][] => [bits(rand([4])), bits(randn([3])), bits(rand([2], { min: -1, max: 1 })), bits(randn([5]))];

  it.each([['with no spare', 4], ['holding a spare normal draw', 3]])('draw, save, draw more, restore, draw again gives the same bits (%s)', (_what, n) => {
    manualSeed(17);
    randn([n]);
    const saved = getRngState();
    expect(saved.spare === null).toBe(n % 2 === 0);
    const first = draws();
    draws();
    setRngState(saved);
    expect(draws()).toEqual(first);
  });

  it('a state survives JSON, as a checkpoint file would carry it', () => {
    manualSeed(5);
    randn([1]);
    const saved = JSON.stringify(getRngState());
    const first = draws();
    manualSeed(6);
    setRngState(JSON.parse(saved) as RngState);
    expect(draws()).toEqual(first);
  });

  it('is the state of an Rng: after manualSeed(s), that of new Rng(s); and an Rng\'s state sets the stream', () => {
    manualSeed(23);
    expect(getRngState()).toEqual(new Rng(23).state());
    const own = new Rng(31);
    own.normal();
    setRngState(own.state());
    expect(bits(randn([3]))).toEqual(bits(randn([3], { rng: own })));
  });

  it('getRngState gives a snapshot: later draws do not change it', () => {
    manualSeed(2);
    const saved = getRngState();
    const copy = JSON.parse(JSON.stringify(saved)) as RngState;
    draws();
    expect(saved).toEqual(copy);
    expect(getRngState()).not.toEqual(copy);
  });

  it('setRngState keeps no reference to the state given: changing it afterwards changes nothing', () => {
    manualSeed(9);
    randn([1]);
    const saved = getRngState();
    const first = draws();
    const mutable = { words: [...saved.words], spare: saved.spare };
    setRngState(mutable);
    mutable.words.fill(1);
    mutable.spare = 0.5;
    expect(draws()).toEqual(first);
  });

  it.each<[string, unknown, string]>([
    ['not an object', 'state', 'got "state"'],
    ['undefined', undefined, 'got undefined'],
    ['the wrong number of words', { words: [1, 2, 3], spare: null }, 'got words [1, 2, 3] and spare null'],
    ['all words 0', { words: [0, 0, 0, 0], spare: null }, 'got words [0, 0, 0, 0] and spare null'],
    ['a word that is not a whole number', { words: [1, 2, 3.5, 4], spare: null }, 'got words [1, 2, 3.5, 4] and spare null'],
    ['a word past 2³² − 1', { words: [1, 2, 3, 2 ** 32], spare: null }, 'got words [1, 2, 3, 4294967296] and spare null'],
    ['a NaN spare', { words: [1, 2, 3, 4], spare: Number.NaN }, 'got words [1, 2, 3, 4] and spare NaN'],
  ])('refuses %s with a ValueError naming setRngState and the value, leaving the stream as it was', (_what, state, got) => {
    manualSeed(12);
    const expected = getRngState();
    expectValueError(() => setRngState(state as never), /^setRngState: needs \{ words: four whole numbers/, got);
    expect(getRngState()).toEqual(expected);
  });
});

describe('item', () => {
  it('returns the value of a scalar or of any size-1 tensor', () => {
    expect(scalar(4).item()).toBe(4);
    expect(tensor([[5]]).item()).toBe(5);
  });

  it('is a ValueError naming item and the shape when the size is not 1', () => {
    expectValueError(() => tensor([1, 2]).item(), 'item', '[2]');
    expectValueError(() => zeros([0]).item(), 'item', '[0]');
    expectValueError(() => zeros([2, 3]).item(), 'item', '[2, 3]');
  });
});

describe('toArray', () => {
  it('a scalar gives a number', () => {
    expect(scalar(1.5).toArray()).toBe(1.5);
  });

  it('gives nested arrays of the tensor’s shape', () => {
    expect(tensor([1, 2]).toArray()).toEqual([1, 2]);
    expect(tensor([1, 2, 3, 4, 5, 6], { shape: [3, 1, 2] }).toArray()).toEqual([[[1, 2]], [[3, 4]], [[5, 6]]]);
  });

  it('round-trips through tensor()', () => {
    const nested = [[1, -2], [3.5, 4]];
    expect(tensor(nested).toArray()).toEqual(nested);
  });

  it('zero-size axes give empty arrays', () => {
    expect(zeros([2, 0]).toArray()).toEqual([[], []]);
    expect(zeros([0, 2]).toArray()).toEqual([]);
  });

  it('keeps −0 and NaN', () => {
    const a = tensor([-0, NaN]).toArray() as number[];
    expect(Object.is(a[0], -0)).toBe(true);
    expect(a[1]).toBeNaN();
  });

  it('an empty tensor that would take more than 2³¹ − 1 arrays to write out is a ValueError, not a hang', () => {
    const started = Date.now();
    expectValueError(() => zeros([100_000, 100_000, 0]).toArray(), 'toArray: a [100000, 100000, 0] tensor would be more than 2147483647 nested arrays');
    expect(Date.now() - started).toBeLessThan(1000);
    expect((zeros([1000, 0]).toArray() as unknown[]).length).toBe(1000);
  });
});

describe('JSON.stringify', () => {
  it('writes the nested values, which tensor() reads back', () => {
    const t = tensor([[1, -2.5], [3, 4]], { requiresGrad: true });
    const text = JSON.stringify({ w: t });
    expect(text).toBe('{"w":[[1,-2.5],[3,4]]}');
    expect(tensor(JSON.parse(text).w).toArray()).toEqual([[1, -2.5], [3, 4]]);
    expect(JSON.stringify(scalar(2))).toBe('2');
  });

  it('writes nothing of the graph (once every path through it: 2²² copies of x for this y)', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 22; i++) y = add(y, y);
    const started = Date.now();
    expect(JSON.stringify(y)).toBe('[4194304,8388608]');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('writes NaN and infinities as null, which tensor() refuses rather than reads as 0', () => {
    const text = JSON.stringify(tensor([NaN, Infinity, 1]));
    expect(text).toBe('[null,null,1]');
    expectValueError(() => tensor(JSON.parse(text)), 'tensor', /null/);
  });
});

describe('clone', () => {
  it('has the same shape and values but independent data', () => {
    const x = tensor([[1, 2], [3, 4]]);
    const c = x.clone();
    expect(c.shape).toEqual([2, 2]);
    expect(c.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(c.data).not.toBe(x.data);
    c.data[0] = 100;
    expect(x.data[0]).toBe(1);
    x.data[1] = 200;
    expect(c.data[1]).toBe(2);
  });

  it('is not connected to the graph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = add(x, 1).clone();
    expect(y.requiresGrad).toBe(false);
    expect(y.isLeaf).toBe(true);
  });
});

describe('detach', () => {
  it('keeps values and shape and drops requiresGrad', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = add(x, 1);
    const d = y.detach();
    expect(d.shape).toEqual([3]);
    expect(Array.from(d.data)).toEqual([2, 3, 4]);
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    expect(x.detach().requiresGrad).toBe(false);
  });

  it('shares the data (documented)', () => {
    const x = tensor([1, 2]);
    expect(x.detach().data).toBe(x.data);
  });
});

describe('requiresGrad setter', () => {
  it('can switch a leaf on and off', () => {
    const x = tensor([1, 2]);
    x.requiresGrad = true;
    expect(x.requiresGrad).toBe(true);
    x.requiresGrad = false;
    expect(x.requiresGrad).toBe(false);
  });

  it('is a ValueError on a non-leaf, naming the shape and the op that made it', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const y = add(x, 1);
    expectValueError(() => {
      y.requiresGrad = false;
    }, 'requiresGrad', '[2, 3]', /add/);
    expect(y.requiresGrad).toBe(true);
  });
});
