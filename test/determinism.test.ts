/**
 * Determinism: the same seeds give bit-identical training — history, every weight and buffer, the
 * optimizer's state — in one process, in separate processes, and whichever matmul kernel runs; a
 * different seed gives a different run. The one documented exception: a matrix-vector product deeper
 * than 256 (for instance the last layer's weight gradient of a 1-output model trained on batches of
 * more than 256 rows) is summed in one pass by the TypeScript kernel and in blocks of ≤ 256 by the
 * WebAssembly one, so there the two kernels agree to rounding, not bit for bit (docs/reliability.md).
 *
 * The same holds whatever the thread count (setNumThreads): large products are split into fixed
 * blocks whose elements are summed as on one thread.
 *
 * The run (test/fixtures/train-run.ts) reports every number as the hex of its IEEE-754 bytes, so the
 * comparisons below are bit for bit (stricter than Object.is: NaN payloads would count too).
 */
import { Rng, getNumThreads, randn, setMatmulBackend, setNumThreads, tensor } from '@adjoint/core';
import { Dense, fit, mlp, predict } from '@adjoint/nn';
import { gemmThreads } from '../packages/core/src/kernels/matmul';
import { trainRun, type RunResult } from './fixtures/train-run';
import { runFixtureJson } from './fixtures/child';

jest.setTimeout(60_000);

afterEach(() => {
  setMatmulBackend('auto');
});

/** Names of the entries of two runs that differ (empty: bit-identical). */
function differences(a: RunResult, b: RunResult): string[] {
  const out: string[] = [];
  for (const key of new Set([...Object.keys(a.history), ...Object.keys(b.history)])) {
    if (JSON.stringify(a.history[key]) !== JSON.stringify(b.history[key])) out.push(`history.${key}`);
  }
  if (a.stopReason !== b.stopReason) out.push('stopReason');
  for (const key of new Set([...Object.keys(a.state), ...Object.keys(b.state)])) if (a.state[key] !== b.state[key]) out.push(`state.${key}`);
  a.optimizer.forEach((s, i) => s !== b.optimizer[i] && out.push(`optimizer.${i}`));
  if (a.optimizer.length !== b.optimizer.length) out.push('optimizer.length');
  return out;
}

describe('in one process', () => {
  const first = trainRun(5);

  it('the run is a real one: six epochs logged, state for every layer, Adam state for every parameter', () => {
    expect(first.history.loss).toHaveLength(6);
    expect(first.history.valLoss).toHaveLength(6);
    expect(first.history.valAccuracy).toHaveLength(6);
    expect(Object.keys(first.state)).toEqual([
      '0.weight', '0.bias', '1.gamma', '1.beta', '1.runningMean', '1.runningVar', '3.weight', '3.bias', '4.weight', '4.bias',
    ]);
    expect(first.optimizer).toHaveLength(8);
    expect(first.optimizer.every((s) => s.startsWith('m='))).toBe(true);
    expect(new Set(first.history.loss).size).toBe(6); // the loss moved every epoch
  });

  it('the same seed gives the same history, weights, buffers and optimizer state, bit for bit', () => {
    expect(differences(first, trainRun(5))).toEqual([]);
  });

  it('a different seed changes the history and every weight matrix', () => {
    const other = trainRun(6);
    const diff = differences(first, other);
    expect(diff).toEqual(expect.arrayContaining(['history.loss', 'history.valLoss', 'state.0.weight', 'state.3.weight', 'state.4.weight', 'state.1.runningMean']));
  });
});

describe('across processes', () => {
  it('two fresh Node processes with the same seed reproduce this process\'s run exactly', async () => {
    const [a, b] = await Promise.all([runFixtureJson<RunResult>('train-run.ts', ['5']), runFixtureJson<RunResult>('train-run.ts', ['5'])]);
    expect(differences(a, b)).toEqual([]);
    expect(differences(a, trainRun(5))).toEqual([]);
  });
});

