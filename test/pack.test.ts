/**
 * The packages as a user installs them: `npm pack` tarballs of all four, installed together in a
 * fresh project outside this repository (with fast-check, gradcheck's peer), then used through
 * require(), import and TypeScript's declarations. `npm test` builds first, so the tarballs hold
 * the current build. @adjoint/blas builds its native half on that install where the machine has
 * OpenBLAS's headers, and installs without it where not.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_loglevel: 'error' } });
const node = (args: string[], cwd: string): string => execFileSync(process.execPath, args, { cwd, encoding: 'utf8' }).trim();

describe('npm pack tarballs installed in a fresh project', () => {
  let project = '';
  beforeAll(() => {
    project = mkdtempSync(path.join(tmpdir(), 'adjoint-pack-'));
    for (const name of ['core', 'nn', 'gradcheck', 'blas']) npm(['pack', '--pack-destination', project], path.join(root, 'packages', name));
    const tarballs = readdirSync(project).filter((f) => f.endsWith('.tgz'));
    expect(tarballs.sort()).toEqual(['adjoint-blas-0.1.0.tgz', 'adjoint-core-0.1.0.tgz', 'adjoint-gradcheck-0.1.0.tgz', 'adjoint-nn-0.1.0.tgz']);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'uses-adjoint', version: '1.0.0', private: true }));
    const fastCheck = (require('fast-check/package.json') as { version: string }).version;
    npm(['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs.map((t) => `./${t}`), `fast-check@${fastCheck}`], project);
  }, 180_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  const program = `const x = core.tensor([[1, 2], [3, 4]], { requiresGrad: true });
nn.mse(x.matmul(x), core.zeros([2, 2])).backward();
console.log(JSON.stringify([x.grad.shape, core.grad((t) => t.square())(3).item(), gc.checkGrad((t) => t.sin().sum(), [[0.5]]).ok]));`;
  const expected = JSON.stringify([[2, 2], 6, true]);

  it('work through require()', () => {
    const code = `const core = require('@adjoint/core'); const nn = require('@adjoint/nn'); const gc = require('@adjoint/gradcheck'); require('@adjoint/gradcheck/jest');\n${program}`;
    expect(node(['-e', code], project)).toBe(expected);
  });

  it('work through import', () => {
    const code = `import * as core from '@adjoint/core'; import * as nn from '@adjoint/nn'; import * as gc from '@adjoint/gradcheck';\n${program}`;
    expect(node(['--input-type=module', '-e', code], project)).toBe(expected);
  });

  it('include @adjoint/blas, built where OpenBLAS is, running core\'s products and Adam\'s update through either way in', () => {
    const hasOpenBlas = existsSync('/usr/include/x86_64-linux-gnu/cblas.h') || existsSync('/usr/include/cblas.h');
    // Whole numbers, so that OpenBLAS and core's kernel give exactly the same sums.
    const code = `const x = core.tensor(Float64Array.from({ length: 4096 }, (_, i) => (i % 7) - 3), { shape: [64, 64] });
const builtIn = Array.from(core.matmul(x, x).data);
let kernel = null, same = null, adam = null;
if (blas.openBlasAvailable()) {
  blas.useOpenBlas();
  same = Array.from(core.matmul(x, x).data).every((v, i) => v === builtIn[i]);
  kernel = core.setMatmulKernel(null).name;
  const update = () => {
    const w = Float64Array.from([1, 2, 3]);
    const [{ m, v }] = core.adamMoments([3]);
    core.adamUpdate(w, Float64Array.from([0.5, -1, 2]), m, v, core.adamCoefficients(1, 0.1, { beta1: 0.9, beta2: 0.999, eps: 1e-8 }));
    return Array.from(w);
  };
  const own = update();
  blas.useNativeAdam();
  const native = update();
  adam = [core.setAdamKernel(null).name, native.every((v, i) => v === own[i]) && native[0] !== 1];
}
console.log(JSON.stringify([blas.openBlasAvailable(), kernel, same, adam]));`;
    const expectedHere = JSON.stringify(hasOpenBlas ? [true, 'OpenBLAS', true, ['native Adam', true]] : [false, null, null, null]);
    expect(node(['-e', `const core = require('@adjoint/core'); const blas = require('@adjoint/blas');\n${code}`], project)).toBe(expectedHere);
    expect(node(['--input-type=module', '-e', `import * as core from '@adjoint/core'; import * as blas from '@adjoint/blas';\n${code}`], project)).toBe(expectedHere);
  });

  it('type-check a program that uses all three', () => {
    writeFileSync(path.join(project, 'main.ts'), `import { grad, tensor, type Tensor } from '@adjoint/core';
import { Dense, mse, type Module } from '@adjoint/nn';
import { checkGrad, type GradReport } from '@adjoint/gradcheck';
const layer: Module = new Dense(2, 1);
const loss: Tensor = mse(layer.forward(tensor([[1, 2]])), tensor([[0]]));
const report: GradReport = checkGrad((x: Tensor) => x.square().sum(), [tensor([1])]);
const slope: number = grad((x: Tensor) => x.square())(3).item();
export { loss, report, slope };
`);
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    expect(() => node([tsc, '--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node', '--typeRoots', path.join(root, 'node_modules/@types'), 'main.ts'], project)).not.toThrow();
  });
});
