// Third-party ES modules the pages need in the browser: the packages' own dependencies and peer
// dependencies (nn's @bufbuild/protobuf, gradcheck's fast-check) and what those import. Their
// import-map entries are read from each package's own "exports" map, so a new release with other
// subpaths needs no change here.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.mjs';

/**
 * Packages served under /vendor/<name>/: what packages/*\/package.json list as dependencies or
 * peer dependencies, other than each other; their own dependencies are found from theirs.
 */
function rootPackages() {
  const names = new Set();
  for (const name of ['core', 'gradcheck', 'nn']) {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'packages', name, 'package.json'), 'utf8'));
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })) if (!dep.startsWith('@adjoint/')) names.add(dep);
  }
  return [...names];
}

/** The folder of an installed package, looked up like Node does: node_modules upwards from `from`. */
function packageDir(name, from) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

/** The browser (ESM) file of one "exports" entry: its "import" condition, possibly nested. */
function importTarget(entry) {
  if (typeof entry === 'string') return entry;
  if (entry === null || typeof entry !== 'object') return null;
  for (const key of ['browser', 'import', 'default']) {
    if (key in entry) {
      const found = importTarget(entry[key]);
      if (found !== null) return found;
    }
  }
  return null;
}

/**
 * Every vendored package: name → folder on disk, plus the import-map entries that point bare
 * specifiers ('fast-check', 'pure-rand/distribution/uniformInt') at /vendor/ URLs.
 */
export function vendorPackages() {
  const dirs = new Map();
  const imports = {};
  const queue = rootPackages().map((name) => [name, repoRoot]);
  while (queue.length > 0) {
    const [name, from] = queue.shift();
    if (dirs.has(name)) continue;
    const dir = packageDir(name, from);
    if (dir === null) continue; // not installed: the page that needs it reports the failed import
    dirs.set(name, dir);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const exportsMap = typeof pkg.exports === 'object' && pkg.exports !== null && !Array.isArray(pkg.exports) ? pkg.exports : { '.': pkg.module ?? pkg.main };
    for (const [subpath, entry] of Object.entries(exportsMap)) {
      const target = importTarget(entry);
      if (target === null || subpath.includes('*') || !/\.m?js$/.test(target)) continue;
      const specifier = subpath === '.' ? name : `${name}/${subpath.replace(/^\.\//, '')}`;
      imports[specifier] = `/vendor/${name}/${target.replace(/^\.\//, '')}`;
    }
    for (const dep of Object.keys(pkg.dependencies ?? {})) queue.push([dep, dir]);
  }
  return { dirs, imports };
}
