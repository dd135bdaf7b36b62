// npm runs this on install: builds the native half (native/openblas.c) with node-gyp against the
// system's OpenBLAS. Without OpenBLAS or a compiler the package still installs: it says so in one
// line, and useOpenBlas() throws an error that says how to get it. `npm rebuild @adjoint/blas`
// tries again.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

// npm tells scripts where its own node-gyp is; otherwise look beside the npm that runs node.
const nodeGyp = process.env.npm_config_node_gyp
  ?? path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
// Node's own headers, where its installation has them, so that node-gyp need not download them.
const prefix = path.join(path.dirname(process.execPath), '..');
const localHeaders = process.env.npm_config_nodedir === undefined && fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'));
const args = [nodeGyp, 'rebuild', ...(localHeaders ? [`--nodedir=${prefix}`] : [])];
// A time limit, so that node-gyp stuck on a download (no headers here, no network) cannot hold up
// the install; a large buffer, so that a verbose compiler cannot fail the build by its output alone.
const built = spawnSync(process.execPath, args, {
  cwd: path.join(__dirname, 'native'), encoding: 'utf8', timeout: 5 * 60_000, maxBuffer: 64 * 1024 * 1024,
});
if (built.status !== 0) {
  const why = /cblas\.h|lopenblas/.test(`${built.stdout}${built.stderr}`)
    ? 'OpenBLAS was not found (Debian/Ubuntu: apt-get install libopenblas-dev)'
    : `node-gyp failed (${(built.stderr || built.error?.message || '').trim().split('\n').pop()})`;
  console.log(`@adjoint/blas: the native kernel was not built: ${why}; matrix products stay on @adjoint/core's own kernels.`);
}
