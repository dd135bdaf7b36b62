// The playground's request handler: a static server for a handful of folders, plus the two things
// a browser cannot do by itself here — compile the page's TypeScript, and resolve bare module
// specifiers (@adjoint/core, fast-check), which it learns from an import map put into each page.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { inside, packageNames, playgroundDir, repoRoot } from './paths.mjs';
import { transpileFile } from './transpile.mjs';
import { vendorPackages } from './vendor.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The import map every page gets: the packages' browser bundles and vendored modules. */
export function importMap() {
  const imports = {};
  for (const name of packageNames) imports[`@adjoint/${name}`] = `/pkg/${name}/index.mjs`;
  Object.assign(imports, vendorPackages().imports);
  return { imports };
}

/** What a request maps to: { file, type } for a file, { code, type } for generated text, or null. */
function route(pathname) {
  if (pathname === '/') pathname = '/index.html';

  // The packages' bundles: packages/<name>/dist/<file>.mjs, nothing else of the packages.
  let m = /^\/pkg\/([\w-]+)\/([\w.-]+\.mjs)$/.exec(pathname);
  if (m) {
    if (!packageNames.includes(m[1])) return null;
    const file = path.join(repoRoot, 'packages', m[1], 'dist', m[2]);
    return existsSync(file) ? { file, type: TYPES['.mjs'] } : { status: 404, code: `${pathname}: not built yet; run npm run build\n` };
  }

  // Vendored ES modules (@bufbuild/protobuf, fast-check and its dependencies), only .js/.mjs files inside each package.
  m = /^\/vendor\/((?:@[\w.-]+\/)?[\w.-]+)\/(.+\.m?js)$/.exec(pathname);
  if (m) {
    const dir = vendorPackages().dirs.get(m[1]);
    const file = dir === undefined ? null : inside(dir, m[2]);
    return file && existsSync(file) ? { file, type: TYPES['.js'] } : null;
  }

  // The page's TypeScript, compiled on request. Imports inside it are written without extension
  // ('./data/datasets'), so both /src/x and /src/x.ts name playground/src/x.ts.
  if (pathname.startsWith('/src/')) {
    const base = pathname.replace(/\.(ts|js)$/, '');
    const file = inside(path.join(playgroundDir, 'src'), base.slice('/src/'.length) + '.ts');
    if (file === null || !existsSync(file) || file.endsWith('.test.ts')) return null;
    return { compile: file, type: TYPES['.js'] };
  }

  // Everything else: the pages and their style sheets at the top of playground/.
  m = /^\/([\w-]+\.(html|css|svg|png))$/.exec(pathname);
  if (m) {
    const file = path.join(playgroundDir, m[1]);
    return existsSync(file) && statSync(file).isFile() ? { file, type: TYPES[path.extname(file)] } : null;
  }
  return null;
}

/** A page with its import map: the server writes it where the page says `<!-- import map -->`. */
function withImportMap(html) {
  const script = `<script type="importmap">\n${JSON.stringify(importMap(), null, 2)}\n</script>`;
  return html.replace('<!-- import map -->', script);
}

/**
 * Sent with every response: the pages are cross-origin isolated (COOP + COEP), which is what gives
 * them SharedArrayBuffer and so core's worker threads for large matrix products (see
 * packages/core/src/kernels/threads.ts); CORP lets each resource load into such a page, and only
 * into a page of this origin. Everything the pages load comes from this server.
 */
export const ISOLATION_HEADERS = Object.freeze({
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
});

/** Node's http request listener for the playground. */
export function handleRequest(req, res) {
  const send = (status, type, body) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...ISOLATION_HEADERS });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'GET only\n');
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    return send(400, 'text/plain', 'bad URL\n');
  }
  if (pathname === '/favicon.ico') return send(204, 'text/plain', '');
  const target = route(pathname);
  if (target === null) return send(404, 'text/plain', `not found: ${pathname}\n`);
  try {
    if (target.compile) return send(200, target.type, transpileFile(target.compile));
    if (target.code !== undefined) return send(target.status ?? 200, target.type ?? 'text/plain', target.code);
    const body = readFileSync(target.file);
    return send(200, target.type, target.type.startsWith('text/html') ? withImportMap(body.toString('utf8')) : body);
  } catch (error) {
    // A syntax error in the page's TypeScript: the browser console shows it as the module's failure.
    return send(500, 'text/plain', `${error.message}\n`);
  }
}
