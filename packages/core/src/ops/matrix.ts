/** Matrix products (batched, with broadcasting batch axes) and axis permutation. */
import { registerOp, type DifferentiableOp, type OpCase } from '../registry';
import { allocForOverwrite } from '../kernels/alloc';
import { broadcastShapes, checkSize, describeValue, formatShape, shapeSize, type Shape } from '../shape';
import { ShapeError, ValueError } from '../errors';
import { gemm } from '../kernels/matmul';
import { broadcastOffsets } from '../kernels/elementwise';
import { transposeData } from '../kernels/layout';
import { add, mul, reshape, sum } from '../functions';
import { reluGrad } from '../rule-ops';
import type { Tensor } from '../tensor';
import { apply } from '../dispatch';
import { toTensor } from '../create';
import { ownCopy, requireChoice, requireOptions } from '../arguments';

/** Whether each operand enters the product transposed (its last two axes swapped). */
interface MatmulAttrs {
  readonly transA: boolean;
  readonly transB: boolean;
}

function matrixDims(shape: Shape, transposed: boolean): [rows: number, cols: number] {
  const r = shape[shape.length - 2]!;
  const c = shape[shape.length - 1]!;
  return transposed ? [c, r] : [r, c];
}

function matmulShape([a, b]: readonly Shape[], { transA, transB }: MatmulAttrs): Shape {
  if (a!.length < 2 || b!.length < 2) {
    throw new ShapeError(`matmul: both operands need at least 2 axes here, got ${formatShape(a!)} and ${formatShape(b!)}`);
  }
  const [m, k] = matrixDims(a!, transA);
  const [k2, n] = matrixDims(b!, transB);
  if (k !== k2) {
    throw new ShapeError(`matmul: inner dimensions must match (${k} vs ${k2}), got ${formatShape(a!)}${transA ? 'ᵀ' : ''} and ${formatShape(b!)}${transB ? 'ᵀ' : ''}`);
  }
  let batch: Shape;
  try {
    batch = broadcastShapes('matmul', a!.slice(0, -2), b!.slice(0, -2));
  } catch (e) {
    // Reword a clash of the batch axes; a batch too large to hold keeps its own ValueError.
    if (!(e instanceof ShapeError)) throw e;
    throw new ShapeError(`matmul: the batch axes (all but the last two) must broadcast, got ${formatShape(a!)} and ${formatShape(b!)}`);
  }
  const out = [...batch, m, n];
  checkSize('matmul', out, () => `the product of ${formatShape(a!)} and ${formatShape(b!)} has shape`);
  return out;
}

function matmulForward([a, b]: readonly Float64Array[], [sa, sb]: readonly Shape[], outShape: Shape, { transA, transB }: MatmulAttrs): Float64Array {
  const [m, k] = matrixDims(sa!, transA);
  const n = outShape[outShape.length - 1]!;
  const out = allocForOverwrite(shapeSize(outShape)); // gemm writes every element
  const batchShape = outShape.slice(0, -2);
  const batches = shapeSize(batchShape);
  const offA = broadcastOffsets(sa!.slice(0, -2), batchShape);
  const offB = broadcastOffsets(sb!.slice(0, -2), batchShape);
  for (let i = 0; i < batches; i++) {
    gemm(a!, offA[i]! * m * k, b!, offB[i]! * k * n, out, i * m * n, m, n, k, transA, transB);
  }
  return out;
}

const matmulCases: OpCase<MatmulAttrs>[] = [
  { shapes: [[2, 3], [3, 4]], attrs: { transA: false, transB: false } },
  { shapes: [[2, 3], [4, 3]], attrs: { transA: false, transB: true } },
  { shapes: [[3, 2], [3, 4]], attrs: { transA: true, transB: false } },
  { shapes: [[3, 2], [4, 3]], attrs: { transA: true, transB: true } },
  { shapes: [[1, 1], [1, 1]], attrs: { transA: false, transB: false } },
  { shapes: [[2, 2, 3], [3, 2]], attrs: { transA: false, transB: false } },
  { shapes: [[2, 1, 2, 3], [3, 3, 2]], attrs: { transA: false, transB: false } },
  { shapes: [[2, 3, 2], [2, 3, 4]], attrs: { transA: true, transB: false } },
];

/**
 * C = op(A)·op(B), batched over leading axes. The adjoint rules of the course notes
 * (docs/course-notes.md), for each transposition (un-broadcasting of batch axes is done by the
 * graph):
 * - C = AB:   Ā = C̄Bᵀ, B̄ = AᵀC̄
 * - C = ABᵀ:  Ā = C̄B,  B̄ = C̄ᵀA
 * - C = AᵀB:  Ā = BC̄ᵀ, B̄ = AC̄
 * - C = AᵀBᵀ: Ā = BᵀC̄ᵀ, B̄ = C̄ᵀAᵀ
 * The transposed products run on the kernel's transposed variants: no transpose is materialised.
 */
