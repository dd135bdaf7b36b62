/**
 * Every ```ts block of the README and of docs/*.md runs, and each checked line (`expression; //
 * value`) computes what the page says (see tools/doc-snippets/snippets.ts for the rules). To see the
 * values of one page: `npm run docs:snippets -- <page>`.
 */
import { docPages, runSnippet, snippetsOf } from '../tools/doc-snippets/snippets';

const snippets = docPages().flatMap(snippetsOf);

describe('documentation snippets run and print what the docs say', () => {
  it('finds snippets to run', () => expect(snippets.length).toBeGreaterThan(0));

  it.each(snippets.map((s) => [`${s.file}:${s.line}`, s] as const))('%s', async (_name, snippet) => {
    // The test's own require resolves @adjoint/* to the package sources.
    const values = await runSnippet(snippet, require);
    for (const v of values) {
      if (!v.ok) throw new Error(`snippet line ${v.line - snippet.line + 1}: got ${String(v.value)}, the docs say ${v.expected}`);
    }
  });
});
