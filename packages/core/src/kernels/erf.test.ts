/**
 * erf and erfc (kernels/erf.ts) against values computed here in exact integer arithmetic, with
 * methods of their own: the Taylor series of erf (Abramowitz & Stegun 7.1.5) for |x| < 2, and
 * Laplace's continued fraction for erfc (A&S 7.1.14) from 2 on, each carried far beyond double
 * precision. A real r is the BigInt round(r·2^P) here; every double is exactly representable.
 */
import { erf, erfc } from './erf';
import { erf as erfOp, tensor } from '@adjoint/core';

const P = 320n;
const ONE = 1n << P;
const mul = (a: bigint, b: bigint): bigint => (a * b) >> P;
const div = (a: bigint, b: bigint): bigint => (a << P) / b;
const abs = (a: bigint): bigint => (a < 0n ? -a : a);

/** d = m·2^−e exactly, m an integer (every double is a dyadic rational). */
function parts(d: number): { m: bigint; e: bigint } {
  let m = d;
  let e = 0n;
  while (!Number.isInteger(m)) {
    m *= 2;
    e++;
  }
  return { m: BigInt(m), e };
}

/** The fixed-point value of a double, exact for |d| ≥ 2^−P. */
function fromDouble(d: number): bigint {
  const { m, e } = parts(d);
  return (m << P) >> e;
}

/** a/b in fixed point, from the doubles' exact values (a, b ≠ 0, of similar size). */
function ratio(a: number, b: number): bigint {
  const pa = parts(a);
  const pb = parts(b);
  return ((pa.m << (P + pb.e - pa.e)) / pb.m);
}

/** π by Machin's formula; 2/√π from it by Newton's method on integers. */
function atanInv(k: bigint): bigint {
  let term = ONE / k;
  let sum = term;
  for (let n = 1n; term !== 0n; n++) {
    term = -term / (k * k);
    sum += term / (2n * n + 1n);
  }
  return sum;
}
const PI = 16n * atanInv(5n) - 4n * atanInv(239n);
function isqrt(n: bigint): bigint {
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}
const SQRT_PI = isqrt(PI << P);
const TWO_OVER_SQRT_PI = div(2n * ONE, SQRT_PI);

/** eʸ for y ≥ 0 by its series (all terms positive). */
function expPositive(y: bigint): bigint {
  let term = ONE;
  let sum = ONE;
  for (let n = 1n; term !== 0n; n++) {
    term = mul(term, y) / n;
    sum += term;
  }
  return sum;
}

/**
 * erf(x)/x for |x| < 2 from t = x²: (2/√π) Σ (−1)ⁿ tⁿ/(n!(2n + 1)); the terms stay below 4, so 320
 * bits are plenty, and taken over x (not erf itself), tiny x (1e-300, below 2^−P) lose nothing.
 */
function erfOverXSeries(t: bigint): bigint {
  let power = ONE;
  let sum = ONE;
  for (let n = 1n; power !== 0n; n++) {
    power = -mul(power, t) / n;
    sum += power / (2n * n + 1n);
  }
  return mul(TWO_OVER_SQRT_PI, sum);
}

/** erf x for |x| < 2, by the series. */
const erfSeries = (x: bigint): bigint => mul(x, erfOverXSeries(mul(x, x)));

/**
 * e^{x²}·erfc x for x ≥ 2: 1/(√π·(x + ½/(x + 1/(x + (3/2)/(x + …))))), 400 levels (the error at
 * x = 2 is then far below 10⁻³⁰ relative); without the factor e^{−x²}, so it does not underflow.
 */
function scaledErfc(x: bigint): bigint {
  let f = x;
  for (let k = 400n; k >= 1n; k--) f = x + div((k * ONE) / 2n, f);
  return div(ONE, mul(SQRT_PI, f));
}

/** erfc x for 2 ≤ x ≤ 7 (where e^{−x²} is far above 2^−P). */
const erfcFraction = (x: bigint): bigint => div(scaledErfc(x), expPositive(mul(x, x)));

