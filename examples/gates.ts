/**
 * The logic gates of the course notes (docs/course-notes.md). Linear regression fits AND and OR
 * well enough to threshold, but for XOR its least-squares answer is 0.5 for every input: no
 * straight plane separates XOR's ones from its zeros. Logistic regression (a network without a
 * hidden layer) fails the same way; one hidden layer of four tanh units fits all three gates.
 *
 *   npm run example -- gates
 */
import { fit, mlp, predict, accuracy, type Module } from '@adjoint/nn';
import { formatTable, lineChart, writeSvg } from '../tools/plot';
import { context, num, type ExampleOptions } from './lib/common';
import { leastSquares, predictLinear } from './lib/linalg';

/** One line description for the example list. */
export const description = 'linear regression fails XOR; an MLP fits XOR, AND and OR';

/** The two inputs of each row of a truth table. */
export const INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]];

/** Target of each row, per gate. */
export const GATES = { XOR: [0, 1, 1, 0], AND: [0, 0, 0, 1], OR: [0, 1, 1, 1] } as const;

export type GateName = keyof typeof GATES;

/** One model's outputs on the four rows and the fraction it gets right (output ≥ 0.5 means 1). */
export interface GateFit {
  outputs: number[];
  accuracy: number;
}

/** Results for one gate. */
export interface GateResult {
  /** Least-squares coefficients [intercept, w0, w1], as in the notes. */
  theta: number[];
  linear: GateFit;
  logistic: GateFit;
  mlp: GateFit;
}

/** Results by gate, and the SVG of the MLPs' training loss. */
export interface GatesResult {
  gates: Record<GateName, GateResult>;
  plot: string;
}

/** Fits the three models to the three gates and prints their outputs side by side. */
export function run(options: ExampleOptions = {}): GatesResult {
  const { quick, log, output } = context(options);
  const epochs = quick ? 200 : 500;
  const gates = {} as Record<GateName, GateResult>;
  const losses: Array<{ name: string; y: number[] }> = [];
  const rows: string[][] = [];
  for (const name of Object.keys(GATES) as GateName[]) {
    const targets = [...GATES[name]];
    // Linear regression with an intercept column, solved from the normal equations.
    const design = INPUTS.map(([a, b]) => [1, a!, b!]);
    const theta = leastSquares(design, targets);
    const linearOut = predictLinear(design, theta);
    const linear = { outputs: linearOut, accuracy: accuracy(targets, linearOut.map((v) => [v]), { threshold: 0.5 }) };
    const logistic = train(mlp([2, 1], { seed: 1 }), targets, epochs).fit;
    const hidden = train(mlp([2, 4, 1], { activation: 'tanh', seed: 1 }), targets, epochs);
    losses.push({ name: `${name} (MLP)`, y: hidden.loss });
    gates[name] = { theta, linear, logistic, mlp: hidden.fit };
    INPUTS.forEach(([a, b], i) => rows.push([name, String(a), String(b), String(targets[i]), num(linearOut[i]!), num(logistic.outputs[i]!), num(hidden.fit.outputs[i]!)]));
  }

  log('Outputs for each row of the truth tables (≥ 0.5 reads as 1):\n');
  log(formatTable(['gate', 'x0', 'x1', 'target', 'linear regression', 'logistic regression', 'MLP 2-4-1 tanh'], rows, ['left']));
  log('');
  log(formatTable(
    ['gate', 'θ (linear regression)', 'linear acc.', 'logistic acc.', 'MLP acc.'],
    (Object.keys(gates) as GateName[]).map((g) => [
      g, `[${gates[g].theta.map(fixed3).join(', ')}]`, num(gates[g].linear.accuracy, 2), num(gates[g].logistic.accuracy, 2), num(gates[g].mlp.accuracy, 2),
    ]),
    ['left', 'left'],
  ));
  log('\nFor XOR linear regression predicts 0.5 everywhere (θ = [0.5, 0, 0]): the best plane is flat.');
  const plot = writeSvg(output('gates-mlp-loss.svg'), lineChart(losses, {
    xLabel: 'epoch', yLabel: 'binary cross-entropy', title: 'Training an MLP on the gates', logY: true,
  }));
  log(`Wrote ${plot}`);
  return { gates, plot };
}

/** Three decimals, with rounding noise (±1e-17) shown as the 0 it stands for. */
function fixed3(v: number): string {
  return (Math.abs(v) < 5e-13 ? 0 : v).toFixed(3);
}

/** Full-batch training with binary cross-entropy on logits; outputs are probabilities. */
function train(model: Module, targets: number[], epochs: number): { fit: GateFit; loss: number[] } {
  const y = targets.map((t) => [t]);
  const history = fit(model, { x: INPUTS, y, loss: 'binaryCrossEntropy', optimizer: 'adam', lr: 0.05, epochs, batchSize: 4, seed: 1, progress: false });
  const outputs = [...predict(model, INPUTS).sigmoid().data];
  return { fit: { outputs, accuracy: accuracy(y, outputs.map((p) => [p])) }, loss: history.loss };
}

if (require.main === module) run();
