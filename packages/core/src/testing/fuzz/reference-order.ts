/**
 * Naive references for the reordering ops (takeAlongAxis, flip, roll, sort, argsort, topK) and
 * the triangles (tril, triu), element by element through multi-indices, as reference.ts's.
 */
import { build, get, isInt, normAxes, normAxis, reject, show, type Nd, type Ref } from './reference';

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
