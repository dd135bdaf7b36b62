/**
 * Activation functions by name, so layers can be configured with plain strings
 * (`{activation: 'relu'}`) as well as with functions.
 */
import { Tensor, ValueError, elu, gelu, leakyRelu, relu, sigmoid, silu, softmax, softplus, tanh } from '@adjoint/core';
import { show } from './args';

/** An elementwise (or, for softmax, last-axis) activation: tensor in, tensor of the same shape out. */
export type ActivationFn = (x: Tensor) => Tensor;

/**
 * The activation names layers understand. 'gelu' is the exact x·Φ(x) (PyTorch's default GELU; the
 * tanh approximation is the module `new GELU({approximate: 'tanh'})`), 'silu' is x·σ(x).
 */
export type ActivationName = 'relu' | 'tanh' | 'sigmoid' | 'leakyRelu' | 'elu' | 'gelu' | 'silu' | 'softplus' | 'softmax' | 'identity';

const byName: Record<ActivationName, ActivationFn> = {
  relu: (x) => relu(x),
  tanh: (x) => tanh(x),
  sigmoid: (x) => sigmoid(x),
  leakyRelu: (x) => leakyRelu(x),
  elu: (x) => elu(x),
  gelu: (x) => gelu(x),
  silu: (x) => silu(x),
  softplus: (x) => softplus(x),
  softmax: (x) => softmax(x, -1),
  identity: (x) => x,
};

/** Every accepted activation name. */
export const activationNames = Object.keys(byName) as ActivationName[];

/** The function for an activation name (a function is returned unchanged). */
export function activationFn(spec: ActivationName | ActivationFn, op = 'activationFn'): ActivationFn {
  if (typeof spec === 'function') return spec;
  if (typeof spec === 'string' && Object.prototype.hasOwnProperty.call(byName, spec)) return byName[spec];
  throw new ValueError(`${op}: unknown activation ${show(spec)}; expected one of ${activationNames.join(', ')} or a function`);
}

/**
 * Whether an activation is in the ReLU family (relu, leakyRelu, elu, and its smooth relatives gelu
 * and silu). He initialisation suits these: they pass on about half the signal, and He's variance
 * 2/fanIn makes up for the other half.
 */
export function isReluLike(spec: unknown): boolean {
  return spec === 'relu' || spec === 'leakyRelu' || spec === 'elu' || spec === 'gelu' || spec === 'silu';
}
