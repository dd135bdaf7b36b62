/**
 * Shared benchmark plumbing: timing with warm-up and medians, a result record, ratio rows with
 * targets, and a plain-text table.
 */
import { formatTable as textTable } from '../tools/plot';

/** One measured (or derived) number. `value` is in `unit`; ratios use the unit '×'. */
export interface BenchResult {
  group: string;
  name: string;
  value: number;
  unit: string;
  note?: string;
  /**
   * The value of each round of an interleaved timing (in `unit`), in round order: rows timed in the
   * same `timeInterleaved` call carry aligned samples, and their ratio is taken round by round.
   */
  samples?: number[];
  /** Which `timeInterleaved` call the samples come from (see {@link Timing.interleaving}). */
  interleaving?: number;
}

export interface TimeOptions {
  /** Seconds of timed work to accumulate (after warm-up) before stopping. Default 0.5. */
  minTime?: number;
  /** Minimum number of timed batches; the median batch is reported. Default 5. */
  batches?: number;
  /** Seconds of untimed calls first, so the JIT has optimised the code being measured. Default 0.1. */
  warmup?: number;
}

/** Seconds per call: the median over batches, with the spread for judging noise. */
export interface Timing {
  median: number;
  min: number;
  max: number;
  /** Total timed calls. */
  calls: number;
  /** Seconds per call in each round, in order (see {@link timeInterleaved}). */
  samples: number[];
  /** Numbers the `timeInterleaved` call: timings with the same number have aligned rounds. */
  interleaving: number;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e9;

/** Runs `fn` `reps` times and returns the elapsed seconds. */
function runBatch(fn: () => void, reps: number): number {
  const start = now();
  for (let r = 0; r < reps; r++) fn();
  return now() - start;
}

/** Collects garbage left by earlier work (needs node --expose-gc) so it is not charged to `fn`. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Warms `fn` up, then picks how many calls make up one batch so that `batches` batches take about
 * `minTime`: short batches would be dominated by timer resolution, a single long one gives no
 * median to shrug off interruptions.
 */
function calibrate(fn: () => void, warmup: number, batchTime: number): number {
  const warmEnd = now() + warmup;
  let calls = 0;
  while (calls < 3 || now() < warmEnd) {
    fn();
    calls++;
  }
  let reps = 1;
  while (runBatch(fn, reps) < batchTime && reps < 2 ** 30) reps *= 2;
  return reps;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[sorted.length >> 1]!;
}

function summarise(perCall: number[], calls: number, interleaving: number): Timing {
  const sorted = [...perCall].sort((x, y) => x - y);
  return { median: sorted[sorted.length >> 1]!, min: sorted[0]!, max: sorted[sorted.length - 1]!, calls, samples: perCall, interleaving };
}

/** Counts the calls of {@link timeInterleaved}. */
let interleavings = 0;

/**
 * Time one function: warm-up, then batches until at least `minTime` seconds and `batches` batches
 * have been timed. Returns seconds per call (median over batches).
 */
export function timeIt(fn: () => void, options: TimeOptions = {}): Timing {
  return timeInterleaved([fn], options)[0];
}

/**
 * Time several functions whose speeds will be compared, alternating batches between them. On a
 * shared or virtualised machine the speed available drifts over seconds; interleaving exposes every
 * function to the same drift, so their ratio stays meaningful even when absolute numbers wobble.
 * Each function gets its own `minTime`.
 */
export function timeInterleaved(fns: ReadonlyArray<() => void>, options: TimeOptions = {}): Timing[] {
  const { minTime = 0.5, batches = 5, warmup = 0.1 } = options;
  const batchTime = minTime / batches;
  collectGarbage();
  const reps = fns.map((fn) => calibrate(fn, warmup, batchTime));
  const perCall: number[][] = fns.map(() => []);
  const spent = fns.map(() => 0);
  let round = 0;
  while (round < batches || spent.some((s) => s < minTime)) {
    fns.forEach((fn, i) => {
      collectGarbage();
      const elapsed = runBatch(fn, reps[i]);
      spent[i] += elapsed;
      perCall[i].push(elapsed / reps[i]);
    });
    round++;
  }
  const interleaving = ++interleavings;
  return perCall.map((samples, i) => summarise(samples, samples.length * reps[i], interleaving));
}

/** A row of milliseconds per call from a timing, with its rounds kept for paired ratios. */
export function timedRow(group: string, name: string, t: Timing): BenchResult {
  return { group, name, value: t.median * 1e3, unit: 'ms', samples: t.samples.map((s) => s * 1e3), interleaving: t.interleaving };
}

/**
 * A derived row: numerator over denominator. When both rows carry samples from the same
 * interleaved timing (the same `interleaving`), the ratio is the median of the rounds' ratios — each round's two batches ran
 * seconds apart, so a drift in the machine's speed cancels within the round instead of landing on
 * one side — otherwise `numerator.value / denominator.value`. With a `target`, the note says
 * whether the ratio reached it (PASS/FAIL), so a missed target is visible in the table and in the
 * JSON: by default the ratio must be at least the target (a speed-up), with `'atMost'` at most (a
 * slow-down).
 */
export function ratio(
  group: string, name: string,
  numerator: BenchResult, denominator: BenchResult,
  target?: number, bound: 'atLeast' | 'atMost' = 'atLeast',
): BenchResult {
  const [a, b] = [numerator.samples, denominator.samples];
  const paired = a !== undefined && b !== undefined && a.length > 0
    && numerator.interleaving !== undefined && numerator.interleaving === denominator.interleaving;
  const value = paired ? median(a.map((x, i) => x / b[i]!)) : numerator.value / denominator.value;
  if (target === undefined) return { group, name, value, unit: '×' };
  const met = bound === 'atLeast' ? value >= target : value <= target;
  return { group, name, value, unit: '×', note: `target ${bound === 'atLeast' ? '≥' : '≤'} ${target}×: ${met ? 'PASS' : 'FAIL'}` };
}

/** Rows whose note reports a missed target. */
export function failures(results: readonly BenchResult[]): BenchResult[] {
  return results.filter((r) => r.note !== undefined && /\bFAIL\b/.test(r.note));
}

function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2;
  return value.toFixed(digits);
}

/** Renders results as an aligned text table, grouped in the order given. */
export function formatTable(results: readonly BenchResult[]): string {
  return textTable(
    ['group', 'name', 'value', 'unit', 'note'],
    results.map((r) => [r.group, r.name, formatValue(r.value), r.unit, r.note ?? '']),
    ['left', 'left', 'right', 'left', 'left'],
  );
}

/** Prints {@link formatTable} to stdout. */
export function printTable(results: readonly BenchResult[]): void {
  console.log(formatTable(results));
}
