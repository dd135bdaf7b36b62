"""
Shared by the Python references of `npm run bench` (torch_reference.py, openblas_reference.py):
timing as benchmarks/harness.ts times (warm-up, batches sized by doubling, the median batch), the
BLAS library the process actually loaded, and the one line of JSON the Node side parses.

Run with Debian's own python3 (/usr/bin/python3), where apt puts python3-torch and python3-numpy.
"""
import ctypes
import gc
import json
import re
import sys
import time


def time_it(fn, min_time=0.5, batches=5, warmup=0.1):
    """Seconds per call: warm-up for `warmup` s (at least 3 calls), then batches of a fixed number
    of calls (doubled until one batch takes min_time / batches), until at least `batches` batches
    and `min_time` s of timed work. Returns the per-call time of every batch, in order."""
    batch_time = min_time / batches
    warm_end = time.perf_counter() + warmup
    calls = 0
    while calls < 3 or time.perf_counter() < warm_end:
        fn()
        calls += 1

    def run(reps):
        start = time.perf_counter()
        for _ in range(reps):
            fn()
        return time.perf_counter() - start

    reps = 1
    while run(reps) < batch_time and reps < 2 ** 30:
        reps *= 2
    samples = []
    spent = 0.0
    while len(samples) < batches or spent < min_time:
        gc.collect()
        elapsed = run(reps)
        spent += elapsed
        samples.append(elapsed / reps)
    return {'median': sorted(samples)[len(samples) // 2], 'samples': samples, 'calls': reps * len(samples)}


def blas():
    """The BLAS this process has loaded (read from /proc/self/maps, since Debian's numpy and torch
    link the generic libblas.so.3 that update-alternatives points at OpenBLAS or at the reference
    BLAS), and OpenBLAS's own configuration and thread count when it is OpenBLAS."""
    try:
        with open('/proc/self/maps') as maps:
            paths = sorted({line.split()[-1] for line in maps if re.search(r'lib(open)?blas', line)})
    except OSError:
        paths = []
    info = {'libraries': paths, 'openblas': None}
    for path in paths:
        if 'libopenblas' in path:
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_get_config.restype = ctypes.c_char_p
                info['openblas'] = {
                    'config': lib.openblas_get_config().decode(),
                    'threads': lib.openblas_get_num_threads(),
                }
            except (OSError, AttributeError):
                info['openblas'] = {'config': path, 'threads': None}
    return info


def emit(result):
    """The result as the last line of stdout, which the Node side parses."""
    sys.stdout.write(json.dumps(result) + '\n')
    sys.stdout.flush()


def read_options():
    """Options as JSON in argv[1] (minTime, batches, warmup, …), or {}."""
    return json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
