/**
 * Worker threads for the WebAssembly kernels: `setNumThreads`, and a pool that runs calls of a
 * kernel's exports on other cores over the kernel's shared memory.
 *
 * The main thread stays the one that owns every tensor. A large product is split into blocks of C
 * (see matmul.ts); the main thread posts all blocks but the first to idle workers through a small
 * shared control block (thread-protocol.ts), computes the first itself, takes back any block no
 * worker has claimed by then, and waits for the rest. A block a worker cannot take — still
 * starting, gone after idling, failed — the main thread computes as well. The split depends on
 * the product's shape and the thread count, but never the values: every element is summed exactly
 * as on one thread, whichever thread computes it.
 *
 * Threads exist only where the host gives shared memory: always in Node (worker_threads), and in a
 * browser page that is cross-origin isolated (Web Workers and SharedArrayBuffer). Elsewhere every
 * kernel runs on the calling thread.
 */

import { AdjointError, ValueError } from '../errors';
import { describeValue } from '../shape';
import { WORKER_SOURCE } from './thread-worker';
import { ARGC, ARGS, EXITED, FN, IDLE, MAX_ARGS, POSTED, RUNNING, SLOT, STARTED, STARTING, STATE } from './thread-protocol';
import type { WasmModuleWithMemory } from './wasm/load';

/** The most threads {@link setNumThreads} accepts. */
const MAX_THREADS = 64;
/** Workers that end without ever starting before the pool gives up on threads (a policy forbids them, say). */
const MAX_FAILED_STARTS = 3;
/** A worker with no call for this long ends; the next large kernel starts it again. */
const IDLE_MS = 2000;
/**
 * How long a worker spins for its next call before it sleeps (see thread-worker.ts): long enough
 * for products that follow each other directly (a convolution's chunks), short because a spinning
 * thread slows the calling thread's own work — here, with two virtual cores, a spinning process
 * took 20–50% off a matrix product in another.
 */
const SPIN_MS = 0.1;

let requestedThreads: number | undefined;

/**
 * Sets how many threads the large kernels (matrix products, convolutions and Adam's update) use,
 * counting the calling thread; the default is the number of cores available
 * ({@link getNumThreads}). `1` keeps every kernel on the calling thread. Results do not depend on
 * the setting: however a product is split, each element of it is summed in the same order as on
 * one thread, so they agree bit for bit. Workers start on first use and end after two seconds without work.
 *
 * Threads need shared memory: Node, or a browser page that is cross-origin isolated
 * (`Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`).
 * Elsewhere the setting is kept but kernels run on the calling thread.
 *
 * @param count A whole number from 1 to 64.
 * @throws ValueError when `count` is not such a number.
 */
export function setNumThreads(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_THREADS) {
    throw new ValueError(`setNumThreads: count must be a whole number from 1 to ${MAX_THREADS}, got ${describeValue(count)}`);
  }
  requestedThreads = count;
}

/**
 * The thread count setting: the last {@link setNumThreads} count, or by default the cores available
 * (Node's `os.availableParallelism()`, a browser's `navigator.hardwareConcurrency`, capped at 64).
 * Where memory cannot be shared, kernels run on one thread whatever this says.
 */
export function getNumThreads(): number {
  return requestedThreads ?? defaultThreads();
}

let cores: number | undefined;

function defaultThreads(): number {
  if (cores === undefined) {
    let found = 1;
    try {
      const os = nodeModule<{ availableParallelism?: () => number; cpus: () => unknown[] }>('node:os');
      const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
      found = os !== undefined ? os.availableParallelism?.() ?? os.cpus().length : nav?.hardwareConcurrency ?? 1;
    } catch {
      // No way to ask: one thread.
    }
    cores = Math.min(MAX_THREADS, Math.max(1, Math.floor(found) || 1));
  }
  return cores;
}

/** A Node built-in module, or undefined outside Node (process.getBuiltinModule: Node ≥ 20.16). */
function nodeModule<T>(id: string): T | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return process?.getBuiltinModule?.(id) as T | undefined;
}

/** What the pool needs of a worker: a way to end it (tests), nothing else. */
interface WorkerHandle {
  terminate(): unknown;
}

/**
 * The threads for one kernel module: worker i (1, 2, …) runs calls in slot i of the control block
 * on its own instance of the module over the same memory as the main thread's `exports`.
 */
export class KernelThreads {
  private readonly control: Int32Array;
  private readonly workers: (WorkerHandle | null)[] = [];
  /** Whether this thread may block in Atomics.wait (not a browser's main thread). */
  private readonly canBlock: boolean;
  /** Workers that ended without ever starting; after MAX_FAILED_STARTS the pool stops trying. */
  private failedStarts = 0;
  /** Calls run by workers so far: lets tests see that the threaded path ran. */
  workerCalls = 0;
  /** Whether a run may have left workers running its calls (see {@link settle}). */
  private unsettled = false;

