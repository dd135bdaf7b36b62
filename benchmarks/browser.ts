/**
 * The MLP training step in a browser: adjoint's browser bundles against TensorFlow.js's wasm
 * backend, in the same page of Debian's headless chromium (driven by playwright-core), timed in
 * alternating batches as the Node suites are. The step is the mlp suite's: 784-128-10, batch 64,
 * Adam, softmax cross-entropy. Needs chromium (`apt-get install -y chromium`) and, for the
 * comparison, TensorFlow.js (`npm run references`); without them the suite says so and is empty.
 */
import { existsSync, readFileSync } from 'fs';
import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { ratio, type BenchResult } from './harness';

const root = path.resolve(__dirname, '..');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** The files the page may load, by URL prefix: the packages' builds and TensorFlow.js's. */
const ROUTES: Array<[string, string]> = [
  ['/pkg/core/', 'packages/core/dist/'],
  ['/pkg/nn/', 'packages/nn/dist/'],
  ['/tf/', 'node_modules/@tensorflow/tfjs/dist/'],
  ['/tfwasm/', 'node_modules/@tensorflow/tfjs-backend-wasm/dist/'],
];
const TYPES: Record<string, string> = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

/**
 * The page: builds both steps, then times them in alternating batches for `rounds` rounds and
 * leaves the per-step milliseconds of each round in `window.result`.
 */
const PAGE = `<!doctype html><meta charset="utf-8"><title>adjoint vs tfjs: MLP step</title>
<script type="importmap">{"imports": {"@adjoint/core": "/pkg/core/index.mjs", "@adjoint/nn": "/pkg/nn/index.mjs"}}</script>
<script src="/tf/tf.min.js"></script>
<script src="/tfwasm/tf-backend-wasm.min.js"></script>
<script type="module">
import { Rng, tensor } from '@adjoint/core';
import { Adam, crossEntropy, mlp } from '@adjoint/nn';
const BATCH = 64, SIZES = [784, 128, 10], LR = 1e-3;
const rng = new Rng(11);
const x = Float64Array.from({ length: BATCH * 784 }, () => rng.uniform(0, 1));
const labels = Array.from({ length: BATCH }, () => rng.int(0, 10));
const model = mlp(SIZES, { seed: 1 });
const optimizer = new Adam(model.parameters(), { lr: LR });
const tx = tensor(x, { shape: [BATCH, 784] }), ty = tensor(labels);
const ours = () => { crossEntropy(model.forward(tx), ty).backward(); optimizer.step(); optimizer.zeroGrad(); };
tf.wasm.setWasmPaths('/tfwasm/');
await tf.setBackend('wasm');
await tf.ready();
const vars = model.parameters().map((p) => tf.variable(tf.tensor(Float32Array.from(p.data), p.shape)));
const fx = tf.tensor2d(Float32Array.from(x), [BATCH, 784]);
const fy = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
const tfOptimizer = tf.train.adam(LR);
const theirs = () => {
  const loss = tfOptimizer.minimize(() => tf.losses.softmaxCrossEntropy(fy, tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(fx, vars[0]), vars[1])), vars[2]), vars[3])), true);
  loss.dataSync();
  loss.dispose();
};
const batch = (fn, reps) => { const t0 = performance.now(); for (let i = 0; i < reps; i++) fn(); return (performance.now() - t0) / reps; };
for (let i = 0; i < 20; i++) { ours(); theirs(); } // warm up both (JIT, tfjs kernels)
const rounds = [];
for (let r = 0; r < 15; r++) rounds.push([batch(ours, 10), batch(theirs, 10)]);
window.result = { rounds, backend: tf.getBackend() };
</script>`;

function serve(): Promise<Server> {
  const server = createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    if (url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      return;
    }
    const route = ROUTES.find(([prefix]) => url.startsWith(prefix));
    const file = route && path.resolve(root, route[1], url.slice(route[0].length));
    if (!route || !file || !file.startsWith(path.resolve(root, route[1])) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** adjoint / tfjs wasm for the MLP step in chromium; [] (with a note) without chromium or tfjs. */
export async function benchBrowser(): Promise<BenchResult[]> {
  const missing = [
    CHROMIUM === undefined && 'chromium (apt-get install -y chromium)',
    !existsSync(path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm')) && 'TensorFlow.js (npm run references)',
    !existsSync(path.join(root, 'packages/nn/dist/index.mjs')) && 'the packages\' builds (npm run build)',
  ].filter(Boolean);
  if (missing.length > 0) {
    console.log(`  note: the browser suite needs ${missing.join(' and ')}; skipped`);
    return [];
  }
  const { chromium } = await import('playwright-core');
  const server = await serve();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction('window.result !== undefined || false', null, { timeout: 180_000 }).catch(() => undefined);
    if (errors.length > 0) throw new Error(`browser bench: ${errors.join('; ')}`);
    const { rounds, backend } = (await page.evaluate('window.result')) as { rounds: number[][]; backend: string };
    const group = 'browser mlp 784-128-10';
    const ours: BenchResult = { group, name: 'adjoint step in chromium (float64)', value: median(rounds.map((r) => r[0]!)), unit: 'ms', samples: rounds.map((r) => r[0]!), interleaving: -1 };
    const theirs: BenchResult = { group, name: `tfjs ${backend} step in chromium (float32)`, value: median(rounds.map((r) => r[1]!)), unit: 'ms', samples: rounds.map((r) => r[1]!), interleaving: -1 };
    return [ours, theirs, ratio(group, `adjoint / tfjs ${backend} (same page)`, ours, theirs)];
  } finally {
    await browser.close();
    server.close();
  }
}
