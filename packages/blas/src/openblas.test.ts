import { Rng, getNumThreads, linear, matmul, setMatmulKernel, setNumThreads, tensor, type Tensor } from '@adjoint/core';
import { Adam, crossEntropy, mlp } from '@adjoint/nn';
import { OpenBlasUnavailableError, openBlasAvailable, openBlasConfig, openBlasCoreType, openBlasKernel, useOpenBlas } from './index';

// Loaded through require, as a program would not: only the tests call the addon directly, to
// check that it refuses what would make dgemm read or write outside its arrays.
type Dgemm = (a: unknown, aOffset: unknown, b: unknown, bOffset: unknown, c: unknown, cOffset: unknown,
  m: unknown, n: unknown, k: unknown, transA: unknown, transB: unknown) => void;
const available = openBlasAvailable();
const addon = (): { dgemm: Dgemm; threads: () => number } => require('../native/build/Release/openblas.node');
const nativeDgemm = (): Dgemm => addon().dgemm;
/** How many threads OpenBLAS is set to use. */
const nativeThreads = (): number => addon().threads();
const describeWithOpenBlas = available ? describe : describe.skip;
/** OpenBLAS's headers are here, so the install must have built the native kernel. */
const headersHere = ['/usr/include/x86_64-linux-gnu/cblas.h', '/usr/include/cblas.h'].some((f) => require('node:fs').existsSync(f));
if (!available) {
  console.log('OpenBLAS tests skipped: @adjoint/blas\'s native kernel is not built (apt-get install libopenblas-dev, then npm rebuild @adjoint/blas; CI does)');
}

const random = (n: number, rng: Rng): Float64Array => Float64Array.from({ length: n }, () => rng.uniform(-1, 1));

/** C = op(A)·op(B) by the definition, in plain loops. */
function reference(a: Float64Array, aOffset: number, b: Float64Array, bOffset: number, m: number, n: number, k: number, transA: boolean, transB: boolean): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[aOffset + (transA ? p * m + i : i * k + p)]! * b[bOffset + (transB ? j * k + p : p * n + j)]!;
      c[i * n + j] = sum;
    }
  }
  return c;
}

describe('openBlasCoreType', () => {
  it('picks AVX-512 only when every AVX-512 flag OpenBLAS needs is there, then AVX2 with FMA', () => {
    expect(openBlasCoreType('fpu sse2 avx avx2 fma avx512f avx512cd avx512bw avx512dq avx512vl')).toBe('SkylakeX');
    expect(openBlasCoreType('fpu sse2 avx avx2 fma avx512f avx512cd')).toBe('Haswell');
    expect(openBlasCoreType('fpu sse2 avx avx2')).toBeUndefined();
  });
});

describe('the native kernel', () => {
  (headersHere ? it : it.skip)('was built on install, as OpenBLAS\'s headers are here', () => {
    expect(available).toBe(true);
  });
});

describe('without the native kernel', () => {
  (available ? it.skip : it)('useOpenBlas throws an error saying how to get it', () => {
    expect(() => useOpenBlas()).toThrow(OpenBlasUnavailableError);
    expect(() => useOpenBlas()).toThrow(/useOpenBlas: .*libopenblas-dev/);
    expect(() => openBlasKernel()).toThrow(/openBlasKernel: .*libopenblas-dev/);
  });
});

