/**
 * A deliberately naive reference for the fuzz suite: n-dimensional arrays as a shape and a plain
 * number[] (row-major), read element by element through explicit multi-indices. Nothing here uses
 * adjoint's kernels or shape helpers, so an answer computed here is an independent opinion of what
 * NumPy would return (or whether NumPy would raise).
 *
 * Each reference op returns an `Nd` (the expected result) or a `Reject` (the call must throw an
 * AdjointError naming the op). Where adjoint documents a stricter rule than NumPy (no negative
 * gather indices, clip needs lo ≤ hi, …) the reference follows adjoint and says so in a comment.
 */

import { digammaRef, gammalnRef } from './reference-gamma';

/** An n-dimensional array: shape and row-major data. */
export interface Nd {
  readonly shape: number[];
  readonly data: number[];
}

/** The call must be refused; `why` is for the reader of a counterexample. */
export interface Reject {
  readonly reject: string;
}

export type Ref = Nd | Reject;

export const reject = (why: string): Reject => ({ reject: why });
export const isReject = (r: Ref): r is Reject => 'reject' in r;

export function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Every multi-index of `shape`, row-major (one empty index for a scalar, none for an empty array). */
export function multiIndices(shape: readonly number[]): number[][] {
  const n = size(shape);
  const out: number[][] = [];
  const idx = shape.map(() => 0);
  for (let k = 0; k < n; k++) {
    out.push(idx.slice());
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]!++;
      if (idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** The flat position of a multi-index. */
export function offset(shape: readonly number[], idx: readonly number[]): number {
  let off = 0;
  for (let d = 0; d < shape.length; d++) off = off * shape[d]! + idx[d]!;
  return off;
}

export function get(a: Nd, idx: readonly number[]): number {
  return a.data[offset(a.shape, idx)]!;
}

/** An array of `shape` whose element at each multi-index is `f(index)`. */
export function build(shape: readonly number[], f: (idx: number[]) => number): Nd {
  return { shape: [...shape], data: multiIndices(shape).map(f) };
}

/** Any value as text (symbols included), for rejection reasons. */
export const show = (v: unknown): string => (typeof v === 'symbol' ? 'a symbol' : Array.isArray(v) ? `[${v.map(show).join(', ')}]` : String(v));

export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** NumPy broadcasting of any number of shapes, or null when they clash. */
export function broadcast(shapes: readonly (readonly number[])[]): number[] | null {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d === 1) continue;
      if (dim !== 1 && dim !== d) return null;
      dim = d;
    }
    out.push(dim);
  }
  return out;
}

/** Element of `a` seen at index `outIdx` of a broadcast result of rank `outIdx.length`. */
export function bget(a: Nd, outIdx: readonly number[]): number {
  const lead = outIdx.length - a.shape.length;
  const idx = a.shape.map((d, i) => (d === 1 ? 0 : outIdx[lead + i]!));
  return get(a, idx);
}

/**
 * What `tensor()` makes of a JavaScript value, or null when it is not tensor data: a number is a
 * scalar, a nested array of numbers has the shape of its nesting (ragged → null).
 */
export function fromValue(v: unknown): Nd | null {
  if (typeof v === 'number') return { shape: [], data: [v] };
  if (!Array.isArray(v)) return null;
  const shape: number[] = [];
  let level: unknown = v;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  const data: number[] = [];
  const walk = (x: unknown, depth: number): boolean => {
    if (depth === shape.length) {
      if (typeof x !== 'number') return false;
      data.push(x);
      return true;
    }
    if (!Array.isArray(x) || x.length !== shape[depth]) return false;
    for (let i = 0; i < x.length; i++) if (!(i in x) || !walk(x[i], depth + 1)) return false;
    return true;
  };
  return walk(v, 0) ? { shape, data } : null;
}

/** An axis in [−rank, rank) as a non-negative axis, or null. */
export function normAxis(axis: unknown, rank: number): number | null {
  if (!isInt(axis) || axis < -rank || axis >= rank) return null;
  return axis < 0 ? axis + rank : axis;
}

/** Axes to reduce: undefined/null = all; a number; a list without repeats. Null when invalid. */
export function normAxes(axis: unknown, rank: number): number[] | null {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  if (!Array.isArray(list)) return null;
  const out: number[] = [];
  for (const a of list) {
    const n = normAxis(a, rank);
    if (n === null || out.includes(n)) return null;
    out.push(n);
  }
  return out.sort((x, y) => x - y);
}

// ── Elementwise ─────────────────────────────────────────────────────────────────────────────────

export function map(x: Nd, f: (v: number) => number): Nd {
  return { shape: [...x.shape], data: x.data.map(f) };
}

export function zipN(args: readonly Nd[], f: (...v: number[]) => number): Ref {
  const shape = broadcast(args.map((a) => a.shape));
  if (shape === null) return reject(`shapes ${args.map((a) => JSON.stringify(a.shape)).join(' ')} do not broadcast`);
  return build(shape, (idx) => f(...args.map((a) => bget(a, idx))));
}

// ── Reductions ──────────────────────────────────────────────────────────────────────────────────

/**
 * Reduces `axes` of `x` with a function of the list of reduced values (in row-major order).
 * `needsElements`: NumPy's max/min raise on an empty reduction ("zero-size array … no identity").
 */
export function reduce(x: Nd, axis: unknown, keepDims: boolean, f: (values: number[]) => number, needsElements = false): Ref {
  const axes = normAxes(axis, x.shape.length);
  if (axes === null) return reject(`bad axis ${show(axis)} for rank ${x.shape.length}`);
  if (needsElements && axes.some((a) => x.shape[a] === 0)) return reject('empty reduction has no identity');
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const groups = new Map<number, number[]>();
  for (const idx of multiIndices(x.shape)) {
    const key = offset(keptShape, idx.map((v, i) => (axes.includes(i) ? 0 : v)));
    const list = groups.get(key) ?? [];
    list.push(get(x, idx));
    groups.set(key, list);
  }
  const kept = build(keptShape, (idx) => f(groups.get(offset(keptShape, idx)) ?? []));
  return keepDims ? kept : { shape: x.shape.filter((_, i) => !axes.includes(i)), data: kept.data };
}

export const sumOf = (v: number[]): number => v.reduce((a, b) => a + b, 0);
export const maxOf = (v: number[]): number => (v.some((x) => x !== x) ? NaN : Math.max(...v));
export const minOf = (v: number[]): number => (v.some((x) => x !== x) ? NaN : Math.min(...v));
/** log Σ exp, shifted by the maximum (scipy's logsumexp; −∞ for no elements). */
export function logSumExpOf(v: number[]): number {
  const m = maxOf(v);
  if (v.length === 0) return -Infinity;
  if (!Number.isFinite(m)) return m;
  return m + Math.log(sumOf(v.map((x) => Math.exp(x - m))));
}
/** The Euclidean norm without overflow or underflow in the squares (as core's norm); NaN if any is NaN. */
export const normOf = (v: number[]): number => (v.some((x) => x !== x) ? NaN : Math.hypot(...v));
export const meanOf = (v: number[]): number => sumOf(v) / v.length;

/** Index of the first largest (sign 1) or smallest (sign −1) value; the first NaN wins (NumPy). */
export function argOf(v: number[], sign: 1 | -1): number {
  let best = 0;
  for (let i = 0; i < v.length; i++) {
    if (v[i] !== v[i]) return i;
    if (sign * v[i]! > sign * v[best]!) best = i;
  }
  return best;
}

export function argReduce(x: Nd, axis: unknown, sign: 1 | -1): Ref {
  if (axis === undefined || axis === null) {
    if (x.data.length === 0) return reject('argmax of an empty array');
    return { shape: [], data: [argOf(x.data, sign)] };
  }
  // NumPy raises for any axis of a 0-d array.
  const a = normAxis(axis, x.shape.length);
  if (a === null) return reject(`bad axis ${show(axis)}`);
  if (x.shape[a] === 0) return reject('argmax over an empty axis');
  return reduce(x, a, false, (v) => argOf(v, sign));
}

