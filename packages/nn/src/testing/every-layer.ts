/** Shared by the model-file tests: models holding the built-in layer kinds (the normalisation layers have tests of their own). */
import { Tensor, argmax, concat, reshape, transpose } from '@adjoint/core';
import {
  AvgPool2d, BatchNorm, Conv2d, Dense, Dropout, ELU, Embedding, Flatten, GRU, LSTM, LeakyReLU, MaxPool2d, Module, RNN, ReLU, Residual,
  Sequential, Softmax, Tanh, registerLayer, type AnyModule,
} from '@adjoint/nn';

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

/** The parts of {@link EveryNewLayer}, as its config holds them. */
interface Parts {
  features: Sequential;
  rnn: RNN;
  lstm: LSTM;
  gru: GRU;
  embed: Embedding;
  flatten: Flatten;
}

/**
 * Images `[N, 1, 8, 8]` through every layer kind added for images and sequences: a Sequential of
 * Conv2d (plain; grouped with 'same' padding, an uneven kernel and no bias), ReLU, MaxPool2d and
 * AvgPool2d gives `[N, 4, 4, 4]`, read as 4 steps of 16 values each by RNN (relu), LSTM and GRU;
 * the GRU's output sequence, flattened, is joined by the Embedding of a token picked from its final
 * state (an argmax): `[N, 4·4 + 3]`. A recurrent layer returns `[output, state]`, so no Sequential
 * can hold one: this is a Module of its own, registered for model files as 'testing.EveryNewLayer'
 * (as a user's model would be), its parts written and read by the library's serializers.
 */
export class EveryNewLayer extends Module {
  readonly features: Sequential;
  readonly rnn: RNN;
  readonly lstm: LSTM;
  readonly gru: GRU;
  readonly embed: Embedding;
  readonly flatten: Flatten;

  constructor(parts: Parts = {
    features: new Sequential([
      new Conv2d(1, 4, 3, { padding: 1, seed: 1 }),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(4, 4, [3, 2], { padding: 'same', groups: 2, bias: false, seed: 2 }),
      new AvgPool2d(3, { stride: 1, padding: 1 }),
    ]),
    rnn: new RNN(16, 6, { nonlinearity: 'relu', seed: 3 }),
    lstm: new LSTM(6, 5, { seed: 4 }),
    gru: new GRU(5, 4, { seed: 5 }),
    embed: new Embedding(4, 3, { seed: 6 }),
    flatten: new Flatten(),
  }) {
    super();
    this.features = this.register('features', parts.features);
    this.rnn = this.register('rnn', parts.rnn);
    this.lstm = this.register('lstm', parts.lstm);
    this.gru = this.register('gru', parts.gru);
    this.embed = this.register('embed', parts.embed);
    this.flatten = this.register('flatten', parts.flatten);
  }

  forward(x: Tensor): Tensor {
    const maps = this.features.forward(x); // [N, 4, 4, 4]
    const [n, c, h, w] = maps.shape as [number, number, number, number];
    const steps = reshape(transpose(maps, [0, 2, 1, 3]), [n, h, c * w]); // the rows as time steps
    const [a] = this.rnn.forward(steps);
    const [b] = this.lstm.forward(a);
    const [sequence, last] = this.gru.forward(b);
    return concat([this.flatten.forward(sequence), this.embed.forward(argmax(last, 1))], 1);
  }
}

const PARTS = ['features', 'rnn', 'lstm', 'gru', 'embed', 'flatten'] as const;

registerLayer<EveryNewLayer>({
  type: 'testing.EveryNewLayer',
  cls: EveryNewLayer,
  toConfig: (m, child) => Object.fromEntries(PARTS.map((key) => [key, child(m[key], key)])),
  fromConfig: (c, child) => new EveryNewLayer(Object.fromEntries(PARTS.map((key) => [key, child(c[key], key) as AnyModule])) as unknown as Parts),
});

/** {@link EveryNewLayer}, seeded: its inputs are images `[N, 1, 8, 8]`, its outputs `[N, 19]`. */
export function everyNewLayer(): EveryNewLayer {
  return new EveryNewLayer();
}
