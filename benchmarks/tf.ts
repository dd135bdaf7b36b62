/**
 * TensorFlow.js as the reference, with its cpu and wasm backends. The wasm binaries ship inside the
 * npm package, so nothing is downloaded: they are loaded from node_modules. TensorFlow.js is an
 * optional reference (about 290 MB installed), not part of `npm install`: `npm run references`
 * installs it, and without it the rows that compare against it are left out.
 */
import * as path from 'path';

/**
 * TensorFlow.js's namespace. Typed loosely on purpose: it is an optional install, so its type
 * declarations are absent from a plain `npm install`, and the type check must pass without them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Tf = any;

/** Imported through a variable, so that TypeScript does not look for the optional packages' types. */
const TFJS = '@tensorflow/tfjs';
const TFJS_WASM = '@tensorflow/tfjs-backend-wasm';

let loaded: Tf | null = null;
let missing = false;

/** How to get TensorFlow.js, printed once when it is absent. */
export const TF_MISSING = 'TensorFlow.js is not installed, so the rows that compare against it are left out; `npm run references` installs it (about 290 MB)';

/**
 * Loads tfjs once, registers the wasm backend with its local binaries, and silences its banner;
 * null (and one line saying how to install it) when it is not installed.
 */
export async function loadTf(): Promise<Tf | null> {
  if (loaded) return loaded;
  if (missing) return null;
  try {
    require.resolve(TFJS);
    require.resolve(TFJS_WASM);
  } catch {
    missing = true;
    console.log(`  note: ${TF_MISSING}`);
    return null;
  }
  const log = console.log;
  console.log = () => undefined; // tfjs prints a hint about tfjs-node on load
  try {
    const tf = (await import(TFJS)) as Tf;
    const wasm = (await import(TFJS_WASM)) as Tf;
    wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
    // setBackend answers false (and tfjs runs on another backend) when wasm fails to start.
    if (!(await tf.setBackend('wasm'))) {
      missing = true;
      log('  note: TensorFlow.js\'s wasm backend did not start, so the rows that compare against TensorFlow.js are left out');
      return null;
    }
    await tf.ready();
    loaded = tf;
    return tf;
  } finally {
    console.log = log;
  }
}

/**
 * Switches tfjs to `backend`, and throws unless it is then the one running: a row labelled wasm
 * must not time cpu.
 */
export async function useBackend(tf: Tf, backend: 'cpu' | 'wasm'): Promise<void> {
  const switched = await tf.setBackend(backend);
  if (switched !== true || tf.getBackend() !== backend) {
    throw new Error(`TensorFlow.js did not switch to its ${backend} backend (it runs on ${tf.getBackend()})`);
  }
}
