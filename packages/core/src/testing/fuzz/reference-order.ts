/**
 * Naive references for the reordering ops (takeAlongAxis, flip, roll, sort, argsort, topK), the
 * triangles (tril, triu), the diagonals (diagonal, matrixTrace, diag) and the order statistics
 * (quantile, median), element by element through multi-indices, as reference.ts's.
 */
import { build, get, isInt, isReject, normAxes, normAxis, reduce, reject, show, type Nd, type Ref } from './reference';

/** NumPy's take_along_axis, with adjoint's stricter indices (integers in [0, n), none negative). */
export function takeAlongAxisRef(x: Nd, idx: Nd, axis: unknown): Ref {
  if (x.shape.length === 0) return reject('cannot index a scalar');
  if (idx.shape.length !== x.shape.length) return reject('indices of another rank');
  const a = normAxis(axis, x.shape.length);
  if (a === null) return reject(`bad axis ${show(axis)}`);
  if (idx.data.some((v) => !isInt(v) || v < 0 || v >= x.shape[a]!)) return reject('index out of range');
  const shape: number[] = [];
  for (let d = 0; d < x.shape.length; d++) {
    const [xd, id] = [x.shape[d]!, idx.shape[d]!];
    if (d === a) shape.push(id);
    else if (xd === id || xd === 1 || id === 1) shape.push(xd === 1 ? id : xd);
    else return reject('indices do not broadcast against x');
  }
  return build(shape, (o) => {
    const at = o.map((c, d) => (idx.shape[d] === 1 ? 0 : c));
    const j = get(idx, at);
    return get(x, o.map((c, d) => (d === a ? j : x.shape[d] === 1 ? 0 : c)));
  });
}

export function flipRef(x: Nd, axis: unknown): Ref {
  const axes = normAxes(axis, x.shape.length);
  if (axes === null) return reject(`bad axes ${show(axis)}`);
  return build(x.shape, (o) => get(x, o.map((c, d) => (axes.includes(d) ? x.shape[d]! - 1 - c : c))));
}

/** np.roll, without repeated axes (adjoint refuses them). */
export function rollRef(x: Nd, shift: unknown, axis: unknown): Ref {
  const shifts = typeof shift === 'number' ? [shift] : shift;
  if (!Array.isArray(shifts) || !shifts.every(isInt)) return reject('bad shift');
  if (axis === undefined || axis === null) {
    if (shifts.length !== 1) return reject('one shift for a flat roll');
    const n = x.data.length;
    return { shape: [...x.shape], data: x.data.map((_, i) => x.data[(((i - shifts[0]!) % n) + n) % n]!) };
  }
  const list = typeof axis === 'number' ? [axis] : axis;
  if (!Array.isArray(list)) return reject('bad axis');
  const axes = Array.from(list, (ax) => normAxis(ax, x.shape.length));
  if (axes.some((ax) => ax === null)) return reject('bad axis');
  // np.roll broadcasts the shifts against the axes (NumPy's broadcasting of two lists) and adds those of a repeated axis.
  const count = axes.length === shifts.length ? axes.length : axes.length === 1 ? shifts.length : shifts.length === 1 ? axes.length : -1;
  if (count < 0) return reject('shift and axis of different lengths');
  const by = new Map<number, number>();
  for (let k = 0; k < count; k++) {
    const d = axes[axes.length === 1 ? 0 : k]!;
    by.set(d, (by.get(d) ?? 0) + shifts[shifts.length === 1 ? 0 : k]!);
  }
  return build(x.shape, (o) =>
    get(x, o.map((c, d) => {
      const s = by.get(d);
      if (s === undefined) return c;
      const n = x.shape[d]!;
      return (((c - s) % n) + n) % n;
    })),
  );
}

/** Ascending with NaN last; ties keep their order (the sort is stable). */
const ascending = (u: number, v: number): number => (Number.isNaN(u) ? (Number.isNaN(v) ? 0 : 1) : Number.isNaN(v) ? -1 : u < v ? -1 : u > v ? 1 : 0);

