/**
 * The log-gamma function and its derivatives, digamma ψ = (ln Γ)′ and polygamma ψ⁽ⁿ⁾, in float64.
 * JavaScript has none of them. Each is evaluated where it is smooth and slowly varying — for large
 * arguments, by its asymptotic (Stirling) series — and brought there by the recurrences
 * Γ(x + 1) = xΓ(x), ψ(x + 1) = ψ(x) + 1/x, ψ⁽ⁿ⁾(x + 1) = ψ⁽ⁿ⁾(x) + (−1)ⁿ n!/xⁿ⁺¹, with reflection
 * at negative arguments, and for ln Γ a series of its own near its zeros at 1 and 2.
 */

/** B₂, B₄, …, B₂₀: the Bernoulli numbers of the asymptotic series. */
const BERNOULLI = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798, -174611 / 330];

/** Where the series take over: their first omitted term is below 1e-17 relative from here on. */
const ASYMPTOTIC = 20;

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** Whether x is a pole of Γ and ψ: 0, −1, −2, … (−∞ included). */
const isPole = (x: number): boolean => x <= 0 && Math.floor(x) === x;

/**
 * ln |Γ(x)|, as C's lgamma and PyTorch's: +∞ at the poles (0, −1, −2, …) and at ±∞.
 */
export function lgamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (isPole(x) || x === Infinity) return Infinity;
  // Γ(x) = 1/x − γ + O(x): below 1e−17 the rest is under an ulp (and π/sin πx would overflow for subnormals).
  if (Math.abs(x) < 1e-17) return -Math.log(Math.abs(x));
  // Reflection: Γ(x)Γ(1 − x) = π / sin(πx).
  if (x < 0.5) return Math.log(Math.PI / Math.abs(sinPi(x))) - lgamma(1 - x);
  // Near the zeros at 1 and 2, a series in x − 1 (or x − 2) keeps the relative accuracy that
  // subtracting two values near 39 below would lose.
  if (x <= 1.5) return lgammaNearOne(x - 1);
  if (x < 8) {
    // Down to (1.5, 2.5] by ln Γ(x) = ln(x − 1) + ln Γ(x − 1): sums of logs, where the series
    // below 8 would subtract values near 39 to leave one near 1.
    let logs = 0;
    for (; x > 2.5; x--) logs += Math.log(x - 1);
    return lgammaNearOne(x - 2) + Math.log1p(x - 2) + logs;
  }
  let shift = 0;
  let product = 1;
  while (x < ASYMPTOTIC) {
    product *= x;
    x += 1;
    if (product > 1e290) {
      shift += Math.log(product);
      product = 1;
    }
  }
  shift += Math.log(product);
  // Stirling: ln Γ(x) = (x − ½) ln x − x + ½ ln 2π + Σ B₂ₖ / (2k(2k − 1) x²ᵏ⁻¹).
  const inv = 1 / x;
  const inv2 = inv * inv;
  let series = 0;
  let power = inv;
  for (let k = 1; k <= 8; k++) {
    series += BERNOULLI[k - 1]! / (2 * k * (2 * k - 1)) * power;
    power *= inv2;
  }
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_TWO_PI + series - shift;
}

/** ζ(k) − 1 for k = 2 … 11; beyond, Σₙ₌₂ n⁻ᵏ converges in a few dozen terms. */
const ZETA_MINUS_ONE = [0.64493406684822643647, 0.2020569031595942854, 0.082323233711138191516, 0.036927755143369926331, 0.017343061984449139715,
  0.0083492773819228268398, 0.0040773561979443393787, 0.0020083928260822144179, 0.00099457512781808533715, 0.0004941886041194645587];

const EULER_GAMMA = 0.57721566490153286061;

/** ζ(k) − 1 for k = 2 … 40 (the series below takes 40 terms). */
const ZETA_TAIL = Array.from({ length: 39 }, (_, i) => {
  const k = i + 2;
  if (k <= 11) return ZETA_MINUS_ONE[k - 2]!;
  let sum = 0;
  for (let n = 60; n >= 2; n--) sum += Math.pow(n, -k); // smallest first
  return sum;
});

/**
 * ln Γ(1 + z) for |z| ≤ ½: −ln(1 + z) + (1 − γ)z + Σₖ₌₂ (−1)ᵏ (ζ(k) − 1) zᵏ/k, whose terms shrink
 * like (z/2)ᵏ.
 */
function lgammaNearOne(z: number): number {
  let series = 0;
  for (let k = 40; k >= 2; k--) series = series * z + ((k % 2 === 0 ? 1 : -1) * ZETA_TAIL[k - 2]!) / k;
  return -Math.log1p(z) + (1 - EULER_GAMMA) * z + series * z * z;
}

/**
 * sin(πx), from x's distance d to the nearest integer k (exact: x − k loses nothing) as
 * (−1)ᵏ sin(πd), so that it keeps its relative accuracy next to the integers, where Math.sin(π·x)
 * would have only the rounding of π·x left.
 */
function sinPi(x: number): number {
  const k = Math.round(x);
  const s = Math.sin(Math.PI * (x - k));
  return k % 2 === 0 ? s : -s;
}

