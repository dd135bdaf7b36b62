/** OpenBLAS's dgemm behind core's matrix products (see the package's documentation in index.ts). */
import { getNumThreads, setMatmulKernel, type MatmulKernel } from '@adjoint/core';
import { required, type Native } from './addon';

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
