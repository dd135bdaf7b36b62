"""
dgemm for the matmul suite (benchmarks/matmul.ts, via benchmarks/openblas.ts): numpy's float64
product of two n×n matrices into a preallocated result, which numpy hands to the BLAS it links.
Debian's numpy links the generic libblas.so.3, which is OpenBLAS only when an OpenBLAS package
(libopenblas0-pthread) is installed; otherwise it is the slow reference BLAS. Which one was
loaded is reported (reference_timing.blas), and the Node side names it.

The thread count is OpenBLAS's, set by OPENBLAS_NUM_THREADS in the environment before numpy loads.
argv[1]: JSON {"n": 1024, "minTime": s, "batches": n, "warmup": s}.
stdout: one line of JSON, or {"missing": "numpy"} when numpy cannot be imported.
"""
import sys

from reference_timing import blas, emit, read_options, time_it

try:
    import numpy
except ImportError as error:
    emit({'missing': 'numpy', 'error': str(error)})
    sys.exit(0)


def main():
    options = read_options()
    n = options.get('n', 1024)
    rng = numpy.random.default_rng(1)
    a = rng.uniform(-1, 1, (n, n))
    b = rng.uniform(-1, 1, (n, n))
    c = numpy.empty((n, n))
    timing = time_it(lambda: numpy.matmul(a, b, out=c), options.get('minTime', 0.5), options.get('batches', 5), options.get('warmup', 0.2))
    emit({
        'n': n,
        'median': timing['median'],
        'samples': timing['samples'],
        'calls': timing['calls'],
        'gflops': 2 * n ** 3 / timing['median'] / 1e9,
        'numpy': numpy.__version__,
        'blas': blas(),
    })


main()
