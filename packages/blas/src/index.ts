/**
 * OpenBLAS behind @adjoint/core's matrix products, in Node: `useOpenBlas()` and every `matmul`,
 * `linear` and their adjoint rules of at least 512 multiply-adds run on the system's OpenBLAS
 * `dgemm`, on the memory of the tensors themselves (no copying), on `getNumThreads()` threads.
 *
 * Core's own kernels (WebAssembly SIMD, 2 lanes, no fused multiply-add) reach about a fifth of
 * OpenBLAS's speed on a CPU with AVX-512; this package is for Node programs that want the rest. The
 * native half is built on install against OpenBLAS's headers and library (Debian and Ubuntu:
 * `apt-get install libopenblas-dev`); where it could not be built, {@link useOpenBlas} throws and
 * {@link openBlasAvailable} says false, and core's kernels go on as before.
 *
 * Results agree with core's kernels to rounding, not bit for bit: OpenBLAS sums in its own order
 * and uses fused multiply-adds, and which kernel it picks depends on the CPU.
 * @packageDocumentation
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AdjointError, getNumThreads, setMatmulKernel, type MatmulKernel } from '@adjoint/core';
import { openBlasCoreType } from './core-type';

export { openBlasCoreType } from './core-type';

/** Thrown by {@link useOpenBlas}, {@link openBlasKernel} and {@link openBlasConfig} when the native half is not there. */
export class OpenBlasUnavailableError extends AdjointError {}

/** What native/openblas.c exports. */
interface Native {
  dgemm(a: Float64Array, aOffset: number, b: Float64Array, bOffset: number, c: Float64Array, cOffset: number,
    m: number, n: number, k: number, transA: boolean, transB: boolean): void;
  setThreads(count: number): void;
  threads(): number;
  config(): string;
}

/** Where node-gyp puts the addon, from dist/ or src/ alike. */
const ADDON = path.join(__dirname, '..', 'native', 'build', 'Release', 'openblas.node');

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
 * OpenBLAS reads it once, when it starts (see {@link openBlasCoreType}).
 */
function chooseCoreType(): void {
  if (process.env.OPENBLAS_CORETYPE !== undefined) return;
  const core = openBlasCoreType();
  if (core !== undefined) process.env.OPENBLAS_CORETYPE = core;
}

function required(caller: string): Native {
  const found = native();
  if (typeof found === 'string') throw new OpenBlasUnavailableError(`${caller}: OpenBLAS is not available: ${found}`);
  return found;
}

/** Whether {@link useOpenBlas} can work here: the native half was built and loads. */
export function openBlasAvailable(): boolean {
  return typeof native() !== 'string';
}

/** OpenBLAS's configuration line: its version, build options and the kernel it chose for this CPU. */
export function openBlasConfig(): string {
  return required('openBlasConfig').config();
}

/**
 * Runs @adjoint/core's matrix products of at least 512 multiply-adds on OpenBLAS from now on:
 * `setMatmulKernel(openBlasKernel())` (see `setMatmulKernel` in core; `setMatmulKernel(null)` goes
 * back to core's own kernels).
 * @throws OpenBlasUnavailableError when the native half is not built or does not load.
 */
export function useOpenBlas(): void {
  setMatmulKernel(kernelOver(required('useOpenBlas')));
}

/**
 * OpenBLAS's dgemm as a kernel for core's `setMatmulKernel`, not installed: for a program that
 * installs it around some of its work only. It uses as many threads as core's `getNumThreads()`
 * says, read at each product.
 * @throws OpenBlasUnavailableError when the native half is not built or does not load.
 */
export function openBlasKernel(): MatmulKernel {
  return kernelOver(required('openBlasKernel'));
}

/** The thread count last given to OpenBLAS, whose setting is one for the whole process (0: none yet). */
let openBlasThreads = 0;

function kernelOver(blas: Native): MatmulKernel {
  return {
    name: 'OpenBLAS',
    gemm(a, aOffset, b, bOffset, c, cOffset, m, n, k, transA, transB) {
      const wanted = getNumThreads();
      if (wanted !== openBlasThreads) {
        blas.setThreads(wanted);
        openBlasThreads = wanted;
      }
      blas.dgemm(a, aOffset, b, bOffset, c, cOffset, m, n, k, transA, transB);
    },
  };
}
