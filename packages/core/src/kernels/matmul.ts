/**
 * Dense matrix product kernels on raw Float64Arrays.
 *
 * `gemm` is the one entry point (besides convolution's kernels, which keep their operands in the
 * WebAssembly memory and run products there: see wasmKernelFor below). It sends large products to a WebAssembly SIMD kernel
 * (wasm/gemm.wat, embedded at build time) and everything else, or everything when WebAssembly SIMD
 * is unavailable, to `gemmJs`, the TypeScript kernel below. Both kernels sum every element of C in
 * exactly the same order with the same roundings, so their results are bit-identical (save for
 * matrix-vector products deeper than 256, which gemmJs sums in one pass: equal to rounding) and the
 * choice is a matter of speed alone.
 *
 * Why the tiling (`gemmJs`): a plain i-k-j loop does one multiply-add per load *and* store of C,
 * so it is bound by memory traffic, and every pass over a row of C streams a whole row-panel of B
 * through the cache again. `gemmJs` instead keeps a 4×4 block of C in sixteen local variables for
 * the whole k loop, so each step loads 4 values of A and 4 of B for 16 multiply-adds and never
 * touches C. In optimised V8 code every typed-array load carries a bounds check and the sixteen
 * sums already exceed the sixteen x64 float registers, so the kernel is limited by instruction
 * count: 4×4, 4×2, 2×4, 3×4 and 2×8 tiles all measured within noise of each other (~3.8 GFLOP/s
 * with operands in L1), 2×2 was clearly slower, and unrolling the k loop made it slower (more
 * spills). 4×4 needs the fewest loads per flop, which matters most once operands fall out of L1.
 *
 * To feed that micro-kernel with contiguous, unit-stride reads whatever the layout, operands are
 * packed first (the GotoBLAS structure, much simplified): a KC×NC block of op(B) is copied into
 * 4-column strips, then for each 4 rows of op(A) a 4-row strip of the same depth. Packing is where
 * the transposes are absorbed: it reads through (row, column) strides, so all four variants share
 * one micro-kernel and the caller never materialises Aᵀ or Bᵀ. It also zero-pads ragged edges, so
 * the micro-kernel never branches on remainders. Its cost is O(mk·n/NC + kn) against O(mnk)
 * arithmetic. KC×NC = 256×128 doubles (256 KiB) keeps the packed B block resident in a typical L2
 * cache while the micro-kernel sweeps it once per 4 rows of A.
 *
 * Products too small to amortise the packing, and matrix-vector products (m or n = 1, where a
 * 4-wide tile would be three-quarters padding), go to the plain loops instead.
 *
 * The WebAssembly kernel has the same 4×4 tile and packing, with two f64 lanes per SIMD
 * instruction, no bounds checks and accumulators that stay in registers; see wasm/gemm.wat for
 * its blocking and why 4×4 is also the right tile there. It runs 4–5× faster than `gemmJs` on
 * large products, but its operands must first be copied into its linear memory (and C copied
 * back), which only pays above {@link WASM_MIN_PRODUCT} multiply-adds.
 */

import { gemmSharedWasmBytes, gemmWasmBytes } from './wasm/gemm.generated';
import { ShapeError } from '../errors';
import { requireKernel } from '../arguments';
import { growMemory, wasmModuleWithMemory, type WasmMemory } from './wasm/load';
import { KernelThreads } from './threads';

/** Rows (of C and op(A)) computed per micro-kernel call. */
const MR = 4;
/** Columns (of C and op(B)) computed per micro-kernel call. */
const NR = 4;
/**
 * Depth of one packed block: the k range summed before partial results go back to C. The
 * WebAssembly kernel uses the same depth blocks (KC in wasm/gemm.wat), which is what makes the two
 * kernels' results bit-identical: change both or neither.
 */
const KC = 256;
/** Width of one packed block of op(B); a multiple of NR. */
const NC = 128;
/** Below this many multiply-adds, packing costs more than it saves (measured: 3³ loses, 4³ wins). */
const SMALL_PRODUCT = 64;

// Scratch reused across calls (JS is single-threaded, and gemm does not re-enter itself).
// Allocated on first use so importing the module costs nothing.
let packedA: Float64Array | null = null;
let packedB: Float64Array | null = null;
/** Landing spot for partial tiles on the right/bottom edges of C. */
const edgeTile = new Float64Array(MR * NR);

/** Which kernel the matrix product (the internal `gemm`, behind `matmul`) runs; see {@link setMatmulBackend}. */
export type MatmulBackend = 'auto' | 'js' | 'wasm';

let backend: MatmulBackend = 'auto';

