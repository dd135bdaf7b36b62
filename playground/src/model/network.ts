/**
 * The network the builder describes, made of @adjoint/nn layers: for each hidden layer a Dense
 * layer, then (optionally) BatchNorm, the activation, and (optionally) Dropout; then one output
 * unit whose value is a logit (σ of it is the probability of class 1).
 */
import { Rng } from '@adjoint/core';
import { BatchNorm, Dense, Dropout, ELU, Identity, LeakyReLU, ReLU, Sequential, Sigmoid, Softplus, Tanh, type Module } from '@adjoint/nn';

export const ACTIVATIONS = {
  relu: 'ReLU',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  elu: 'ELU',
  leakyRelu: 'leaky ReLU',
  softplus: 'softplus',
  identity: 'linear',
} as const;
export type Activation = keyof typeof ACTIVATIONS;

/** 'auto' is Dense's own choice: He for the ReLU family, Glorot for the rest. */
export const INITIALIZERS = {
  auto: 'auto (He / Glorot)',
  glorotUniform: 'Glorot uniform',
  glorotNormal: 'Glorot normal',
  heUniform: 'He uniform',
  heNormal: 'He normal',
  normal: 'N(0, 1)',
  zeros: 'zeros',
} as const;
export type InitName = keyof typeof INITIALIZERS;

export interface NetworkConfig {
  /** Widths of the hidden layers, input side first (may be empty: logistic regression). */
  hidden: number[];
  activation: Activation;
  init: InitName;
  /** Dropout probability after each hidden layer's activation (0: no Dropout layer). */
  dropout: number;
  batchNorm: boolean;
  seed: number;
}

export interface Network {
  model: Sequential;
  /** The Dense layers, input side first: what the weights view draws. */
  dense: Dense[];
}

function activationModule(name: Activation): Module {
  switch (name) {
    case 'relu': return new ReLU();
    case 'tanh': return new Tanh();
    case 'sigmoid': return new Sigmoid();
    case 'elu': return new ELU();
    case 'leakyRelu': return new LeakyReLU();
    case 'softplus': return new Softplus();
    case 'identity': return new Identity();
  }
}

/** A fresh network with 2 inputs (the point's coordinates) and one output logit. */
export function buildNetwork(config: NetworkConfig): Network {
  const rng = new Rng(config.seed); // one stream through all layers, as nn's mlp does
  const init = config.init === 'auto' ? {} : { init: config.init };
  // Under BatchNorm the Dense layer itself is linear, so 'auto' must look at the real activation.
  const reluFamily = config.activation === 'relu' || config.activation === 'leakyRelu' || config.activation === 'elu';
  const hiddenInit = config.init === 'auto' && config.batchNorm ? { init: reluFamily ? 'heUniform' as const : 'glorotUniform' as const } : init;
  const layers: Module[] = [];
  const dense: Dense[] = [];
  let width = 2;
  for (const [i, out] of config.hidden.entries()) {
    if (config.batchNorm) {
      // Normalise the pre-activations (Ioffe & Szegedy's placement), then apply the nonlinearity.
      dense.push(new Dense(width, out, { ...hiddenInit, rng, activation: 'identity' }));
      layers.push(dense[dense.length - 1]!, new BatchNorm(out), activationModule(config.activation));
    } else {
      // The activation inside Dense: a ReLU layer is then one fused op.
      dense.push(new Dense(width, out, { ...init, rng, activation: config.activation }));
      layers.push(dense[dense.length - 1]!);
    }
    if (config.dropout > 0) layers.push(new Dropout(config.dropout, { seed: config.seed * 31 + i }));
    width = out;
  }
  dense.push(new Dense(width, 1, { ...init, rng }));
  layers.push(dense[dense.length - 1]!);
  return { model: new Sequential(layers), dense };
}