/** erf(x)/x (even, about 1.13 near 0), exact to about 10⁻⁹⁰: relative errors of erf are relative errors of this. */
function erfOverX(x: number): bigint {
  const a = fromDouble(Math.abs(x));
  if (Math.abs(x) < 2) return erfOverXSeries(mul(a, a));
  return div(ONE - erfcFraction(a), a);
}

/** |got/x − erf(x)/x| / (erf(x)/x) = |got − erf x| / |erf x|. */
function erfError(got: number, x: number): number {
  const want = erfOverX(x);
  return Number((abs(ratio(got, x) - want) * 10n ** 20n) / want) / 1e20;
}

/**
 * The relative error of `got` as erfc x. From 2 on, erfc x = e^{−x²}·F with F = 1/(√π·fraction) of
 * moderate size, and got·e^{x²} is compared with F, so values down to 10⁻³⁰⁰ keep their precision.
 */
function erfcError(got: number, x: number): number {
  let want: bigint;
  let have: bigint;
  if (x >= 2) {
    const a = fromDouble(x);
    want = scaledErfc(a);
    const { m, e } = parts(got);
    have = (m * expPositive(mul(a, a))) >> e;
  } else {
    const a = fromDouble(Math.abs(x));
    const e = Math.abs(x) < 2 ? erfSeries(a) : ONE - erfcFraction(a);
    want = x < 0 ? ONE + e : ONE - e;
    have = fromDouble(got);
  }
  return Number((abs(have - want) * 10n ** 20n) / want) / 1e20;
}

/** Points over the line: a fine grid, both sides of every boundary between the pieces, and small values. */
function points(): number[] {
  const out: number[] = [];
  for (let k = 0; k <= 2000; k++) out.push(-6.5 + k * 0.0065 + 1e-4 * Math.sin(k)); // not only round numbers
  for (const b of [0.75, 1, 1.25, 2, 6]) {
    for (const v of [b, b * (1 - 2 ** -52), b * (1 + 2 ** -52), b - 1e-9, b + 1e-9]) out.push(v, -v);
  }
  out.push(1e-300, -1e-300, 1e-20, 2 ** -28, 1e-8, 0.01, 0.3);
  return out;
}

describe('erf against values computed in exact arithmetic', () => {
  const xs = points();

  it('within 2e-16 relative over the whole line (the bound asked of it; about 1 ulp)', () => {
    const worst = { x: 0, error: 0 };
    for (const x of xs) {
      const error = erfError(erf(x), x);
      if (error > worst.error) Object.assign(worst, { x, error });
    }
    expect(worst.error).toBeLessThanOrEqual(2e-16);
    expect(worst.error).toBeGreaterThan(0); // the comparison sees rounding errors: it is not vacuous
  });

  it('the reference itself: the series and the continued fraction agree at 2, and give A&S Table 7.1 at 1', () => {
    const two = fromDouble(2);
    expect(abs(erfSeries(two) - (ONE - erfcFraction(two))) < ONE >> 100n).toBe(true);
    expect(abs(erfSeries(ONE) - (ONE * 842700792949715n) / 10n ** 15n) < ONE / (2n * 10n ** 15n)).toBe(true);
  });

  it('the op gives the kernel values, element for element', () => {
    const sample = xs.filter((_, i) => i % 7 === 0);
    expect(Array.from(erfOp(tensor(sample)).data)).toEqual(sample.map(erf));
  });
});

describe('erfc (which gelu uses) against values computed in exact arithmetic', () => {
  it('within 8e-16 relative (a few ulp) from −6 to 26, where erfc goes from 2 down to 10⁻²⁹⁶', () => {
    let worst = 0;
    for (let k = 0; k <= 1600; k++) {
      const x = -6 + k * 0.02 + 1e-4 * Math.sin(k);
      worst = Math.max(worst, erfcError(erfc(x), x));
    }
    expect(worst).toBeLessThanOrEqual(8e-16);
  });

  it('its limits: 2 at −∞, 0 at ∞ and beyond 27 (underflow), 1 at 0, NaN at NaN', () => {
    expect([erfc(-Infinity), erfc(Infinity), erfc(30), erfc(0), erfc(NaN)]).toEqual([2, 0, 0, 1, NaN]);
  });
});
