/**
 * The cost asymmetry of the two modes: a Jacobian takes one forward pass per input element or one
 * reverse pass per output element. Forward mode should win for few inputs and many outputs, reverse
 * mode for the opposite.
 */
import { jacobian, randn, type Tensor } from '@adjoint/core';
import { ratio, timeInterleaved, timedRow, type BenchResult } from './harness';

function layer(inputs: number, outputs: number): (x: Tensor) => Tensor {
  const w = randn([inputs, outputs], { seed: inputs * 1000 + outputs });
  return (x) => x.matmul(w).tanh();
}

function compareModes(name: string, inputs: number, outputs: number, faster: 'fwd' | 'rev'): BenchResult[] {
  const f = layer(inputs, outputs);
  const x = randn([inputs], { seed: 1 });
  const [fwd, rev] = timeInterleaved([() => jacobian(f, { mode: 'fwd' })(x), () => jacobian(f, { mode: 'rev' })(x)], { minTime: 0.5 });
  const group = 'jacobian';
  const fwdRow = timedRow(group, `${name} R^${inputs}→R^${outputs} fwd`, fwd!);
  const revRow = timedRow(group, `${name} R^${inputs}→R^${outputs} rev`, rev!);
  const slow = faster === 'fwd' ? revRow : fwdRow;
  const fast = faster === 'fwd' ? fwdRow : revRow;
  return [fwdRow, revRow, ratio(group, `${name}: ${faster === 'fwd' ? 'rev/fwd' : 'fwd/rev'} time`, slow, fast, 1)];
}

/** Jacobians of a tanh layer: wide (few inputs, many outputs) and tall (many inputs, few outputs). */
export async function benchJacobian(): Promise<BenchResult[]> {
  return [...compareModes('wide', 4, 256, 'fwd'), ...compareModes('tall', 256, 4, 'rev')];
}
