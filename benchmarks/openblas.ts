/**
 * OpenBLAS's dgemm as a reference for the matmul suite, through Debian's python3-numpy
 * (openblas_reference.py, run with Debian's python3, see python.ts). Debian's numpy links the
 * generic libblas.so.3; `numpy.show_config()` names only "blas", so the script reads which library
 * the process actually mapped. It is OpenBLAS (libopenblasp-r0.3.21, pthreads) only when
 * libopenblas0-pthread is installed; python3-torch and python3-numpy alone bring the netlib reference
 * BLAS (libblas3), which is no fair reference: then the rows are left out with a note.
 * The thread count is set with OPENBLAS_NUM_THREADS, and the kernel with the OPENBLAS_CORETYPE that
 * python.ts picks (Debian's OpenBLAS takes this virtual CPU for a Prescott otherwise).
 */
import { PYTHON, PYTHON_REFERENCES_INSTALL, numberField, numbersField, openblasCoreTypeEnv, runOpenblasReference, type BlasInfo } from './python';

/** How to get the OpenBLAS reference, printed once when it is absent. */
export const OPENBLAS_MISSING = `numpy with OpenBLAS is not installed for Debian's python3 (${PYTHON}), so the OpenBLAS dgemm rows are left out; \`${PYTHON_REFERENCES_INSTALL}\` installs it`;

export interface Dgemm {
  /** GFLOP/s (2n³ per product) of the median batch. */
  gflops: number;
  /** Seconds per product in each batch. */
  samples: number[];
  numpy: string;
  blas: BlasInfo & { openblas: NonNullable<BlasInfo['openblas']> };
}

/**
 * numpy's n×n float64 product on `threads` OpenBLAS threads; null (after a note) when numpy is
 * missing, its BLAS is not OpenBLAS, or the run failed.
 */
export function openblasDgemm(n: number, threads: number, timing = { minTime: 0.5, batches: 5, warmup: 0.2 }): Dgemm | null {
  const ran = runOpenblasReference(
    'numpy',
    'openblas_reference.py',
    { args: [JSON.stringify({ n, ...timing })], env: { OPENBLAS_NUM_THREADS: String(threads), ...openblasCoreTypeEnv() }, what: 'OpenBLAS dgemm' },
    OPENBLAS_MISSING,
    'the OpenBLAS dgemm rows',
  );
  if (ran === null) return null;
  const { result: r, blas } = ran;
  return { gflops: numberField(r, 'gflops'), samples: numbersField(r, 'samples'), numpy: String(r.numpy), blas };
}
