/** Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay. */
import { Tensor, ValueError, zerosLike } from '@adjoint/core';
import { Optimizer, checkKnownOptions, checkOption, type LearningRate, type OptimizerParams } from './optimizer';
import { checkBoolean, orDefault } from '../args';

/** Options of {@link SGD}. */
export interface SGDOptions {
  /** Learning rate η, or a schedule (default 0.01). */
  lr?: LearningRate;
  /** Momentum μ in [0, 1) (default 0: plain gradient descent). */
  momentum?: number;
  /** Use Nesterov's look-ahead form (needs momentum > 0). */
  nesterov?: boolean;
  /** L2 weight decay λ ≥ 0, added to the gradient (default 0). */
  weightDecay?: number;
}

/**
 * SGD's state for one parameter: `velocity`, the momentum buffer v.
 * @inline
 */
type SGDState = { velocity: Tensor };

/**
 * Gradient descent, in PyTorch's formulation. With gradient g of parameter w:
 *
 *   g ← g + λw                     (weight decay)
 *   v ← μv + g                     (momentum; v starts at 0, so the first v is g)
 *   d = g + μv  (Nesterov)  or  d = v  (classical; d = g when μ = 0)
 *   w ← w − η·d
 *
 * @example
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class SGD extends Optimizer<SGDState> {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(params: OptimizerParams, options: SGDOptions = {}) {
    options = checkKnownOptions('SGD', options, ['lr', 'momentum', 'nesterov', 'weightDecay']);
    super('SGD', params, orDefault(options.lr, 0.01));
    this.momentum = checkOption(this.name, 'momentum', orDefault(options.momentum, 0), 1);
    this.weightDecay = checkOption(this.name, 'weightDecay', orDefault(options.weightDecay, 0));
    this.nesterov = checkBoolean(this.name, 'nesterov', orDefault(options.nesterov, false));
    if (this.nesterov && this.momentum === 0) throw new ValueError('SGD: nesterov needs momentum > 0, got momentum 0');
  }

  protected override settings(): Readonly<Record<string, number | boolean>> {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }

  protected initState(param: Tensor): SGDState {
    return { velocity: zerosLike(param) };
  }

  protected update(w: Float64Array, g: Float64Array, state: SGDState, lr: number, index: number): void {
    const { momentum: mu, nesterov } = this;
    const wd = this.weightDecayOf(index);
    const v = state.velocity.data;
    for (let i = 0; i < w.length; i++) {
      const gi = wd === 0 ? g[i]! : g[i]! + w[i]! * wd;
      if (mu === 0) {
        w[i]! -= gi * lr;
        continue;
      }
      v[i] = v[i]! * mu + gi;
      w[i]! -= (nesterov ? gi + v[i]! * mu : v[i]!) * lr;
    }
  }
}
