/**
 * Naive references for einsum and the linear algebra ops, by other algorithms than core's:
 * einsum by summing over every assignment of its letters, determinants by cofactor expansion,
 * solutions by Cramer's rule, the Cholesky factor column by column from the definition.
 */
import { broadcast, build, get, multiIndices, reject, size, type Nd, type Ref } from './reference';

/** einsum without '...': explicit or implicit output, repeated letters, size-1 letters broadcast. */
export function einsumRef(subscripts: unknown, operands: readonly Nd[]): Ref {
  if (typeof subscripts !== 'string') return reject('subscripts not a string');
  const spec = subscripts.replace(/\s+/g, '');
  const arrow = spec.indexOf('->');
  const inputs = (arrow < 0 ? spec : spec.slice(0, arrow)).split(',');
  if (inputs.length !== operands.length) return reject('operand count');
  const letters = [...inputs.join(''), ...(arrow < 0 ? '' : spec.slice(arrow + 2))];
  if (!letters.every((ch) => /^[a-z]$/i.test(ch))) return reject('not a letter');
  const sizes = new Map<string, number>();
  for (let k = 0; k < operands.length; k++) {
    const shape = operands[k]!.shape;
    if (inputs[k]!.length !== shape.length) return reject('subscripts of another rank');
    for (let a = 0; a < shape.length; a++) {
      const ch = inputs[k]![a]!;
      const first = inputs[k]!.indexOf(ch);
      if (first < a && shape[first] !== shape[a]) return reject('a repeated letter over axes of different sizes');
      const [known, d] = [sizes.get(ch), shape[a]!];
      if (known !== undefined && known !== d && known !== 1 && d !== 1) return reject('sizes of a letter differ');
      if (known === undefined || known === 1) sizes.set(ch, d);
    }
  }
  const counts = new Map<string, number>();
  for (const ch of inputs.join('')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const output = arrow < 0 ? [...counts].filter(([, n]) => n === 1).map(([ch]) => ch).sort() : [...spec.slice(arrow + 2)];
  if (output.some((ch) => !counts.has(ch)) || new Set(output).size !== output.length) return reject('bad output');
  const all = [...sizes.keys()];
  const summed = all.filter((ch) => !output.includes(ch));
  return build(output.map((ch) => sizes.get(ch)!), (o) => {
    let total = 0;
    for (const s of multiIndices(summed.map((ch) => sizes.get(ch)!))) {
      const at = new Map<string, number>([...output.map((ch, i) => [ch, o[i]!] as const), ...summed.map((ch, i) => [ch, s[i]!] as const)]);
      let product = 1;
      operands.forEach((x, k) => {
        product *= get(x, [...inputs[k]!].map((ch, a) => (x.shape[a] === 1 ? 0 : at.get(ch)!)));
      });
      total += product;
    }
    return total;
  });
}

/** The n×n matrix m of a stack, as rows. */
function matrix(x: Nd, m: number, n: number): number[][] {
  return Array.from({ length: n }, (_, i) => x.data.slice(m * n * n + i * n, m * n * n + (i + 1) * n));
}

/** det by cofactor expansion along the first row. */
function determinant(a: number[][]): number {
  const n = a.length;
  if (n === 0) return 1;
  let total = 0;
  for (let j = 0; j < n; j++) {
    const minor = a.slice(1).map((row) => row.filter((_, c) => c !== j));
    total += (j % 2 === 0 ? 1 : -1) * a[0]![j]! * determinant(minor);
  }
  return total;
}

/** n for a stack of square matrices, or null. */
function squareSide(x: Nd): number | null {
  const r = x.shape.length;
  return r >= 2 && x.shape[r - 1] === x.shape[r - 2] ? x.shape[r - 1]! : null;
}

/** solve by Cramer's rule, with adjoint's shapes (b a vector when of rank 1, else [..., n, k], batch broadcast). Singular: det 0. */
export function solveRef(a: Nd, b: Nd): Ref {
  const n = squareSide(a);
  if (n === null) return reject('a not square');
  const vector = b.shape.length === 1;
  const rhs = vector ? { shape: [...b.shape, 1], data: b.data } : b;
  if (rhs.shape.length < 2 || rhs.shape[rhs.shape.length - 2] !== n) return reject('b does not fit');
  const batch = broadcast([a.shape.slice(0, -2), rhs.shape.slice(0, -2)]);
  if (batch === null) return reject('batch axes do not broadcast');
  const k = rhs.shape[rhs.shape.length - 1]!;
  const pick = (x: Nd, lead: number[], tail: number[]): number => {
    const own = x.shape.slice(0, -2);
    return get(x, [...own.map((d, i) => (d === 1 ? 0 : lead[lead.length - own.length + i]!)), ...tail]);
  };
  const out: number[] = [];
  for (const lead of multiIndices(batch)) {
    const m = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => pick(a, lead, [i, j])));
    if (m.some((row) => row.some((v) => !Number.isFinite(v)))) {
      out.push(...new Array<number>(n * k).fill(NaN));
      continue;
    }
    const d = determinant(m);
    if (d === 0) return reject('singular');
    const x = Array.from({ length: n }, () => new Array<number>(k).fill(0));
    for (let c = 0; c < k; c++) {
      for (let i = 0; i < n; i++) x[i]![c] = determinant(m.map((row, r) => row.map((v, j) => (j === i ? pick(rhs, lead, [r, c]) : v)))) / d;
    }
    out.push(...x.flat());
  }
  return { shape: vector ? [...batch, n] : [...batch, n, k], data: out };
}

