/**
 * 2-D convolution as three ops, each the others' adjoint: conv2d itself, y = conv(x, w); its adjoint
 * in x, x̄ = conv2dInputGrad(ḡ, w) (the transposed convolution); and its adjoint in w,
 * w̄ = conv2dWeightGrad(x, ḡ) (the correlation of x with ḡ). All three are bilinear, so every rule
 * of each is written with the three ops, and derivatives of any order need nothing more:
 *
 *   y = conv2d(x, w)              x̄ = inputGrad(ȳ, w)    w̄ = weightGrad(x, ȳ)
 *   y = conv2dInputGrad(g, w)     ḡ = conv2d(ȳ, w)       w̄ = weightGrad(ȳ, g)
 *   y = conv2dWeightGrad(x, g)    x̄ = inputGrad(g, ȳ)    ḡ = conv2d(x, ȳ)
 *
 * (each from ⟨ȳ, f(a, b)⟩ = ⟨g, conv2d(x, w)⟩ with the roles renamed), and each tangent is the op
 * applied to one tangent and the other primal, summed. All three run on the gemm kernel through
 * im2col/col2im (kernels/conv.ts).
 *
 * conv2d with a bias b [O] is one more op, conv2dBias(x, w, b) = conv2d(x, w) + b[o] at every
 * position of channel o, the bias added to each output block while it is in cache (what the Conv2d
 * layer runs, instead of a conv2d and a broadcasting add). Its adjoints in x and w are conv2d's, and
 * its adjoint in b is a rule op of its own, b̄ = conv2dBiasGrad(ȳ), the sum of ȳ over samples and
 * positions per channel, whose adjoint is ȳ's broadcast back over [N, O, H', W'].
 *
 * The public conv2d (ops/conv.ts) turns its options into these attributes and applies
 * {@link conv2dWith}; conv2d's op lives here rather than there because the adjoint ops' rules apply
 * it, and everything ops/conv.ts exports is public. The two adjoint ops are listed in rule-ops.ts
 * and not exported by the package.
 */
import { registerOp, type DifferentiableOp } from '../../registry';
import { checkSize, describeValue, formatShape, type Shape } from '../../shape';
import { ShapeError, ValueError } from '../../errors';
import { apply, applyOneOrTwo } from '../../dispatch';
import { toTensor } from '../../create';
import { add, broadcastTo, reshape } from '../../functions';
import { conv2dBiasGradData, conv2dData, conv2dInputGradData, conv2dWeightGradData, type ConvGeometry } from '../../kernels/conv';
import type { Tensor, TensorLike } from '../../tensor';

/** conv2d's attributes, each checked (a ValueError otherwise) by every op that takes them. */
export interface ConvAttrs {
  /** Vertical and horizontal stride, positive integers. */
  readonly stride: readonly [number, number];
  /** Zeros added before the first row, after the last row, before the first column and after the last, ≥ 0. */
  readonly padding: readonly [number, number, number, number];
  /** Vertical and horizontal spacing of the kernel's taps, positive integers. */
  readonly dilation: readonly [number, number];
  /** Channel groups: a positive integer dividing both C and O. */
  readonly groups: number;
}

/** The adjoint ops' attributes: conv2d's, and the spatial size of their result, which ḡ does not determine. */
export interface ConvGradAttrs extends ConvAttrs {
  /** conv2dInputGrad: the input's [H, W]; conv2dWeightGrad: the kernel's [kH, kW]. */
  readonly size: readonly [number, number];
}

const isCount = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min;

/** A ValueError naming `op` unless `value` is an array of `length` integers ≥ `min`. */
function requireCounts(op: string, name: string, value: unknown, length: number, min: number): void {
  if (!Array.isArray(value) || value.length !== length || !value.every((v) => isCount(v, min))) {
    throw new ValueError(`${op}: ${name} must be ${length} ${min === 0 ? 'non-negative' : 'positive'} integers, got ${describeValue(value)}`);
  }
}

