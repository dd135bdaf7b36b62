/** Shared by the model-file tests: one model holding every built-in layer kind. */
import { BatchNorm, Dense, Dropout, ELU, LeakyReLU, Residual, Sequential, Softmax, Tanh } from '@adjoint/nn';

/**
 * Three inputs, `hidden` units in every hidden layer and `outputs` softmax outputs, through every
 * serializable layer kind (a nested Sequential in a Residual, activation modules, a Dense without
 * bias), so that a format test can reach every part of the format.
 */
export function everyLayer(hidden: number, outputs: number): Sequential {
  return new Sequential([
    new Dense(3, hidden, { activation: 'relu', seed: 1 }),
    new BatchNorm(hidden),
    new Dropout(0.1, { seed: 2 }),
    new Residual(new Sequential([new Dense(hidden, hidden, { activation: new Tanh(), seed: 3 }), new LeakyReLU(0.2)])),
    new Dense(hidden, hidden, { activation: 'elu', bias: false, seed: 4 }),
    new ELU(0.5),
    new Dense(hidden, outputs, { seed: 5 }),
    new Softmax(-1),
  ]);
}
