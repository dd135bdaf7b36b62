/**
 * `npm run docs:snippets -- <page>`: runs the code examples of a documentation page and prints what
 * each checked line computes beside what the page says (✓ or ✗), and what the examples print.
 * `<page>` is a name such as `autodiff` (docs/autodiff.md) or `README`; without one, the pages are
 * listed.
 */
import path from 'node:path';
import { docPages, runSnippet, snippetsOf } from './snippets';

async function main(): Promise<void> {
  const wanted = process.argv[2];
  const pages = docPages();
  const page = pages.find((p) => path.basename(p, '.md').toLowerCase() === String(wanted).toLowerCase());
  if (page === undefined) {
    console.log(`usage: npm run docs:snippets -- <page>\npages: ${pages.map((p) => path.basename(p, '.md')).join(', ')}`);
    process.exitCode = wanted === undefined ? 0 : 1;
    return;
  }
  let wrong = 0;
  for (const snippet of snippetsOf(page)) {
    console.log(`\n${page}:${snippet.line}`);
    const values = await runSnippet(snippet, require, (...args) => console.log('  |', ...args));
    for (const v of values) {
      if (!v.ok) wrong++;
      console.log(`  ${v.ok ? '✓' : '✗'} line ${v.line}: ${v.expression} → ${String(v.value)}${v.ok ? '' : `   (the page says ${v.expected})`}`);
    }
  }
  console.log(wrong === 0 ? '\nevery checked value is what the page says' : `\n${wrong} value(s) differ from the page`);
  if (wrong > 0) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exitCode = 1;
});
