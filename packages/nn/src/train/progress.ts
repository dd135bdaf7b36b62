/**
 * Console progress for fit: on a terminal, a bar per epoch rewritten in place with '\r', then a
 * summary line. Nothing is written to a stream that is not a terminal (a log file, CI output, a
 * pipe) unless asked for with `verbose: 2`, which prints the summary lines only.
 */
import { ValueError } from '@adjoint/core';
import { knownNestedOptions, show } from '../args';
import type { EpochLogs } from './history';

/** Where progress goes: `process.stdout` by default; anything with `write` (tests pass a fake). */
export interface ProgressStream {
  write(text: string): unknown;
  /** Only a stream with `isTTY: true` gets the bar. */
  isTTY?: boolean;
  /** Terminal width: bar lines are cut to fit, since a wrapped line cannot be rewritten with '\r'. */
  columns?: number;
}

/** Options of fit's `progress`. */
export interface ProgressOptions {
  stream?: ProgressStream;
  /** Minimum time between two redraws of the bar, in milliseconds (default 100). */
  interval?: number;
  /** Clock in milliseconds (default `performance.now`); tests inject a fake one. */
  now?: () => number;
  /** Characters inside the bar's brackets: a whole number from 1 to 1000 (default 20). */
  width?: number;
}

/** How much fit prints: 0 nothing, 1 the bar and summary lines on a terminal (default), 2 summary lines anywhere. */
export type Verbosity = 0 | 1 | 2;

/** Draws fit's progress; fit calls it at each epoch and batch. */
export class ProgressReporter {
  private epochStart = 0;
  private lastDraw = -Infinity;
  private lastLength = 0;
  private readonly now: () => number;
  private readonly interval: number;
  private readonly width: number;

  constructor(
    private readonly stream: ProgressStream,
    private readonly bar: boolean,
    private readonly epochs: number,
    private readonly batches: number,
    options: ProgressOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.interval = options.interval ?? 100;
    this.width = options.width ?? 20;
  }

  /** Starts an epoch's clock. */
  epochBegin(): void {
    this.epochStart = this.now();
    this.lastDraw = -Infinity;
    this.lastLength = 0;
  }

  /**
   * After batch `done` − 1 of the epoch: redraws the bar when the interval has passed (and always
   * for the first and last batch). `logs` is called only then, since running metrics cost a pass
   * over the epoch's predictions so far.
   */
  batchEnd(epoch: number, done: number, logs: () => EpochLogs): void {
    if (!this.bar) return;
    const t = this.now();
    if (done !== 1 && done !== this.batches && t - this.lastDraw < this.interval) return;
    this.lastDraw = t;
    const elapsed = t - this.epochStart;
    const eta = (elapsed / done) * (this.batches - done);
    const filled = Math.round((done / this.batches) * this.width);
    const arrow = filled >= this.width ? '='.repeat(this.width) : `${'='.repeat(filled)}>${'.'.repeat(this.width - filled - 1)}`;
    const line = `${this.prefix(epoch)} [${arrow}] ${done}/${this.batches}${formatLogs(logs())} - ETA ${formatDuration(eta)}`;
    this.rewrite(line);
  }

  /** Ends the epoch, after `done` of its batches (fewer when training stopped in it), with its summary line (replacing the bar on a terminal). */
  epochEnd(epoch: number, done: number, logs: EpochLogs): void {
    const elapsed = this.now() - this.epochStart;
    const line = `${this.prefix(epoch)} - ${done}/${this.batches} - ${formatDuration(elapsed)}${formatLogs(logs)}`;
    if (this.bar) this.rewrite(line);
    else this.stream.write(line);
    this.stream.write('\n');
    this.lastLength = 0;
  }

  /** A line of its own after the epoch's summary: why training stopped, where it is not obvious. */
  note(text: string): void {
    this.stream.write(`${text}\n`);
  }

