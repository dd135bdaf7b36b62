/**
 * The ```ts blocks of the README and docs/*.md, and how to run one so that its checked lines are
 * compared with what they compute. A line `expression; // value` is checked: the expression must
 * print as `value` (numbers within 1e-12 relative), or, written `// ≈ value`, be within 1e-3 of it;
 * `\n` in a value stands for a line break. A block preceded by `<!-- not run -->` is skipped.
 * Used by test/doc-snippets.test.ts and by `npm run docs:snippets`.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const root = path.resolve(__dirname, '..', '..');

/** The README and every page of docs/, as paths relative to the repository. */
export function docPages(): string[] {
  const dir = path.join(root, 'docs');
  return ['README.md', ...(existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`) : [])];
}

/** One runnable block: its page, the line its code starts on, and the code. */
export interface Snippet { file: string; line: number; code: string }

/** The runnable ```ts blocks of a page. */
export function snippetsOf(file: string): Snippet[] {
  const lines = readFileSync(path.join(root, file), 'utf8').split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ts\s*$/.test(lines[i]!)) continue;
    const skipped = i > 0 && lines[i - 1]!.trim() === '<!-- not run -->';
    const start = i + 1;
    while (i < lines.length && lines[++i] !== '```');
    if (!skipped) out.push({ file, line: start + 1, code: lines.slice(start, i).join('\n') });
  }
  return out;
}

// `(?!\s…)` keeps the indentation whole: otherwise `\s*` could give back a space and the lookahead
// would see ` const` and let a declaration with a trailing comment through as a checked line.
const checkedLine = /^(\s*)(?!\s|const |let |import |for |if |return |\})(.+?);\s*\/\/ (≈ )?(\S.*)$/;

/** What a checked line computed, beside what the docs say it computes. */
export interface CheckedValue {
  /** Line within the page. */
  line: number;
  expression: string;
  value: unknown;
  expected: string;
  ok: boolean;
}

function instrument(code: string): string {
  return code
    .split('\n')
    .map((line, i) => {
      const m = checkedLine.exec(line);
      return m ? `${m[1]}__check(${m[2]}, ${JSON.stringify(m[2])}, ${JSON.stringify(m[4])}, ${m[3] ? 'true' : 'false'}, ${i});` : line;
    })
    .join('\n');
}

function agrees(value: unknown, expectedText: string, approximate: boolean): boolean {
  const expected = expectedText.replace(/\\n/g, '\n'); // a printed newline is written \n in the comment
  const target = Number(expected);
  if (typeof value === 'number' && !Number.isNaN(target)) {
    const tol = (approximate ? 1e-3 : 1e-12) * Math.max(1, Math.abs(target));
    return Math.abs(value - target) <= tol;
  }
  return String(value).trim() === expected.trim();
}

/**
 * Runs a snippet (with `load` resolving its imports) and returns every checked line's value; the
 * snippet's own console output goes to `log`.
 */
export async function runSnippet(snippet: Snippet, load: (id: string) => unknown, log: (...args: unknown[]) => void = () => undefined): Promise<CheckedValue[]> {
  const js = ts.transpileModule(instrument(snippet.code), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
  const values: CheckedValue[] = [];
  const check = (value: unknown, expression: string, expected: string, approximate: boolean, line: number): void => {
    values.push({ line: snippet.line + line, expression, value, expected, ok: agrees(value, expected, approximate) });
  };
  const console = { ...globalThis.console, log };
  await new Function('require', '__check', 'exports', 'console', `return (async () => {${js}\n})();`)(load, check, {}, console);
  return values;
}
