/**
 * Memory planning for a backward pass that is not itself differentiated: which arrays the pass may
 * give back to `allocData` for reuse, and which a leaf may take as its gradient without a copy.
 *
 * The ownership rule. The engine owns an array only if core's own code allocated it during this
 * pass (a built-in op's rule, an accumulated sum, an un-broadcasting sum) and it has never been
 * handed to code outside the engine. Everything else belongs to the user: every forward value,
 * the seed, every `.grad`, and every array that user code has seen or made — a cotangent given to
 * a custom rule or a registered op's rule, whatever such a rule returns or allocates, an adjoint
 * given to a hook or to `trace`. Only owned arrays are ever reused, so no program can observe it.
 *
 * An owned array is dead once no adjoint slot holds it: a rule may pass its adjoint on unchanged
 * (add gives it to both inputs; reshape returns a tensor on the same array), so the plan counts
 * the slots holding each owned array. After each node's step — its rule run, its cotangents
 * accumulated — it gives back every owned array that may have died in the step and that no slot
 * holds. No core op's result is a view of part of another array, so counting per array is exact.
 *
 * Only arrays of their own (more than a few elements, see kernels/alloc.ts) are tracked: the small
 * ones of a scalar workload are views into shared slabs and cannot be reused one by one.
 */
import type { Tensor } from './tensor';
import { collectAllocations, isPooled, recycleData, type AllocationSink } from './kernels/alloc';

export class MemoryPlan implements AllocationSink {
  /** Arrays the engine owns (see above). */
  private readonly owned = new Set<Float64Array>();
  /** How many adjoint slots hold each owned array that some slot holds. */
  private readonly holders = new Map<Float64Array, number>();
  /** Owned arrays that may have died in the current step. */
  private readonly maybeDead: Float64Array[] = [];

  /** Receives each array core's code allocates while the pass collects (see alloc.ts). */
  add(array: Float64Array): void {
    this.owned.add(array);
    this.maybeDead.push(array);
  }

  /** A slot now holds `t`. */
  hold(t: Tensor): void {
    const data = t.data;
    if (isPooled(data) && this.owned.has(data)) this.holders.set(data, (this.holders.get(data) ?? 0) + 1);
  }

  /** A slot no longer holds `t`. */
  release(t: Tensor): void {
    const data = t.data;
    if (!isPooled(data)) return; // never tracked; and a Map lookup would give the array a hash code
    const count = this.holders.get(data);
    if (count === undefined) return;
    if (count > 1) this.holders.set(data, count - 1);
    else {
      this.holders.delete(data);
      this.maybeDead.push(data);
    }
  }

  /** `t` is handed to code outside the engine: its array is the user's from now on. */
  expose(t: Tensor): void {
    if (isPooled(t.data)) this.owned.delete(t.data);
  }

  /** Runs user code (a rule that is not core's own): what it allocates is not collected as the engine's. */
  outside<T>(userCode: () => T): T {
    return collectAllocations(null, userCode);
  }

  /** Ends a node's step: gives back each owned array that may have died in it and that no slot holds. */
  endStep(): void {
    const candidates = this.maybeDead;
    if (candidates.length === 0) return; // most steps of a scalar workload: nothing to look at
    for (let i = 0; i < candidates.length; i++) {
      const data = candidates[i]!;
      if (!this.holders.has(data) && this.owned.delete(data)) recycleData(data);
    }
    candidates.length = 0;
  }

  /**
   * Whether a leaf may take `g`'s array as its gradient without a copy: true once for an owned
   * array (which is then the leaf's), false for anything else and for an array already taken.
   */
  adopt(g: Tensor): boolean {
    return this.owned.delete(g.data);
  }
}
