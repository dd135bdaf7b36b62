// The page's own code is TypeScript (playground/src/**/*.ts). The server compiles each file to an
// ES module when the browser asks for it: transpile only (no type check, which `npx tsc -p
// playground` does), one file at a time, cached until the file changes.
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let ts = null; // loaded on first use: requiring typescript takes about a second
const cache = new Map(); // file → { mtimeMs, code }

/** The JavaScript for one .ts file. Throws when TypeScript reports a syntax error. */
export function transpileFile(file) {
  const { mtimeMs } = statSync(file);
  const hit = cache.get(file);
  if (hit !== undefined && hit.mtimeMs === mtimeMs) return hit.code;
  ts ??= require('typescript');
  const result = ts.transpileModule(readFileSync(file, 'utf8'), {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, sourceMap: false, inlineSourceMap: true, inlineSources: true },
  });
  const errors = (result.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    const message = errors.map((d) => {
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
      return `${file}${where ? `:${where.line + 1}:${where.character + 1}` : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    throw new Error(message.join('\n'));
  }
  cache.set(file, { mtimeMs, code: result.outputText });
  return result.outputText;
}
