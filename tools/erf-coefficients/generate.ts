/**
 * `node -r ./scripts/register-ts.cjs tools/erf-coefficients/generate.ts`: computes the constants of
 * core's erf and erfc (packages/core/src/kernels/erf.ts) and prints them as TypeScript, to be pasted
 * over the tables there (test/erf-coefficients.test.ts checks that they are these). Nothing here is copied from another implementation: every constant is
 * computed from its definition in exact integer arithmetic and rounded to the nearest double once.
 *
 * - The Taylor coefficients of erf at 0 (Abramowitz & Stegun 7.1.5):
 *   erf x = (2/√π) Σₙ (−1)ⁿ x²ⁿ⁺¹ / (n! (2n + 1)).
 * - Chebyshev interpolants (the near-minimax polynomials of Chebyshev approximation, as in the
 *   Chebyshev expansions of the error function published by Cody, 1969, and Schonfelder, 1978),
 *   each taken at 64 Chebyshev points of the first kind and cut where the remaining coefficients
 *   are below 2⁻⁶⁰ of the first:
 *   - erf x − K on [0.75, 1.25], K the double nearest erf 1, so that erf = K + (a small correction);
 *   - x·e^{x²}·erfc x as a function of t = (x − 2)/(x + 2) on [−0.375, 0.875], which is x from
 *     0.909… to 30 (erfc underflows before 27): in t the function is smooth enough there for about
 *     22 terms, where in x itself it takes 30 on [1, 6] alone.
 *
 * The arithmetic: a real r is the BigInt r·2^P rounded down, P = 1600 bits, enough for erfc x at
 * x = 30 computed as 1 − erf x: the terms of the Taylor sum grow to about e^{x²} ≈ 2¹²⁹⁸ there,
 * while erfc 30 ≈ 2⁻¹³⁰⁵, which is still known to about 290 bits after the cancellation.
 */

const P = 1600n;
const ONE = 1n << P;

const mul = (a: bigint, b: bigint): bigint => (a * b) >> P;
const div = (a: bigint, b: bigint): bigint => (a << P) / b;
const abs = (a: bigint): bigint => (a < 0n ? -a : a);

/** The exact fixed-point value of a double (every double is a dyadic rational). */
function fromDouble(d: number): bigint {
  if (d === 0) return 0n;
  let e = 0;
  let m = Math.abs(d);
  while (!Number.isInteger(m)) {
    m *= 2;
    e++;
  }
  const v = (BigInt(m) << P) >> BigInt(e);
  return d < 0 ? -v : v;
}

/** The double nearest a fixed-point value (ties to even), rounded once. */
function toDouble(v: bigint): number {
  if (v === 0n) return 0;
  const sign = v < 0n ? -1 : 1;
  let a = abs(v);
  const bits = a.toString(2).length;
  // Keep 64 bits and a sticky bit for everything below them, so that Number() rounds correctly.
  let shift = 0;
  if (bits > 64) {
    shift = bits - 64;
    const rest = a & ((1n << BigInt(shift)) - 1n);
    a = (a >> BigInt(shift)) | (rest === 0n ? 0n : 1n);
  }
  return sign * Number(a) * 2 ** (shift - Number(P));
}

/** arctan(1/k) by its series. */
function atanInv(k: bigint): bigint {
  let term = ONE / k;
  let sum = term;
  const k2 = k * k;
  for (let n = 1n; term !== 0n; n++) {
    term = -term / k2;
    sum += term / (2n * n + 1n);
  }
  return sum;
}

/** π by Machin's formula, π = 16 arctan(1/5) − 4 arctan(1/239). */
const PI = 16n * atanInv(5n) - 4n * atanInv(239n);