/**
 * Chooses the kernel behind the matrix product (the internal `gemm`, which `matmul` and its adjoint
 * rules run on) and returns the previous setting. For tests, benchmarks and debugging: speed
 * depends on it, results hardly do (the kernels agree bit for bit except on matrix-vector products
 * deeper than 256, where they agree to rounding; see `gemmWasm` in `kernels/matmul.ts`).
 *
 * - `'auto'` (the default): the WebAssembly kernel for products large enough to repay copying the
 *   operands into its memory, the TypeScript kernel for the rest.
 * - `'js'`: always the TypeScript kernel (`gemmJs`).
 * - `'wasm'`: the WebAssembly kernel for every non-empty product, whatever its size, as long as
 *   it is available (`wasmGemmAvailable`); the TypeScript kernel otherwise.
 */
export function setMatmulBackend(next: MatmulBackend): MatmulBackend {
  const previous = backend;
  backend = next;
  return previous;
}

/**
 * A matrix-product kernel from outside core, such as `@adjoint/blas`'s OpenBLAS: {@link gemm}'s
 * contract, called only with m, n, k ≥ 1 and operands already checked to fit their arrays.
 */
export interface MatmulKernel {
  /** Names the kernel in messages and benchmarks. */
  readonly name: string;
  gemm(
    a: Float64Array, aOffset: number,
    b: Float64Array, bOffset: number,
    c: Float64Array, cOffset: number,
    m: number, n: number, k: number,
    transA: boolean, transB: boolean,
  ): void;
}

let external: MatmulKernel | null = null;

/**
 * Installs a matrix-product kernel from outside core (or, with null, removes it) and returns the
 * previous one. While one is installed, `'auto'` dispatch runs it instead of the WebAssembly kernel
 * for every product of at least 512 multiply-adds: `matmul`, `linear` and their adjoint rules.
 * Convolutions keep core's WebAssembly kernels (their products reach it only where WebAssembly
 * is unavailable or its memory cannot grow). Its results agree with the built-in kernels to rounding,
 * not bit for bit: it sums in its own order, and may use fused multiply-adds.
 * @throws ValueError for anything but null or an object with a name and `gemm`.
 */
export function setMatmulKernel(kernel: MatmulKernel | null): MatmulKernel | null {
  const previous = external;
  external = requireKernel('setMatmulKernel', kernel, ['gemm']);
  return previous;
}

/** The current {@link setMatmulBackend} setting. */
export function getMatmulBackend(): MatmulBackend {
  return backend;
}

/**
 * C = op(A)·op(B) for one matrix product, written (overwriting) into c[cOffset … cOffset + m*n).
 * A is stored row-major as [m, k] when !transA, or as [k, m] when transA (so op(A) = Aᵀ).
 * B is stored row-major as [k, n] when !transB, or as [n, k] when transB.
 *
 * C must not overlap A or B. Summation order differs from a naive loop (blocks of depth ≤ 256 are
 * summed separately), so results agree with it to rounding, not bit for bit. k = 0 gives C = 0.
 *
 * Runs the WebAssembly SIMD kernel or the TypeScript one as {@link setMatmulBackend} directs, by
 * default WebAssembly (when available) for products of at least 512 multiply-adds, or for those the
 * kernel installed by {@link setMatmulKernel}, if any.
 */
export function gemm(
  a: Float64Array, aOffset: number,
  b: Float64Array, bOffset: number,
  c: Float64Array, cOffset: number,
  m: number, n: number, k: number,
  transA: boolean, transB: boolean,
): void {
  requireOperands('gemm', a, aOffset, b, bOffset, c, cOffset, m, n, k);
  if (emptyProduct(c, cOffset, m, n, k)) return;
  if (external !== null && backend === 'auto' && wasmPays(m, n, k)) {
    external.gemm(a, aOffset, b, bOffset, c, cOffset, m, n, k, transA, transB);
    return;
  }
  if (backend !== 'js' && (backend === 'wasm' || wasmPays(m, n, k))
    && runWasm(a, aOffset, b, bOffset, c, cOffset, m, n, k, transA, transB)) {
    return;
  }
  gemmJs(a, aOffset, b, bOffset, c, cOffset, m, n, k, transA, transB);
}

/**
 * Throws unless the sizes are whole numbers ≥ 0 and each array holds its operand from its offset:
 * the WebAssembly kernel copies operands by length, and would otherwise read stale memory past a
 * short array instead of failing.
 */
