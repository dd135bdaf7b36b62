/**
 * The public op functions. Each applies a registered op (ops/) or composes registered ops
 * (composite ops have no rules of their own: they are differentiable in both modes for free).
 * Binary functions accept a plain number on either side.
 */
import { apply, applyOneOrTwo } from './dispatch';
import { Tensor, type TensorLike } from './tensor';
import { toIndexTensor, toTensor } from './create';
import { describeValue, formatShape, normalizeAxes, normalizeAxis } from './shape';
import { ShapeError, ValueError } from './errors';
import { requireChoice, requireFinite, requireOptions } from './arguments';
import * as unary from './ops/unary';
import * as binary from './ops/binary';
import * as constant from './ops/constant';
import * as reduce from './ops/reduce';
import * as matrix from './ops/matrix';
import * as layout from './ops/layout';
import * as indexing from './ops/indexing';
import * as crossEntropy from './ops/cross-entropy';
import { markBuiltInOps } from './registry';

markBuiltInOps(); // every op module is loaded by now

/** Axes of a reduction: one axis, a list of axes, or undefined for all of them. @inline */
type Axis = number | readonly number[] | undefined;

const un = (op: Parameters<typeof apply>[0], x: TensorLike, attrs?: unknown): Tensor => applyOneOrTwo(op, toTensor(x, op.name), null, attrs);
const bin = (op: Parameters<typeof apply>[0], a: TensorLike, b: TensorLike): Tensor =>
  applyOneOrTwo(op, toTensor(a, op.name), toTensor(b, op.name), undefined);

// ── Binary, broadcasting ────────────────────────────────────────────────────────────────────────
/** a + b. */
export const add = (a: TensorLike, b: TensorLike): Tensor => bin(binary.addOp, a, b);
/** a − b. */
export const sub = (a: TensorLike, b: TensorLike): Tensor => bin(binary.subOp, a, b);
/** a · b elementwise. */
export const mul = (a: TensorLike, b: TensorLike): Tensor => bin(binary.mulOp, a, b);
/** a / b elementwise (IEEE results on division by zero). */
export const div = (a: TensorLike, b: TensorLike): Tensor => bin(binary.divOp, a, b);
/** aᵇ elementwise; a number exponent uses the cheaper constant-exponent op. */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  if (typeof b === 'number') return un(unary.powScalarOp, a, { exponent: b });
  return bin(binary.powOp, a, b);
}
/** Elementwise maximum. */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => bin(binary.maximumOp, a, b);
/** Elementwise minimum. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => bin(binary.minimumOp, a, b);

// ── Comparisons (constants, no gradient) ────────────────────────────────────────────────────────
/** 1 where a > b, else 0. */
export const greater = (a: TensorLike, b: TensorLike): Tensor => bin(constant.greaterOp, a, b);
/** 1 where a ≥ b, else 0. */
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor => bin(constant.greaterEqualOp, a, b);
/** 1 where a < b, else 0. */
export const less = (a: TensorLike, b: TensorLike): Tensor => bin(constant.lessOp, a, b);
/** 1 where a ≤ b, else 0. */
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor => bin(constant.lessEqualOp, a, b);
/** 1 where a = b, else 0. */
export const equal = (a: TensorLike, b: TensorLike): Tensor => bin(constant.equalOp, a, b);
/** 1 where a ≠ b, else 0. */
export const notEqual = (a: TensorLike, b: TensorLike): Tensor => bin(constant.notEqualOp, a, b);
/** −1, 0 or 1 elementwise (no gradient). */
export const sign = (x: TensorLike): Tensor => un(constant.signOp, x);

