import { tensor, Rng } from '@adjoint/core';
import { Adam } from '@adjoint/nn';
const rng = new Rng(1);
const shapes = [[784, 128], [128], [128, 10], [10]];
const params = shapes.map((s) => tensor(Float64Array.from({ length: s.reduce((a, b) => a * b) }, () => rng.uniform(-1, 1)), { shape: s, requiresGrad: true }));
for (const p of params) p.grad = tensor(Float64Array.from({ length: p.size }, () => rng.uniform(-1, 1)), { shape: p.shape });
const opt = new Adam(params, { lr: 1e-3 });
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  for (let k = 0; k < 500; k++) opt.step();
  console.log('Adam.step', ((performance.now() - t0) / 500).toFixed(3), 'ms');
}
