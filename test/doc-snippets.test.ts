/**
 * Every ```ts block of the README and of docs/*.md runs, and each checked line (`expression; //
 * value`) computes what the page says (see tools/doc-snippets/snippets.ts for the rules). To see the
 * values of one page: `npm run docs:snippets -- <page>`.
 */
import { docPages, runSnippet, snippetsOf } from '../tools/doc-snippets/snippets';

const snippets = docPages().flatMap(snippetsOf);

describe('documentation snippets run and print what the docs say', () => {
  it('finds snippets to run', () => expect(snippets.length).toBeGreaterThan(0));

  it('checks expressions only: an indented declaration with a comment is not a checked line', async () => {
    const code = '{\n  const a = 2; // a remark, not a value\n  a * 3; // 6\n}';
    const values = await runSnippet({ file: 'inline', line: 1, code }, require);
    expect(values.map((v) => [v.expression, v.ok])).toEqual([['a * 3', true]]);
  });

  it.each(snippets.map((s) => [`${s.file}:${s.line}`, s] as const))('%s', async (_name, snippet) => {
    // The test's own require resolves @adjoint/* to the package sources.
    const values = await runSnippet(snippet, require);
    for (const v of values) {
      if (!v.ok) throw new Error(`snippet line ${v.line - snippet.line + 1}: got ${String(v.value)}, the docs say ${v.expected}`);
    }
  });
});
