/**
 * The built packages as a user gets them: `import` and `require` through each package's exports map
 * (in a separate Node process, so jest's source mapping is not involved). `npm test` builds first.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

const root = path.resolve(__dirname, '..');
const run = (args: string[]): string => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
const program = `const x = core.tensor([[1, 2], [3, 4]], { requiresGrad: true });
x.matmul(x).sum().backward();
const d = core.grad((t) => t.square().exp())(0.5).item();
console.log(JSON.stringify([x.grad.toArray(), d, typeof gc.checkGrad, typeof nn.Tensor, typeof jest.toHaveCorrectGradients]));`;
// dL/dX for L = Σ X·X is Σ-row/column sums: (XXᵀ-free form) 1·Xᵀ + Xᵀ·1 evaluated by hand for X = [[1,2],[3,4]].
const expected = JSON.stringify([[[7, 11], [9, 13]], 2 * 0.5 * Math.exp(0.25), 'function', 'function', 'undefined']);

describe('built packages', () => {
  it.each(['core', 'gradcheck', 'nn'])('@adjoint/%s has ESM, CommonJS and bundled type declarations', (name) => {
    const dist = path.join(root, 'packages', name, 'dist');
    for (const file of ['index.mjs', 'index.cjs', 'index.d.ts']) expect(existsSync(path.join(dist, file))).toBe(true);
  });

  it('declares the public API in one bundled .d.ts', () => {
    const types = readFileSync(path.join(root, 'packages/core/dist/index.d.ts'), 'utf8');
    for (const name of ['declare class Tensor', 'grad', 'jvp', 'AdjointError', 'matmul']) expect(types).toContain(name);
  });

  it('works with require()', () => {
    const code = `const core = require('@adjoint/core'); const gc = require('@adjoint/gradcheck'); const nn = require('@adjoint/nn'); const jest = require('@adjoint/gradcheck/jest');\n${program}`;
    expect(run(['-e', code])).toBe(expected);
  });

  it('works with import', () => {
    const code = `import * as core from '@adjoint/core'; import * as gc from '@adjoint/gradcheck'; import * as nn from '@adjoint/nn'; import * as jest from '@adjoint/gradcheck/jest';\n${program}`;
    expect(run(['--input-type=module', '-e', code])).toBe(expected);
  });
});

/**
 * Names the engine uses between its own modules: the ops only other ops' rules call, the helper that
 * un-broadcasts adjoints, and the fields behind Tensor's public members.
 */
const INTERNAL = ['reluGrad', 'softmaxCrossEntropyGrad', 'sumToShape', 'setPrivateGrad', '_grad', '_op', '_in0', '_in1', '_inMany', '_attrs', '_leaf', '_tangents', '_adjoint'];

describe('the public surface of @adjoint/core', () => {
  it('declares no engine internals in its bundled .d.ts', () => {
    const types = readFileSync(path.join(root, 'packages/core/dist/index.d.ts'), 'utf8');
    expect(INTERNAL.filter((name) => new RegExp(`\\b${name}\\b`).test(types))).toEqual([]);
    // Nor any other underscored member (@internal fields added later are stripped the same way).
    expect(types.match(/^\s*(?:readonly\s+)?_\w+\??\s*[:(]/gm)).toBeNull();
  });

  it.each([
    ['require()', `const core = require('@adjoint/core');`, []],
    ['import', `import * as core from '@adjoint/core';`, ['--input-type=module']],
  ])('exports none of them through %s', (_how, load, flags) => {
    const names = JSON.parse(run([...flags, '-e', `${load}\nconsole.log(JSON.stringify(Object.keys(core)));`])) as string[];
    expect(names.filter((name) => INTERNAL.includes(name) || name.startsWith('_'))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['matmul', 'grad', 'registerOp', 'apply'])); // the list is the real one
  });
});

describe('one copy of each package per Node process', () => {
  it('a tensor made through require() is a tensor to the functions import gives, and both list the same names', () => {
    const code = `import { createRequire } from 'node:module';
import * as esm from '@adjoint/core'; import * as nn from '@adjoint/nn';
const cjs = createRequire(import.meta.url)('@adjoint/core');
const t = cjs.tensor([[1, 2], [3, 4]]);
console.log(JSON.stringify([esm.isTensor(t), t instanceof esm.Tensor, nn.mse(t, esm.zeros([2, 2])).item(), Object.keys(esm).sort().join() === Object.keys(cjs).sort().join()]));`;
    expect(run(['--input-type=module', '-e', code])).toBe(JSON.stringify([true, true, 7.5, true]));
  });
});

