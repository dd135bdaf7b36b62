/**
 * Matrix-product throughput: the WebAssembly SIMD kernel and the register-tiled TypeScript kernel
 * behind `gemm`, against the naive reference loops; then the public `matmul` op (float64, output
 * allocation included) against TensorFlow.js's cpu and wasm backends (float32); and gemm at 1024³
 * against OpenBLAS's dgemm on both cores and on one (Debian's numpy, in a subprocess: see openblas.ts).
 */
import { Rng, Tensor, matmul } from '@adjoint/core';
import { openBlasAvailable, openBlasKernel } from '@adjoint/blas';
import * as os from 'os';
import {
  gemm, gemmJs, gemmWasm, gemmWasmAt, gemmWorkspaceBytes, naiveGemm, wasmGemmAvailable, wasmHeap, wasmKernelFor,
} from '../packages/core/src/kernels/matmul';
import { getNumThreads, setNumThreads } from '../packages/core/src/kernels/threads';
import { ratio, timeInterleaved, timeIt, type BenchResult, type Timing } from './harness';
import { openblasDgemm, type Dgemm } from './openblas';
import { BLAS_MISSING, noteOnce } from './python';
import { loadTf, useBackend, type Tf } from './tf';

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

/** Seeded values in [-1, 1), so every run multiplies the same matrices. */
function filled(size: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: size }, () => rng.uniform(-1, 1));
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
  const kernels = PRODUCTS.flatMap((p) => measure(p, withWasm));
  // Before tfjs is loaded, whose heap would slow the collections between adjoint's batches.
  const openblas = againstOpenBlas(1024);
  const tf = await loadTf();
  const against: BenchResult[] = [];
  if (tf !== null) for (const size of [128, 256, 512]) for (const row of await againstTf(tf, size)) against.push(row);
  return [...kernels, ...openblas, ...against];
}

/**
 * gemm (whichever kernel it dispatches to, into a preallocated result) on n×n·n×n against OpenBLAS's
 * dgemm through Debian's numpy (`numpy.matmul(a, b, out=c)`), on all of the machine's cores and on
 * one thread, when numpy with OpenBLAS is installed: adjoint on all cores (its default thread count)
 * against OpenBLAS on all cores, and adjoint with `setNumThreads(1)` against OpenBLAS on one thread.
 * numpy.show_config() on Debian names only the generic "blas"; openblas_reference.py reads the
 * library actually loaded, and the rows are left out unless it is OpenBLAS (libopenblasp, pthreads;
 * its version and kernel are printed in a note). OpenBLAS runs in a Python subprocess, so its
 * batches cannot alternate with adjoint's: adjoint is timed right before and right after it, and
 * each of its rows is the median over both timings' batches.
 */
function againstOpenBlas(n: number): BenchResult[] {
  const a = filled(n * n, 1);
  const b = filled(n * n, 2);
  const c = new Float64Array(n * n);
  const cores = os.cpus().length;
  const defaultThreads = getNumThreads(); // the cores, up to setNumThreads' limit of 64
  const on = (threadCount: number) => (): void => {
    setNumThreads(threadCount);
    gemm(a, 0, b, 0, c, 0, n, n, n, false, false);
  };
  // @adjoint/blas's kernel, where it is built: what gemm runs once useOpenBlas() has installed it.
  const blas = openBlasAvailable() ? openBlasKernel() : null;
  if (blas === null) noteOnce(BLAS_MISSING);
  // On core's default thread count, which is defaultThreads: both are the machine's cores. The
  // kernel reads getNumThreads() at each product, and the timings before this one leave it at 1.
  const onBlas = (): void => {
    setNumThreads(defaultThreads);
    blas!.gemm(a, 0, b, 0, c, 0, n, n, n, false, false);
  };
  // The in-cache operands are placed again each time: the 1024³ products reuse the same memory.
  const time = (): Timing[] => [on(defaultThreads), on(1), kernelInCache(), ...(blas === null ? [] : [onBlas])]
    .map((fn) => timeIt(fn, { minTime: 0.5 }));
  let before: Timing[], after: Timing[], all: Dgemm | null, one: Dgemm | null;
  try {
    before = time();
    all = openblasDgemm(n, cores);
    one = all === null ? null : openblasDgemm(n, 1);
    after = time();
  } finally {
    setNumThreads(defaultThreads);
  }
  if (all === null || one === null) return [];
  noteOnce(`OpenBLAS reference: numpy ${all.numpy} on ${all.blas.openblas.config} (${all.blas.libraries.join(', ')})`);
  const gflops = (i: number, flops = 2 * n ** 3): number => {
    const samples = [...before[i]!.samples, ...after[i]!.samples].sort((x, y) => x - y);
    return flops / samples[samples.length >> 1]! / 1e9;
  };
  const threads = all.blas.openblas.threads ?? cores;
  const row = (name: string, value: number): BenchResult => ({ group: GROUP, name, value, unit: 'GFLOP/s' });
  const oursAll = row(`adjoint gemm ${n}³ (${defaultThreads} threads, before and after OpenBLAS)`, gflops(0));
  const oursOne = row(`adjoint gemm ${n}³ (1 thread, before and after OpenBLAS)`, gflops(1));
  const blasAll = row(`OpenBLAS dgemm ${n}³ via numpy (${threads} threads)`, all.gflops);
  const blasOne = row(`OpenBLAS dgemm ${n}³ via numpy (1 thread)`, one.gflops);
  const rows = [
    oursAll, oursOne, blasAll, blasOne,
    ratio(GROUP, `adjoint / OpenBLAS (${threads} threads) ${n}³`, oursAll, blasAll, 0.4),
    ratio(GROUP, `adjoint / OpenBLAS (1 thread) ${n}³`, oursOne, blasOne, 0.4),
  ];
  if (blas !== null) {
    // Without a target: the product on @adjoint/blas is OpenBLAS's own, called in-process.
    const onOpenBlas = row(`adjoint gemm ${n}³ on OpenBLAS (@adjoint/blas, ${defaultThreads} threads)`, gflops(3));
    rows.push(onOpenBlas, ratio(GROUP, `adjoint on OpenBLAS / OpenBLAS via numpy (${threads} threads) ${n}³`, onOpenBlas, blasAll));
  }
  if (!wasmGemmAvailable()) return rows;
  // Without a target, for reading the one above: what the one-thread ratio would be if the 1024³
  // product ran at the kernel's in-cache speed, with no copies and no cache misses.
  const ceiling = row(`adjoint kernel in cache (${IN_CACHE.label}, 1 thread, no copies)`, gflops(2, IN_CACHE.flops));
  return [...rows, ceiling, ratio(GROUP, 'adjoint kernel in cache / OpenBLAS (1 thread)', ceiling, blasOne)];
}


