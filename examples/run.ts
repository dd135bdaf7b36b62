/**
 * `npm run example -- <name> [--quick] [--out <dir>]` runs one example (or `all` of them);
 * without a known name it lists them.
 */
import { performance } from 'node:perf_hooks';
import type { ExampleOptions } from './lib/common';
import * as gates from './gates';
import * as autodiffBasics from './autodiff-basics';
import * as matrixCalculus from './matrix-calculus';
import * as regression from './regression';
import * as iris from './iris';
import * as activations from './activations';
import * as optimizers from './optimizers';
import * as hyperparameters from './hyperparameters';
import * as cnnMnist from './cnn-mnist';
import * as rnn from './rnn';
import * as exportModel from './export';

/** An example module: a one-line description and its `run` (which may return a promise: the runner waits). */
export interface ExampleModule {
  description: string;
  run: (options?: ExampleOptions) => unknown;
}

/** Every example by name, in the order of the course notes (docs/course-notes.md). */
export const EXAMPLES: Record<string, ExampleModule> = {
  'autodiff-basics': autodiffBasics,
  'matrix-calculus': matrixCalculus,
  gates,
  regression,
  iris,
  activations,
  optimizers,
  hyperparameters,
  'cnn-mnist': cnnMnist,
  rnn,
  export: exportModel,
};

function usage(): string {
  const width = Math.max(...Object.keys(EXAMPLES).map((n) => n.length));
  const lines = Object.entries(EXAMPLES).map(([name, m]) => `  ${name.padEnd(width)}  ${m.description}`);
  return `Usage: npm run example -- <name> [--quick] [--out <dir>]\n\nExamples:\n${lines.join('\n')}\n  ${'all'.padEnd(width)}  every example in turn\n\nSVG files go to examples-output/ unless --out says otherwise.\n`;
}

/**
 * Parses the command line and runs; returns the exit status, or a promise of it when an example
 * runs asynchronously (export waits for ONNX Runtime): the next example starts when it is done.
 */
export function main(argv: readonly string[]): number | Promise<number> {
  const names: string[] = [];
  const options: ExampleOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return fail('', 0);
    if (arg === '--quick') options.quick = true;
    else if (arg === '--out' && argv[i + 1] !== undefined) options.outDir = argv[++i]!;
    else if (arg.startsWith('-')) return fail(`Unknown option '${arg}'.`, 1);
    else names.push(arg);
  }
  if (names.length === 0) return fail('', 0);
  if (names.length > 1) return fail('One example at a time, or all.', 1);
  const name = names[0]!;
  if (name !== 'all' && !(name in EXAMPLES)) return fail(`Unknown example '${name}'.`, 1);
  const chosen = name === 'all' ? Object.keys(EXAMPLES) : [name];
  const runFrom = (first: number): number | Promise<number> => {
    for (let k = first; k < chosen.length; k++) {
      const n = chosen[k]!;
      if (chosen.length > 1) console.log(`\n=== ${n}: ${EXAMPLES[n]!.description}\n`);
      const start = performance.now();
      const done = (): void => {
        if (chosen.length > 1) console.log(`(${((performance.now() - start) / 1000).toFixed(1)} s)`);
      };
      const result = EXAMPLES[n]!.run(options);
      if (result instanceof Promise) return result.then(() => (done(), runFrom(k + 1)));
      done();
    }
    return 0;
  };
  return runFrom(0);
}

/** Prints `message` (if any) and the usage; returns `status`. */
function fail(message: string, status: number): number {
  (status === 0 ? process.stdout : process.stderr).write(`${message === '' ? '' : `${message}\n\n`}${usage()}`);
  return status;
}

if (require.main === module) {
  void Promise.resolve(main(process.argv.slice(2))).then((status) => {
    process.exitCode = status;
  });
}
