/** RMSprop (Hinton's lecture 6e): Adagrad with a decaying average instead of a growing sum. */
import { Tensor, zerosLike } from '@adjoint/core';
import { Optimizer, checkKnownOptions, checkOption, type LearningRate, type OptimizerParams } from './optimizer';
import { orDefault } from '../args';

/** Options of {@link RMSprop}. */
export interface RMSpropOptions {
  /** Learning rate η, or a schedule (default 0.001). */
  lr?: LearningRate;
  /** Decay ρ ∈ [0, 1) of the average of squared gradients (default 0.9; PyTorch's `alpha`, default 0.99). */
  rho?: number;
  /** ε added to √s (default 1e-8). */
  eps?: number;
  /** L2 weight decay λ ≥ 0, added to the gradient (default 0). */
  weightDecay?: number;
}

/**
 * RMSprop's state for one parameter: `square`, the moving average s of squared gradients.
 * @inline
 */
type RMSpropState = { square: Tensor };

/**
 * RMSprop. With gradient g (plus λw when weightDecay is set), elementwise:
 *
 *   s ← ρs + (1 − ρ)g²        (s starts at 0)
 *   w ← w − η·g/(√s + ε)
 *
 * This is PyTorch's update (`torch.optim.RMSprop` without `centered` or `momentum`, which are not
 * offered), but the name ρ and the defaults lr = 0.001, ρ = 0.9 are Keras's: for PyTorch's pass
 * `{lr: 0.01, rho: 0.99}`.
 */
export class RMSprop extends Optimizer<RMSpropState> {
  readonly rho: number;
  readonly eps: number;
  readonly weightDecay: number;

  constructor(params: OptimizerParams, options: RMSpropOptions = {}) {
    options = checkKnownOptions('RMSprop', options, ['lr', 'rho', 'eps', 'weightDecay']);
    super('RMSprop', params, orDefault(options.lr, 0.001));
    this.rho = checkOption(this.name, 'rho', orDefault(options.rho, 0.9), 1);
    this.eps = checkOption(this.name, 'eps', orDefault(options.eps, 1e-8));
    this.weightDecay = checkOption(this.name, 'weightDecay', orDefault(options.weightDecay, 0));
  }

  protected override readonly nonNegativeState = ['square'];

  protected override settings(): Readonly<Record<string, number | boolean>> {
    return { rho: this.rho, eps: this.eps };
  }

  protected initState(param: Tensor): RMSpropState {
    return { square: zerosLike(param) };
  }

  protected update(w: Float64Array, g: Float64Array, state: RMSpropState, lr: number, index: number): void {
    const { eps, rho } = this;
    const wd = this.weightDecayOf(index);
    const square = state.square.data;
    for (let i = 0; i < w.length; i++) {
      const gi = wd === 0 ? g[i]! : g[i]! + w[i]! * wd;
      square[i] = square[i]! * rho + gi * gi * (1 - rho);
      w[i]! -= (gi * lr) / (Math.sqrt(square[i]!) + eps);
    }
  }
}