/** Throws a ValueError naming `op` for attributes that are not conv2d's (see {@link ConvAttrs}). */
export function checkConvAttrs(op: string, a: ConvAttrs): void {
  if (a === null || typeof a !== 'object') throw new ValueError(`${op}: needs conv2d's attributes, got ${describeValue(a)}`);
  requireCounts(op, 'stride', a.stride, 2, 1);
  requireCounts(op, 'padding', a.padding, 4, 0);
  requireCounts(op, 'dilation', a.dilation, 2, 1);
  if (!isCount(a.groups, 1)) throw new ValueError(`${op}: groups must be a positive integer, got ${describeValue(a.groups)}`);
}

/** `h`×`w`, or a single number for a square. */
const both = (h: number, w: number): string => (h === w ? `${h}` : `${h}×${w}`);

/** The output size of one spatial axis: ⌊(size + padding − dilation·(k − 1) − 1)/stride⌋ + 1. */
const outSize = (size: number, before: number, after: number, k: number, dilation: number, stride: number): number =>
  Math.floor((size + before + after - dilation * (k - 1) - 1) / stride) + 1;

/**
 * The geometry of conv2d(x, w) with attributes `a`, for shapes of rank 4, or a ShapeError naming
 * `op` and, through `got`, the shapes the op was given.
 */
function geometryOf(op: string, x: Shape, w: Shape, a: ConvAttrs, got: () => string): ConvGeometry {
  const [n, c, h, wd] = x as [number, number, number, number];
  const [o, cg, kh, kw] = w as [number, number, number, number];
  const { groups } = a;
  if (c < 1 || h < 1 || wd < 1) throw new ShapeError(`${op}: the input needs at least one channel, row and column (only the batch may be empty), ${got()}`);
  requireKernel(op, w, got);
  if (c % groups !== 0) throw new ShapeError(`${op}: the input channels (C = ${c}) must be divisible by groups = ${groups}, ${got()}`);
  if (o % groups !== 0) throw new ShapeError(`${op}: the output channels (O = ${o}) must be divisible by groups = ${groups}, ${got()}`);
  if (cg !== c / groups) {
    throw new ShapeError(`${op}: the kernel's input channels (${cg}) must be C / groups = ${c} / ${groups} = ${c / groups}, ${got()}`);
  }
  const [pt, pb, pl, pr] = a.padding;
  const [dh, dw] = a.dilation;
  const [sh, sw] = a.stride;
  const paddedH = h + pt + pb;
  const paddedW = wd + pl + pr;
  if (dh * (kh - 1) + 1 > paddedH || dw * (kw - 1) + 1 > paddedW) {
    throw new ShapeError(`${op}: the kernel (${kh}×${kw} with dilation ${both(dh, dw)}) is larger than the padded input ${paddedH}×${paddedW}, ${got()}`);
  }
  const oh = outSize(h, pt, pb, kh, dh, sh);
  const ow = outSize(wd, pl, pr, kw, dw, sw);
  checkSize(op, [n, o, oh, ow], () => `the output has shape`);
  checkSize(op, [n, c, h, wd], () => `the input has shape`);
  return { n, c, h, w: wd, o, kh, kw, oh, ow, sh, sw, dh, dw, pt, pl, groups };
}

/** A ShapeError naming `op` unless the kernel `w` has at least one output channel, input channel, row and column. */
function requireKernel(op: string, w: Shape, got: () => string): void {
  if (!(w[0]! >= 1 && w[1]! >= 1 && w[2]! >= 1 && w[3]! >= 1)) {
    throw new ShapeError(`${op}: the kernel needs at least one output channel, input channel, row and column, ${got()}`);
  }
}

