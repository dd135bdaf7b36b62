/** The multilayer perceptron of the course notes, in one call. */
import { Rng, ValueError, requireOptions } from '@adjoint/core';
import { Dense } from './dense';
import { Sequential } from './sequential';
import type { ActivationFn, ActivationName } from '../activations';
import type { Initializer, InitializerName } from '../init';

/** Options of {@link mlp}. */
export interface MlpOptions {
  /** Activation of every hidden layer (default 'relu'). */
  activation?: ActivationName | ActivationFn;
  /** Activation of the output layer (default 'identity': linear outputs, as for regression or logits). */
  outputActivation?: ActivationName | ActivationFn;
  /** Weight initialiser of every layer (default: Dense's choice per activation). */
  init?: InitializerName | Initializer;
  /** Seed of one generator drawn from by all layers in turn, so the whole network is reproducible. */
  seed?: number;
  /** Generator to draw from instead of `seed`. */
  rng?: Rng;
}

/**
 * A Sequential of Dense layers `sizes[0] → sizes[1] → … → sizes[k]`: hidden layers use
 * `activation`, the last uses `outputActivation`.
 *
 * @example
 * const net = mlp([2, 8, 1], { activation: 'tanh', outputActivation: 'sigmoid', seed: 1 });
 */
export function mlp(sizes: readonly number[], options: MlpOptions = {}): Sequential {
  if (!Array.isArray(sizes) || sizes.length < 2) {
    throw new ValueError(`mlp: sizes must list at least the input and output sizes, got ${JSON.stringify(sizes)}`);
  }
  options = requireOptions('mlp', options);
  const rng = options.rng ?? (options.seed !== undefined ? new Rng(options.seed) : undefined);
  const layers: Dense[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const last = i + 2 === sizes.length;
    layers.push(
      new Dense(sizes[i]!, sizes[i + 1]!, {
        activation: last ? (options.outputActivation ?? 'identity') : (options.activation ?? 'relu'),
        ...(options.init !== undefined ? { init: options.init } : {}),
        ...(rng ? { rng } : {}),
      }),
    );
  }
  return new Sequential(layers);
}
