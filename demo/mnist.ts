/**
 * The MNIST demo: `npm run demo` trains a multilayer perceptron (or, with `--model cnn`, a small
 * convolutional network) on 8,000 handwritten digits with adjoint's reverse mode and reports its
 * accuracy on 2,000 others. `npm run demo -- --help` lists
 * the options; see docs/getting-started.md.
 */
import { performance } from 'node:perf_hooks';
import {
  Sequential, accuracy, cosineDecay, confusionMatrix, fit, mlp, predict, trainTestSplit,
  type History, type LearningRate, type Module, type OptimizerSpec, type ProgressOptions, type Verbosity,
} from '@adjoint/nn';
import { DEFAULTS, MODEL_DEFAULTS, USAGE, UsageError, parseArgs, type DemoOptions } from './args';
import { PIXELS, SIDE, loadDigits } from './data';
import { RandomShift } from './augment';
import { cnnClassifier } from './cnn';
import { confusionTable, epochTable, writeReport, type ReportFiles } from './report';

/** Where the demo's text goes; tests capture it. */
export interface DemoIO {
  /** One line of text (default: console.log). */
  log?: (line: string) => void;
  /** fit's progress option (default: the terminal). */
  progress?: boolean | ProgressOptions;
  /** fit's verbosity (default: a bar on a terminal, one line per epoch otherwise). */
  verbose?: Verbosity;
}

/** What a run produced. */
export interface DemoResult {
  testAccuracy: number;
  /** The trained classifier (without the augmentation layer): what model.json holds. */
  model: Module;
  history: History;
  confusion: number[][];
  files: ReportFiles;
  seconds: number;
  /** The line the demo ends with: `test accuracy: 0.9xxx`. */
  lastLine: string;
}

/** Trains, evaluates and writes the report; returns the numbers (see {@link DemoResult}). */
export function runDemo(partial: Partial<DemoOptions> = {}, io: DemoIO = {}): DemoResult {
  const given: DemoOptions = { ...DEFAULTS, ...partial };
  // The model's own learning rate, batch size and shift where none was given.
  const defaults = MODEL_DEFAULTS[given.model];
  const options: Resolved = { ...given, lr: given.lr ?? defaults.lr, batchSize: given.batchSize ?? defaults.batchSize, shift: given.shift ?? defaults.shift };
  const log = io.log ?? ((line: string) => console.log(line));
  const start = performance.now();

  const digits = loadDigits(options.samples, options.seed);
  const { y } = digits;
  // The convolutional network reads each digit as an image of one channel: [n, 1, 28, 28].
  const x = options.model === 'cnn' ? digits.x.reshape([-1, 1, SIDE, SIDE]) : digits.x;
  const [xTrain, xTest, yTrain, yTest] = trainTestSplit(x, y, { testSize: 0.2, seed: options.seed });
  const nVal = Math.ceil(options.validation * xTrain.shape[0]!);
  const sizes = [PIXELS, ...options.hidden, 10];
  const network = options.model === 'cnn'
    ? 'a convolutional network (conv 5×5 → 8, pool, conv 5×5 → 16, pool, dense → 128 → 10)'
    : `an MLP ${sizes.join(' → ')} (${options.activation})`;
  log(`adjoint MNIST demo: ${network}, ${optimizerName(options)}, ${options.epochs} epochs of batches of ${options.batchSize}`);
  log(`${x.shape[0]} digits: ${xTrain.shape[0]} for training (${xTrain.shape[0]! - nVal} to learn from, ${nVal} to validate on), ${xTest.shape[0]} for the test`);

  // The classifier is what is saved; the shift layer only exists while training.
  const classifier = options.model === 'cnn' ? cnnClassifier(options.seed) : mlp(sizes, { activation: options.activation, seed: options.seed });
  const model = options.shift > 0 ? new Sequential([new RandomShift(options.shift, SIDE, options.seed + 1), classifier]) : classifier;
  const epochSeconds: number[] = [];
  let epochStart = 0;
  const history = fit(model, {
    x: xTrain, y: yTrain, loss: 'crossEntropy', optimizer: optimizerSpec(options),
    lr: learningRate(options, xTrain.shape[0]! - nVal),
    epochs: options.epochs, batchSize: options.batchSize, seed: options.seed,
    validationSplit: { fraction: options.validation, shuffle: true }, metrics: ['accuracy'],
    callbacks: [{
      onEpochBegin: () => void (epochStart = performance.now()),
      onEpochEnd: () => void epochSeconds.push((performance.now() - epochStart) / 1000),
    }],
    progress: io.progress ?? true,
    verbose: io.verbose ?? (process.stdout.isTTY ? 1 : 2),
  });

  const scores = predict(classifier, xTest);
  const testAccuracy = accuracy(yTest, scores);
  const confusion = confusionMatrix(yTest, scores, 10);
  const seconds = (performance.now() - start) / 1000;
  const lastLine = `test accuracy: ${testAccuracy.toFixed(4)}`;
  const files = writeReport({
    dir: options.out, model: classifier, history, epochSeconds, confusion, xTest, yTest, predicted: scores.argmax(1),
    summary: { options, architecture: classifier.toString(), testAccuracy, seconds },
  });

  log('');
  log(epochTable(history, epochSeconds));
  log('');
  log('Confusion matrix on the test digits (rows: true digit, columns: predicted):');
  log(confusionTable(confusion));
  log('');
  log(`Wrote ${Object.values(files).join(', ')}`);
  log(`Trained and evaluated in ${seconds.toFixed(1)} s.`);
  log(lastLine);
  return { testAccuracy, model: classifier, history, confusion, files, seconds, lastLine };
}

/** The options with the model's defaults filled in. */
type Resolved = DemoOptions & { lr: number; batchSize: number; shift: number };

function optimizerSpec(o: Resolved): OptimizerSpec {
  return o.optimizer === 'sgd' ? { name: 'sgd', momentum: o.momentum } : { name: o.optimizer };
}

/**
 * The MLP trains at a constant rate. The CNN's rate falls along a half cosine to 0 over the run:
 * its last epochs then take small steps that settle into a minimum instead of rattling around it,
 * worth a few tenths of a percent of test accuracy here.
 */
function learningRate(o: Resolved, trainingRows: number): LearningRate {
  if (o.model !== 'cnn') return o.lr;
  return cosineDecay(o.lr, { decaySteps: o.epochs * Math.ceil(trainingRows / o.batchSize) });
}

function optimizerName(o: Resolved): string {
  return `${o.optimizer} (lr ${o.lr}${o.model === 'cnn' ? ' falling to 0 along a half cosine' : ''}${o.optimizer === 'sgd' && o.momentum > 0 ? `, momentum ${o.momentum}` : ''})`;
}

/** The command line: parse, run, and exit with status 2 on a usage error. */
export function main(argv: readonly string[]): number {
  try {
    const command = parseArgs(argv);
    if (command.kind === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    runDemo(command.options);
    return 0;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`demo: ${e.message}\n\n${USAGE}`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
