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
import { PYTHON, PYTHON_REFERENCES_INSTALL, blasField, hasPythonModule, noteOnce, numberField, numbersField, openblasCoreTypeEnv, runReference, type BlasInfo } from './python';

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
  if (!hasPythonModule('numpy')) {
    noteOnce(OPENBLAS_MISSING);
    return null;
  }
  const output = runReference('openblas_reference.py', {
    args: [JSON.stringify({ n, ...timing })],
    env: { OPENBLAS_NUM_THREADS: String(threads), ...openblasCoreTypeEnv() },
    what: 'OpenBLAS dgemm',
  });
  if (output === null) return null;
  if ('missing' in output) {
    noteOnce(OPENBLAS_MISSING);
    return null;
  }
  const r = output.result;
  const blas = blasField(r);
  if (blas.openblas === null) {
    noteOnce(`numpy under ${PYTHON} does not use Debian's OpenBLAS (it loaded ${blas.libraries.join(', ') || 'no libblas or libopenblas'}), so the OpenBLAS dgemm rows are left out; \`apt-get install -y libopenblas0-pthread\` makes OpenBLAS its BLAS`);
    return null;
  }
  return { gflops: numberField(r, 'gflops'), samples: numbersField(r, 'samples'), numpy: String(r.numpy), blas: { ...blas, openblas: blas.openblas } };
}
