/**
 * One training step of an MLP classifier (batch 64, Adam, softmax cross-entropy), four ways:
 * adjoint (nn layers, reverse mode), a hand-written backprop in plain TypeScript on adjoint's own
 * kernels (the engine's overhead is the difference), TensorFlow.js with its cpu and wasm
 * backends, and PyTorch in float64 (Debian's python3-torch, in a subprocess: see torch.ts). Also the
 * cheap-gradient principle: step time over forward time.
 */
import { Rng, adamCoefficients, adamMoments, adamUpdate, setAdamKernel, setMatmulKernel, tensor, type Tensor } from '@adjoint/core';
import { nativeAdamKernel, openBlasAvailable, openBlasKernel } from '@adjoint/blas';
import { Adam, crossEntropy, mlp } from '@adjoint/nn';
import { gemm } from '../packages/core/src/kernels/matmul';
import { ratio, timeInterleaved, timedRow, type BenchResult, type Timing } from './harness';
import { loadTf, useBackend, type Tf } from './tf';
import { describeTorch, torchStep } from './torch';
import { BLAS_MISSING, noteOnce } from './python';
import { adjointStepAndForward, checkSameLoss } from './versus-wasm';

const BATCH = 64;
const LR = 1e-3;

interface Problem {
  sizes: number[];
  x: Float64Array;
  labels: number[];
  weights: Float64Array[]; // W1, b1, W2, b2, … (W stored [in, out])
}

export function problem(sizes: number[]): Problem {
  const rng = new Rng(11);
  const x = Float64Array.from({ length: BATCH * sizes[0]! }, () => rng.uniform(0, 1));
  const labels = Array.from({ length: BATCH }, () => rng.int(0, sizes[sizes.length - 1]!));
  const weights: Float64Array[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const limit = Math.sqrt(6 / sizes[l]!);
    weights.push(Float64Array.from({ length: sizes[l]! * sizes[l + 1]! }, () => rng.uniform(-limit, limit)));
    weights.push(new Float64Array(sizes[l + 1]!));
  }
  return { sizes, x, labels, weights };
}

/** adjoint: the library as a user would write the step. */
export function adjointStep(p: Problem): { step: () => void; gradient: () => void; forward: () => void } {
  const model = mlp(p.sizes, { seed: 1 });
  model.parameters().forEach((param, i) => param.data.set(p.weights[i]!));
  const optimizer = new Adam(model.parameters(), { lr: LR });
  const x = tensor(p.x, { shape: [BATCH, p.sizes[0]!] });
  const y = tensor(p.labels);
  const loss = (): Tensor => crossEntropy(model.forward(x), y);
  return {
    ...adjointStepAndForward(loss, optimizer),
    gradient: () => {
      loss().backward();
      optimizer.zeroGrad();
    },
  };
}

/**
 * Plain TypeScript backprop on the same kernels (matrix product, Adam update): relu hidden layers,
 * softmax cross-entropy, Adam.
 * Its forward pass alone (with the loss) is also returned, as the floor for step / forward.
 */