/** The inverse by Cramer's rule (solve against the identity). */
export function invRef(a: Nd): Ref {
  const n = squareSide(a);
  if (n === null) return reject('not square');
  return solveRef(a, build([...a.shape.slice(0, -2), n, n], (o) => (o[o.length - 1] === o[o.length - 2] ? 1 : 0)));
}

/** [sign, log |det|] stacked: shape [2, ...batch]; sign 0 and −∞ for det 0, NaN for a non-finite matrix. */
export function slogdetRef(a: Nd): Ref {
  const n = squareSide(a);
  if (n === null) return reject('not square');
  const batch = a.shape.slice(0, -2);
  const count = size(batch);
  const signs: number[] = [];
  const logs: number[] = [];
  for (let m = 0; m < count; m++) {
    const rows = matrix(a, m, n);
    if (rows.some((row) => row.some((v) => !Number.isFinite(v)))) {
      signs.push(NaN);
      logs.push(NaN);
      continue;
    }
    const d = determinant(rows);
    signs.push(Math.sign(d));
    logs.push(Math.log(Math.abs(d)));
  }
  return { shape: [2, ...batch], data: [...signs, ...logs] };
}

/** det: sign · exp(log |det|), so NaN for a non-finite matrix. */
export function detRef(a: Nd): Ref {
  const n = squareSide(a);
  if (n === null) return reject('not square');
  const count = size(a.shape.slice(0, -2));
  const data = Array.from({ length: count }, (_, m) => {
    const rows = matrix(a, m, n);
    return rows.some((row) => row.some((v) => !Number.isFinite(v))) ? NaN : determinant(rows);
  });
  return { shape: a.shape.slice(0, -2), data };
}

/** The lower factor from the lower triangle, refused where a pivot is not positive (or NaN). */
export function choleskyRef(a: Nd): Ref {
  const n = squareSide(a);
  if (n === null) return reject('not square');
  const count = size(a.shape.slice(0, -2));
  const out: number[] = [];
  for (let m = 0; m < count; m++) {
    const s = matrix(a, m, n);
    const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let dot = 0;
        for (let p = 0; p < j; p++) dot += l[i]![p]! * l[j]![p]!;
        if (i === j) {
          const d = s[i]![i]! - dot;
          if (!(d > 0) || !Number.isFinite(d)) return reject('not positive definite');
          l[i]![i] = Math.sqrt(d);
        } else l[i]![j] = (s[i]![j]! - dot) / l[j]![j]!;
      }
    }
    out.push(...l.flat());
  }
  return { shape: [...a.shape], data: out };
}
