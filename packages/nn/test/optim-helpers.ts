/** Shared by the optimizer tests: minimise f(w) = Σ w² by real backward passes. */
import { Tensor, tensor } from '@adjoint/core';
import type { Optimizer } from '../src/optim/optimizer';

/** A parameter starting at `values`. */
export function param(values: number[]): Tensor {
  return tensor(values, { requiresGrad: true });
}

/** Runs `steps` optimizer steps on f(w) = Σ w² (gradient 2w) and returns w after each step. */
export function trajectory(w: Tensor, optimizer: Optimizer, steps: number): number[][] {
  const out: number[][] = [];
  for (let k = 0; k < steps; k++) {
    optimizer.zeroGrad();
    w.square().sum().backward();
    optimizer.step();
    out.push([...w.data]);
  }
  return out;
}

/** Expects two lists of numbers to agree to `digits` decimals. */
export function expectClose(actual: readonly number[], expected: readonly number[], digits = 12): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i]!, digits));
}
