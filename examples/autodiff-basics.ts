/**
 * The automatic-differentiation examples of the course notes (docs/course-notes.md):
 * f(x) = exp(x²), then f(x) = √(x² + exp(x²)) with its evaluation trace (a = x², b = exp(a),
 * c = a + b, d = √c), each derivative computed in forward and reverse mode and checked against the
 * formula by hand. Then why networks are trained in reverse mode: for many inputs and one output it
 * needs one backward pass where forward mode needs one pass per input, and the other way round.
 *
 *   npm run example -- autodiff-basics
 */
import { performance } from 'node:perf_hooks';
import { grad, jacobian, jvp, linspace, randn, trace, type Tensor } from '@adjoint/core';
import { formatTable } from '../tools/plot';
import { context, maxAbsDiff, num, type ExampleOptions } from './lib/common';

/** One line description for the example list. */
export const description = 'exp(x²) and √(x²+exp(x²)) in both modes, the trace table, forward vs reverse cost';

/** A derivative three ways. */
export interface Derivative {
  x: number;
  reverse: number;
  forward: number;
  byHand: number;
}

/** The cost of one Jacobian in both modes. */
export interface ModeCost {
  name: string;
  inputs: number;
  outputs: number;
  forwardPasses: number;
  reversePasses: number;
  forwardMs: number;
  reverseMs: number;
  /** Largest difference between the two Jacobians. */
  maxDifference: number;
}

/** What the example computed. */
export interface AutodiffResult {
  expSquare: Derivative;
  sqrtExp: Derivative & { trace: string };
  modes: ModeCost[];
}

/** f(x) = exp(x²). */
const expSquare = (x: Tensor): Tensor => x.square().exp();

/** f(x) = √(x² + exp(x²)), written with the notes' intermediates. */
const sqrtExp = (x: Tensor): Tensor => {
  const a = x.square();
  const b = a.exp();
  const c = a.add(b);
  return c.sqrt();
};

/** Differentiates the two functions of the notes and compares the modes' costs. */
export function run(options: ExampleOptions = {}): AutodiffResult {
  const { quick, log } = context(options);
  const x = 0.5;

  const e: Derivative = {
    x, reverse: grad(expSquare)(x).item(), forward: jvp(expSquare, [x], [1])[1].item(), byHand: 2 * x * Math.exp(x * x),
  };
  log(`f(x) = exp(x²) at x = ${x}:  reverse ${e.reverse},  forward ${e.forward},  2x·exp(x²) = ${e.byHand}`);

  const t = trace(sqrtExp)(x);
  const b = Math.exp(x * x);
  const d = Math.sqrt(x * x + b);
  const s = { x, reverse: t.row('x')!.bar!.item(), forward: t.row('d')!.dot!.item(), byHand: (x * (1 + b)) / d, trace: String(t) };
  log(`\nf(x) = √(x² + exp(x²)) at x = ${x}, its evaluation trace (dot: d·/dx forwards, bar: df/d· backwards):\n`);
  log(s.trace);
  log(`\nThe dot of d (forward mode) is ${s.forward}; the bar of x (reverse mode) is ${s.reverse};`);
  log(`by hand, f'(x) = x(1 + b)/d = ${s.byHand}.`);

  const n = quick ? 50 : 400;
  const modes = [
    // Many inputs, one output: the shape of a loss as a function of a network's weights.
    compare('ℝⁿ → ℝ: Σ xᵢ·sin xᵢ', (v) => v.mul(v.sin()).sum(), randn([n], { seed: 1 }), n, 1),
    // One input, many outputs: forward mode's turn.
    compare('ℝ → ℝⁿ: sin(x·cᵢ)', (v) => v.mul(linspace(1, 2, n)).sin(), randn([1], { seed: 2 }), 1, n),
  ];
  log(`\nOne Jacobian, both modes (a reverse pass is one pullback of a recorded graph, a forward pass one jvp):\n`);
  log(formatTable(
    ['function', 'inputs', 'outputs', 'forward passes', 'reverse passes', 'forward ms', 'reverse ms', 'max |J_fwd − J_rev|'],
    modes.map((m) => [m.name, String(m.inputs), String(m.outputs), String(m.forwardPasses), String(m.reversePasses), m.forwardMs.toFixed(1), m.reverseMs.toFixed(1), num(m.maxDifference)]),
    ['left'],
  ));
  log('\nReverse mode gets a whole gradient in one backward pass: that is why networks are trained with it.');
  return { expSquare: e, sqrtExp: s, modes };
}

function compare(name: string, f: (v: Tensor) => Tensor, x: Tensor, inputs: number, outputs: number): ModeCost {
  const timed = (mode: 'fwd' | 'rev'): [Tensor, number] => {
    jacobian(f, { mode })(x); // warm up, so the comparison is not about compiling code
    const start = performance.now();
    const j = jacobian(f, { mode })(x);
    return [j, performance.now() - start];
  };
  const [jf, forwardMs] = timed('fwd');
  const [jr, reverseMs] = timed('rev');
  return { name, inputs, outputs, forwardPasses: inputs, reversePasses: outputs, forwardMs, reverseMs, maxDifference: maxAbsDiff(jf.data, jr.data) };
}

if (require.main === module) run();
