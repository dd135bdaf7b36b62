/** Shared by the optimizer tests: minimise f(w) = Σ w² by real backward passes. */
import { Tensor, tensor } from '@adjoint/core';
import type { Optimizer } from '../optim/optimizer';

/** A parameter starting at `values`. */
export function param(values: number[]): Tensor {
  return tensor(values, { requiresGrad: true });
}

/**
 * Runs `steps` optimizer steps on f(w) = Σ w² (gradient 2w), summed over the parameters when given
 * several, and returns the values of w (all parameters', in order) after each step.
 */
export function trajectory(w: Tensor | Tensor[], optimizer: Optimizer, steps: number): number[][] {
  const ws = Array.isArray(w) ? w : [w];
  const out: number[][] = [];
  for (let k = 0; k < steps; k++) {
    optimizer.zeroGrad();
    ws.map((p) => p.square().sum()).reduce((a, b) => a.add(b)).backward();
    optimizer.step();
    out.push(ws.flatMap((p) => [...p.data]));
  }
  return out;
}

/** Expects two lists of numbers to agree to `digits` decimals. */
export function expectClose(actual: readonly number[], expected: readonly number[], digits = 12): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i]!, digits));
}
