/** What the layer benchmarks (cnn, lstm) share: a training step and its forward pass, against tfjs wasm's. */
import { noGrad, type Tensor } from '@adjoint/core';
import type { Optimizer } from '@adjoint/nn';
import { ratio, timeInterleaved, timedRow, type BenchResult } from './harness';
import { loadTf, useBackend, type Tf } from './tf';

/** A training step, and the forward pass alone, as one engine runs them. */
export interface StepAndForward {
  step: () => void;
  forward: () => void;
  /** The loss's value now, so that both engines can be checked to compute the same function. */
  value: () => number;
}

/** adjoint's: `loss`'s backward pass and `optimizer`'s update, and `loss` alone under noGrad. */
export function adjointStepAndForward(loss: () => Tensor, optimizer: Pick<Optimizer, 'step' | 'zeroGrad'>): StepAndForward {
  return {
    step: () => {
      loss().backward();
      optimizer.step();
      optimizer.zeroGrad();
    },
    forward: () => void noGrad(loss),
    value: () => noGrad(loss).item(),
  };
}

/**
 * TensorFlow.js's: `optimizer.minimize(loss)`, waiting for the loss's value and freeing it, and
 * `loss` alone, its value waited for, inside tidy.
 */
export function tfStepAndForward(tf: Tf, optimizer: Tf, loss: () => Tf): StepAndForward {
  return {
    step: () => {
      const value = optimizer.minimize(loss, true);
      value!.dataSync();
      value!.dispose();
    },
    forward: () => tf.tidy(() => void loss().dataSync()),
    value: () => tf.tidy(() => loss().dataSync()[0] as number),
  };
}

/** How far tfjs's float32 loss may sit from adjoint's float64 one on the same network and weights. */
const FLOAT32_AGREEMENT = 1e-4;

/**
 * Throws unless two engines' losses at the same weights agree to float32's precision: a reference
 * computing another function (a different activation, a layer's other default) times other work.
 */
export function checkSameLoss(group: string, ours: number, theirs: number): void {
  if (!(Math.abs(ours - theirs) <= FLOAT32_AGREEMENT * Math.max(1, Math.abs(ours)))) {
    throw new Error(`${group}: tfjs's initial loss ${theirs} is not adjoint's ${ours}, so the two do not compute the same network`);
  }
}

/**
 * adjoint's step and forward pass against TensorFlow.js wasm's, all four timed interleaved, with
 * the target step ≤ 1× tfjs wasm (the forward ratio is shown without a target); without tfjs,
 * adjoint's two rows alone.
 */
export async function againstTfWasm(group: string, ours: StepAndForward, theirs: (tf: Tf) => StepAndForward, tfStepName: string): Promise<BenchResult[]> {
  const tf = await loadTf();
  if (tf === null) {
    const [a, f] = timeInterleaved([ours.step, ours.forward], { minTime: 1.5 });
    return [timedRow(group, 'adjoint step (float64)', a!), timedRow(group, 'adjoint forward (float64)', f!)];
  }
  await useBackend(tf, 'wasm');
  const tfModel = theirs(tf);
  checkSameLoss(group, ours.value(), tfModel.value());
  const [a, t, af, tf_] = timeInterleaved([ours.step, tfModel.step, ours.forward, tfModel.forward], { minTime: 2 });
  const adjointStep = timedRow(group, 'adjoint step (float64)', a!);
  const wasmStep = timedRow(group, tfStepName, t!);
  const adjointForward = timedRow(group, 'adjoint forward (float64)', af!);
  const wasmForward = timedRow(group, 'tfjs wasm forward (float32)', tf_!);
  return [
    adjointStep, wasmStep, adjointForward, wasmForward,
    ratio(group, 'step: adjoint / tfjs wasm', adjointStep, wasmStep, 1.0, 'atMost'),
    ratio(group, 'forward: adjoint / tfjs wasm', adjointForward, wasmForward),
  ];
}