/** The geometry for shapes and attributes a shape rule has accepted (no checks). */
function geometry(x: Shape, w: Shape, a: ConvAttrs): ConvGeometry {
  const [pt, pb, pl, pr] = a.padding;
  const [dh, dw] = a.dilation;
  const [sh, sw] = a.stride;
  return {
    n: x[0]!, c: x[1]!, h: x[2]!, w: x[3]!, o: w[0]!, kh: w[2]!, kw: w[3]!,
    oh: outSize(x[2]!, pt, pb, w[2]!, dh, sh), ow: outSize(x[3]!, pl, pr, w[3]!, dw, sw),
    sh, sw, dh, dw, pt, pl, groups: a.groups,
  };
}

/** A ShapeError naming `op` unless both shapes have rank 4. */
function requireRank4(op: string, a: Shape, b: Shape, what: string, got: () => string): void {
  if (a.length !== 4 || b.length !== 4) throw new ShapeError(`${op}: ${what}, both of rank 4, ${got()}`);
}

function conv2dShape([x, w]: readonly Shape[], a: ConvAttrs): Shape {
  const op = 'conv2d';
  checkConvAttrs(op, a);
  const got = () => `got x ${formatShape(x!)} and w ${formatShape(w!)}`;
  requireRank4(op, x!, w!, 'x must be [N, C, H, W] and w [O, C / groups, kH, kW]', got);
  const geo = geometryOf(op, x!, w!, a, got);
  return [geo.n, geo.o, geo.oh, geo.ow];
}

function conv2dBiasShape([x, w, b]: readonly Shape[], a: ConvAttrs): Shape {
  const out = conv2dShape([x!, w!], a);
  if (b!.length !== 1 || b![0] !== out[1]) {
    throw new ShapeError(`conv2d: the bias must be [O] = ${formatShape([out[1]!])}, one value per output channel, got x ${formatShape(x!)}, w ${formatShape(w!)} and bias ${formatShape(b!)}`);
  }
  return out;
}

/** Checks the adjoint ops' `size` (on top of conv2d's attributes). */
function checkGradAttrs(op: string, a: ConvGradAttrs): void {
  checkConvAttrs(op, a);
  requireCounts(op, 'size', a.size, 2, 1);
}

/** A ShapeError unless `g` is conv2d's output shape for this geometry. */
function requireOutput(op: string, g: Shape, geo: ConvGeometry, got: () => string): void {
  if (g[0] !== geo.n || g[1] !== geo.o || g[2] !== geo.oh || g[3] !== geo.ow) {
    throw new ShapeError(`${op}: g must have conv2d's output shape ${formatShape([geo.n, geo.o, geo.oh, geo.ow])}, ${got()}`);
  }
}

function inputGradShape([g, w]: readonly Shape[], a: ConvGradAttrs): Shape {
  const op = 'conv2dInputGrad';
  checkGradAttrs(op, a);
  const got = () => `got g ${formatShape(g!)} and w ${formatShape(w!)} for an input of ${a.size[0]}×${a.size[1]}`;
  requireRank4(op, g!, w!, "g must be conv2d's output [N, O, H', W'] and w [O, C / groups, kH, kW]", got);
  requireKernel(op, w!, got); // before C = w's input channels · groups is derived from it
  const geo = geometryOf(op, [g![0]!, w![1]! * a.groups, a.size[0], a.size[1]], w!, a, got);
  requireOutput(op, g!, geo, got);
  return [geo.n, geo.c, geo.h, geo.w];
}

function weightGradShape([x, g]: readonly Shape[], a: ConvGradAttrs): Shape {
  const op = 'conv2dWeightGrad';
  checkGradAttrs(op, a);
  const got = () => `got x ${formatShape(x!)} and g ${formatShape(g!)} for a kernel of ${a.size[0]}×${a.size[1]}`;
  requireRank4(op, x!, g!, "x must be [N, C, H, W] and g conv2d's output [N, O, H', W']", got);
  const geo = geometryOf(op, x!, [g![1]!, x![1]! / a.groups, a.size[0], a.size[1]], a, got);
  requireOutput(op, g!, geo, got);
  return [geo.o, geo.c / geo.groups, geo.kh, geo.kw];
}

