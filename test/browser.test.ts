/**
 * adjoint in a real browser: Debian's chromium, driven by playwright-core, against the playground
 * server (playground/serve.mjs, started here on a free port). Checks that each package's browser
 * bundle (packages/*\/dist/index.mjs) loads and works, that the playground trains XOR and circles
 * to 95 % accuracy and its decision boundary moves as it does, that the autodiff panel shows the
 * values core's trace computes, that the served pages are cross-origin isolated so core's matrix
 * products run on Web Workers (giving the one-thread bits), that a page which is not isolated
 * computes the same bits on its own thread, and that no page error or console error occurs anywhere.
 * Screenshots go to test-artifacts/browser/. Without chromium the suite says so and is skipped.
 *
 * Code that runs in the page is passed as strings, not functions: jest's coverage instrumentation
 * would put its counters into a function's text, which the browser cannot resolve.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page, type Worker } from 'playwright-core';
import { grad, randn, setMatmulBackend, trace, type Tensor } from '@adjoint/core';

const ROOT = path.resolve(__dirname, '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'browser');
const TRAIN_TIMEOUT_MS = 20_000;

/** /usr/bin/chromium, or chromium (chromium-browser on Ubuntu) on the PATH. */
function findChromium(): string | null {
  const candidates = ['/usr/bin/chromium'];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    candidates.push(path.join(dir, 'chromium'), path.join(dir, 'chromium-browser'));
  }
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

const CHROMIUM = findChromium();
if (CHROMIUM === null) {
  // One line, straight to the terminal (console.log in jest adds a stack trace).
  process.stderr.write('browser tests skipped: no chromium at /usr/bin/chromium or on PATH (install it: apt-get install -y chromium)\n');
}
const describeInBrowser = CHROMIUM === null ? describe.skip : describe;

/** Starts the playground server on a free port; resolves with its address once it listens. */
function startServer(): Promise<{ server: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const server = spawn(process.execPath, [path.join(ROOT, 'playground', 'serve.mjs'), '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the playground server did not start:\n${output}`)), 10_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ server, url: match[0] });
      }
    };
    server.stdout!.on('data', read);
    server.stderr!.on('data', read);
    server.on('exit', (code) => reject(new Error(`the playground server exited (${code}):\n${output}`)));
  });
}

/**
 * The products the thread tests run: C = A·B (seeded A, B), then the backward pass of sum(C ⊙ G)
 * for a seeded G, whose Ā = G·Bᵀ and B̄ = Aᵀ·G are the kernel's transposed variants. Each product is
 * at least 64³ multiply-adds, so with two threads core splits it between the page and a worker:
 * along rows (C, 200×150) and along columns (Ā, 200×300), at uneven sizes (131, 257, 129: a block
 * that is not whole micro-kernel tiles), and batched (B̄ sums the three batches' products).
 */
const PRODUCTS: readonly { a: number[]; b: number[]; seed: number }[] = [
  { a: [200, 300], b: [300, 150], seed: 11 },
  { a: [131, 257], b: [257, 129], seed: 21 },
  { a: [3, 100, 120], b: [120, 90], seed: 31 },
];

/** The products' results, C, Ā and B̄ of each in turn, computed with `core` (here, or in the page). */
function computeProducts(core: { randn: typeof randn }): Float64Array[] {
  return PRODUCTS.flatMap(({ a: sa, b: sb, seed }) => {
    const a = core.randn(sa, { seed, requiresGrad: true });
    const b = core.randn(sb, { seed: seed + 1, requiresGrad: true });
    const c = a.matmul(b);
    c.mul(core.randn(c.shape, { seed: seed + 2 })).sum().backward();
    return [c, a.grad!, b.grad!].map((t: Tensor) => Float64Array.from(t.data));
  });
}

/**
 * The same as page code: computeProducts with the core bundle; `same`, which compares two
 * results' float64 bits (through BigUint64Array views, so −0 ≠ 0 and NaNs are compared by payload);
 * and `digests`, the SHA-256 of each result's bytes (cheaper to hand back than the values).
 */
