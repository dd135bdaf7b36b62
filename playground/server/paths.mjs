// Where the server finds things on disk. Everything it serves comes from one of these folders, so
// a request can never name a file outside them.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The playground folder (index.html, style.css, src/). */
export const playgroundDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The repository root. */
export const repoRoot = path.resolve(playgroundDir, '..');
/** The packages whose browser bundles (packages/<name>/dist/*.mjs) the page imports. */
export const packageNames = ['core', 'nn', 'gradcheck'];

/**
 * `relative` resolved inside `base`, or null when it would leave `base` (../, absolute paths,
 * encoded tricks are decoded by the caller first).
 */
export function inside(base, relative) {
  const full = path.resolve(base, '.' + path.sep + relative);
  return full === base || full.startsWith(base + path.sep) ? full : null;
}
