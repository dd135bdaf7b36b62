/**
 * Solving a small linear system by Gaussian elimination: what the course notes (docs/course-notes.md)
 * do with numpy's pinv for linear regression. adjoint has no matrix inverse op (training never needs
 * one), and a 3×3 system does not need a library.
 */

/**
 * The solution x of A x = b for a square, non-singular A (given as rows), by Gaussian elimination
 * with partial pivoting.
 * @throws RangeError when A is singular (a pivot below 1e-12).
 */
export function solve(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = a.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (Math.abs(m[pivot]![col]!) < 1e-12) throw new RangeError('solve: the matrix is singular');
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / m[col]![col]!;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

/**
 * Ordinary least squares: the θ minimising ‖Xθ − y‖², from the normal equations XᵀX θ = Xᵀy.
 */
export function leastSquares(x: readonly (readonly number[])[], y: readonly number[]): number[] {
  const p = x[0]!.length;
  const xtx = Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => x.reduce((s, row) => s + row[i]! * row[j]!, 0)));
  const xty = Array.from({ length: p }, (_, i) => x.reduce((s, row, k) => s + row[i]! * y[k]!, 0));
  return solve(xtx, xty);
}

/** The fitted values Xθ of a linear model: one per row of `x`. */
export function predictLinear(x: readonly (readonly number[])[], theta: readonly number[]): number[] {
  return x.map((row) => row.reduce((s, v, i) => s + v * theta[i]!, 0));
}
