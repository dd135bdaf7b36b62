/** @jest-environment ./test/support/native-typed-arrays.environment.cjs */
/**
 * Smoke tests of the examples: each runs with its quick settings into a temporary folder, and what
 * it reports must tell the story it claims (see each example's header).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tensor } from '@adjoint/core';
import { loadModel, predict } from '@adjoint/nn';
import { EXAMPLES, main } from '../examples/run';
import * as gates from '../examples/gates';
import * as autodiffBasics from '../examples/autodiff-basics';
import * as matrixCalculus from '../examples/matrix-calculus';
import * as regression from '../examples/regression';
import * as iris from '../examples/iris';
import * as activations from '../examples/activations';
import * as optimizers from '../examples/optimizers';
import * as hyperparameters from '../examples/hyperparameters';
import * as exportModel from '../examples/export';
import * as cnnMnist from '../examples/cnn-mnist';
import * as rnn from '../examples/rnn';

jest.setTimeout(60_000);

let outDir: string;
const lines: string[] = [];
const options = () => ({ quick: true, outDir, log: (line: string) => void lines.push(line) });

beforeAll(() => {
  outDir = mkdtempSync(path.join(tmpdir(), 'adjoint-examples-'));
});
afterAll(() => rmSync(outDir, { recursive: true, force: true }));
beforeEach(() => {
  lines.length = 0;
});

function expectSvg(file: string, ...labels: string[]): void {
  expect(path.dirname(file)).toBe(outDir);
  expect(existsSync(file)).toBe(true);
  const svg = readFileSync(file, 'utf8');
  expect(svg.startsWith('<?xml')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  for (const label of labels) expect(svg).toContain(label);
}

describe('the example runner', () => {
  it('knows the examples', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(
      ['activations', 'autodiff-basics', 'cnn-mnist', 'export', 'gates', 'hyperparameters', 'iris', 'matrix-calculus', 'optimizers', 'regression', 'rnn'],
    );
  });

  it('lists the examples without a name, and fails on an unknown one', () => {
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(main([])).toBe(0);
      expect(String(out.mock.calls[0]![0])).toContain('hyperparameters');
      expect(main(['no-such-example'])).toBe(1);
      expect(String(err.mock.calls[0]![0])).toContain("Unknown example 'no-such-example'");
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});

describe('examples (quick settings)', () => {
  it('autodiff-basics: both modes give the derivatives of the course notes (docs/course-notes.md), and the cost asymmetry', () => {
    const r = autodiffBasics.run(options());
    for (const d of [r.expSquare, r.sqrtExp]) {
      expect(d.reverse).toBeCloseTo(d.byHand, 12);
      expect(d.forward).toBeCloseTo(d.byHand, 12);
    }
    expect(r.sqrtExp.trace).toMatch(/exp\(a\)/);
    const [manyToOne, oneToMany] = r.modes;
    expect(manyToOne!.reversePasses).toBe(1);
    expect(manyToOne!.forwardPasses).toBe(manyToOne!.inputs);
    expect(oneToMany!.forwardPasses).toBe(1);
    for (const m of r.modes) expect(m.maxDifference).toBeLessThan(1e-12);
  });

  it('matrix-calculus: autodiff, formulas and finite differences agree', () => {
    const r = matrixCalculus.run(options());
    expect(r.checks.map((c) => c.rule)).toEqual(['C = AB', 'C = A + B', 'C = ABᵀ', 'Z = XW + b']);
    for (const c of r.checks) expect(c.autodiffVsFormula).toBeLessThan(1e-12);
    expect(r.maxDeviation).toBeLessThan(1e-10);
  });

  it('gates: linear regression predicts 0.5 for XOR; the MLP fits all three gates', () => {
    const r = gates.run(options());
    for (const v of r.gates.XOR.linear.outputs) expect(v).toBeCloseTo(0.5, 12);
    expect(r.gates.XOR.linear.accuracy).toBe(0.5);
    expect(r.gates.XOR.logistic.accuracy).toBeLessThan(1);
    expect(r.gates.AND.linear.accuracy).toBe(1);
    expect(r.gates.OR.linear.accuracy).toBe(1);
    for (const g of ['XOR', 'AND', 'OR'] as const) {
      expect(r.gates[g].mlp.accuracy).toBe(1);
      r.gates[g].mlp.outputs.forEach((p, i) => expect(Math.abs(p - gates.GATES[g][i]!)).toBeLessThan(0.1));
    }
    expectSvg(r.plot, 'XOR (MLP)', 'epoch');
  });

  it('regression: the MLP fits f(x0, x1), linear regression cannot', () => {
    const r = regression.run(options());
    expect(r.r2.mlp).toBeGreaterThanOrEqual(0.95);
    expect(r.r2.linear).toBeLessThan(0.5);
    expectSvg(r.plots.loss, 'validation');
    expectSvg(r.plots.slice, 'f(x0, 0.5)', 'MLP');
  });

  it('iris: at least 0.9 test accuracy', () => {
    const r = iris.run(options());
    expect(r.testAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(30);
    expectSvg(r.plot, 'accuracy');
  });

  it('activations: sigmoid starves the first layers; Glorot/He keep tanh, ReLU and ELU level', () => {
    const r = activations.run(options());
    const get = (activation: string, init: string) => r.results.find((s) => s.activation === activation && s.init === init)!;
    const reluHe = get('relu', 'heNormal');
    expect(r.results.every((s) => s.norms.length === r.layers)).toBe(true);
    // Orders of magnitude less gradient reaches the first layer through sigmoid layers.
    expect(get('sigmoid', 'glorotNormal').norms[0]!).toBeLessThan(1e-4 * reluHe.norms[0]!);
    expect(get('sigmoid', 'normal').norms[0]!).toBeLessThan(0.2 * reluHe.norms[0]!);
    // N(0, 1) weights saturate sigmoid and tanh units; Glorot weights do not.
    expect(get('tanh', 'normal').saturated!).toBeGreaterThan(0.5);
    expect(get('sigmoid', 'normal').saturated!).toBeGreaterThan(0.2);
    expect(get('tanh', 'glorotNormal').saturated!).toBeLessThan(0.05);
    for (const level of [get('tanh', 'glorotNormal'), reluHe, get('elu', 'heNormal')]) {
      const ratio = level.norms[0]! / level.norms.at(-1)!;
      expect(ratio).toBeGreaterThan(0.1);
      expect(ratio).toBeLessThan(10);
    }
    expectSvg(r.plot, 'sigmoid, N(0, 1)', 'relu, heNormal', '1e-6');
  });

  it('optimizers: all five train; momentum and Adam beat plain SGD', () => {
    const r = optimizers.run(options());
    expect(r.runs).toHaveLength(5);
    for (const run of r.runs) expect(run.finalLoss).toBeLessThan(run.loss[0]! / 5);
    const final = (prefix: string) => r.runs.find((run) => run.name.startsWith(prefix))!.finalLoss;
    expect(final('SGD + momentum')).toBeLessThan(final('SGD (η'));
    expect(final('Adam')).toBeLessThan(final('SGD (η'));
    expectSvg(r.plot, 'Adagrad', 'RMSprop');
  });

  it('hyperparameters: the grid search picks the lowest cross-validated error and draws it', () => {
    const r = hyperparameters.run(options());
    expect(r.scores).toHaveLength(r.learningRates.length);
    const best = Math.min(...r.scores.flat());
    expect(r.best.mean).toBe(best);
    expect(r.scores[r.learningRates.indexOf(r.best.params.lr)]![r.lambdas.indexOf(r.best.params.lambda)]).toBe(best);
    expect(r.testMse).toBeLessThan(1); // standardised targets: 1 is what predicting the mean scores
    expectSvg(r.plot, 'learning rate', 'L2 strength', 'class="highlight"');
  });

  it('export: the files written, the weights read back bit for bit, ONNX Runtime on the rebuilt scaler within 1e-9 of adjoint (when installed)', async () => {
    const r = await exportModel.run(options());
    for (const file of [r.files.safetensors, r.files.onnx, r.files.scaler]) {
      expect(path.dirname(file)).toBe(outDir);
      expect(existsSync(file)).toBe(true);
    }
    expect(readFileSync(r.files.onnx).length).toBeGreaterThan(1000);
    expect(r.safetensorsRoundTrip).toBe(true);
    expect(r.testAccuracy).toBeGreaterThanOrEqual(0.9);
    const text = lines.join('\n');
    if (r.onnxRuntime === null) expect(text).toContain('npm run references');
    else {
      expect(r.maxDifference!).toBeLessThan(1e-9);
      expect(text).toContain('ORT setosa');
    }
  });

  it("cnn-mnist: the demo's convolutional network trains and ends with the test accuracy line", () => {
    const r = cnnMnist.run(options());
    expect(lines.at(-1)).toBe(r.lastLine);
    expect(r.lastLine).toMatch(/^test accuracy: [01]\.\d{4}$/);
    expect(r.testAccuracy).toBeGreaterThan(0.5); // 800 digits, one epoch: far above chance (0.1)
    expect(lines.join('\n')).toContain('a convolutional network');
    expect(r.model.toString()).toMatch(/Conv2d[\s\S]*MaxPool2d[\s\S]*Flatten[\s\S]*Dense/);
    for (const file of Object.values(r.files)) expect(existsSync(file)).toBe(true);
    // The saved file holds the convolution and pooling layers: it predicts exactly as the trained model.
    const x = tensor(Float64Array.from({ length: 3 * 784 }, (_, i) => (i % 17) / 16), { shape: [3, 1, 28, 28] });
    expect(Array.from(predict(loadModel(r.files.model), x).data)).toEqual(Array.from(predict(r.model, x).data));
  });

  it("rnn: the tanh RNN's gradient vanishes, the 1.1·I ReLU RNN's explodes, and clipping keeps its training finite", () => {
    const r = rnn.run(options());
    const ratio = (name: string): number => {
      const { perStep } = r.norms.find((n) => n.name.startsWith(name))!;
      return perStep[0]! / perStep.at(-1)!;
    };
    expect(ratio('RNN, tanh')).toBeLessThan(1e-6);
    expect(ratio('RNN, relu')).toBeGreaterThan(10);
    // A forget-gate bias of 2 carries the LSTM's adjoint back much further than the default.
    expect(ratio('LSTM, forget')).toBeGreaterThan(1e4 * ratio('LSTM (default'));
    const [plain, clipped] = r.runs;
    expect(plain!.divergedAt).not.toBeNull();
    expect(clipped!.divergedAt).toBeNull();
    expect(clipped!.loss.every(Number.isFinite)).toBe(true);
    expect(clipped!.loss.at(-1)!).toBeLessThan(clipped!.loss[0]! / 2);
    expectSvg(r.plots.norms, '‖∂L/∂h_t‖', 'LSTM, forget-gate bias 2');
    expectSvg(r.plots.clipping, 'no clipping', 'clipGradNorm(params, 1)');
  });
});
