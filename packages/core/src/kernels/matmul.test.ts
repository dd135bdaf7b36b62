import { gemm, gemmJs, gemmWasm, getMatmulBackend, naiveGemm, setMatmulBackend, setMatmulKernel, wasmGemmAvailable, type MatmulKernel } from './matmul';
import { lcg, randomArray, withWebAssembly } from '../testing/kernel-helpers';

type Kernel = typeof gemm;
const VARIANTS: ReadonlyArray<[boolean, boolean]> = [[false, false], [true, false], [false, true], [true, true]];
const TOLERANCE = 1e-12;

interface Case {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** Padding before each operand in its buffer, to exercise the offsets. */
  pad?: number;
}

/** Runs one product through `kernel` on buffers with `pad` junk values either side of each operand. */
function run(kernel: Kernel, a: Float64Array, b: Float64Array, { m, n, k, transA, transB, pad = 0 }: Case, junk: number): Float64Array {
  const c = new Float64Array(m * n + 2 * pad).fill(junk);
  kernel(a, pad, b, pad, c, pad, m, n, k, transA, transB);
  return c;
}

/** Random operand data with `pad` extra elements on each side (offset operands start at `pad`). */
const randomBuffer = (size: number, pad: number, next: () => number): Float64Array => randomArray(size + 2 * pad, next);

/**
 * Largest error of `kernel` (by default `gemm`) against `naiveGemm`, each element's error divided by
 * Σₚ |A_ip·B_pj| (the natural scale of a dot product's rounding error; a plain relative error is
 * meaningless for the entries that cancel to nearly 0). Also checks the padding around C was left alone.
 */
function maxScaledError(spec: Case, seed: number, kernel: Kernel = gemm): number {
  const { m, n, k, pad = 0 } = spec;
  const next = lcg(seed);
  const a = randomBuffer(m * k, pad, next);
  const b = randomBuffer(k * n, pad, next);
  const got = run(kernel, a, b, spec, 7);
  const want = run(naiveGemm, a, b, spec, 7);
  const scale = run(naiveGemm, a.map(Math.abs), b.map(Math.abs), spec, 7);
  for (let i = 0; i < pad; i++) {
    expect(got[i]).toBe(7);
    expect(got[got.length - 1 - i]).toBe(7);
  }
  let worst = 0;
  for (let i = pad; i < pad + m * n; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    worst = Math.max(worst, err === 0 ? 0 : err / scale[i]!);
  }
  return worst;
}

const label = ({ m, n, k, transA, transB, pad }: Case): string =>
  `${m}×${k}·${k}×${n}${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}${pad ? ` offset ${pad}` : ''}`;

function casesFor(shapes: ReadonlyArray<[number, number, number]>, pad = 0): Case[] {
  return shapes.flatMap(([m, n, k]) => VARIANTS.map(([transA, transB]) => ({ m, n, k, transA, transB, pad })));
}

