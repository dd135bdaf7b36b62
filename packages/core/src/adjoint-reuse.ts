/**
 * Reuse, within a backward pass, of the arrays of adjoints the pass has finished with. Once an op's
 * rule has turned its output's adjoint into its inputs' cotangents, that adjoint is usually dead,
 * and so is a cotangent that was added into an existing adjoint rather than kept; their arrays can
 * go back to `allocData` for the next result of their size (the next rule's, or the next training
 * step's forward pass) instead of to the garbage collector.
 *
 * "Usually" is the whole difficulty: a rule may pass its adjoint on unchanged (add gives it to both
 * inputs; reshape returns a view on the same array), so one array can sit in several adjoint slots
 * at once. This class counts the slots holding each array and lets one go only at zero. It relies
 * on three things that {@link AdjointReuse.allowed} checks or the caller guarantees: only arrays the
 * pass itself allocated are touched (never the seed, never forward values); the pass is not
 * recorded and computes no tangents; and every rule that has seen an array is one of core's own,
 * which keep nothing — the first rule of any other op (a user's registered op, a customVjp) turns
 * reuse off for the rest of the pass, since it may keep what it was given or returned.
 *
 * The same goes for the arrays a core rule makes for itself on the way to its cotangents (linear's
 * relu mask applied to the adjoint, log softmax's softmax): whichever of them no slot holds once the
 * cotangents are accumulated, nothing can see. No core op's result is a view of another array's
 * elements (reshape shares the array object itself), so counting slots per array object is enough.
 */
import type { Tensor } from './tensor';
import type { OpDef } from './registry';
import { isBuiltInOp } from './registry';
import { collectAllocations, isPooled, recycleData } from './kernels/alloc';

export class AdjointReuse {
  /** Adjoint slots holding each array the pass allocated (arrays in no slot are absent). */
  private readonly holders = new Map<Float64Array, number>();
  /** Arrays that may be dead once the current rule's cotangents are accumulated. */
  private readonly retired: Float64Array[] = [];
  /** Arrays the current rule allocated (see {@link rule}). */
  private readonly made = new Set<Float64Array>();
  private on = true;

  /** Reuse for a pass whose new arrays are collected in `fresh`. */
  constructor(private readonly fresh: Set<Float64Array>) {}

  /**
   * The arrays a pass allocates, collected in `fresh`, if it may reuse them; null when it may not:
   * it is recorded or computes tangents (`differentiable`), it runs inside another pass's rule
   * (`nested`), or something outside the engine sees its adjoints (`observed`).
   */
  static allowed(fresh: Set<Float64Array> | undefined, differentiable: boolean, nested: boolean, observed: boolean): Set<Float64Array> | null {
    return fresh === undefined || differentiable || nested || observed ? null : fresh;
  }

  /**
   * Runs the rule of `op` (the caller's `vjp` call), noting the arrays it allocates so that
   * {@link spend} can hand back those that end up in no slot. They count as the pass's own.
   */
  rule<T>(op: OpDef, vjp: () => T): T {
    if (!this.on || !isBuiltInOp(op)) return vjp();
    const made = this.made;
    made.clear();
    const cotangents = collectAllocations(made, vjp);
    for (const a of made) this.fresh.add(a);
    return cotangents;
  }

  /** An adjoint slot now holds `t`. */
  hold(t: Tensor): void {
    const data = t.data;
    if (this.tracks(data)) this.holders.set(data, (this.holders.get(data) ?? 0) + 1);
  }

  /** A slot's adjoint `previous` was replaced by the sum `total`: previous may be dead. */
  replace(previous: Tensor, total: Tensor): void {
    this.drop(previous.data);
    this.hold(total);
    this.retire(previous);
  }

  /** `t` may be dead once the rule being processed is done with: noted, for {@link spend}. */
  retire(t: Tensor): void {
    if (this.on && this.tracks(t.data)) this.retired.push(t.data);
  }

  /**
   * Called once `op`'s rule has turned the adjoint `g` (no longer in its slot) into `cotangents`,
   * all now accumulated, so that every slot is counted: hands back every array among them, the
   * retired ones and the rule's own that no slot holds (and that is no longer the pass's, so no leaf
   * can adopt it).
   * A rule that is not core's own, and saw an array that could be reused, ends reuse for the pass.
   */
  spend(op: OpDef, g: Tensor, cotangents: readonly (Tensor | null)[]): void {
    if (!this.on) return;
    const data = g.data;
    let seen = isPooled(data);
    for (let i = 0; i < cotangents.length; i++) seen ||= cotangents[i] != null && isPooled(cotangents[i]!.data);
    // Rules on small arrays only (a scalar workload's, all of them) have nothing to give back.
    if (!seen) return;
    if (!isBuiltInOp(op)) {
      this.on = false;
      return;
    }
    this.drop(data);
    this.retire(g);
    for (let i = 0; i < cotangents.length; i++) if (cotangents[i] != null) this.retire(cotangents[i]!);
    const retired = this.retired;
    for (let i = 0; i < retired.length; i++) this.handBack(retired[i]!);
    retired.length = 0;
    for (const a of this.made) this.handBack(a);
    this.made.clear();
  }

  /**
   * Gives `data` back to the allocator if no slot holds it and it is still the pass's: an array
   * met twice (retired twice, or retired and made by the rule) is gone from `fresh` the second time.
   */
  private handBack(data: Float64Array): void {
    if (!this.holders.has(data) && this.fresh.delete(data)) recycleData(data);
  }

  /** A slot no longer holds `data`. */
  private drop(data: Float64Array): void {
    if (!isPooled(data)) return; // never held; and a Map lookup would give the array a hash code
    const count = this.holders.get(data);
    if (count === undefined) return;
    if (count > 1) this.holders.set(data, count - 1);
    else this.holders.delete(data);
  }

  private tracks(data: Float64Array): boolean {
    return isPooled(data) && this.fresh.has(data);
  }
}
