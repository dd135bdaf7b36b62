/** Dropout (Srivastava et al. 2014), in its inverted form. */
import { Rng, Tensor, ValueError, greaterEqual, rand } from '@adjoint/core';
import { Module, describe } from '../module';
import { knownOptions, randomSource, generatorOf, requireTensor } from '../args';

/** Options of {@link Dropout}. */
export interface DropoutOptions {
  /** Seed of the layer's own generator, a whole number: the same seed gives the same sequence of masks. */
  seed?: number;
  /** A generator to draw masks from (give seed or rng, not both). */
  rng?: Rng;
}

/**
 * In training, zeroes each element with probability `p` and multiplies the survivors by 1/(1 − p),
 * so that every element keeps its expected value and evaluation needs no rescaling; in evaluation
 * it is the identity. The mask is a constant: gradients flow only through the kept elements, scaled
 * by the same 1/(1 − p).
 */
export class Dropout extends Module {
  readonly p: number;
  /**
   * The generator the masks are drawn from: the one given as `rng`, or the layer's own for a
   * `seed`; undefined when masks come from core's module-wide stream (no seed or rng; save that one
   * with `getRngState`). To resume training where a checkpoint left it, save `rng.state()` (plain
   * data) with the weights and put it back in place with `rng.setState(saved)`.
   */
  readonly rng: Rng | undefined;

  /**
   * @throws ValueError unless 0 ≤ p < 1 (p = 1 would drop everything and divide by zero); for a seed
   * that is not a whole number, seed and rng together, or an unknown option.
   */
  constructor(p = 0.5, options: DropoutOptions = {}) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new ValueError(`Dropout: p must be in [0, 1), got ${typeof p === 'number' ? String(p) : describe(p)}`);
    const random = randomSource('Dropout', knownOptions('Dropout', options, ['seed', 'rng']));
    this.p = p;
    this.rng = generatorOf(random);
  }

  /** x·mask/(1 − p) in training, x in evaluation. */
  forward(x: Tensor): Tensor {
    requireTensor('Dropout.forward', 'input', x);
    if (!this.training || this.p === 0) return x;
    return dropped(x, this.p, this.rng);
  }

  protected override describeSelf(): string {
    return `p = ${this.p}`;
  }
}

/**
 * x with each element zeroed with probability p and the survivors scaled by 1/(1 − p), the mask
 * drawn from `rng` (core's module-wide stream when undefined): Dropout's training step, which the
 * recurrent layers and attention use on their inner values too. The mask is a constant.
 * @internal
 */
export function dropped(x: Tensor, p: number, rng: Rng | undefined): Tensor {
  const keep = greaterEqual(rand(x.shape, rng ? { rng } : {}), p);
  return x.mul(keep).div(1 - p);
}