/** softmax / logSoftmax along one axis (default −1), by the max-shifted formula. */
export function softmaxRef(x: Nd, axisArg: unknown, log: boolean): Ref {
  const axis = axisArg === undefined ? -1 : axisArg;
  if (x.shape.length === 0) return reject('softmax of a scalar');
  const a = normAxis(axis, x.shape.length);
  if (a === null) return reject(`bad axis ${show(axis)}`);
  // x − m − log Σ exp(x − m), not x − logSumExp(x): m + log(…) rounds away the log when |m| is huge.
  const max = reduce(x, a, true, maxOf) as Nd;
  const logSumShifted = reduce(x, a, true, (v) => {
    const m = maxOf(v);
    return Number.isFinite(m) ? Math.log(sumOf(v.map((e) => Math.exp(e - m)))) : 0;
  }) as Nd;
  return build(x.shape, (idx) => {
    const at = idx.map((k, i) => (i === a ? 0 : k));
    const v = get(x, idx) - get(max, at) - get(logSumShifted, at);
    return log ? v : Math.exp(v);
  });
}

/**
 * −log softmax(z)[label] per row of the last axis (tf.nn.sparse_softmax_cross_entropy_with_logits);
 * labels must be integers in range, of z's shape without its last axis (which has a class or more).
 */
export function softmaxCrossEntropyRef(z: Nd, labels: Nd, options: unknown): Ref {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) return reject('options not an object');
  const reduction = (options as { reduction?: unknown } | undefined)?.reduction ?? 'none';
  if (options !== undefined && (options as { reduction?: unknown }).reduction === null) return reject('bad reduction');
  if (reduction !== 'none' && reduction !== 'mean' && reduction !== 'sum') return reject('bad reduction');
  const rows = crossEntropyRows(z, labels);
  if (isReject(rows)) return rows;
  const logp = softmaxRef(z, -1, true) as Nd;
  const losses = build(labels.shape, (i) => -get(logp, [...i, get(labels, i)]));
  if (reduction === 'none') return losses;
  const total = sumOf(losses.data);
  return { shape: [], data: [reduction === 'mean' ? total / losses.data.length : total] };
}

/** g·(softmax(z) − onehot(label)) per row of the last axis, for g of the labels' shape. */
export function softmaxCrossEntropyGradRef(g: Nd, z: Nd, labels: Nd): Ref {
  const rows = crossEntropyRows(z, labels);
  if (isReject(rows)) return rows;
  const scalar = g.shape.length === 0;
  if (!scalar && (g.shape.length !== labels.shape.length || g.shape.some((d, i) => d !== labels.shape[i]))) return reject("g is neither a scalar nor of the labels' shape");
  const logp = softmaxRef(z, -1, true) as Nd;
  return build(z.shape, (idx) => {
    const row = idx.slice(0, -1);
    return (scalar ? g.data[0]! : get(g, row)) * (Math.exp(get(logp, idx)) - (get(labels, row) === idx[idx.length - 1] ? 1 : 0));
  });
}

function crossEntropyRows(z: Nd, labels: Nd): Ref {
  const classes = z.shape[z.shape.length - 1];
  if (classes === undefined || classes === 0) return reject('no classes');
  const batch = z.shape.slice(0, -1);
  if (labels.shape.length !== batch.length || labels.shape.some((d, i) => d !== batch[i])) return reject('labels do not fit the logits');
  if (labels.data.some((v) => !isInt(v) || v < 0 || v >= classes)) return reject('label out of range');
  return labels;
}

// ── Linear algebra ──────────────────────────────────────────────────────────────────────────────

function swapLast(x: Nd): Nd {
  const r = x.shape.length;
  const shape = [...x.shape.slice(0, -2), x.shape[r - 1]!, x.shape[r - 2]!];
  return build(shape, (idx) => get(x, [...idx.slice(0, -2), idx[r - 1]!, idx[r - 2]!]));
}

/** NumPy matmul: 1-D operands promoted and the promoted axis removed, batch axes broadcast. */
export function matmulRef(a: Nd, b: Nd): Ref {
  if (a.shape.length === 0 || b.shape.length === 0) return reject('matmul of a scalar');
  const a2 = a.shape.length === 1 ? { shape: [1, a.shape[0]!], data: a.data } : a;
  const b2 = b.shape.length === 1 ? { shape: [b.shape[0]!, 1], data: b.data } : b;
  const out = batchedProduct(a2, b2);
  if (isReject(out)) return out;
  const shape = out.shape.slice(0, -2);
  if (a.shape.length > 1) shape.push(out.shape[out.shape.length - 2]!);
  if (b.shape.length > 1) shape.push(out.shape[out.shape.length - 1]!);
  return { shape, data: out.data };
}

/** op(A)·op(B) for operands of rank ≥ 2, op transposing the last two axes when asked. */
export function matmulWithRef(a: Nd, b: Nd, transA: boolean, transB: boolean): Ref {
  if (a.shape.length < 2 || b.shape.length < 2) return reject('matmulWith needs rank ≥ 2');
  return batchedProduct(transA ? swapLast(a) : a, transB ? swapLast(b) : b);
}

function batchedProduct(a: Nd, b: Nd): Ref {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [m, k] = [a.shape[ra - 2]!, a.shape[ra - 1]!];
  const [k2, n] = [b.shape[rb - 2]!, b.shape[rb - 1]!];
  if (k !== k2) return reject(`inner dimensions ${k} vs ${k2}`);
  const batch = broadcast([a.shape.slice(0, -2), b.shape.slice(0, -2)]);
  if (batch === null) return reject('batch axes do not broadcast');
  const batchOf = (x: Nd, idx: number[]): number[] => {
    const own = x.shape.slice(0, -2);
    const lead = idx.length - own.length;
    return own.map((d, i) => (d === 1 ? 0 : idx[lead + i]!));
  };
  return build([...batch, m, n], (idx) => {
    const bi = idx.slice(0, -2);
    const [i, j] = [idx[idx.length - 2]!, idx[idx.length - 1]!];
    let s = 0;
    for (let p = 0; p < k; p++) s += get(a, [...batchOf(a, bi), i, p]) * get(b, [...batchOf(b, bi), p, j]);
    return s;
  });
}

/** NumPy outer: both operands flattened. */
export function outerRef(a: Nd, b: Nd): Nd {
  return build([a.data.length, b.data.length], ([i, j]) => a.data[i!]! * b.data[j!]!);
}

/** Axis permutation; undefined/null reverses; a negative entry counts from the end (NumPy's transpose). */
export function transposeRef(x: Nd, perm: unknown): Ref {
  const r = x.shape.length;
  const p = perm === undefined || perm === null ? x.shape.map((_, i) => r - 1 - i) : perm;
  if (!Array.isArray(p) || p.length !== r) return reject('perm length');
  const seen = new Set<number>();
  const perm2: number[] = [];
  for (const v of p) {
    const axis = isInt(v) && v < 0 ? v + r : v;
    if (!isInt(axis) || axis < 0 || axis >= r || seen.has(axis)) return reject(`bad perm entry ${show(v)}`);
    seen.add(axis);
    perm2.push(axis);
  }
  return build(perm2.map((q) => x.shape[q]!), (idx) => {
    const src = new Array<number>(r);
    perm2.forEach((q, d) => (src[q] = idx[d]!));
    return get(x, src);
  });
}

// ── Shape ───────────────────────────────────────────────────────────────────────────────────────

/** NumPy reshape: non-negative integers and at most one −1 (not inferable next to a zero). */
export function reshapeRef(x: Nd, target: unknown): Ref {
  if (!Array.isArray(target)) return reject('shape is not a list');
  const unknown = target.filter((d) => d === -1).length;
  const known = target.filter((d) => d !== -1);
  if (unknown > 1 || !known.every((d) => isInt(d) && d >= 0)) return reject('bad target entries');
  const n = x.data.length;
  const knownSize = size(known as number[]);
  let shape: number[];
  if (unknown === 1) {
    if (knownSize === 0 || n % knownSize !== 0) return reject('cannot infer −1');
    shape = target.map((d) => (d === -1 ? n / knownSize : d));
  } else {
    if (knownSize !== n) return reject('element count differs');
    shape = [...(target as number[])];
  }
  return { shape, data: [...x.data] };
}

export function expandDimsRef(x: Nd, axis: unknown): Ref {
  const r = x.shape.length;
  const a = normAxis(axis, r + 1);
  if (a === null) return reject(`bad axis ${show(axis)}`);
  return { shape: [...x.shape.slice(0, a), 1, ...x.shape.slice(a)], data: [...x.data] };
}

/** undefined/null: every size-1 axis; otherwise the listed axes, which must have size 1. */
export function squeezeRef(x: Nd, axis: unknown): Ref {
  let axes: number[] | null;
  if (axis === undefined || axis === null) axes = x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  else axes = normAxes(axis, x.shape.length);
  if (axes === null) return reject(`bad axis ${show(axis)}`);
  if (axes.some((a) => x.shape[a] !== 1)) return reject('squeezed axis is not of size 1');
  return { shape: x.shape.filter((_, i) => !axes.includes(i)), data: [...x.data] };
}

