/**
 * The browser bundles at work, one small job each: core differentiates, nn trains, gradcheck
 * checks a gradient against finite differences (which needs fast-check in the browser too). The
 * results go into the page as JSON for test/browser.test.ts, which compares them with what the
 * same code gives in Node.
 */
import { grad, randn, setMatmulBackend, tensor, wasmKernelsAvailable } from '@adjoint/core';
import { fit, mlp, predict } from '@adjoint/nn';
import { checkGrad } from '@adjoint/gradcheck';

function run(): Record<string, unknown> {
  // core: d/dx exp(x²) = 2x·exp(x²) at 0.5, and a matrix gradient.
  const derivative = grad((x) => x.square().exp())(0.5).item();
  const w = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  w.matmul(w).sum().backward();

  // nn: the XOR gate of the course notes, learned by a small tanh network.
  const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = tensor([[0], [1], [1], [0]]);
  const model = mlp([2, 8, 1], { activation: 'tanh', seed: 1 });
  const history = fit(model, { x, y, loss: 'binaryCrossEntropy', optimizer: 'adam', lr: 0.05, epochs: 300, batchSize: 4, progress: false });
  const xorPredictions = Array.from(predict(model, x).data, (z) => (z > 0 ? 1 : 0));

  // core's WebAssembly matrix product runs here, and gives the TypeScript kernel's bits.
  const a = randn([64, 48], { seed: 2 });
  const b = randn([48, 40], { seed: 3 });
  const previous = setMatmulBackend('wasm');
  const viaWasm = a.matmul(b).data;
  setMatmulBackend('js');
  const viaJs = a.matmul(b).data;
  setMatmulBackend(previous);

  // gradcheck: reverse and forward mode against central differences.
  const report = checkGrad((t) => t.sin().mul(t).sum(), [tensor([0.1, 0.2, 0.3])]);

  return {
    derivative,
    matrixGrad: w.grad!.toArray(),
    finalLoss: history.loss.at(-1),
    xorPredictions,
    checkGradOk: report.ok,
    webAssembly: typeof WebAssembly === 'object',
    wasmKernels: wasmKernelsAvailable(),
    wasmMatchesJs: viaWasm.every((v, i) => Object.is(v, viaJs[i])),
  };
}

const out = document.querySelector('[data-testid="bundle-result"]')!;
try {
  out.textContent = JSON.stringify(run(), null, 2);
} catch (error) {
  out.textContent = `failed: ${(error as Error).stack ?? String(error)}`;
  throw error;
}
