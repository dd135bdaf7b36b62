function upd3(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, t: number, decoupled: boolean, wd: number) {
  const beta1 = 0.9, beta2 = 0.999, eps = 1e-8, lr = 1e-3;
  const c1 = 1 - beta1 ** t, c2 = 1 - beta2 ** t;
  const keep = decoupled ? 1 - lr * wd : 1;
  const coupled = decoupled ? 0 : wd;
  const inv = 1 / Math.sqrt(c2); const a1 = 1 - beta1, a2 = 1 - beta2, stepSize = lr / c1, rootC2 = Math.sqrt(c2);
  for (let i = 0; i < w.length; i++) {
    const wi = w[i]! * keep;
    const gi = coupled === 0 ? g[i]! : g[i]! + wi * coupled;
    const mi = m[i]! * beta1 + gi * a1;
    const vi = v[i]! * beta2 + gi * gi * a2;
    m[i] = mi; v[i] = vi;
    w[i] = wi - (stepSize * mi) / (Math.sqrt(vi) * inv + eps);
  }
}
