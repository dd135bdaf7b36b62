/**
 * einsum: Einstein summation, as a composite of transpose, reshape, broadcastTo, gather, sum and
 * matmul, so that it is differentiable in both modes and to any order with their rules. Operands
 * are contracted two at a time, each pair by one (batched) matrix product, the pairs chosen
 * greedily to keep the intermediates small.
 */
import { ShapeError, ValueError } from '../errors';
import { describeValue, formatShape, shapeSize } from '../shape';
import type { Tensor } from '../tensor';
import { toTensor } from '../create';
import { sum } from './reduce';
import { matmul, transpose } from './matrix';
import { broadcastTo, reshape } from './layout';
import { diagonal } from './diagonal';

/** An operand with one index letter per axis (distinct letters: repeated ones were taken as diagonals). */
interface Term {
  t: Tensor;
  idx: string[];
}

/**
 * Einstein summation over the operands, as NumPy's `einsum` and PyTorch's `torch.einsum`:
 * `'ij,jk->ik'` is a matrix product, `'bij,bjk->bik'` a batched one, `'ii->i'` a diagonal, `'ii'` a
 * trace, `'i,j->ij'` an outer product, `'ij->'` a total. Each operand has one letter per axis;
 * a letter in several operands names one axis of one size (a size-1 axis broadcasts), and letters
 * left out of the output (after `->`) are summed over; a letter repeated within one operand takes
 * its diagonal, whose axes must be of one size. Without `->`, the output is the letters that occur
 * once, in alphabetical order (NumPy's rule). `...` stands for the same leading axes in every
 * operand, broadcast; it comes first in an implicit output and must appear in an explicit one.
 * Operands are contracted two at a time, sharing letters first and smallest result first (as
 * opt_einsum's greedy path), so the order they are written in does not blow up the work.
 *
 * @example
 * einsum('bij,bjk->bik', a, b); // matmul(a, b) for stacks of matrices
 * einsum('ij,ij->i', a, b);     // the rows' dot products
 */
