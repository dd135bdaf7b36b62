/**
 * Matrix-product throughput: the WebAssembly SIMD kernel and the register-tiled TypeScript kernel
 * behind `gemm`, against the naive reference loops.
 */
import { gemmJs, gemmWasm, naiveGemm, wasmGemmAvailable } from '../packages/core/src/kernels/matmul';
import { ratio, timeInterleaved, type BenchResult } from './harness';

const GROUP = 'matmul';
/** Speed-up of gemm (whichever kernel it dispatches to) over the naive i-k-j loop at every square size. */
const SPEEDUP_TARGET = 3.5;
/** Speed-up of the WebAssembly kernel over the TypeScript one required at 512³ (the performance issue's goal). */
const WASM_TARGET = 3;

/** One product op(A)·op(B) with op(A) m×k and op(B) k×n. */
interface Product {
  label: string;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** Speed-up of gemm over naive that must be reached, if any. */
  target?: number;
  /** Speed-up of the WebAssembly kernel over the TypeScript one that must be reached, if any. */
  wasmTarget?: number;
}

function square(size: number, transA: boolean, transB: boolean, target?: number, wasmTarget?: number): Product {
  const ops = transA || transB ? ` ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'}` : '';
  return { label: `${size}³${ops}`, m: size, n: size, k: size, transA, transB, target, wasmTarget };
}

const PRODUCTS: Product[] = [
  square(128, false, false, SPEEDUP_TARGET),
  square(256, false, false, SPEEDUP_TARGET),
  square(512, false, false, SPEEDUP_TARGET, WASM_TARGET),
  square(256, true, false),
  square(256, false, true),
  square(256, true, true),
  // The MNIST MLP (784 → 128 → 10, batch 64): forward products and the gradient products that
  // reverse mode forms without materialising a transpose.
  { label: 'mlp X·W1 64×784·784×128', m: 64, n: 128, k: 784, transA: false, transB: false },
  { label: 'mlp H·W2 64×128·128×10', m: 64, n: 10, k: 128, transA: false, transB: false },
  { label: 'mlp Xᵀ·Ḡ 784×64·64×128', m: 784, n: 128, k: 64, transA: true, transB: false },
  { label: 'mlp Ḡ·W1ᵀ 64×128·128×784', m: 64, n: 784, k: 128, transA: false, transB: true },
];

type Kernel = typeof naiveGemm;

/** Deterministic values in [-1, 1), so every run multiplies the same matrices. */
function filled(size: number, seed: number): Float64Array {
  const out = new Float64Array(size);
  let state = seed >>> 0;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

/** Throws if a kernel disagrees with naiveGemm, so a fast but wrong kernel can never post a number. */
function verify(p: Product, a: Float64Array, b: Float64Array, kernels: ReadonlyArray<[string, Kernel]>): void {
  const slow = new Float64Array(p.m * p.n);
  naiveGemm(a, 0, b, 0, slow, 0, p.m, p.n, p.k, p.transA, p.transB);
  for (const [name, kernel] of kernels) {
    const fast = new Float64Array(p.m * p.n);
    kernel(a, 0, b, 0, fast, 0, p.m, p.n, p.k, p.transA, p.transB);
    let worst = 0;
    for (let i = 0; i < fast.length; i++) worst = Math.max(worst, Math.abs(fast[i] - slow[i]));
    if (worst > 1e-10 * p.k) throw new Error(`matmul benchmark: ${name} and naiveGemm differ by ${worst} on ${p.label}`);
  }
}

/**
 * Times naiveGemm and the kernels on one product, interleaved so their ratios are robust to drift
 * (this machine is shared). `gemm/naive` rates the kernel gemm dispatches to for large products:
 * the WebAssembly one when available.
 */
function measure(p: Product, withWasm: boolean): BenchResult[] {
  const a = filled(p.m * p.k, 1);
  const b = filled(p.k * p.n, 2);
  const c = new Float64Array(p.m * p.n);
  const kernels: Array<[string, Kernel]> = [['gemm (js)', gemmJs]];
  if (withWasm) kernels.push(['gemm (wasm)', gemmWasm]);
  verify(p, a, b, kernels);
  const times = timeInterleaved(
    [naiveGemm, ...kernels.map(([, kernel]) => kernel)].map((kernel) =>
      () => kernel(a, 0, b, 0, c, 0, p.m, p.n, p.k, p.transA, p.transB)),
    { minTime: 0.5 },
  );
  const gflops = (seconds: number): number => (2 * p.m * p.n * p.k) / seconds / 1e9;
  const [naive, js, wasm] = [['naive', naiveGemm] as const, ...kernels].map(([name], i): BenchResult =>
    ({ group: GROUP, name: `${name} ${p.label}`, value: gflops(times[i]!.median), unit: 'GFLOP/s' }));
  const rows = [naive!, js!];
  if (wasm !== undefined) rows.push(wasm);
  rows.push(ratio(GROUP, `gemm/naive ${p.label}`, wasm ?? js!, naive!, p.target));
  if (wasm !== undefined) rows.push(ratio(GROUP, `wasm/js-tiled ${p.label}`, wasm, js!, p.wasmTarget));
  return rows;
}

/**
 * GFLOP/s (2·m·n·k per product) of naiveGemm, gemmJs and gemmWasm, with gemm/naive and
 * wasm/js-tiled ratios, for each product above.
 */
export async function benchMatmul(): Promise<BenchResult[]> {
  const withWasm = wasmGemmAvailable();
  if (!withWasm) console.log('  matmul: WebAssembly SIMD unavailable, timing the TypeScript kernel only');
  return PRODUCTS.flatMap((p) => measure(p, withWasm));
}