  /** The main thread's instance, which runs the calls no worker takes. */
  private readonly exports: Record<string, (...args: number[]) => unknown>;

  /**
   * @param compiled The module, its shared memory and the main thread's instance.
   * @param names The exports workers may run, referred to by index in {@link run}.
   */
  constructor(private readonly compiled: WasmModuleWithMemory, private readonly names: readonly string[]) {
    this.exports = compiled.exports as Record<string, (...args: number[]) => unknown>;
    this.control = new Int32Array(new SharedArrayBuffer(SLOT * MAX_THREADS * 4));
    this.canBlock = blockingAllowed(this.control);
  }

  /**
   * How many blocks a kernel should be split into for now: the thread count, or 1 when workers
   * cannot start here (then splitting would only repeat the packing).
   */
  threadCount(): number {
    return this.failedStarts >= MAX_FAILED_STARTS ? 1 : getNumThreads();
  }

  /**
   * Makes every call in `calls` (each the i32 arguments of export `names[fn]`), the first on this
   * thread and the others on idle workers where there are any, and returns when all are done. The
   * calls must write to disjoint memory. A call whose worker ended while making it is made again
   * here; for calls that cannot be repeated (ones that update memory in place), `unrepeatable`
   * names the function the user called, and run throws instead. When a call throws, the workers'
   * calls are waited for before the error goes on and the calls no worker claimed are dropped;
   * should that clean-up throw as well, {@link settle} waits for the workers before the memory is
   * next written.
   * @throws AdjointError when such a call was cut short.
   */
  run(fn: number, calls: readonly (readonly number[])[], unrepeatable?: string): void {
    this.settle();
    const ctrl = this.control;
    const posted: number[] = [];
    const call = this.exports[this.names[fn]!]!;
    const workerCount = Math.min(getNumThreads() - 1, calls.length - 1);
    const cutShort: number[] = [];
    let completed = false;
    this.unsettled = true;
    try {
      for (let i = 1; i <= workerCount; i++) if (this.post(i, fn, calls[i]!)) posted.push(i);
      call(...calls[0]!);
      for (let i = 1; i < calls.length; i++) if (!posted.includes(i)) call(...calls[i]!);
      completed = true;
    } finally {
      // A call no worker has claimed yet is taken back and made here, so a worker that is slow
      // to wake, or gone, costs no waiting; the others are waited for, even after a throw above
      // (when a taken-back call is dropped: the run has failed, and making it could throw again).
      for (const slot of posted) {
        const base = slot * SLOT;
        if (Atomics.compareExchange(ctrl, base + STATE, POSTED, IDLE) === POSTED) {
          if (completed) call(...calls[slot]!);
          continue;
        }
        let state: number;
        while ((state = Atomics.load(ctrl, base + STATE)) !== IDLE && state !== EXITED) {
          if (this.canBlock) Atomics.wait(ctrl, base + STATE, state, 50);
        }
        if (state !== EXITED) this.workerCalls++;
        else if (!completed) continue;
        else if (unrepeatable === undefined) call(...calls[slot]!); // the worker failed: its block is redone here
        else cutShort.push(slot);
      }
      // Not reached when this clean-up itself throws (a stack overflow hits it again, say): then
      // workers may still be running, and settle waits for them before the memory is used again.
      this.unsettled = false;
    }
    if (cutShort.length > 0) {
      throw new AdjointError(`${unrepeatable}: a worker thread ended while running part of it (${cutShort.length} of ${calls.length} parts), which cannot be run again; its result is incomplete`);
    }
  }

  /**
   * Waits until no worker is running a call of a run that ended by an exception before it had
   * waited for them all, dropping the calls no worker has claimed: such a worker would otherwise
   * go on writing into the memory while the next kernel uses it. Callers call this before they
   * write into the memory; it costs nothing when every run ended as it should.
   */
  settle(): void {
    if (!this.unsettled) return;
    const ctrl = this.control;
    for (let slot = 1; slot < MAX_THREADS; slot++) {
      const base = slot * SLOT;
      Atomics.compareExchange(ctrl, base + STATE, POSTED, IDLE);
      let state: number;
      while ((state = Atomics.load(ctrl, base + STATE)) === RUNNING) {
        if (this.canBlock) Atomics.wait(ctrl, base + STATE, state, 50);
      }
    }
    this.unsettled = false;
  }