  private prefix(epoch: number): string {
    return `Epoch ${epoch + 1}/${this.epochs}`;
  }

  /** '\r' back to the line start, the new text, and spaces over what is left of a longer old line. */
  private rewrite(line: string): void {
    const columns = this.stream.columns;
    const text = columns !== undefined && columns > 1 && line.length >= columns ? line.slice(0, columns - 1) : line;
    const pad = Math.max(0, this.lastLength - text.length);
    this.stream.write(`\r${text}${' '.repeat(pad)}`);
    this.lastLength = text.length;
  }
}

const PROGRESS_KEYS = ['stream', 'interval', 'now', 'width'];

/** Widest bar progress.width may ask for, in characters. */
const MAX_WIDTH = 1000;

/**
 * The reporter for fit's `progress` and `verbose` options, or null when nothing is to be printed.
 * Everything is checked, even when nothing will be printed, so that a mistake shows at once.
 * @throws ValueError for malformed options or an unknown key in `progress`.
 */
export function progressReporter(op: string, progress: unknown, verbose: unknown, epochs: number, batches: number): ProgressReporter | null {
  const level = verbose === undefined ? 1 : verbose === true ? 1 : verbose === false ? 0 : verbose;
  if (level !== 0 && level !== 1 && level !== 2) throw new ValueError(`${op}: verbose must be 0, 1 or 2, got ${show(verbose)}`);
  if (progress !== undefined && typeof progress !== 'boolean' && (progress === null || typeof progress !== 'object' || Array.isArray(progress))) {
    throw new ValueError(`${op}: progress must be true, false or {stream, interval, now, width}, got ${show(progress)}`);
  }
  const options = typeof progress === 'object' ? checkProgressOptions(op, progress) : {};
  if (progress === false || level === 0) return null;
  // In a browser there is no process.stdout: without a stream of the caller's, no output.
  const stream = options.stream ?? (globalThis as { process?: { stdout?: ProgressStream } }).process?.stdout;
  if (stream === undefined) return null;
  const tty = stream.isTTY === true;
  if (level === 1 && !tty) return null;
  return new ProgressReporter(stream, level === 1, epochs, batches, options);
}

/** fit's `progress` object, checked key by key (a function that fails mid-training would lose the run). */
function checkProgressOptions(op: string, progress: object): ProgressOptions {
  const options = knownNestedOptions<ProgressOptions>(op, 'progress', progress, PROGRESS_KEYS);
  if (options.stream !== undefined && typeof (options.stream as Partial<ProgressStream> | null)?.write !== 'function') {
    throw new ValueError(`${op}: progress.stream must have a write(text) method, got ${show(options.stream)}`);
  }
  if (options.now !== undefined && typeof options.now !== 'function') throw new ValueError(`${op}: progress.now must be a function returning milliseconds, got ${show(options.now)}`);
  const { interval, width } = options;
  if (interval !== undefined && !(typeof interval === 'number' && interval >= 0 && Number.isFinite(interval))) {
    throw new ValueError(`${op}: progress.interval must be a non-negative number, got ${show(interval)}`);
  }
  // Bounded: the bar is drawn on every redraw, and a width of 10⁹ would not fit in a string.
  if (width !== undefined && !(typeof width === 'number' && Number.isInteger(width) && width >= 1 && width <= MAX_WIDTH)) {
    throw new ValueError(`${op}: progress.width must be a whole number from 1 to ${MAX_WIDTH}, got ${show(width)}`);
  }
  return options;
}

/** ' - loss 0.1234 - accuracy 0.9000': every logged value, in insertion order. */
export function formatLogs(logs: EpochLogs): string {
  return Object.entries(logs).map(([k, v]) => ` - ${k} ${formatNumber(v)}`).join('');
}

/** Four decimals for ordinary magnitudes, exponent notation for tiny or huge ones. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

/** '850ms', '12.3s', '2m05s'. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.floor(s - 60 * m)).padStart(2, '0')}s`;
}
