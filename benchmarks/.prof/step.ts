import { Rng, noGrad, tensor } from '@adjoint/core';
import { Adam, crossEntropy, mlp } from '@adjoint/nn';
const sizes = (process.env.SIZES ?? '784,128,10').split(',').map(Number);
const B = 64;
const rng = new Rng(11);
const x = tensor(Float64Array.from({ length: B * sizes[0]! }, () => rng.uniform(0, 1)), { shape: [B, sizes[0]!] });
const y = tensor(Array.from({ length: B }, () => rng.int(0, 10)));
const model = mlp(sizes, { seed: 1 });
const opt = new Adam(model.parameters(), { lr: 1e-3 });
const now = () => performance.now();
const T = { fwd: 0, bwd: 0, adam: 0, nograd: 0 };
const N = +(process.env.N ?? 400);
for (let it = 0; it < N + 50; it++) {
  const t0 = now();
  const loss = crossEntropy(model.forward(x), y);
  const t1 = now();
  loss.backward();
  const t2 = now();
  opt.step();
  opt.zeroGrad();
  const t3 = now();
  noGrad(() => crossEntropy(model.forward(x), y));
  const t4 = now();
  if (it >= 50) { T.fwd += t1 - t0; T.bwd += t2 - t1; T.adam += t3 - t2; T.nograd += t4 - t3; }
}
const f = (v: number) => (v / N).toFixed(3);
console.log(`fwd ${f(T.fwd)} bwd ${f(T.bwd)} adam ${f(T.adam)} nograd ${f(T.nograd)}  step/fwd ${((T.fwd + T.bwd + T.adam) / T.nograd).toFixed(2)}`);
