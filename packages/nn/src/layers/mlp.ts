/** The multilayer perceptron of the course notes (docs/course-notes.md), in one call. */
import { Rng, ValueError } from '@adjoint/core';
import { Dense, checkDenseSizes } from './dense';
import { Sequential } from './sequential';
import { activationFn, type ActivationFn, type ActivationName } from '../activations';
import { initializer, type Initializer, type InitializerName } from '../init';
import { knownOptions, randomSource, generatorOf, show, orDefault } from '../args';

const MLP_OPTIONS = ['activation', 'outputActivation', 'init', 'seed', 'rng'];

/**
 * Most layers mlp builds. A Dense layer takes about 1.3 KB of the JavaScript heap however small, so
 * a list of 10⁷ sizes would exhaust the heap, which aborts the process; no real network comes near.
 * For more, build the Sequential of Dense layers yourself.
 */
export const MAX_MLP_LAYERS = 100_000;

/** Options of {@link mlp}. */
export interface MlpOptions {
  /** Activation of every hidden layer (default 'relu'). */
  activation?: ActivationName | ActivationFn;
  /** Activation of the output layer (default 'identity': linear outputs, as for regression or logits). */
  outputActivation?: ActivationName | ActivationFn;
  /** Weight initialiser of every layer (default: Dense's choice per activation). */
  init?: InitializerName | Initializer;
  /** Seed (a whole number) of one generator drawn from by all layers in turn, so the whole network is reproducible. */
  seed?: number;
  /** Generator to draw from instead (give seed or rng, not both). */
  rng?: Rng;
}

/**
 * A Sequential of Dense layers `sizes[0] → sizes[1] → … → sizes[k]`: hidden layers use
 * `activation`, the last uses `outputActivation`. Everything is checked before the first layer is
 * built, and errors name mlp.
 *
 * @throws ValueError for fewer than two sizes or more than 100,000 layers (MAX_MLP_LAYERS), a size that
 * is not a positive integer, a layer too large for a tensor, a bad activation, initialiser or seed,
 * seed and rng together, or an unknown option.
 *
 * @example
 * const net = mlp([2, 8, 1], { activation: 'tanh', outputActivation: 'sigmoid', seed: 1 });
 */
export function mlp(sizes: readonly number[], options: MlpOptions = {}): Sequential {
  const op = 'mlp';
  if (!Array.isArray(sizes) || sizes.length < 2) {
    throw new ValueError(`${op}: sizes must list at least the input and output sizes, got ${show(sizes)}`);
  }
  if (sizes.length - 1 > MAX_MLP_LAYERS) {
    throw new ValueError(`${op}: ${sizes.length - 1} layers are more than the ${MAX_MLP_LAYERS} mlp builds; build a Sequential of Dense layers for more`);
  }
  sizes.forEach((n, i) => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) throw new ValueError(`${op}: sizes[${i}] must be a positive integer, got ${show(n)}`);
  });
  for (let i = 0; i + 1 < sizes.length; i++) checkDenseSizes(op, sizes[i], sizes[i + 1], `layer ${i} (sizes[${i}] → sizes[${i + 1}]): `);
  options = knownOptions(op, options, MLP_OPTIONS);
  for (const key of ['activation', 'outputActivation'] as const) {
    if (options[key] !== undefined) activationFn(options[key], op);
  }
  if (options.init !== undefined) initializer(options.init, op);
  const random = randomSource(op, options);
  const rng = generatorOf(random);
  const layers: Dense[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const last = i + 2 === sizes.length;
    layers.push(
      new Dense(sizes[i]!, sizes[i + 1]!, {
        activation: last ? orDefault(options.outputActivation, 'identity') : orDefault(options.activation, 'relu'),
        ...(options.init !== undefined ? { init: options.init } : {}),
        ...(rng ? { rng } : {}),
      }),
    );
  }
  return new Sequential(layers);
}