const matmulOp = registerOp<DifferentiableOp<MatmulAttrs>>({
  kind: 'differentiable',
  name: 'matmul',
  arity: 2,
  shape: matmulShape,
  forward: matmulForward,
  print: ([a, b], { transA, transB }) => `${a}${transA ? 'ᵀ' : ''} @ ${b}${transB ? 'ᵀ' : ''}`,
  vjp: (g, [a, b], _out, { transA, transB }) => {
    const needA = a!.requiresGrad;
    const needB = b!.requiresGrad;
    if (!transA && !transB) return [needA ? matmulWith(g, b!, false, true) : null, needB ? matmulWith(a!, g, true, false) : null];
    if (!transA && transB) return [needA ? matmulWith(g, b!, false, false) : null, needB ? matmulWith(g, a!, true, false) : null];
    if (transA && !transB) return [needA ? matmulWith(b!, g, false, true) : null, needB ? matmulWith(a!, g, false, false) : null];
    return [needA ? matmulWith(b!, g, true, true) : null, needB ? matmulWith(g, a!, true, true) : null];
  },
  jvp: ([ta, tb], [a, b], _out, { transA, transB }) => {
    const fromA = ta ? matmulWith(ta, b!, transA, transB) : null;
    const fromB = tb ? matmulWith(a!, tb, transA, transB) : null;
    return fromA && fromB ? add(fromA, fromB) : (fromA ?? fromB)!;
  },
  domain: { inputs: [{ min: -2, max: 2 }, { min: -2, max: 2 }], cases: matmulCases, smooth: true },
});

function linearShape([x, w, b]: readonly Shape[]): Shape {
  const ok = x!.length >= 1 && w!.length === 2 && b!.length === 1 && x![x!.length - 1] === w![0] && b![0] === w![1];
  if (!ok) {
    throw new ShapeError(`linear: needs x [..., in], weight [in, out] and bias [out], got ${formatShape(x!)}, ${formatShape(w!)} and ${formatShape(b!)}`);
  }
  return [...x!.slice(0, -1), w![1]!];
}

/** The activation fused into {@link linearOp}: none, or relu (that of most hidden layers). */
interface LinearAttrs {
  readonly relu: boolean;
}

/** x·W + b, then relu if asked: the product into a fresh array, then each row finished in place. */
function linearForward([x, w, b]: readonly Float64Array[], [sx, sw]: readonly Shape[], _outShape: Shape, { relu }: LinearAttrs): Float64Array {
  const [k, n] = [sw![0]!, sw![1]!];
  const m = shapeSize(sx!.slice(0, -1));
  const out = allocForOverwrite(m * n);
  gemm(x!, 0, w!, 0, out, 0, m, n, k, false, false);
  if (relu) {
    for (let row = 0; row < m * n; row += n) {
      for (let j = 0; j < n; j++) {
        const z = out[row + j]! + b![j]!;
        out[row + j] = z > 0 || z !== z ? z : 0; // as the relu op: NaN stays NaN
      }
    }
  } else {
    for (let row = 0; row < m * n; row += n) {
      for (let j = 0; j < n; j++) out[row + j]! += b![j]!;
    }
  }
  return out;
}

/** `t` as a matrix of `cols` columns (its leading axes merged into rows); a view, not a copy. */
function asMatrix(t: Tensor, cols: number): Tensor {
  return t.rank === 2 ? t : reshape(t, [shapeSize(t._shape.slice(0, -1)), cols]);
}

/** Inputs that keep x·W + b well away from relu's kink, for checking the fused relu on each side of it. */
const positiveProduct = [{ min: 1, max: 2 }, { min: 1, max: 2 }, { min: -0.5, max: 0.5 }];
const negativeProduct = [{ min: 1, max: 2 }, { min: -2, max: -1 }, { min: -0.5, max: 0.5 }];

/**
 * x·W + b for x of shape [..., in], W [in, out], b [out], optionally followed by relu: a dense
 * layer's affine map (and its most common activation) as one op, so that the bias and relu are
 * applied while the product is still in cache, into the same array (the same values, bit for bit,
 * as matmul, add and relu). With Z = XW + b and X, Ḡ the inputs and cotangents as matrices (one row
 * per sample): Z̄ = Ḡ (or relu′(Z)·Ḡ, where relu′(Z) = [out > 0] is read from the output), then
 * X̄ = Z̄Wᵀ, W̄ = XᵀZ̄, b̄ = Σ over rows of Z̄.
 */
