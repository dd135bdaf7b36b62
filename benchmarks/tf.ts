/**
 * TensorFlow.js as the reference, with its cpu and wasm backends. The wasm binaries ship inside the
 * npm package, so nothing is downloaded: they are loaded from node_modules.
 */
import * as path from 'path';

export type Tf = typeof import('@tensorflow/tfjs');

let loaded: Tf | null = null;

/** Loads tfjs once, registers the wasm backend with its local binaries, and silences its banner. */
export async function loadTf(): Promise<Tf> {
  if (loaded) return loaded;
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
