import { ValueError } from './errors';
import { requireSeed } from './arguments';
import { describeValue } from './shape';

/** The largest double below the finite number `x`. */
function below(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  const bits = new BigInt64Array(new Float64Array([x]).buffer);
  bits[0] += x > 0 ? -1n : 1n;
  return new Float64Array(bits.buffer)[0]!;
}

/**
 * A seeded, portable pseudo-random generator: xoshiro128** (Blackman & Vigna) seeded by
 * splitmix32. It uses only 32-bit integer arithmetic, so the same seed gives the same uniform
 * numbers on every JavaScript engine and machine. Normal draws use the Marsaglia polar method,
 * which needs `Math.log` and `Math.sqrt` only; `Math.sqrt` is exact everywhere and V8's `Math.log`
 * is the same fdlibm code on every platform, so Node and Chromium agree bit for bit.
 *
 * @example
 * const rng = new Rng(42);
 * rng.uniform();      // in [0, 1)
 * rng.normal(0, 1);
 * rng.int(0, 10);     // 0 … 9
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  /**
   * @param seed a whole number (up to ±2⁵³). A fraction is refused rather than truncated: 0.3 and
   *   0.7 would give the same stream, so every seed from `Math.random()` would train identically.
   * @throws ValueError for a fraction, NaN, ±∞ or a non-number.
   */
  constructor(seed: number = 0) {
    requireSeed('Rng', seed);
    // splitmix32 turns the low 32 bits of the seed into four well-mixed state words (never all
    // zero); the high bits are mixed into two of them, so seeds that differ only there still differ.
    const whole = Math.trunc(seed);
    const high = Math.floor(whole / 4294967296) >>> 0;
    let x = whole >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = (next() ^ Math.imul(high, 0x9e3779b9)) >>> 0;
    this.s2 = next();
    this.s3 = (next() ^ Math.imul(high, 0x85ebca6b)) >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next 32-bit unsigned integer of the stream. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A double in [0, 1) with 53 random bits; or in [lo, hi) when bounds are given. */
  uniform(lo = 0, hi = 1): number {
    if (!(Number.isFinite(lo) && Number.isFinite(hi))) throw new ValueError(`Rng.uniform: needs finite bounds, got ${String(lo)}, ${String(hi)}`);
    const a = this.nextUint32() >>> 5; // 27 bits
    const b = this.nextUint32() >>> 6; // 26 bits
    const u = (a * 67108864 + b) / 9007199254740992;
    const x = lo + (hi - lo) * u;
    // u < 1, but lo + (hi − lo)·u can round up to hi (u = 1 − 2⁻⁵³ in [1, 2)): hi is never drawn.
    return x < hi || !(lo < hi) ? x : below(hi);
  }

  /** A normal draw with the given mean and standard deviation. */
  normal(mean = 0, std = 1): number {
    if (!(Number.isFinite(mean) && std >= 0 && Number.isFinite(std))) {
      throw new ValueError(`Rng.normal: needs a finite mean and a finite std ≥ 0, got ${String(mean)}, ${String(std)}`);
    }
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return mean + std * u * f;
  }

  /** A uniform integer in [lo, hi) (or [0, lo) with one argument), without modulo bias. */
  int(lo: number, hi?: number): number {
    if (hi === undefined) [lo, hi] = [0, lo];
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi <= lo || hi - lo > 4294967296) {
      throw new ValueError(`Rng.int: needs integers lo < hi with hi - lo ≤ 2^32, got ${lo}, ${hi}`);
    }
    const range = hi - lo;
    const limit = 4294967296 - (4294967296 % range);
    let x: number;
    do x = this.nextUint32();
    while (x >= limit);
    return lo + (x % range);
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    if (!Array.isArray(items)) throw new ValueError(`Rng.shuffle: needs an array, got ${typeof items}`);
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  /** A random permutation of 0 … n-1. */
  permutation(n: number): number[] {
    if (!(Number.isInteger(n) && n >= 0)) throw new ValueError(`Rng.permutation: n must be a non-negative integer, got ${String(n)}`);
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /**
   * Where the stream is: the four 32-bit words of its state and the normal draw it holds back, as
   * plain data (JSON can carry it), for {@link Rng.setState} or {@link Rng.fromState} to go on from,
   * as a checkpoint would. It is a copy: later draws do not change it.
   */
  state(): RngState {
    return { words: [this.s0, this.s1, this.s2, this.s3], spare: this.spare };
  }

  /**
   * Puts this generator, in place, where the one that gave `state` (by {@link Rng.state}) was, so
   * that everything holding it (a layer's `rng`) goes on from there: `layer.rng.setState(saved)`.
   * Nothing of `state` is kept, so changing it afterwards changes nothing here.
   * @throws ValueError when `state` is not such a state (see {@link Rng.fromState}); the generator
   *   is then left as it was.
   */
  setState(state: RngState): void {
    this.restore(checkRngState('Rng.setState', state));
  }

  /**
   * A generator that goes on exactly where the one that gave `state` (by {@link Rng.state}) was.
   * @throws ValueError when `state` is not such a state: four whole numbers from 0 to 2³² − 1, not
   *   all 0, and a spare that is null or a finite number.
   */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.restore(checkRngState('Rng.fromState', state));
    return rng;
  }

  private restore({ words, spare }: RngState): void {
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number];
    this.spare = spare;
  }

  /** A new generator seeded from this one: independent streams for sub-tasks. */
  fork(): Rng {
    return new Rng(this.nextUint32() * 65536 + (this.nextUint32() >>> 16));
  }
}

/** An {@link Rng}'s position in its stream, from {@link Rng.state}. */
export interface RngState {
  /** xoshiro128**'s four state words, each a whole number from 0 to 2³² − 1. */
  readonly words: readonly number[];
  /** The second normal draw of the last polar-method pair, not yet returned; null when there is none. */
  readonly spare: number | null;
}

/**
 * @internal A copy of `state` if it is an {@link RngState}, else a ValueError naming `op`: four
 * whole numbers from 0 to 2³² − 1, not all 0 (xoshiro would stay at 0), and a spare that is null
 * or a finite number. The words are copied before they are checked, so a hole in the array reads
 * as undefined (every() would skip it) and a getter cannot give one value to the check and
 * another to the generator.
 */
export function checkRngState(op: string, state: unknown): RngState {
  const isObject = typeof state === 'object' && state !== null;
  const { words, spare } = (isObject ? state : {}) as Partial<RngState>;
  const copy: unknown[] = Array.isArray(words) && words.length === 4 ? Array.from(words) : [];
  const word = (w: unknown): boolean => Number.isInteger(w) && (w as number) >= 0 && (w as number) <= 0xffffffff;
  if (copy.length !== 4 || !copy.every(word) || copy.every((w) => w === 0)
      || !(spare === null || (typeof spare === 'number' && Number.isFinite(spare)))) {
    const got = isObject ? `words ${describeValue(words)} and spare ${describeValue(spare)}` : describeValue(state);
    throw new ValueError(`${op}: needs { words: four whole numbers from 0 to 2³² − 1, not all 0; spare: null or a finite number }, as Rng.state() gives, got ${got}`);
  }
  // >>> 0 turns a −0 word into 0, as the generator's own arithmetic would.
  return { words: copy.map((w) => (w as number) >>> 0), spare };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
