/**
 * Node's built-in modules for the file functions (saveModel, loadModel), fetched when first
 * needed through `process.getBuiltinModule` rather than imported: a module that imports `node:fs`
 * cannot be bundled for a browser without shims, and everything else in @adjoint/nn runs there.
 * In a browser (or Node older than 20.16) the file functions say so; serializeModel and
 * deserializeModel work on bytes anywhere.
 */
import type * as Fs from 'node:fs';
import type * as Path from 'node:path';
import type * as Crypto from 'node:crypto';
import type * as WorkerThreads from 'node:worker_threads';
import { ValueError } from '@adjoint/core';

interface Builtins {
  fs: typeof Fs;
  path: typeof Path;
  crypto: typeof Crypto;
  workerThreads: typeof WorkerThreads;
}

let builtins: Builtins | null = null;

/** Node's fs, path, crypto and worker_threads; a ValueError naming `op` where there are none. */
export function nodeBuiltins(op: string): Builtins {
  if (builtins !== null) return builtins;
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (typeof get !== 'function') {
    throw new ValueError(`${op}: needs Node's file system (Node 20.16 or newer); in a browser, use serializeModel and deserializeModel, which work on bytes`);
  }
  builtins = {
    fs: get('node:fs') as typeof Fs,
    path: get('node:path') as typeof Path,
    crypto: get('node:crypto') as typeof Crypto,
    workerThreads: get('node:worker_threads') as typeof WorkerThreads,
  };
  return builtins;
}
