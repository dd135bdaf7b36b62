/**
 * Per-op copies of the elementwise loops. A loop shared by every op calls a different `f` each
 * time, so V8 sees many targets at that call site and cannot inline any of them; a copy of the
 * loop made for one op sees one `f` and inlines it, which is several times faster on large
 * tensors. The copies are made once per op, when it is registered, from the small sources below.
 * Where code generation is not allowed (a strict Content-Security-Policy), the shared loops serve.
 */
import { broadcastOffsets, map } from './elementwise';
import { sameShape, shapeSize, type Shape } from '../shape';
import { allocForOverwrite } from './alloc';

// Every loop writes each element of its output, which therefore need not be zeroed first.

/** out[i] = f(x[i], attrs). */
export type UnaryLoop<A> = (x: Float64Array, attrs: A) => Float64Array;
/** out = f(a, b, attrs) broadcast to `outShape`. */
export type BinaryLoop<A = undefined> = (a: Float64Array, aShape: Shape, b: Float64Array, bShape: Shape, outShape: Shape, attrs: A) => Float64Array;

const UNARY_SOURCE = `
  return function NAME(x, attrs) {
    const n = x.length;
    const out = allocForOverwrite(n);
    for (let i = 0; i < n; i++) out[i] = f(x[i], attrs);
    return out;
  };`;

// The common cases get loops of their own: equal shapes, a row vector added to every row (bias),
// and one value per leading index on either side — a column, as a keepDims reduction leaves it, or
// a single value (a scalar leads everything). Everything else reads through precomputed offsets.
const BINARY_SOURCE = `
  return function NAME(a, aShape, b, bShape, outShape, attrs) {
    const n = shapeSize(outShape);
    const out = allocForOverwrite(n);
    if (a.length === n && b.length === n && sameShape(aShape, bShape)) {
      for (let i = 0; i < n; i++) out[i] = f(a[i], b[i], attrs);
    } else if (a.length === n && b.length > 0 && n % b.length === 0 && isTrailing(bShape, outShape)) {
      const m = b.length;
      for (let i = 0; i < n; i += m) for (let j = 0; j < m; j++) out[i + j] = f(a[i + j], b[j], attrs);
    } else if (a.length === n && b.length > 0 && isLeading(bShape, outShape)) {
      const inner = n / b.length;
      for (let k = 0, i = 0; k < b.length; k++) {
        const y = b[k];
        for (let j = 0; j < inner; j++, i++) out[i] = f(a[i], y, attrs);
      }
    } else if (b.length === n && a.length > 0 && isLeading(aShape, outShape)) {
      const inner = n / a.length;
      for (let k = 0, i = 0; k < a.length; k++) {
        const x = a[k];
        for (let j = 0; j < inner; j++, i++) out[i] = f(x, b[i], attrs);
      }
    } else {
      const ia = broadcastOffsets(aShape, outShape);
      const ib = broadcastOffsets(bShape, outShape);
      for (let i = 0; i < n; i++) out[i] = f(a[ia[i]], b[ib[i]], attrs);
    }
    return out;
  };`;

/** Whether `inner` (ignoring leading 1s) equals the last axes of `outer`: a row broadcast. */
function isTrailing(inner: Shape, outer: Shape): boolean {
  let i = inner.length - 1;
  let o = outer.length - 1;
  for (; i >= 0; i--, o--) {
    if (o < 0) return false;
    if (inner[i] !== outer[o]) return inner.slice(0, i + 1).every((d) => d === 1);
  }
  return true;
}

/**
 * Whether `inner` (right-aligned against `outer`, missing axes as 1) equals `outer` on its first
 * axes and is 1 on all the others: one value per leading index, such as a [n, 1] column against
 * [n, m].
 */
function isLeading(inner: Shape, outer: Shape): boolean {
  const pad = outer.length - inner.length;
  if (pad < 0) return false;
  let d = 0;
  while (d < outer.length && (d < pad ? 1 : inner[d - pad]) === outer[d]) d++;
  for (; d < outer.length; d++) if ((d < pad ? 1 : inner[d - pad]) !== 1) return false;
  return true;
}

/** Numbers the copies: see compile. */
let copies = 0;

/**
 * Makes a copy of the loop in `source` for `f`, named `${kind}_${label}_${n}` (as profiles show it).
 * Each copy's source must differ: V8 caches `new Function` by its source text, and copies made
 * from the same text share their type feedback, so the call of f would see every op's f again
 * (measured: f was then not inlined, and most copies were never optimised at all).
 */
function compile<T>(source: string, kind: string, label: string, f: unknown, fallback: () => T): T {
  const name = `${kind}_${label.replace(/[^A-Za-z0-9_]/g, '_')}_${copies++}`;
  try {
    return new Function('f', 'shapeSize', 'sameShape', 'broadcastOffsets', 'isTrailing', 'isLeading', 'allocForOverwrite', source.replace('NAME', name))(
      f, shapeSize, sameShape, broadcastOffsets, isTrailing, isLeading, allocForOverwrite,
    ) as T;
  } catch {
    return fallback();
  }
}

/** A loop computing f elementwise, specialised to f; `label` (the op's name) names it in profiles. */
export function unaryLoop<A>(f: (v: number, attrs: A) => number, label = 'op'): UnaryLoop<A> {
  return compile<UnaryLoop<A>>(UNARY_SOURCE, 'unaryLoop', label, f, () => (x, attrs) => map(x, (v) => f(v, attrs)));
}

/** A broadcasting loop computing f(a, b, attrs), specialised to f; `label` (the op's name) names it in profiles. */
export function binaryLoop<A = undefined>(f: (x: number, y: number, attrs: A) => number, label = 'op'): BinaryLoop<A> {
  return compile<BinaryLoop<A>>(BINARY_SOURCE, 'binaryLoop', label, f, () => (a, aShape, b, bShape, outShape, attrs) => {
    const n = shapeSize(outShape);
    const ia = broadcastOffsets(aShape, outShape);
    const ib = broadcastOffsets(bShape, outShape);
    const out = allocForOverwrite(n);
    for (let i = 0; i < n; i++) out[i] = f(a[ia[i]!]!, b[ib[i]!]!, attrs);
    return out;
  });
}
