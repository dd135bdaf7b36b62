/**
 * References for gammaln, digamma and polygamma by other means than kernels/gamma.ts's: ln Γ by
 * Lanczos's approximation (g = 7, nine terms), ψ by recurring further up (to 40) before its
 * asymptotic series, ψ⁽ⁿ⁾ by summing the recurrence from x itself, negative x included, where the
 * kernel reflects (the fuzz draws |x| ≤ 10 and a few special values, where the sum keeps enough
 * digits). The conventions at the poles and at ±∞ are adjoint's documented ones.
 */

const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

const isPole = (x: number): boolean => x <= 0 && Math.floor(x) === x;

/** sin(πx) and cot(πx) from x's distance d to the nearest integer k. */
function sinPi(x: number): number {
  const k = Math.round(x);
  return (k % 2 === 0 ? 1 : -1) * Math.sin(Math.PI * (x - k));
}
function cotPi(x: number): number {
  const d = x - Math.round(x);
  return 1 / Math.tan(Math.PI * d);
}

export function gammalnRef(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (isPole(x) || Math.abs(x) === Infinity) return Infinity;
  if (Math.abs(x) < 1e-17) return -Math.log(Math.abs(x)); // Γ(x) ≈ 1/x; π/sin πx would overflow for subnormals
  if (x < 0.5) return Math.log(Math.PI / Math.abs(sinPi(x))) - gammalnRef(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  for (let k = 1; k < 9; k++) a += LANCZOS[k]! / (z + k);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

export function digammaRef(x: number): number {
  if (Number.isNaN(x) || x === -Infinity) return NaN;
  if (x === 0) return Object.is(x, -0) ? Infinity : -Infinity;
  if (isPole(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (x < 0.5) return digammaRef(1 - x) - Math.PI * cotPi(x);
  let shift = 0;
  for (; x < 40; x++) shift += 1 / x;
  const i2 = 1 / (x * x);
  return Math.log(x) - 0.5 / x - i2 * (1 / 12 - i2 * (1 / 120 - i2 * (1 / 252 - i2 * (1 / 240 - i2 / 132)))) - shift;
}

/** ψ⁽ⁿ⁾ for n ≥ 1: the sum over the recurrence's steps and the series' first terms, from 40 + n. */
export function polygammaRef(n: number, x: number): number {
  if (Number.isNaN(x) || x === -Infinity) return NaN;
  if (x === Infinity) return 0;
  if (isPole(x)) return n % 2 === 1 ? Infinity : NaN;
  let factorial = 1;
  for (let k = 2; k <= n; k++) factorial *= k;
  let shift = 0;
  for (; x < 40 + n; x++) shift += 1 / Math.pow(x, n + 1);
  // (n − 1)!/xⁿ + n!/(2xⁿ⁺¹) + Σ B₂ₖ (2k + n − 1)!/((2k)! x²ᵏ⁺ⁿ), k = 1…4
  const bernoulli = [1 / 6, -1 / 30, 1 / 42, -1 / 30];
  let series = factorial / n / Math.pow(x, n) + factorial / 2 / Math.pow(x, n + 1);
  for (let k = 1; k <= 4; k++) {
    let c = 1;
    for (let m = 2 * k + 1; m <= 2 * k + n - 1; m++) c *= m; // (2k + n − 1)!/(2k)!
    series += bernoulli[k - 1]! * c / Math.pow(x, 2 * k + n);
  }
  return (n % 2 === 1 ? 1 : -1) * (series + factorial * shift);
}