/** The stable order of each lane along axis a, by `compare`, as indices. */
function orders(x: Nd, a: number, compare: (u: number, v: number) => number): Nd {
  return build(x.shape, (o) => {
    const lane = Array.from({ length: x.shape[a]! }, (_, j) => j);
    const at = (j: number): number => get(x, o.map((c, d) => (d === a ? j : c)));
    lane.sort((u, v) => compare(at(u), at(v)) || u - v);
    return lane[o[a]!]!;
  });
}

/** argsort (what = 'indices') or sort ('values') along an axis. */
export function sortRef(x: Nd, axis: unknown, what: 'values' | 'indices'): Ref {
  if (x.shape.length === 0) return reject('no axis to sort a scalar along');
  const a = normAxis(axis === undefined ? -1 : axis, x.shape.length);
  if (a === null) return reject(`bad axis ${show(axis)}`);
  const order = orders(x, a, ascending);
  return what === 'indices' ? order : build(x.shape, (o) => get(x, o.map((c, d) => (d === a ? get(order, o) : c))));
}

/** torch.topk's values (largest first, NaN largest; or the smallest, ascending) stacked over their indices: shape [2, …]. */
export function topKRef(x: Nd, k: unknown, options: unknown): Ref {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) return reject('options not an object');
  const { axis = -1, largest = true, ...rest } = (options ?? {}) as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return reject('unknown option');
  if (typeof largest !== 'boolean') return reject('largest not a boolean');
  if (x.shape.length === 0) return reject('no axis');
  const a = normAxis(axis, x.shape.length);
  if (a === null) return reject(`bad axis ${show(axis)}`);
  if (!isInt(k) || k < 0 || k > x.shape[a]!) return reject('bad k');
  const order = orders(x, a, largest ? (u, v) => ascending(v, u) : ascending);
  const shape = x.shape.map((d, i) => (i === a ? k : d));
  return build([2, ...shape], ([which, ...o]) => {
    const j = get(order, o as number[]);
    return which === 0 ? get(x, (o as number[]).map((c, d) => (d === a ? j : c))) : j;
  });
}

/** tril (lower) or triu (upper) about diagonal k of the last two axes. */
export function triangleRef(x: Nd, k: unknown, lower: boolean): Ref {
  if (x.shape.length < 2) return reject('needs rank ≥ 2');
  const diagonal = k === undefined ? 0 : k;
  if (!isInt(diagonal)) return reject('k not an integer');
  const r = x.shape.length;
  return build(x.shape, (o) => {
    const offset = o[r - 1]! - o[r - 2]!;
    return (lower ? offset <= diagonal : offset >= diagonal) ? get(x, o) : 0;
  });
}

/** np.diagonal(x, offset, axis1, axis2), its arguments defaulting to 0, 0, 1. */
export function diagonalRef(x: Nd, offsetArg: unknown, axis1: unknown, axis2: unknown): Ref {
  const r = x.shape.length;
  if (r < 2) return reject('needs rank ≥ 2');
  const k = offsetArg === undefined ? 0 : offsetArg;
  if (!isInt(k)) return reject('offset not an integer');
  const a = normAxis(axis1 === undefined ? 0 : axis1, r);
  const b = normAxis(axis2 === undefined ? 1 : axis2, r);
  if (a === null || b === null || a === b) return reject('bad axes');
  const length = Math.max(0, Math.min(x.shape[a]! - Math.max(-k, 0), x.shape[b]! - Math.max(k, 0)));
  const rest = x.shape.flatMap((d, i) => (i === a || i === b ? [] : [d]));
  return build([...rest, length], (o) => {
    const j = o[o.length - 1]!;
    const others = o.slice(0, -1);
    const at = x.shape.map((_, i) => (i === a ? j + Math.max(-k, 0) : i === b ? j + Math.max(k, 0) : others.shift()!));
    return get(x, at);
  });
}