export function handWrittenStep(p: Problem): { step: () => void; forward: () => number } {
  const { sizes } = p;
  const L = sizes.length - 1;
  const w = p.weights.map((a) => a.slice());
  const moments = adamMoments(w.map((a) => a.length));
  const grads = w.map((a) => new Float64Array(a.length));
  const acts = sizes.map((n) => new Float64Array(BATCH * n)); // acts[0] = x, acts[l] = relu(z_l)
  acts[0]!.set(p.x);
  const deltas = sizes.map((n) => new Float64Array(BATCH * n));
  let t = 0;
  const layers = (): void => {
    for (let l = 0; l < L; l++) {
      const [nIn, nOut] = [sizes[l]!, sizes[l + 1]!];
      const out = acts[l + 1]!;
      gemm(acts[l]!, 0, w[2 * l]!, 0, out, 0, BATCH, nOut, nIn, false, false);
      const b = w[2 * l + 1]!;
      for (let i = 0; i < BATCH; i++) for (let j = 0; j < nOut; j++) {
        const z = out[i * nOut + j]! + b[j]!;
        out[i * nOut + j] = l < L - 1 && z < 0 ? 0 : z;
      }
    }
  };
  /** log Σ exp over row i of the logits. */
  const logSumExpRow = (logits: Float64Array, i: number, classes: number): number => {
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, logits[i * classes + j]!);
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(logits[i * classes + j]! - max);
    return max + Math.log(sum);
  };
  const forward = (): number => {
    layers();
    const [classes, logits] = [sizes[L]!, acts[L]!];
    let loss = 0;
    for (let i = 0; i < BATCH; i++) loss += logSumExpRow(logits, i, classes) - logits[i * classes + p.labels[i]!]!;
    return loss / BATCH;
  };
  const step = (): void => {
    layers();
    // δ_L = (softmax(z_L) − onehot(y)) / batch
    const [classes, logits] = [sizes[L]!, acts[L]!];
    const dL = deltas[L]!;
    for (let i = 0; i < BATCH; i++) {
      const lse = logSumExpRow(logits, i, classes);
      for (let j = 0; j < classes; j++) {
        dL[i * classes + j] = (Math.exp(logits[i * classes + j]! - lse) - (p.labels[i] === j ? 1 : 0)) / BATCH;
      }
    }
    for (let l = L - 1; l >= 0; l--) {
      const [nIn, nOut] = [sizes[l]!, sizes[l + 1]!];
      const delta = deltas[l + 1]!;
      gemm(acts[l]!, 0, delta, 0, grads[2 * l]!, 0, nIn, nOut, BATCH, true, false); // W̄ = Aᵀδ
      const gb = grads[2 * l + 1]!;
      gb.fill(0);
      for (let i = 0; i < BATCH; i++) for (let j = 0; j < nOut; j++) gb[j]! += delta[i * nOut + j]!;
      if (l > 0) {
        const prev = deltas[l]!;
        gemm(delta, 0, w[2 * l]!, 0, prev, 0, BATCH, nIn, nOut, false, true); // δ Wᵀ
        const a = acts[l]!;
        for (let k = 0; k < prev.length; k++) if (a[k]! <= 0) prev[k] = 0;
      }
    }
    t++;
    // Adam on adjoint's update kernel, as the library's optimizer runs it (see kernels/adam.ts).
    const coefficients = adamCoefficients(t, LR, { beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    grads.forEach((g, k) => adamUpdate(w[k]!, g, moments[k]!.m, moments[k]!.v, coefficients));
  };
  return { step, forward };
}

/**
 * TensorFlow.js: the same network and optimizer on a given backend (float32, as tfjs computes), and
 * its loss at the current weights (to check that it is adjoint's network).
 */
function tfStep(tf: Tf, p: Problem): { step: () => void; value: () => number } {
  const vars: Tf[] = [];
  for (let l = 0; l + 1 < p.sizes.length; l++) {
    vars.push(tf.variable(tf.tensor2d(Float32Array.from(p.weights[2 * l]!), [p.sizes[l]!, p.sizes[l + 1]!])));
    vars.push(tf.variable(tf.tensor1d(Float32Array.from(p.weights[2 * l + 1]!))));
  }
  const x = tf.tensor2d(Float32Array.from(p.x), [BATCH, p.sizes[0]!]);
  const y = tf.oneHot(tf.tensor1d(p.labels, 'int32'), p.sizes[p.sizes.length - 1]!);
  const optimizer = tf.train.adam(LR);
  const lossOf = (): Tf => {
    let h = x;
    for (let l = 0; l < vars.length / 2; l++) {
      h = tf.add(tf.matMul(h, vars[2 * l]!), vars[2 * l + 1]!);
      if (l < vars.length / 2 - 1) h = tf.relu(h);
    }
    return tf.losses.softmaxCrossEntropy(y, h);
  };
  return {
    step: () => {
      const loss = optimizer.minimize(lossOf, true);
      loss!.dataSync();
      loss!.dispose();
    },
    value: () => tf.tidy(() => lossOf().dataSync()[0] as number),
  };
}

/** The two networks, with their problems and the adjoint and hand-written steps built once. */
interface Contest {
  group: string;
  p: Problem;
  ours: ReturnType<typeof adjointStep>;
  hand: ReturnType<typeof handWrittenStep>;
}

function contest(sizes: number[]): Contest {
  const p = problem(sizes);
  return { group: `mlp ${sizes.join('-')}`, p, ours: adjointStep(p), hand: handWrittenStep(p) };
}

/**
 * adjoint against the hand-written step, and the cheap-gradient ratios: all in one interleaved
 * group (more and shorter batches than elsewhere, as its ratios are taken round by round).
 */
function againstHandWritten({ group, ours, hand }: Contest): BenchResult[] {
  const [a, h, f, g, hf] = timeInterleaved([ours.step, hand.step, ours.forward, ours.gradient, hand.forward], { minTime: 2, batches: 30 });
  const adjoint = timedRow(group, 'adjoint step (float64)', a!);
  const handRow = timedRow(group, 'hand-written backprop, same kernels', h!);
  const fwd = timedRow(group, 'adjoint forward only', f!);
  const gradient = timedRow(group, 'adjoint forward + backward (no update)', g!);
  const handForward = timedRow(group, 'hand-written forward only', hf!);
  return [
    adjoint, handRow, fwd, gradient, handForward,
    ratio(group, 'engine overhead: adjoint / hand-written', adjoint, handRow, 1.15, 'atMost'),
    ratio(group, 'cheap gradient: step / forward', adjoint, fwd, 2.5, 'atMost'),
    // Without a target, for reading the one above: the gradient alone (no optimizer update), and
    // the same step / forward ratio for the hand-written code, which has no engine at all.
    ratio(group, 'gradient alone: (forward + backward) / forward', gradient, fwd),
    ratio(group, 'hand-written step / hand-written forward', handRow, handForward),
  ];
}

/**
 * adjoint against TensorFlow.js on each backend. Each backend is timed in its own interleaved
 * group beside the adjoint step: a contender that allocates heavily (tfjs cpu) would otherwise
 * slow the others' batches too.
 */
async function againstTf({ group, p, ours }: Contest): Promise<BenchResult[]> {
  const tf = await loadTf();
  if (tf === null) return [];
  const loss = handWrittenStep(p).forward();
  const onBackend = async (backend: 'cpu' | 'wasm'): Promise<() => void> => {
    await useBackend(tf, backend);
    const theirs = tfStep(tf, p);
    checkSameLoss(`${group} (tfjs ${backend})`, loss, theirs.value());
    return theirs.step;
  };
  const [aCpu, c] = timeInterleaved([ours.step, await onBackend('cpu')], { minTime: 1.5 });
  const [aWasm, w] = timeInterleaved([ours.step, await onBackend('wasm')], { minTime: 1.5 });
  const adjointCpu = timedRow(group, 'adjoint step (beside tfjs cpu)', aCpu!);
  const cpu = timedRow(group, 'tfjs cpu step (float32)', c!);
  const adjointWasm = timedRow(group, 'adjoint step (beside tfjs wasm)', aWasm!);
  const wasm = timedRow(group, 'tfjs wasm step (float32)', w!);
  return [
    adjointCpu, cpu, adjointWasm, wasm,
    ratio(group, 'adjoint / tfjs wasm', adjointWasm, wasm, 1.0, 'atMost'),
    ratio(group, 'adjoint / tfjs cpu', adjointCpu, cpu, 0.35, 'atMost'),
  ];
}

/**
 * adjoint against PyTorch float64 (Debian's torch on its default threads, OpenBLAS under it), when
 * it is installed. PyTorch runs in a Python subprocess, so its batches cannot alternate with
 * adjoint's as timeInterleaved's do: adjoint is timed right before and right after the subprocess,
 * and its row is the median over both timings' batches. The ratio is of the two medians, not paired
 * round by round, so a drift in the machine's speed over those few seconds moves it more than it
 * moves the interleaved ratios.
 */
function againstPytorch({ group, p, ours }: Contest): BenchResult[] {
  // The loss at the initial weights, which PyTorch must reproduce: the same network and batch.
  const loss = handWrittenStep(p).forward();
  // The same step and forward pass again with @adjoint/blas's native kernels, where they were
  // built: OpenBLAS behind the products (PyTorch's own BLAS, so what is left between the two is the
  // rest) and Adam's update in place.
  const blas = openBlasAvailable() ? { gemm: openBlasKernel(), adam: nativeAdamKernel() } : null;
  if (blas === null) noteOnce(BLAS_MISSING);
  const onBlas = (fn: () => void) => (): void => {
    setMatmulKernel(blas!.gemm);
    setAdamKernel(blas!.adam);
    try {
      fn();
    } finally {
      setMatmulKernel(null);
      setAdamKernel(null);
    }
  };
  const contenders = [ours.step, ours.forward, ...(blas === null ? [] : [onBlas(ours.step), onBlas(ours.forward)])];
  const time = (): Timing[] => timeInterleaved(contenders, { minTime: 0.75 });
  const before = time();
  const torch = torchStep(p, BATCH, LR);
  if (torch === null) return [];
  const after = time();
  if (!(Math.abs(torch.initialLoss - loss) <= 1e-9 * Math.max(1, Math.abs(loss)))) {
    throw new Error(`mlp benchmark: PyTorch's initial loss ${torch.initialLoss} is not adjoint's ${loss} on ${group}`);
  }
  noteOnce(describeTorch(torch));
  const ms = (name: string, seconds: number): BenchResult => ({ group, name, value: seconds * 1e3, unit: 'ms' });
  const medianOf = (i: number): number => {
    const samples = [...before[i]!.samples, ...after[i]!.samples].sort((x, y) => x - y);
    return samples[samples.length >> 1]!;
  };
  const adjoint = ms('adjoint step (before and after pytorch)', medianOf(0));
  const pytorch = ms('pytorch float64 step', torch.median);
  const adjointForward = ms('adjoint forward (before and after pytorch)', medianOf(1));
  const pytorchForward = ms('pytorch float64 forward', torch.forwardMedian);
  const rows = [
    adjoint, pytorch, ratio(group, 'adjoint / pytorch float64', adjoint, pytorch, 1.0, 'atMost'),
    // Without targets, for reading the one above and the cheap-gradient row: how far apart the
    // forward passes alone are (nearly all matrix products), and PyTorch's own step / forward.
    adjointForward, pytorchForward,
    ratio(group, 'adjoint forward / pytorch forward', adjointForward, pytorchForward),
    ratio(group, 'pytorch step / pytorch forward', pytorch, pytorchForward),
  ];
  if (blas === null) return rows;
  const blasStep = ms('adjoint step with @adjoint/blas (OpenBLAS, native Adam; before and after pytorch)', medianOf(2));
  const blasForward = ms('adjoint forward with @adjoint/blas (before and after pytorch)', medianOf(3));
  return [
    ...rows, blasStep, blasForward,
    ratio(group, 'adjoint with @adjoint/blas / pytorch float64', blasStep, pytorch, 1.0, 'atMost'),
    ratio(group, 'adjoint forward with @adjoint/blas / pytorch forward', blasForward, pytorchForward),
    ratio(group, 'adjoint with @adjoint/blas: step / forward', blasStep, blasForward),
  ];
}

/**
 * Training-step comparisons for 784-128-10 and 784-256-128-10. The comparisons without tfjs run
 * first, before tfjs is loaded: its tens of megabytes of heap make every later garbage collection
 * slower, which would charge adjoint and the hand-written step for a library neither uses. PyTorch
 * (a subprocess, with its own heap) also runs before tfjs is loaded, for the same reason.
 */
export async function benchMlp(): Promise<BenchResult[]> {
  const contests = [contest([784, 128, 10]), contest([784, 256, 128, 10])];
  const withoutTf = contests.map((c) => [...againstHandWritten(c), ...againstPytorch(c)]);
  const rows: BenchResult[] = [];
  for (const [i, c] of contests.entries()) for (const row of [...withoutTf[i]!, ...(await againstTf(c))]) rows.push(row);
  return rows;
}
