/**
 * What the normalisation layers (BatchNorm, BatchNorm2d, LayerNorm) share: the checks of their
 * arguments, the statistics they normalise with, the normalisation itself, and the update of the
 * running statistics.
 */
import { Tensor, ValueError, assign, noGrad } from '@adjoint/core';
import { MAX_TENSOR_SIZE, show } from '../args';

/** A number of features or channels: a positive integer up to a tensor's size limit, else a ValueError naming `op` and `name`. */
export function featureCount(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > MAX_TENSOR_SIZE) {
    throw new ValueError(`${op}: ${name} must be a positive integer up to ${MAX_TENSOR_SIZE}, got ${show(value)}`);
  }
  return value;
}

/** The momentum of running averages: a number in [0, 1], else a ValueError naming `op`. */
export function momentumValue(op: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new ValueError(`${op}: momentum must be in [0, 1], got ${show(value)}`);
  return value;
}

/** The ε added to a variance: a positive finite number, else a ValueError naming `op`. */
export function epsValue(op: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0 && Number.isFinite(value))) throw new ValueError(`${op}: eps must be a positive finite number, got ${show(value)}`);
  return value;
}

/**
 * The mean μ of `x` over `axes`, the deviations x − μ and the biased variance mean((x − μ)²) over
 * the same axes (two passes, so that it does not cancel as E[x²] − μ² would), all differentiable.
 */
export function moments(x: Tensor, axes: readonly number[], keepDims: boolean): { mean: Tensor; centred: Tensor; variance: Tensor } {
  const mean = x.mean(axes, keepDims);
  const centred = x.sub(mean);
  return { mean, centred, variance: centred.square().mean(axes, keepDims) };
}

/**
 * The running statistics' update from one training batch of `n` values per feature, in place:
 * runningMean ← (1 − m)·runningMean + m·μ and runningVar ← (1 − m)·runningVar + m·σ²·n/(n − 1)
 * (the unbiased variance, as PyTorch). `mean` and `variance` have the buffers' shape.
 */
export function updateRunningStats(runningMean: Tensor, runningVar: Tensor, mean: Tensor, variance: Tensor, n: number, m: number): void {
  noGrad(() => {
    // detach(): the running averages are state, not part of any derivative (forward mode included).
    const newMean = runningMean.mul(1 - m).add(mean.detach().mul(m));
    const newVar = runningVar.mul(1 - m).add(variance.detach().mul((m * n) / (n - 1)));
    assign(runningMean, newMean);
    assign(runningVar, newVar);
  });
}

/** (x − μ)/√(σ² + ε), from the deviations x − μ and the variance σ² (of shapes that broadcast). */
export function normalize(centred: Tensor, variance: Tensor, eps: number): Tensor {
  return centred.div(variance.add(eps).sqrt());
}