const linearOp = registerOp<DifferentiableOp<LinearAttrs>>({
  kind: 'differentiable',
  name: 'linear',
  arity: 3,
  shape: linearShape,
  forward: linearForward,
  print: ([x, w, b], { relu }) => (relu ? `relu(${x} @ ${w} + ${b})` : `${x} @ ${w} + ${b}`),
  dotLabel: ({ relu }) => (relu ? 'linear + relu' : 'linear'),
  vjp: (g, [x, w, b], out, { relu }) => {
    const [k, n] = [w!._shape[0]!, w!._shape[1]!];
    const gm = asMatrix(relu ? reluGrad(g, out) : g, n);
    return [
      x!.requiresGrad ? reshape(matmulWith(gm, w!, false, true), x!._shape) : null,
      w!.requiresGrad ? matmulWith(asMatrix(x!, k), gm, true, false) : null,
      b!.requiresGrad ? sum(gm, 0) : null,
    ];
  },
  jvp: ([tx, tw, tb], [x, w], out, { relu }) => {
    const k = w!._shape[0]!;
    const fromX = tx ? matmulWith(asMatrix(tx, k), w!, false, false) : null;
    const fromW = tw ? matmulWith(asMatrix(x!, k), tw, false, false) : null;
    const products = fromX && fromW ? add(fromX, fromW) : (fromX ?? fromW);
    const product = products && reshape(products, out._shape);
    const tangent = product && tb ? add(product, tb) : (product ?? tb)!; // tb broadcasts over the rows
    return relu ? reluGrad(tangent, out) : tangent;
  },
  domain: {
    inputs: [{ min: -2, max: 2 }, { min: -2, max: 2 }, { min: -2, max: 2 }],
    cases: [
      { shapes: [[2, 3], [3, 4], [4]], attrs: { relu: false } },
      { shapes: [[3], [3, 2], [2]], attrs: { relu: false } },
      { shapes: [[2, 2, 3], [3, 2], [2]], attrs: { relu: false } },
      { shapes: [[1, 1], [1, 1], [1]], attrs: { relu: false } },
      { shapes: [[2, 3], [3, 4], [4]], attrs: { relu: true }, domains: positiveProduct },
      { shapes: [[2, 3], [3, 4], [4]], attrs: { relu: true }, domains: negativeProduct },
      { shapes: [[2, 2, 3], [3, 2], [2]], attrs: { relu: true }, domains: positiveProduct },
    ],
    smooth: true,
  },
});

/** The permutation reversing the axes (the default of transpose). */
function reversedAxes(rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => rank - 1 - i);
}

/** `perm` (the axes, negative ones resolved) must list each of 0…rank−1 once; `given` is what the user wrote. */
function checkPermutation(perm: readonly number[], rank: number, given: unknown = perm): void {
  const ok =
    Array.isArray(perm) && perm.length === rank && perm.every((p) => Number.isInteger(p)) && [...perm].sort((x, y) => x - y).every((p, i) => p === i);
  if (!ok) throw new ValueError(`transpose: perm must be a permutation of the axes 0…${rank - 1} (or −${rank}…−1, counted from the end) for shape rank ${rank}, got ${describeValue(given)}`);
}

function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** Permutes axes: output axis d is input axis perm[d]. Adjoint: the inverse permutation. */
const transposeOp = registerOp<DifferentiableOp<{ perm: readonly number[] }>>({
  kind: 'differentiable',
  name: 'transpose',
  arity: 1,
  shape: ([s], { perm }) => {
    checkPermutation(perm, s!.length);
    return perm.map((p) => s![p]!);
  },
  forward: ([x], [s], _o, { perm }) => transposeData(x!, s!, perm),
  vjp: (g, _inputs, _out, { perm }) => [transpose(g, inversePermutation(perm))],
  jvp: ([t], _inputs, _out, { perm }) => transpose(t!, perm),
  domain: {
    inputs: [{ min: -2, max: 2 }],
    cases: [
      { shapes: [[2, 3]], attrs: { perm: [1, 0] } },
      { shapes: [[2, 3, 4]], attrs: { perm: [2, 0, 1] } },
      { shapes: [[4]], attrs: { perm: [0] } },
    ],
    smooth: true,
  },
});

// ── Linear algebra ──────────────────────────────────────────────────────────────────────────────
/**
 * Matrix product with NumPy semantics: 2-D·2-D, matrix·vector, vector·matrix, vector·vector and
 * batched products with broadcasting batch axes.
 */