export function broadcastToRef(x: Nd, target: unknown): Ref {
  if (!Array.isArray(target) || !target.every((d) => isInt(d) && d >= 0)) return reject('bad target');
  const t = target as number[];
  if (t.length < x.shape.length) return reject('target rank too small');
  const lead = t.length - x.shape.length;
  if (!x.shape.every((d, i) => d === 1 || d === t[lead + i])) return reject('not broadcastable');
  return build(t, (idx) => bget(x, idx));
}

/**
 * tf.slice semantics (documented): begin ≥ 0 integers, size ≥ 0 or −1 for "to the end", one entry
 * per axis, the box inside the array. undefined/null size means everything after begin.
 */
export function sliceRef(x: Nd, begin: unknown, sizeArg: unknown): Ref {
  const r = x.shape.length;
  const sz = sizeArg === undefined || sizeArg === null ? x.shape.map(() => -1) : sizeArg;
  if (!Array.isArray(begin) || !Array.isArray(sz) || begin.length !== r || sz.length !== r) return reject('one entry per axis');
  const b = begin as unknown[];
  const n: number[] = [];
  for (let d = 0; d < r; d++) {
    const bd = b[d];
    const sd = sz[d] === -1 && isInt(bd) ? x.shape[d]! - bd : sz[d];
    if (!isInt(bd) || !isInt(sd) || bd < 0 || sd < 0 || bd + sd > x.shape[d]!) return reject(`axis ${d} out of range`);
    n.push(sd);
  }
  return build(n, (idx) => get(x, idx.map((v, d) => v + (b[d] as number))));
}

/** Zeros of `shape` with x written at `begin` (the inverse box of slice). */
export function padRef(x: Nd, begin: unknown, shape: unknown): Ref {
  const r = x.shape.length;
  if (!Array.isArray(shape) || !shape.every((d) => isInt(d) && d >= 0)) return reject('bad shape');
  if (!Array.isArray(begin) || begin.length !== r || shape.length !== r) return reject('one entry per axis');
  const s = shape as number[];
  const b = begin as unknown[];
  for (let d = 0; d < r; d++) {
    const bd = b[d];
    if (!isInt(bd) || bd < 0 || bd + x.shape[d]! > s[d]!) return reject(`axis ${d} out of range`);
  }
  return build(s, (idx) => {
    const inner = idx.map((v, d) => v - (b[d] as number));
    return inner.every((v, d) => v >= 0 && v < x.shape[d]!) ? get(x, inner) : 0;
  });
}

/** x with each ys[i] added, in order, into its box at begins[i]: x's own values outside the boxes. */
export function addIntoSlicesRef(x: Nd, ys: readonly Nd[], begins: unknown): Ref {
  const r = x.shape.length;
  if (!Array.isArray(begins) || begins.length !== ys.length) return reject('one begin per y');
  for (let i = 0; i < ys.length; i++) {
    const b = begins[i] as unknown;
    if (!Array.isArray(b) || b.length !== r || ys[i]!.shape.length !== r) return reject('one entry per axis');
    for (let d = 0; d < r; d++) {
      const bd = b[d] as unknown;
      if (!isInt(bd) || bd < 0 || bd + ys[i]!.shape[d]! > x.shape[d]!) return reject(`axis ${d} out of range`);
    }
  }
  return build(x.shape, (idx) => {
    let v = get(x, idx);
    ys.forEach((y, i) => {
      const inner = idx.map((p, d) => p - (begins[i] as number[])[d]!);
      if (inner.every((p, d) => p >= 0 && p < y.shape[d]!)) v += get(y, inner);
    });
    return v;
  });
}

/** NumPy concatenate (0-d arrays cannot be joined). */
export function concatRef(list: readonly Nd[], axisArg: unknown): Ref {
  if (list.length === 0) return reject('empty list');
  const axis = axisArg === undefined ? 0 : axisArg;
  const first = list[0]!.shape;
  if (first.length === 0) return reject('cannot join scalars');
  const a = normAxis(axis, first.length);
  if (a === null) return reject(`bad axis ${show(axis)}`);
  for (const t of list) {
    if (t.shape.length !== first.length || t.shape.some((d, i) => i !== a && d !== first[i])) return reject('shapes differ');
  }
  const total = list.reduce((s, t) => s + t.shape[a]!, 0);
  const starts: number[] = [];
  list.reduce((s, t) => (starts.push(s), s + t.shape[a]!), 0);
  return build(first.map((d, i) => (i === a ? total : d)), (idx) => {
    let k = list.length - 1;
    while (starts[k]! > idx[a]!) k--;
    return get(list[k]!, idx.map((v, i) => (i === a ? v - starts[k]! : v)));
  });
}

/**
 * NumPy split along an axis, seen through the fuzz spec's check: the pieces joined again with piece
 * k scaled by k + 1, so that each element's piece shows in its value. `sections` is a whole number
 * dividing the axis's size, or indices running upward from 0 to the size (stricter than NumPy,
 * which also takes them unsorted, negative or past the end).
 */
export function splitScaledRef(x: Nd, sections: unknown, axisArg: unknown): Ref {
  if (x.shape.length === 0) return reject('cannot split a scalar');
  const a = normAxis(axisArg === undefined ? 0 : axisArg, x.shape.length);
  if (a === null) return reject(`bad axis ${show(axisArg)}`);
  const size = x.shape[a]!;
  let bounds: number[];
  if (typeof sections === 'number') {
    if (!isInt(sections) || sections < 1 || sections > Math.max(size, 1) || size % sections !== 0) return reject(`${show(sections)} sections do not divide ${size}`);
    bounds = Array.from({ length: sections + 1 }, (_, i) => (i * size) / sections);
  } else if (Array.isArray(sections) && sections.every((c, i) => isInt(c) && c >= (i === 0 ? 0 : (sections[i - 1] as number)) && c <= size)) {
    bounds = [0, ...(sections as number[]), size];
  } else {
    return reject(`bad indices ${show(sections)}`);
  }
  return build(x.shape, (idx) => {
    let k = 0;
    while (bounds[k + 1]! <= idx[a]!) k++;
    return get(x, idx) * (k + 1);
  });
}

/** NumPy stack: one shape for all, a new axis in [−(rank+1), rank]. */
export function stackRef(list: readonly Nd[], axisArg: unknown): Ref {
  if (list.length === 0) return reject('empty list');
  const axis = axisArg === undefined ? 0 : axisArg;
  const first = list[0]!.shape;
  if (list.some((t) => t.shape.length !== first.length || t.shape.some((d, i) => d !== first[i]))) return reject('shapes differ');
  const a = normAxis(axis, first.length + 1);
  if (a === null) return reject(`bad axis ${show(axis)}`);
  return build([...first.slice(0, a), list.length, ...first.slice(a)], (idx) => get(list[idx[a]!]!, idx.filter((_, i) => i !== a)));
}

// ── Indexing ────────────────────────────────────────────────────────────────────────────────────

/**
 * np.take(x, indices, axis) — except that adjoint (like PyTorch's index_select) rejects negative
 * indices instead of counting them from the end; non-integer and too-large ones are errors in both.
 */
export function gatherRef(x: Nd, idx: Nd, axisArg: unknown): Ref {
  const axis = axisArg === undefined ? 0 : axisArg;
  if (x.shape.length === 0) return reject('cannot index a scalar');
  const a = normAxis(axis, x.shape.length);
  if (a === null) return reject(`bad axis ${show(axis)}`);
  if (idx.data.some((v) => !isInt(v) || v < 0 || v >= x.shape[a]!)) return reject('index out of range');
  const shape = [...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)];
  const ir = idx.shape.length;
  return build(shape, (o) => {
    const j = get(idx, o.slice(a, a + ir));
    return get(x, [...o.slice(0, a), j, ...o.slice(a + ir)]);
  });
}

