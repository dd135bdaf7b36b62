/**
 * One training step of a recurrent regressor: an LSTM (8 inputs, 64 hidden units) over 20 time
 * steps of a batch of 32 sequences, a dense layer from the last hidden state to one output, mean
 * squared error, Adam. Against TensorFlow.js's wasm backend with its own LSTM layer, given the same
 * weights (Keras's gate order i, f, c, o is PyTorch's i, f, g, o; its one bias is the sum of two).
 */
import { Rng, slice, squeeze, tensor, type Tensor } from '@adjoint/core';
import { Adam, Dense, LSTM, mse } from '@adjoint/nn';
import type { BenchResult } from './harness';
import type { Tf } from './tf';
import { adjointStepAndForward, againstTfWasm, tfStepAndForward, type StepAndForward } from './versus-wasm';

const [BATCH, TIME, INPUT, HIDDEN] = [32, 20, 8, 64];
const LR = 1e-3;
const GROUP = `lstm ${INPUT}→${HIDDEN}, ${TIME} steps, batch ${BATCH}`;

interface Problem {
  x: Float64Array; // [BATCH, TIME, INPUT]
  target: Float64Array; // [BATCH, 1]
  weightIh: Float64Array; // [4·HIDDEN, INPUT]
  weightHh: Float64Array; // [4·HIDDEN, HIDDEN]
  biasIh: Float64Array;
  biasHh: Float64Array;
  dense: Float64Array; // [HIDDEN, 1]
}

export function problem(): Problem {
  const rng = new Rng(7);
  const uniform = (n: number, limit: number): Float64Array => Float64Array.from({ length: n }, () => rng.uniform(-limit, limit));
  const k = 1 / Math.sqrt(HIDDEN);
  return {
    x: uniform(BATCH * TIME * INPUT, 1),
    target: uniform(BATCH, 1),
    weightIh: uniform(4 * HIDDEN * INPUT, k),
    weightHh: uniform(4 * HIDDEN * HIDDEN, k),
    biasIh: uniform(4 * HIDDEN, k),
    biasHh: uniform(4 * HIDDEN, k),
    dense: uniform(HIDDEN, k),
  };
}

/** The last time step's output: [batch, time, hidden] → [batch, hidden]. */
const lastStep = (output: Tensor): Tensor => squeeze(slice(output, [0, TIME - 1, 0], [BATCH, 1, HIDDEN]), 1);

export function adjointModel(p: Problem): StepAndForward {
  const lstm = new LSTM(INPUT, HIDDEN, { seed: 1 });
  const dense = new Dense(HIDDEN, 1, { seed: 2 });
  lstm.weightIh.assign(p.weightIh);
  lstm.weightHh.assign(p.weightHh);
  lstm.biasIh.assign(p.biasIh);
  lstm.biasHh.assign(p.biasHh);
  dense.weight.assign(p.dense);
  dense.bias!.assign(0);
  const optimizer = new Adam([...lstm.parameters(), ...dense.parameters()], { lr: LR });
  const x = tensor(p.x, { shape: [BATCH, TIME, INPUT] });
  const target = tensor(p.target, { shape: [BATCH, 1] });
  const loss = (): Tensor => mse(dense.forward(lastStep(lstm.forward(x)[0])), target);
  return adjointStepAndForward(loss, optimizer);
}

/** [rows, cols] row-major → its transpose, as float32 for tfjs. */
function transposed(a: Float64Array, rows: number, cols: number): Float32Array {
  return Float32Array.from({ length: a.length }, (_, k) => a[(k % rows) * cols + Math.floor(k / rows)]!);
}

export function tfModel(tf: Tf, p: Problem): StepAndForward {
  const x = tf.tensor3d(Float32Array.from(p.x), [BATCH, TIME, INPUT]);
  const target = tf.tensor2d(Float32Array.from(p.target), [BATCH, 1]);
  // Zeros first: the weights are set below (and tfjs's default orthogonal initialiser warns at this size).
  // tfjs's gates default to hardSigmoid (Keras 1's choice), a cheaper and different function:
  // sigmoid, as adjoint's and PyTorch's LSTM compute, or the two would not do the same work.
  const lstm = tf.layers.lstm({ units: HIDDEN, recurrentActivation: 'sigmoid', kernelInitializer: 'zeros', recurrentInitializer: 'zeros' });
  const dense = tf.layers.dense({ units: 1 });
  dense.apply(lstm.apply(x)); // builds the weights, so that they can be set and minimize finds them
  lstm.setWeights([
    tf.tensor2d(transposed(p.weightIh, 4 * HIDDEN, INPUT), [INPUT, 4 * HIDDEN]),
    tf.tensor2d(transposed(p.weightHh, 4 * HIDDEN, HIDDEN), [HIDDEN, 4 * HIDDEN]),
    tf.tensor1d(Float32Array.from(p.biasIh, (b, i) => b + p.biasHh[i]!)),
  ]);
  dense.setWeights([tf.tensor2d(Float32Array.from(p.dense), [HIDDEN, 1]), tf.zeros([1])]);
  const optimizer = tf.train.adam(LR);
  const loss = () => tf.losses.meanSquaredError(target, dense.apply(lstm.apply(x)));
  return tfStepAndForward(tf, optimizer, loss);
}

/** The LSTM step (and its forward pass alone) against tfjs wasm. */
export async function benchLstm(): Promise<BenchResult[]> {
  const p = problem();
  return againstTfWasm(GROUP, adjointModel(p), (tf) => tfModel(tf, p), 'tfjs wasm step (float32, tf.layers.lstm)');
}
