// Lets `node -r ./scripts/register-ts.cjs file.ts` run TypeScript (benchmarks, examples, the demo)
// with the TypeScript compiler we already depend on: each .ts file is transpiled to CommonJS on
// load, and the output is cached in the system's temporary folder, keyed by the source's hash, so
// that only the first run pays for transpiling (about 2 s for the whole tree).
//
// `@adjoint/*` imports resolve through the workspace links to the built packages (npm run build),
// or, with ADJOINT_SOURCES=1, to packages/*/src/index.ts as jest's moduleNameMapper does: the tests'
// child processes use that (test/fixtures/sources.cjs), so they run the code the tests check.
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const Module = require('module');

const root = path.resolve(__dirname, '..');
let compiler = null;
const typescript = () => (compiler ??= require(require.resolve('typescript', { paths: [root] })));
const version = JSON.parse(fs.readFileSync(require.resolve('typescript/package.json', { paths: [root] }), 'utf8')).version;
const cacheDir = path.join(os.tmpdir(), `adjoint-ts-${version}`);

function transpile(source, filename) {
  const key = crypto.createHash('sha256').update(filename).update('\0').update(source).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    // Not cached yet.
  }
  const ts = typescript();
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false },
  });
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    // Written under a unique name and renamed, so concurrent processes never read a partial file.
    const temp = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    fs.writeFileSync(temp, outputText);
    fs.renameSync(temp, cached);
  } catch {
    // A cache that cannot be written only costs time.
  }
  return outputText;
}

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  module._compile(transpile(fs.readFileSync(filename, 'utf8'), filename), filename);
};

if (process.env.ADJOINT_SOURCES === '1') {
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function resolveAdjointSources(request, ...rest) {
    const match = /^@adjoint\/(core|nn|gradcheck|blas)$/.exec(request);
    if (match) return path.join(root, 'packages', match[1], 'src', 'index.ts');
    return resolve.call(this, request, ...rest);
  };
}
