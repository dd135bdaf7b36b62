/**
 * The program each kernel worker thread runs (see threads.ts), as JavaScript source: Node starts it
 * with `new Worker(source, { eval: true })` and a browser from a Blob URL, so it needs no file of
 * its own beside the bundle.
 *
 * A worker instantiates the kernel module over the shared memory it is given, marks its slot of
 * the control block idle, and then waits on that slot (spinning for `spinMs`, then sleeping). When
 * the main thread posts a call (which export, and its i32 arguments), the worker claims it, makes
 * it, and marks the slot idle again. A worker idle for `idleMs` ends. The states and their moves
 * are in thread-protocol.ts, whose constants are written into the source below.
 */
import { ARGC, ARGS, EXITED, FN, IDLE, POSTED, RUNNING, SLOT, STARTED, STARTING, STATE } from './thread-protocol';

export const WORKER_SOURCE = `
'use strict';
const SLOT = ${SLOT}, STATE = ${STATE}, FN = ${FN}, ARGC = ${ARGC}, STARTED = ${STARTED}, ARGS = ${ARGS};
const STARTING = ${STARTING}, IDLE = ${IDLE}, POSTED = ${POSTED}, RUNNING = ${RUNNING}, EXITED = ${EXITED};

function run(data, exit) {
  const { module, memory, control, slot, names, idleMs, spinMs } = data;
  const ctrl = new Int32Array(control);
  const base = slot * SLOT;
  let calls;
  try {
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
    calls = names.map((name) => exports[name]);
  } catch (error) {
    Atomics.store(ctrl, base + STATE, EXITED);
    Atomics.notify(ctrl, base + STATE);
    exit();
    return;
  }
  Atomics.store(ctrl, base + STARTED, 1);
  // Terminated while starting: the slot says EXITED, and stays so.
  if (Atomics.compareExchange(ctrl, base + STATE, STARTING, IDLE) !== STARTING) {
    exit();
    return;
  }
  Atomics.notify(ctrl, base + STATE);
  const args = [];
  for (;;) {
    // Spin for a moment before sleeping: products often follow each other, and waking a sleeping
    // thread takes longer than a small product.
    const spinUntil = performance.now() + spinMs;
    while (Atomics.load(ctrl, base + STATE) === IDLE && performance.now() < spinUntil) { /* spin */ }
    if (Atomics.load(ctrl, base + STATE) === IDLE
      && Atomics.wait(ctrl, base + STATE, IDLE, idleMs) === 'timed-out'
      && Atomics.compareExchange(ctrl, base + STATE, IDLE, EXITED) === IDLE) {
      Atomics.notify(ctrl, base + STATE);
      exit();
      return;
    }
    const state = Atomics.load(ctrl, base + STATE);
    if (state === EXITED) {
      exit();
      return;
    }
    // The main thread may have taken the call back to make it itself: claim it or leave it.
    if (state !== POSTED || Atomics.compareExchange(ctrl, base + STATE, POSTED, RUNNING) !== POSTED) continue;
    const argc = ctrl[base + ARGC];
    args.length = argc;
    for (let i = 0; i < argc; i++) args[i] = ctrl[base + ARGS + i];
    let failed = false;
    try {
      calls[ctrl[base + FN]](...args);
    } catch {
      failed = true; // the main thread finds the slot exited and makes the call itself
    }
    Atomics.store(ctrl, base + STATE, failed ? EXITED : IDLE);
    Atomics.notify(ctrl, base + STATE);
    if (failed) {
      exit();
      return;
    }
  }
}

// Node (≥ 20.16) gives the data at start-up; a browser posts it.
const nodeThreads = typeof process === 'object' ? process.getBuiltinModule?.('node:worker_threads') : undefined;
if (nodeThreads !== undefined) {
  run(nodeThreads.workerData, () => {});
} else {
  self.onmessage = (event) => run(event.data, () => self.close());
}
`;
