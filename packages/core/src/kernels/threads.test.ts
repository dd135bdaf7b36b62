import { availableParallelism } from 'node:os';
import { gemm, gemmThreads, setMatmulBackend, wasmHeap } from './matmul';
import { conv2dData, conv2dInputGradData, conv2dWeightGradData, type ConvGeometry } from './conv';
import { getNumThreads, setNumThreads } from './threads';
import { ValueError } from '../errors';
import { firstDifference, lcg, randomArray } from '../testing/kernel-helpers';
import { expectThrows } from '../testing/expect-throws';

const VARIANTS: ReadonlyArray<[boolean, boolean]> = [[false, false], [true, false], [false, true], [true, true]];

/** Resolves once workers 1 … count−1 have started and wait for calls (fails after 10 s). */
async function workersReady(count: number): Promise<void> {
  const threads = gemmThreads()!;
  const deadline = Date.now() + 10_000;
  for (;;) {
    // A product large enough to split starts the workers that are missing.
    const a = new Float64Array(128 * 128);
    gemm(a, 0, a, 0, new Float64Array(128 * 128), 0, 128, 128, 128, false, false);
    let ready = true;
    for (let slot = 1; slot < count; slot++) ready &&= threads.idle(slot);
    if (ready) return;
    if (Date.now() > deadline) throw new Error('workers did not start');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * C = op(A)·op(B) for random operands under a thread count, with the count of calls workers made.
 * With `tries`, the product is repeated until a worker takes part (the main thread makes a block
 * itself when no worker has claimed it by the time its own is done, as with a worker still asleep)
 * and every repetition must give the first one's bits.
 */
function product(threadCount: number, m: number, n: number, k: number, transA: boolean, transB: boolean, seed: number, tries = 1) {
  const next = lcg(seed);
  const a = randomArray(m * k, next);
  const b = randomArray(k * n, next);
  setNumThreads(threadCount);
  const threads = gemmThreads()!;
  const before = threads.workerCalls;
  const first = new Float64Array(m * n);
  gemm(a, 0, b, 0, first, 0, m, n, k, transA, transB);
  for (let t = 1; t < tries && threads.workerCalls === before; t++) {
    const c = new Float64Array(m * n);
    gemm(a, 0, b, 0, c, 0, m, n, k, transA, transB);
    expect(firstDifference(c, first)).toBe(-1);
  }
  return { c: first, workerCalls: threads.workerCalls - before, a, b };
}

/** Random input, weights, bias and output adjoint for a convolution of geometry `geo`. */
function convolutionOperands(geo: ConvGeometry, seed: number) {
  const next = lcg(seed);
  return {
    x: randomArray(geo.n * geo.c * geo.h * geo.w, next),
    wt: randomArray(geo.o * (geo.c / geo.groups) * geo.kh * geo.kw, next),
    bias: randomArray(geo.o, next),
    g: randomArray(geo.n * geo.o * geo.oh * geo.ow, next),
  };
}

describe('setNumThreads', () => {
  const initial = getNumThreads();
  afterEach(() => setNumThreads(initial));

  it('defaults to the cores available', () => {
    expect(initial).toBe(Math.min(64, availableParallelism()));
  });

  it('sets the count getNumThreads reports', () => {
    setNumThreads(3);
    expect(getNumThreads()).toBe(3);
  });

  it.each([0, -1, 1.5, 65, Number.NaN, Infinity])('rejects %p, naming the function and the value', (count) => {
    expectThrows(() => setNumThreads(count), ValueError, 'setNumThreads', String(count));
  });

  // Shown as values, not converted to strings: '2', [2] and 2n all read "got 2" that way, and an
  // object without a prototype could not be converted at all (a TypeError).
  it.each([['2', 'got "2"'], [[2], 'got [2]'], [2n, 'got 2n'], [Object.create(null), 'got an object'], [{}, 'got an object']])(
    'rejects %p, showing what it was given', (count, shown) => {
      expectThrows(() => setNumThreads(count as unknown as number), ValueError, `setNumThreads: count must be a whole number from 1 to 64, ${shown}`);
    });
});

describe('threaded matrix products', () => {
  const initial = getNumThreads();
  beforeAll(async () => {
    setMatmulBackend('auto');
    setNumThreads(3);
    await workersReady(3);
  });
  afterAll(() => {
    setNumThreads(initial);
    gemmThreads()?.terminate();
  });

  it('runs on shared memory in Node', () => {
    expect(gemmThreads()).not.toBeNull();
  });

  // Shapes whose longer side splits into 2 or 3 blocks, ragged ones included, rows or columns.
  const shapes: ReadonlyArray<[number, number, number]> = [
    [64, 128, 784], [784, 128, 64], [64, 784, 128], [130, 67, 61], [67, 130, 300], [301, 33, 257], [96, 96, 96],
  ];
  it.each(shapes)('%i×%i (depth %i) is the one-thread product bit for bit, on 2 and 3 threads', (m, n, k) => {
    VARIANTS.forEach(([transA, transB], v) => {
      const one = product(1, m, n, k, transA, transB, 17 + v);
      expect(one.workerCalls).toBe(0);
      for (const threadCount of [2, 3]) {
        const many = product(threadCount, m, n, k, transA, transB, 17 + v, 20);
        expect(many.workerCalls).toBeGreaterThan(0); // the workers did take blocks
        expect(firstDifference(many.c, one.c)).toBe(-1);
      }
    });
  });

  // Stride 1 along rows (the forward product without a column matrix, split by output channels)
  // and stride 2 (im2col and gemm); the input adjoint is a product split as gemm splits it, and the
  // weight adjoint is split by taps.
  const convolutions: ReadonlyArray<[string, ConvGeometry]> = [
    ['16 channels, 5×5, stride 1', { n: 8, c: 3, h: 28, w: 28, o: 16, kh: 5, kw: 5, oh: 26, ow: 26, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, groups: 1 }],
    ['10 channels in 2 groups, stride 2', { n: 12, c: 4, h: 30, w: 30, o: 20, kh: 3, kw: 3, oh: 14, ow: 14, sh: 2, sw: 2, dh: 1, dw: 1, pt: 0, pl: 0, groups: 2 }],
  ];
  it.each(convolutions)('a convolution (%s) and both its adjoints are the one-thread results bit for bit', (_label, geo) => {
    const { x, wt, bias, g } = convolutionOperands(geo, geo.o);
    const kernels = [() => conv2dData(x, wt, geo, bias), () => conv2dInputGradData(g, wt, geo), () => conv2dWeightGradData(x, g, geo)];
    const run = (threadCount: number) => {
      setNumThreads(threadCount);
      const threads = gemmThreads()!;
      return kernels.map((kernel) => {
        const before = threads.workerCalls;
        const result = kernel();
        return { result, workerCalls: threads.workerCalls - before };
      });
    };
    const one = run(1);
    for (const threadCount of [2, 3]) {
      // Until every kernel has shared its work (a block no worker claims in time is made here).
      const shared = kernels.map(() => false);
      for (let tries = 0; tries < 20 && !shared.every(Boolean); tries++) {
        run(threadCount).forEach(({ result, workerCalls }, i) => {
          shared[i] ||= workerCalls > 0;
          expect(firstDifference(result, one[i]!.result)).toBe(-1);
        });
      }
      expect(shared).toEqual(kernels.map(() => true));
    }
  });

  // Batches whose last chunk is shorter, so that its product is split differently from the full
  // chunks' (by rows instead of columns) and needs more scratch: found in review, where the
  // scratch reserved for a full chunk overran into the staged input and the input adjoint.
  const shorterLastChunk: ReadonlyArray<[string, ConvGeometry]> = [
    ['input adjoint, 16 channels, 5×5', { n: 10, c: 8, h: 11, w: 11, o: 16, kh: 5, kw: 5, oh: 7, ow: 7, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, groups: 1 }],
    ['forward, 512 channels in 2 groups, stride 2', { n: 14, c: 32, h: 15, w: 15, o: 512, kh: 3, kw: 3, oh: 7, ow: 7, sh: 2, sw: 2, dh: 1, dw: 1, pt: 0, pl: 0, groups: 2 }],
  ];
  it.each(shorterLastChunk)('a batch with a shorter last chunk (%s) is the one-thread result bit for bit', (_label, geo) => {
    const { x, wt, g } = convolutionOperands(geo, geo.n);
    const run = (threadCount: number): Float64Array[] => {
      setNumThreads(threadCount);
      return [conv2dData(x, wt, geo), conv2dInputGradData(g, wt, geo), conv2dWeightGradData(x, g, geo)];
    };
    const one = run(1);
    for (const threadCount of [2, 3]) run(threadCount).forEach((r, i) => expect(firstDifference(r, one[i]!)).toBe(-1));
  });

  it('keeps small products on the calling thread', () => {
    expect(product(3, 32, 32, 32, false, false, 5).workerCalls).toBe(0);
  });

  it('computes every block itself when the workers are gone, and starts them again', async () => {
    const one = product(1, 200, 200, 100, false, true, 9);
    gemmThreads()!.terminate();
    const alone = product(3, 200, 200, 100, false, true, 9);
    expect(alone.workerCalls).toBe(0);
    expect(firstDifference(alone.c, one.c)).toBe(-1);
    await workersReady(3);
    const again = product(3, 200, 200, 100, false, true, 9, 20);
    expect(again.workerCalls).toBeGreaterThan(0);
    expect(firstDifference(again.c, one.c)).toBe(-1);
  });

  // A run cut short by an exception (a stack overflow, say, which the run's own clean-up hits
  // again) must not leave a worker writing into the memory while the next product uses it: found
  // by calling matmul at the edge of the stack, where products on three threads came out wrong.
  it('lets no block of a run cut short by an exception run into the next product', async () => {
    setNumThreads(3);
    await workersReady(3);
    const threads = gemmThreads()!;
    const one = product(1, 200, 200, 200, false, false, 6);
    setNumThreads(3);
    // A block long enough to outlast the next product, writing its C from byte 0, where the next
    // product's scratch and operands go; its own operands and scratch lie past them.
    const size = 400, operand = 8 * size * size;
    const heap = wasmHeap(6 * operand)!;
    heap.fill(1, 2 * operand / 8, 4 * operand / 8);
    const slow = [2 * operand, 3 * operand, 0, size, size, size, 0, 0, 4 * operand, 0, size, 0, size];
    // Pointers past the end of the memory: the main thread's call traps, and so does the one it
    // takes back from (or redoes for) worker 1 in its clean-up, before it reaches worker 2's.
    const trap = [2 ** 31 - 64, 3 * operand, 0, size, size, size, 0, 0, 4 * operand, 0, size, 0, size];
    const next = new Float64Array(200 * 200);
    for (let round = 0; round < 5; round++) {
      let thrown: unknown;
      try {
        threads.run(0, [trap, trap, slow]);
      } catch (error) {
        thrown = error;
      }
      gemm(one.a, 0, one.b, 0, next, 0, 200, 200, 200, false, false);
      expect(String(thrown)).toMatch(/memory access out of bounds/);
      expect(firstDifference(next, one.c)).toBe(-1);
    }
    threads.terminate();
  });

  type NodeWorker = { terminate(): Promise<number>; removeAllListeners(event: string): void };
  const workerOf = (threads: object, slot: number): NodeWorker => (threads as { workers: NodeWorker[] }).workers[slot]!;

  it('replaces a worker ended from outside', async () => {
    await workersReady(2);
    setNumThreads(2);
    const threads = gemmThreads()!;
    await workerOf(threads, 1).terminate();
    expect(threads.idle(1)).toBe(false);
    const one = product(1, 180, 180, 120, false, false, 4);
    const alone = product(2, 180, 180, 120, false, false, 4);
    expect(alone.workerCalls).toBe(0);
    expect(firstDifference(alone.c, one.c)).toBe(-1);
    await workersReady(2);
    const again = product(2, 180, 180, 120, false, false, 4, 20);
    expect(again.workerCalls).toBeGreaterThan(0);
    expect(firstDifference(again.c, one.c)).toBe(-1);
    threads.terminate();
  });

  it('does not wait for a worker that died without a word: the block it was posted is made here', async () => {
    await workersReady(2);
    setNumThreads(2);
    const threads = gemmThreads()!;
    // Killed with no exit event (as a browser ends a worker), so its slot still says idle and the
    // next block is posted to it.
    const worker = workerOf(threads, 1);
    worker.removeAllListeners('exit');
    await worker.terminate();
    expect(threads.idle(1)).toBe(true);
    const one = product(1, 180, 180, 120, false, false, 4);
    const alone = product(2, 180, 180, 120, false, false, 4);
    expect(alone.workerCalls).toBe(0);
    expect(firstDifference(alone.c, one.c)).toBe(-1);
    threads.terminate();
  });

  // A preload with effects of its own (an APM agent, a TypeScript loader) must not run again in
  // every kernel thread: Node gives a worker the program's -r and NODE_OPTIONS unless told not to.
  it('starts workers without the program\'s preloaded modules (node -r, NODE_OPTIONS)', () => {
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    const fs = require('node:fs') as typeof import('node:fs');
    const os = require('node:os') as typeof import('node:os');
    const path = require('node:path') as typeof import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'adjoint-preload-'));
    const preload = path.join(dir, 'preload.cjs');
    fs.writeFileSync(preload, "if (!require('node:worker_threads').isMainThread) console.log('preloaded in a worker');");
    const root = path.resolve(__dirname, '../../../..');
    // Products until worker 1 has started and taken one, so that it has surely run whatever it preloads.
    const program = `
      const { gemm, gemmThreads } = require(${JSON.stringify(path.join(__dirname, 'matmul.ts'))});
      require(${JSON.stringify(path.join(__dirname, 'threads.ts'))}).setNumThreads(2);
      const a = new Float64Array(128 * 128), c = new Float64Array(128 * 128);
      const deadline = Date.now() + 10000;
      (function again() {
        gemm(a, 0, a, 0, c, 0, 128, 128, 128, false, false);
        if (gemmThreads().workerCalls === 0 && Date.now() < deadline) setTimeout(again, 10);
        else console.log('worker calls: ' + gemmThreads().workerCalls);
      })();`;
    try {
      const run = (args: string[], env: NodeJS.ProcessEnv): string =>
        execFileSync(process.execPath, [...args, '-r', path.join(root, 'test/fixtures/sources.cjs'), '-e', program], { env: { ...process.env, ...env }, encoding: 'utf8' });
      for (const output of [run(['-r', preload], {}), run([], { NODE_OPTIONS: `--require ${preload}` })]) {
        expect(output).toMatch(/worker calls: [1-9]/);
        expect(output).not.toContain('preloaded in a worker');
      }
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('lets idle workers end after two seconds, then starts new ones', async () => {
    await workersReady(2);
    setNumThreads(2);
    await new Promise((resolve) => setTimeout(resolve, 2600));
    expect(gemmThreads()!.idle(1)).toBe(false);
    const one = product(1, 150, 150, 150, true, false, 3);
    expect(firstDifference(product(2, 150, 150, 150, true, false, 3).c, one.c)).toBe(-1);
    await workersReady(2);
    expect(product(2, 150, 150, 150, true, false, 3, 20).workerCalls).toBe(1);
  }, 15_000);
});