/** np.add.at into zeros: out has `dim` entries on `axis`, values hold indices.shape there. */
export function scatterAddRef(values: Nd, idx: Nd, axis: unknown, dim: unknown): Ref {
  const outRank = values.shape.length - idx.shape.length + 1;
  if (outRank < 1) return reject('indices have more axes than values');
  const a = normAxis(axis, outRank);
  if (a === null) return reject(`bad axis ${show(axis)}`);
  if (!isInt(dim) || dim < 0) return reject('bad dim');
  if (!idx.shape.every((d, i) => values.shape[a + i] === d)) return reject('values do not hold the indices');
  if (idx.data.some((v) => !isInt(v) || v < 0 || v >= dim)) return reject('index out of range');
  const ir = idx.shape.length;
  const shape = [...values.shape.slice(0, a), dim, ...values.shape.slice(a + ir)];
  const out = build(shape, () => 0);
  for (const vi of multiIndices(values.shape)) {
    const j = get(idx, vi.slice(a, a + ir));
    out.data[offset(shape, [...vi.slice(0, a), j, ...vi.slice(a + ir)])]! += get(values, vi);
  }
  return out;
}

/** Rows of `depth` zeros with a one at each index; adjoint rejects indices outside [0, depth). */
export function oneHotRef(idx: Nd, depth: unknown): Ref {
  if (!isInt(depth) || depth <= 0) return reject('bad depth');
  if (idx.data.some((v) => !isInt(v) || v < 0 || v >= depth)) return reject('index out of range');
  return build([...idx.shape, depth], (o) => (get(idx, o.slice(0, -1)) === o[o.length - 1] ? 1 : 0));
}

// ── Convolution and pooling ─────────────────────────────────────────────────────────────────────
// PyTorch's conv2d (no bias), max_pool2d and avg_pool2d (count_include_pad) on [N, C, H, W], read
// element by element. adjoint, like PyTorch's pooling, refuses an empty axis other than the batch
// (for conv2d too) and a window or kernel larger than the padded input.

/** An option's value, or `fallback` when it is absent (undefined); null when `options` is not an options object. */
function optionsRecord(options: unknown, known: readonly string[]): Record<string, unknown> | null {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return null;
  if (Object.keys(options).some((k) => !known.includes(k))) return null;
  return options as Record<string, unknown>;
}

/** A rejection, from a helper that returns something other than an Nd when it accepts. */
const refused = (v: object): v is Reject => 'reject' in v;

const isCountRef = (v: unknown, min: number): v is number => isInt(v) && v >= min;

/** A size option: an integer ≥ min for both axes, or a pair of them; null otherwise. */
function sizePair(v: unknown, min: number): [number, number] | null {
  if (isCountRef(v, min)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && isCountRef(v[0], min) && isCountRef(v[1], min)) return [v[0], v[1]];
  return null;
}

/** An internal attribute: exactly `length` integers ≥ min. */
const countsOf = (v: unknown, length: number, min: number): v is number[] => Array.isArray(v) && v.length === length && v.every((e) => isCountRef(e, min));

/** conv2d's geometry in the ops' terms: stride, padding [top, bottom, left, right], dilation, groups. */
interface ConvRefAttrs {
  stride: [number, number];
  padding: [number, number, number, number];
  dilation: [number, number];
  groups: number;
}

/** The ops' attribute objects (conv2dInputGrad, conv2dWeightGrad), checked; null when malformed. */
function convAttrsOf(a: unknown, withSize: boolean): (ConvRefAttrs & { size: [number, number] }) | null {
  if (a === null || typeof a !== 'object') return null;
  const r = a as Record<string, unknown>;
  if (!countsOf(r.stride, 2, 1) || !countsOf(r.padding, 4, 0) || !countsOf(r.dilation, 2, 1) || !isCountRef(r.groups, 1)) return null;
  if (withSize && !countsOf(r.size, 2, 1)) return null;
  return {
    stride: [r.stride[0]!, r.stride[1]!],
    padding: [r.padding[0]!, r.padding[1]!, r.padding[2]!, r.padding[3]!],
    dilation: [r.dilation[0]!, r.dilation[1]!],
    groups: r.groups,
    size: withSize ? [(r.size as number[])[0]!, (r.size as number[])[1]!] : [0, 0],
  };
}

/** Output size of one axis, or null when the (dilated) kernel does not fit in the padded input. */
function convOut(size: number, before: number, after: number, k: number, d: number, s: number): number | null {
  const span = d * (k - 1) + 1;
  if (span > size + before + after) return null;
  return Math.floor((size + before + after - span) / s) + 1;
}

/** The conv2d of x [N, C, H, W] and w [O, C/groups, kH, kW] shapes, or the reason it is refused. */
function convShapes(xs: readonly number[], ws: readonly number[], a: ConvRefAttrs): { oh: number; ow: number } | Reject {
  if (xs.length !== 4 || ws.length !== 4) return reject('conv2d needs rank 4');
  const [, c, h, w] = xs as [number, number, number, number];
  const [o, cg, kh, kw] = ws as [number, number, number, number];
  if (c < 1 || h < 1 || w < 1) return reject('an empty channel, row or column axis');
  if (o < 1 || cg < 1 || kh < 1 || kw < 1) return reject('an empty kernel axis');
  if (c % a.groups !== 0 || o % a.groups !== 0) return reject('channels not divisible by groups');
  if (cg * a.groups !== c) return reject("w's input channels are not C / groups");
  const oh = convOut(h, a.padding[0], a.padding[1], kh, a.dilation[0], a.stride[0]);
  const ow = convOut(w, a.padding[2], a.padding[3], kw, a.dilation[1], a.stride[1]);
  if (oh === null || ow === null) return reject('the kernel is larger than the padded input');
  return { oh, ow };
}

/** x[n, c, row, col], 0 outside the image (zero padding). */
function padded(x: Nd, n: number, c: number, row: number, col: number): number {
  return row < 0 || col < 0 || row >= x.shape[2]! || col >= x.shape[3]! ? 0 : get(x, [n, c, row, col]);
}

/** Σ_{c, ki, kj} w[o, c, ki, kj] · xpad[n, group's channel c, i·sH + ki·dH − top, j·sW + kj·dW − left]. */
function convApply(x: Nd, w: Nd, a: ConvRefAttrs, oh: number, ow: number): Nd {
  const [n, , , ] = x.shape;
  const [o, cg, kh, kw] = w.shape as [number, number, number, number];
  const og = o / a.groups;
  return build([n!, o, oh, ow], ([b, oc, i, j]) => {
    const group = Math.floor(oc! / og);
    let s = 0;
    for (let c = 0; c < cg; c++) {
      for (let ki = 0; ki < kh; ki++) {
        for (let kj = 0; kj < kw; kj++) {
          const row = i! * a.stride[0] + ki * a.dilation[0] - a.padding[0];
          const col = j! * a.stride[1] + kj * a.dilation[1] - a.padding[2];
          s += get(w, [oc!, c, ki, kj]) * padded(x, b!, group * cg + c, row, col);
        }
      }
    }
    return s;
  });
}

/**
 * conv2d(x, w, options) with PyTorch's options (padding 'same' puts an odd extra row or column
 * after), and with `bias` (the option's tensor, given here as an Nd) b[o] added to channel o.
 */
export function conv2dRef(x: Nd, w: Nd, options: unknown, bias?: Nd): Ref {
  const opts = optionsRecord(options, ['stride', 'padding', 'dilation', 'groups', 'bias']);
  if (opts === null) return reject('options');
  if (opts.bias !== undefined && bias === undefined) return reject('a bias that is not a tensor');
  const stride = sizePair(opts.stride === undefined ? 1 : opts.stride, 1);
  const dilation = sizePair(opts.dilation === undefined ? 1 : opts.dilation, 1);
  const groups = opts.groups === undefined ? 1 : opts.groups;
  if (stride === null || dilation === null || !isCountRef(groups, 1)) return reject('bad stride, dilation or groups');
  const pad = opts.padding === undefined ? 0 : opts.padding;
  let padding: [number, number, number, number];
  if (pad === 'valid') padding = [0, 0, 0, 0];
  else if (pad === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) return reject("'same' with a stride");
    if (w.shape.length !== 4) return reject('conv2d needs rank 4');
    const rows = dilation[0] * (w.shape[2]! - 1);
    const cols = dilation[1] * (w.shape[3]! - 1);
    padding = [Math.floor(rows / 2), Math.ceil(rows / 2), Math.floor(cols / 2), Math.ceil(cols / 2)];
  } else {
    const p = sizePair(pad, 0);
    if (p === null) return reject('bad padding');
    padding = [p[0], p[0], p[1], p[1]];
  }
  const a = { stride, padding, dilation, groups };
  const out = convShapes(x.shape, w.shape, a);
  if (refused(out)) return out;
  const y = convApply(x, w, a, out.oh, out.ow);
  if (bias === undefined) return y;
  if (bias.shape.length !== 1 || bias.shape[0] !== w.shape[0]) return reject('the bias is not [O]');
  return build(y.shape, (idx) => get(y, idx) + get(bias, [idx[1]!]));
}

