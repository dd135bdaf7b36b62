/** Shared by the kernel tests (src/kernels/*.test.ts): deterministic data and a host without WebAssembly. */

/** Tiny deterministic generator (32-bit LCG, Numerical Recipes constants): values in [-1, 1). */
export function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
}

/** `n` values from `next`, times `scale`. */
export function randomArray(n: number, next: () => number, scale = 1): Float64Array {
  return Float64Array.from({ length: n }, () => scale * next());
}

/**
 * The first index where x and y differ in any bit (−0 and 0, NaN payloads included), or −1; 0 when
 * their lengths differ. Much faster than Jest's toEqual on long arrays.
 */
export function firstDifference(x: Float64Array, y: Float64Array): number {
  if (x.length !== y.length) return 0;
  const [bx, by] = [new BigUint64Array(x.buffer, x.byteOffset, x.length), new BigUint64Array(y.buffer, y.byteOffset, y.length)];
  for (let i = 0; i < bx.length; i++) if (bx[i] !== by[i]) return i;
  return -1;
}

/**
 * Loads a fresh copy of a kernel module (so nothing is cached) and runs `body` on it, with the global
 * `WebAssembly` replaced by `replacement` (undefined: none at all) until `body` returns.
 */
export function withWebAssembly<M, T>(replacement: unknown, load: () => M, body: (mod: M) => T): T {
  const global = globalThis as { WebAssembly?: unknown };
  const original = global.WebAssembly;
  global.WebAssembly = replacement;
  try {
    let mod: M | undefined;
    jest.isolateModules(() => {
      mod = load();
    });
    return body(mod!);
  } finally {
    global.WebAssembly = original;
  }
}