/** cot(πx) for x not an integer, from x's distance to the nearest integer (cot has period 1), as {@link sinPi}. */
function cotPi(x: number): number {
  const d = x - Math.round(x);
  return d === 0.5 || d === -0.5 ? 0 : Math.cos(Math.PI * d) / Math.sin(Math.PI * d);
}

/**
 * ψ(x) = Γ′(x)/Γ(x), as PyTorch's digamma: −∞ at +0, +∞ at −0, NaN at the negative integers and
 * at −∞, +∞ at +∞.
 */
export function digamma(x: number): number {
  if (Number.isNaN(x) || x === -Infinity) return NaN;
  if (x === 0) return Object.is(x, -0) ? Infinity : -Infinity;
  if (isPole(x)) return NaN;
  if (x === Infinity) return Infinity;
  // Reflection: ψ(1 − x) − ψ(x) = π cot(πx).
  if (x < 0.5) return digamma(1 - x) - Math.PI * cotPi(x);
  let shift = 0;
  while (x < ASYMPTOTIC) {
    shift += 1 / x;
    x += 1;
  }
  // ψ(x) = ln x − 1/(2x) − Σ B₂ₖ / (2k x²ᵏ).
  const inv2 = 1 / (x * x);
  let series = 0;
  let power = inv2;
  for (let k = 1; k <= 8; k++) {
    series += BERNOULLI[k - 1]! / (2 * k) * power;
    power *= inv2;
  }
  return Math.log(x) - 0.5 / x - series - shift;
}

/** Pₙ's coefficients (lowest power first) for each n met so far: built once, not per element. */
const COT_POLYNOMIALS: number[][] = [[0, 1]];

function cotPolynomial(n: number): readonly number[] {
  while (COT_POLYNOMIALS.length <= n) {
    const p = COT_POLYNOMIALS[COT_POLYNOMIALS.length - 1]!;
    const next = new Array<number>(p.length + 1).fill(0);
    for (let i = 1; i < p.length; i++) {
      const derivative = p[i]! * i; // of cⁱ⁻¹ in Pₖ′
      next[i - 1]! -= derivative;
      next[i + 1]! -= derivative;
    }
    COT_POLYNOMIALS.push(next);
  }
  return COT_POLYNOMIALS[n]!;
}

/**
 * Pₙ(c), where dⁿ/dyⁿ cot y = Pₙ(cot y): P₀(c) = c and Pₖ₊₁ = −(1 + c²)Pₖ′, a polynomial built up
 * coefficient by coefficient.
 */
function cotDerivative(n: number, c: number): number {
  const p = cotPolynomial(n);
  let value = p[p.length - 1]!; // not 0·c first, which is NaN for an infinite c (next to a pole)
  for (let i = p.length - 2; i >= 0; i--) value = value * c + p[i]!;
  return value;
}

/**
 * ψ⁽ⁿ⁾(x), the n-th derivative of ψ, for n = 1, 2, …: (−1)ⁿ⁺¹ n! Σₖ 1/(x + k)ⁿ⁺¹. At the poles
 * (0, −1, −2, …) +∞ for odd n, whose two sides both tend to +∞, and NaN for even n, whose do not;
 * 0 at +∞ and NaN at −∞.
 */
export function polygamma(n: number, x: number): number {
  if (Number.isNaN(x) || x === -Infinity) return NaN;
  if (x === Infinity) return 0;
  if (isPole(x)) return n % 2 === 1 ? Infinity : NaN;
  // Reflection, the n-th derivative of ψ(1 − x) − ψ(x) = π cot(πx): the recurrence from a negative x
  // would take |x| steps, and its terms would cancel in pairs around 0.
  if (x < 0) return (n % 2 === 0 ? 1 : -1) * polygamma(n, 1 - x) - Math.pow(Math.PI, n + 1) * cotDerivative(n, cotPi(x));
  const sign = n % 2 === 1 ? 1 : -1;
  let factorial = 1;
  for (let k = 2; k <= n; k++) factorial *= k;
  // Up the recurrence to where the series holds: Σ over the steps of 1/(x + k)ⁿ⁺¹.
  const start = ASYMPTOTIC + n;
  let shift = 0;
  while (x < start) {
    shift += Math.pow(x, -(n + 1));
    x += 1;
  }
  // ψ⁽ⁿ⁾(x) = (−1)ⁿ⁺¹ [ (n − 1)!/xⁿ + n!/(2xⁿ⁺¹) + Σ B₂ₖ (2k + n − 1)!/((2k)! x²ᵏ⁺ⁿ) ].
  const inv = 1 / x;
  let series = factorial / n * Math.pow(inv, n) + factorial / 2 * Math.pow(inv, n + 1);
  let coefficient = factorial / n; // (2k + n − 1)!/(2k)!, built up k by k
  let power = Math.pow(inv, n + 2);
  for (let k = 1; k <= 10; k++) {
    coefficient *= ((2 * k + n - 2) * (2 * k + n - 1)) / ((2 * k - 1) * (2 * k));
    series += BERNOULLI[k - 1]! * coefficient * power;
    power *= inv * inv;
  }
  return sign * (series + factorial * shift);
}