export function einsum(subscripts: string, ...operandArgs: Tensor[]): Tensor {
  const op = 'einsum';
  if (typeof subscripts !== 'string') throw new ValueError(`${op}: subscripts must be a string such as 'ij,jk->ik', got ${describeValue(subscripts)}`);
  const operands = operandArgs.map((x) => toTensor(x, op));
  const spec = subscripts.replace(/\s+/g, '');
  const arrow = spec.indexOf('->');
  const inputs = (arrow < 0 ? spec : spec.slice(0, arrow)).split(',');
  if (inputs.length !== operands.length) {
    throw new ValueError(`${op}: '${subscripts}' names ${inputs.length} operand${inputs.length === 1 ? '' : 's'}, got ${operands.length}`);
  }
  const ellipsisRank = Math.max(0, ...inputs.map((s, k) => (s.includes('...') ? operands[k]!.rank - (s.length - 3) : 0)));
  // '...' becomes one placeholder per axis (not a letter, so it cannot clash with one), aligned from
  // the right as broadcasting aligns axes.
  const ellipsis = Array.from({ length: ellipsisRank }, (_, i) => String.fromCharCode(0x100 + i));
  const letters = (s: string, where: string, shape?: readonly number[]): string[] => {
    const parts = s.split('...');
    if (parts.length > 2) throw new ValueError(`${op}: '...' appears twice in ${where} of '${subscripts}'`);
    for (const ch of parts.join('')) {
      if (!/^[a-z]$/i.test(ch)) throw new ValueError(`${op}: subscripts are letters, ',' and '->' (and '...'), got '${ch}' in '${subscripts}'`);
    }
    if (parts.length === 1) return [...s];
    const own = shape === undefined ? ellipsisRank : shape.length - (parts[0]!.length + parts[1]!.length);
    if (own < 0) throw new ShapeError(`${op}: ${where} '${s}' names more axes than its shape ${formatShape(shape!)} has`);
    return [...parts[0]!, ...ellipsis.slice(ellipsisRank - own), ...parts[1]!];
  };
  const sizes = new Map<string, number>();
  const terms = inputs.map((s, k): Term => {
    const t = operands[k]!;
    const idx = letters(s, `operand ${k}`, t.shape);
    if (idx.length !== t.rank) {
      throw new ShapeError(`${op}: operand ${k} has shape ${formatShape(t.shape)} (${t.rank} ax${t.rank === 1 ? 'is' : 'es'}), but '${s}' names ${idx.length}`);
    }
    const own = new Map<string, number>();
    idx.forEach((ch, a) => {
      const d = t._shape[a]!;
      // A letter repeated within an operand names a diagonal: its axes must be of one size (no broadcasting).
      if (own.has(ch) && own.get(ch) !== d) {
        throw new ShapeError(`${op}: index '${ch}' is repeated in operand ${k} (shape ${formatShape(t.shape)}) over axes of sizes ${own.get(ch)} and ${d}; a diagonal needs one size`);
      }
      own.set(ch, d);
      const known = sizes.get(ch);
      if (known !== undefined && known !== d && known !== 1 && d !== 1) {
        throw new ShapeError(`${op}: ${describeIndex(ch)} has size ${known} in one operand and ${d} in operand ${k} (shape ${formatShape(t.shape)})`);
      }
      if (known === undefined || known === 1) sizes.set(ch, d);
    });
    return { t, idx };
  });
  const counts = new Map<string, number>();
  for (const { idx } of terms) for (const ch of idx) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const output = arrow < 0
    ? [...ellipsis, ...[...counts].filter(([ch, n]) => n === 1 && !ellipsis.includes(ch)).map(([ch]) => ch).sort()]
    : letters(spec.slice(arrow + 2), 'the output');
  for (const ch of output) {
    if (!counts.has(ch)) throw new ValueError(`${op}: the output index '${ch}' is in no operand of '${subscripts}'`);
  }
  if (new Set(output).size !== output.length) throw new ValueError(`${op}: an output index appears twice in '${subscripts}'`);
  if (arrow >= 0 && ellipsisRank > 0 && !spec.slice(arrow + 2).includes('...')) {
    throw new ValueError(`${op}: the operands have '...' axes but the output '${spec.slice(arrow + 2)}' has no '...' (NumPy's rule; sum them explicitly, or write '...' in the output)`);
  }

  // Broadcast size-1 axes, take repeated letters as diagonals, then contract two terms at a time.
  let pending = terms.map((term) => diagonals(broadcastTerm(term, sizes)));
  while (pending.length > 1) {
    const [i, j] = nextPair(pending, output, sizes);
    const others = pending.filter((_, k) => k !== i && k !== j);
    const later = new Set([...output, ...others.flatMap((r) => r.idx)]);
    // Each is first summed over the letters that neither the other nor anything later needs.
    const right = sumUnneeded(pending[j]!, new Set([...later, ...pending[i]!.idx]));
    const merged = contract(sumUnneeded(pending[i]!, new Set([...later, ...right.idx])), right, later);
    pending = [merged, ...others];
  }
  const acc = sumUnneeded(pending[0]!, new Set(output));
  return transpose(acc.t, output.map((ch) => acc.idx.indexOf(ch)));
}

/** A letter for a message: the '...' placeholders by the axis of '...' they stand for. */
function describeIndex(ch: string): string {
  const code = ch.charCodeAt(0);
  return code >= 0x100 ? `axis ${code - 0x100} of '...'` : `index '${ch}'`;
}

/**
 * The pair of terms to contract next, greedily as opt_einsum's greedy path: a pair that shares a
 * letter before one that does not (an outer product), and among those the smallest result, so
 * that no intermediate is larger than it must be ('ij,kl,jk->il' contracts jk first, not the n⁴
 * outer product of the first two). Ties go to the earliest pair, so the order is deterministic.
 */