function requireOperands(
  entry: string,
  a: Float64Array, aOffset: number, b: Float64Array, bOffset: number, c: Float64Array, cOffset: number,
  m: number, n: number, k: number,
): void {
  const holds = (x: Float64Array, offset: number, size: number): boolean =>
    Number.isInteger(offset) && offset >= 0 && offset + size <= x.length;
  if (!(Number.isInteger(m) && Number.isInteger(n) && Number.isInteger(k) && m >= 0 && n >= 0 && k >= 0)
    || !holds(a, aOffset, m * k) || !holds(b, bOffset, k * n) || !holds(c, cOffset, m * n)) {
    throw new ShapeError(
      `${entry}: a ${m}×${k}·${k}×${n} product needs ${m * k}, ${k * n} and ${m * n} elements from offsets ` +
        `${aOffset}, ${bOffset} and ${cOffset}, got arrays of ${a.length}, ${b.length} and ${c.length}`,
    );
  }
}

/**
 * Handles a product with nothing to multiply (m, n or k = 0), which every entry point accepts:
 * C = 0 when only k is 0, nothing to write otherwise. False, having done nothing, for the rest.
 */
function emptyProduct(c: Float64Array, cOffset: number, m: number, n: number, k: number): boolean {
  if (m !== 0 && n !== 0 && k !== 0) return false;
  c.fill(0, cOffset, cOffset + m * n);
  return true;
}

/**
 * The TypeScript kernel behind {@link gemm}, with the same contract; exported so tests and
 * benchmarks can run it directly whatever the backend setting.
 */
export function gemmJs(
  a: Float64Array, aOffset: number,
  b: Float64Array, bOffset: number,
  c: Float64Array, cOffset: number,
  m: number, n: number, k: number,
  transA: boolean, transB: boolean,
): void {
  requireOperands('gemmJs', a, aOffset, b, bOffset, c, cOffset, m, n, k);
  if (emptyProduct(c, cOffset, m, n, k)) return;
  if (m * n * k < SMALL_PRODUCT || m === 1 || n === 1) {
    naiveGemm(a, aOffset, b, bOffset, c, cOffset, m, n, k, transA, transB);
    return;
  }
  // Element (i, p) of op(A) is a[aOffset + i*aRow + p*aDepth]; element (p, j) of op(B) is
  // b[bOffset + p*bDepth + j*bCol]. Only the packing routines look at these strides.
  const aRow = transA ? 1 : k;
  const aDepth = transA ? m : 1;
  const bDepth = transB ? 1 : n;
  const bCol = transB ? k : 1;
  const pa = packedA ?? (packedA = new Float64Array(MR * KC));
  const pb = packedB ?? (packedB = new Float64Array(KC * NC));

  // Split k into equal blocks rather than KC, KC, …, remainder: a 784-deep product becomes
  // 4×196, not 3×256 + 16, so no block is too shallow to amortise its packing.
  const kBlocks = Math.ceil(k / KC);
  const kcMax = Math.ceil(k / kBlocks);

  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += kcMax) {
      const kc = Math.min(kcMax, k - p0);
      const accumulate = p0 > 0;
      for (let jr = 0; jr < nc; jr += NR) {
        packStrip(b, bOffset + p0 * bDepth + (j0 + jr) * bCol, bCol, bDepth, Math.min(NR, nc - jr), kc, pb, jr * kc);
      }
      for (let i0 = 0; i0 < m; i0 += MR) {
        const mr = Math.min(MR, m - i0);
        packStrip(a, aOffset + i0 * aRow + p0 * aDepth, aRow, aDepth, mr, kc, pa, 0);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          const cAt = cOffset + i0 * n + j0 + jr;
          if (mr === MR && nr === NR) {
            microKernel4x4(pa, pb, jr * kc, kc, c, cAt, n, accumulate);
          } else {
            microKernel4x4(pa, pb, jr * kc, kc, edgeTile, 0, NR, false);
            storeEdge(edgeTile, c, cAt, n, mr, nr, accumulate);
          }
        }
      }
    }
  }
}

/**
 * Copies `lanes` (≤ 4) rows or columns of a strided matrix, `depth` elements deep, into `dst` as
 * depth-major groups of 4 = MR = NR (dst[at + 4p + l] = src[from + l*laneStride + p*depthStride]), padding
 * missing lanes with zeros so the micro-kernel can always compute a full 4-wide tile.
 */
function packStrip(
  src: Float64Array, from: number, laneStride: number, depthStride: number,
  lanes: number, depth: number, dst: Float64Array, at: number,
): void {
  for (let l = 0; l < 4; l++) {
    if (l < lanes) {
      let s = from + l * laneStride;
      for (let p = 0, d = at + l; p < depth; p++, d += 4, s += depthStride) dst[d] = src[s];
    } else {
      for (let p = 0, d = at + l; p < depth; p++, d += 4) dst[d] = 0;
    }
  }
}

