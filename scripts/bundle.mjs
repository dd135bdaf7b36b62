// Bundles each package's tsc output (packages/*/build) into dist/: ESM (.mjs), CommonJS (.cjs)
// and one bundled .d.ts per entry point. Run by `npm run build` after `tsc -b`.
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';
import { builtinModules } from 'node:module';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import builtins from './local-builtins.cjs';

const packages = {
  core: ['index'],
  blas: ['index'],
  gradcheck: ['index', 'jest'],
  nn: ['index'],
};

// A package's dependencies and peer dependencies (other workspace packages, fast-check,
// @bufbuild/protobuf), their subpaths, and Node built-ins stay imports, not bundled code.
function externalsOf(name) {
  const pkg = JSON.parse(readFileSync(path.join('packages', name, 'package.json'), 'utf8'));
  const dependencies = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
  return (id) => dependencies.some((d) => id === d || id.startsWith(`${d}/`)) || id.startsWith('node:') || builtinModules.includes(id);
}

const quietCircular = (warning, warn) => {
  if (warning.code === 'CIRCULAR_DEPENDENCY') return; // op modules and Tensor refer to each other at call time only
  warn(warning);
};

for (const [name, entries] of Object.entries(packages)) {
  const root = path.join('packages', name);
  const isExternal = externalsOf(name);
  rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  for (const entry of entries) {
    const input = path.join(root, 'build', `${entry}.js`);
    const code = await rollup({ input, external: isExternal, onwarn: quietCircular });
    // Built-ins read from constants: a user's jest runs this code in a vm context (see the script).
    const intro = builtins.LOCAL_BUILTINS;
    await code.write({ file: path.join(root, 'dist', `${entry}.mjs`), format: 'es', intro });
    await code.write({ file: path.join(root, 'dist', `${entry}.cjs`), format: 'cjs', exports: 'named', intro });
    // Node's `import` gets the CommonJS build too, through this wrapper: one copy of each package
    // per process, so a tensor made by require() is a tensor to import's functions and the
    // registry, the array pools and the settings are shared (no dual-package hazard). Browsers and
    // bundlers take the real ES module.
    writeFileSync(path.join(root, 'dist', `${entry}.node.mjs`), `export * from './${entry}.cjs';\n`);
    await code.close();
    const types = await rollup({ input: path.join(root, 'build', `${entry}.d.ts`), external: isExternal, plugins: [dts()], onwarn: quietCircular });
    await types.write({ file: path.join(root, 'dist', `${entry}.d.ts`), format: 'es' });
    await types.close();
  }
}
console.log('bundled', Object.keys(packages).map((p) => `@adjoint/${p}`).join(', '));