const PAGE_PRODUCTS = `
  const specs = ${JSON.stringify(PRODUCTS)};
  const products = (core) => specs.flatMap(({ a: sa, b: sb, seed }) => {
    const a = core.randn(sa, { seed, requiresGrad: true });
    const b = core.randn(sb, { seed: seed + 1, requiresGrad: true });
    const c = a.matmul(b);
    c.mul(core.randn(c.shape, { seed: seed + 2 })).sum().backward();
    return [c, a.grad, b.grad].map((t) => Float64Array.from(t.data));
  });
  const same = (xs, ys) => xs.length === ys.length && xs.every((x, i) => {
    const a = new BigUint64Array(x.buffer), b = new BigUint64Array(ys[i].buffer);
    return a.length === b.length && a.every((bits, j) => bits === b[j]);
  });
  const digests = (xs) => Promise.all(xs.map(async (x) =>
    [...new Uint8Array(await crypto.subtle.digest('SHA-256', x))].map((byte) => byte.toString(16).padStart(2, '0')).join('')));
`;

/**
 * Page code: in a page with the import map, the products with one thread (kept in the page), then
 * with two; resolves with whether their bits are the one-thread bits, and the two-thread digests.
 */
const THREADED_PRODUCTS = `(async () => {
  ${PAGE_PRODUCTS}
  const core = await import('@adjoint/core');
  core.setNumThreads(1);
  window.oneThread ??= products(core);
  core.setNumThreads(2);
  const threaded = products(core);
  return { threads: core.getNumThreads(), sameAsOneThread: same(threaded, window.oneThread), digests: await digests(threaded) };
})()`;

/** The SHA-256 of each array's bytes, as the page's `digests` gives them. */
function digests(results: Float64Array[]): string[] {
  return results.map((x) => createHash('sha256').update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength)).digest('hex'));
}

interface ThreadedRun {
  threads: number;
  sameAsOneThread: boolean;
  digests: string[];
}