function nextPair(terms: readonly Term[], output: readonly string[], sizes: ReadonlyMap<string, number>): [number, number] {
  let best: { pair: [number, number]; shares: boolean; size: number } | undefined;
  for (let i = 0; i < terms.length; i++) {
    for (let j = i + 1; j < terms.length; j++) {
      const [a, b] = [terms[i]!.idx, terms[j]!.idx];
      const later = new Set([...output, ...terms.flatMap((t, k) => (k === i || k === j ? [] : t.idx))]);
      const kept = [...new Set([...a, ...b])].filter((ch) => later.has(ch));
      const size = kept.reduce((p, ch) => p * sizes.get(ch)!, 1);
      const shares = a.some((ch) => b.includes(ch));
      if (best === undefined || (shares && !best.shares) || (shares === best.shares && size < best.size)) best = { pair: [i, j], shares, size };
    }
  }
  return best!.pair;
}

/** The term with its size-1 axes stretched to the size its letter has elsewhere. */
function broadcastTerm({ t, idx }: Term, sizes: ReadonlyMap<string, number>): Term {
  const full = idx.map((ch) => sizes.get(ch)!);
  return { t: full.every((d, a) => d === t._shape[a]) ? t : broadcastTo(t, full), idx };
}

/** The term with each letter repeated within it replaced by one axis, its diagonal (`'ii'` → `'i'`). */
function diagonals(term: Term): Term {
  let { t, idx } = term;
  for (let a = 0; a < idx.length; a++) {
    const b = idx.indexOf(idx[a]!, a + 1);
    if (b < 0) continue;
    // diagonal puts the diagonal of axes a and b last; the letter may repeat a third time, so look again from the start.
    t = diagonal(t, 0, a, b);
    idx = [...idx.filter((_, i) => i !== a && i !== b), idx[a]!];
    a = -1;
  }
  return { t, idx };
}

/** The term summed over the letters no later step needs. */
function sumUnneeded({ t, idx }: Term, needed: ReadonlySet<string>): Term {
  const axes = idx.flatMap((ch, a) => (needed.has(ch) ? [] : [a]));
  return axes.length === 0 ? { t, idx } : { t: sum(t, axes), idx: idx.filter((ch) => needed.has(ch)) };
}

/**
 * The product of two terms summed over the letters they share that nothing later needs: one
 * batched matrix product [batch, freeA, shared] · [batch, shared, freeB].
 */
function contract(a: Term, b: Term, needed: ReadonlySet<string>): Term {
  const inB = new Set(b.idx);
  const batch = a.idx.filter((ch) => inB.has(ch) && needed.has(ch));
  const shared = a.idx.filter((ch) => inB.has(ch) && !needed.has(ch));
  const freeA = a.idx.filter((ch) => !inB.has(ch));
  const freeB = b.idx.filter((ch) => !a.idx.includes(ch));
  const sizeOf = (term: Term, letters: string[]): number[] => letters.map((ch) => term.t._shape[term.idx.indexOf(ch)]!);
  const arranged = (term: Term, order: string[], shape: number[]): Tensor => {
    const perm = order.map((ch) => term.idx.indexOf(ch));
    // An operand already in order is reshaped as it is, not copied by a transpose first.
    return reshape(perm.every((p, i) => p === i) ? term.t : transpose(term.t, perm), shape);
  };
  const [nBatch, nA, nShared, nB] = [sizeOf(a, batch), sizeOf(a, freeA), sizeOf(a, shared), sizeOf(b, freeB)].map(shapeSize) as [number, number, number, number];
  const left = arranged(a, [...batch, ...freeA, ...shared], [nBatch, nA, nShared]);
  const right = arranged(b, [...batch, ...shared, ...freeB], [nBatch, nShared, nB]);
  const shape = [...sizeOf(a, batch), ...sizeOf(a, freeA), ...sizeOf(b, freeB)];
  return { t: reshape(matmul(left, right), shape), idx: [...batch, ...freeA, ...freeB] };
}
