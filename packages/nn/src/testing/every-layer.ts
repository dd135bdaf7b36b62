/** Shared by the model-file tests: models holding every built-in layer kind between them. */
import { Tensor, argmax, concat, reshape, transpose } from '@adjoint/core';
import {
  AvgPool1d, AvgPool2d, BatchNorm, BatchNorm2d, Conv1d, Conv2d, Dense, Dropout, ELU, Embedding, Flatten, GRU, LSTM, LayerNorm, LeakyReLU,
  MaxPool1d, MaxPool2d, Module, RNN, ReLU, Residual, Sequential, Softmax, Tanh, registerLayer, type AnyModule,
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

/** The parts of {@link EverySequenceLayer}, as its config holds them. */
interface SequenceParts {
  conv: Sequential;
  imageNorm: BatchNorm2d;
  tokenNorm: LayerNorm;
  lstm: LSTM;
  gru: GRU;
  rnn: RNN;
  flatten: Flatten;
}

/**
 * Sequences `[N, 2, 12]` (channels first, as Conv1d takes them) through the 1-D, normalisation and
 * stacked recurrent layers: Conv1d (plain; grouped with 'same' padding, dilation and no bias),
 * ReLU, MaxPool1d and AvgPool1d give `[N, 4, 6]`; BatchNorm2d normalises it read as images
 * `[N, 4, 2, 3]`; then as 6 steps of 4 features, LayerNorm normalises each step (over `[4]`, with a
 * weight and no bias), a 2-layer bidirectional LSTM with dropout, a bidirectional GRU and a 2-layer
 * tanh RNN with dropout follow, and the RNN's output sequence is flattened: `[N, 12]`. Registered
 * for model files as 'testing.EverySequenceLayer'.
 */
export class EverySequenceLayer extends Module {
  readonly conv: Sequential;
  readonly imageNorm: BatchNorm2d;
  readonly tokenNorm: LayerNorm;
  readonly lstm: LSTM;
  readonly gru: GRU;
  readonly rnn: RNN;
  readonly flatten: Flatten;

  constructor(parts: SequenceParts = {
    conv: new Sequential([
      new Conv1d(2, 4, 3, { padding: 1, seed: 1 }),
      new ReLU(),
      new MaxPool1d(2),
      new Conv1d(4, 4, 3, { padding: 'same', dilation: 2, groups: 2, bias: false, seed: 2 }),
      new AvgPool1d(3, { stride: 1, padding: 1 }),
    ]),
    imageNorm: new BatchNorm2d(4, { momentum: 0.2 }),
    tokenNorm: new LayerNorm(4, { bias: false }),
    lstm: new LSTM(4, 3, { numLayers: 2, bidirectional: true, dropout: 0.1, seed: 3 }),
    gru: new GRU(6, 2, { bidirectional: true, seed: 4 }),
    rnn: new RNN(4, 2, { numLayers: 2, dropout: 0.2, seed: 5 }),
    flatten: new Flatten(),
  }) {
    super();
    this.conv = this.register('conv', parts.conv);
    this.imageNorm = this.register('imageNorm', parts.imageNorm);
    this.tokenNorm = this.register('tokenNorm', parts.tokenNorm);
    this.lstm = this.register('lstm', parts.lstm);
    this.gru = this.register('gru', parts.gru);
    this.rnn = this.register('rnn', parts.rnn);
    this.flatten = this.register('flatten', parts.flatten);
  }

  forward(x: Tensor): Tensor {
    const maps = this.conv.forward(x); // [N, 4, 6]
    const [n, c, l] = maps.shape as [number, number, number];
    const normed = reshape(this.imageNorm.forward(reshape(maps, [n, c, 2, l / 2])), [n, c, l]);
    const steps = this.tokenNorm.forward(transpose(normed, [0, 2, 1])); // [N, 6, 4]
    const [a] = this.lstm.forward(steps);
    const [b] = this.gru.forward(a);
    const [sequence] = this.rnn.forward(b);
    return this.flatten.forward(sequence);
  }
}

const SEQUENCE_PARTS = ['conv', 'imageNorm', 'tokenNorm', 'lstm', 'gru', 'rnn', 'flatten'] as const;

registerLayer<EverySequenceLayer>({
  type: 'testing.EverySequenceLayer',
  cls: EverySequenceLayer,
  toConfig: (m, child) => Object.fromEntries(SEQUENCE_PARTS.map((key) => [key, child(m[key], key)])),
  fromConfig: (c, child) =>
    new EverySequenceLayer(Object.fromEntries(SEQUENCE_PARTS.map((key) => [key, child(c[key], key) as AnyModule])) as unknown as SequenceParts),
});

/** {@link EverySequenceLayer}, seeded: its inputs are sequences `[N, 2, 12]`, its outputs `[N, 12]`. */
export function everySequenceLayer(): EverySequenceLayer {
  return new EverySequenceLayer();
}
