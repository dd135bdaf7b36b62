/**
 * TensorFlow.js as the reference, with its cpu and wasm backends. The wasm binaries ship inside the
 * npm package, so nothing is downloaded: they are loaded from node_modules. TensorFlow.js is an
 * optional reference (about 290 MB installed), not part of `npm install`: `npm run references`
 * installs it, and without it the rows that compare against it are left out.
 */
import * as path from 'path';

export type Tf = typeof import('@tensorflow/tfjs');

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
    require.resolve('@tensorflow/tfjs');
    require.resolve('@tensorflow/tfjs-backend-wasm');
  } catch {
    missing = true;
    console.log(`  note: ${TF_MISSING}`);
    return null;
  }
  const log = console.log;
  console.log = () => undefined; // tfjs prints a hint about tfjs-node on load
  try {
    const tf = (await import('@tensorflow/tfjs')) as Tf;
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
    await tf.setBackend('wasm');
    await tf.ready();
    loaded = tf;
    return tf;
  } finally {
    console.log = log;
  }
}