describe('across matmul kernels (setMatmulBackend)', () => {
  it('the TypeScript and the WebAssembly kernel give the same run, bit for bit, and so does auto', () => {
    const auto = trainRun(5);
    setMatmulBackend('js');
    const js = trainRun(5);
    setMatmulBackend('wasm');
    const wasm = trainRun(5);
    expect(differences(js, wasm)).toEqual([]);
    expect(differences(auto, js)).toEqual([]);
  });

  describe('the documented exception: matrix-vector products deeper than 256', () => {
    // mlp([2, 8, 1]) on 300 rows: the gradient of the last weight matrix is hᵀ·g, an [8, rows]·[rows, 1]
    // product — a matrix-vector product as deep as the batch.
    const rng = new Rng(1);
    const rows = Array.from({ length: 300 }, () => [rng.normal(), rng.normal()]);
    const x = tensor(rows);
    const y = tensor(rows.map(([p, q]) => [Math.sin(p!) + q! * q!]));
    const weights = (backend: 'js' | 'wasm', batchSize: number): number[] => {
      setMatmulBackend(backend);
      const model = mlp([2, 8, 1], { seed: 1 });
      fit(model, { x, y, loss: 'mse', optimizer: 'sgd', lr: 0.1, epochs: 3, batchSize, shuffle: false, progress: false });
      return model.parameters().flatMap((p) => Array.from(p.data));
    };
    const identical = (a: number[], b: number[]): boolean => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

    it('batches of 256 rows: still bit-identical', () => {
      expect(identical(weights('js', 256), weights('wasm', 256))).toBe(true);
    });

    it('predict: one row at a time or all at once agree bit for bit, except for 257–511 inputs into one output', () => {
      // In auto mode a one-row product below 512 multiply-adds stays on the TypeScript kernel (one
      // pass), while the batch goes to the WebAssembly one (blocks of ≤ 256).
      const agrees = (inputs: number, outputs: number): boolean => {
        const layer = new Dense(inputs, outputs, { seed: 1 });
        const xs = randn([8, inputs], { seed: 2 });
        return identical(Array.from(predict(layer, xs, { batchSize: 1 }).data), Array.from(predict(layer, xs, { batchSize: 8 }).data));
      };
      expect([agrees(256, 1), agrees(784, 1), agrees(300, 2), agrees(300, 16)]).toEqual([true, true, true, true]);
      expect([agrees(257, 1), agrees(300, 1), agrees(511, 1)]).toEqual([false, false, false]);
    });

    it.each([257, 300])('batches of %i rows: the kernels differ in the last bits only', (batchSize) => {
      const js = weights('js', batchSize);
      const wasm = weights('wasm', batchSize);
      expect(identical(js, wasm)).toBe(false);
      js.forEach((v, i) => expect(Math.abs(v - wasm[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v))));
    });
  });
});

describe('across thread counts (setNumThreads)', () => {
  const initial = getNumThreads();
  afterAll(() => setNumThreads(initial));

  it('one, two and three threads train the same model bit for bit, and the workers did take blocks', async () => {
    // 100-128-10 on batches of 64: every weight product (64×100·100×128, its adjoints) is large
    // enough to be split between threads.
    const rng = new Rng(3);
    const x = tensor(Array.from({ length: 192 }, () => Array.from({ length: 100 }, () => rng.normal())));
    const y = tensor(Array.from({ length: 192 }, () => rng.int(0, 10)));
    const train = (threads: number): { weights: number[]; workerCalls: number } => {
      setNumThreads(threads);
      const before = gemmThreads()!.workerCalls;
      const model = mlp([100, 128, 10], { seed: 1 });
      fit(model, { x, y, loss: 'crossEntropy', optimizer: 'adam', lr: 0.01, epochs: 2, batchSize: 64, seed: 1, progress: false });
      return { weights: model.parameters().flatMap((p) => Array.from(p.data)), workerCalls: gemmThreads()!.workerCalls - before };
    };
    const one = train(1);
    expect(one.workerCalls).toBe(0);
    for (const threads of [2, 3]) {
      // Workers start asynchronously: train until they take part (they do within a few runs).
      let run = train(threads);
      for (let tries = 0; run.workerCalls === 0 && tries < 50; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        run = train(threads);
      }
      expect(run.workerCalls).toBeGreaterThan(0);
      expect(run.weights.length).toBe(one.weights.length);
      expect(run.weights.findIndex((v, i) => !Object.is(v, one.weights[i]))).toBe(-1);
    }
  });
});
