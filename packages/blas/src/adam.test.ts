import { adamCoefficients, adamMoments, adamUpdate, setAdamKernel, tensor, type Tensor } from '@adjoint/core';
import { Adam, AdamW, crossEntropy, mlp } from '@adjoint/nn';
import { OpenBlasUnavailableError, nativeAdamKernel, openBlasAvailable, useNativeAdam } from './index';
// core's kernel-test helpers: a 32-bit LCG (core's Rng is slow under Jest for arrays this long) and a bitwise comparison.
import { firstDifference, lcg, randomArray as random } from '../../core/src/testing/kernel-helpers';

const available = openBlasAvailable();
const describeWithAddon = available ? describe : describe.skip;
type Native = { adamUpdate: (...args: unknown[]) => void; squaresFinite: (x: unknown) => boolean };
// Loaded through require, as a program would not: only the tests call the addon directly.
const addon = (): Native => require('../native/build/Release/openblas.node');

/** Where the arrays of `x` and `y` first differ in any bit (−0 and 0 included), as "array i, element j"; '' when nowhere. */
function firstDifferenceOf(x: Float64Array[], y: Float64Array[]): string {
  if (x.length !== y.length) return 'in how many arrays there are';
  for (let i = 0; i < x.length; i++) {
    const at = firstDifference(x[i]!, y[i]!);
    if (at >= 0) return `array ${i}, element ${at}`;
  }
  return '';
}

type Decay = 'none' | 'coupled' | 'decoupled';
const settings = (decay: Decay) => ({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: decay === 'none' ? 0 : 0.1, decoupled: decay === 'decoupled' });

/**
 * Weights and moments after `steps` updates of parameters of the given sizes through core's
 * adamUpdate, with whatever kernel is installed (gradients of varied scale, 0 and −0 among them).
 */
function train(sizes: number[], decay: Decay, steps: number, moments: 'resident' | 'plain', install = (): void => {}): Float64Array[] {
  const next = lcg(5);
  const weights = sizes.map((n) => random(n, next));
  // Resident moments are made before any kernel is installed: adamMoments gives plain arrays after.
  const state = moments === 'resident' ? adamMoments(sizes) : sizes.map((n) => ({ m: new Float64Array(n), v: new Float64Array(n) }));
  install();
  for (let t = 1; t <= steps; t++) {
    const c = adamCoefficients(t, 0.01, settings(decay));
    weights.forEach((w, i) => {
      const g = random(w.length, next, 10 ** (t % 5 - 3));
      if (g.length > 2) [g[0], g[1]] = [0, -0];
      adamUpdate(w, g, state[i]!.m, state[i]!.v, c);
    });
  }
  return weights.flatMap((w, i) => [w, state[i]!.m.slice(), state[i]!.v.slice()]);
}

describe('without the native half', () => {
  (available ? it.skip : it)('useNativeAdam throws an error saying how to get it', () => {
    expect(() => useNativeAdam()).toThrow(OpenBlasUnavailableError);
    expect(() => nativeAdamKernel()).toThrow(/nativeAdamKernel: .*libopenblas-dev/);
  });
});