export function matmul(aArg: Tensor, bArg: Tensor): Tensor {
  const a = toTensor(aArg, 'matmul');
  const b = toTensor(bArg, 'matmul');
  if (a.rank === 0 || b.rank === 0) {
    throw new ShapeError(`matmul: scalars are not matrices (use mul), got ${formatShape(a._shape)} and ${formatShape(b._shape)}`);
  }
  const a2 = a.rank === 1 ? reshape(a, [1, a._shape[0]!]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b._shape[0]!, 1]) : b;
  if (a2._shape[a2.rank - 1] !== b2._shape[b2.rank - 2]) {
    throw new ShapeError(`matmul: inner dimensions must match (${a2._shape[a2.rank - 1]} vs ${b2._shape[b2.rank - 2]}), got ${formatShape(a._shape)} and ${formatShape(b._shape)}`);
  }
  const c = matmulWith(a2, b2, false, false);
  if (a.rank > 1 && b.rank > 1) return c;
  const shape = c._shape.slice(0, -2);
  if (a.rank > 1) shape.push(c._shape[c.rank - 2]!);
  if (b.rank > 1) shape.push(c._shape[c.rank - 1]!);
  return reshape(c, shape);
}
/** op(A)·op(B) for operands of rank ≥ 2, where op transposes the last two axes when asked. */
export const matmulWith = (a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor =>
  apply(matmulOp, [toTensor(a, 'matmulWith'), toTensor(b, 'matmulWith')], { transA, transB });
/** Options of {@link linear}. */
export interface LinearOptions {
  /** Applied to x·weight + bias in the same pass: 'identity' (the default) or 'relu'. */
  activation?: 'identity' | 'relu';
}
/**
 * x·weight + bias for x of shape [..., in], weight [in, out] and bias [out], optionally followed by
 * relu: a dense layer's affine map (and activation) in one op. The same values as
 * `add(matmul(x, weight), bias)` (then `relu`), with one or two arrays and passes fewer.
 *
 * @example
 * const hidden = linear(x, w1, b1, { activation: 'relu' });
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor, options?: LinearOptions): Tensor {
  const { activation = 'identity' } = requireOptions('linear', options);
  requireChoice('linear', 'activation', activation, ['identity', 'relu'] as const);
  return apply(linearOp, [toTensor(x, 'linear'), toTensor(weight, 'linear'), toTensor(bias, 'linear')], { relu: activation === 'relu' });
}
/** Inner product of vectors; for matrices the same as matmul. */
export function dot(aArg: Tensor, bArg: Tensor): Tensor {
  const a = toTensor(aArg, 'dot');
  const b = toTensor(bArg, 'dot');
  if (a.rank === 0 || b.rank === 0) {
    throw new ShapeError(`dot: needs vectors or matrices (use mul for scalars), got ${formatShape(a._shape)} and ${formatShape(b._shape)}`);
  }
  if (a.rank === 1 && b.rank === 1 && a._shape[0] !== b._shape[0]) {
    throw new ShapeError(`dot: vectors must have the same length, got ${formatShape(a._shape)} and ${formatShape(b._shape)}`);
  }
  const k = b.rank === 1 ? b._shape[0]! : b._shape[b.rank - 2]!;
  if (a._shape[a.rank - 1] !== k) {
    throw new ShapeError(`dot: the last axis of a (${a._shape[a.rank - 1]}) must match ${b.rank === 1 ? 'the length' : 'the second-to-last axis'} of b (${k}), got ${formatShape(a._shape)} and ${formatShape(b._shape)}`);
  }
  try {
    return matmul(a, b);
  } catch (e) {
    if (e instanceof ShapeError) throw new ShapeError(`dot: ${e.message}`);
    throw e;
  }
}
/** Outer product of two vectors: [n] × [m] → [n, m]. */
export function outer(aArg: Tensor, bArg: Tensor): Tensor {
  const a = toTensor(aArg, 'outer');
  const b = toTensor(bArg, 'outer');
  return mul(reshape(a, [a.size, 1]), reshape(b, [1, b.size]));
}
/**
 * Permutes axes: output axis d is input axis perm[d] (reverses them by default). A negative axis
 * counts from the end, as in NumPy's transpose and PyTorch's permute.
 */
export function transpose(xArg: Tensor, perm?: readonly number[]): Tensor {
  const x = toTensor(xArg, 'transpose');
  if (perm === undefined || perm === null) return apply(transposeOp, [x], { perm: reversedAxes(x.rank) });
  const given = ownCopy(perm);
  const axes = Array.isArray(given) ? given.map((p) => (Number.isInteger(p) && p < 0 && p >= -x.rank ? p + x.rank : p)) : given;
  checkPermutation(axes, x.rank, given);
  return apply(transposeOp, [x], { perm: axes });
}