/** The in-cache product: small enough that A, B and C stay in one core's L2 between calls. */
const IN_CACHE = { m: 128, n: 128, k: 256, label: '128×256·256×128', flops: 2 * 128 * 128 * 256 };

/**
 * A function running the WebAssembly kernel on one thread on an in-cache product whose operands it
 * has just placed in the kernel's memory: no copying in or out, no waiting for a worker, no cache
 * misses. Its speed bounds what gemm can reach on one core, whatever the size. (A no-op without
 * WebAssembly, whose row is then left out.)
 */
function kernelInCache(): () => void {
  const { m, n, k } = IN_CACHE;
  const kernel = wasmKernelFor(m, n, k);
  if (kernel === null) return () => {};
  const aAt = gemmWorkspaceBytes(kernel, m, n, k);
  const bAt = aAt + 8 * m * k;
  const cAt = bAt + 8 * k * n;
  const heap = wasmHeap(cAt + 8 * m * n)!;
  heap.set(filled(m * k, 3), aAt / 8);
  heap.set(filled(k * n, 4), bAt / 8);
  return () => {
    setNumThreads(1);
    gemmWasmAt(kernel, aAt, bAt, cAt, m, n, k, false, false, 0);
  };
}

/**
 * adjoint's `matmul` (a new tensor per product, as a user calls it) beside tfjs's `matMul` on the
 * cpu and then the wasm backend, each pair interleaved. tfjs runs asynchronously: `dataSync` waits
 * for the product, and each result is disposed.
 */
async function againstTf(tf: Tf, size: number): Promise<BenchResult[]> {
  const a = filled(size * size, 1);
  const b = filled(size * size, 2);
  const ta = new Tensor(a, [size, size]);
  const tb = new Tensor(b, [size, size]);
  const ours = (): void => void matmul(ta, tb);
  const tfProduct = (): (() => void) => {
    const [fa, fb] = [tf.tensor2d(Float32Array.from(a), [size, size]), tf.tensor2d(Float32Array.from(b), [size, size])];
    return () => {
      const c = tf.matMul(fa, fb);
      c.dataSync();
      c.dispose();
    };
  };
  const group = `${GROUP} vs tfjs`;
  const gflops = (name: string, seconds: number): BenchResult => ({ group, name: `${name} ${size}³`, value: (2 * size ** 3) / seconds / 1e9, unit: 'GFLOP/s' });
  await useBackend(tf, 'cpu');
  const [oursBesideCpu, cpu] = timeInterleaved([ours, tfProduct()], { minTime: 0.5 });
  await useBackend(tf, 'wasm');
  const [oursBesideWasm, wasm] = timeInterleaved([ours, tfProduct()], { minTime: 0.5 });
  const adjoint = gflops('adjoint matmul (float64)', oursBesideWasm!.median);
  const tfWasm = gflops('tfjs wasm (float32)', wasm!.median);
  const tfCpu = gflops('tfjs cpu (float32)', cpu!.median);
  const adjointBesideCpu = gflops('adjoint matmul (again, beside cpu)', oursBesideCpu!.median);
  return [adjoint, tfWasm, adjointBesideCpu, tfCpu, ratio(group, `adjoint/tfjs wasm ${size}³ (speed)`, adjoint, tfWasm), ratio(group, `adjoint/tfjs cpu ${size}³ (speed)`, adjointBesideCpu, tfCpu)];
}
