/**
 * One training run: a network, its optimizer and the data, advanced one minibatch at a time so the
 * page can interleave training with drawing (a few steps per animation frame).
 */
import { Rng, noGrad, tensor, type Tensor } from '@adjoint/core';
import { accuracy, binaryCrossEntropy, predict, type Optimizer } from '@adjoint/nn';
import type { Points } from '../data/datasets';
import { buildNetwork, type Network, type NetworkConfig } from './network';
import { makeOptimizer, type OptimizerName } from './optimizers';

/** Penalties on the Dense layers' weights (not the biases) that training adds to the loss. */
export const REGULARIZERS = {
  none: 'none',
  l1: 'L1',
  l2: 'L2',
} as const;
export type Regularizer = keyof typeof REGULARIZERS;

export interface Scores {
  loss: number;
  accuracy: number;
}

/** Loss after a given number of steps, on the training and the test points. */
export interface HistoryPoint {
  step: number;
  train: number;
  test: number;
}

interface Tensors {
  x: Tensor;
  y: Tensor;
}

const asTensors = (p: Points): Tensors => ({
  x: tensor(p.xy, { shape: [p.n, 2] }),
  y: tensor(p.labels, { shape: [p.n, 1] }),
});

export class Trainer {
  readonly network: Network;
  optimizer: Optimizer;
  batchSize: number;
  /** The penalty each step adds to the minibatch's loss: rate · Σ|w| (L1) or rate · Σw² (L2) over every Dense weight. */
  regularization: Regularizer = 'none';
  regularizationRate = 0;
  /** Minibatch updates so far. */
  steps = 0;
  readonly history: HistoryPoint[] = [];
  private readonly train: Tensors;
  private readonly test: Tensors;
  private readonly rng: Rng;
  private order: number[] = [];
  private cursor = 0;

  constructor(
    readonly data: { train: Points; test: Points },
    config: NetworkConfig,
    optimizer: OptimizerName,
    lr: number,
    batchSize: number,
  ) {
    this.network = buildNetwork(config);
    this.optimizer = makeOptimizer(optimizer, this.network.model.parameters(), lr);
    this.batchSize = batchSize;
    this.train = asTensors(data.train);
    this.test = asTensors(data.test);
    this.rng = new Rng(config.seed + 1);
  }

  /** Epochs so far (a fraction: steps × batch size / training points). */
  get epochs(): number {
    return (this.steps * Math.min(this.batchSize, this.data.train.n)) / this.data.train.n;
  }

  /** A new optimizer of another kind for the same weights (its state starts afresh). */
  setOptimizer(name: OptimizerName, lr: number): void {
    this.optimizer = makeOptimizer(name, this.network.model.parameters(), lr);
  }

  /** One gradient step on the next minibatch of a shuffled pass over the training points. */
  step(): void {
    const { train } = this.data;
    const size = Math.min(this.batchSize, train.n);
    // BatchNorm needs two rows to estimate a variance: never leave a batch of one at an epoch's end.
    if (this.cursor + size > this.order.length || this.order.length - (this.cursor + size) === 1) {
      this.order = this.rng.permutation(train.n);
      this.cursor = 0;
    }
    const xy = new Float64Array(2 * size);
    const labels = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      const k = this.order[this.cursor + i]!;
      xy[2 * i] = train.xy[2 * k]!;
      xy[2 * i + 1] = train.xy[2 * k + 1]!;
      labels[i] = train.labels[k]!;
    }
    this.cursor += size;

    const { model } = this.network;
    model.train();
    let loss = binaryCrossEntropy(model.forward(tensor(xy, { shape: [size, 2] })), tensor(labels, { shape: [size, 1] }));
    if (this.regularization !== 'none' && this.regularizationRate > 0) {
      // Part of the loss, so backward gives its gradient too: rate · sign(w) for L1, 2 · rate · w for L2.
      for (const { weight } of this.network.dense) {
        const penalty = (this.regularization === 'l1' ? weight.abs() : weight.square()).sum();
        loss = loss.add(penalty.mul(this.regularizationRate));
      }
    }
    this.optimizer.zeroGrad();
    loss.backward();
    this.optimizer.step();
    this.steps++;
  }

  /** Loss (without the penalty) and accuracy on the training or test points, in evaluation mode (no dropout, running BN statistics). */
  score(which: 'train' | 'test'): Scores {
    const { x, y } = which === 'train' ? this.train : this.test;
    const logits = predict(this.network.model, x, { batchSize: x.shape[0]! });
    return {
      loss: noGrad(() => binaryCrossEntropy(logits, y).item()),
      accuracy: accuracy(y, logits, { threshold: 0 }),
    };
  }

  /** Scores both sets and appends the losses to the history. */
  record(): { train: Scores; test: Scores } {
    const scores = { train: this.score('train'), test: this.score('test') };
    const last = this.history[this.history.length - 1];
    if (last === undefined || last.step !== this.steps) this.history.push({ step: this.steps, train: scores.train.loss, test: scores.test.loss });
    // A long run would grow the curve without end: keep every other point once there are many.
    if (this.history.length > 1200) {
      const thinned = this.history.filter((_, i) => i % 2 === 0 || i === this.history.length - 1);
      this.history.splice(0, this.history.length, ...thinned);
    }
    return scores;
  }

  /** P(class 1) at each point of a flat [x, y, x, y, …] array. */
  probabilities(xy: Float64Array): Float64Array {
    const n = xy.length / 2;
    return predict(this.network.model, tensor(xy, { shape: [n, 2] }), { batchSize: n }).sigmoid().data;
  }
}
