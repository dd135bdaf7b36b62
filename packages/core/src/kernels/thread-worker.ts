/**
 * The program each kernel worker thread runs (see threads.ts), as JavaScript source: Node starts it
 * with `new Worker(source, { eval: true })` and a browser from a Blob URL, so it needs no file of
 * its own beside the bundle.
 *
 * A worker instantiates the kernel module over the shared memory it is given, marks its slot of
 * the control block idle, and then sleeps on that slot. The main thread writes a call (which export,
 * and its i32 arguments) into the slot and moves it from idle to posted; the worker makes the call,
 * moves the slot back to idle and wakes the main thread. A worker idle for `idleMs` moves its slot
 * from idle to exited and ends, with a compare-and-exchange so that a call posted at that moment is
 * never lost: whichever side changes the state first wins, and the main thread makes a call itself
 * when it finds the worker gone. A call that throws leaves the slot exited too (and the worker ends),
 * so the main thread repeats it rather than waiting forever.
 *
 * Keep the slot layout and states in step with threads.ts.
 */
export const WORKER_SOURCE = `
'use strict';
const SLOT = 32, STATE = 0, FN = 1, ARGC = 2, ARGS = 3;
const STARTING = 0, IDLE = 1, POSTED = 2, EXITED = 3;

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
  Atomics.store(ctrl, base + STATE, IDLE);
  Atomics.notify(ctrl, base + STATE);
  const args = [];
  for (;;) {
    // Spin for a moment before sleeping: products come in bursts (a training step), and waking a
    // sleeping thread takes longer than a small product.
    const spinUntil = performance.now() + spinMs;
    while (Atomics.load(ctrl, base + STATE) === IDLE && performance.now() < spinUntil) { /* spin */ }
    if (Atomics.load(ctrl, base + STATE) === IDLE
      && Atomics.wait(ctrl, base + STATE, IDLE, idleMs) === 'timed-out'
      && Atomics.compareExchange(ctrl, base + STATE, IDLE, EXITED) === IDLE) {
      Atomics.notify(ctrl, base + STATE);
      exit();
      return;
    }
    if (Atomics.load(ctrl, base + STATE) !== POSTED) continue;
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