/** conv2d's bias adjoint: g [N, O, H', W'] summed per channel over samples and positions, [O]. */
export function conv2dBiasGradRef(g: Nd): Ref {
  if (g.shape.length !== 4) return reject('rank 4');
  const [n, o, h, w] = g.shape as [number, number, number, number];
  return build([o], ([c]) => {
    let s = 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) s += get(g, [b, c!, i, j]);
    return s;
  });
}

/**
 * conv2d's adjoint in x: x̄[n, c, r, q] = Σ over the taps (ki, kj) and output positions (i, j) that
 * read x[n, c, r, q] of Σ_o g[n, o, i, j]·w[o, c, ki, kj], for an input of [N, C, size[0], size[1]].
 */
export function conv2dInputGradRef(g: Nd, w: Nd, attrs: unknown): Ref {
  const a = convAttrsOf(attrs, true);
  if (a === null) return reject('bad attributes');
  if (g.shape.length !== 4 || w.shape.length !== 4) return reject('rank 4');
  const [o, cg, kh, kw] = w.shape as [number, number, number, number];
  const xs = [g.shape[0]!, cg * a.groups, a.size[0], a.size[1]];
  const out = convShapes(xs, w.shape, a);
  if (refused(out)) return out;
  if (g.shape[1] !== o || g.shape[2] !== out.oh || g.shape[3] !== out.ow) return reject("g is not conv2d's output");
  const og = o / a.groups;
  return build(xs, ([n, c, r, q]) => {
    const group = Math.floor(c! / cg);
    let s = 0;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const i = (r! + a.padding[0] - ki * a.dilation[0]) / a.stride[0];
        const j = (q! + a.padding[2] - kj * a.dilation[1]) / a.stride[1];
        if (!isInt(i) || !isInt(j) || i < 0 || j < 0 || i >= out.oh || j >= out.ow) continue;
        let tap = 0;
        for (let k = 0; k < og; k++) tap += get(w, [group * og + k, c! - group * cg, ki, kj]) * get(g, [n!, group * og + k, i, j]);
        s += tap;
      }
    }
    return s;
  });
}

/**
 * conv_transpose2d by its definition: y[n, o, r, q] = Σ x[n, c, i, j]·w[c, o, ki, kj] over the c of
 * o's group and the taps with r = i·s − p + ki·d, q = j·s − p + kj·d, plus the bias; summed tap by
 * tap, channels within a tap, the order of the kernel (as conv2dInputGradRef), since inputs as
 * large as 1e300 make the sum's value depend on it.
 */
export function conv2dTransposeRef(x: Nd, w: Nd, options: unknown, bias?: Nd): Ref {
  const opts = optionsRecord(options, ['stride', 'padding', 'outputPadding', 'dilation', 'groups', 'bias']);
  if (opts === null) return reject('options');
  if (opts.bias !== undefined && bias === undefined) return reject('a bias that is not a tensor');
  const stride = sizePair(opts.stride === undefined ? 1 : opts.stride, 1);
  const dilation = sizePair(opts.dilation === undefined ? 1 : opts.dilation, 1);
  const padding = sizePair(opts.padding === undefined ? 0 : opts.padding, 0);
  const extra = sizePair(opts.outputPadding === undefined ? 0 : opts.outputPadding, 0);
  const groups = opts.groups === undefined ? 1 : opts.groups;
  if (stride === null || dilation === null || padding === null || extra === null || !isCountRef(groups, 1)) return reject('bad option');
  if (extra[0] >= Math.max(stride[0], dilation[0]) || extra[1] >= Math.max(stride[1], dilation[1])) return reject('outputPadding not less than the stride or the dilation');
  if (x.shape.length !== 4 || w.shape.length !== 4) return reject('rank 4');
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [wc, og, kh, kw] = w.shape as [number, number, number, number];
  if (wc !== c || c % groups !== 0 || c < 1 || h < 1 || wd < 1 || og < 1 || kh < 1 || kw < 1) return reject('shapes');
  const oh = (h - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + extra[0] + 1;
  const ow = (wd - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + extra[1] + 1;
  if (oh < 1 || ow < 1) return reject('empty output');
  const o = og * groups;
  if (bias !== undefined && (bias.shape.length !== 1 || bias.shape[0] !== o)) return reject('the bias is not [O]');
  const cg = c / groups;
  return build([n, o, oh, ow], ([b, oc, r, q]) => {
    const group = Math.floor(oc! / og);
    let s = 0;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const i = (r! + padding[0] - ki * dilation[0]) / stride[0];
        const j = (q! + padding[1] - kj * dilation[1]) / stride[1];
        if (!isInt(i) || !isInt(j) || i < 0 || j < 0 || i >= h || j >= wd) continue;
        let tap = 0;
        for (let k = 0; k < cg; k++) tap += get(w, [group * cg + k, oc! - group * og, ki, kj]) * get(x, [b!, group * cg + k, i, j]);
        s += tap;
      }
    }
    return bias === undefined ? s : s + get(bias, [oc!]);
  });
}

/** conv2d's adjoint in w: w̄[o, c, ki, kj] = Σ_{n, i, j} g[n, o, i, j]·xpad[n, group's channel c, …], for a kernel of size[0]×size[1]. */
export function conv2dWeightGradRef(x: Nd, g: Nd, attrs: unknown): Ref {
  const a = convAttrsOf(attrs, true);
  if (a === null) return reject('bad attributes');
  if (x.shape.length !== 4 || g.shape.length !== 4) return reject('rank 4');
  const [n, c] = x.shape as [number, number];
  const o = g.shape[1]!;
  const ws = [o, c / a.groups, a.size[0], a.size[1]];
  const out = convShapes(x.shape, ws, a);
  if (refused(out)) return out;
  if (g.shape[0] !== n || g.shape[2] !== out.oh || g.shape[3] !== out.ow) return reject("g is not conv2d's output");
  const cg = c / a.groups;
  const og = o / a.groups;
  return build(ws, ([oc, ci, ki, kj]) => {
    const channel = Math.floor(oc! / og) * cg + ci!;
    let s = 0;
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < out.oh; i++) {
        for (let j = 0; j < out.ow; j++) {
          const row = i * a.stride[0] + ki! * a.dilation[0] - a.padding[0];
          const col = j * a.stride[1] + kj! * a.dilation[1] - a.padding[2];
          s += get(g, [b, oc!, i, j]) * padded(x, b, channel, row, col);
        }
      }
    }
    return s;
  });
}

/** A pooling's window, stride and padding. */
interface PoolRefAttrs {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
}

/** The public pooling options, checked (padding at most half the window); null when refused. */
function poolOptionsOf(options: unknown): PoolRefAttrs | null {
  const opts = optionsRecord(options, ['kernelSize', 'stride', 'padding']);
  if (opts === null) return null;
  const kernel = sizePair(opts.kernelSize, 1);
  if (kernel === null) return null;
  const stride = opts.stride === undefined ? kernel : sizePair(opts.stride, 1);
  const padding = sizePair(opts.padding === undefined ? 0 : opts.padding, 0);
  if (stride === null || padding === null || 2 * padding[0] > kernel[0] || 2 * padding[1] > kernel[1]) return null;
  return { kernel, stride, padding };
}

/** The ops' pooling attributes ({ kernel, stride, padding }, and size for avgPool2dGrad), checked; null when malformed. */
function poolAttrsOf(a: unknown, withSize: boolean): (PoolRefAttrs & { size: [number, number] }) | null {
  if (a === null || typeof a !== 'object') return null;
  const r = a as Record<string, unknown>;
  if (!countsOf(r.kernel, 2, 1) || !countsOf(r.stride, 2, 1) || !countsOf(r.padding, 2, 0)) return null;
  if (2 * r.padding[0]! > r.kernel[0]! || 2 * r.padding[1]! > r.kernel[1]!) return null;
  if (withSize && !countsOf(r.size, 2, 1)) return null;
  return {
    kernel: [r.kernel[0]!, r.kernel[1]!],
    stride: [r.stride[0]!, r.stride[1]!],
    padding: [r.padding[0]!, r.padding[1]!],
    size: withSize ? [(r.size as number[])[0]!, (r.size as number[])[1]!] : [0, 0],
  };
}

