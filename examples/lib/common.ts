/** What every example shares: its options, where it writes, and how it prints. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** Options every example's `run` accepts. */
export interface ExampleOptions {
  /** Smaller, faster settings (for the smoke tests); the story stays the same. */
  quick?: boolean;
  /** Folder for the SVG files (default `examples-output`). */
  outDir?: string;
  /** Where text goes (default console.log). */
  log?: (line: string) => void;
}

/** The resolved options plus a helper giving the path of an output file (its folder created). */
export interface ExampleContext {
  quick: boolean;
  log: (line: string) => void;
  output: (file: string) => string;
}

/** Defaults filled in; the output folder is created on first use only. */
export function context(options: ExampleOptions = {}): ExampleContext {
  const dir = options.outDir ?? 'examples-output';
  return {
    quick: options.quick ?? false,
    log: options.log ?? ((line: string) => console.log(line)),
    output: (file) => {
      mkdirSync(dir, { recursive: true });
      return path.join(dir, file);
    },
  };
}

/** A number for a printed table: 4 decimals, or exponent notation when tiny or huge. */
export function num(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toFixed(digits);
}

/** The largest absolute difference between two equally long arrays of numbers. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`maxAbsDiff: lengths differ (${a.length} vs ${b.length})`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
