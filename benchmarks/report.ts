/**
 * Puts a benchmark run into the docs: the tables of docs/benchmarks.md (between the markers
 * `<!-- bench:GROUP -->` and `<!-- /bench -->`, one per result group; `bench:targets` collects
 * every row with a target, `bench:machine` says where, when and with which command) and the bar charts in docs/images/. The prose around the
 * markers is left alone, so the page explains and the run fills in the numbers.
 *
 *   npm run bench -- --docs              run everything, then update the docs
 *   node -r ./scripts/register-ts.cjs benchmarks/report.ts [results.json]   update from a saved run
 */
import * as fs from 'fs';
import * as path from 'path';
import { barChart, writeSvg, type BarGroup } from '../tools/plot';
import { formatTable, type BenchResult } from './harness';

/** What `npm run bench -- --json` writes. */
export interface BenchReport {
  date: string;
  machine: { cpu: string; cores: number; node: string; platform: string };
  command?: string;
  results: BenchResult[];
}

const ROOT = path.resolve(__dirname, '..');
const PAGE = path.join(ROOT, 'docs', 'benchmarks.md');
const IMAGES = path.join(ROOT, 'docs', 'images');

/** Fills the marked sections of docs/benchmarks.md and redraws the charts; returns the files written. */
export function writeReport(report: BenchReport): string[] {
  const page = fs.readFileSync(PAGE, 'utf8');
  const filled = fillSections(page, report);
  fs.writeFileSync(PAGE, filled);
  return [PAGE, ...writeCharts(report.results)];
}

/** The page with every `<!-- bench:NAME -->…<!-- /bench -->` section replaced from the report. */
export function fillSections(page: string, report: BenchReport): string {
  return page.replace(/<!-- bench:([^>]+?) -->[\s\S]*?<!-- \/bench -->/g, (_all, name: string) => {
    const body =
      name === 'machine' ? machineLine(report)
      : name === 'targets' ? tableOf(report.results.filter((r) => r.note !== undefined), 'every group')
      : tableOf(report.results.filter((r) => r.group === name), name);
    return `<!-- bench:${name} -->\n${body}\n<!-- /bench -->`;
  });
}

function machineLine({ machine, date, command }: BenchReport): string {
  return `Measured on ${date.slice(0, 10)} with \`${command ?? 'npm run bench -- --docs'}\` on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.platform}.`;
}

function tableOf(rows: readonly BenchResult[], what: string): string {
  return rows.length === 0 ? `(no results for ${what} in this run)` : ['```', formatTable(rows), '```'].join('\n');
}

/** Bars for the results of `group` whose name matches each pattern, one bar group per label. */
function barsOf(results: readonly BenchResult[], groups: ReadonlyArray<{ name: string; bars: ReadonlyArray<[string, (r: BenchResult) => boolean]> }>): BarGroup[] {
  return groups
    .map((g) => ({
      name: g.name,
      bars: g.bars.flatMap(([label, match]) => {
        const found = results.find(match);
        return found ? [{ name: label, value: found.value }] : [];
      }),
    }))
    .filter((g) => g.bars.length > 0);
}

function writeCharts(results: readonly BenchResult[]): string[] {
  const written: string[] = [];
  const named = (group: string, name: string) => (r: BenchResult): boolean => r.group === group && r.name === name;

  const matmul = barsOf(results, [128, 256, 512].map((n) => ({
    name: `${n}×${n} · ${n}×${n}`,
    bars: [
      ['naive i-k-j loop', named('matmul', `naive ${n}³`)],
      ['register-tiled TypeScript', named('matmul', `gemm (js) ${n}³`)],
      ['adjoint matmul (wasm SIMD)', named('matmul vs tfjs', `adjoint matmul (float64) ${n}³`)],
      ['tfjs cpu (float32)', named('matmul vs tfjs', `tfjs cpu (float32) ${n}³`)],
      ['tfjs wasm (float32)', named('matmul vs tfjs', `tfjs wasm (float32) ${n}³`)],
    ],
  })));
  if (matmul.length > 0) {
    written.push(writeSvg(path.join(IMAGES, 'bench-matmul.svg'), barChart(matmul, { xLabel: 'GFLOP/s (higher is better)', title: 'Matrix product throughput' })));
  }

  const mlp = barsOf(results, ['784-128-10', '784-256-128-10'].map((sizes) => ({
    name: `MLP ${sizes}, batch 64, Adam`,
    bars: [
      ['adjoint (float64)', named(`mlp ${sizes}`, 'adjoint step (float64)')],
      ['hand-written backprop', named(`mlp ${sizes}`, 'hand-written backprop, same kernels')],
      ['pytorch (float64)', named(`mlp ${sizes}`, 'pytorch float64 step')],
      ['tfjs wasm (float32)', named(`mlp ${sizes}`, 'tfjs wasm step (float32)')],
      ['tfjs cpu (float32)', named(`mlp ${sizes}`, 'tfjs cpu step (float32)')],
    ],
  })));
  if (mlp.length > 0) {
    written.push(writeSvg(path.join(IMAGES, 'bench-mlp.svg'), barChart(mlp, { xLabel: 'ms per training step (lower is better)', title: 'One training step' })));
  }
  return written;
}

if (require.main === module) {
  const file = process.argv[2] ?? path.join(__dirname, 'results.json');
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchReport;
  for (const written of writeReport(report)) console.log(`wrote ${path.relative(ROOT, written)}`);
}