describeWithOpenBlas('the kernel OpenBLAS picks', () => {
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  const bundle = require.resolve('../dist/index.cjs');
  const wanted = openBlasCoreType();
  /** OpenBLAS's configuration as a fresh Node process sees it, loading the package in `where`. */
  const configIn = (where: 'main thread' | 'worker thread', env: NodeJS.ProcessEnv = {}): string => {
    const load = `require(${JSON.stringify(bundle)}).openBlasConfig()`;
    const program = where === 'main thread'
      ? `console.log(${load})`
      : `const { Worker } = require('node:worker_threads');
         new Worker(${JSON.stringify(`require('node:worker_threads').parentPort.postMessage(${load})`)}, { eval: true }).once('message', (m) => { console.log(m); process.exit(0); });`;
    const { OPENBLAS_CORETYPE: _ignored, ...inherited } = process.env;
    return execFileSync(process.execPath, ['-e', program], { env: { ...inherited, ...env }, encoding: 'utf8' }).trim();
  };

  (wanted === undefined ? it.skip : it)('is the one the CPU\'s flags call for, when the package is first loaded on the main thread or in a worker thread', () => {
    expect(configIn('main thread')).toContain(` ${wanted} `);
    // process.env is a copy in a worker thread: the variable is set in the process's own environment.
    expect(configIn('worker thread')).toContain(` ${wanted} `);
  });

  it('is the one OPENBLAS_CORETYPE names, when the user set it', () => {
    expect(configIn('worker thread', { OPENBLAS_CORETYPE: 'Prescott' })).toContain(' Prescott ');
  });

  it('is set through an addon that refuses what is not a short name and value, and leaves a set variable alone', () => {
    const environment = require('../native/build/Release/environment.node') as { setIfUnset: (...args: unknown[]) => boolean };
    // (Jest gives each test file a copy of process.env, so the process's environment is read back
    // through the addon's own answer: false once the variable is set.)
    const name = `ADJOINT_BLAS_TEST_${process.pid}_${Date.now()}`;
    // The addon's errors come from outside Jest's realm: compared by name, not by constructor.
    const refusal = (...args: unknown[]): string => {
      try {
        environment.setIfUnset(...args);
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
      return 'nothing thrown';
    };
    expect(refusal(name)).toBe('TypeError: setIfUnset: expected 2 arguments');
    expect(refusal(1, 'x')).toMatch(/^TypeError: setIfUnset: the name and value must be strings/);
    expect(refusal(`${name}_LONG`, 'x'.repeat(63))).toBe('nothing thrown'); // 63 bytes fit
    expect(refusal(name, 2)).toMatch(/^TypeError: /);
    // Too long counts bytes, so a multi-byte character at the end cannot be cut off and accepted.
    for (const [badName, value] of [['A=B', 'x'], ['', 'x'], [name, 'x'.repeat(64)], ['N'.repeat(64), 'x'], [name, `${'a'.repeat(62)}€`], ['A\0B', 'x'], [name, 'x\0y']]) {
      expect(refusal(badName, value)).toMatch(/^RangeError: setIfUnset: the name and value must be strings of 1 to 63 bytes in UTF-8/);
    }
    expect(environment.setIfUnset(name, 'first')).toBe(true); // none of the refused calls set it
    expect(environment.setIfUnset(name, 'second')).toBe(false);
  });
});

describeWithOpenBlas('matrix products on OpenBLAS', () => {
  afterEach(() => {
    setMatmulKernel(null);
  });

  it('names its configuration', () => {
    expect(openBlasConfig()).toMatch(/OpenBLAS/);
  });

  const maxDifference = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
    return worst;
  };

  it('agrees with the definition on every transpose, with offsets, to rounding', () => {
    const rng = new Rng(5);
    for (const [m, n, k] of [[8, 8, 8], [33, 17, 65], [64, 128, 300], [1, 600, 1]] as const) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const a = random(m * k + 3, rng);
          const b = random(k * n + 5, rng);
          const c = new Float64Array(m * n + 4).fill(Number.NaN);
          const [aBefore, bBefore] = [a.slice(), b.slice()];
          nativeDgemm()(a, 3, b, 5, c, 2, m, n, k, transA, transB);
          expect(maxDifference(c.subarray(2, 2 + m * n), reference(a, 3, b, 5, m, n, k, transA, transB))).toBeLessThanOrEqual(1e-13 * k);
          // Nothing written before or after the result, nothing to the operands.
          expect([c[0], c[1], c[m * n + 2], c[m * n + 3]].every(Number.isNaN)).toBe(true);
          expect(a).toEqual(aBefore);
          expect(b).toEqual(bBefore);
        }
      }
    }
  });

  it('useOpenBlas installs it for core\'s products', () => {
    useOpenBlas();
    expect(setMatmulKernel(null)?.name).toBe('OpenBLAS');
  });

  /** Installs OpenBLAS wrapped in a counter of its calls. */
  function countedOpenBlas(): { calls: number } {
    const installed = openBlasKernel();
    const counter = { calls: 0 };
    setMatmulKernel({
      name: 'counted',
      gemm: (...args) => {
        counter.calls++;
        installed.gemm(...args);
      },
    });
    return counter;
  }

  it('runs matmul and both its adjoints once installed', () => {
    const counter = countedOpenBlas();
    const rng = new Rng(6);
    const [m, k, n] = [40, 70, 30];
    const a = tensor(random(m * k, rng), { shape: [m, k], requiresGrad: true });
    const b = tensor(random(k * n, rng), { shape: [k, n], requiresGrad: true });
    const g = random(m * n, rng);
    const c = matmul(a, b);
    c.backward(tensor(g, { shape: [m, n] }));
    expect(counter.calls).toBe(3);
    expect(maxDifference(c.data, reference(a.data, 0, b.data, 0, m, n, k, false, false))).toBeLessThanOrEqual(1e-13 * k);
    expect(maxDifference(a.grad!.data, reference(g, 0, b.data, 0, m, k, n, false, true))).toBeLessThanOrEqual(1e-13 * n);
    expect(maxDifference(b.grad!.data, reference(a.data, 0, g, 0, k, n, m, true, false))).toBeLessThanOrEqual(1e-13 * m);
  });

  it('propagates NaN and ±∞ as the definition does', () => {
    const counter = countedOpenBlas();
    const rng = new Rng(7);
    const a = random(64, rng);
    a[9] = Number.NaN;
    a[20] = Number.POSITIVE_INFINITY;
    a[43] = Number.NEGATIVE_INFINITY;
    const b = random(64, rng);
    b[32] = 0; // row 4, which a[20] = ∞ (row 2, column 4) multiplies: ∞·0 is NaN
    const got = Array.from(matmul(tensor(a, { shape: [8, 8] }), tensor(b, { shape: [8, 8] })).data);
    expect(counter.calls).toBe(1);
    const want = Array.from(reference(a, 0, b, 0, 8, 8, 8, false, false));
    got.forEach((x, i) => {
      if (Number.isFinite(want[i]!)) expect(Math.abs(x - want[i]!)).toBeLessThanOrEqual(1e-14);
      else expect(x).toBe(want[i]); // toBe treats NaN as NaN
    });
    expect(Number.isNaN(want[16]!) && want.some((x) => x === Number.POSITIVE_INFINITY)).toBe(true);
  });

  it('keeps OpenBLAS\'s one thread setting in step with setNumThreads whichever kernel object runs', () => {
    const [first, second] = [openBlasKernel(), openBlasKernel()];
    const a = new Float64Array(64).fill(1), c = new Float64Array(64);
    const threads = getNumThreads();
    try {
      for (const [count, kernel] of [[1, first], [2, second], [1, first], [2, first], [1, second]] as const) {
        setNumThreads(count);
        kernel.gemm(a, 0, a, 0, c, 0, 8, 8, 8, false, false);
        expect(nativeThreads()).toBe(count);
      }
    } finally {
      setNumThreads(threads);
    }
  });

  it('follows setNumThreads, with the same results on one thread and on two', () => {
    useOpenBlas();
    const rng = new Rng(9);
    const a = tensor(random(200 * 300, rng), { shape: [200, 300] });
    const b = tensor(random(300 * 100, rng), { shape: [300, 100] });
    const threads = getNumThreads();
    try {
      setNumThreads(1);
      const one = matmul(a, b).data;
      expect(nativeThreads()).toBe(1);
      setNumThreads(2);
      const two = matmul(a, b).data;
      expect(nativeThreads()).toBe(2);
      let worst = 0;
      for (let i = 0; i < one.length; i++) worst = Math.max(worst, Math.abs(one[i]! - two[i]!));
      expect(worst).toBeLessThanOrEqual(1e-12);
    } finally {
      setNumThreads(threads);
    }
  });

  it('gives linear and its gradients as core\'s kernels do, to rounding', () => {
    const rng = new Rng(2);
    const x = tensor(random(64 * 50, rng), { shape: [64, 50] });
    const w = tensor(random(50 * 30, rng), { shape: [50, 30], requiresGrad: true });
    const bias = tensor(random(30, rng), { requiresGrad: true });
    const run = (): Float64Array[] => {
      w.grad = null;
      bias.grad = null;
      const y = linear(x, w, bias);
      y.mul(y).sum().backward();
      return [y.data.slice(), w.grad!.data.slice(), bias.grad!.data.slice()];
    };
    const builtIn = run();
    const counter = countedOpenBlas();
    const onBlas = run();
    expect(counter.calls).toBe(2); // x·W and xᵀ·ȳ (x needs no gradient)
    builtIn.forEach((values, i) => {
      let worst = 0;
      for (let j = 0; j < values.length; j++) worst = Math.max(worst, Math.abs(values[j]! - onBlas[i]![j]!) / Math.max(1, Math.abs(values[j]!)));
      expect(worst).toBeLessThanOrEqual(1e-12);
    });
  });

  it('trains an MLP as core\'s kernels do, to rounding', () => {
    const rng = new Rng(4);
    const x = tensor(random(64 * 784, rng).map((v) => (v + 1) / 2), { shape: [64, 784] });
    const y = tensor(Array.from({ length: 64 }, () => rng.int(0, 10)));
    const train = (): Float64Array[] => {
      const model = mlp([784, 128, 10], { seed: 1 });
      const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
      for (let step = 0; step < 5; step++) {
        optimizer.zeroGrad();
        crossEntropy(model.forward(x), y).backward();
        optimizer.step();
      }
      return model.parameters().map((p: Tensor) => p.data.slice());
    };
    const builtIn = train();
    const counter = countedOpenBlas();
    const onBlas = train();
    expect(counter.calls).toBe(5 * 5); // each step: layer 1's product and weight gradient, layer 2's product and both adjoints
    builtIn.forEach((values, i) => expect(maxDifference(values, onBlas[i]!)).toBeLessThanOrEqual(1e-10));
  });

  describe('the native dgemm refuses, without touching memory,', () => {
    const dgemm = available ? nativeDgemm() : null;
    const a = new Float64Array(12), b = new Float64Array(12), c = new Float64Array(9);
    it.each([
      ['a non-Float64Array operand', [new Float32Array(12), 0, b, 0, c, 0, 3, 3, 4, false, false], /Float64Array/],
      ['an operand past its array', [a, 1, b, 0, c, 0, 3, 3, 4, false, false], /does not fit/],
      ['a result past its array', [a, 0, b, 0, c, 1, 3, 3, 4, false, false], /does not fit/],
      ['a negative size', [a, 0, b, 0, c, 0, -3, 3, 4, false, false], /whole numbers/],
      ['a fractional offset', [a, 0.5, b, 0, c, 0, 3, 3, 4, false, false], /whole numbers/],
      ['NaN for a size', [a, 0, b, 0, c, 0, Number.NaN, 3, 4, false, false], /whole numbers/],
      ['a size past 2³¹ − 1', [a, 0, b, 0, c, 0, 2 ** 31, 0, 4, false, false], /whole numbers/],
      ['a result overlapping an operand', [a, 0, b, 0, a.subarray(3), 0, 3, 3, 4, false, false], /overlap/],
      ['a flag that is not a boolean', [a, 0, b, 0, c, 0, 3, 3, 4, 1, false], /booleans/],
      ['too few arguments', [a, 0, b, 0, c, 0, 3, 3, 4], /11 arguments/],
    ] as const)('%s', (_what, args, message) => {
      [a, b, c].forEach((x) => x.fill(7));
      expect(() => (dgemm as (...x: unknown[]) => void)(...args)).toThrow(message);
      for (const x of [a, b, c]) expect(x.every((v) => v === 7)).toBe(true);
    });

    it('writes zeros for a product of depth 0, and nothing for an empty one', () => {
      c.fill(7);
      dgemm!(a, 0, b, 0, c, 0, 3, 3, 0, false, false);
      expect(Array.from(c)).toEqual(new Array(9).fill(0));
      c.fill(7);
      dgemm!(a, 0, b, 0, c, 0, 0, 3, 4, false, false);
      expect(Array.from(c)).toEqual(new Array(9).fill(7));
    });
  });
});