// ── Unary ───────────────────────────────────────────────────────────────────────────────────────
/** −x. */
export const neg = (x: TensorLike): Tensor => un(unary.negOp, x);
/** eˣ. */
export const exp = (x: TensorLike): Tensor => un(unary.expOp, x);
/** Natural logarithm. */
export const log = (x: TensorLike): Tensor => un(unary.logOp, x);
/** ln(1 + x). */
export const log1p = (x: TensorLike): Tensor => un(unary.log1pOp, x);
/** eˣ − 1. */
export const expm1 = (x: TensorLike): Tensor => un(unary.expm1Op, x);
/** √x. */
export const sqrt = (x: TensorLike): Tensor => un(unary.sqrtOp, x);
/** x². */
export const square = (x: TensorLike): Tensor => un(unary.squareOp, x);
/** |x|. */
export const abs = (x: TensorLike): Tensor => un(unary.absOp, x);
/** sin x. */
export const sin = (x: TensorLike): Tensor => un(unary.sinOp, x);
/** cos x. */
export const cos = (x: TensorLike): Tensor => un(unary.cosOp, x);
/** tan x. */
export const tan = (x: TensorLike): Tensor => un(unary.tanOp, x);
/** tanh x. */
export const tanh = (x: TensorLike): Tensor => un(unary.tanhOp, x);
/** The logistic function 1/(1 + e⁻ˣ). */
export const sigmoid = (x: TensorLike): Tensor => un(unary.sigmoidOp, x);
/** max(x, 0). */
export const relu = (x: TensorLike): Tensor => un(unary.reluOp, x);
/** x for x > 0, alpha·x otherwise. */
export const leakyRelu = (x: TensorLike, alpha = 0.01): Tensor => un(unary.leakyReluOp, x, { alpha: requireFinite('leakyRelu', 'alpha', alpha) });
/** x for x > 0, alpha·(eˣ − 1) otherwise. */
export const elu = (x: TensorLike, alpha = 1): Tensor => un(unary.eluOp, x, { alpha: requireFinite('elu', 'alpha', alpha) });
/** ln(1 + eˣ), never overflowing. */
export const softplus = (x: TensorLike): Tensor => un(unary.softplusOp, x);
/** x limited to [lo, hi]. */
export function clip(x: TensorLike, lo: number, hi: number): Tensor {
  if (typeof lo !== 'number' || typeof hi !== 'number' || !(lo <= hi)) {
    throw new ValueError(`clip: needs numbers lo ≤ hi, got lo = ${describeValue(lo)}, hi = ${describeValue(hi)}`);
  }
  return un(unary.clipOp, x, { lo, hi });
}

/** cond ? a : b elementwise (cond nonzero means true), broadcasting all three. */
export const where = (cond: TensorLike, a: TensorLike, b: TensorLike): Tensor =>
  apply(indexing.whereOp, [toTensor(cond, 'where'), toTensor(a, 'where'), toTensor(b, 'where')], undefined);

// ── Reductions ──────────────────────────────────────────────────────────────────────────────────
/** Sum over `axis` (a number, a list, or all when omitted). */
export const sum = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => un(reduce.sumOp, x, { axis, keepDims });
/** Largest element over `axis`. */
export const max = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => un(reduce.maxOp, x, { axis, keepDims });
/** Smallest element over `axis`. */
export const min = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => un(reduce.minOp, x, { axis, keepDims });
/** log Σ exp(x) over `axis`, stable for large inputs. */
export const logSumExp = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => un(reduce.logSumExpOp, x, { axis, keepDims });
/** Euclidean (Frobenius) norm over `axis` (all axes by default). */
export const norm = (x: TensorLike, axis?: Axis, keepDims = false): Tensor => un(reduce.normOp, x, { axis, keepDims });
/** Mean over `axis`: the sum divided by the number of elements reduced. */
export function mean(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  const t = toTensor(x, 'mean');
  const count = normalizeAxes('mean', axis, t.rank).reduce((n, a) => n * t._shape[a]!, 1);
  return div(sum(t, axis, keepDims), count);
}
/** Index of the largest element along `axis` (the whole flattened tensor when omitted). */
export function argmax(x: TensorLike, axis?: number): Tensor {
  return argExtreme('argmax', constant.argmaxOp, x, axis);
}
/** Index of the smallest element along `axis` (the whole flattened tensor when omitted). */
export function argmin(x: TensorLike, axis?: number): Tensor {
  return argExtreme('argmin', constant.argminOp, x, axis);
}

