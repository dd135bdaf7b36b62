/**
 * One training step of a small convolutional network on MNIST-sized images (batch 64, Adam,
 * softmax cross-entropy): conv 1→8 5×5 (padding 2) · relu · max-pool 2 · conv 8→16 5×5 (padding 2)
 * · relu · max-pool 2 · flatten · dense 784→10, the network of `npm run example -- cnn-mnist`.
 *
 * TensorFlow.js's wasm backend has no kernel for the weight gradient of a convolution
 * (Conv2DBackpropFilter), so out of the box it cannot take this step. Its cpu backend can, but
 * takes 16–25 s per step here, too slow to be a reference. So the tfjs network gives its
 * convolution the two adjoints as convolutions on wasm's fast forward kernel (tf.customGrad): the
 * weight gradient as a correlation of the input with the output's adjoint, the input gradient as a
 * convolution of the adjoint with the flipped kernel (faster there than wasm's conv2dTranspose).
 */
import { Rng, tensor } from '@adjoint/core';
import { Adam, Conv2d, Dense, Flatten, MaxPool2d, ReLU, Sequential, crossEntropy } from '@adjoint/nn';
import type { BenchResult } from './harness';
import type { Tf } from './tf';
import { adjointStepAndForward, againstTfWasm, tfStepAndForward, type StepAndForward } from './versus-wasm';

const BATCH = 64;
const LR = 1e-3;
const GROUP = 'cnn 1×28×28 → conv8 → conv16 → 10';

interface Problem {
  x: Float64Array; // [BATCH, 1, 28, 28]
  labels: number[];
  conv1: Float64Array; // [8, 1, 5, 5]
  conv2: Float64Array; // [16, 8, 5, 5]
  dense: Float64Array; // [784, 10]
}

function problem(): Problem {
  const rng = new Rng(5);
  const uniform = (n: number, limit: number): Float64Array => Float64Array.from({ length: n }, () => rng.uniform(-limit, limit));
  return {
    x: Float64Array.from({ length: BATCH * 784 }, () => rng.uniform(0, 1)),
    labels: Array.from({ length: BATCH }, () => rng.int(0, 10)),
    conv1: uniform(8 * 25, 1 / 5),
    conv2: uniform(16 * 8 * 25, 1 / Math.sqrt(200)),
    dense: uniform(784 * 10, 1 / 28),
  };
}

/** adjoint: the layers as a user would write them, weights set to the problem's. */
function adjointModel(p: Problem): StepAndForward {
  const conv1 = new Conv2d(1, 8, 5, { padding: 2, seed: 1 });
  const conv2 = new Conv2d(8, 16, 5, { padding: 2, seed: 2 });
  const dense = new Dense(784, 10, { seed: 3 });
  conv1.weight.assign(p.conv1);
  conv2.weight.assign(p.conv2);
  dense.weight.assign(p.dense);
  for (const b of [conv1.bias!, conv2.bias!, dense.bias!]) b.assign(0);
  const model = new Sequential([conv1, new ReLU(), new MaxPool2d(2), conv2, new ReLU(), new MaxPool2d(2), new Flatten(), dense]);
  const optimizer = new Adam(model.parameters(), { lr: LR });
  const x = tensor(p.x, { shape: [BATCH, 1, 28, 28] });
  const y = tensor(p.labels);
  return adjointStepAndForward(() => crossEntropy(model.forward(x), y), optimizer);
}

/**
 * tfjs's conv2d (stride 1, 'same', odd square kernel) with its adjoints written as forward
 * convolutions, which the wasm backend has: for x [N, H, W, C], w [k, k, C, O] and ḡ [N, H, W, O],
 * w̄ = conv(xᵀ as [C, H, W, N], ḡ as a [H, W, N, O] filter) and x̄ = conv(ḡ, w flipped, as [k, k, O, C]).
 */
function sameConvWithAdjoints(tf: Tf): (x: Tf, w: Tf) => Tf {
  return tf.customGrad((x: Tf, w: Tf, save: (tensors: Tf[]) => void) => {
    save([x, w]);
    return {
      value: tf.conv2d(x, w, 1, 'same'),
      gradFunc: (g: Tf, [xs, ws]: Tf[]) => {
        const pad = (ws.shape[0] - 1) / 2;
        const flipped = tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]);
        const xBar = tf.conv2d(g, flipped, 1, 'same');
        const wBar = tf.transpose(tf.conv2d(tf.transpose(xs, [3, 1, 2, 0]), tf.transpose(g, [1, 2, 0, 3]), 1, pad), [1, 2, 0, 3]);
        return [xBar, wBar];
      },
    };
  });
}

/** The same network in TensorFlow.js (NHWC, float32), with tfjs's own Adam. */
function tfModel(tf: Tf, p: Problem): StepAndForward {
  // adjoint's weights are [out, in, kH, kW]; tfjs wants [kH, kW, in, out].
  const hwio = (w: Float64Array, out: number, inC: number) =>
    tf.transpose(tf.tensor4d(Float32Array.from(w), [out, inC, 5, 5]), [2, 3, 1, 0]);
  // adjoint flattens [16, 7, 7] channel-first; permute the dense rows to tfjs's [7, 7, 16] order.
  const denseRows = Float32Array.from({ length: 784 * 10 }, (_, k) => {
    const [row, col] = [Math.floor(k / 10), k % 10];
    const [h, w, c] = [Math.floor(row / 112), Math.floor(row / 16) % 7, row % 16];
    return p.dense[(c * 49 + h * 7 + w) * 10 + col]!;
  });
  const w1 = tf.variable(hwio(p.conv1, 8, 1));
  const b1 = tf.variable(tf.zeros([8]));
  const w2 = tf.variable(hwio(p.conv2, 16, 8));
  const b2 = tf.variable(tf.zeros([16]));
  const w3 = tf.variable(tf.tensor2d(denseRows, [784, 10]));
  const b3 = tf.variable(tf.zeros([10]));
  const x = tf.transpose(tf.tensor4d(Float32Array.from(p.x), [BATCH, 1, 28, 28]), [0, 2, 3, 1]);
  const y = tf.oneHot(tf.tensor1d(p.labels, 'int32'), 10);
  const optimizer = tf.train.adam(LR);
  const conv = sameConvWithAdjoints(tf);
  const logits = () => {
    let h = tf.maxPool(tf.relu(tf.add(conv(x, w1), b1)), 2, 2, 'valid');
    h = tf.maxPool(tf.relu(tf.add(conv(h, w2), b2)), 2, 2, 'valid');
    return tf.add(tf.matMul(tf.reshape(h, [BATCH, 784]), w3), b3);
  };
  return tfStepAndForward(tf, optimizer, () => tf.losses.softmaxCrossEntropy(y, logits()));
}

/** The CNN step and its forward pass against tfjs wasm (see the file's comment). */
export async function benchCnn(): Promise<BenchResult[]> {
  const p = problem();
  return againstTfWasm(GROUP, adjointModel(p), (tf) => tfModel(tf, p), 'tfjs wasm step (float32; conv adjoints as convolutions)');
}
