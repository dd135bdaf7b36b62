/**
 * Input validation at core's public boundaries: creation functions, the Tensor constructor, Rng, the
 * differentiation transforms and `backward`. Every mistake is an AdjointError subclass whose message
 * starts with the function's name and shows the offending value; none is a TypeError or RangeError.
 * (The op functions themselves are fuzzed in fuzz.test.ts.)
 */
import {
  AdjointError, GradError, argmax, argmin, Rng, ShapeError, Tensor, ValueError, add, arange, concat, detectAnomaly, eye, full, gather, grad, hessian, hvp,
  jacobian, jvp, linspace, manualSeed, matmul, noGrad, ones, onesLike, oneHot, rand, randn, reshape, scalar, squeeze, stack, sum, tensor, toDot,
  trace, transpose, valueAndGrad, vjp, zeros, zerosLike,
} from '@adjoint/core';
import { expectError, thrown } from '../../../test/support/expect-error';

const deepNesting = (depth: number): unknown => {
  let a: unknown = 1;
  for (let i = 0; i < depth; i++) a = [a];
  return a;
};

describe('tensor(): data and shape', () => {
  it.each<[string, unknown, RegExp]>([
    ['a ragged array', [[1, 2], [3]], /^tensor: ragged nested array: expected length 2 at depth 1, got length 1/],
    ['a ragged array (number where a row belongs)', [[1, 2], 3], /^tensor: ragged nested array: expected length 2 at depth 1, got number/],
    ['a string element', [1, '2'], /^tensor: data must be numbers, got string \("2"\)/],
    ['a boolean element', [[true, 1]], /^tensor: data must be numbers, got boolean/],
    ['null', null, /^tensor: data must be numbers, got object \(null\)/],
    ['undefined', undefined, /^tensor: data must be numbers, got undefined/],
    ['an object', { 0: 1 }, /^tensor: data must be numbers, got an object$/],
    ['a Set (iterables are not read)', new Set([1, 2]), /^tensor: data must be numbers, got an object \(Set\)$/],
    ['a list of tensors (stack them)', [tensor([1, 2]), tensor([3, 4])], /^tensor: data must be numbers, got a Tensor of shape \[2\]$/],
    ['a hole in a sparse array', [1, , 3], /^tensor: data must be numbers, got undefined/], // eslint-disable-line no-sparse-arrays
    ['a BigInt64Array (float64 cannot hold every int64)', new BigInt64Array(2), /^tensor: data must be numbers, got a BigInt64Array of length 2 \(convert bigints with Number\(\)/],
    ['a typed array where a level of nesting belongs', [[[1, 2], [3, 4]], new Float64Array(2)], /^tensor: ragged nested array: expected arrays at depth 2, got numbers from a Float64Array of length 2/],
    ['nesting deeper than 64 levels (would overflow the stack)', deepNesting(20_000), /^tensor: nested arrays deeper than 64 levels/],
  ])('%s is a ValueError', (_what, data, message) => {
    expectError(() => tensor(data as never), ValueError, message);
  });

  it.each<[string, unknown, RegExp]>([
    ['negative', [2, -1], /^tensor: dimensions must be non-negative integers, got \[2, -1\]/],
    ['fractional', [2, 1.5], /^tensor: dimensions must be non-negative integers, got \[2, 1\.5\]/],
    ['NaN', [NaN], /^tensor: dimensions must be non-negative integers, got \[NaN\]/],
    ['infinite', [Infinity], /^tensor: dimensions must be non-negative integers, got \[Infinity\]/],
    ['a string', ['2'], /^tensor: dimensions must be non-negative integers, got \["2"\]/],
    ['not an array', 4, /^tensor: shape must be an array of non-negative integers, got 4/],
    ['too many elements for a tensor', [65536, 65536], /^tensor: shape \[65536, 65536\]: 4294967296 elements, more than the 2147483647 a tensor can hold/],
    ['rank above 64', new Array(65).fill(1), /^tensor: a tensor has at most 64 axes, got a shape of rank 65/],
    // Empty, but summing its first axis would need 2⁴⁰ elements (a RangeError in the kernel before).
    ['of size 0 with a dimension beyond 2³¹ − 1', [0, 2 ** 40], /^tensor: shape \[0, 1099511627776\]: dimension 1099511627776 is more than the 2147483647 elements a tensor can hold/],
  ])('a shape that is %s is a ValueError', (_what, shape, message) => {
    expectError(() => tensor([1, 2], { shape: shape as number[] }), ValueError, message);
  });

  it('data whose length does not match the shape is a ValueError, for every kind of data', () => {
    expectError(() => tensor([1, 2, 3], { shape: [2, 2] }), ValueError, /^tensor: data has 3 elements but shape \[2, 2\] needs 4/);
    expectError(() => tensor(new Float64Array(5), { shape: [2, 2] }), ValueError, /^tensor: data has 5 elements but shape \[2, 2\] needs 4/);
    expectError(() => tensor(new Float32Array(5), { shape: [2, 2] }), ValueError, /^tensor: data has 5 elements but shape \[2, 2\] needs 4/);
    expectError(() => tensor(tensor([1, 2]), { shape: [3] }), ValueError, /^tensor: data has 2 elements but shape \[3\] needs 3/);
    expect(tensor(7, { shape: [2] }).toArray()).toEqual([7, 7]); // a number fills the shape
  });

  it('nested data whose shape is not the shape given is a ValueError, not a silent reshape', () => {
    // Once read row-major as if flat: [[1, 2, 3], [4, 5, 6]] with shape [3, 2] became [[1, 2], [3, 4], [5, 6]].
    expectError(() => tensor([[1, 2, 3], [4, 5, 6]], { shape: [3, 2] }), ValueError, 'tensor: nested data of shape [2, 3] does not fit shape [3, 2] (to read data row-major into a shape, give it flat)');
    expectError(() => tensor([[1, 2], [3, 4]], { shape: [4] }), ValueError, /^tensor: nested data of shape \[2, 2\] does not fit shape \[4\]/);
    expect(tensor([[1, 2, 3], [4, 5, 6]], { shape: [2, 3] }).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2] }).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it('an option misspelled, or requiresGrad not a boolean, is a ValueError, not a leaf silently untracked', () => {
    expectError(() => tensor([1], { requireGrad: true } as never), ValueError, "tensor: unknown option 'requireGrad'; the options are shape, requiresGrad");
    expectError(() => tensor([1], { requiresGrad: 'yes' } as never), ValueError, 'tensor: requiresGrad must be true or false, got "yes"');
    expectError(() => scalar(1, { shape: [3] } as never), ValueError, "scalar: unknown option 'shape'; the options are requiresGrad");
    expectError(() => zeros([2], { requiresgrad: true } as never), ValueError, "zeros: unknown option 'requiresgrad'; the options are requiresGrad");
    expectError(() => full([2], 1, { requiresGrad: 1 } as never), ValueError, 'full: requiresGrad must be true or false, got 1');
    expectError(() => rand([2], { sed: 1 } as never), ValueError, "rand: unknown option 'sed'; the options are seed, rng, requiresGrad, min, max");
    expectError(() => randn([2], { sd: 2 } as never), ValueError, "randn: unknown option 'sd'; the options are seed, rng, requiresGrad, mean, std");
  });

  it('options must be an object', () => {
    expectError(() => tensor([1], null as never), ValueError, /^tensor: options must be an object, got null/);
  });

  it('ops taking nested arrays name themselves when the data is bad', () => {
    expectError(() => add([[1], [2, 3]] as never, 1), ValueError, /^add: ragged nested array/);
    expectError(() => concat([tensor([1]), [1, 'a'] as never]), ValueError, /^concat: data must be numbers, got string/);
    expectError(() => gather(tensor([1, 2]), [[0], [0, 1]] as never), ValueError, /^gather: ragged nested array/);
  });
});

describe('the Tensor constructor', () => {
  it('rejects a bad shape and data of the wrong length', () => {
    expectError(() => new Tensor(new Float64Array(2), [-1, -2]), ValueError, /^Tensor: dimensions must be non-negative integers/);
    expectError(() => new Tensor(new Float64Array(3), [2]), ValueError, /^Tensor: data has 3 elements but shape \[2\] needs 2/);
  });

  // Checking data.length alone would store a string or a plain array and give NaN later.
  it('rejects data that is not a Float64Array', () => {
    expect(() => new Tensor('ab' as never, [2])).toThrow(ValueError);
  });
});

describe('creation functions', () => {
  it.each<[string, () => unknown, RegExp]>([
    ['zeros of a non-array', () => zeros(3 as never), /^zeros: shape must be an array of non-negative integers, got 3/],
    ['ones with a NaN dimension', () => ones([2, NaN]), /^ones: dimensions must be non-negative integers, got \[2, NaN\]/],
    ['full with a string value', () => full([2], 'x' as never), /^full: the fill value must be a number, got string \("x"\)/],
    ['full with null options', () => full([2], 1, null as never), /^full: options must be an object, got null/],
    ['zeros too large', () => zeros([1e6, 1e6]), /^zeros: shape \[1000000, 1000000\]: 1000000000000 elements, more than the 2147483647 a tensor can hold/],
    ['scalar of a string', () => scalar('1' as never), /^scalar: value must be a number, got "1"/],
    ['eye(-1)', () => eye(-1), /^eye: n must be a non-negative integer, got -1/],
    ['eye(2.5)', () => eye(2.5), /^eye: n must be a non-negative integer, got 2\.5/],
    ['eye too large', () => eye(1e6), /^eye: shape \[1000000, 1000000\]: 1000000000000 elements/],
    ['arange with step 0', () => arange(0, 1, 0), /^arange: needs finite start, stop and a non-zero step, got 0, 1, 0/],
    ['arange with NaN', () => arange(NaN), /^arange: needs finite start, stop and a non-zero step/],
    ['arange too long', () => arange(0, 1e12), /^arange: 0 to 1000000000000 in steps of 1 gives shape \[1000000000000\]/],
    ['linspace with n = 1.5', () => linspace(0, 1, 1.5), /^linspace: n must be a non-negative integer, got 1\.5/],
    ['linspace with a string endpoint', () => linspace('0' as never, 1, 3), /^linspace: the endpoints must be numbers, got "0" and 1/],
    ['rand with a negative dimension', () => rand([-1]), /^rand: dimensions must be non-negative integers, got \[-1\]/],
    ['rand with an rng that is not an Rng', () => rand([2], { rng: 5 as never }), /^rand: rng must be an Rng, got 5/],
    ['rand with both a seed and an rng', () => rand([2], { seed: 1, rng: new Rng(1) }), /^rand: give seed or rng, not both$/],
    ['randn with both a seed and an rng', () => randn([2], { seed: 1, rng: new Rng(1) }), /^randn: give seed or rng, not both$/],
    ['rand with a NaN bound', () => rand([2], { min: NaN }), /^rand: min must be a finite number, got NaN/],
    ['rand with an infinite bound', () => rand([2], { max: Infinity }), /^rand: max must be a finite number, got Infinity/],
    // Once drawn from (max, min], outside the [min, max) promised; PyTorch's uniform_ refuses it too.
    ['rand with min above max', () => rand([2], { min: 1, max: 0 }), /^rand: min must be at most max, got min 1 and max 0$/],
    // Once every draw was Infinity.
    ['rand whose range overflows', () => rand([2], { min: -1e308, max: 1e308 }), /^rand: the range max − min must be a finite number, got min -1e\+308 and max 1e\+308$/],
    ['zerosLike of an array', () => zerosLike([1, 2] as never), /^zerosLike: x must be a Tensor, got \[1, 2\]$/],
    ['onesLike of a number', () => onesLike(5 as never), /^onesLike: x must be a Tensor, got 5$/],
    ['eye with m = -1', () => eye(2, -1), /^eye: m must be a non-negative integer, got -1/],
    ['rand with a NaN seed', () => rand([2], { seed: NaN }), /^rand: seed must be a whole number between −2⁵³ and 2⁵³, got NaN$/],
    ['randn with a fractional seed', () => randn([2], { seed: 0.3 }), /^randn: seed must be a whole number .*, got 0\.3 \(for a random seed, use Math\.floor\(Math\.random\(\) \* 2 \*\* 32\)\)/],
    ['randn with a negative std', () => randn([2], { std: -1 }), /^randn: std must be ≥ 0, got -1/],
    ['randn with a NaN mean', () => randn([2], { mean: NaN }), /^randn: mean must be a finite number, got NaN/],
    ['randn with null options', () => randn([2], null as never), /^randn: options must be an object, got null/],
    ['manualSeed(Infinity)', () => manualSeed(Infinity), /^manualSeed: seed must be a whole number between −2⁵³ and 2⁵³, got Infinity/],
  ])('%s is a ValueError', (_what, fn, message) => {
    expectError(fn, ValueError, message);
  });
});

describe('Rng', () => {
  it('rejects seeds that are not finite numbers and bad int bounds', () => {
    for (const seed of [NaN, Infinity, -Infinity, '1', null, 0.5]) expectError(() => new Rng(seed as never), ValueError, /^Rng: seed must be a whole number between −2⁵³ and 2⁵³/);
    const rng = new Rng(1);
    expectError(() => rng.int(5, 5), ValueError, /^Rng\.int: needs integers lo < hi/);
    expectError(() => rng.int(0, 1.5), ValueError, /^Rng\.int: needs integers lo < hi/);
    expectError(() => rng.int(0, 2 ** 33), ValueError, /^Rng\.int: needs integers lo < hi with hi - lo ≤ 2\^32/);
  });

  it('uniform with NaN bounds is a ValueError (returns NaN)', () => {
    expect(() => new Rng(1).uniform(NaN, 1)).toThrow(ValueError);
  });
  it('normal with a negative std is a ValueError (returns a draw)', () => {
    expect(() => new Rng(1).normal(0, -1)).toThrow(ValueError);
  });
  it('shuffle of something that is not an array is a ValueError (returns it unchanged)', () => {
    expect(() => new Rng(1).shuffle(5 as never)).toThrow(ValueError);
  });
  it('permutation(-1) and permutation(1.5) are ValueErrors (return [] and [0])', () => {
    expect(() => new Rng(1).permutation(-1)).toThrow(ValueError);
    expect(() => new Rng(1).permutation(1.5)).toThrow(ValueError);
  });
});

describe('differentiation transforms', () => {
  const f = (x: Tensor): Tensor => x.square().sum();
  const x = tensor([1, 2]);

  it('grad: argnums out of range (from either end) or fractional; a non-scalar or non-tensor output; bad arguments', () => {
    expectError(() => grad(f, 1)(x), ValueError, /^grad: argnum 1 is out of range for 1 argument\(s\)/);
    expectError(() => grad(f, 0.5)(x), ValueError, /^grad: argnum 0\.5 is out of range/);
    expectError(() => grad(f, [0, -2])(x), ValueError, /^grad: argnum -2 is out of range/);
    expectError(() => grad(f)(), ValueError, /^grad: argnum 0 is out of range for 0 argument\(s\)/);
    expectError(() => grad((t: Tensor) => t.mul(2))(x), GradError, /^grad: needs a scalar \(size-1\) output, got shape \[2\]/);
    expectError(() => grad((() => 3) as never)(x), ValueError, /^grad: the function must return a Tensor, got number/);
    expectError(() => grad(f)('x' as never), ValueError, /^grad: expected a Tensor or a number, got string/);
    expectError(() => grad(f)([[1], [1, 2]] as never), ValueError, /^grad: ragged nested array/);
    expectError(() => valueAndGrad(f, 2)(x), ValueError, /^valueAndGrad: argnum 2 is out of range/);
  });

  it('vjp: the cotangent must have the output shape and be tensor data', () => {
    const [, pullback] = vjp((t: Tensor) => t.mul(2), x);
    expectError(() => pullback(tensor([1, 2, 3])), GradError, /^vjp: cotangent shape \[3\] does not match output shape \[2\]/);
    expectError(() => pullback('a' as never), ValueError, /^vjp: expected a Tensor or a number, got string/);
  });

  it("backward: what a student meets first says what to do (PyTorch's retain_graph=True written as the first argument, a vector loss, no requiresGrad)", () => {
    const w = tensor([1, 2], { requiresGrad: true });
    expectError(() => w.square().sum().backward({ retainGraph: true } as never), ValueError,
      "backward: the first argument is the seed (the output's gradient), got the options { retainGraph: … }; options come second: backward(undefined, { retainGraph: … })");
    expectError(() => w.square().sum().backward({ createGraph: true, retainGraph: false } as never), ValueError,
      /got the options \{ createGraph: …, retainGraph: … \}; options come second: backward\(undefined, \{ createGraph: …, retainGraph: … \}\)$/);
    expectError(() => w.square().backward(), GradError,
      /^backward: without a seed the output must be a single number \(a loss\), got shape \[2\]; reduce it first \(\.sum\(\) or \.mean\(\)\), or pass the output's gradient, a tensor of shape \[2\], as the seed$/);
    expectError(() => tensor([1, 2]).square().sum().backward(), GradError, /does not require grad .*; create the tensors to differentiate with respect to as tensor\(data, \{ requiresGrad: true \}\)$/);
    const loss = w.square().sum();
    loss.backward();
    expectError(() => loss.backward(), GradError, /was freed by an earlier backward; to differentiate twice, keep it with the first: backward\(undefined, \{ retainGraph: true \}\)/);
  });

  it('jvp: lists of equal length, tangents shaped like their primals', () => {
    expectError(() => jvp(f, x as never, x as never), ValueError, /^jvp: needs equally long lists of primals and tangents, got object and object; wrap single ones in lists: jvp\(f, \[x\], \[v\]\)$/);
    expectError(() => jvp(f, [x], []), ValueError, /^jvp: needs equally long lists of primals and tangents, got 1 item\(s\) and 0 item\(s\)/);
    expectError(() => jvp(f, [x], [tensor([1, 2, 3])]), GradError, /^jvp: tangent 0 has shape \[3\] but its primal has shape \[2\]/);
    expectError(() => jvp(f, [x], ['t' as never]), ValueError, /^jvp: expected a Tensor or a number, got string/);
  });

  it('jacobian: the mode must be rev or fwd', () => {
    expectError(() => jacobian(f, { mode: 'forward' as never }), ValueError, /^jacobian: mode must be 'rev' or 'fwd', got 'forward'/);
  });

  it('backward: a seed of the wrong shape is a GradError; no seed for a non-scalar, or no graph, too', () => {
    const leaf = tensor([1, 2], { requiresGrad: true });
    expectError(() => leaf.mul(2).backward(tensor([1, 2, 3])), GradError, /^backward: seed shape \[3\] does not match output shape \[2\]/);
    expectError(() => leaf.mul(2).backward(), GradError, /^backward: without a seed the output must be a single number \(a loss\), got shape \[2\]/);
    expectError(() => tensor([1]).mul(2).backward(), GradError, /^backward: the \[1\] tensor does not require grad/);
    expectError(() => noGrad(() => leaf.mul(2).sum()).backward(), GradError, /does not require grad/);
  });

  // Without a check, each of these would be a TypeError ("fn is not a function") from deep inside.
  it.each<[string, () => unknown]>([
    ['grad(5)(x)', () => grad(5 as never)(x)],
    ['valueAndGrad(5)(x)', () => valueAndGrad(5 as never)(x)],
    ['vjp(5, x)', () => vjp(5 as never, x)],
    ['jvp(5, [x], [x])', () => jvp(5 as never, [x], [x])],
    ['jacobian(5)(x)', () => jacobian(5 as never)(x)],
    ['jacobian(f, null)', () => jacobian(f, null as never)],
    ['hessian(5)(x)', () => hessian(5 as never)(x)],
    ['hvp(5, x, x)', () => hvp(5 as never, x, x)],
    ['noGrad(5)', () => noGrad(5 as never)],
    ['detectAnomaly(5)', () => detectAnomaly(5 as never)],
    ['trace(5)(x)', () => trace(5 as never)(x)],
    ['toDot(5)', () => toDot(5 as never)],
    ['y.backward(seed, null)', () => tensor([1], { requiresGrad: true }).mul(2).sum().backward(undefined, null as never)],
  ])('%s is a ValueError, not a TypeError', (_what, fn) => {
    expect(fn).toThrow(ValueError);
  });

  // The message names the function the user called, not the one it is built on.
  it('jacobian and hvp name themselves in their messages; backward names itself for a ragged seed', () => {
    expect(() => jacobian((() => 3) as never)(x)).toThrow(/^jacobian:/);
    expect(() => hvp(f, x, tensor([1, 2, 3]))).toThrow(/^hvp:/);
    expect(() => tensor([1, 2], { requiresGrad: true }).mul(2).backward([[1], [1, 2]] as never)).toThrow(/^backward:/);
  });
});

describe('a few out-of-range indices and axes, spelled out (fuzz.test.ts tries them all)', () => {
  const m = tensor([[1, 2, 3], [4, 5, 6]]);
  it.each<[string, () => unknown, new (...args: never[]) => AdjointError, RegExp]>([
    ['sum over axis 2 of a matrix', () => sum(m, 2), ValueError, /^sum: axis 2 is out of range for rank 2 \(valid: -2 to 1\)/],
    ['sum over axis 0.5', () => sum(m, 0.5), ValueError, /^sum: axis must be an integer, got 0\.5/],
    ['sum over axis NaN', () => sum(m, NaN), ValueError, /^sum: axis must be an integer, got NaN/],
    ['sum over a repeated axis', () => sum(m, [1, -1]), ValueError, /^sum: repeated axis in \[1, -1\] for rank 2/],
    ['gather with a negative index', () => gather(m, [-1], 1), ValueError, /^gather: index -1 \(position 0\) is out of range for axis 1 of size 3 in shape \[2, 3\]/],
    ['gather with a fractional index', () => gather(m, [0.5]), ValueError, /^gather: index 0\.5 \(position 0\) is out of range/],
    ['gather with an index too large', () => gather(m, [0, 2]), ValueError, /^gather: index 2 \(position 1\) is out of range for axis 0 of size 2/],
    ['oneHot with an index ≥ depth', () => oneHot([0, 3], 3), ValueError, /^oneHot: indices must be integers in \[0, 3\), got 3 at position 1/],
    ['oneHot with depth 0', () => oneHot([0], 0), ValueError, /^oneHot: depth must be a positive integer, got 0/],
    ['transpose with a repeated axis', () => transpose(m, [0, 0]), ValueError, /^transpose: perm must be a permutation of the axes 0…1 \(or −2…−1, counted from the end\) for shape rank 2, got \[0, 0\]/],
    ['reshape to another size', () => reshape(m, [4]), ShapeError, /^reshape: the element count must stay 6, got \[2, 3\] and \[4\]/],
    ['reshape with two -1', () => reshape(m, [-1, -1]), ValueError, /^reshape: target shape must hold non-negative integers and at most one -1, got \[-1, -1\]/],
    // Once a Tensor constructor error about a shape [2, , 3] needing NaN elements.
    ['reshape to a sparse shape', () => reshape(m, [2, , 3] as never), ValueError, /^reshape: target shape must hold non-negative integers and at most one -1, got \[2, , 3\]/], // eslint-disable-line no-sparse-arrays
    ['reshape to rank 65 through a -1', () => reshape(tensor([1]), [...new Array(64).fill(1), -1]), ValueError, /^reshape: a tensor has at most 64 axes, got a shape of rank 65/],
    ['reshape of an empty tensor to a dimension beyond 2³¹ − 1', () => reshape(zeros([0]), [2 ** 31, 0]), ValueError, /^reshape: shape \[2147483648, 0\]: dimension 2147483648 is more than/],
    // Holes once reached the op as undefined: a TypeError reading '_shape'.
    ['concat of a sparse list', () => concat([m, , m] as never), ValueError, /^concat: expected a Tensor or a number, got undefined/], // eslint-disable-line no-sparse-arrays
    ['stack of a sparse list', () => stack([m, , m] as never), ValueError, /^stack: expected a Tensor or a number, got undefined/], // eslint-disable-line no-sparse-arrays
    ['squeeze of a sparse list of axes', () => squeeze(zeros([1, 2, 1]), [0, , 2] as never), ValueError, /^squeeze: axis must be an integer, got undefined/], // eslint-disable-line no-sparse-arrays
    ['squeeze of a scalar at axis 0', () => squeeze(scalar(1), 0), ValueError, /^squeeze: axis 0 is out of range for rank 0 \(a scalar has no axes\)/],
    ['add of a Float32Array', () => add(m, new Float32Array(3) as never), ValueError, /^add: expected a Tensor or a number, got a Float32Array of length 3/],
    ['matmul with mismatched inner dimensions', () => matmul(m, m), ShapeError, /^matmul: inner dimensions must match \(3 vs 2\), got \[2, 3\] and \[2, 3\]/],
    ['add of shapes NumPy would not broadcast', () => add(m, tensor([1, 2])), ShapeError, /^add: shapes \[2, 3\] and \[2\] cannot be broadcast together/],
    ['add whose broadcast would not fit in memory', () => add(zeros([100000, 1]), zeros([100000])), ValueError, /^add: broadcasting \[100000, 1\] and \[100000\] gives \[100000, 100000\]: 10000000000 elements/],
    ['matmul whose batch axes broadcast beyond memory', () => matmul(zeros([65536, 1, 1, 1]), zeros([1, 65536, 1, 1])), ValueError, /^matmul: broadcasting \[65536, 1\] and \[1, 65536\] gives \[65536, 65536\]/],
  ])('%s', (_what, fn, type, message) => {
    expectError(fn, type, message);
  });
});

describe('sizes from one number, and stacks, are bounded before any work', () => {
  it('hessian of a 50,000-element input is refused before it allocates, naming hessian', () => {
    const started = Date.now();
    expectError(() => hessian((v: Tensor) => v.square().sum())(zeros([50_000])), ValueError, /^hessian: a Jacobian of shape \[50000, 50000\]: 2500000000 elements, more than the 2147483647 a tensor can hold/);
    expectError(() => jacobian((v: Tensor) => v.exp())(zeros([50_000])), ValueError, /^jacobian: a Jacobian of shape \[50000, 50000\]/);
    expectError(() => jacobian((v: Tensor) => v.exp(), { mode: 'fwd' })(zeros([50_000])), ValueError, /^jacobian: a Jacobian of shape \[50000, 50000\]/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('hessian names itself, not grad, when the function is wrong', () => {
    expectError(() => hessian((v: Tensor) => v.exp())(tensor([1, 2])), GradError, /^hessian: needs a scalar/);
  });

  it('a trace of 200,000 ops prints without overflowing the stack', () => {
    const t = trace((x: Tensor) => {
      let y = x;
      for (let i = 0; i < 200_000; i++) y = y.mul(1);
      return y;
    })(2);
    const text = t.toString();
    expect(text.split('\n')).toHaveLength(200_000 + 3); // header, rule, input, one row per op
  });

  it('argmax of an empty tensor names its true shape', () => {
    expectError(() => argmax(zeros([3, 0])), ValueError, /^argmax: the tensor of shape \[3, 0\] is empty/);
    expectError(() => argmin(zeros([0, 2])), ValueError, /^argmin: the tensor of shape \[0, 2\] is empty/);
  });

  it('a .grad of the wrong shape or type is refused', () => {
    const w = tensor([1, 2, 3], { requiresGrad: true });
    expectError(() => (w.grad = tensor([1, 2])), ShapeError, /^grad: a gradient of shape \[2\] cannot belong to a tensor of shape \[3\]/);
    expectError(() => (w.grad = [1, 2, 3] as never), ValueError, /^grad: a gradient must be a Tensor or null/);
    expect(w.grad).toBeNull();
    w.grad = tensor([0, 0, 1]);
    expect(w.grad!.toArray()).toEqual([0, 0, 1]);
  });
});

describe('messages stay short and safe whatever the value', () => {
  it('a 10⁷-element or 10⁵-deep argument makes a short message, not a huge one or a stack overflow', () => {
    const huge = new Array<number>(10_000_000).fill(0.5);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    for (const bad of [huge, deep, 'x'.repeat(1_000_000), 10n]) {
      for (const call of [() => rand([2], { seed: bad as never }), () => manualSeed(bad as never), () => zeros(bad as never)]) {
        const error = thrown(call, ValueError);
        expect(error.message).toMatch(/^(rand|manualSeed|zeros):/);
        expect(error.message.length).toBeLessThan(300);
      }
    }
    expect(() => zeros(huge)).toThrow(/^zeros: a tensor has at most 64 axes, got a shape of rank 10000000$/);
  });
});
