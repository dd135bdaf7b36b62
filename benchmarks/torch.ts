/**
 * PyTorch as a reference for the mlp suite: Debian's python3-torch, on the CPU, in float64, on its
 * default threads, running torch_reference.py with Debian's python3 (see python.ts). Optional: when
 * it is absent, one line says how to install it and the rows that compare against it are left out.
 *
 * It runs with OMP_WAIT_POLICY=PASSIVE. Debian's torch does its matrix products in OpenBLAS's
 * threads; its own OpenMP threads otherwise spin after each parallel region and starve them on a
 * 2-core machine (a step then swings between 3 and 18 ms), which would flatter adjoint. It also
 * runs with the OPENBLAS_CORETYPE that python.ts picks, for the same reason.
 */
import { PYTHON, PYTHON_REFERENCES_INSTALL, numberField, numbersField, openblasCoreTypeEnv, runOpenblasReference, type BlasInfo } from './python';

/** How to get PyTorch, printed once when it is absent. */
export const TORCH_MISSING = `PyTorch is not installed for Debian's python3 (${PYTHON}), so the rows that compare against it are left out; \`${PYTHON_REFERENCES_INSTALL}\` installs it (Debian's python3-torch, with OpenBLAS)`;

/** What the mlp suite hands over: the network's sizes, one batch, and the initial weights. */
export interface TorchProblem {
  sizes: number[];
  /** batch × sizes[0], row-major. */
  x: Float64Array;
  labels: number[];
  /** W1, b1, W2, b2, … with each W stored [in, out]. */
  weights: Float64Array[];
}

export interface TorchStep {
  /** Seconds per step: the median batch. */
  median: number;
  /** Seconds per step in each batch. */
  samples: number[];
  /** Seconds per forward pass (with the loss, under no_grad): the median batch. */
  forwardMedian: number;
  /** The loss at the initial weights, to check that PyTorch got the same network and batch. */
  initialLoss: number;
  torch: string;
  threads: number;
  blas: BlasInfo;
}

/** The bytes torch_reference.py reads on stdin: a line of JSON, then the float64s. */
export function encodeProblem(p: TorchProblem, batch: number, lr: number, timing: { minTime: number; batches: number; warmup: number }): Buffer {
  const header = Buffer.from(`${JSON.stringify({ sizes: p.sizes, batch, lr, labels: p.labels, ...timing })}\n`);
  const arrays = [p.x, ...p.weights].map((a) => {
    const le = Buffer.alloc(a.length * 8);
    a.forEach((value, i) => le.writeDoubleLE(value, i * 8));
    return le;
  });
  return Buffer.concat([header, ...arrays]);
}

/**
 * One Adam step of PyTorch on the problem, and its forward pass alone, timed in the subprocess as harness.ts times (median
 * batch after warm-up); null (after a note saying why) when PyTorch is not there or its run failed.
 */
export function torchStep(p: TorchProblem, batch: number, lr: number, timing = { minTime: 1.5, batches: 5, warmup: 0.3 }): TorchStep | null {
  const ran = runOpenblasReference(
    'torch',
    'torch_reference.py',
    { input: encodeProblem(p, batch, lr, timing), env: { OMP_WAIT_POLICY: 'PASSIVE', ...openblasCoreTypeEnv() }, what: 'PyTorch' },
    TORCH_MISSING,
    'the rows that compare against PyTorch',
  );
  if (ran === null) return null;
  const { result: r, blas } = ran;
  return {
    median: numberField(r, 'median'),
    samples: numbersField(r, 'samples'),
    forwardMedian: numberField(r, 'forwardMedian'),
    initialLoss: numberField(r, 'initialLoss'),
    torch: String(r.torch),
    threads: numberField(r, 'threads'),
    blas,
  };
}

/** One line on what ran: torch's version and threads, and the BLAS under it. */
export function describeTorch(t: TorchStep): string {
  const blas = t.blas.openblas
    ? `${t.blas.openblas.config}, ${t.blas.openblas.threads ?? '?'} OpenBLAS threads`
    : `BLAS ${t.blas.libraries.join(', ') || 'unknown'}`;
  return `PyTorch ${t.torch}, ${t.threads} intra-op thread${t.threads === 1 ? '' : 's'}, ${blas}`;
}