describeWithAddon('Adam\'s update in native code', () => {
  afterEach(() => setAdamKernel(null));
  // The largest puts resident moments in a shared memory (from 2¹⁵ elements), which the addon reads too.
  const SIZES = [1, 2, 3, 17, 1000, 4097, 2 ** 15 + 3];

  it.each([
    ['none', 'resident'], ['coupled', 'resident'], ['decoupled', 'resident'], ['none', 'plain'], ['decoupled', 'plain'],
  ] as const)('is bit-identical to core\'s own update (weight decay: %s, moments: %s)', (decay, moments) => {
    const builtIn = train(SIZES, decay, 6, moments);
    const kernel = nativeAdamKernel();
    let calls = 0;
    const native = train(SIZES, decay, 6, moments, () => setAdamKernel({ ...kernel, update: (...args) => (calls++, kernel.update(...args)) }));
    expect(calls).toBe(6 * SIZES.length); // every update ran natively, none fell back
    expect(firstDifferenceOf(native, builtIn)).toBe('');
  });

  it('updates the arrays in place: the kernel is handed the caller\'s own arrays', () => {
    const kernel = nativeAdamKernel();
    let handed: Float64Array[] = [];
    setAdamKernel({ ...kernel, update: (w, g, m, v, c) => { handed = [w, g, m, v]; kernel.update(w, g, m, v, c); } });
    const [w, g, m, v] = [new Float64Array(8).fill(1), new Float64Array(8).fill(0.5), new Float64Array(8), new Float64Array(8)];
    adamUpdate(w, g, m, v, adamCoefficients(1, 0.1, settings('none')));
    expect(handed[0]).toBe(w);
    expect(handed[2]).toBe(m);
    expect(w[0]).toBeCloseTo(0.9, 7); // the first step moves each weight by about lr against its gradient's sign
    expect(Array.from(g)).toEqual(new Array(8).fill(0.5));
  });

  it('finds NaN, ±∞ and values whose square overflows at every position of every length up to 40, and nothing in other values', () => {
    const { squaresFinite } = nativeAdamKernel();
    expect(squaresFinite(new Float64Array(0))).toBe(true);
    const largest = Math.sqrt(Number.MAX_VALUE); // just below 2⁵¹²: its square is finite
    for (let n = 1; n <= 40; n++) {
      const x = Float64Array.from({ length: n }, (_, i) => [largest, -Number.MIN_VALUE, -0, 1e-310, -largest][i % 5]!);
      expect(squaresFinite(x)).toBe(true);
      for (let at = 0; at < n; at++) {
        for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 512, -Number.MAX_VALUE]) {
          const y = x.slice();
          y[at] = bad;
          expect(squaresFinite(y)).toBe(false);
        }
      }
    }
  });

  it('trains an MLP with nn\'s Adam and AdamW to the same bits as core\'s own update', () => {
    const next = lcg(4);
    const x = tensor(random(32 * 50, next), { shape: [32, 50] });
    const y = tensor(Array.from({ length: 32 }, (_, i) => i % 10));
    const run = (Optimizer: typeof Adam | typeof AdamW): Float64Array[] => {
      const model = mlp([50, 40, 10], { seed: 1 });
      const optimizer = new Optimizer(model.parameters(), { lr: 1e-2, weightDecay: 0.01 });
      for (let step = 0; step < 5; step++) {
        optimizer.zeroGrad();
        crossEntropy(model.forward(x), y).backward();
        optimizer.step();
      }
      return model.parameters().map((p: Tensor) => p.data.slice());
    };
    for (const Optimizer of [Adam, AdamW]) {
      const builtIn = run(Optimizer);
      useNativeAdam();
      const native = run(Optimizer);
      setAdamKernel(null);
      expect(firstDifferenceOf(native, builtIn)).toBe('');
    }
  });

  it('lets nn\'s Adam refuse a step with a NaN or ±∞ anywhere in any gradient, changing no parameter or moment', () => {
    useNativeAdam();
    const model = mlp([6, 5, 3], { seed: 2 });
    const optimizer = new Adam(model.parameters(), { lr: 0.1 });
    const x = tensor(random(4 * 6, lcg(8)), { shape: [4, 6] });
    const y = tensor([0, 1, 2, 1]);
    crossEntropy(model.forward(x), y).backward();
    optimizer.step(); // a first step, so that the moments are not all zero
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      optimizer.zeroGrad();
      crossEntropy(model.forward(x), y).backward();
      const params = model.parameters();
      const last = params[params.length - 1]!;
      last.grad!.data[last.grad!.data.length - 1] = bad; // the last element of the last gradient
      const before = params.map((p: Tensor) => p.data.slice());
      const state = JSON.stringify(optimizer.stateDict());
      expect(() => optimizer.step()).toThrow('Adam: the gradient of parameter 3 (shape [3]) holds');
      expect(() => optimizer.step()).toThrow('at element 2; no parameter was updated');
      expect(firstDifferenceOf(params.map((p: Tensor) => p.data), before)).toBe('');
      expect(JSON.stringify(optimizer.stateDict())).toBe(state);
    }
  });

  describe('the addon refuses, without touching memory,', () => {
    const [w, g, m, v] = [new Float64Array(6), new Float64Array(6), new Float64Array(6), new Float64Array(6)];
    const c = new Float64Array(8).fill(0.5);
    const shared = new Float64Array(10);
    it.each([
      ['a non-Float64Array', [new Float32Array(6), g, m, v, c], /Float64Arrays/],
      ['arrays of different lengths', [w, g, m.subarray(1), v, c], /same length/],
      ['moments that share memory', [w, g, shared.subarray(0, 6), shared.subarray(4), c], /share memory/],
      ['weights that are their own gradient', [w, w, m, v, c], /share memory/],
      ['seven coefficients', [w, g, m, v, c.subarray(1)], /8 coefficients/],
      ['too few arguments', [w, g, m, v], /5 arguments/],
    ] as const)('%s', (_what, args, message) => {
      for (const x of [w, g, m, v, shared]) x.fill(7);
      expect(() => addon().adamUpdate(...args)).toThrow(message);
      for (const x of [w, g, m, v, shared]) expect(x.every((value) => value === 7)).toBe(true);
    });

    it('anything but one Float64Array to check', () => {
      expect(() => addon().squaresFinite([1, 2])).toThrow(/Float64Array/);
      expect(() => (addon().squaresFinite as (...a: unknown[]) => boolean)(w, g)).toThrow(/1 argument/);
    });
  });
});
