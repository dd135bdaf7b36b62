// Completes package-lock.json with the platform-specific optional packages (rollup's and
// unrs-resolver's native bindings for other systems) that the registry reachable here does not
// serve. npm 11's `npm ci` insists that every optional dependency a package names has a lock entry,
// and skips entries whose os/cpu do not match the machine, so entries with the right os/cpu/libc
// (read off the package name) are all it needs. Run after `npm install` changes the lock.
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const packages = lock.packages;

const OSES = ['win32', 'darwin', 'linux', 'android', 'freebsd', 'openbsd', 'openharmony'];
const CPUS = ['x64', 'ia32', 'arm64', 'arm', 'loong64', 'ppc64', 'riscv64', 's390x', 'wasm32'];

/** os, cpu and libc of a binding package, from its name (e.g. rollup-linux-arm64-musl). */
function platformOf(name) {
  const [os, cpu, abi] = name.split('/').pop().replace(/^(rollup|resolver-binding)-/, '').split('-');
  if (!OSES.includes(os) || !CPUS.includes(cpu)) return null;
  const entry = { os: [os], cpu: [cpu] };
  if (abi === 'gnu' || abi === 'gnueabihf') entry.libc = ['glibc'];
  if (abi === 'musl' || abi === 'musleabihf') entry.libc = ['musl'];
  return entry;
}

let added = 0;
for (const [path, info] of Object.entries(packages)) {
  for (const [dep, version] of Object.entries(info.optionalDependencies ?? {})) {
    if (!/^@(rollup\/rollup|unrs\/resolver-binding)-/.test(dep)) continue;
    const key = `node_modules/${dep}`;
    if (packages[key] || packages[`${path}/${key}`]) continue;
    const platform = platformOf(dep);
    if (!platform) continue;
    packages[key] = { version, ...platform, optional: true };
    added++;
  }
}
// npm's own order (its lock files compare names with localeCompare in 'en'), so `npm install` leaves the file as it is.
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en'))));
writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(`complete-lock: added ${added} platform-specific optional entries`);
