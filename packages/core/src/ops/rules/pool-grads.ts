/**
 * 2-D pooling as ops whose adjoints are ops again:
 *
 * - avgPool2d is linear; its adjoint avgPool2dGrad spreads each cotangent evenly over its window,
 *   and the adjoint of that is avgPool2d again. Both are smooth: derivatives of any order.
 * - maxPool2d picks each window's maximum (the first on ties, as PyTorch). Its adjoint
 *   maxPool2dGrad(ḡ, x) adds ḡ at those positions, its tangent map maxPool2dGather(ẋ, x) reads ẋ
 *   there; both are linear in their first input, with x only choosing the positions (not
 *   differentiated, like relu′ in reluGrad), and each is the other's adjoint. maxPool2d has kinks
 *   where a window's maximum changes hands, so it is checked to first order only.
 *
 * The public functions (ops/conv.ts) turn their options into these attributes and apply
 * {@link maxPool2dWith} and {@link avgPool2dWith}; the ops live here because the adjoint ops'
 * rules apply them, and everything ops/conv.ts exports is public. The adjoint ops are listed in
 * rule-ops.ts and not exported by the package.
 */
import { registerOp, type DifferentiableOp } from '../../registry';
import { checkSize, describeValue, formatShape, sameShape, type Shape } from '../../shape';
import { ShapeError, ValueError } from '../../errors';
import { applyOneOrTwo } from '../../dispatch';
import { toTensor } from '../../create';
import {
  avgPoolData, avgPoolScatterData, maxPoolData, maxPoolGatherData, maxPoolScatterData, type PoolGeometry,
} from '../../kernels/pool';
import type { Tensor, TensorLike } from '../../tensor';

/** A pooling's attributes, each checked (a ValueError otherwise) by every op that takes them. */
export interface PoolAttrs {
  /** The window's height and width, positive integers. */
  readonly kernel: readonly [number, number];
  /** Vertical and horizontal stride, positive integers. */
  readonly stride: readonly [number, number];
  /** Padding on each side of the rows and of the columns, at most half the window (PyTorch's rule). */
  readonly padding: readonly [number, number];
}

/** avgPool2dGrad's attributes: the pooling's, and the input's [H, W], which ḡ does not determine. */
export interface PoolGradAttrs extends PoolAttrs {
  readonly size: readonly [number, number];
}

const isCount = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min;

/** A ValueError naming `op` unless `value` is a pair of integers ≥ `min`. */
function requirePair(op: string, name: string, value: unknown, min: number): void {
  if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => isCount(v, min))) {
    throw new ValueError(`${op}: ${name} must be 2 ${min === 0 ? 'non-negative' : 'positive'} integers, got ${describeValue(value)}`);
  }
}

const both = (h: number, w: number): string => (h === w ? `${h}` : `${h}×${w}`);

/** Throws a ValueError naming `op` for attributes that are not a pooling's (see {@link PoolAttrs}). */
export function checkPoolAttrs(op: string, a: PoolAttrs): void {
  if (a === null || typeof a !== 'object') throw new ValueError(`${op}: needs a pooling's attributes, got ${describeValue(a)}`);
  requirePair(op, 'kernelSize', a.kernel, 1);
  requirePair(op, 'stride', a.stride, 1);
  requirePair(op, 'padding', a.padding, 0);
  const [kh, kw] = a.kernel;
  const [ph, pw] = a.padding;
  if (2 * ph > kh || 2 * pw > kw) {
    throw new ValueError(`${op}: padding must be at most half the kernel size, got padding ${both(ph, pw)} for a ${kh}×${kw} kernel`);
  }
}

/**
 * The geometry of pooling an input of `x`'s shape (rank 4), or a ShapeError naming `op` and,
 * through `got`, the shapes the op was given.
 */
function geometryOf(op: string, x: Shape, a: PoolAttrs, got: () => string): PoolGeometry {
  const [, c, h, w] = x as [number, number, number, number];
  if (c < 1 || h < 1 || w < 1) throw new ShapeError(`${op}: the input needs at least one channel, row and column (only the batch may be empty), ${got()}`);
  const [kh, kw] = a.kernel;
  const [ph, pw] = a.padding;
  if (kh > h + 2 * ph || kw > w + 2 * pw) {
    throw new ShapeError(`${op}: the window (${kh}×${kw}) is larger than the padded input ${h + 2 * ph}×${w + 2 * pw}, ${got()}`);
  }
  checkSize(op, x, 'the input has shape');
  return geometry(x, a);
}

/** The geometry for a shape and attributes a shape rule has accepted (no checks). */
function geometry(x: Shape, a: PoolAttrs): PoolGeometry {
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.stride;
  const [ph, pw] = a.padding;
  const h = x[2]!;
  const w = x[3]!;
  return {
    planes: x[0]! * x[1]!, h, w, kh, kw, sh, sw, ph, pw,
    oh: Math.floor((h + 2 * ph - kh) / sh) + 1, ow: Math.floor((w + 2 * pw - kw) / sw) + 1,
  };
}