describeInBrowser('in a real browser (chromium)', () => {
  jest.setTimeout(60_000);
  let server: ChildProcess;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ({ server, url: base } = await startServer());
    browser = await chromium.launch({
      executablePath: CHROMIUM!,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((done) => server.once('exit', done));
      server.kill('SIGTERM');
      await exited;
    }
  });

  /**
   * A page at 1280×800 whose page errors and console errors are collected in `problems`;
   * `prepare` runs before the page is loaded (to route its requests). `pathname` is on the
   * playground's server, unless it is a whole address.
   */
  async function open(pathname: string, prepare?: (page: Page) => Promise<unknown>): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    await prepare?.(page);
    await page.goto(/^https?:/.test(pathname) ? pathname : base + pathname.replace(/^\//, ''));
    return { page, problems };
  }

  it('loads each package bundle as an ES module and uses it: core differentiates, nn trains, gradcheck checks', async () => {
    const { page, problems } = await open('/bundles.html');
    const result = page.getByTestId('bundle-result');
    await page.waitForFunction(`document.querySelector('[data-testid="bundle-result"]').textContent !== 'running…'`, null, { timeout: 20_000 });
    const text = (await result.textContent())!;
    expect(text).not.toMatch(/^failed/);
    const got = JSON.parse(text);
    expect(got.derivative).toBe(grad((x) => x.square().exp())(0.5).item()); // the same bits as in Node
    expect(got.matrixGrad).toEqual([[7, 11], [9, 13]]);
    expect(got.xorPredictions).toEqual([0, 1, 1, 0]);
    expect(got.finalLoss).toBeLessThan(0.05);
    expect(got.checkGradOk).toBe(true);
    expect(got.wasmKernels).toBe(true); // the WebAssembly kernels work in the browser …
    expect(got.wasmMatchesJs).toBe(true); // … bit for bit with the TypeScript ones
    await page.screenshot({ path: path.join(ARTIFACTS, 'bundles.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("runs docs/browser.md's pages as written, with the repository served as they say", async () => {
    const blocks = [...readFileSync(path.join(ROOT, 'docs', 'browser.md'), 'utf8').matchAll(/```html\n([\s\S]*?)```/g)].map((m) => m[1]!);
    // What each page prints: core's derivative (the bits Node gives), nn's XOR and model file; gradcheck's verdict.
    const expected = [
      new RegExp(`^d/dx exp\\(x²\\) at 0\\.5: ${grad((x) => x.square().exp())(0.5).item()}\nXOR: tensor\\(\\[[\\s\\S]*\\]\\)\nmodel file: \\d+ bytes\n$`),
      /^checkGrad: ok\n$/,
    ];
    expect(blocks.length).toBe(expected.length);
    for (const [i, html] of blocks.entries()) {
      const { page, problems } = await open('http://docs.test/page.html', (p) =>
        // An origin of its own that serves the page and, as a static server would, the repository's files.
        p.route('http://docs.test/**', async (route) => {
          const { pathname } = new URL(route.request().url());
          if (pathname === '/page.html') return route.fulfill({ body: html, contentType: 'text/html' });
          if (pathname === '/favicon.ico') return route.fulfill({ status: 204 });
          const file = path.join(ROOT, pathname);
          const allowed = /^\/(packages\/\w+\/dist|node_modules)\//.test(pathname) && file.startsWith(ROOT + path.sep);
          return allowed && existsSync(file) ? route.fulfill({ path: file, contentType: 'text/javascript' }) : route.fulfill({ status: 404 });
        }),
      );
      await page.waitForFunction(`document.getElementById('out').textContent.endsWith('\\n')`, null, { timeout: 20_000 });
      expect(await page.locator('#out').textContent()).toMatch(expected[i]!);
      expect(problems).toEqual([]);
      await page.close();
    }
  });

  it('loads core in a module worker, where its products use threads as in the page', async () => {
    const { page, problems } = await open('/bundles.html');
    // A Blob URL is no base for '/pkg/…': the worker imports core by its whole address, as docs/browser.md says.
    const got = await page.evaluate<{ derivative: number; threads: number; same: boolean }>(`new Promise((resolve, reject) => {
      const source = \`import * as core from '\${location.origin}/pkg/core/index.mjs';
        const product = () => core.randn([200, 300], { seed: 1 }).matmul(core.randn([300, 150], { seed: 2 })).data;
        core.setNumThreads(1);
        const one = product();
        core.setNumThreads(2);
        const two = product();
        postMessage({ derivative: core.grad((x) => x.square().exp())(0.5).item(), threads: core.getNumThreads(), same: two.every((v, i) => Object.is(v, one[i])) });\`;
      const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), { type: 'module' });
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => reject(new Error('the worker failed: ' + event.message));
    })`);
    expect(got).toEqual({ derivative: grad((x) => x.square().exp())(0.5).item(), threads: 2, same: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('trains XOR and circles to 95 % accuracy within 20 s each, and the decision boundary changes as it trains', async () => {
    const { page, problems } = await open('/');
    await page.waitForSelector('body[data-ready="true"]');
    const accuracy = page.getByTestId('accuracy');
    const loss = page.getByTestId('loss');
    // A sample of the boundary plot's pixels (every 37th), enough to see the picture change.
    const boundaryPixels = () =>
      page.evaluate<number[]>(`(() => {
        const canvas = document.getElementById('boundary');
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        const sample = [];
        for (let i = 0; i < data.length; i += 4 * 37) sample.push(data[i], data[i + 1], data[i + 2]);
        return sample;
      })()`);

    for (const dataset of ['xor', 'circles']) {
      await page.getByLabel('Dataset').selectOption(dataset);
      expect(Number(await accuracy.textContent())).toBeLessThan(0.95); // a fresh network has not learnt it yet
      const before = await boundaryPixels();
      await page.locator('.training').screenshot({ path: path.join(ARTIFACTS, `${dataset}-before.png`) });

      const start = Date.now();
      await page.getByRole('button', { name: 'Train' }).click();
      await page.waitForFunction(`Number(document.querySelector('[data-testid="accuracy"]').textContent) >= 0.95`, null, { timeout: TRAIN_TIMEOUT_MS, polling: 100 });
      const seconds = (Date.now() - start) / 1000;
      await page.getByRole('button', { name: 'Pause' }).click();

      expect(await accuracy.textContent()).toMatch(/^[01]\.\d{4}$/); // a plain decimal
      expect(await loss.textContent()).toMatch(/^\d+\.\d{4}$/);
      expect(Number(await accuracy.textContent())).toBeGreaterThanOrEqual(0.95);
      expect(seconds).toBeLessThan(TRAIN_TIMEOUT_MS / 1000);
      const after = await boundaryPixels();
      await page.locator('.training').screenshot({ path: path.join(ARTIFACTS, `${dataset}-after.png`) });

      // The boundary moved: a good part of the plot changed colour clearly.
      let changed = 0;
      for (let i = 0; i < before.length; i += 3) {
        if (Math.max(Math.abs(before[i]! - after[i]!), Math.abs(before[i + 1]! - after[i + 1]!), Math.abs(before[i + 2]! - after[i + 2]!)) > 40) changed++;
      }
      expect(changed / (before.length / 3)).toBeGreaterThan(0.1);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'playground.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('stops a diverging run and says why on the page; Reset starts again from finite weights', async () => {
    const { page, problems } = await open('/');
    await page.waitForSelector('body[data-ready="true"]');
    // Six linear layers from N(0, 1) with SGD at 3: the logits grow geometrically and the second
    // or third step's gradient is NaN, which nn's optimizers refuse.
    for (let i = 0; i < 4; i++) await page.getByRole('button', { name: 'Add a hidden layer' }).click();
    await page.getByLabel('Activation').selectOption('identity');
    await page.getByLabel('Initializer').selectOption('normal');
    await page.getByLabel('Optimizer').selectOption('sgd');
    await page.getByLabel('Learning rate').selectOption('3');
    const status = page.locator('#train-status');
    expect(await status.isHidden()).toBe(true);
    await page.getByRole('button', { name: 'Train' }).click();
    await status.waitFor({ state: 'visible', timeout: 5_000 });
    expect(await status.textContent()).toMatch(/stopped at step \d+\. SGD: the gradient of parameter 0 \(shape \[2, 8\]\) holds (NaN|Infinity|-Infinity).*Reset starts again/);
    // Training has stopped, and the button says so.
    expect(await page.locator('#train').getAttribute('aria-pressed')).toBe('false');
    const steps = await page.locator('#steps').textContent();
    await page.waitForTimeout(200);
    expect(await page.locator('#steps').textContent()).toBe(steps);
    // Step on the diverged weights says so again rather than throwing.
    await page.getByRole('button', { name: 'Step' }).click();
    expect(await status.isVisible()).toBe(true);

    await page.getByLabel('Learning rate').selectOption('0.0001');
    await page.getByRole('button', { name: 'Reset' }).click();
    expect(await status.isHidden()).toBe(true);
    await page.getByRole('button', { name: 'Step' }).click();
    expect(await status.isHidden()).toBe(true);
    expect(Number.isFinite(Number(await page.getByTestId('loss').textContent()))).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('keeps its settings in the address: a link sets the controls, a change updates it, a reload keeps it', async () => {
    const { page, problems } = await open('/?dataset=circles&hidden=4,2&lr=10&regularization=l2&batchSize=abc#autodiff');
    await page.waitForSelector('body[data-ready="true"]');
    const values = () => page.evaluate<string[]>(`['dataset', 'lr', 'regularization', 'batch', 'layer-count'].map((id) => document.getElementById(id).value ?? document.getElementById(id).textContent)`);
    expect(await values()).toEqual(['circles', '10', 'l2', '16', '2']); // batchSize=abc: the default
    expect(await page.locator('#layers .width').allTextContents()).toEqual(['4', '2']);
    await page.getByRole('button', { name: 'Add a hidden layer' }).click();
    await page.locator('#optimizer').selectOption('rmsprop');
    const address = new URL(page.url());
    expect(address.hash).toBe('#autodiff');
    expect(address.searchParams.get('hidden')).toBe('4,2,2');
    expect(address.searchParams.get('optimizer')).toBe('rmsprop');
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await values()).toEqual(['circles', '10', 'l2', '16', '3']);
    expect(await page.locator('#optimizer').inputValue()).toBe('rmsprop');
    expect(problems).toEqual([]);
    await page.close();
  });

  interface ShownRow {
    name: string;
    definition: string;
    value: number | null;
    dot: number | null;
    bar: number | null;
  }

  /** The trace table as the page shows it: per row, the exact numbers of its cells (data-value). */
  function readTable(page: Page): Promise<ShownRow[]> {
    return page.evaluate<ShownRow[]>(`[...document.querySelectorAll('#trace-table tbody tr')].map((tr) => {
      const number = (selector) => {
        const v = tr.querySelector(selector)?.dataset.value;
        return v === undefined ? null : Number(v);
      };
      return { name: tr.dataset.row, definition: tr.querySelector('.definition').textContent, value: number('.value'), dot: number('.dot'), bar: number('.bar') };
    })`);
  }

  /** A page expression: the text or data-value of a cell of the trace table. */
  const cell = (row: string, column: string) => `document.querySelector('#trace-table tr[data-row="${row}"] ${column}')`;

  it("shows core's trace of exp(x²) at x = 0.5: the values, dots and bars, forward and reverse", async () => {
    const { page, problems } = await open('/#autodiff');
    await page.waitForSelector('body[data-ready="true"]');
    await page.getByLabel('f(x, y) =').fill('exp(x^2)');
    await page.getByLabel('x =', { exact: true }).fill('0.5');
    await page.waitForFunction(`${cell('b', '.definition')}?.textContent === 'exp(a)'`);

    // What core computes, here in Node: x, a = x², b = exp(a).
    const expected = trace((x) => x.square().exp())(0.5).rows.map((r) => ({
      name: r.name, value: r.value.item(), dot: r.dot?.item() ?? null, bar: r.bar?.item() ?? null,
    }));
    const shown = await readTable(page);
    expect(shown.map((r) => r.name)).toEqual(['x', 'a', 'b']);
    expect(shown.map((r) => r.definition)).toEqual(['input', 'x²', 'exp(a)']);
    for (const [i, row] of expected.entries()) {
      expect(shown[i]!.value).toBeCloseTo(row.value, 14);
      expect(shown[i]!.dot).toBeCloseTo(row.dot!, 14);
      expect(shown[i]!.bar).toBeCloseTo(row.bar!, 14);
    }
    // f'(0.5) = 2x·exp(x²): the dot of the output and the bar of the input.
    expect(shown[2]!.dot).toBeCloseTo(Math.exp(0.25), 14);
    expect(shown[0]!.bar).toBeCloseTo(Math.exp(0.25), 14);
    expect(await page.locator('svg.graph [data-node]').count()).toBe(3);
    await page.locator('#autodiff').screenshot({ path: path.join(ARTIFACTS, 'trace-forward.png') });

    // Reverse mode lists the rows in the order the adjoints are computed: output first.
    await page.getByLabel('reverse').check();
    await page.waitForFunction(`document.querySelector('#trace-table tbody tr')?.dataset.row === 'b'`);
    expect((await readTable(page)).map((r) => r.name)).toEqual(['b', 'a', 'x']);
    await page.locator('#autodiff').screenshot({ path: path.join(ARTIFACTS, 'trace-reverse.png') });

    // Two variables: the course notes' x·y + sin(x) at (1, 2); trace's x0, x1 are shown as x, y.
    await page.getByLabel('f(x, y) =').fill('x*y + sin(x)');
    await page.getByLabel('x =', { exact: true }).fill('1');
    await page.getByLabel('y =', { exact: true }).fill('2');
    // Each input is read after a pause in typing: wait until the table shows all three.
    await page.waitForFunction(
      `${cell('c', '.definition')}?.textContent === 'a + b' && ${cell('x', '.value')}?.dataset.value === '1' && ${cell('y', '.value')}?.dataset.value === '2'`,
    );
    const two = trace((x, y) => x.mul(y).add(x.sin()))(1, 2).rows;
    const byName = new Map((await readTable(page)).map((r) => [r.name, r]));
    for (const r of two) {
      const shownRow = byName.get(r.name === 'x0' ? 'x' : r.name === 'x1' ? 'y' : r.name)!;
      expect(shownRow.value).toBeCloseTo(r.value.item(), 14);
      expect(shownRow.bar).toBeCloseTo(r.bar!.item(), 14);
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('reports a bad expression next to the input, not as a page error', async () => {
    const { page, problems } = await open('/');
    await page.waitForSelector('body[data-ready="true"]');
    await page.getByLabel('f(x, y) =').fill('exp(x^2');
    await page.waitForFunction(`!document.getElementById('expr-error').hidden`);
    expect(await page.locator('#expr-error').textContent()).toMatch(/expected '\)'/);
    // An emptied number field is no 0: it is reported, and a number again clears the report.
    await page.getByLabel('f(x, y) =').fill('exp(x^2)');
    await page.getByLabel('x =', { exact: true }).fill('');
    await page.waitForFunction(`document.getElementById('expr-error').textContent.includes('must be numbers')`);
    expect(await page.locator('#expr-error').isVisible()).toBe(true);
    await page.getByLabel('x =', { exact: true }).fill('0.5');
    await page.waitForFunction(`document.getElementById('expr-error').hidden`);
    expect(problems).toEqual([]);
    await page.close();
  });

  describe('threads for the matrix products', () => {
    /** The products computed here in Node on the TypeScript kernel: the bits the page must give. */
    let expected: string[];
    beforeAll(() => {
      const previous = setMatmulBackend('js');
      try {
        expected = digests(computeProducts({ randn }));
      } finally {
        setMatmulBackend(previous);
      }
    });

    it('serves every path with the cross-origin isolation headers', async () => {
      for (const pathname of ['/', '/bundles.html', '/style.css', '/src/main.ts', '/pkg/core/index.mjs', '/no-such-file']) {
        const response = await fetch(base + pathname.slice(1));
        await response.arrayBuffer();
        expect([pathname, response.headers.get('cross-origin-opener-policy')]).toEqual([pathname, 'same-origin']);
        expect([pathname, response.headers.get('cross-origin-embedder-policy')]).toEqual([pathname, 'require-corp']);
        expect([pathname, response.headers.get('cross-origin-resource-policy')]).toEqual([pathname, 'same-origin']);
      }
    });

    it('the page is cross-origin isolated and getNumThreads() is navigator.hardwareConcurrency', async () => {
      const { page, problems } = await open('/bundles.html');
      const got = await page.evaluate<{ isolated: boolean; shared: string; cores: number; threads: number; wasm: boolean }>(`(async () => {
        const core = await import('@adjoint/core');
        return { isolated: crossOriginIsolated, shared: typeof SharedArrayBuffer, cores: navigator.hardwareConcurrency, threads: core.getNumThreads(), wasm: core.wasmKernelsAvailable() };
      })()`);
      expect(got.isolated).toBe(true);
      expect(got.shared).toBe('function');
      expect(got.wasm).toBe(true);
      expect(got.cores).toBeGreaterThanOrEqual(1);
      expect(got.threads).toBe(Math.min(64, got.cores));
      expect(problems).toEqual([]);
      await page.close();
    });

    it('with setNumThreads(2) large products run on a Web Worker and give the one-thread bits', async () => {
      const { page, problems } = await open('/bundles.html');
      const started: Worker[] = [];
      page.on('worker', (worker) => started.push(worker));
      expect(page.workers()).toEqual([]); // the page itself starts none

      // The first threaded products start the worker; the blocks it cannot take yet run in the page.
      const first = await page.evaluate<ThreadedRun>(THREADED_PRODUCTS);
      expect(first.threads).toBe(2);
      expect(first.sameAsOneThread).toBe(true);
      expect(first.digests).toEqual(expected);
      // Workers start asynchronously: wait for it, and a moment more for it to instantiate the kernel.
      if (started.length === 0) await page.waitForEvent('worker', { timeout: 5_000 });
      await page.waitForTimeout(300);

      // Now the worker is idle and takes a block of each product (it ends after 2 s without work).
      const second = await page.evaluate<ThreadedRun>(THREADED_PRODUCTS);
      expect(page.workers().length).toBeGreaterThanOrEqual(1);
      expect(started.length).toBe(1); // one worker for two threads, not restarted between products
      expect(started[0]!.url()).toMatch(/^blob:/);
      expect(second.sameAsOneThread).toBe(true);
      expect(second.digests).toEqual(expected);
      expect(problems).toEqual([]);
      await page.close();
    });

    it('with setNumThreads(2) a large parameter\'s Adam update runs on a Web Worker and gives the one-thread bits', async () => {
      const { page, problems } = await open('/bundles.html');
      const started: Worker[] = [];
      page.on('worker', (worker) => started.push(worker));
      // Three updates of a 98,311-element parameter (split between threads from 2¹⁵ elements), with
      // moments made once per thread count, so that the second threaded run finds its worker started.
      const adamRuns = `(async () => {
        const core = await import('@adjoint/core');
        const n = 3 * 2 ** 15 + 7;
        const run = (threads) => {
          core.setNumThreads(threads);
          window.adamMoments ??= {};
          window.adamMoments[threads] ??= core.adamMoments([n])[0];
          const { m, v } = window.adamMoments[threads];
          m.fill(0);
          v.fill(0);
          const w = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
          for (let t = 1; t <= 3; t++) {
            const g = Float64Array.from({ length: n }, (_, i) => Math.cos(i * t) / 100);
            core.adamUpdate(w, g, m, v, core.adamCoefficients(t, 1e-3, { beta1: 0.9, beta2: 0.999, eps: 1e-8 }));
          }
          return { w, shared: m.buffer instanceof SharedArrayBuffer };
        };
        const one = run(1);
        const two = run(2);
        const bits = (x) => new BigUint64Array(x.buffer);
        return { shared: two.shared, same: bits(one.w).every((b, i) => b === bits(two.w)[i]), moved: two.w[0] !== 0 };
      })()`;
      const first = await page.evaluate<{ shared: boolean; same: boolean; moved: boolean }>(adamRuns);
      expect(first).toEqual({ shared: true, same: true, moved: true });
      if (started.length === 0) await page.waitForEvent('worker', { timeout: 5_000 });
      await page.waitForTimeout(300);
      const second = await page.evaluate<{ shared: boolean; same: boolean; moved: boolean }>(adamRuns);
      expect(second).toEqual({ shared: true, same: true, moved: true });
      expect(started.length).toBe(1); // the optimizer's pool: one worker for two threads
      expect(started[0]!.url()).toMatch(/^blob:/);
      expect(problems).toEqual([]);
      await page.close();
    });

    it('a page that is not cross-origin isolated computes the same products on its own thread', async () => {
      // The same responses without COOP and COEP (the server's own default stays isolated).
      const { page, problems } = await open('/bundles.html', (p) =>
        p.route('**/*', async (route) => {
          const response = await route.fetch();
          const headers = { ...response.headers() };
          delete headers['cross-origin-opener-policy'];
          delete headers['cross-origin-embedder-policy'];
          await route.fulfill({ response, headers });
        }),
      );
      const started: Worker[] = [];
      page.on('worker', (worker) => started.push(worker));
      const state = await page.evaluate<{ isolated: boolean; shared: string; wasm: boolean }>(`(async () => {
        const core = await import('@adjoint/core');
        return { isolated: crossOriginIsolated, shared: typeof SharedArrayBuffer, wasm: core.wasmKernelsAvailable() };
      })()`);
      expect(state).toEqual({ isolated: false, shared: 'undefined', wasm: true });

      const first = await page.evaluate<ThreadedRun>(THREADED_PRODUCTS);
      await page.waitForTimeout(300); // time enough for a worker to appear, were one started
      const second = await page.evaluate<ThreadedRun>(THREADED_PRODUCTS);
      for (const run of [first, second]) {
        expect(run.threads).toBe(2); // the setting is kept …
        expect(run.sameAsOneThread).toBe(true);
        expect(run.digests).toEqual(expected);
      }
      expect(started).toEqual([]); // … but no worker starts
      expect(page.workers()).toEqual([]);
      expect(problems).toEqual([]);
      await page.close();
    });
  });
});