/**
 * The 4×4 tile c[cAt + r*ldc + j] (r, j < 4) = Σₚ pa[4p + r]·pb[bAt + 4p + j] over p < depth,
 * added to the tile's current contents when `accumulate`. The sixteen sums live in locals.
 */
function microKernel4x4(
  pa: Float64Array, pb: Float64Array, bAt: number, depth: number,
  c: Float64Array, cAt: number, ldc: number, accumulate: boolean,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let ia = 0, ib = bAt, end = bAt + 4 * depth; ib < end; ia += 4, ib += 4) {
    const a0 = pa[ia], a1 = pa[ia + 1], a2 = pa[ia + 2], a3 = pa[ia + 3];
    let bv = pb[ib];
    c00 += a0 * bv; c10 += a1 * bv; c20 += a2 * bv; c30 += a3 * bv;
    bv = pb[ib + 1];
    c01 += a0 * bv; c11 += a1 * bv; c21 += a2 * bv; c31 += a3 * bv;
    bv = pb[ib + 2];
    c02 += a0 * bv; c12 += a1 * bv; c22 += a2 * bv; c32 += a3 * bv;
    bv = pb[ib + 3];
    c03 += a0 * bv; c13 += a1 * bv; c23 += a2 * bv; c33 += a3 * bv;
  }
  storeRow(c, cAt, c00, c01, c02, c03, accumulate);
  storeRow(c, cAt + ldc, c10, c11, c12, c13, accumulate);
  storeRow(c, cAt + 2 * ldc, c20, c21, c22, c23, accumulate);
  storeRow(c, cAt + 3 * ldc, c30, c31, c32, c33, accumulate);
}

/** Writes (or adds, when `accumulate`) four consecutive values of C. */
function storeRow(c: Float64Array, at: number, v0: number, v1: number, v2: number, v3: number, accumulate: boolean): void {
  if (accumulate) {
    c[at] += v0; c[at + 1] += v1; c[at + 2] += v2; c[at + 3] += v3;
  } else {
    c[at] = v0; c[at + 1] = v1; c[at + 2] = v2; c[at + 3] = v3;
  }
}

