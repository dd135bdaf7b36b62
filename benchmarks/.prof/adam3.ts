const n = 100480;
const w = new Float64Array(n).fill(0.1), g = new Float64Array(n).fill(0.01), m = new Float64Array(n), v = new Float64Array(n);
function upd(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, t: number, decoupled: boolean, wd: number) {
  const beta1 = 0.9, beta2 = 0.999, eps = 1e-8, lr = 1e-3;
  const c1 = 1 - beta1 ** t, c2 = 1 - beta2 ** t;
  const keep = decoupled ? 1 - lr * wd : 1;
  const coupled = decoupled ? 0 : wd;
  const a1 = 1 - beta1, a2 = 1 - beta2, stepSize = lr / c1, rootC2 = Math.sqrt(c2);
  for (let i = 0; i < w.length; i++) {
    const wi = w[i]! * keep;
    const gi = coupled === 0 ? g[i]! : g[i]! + wi * coupled;
    const mi = m[i]! * beta1 + gi * a1;
    const vi = v[i]! * beta2 + gi * gi * a2;
    m[i] = mi; v[i] = vi;
    w[i] = wi - (stepSize * mi) / (Math.sqrt(vi) / rootC2 + eps);
  }
}
function upd2(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, t: number, decoupled: boolean, wd: number) {
  const beta1 = 0.9, beta2 = 0.999, eps = 1e-8, lr = 1e-3;
  const c1 = 1 - beta1 ** t, c2 = 1 - beta2 ** t;
  const keep = decoupled ? 1 - lr * wd : 1;
  const coupled = decoupled ? 0 : wd;
  const a1 = 1 - beta1, a2 = 1 - beta2, stepSize = lr / c1, rootC2 = Math.sqrt(c2);
  const epsScaled = eps * rootC2;
  const s = stepSize * rootC2;
  for (let i = 0; i < w.length; i++) {
    const wi = w[i]! * keep;
    const gi = g[i]! + wi * coupled;
    const mi = m[i]! * beta1 + gi * a1;
    const vi = v[i]! * beta2 + gi * gi * a2;
    m[i] = mi; v[i] = vi;
    w[i] = wi - (s * mi) / (Math.sqrt(vi) + epsScaled);
  }
}
for (let r = 0; r < 3; r++) {
  let t0 = performance.now();
  for (let k = 1; k <= 500; k++) upd(w, g, m, v, k, false, 0);
  console.log('adam', ((performance.now() - t0) / 500).toFixed(3));
  t0 = performance.now();
  for (let k = 1; k <= 500; k++) upd2(w, g, m, v, k, false, 0);
  console.log('adam2', ((performance.now() - t0) / 500).toFixed(3));
}