describe('gemm agrees with naiveGemm', () => {
  const small: [number, number, number][] = [];
  for (let m = 1; m <= 9; m++) for (let n = 1; n <= 9; n++) for (const k of [1, 2, 3, 5, 8, 9, 17, 40]) small.push([m, n, k]);

  it('for every m, n in 1…9 and k in 1…40, all four variants', () => {
    let worst = 0;
    casesFor(small).forEach((spec, i) => {
      worst = Math.max(worst, maxScaledError(spec, 1000 + i));
    });
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
  });

  const odd: [number, number, number][] = [
    [33, 17, 65], [17, 33, 5], [5, 130, 7], [130, 5, 300], [4, 4, 4], [8, 12, 257], [13, 129, 513],
    [64, 10, 128], [64, 128, 784], [1, 50, 40], [50, 1, 40], [2, 2, 600],
  ];
  it.each(casesFor(odd).map((c) => [label(c), c] as const))('%s', (_, spec) => {
    expect(maxScaledError(spec, 42)).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each(casesFor([[33, 17, 65], [7, 5, 3], [9, 9, 9]], 11).map((c) => [label(c), c] as const))('%s', (_, spec) => {
    expect(maxScaledError(spec, 7)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('gemm degenerate sizes', () => {
  it.each(VARIANTS)('m = 0 or n = 0 writes nothing (transA %p, transB %p)', (transA, transB) => {
    const c = new Float64Array(4).fill(3);
    gemm(new Float64Array(6), 0, new Float64Array(6), 0, c, 1, 0, 3, 2, transA, transB);
    gemm(new Float64Array(6), 0, new Float64Array(6), 0, c, 1, 3, 0, 2, transA, transB);
    expect(Array.from(c)).toEqual([3, 3, 3, 3]);
  });

  it.each(VARIANTS)('k = 0 zeroes exactly the m×n block of C (transA %p, transB %p)', (transA, transB) => {
    const c = new Float64Array(8).fill(3);
    gemm(new Float64Array(0), 0, new Float64Array(0), 0, c, 1, 2, 3, 0, transA, transB);
    expect(Array.from(c)).toEqual([3, 0, 0, 0, 0, 0, 0, 3]);
  });
});

describe('gemm by hand', () => {
  // A = [[1, 2, 3], [4, 5, 6]], B = [[7, 8], [9, 10], [11, 12]]
  // A·B = [[1·7+2·9+3·11, 1·8+2·10+3·12], [4·7+5·9+6·11, 4·8+5·10+6·12]] = [[58, 64], [139, 154]]
  const A = [1, 2, 3, 4, 5, 6];
  const At = [1, 4, 2, 5, 3, 6];
  const B = [7, 8, 9, 10, 11, 12];
  const Bt = [7, 9, 11, 8, 10, 12];
  const expected = [58, 64, 139, 154];

  it.each([
    ['A·B', A, B, false, false],
    ['(Aᵀ)ᵀ·B', At, B, true, false],
    ['A·(Bᵀ)ᵀ', A, Bt, false, true],
    ['(Aᵀ)ᵀ·(Bᵀ)ᵀ', At, Bt, true, true],
  ] as const)('%s', (_, a, b, transA, transB) => {
    for (const kernel of [gemm, naiveGemm]) {
      const c = new Float64Array(4).fill(NaN);
      kernel(Float64Array.from(a), 0, Float64Array.from(b), 0, c, 0, 2, 2, 3, transA, transB);
      expect(Array.from(c)).toEqual(expected);
    }
  });

  it('overwrites C rather than accumulating into it, on the packed path too', () => {
    const m = 16, n = 16, k = 300;
    const a = new Float64Array(m * k).fill(1);
    const b = new Float64Array(k * n).fill(0.5);
    const c = new Float64Array(m * n).fill(1e6);
    gemm(a, 0, b, 0, c, 0, m, n, k, false, false);
    expect(c.every((v) => v === 150)).toBe(true);
  });
});

describe('WebAssembly kernel', () => {
  it('is available (Node 20 has WebAssembly SIMD), so the tests below exercise it', () => {
    expect(wasmGemmAvailable()).toBe(true);
  });

  const small: [number, number, number][] = [];
  for (let m = 1; m <= 9; m++) for (let n = 1; n <= 9; n++) for (const k of [1, 2, 3, 5, 8, 17]) small.push([m, n, k]);

  it('agrees with naiveGemm for every m, n in 1…9 and k in 1…17, all four variants', () => {
    let worst = 0;
    casesFor(small).forEach((spec, i) => {
      worst = Math.max(worst, maxScaledError(spec, 3000 + i, gemmWasm));
    });
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
  });

  // Ragged edges in both directions, several depth blocks (k > 256, split evenly), several row
  // blocks (m > 128), several column blocks (n > 2048), matrix-vector shapes, the MLP's first layer.
  const shapes: [number, number, number][] = [
    [33, 17, 65], [130, 5, 300], [8, 12, 257], [13, 129, 513], [64, 128, 784], [257, 9, 20],
    [131, 67, 600], [5, 2050, 3], [1, 50, 600], [50, 1, 600], [2, 2, 1000],
  ];
  it.each(casesFor(shapes).map((c) => [label(c), c] as const))('agrees with naiveGemm: %s', (_, spec) => {
    expect(maxScaledError(spec, 99, gemmWasm)).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each(casesFor([[33, 17, 65], [7, 5, 3], [40, 36, 300]], 11).map((c) => [label(c), c] as const))(
    'agrees with naiveGemm, operands at offsets: %s', (_, spec) => {
      expect(maxScaledError(spec, 5, gemmWasm)).toBeLessThanOrEqual(TOLERANCE);
    },
  );

  it.each(casesFor([[4, 4, 4], [9, 7, 5], [33, 17, 65], [130, 70, 300]], 3).map((c) => [label(c), c] as const))(
    'is bit-identical to gemmJs wherever that packs: %s', (_, spec) => {
      const next = lcg(21);
      const a = randomBuffer(spec.m * spec.k, 3, next);
      const b = randomBuffer(spec.k * spec.n, 3, next);
      expect(run(gemmWasm, a, b, spec, 7)).toEqual(run(gemmJs, a, b, spec, 7));
    },
  );

  it('overwrites C, and leaves nothing behind in its memory for the next product', () => {
    // A large product first (growing the memory), then smaller ones reusing it: stale values must
    // not leak into C, whose wasm copy is never cleared between calls.
    for (const [m, n, k] of [[200, 150, 700], [9, 7, 300], [200, 150, 1], [3, 3, 3]] as const) {
      const a = new Float64Array(m * k).fill(1);
      const b = new Float64Array(k * n).fill(0.5);
      const c = new Float64Array(m * n).fill(1e6);
      gemmWasm(a, 0, b, 0, c, 0, m, n, k, false, false);
      expect(c.every((v) => v === k / 2)).toBe(true);
    }
  });

  it('handles degenerate sizes like gemm', () => {
    const c = new Float64Array(8).fill(3);
    gemmWasm(new Float64Array(6), 0, new Float64Array(6), 0, c, 1, 0, 3, 2, false, false);
    expect(Array.from(c)).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
    gemmWasm(new Float64Array(0), 0, new Float64Array(0), 0, c, 1, 2, 3, 0, true, true);
    expect(Array.from(c)).toEqual([3, 0, 0, 0, 0, 0, 0, 3]);
  });
});

describe('gemm backend selection', () => {
  afterEach(() => {
    setMatmulBackend('auto');
  });

  it('defaults to auto, and setMatmulBackend returns the previous setting', () => {
    expect(getMatmulBackend()).toBe('auto');
    expect(setMatmulBackend('js')).toBe('auto');
    expect(setMatmulBackend('wasm')).toBe('js');
    expect(getMatmulBackend()).toBe('wasm');
  });

  it.each(['js', 'wasm', 'auto'] as const)('gemm agrees with naiveGemm under %p, all variants', (setting) => {
    setMatmulBackend(setting);
    let worst = 0;
    casesFor([[3, 2, 4], [33, 17, 65], [130, 5, 300], [1, 50, 600]], 2).forEach((spec, i) => {
      worst = Math.max(worst, maxScaledError(spec, 500 + i));
    });
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
  });

  it('routes to the kernel asked for', () => {
    // A matrix-vector product deeper than 256: gemmJs sums it in one pass, gemmWasm in depth
    // blocks, so their roundings differ and the result shows which kernel ran.
    const spec: Case = { m: 1, n: 40, k: 600, transA: false, transB: false };
    const next = lcg(8);
    const a = randomBuffer(spec.m * spec.k, 0, next);
    const b = randomBuffer(spec.k * spec.n, 0, next);
    const viaJs = run(gemmJs, a, b, spec, 0);
    const viaWasm = run(gemmWasm, a, b, spec, 0);
    expect(viaJs).not.toEqual(viaWasm);
    setMatmulBackend('js');
    expect(run(gemm, a, b, spec, 0)).toEqual(viaJs);
    setMatmulBackend('wasm');
    expect(run(gemm, a, b, spec, 0)).toEqual(viaWasm);
    setMatmulBackend('auto');
    expect(run(gemm, a, b, spec, 0)).toEqual(viaWasm); // 24 000 multiply-adds: large enough
  });

  it('gives the same result whichever kernel runs, on products large and small', () => {
    for (const [m, n, k, transA, transB] of [[2, 3, 4, false, true], [8, 8, 8, true, false], [70, 90, 520, true, true]] as const) {
      const spec: Case = { m, n, k, transA, transB };
      const next = lcg(m + n + k);
      const a = randomBuffer(m * k, 0, next);
      const b = randomBuffer(k * n, 0, next);
      const results = (['js', 'wasm', 'auto'] as const).map((setting) => {
        setMatmulBackend(setting);
        return run(gemm, a, b, spec, 0);
      });
      expect(results[1]).toEqual(results[0]);
      expect(results[2]).toEqual(results[0]);
    }
  });
});

describe('a matrix-product kernel from outside core', () => {
  /** A kernel that records its calls and computes with naiveGemm, scaled by 2 so its results show. */
  function recordingKernel(): MatmulKernel & { calls: number[][] } {
    const calls: number[][] = [];
    return {
      name: 'recording',
      calls,
      gemm(a, aOffset, b, bOffset, c, cOffset, m, n, k, transA, transB) {
        calls.push([aOffset, bOffset, cOffset, m, n, k]);
        naiveGemm(a, aOffset, b, bOffset, c, cOffset, m, n, k, transA, transB);
        for (let i = 0; i < m * n; i++) c[cOffset + i]! *= 2;
      },
    };
  }
  afterEach(() => {
    setMatmulKernel(null);
    setMatmulBackend('auto');
  });

  it('runs every product of at least 512 multiply-adds under auto, with the offsets given', () => {
    const kernel = recordingKernel();
    expect(setMatmulKernel(kernel)).toBeNull();
    const spec: Case = { m: 8, n: 8, k: 8, transA: true, transB: false, pad: 3 };
    const next = lcg(3);
    const a = randomBuffer(64, 3, next);
    const b = randomBuffer(64, 3, next);
    const expected = run(naiveGemm, a, b, spec, 0).map((x, i) => (i >= 3 && i < 67 ? 2 * x : x));
    expect(run(gemm, a, b, spec, 0)).toEqual(expected);
    expect(kernel.calls).toEqual([[3, 3, 3, 8, 8, 8]]);
  });

  it('leaves smaller products, the js and wasm settings and empty products to the built-in kernels', () => {
    const kernel = recordingKernel();
    setMatmulKernel(kernel);
    const next = lcg(4);
    const small: Case = { m: 7, n: 8, k: 9, transA: false, transB: false }; // 504 multiply-adds
    const a = randomBuffer(72, 0, next);
    const b = randomBuffer(72, 0, next);
    expect(run(gemm, a, b, small, 0)).toEqual(run(gemmJs, a, b, small, 0));
    const large: Case = { m: 8, n: 8, k: 9, transA: false, transB: false };
    setMatmulBackend('js');
    expect(run(gemm, a, b, large, 0)).toEqual(run(gemmJs, a, b, large, 0));
    setMatmulBackend('wasm');
    expect(run(gemm, a, b, large, 0)).toEqual(run(gemmWasm, a, b, large, 0));
    setMatmulBackend('auto');
    expect(run(gemm, a, b, { ...large, k: 0 }, 7)).toEqual(new Float64Array(64));
    expect(kernel.calls).toEqual([]);
    expect(setMatmulKernel(null)).toBe(kernel);
    expect(run(gemm, a, b, large, 0)).toEqual(run(gemmWasm, a, b, large, 0));
  });

  it('is never handed operands that do not fit their arrays', () => {
    const kernel = recordingKernel();
    setMatmulKernel(kernel);
    expect(() => gemm(new Float64Array(63), 0, new Float64Array(64), 0, new Float64Array(64), 0, 8, 8, 8, false, false))
      .toThrow(/gemm/);
    expect(kernel.calls).toEqual([]);
  });
});

describe('gemm without WebAssembly SIMD', () => {
  type MatmulModule = typeof import('./matmul');

  const load = (): MatmulModule => require('./matmul') as MatmulModule;

  const noSimd = {
    Module: function Module(): never {
      throw new Error('CompileError: SIMD unsupported');
    },
    Instance: function Instance(): never {
      throw new Error('unreachable');
    },
  };

  it.each([['no WebAssembly at all', undefined], ['an engine that rejects the SIMD module', noSimd]] as const)(
    'falls back to the TypeScript kernel with %s', (_, replacement) => {
      withWebAssembly(replacement, load, (mod) => {
        expect(mod.wasmGemmAvailable()).toBe(false);
        const spec: Case = { m: 40, n: 30, k: 300, transA: true, transB: false };
        const next = lcg(4);
        const a = randomBuffer(spec.m * spec.k, 0, next);
        const b = randomBuffer(spec.k * spec.n, 0, next);
        for (const setting of ['auto', 'wasm'] as const) {
          mod.setMatmulBackend(setting);
          expect(run(mod.gemm, a, b, spec, 0)).toEqual(run(gemmJs, a, b, spec, 0));
        }
        expect(() => run(mod.gemmWasm, a, b, spec, 0)).toThrow(/not available/);
      });
    },
  );
});

describe('operands are checked against the arrays given', () => {
  const kernels: Array<[string, Kernel]> = [['gemm', gemm], ['gemmJs', gemmJs], ...(wasmGemmAvailable() ? [['gemmWasm', gemmWasm] as [string, Kernel]] : [])];
  test.each(kernels)('%s refuses an operand shorter than the product needs, writing nothing', (name, kernel) => {
    const m = 16, n = 16, k = 16;
    const a = new Float64Array(m * k).fill(1);
    const b = new Float64Array(k * n - 1).fill(1); // one short
    const c = new Float64Array(m * n).fill(7);
    expect(() => kernel(a, 0, b, 0, c, 0, m, n, k, false, false)).toThrow(new RegExp(`^${name}: a 16×16·16×16 product needs 256, 256 and 256 elements from offsets 0, 0 and 0, got arrays of 256, 255 and 256`));
    expect(c.every((v) => v === 7)).toBe(true);
    expect(() => kernel(a, 1, new Float64Array(k * n), 0, c, 0, m, n, k, false, false)).toThrow(/from offsets 1, 0 and 0/); // an offset that runs past the end
    expect(() => kernel(a, 0, new Float64Array(k * n), 0, c, 0, m, n, 1.5, false, false)).toThrow(/gemm/);
  });
});

describe('products too large for the WebAssembly memory', () => {
  // 2 GiB of operands (one array read as both, so the test holds 1 GiB, mostly never touched):
  // byte offsets past 2³¹ once wrapped in 32-bit arithmetic, and the copy in threw a RangeError.
  it('run on the TypeScript kernel instead', () => {
    const k = 2 ** 27;
    const a = new Float64Array(k);
    a[0] = 3;
    a[k - 1] = 2;
    const c = new Float64Array(1);
    gemm(a, 0, a, 0, c, 0, 1, 1, k, false, true);
    expect(c[0]).toBe(13);
  });
});