/** The pooled shape of `xs`, or the reason it is refused. */
function pooledShapeRef(xs: readonly number[], a: PoolRefAttrs): number[] | Reject {
  if (xs.length !== 4) return reject('pooling needs rank 4');
  const [n, c, h, w] = xs as [number, number, number, number];
  if (c < 1 || h < 1 || w < 1) return reject('an empty channel, row or column axis');
  if (a.kernel[0] > h + 2 * a.padding[0] || a.kernel[1] > w + 2 * a.padding[1]) return reject('the window is larger than the padded input');
  return [n, c, Math.floor((h + 2 * a.padding[0] - a.kernel[0]) / a.stride[0]) + 1, Math.floor((w + 2 * a.padding[1] - a.kernel[1]) / a.stride[1]) + 1];
}

/** The positions [row, col] of the window of output (i, j) that lie inside the image, row-major. */
function windowOf(h: number, w: number, a: PoolRefAttrs, i: number, j: number): [number, number][] {
  const cells: [number, number][] = [];
  for (let r = 0; r < a.kernel[0]; r++) {
    for (let q = 0; q < a.kernel[1]; q++) {
      const row = i * a.stride[0] + r - a.padding[0];
      const col = j * a.stride[1] + q - a.padding[1];
      if (row >= 0 && col >= 0 && row < h && col < w) cells.push([row, col]);
    }
  }
  return cells;
}

/** The window's first NaN, else its first largest value, as [row, col]. */
function argmaxOf(x: Nd, n: number, c: number, cells: [number, number][]): [number, number] {
  const nan = cells.find(([r, q]) => Number.isNaN(get(x, [n, c, r, q])));
  if (nan !== undefined) return nan;
  let best = cells[0]!;
  for (const cell of cells) if (get(x, [n, c, ...cell]) > get(x, [n, c, ...best])) best = cell;
  return best;
}

/** max_pool2d: each window's largest element (the padding is −∞); NaN if the window holds one. */
export function maxPool2dRef(x: Nd, options: unknown): Ref {
  const a = poolOptionsOf(options);
  if (a === null) return reject('bad options');
  const shape = pooledShapeRef(x.shape, a);
  if (refused(shape)) return shape;
  return build(shape, ([n, c, i, j]) => get(x, [n!, c!, ...argmaxOf(x, n!, c!, windowOf(x.shape[2]!, x.shape[3]!, a, i!, j!))]));
}

/** avg_pool2d with count_include_pad: each window's sum over kH·kW (padding counts as zeros). */
export function avgPool2dRef(x: Nd, options: unknown): Ref {
  const a = poolOptionsOf(options);
  if (a === null) return reject('bad options');
  const shape = pooledShapeRef(x.shape, a);
  if (refused(shape)) return shape;
  return build(shape, ([n, c, i, j]) => {
    let s = 0;
    for (const [r, q] of windowOf(x.shape[2]!, x.shape[3]!, a, i!, j!)) s += get(x, [n!, c!, r, q]);
    return s / (a.kernel[0] * a.kernel[1]);
  });
}

/** maxPool2d's adjoint: g added, in zeros of x's shape, at each window's argmax in x. */
export function maxPool2dGradRef(g: Nd, x: Nd, attrs: unknown): Ref {
  const a = poolAttrsOf(attrs, false);
  if (a === null) return reject('bad attributes');
  const shape = pooledShapeRef(x.shape, a);
  if (refused(shape)) return shape;
  if (g.shape.length !== 4 || g.shape.some((d, i) => d !== shape[i])) return reject('g is not the pooled shape');
  const out = build(x.shape, () => 0);
  for (const [n, c, i, j] of multiIndices(shape)) {
    const at = argmaxOf(x, n!, c!, windowOf(x.shape[2]!, x.shape[3]!, a, i!, j!));
    out.data[offset(x.shape, [n!, c!, ...at])]! += get(g, [n!, c!, i!, j!]);
  }
  return out;
}

/** maxPool2d's tangent map: t read at each window's argmax in x. */
export function maxPool2dGatherRef(t: Nd, x: Nd, attrs: unknown): Ref {
  const a = poolAttrsOf(attrs, false);
  if (a === null) return reject('bad attributes');
  const shape = pooledShapeRef(x.shape, a);
  if (refused(shape)) return shape;
  if (t.shape.length !== x.shape.length || t.shape.some((d, i) => d !== x.shape[i])) return reject("t is not of x's shape");
  return build(shape, ([n, c, i, j]) => get(t, [n!, c!, ...argmaxOf(x, n!, c!, windowOf(x.shape[2]!, x.shape[3]!, a, i!, j!))]));
}

/** avgPool2d's adjoint: each g divided by kH·kW and added over its window, in zeros of [N, C, size[0], size[1]]. */
export function avgPool2dGradRef(g: Nd, attrs: unknown): Ref {
  const a = poolAttrsOf(attrs, true);
  if (a === null) return reject('bad attributes');
  if (g.shape.length !== 4) return reject('g needs rank 4');
  const xs = [g.shape[0]!, g.shape[1]!, a.size[0], a.size[1]];
  const shape = pooledShapeRef(xs, a);
  if (refused(shape)) return shape;
  if (g.shape.some((d, i) => d !== shape[i])) return reject('g is not the pooled shape');
  const out = build(xs, () => 0);
  for (const [n, c, i, j] of multiIndices(shape)) {
    const share = get(g, [n!, c!, i!, j!]) / (a.kernel[0] * a.kernel[1]);
    for (const [r, q] of windowOf(a.size[0], a.size[1], a, i!, j!)) out.data[offset(xs, [n!, c!, r, q])]! += share;
  }
  return out;
}

// ── Special functions, statistics and running sums ─────────────────────────────────────────────

/**
 * erf by its Taylor series (A&S 7.1.5) for |v| < 3, where 100 terms are plenty and the cancellation
 * costs about 13 bits, and by 1 − erfc with Laplace's continued fraction for erfc (A&S 7.1.14,
 * 80 levels) beyond: about 1e-14 relative, a fraction of the suite's tolerance.
 */
