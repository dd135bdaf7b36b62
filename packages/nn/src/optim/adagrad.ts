/** Adagrad (Duchi, Hazan & Singer 2011): per-weight rates that shrink with the gradients seen. */
import { Tensor, full } from '@adjoint/core';
import { Optimizer, checkKnownOptions, checkOption, type LearningRate, type OptimizerParams } from './optimizer';
import { orDefault } from '../args';

/** Options of {@link Adagrad}. */
export interface AdagradOptions {
  /** Learning rate η, or a schedule (default 0.01). */
  lr?: LearningRate;
  /** ε added to √s, keeping the first steps finite (default 1e-10). */
  eps?: number;
  /** L2 weight decay λ ≥ 0, added to the gradient (default 0). */
  weightDecay?: number;
  /** Starting value of the accumulator s (default 0). */
  initialAccumulator?: number;
}

/**
 * Adagrad's state for one parameter: `sum`, the running sum s of squared gradients.
 * @inline
 */
type AdagradState = { sum: Tensor };

/**
 * Adagrad. With gradient g (plus λw when weightDecay is set), elementwise:
 *
 *   s ← s + g²
 *   w ← w − η·g/(√s + ε)
 *
 * Weights with large past gradients take small steps; the rates only ever decrease.
 */
export class Adagrad extends Optimizer<AdagradState> {
  readonly eps: number;
  readonly weightDecay: number;
  readonly initialAccumulator: number;

  constructor(params: OptimizerParams, options: AdagradOptions = {}) {
    options = checkKnownOptions('Adagrad', options, ['lr', 'eps', 'weightDecay', 'initialAccumulator']);
    super('Adagrad', params, orDefault(options.lr, 0.01));
    this.eps = checkOption(this.name, 'eps', orDefault(options.eps, 1e-10));
    this.weightDecay = checkOption(this.name, 'weightDecay', orDefault(options.weightDecay, 0));
    this.initialAccumulator = checkOption(this.name, 'initialAccumulator', orDefault(options.initialAccumulator, 0));
  }

  protected override readonly nonNegativeState = ['sum'];
  protected override readonly unboundedState = ['sum'];

  protected override settings(): Readonly<Record<string, number | boolean>> {
    return { eps: this.eps, initialAccumulator: this.initialAccumulator };
  }

  protected initState(param: Tensor): AdagradState {
    return { sum: full(param.shape, this.initialAccumulator) };
  }

  protected update(w: Float64Array, g: Float64Array, state: AdagradState, lr: number, index: number): void {
    const { eps } = this;
    const wd = this.weightDecayOf(index);
    const sum = state.sum.data;
    for (let i = 0; i < w.length; i++) {
      const gi = wd === 0 ? g[i]! : g[i]! + w[i]! * wd;
      sum[i]! += gi * gi;
      w[i]! -= (gi * lr) / (Math.sqrt(sum[i]!) + eps);
    }
  }
}