/** √a by Newton's method on integers. */
function sqrt(a: bigint): bigint {
  const n = a << P; // √(a·2^P · 2^P) = √a · 2^P
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** eʸ: the Taylor series at y/2ˢ < 1, squared s times. */
function exp(y: bigint): bigint {
  let s = 0;
  let r = y;
  while (abs(r) >= ONE) {
    r >>= 1n;
    s++;
  }
  let term = ONE;
  let sum = ONE;
  for (let n = 1n; term !== 0n; n++) {
    term = mul(term, r) / n;
    sum += term;
  }
  for (let i = 0; i < s; i++) sum = mul(sum, sum);
  return sum;
}

/** cos θ by its Taylor series (|θ| ≤ 2π). */
function cos(theta: bigint): bigint {
  const t2 = mul(theta, theta);
  let term = ONE;
  let sum = ONE;
  for (let n = 1n; term !== 0n; n++) {
    term = -mul(term, t2) / ((2n * n - 1n) * (2n * n));
    sum += term;
  }
  return sum;
}

const TWO_OVER_SQRT_PI = div(2n * ONE, sqrt(PI));

/** erf x by A&S 7.1.5, summed until the terms vanish at this precision. */
function erf(x: bigint): bigint {
  const x2 = mul(x, x);
  let power = x; // (−1)ⁿ x²ⁿ⁺¹/n!
  let sum = x;
  for (let n = 1n; power !== 0n; n++) {
    power = -mul(power, x2) / n;
    sum += power / (2n * n + 1n);
  }
  return mul(TWO_OVER_SQRT_PI, sum);
}

/** c₀/2 + Σ cⱼ Tⱼ(u) interpolating f at N Chebyshev points of [a, b] (u = (2x − a − b)/(b − a)). */
function chebyshev(f: (x: bigint) => bigint, a: bigint, b: bigint, N: number): bigint[] {
  // cos(π m / 2N) for every m the sums need (m = j(2k + 1) mod 4N).
  const cosines = Array.from({ length: 4 * N }, (_, m) => cos((PI * BigInt(m)) / BigInt(2 * N)));
  const mid = (a + b) / 2n;
  const half = (b - a) / 2n;
  const values = Array.from({ length: N }, (_, k) => f(mid + mul(half, cosines[(2 * k + 1) % (4 * N)]!)));
  return Array.from({ length: N }, (_, j) => {
    let s = 0n;
    for (let k = 0; k < N; k++) s += mul(values[k]!, cosines[(j * (2 * k + 1)) % (4 * N)]!);
    return (2n * s) / BigInt(N);
  });
}

/** The coefficients up to the last one of at least 2⁻⁶⁰ of the first, as doubles. */
function cut(c: bigint[]): number[] {
  const limit = abs(c[0]!) >> 60n;
  let n = c.length;
  while (n > 1 && abs(c[n - 1]!) < limit) n--;
  return c.slice(0, n).map(toDouble);
}

/** The constants of kernels/erf.ts, each the double nearest its exact value. */
export interface ErfTables {
  readonly EFX: number;
  readonly TAYLOR: readonly number[];
  readonly ERF_ONE: number;
  readonly MIDDLE: readonly number[];
  readonly TAIL: readonly number[];
}

/** Computes every table (about a second). */
export function erfTables(): ErfTables {
  // Taylor: erf x = x + x·(EFX + t·Σ TAYLOR[n]·tⁿ) with t = x², for |x| < 0.75, to 2⁻⁶⁰ of x there.
  const efx = TWO_OVER_SQRT_PI - ONE;
  const taylor: number[] = [];
  let factorial = 1n;
  for (let n = 1n; ; n++) {
    factorial *= n;
    const c = TWO_OVER_SQRT_PI / (factorial * (2n * n + 1n));
    if (toDouble(c) * 0.5625 ** Number(n) < 2 ** -60) break;
    taylor.push(toDouble(n % 2n === 1n ? -c : c));
  }

  const K = toDouble(erf(ONE));
  const kFixed = fromDouble(K);
  const middle = cut(chebyshev((x) => erf(x) - kFixed, fromDouble(0.75), fromDouble(1.25), 64));

  // x·e^{x²}·erfc x at x = 2(1 + t)/(1 − t).
  const tail = cut(
    chebyshev(
      (t) => {
        const x = div(2n * (ONE + t), ONE - t);
        return mul(x, mul(exp(mul(x, x)), ONE - erf(x)));
      },
      fromDouble(-0.375),
      fromDouble(0.875),
      64,
    ),
  );
  return { EFX: toDouble(efx), TAYLOR: taylor, ERF_ONE: K, MIDDLE: middle, TAIL: tail };
}

const list = (name: string, values: readonly number[]): string => `const ${name} = [\n${values.map((v) => `  ${v},`).join('\n')}\n];`;

if (require.main === module) {
  const t = erfTables();
  console.log(`// Generated by tools/erf-coefficients/generate.ts.`);
  console.log(`const EFX = ${t.EFX}; // 2/√π − 1`);
  console.log(list('TAYLOR', t.TAYLOR));
  console.log(`const ERF_ONE = ${t.ERF_ONE}; // the double nearest erf 1`);
  console.log(list('MIDDLE', t.MIDDLE));
  console.log(list('TAIL', t.TAIL));
}