/** `a` with the spatial part of `shape` as the result size of an adjoint op. */
const sized = (a: ConvAttrs, shape: Shape): ConvGradAttrs => ({
  stride: a.stride, padding: a.padding, dilation: a.dilation, groups: a.groups, size: [shape[2]!, shape[3]!],
});

/** The sum of two tangent contributions, either of which may be absent (not both). */
const total = (a: Tensor | null, b: Tensor | null): Tensor => (a && b ? add(a, b) : (a ?? b)!);

/** What trace writes: the call, with the attributes that differ from the defaults. */
function printConv(name: string, args: readonly string[], attrs: ConvAttrs): string {
  const parts = [...args];
  const [sh, sw] = attrs.stride;
  const [pt, pb, pl, pr] = attrs.padding;
  const [dh, dw] = attrs.dilation;
  if (sh !== 1 || sw !== 1) parts.push(`stride ${both(sh, sw)}`);
  if (pt || pb || pl || pr) parts.push(pt === pb && pl === pr ? `padding ${both(pt, pl)}` : `padding ${pt},${pb},${pl},${pr}`);
  if (dh !== 1 || dw !== 1) parts.push(`dilation ${both(dh, dw)}`);
  if (attrs.groups !== 1) parts.push(`groups ${attrs.groups}`);
  return `${name}(${parts.join(', ')})`;
}

/** Attributes for checking: a stride, symmetric padding, dilation and groups. */
function attrs(stride: number | [number, number], pad: number | [number, number, number, number], dilation: number | [number, number] = 1, groups = 1): ConvAttrs {
  const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);
  return { stride: pair(stride), padding: typeof pad === 'number' ? [pad, pad, pad, pad] : pad, dilation: pair(dilation), groups };
}

/**
 * x [N, C, H, W], w [O, C/groups, kH, kW] and the attributes of each case: plain, strided and
 * padded, grouped and dilated, 'same' for an even kernel (the extra row and column after), and a
 * stride that leaves the input's last rows and columns unread (their adjoint is 0).
 */
const convCases: readonly [Shape, Shape, ConvAttrs][] = [
  [[1, 1, 4, 4], [1, 1, 3, 3], attrs(1, 0)],
  [[2, 2, 5, 5], [3, 2, 3, 3], attrs(2, 1)],
  [[1, 4, 4, 5], [2, 2, 2, 3], attrs([1, 2], [1, 1, 0, 0], [2, 1], 2)],
  [[1, 2, 4, 4], [2, 2, 2, 2], attrs(1, [0, 1, 0, 1])],
  [[1, 1, 6, 5], [2, 1, 2, 2], attrs(3, 0)],
];

/** The output shape of a case (for the adjoint ops' cases). */
const outputOf = ([x, w, a]: [Shape, Shape, ConvAttrs]): Shape => conv2dShape([x, w], a);

const real = { min: -2, max: 2 };

/**
 * y = x ⋆ w, PyTorch's conv2d without bias: y[n, o, i, j] = Σ_{c, ki, kj} w[o, c, ki, kj] ·
 * xpad[n, g·C/groups + c, i·sH + ki·dH, j·sW + kj·dW] for o in group g, with x padded by zeros.
 */
const conv2dOp = registerOp<DifferentiableOp<ConvAttrs>>({
  kind: 'differentiable',
  name: 'conv2d',
  arity: 2,
  shape: conv2dShape,
  forward: ([x, w], [sx, sw], _out, a) => conv2dData(x!, w!, geometry(sx!, sw!, a)),
  print: (args, a) => printConv('conv2d', args, a),
  vjp: (g, [x, w], _out, a) => [
    x!.requiresGrad ? conv2dInputGrad(g, w!, sized(a, x!._shape)) : null,
    w!.requiresGrad ? conv2dWeightGrad(x!, g, sized(a, w!._shape)) : null,
  ],
  jvp: ([tx, tw], [x, w], _out, a) => total(tx && conv2dWith(tx, w!, a), tw && conv2dWith(x!, tw, a)),
  domain: { inputs: [real, real], cases: convCases.map(([x, w, a]) => ({ shapes: [x, w], attrs: a })), smooth: true },
});

