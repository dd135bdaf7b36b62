/**
 * The adjoints of one backward pass: one slot per node of the pass's tape, the only place they
 * live, and the one way they are accumulated.
 *
 * Accumulation follows HIPS autograd: the first contribution to a slot is stored as it is (it may
 * be the seed, an input passed through, or an array another slot holds too); the second makes a
 * new sum, which is the slot's own; later ones are added into that sum in place. Nothing else can
 * hold the sum before the slot's adjoint is complete, so writing into it is never observable. A
 * pass that is itself differentiated adds out of place throughout, as it must record its sums; it
 * is the reference the others are checked against.
 *
 * A slot of a one-element node may hold its adjoint as a plain number instead (the scalar rules
 * of scalar-rules.ts produce and consume numbers): contributions are then added as numbers, in
 * the order they come, which gives the sums the tensors would have, and `get` makes the tensor
 * only when something needs one (a rule that is not a scalar one, a leaf's gradient).
 */
import { engineScalar, scalarValue, type Tensor } from './tensor';
import { add, pad } from './functions';
import { addIntoSlices } from './rule-ops';
import type { MemoryPlan } from './memory-plan';
import { addInto } from './kernels/elementwise';
import { addIntoBox } from './kernels/layout';

export class Adjoints {
  private readonly slots: (Tensor | null)[];
  /** 1 where the slot holds a sum this pass made: the slot's alone, to add into in place. */
  private readonly ownSum: Uint8Array;
  /** 1 where the slot's adjoint is the number in `numbers` (its tensor slot is then null). */
  private readonly isNumber: Uint8Array;
  private readonly numbers: Float64Array;
  /**
   * A recorded pass's slices' cotangents not yet added to their slots (slot → cotangents and
   * begins), added all at once, by one addIntoSlices, when the slot is next read or added to; null
   * in a pass that adds in place.
   */
  private readonly pendingBoxes: Map<number, { ys: Tensor[]; begins: (readonly number[])[] }> | null;

  /**
   * @param nodes the pass's tape: slot k is nodes[k]'s (whose shape a number's tensor takes).
   * @param memory the pass's memory plan, told which arrays the slots hold; null when the pass
   *   reuses nothing.
   * @param inPlace whether sums the pass made are added into in place: false for a pass that is
   *   itself differentiated.
   */
  constructor(private readonly nodes: readonly Tensor[], private readonly memory: MemoryPlan | null, private readonly inPlace: boolean) {
    const size = nodes.length;
    this.slots = new Array<Tensor | null>(size).fill(null);
    this.ownSum = new Uint8Array(size);
    this.isNumber = new Uint8Array(size);
    this.numbers = new Float64Array(size);
    this.pendingBoxes = inPlace ? null : new Map();
  }

  /** The adjoint accumulated in slot k so far, or null (a number becomes a tensor here). */
  get(k: number): Tensor | null {
    if (this.pendingBoxes !== null) this.addPendingBoxes(k);
    if (this.isNumber[k] === 1) {
      const t = engineScalar(this.numbers[k]!, this.nodes[k]!._shape);
      this.isNumber[k] = 0;
      this.slots[k] = t;
      this.ownSum[k] = this.inPlace ? 1 : 0;
      this.memory?.hold(t);
    }
    return this.slots[k]!;
  }

  /** Whether slot k holds an adjoint, tensor or number. */
  has(k: number): boolean {
    return this.isNumber[k] === 1 || this.slots[k] !== null;
  }

  /** Slot k's adjoint (of one element) as a number, emptying the slot; slot k must hold one. */
  takeNumber(k: number): number {
    if (this.isNumber[k] === 1) {
      this.isNumber[k] = 0;
      return this.numbers[k]!;
    }
    const value = scalarValue(this.slots[k]!);
    this.clear(k);
    return value;
  }

  /** Adds the contribution `v` (a one-element adjoint) to slot k, as the tensor `add` would. */
  addNumber(k: number, v: number): void {
    if (this.isNumber[k] === 1) {
      this.numbers[k] = this.numbers[k]! + v;
      return;
    }
    const previous = this.slots[k]!;
    if (previous === null) this.numbers[k] = v;
    else {
      this.numbers[k] = scalarValue(previous) + v;
      this.clear(k);
    }
    this.isNumber[k] = 1;
  }

  /** Adds the contribution `g` to slot k. */
  add(k: number, g: Tensor): void {
    if (this.pendingBoxes !== null) this.addPendingBoxes(k);
    if (this.isNumber[k] === 1) {
      this.numbers[k] = this.numbers[k]! + scalarValue(g); // g has the node's one element
      return;
    }
    const previous = this.slots[k]!;
    if (previous === null) {
      this.slots[k] = g;
      this.memory?.hold(g);
    }
    else if (this.ownSum[k] === 1) addInto(previous.data, g.data);
    else {
      const sum = add(previous, g);
      this.slots[k] = sum;
      this.ownSum[k] = this.inPlace ? 1 : 0;
      this.memory?.hold(sum);
      this.memory?.release(previous);
    }
  }

  /**
   * Adds a slice's cotangent `g` into the box at `begin` of slot k's adjoint: what adding
   * `pad(g, begin, shape)` would do, at the cost of `g` rather than of the whole adjoint when the
   * slot holds a sum of its own. A slot that is empty starts from the padded `g`, its own array.
   * One holding an array it does not own gets a new sum (addIntoSlices), in a recorded pass for all
   * the cotangents that arrive before the slot is next read or added to, so that k slices of one
   * tensor cost one copy of it there too.
   */
  addBox(k: number, g: Tensor, begin: readonly number[]): void {
    // An empty box adds nothing, but as the first contribution it still gives the slot its zeros.
    if (g.size === 0 && this.has(k)) return;
    if (this.isNumber[k] === 1) {
      this.numbers[k] = this.numbers[k]! + scalarValue(g); // a one-element box is the whole adjoint
      return;
    }
    const previous = this.slots[k]!;
    if (previous !== null && this.ownSum[k] === 1) {
      addIntoBox(previous.data, previous._shape, g.data, g._shape, begin);
      return;
    }
    if (previous !== null && this.pendingBoxes !== null) {
      const pending = this.pendingBoxes.get(k);
      if (pending === undefined) this.pendingBoxes.set(k, { ys: [g], begins: [begin] });
      else {
        pending.ys.push(g);
        pending.begins.push(begin);
      }
      return;
    }
    const sum = previous === null ? pad(g, begin, this.nodes[k]!._shape) : addIntoSlices(previous, [g], [begin]);
    this.slots[k] = sum;
    this.ownSum[k] = this.inPlace ? 1 : 0;
    this.memory?.hold(sum);
    if (previous !== null) this.memory?.release(previous);
  }

  /** Adds the slices' cotangents waiting for slot k (a recorded pass's) into its adjoint, as one recorded op. */
  private addPendingBoxes(k: number): void {
    const pending = this.pendingBoxes!.get(k);
    if (pending === undefined) return;
    this.pendingBoxes!.delete(k);
    this.slots[k] = addIntoSlices(this.slots[k]!, pending.ys, pending.begins);
  }

  /** Empties slot k, whose adjoint has been passed on to its node's inputs. */
  clear(k: number): void {
    const g = this.slots[k]!;
    this.slots[k] = null;
    this.ownSum[k] = 0;
    this.isNumber[k] = 0;
    if (g !== null) this.memory?.release(g);
  }

  /** Replaces slot k's complete adjoint by `g` (what a hook returned). */
  replace(k: number, g: Tensor): void {
    this.clear(k);
    this.add(k, g);
  }
}
