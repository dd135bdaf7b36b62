/**
 * Runs every ```ts block of the README and of docs/*.md. A line of the form `expression; // value`
 * is checked: the expression must print as `value` (numbers within 1e-12 relative), or, written
 * `// ≈ value`, be within 1e-3 of it; `\n` in a value stands for a line break. A block preceded by `<!-- not run -->` is skipped.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(__dirname, '..');
const docs = ['README.md', ...(existsSync(path.join(root, 'docs')) ? readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`) : [])];

interface Snippet { file: string; line: number; code: string }

function snippetsOf(file: string): Snippet[] {
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

const checkedLine = /^(\s*)(?!const |let |import |for |if |return |\})(.+?);\s*\/\/ (≈ )?(\S.*)$/;

function instrument(code: string): string {
  return code
    .split('\n')
    .map((line, i) => {
      const m = checkedLine.exec(line);
      return m ? `${m[1]}__check(${m[2]}, ${JSON.stringify(m[4])}, ${m[3] ? 'true' : 'false'}, ${i});` : line;
    })
    .join('\n');
}

function check(value: unknown, expectedText: string, approximate: boolean, line: number): void {
  const expected = expectedText.replace(/\\n/g, '\n'); // a printed newline is written \n in the comment
  const shown = typeof value === 'number' ? value : String(value);
  const target = Number(expected);
  if (typeof value === 'number' && !Number.isNaN(target)) {
    const tol = approximate ? 1e-3 * Math.max(1, Math.abs(target)) : 1e-12 * Math.max(1, Math.abs(target));
    if (!(Math.abs(value - target) <= tol)) throw new Error(`snippet line ${line + 1}: got ${value}, the docs say ${expected}`);
    return;
  }
  if (String(shown).trim() !== expected.trim()) throw new Error(`snippet line ${line + 1}: got ${String(shown)}, the docs say ${expected}`);
}

const snippets = docs.flatMap(snippetsOf);

describe('documentation snippets run and print what the docs say', () => {
  it('finds snippets to run', () => expect(snippets.length).toBeGreaterThan(0));

  it.each(snippets.map((s) => [`${s.file}:${s.line}`, s] as const))('%s', async (_name, snippet) => {
    const js = ts.transpileModule(instrument(snippet.code), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      // The test's own require resolves @adjoint/* to the package sources.
      await new Function('require', '__check', 'exports', `return (async () => {${js}\n})();`)(require, check, {});
    } finally {
      log.mockRestore();
    }
  });
});