describe('the jest matcher types', () => {
  const dir = path.join(root, '.types-check');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Every moduleResolution TypeScript offers, each with a module setting it accepts.
  it.each([['node10', 'commonjs'], ['node16', 'node16'], ['nodenext', 'nodenext'], ['bundler', 'esnext']])('load under moduleResolution %s', (resolution, module) => {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `check-${resolution}.ts`);
    writeFileSync(file, `import '@adjoint/gradcheck/jest';\nimport { tensor, type Tensor } from '@adjoint/core';\nexpect((x: Tensor) => x.sum()).toHaveCorrectGradients([tensor([1])]);\nexport {};\n`);
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    const args = [tsc, '--noEmit', '--strict', '--skipLibCheck', '--types', 'jest', '--module', module, '--moduleResolution', resolution, file];
    expect(() => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' })).not.toThrow();
  });
});

/**
 * The ES module file a bare specifier ('@bufbuild/protobuf/wire') names in its package's "exports"
 * map, under the conditions a browser bundler uses; null when it is not an installed package's.
 */
function browserFile(specifier: string): string | null {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  const dir = path.join(root, 'node_modules', name);
  if (!existsSync(path.join(dir, 'package.json'))) return null;
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { exports?: Record<string, unknown>; module?: string };
  const subpath = `.${specifier.slice(name.length)}`;
  const pick = (entry: unknown): string | null => {
    if (typeof entry === 'string') return entry;
    if (entry === null || typeof entry !== 'object') return null;
    for (const key of ['browser', 'import', 'default']) if (key in entry) return pick((entry as Record<string, unknown>)[key]);
    return null;
  };
  const target = pkg.exports !== undefined ? pick(pkg.exports[subpath]) : subpath === '.' ? pkg.module ?? null : null;
  return target === null ? null : path.join(dir, target);
}

describe('browser-safe packages', () => {
  // Bundled as a browser bundler would: @adjoint/* from their ES builds, their dependencies
  // (@bufbuild/protobuf) from theirs, fast-check (gradcheck's peer) left to the page, and any Node
  // built-in an error.
  it.each(['core', 'nn', 'gradcheck'])('@adjoint/%s bundles for the browser with no Node built-in', async (name) => {
    const { rollup } = await import('rollup');
    const { builtinModules } = await import('node:module');
    const imported: string[] = [];
    const unresolved: string[] = [];
    const bundle = await rollup({
      input: path.join(root, 'packages', name, 'dist', 'index.mjs'),
      external: (id) => id === 'fast-check',
      plugins: [{
        name: 'browser-resolve',
        resolveId(id) {
          const pkg = /^@adjoint\/(core|nn|gradcheck)$/.exec(id);
          if (pkg) return path.join(root, 'packages', pkg[1]!, 'dist', 'index.mjs');
          if (id.startsWith('node:') || builtinModules.includes(id)) imported.push(id);
          else if (!id.startsWith('.') && !path.isAbsolute(id)) {
            const file = browserFile(id);
            if (file !== null) return file;
            unresolved.push(id);
          }
          return null;
        },
      }],
      onwarn: () => undefined,
    });
    const { output } = await bundle.generate({ format: 'es' });
    await bundle.close();
    expect(imported).toEqual([]);
    expect(unresolved).toEqual([]);
    expect(output[0].code).not.toMatch(/\brequire\(|from ['"]node:/);
    if (name === 'nn') expect(output[0].code).toContain('class BinaryWriter'); // the ONNX export's encoder came along
  });
});

describe('the bundles in a vm context, as jest runs a user\'s tests', () => {
  // Each read of a global there goes through an interceptor V8 cannot optimize (see
  // scripts/local-builtins.cjs): a bundle must read Math once, not once per random number drawn.
  it('read the global Math once, at load, and not while drawing 10,000 random numbers', () => {
    const source = readFileSync(path.join(root, 'packages/core/dist/index.cjs'), 'utf8');
    let reads = 0;
    const sandbox: Record<string, unknown> = { require, console, process, setTimeout, clearTimeout, queueMicrotask, performance, TextDecoder, TextEncoder, SharedArrayBuffer, URL, WebAssembly: (globalThis as Record<string, unknown>).WebAssembly };
    Object.defineProperty(sandbox, 'Math', { get: () => (reads++, Math) });
    const context = vm.createContext(sandbox);
    const loaded = { exports: {} as { rand: (shape: number[], options: { seed: number }) => { size: number } } };
    vm.runInContext(`(function (module, exports, require) {${source}\n})`, context)(loaded, loaded.exports, require);
    expect(reads).toBe(1);
    expect(loaded.exports.rand([10_000], { seed: 1 }).size).toBe(10_000);
    expect(reads).toBe(1); // without the bundles' first line: 40,012
  });
});
