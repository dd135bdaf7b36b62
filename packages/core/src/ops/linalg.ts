/**
 * Linear algebra on square matrices and stacks of them (the last two axes): solve, inv, slogdet,
 * det and cholesky. Their rules are written with solve, matmul and transposes, so they are
 * differentiable in both modes and to any order, like every other op.
 */
import { registerOp, type DifferentiableOp } from '../registry';
import { ShapeError, ValueError } from '../errors';
import { broadcastShapes, formatShape, shapeSize, type Shape } from '../shape';
import { engineTensor, type Tensor } from '../tensor';
import { eye, toTensor } from '../create';
import { apply } from '../dispatch';
import { choleskyData, slogdetData, solveData } from '../kernels/linalg';
import { matmul, matmulWith, transpose } from './matrix';
import { broadcastTo, expandDims, squeeze } from './layout';
import { add, mul, sub } from './binary';
import { exp, neg } from './unary';
import { tril } from './triangular';
import { einsum } from './einsum';

/** Well conditioned matrices for the checks: entries in [−1, 1], and 4 more on the diagonal. */
const conditioned = { min: -1, max: 1, diagonal: 4 };
const anyReal = { min: -2, max: 2 };

/** The matrices' transposes (the last two axes swapped). */
function mT(x: Tensor): Tensor {
  const perm = x._shape.map((_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [x.rank - 1, x.rank - 2];
  return transpose(x, perm);
}

/** n for a stack of n×n matrices, or a ShapeError naming `op`. */
function squareSize(op: string, s: Shape): number {
  const n = s[s.length - 1];
  if (s.length < 2 || s[s.length - 2] !== n) throw new ShapeError(`${op}: needs a square matrix or a stack of them (shape [..., n, n]), got ${formatShape(s)}`);
  return n!;
}

/** X with AX = B, for stacks of equal batch shape (solve broadcasts before it applies this). */
const solveOp = registerOp<DifferentiableOp>({
  kind: 'differentiable',
  name: 'solve',
  arity: 2,
  shape: ([a, b]) => {
    const n = squareSize('solve', a!);
    if (b!.length !== a!.length || b![b!.length - 2] !== n || !a!.slice(0, -2).every((d, i) => d === b![i])) {
      throw new ShapeError(`solve: b must be [..., ${n}, k] with a's leading axes, got a ${formatShape(a!)} and b ${formatShape(b!)}`);
    }
    return b!;
  },
  forward: ([a, b], [sa, sb]) => {
    const n = sa![sa!.length - 1]!;
    const x = solveData(a!, b!, shapeSize(sa!.slice(0, -2)), n, sb![sb!.length - 1]!);
    if (!(x instanceof Float64Array)) {
      throw new ValueError(`solve: the matrix${sa!.length > 2 ? ` at position ${x.singular} of the stack` : ''} is singular (a pivot of its LU factorisation is 0)`);
    }
    return x;
  },
  // X = A⁻¹B: B̄ = A⁻ᵀX̄, Ā = −B̄Xᵀ; Ẋ = A⁻¹(Ḃ − ȦX).
  vjp: (g, [a], x) => {
    const gb = solve(mT(a!), g);
    return [neg(matmulWith(gb, x, false, true)), gb]; // the transposed product's kernel: Xᵀ is not made
  },
  jvp: ([ta, tb], [a], x) => solve(a!, ta === null ? tb! : tb === null ? neg(matmul(ta, x)) : sub(tb, matmul(ta, x))),
  domain: {
    inputs: [conditioned, anyReal],
    cases: [{ shapes: [[3, 3], [3, 2]], attrs: undefined }, { shapes: [[2, 3, 3], [2, 3, 4]], attrs: undefined }],
    smooth: true,
  },
});

/**
 * X with AX = B, as NumPy's and PyTorch's `linalg.solve`: `a` a square matrix [n, n] or a stack
 * [..., n, n]; `b` a vector [n] (the result is then a vector, of a's leading axes) or matrices
 * [..., n, k], whose leading axes broadcast against a's. LU factorisation with partial pivoting.
 * Differentiable in both: B̄ = A⁻ᵀX̄ and Ā = −B̄Xᵀ.
 * @throws ValueError when a matrix is singular (a pivot is exactly 0); ShapeError for shapes that do not fit.
 */
export function solve(aArg: Tensor, bArg: Tensor): Tensor {
  const a = toTensor(aArg, 'solve');
  const b = toTensor(bArg, 'solve');
  const n = squareSize('solve', a._shape);
  const vector = b.rank === 1;
  const rhs = vector ? expandDims(b, -1) : b;
  if (rhs.rank < 2 || rhs._shape[rhs.rank - 2] !== n) {
    throw new ShapeError(`solve: b must be [${n}] or [..., ${n}, k] for a of shape ${formatShape(a.shape)}, got ${formatShape(b.shape)}`);
  }
  const batch = broadcastShapes('solve', a._shape.slice(0, -2), rhs._shape.slice(0, -2));
  const wide = (t: Tensor, tail: Shape): Tensor => (t.rank === batch.length + 2 && t._shape.slice(0, -2).every((d, i) => d === batch[i]) ? t : broadcastTo(t, [...batch, ...tail]));
  const x = apply(solveOp, [wide(a, [n, n]), wide(rhs, rhs._shape.slice(-2))], undefined);
  return vector ? squeeze(x, -1) : x;
}

/**
 * The inverse of a square matrix or of each matrix of a stack, as `linalg.inv`: solve(a, I).
 * Prefer `solve(a, b)` to `matmul(inv(a), b)`: it is faster and more accurate.
 * @throws ValueError when a matrix is singular.
 */
export function inv(aArg: Tensor): Tensor {
  const a = toTensor(aArg, 'inv');
  const n = squareSize('inv', a._shape);
  return renamingSolveErrors('inv', () => solve(a, broadcastTo(eye(n), a._shape)));
}

/** `f()`, with the ValueError solve (or inv) gives for a singular matrix named as `op`'s, which the user called. */
function renamingSolveErrors(op: string, f: () => Tensor, why = ''): Tensor {
  try {
    return f();
  } catch (e) {
    const from = e instanceof ValueError ? /^(solve|inv): /.exec(e.message) : null;
    if (from !== null) throw new ValueError(`${op}: ${(e as ValueError).message.slice(from[0].length)}${why}`);
    throw e;
  }
}

/** Why the derivatives of log |det| and det are refused where A is singular. */
const AT_SINGULAR = '; the derivatives of log |det A| and of det A need A invertible (at a singular matrix det′ is the adjugate, which adjoint does not compute)';

/** The function the user called (det or slogdet), which logAbsDet's errors name. */
interface LogAbsDetAttrs {
  readonly caller: 'det' | 'slogdet';
}

/** log |det A| for a stack of square matrices: −∞ for a singular one. */
const logAbsDetOp = registerOp<DifferentiableOp<LogAbsDetAttrs>>({
  kind: 'differentiable',
  name: 'logAbsDet',
  arity: 1,
  shape: ([a], { caller }) => {
    squareSize(caller, a!);
    return a!.slice(0, -2);
  },
  forward: ([a], [s]) => slogdetData(a!, shapeSize(s!.slice(0, -2)), s![s!.length - 1]!).logAbs,
  // d log|det A| = tr(A⁻¹ dA): Ā = ḡ·A⁻ᵀ.
  vjp: (g, [a], _out, { caller }) => [renamingSolveErrors(caller, () => mul(expandDims(expandDims(g, -1), -1), mT(inv(a!))), AT_SINGULAR)],
  jvp: ([t], [a], _out, { caller }) => renamingSolveErrors(caller, () => einsum('...ii->...', solve(a!, t!)), AT_SINGULAR),
  domain: {
    inputs: [conditioned],
    cases: [{ shapes: [[3, 3]], attrs: { caller: 'slogdet' } }, { shapes: [[2, 4, 4]], attrs: { caller: 'det' } }],
    smooth: true,
  },
  print: ([a]) => `log|det ${a}|`,
});

/**
 * The sign and the logarithm of the absolute value of the determinant, as NumPy's and PyTorch's
 * `linalg.slogdet`: for a square matrix or each matrix of a stack, `[sign, logAbsDet]` with sign
 * ±1 (0 and −∞ for a singular matrix). The log is differentiable (its gradient is A⁻ᵀ); the sign
 * is constant. Stable where det itself would overflow or underflow.
 */
export function slogdet(aArg: Tensor): [Tensor, Tensor] {
  return slogdetAs('slogdet', aArg);
}

/** {@link slogdet}, with `op` naming the function the user called in messages, its derivatives' too. */
function slogdetAs(op: 'det' | 'slogdet', aArg: Tensor): [Tensor, Tensor] {
  const a = toTensor(aArg, op);
  const n = squareSize(op, a._shape);
  const { sign } = slogdetData(a.data, shapeSize(a._shape.slice(0, -2)), n);
  return [engineTensor(sign, a._shape.slice(0, -2)), apply(logAbsDetOp, [a], { caller: op })];
}

/**
 * The determinant of a square matrix or of each matrix of a stack: sign · exp(log |det|) from
 * {@link slogdet}. Its gradient, det·A⁻ᵀ, needs A invertible: at a singular matrix the backward
 * pass is a ValueError, not the adjugate.
 */
export function det(aArg: Tensor): Tensor {
  const [sign, logAbs] = slogdetAs('det', aArg);
  return mul(sign, exp(logAbs));
}

/** Φ(X): the lower triangle of X with its diagonal halved (the Cholesky factor's rules use it). */
function phi(x: Tensor, n: number): Tensor {
  return sub(tril(x), mul(x, mul(eye(n), 0.5)));
}

/** The lower Cholesky factor L of stacks of matrices, read from their lower triangles. */
const choleskyOp = registerOp<DifferentiableOp>({
  kind: 'differentiable',
  name: 'cholesky',
  arity: 1,
  shape: ([a]) => {
    squareSize('cholesky', a!);
    return a!;
  },
  forward: ([a], [s]) => {
    const n = s![s!.length - 1]!;
    const l = choleskyData(a!, shapeSize(s!.slice(0, -2)), n);
    if (!(l instanceof Float64Array)) {
      const where = s!.length > 2 ? ` at position ${l.notPositive} of the stack` : '';
      throw new ValueError(`cholesky: the matrix${where} is not positive definite (its leading ${l.column + 1}×${l.column + 1} block is not; a NaN does this too)`);
    }
    return l;
  },
  // With S the symmetric matrix A's lower triangle stands for: L̇ = LΦ(L⁻¹ṠL⁻ᵀ); and, for
  // H = sym(L⁻ᵀΦ(LᵀL̄)L⁻¹), Ā is 2H below the diagonal, H on it and 0 above (A's upper triangle is
  // not read).
  vjp: (g, _inputs, l) => {
    const n = l._shape[l.rank - 1]!;
    const lt = mT(l);
    const left = solve(lt, phi(matmulWith(l, g, true, false), n));
    const h = mT(solve(lt, mT(left)));
    const sym = mul(add(h, mT(h)), 0.5);
    return [sub(tril(mul(sym, 2)), mul(sym, eye(n)))];
  },
  jvp: ([t], _inputs, l) => {
    const n = l._shape[l.rank - 1]!;
    const s = add(tril(t!), mT(tril(t!, -1)));
    const m = mT(solve(l, mT(solve(l, s))));
    return matmul(l, phi(m, n));
  },
  domain: {
    inputs: [{ min: -1, max: 1, diagonal: 5 }],
    cases: [{ shapes: [[3, 3]], attrs: undefined }, { shapes: [[2, 4, 4]], attrs: undefined }],
    smooth: true,
  },
});

/**
 * The lower Cholesky factor L of a symmetric positive definite matrix (A = LLᵀ), or of each matrix
 * of a stack, as `linalg.cholesky`. Only the lower triangle of `a` is read, as in LAPACK, NumPy and
 * PyTorch, so the gradient is that of a function of the lower triangle: 0 above the diagonal
 * (PyTorch spreads it symmetrically instead; both give the same gradient to anything computed
 * from a symmetric matrix, such as A = BBᵀ + εI).
 * @throws ValueError when a matrix is not positive definite.
 */
export function cholesky(aArg: Tensor): Tensor {
  return apply(choleskyOp, [toTensor(aArg, 'cholesky')], undefined);
}
