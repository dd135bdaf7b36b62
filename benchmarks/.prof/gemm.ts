import { gemm } from '../../packages/core/src/kernels/matmul';
const B = 64, I = 784, O = 128;
const x = Float64Array.from({ length: B * I }, Math.random), w = Float64Array.from({ length: I * O }, Math.random);
const out = new Float64Array(B * O), dW = new Float64Array(I * O), d = Float64Array.from({ length: B * O }, Math.random);
const big = new Float64Array(I * O + B * I);
function time(name: string, f: () => void) {
  for (let i = 0; i < 50; i++) f();
  const t0 = performance.now(); for (let i = 0; i < 300; i++) f();
  console.log(name, ((performance.now() - t0) / 300).toFixed(3), 'ms');
}
for (let r = 0; r < 2; r++) {
  time('fwd x·W', () => gemm(x, 0, w, 0, out, 0, B, O, I, false, false));
  time('dW = xᵀδ', () => gemm(x, 0, d, 0, dW, 0, I, O, B, true, false));
  time('dx = δWᵀ', () => gemm(d, 0, w, 0, x, 0, B, I, O, false, true));
  time('copy 1.2MB', () => { big.set(w, 0); big.set(x, I * O); });
  time('copy 0.8MB', () => { big.set(w, 0); });
}