const outShape = (x: Shape, geo: PoolGeometry): Shape => [x[0]!, x[1]!, geo.oh, geo.ow];

/**
 * The output shape of pooling `x` (checked: rank 4, attributes, sizes), or an error naming `op` and,
 * through `got`, what the op was given.
 */
function pooledShape(op: string, x: Shape, a: PoolAttrs, got = (): string => `got x ${formatShape(x)}`): Shape {
  checkPoolAttrs(op, a);
  if (x.length !== 4) throw new ShapeError(`${op}: x must be [N, C, H, W] (rank 4), ${got()}`);
  return outShape(x, geometryOf(op, x, a, got));
}

/** A ShapeError unless `g` has the pooled shape of `x`: the cotangent the adjoint ops take. */
function requirePooled(op: string, g: Shape, x: Shape, a: PoolAttrs, got: () => string): void {
  const want = pooledShape(op, x, a, got);
  if (!sameShape(g, want)) throw new ShapeError(`${op}: g must have the pooled shape ${formatShape(want)}, ${got()}`);
}

/** What trace writes: the call with the window, and the stride and padding where they are not the defaults. */
function printPool(name: string, args: readonly string[], a: PoolAttrs): string {
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.stride;
  const [ph, pw] = a.padding;
  const parts = [...args, `kernel ${both(kh, kw)}`];
  if (sh !== kh || sw !== kw) parts.push(`stride ${both(sh, sw)}`);
  if (ph || pw) parts.push(`padding ${both(ph, pw)}`);
  return `${name}(${parts.join(', ')})`;
}

const pool = (kernel: number | [number, number], stride?: number | [number, number], padding: number | [number, number] = 0): PoolAttrs => {
  const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);
  return { kernel: pair(kernel), stride: pair(stride ?? kernel), padding: pair(padding) };
};

/** Inputs and attributes the pooling ops are checked at: plain, overlapping, padded, strided past the last row. */
const poolCases: readonly [Shape, PoolAttrs][] = [
  [[1, 1, 4, 4], pool(2)],
  [[2, 2, 5, 5], pool(3, 2, 1)],
  [[1, 2, 4, 5], pool([2, 3], 1, [1, 0])],
  [[1, 1, 7, 6], pool(2, 3)],
];

const real = { min: -2, max: 2 };

/** `a` with the input's [H, W], as avgPool2dGrad takes it. */
const sized = (a: PoolAttrs, x: Shape): PoolGradAttrs => ({ kernel: a.kernel, stride: a.stride, padding: a.padding, size: [x[2]!, x[3]!] });

/** Each window's maximum, with −∞ padding: [N, C, H, W] → [N, C, H', W']. Adjoint: ḡ added at each window's maximum. */
const maxPool2dOp = registerOp<DifferentiableOp<PoolAttrs>>({
  kind: 'differentiable',
  name: 'maxPool2d',
  arity: 1,
  shape: ([x], a) => pooledShape('maxPool2d', x!, a),
  forward: ([x], [s], _out, a) => maxPoolData(x!, geometry(s!, a)),
  print: (args, a) => printPool('maxPool2d', args, a),
  vjp: (g, [x], _out, a) => [maxPool2dGrad(g, x!, a)],
  jvp: ([t], [x], _out, a) => maxPool2dGather(t!, x!, a),
  domain: { inputs: [real], cases: poolCases.map(([x, a]) => ({ shapes: [x], attrs: a })), smooth: false },
});

/** g ([N, C, H', W']) added, in zeros of x's shape, at each window's maximum in x: maxPool2d's adjoint. */
const maxPool2dGradOp = registerOp<DifferentiableOp<PoolAttrs>>({
  kind: 'differentiable',
  name: 'maxPool2dGrad',
  arity: 2,
  nondiff: [1],
  shape: ([g, x], a) => {
    requirePooled('maxPool2dGrad', g!, x!, a, () => `got g ${formatShape(g!)} and x ${formatShape(x!)}`);
    return x!;
  },
  forward: ([g, x], [, s], _out, a) => maxPoolScatterData(g!, x!, geometry(s!, a)),
  print: (args, a) => printPool('maxPool2dGrad', args, a),
  vjp: (y, [, x], _out, a) => [maxPool2dGather(y, x!, a), null],
  jvp: ([t], [, x], _out, a) => maxPool2dGrad(t!, x!, a),
  domain: { inputs: [real, real], cases: poolCases.map(([x, a]) => ({ shapes: [pooledShape('maxPool2d', x, a), x], attrs: a })), smooth: true },
});

