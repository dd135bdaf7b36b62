/**
 * Dense matrix product kernels on raw Float64Arrays.
 *
 * Why the tiling: a plain i-k-j loop does one multiply-add per load *and* store of C, so it is
 * bound by memory traffic, and every pass over a row of C streams a whole row-panel of B through
 * the cache again. `gemm` instead keeps a 4×4 block of C in sixteen local variables for the whole
 * k loop, so each step loads 4 values of A and 4 of B for 16 multiply-adds and never touches C.
 * In optimised V8 code every typed-array load carries a bounds check and the sixteen sums already
 * exceed the sixteen x64 float registers, so the kernel is limited by instruction count: 4×4, 4×2,
 * 2×4, 3×4 and 2×8 tiles all measured within noise of each other (~3.8 GFLOP/s with operands in
 * L1), 2×2 was clearly slower, and unrolling the k loop made it slower (more spills). 4×4 needs
 * the fewest loads per flop, which matters most once operands fall out of L1.
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
 */

/** Rows (of C and op(A)) computed per micro-kernel call. */
const MR = 4;
/** Columns (of C and op(B)) computed per micro-kernel call. */
const NR = 4;
/** Depth of one packed block: the k range summed before partial results go back to C. */
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

/**
 * C = op(A)·op(B) for one matrix product, written (overwriting) into c[cOffset … cOffset + m*n).
 * A is stored row-major as [m, k] when !transA, or as [k, m] when transA (so op(A) = Aᵀ).
 * B is stored row-major as [k, n] when !transB, or as [n, k] when transB.
 *
 * C must not overlap A or B. Summation order differs from a naive loop (blocks of depth ≤ 256 are
 * summed separately), so results agree with it to rounding, not bit for bit. k = 0 gives C = 0.
 */
export function gemm(
  a: Float64Array, aOffset: number,
  b: Float64Array, bOffset: number,
  c: Float64Array, cOffset: number,
  m: number, n: number, k: number,
  transA: boolean, transB: boolean,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    c.fill(0, cOffset, cOffset + m * n);
    return;
  }
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

/**
 * Reference product with the same contract as {@link gemm}: straightforward loops, one per
 * transpose variant, each ordered so the innermost loop reads memory contiguously where it can.
 * Used to check `gemm` and as the baseline it is benchmarked against.
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
