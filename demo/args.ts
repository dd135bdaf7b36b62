/**
 * The demo's command line: `--name value` or `--name=value`, checked and turned into
 * {@link DemoOptions}; `--help` prints the usage.
 */
import type { ActivationName, OptimizerName } from '@adjoint/nn';

/** The two classifiers the demo can train. */
export type DemoModel = 'mlp' | 'cnn';

/** Everything the demo can be told. */
export interface DemoOptions {
  /** A multilayer perceptron (`hidden`, `activation`) or the small convolutional network of demo/cnn.ts. */
  model: DemoModel;
  /** Sizes of the hidden layers (mlp). */
  hidden: number[];
  activation: ActivationName;
  optimizer: OptimizerName;
  /** Learning rate; null for the model's own default ({@link MODEL_DEFAULTS}). */
  lr: number | null;
  /** SGD momentum (used by the 'sgd' optimizer only). */
  momentum: number;
  epochs: number;
  /** Digits per gradient step; null for the model's own default ({@link MODEL_DEFAULTS}). */
  batchSize: number | null;
  /** Seed of everything random: the split, the weights, the shuffles, the augmentation. */
  seed: number;
  /** Folder the model and the pictures are written to. */
  out: string;
  /** Training digits are moved by up to this many pixels each time they are seen (0: off); null for the model's own default. */
  shift: number | null;
  /** Fraction of the training digits held out to draw the validation curves. */
  validation: number;
  /** How many of the 10,000 digits to use (fewer for a quick run); 80 % train, 20 % test. */
  samples: number;
}

/** The defaults: about 0.97 test accuracy in well under two minutes on two cores. */
export const DEFAULTS: DemoOptions = {
  model: 'mlp',
  hidden: [256, 128],
  activation: 'relu',
  optimizer: 'adam',
  lr: null,
  momentum: 0,
  epochs: 15,
  batchSize: null,
  seed: 0,
  out: 'demo-output',
  shift: null,
  validation: 0.1,
  samples: 10000,
};

const MODELS: readonly DemoModel[] = ['mlp', 'cnn'];

/**
 * Each model's learning rate, batch size and shift unless the options say otherwise. The CNN
 * learns best from smaller batches at a larger rate, which falls to 0 over the run (see mnist.ts),
 * and from digits moved by up to 2 pixels.
 */
export const MODEL_DEFAULTS: Record<DemoModel, { lr: number; batchSize: number; shift: number }> = {
  mlp: { lr: 1e-3, batchSize: 64, shift: 1 },
  cnn: { lr: 3e-3, batchSize: 32, shift: 2 },
};
const ACTIVATIONS: readonly ActivationName[] = ['relu', 'elu', 'leakyRelu', 'tanh', 'sigmoid', 'softplus'];
const OPTIMIZERS: readonly OptimizerName[] = ['adam', 'adamw', 'sgd', 'rmsprop', 'adagrad'];

/** The text `--help` prints. */
export const USAGE = `Usage: npm run demo -- [options]

Trains a classifier (a multilayer perceptron, or with --model cnn a small convolutional
network) on the MNIST digits of the 'mnist' package (10,000 digits, a seeded 8,000 / 2,000
train/test split) and writes the model and its plots to a folder.

Options (default in brackets):
  --model <kind>        ${MODELS.join(' | ')}                               [${DEFAULTS.model}]
  --hidden <sizes>      hidden layer sizes of the mlp           [${DEFAULTS.hidden.join(',')}]
  --activation <name>   ${ACTIVATIONS.join(' | ')} (mlp)   [${DEFAULTS.activation}]
  --optimizer <name>    ${OPTIMIZERS.join(' | ')}   [${DEFAULTS.optimizer}]
  --lr <rate>           learning rate                 [${MODEL_DEFAULTS.mlp.lr}; cnn: ${MODEL_DEFAULTS.cnn.lr}]
  --momentum <m>        momentum of sgd                         [${DEFAULTS.momentum}]
  --epochs <n>          passes over the training digits         [${DEFAULTS.epochs}]
  --batch-size <n>      digits per gradient step          [${MODEL_DEFAULTS.mlp.batchSize}; cnn: ${MODEL_DEFAULTS.cnn.batchSize}]
  --seed <n>            seed of the split, weights, shuffles    [${DEFAULTS.seed}]
  --out <dir>           output folder                           [${DEFAULTS.out}]
  --shift <pixels>      random shift of training digits, 0=off  [${MODEL_DEFAULTS.mlp.shift}; cnn: ${MODEL_DEFAULTS.cnn.shift}]
  --validation <f>      fraction of training digits held out    [${DEFAULTS.validation}]
  --samples <n>         digits to use, at most 10000            [${DEFAULTS.samples}]
  -h, --help            show this help

Examples: npm run demo -- --hidden 64 --activation tanh --epochs 5 --out /tmp/mnist
          npm run demo -- --model cnn
`;

/** What the command line asks for: a run with options, or the help text. */
export type Command = { kind: 'run'; options: DemoOptions } | { kind: 'help' };

/** Thrown for a malformed command line; the message says what is wrong. */
export class UsageError extends Error {}

/**
 * Parses `argv` (without `node` and the script).
 * @throws UsageError for an unknown option, a missing value or a value out of range.
 */
export function parseArgs(argv: readonly string[]): Command {
  const options: DemoOptions = { ...DEFAULTS, hidden: [...DEFAULTS.hidden] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new UsageError(`unexpected argument '${arg}'`);
    const name = m[1]!;
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    setOption(options, name, value);
  }
  return { kind: 'run', options };
}

function setOption(o: DemoOptions, name: string, value: string): void {
  switch (name) {
    case 'model':
      o.model = oneOf(name, value, MODELS);
      return;
    case 'hidden':
      o.hidden = value === '' || value === 'none' ? [] : value.split(',').map((v) => integer(name, v, 1));
      return;
    case 'activation':
      o.activation = oneOf(name, value, ACTIVATIONS);
      return;
    case 'optimizer':
      o.optimizer = oneOf(name, value, OPTIMIZERS);
      return;
    case 'lr':
      o.lr = number(name, value, (v) => v > 0, 'a positive number');
      return;
    case 'momentum':
      o.momentum = number(name, value, (v) => v >= 0 && v < 1, 'in [0, 1)');
      return;
    case 'epochs':
      o.epochs = integer(name, value, 1);
      return;
    case 'batch-size':
      o.batchSize = integer(name, value, 1);
      return;
    case 'seed':
      o.seed = integer(name, value, 0);
      return;
    case 'out':
      o.out = value;
      return;
    case 'shift':
      o.shift = integer(name, value, 0);
      if (o.shift > 4) throw new UsageError('--shift must be at most 4 pixels');
      return;
    case 'validation':
      o.validation = number(name, value, (v) => v > 0 && v < 0.5, 'in (0, 0.5)');
      return;
    case 'samples':
      o.samples = integer(name, value, 50);
      if (o.samples > 10000) throw new UsageError('--samples must be at most 10000 (the mnist package holds 10,000 digits)');
      return;
    default:
      throw new UsageError(`unknown option --${name}`);
  }
}

function number(name: string, text: string, ok: (v: number) => boolean, what: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || !ok(v)) throw new UsageError(`--${name} must be ${what}, got '${text}'`);
  return v;
}

function integer(name: string, text: string, min: number): number {
  return number(name, text, (v) => Number.isInteger(v) && v >= min, `an integer ≥ ${min}`);
}

function oneOf<T extends string>(name: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${value}'`);
  return value as T;
}