/** argmax or argmin: along `axis`, or over the flattened tensor, whose true shape an error then names. */
function argExtreme(name: string, op: typeof constant.argmaxOp, x: TensorLike, axis: number | undefined): Tensor {
  const t = toTensor(x, name);
  if (axis !== undefined && axis !== null) return apply(op, [t], { axis });
  if (t.size === 0) throw new ValueError(`${name}: the tensor of shape ${formatShape(t._shape)} is empty: it has no element to pick`);
  return apply(op, [reshape(t, [-1])], { axis: 0 });
}
/**
 * log softmax(x) = x − logSumExp(x) along `axis`: stable for large inputs. Computed as
 * (x − m) − logSumExp(x − m) with m the row's maximum, as scipy does: x − m is exact where it
 * matters, whereas x − logSumExp(x) rounds log Σ away once |x| ≫ 1 (softmax of [1e16, 1e16]
 * would be [1, 1]).
 */
export const logSoftmax = (x: TensorLike, axis = -1): Tensor => logSoftmaxAs('logSoftmax', x, axis);
/** {@link logSoftmax}, with `op` naming the public function in messages (softmax is built on it). */
function logSoftmaxAs(op: string, x: TensorLike, axis: number): Tensor {
  const t = toTensor(x, op);
  if (t.rank === 0) throw new ValueError(`${op}: needs at least one axis, got a scalar`);
  return apply(reduce.logSoftmaxOp, [t], { axis: normalizeAxis(op, axis, t.rank) });
}
/** softmax(x) = exp(x − logSumExp(x)) along `axis`: stable for large inputs. */
export const softmax = (x: TensorLike, axis = -1): Tensor => exp(logSoftmaxAs('softmax', x, axis));
/** Options of {@link softmaxCrossEntropy}. */
export interface SoftmaxCrossEntropyOptions {
  /** 'none' (the default): one loss per sample; 'mean' or 'sum': their mean or sum, a scalar. */
  reduction?: 'none' | 'mean' | 'sum';
}
/**
 * −log softmax(logits)[label] = logSumExp(logits) − logits[label], per sample: the cross-entropy of
 * logits of shape [..., classes] against integer class indices of shape [...], one loss per sample
 * or (with `reduction`) their mean or sum. One op, and its adjoint, softmax(logits) − onehot(labels)
 * scaled by each sample's cotangent, is another: nn's crossEntropy is this with 'mean'.
 *
 * @example
 * const loss = softmaxCrossEntropy(logits, [2, 0, 1], { reduction: 'mean' }); // logits of shape [3, classes]
 */
export function softmaxCrossEntropy(logits: TensorLike, labels: Tensor | readonly number[], options?: SoftmaxCrossEntropyOptions): Tensor {
  const { reduction = 'none' } = requireOptions('softmaxCrossEntropy', options);
  requireChoice('softmaxCrossEntropy', 'reduction', reduction, ['none', 'mean', 'sum'] as const);
  const inputs = [toTensor(logits, 'softmaxCrossEntropy'), toIndexTensor('softmaxCrossEntropy', labels)];
  return apply(crossEntropy.softmaxCrossEntropyOp, inputs, { reduction });
}

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
  apply(matrix.matmulOp, [toTensor(a, 'matmulWith'), toTensor(b, 'matmulWith')], { transA, transB });
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
  return apply(matrix.linearOp, [toTensor(x, 'linear'), toTensor(weight, 'linear'), toTensor(bias, 'linear')], { relu: activation === 'relu' });
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
/** Permutes axes (reverses them by default). */
export function transpose(xArg: Tensor, perm?: readonly number[]): Tensor {
  const x = toTensor(xArg, 'transpose');
  return apply(matrix.transposeOp, [x], { perm: perm ?? matrix.reversedAxes(x.rank) });
}

