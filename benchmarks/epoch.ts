/**
 * One epoch of MNIST training (8,000 digits, batch 64, 784-128-10, Adam) with adjoint and with
 * TensorFlow.js on its wasm backend: wall time and peak memory (JS heap plus external memory).
 * adjoint's tensors are array buffers; tfjs-wasm's live in its WebAssembly memory, which Node counts
 * in `external` but not in `arrayBuffers` (a subset of `external`). A WebAssembly memory never
 * shrinks, so tfjs's row is how far its high-water mark rose during the epoch.
 */
import { Rng } from '@adjoint/core';
import { Adam, crossEntropy, mlp } from '@adjoint/nn';
import { loadDigits } from '../demo/data';
import { collectGarbage, ratio, type BenchResult } from './harness';
import { loadTf, useBackend } from './tf';

const DIGITS = 8000;
const BATCH = 64;

function memory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/**
 * Runs one epoch, sampling memory after every batch. The growth is the peak over the lowest sample
 * (the start included): right after a collection, array buffers already dead can still be counted
 * until Node's background sweeper frees them, so the start alone can sit above what the epoch
 * itself then drops to (it once made a growth of zero).
 */
function measure(epoch: (sample: () => void) => void): { seconds: number; peakMB: number } {
  collectGarbage();
  let low = memory();
  let peak = low;
  const start = process.hrtime.bigint();
  epoch(() => {
    const now = memory();
    peak = Math.max(peak, now);
    low = Math.min(low, now);
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, peakMB: (peak - low) / 2 ** 20 };
}

/** Time and memory of one MNIST epoch, adjoint against tfjs wasm. */
export async function benchEpoch(): Promise<BenchResult[]> {
  // The demo's reader: the same seeded 8,000 digits on every run (the package's own sampler is not seeded).
  const { x: xs, y: ys } = loadDigits(DIGITS, 0);
  const order = new Rng(3).permutation(DIGITS);
  const batches = Array.from({ length: Math.ceil(DIGITS / BATCH) }, (_, b) => order.slice(b * BATCH, (b + 1) * BATCH));

  const model = mlp([784, 128, 10], { seed: 1 });
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const ours = measure((sample) => {
    for (const idx of batches) {
      const loss = crossEntropy(model.forward(xs.gather(idx)), ys.gather(idx));
      loss.backward();
      optimizer.step();
      optimizer.zeroGrad();
      sample();
    }
  });

  const group = 'mnist epoch';
  const a = { group, name: 'adjoint: one epoch, 8,000 digits (float64)', value: ours.seconds, unit: 's' };
  const adjointMemory = { group, name: 'adjoint peak memory growth', value: ours.peakMB, unit: 'MB' };
  const tf = await loadTf();
  if (tf === null) return [a, adjointMemory];
  await useBackend(tf, 'wasm');
  const tx = tf.tensor2d(Float32Array.from(xs.data), [DIGITS, 784]);
  const ty = tf.oneHot(tf.tensor1d(Int32Array.from(ys.data), 'int32'), 10);
  const w1 = tf.variable(tf.randomUniform([784, 128], -0.087, 0.087, 'float32', 1));
  const b1 = tf.variable(tf.zeros([128]));
  const w2 = tf.variable(tf.randomUniform([128, 10], -0.2, 0.2, 'float32', 2));
  const b2 = tf.variable(tf.zeros([10]));
  const tfOptimizer = tf.train.adam(1e-3);
  const theirs = measure((sample) => {
    for (const idx of batches) {
      tf.tidy(() => {
        const i = tf.tensor1d(idx, 'int32');
        const bx = tf.gather(tx, i);
        const by = tf.gather(ty, i);
        const loss = tfOptimizer.minimize(() => tf.losses.softmaxCrossEntropy(by, tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(bx, w1), b1)), w2), b2)), true);
        loss!.dataSync();
      });
      sample();
    }
  });

  const t = { group, name: 'tfjs wasm: one epoch (float32)', value: theirs.seconds, unit: 's' };
  return [
    a, t, ratio(group, 'adjoint / tfjs wasm time', a, t),
    adjointMemory,
    { group, name: 'tfjs wasm peak memory growth', value: theirs.peakMB, unit: 'MB' },
  ];
}
