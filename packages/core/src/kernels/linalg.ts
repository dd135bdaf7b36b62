/**
 * Dense linear algebra on stacks of square matrices, row-major: LU factorisation with partial
 * pivoting (solve, log |det|, the sign of det) and the Cholesky factorisation. Plain loops: the
 * matrices these ops meet (covariances, small systems, Jacobians) are small, and the work is n³.
 */
import { allocData } from './alloc';

/**
 * The LU factorisation of the n×n matrix at `offset` of `a`, in place in `lu` (L below the
 * diagonal, its unit diagonal implied; U on and above), and the row each step swapped in. Returns
 * the permutation's sign (±1), or 0 when a pivot is exactly 0 (the matrix is singular). A matrix
 * holding NaN or ±∞ gives NaN throughout rather than a pivot chosen by a failed comparison.
 */
function luFactor(a: Float64Array, offset: number, n: number, lu: Float64Array, pivots: Int32Array): number {
  let sign = 1;
  let finite = true;
  for (let i = 0; i < n * n; i++) {
    const v = a[offset + i]!;
    lu[i] = v;
    if (!Number.isFinite(v)) finite = false;
  }
  if (!finite) {
    lu.fill(NaN, 0, n * n);
    for (let i = 0; i < n; i++) pivots[i] = i;
    return NaN;
  }
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(lu[r * n + c]!) > Math.abs(lu[p * n + c]!)) p = r;
    pivots[c] = p;
    if (lu[p * n + c] === 0) return 0;
    if (p !== c) {
      sign = -sign;
      for (let j = 0; j < n; j++) {
        const t = lu[c * n + j]!;
        lu[c * n + j] = lu[p * n + j]!;
        lu[p * n + j] = t;
      }
    }
    const pivot = lu[c * n + c]!;
    for (let r = c + 1; r < n; r++) {
      const f = lu[r * n + c]! / pivot;
      lu[r * n + c] = f;
      if (f !== 0) for (let j = c + 1; j < n; j++) lu[r * n + j]! -= f * lu[c * n + j]!;
    }
  }
  return sign;
}

/**
 * X with AX = B for each matrix of a stack: `a` holds `batch` n×n matrices, `b` as many n×k ones.
 * @returns the solutions, or the index of the first matrix in the stack that is singular.
 */
export function solveData(a: Float64Array, b: Float64Array, batch: number, n: number, k: number): Float64Array | { singular: number } {
  const out = allocData(batch * n * k);
  const lu = new Float64Array(n * n);
  const pivots = new Int32Array(n);
  for (let m = 0; m < batch; m++) {
    const sign = luFactor(a, m * n * n, n, lu, pivots);
    if (sign === 0) return { singular: m };
    const x = m * n * k;
    out.set(b.subarray(x, x + n * k), x);
    for (let c = 0; c < n; c++) {
      const p = pivots[c]!;
      if (p !== c) for (let j = 0; j < k; j++) {
        const t = out[x + c * k + j]!;
        out[x + c * k + j] = out[x + p * k + j]!;
        out[x + p * k + j] = t;
      }
    }
    for (let r = 1; r < n; r++) for (let c = 0; c < r; c++) {
      const f = lu[r * n + c]!;
      if (f !== 0) for (let j = 0; j < k; j++) out[x + r * k + j]! -= f * out[x + c * k + j]!;
    }
    for (let r = n - 1; r >= 0; r--) {
      for (let c = r + 1; c < n; c++) {
        const f = lu[r * n + c]!;
        if (f !== 0) for (let j = 0; j < k; j++) out[x + r * k + j]! -= f * out[x + c * k + j]!;
      }
      const d = lu[r * n + r]!;
      for (let j = 0; j < k; j++) out[x + r * k + j]! /= d;
    }
  }
  return out;
}

/**
 * log |det A| and the sign of det A for each of `batch` n×n matrices: −∞ and 0 for a singular
 * one, NaN and NaN for one holding NaN or ±∞.
 */
export function slogdetData(a: Float64Array, batch: number, n: number): { logAbs: Float64Array; sign: Float64Array } {
  const logAbs = allocData(batch);
  const signs = allocData(batch);
  const lu = new Float64Array(n * n);
  const pivots = new Int32Array(n);
  for (let m = 0; m < batch; m++) {
    let sign = luFactor(a, m * n * n, n, lu, pivots);
    let sum = 0;
    if (sign === 0) sum = -Infinity;
    else {
      for (let i = 0; i < n; i++) {
        const u = lu[i * n + i]!;
        if (u < 0) sign = -sign;
        sum += Math.log(Math.abs(u));
      }
    }
    logAbs[m] = sum;
    signs[m] = sign;
  }
  return { logAbs, sign: signs };
}

/**
 * The lower Cholesky factor L (A = LLᵀ) of each of `batch` n×n matrices, read from their lower
 * triangles (the upper ones are not looked at, as LAPACK's and PyTorch's).
 * @returns the factors, or the first matrix and column where a pivot is not positive (the matrix
 * is not positive definite, or holds NaN).
 */
export function choleskyData(a: Float64Array, batch: number, n: number): Float64Array | { notPositive: number; column: number } {
  const out = allocData(batch * n * n);
  for (let m = 0; m < batch; m++) {
    const o = m * n * n;
    for (let j = 0; j < n; j++) {
      let d = a[o + j * n + j]!;
      for (let p = 0; p < j; p++) d -= out[o + j * n + p]! * out[o + j * n + p]!;
      if (!(d > 0) || !Number.isFinite(d)) return { notPositive: m, column: j };
      const root = Math.sqrt(d);
      out[o + j * n + j] = root;
      for (let i = j + 1; i < n; i++) {
        let s = a[o + i * n + j]!;
        for (let p = 0; p < j; p++) s -= out[o + i * n + p]! * out[o + j * n + p]!;
        out[o + i * n + j] = s / root;
      }
    }
  }
  return out;
}