export function erfRef(v: number): number {
  if (v !== v) return NaN;
  if (Math.abs(v) < 3) {
    let sum = 0;
    let power = v; // (−1)ⁿ v²ⁿ⁺¹ / n!
    for (let n = 0; n < 100; n++) {
      sum += power / (2 * n + 1);
      power *= (-v * v) / (n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  const x = Math.abs(v);
  let f = x;
  for (let k = 80; k >= 1; k--) f = x + k / 2 / f;
  const erfc = x === Infinity ? 0 : Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
  return Math.sign(v) * (1 - erfc);
}

/** gelu as PyTorch writes it, except at −∞, where adjoint gives the limit −0 (PyTorch NaN). */
export function geluRef(v: number, approximate: 'none' | 'tanh'): number {
  if (v === -Infinity) return -0;
  if (approximate === 'tanh') return 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
  return 0.5 * v * (1 + erfRef(v / Math.SQRT2));
}

/** elu′(x) = 1 for x > 0, α·eˣ otherwise. */
export const eluPrimeRef = (x: number, alpha: number): number => (x > 0 ? 1 : alpha * Math.exp(x));

/** silu′(x) = σ(x)(1 + x(1 − σ(x))), and its limits 1 and 0 at ±∞ (where the formula is ∞·0). */
export function siluPrimeRef(x: number): number {
  if (Math.abs(x) === Infinity) return x > 0 ? 1 : 0;
  const s = 1 / (1 + Math.exp(-x));
  return s * (1 + x * (1 - s));
}

/**
 * gelu′(x): Φ(x) + x·φ(x), or for the tanh form s + x·s(1 − s)·2√(2/π)(1 + 3·0.044715x²) with
 * s = ½(1 + tanh u) = 1/(1 + e^(−2u)), u = √(2/π)(x + 0.044715x³) (through tanh, ½(1 + t) would
 * cancel to 0 for x below −7); beyond |x| = 40 both are their limits 1 and 0 to the last bit, and
 * the formulas would give ∞·0 there.
 */
export function geluPrimeRef(x: number, approximate: 'none' | 'tanh'): number {
  if (Math.abs(x) > 40) return x > 0 ? 1 : 0;
  if (approximate === 'tanh') {
    const k = Math.sqrt(2 / Math.PI);
    const s = 1 / (1 + Math.exp(-2 * k * (x + 0.044715 * x * x * x)));
    return s + x * s * (1 - s) * 2 * k * (1 + 3 * 0.044715 * x * x);
  }
  return 0.5 * (1 + erfRef(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
}

/** gelu's options: undefined or an object with at most `approximate`, 'none' (default) or 'tanh'. */
export function geluOptionsRef(options: unknown): 'none' | 'tanh' | Reject {
  if (options === undefined) return 'none';
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return reject('options not an object');
  if (Object.keys(options).some((k) => k !== 'approximate')) return reject('unknown option');
  const a = (options as { approximate?: unknown }).approximate;
  if (a === undefined) return 'none';
  return a === 'none' || a === 'tanh' ? a : reject(`bad approximate ${show(a)}`);
}

/**
 * Variance (or, `root`, standard deviation) as NumPy with ddof = correction: Σ(v − mean)² divided by
 * max(N − correction, 0), so +∞ or NaN where that is 0. Options: at most `correction`, a finite number.
 */
/** A vector norm of `values` (np.linalg.norm of a vector, any ord ≥ 0 or ±∞), a p-norm scaled by the largest magnitude so that it neither overflows nor underflows. */
export function vectorNormOf(values: number[], ord: number): number {
  const a = values.map(Math.abs);
  if (ord === 2) return normOf(values);
  if (ord === 0) return a.filter((v) => v !== 0).length;
  if (a.some((v) => v !== v)) return NaN;
  if (ord === Infinity) return Math.max(...a);
  if (ord === -Infinity) return Math.min(...a);
  const m = Math.max(0, ...a);
  if (m === 0 || m === Infinity) return m;
  return m * sumOf(a.map((v) => (v / m) ** ord)) ** (1 / ord);
}

/** norm(x, axis, keepDims, options): np.linalg.norm over the axes as one vector, ord from the options. */
export function normRef(x: Nd, axis: unknown, keepDims: boolean, options: unknown): Ref {
  let ord = 2;
  if (options !== undefined) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) return reject('options not an object');
    if (Object.keys(options).some((k) => k !== 'ord')) return reject('unknown option');
    const o = (options as { ord?: unknown }).ord;
    if (o !== undefined) {
      if (typeof o !== 'number' || !(o >= 0 || o === -Infinity)) return reject(`bad ord ${show(o)}`);
      ord = o;
    }
  }
  return reduce(x, axis, keepDims, (values) => vectorNormOf(values, ord), Math.abs(ord) === Infinity);
}

export function varianceRef(x: Nd, axis: unknown, keepDims: boolean, options: unknown, root: boolean): Ref {
  let correction = 0;
  if (options !== undefined) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) return reject('options not an object');
    if (Object.keys(options).some((k) => k !== 'correction')) return reject('unknown option');
    const c = (options as { correction?: unknown }).correction;
    if (c !== undefined) {
      if (typeof c !== 'number' || !Number.isFinite(c)) return reject(`bad correction ${show(c)}`);
      correction = c;
    }
  }
  return reduce(x, axis, keepDims, (values) => {
    const mean = sumOf(values) / values.length;
    const squares = sumOf(values.map((v) => (v - mean) * (v - mean)));
    const v = squares / Math.max(values.length - correction, 0);
    // std as ‖v − mean‖/√(N − correction), which overflows or underflows only where the result does.
    return root ? normOf(values.map((v) => v - mean)) / Math.sqrt(Math.max(values.length - correction, 0)) : v;
  });
}

/** Running sums along a required axis (NumPy's cumsum; a 0-d array has no axis to run along). */
export function cumsumRef(x: Nd, axis: unknown): Ref {
  const a = normAxis(axis, x.shape.length);
  if (a === null) return reject(`bad axis ${show(axis)}`);
  return build(x.shape, (idx) => {
    let total = 0;
    for (let j = 0; j <= idx[a]!; j++) total += get(x, idx.map((v, d) => (d === a ? j : v)));
    return total;
  });
}

/** Running log-sum-exps along the axis: ln Σ e^x over each prefix, shifted by the prefix's max (np.logaddexp.accumulate). */
export function logCumSumExpRef(x: Nd, axis: unknown): Ref {
  const a = normAxis(axis, x.shape.length);
  if (a === null) return reject(`bad axis ${show(axis)}`);
  return build(x.shape, (idx) => {
    const prefix = Array.from({ length: idx[a]! + 1 }, (_, j) => get(x, idx.map((v, d) => (d === a ? j : v))));
    return logSumExpOf(prefix);
  });
}

/**
 * v rounded to `decimals` places, halves to even, as np.round: scaled by 10^|decimals|, rounded,
 * scaled back; 10^n as NumPy's power_of_ten makes it, multiplied up one 10 at a time (not
 * correctly rounded from 10²³ on).
 */
export function roundRef(v: number, decimals: number): number {
  let scale = 1;
  for (let k = 0; k < Math.abs(decimals); k++) scale *= 10; // exact up to 10²², then NumPy's roundings
  const scaled = decimals >= 0 ? v * scale : v / scale;
  const lower = Math.floor(scaled);
  const fraction = scaled - lower;
  let r = fraction < 0.5 ? lower : fraction > 0.5 ? lower + 1 : lower % 2 === 0 ? lower : lower + 1;
  if (r === 0 && (scaled < 0 || Object.is(scaled, -0))) r = -0; // NumPy keeps the sign of a zero
  return decimals >= 0 ? r / scale : r * scale;
}

/** Running products along the axis (np.cumprod with the axis required). */
export function cumprodRef(x: Nd, axis: unknown): Ref {
  const a = normAxis(axis, x.shape.length);
  if (a === null) return reject(`bad axis ${show(axis)}`);
  return build(x.shape, (idx) => {
    let total = get(x, idx.map((v, d) => (d === a ? 0 : v)));
    for (let j = 1; j <= idx[a]!; j++) total *= get(x, idx.map((v, d) => (d === a ? j : v)));
    return total;
  });
}

/**
 * h[k] = a[k]·h[k ∓ 1] + b[k] along the axis, h of the first = b there; a and b of one shape;
 * `reverse` true or false (undefined: false).
 */
export function linearRecurrenceRef(a: Nd, b: Nd, axis: unknown, reverseArg: unknown): Ref {
  const reverse = reverseArg === undefined ? false : reverseArg;
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return reject('a and b differ in shape');
  const ax = normAxis(axis, a.shape.length);
  if (ax === null) return reject(`bad axis ${show(axis)}`);
  if (typeof reverse !== 'boolean') return reject('reverse is not a boolean');
  const n = a.shape[ax]!;
  const h = (idx: number[]): number => {
    const k = idx[ax]!;
    const first = reverse ? n - 1 : 0;
    if (k === first) return get(b, idx);
    const prev = idx.map((v, d) => (d === ax ? (reverse ? k + 1 : k - 1) : v));
    return get(a, idx) * h(prev) + get(b, idx);
  };
  return build(a.shape, h);
}

// ── By op: the references fuzz/specs.ts derives specs from ──────────────────────────────────────

const cmp = (f: (x: number, y: number) => boolean) => (x: number, y: number): number => (f(x, y) ? 1 : 0);

/**
 * The elementwise ops without attributes, by op name: each one's value at one element of each of
 * its inputs (as many parameters as the op has inputs). An op listed here needs no fuzz spec of its
 * own; fuzz/specs.ts derives one from the op's definition and this function.
 */
export const elementwiseOps: Record<string, (...v: number[]) => number> = {
  gammaln: gammalnRef,
  digamma: digammaRef,
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  pow: (x, y) => (x === 1 || (x === -1 && Math.abs(y) === Infinity) ? 1 : Math.pow(x, y)), // C99's pow: Math.pow gives NaN for these
  maximum: Math.max, // NaN if either is NaN, as NumPy's maximum
  minimum: Math.min,
  reluGrad: (v, x) => (x > 0 ? v : 0),
  maskGrad: (v, w) => (w === 0 ? 0 : v * w),
  tanhGrad: (v, y) => v * (1 - y * y),
  sigmoidGrad: (v, y) => v * (y * (1 - y)),
  siluGrad: (v, x) => v * siluPrimeRef(x),
  greater: cmp((x, y) => x > y),
  greaterEqual: cmp((x, y) => x >= y),
  less: cmp((x, y) => x < y),
  lessEqual: cmp((x, y) => x <= y),
  equal: cmp((x, y) => x === y),
  notEqual: cmp((x, y) => x !== y),
  sign: Math.sign,
  neg: (v) => -v,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  square: (v) => v * v,
  abs: Math.abs,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  tanh: Math.tanh,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  relu: (v) => (v !== v ? NaN : Math.max(v, 0)),
  softplus: (v) => (v > 30 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v))),
  erf: erfRef,
  silu: (v) => (v === -Infinity ? -0 : v / (1 + Math.exp(-v))), // −0 at −∞: adjoint's limit, where PyTorch gives NaN
  sinh: Math.sinh,
  cosh: Math.cosh,
  asinh: Math.asinh,
  atan: Math.atan,
  asin: Math.asin,
  acos: Math.acos,
  acosh: Math.acosh,
  atanh: Math.atanh,
  log2: Math.log2,
  log10: Math.log10,
  reciprocal: (v) => 1 / v,
  rsqrt: (v) => 1 / Math.sqrt(v),
  atan2: Math.atan2,
  floor: Math.floor,
  ceil: Math.ceil,
  trunc: Math.trunc,
  isNaN: (v) => (Number.isNaN(v) ? 1 : 0),
  isInf: (v) => (Math.abs(v) === Infinity ? 1 : 0),
  isFinite: (v) => (Number.isFinite(v) ? 1 : 0),
  logaddexp: (x, y) => {
    const m = Math.max(x, y); // NaN if either is
    return Math.abs(m) === Infinity ? m : m + Math.log(Math.exp(x - m) + Math.exp(y - m));
  },
  xlogy: (x, y) => (Number.isNaN(y) ? NaN : x === 0 ? 0 : x * Math.log(y)),
  identity: (v) => v,
  where: (c, a, b) => (c !== 0 ? a : b),
};

