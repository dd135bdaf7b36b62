const n = 100480;
const w = new Float64Array(n).fill(0.1), g = new Float64Array(n).fill(0.01), m = new Float64Array(n), v = new Float64Array(n);
function upd(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, t: number) {
  const beta1 = 0.9, beta2 = 0.999, eps = 1e-8, lr = 1e-3;
  const c1 = 1 - beta1 ** t, c2 = 1 - beta2 ** t;
  const a1 = 1 - beta1, a2 = 1 - beta2, stepSize = lr / c1, rootC2 = Math.sqrt(c2);
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]!;
    const mi = m[i]! * beta1 + gi * a1;
    const vi = v[i]! * beta2 + gi * gi * a2;
    m[i] = mi; v[i] = vi;
    w[i] = w[i]! - (stepSize * mi) / (Math.sqrt(vi) / rootC2 + eps);
  }
}
function copy(a: Float64Array, b: Float64Array) { for (let i = 0; i < a.length; i++) a[i] = b[i]! * 0.5; }
for (let r = 0; r < 3; r++) {
  let t0 = performance.now();
  for (let k = 1; k <= 500; k++) upd(w, g, m, v, k);
  console.log('adam', ((performance.now() - t0) / 500).toFixed(3), 'ms', ((performance.now() - t0) / 500 / n * 1e6).toFixed(2), 'ns/el');
  t0 = performance.now();
  for (let k = 1; k <= 500; k++) copy(w, g);
  console.log('scale-copy', ((performance.now() - t0) / 500).toFixed(3), 'ms');
  t0 = performance.now();
  for (let k = 1; k <= 500; k++) { const f = new Float64Array(n); copy(f, g); }
  console.log('fresh+copy', ((performance.now() - t0) / 500).toFixed(3), 'ms');
}