/** Copies (or adds) the valid mr×nr corner of a full 4×4 tile into C. */
function storeEdge(
  tile: Float64Array, c: Float64Array, cAt: number, ldc: number,
  mr: number, nr: number, accumulate: boolean,
): void {
  for (let r = 0; r < mr; r++) {
    const row = cAt + r * ldc;
    for (let j = 0; j < nr; j++) {
      c[row + j] = accumulate ? c[row + j] + tile[r * NR + j] : tile[r * NR + j];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The WebAssembly kernel: instantiation, memory management and dispatch threshold.

/**
 * Multiply-adds (m·n·k) from which `auto` dispatch uses the WebAssembly kernel. Copying the
 * operands in and C out, plus the call, costs about 0.4 µs; measured against {@link gemmJs}
 * (Node 20, AMD EPYC), WebAssembly was level at 5³–6³ and ahead by 1.3–2.8× at every shape of
 * 512 multiply-adds tried (8³, 4×4×32, 32×4×4, 16×16×2, 1×16×32, …), 3–4.5× from 16³ up. That
 * includes matrix-vector products (m or n = 1), which gemmJs leaves to plain loops.
 */
const WASM_MIN_PRODUCT = 512;

/** The WebAssembly module's exports: the product, and convolution's column-matrix helpers (kernels/conv.ts). */
export interface GemmExports {
  readonly memory: WasmMemory;
  /** Bytes of scratch `gemm` needs for an m×n×k product (the packed blocks). */
  workspace_bytes(m: number, n: number, k: number): number;
  /** See wasm/gemm.wat: pointers are byte offsets, the flags 0 or 1, m, n, k ≥ 1. */
  gemm(a: number, b: number, c: number, m: number, n: number, k: number, transA: number, transB: number, work: number): void;
  /** Rows [r0, r1) × columns [c0, c1) of gemm's C, with workspace_bytes(r1 − r0, c1 − c0, k) of scratch. */
  gemm_range(a: number, b: number, c: number, m: number, n: number, k: number, transA: number, transB: number, work: number,
    r0: number, r1: number, c0: number, c1: number): void;
  /** im2col of kernels/conv.ts in this memory (see wasm/gemm.wat for the parameters). */
  im2col(x: number, cols: number, nc: number, cg: number, sampleBytes: number, h: number, w: number, kh: number, kw: number,
    oh: number, ow: number, sh: number, sw: number, dh: number, dw: number, pt: number, pl: number): void;
  /** Scratch bytes conv_forward needs for og output channels and K taps. */
  conv_workspace_bytes(og: number, K: number): number;
  /** W·cols without the column matrix, from a zero-padded input (see wasm/gemm.wat). */
  conv_forward(w: number, xp: number, c: number, og: number, nc: number, sampleBytes: number, cg: number, hp: number, wp: number,
    kh: number, kw: number, oh: number, ow: number, sh: number, dh: number, dw: number, work: number): void;
  /** Scratch bytes conv_weight needs for og output channels, K taps and M positions. */
  conv_weight_workspace_bytes(og: number, K: number, M: number): number;
  /** cols·ḡᵀ without the column matrix, from a zero-padded input (see wasm/gemm.wat). */
  conv_weight(g: number, xp: number, c: number, og: number, nc: number, sampleBytes: number, cg: number, hp: number, wp: number,
    kh: number, kw: number, oh: number, ow: number, sh: number, sw: number, dh: number, dw: number, work: number): void;
  /** Taps [r0, r1) of conv_weight's result, with conv_weight_workspace_bytes(og, K, M) of scratch of its own. */
  conv_weight_range(g: number, xp: number, c: number, og: number, nc: number, sampleBytes: number, cg: number, hp: number, wp: number,
    kh: number, kw: number, oh: number, ow: number, sh: number, sw: number, dh: number, dw: number, work: number, r0: number, r1: number): void;
  /** conv_forward's product [og, nc·ohw] at src reordered into [nc, og, ohw] at dst, plus bias[o] when withBias is 1. */
  bias_reorder(src: number, dst: number, og: number, nc: number, ohw: number, bias: number, withBias: number): void;
  /** planes of h×w at src copied into planes of hp×wp at dst, at row pt and column pl. */
  pad_copy(src: number, dst: number, planes: number, h: number, w: number, hp: number, wp: number, pt: number, pl: number): void;
  /** dst[i] += src[i] for i < count (f64 element counts, byte pointers). */
  add_into(dst: number, src: number, count: number): void;
  /** col2im of kernels/conv.ts in this memory, adding into `out`. */
  col2im(out: number, cols: number, nc: number, cg: number, sampleBytes: number, h: number, w: number, kh: number, kw: number,
    oh: number, ow: number, sh: number, sw: number, dh: number, dw: number, pt: number, pl: number): void;
}

const gemmModule = wasmModuleWithMemory(gemmWasmBytes, gemmSharedWasmBytes);
/** The one instance every product shares; undefined until first needed, null if it cannot be had here. */
let wasmKernel: GemmExports | null | undefined;
/** Worker threads over the kernel's memory, where it is shared (see threads.ts). */
let threads: KernelThreads | null = null;
/** A Float64Array over the kernel's memory, replaced whenever growth detaches the old buffer. */
let heapView: Float64Array | null = null;

/**
 * Instantiates the kernel on first use. A failure is final: gemm stays on the TypeScript kernel
 * for the life of the process.
 */
function loadWasm(): GemmExports | null {
  if (wasmKernel === undefined) {
    const compiled = gemmModule();
    if (compiled === null) {
      wasmKernel = null;
    } else {
      const exports = compiled.exports as Omit<GemmExports, 'memory'>;
      wasmKernel = { ...exports, memory: compiled.memory };
      if (compiled.shared) {
        threads = new KernelThreads(compiled, ['gemm_range', 'conv_forward', 'conv_weight_range']);
      }
    }
  }
  return wasmKernel;
}

/** Indices of the exports workers run (the names given to KernelThreads in loadWasm). */
const GEMM_RANGE = 0;
const CONV_FORWARD = 1;
const CONV_WEIGHT_RANGE = 2;

/** The product's worker threads, for tests: null where memory cannot be shared. */
export function gemmThreads(): KernelThreads | null {
  loadWasm();
  return threads;
}

/**
 * Whether the WebAssembly SIMD kernel can run in this environment (instantiating it if that has
 * not been tried yet). When false, every matrix product runs on the TypeScript kernel.
 */
export function wasmGemmAvailable(): boolean {
  return loadWasm() !== null;
}

/** Whether `auto` dispatch sends an m×n×k product (all ≥ 1) to the WebAssembly kernel. */
function wasmPays(m: number, n: number, k: number): boolean {
  return m * n * k >= WASM_MIN_PRODUCT;
}

// Not `(bytes + 15) & ~15`: bitwise operators wrap at 2³¹, and an operand may take more bytes than that.
const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/**
 * For kernels that run several steps in the WebAssembly memory (convolution: im2col, the product
 * and col2im, so that the column matrix never crosses into JavaScript): the module's exports when
 * {@link gemm} would run an m×n×k product (m, n, k ≥ 1) on WebAssembly, null when it would run
 * gemmJs (backend 'js', a product too small for 'auto', or no WebAssembly). Deciding as gemm does
 * keeps such a kernel's results those of gemm, bit for bit.
 */
export function wasmKernelFor(m: number, n: number, k: number): GemmExports | null {
  if (backend === 'js' || !(backend === 'wasm' || wasmPays(m, n, k))) return null;
  return loadWasm();
}

/**
 * A Float64Array over the whole WebAssembly memory, grown first to at least `bytes`; null, having
 * changed nothing, when it cannot grow that far. The view is valid until the memory grows again
 * (a later call of this function or of gemm).
 */
export function wasmHeap(bytes: number): Float64Array | null {
  const kernel = loadWasm();
  threads?.settle(); // whoever asks is about to write into the memory
  if (kernel === null || !growMemory(kernel.memory, bytes)) return null;
  const buffer = kernel.memory.buffer;
  let heap = heapView;
  // A shared memory's buffer object may be a new one for the same bytes: compare lengths.
  if (heap === null || heap.byteLength !== buffer.byteLength) heap = heapView = new Float64Array(buffer);
  return heap;
}

/** Scratch bytes {@link convGemmWasmAt} needs for og output channels, K taps and m output positions. */
export function convWorkspaceBytes(kernel: GemmExports, og: number, k: number, m: number): number {
  let end = 0;
  for (const [o0, o1] of rowBlocks(og, og * k * m)) end = align16(end + kernel.conv_workspace_bytes(o1 - o0, k));
  return end;
}

/** Scratch bytes {@link convWeightGemmWasmAt} needs for og output channels, K taps and m output positions. */
export function convWeightWorkspaceBytes(kernel: GemmExports, og: number, k: number, m: number): number {
  return rowBlocks(k, og * k * m).length * align16(kernel.conv_weight_workspace_bytes(og, k, m));
}

/**
 * How a convolution kernel's output rows (conv_forward's channels, conv_weight's taps) are split
 * between threads: blocks of whole 4-row tiles, one per thread, when the product (`macs`
 * multiply-adds) is large enough to share; else one block.
 */
function rowBlocks(rows: number, macs: number): [number, number][] {
  const threadCount = threads === null || macs < PARALLEL_MIN_PRODUCT ? 1 : threads.threadCount();
  const count = Math.min(threadCount, Math.floor(rows / 4));
  if (count <= 1) return [[0, rows]];
  const height = Math.ceil(rows / count / 4) * 4;
  const blocks: [number, number][] = [];
  for (let start = 0; start < rows; start += height) blocks.push([start, Math.min(rows, start + height)]);
  return blocks;
}

/**
 * A convolution's product W·cols computed from a zero-padded input in the WebAssembly memory
 * without making the column matrix (conv_forward in wasm/gemm.wat, stride 1 along rows): gemm's
 * depth blocks and order of additions, so the same values as gemm(W, cols), bit for bit. Large
 * ones are split by output channels between threads (rows of W and of the product, computed
 * alike whichever thread runs them), with {@link convWorkspaceBytes} of scratch at `work`.
 */
export function convGemmWasmAt(
  kernel: GemmExports, w: number, xp: number, c: number, og: number, nc: number, sampleBytes: number, cg: number,
  hp: number, wp: number, kh: number, kw: number, oh: number, ow: number, sh: number, dh: number, dw: number, work: number,
): void {
  const k = cg * kh * kw;
  const rowBytes = 8 * nc * oh * ow;
  const blocks = rowBlocks(og, og * k * nc * oh * ow);
  if (blocks.length === 1) {
    kernel.conv_forward(w, xp, c, og, nc, sampleBytes, cg, hp, wp, kh, kw, oh, ow, sh, dh, dw, work);
    return;
  }
  let at = work;
  threads!.run(CONV_FORWARD, blocks.map(([o0, o1]) => {
    const blockWork = at;
    at = align16(at + kernel.conv_workspace_bytes(o1 - o0, k));
    return [w + 8 * o0 * k, xp, c + o0 * rowBytes, o1 - o0, nc, sampleBytes, cg, hp, wp, kh, kw, oh, ow, sh, dh, dw, blockWork];
  }));
}

/**
 * A convolution's weight adjoint, transposed, cols·ḡᵀ ([K, og]), computed from a zero-padded input
 * in the WebAssembly memory without making the column matrix (conv_weight in wasm/gemm.wat): the
 * same products summed in gemm's depth blocks and order, so element (r, o) is that of
 * gemm(ḡ, cols, transB) at (o, r), bit for bit. Large ones are split by taps (rows of the result)
 * between threads, with {@link convWeightWorkspaceBytes} of scratch at `work`.
 */
export function convWeightGemmWasmAt(
  kernel: GemmExports, g: number, xp: number, c: number, og: number, nc: number, sampleBytes: number, cg: number,
  hp: number, wp: number, kh: number, kw: number, oh: number, ow: number, sh: number, sw: number, dh: number, dw: number, work: number,
): void {
  const k = cg * kh * kw;
  const m = nc * oh * ow;
  const blocks = rowBlocks(k, og * k * m);
  if (blocks.length === 1) {
    kernel.conv_weight(g, xp, c, og, nc, sampleBytes, cg, hp, wp, kh, kw, oh, ow, sh, sw, dh, dw, work);
    return;
  }
  const scratch = align16(kernel.conv_weight_workspace_bytes(og, k, m));
  threads!.run(CONV_WEIGHT_RANGE, blocks.map(([r0, r1], i) =>
    [g, xp, c, og, nc, sampleBytes, cg, hp, wp, kh, kw, oh, ow, sh, sw, dh, dw, work + i * scratch, r0, r1]));
}

/**
 * Scratch bytes {@link gemmWasmAt} needs for an m×n×k product: a workspace per block (see
 * productBlocks). Not monotone in the sizes — a shorter product may be split the other way, or into
 * more blocks — so a caller running products of several sizes in one region reserves the largest.
 */
export function gemmWorkspaceBytes(kernel: GemmExports, m: number, n: number, k: number): number {
  let end = 0;
  for (const [r0, r1, c0, c1] of productBlocks(m, n, k)) end = align16(end + kernel.workspace_bytes(r1 - r0, c1 - c0, k));
  return end;
}

/**
 * One product on operands already in the WebAssembly memory (byte offsets; m, n, k ≥ 1; scratch
 * of {@link gemmWorkspaceBytes} at `work`): the same arithmetic as {@link gemm}'s WebAssembly path,
 * split between threads as gemm splits it.
 */
export function gemmWasmAt(
  kernel: GemmExports, a: number, b: number, c: number, m: number, n: number, k: number, transA: boolean, transB: boolean, work: number,
): void {
  const tA = transA ? 1 : 0, tB = transB ? 1 : 0;
  const blocks = productBlocks(m, n, k);
  if (blocks.length === 1) {
    kernel.gemm(a, b, c, m, n, k, tA, tB, work);
    return;
  }
  let at = work;
  threads!.run(GEMM_RANGE, blocks.map(([r0, r1, c0, c1]) => {
    const blockWork = at;
    at = align16(at + kernel.workspace_bytes(r1 - r0, c1 - c0, k));
    return [a, b, c, m, n, k, tA, tB, blockWork, r0, r1, c0, c1];
  }));
}

/**
 * Runs one product (m, n, k ≥ 1) on the WebAssembly kernel: copies A and B into its memory
 * (growing it if needed), multiplies there and copies C back out. Returns false, having done
 * nothing, when the kernel is unavailable or the product does not fit in its memory.
 *
 * WebAssembly memory cannot shrink, so the memory stays as large as the largest product run so
 * far needed (8·(mk + kn + mn) bytes plus at most 4.5 MiB of packing scratch): the price of not
 * copying into a fresh instance each time.
 */
function runWasm(
  a: Float64Array, aOffset: number,
  b: Float64Array, bOffset: number,
  c: Float64Array, cOffset: number,
  m: number, n: number, k: number,
  transA: boolean, transB: boolean,
): boolean {
  const kernel = loadWasm();
  if (kernel === null) return false;
  const aSize = m * k, bSize = k * n, cSize = m * n;
  // Byte layout: the scratch from 0, then A, B and C, each 16-byte aligned.
  const aAt = gemmWorkspaceBytes(kernel, m, n, k);
  const bAt = align16(aAt + 8 * aSize);
  const cAt = align16(bAt + 8 * bSize);
  const heap = wasmHeap(cAt + 8 * cSize);
  if (heap === null) return false; // leave this product to the TypeScript kernel
  heap.set(a.subarray(aOffset, aOffset + aSize), aAt / 8);
  heap.set(b.subarray(bOffset, bOffset + bSize), bAt / 8);
  gemmWasmAt(kernel, aAt, bAt, cAt, m, n, k, transA, transB, 0);
  c.set(heap.subarray(cAt / 8, cAt / 8 + cSize), cOffset);
  return true;
}

/**
 * Below this many multiply-adds (64³) a product runs on one thread. Handing a block to a worker
 * and collecting it takes 4–10 µs while the worker is spinning and about 70 µs once it sleeps
 * (measured on 2 cores, Node 20, Xeon VM), and two threads computing at once each run 20–40%
 * slower than one alone; a 64³ product takes about 40 µs on one thread.
 */
const PARALLEL_MIN_PRODUCT = 1 << 18;
/** The narrowest block a thread is given, in rows or columns of C. */
const MIN_BLOCK = 16;

/**
 * How an m×n×k product is split between threads: [rowStart, rowEnd, colStart, colEnd] blocks of
 * C, one per thread, across the longer side of C (the threads share the packing of the other
 * operand) in multiples of the 4-wide micro-kernel tile. One block when the product is small,
 * there is one thread, or the memory cannot be shared. Which thread runs a block does not change
 * its values, and neither does the split (gemm_range sums every element as gemm does).
 */
function productBlocks(m: number, n: number, k: number): [number, number, number, number][] {
  const threadCount = threads === null || m * n * k < PARALLEL_MIN_PRODUCT ? 1 : threads.threadCount();
  const side = Math.max(m, n);
  const count = Math.min(threadCount, Math.floor(side / MIN_BLOCK));
  if (count <= 1) return [[0, m, 0, n]];
  const width = Math.ceil(side / count / 4) * 4;
  const blocks: [number, number, number, number][] = [];
  for (let start = 0; start < side; start += width) {
    const stop = Math.min(side, start + width);
    blocks.push(n >= m ? [0, m, start, stop] : [start, stop, 0, n]);
  }
  return blocks;
}

/**
 * The WebAssembly SIMD kernel behind {@link gemm}, with the same contract, for every size;
 * exported so tests and benchmarks can run it directly whatever the backend setting. Its results
 * are bit-identical to {@link gemmJs} wherever that packs its operands (m, n ≥ 2 and m·n·k ≥ 64):
 * the same depth blocks, summed in the same order, with no fused multiply-add (see the top of this
 * file). gemmJs's plain loops for the other shapes sum without blocks, the same up to k = 256.
 *
 * Throws if WebAssembly SIMD is unavailable ({@link wasmGemmAvailable}) or the operands do not
 * fit in a 2 GiB WebAssembly memory.
 */
export function gemmWasm(
  a: Float64Array, aOffset: number,
  b: Float64Array, bOffset: number,
  c: Float64Array, cOffset: number,
  m: number, n: number, k: number,
  transA: boolean, transB: boolean,
): void {
  requireOperands('gemmWasm', a, aOffset, b, bOffset, c, cOffset, m, n, k);
  if (emptyProduct(c, cOffset, m, n, k)) return;
  if (!runWasm(a, aOffset, b, bOffset, c, cOffset, m, n, k, transA, transB)) {
    throw new Error(loadWasm() === null
      ? 'gemmWasm: WebAssembly SIMD is not available here'
      : `gemmWasm: a ${m}×${k}·${k}×${n} product does not fit in WebAssembly memory`);
  }
}

/**
 * Reference product with the same contract as {@link gemm}: straightforward loops, one per
 * transpose variant, each ordered so the innermost loop reads memory contiguously where it can.
 * Used to check the fast kernels and as the baseline they are benchmarked against.
 */
export function naiveGemm(
  a: Float64Array, aOffset: number,
  b: Float64Array, bOffset: number,
  c: Float64Array, cOffset: number,
  m: number, n: number, k: number,
  transA: boolean, transB: boolean,
): void {
  c.fill(0, cOffset, cOffset + m * n);
  if (!transA && !transB) {
    // i-k-j: the inner loop is an axpy over a row of B into a row of C.
    for (let i = 0; i < m; i++) {
      const ci = cOffset + i * n;
      for (let p = 0; p < k; p++) {
        const aip = a[aOffset + i * k + p];
        const bp = bOffset + p * n;
        for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
      }
    }
  } else if (transA && !transB) {
    // A is [k, m]: the same axpy, with A read down a column.
    for (let i = 0; i < m; i++) {
      const ci = cOffset + i * n;
      for (let p = 0; p < k; p++) {
        const api = a[aOffset + p * m + i];
        const bp = bOffset + p * n;
        for (let j = 0; j < n; j++) c[ci + j] += api * b[bp + j];
      }
    }
  } else {
    // B is [n, k]: each element of C is a dot product of a row (or column) of A with a row of B.
    const aStep = transA ? m : 1;
    for (let i = 0; i < m; i++) {
      const ai = aOffset + (transA ? i : i * k);
      for (let j = 0; j < n; j++) {
        const bj = bOffset + j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += a[ai + p * aStep] * b[bj + p];
        c[cOffset + i * n + j] = s;
      }
    }
  }
}