/** t (of x's shape) read at each window's maximum in x: maxPool2d's tangent map, [N, C, H', W']. */
const maxPool2dGatherOp = registerOp<DifferentiableOp<PoolAttrs>>({
  kind: 'differentiable',
  name: 'maxPool2dGather',
  arity: 2,
  nondiff: [1],
  shape: ([t, x], a) => {
    const out = pooledShape('maxPool2dGather', x!, a, () => `got t ${formatShape(t!)} and x ${formatShape(x!)}`);
    if (!sameShape(t!, x!)) throw new ShapeError(`maxPool2dGather: t must have x's shape, got t ${formatShape(t!)} and x ${formatShape(x!)}`);
    return out;
  },
  forward: ([t, x], [, s], _out, a) => maxPoolGatherData(t!, x!, geometry(s!, a)),
  print: (args, a) => printPool('maxPool2dGather', args, a),
  vjp: (y, [, x], _out, a) => [maxPool2dGrad(y, x!, a), null],
  jvp: ([t], [, x], _out, a) => maxPool2dGather(t!, x!, a),
  domain: { inputs: [real, real], cases: poolCases.map(([x, a]) => ({ shapes: [x, x], attrs: a })), smooth: true },
});

/** Each window's mean, the zero padding counted (PyTorch's count_include_pad): [N, C, H, W] → [N, C, H', W']. */
const avgPool2dOp = registerOp<DifferentiableOp<PoolAttrs>>({
  kind: 'differentiable',
  name: 'avgPool2d',
  arity: 1,
  shape: ([x], a) => pooledShape('avgPool2d', x!, a),
  forward: ([x], [s], _out, a) => avgPoolData(x!, geometry(s!, a)),
  print: (args, a) => printPool('avgPool2d', args, a),
  vjp: (g, [x], _out, a) => [avgPool2dGrad(g, sized(a, x!._shape))],
  jvp: ([t], _inputs, _out, a) => avgPool2dWith(t!, a),
  domain: { inputs: [real], cases: poolCases.map(([x, a]) => ({ shapes: [x], attrs: a })), smooth: true },
});

/** Each element of g ([N, C, H', W']) divided by kH·kW and added over its window: avgPool2d's adjoint, [N, C, size[0], size[1]]. */
const avgPool2dGradOp = registerOp<DifferentiableOp<PoolGradAttrs>>({
  kind: 'differentiable',
  name: 'avgPool2dGrad',
  arity: 1,
  shape: ([g], a) => {
    const op = 'avgPool2dGrad';
    checkPoolAttrs(op, a);
    requirePair(op, 'size', a.size, 1);
    if (g!.length !== 4) throw new ShapeError(`${op}: g must be [N, C, H', W'] (rank 4), got ${formatShape(g!)}`);
    const x = [g![0]!, g![1]!, a.size[0], a.size[1]];
    requirePooled(op, g!, x, a, () => `got g ${formatShape(g!)} for an input of ${a.size[0]}×${a.size[1]}`);
    return x;
  },
  forward: ([g], [s], _out, a) => avgPoolScatterData(g!, geometry([s![0]!, s![1]!, a.size[0], a.size[1]], a)),
  print: (args, a) => printPool('avgPool2dGrad', args, a),
  vjp: (y, _inputs, _out, a) => [avgPool2dWith(y, a)],
  jvp: ([t], _inputs, _out, a) => avgPool2dGrad(t!, a),
  domain: { inputs: [real], cases: poolCases.map(([x, a]) => ({ shapes: [pooledShape('avgPool2d', x, a)], attrs: sized(a, x) })), smooth: true },
});

/** maxPool2d(x) with attributes already in the op's form (the public maxPool2d parses options into them). */
export const maxPool2dWith = (x: TensorLike, a: PoolAttrs): Tensor => applyOneOrTwo(maxPool2dOp, toTensor(x, 'maxPool2d'), null, a);

/** avgPool2d(x) with attributes already in the op's form (the public avgPool2d parses options into them). */
export const avgPool2dWith = (x: TensorLike, a: PoolAttrs): Tensor => applyOneOrTwo(avgPool2dOp, toTensor(x, 'avgPool2d'), null, a);

/** maxPool2d's adjoint: g ([N, C, H', W']) added, in zeros of x's shape, at each window's maximum in x. */
export const maxPool2dGrad = (g: TensorLike, x: TensorLike, a: PoolAttrs): Tensor =>
  applyOneOrTwo(maxPool2dGradOp, toTensor(g, 'maxPool2dGrad'), toTensor(x, 'maxPool2dGrad'), a);

/** maxPool2d's tangent map: t (of x's shape) read at each window's maximum in x, [N, C, H', W']. */
export const maxPool2dGather = (t: TensorLike, x: TensorLike, a: PoolAttrs): Tensor =>
  applyOneOrTwo(maxPool2dGatherOp, toTensor(t, 'maxPool2dGather'), toTensor(x, 'maxPool2dGather'), a);

/** avgPool2d's adjoint: each element of g divided by kH·kW and added over its window, in zeros of [N, C, size[0], size[1]]. */
export const avgPool2dGrad = (g: TensorLike, a: PoolGradAttrs): Tensor => applyOneOrTwo(avgPool2dGradOp, toTensor(g, 'avgPool2dGrad'), null, a);
