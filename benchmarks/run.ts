/**
 * Entry point of `npm run bench`: runs every benchmark suite, prints one table, and optionally
 * writes the results as JSON.
 *
 *   npm run bench                         all suites
 *   npm run bench -- matmul               only the named suites
 *   npm run bench -- --json [file]        also write JSON (default benchmarks/results.json)
 *   npm run bench -- --docs               also write the JSON and update docs/benchmarks.md and its charts
 *   npm run bench -- --help               what follows, and the suites
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { failures, printTable, type BenchResult } from './harness';
import { PYTHON, PYTHON_REFERENCES_INSTALL } from './python';
import { writeReport, type BenchReport } from './report';

interface Suite {
  name: string;
  run: () => Promise<BenchResult[]>;
  /** Run only when named on the command line. */
  onlyWhenNamed?: boolean;
}

// One line per suite. Each is loaded only when selected, so a suite under construction cannot
// break the others. What measures adjoint alone runs before TensorFlow.js is loaded: tfjs's tens
// of megabytes of heap make every later garbage collection slower, which would charge adjoint for
// a library it does not use. So jacobian and scalar come first, and mlp (whose comparisons
// without tfjs run before it loads tfjs) before matmul.
const SUITES: Suite[] = [
  { name: 'jacobian', run: async () => (await import('./jacobian')).benchJacobian() },
  { name: 'scalar', run: async () => (await import('./scalar')).benchScalar() },
  { name: 'mlp', run: async () => (await import('./mlp')).benchMlp() },
  { name: 'matmul', run: async () => (await import('./matmul')).benchMatmul() },
  { name: 'epoch', run: async () => (await import('./epoch')).benchEpoch() },
  { name: 'cnn', run: async () => (await import('./cnn')).benchCnn() },
  { name: 'lstm', run: async () => (await import('./lstm')).benchLstm() },
  // Not in the default run: it starts a browser. `npm run bench -- browser` runs it.
  { name: 'browser', run: async () => (await import('./browser')).benchBrowser(), onlyWhenNamed: true },
];

const USAGE = (): string => `npm run bench [-- options] [suites]

Runs the benchmark suites and prints one table; rows with a target say PASS or FAIL.

suites: ${SUITES.map((s) => s.name).join(', ')} (default: all but browser, which runs chromium)
options:
  --json [file]   also write the results as JSON (default benchmarks/results.json)
  --docs          also update docs/benchmarks.md and its charts
  --help          this text

TensorFlow.js, the reference most rows compare against, is optional: \`npm run references\` installs it.
PyTorch float64 (mlp) and OpenBLAS's dgemm through numpy (matmul) are optional too, run with Debian's
python3 (${PYTHON}): \`${PYTHON_REFERENCES_INSTALL}\` installs them.`;

interface Options {
  help: boolean;
  jsonFile: string | null;
  docs: boolean;
  only: string[];
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { help: false, jsonFile: null, docs: false, only: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') {
      const next = argv[i + 1];
      const explicit = next !== undefined && !next.startsWith('--') && !SUITES.some((s) => s.name === next);
      options.jsonFile = explicit ? next : path.join(__dirname, 'results.json');
      if (explicit) i++;
    } else if (arg === '--help' || arg === '-h') {
      options.help = true;
    } else if (arg === '--docs') {
      options.docs = true;
      options.jsonFile ??= path.join(__dirname, 'results.json');
    } else if (arg.startsWith('--')) {
      throw new Error(`bench: unknown option ${arg} (expected --json [file], --docs, --help and suite names)`);
    } else {
      options.only.push(arg);
    }
  }
  const unknown = options.only.filter((name) => !SUITES.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(`bench: unknown suite ${unknown.join(', ')} (have ${SUITES.map((s) => s.name).join(', ')})`);
  }
  return options;
}

function machine(): { cpu: string; cores: number; node: string; platform: string } {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, node: process.version, platform: `${os.platform()} ${os.arch()}` };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    console.log(USAGE());
    return;
  }
  const host = machine();
  console.log(`machine: ${host.cpu}, ${host.cores} cores, node ${host.node}, ${host.platform}`);
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    console.log('note: run with node --expose-gc so garbage is collected outside the timed regions');
  }

  const selected = SUITES.filter((s) => (options.only.length === 0 ? !s.onlyWhenNamed : options.only.includes(s.name)));
  const results: BenchResult[] = [];
  for (const suite of selected) {
    const started = Date.now();
    for (const row of await suite.run()) results.push(row);
    console.log(`  ${suite.name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  console.log();
  printTable(results);

  const missed = failures(results);
  if (missed.length > 0) {
    console.log(`\n${missed.length} target(s) missed: ${missed.map((r) => r.name).join(', ')}`);
  }
  if (options.jsonFile !== null) {
    const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
    const report: BenchReport = { date: new Date().toISOString(), machine: host, command, results };
    fs.writeFileSync(options.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwrote ${options.jsonFile}`);
    if (options.docs) for (const written of writeReport(report)) console.log(`wrote ${path.relative(process.cwd(), written)}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