/**
 * x̄ = the transposed convolution of g with w: the adjoint of x ↦ conv2d(x, w), of shape
 * [N, C, size[0], size[1]] (rows and columns the convolution never read get 0).
 */
const conv2dInputGradOp = registerOp<DifferentiableOp<ConvGradAttrs>>({
  kind: 'differentiable',
  name: 'conv2dInputGrad',
  arity: 2,
  shape: inputGradShape,
  forward: ([g, w], [sg, sw], _out, a) => conv2dInputGradData(g!, w!, geometry([sg![0]!, sw![1]! * a.groups, a.size[0], a.size[1]], sw!, a)),
  print: (args, a) => printConv('conv2dInputGrad', args, a),
  vjp: (y, [g, w], _out, a) => [
    g!.requiresGrad ? conv2dWith(y, w!, a) : null,
    w!.requiresGrad ? conv2dWeightGrad(y, g!, sized(a, w!._shape)) : null,
  ],
  jvp: ([tg, tw], [g, w], _out, a) => total(tg && conv2dInputGrad(tg, w!, a), tw && conv2dInputGrad(g!, tw, a)),
  domain: {
    inputs: [real, real],
    cases: convCases.map((c) => ({ shapes: [outputOf(c), c[1]], attrs: sized(c[2], c[0]) })),
    smooth: true,
  },
});

/** w̄ = the correlation of x with g, summed over the batch: the adjoint of w ↦ conv2d(x, w), of shape [O, C/groups, size[0], size[1]]. */
const conv2dWeightGradOp = registerOp<DifferentiableOp<ConvGradAttrs>>({
  kind: 'differentiable',
  name: 'conv2dWeightGrad',
  arity: 2,
  shape: weightGradShape,
  forward: ([x, g], [sx, sg], _out, a) => conv2dWeightGradData(x!, g!, geometry(sx!, [sg![1]!, sx![1]! / a.groups, a.size[0], a.size[1]], a)),
  print: (args, a) => printConv('conv2dWeightGrad', args, a),
  vjp: (y, [x, g], _out, a) => [
    x!.requiresGrad ? conv2dInputGrad(g!, y, sized(a, x!._shape)) : null,
    g!.requiresGrad ? conv2dWith(x!, y, a) : null,
  ],
  jvp: ([tx, tg], [x, g], _out, a) => total(tx && conv2dWeightGrad(tx, g!, a), tg && conv2dWeightGrad(x!, tg, a)),
  domain: {
    inputs: [real, real],
    cases: convCases.map((c) => ({ shapes: [c[0], outputOf(c)], attrs: sized(c[2], c[1]) })),
    smooth: true,
  },
});

/**
 * y = x ⋆ w + b, PyTorch's conv2d with a bias: conv2d's value with b[o] added at every position of
 * output channel o (the same values, bit for bit, as conv2d followed by a broadcasting add).
 */
