/** Matrix-product throughput: the register-tiled `gemm` against the naive reference loops. */
import { gemm, naiveGemm } from '../packages/core/src/kernels/matmul';
import { ratio, timeInterleaved, type BenchResult } from './harness';

const GROUP = 'matmul';
/** Speed-up of gemm over the naive i-k-j loop required at every square size. */
const SPEEDUP_TARGET = 3.5;

/** One product op(A)·op(B) with op(A) m×k and op(B) k×n. */
interface Product {
  label: string;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** Speed-up over naive that must be reached, if any. */
  target?: number;
}

function square(size: number, transA: boolean, transB: boolean, target?: number): Product {
  const ops = transA || transB ? ` ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'}` : '';
  return { label: `${size}³${ops}`, m: size, n: size, k: size, transA, transB, target };
}

const PRODUCTS: Product[] = [
  square(128, false, false, SPEEDUP_TARGET),
  square(256, false, false, SPEEDUP_TARGET),
  square(512, false, false, SPEEDUP_TARGET),
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

/** Throws if the two kernels disagree, so a fast but wrong kernel can never post a number. */
function verify(p: Product, a: Float64Array, b: Float64Array): void {
  const fast = new Float64Array(p.m * p.n);
  const slow = new Float64Array(p.m * p.n);
  gemm(a, 0, b, 0, fast, 0, p.m, p.n, p.k, p.transA, p.transB);
  naiveGemm(a, 0, b, 0, slow, 0, p.m, p.n, p.k, p.transA, p.transB);
  let worst = 0;
  for (let i = 0; i < fast.length; i++) worst = Math.max(worst, Math.abs(fast[i] - slow[i]));
  if (worst > 1e-10 * p.k) throw new Error(`matmul benchmark: gemm and naiveGemm differ by ${worst} on ${p.label}`);
}

/** Times gemm and naiveGemm on one product (interleaved, so their ratio is robust to drift). */
function measure(p: Product): BenchResult[] {
  const a = filled(p.m * p.k, 1);
  const b = filled(p.k * p.n, 2);
  const c = new Float64Array(p.m * p.n);
  verify(p, a, b);
  const [naiveTime, gemmTime] = timeInterleaved([
    () => naiveGemm(a, 0, b, 0, c, 0, p.m, p.n, p.k, p.transA, p.transB),
    () => gemm(a, 0, b, 0, c, 0, p.m, p.n, p.k, p.transA, p.transB),
  ], { minTime: 0.5 });
  const gflops = (seconds: number): number => (2 * p.m * p.n * p.k) / seconds / 1e9;
  const naive: BenchResult = { group: GROUP, name: `naive ${p.label}`, value: gflops(naiveTime.median), unit: 'GFLOP/s' };
  const tiled: BenchResult = { group: GROUP, name: `gemm ${p.label}`, value: gflops(gemmTime.median), unit: 'GFLOP/s' };
  return [naive, tiled, ratio(GROUP, `gemm/naive ${p.label}`, tiled, naive, p.target)];
}

/** GFLOP/s (2·m·n·k per product) of gemm and naiveGemm, and their ratio, for each product above. */
export async function benchMatmul(): Promise<BenchResult[]> {
  return PRODUCTS.flatMap(measure);
}
