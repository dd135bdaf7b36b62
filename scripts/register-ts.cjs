// Lets `node -r ./scripts/register-ts.cjs file.ts` run TypeScript (benchmarks, examples, the demo)
// with the TypeScript compiler we already depend on: each .ts file is transpiled to CommonJS on load.
// `@adjoint/*` imports resolve through the workspace links to the built packages (npm run build).
const fs = require('fs');
const ts = require('typescript');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      sourceMap: false,
    },
  });
  module._compile(outputText, filename);
};