const conv2dBiasOp = registerOp<DifferentiableOp<ConvAttrs>>({
  kind: 'differentiable',
  name: 'conv2dBias',
  arity: 3,
  shape: conv2dBiasShape,
  forward: ([x, w, b], [sx, sw], _out, a) => conv2dData(x!, w!, geometry(sx!, sw!, a), b!),
  print: (args, a) => printConv('conv2d', args, a),
  vjp: (g, [x, w, b], _out, a) => [
    x!.requiresGrad ? conv2dInputGrad(g, w!, sized(a, x!._shape)) : null,
    w!.requiresGrad ? conv2dWeightGrad(x!, g, sized(a, w!._shape)) : null,
    b!.requiresGrad ? conv2dBiasGrad(g) : null,
  ],
  jvp: ([tx, tw, tb], [x, w], out, a) => {
    const products = total(tx && conv2dWith(tx, w!, a), tw && conv2dWith(x!, tw, a));
    const spread = tb && broadcastTo(reshape(tb, [tb._shape[0]!, 1, 1]), out._shape);
    return products && spread ? add(products, spread) : (products ?? spread)!;
  },
  domain: {
    inputs: [real, real, real],
    cases: convCases.map(([x, w, a]) => ({ shapes: [x, w, [w[0]!]], attrs: a })),
    smooth: true,
  },
});

/** Per channel, the sum over samples and positions: [N, O, H', W'] → [O]. */
const conv2dBiasGradOp = registerOp<DifferentiableOp<undefined>>({
  kind: 'differentiable',
  name: 'conv2dBiasGrad',
  arity: 1,
  shape: ([g]) => {
    if (g!.length !== 4) throw new ShapeError(`conv2dBiasGrad: g must be conv2d's output [N, O, H', W'] (rank 4), got ${formatShape(g!)}`);
    return [g![1]!];
  },
  forward: ([g], [s]) => conv2dBiasGradData(g!, s![0]!, s![1]!, s![2]! * s![3]!),
  vjp: (y, [g]) => [broadcastTo(reshape(y, [y._shape[0]!, 1, 1]), g!._shape)],
  jvp: ([t]) => conv2dBiasGrad(t!),
  domain: {
    inputs: [real],
    cases: [[[2, 3, 2, 2]], [[1, 1, 1, 1]], [[3, 2, 1, 4]]].map((shapes) => ({ shapes, attrs: undefined })),
    smooth: true,
  },
});

/** conv2d(x, w) with attributes already in the op's form (the public conv2d parses options into them). */
export const conv2dWith = (x: TensorLike, w: TensorLike, a: ConvAttrs): Tensor =>
  applyOneOrTwo(conv2dOp, toTensor(x, 'conv2d'), toTensor(w, 'conv2d'), a);

/**
 * The adjoint of conv2d in x: the transposed convolution of g ([N, O, H', W'], conv2d's output
 * shape) with w ([O, C/groups, kH, kW]), of shape [N, C, H, W] for `a.size` = [H, W].
 */
export const conv2dInputGrad = (g: TensorLike, w: TensorLike, a: ConvGradAttrs): Tensor =>
  applyOneOrTwo(conv2dInputGradOp, toTensor(g, 'conv2dInputGrad'), toTensor(w, 'conv2dInputGrad'), a);

/**
 * The adjoint of conv2d in w: the correlation of x ([N, C, H, W]) with g ([N, O, H', W']), summed
 * over the batch, of shape [O, C/groups, kH, kW] for `a.size` = [kH, kW].
 */
export const conv2dWeightGrad = (x: TensorLike, g: TensorLike, a: ConvGradAttrs): Tensor =>
  applyOneOrTwo(conv2dWeightGradOp, toTensor(x, 'conv2dWeightGrad'), toTensor(g, 'conv2dWeightGrad'), a);

/** conv2d(x, w) + b[o] per output channel, with attributes in the op's form (the public conv2d with its bias option). */
export const conv2dBiasWith = (x: TensorLike, w: TensorLike, b: TensorLike, a: ConvAttrs): Tensor =>
  apply(conv2dBiasOp, [toTensor(x, 'conv2d'), toTensor(w, 'conv2d'), toTensor(b, 'conv2d')], a);

/** The adjoint of conv2d's bias: g ([N, O, H', W']) summed over samples and positions, per channel: [O]. */
export const conv2dBiasGrad = (g: TensorLike): Tensor => applyOneOrTwo(conv2dBiasGradOp, toTensor(g, 'conv2dBiasGrad'), null, undefined);
