import type { DifferentiableOp } from './registry';
import { MAX_SIZE, checkShape, describeValue, formatShape, sameShape, shapeSize, stridesOf, type Shape } from './shape';
import { GradError, ShapeError, ValueError } from './errors';
import { formatTensor } from './format';
import * as fn from './functions';
import { backward as runBackward, type BackwardOptions } from './graph';
import { allocData, isPooled, recycleData } from './kernels/alloc';
import { registerHook, type GradHook, type HookHandle } from './hooks';
import { assignValues, type AssignValue } from './assign';
import { birthEpoch, inCustomScope } from './custom-scope';


/**
 * Gradients whose array `backward` made and that nothing outside their leaf has been given: no one
 * has read them through `.grad`, so `zeroGrad` may reuse their arrays. A set rather than a field of
 * every tensor: only large gradients are ever in it, and tensors are many.
 */
const privateGrads = new WeakSet<Tensor>();

/** @internal Makes `g`, which `backward` just made and nobody else holds, the `.grad` of `leaf`, its alone (see zeroGrad). */
export function setPrivateGrad(leaf: Tensor, g: Tensor): void {
  leaf._grad = g;
  if (isPooled(g.data)) privateGrads.add(g);
}

/** @internal Whether `g` is a gradient nobody outside its leaf has seen (see setPrivateGrad). */
export function isPrivateGrad(g: Tensor): boolean {
  return privateGrads.has(g);
}

/** Set by {@link engineTensor} for the one constructor call that follows (see the constructor). */
let engineShape = false;
/** Set by {@link engineScalar} for the one constructor call that follows: its value, with no array yet. */
let pendingScalar = false;
let pendingValue = 0;
const NO_DATA = new Float64Array(1);

/**
 * @internal A tensor on a shape the engine made and will never write (a shape rule's result, an
 * input's shape): kept as it is, where the public constructor copies the caller's array.
 */
export function engineTensor(data: Float64Array, shape: Shape, options?: { requiresGrad?: boolean }): Tensor {
  engineShape = true;
  return new Tensor(data, shape, options);
}

/**
 * @internal A one-element tensor (of an engine-made shape of size 1) holding `value` as a number:
 * its array is made when `data` is first read. A graph of scalars is mostly such results (see
 * scalar-rules.ts), and an array view costs more memory than the rest of the tensor.
 */
export function engineScalar(value: number, shape: Shape): Tensor {
  engineShape = true;
  pendingScalar = true;
  pendingValue = value;
  return new Tensor(NO_DATA, shape);
}

/** @internal The one element of a one-element tensor, without making its array. */
export function scalarValue(t: Tensor): number {
  const data = t._data;
  return data === null ? t._value : data[0]!;
}

/** @internal Whether `t` has exactly one element, without making its array. */
export function isOneElement(t: Tensor): boolean {
  const data = t._data;
  return data === null || data.length === 1;
}

/** A nested array of numbers, as accepted by `tensor()` and returned by `toArray()`. */
export type NestedArray = number | readonly NestedArray[];

/** What the ops accept where a tensor is expected: a tensor or a plain number. */
export type TensorLike = Tensor | number;

/**
 * An n-dimensional array of float64 values in row-major order, and a node of the computation graph.
 *
 * Tensors are values: ops never modify their inputs. `data` is exposed for speed and interop; write
 * to it only for tensors no graph depends on (optimizers update parameters this way, under `noGrad`).
 */
export class Tensor {
  /** @internal The elements; null while a one-element result made by engineScalar has only `_value`. */
  _data: Float64Array | null;
  /** @internal The element of a tensor whose `_data` is null. */
  _value: number;
  /**
   * @internal The dimensions, as the engine reads them: a plain array, never written after the
   * tensor is made, shared by tensors of the same shape. (V8 reads the elements of a frozen array
   * several times more slowly, and shapes are read on every op; the public {@link shape} is a
   * frozen copy, made when first asked for.)
   */
  readonly _shape: Shape;
  /** @internal The frozen copy behind {@link shape}, made on first use. */
  private _frozenShape: Shape | null = null;
  /** @internal The gradient behind `.grad`. */
  _grad: Tensor | null = null;
  // How a recorded tensor was made: the op, its inputs (dropped once the graph is freed) and its
  // attributes. Fields of the tensor rather than a node object of their own: one allocation
  // fewer per recorded op, which is most of the cost on small tensors.
  /** @internal The op that made this tensor, when recorded (null for leaves and untracked results). */
  _op: DifferentiableOp<any> | null = null;
  /** @internal The op's first input, null once a backward pass has freed the graph (see inputs.ts). */
  _in0: Tensor | null = null;
  /** @internal The op's second input, for ops of two inputs (see inputs.ts). */
  _in1: Tensor | null = null;
  /** @internal Every input, for ops of three or more; _in0 and _in1 then stay null (see inputs.ts). */
  _inMany: readonly Tensor[] | null = null;
  /** @internal The op's attributes. */
  _attrs: unknown = undefined;
  /** @internal A leaf whose gradient is accumulated into `.grad`. */
  _leaf = false;
  /** @internal Forward-mode tangents, one per active `jvp` level. */
  _tangents: Map<number, Tensor> | null = null;
  /** @internal The mark of the latest walk of the graph that reached this tensor (cheaper than a Set of visited tensors). */
  _visit = 0;
  /** @internal This tensor's position on the tape of the latest walk that placed it (see graph.ts). */
  _position = -1;
  /** @internal The count of in-place writes when this tensor's op recorded its inputs (see versions.ts). */
  _recordedAt = 0;
  /** @internal The custom call this tensor was made in, 0 outside any (see custom-scope.ts). */
  _born = 0;