  /** Posts `args` for export `fn` to worker `slot` if it is idle; false, starting it if needed, when not. */
  private post(slot: number, fn: number, args: readonly number[]): boolean {
    const ctrl = this.control;
    const base = slot * SLOT;
    const state = Atomics.load(ctrl, base + STATE);
    if (state !== IDLE) {
      if (this.workers[slot] == null || state === EXITED) this.spawn(slot);
      return false;
    }
    if (args.length > MAX_ARGS) throw new Error('KernelThreads.run: too many arguments');
    ctrl[base + FN] = fn;
    ctrl[base + ARGC] = args.length;
    for (let a = 0; a < args.length; a++) ctrl[base + ARGS + a] = args[a]!;
    // Only an idle worker takes a call: one that has just ended leaves the call to this thread.
    if (Atomics.compareExchange(ctrl, base + STATE, IDLE, POSTED) !== IDLE) return false;
    Atomics.notify(ctrl, base + STATE);
    return true;
  }

  private spawn(slot: number): void {
    const ctrl = this.control;
    const base = slot * SLOT;
    if (this.workers[slot] != null && Atomics.load(ctrl, base + STARTED) === 0) this.failedStarts++;
    if (this.failedStarts >= MAX_FAILED_STARTS) return;
    Atomics.store(ctrl, base + STARTED, 0);
    Atomics.store(ctrl, base + STATE, STARTING);
    const data = {
      module: this.compiled.module, memory: this.compiled.memory, control: ctrl.buffer,
      slot, names: this.names, idleMs: IDLE_MS, spinMs: SPIN_MS,
    };
    try {
      const worker: WorkerHandle = startWorker(data, () => {
        // Only the slot's current worker speaks for it: a replaced one may end after its successor started.
        if (this.workers[slot] === worker) Atomics.store(ctrl, base + STATE, EXITED);
      });
      this.workers[slot] = worker;
    } catch {
      // No threads here after all (a content security policy, a resource limit): stay on this one.
      this.failedStarts = MAX_FAILED_STARTS;
      Atomics.store(ctrl, base + STATE, EXITED);
    }
  }

  /** Whether slot i's worker has started and is waiting for calls (tests wait for this). */
  idle(slot: number): boolean {
    return Atomics.load(this.control, slot * SLOT + STATE) === IDLE;
  }

  /** Ends every worker now (tests); later calls start new ones. */
  terminate(): void {
    for (let i = 0; i < this.workers.length; i++) {
      Atomics.store(this.control, i * SLOT + STATE, EXITED);
      Atomics.notify(this.control, i * SLOT + STATE);
      this.workers[i]?.terminate();
      this.workers[i] = null;
    }
  }
}

/** Atomics.wait throws on a browser's main thread; everywhere else it may block. */
function blockingAllowed(control: Int32Array): boolean {
  try {
    Atomics.wait(control, 0, -1, 0); // returns 'not-equal' at once where waiting is allowed
    return true;
  } catch {
    return false;
  }
}

interface NodeWorker extends WorkerHandle {
  unref(): void;
  on(event: 'error' | 'exit', listener: () => void): void;
}
interface BrowserWorker extends WorkerHandle {
  postMessage(data: unknown): void;
  onerror: (() => void) | null;
}

let workerUrl: string | undefined;

/**
 * Starts a worker running WORKER_SOURCE on `data`; `ended` runs if it fails or, in Node, whenever
 * it exits (a browser says nothing when a worker is ended from outside).
 */
function startWorker(data: object, ended: () => void): WorkerHandle {
  const threads = nodeModule<{ Worker: new (source: string, options: object) => NodeWorker }>('node:worker_threads');
  if (threads !== undefined) {
    // No execArgv and no environment: a worker would otherwise run the program's preloads again
    // (node -r, --import, NODE_OPTIONS' --require), an agent or a loader in every kernel thread.
    const worker = new threads.Worker(WORKER_SOURCE, { eval: true, workerData: data, execArgv: [], env: {} });
    worker.unref(); // an idle worker must not keep the process alive
    worker.on('error', ended);
    // Ended from outside, its slot would still say idle and every block posted to it be taken back.
    worker.on('exit', ended);
    return worker;
  }
  const host = globalThis as {
    Worker?: new (url: string) => BrowserWorker;
    Blob?: new (parts: string[], options: object) => object;
    URL?: { createObjectURL(blob: object): string };
  };
  if (host.Worker === undefined || host.Blob === undefined || host.URL === undefined) throw new Error('no workers here');
  workerUrl ??= host.URL.createObjectURL(new host.Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const worker = new host.Worker(workerUrl);
  worker.onerror = ended;
  worker.postMessage(data);
  return worker;
}
