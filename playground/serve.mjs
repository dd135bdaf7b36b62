#!/usr/bin/env node
// `npm run playground [-- --port N]`: serves the adjoint playground on http://127.0.0.1:8080/.
// Node's http module only; see docs/playground.md. `--port 0` takes any free port (the tests do),
// and the first line printed is always the page's address.
import http from 'node:http';
import { handleRequest } from './server/app.mjs';

const HOST = '127.0.0.1';

function parsePort(argv) {
  const i = argv.findIndex((a) => a === '--port' || a.startsWith('--port='));
  if (i < 0) return 8080;
  const text = argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`playground: --port needs a whole number from 0 to 65535, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return port;
}

if (process.argv.includes('--help')) {
  console.log('npm run playground [-- --port N]   serve the playground on http://127.0.0.1:N/ (default 8080; 0: any free port)');
  process.exit(0);
}
const port = parsePort(process.argv.slice(2));
const server = http.createServer(handleRequest);
server.on('error', (error) => {
  if (error.code === 'EADDRINUSE') console.error(`playground: port ${port} is in use; try npm run playground -- --port ${port + 1}`);
  else console.error(`playground: ${error.message}`);
  process.exit(1);
});
server.listen(port, HOST, () => {
  const { port: actual } = server.address();
  console.log(`adjoint playground: http://${HOST}:${actual}/`);
});
// Ctrl-C, or the tests' kill(): close and exit without a stack trace.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)).closeAllConnections());