  /**
   * Wraps existing data (not copied). Most code should call `tensor()` instead. The shape is
   * copied, so the caller's array stays theirs.
   * @throws ValueError when the data length does not match the shape.
   */
  constructor(data: Float64Array, shape: Shape, options?: { requiresGrad?: boolean }) {
    const engine = engineShape; // read first: a throw below must not leave it set
    engineShape = false;
    if (inCustomScope()) this._born = birthEpoch(); // see custom-scope.ts
    if (pendingScalar) {
      pendingScalar = false;
      this._data = null;
      this._value = pendingValue;
      this._shape = shape;
      return;
    }
    if (!(data instanceof Float64Array)) throw new ValueError(`Tensor: data must be a Float64Array, got ${describeValue(data)} (use tensor() for arrays)`);
    if (!engine) checkShape('Tensor', shape);
    if (data.length !== shapeSize(shape)) {
      throw new ValueError(`Tensor: data has ${data.length} elements but shape ${formatShape(shape)} needs ${shapeSize(shape)}`);
    }
    this._data = data;
    this._value = 0;
    this._shape = engine ? shape : shape.slice();
    if (options !== undefined && options.requiresGrad) this._leaf = true; // no default {}: one allocation fewer per op
  }

  /**
   * One dimension per axis, outermost first: a frozen array, so no write through it can change
   * this or any other tensor.
   */
  get shape(): Shape {
    return (this._frozenShape ??= Object.freeze(this._shape.slice()));
  }

  /**
   * The elements, row-major. For small tensors this is a view into a buffer shared with other
   * small tensors (see kernels/alloc.ts): read and write `data` itself, not `data.buffer`, and
   * copy it (`data.slice()`) before transferring it to a worker. The same array on every read.
   */
  get data(): Float64Array {
    const data = this._data;
    if (data !== null) return data;
    const made = allocData(1);
    made[0] = this._value;
    this._data = made;
    return made;
  }

  /** Number of elements. */
  get size(): number {
    const data = this._data;
    return data === null ? 1 : data.length;
  }
  /** Number of axes. */
  get rank(): number {
    return this._shape.length;
  }
  /** Always 'float64'. */
  get dtype(): 'float64' {
    return 'float64';
  }
  /** True for leaves marked `requiresGrad` and for every result recorded from them. */
  get requiresGrad(): boolean {
    return this._leaf || this._op !== null;
  }
  set requiresGrad(value: boolean) {
    if (this._op !== null) {
      throw new ValueError(`requiresGrad: can only be set on leaf tensors; this ${formatShape(this._shape)} tensor was made by '${this._op.name}' (use detach() first)`);
    }
    this._leaf = value;
  }
  /**
   * Gradient accumulated by `backward` (leaves with `requiresGrad` only). Code that only reads or
   * updates it in place during a call, keeping no reference, should use {@link borrowGrad}.
   */
  get grad(): Tensor | null {
    const g = this._grad;
    if (g !== null) privateGrads.delete(g); // someone may keep it now
    return g;
  }
  /** @throws ValueError unless `value` is null or a tensor; ShapeError unless it has this tensor's shape. */
  set grad(value: Tensor | null) {
    if (value !== null) {
      if (!(value instanceof Tensor)) throw new ValueError(`grad: a gradient must be a Tensor or null, got ${describeValue(value)}`);
      if (!sameShape(value._shape, this._shape)) {
        throw new ShapeError(`grad: a gradient of shape ${formatShape(value._shape)} cannot belong to a tensor of shape ${formatShape(this._shape)}`);
      }
      privateGrads.delete(value); // borrowed from another tensor, perhaps
    }
    this._grad = value;
  }
  /** True unless the tensor was made by a recorded op. */
  get isLeaf(): boolean {
    return this._op === null;
  }

