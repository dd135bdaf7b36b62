/**
 * ONNX Runtime for the export tests, when it is installed: onnxruntime-node is an optional
 * reference (`npm run references`), so it is loaded through require and typed here by the little
 * the tests use. Without it, `onnxRuntime` is null and the tests that need it say so and skip.
 */
import { Tensor, tensor } from '@adjoint/core';

interface OrtTensor {
  readonly data: ArrayLike<number | bigint>;
  readonly dims: readonly number[];
  readonly type: string;
}
interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options?: { logSeverityLevel?: number }): Promise<OrtSession> };
  Tensor: new (type: string, data: Float64Array | Float32Array | BigInt64Array, dims: readonly number[]) => OrtTensor;
}

function load(): OrtModule | null {
  try {
    return require('onnxruntime-node') as OrtModule;
  } catch {
    return null;
  }
}

/** onnxruntime-node, or null when it is not installed. */
export const onnxRuntime = load();

/** The one line a suite prints when ONNX Runtime is absent. */
export const ONNX_RUNTIME_MISSING = 'ONNX Runtime tests skipped: onnxruntime-node is not installed (npm run references installs it; CI does)';

/**
 * Runs an ONNX model on `inputs` (by input name; the first input when a single tensor is given) in
 * ONNX Runtime and returns every output as a float64 tensor, by name. `type` is the model's
 * element type; index inputs (an Embedding's) are passed as int64 when `type` is 'int64'.
 */
export async function runOnnx(model: Uint8Array, inputs: Tensor | Record<string, Tensor>, type: 'float64' | 'float32' | 'int64' = 'float64'): Promise<Record<string, Tensor>> {
  const ort = onnxRuntime;
  if (ort === null) throw new Error(ONNX_RUNTIME_MISSING);
  const session = await ort.InferenceSession.create(model, { logSeverityLevel: 3 });
  try {
    const named = inputs instanceof Tensor ? { [session.inputNames[0]!]: inputs } : inputs;
    const feeds: Record<string, OrtTensor> = {};
    for (const [name, t] of Object.entries(named)) {
      const data = type === 'float64' ? Float64Array.from(t.data) : type === 'float32' ? Float32Array.from(t.data) : BigInt64Array.from(t.data, (v) => BigInt(v));
      feeds[name] = new ort.Tensor(type, data, [...t.shape]);
    }
    const results = await session.run(feeds);
    const out: Record<string, Tensor> = {};
    for (const name of session.outputNames) {
      const r = results[name]!;
      out[name] = tensor(Float64Array.from(r.data, Number), { shape: [...r.dims] });
    }
    return out;
  } finally {
    await session.release();
  }
}
