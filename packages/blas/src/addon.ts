/**
 * Loading the native half (native/*.c, built on install) once, and the error its users throw when
 * it is not there.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { AdjointError } from '@adjoint/core';
import { openBlasCoreType } from './core-type';

/** Thrown by this package's functions that need the native half when it is not there. */
export class OpenBlasUnavailableError extends AdjointError {}

/** What the addon exports (native/openblas.c and native/adam.c). */
export interface Native {
  dgemm(a: Float64Array, aOffset: number, b: Float64Array, bOffset: number, c: Float64Array, cOffset: number,
    m: number, n: number, k: number, transA: boolean, transB: boolean): void;
  setThreads(count: number): void;
  threads(): number;
  config(): string;
  /** See native/adam.c: c holds stepSize, eps, beta1, 1 − beta1, beta2, 1 − beta2, keep, coupled. */
  adamUpdate(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, c: Float64Array): void;
  /** See native/adam.c: whether x² is finite for every element of x. */
  squaresFinite(x: Float64Array): boolean;
}

/** Where node-gyp puts the addons (the main one, and native/environment.c's), from dist/ or src/ alike. */
const BUILT = path.join(__dirname, '..', 'native', 'build', 'Release');
const ADDON = path.join(BUILT, 'openblas.node');
const ENVIRONMENT = path.join(BUILT, 'environment.node');

let loaded: Native | string | undefined;

/** The addon, or why it cannot be had. */
function native(): Native | string {
  if (loaded === undefined) {
    if (!fs.existsSync(ADDON)) {
      loaded = 'the native kernel was not built when the package was installed (it needs OpenBLAS: on Debian or Ubuntu, apt-get install libopenblas-dev, then npm rebuild @adjoint/blas)';
    } else {
      chooseCoreType();
      try {
        loaded = require(ADDON) as Native;
      } catch (error) {
        loaded = `the native kernel did not load: ${(error as Error).message}`;
      }
    }
  }
  return loaded;
}

/**
 * Sets OPENBLAS_CORETYPE from the CPU's flags before OpenBLAS loads, unless it is set already:
 * OpenBLAS reads it once, when it starts (see {@link openBlasCoreType}). On the main thread through
 * process.env, which takes Node's own lock on the environment; in a worker thread, where process.env
 * is a copy, through the small environment addon (which cannot take that lock: it runs once, before
 * OpenBLAS starts). Child processes inherit the setting either way.
 */
function chooseCoreType(): void {
  const core = openBlasCoreType();
  if (core === undefined || process.env.OPENBLAS_CORETYPE !== undefined) return;
  process.env.OPENBLAS_CORETYPE = core;
  if (isMainThread) return;
  try {
    (require(ENVIRONMENT) as { setIfUnset(name: string, value: string): boolean }).setIfUnset('OPENBLAS_CORETYPE', core);
  } catch {
    // No environment addon: OpenBLAS picks its kernel by itself.
  }
}

/** The addon, for `caller`; throws OpenBlasUnavailableError, naming the caller and the reason, when it cannot be had. */
export function required(caller: string): Native {
  const found = native();
  if (typeof found === 'string') throw new OpenBlasUnavailableError(`${caller}: OpenBLAS is not available: ${found}`);
  return found;
}

/** Whether {@link useOpenBlas} can work here: the native half was built and loads. */
export function openBlasAvailable(): boolean {
  return typeof native() !== 'string';
}