  /** The single value of a size-1 tensor. */
  item(): number {
    if (this.size !== 1) throw new ValueError(`item: needs a tensor with exactly one element, got shape ${formatShape(this._shape)}`);
    return scalarValue(this);
  }
  /**
   * Nested arrays of numbers (a number for a scalar), −0 and NaN kept; `tensor(t.toArray())` has
   * `t`'s shape and values. An empty tensor gives its arrays down to the empty axis (`[[], []]` for
   * [2, 0]), and one that would take more than 2³¹ − 1 arrays to write out (a [10⁶, 10⁶, 0]
   * tensor, which holds nothing) is a ValueError rather than a hang.
   */
  toArray(): NestedArray {
    const shape = this._shape;
    let arrays = 0;
    for (let d = 0, count = 1; d < shape.length && count > 0; count *= shape[d]!, d++) {
      arrays += count;
      if (arrays > MAX_SIZE) throw new ValueError(`toArray: a ${formatShape(shape)} tensor would be more than ${MAX_SIZE} nested arrays`);
    }
    const data = this.data;
    const strides = stridesOf(shape);
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === shape.length) return data[offset]!;
      const out: NestedArray[] = [];
      for (let i = 0; i < shape[axis]!; i++) out.push(build(axis + 1, offset + i * strides[axis]!));
      return out;
    };
    return build(0, 0);
  }
  /**
   * What `JSON.stringify` writes: {@link toArray}'s nested arrays, so `tensor(JSON.parse(text))`
   * gives the tensor back. JSON has no NaN or ±∞ (they are written as null, which `tensor()` then
   * refuses), and nothing of the graph is written: without this, a recorded tensor wrote every
   * tensor it was made from, once per path, which for a graph that reuses results never finished.
   */
  toJSON(): NestedArray {
    return this.toArray();
  }
  /**
   * NumPy-like text: integers without decimals, else 4 decimals or exponential form, NaN and ±∞ as
   * nan and ±inf, −0 as 0 (JavaScript's `String(-0)` is "0"; `toArray` keeps the sign). More than
   * 1000 elements are elided with `...` (3 entries at each end of each long axis) and the shape noted.
   */
  toString(): string {
    return formatTensor(this);
  }

  /**
   * A copy with its own data, not connected to any graph: a snapshot of the values, as PyTorch's
   * `x.detach().clone()` (PyTorch's own `clone` is recorded; for a copy gradients flow through, use
   * `x.mul(1)`).
   */
  clone(): Tensor {
    return engineTensor(this.data.slice(), this._shape);
  }
  /**
   * The same values, cut from the graph: no gradient flows through it. Shares the data, so an
   * {@link assign} to either changes both (and counts as a write to both).
   */
  detach(): Tensor {
    return engineTensor(this.data, this._shape);
  }
  /**
   * Writes new values into this leaf in place, outside the graph: see {@link assign}.
   * @returns this tensor.
   */
  assign(value: AssignValue): Tensor {
    return assignValues('assign', this, value);
  }
  /**
   * Registers a function that every backward pass calls with this tensor's gradient once it is
   * complete, before it flows on (for a leaf, before it is added to `.grad`). The hook may return
   * a tensor of the same shape to use instead; it may keep the gradient it is given, which is
   * then never changed. `handle.remove()` unregisters it.
   */
  registerHook(hook: GradHook): HookHandle {
    return registerHook(this, hook);
  }

  /**
   * Reverse mode from this tensor: accumulates d(this)/d(leaf) into `.grad` of every leaf with
   * `requiresGrad`. A seed (the output cotangent) is required unless the tensor has one element.
   * The graph is freed afterwards unless `{retainGraph: true}`.
   */
  backward(seed?: Tensor | NestedArray, options: BackwardOptions = {}): void {
    runBackward(this, seed, options);
  }
  /**
   * Clears the accumulated gradient. If `backward` made the gradient's array and no one has read
   * `.grad` since, nothing else can refer to the array, so it is kept for reuse by a later result
   * of the same size (the next step's gradient, typically) instead of left to the collector.
   */
  zeroGrad(): void {
    const g = this._grad;
    if (g !== null && privateGrads.delete(g)) recycleData(g.data);
    this._grad = null;
  }

  // Binary ops (NumPy broadcasting; either side may be a number).
  add(b: TensorLike): Tensor { return fn.add(this, b); }
  sub(b: TensorLike): Tensor { return fn.sub(this, b); }
  mul(b: TensorLike): Tensor { return fn.mul(this, b); }
  div(b: TensorLike): Tensor { return fn.div(this, b); }
  pow(b: TensorLike): Tensor { return fn.pow(this, b); }
  maximum(b: TensorLike): Tensor { return fn.maximum(this, b); }
  minimum(b: TensorLike): Tensor { return fn.minimum(this, b); }
  /** atan2(this, x): this tensor is y, the first argument, as in PyTorch's `y.atan2(x)`. */
  atan2(x: TensorLike): Tensor { return fn.atan2(this, x); }
  greater(b: TensorLike): Tensor { return fn.greater(this, b); }
  greaterEqual(b: TensorLike): Tensor { return fn.greaterEqual(this, b); }
  less(b: TensorLike): Tensor { return fn.less(this, b); }
  lessEqual(b: TensorLike): Tensor { return fn.lessEqual(this, b); }
  equal(b: TensorLike): Tensor { return fn.equal(this, b); }
  notEqual(b: TensorLike): Tensor { return fn.notEqual(this, b); }
  /** One-hot rows of these integer indices: shape [...this.shape, depth], with no gradient. */
  oneHot(depth: number): Tensor { return fn.oneHot(this, depth); }
  /**
   * where(this, a, b): a where this condition is nonzero, else b. The tensor is the condition, the
   * first argument of {@link where}, as for every method; PyTorch's `x.where(cond, y)` instead takes
   * the condition as its argument, so write `cond.where(x, y)` for it.
   */
  where(a: TensorLike, b: TensorLike): Tensor { return fn.where(this, a, b); }

  // Unary ops.
  neg(): Tensor { return fn.neg(this); }
  exp(): Tensor { return fn.exp(this); }
  log(): Tensor { return fn.log(this); }
  log1p(): Tensor { return fn.log1p(this); }
  expm1(): Tensor { return fn.expm1(this); }
  sqrt(): Tensor { return fn.sqrt(this); }
  square(): Tensor { return fn.square(this); }
  abs(): Tensor { return fn.abs(this); }
  sin(): Tensor { return fn.sin(this); }
  cos(): Tensor { return fn.cos(this); }
  tan(): Tensor { return fn.tan(this); }
  tanh(): Tensor { return fn.tanh(this); }
  sigmoid(): Tensor { return fn.sigmoid(this); }
  relu(): Tensor { return fn.relu(this); }
  leakyRelu(alpha?: number): Tensor { return fn.leakyRelu(this, alpha); }
  elu(alpha?: number): Tensor { return fn.elu(this, alpha); }
  softplus(): Tensor { return fn.softplus(this); }
  erf(): Tensor { return fn.erf(this); }
  gelu(options?: fn.GeluOptions): Tensor { return fn.gelu(this, options); }
  silu(): Tensor { return fn.silu(this); }
  sinh(): Tensor { return fn.sinh(this); }
  cosh(): Tensor { return fn.cosh(this); }
  asinh(): Tensor { return fn.asinh(this); }
  atan(): Tensor { return fn.atan(this); }
  asin(): Tensor { return fn.asin(this); }
  acos(): Tensor { return fn.acos(this); }
  acosh(): Tensor { return fn.acosh(this); }
  atanh(): Tensor { return fn.atanh(this); }
  log2(): Tensor { return fn.log2(this); }
  log10(): Tensor { return fn.log10(this); }
  reciprocal(): Tensor { return fn.reciprocal(this); }
  rsqrt(): Tensor { return fn.rsqrt(this); }
  clip(lo: number, hi: number): Tensor { return fn.clip(this, lo, hi); }
  sign(): Tensor { return fn.sign(this); }
  floor(): Tensor { return fn.floor(this); }
  ceil(): Tensor { return fn.ceil(this); }
  trunc(): Tensor { return fn.trunc(this); }
  round(decimals?: number): Tensor { return fn.round(this, decimals); }
  isNaN(): Tensor { return fn.isNaN(this); }
  isInf(): Tensor { return fn.isInf(this); }
  isFinite(): Tensor { return fn.isFinite(this); }

  // Reductions.
  sum(axis?: number | readonly number[], keepDims?: boolean): Tensor { return fn.sum(this, axis, keepDims); }
  mean(axis?: number | readonly number[], keepDims?: boolean): Tensor { return fn.mean(this, axis, keepDims); }
  prod(axis?: number | readonly number[], keepDims?: boolean): Tensor { return fn.prod(this, axis, keepDims); }
  variance(axis?: number | readonly number[], keepDims?: boolean, options?: fn.VarianceOptions): Tensor { return fn.variance(this, axis, keepDims, options); }
  std(axis?: number | readonly number[], keepDims?: boolean, options?: fn.VarianceOptions): Tensor { return fn.std(this, axis, keepDims, options); }
  cumsum(axis: number): Tensor { return fn.cumsum(this, axis); }
  cumprod(axis: number): Tensor { return fn.cumprod(this, axis); }
  logCumSumExp(axis: number): Tensor { return fn.logCumSumExp(this, axis); }
  max(axis?: number | readonly number[], keepDims?: boolean): Tensor { return fn.max(this, axis, keepDims); }
  min(axis?: number | readonly number[], keepDims?: boolean): Tensor { return fn.min(this, axis, keepDims); }
  logSumExp(axis?: number | readonly number[], keepDims?: boolean): Tensor { return fn.logSumExp(this, axis, keepDims); }
  norm(axis?: number | readonly number[], keepDims?: boolean, options?: fn.NormOptions): Tensor { return fn.norm(this, axis, keepDims, options); }
  argmax(axis?: number): Tensor { return fn.argmax(this, axis); }
  argmin(axis?: number): Tensor { return fn.argmin(this, axis); }
  softmax(axis?: number): Tensor { return fn.softmax(this, axis); }
  logSoftmax(axis?: number): Tensor { return fn.logSoftmax(this, axis); }

  // Linear algebra.
  matmul(b: Tensor): Tensor { return fn.matmul(this, b); }
  dot(b: Tensor): Tensor { return fn.dot(this, b); }
  outer(b: Tensor): Tensor { return fn.outer(this, b); }
  diagonal(offset?: number, axis1?: number, axis2?: number): Tensor { return fn.diagonal(this, offset, axis1, axis2); }
  /** The sum of a diagonal: core's `matrixTrace` (core's `trace` is the tracing transform). */
  trace(offset?: number, axis1?: number, axis2?: number): Tensor { return fn.matrixTrace(this, offset, axis1, axis2); }
  transpose(perm?: readonly number[]): Tensor { return fn.transpose(this, perm); }
  /** The transpose of a 2-D tensor. */
  get T(): Tensor {
    if (this.rank !== 2) throw new ValueError(`T: needs a 2-D tensor, got shape ${formatShape(this._shape)} (use transpose(perm))`);
    return fn.transpose(this);
  }

  // Shape ops.
  reshape(shape: readonly number[]): Tensor { return fn.reshape(this, shape); }
  flatten(): Tensor { return fn.flatten(this); }
  expandDims(axis: number): Tensor { return fn.expandDims(this, axis); }
  squeeze(axis?: number | readonly number[]): Tensor { return fn.squeeze(this, axis); }
  broadcastTo(shape: readonly number[]): Tensor { return fn.broadcastTo(this, shape); }
  slice(begin: readonly number[], size?: readonly number[]): Tensor { return fn.slice(this, begin, size); }
  gather(indices: Tensor | readonly number[], axis?: number): Tensor { return fn.gather(this, indices, axis); }

  // Convolution and pooling, this tensor being the input x [N, C, H, W].
  conv2d(w: Tensor, options?: fn.Conv2dOptions): Tensor { return fn.conv2d(this, w, options); }
  maxPool2d(options: fn.Pool2dOptions): Tensor { return fn.maxPool2d(this, options); }
  avgPool2d(options: fn.Pool2dOptions): Tensor { return fn.avgPool2d(this, options); }
}

// What console.log and util.inspect show in Node: the same text as toString(), not the engine's
// fields. Defined on the prototype by its registered symbol, which needs no import of node:util.
Object.defineProperty(Tensor.prototype, Symbol.for('nodejs.util.inspect.custom'), {
  value(this: Tensor): string {
    return formatTensor(this);
  },
});

/** Backward options: keep the graph for a second pass, or record the backward pass itself. */
export type { BackwardOptions };

/** Whether a value is a Tensor. */
export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

/** Throws a GradError unless `t` has one element; used where a scalar is required. */
export function requireScalar(op: string, t: Tensor): void {
  if (t.size !== 1) throw new GradError(`${op}: needs a scalar (size-1) output, got shape ${formatShape(t._shape)}`);
}

/**
 * The gradient of `t` (what `t.grad` returns), for code that reads or updates it in place and
 * keeps no reference to it or its data after returning: an optimizer's step, gradient clipping.
 * Unlike reading `.grad`, borrowing leaves `zeroGrad` free to reuse the array for a later result.
 */
export function borrowGrad(t: Tensor): Tensor | null {
  return t._grad;
}