/** np.trace: the diagonal's sum. */
export function traceRef(x: Nd, offset: unknown, axis1: unknown, axis2: unknown): Ref {
  const d = diagonalRef(x, offset, axis1, axis2);
  if (isReject(d)) return d;
  const n = d.shape[d.shape.length - 1]!;
  return build(d.shape.slice(0, -1), (o) => Array.from({ length: n }, (_, j) => get(d, [...o, j])).reduce((p, v) => p + v, 0));
}

/** np.diag: a vector onto diagonal k of a square matrix, or a matrix's diagonal k. */
export function diagRef(x: Nd, kArg: unknown): Ref {
  const k = kArg === undefined ? 0 : kArg;
  if (!isInt(k)) return reject('k not an integer');
  if (x.shape.length === 2) return diagonalRef(x, k, 0, 1);
  if (x.shape.length !== 1) return reject('needs a vector or a matrix');
  const n = x.shape[0]! + Math.abs(k);
  return build([n, n], ([i, j]) => (j! - i! === k ? get(x, [i! - Math.max(-k, 0)]) : 0));
}

const QUANTILE_METHODS = ['linear', 'lower', 'higher', 'nearest', 'midpoint'];

/** The q-th quantile of `values` by np.quantile's `method`, NaN if any is NaN. */
function quantileOf(values: number[], q: number, method: string): number {
  if (values.some((v) => v !== v)) return NaN;
  const v = [...values].sort((a, b) => a - b);
  const p = q * (v.length - 1);
  const [i, j] = [Math.floor(p), Math.ceil(p)];
  const g = p - i;
  switch (method) {
    case 'lower': return v[i]!;
    case 'higher': return v[j]!;
    case 'nearest': return v[g < 0.5 || (g === 0.5 && i % 2 === 0) ? i : j]!;
    case 'midpoint': return g === 0 ? v[i]! : v[j]! - (v[j]! - v[i]!) * 0.5;
    default: return g >= 0.5 ? v[j]! - (v[j]! - v[i]!) * (1 - g) : v[i]! + (v[j]! - v[i]!) * g;
  }
}

/** np.quantile(x, q, axis, keepdims=keepDims, method=...), q a number or a list (a first axis then). */
export function quantileRef(x: Nd, q: unknown, axis: unknown, keepDims: boolean, options: unknown): Ref {
  const qs = typeof q === 'number' ? [q] : Array.isArray(q) ? (q as unknown[]) : [];
  if (qs.length === 0 || qs.some((v) => typeof v !== 'number' || !(v >= 0 && v <= 1))) return reject('bad q');
  let method = 'linear';
  if (options !== undefined) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) return reject('options not an object');
    if (Object.keys(options).some((k) => k !== 'method')) return reject('unknown option');
    const m = (options as { method?: unknown }).method;
    if (m !== undefined && !QUANTILE_METHODS.includes(m as string)) return reject('bad method');
    if (m !== undefined) method = m as string;
  }
  const each: Ref[] = (qs as number[]).map((v) => reduce(x, axis, keepDims, (values) => quantileOf(values, v, method), true));
  const bad = each.find(isReject);
  if (bad !== undefined) return bad;
  const parts = each as Nd[];
  if (typeof q === 'number') return parts[0]!;
  return build([parts.length, ...parts[0]!.shape], ([k, ...o]) => get(parts[k!]!, o));
}

/** np.median: the middle of the sorted lane, or the mean of the two middle elements. */
export function medianRef(x: Nd, axis: unknown, keepDims: boolean): Ref {
  return reduce(x, axis, keepDims, (values) => {
    if (values.some((v) => v !== v)) return NaN;
    const v = [...values].sort((a, b) => a - b);
    const h = v.length >> 1;
    return v.length % 2 === 1 ? v[h]! : (v[h - 1]! + v[h]!) * 0.5;
  }, true);
}
