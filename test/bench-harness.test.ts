/**
 * The benchmark harness's ratio rows: paired by round when the rows were timed together; what
 * the optional Python references (PyTorch, OpenBLAS through numpy) print, parsed without running them;
 * and the TensorFlow.js references: on the backend they are named for, computing adjoint's function.
 */
import { ratio, type BenchResult } from '../benchmarks/harness';
import { blasField, numberField, numbersField, parseScriptOutput } from '../benchmarks/python';
import { encodeProblem } from '../benchmarks/torch';
import { loadTf, useBackend } from '../benchmarks/tf';
import { checkSameLoss } from '../benchmarks/versus-wasm';
import * as lstm from '../benchmarks/lstm';

/** Whether TensorFlow.js (an optional reference) is installed. */
function hasTf(): boolean {
  try {
    require.resolve('@tensorflow/tfjs');
    require.resolve('@tensorflow/tfjs-backend-wasm');
    return true;
  } catch {
    return false;
  }
}

const row = (value: number, samples?: number[], interleaving = samples && 1): BenchResult => ({ group: 'g', name: 'n', value, unit: 'ms', samples, interleaving });

describe('ratio', () => {
  it('takes the median of the rounds\' ratios when both rows carry aligned samples', () => {
    // Rounds 1, 2, 3 → ratios 1, 2, 3: the paired median is 2, the ratio of the medians 12/10.
    const r = ratio('g', 'paired', row(12, [10, 12, 30]), row(10, [10, 6, 10]));
    expect(r.value).toBe(2);
  });

  it('divides the values when the samples are missing or come from different timings', () => {
    expect(ratio('g', 'plain', row(12), row(10)).value).toBeCloseTo(1.2, 12);
    // As many rounds, but timed apart: pairing them round by round would give 2.
    expect(ratio('g', 'apart', row(12, [10, 12, 30], 1), row(10, [10, 6, 10], 2)).value).toBeCloseTo(1.2, 12);
  });

  it('notes whether a target is met, in either direction', () => {
    expect(ratio('g', 'n', row(2), row(1), 3, 'atMost').note).toBe('target ≤ 3×: PASS');
    expect(ratio('g', 'n', row(4), row(1), 3, 'atMost').note).toBe('target ≤ 3×: FAIL');
    expect(ratio('g', 'n', row(4), row(1), 3).note).toBe('target ≥ 3×: PASS');
  });
});

describe('the Python references\' output', () => {
  it('parses the last line of JSON, ignoring a library\'s warnings before it', () => {
    const out = parseScriptOutput('UserWarning: something\n{"median": 0.0015, "samples": [0.0015, 0.0016]}\n\n');
    expect(out).toEqual({ result: { median: 0.0015, samples: [0.0015, 0.0016] } });
    if (!('result' in out)) throw new Error('expected a result');
    expect(numberField(out.result, 'median')).toBe(0.0015);
    expect(numbersField(out.result, 'samples')).toEqual([0.0015, 0.0016]);
    expect(numbersField(out.result, 'absent')).toEqual([]);
    expect(() => numberField(out.result, 'samples')).toThrow(/no number samples/);
  });

  it('reports a module the script could not import, and rejects output that is not a JSON object', () => {
    expect(parseScriptOutput('{"missing": "torch", "error": "No module named torch"}\n')).toEqual({ missing: 'torch' });
    expect(() => parseScriptOutput('')).toThrow(/printed nothing/);
    expect(() => parseScriptOutput('Traceback (most recent call last):\n')).toThrow(/no JSON/);
    expect(() => parseScriptOutput('[1, 2]\n')).toThrow(/not a JSON object/);
  });

  it('tells OpenBLAS from another BLAS', () => {
    const openblas = { libraries: ['/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so'], openblas: { config: 'OpenBLAS 0.3.21 SkylakeX', threads: 2 } };
    expect(blasField({ blas: openblas })).toEqual(openblas);
    expect(blasField({ blas: { libraries: ['/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0'], openblas: null } }).openblas).toBeNull();
    expect(blasField({})).toEqual({ libraries: [], openblas: null });
  });
});

describe('the PyTorch reference\'s input', () => {
  it('is a line of JSON and then the float64s, little-endian, x first', () => {
    const bytes = encodeProblem({ sizes: [2, 1], x: Float64Array.of(1, 2), labels: [0], weights: [Float64Array.of(0.5, -0.25), Float64Array.of(3)] }, 1, 1e-3, { minTime: 0.1, batches: 3, warmup: 0 });
    const newline = bytes.indexOf(10);
    expect(JSON.parse(bytes.subarray(0, newline).toString())).toEqual({ sizes: [2, 1], batch: 1, lr: 1e-3, labels: [0], minTime: 0.1, batches: 3, warmup: 0 });
    const body = bytes.subarray(newline + 1);
    expect(Array.from({ length: body.length / 8 }, (_, i) => body.readDoubleLE(i * 8))).toEqual([1, 2, 0.5, -0.25, 3]);
  });
});

describe('the TensorFlow.js references', () => {
  const fakeTf = (answer: boolean, running: string) => ({ setBackend: async () => answer, getBackend: () => running });

  it('refuse to time a backend other than the one a row names', async () => {
    await expect(useBackend(fakeTf(true, 'wasm'), 'wasm')).resolves.toBeUndefined();
    // setBackend answers false when wasm fails to start, and tfjs then runs on what it had.
    await expect(useBackend(fakeTf(false, 'cpu'), 'wasm')).rejects.toThrow(/did not switch to its wasm backend \(it runs on cpu\)/);
    await expect(useBackend(fakeTf(true, 'cpu'), 'wasm')).rejects.toThrow(/wasm/);
  });

  it('must compute adjoint\'s loss to float32\'s precision', () => {
    expect(() => checkSameLoss('g', 0.26899519, 0.26899520)).not.toThrow();
    // tfjs's LSTM with its default hardSigmoid gates gave 0.26944 against 0.26900.
    expect(() => checkSameLoss('g', 0.2689951931784883, 0.2694352865219116)).toThrow(/g: tfjs's initial loss 0.2694352865219116 is not adjoint's 0.2689951931784883/);
    expect(() => checkSameLoss('g', 1, NaN)).toThrow(/NaN/);
  });

  // Only where `npm run references` has installed TensorFlow.js.
  const withTf = hasTf() ? it : it.skip;

  withTf('include an LSTM with sigmoid gates, as adjoint\'s (tfjs defaults to hardSigmoid)', async () => {
    const tf = await loadTf();
    await useBackend(tf, 'wasm');
    const p = lstm.problem();
    const [ours, theirs] = [lstm.adjointModel(p).value(), lstm.tfModel(tf, p).value()];
    expect(Math.abs(ours - theirs)).toBeLessThan(1e-6 * ours);
  }, 60_000);
});