// ── Shape ───────────────────────────────────────────────────────────────────────────────────────
/** Same elements, new shape (one entry may be -1). */
export const reshape = (x: Tensor, shape: readonly number[]): Tensor => apply(layout.reshapeOp, [toTensor(x, 'reshape')], { shape });
/** The elements as a vector. */
export const flatten = (x: Tensor): Tensor => reshape(toTensor(x, 'flatten'), [-1]);
/** Inserts a size-1 axis at `axis` (negative counts from the end of the result). */
export function expandDims(xArg: Tensor, axis: number): Tensor {
  const x = toTensor(xArg, 'expandDims');
  const a = normalizeAxis('expandDims', axis, x.rank + 1);
  return reshape(x, [...x._shape.slice(0, a), 1, ...x._shape.slice(a)]);
}
/** Removes size-1 axes (all of them, or those listed, which must have size 1). */
export function squeeze(xArg: Tensor, axis?: number | readonly number[]): Tensor {
  const x = toTensor(xArg, 'squeeze');
  const axes = axis === undefined || axis === null ? x._shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axis, x.rank);
  for (const a of axes) {
    if (x._shape[a] !== 1) throw new ValueError(`squeeze: axis ${a} of ${formatShape(x._shape)} has size ${x._shape[a]}, not 1`);
  }
  return reshape(x, x._shape.filter((_, i) => !axes.includes(i)));
}
/** Repeats along broadcast axes to reach `shape` (NumPy rules). */
export const broadcastTo = (x: Tensor, shape: readonly number[]): Tensor => apply(layout.broadcastToOp, [toTensor(x, 'broadcastTo')], { shape });
/** The box starting at `begin` of extent `size` (-1: to the end; default: everything after begin). */
export function slice(xArg: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  const x = toTensor(xArg, 'slice');
  return apply(layout.sliceOp, [x], { begin, size: size ?? x._shape.map(() => -1) });
}
/** Zeros of `shape` with `x` written at `begin`: the adjoint of slice. */
export const pad = (x: Tensor, begin: readonly number[], shape: readonly number[]): Tensor =>
  apply(layout.padOp, [toTensor(x, 'pad')], { begin, size: shape });
/** Joins tensors along an existing axis. */
export function concat(list: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(list) || list.length === 0) throw new ValueError('concat: needs a non-empty list of tensors');
  return apply(layout.concatOp, list.map((t) => toTensor(t, 'concat')), { axis });
}
/** Joins tensors of one shape along a new axis. */
export function stack(list: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(list) || list.length === 0) throw new ValueError('stack: needs a non-empty list of tensors');
  list = list.map((t) => toTensor(t, 'stack'));
  const first = list[0]!._shape;
  for (const t of list) {
    if (t.rank !== first.length || t._shape.some((d: number, i: number) => d !== first[i])) {
      throw new ShapeError(`stack: all tensors need the same shape, got ${formatShape(first)} and ${formatShape(t._shape)}`);
    }
  }
  const a = normalizeAxis('stack', axis, first.length + 1);
  return concat(list.map((t) => expandDims(t, a)), a);
}

// ── Indexing ────────────────────────────────────────────────────────────────────────────────────
/** Picks entries along `axis` by integer index: shape x.shape[:axis] + indices.shape + x.shape[axis+1:]. */
export const gather = (x: Tensor, indices: Tensor | readonly number[], axis = 0): Tensor =>
  apply(indexing.gatherOp, [toTensor(x, 'gather'), toIndexTensor('gather', indices)], { axis });
/** Adds slices of `values` at `indices` along `axis` into zeros with `dim` entries there: the adjoint of gather. */
export const scatterAdd = (values: Tensor, indices: Tensor | readonly number[], axis: number, dim: number): Tensor =>
  apply(indexing.scatterAddOp, [toTensor(values, 'scatterAdd'), toIndexTensor('scatterAdd', indices)], { axis, dim });
/** One-hot rows: shape [...indices.shape, depth]. */
export const oneHot = (indices: Tensor | readonly number[], depth: number): Tensor =>
  apply(constant.oneHotOp, [toIndexTensor('oneHot', indices)], { depth });
/**
 * A differentiable copy: the same values in new data, recorded as an op of its own, so gradients
 * flow through it (unlike `clone()`, which copies without a node). The transforms use it to give
 * each argument a node of its own.
 */
export const identity = (x: Tensor): Tensor => apply(layout.identityOp, [toTensor(x, 'identity')], undefined);
