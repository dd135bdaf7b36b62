/**
 * The adjoints of one backward pass: one slot per node of the pass's tape, the only place they
 * live, and the one way they are accumulated.
 *
 * Accumulation follows HIPS autograd: the first contribution to a slot is stored as it is (it may
 * be the seed, an input passed through, or an array another slot holds too); the second makes a
 * new sum, which is the slot's own; later ones are added into that sum in place. Nothing else can
 * hold the sum before the slot's adjoint is complete, so writing into it is never observable. Only
 * a pass with a memory plan (Tensor.backward's) adds in place; the others add out of place
 * throughout: a pass that is itself differentiated must record its sums, and the functional
 * transforms' pass is the plain reference that the reusing one is checked against.
 */
import type { Tensor } from './tensor';
import { add } from './functions';
import type { MemoryPlan } from './memory-plan';
import { addInto } from './kernels/elementwise';

export class Adjoints {
  private readonly slots: (Tensor | null)[];
  /** 1 where the slot holds a sum this pass made: the slot's alone, to add into in place. */
  private readonly ownSum: Uint8Array;

  /**
   * @param size the number of nodes on the tape.
   * @param memory the pass's memory plan, told which arrays the slots hold; null when the pass
   *   reuses nothing, and then no sum is written in place either.
   */
  constructor(size: number, private readonly memory: MemoryPlan | null) {
    this.slots = new Array<Tensor | null>(size).fill(null);
    this.ownSum = new Uint8Array(size);
  }

  /** The adjoint accumulated in slot k so far, or null. */
  get(k: number): Tensor | null {
    return this.slots[k]!;
  }

  /** Adds the contribution `g` to slot k. */
  add(k: number, g: Tensor): void {
    const previous = this.slots[k]!;
    if (previous === null) {
      this.slots[k] = g;
      this.memory?.hold(g);
    }
    else if (this.ownSum[k] === 1) addInto(previous.data, g.data);
    else {
      const sum = add(previous, g);
      this.slots[k] = sum;
      this.ownSum[k] = this.memory === null ? 0 : 1;
      this.memory?.hold(sum);
      this.memory?.release(previous);
    }
  }

  /** Empties slot k, whose adjoint has been passed on to its node's inputs. */
  clear(k: number): void {
    const g = this.slots[k]!;
    this.slots[k] = null;
    this.ownSum[k] = 0;
    if (g !== null) this.memory?.release(g);
  }

  /** Replaces slot k's complete adjoint by `g` (what a hook returned). */
  replace(k: number, g: Tensor): void {
    this.clear(k);
    this.add(k, g);
  }
}