/** A reduction's reference: the reduced value of a list, and whether an empty list has none. */
export interface Reduction {
  readonly of: (values: number[]) => number;
  /** Reducing an empty axis is an error (max, min), as in NumPy. */
  readonly needsElements?: boolean;
}

/**
 * The reductions over axes (attributes `{ axis, keepDims }`), by op name. As with
 * {@link elementwiseOps}, an op listed here gets a fuzz spec derived from its definition.
 */
export const reductionOps: Record<string, Reduction> = {
  sum: { of: sumOf },
  max: { of: maxOf, needsElements: true },
  min: { of: minOf, needsElements: true },
  logSumExp: { of: logSumExpOf },
  prod: { of: (v) => v.reduce((p, x) => p * x, 1) },
};

// ── Adaptive pooling and interpolation ──────────────────────────────────────────────────────────
// PyTorch's adaptive_avg_pool2d, adaptive_max_pool2d and interpolate ('nearest', 'bilinear') on
// [N, C, H, W], each output read from its window or its taps element by element.

/** Images [N, C, H, W] with C, H and W at least 1, or the reason they are refused. */
function imageDimsRef(xs: readonly number[]): [number, number, number, number] | Reject {
  if (xs.length !== 4 || xs[1]! < 1 || xs[2]! < 1 || xs[3]! < 1) return reject('x is not [N, C, H, W] with C, H and W at least 1');
  return xs as [number, number, number, number];
}

/** An adaptive output size for an h × w image: a positive integer, or a pair of them or nulls (null keeps the axis). */
function adaptiveSizeRef(v: unknown, h: number, w: number): [number, number] | null {
  if (isCountRef(v, 1)) return [v, v];
  const ok = (e: unknown): boolean => e === null || isCountRef(e, 1);
  if (!Array.isArray(v) || v.length !== 2 || !ok(v[0]) || !ok(v[1])) return null;
  return [v[0] === null ? h : (v[0] as number), v[1] === null ? w : (v[1] as number)];
}

/** Adaptive pooling: each output the mean (sum over the window, divided by its size) or the max (NaN first) of its window. */
function adaptivePoolRef(x: Nd, outputSize: unknown, kind: 'avg' | 'max'): Ref {
  const dims = imageDimsRef(x.shape);
  if (refused(dims)) return dims;
  const [n, c, h, w] = dims;
  const size = adaptiveSizeRef(outputSize, h, w);
  if (size === null) return reject('bad outputSize');
  const [oh, ow] = size;
  return build([n, c, oh, ow], ([b, ch, i, j]) => {
    const cells: number[] = [];
    for (let r = Math.floor((i! * h) / oh); r < Math.ceil(((i! + 1) * h) / oh); r++) {
      for (let q = Math.floor((j! * w) / ow); q < Math.ceil(((j! + 1) * w) / ow); q++) cells.push(get(x, [b!, ch!, r, q]));
    }
    if (kind === 'avg') return cells.reduce((s, v) => s + v, 0) / cells.length;
    return cells.some(Number.isNaN) ? NaN : cells.reduce((m, v) => (v > m ? v : m), -Infinity);
  });
}

export const adaptiveAvgPool2dRef = (x: Nd, outputSize: unknown): Ref => adaptivePoolRef(x, outputSize, 'avg');
export const adaptiveMaxPool2dRef = (x: Nd, outputSize: unknown): Ref => adaptivePoolRef(x, outputSize, 'max');

/**
 * The taps [input index, weight] of each output along an axis of `size` resized to `out`, as
 * PyTorch's NCHW kernels read them: nearest ⌊dst·scale⌋ in float32 (scale 1/factor or in/out);
 * bilinear two taps with λ from the half-pixel or aligned-corner source position, in double. An
 * unchanged size is the identity (one tap of weight 1), except for nearest with a factor.
 */
function tapsRef(size: number, out: number, factor: number | null, mode: string, align: boolean): [number, number][][] {
  return Array.from({ length: out }, (_, dst): [number, number][] => {
    if (out === size && (mode === 'bilinear' || factor === null)) return [[dst, 1]];
    if (mode === 'nearest') {
      const scale = Math.fround(factor === null ? size / out : 1 / factor);
      return [[Math.min(Math.floor(Math.fround(dst * scale)), size - 1), 1]];
    }
    const ratio = align ? (out > 1 ? (size - 1) / (out - 1) : 0) : factor === null ? size / out : 1 / factor;
    const src = align ? ratio * dst : Math.max(ratio * (dst + 0.5) - 0.5, 0);
    const i0 = Math.min(Math.floor(src), size - 1);
    const l1 = Math.min(Math.max(src - i0, 0), 1);
    return [[i0, 1 - l1], [i0 < size - 1 ? i0 + 1 : i0, l1]];
  });
}

/** interpolate: options checked as adjoint does, then each output Σ_rows μ·(Σ_cols λ·x) over its taps (columns first, as PyTorch). */
export function interpolateRef(x: Nd, options: unknown): Ref {
  const opts = optionsRecord(options, ['size', 'scaleFactor', 'mode', 'alignCorners']);
  if (opts === null || options === undefined) return reject('bad options');
  const mode = opts.mode === undefined ? 'nearest' : opts.mode;
  if (mode !== 'nearest' && mode !== 'bilinear') return reject('bad mode');
  if (opts.alignCorners !== undefined && typeof opts.alignCorners !== 'boolean') return reject('bad alignCorners');
  const align = opts.alignCorners === true;
  if (opts.alignCorners !== undefined && mode === 'nearest') return reject('alignCorners with nearest (PyTorch refuses it given at all)');
  if ((opts.size === undefined) === (opts.scaleFactor === undefined)) return reject('not exactly one of size and scaleFactor');
  const positive = (v: unknown): v is number => typeof v === 'number' && v > 0 && Number.isFinite(v);
  const f = opts.scaleFactor;
  const factors: [number, number] | null = f === undefined ? null : positive(f) ? [f, f] : Array.isArray(f) && f.length === 2 && positive(f[0]) && positive(f[1]) ? [f[0], f[1]] : null;
  if (f !== undefined && factors === null) return reject('bad scaleFactor');
  const sizes = opts.size === undefined ? null : sizePair(opts.size, 1);
  if (opts.size !== undefined && sizes === null) return reject('bad size');
  const dims = imageDimsRef(x.shape);
  if (refused(dims)) return dims;
  const [n, c, h, w] = dims;
  const [oh, ow] = sizes ?? [Math.floor(h * factors![0]), Math.floor(w * factors![1])];
  if (oh < 1 || ow < 1) return reject('an empty output');
  if (Math.max(n, 1) * c * oh * ow > 2 ** 31 - 1) return reject('an output too large for a tensor');
  const rows = tapsRef(h, oh, factors === null ? null : factors[0], mode, align);
  const cols = tapsRef(w, ow, factors === null ? null : factors[1], mode, align);
  const weighted = (taps: [number, number][], value: (k: number) => number): number =>
    taps.length === 1 && taps[0]![1] === 1 ? value(taps[0]![0]) : taps.reduce((s, [k, wt], t) => (t === 0 ? value(k) * wt : s + value(k) * wt), 0);
  return build([n, c, oh, ow], ([b, ch, i, j]) => weighted(rows[i!]!, (r) => weighted(cols[j!]!, (q) => get(x, [b!, ch!, r, q]))));
}
