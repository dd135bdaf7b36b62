/**
 * Memory for tensor data. Every Float64Array of its own costs about 200 bytes of heap beside its
 * elements (the array object and its ArrayBuffer), which dominates a graph of scalar tensors; so
 * small arrays are views carved from a shared 8 KiB slab, as Node does for small Buffers. A view
 * keeps its slab alive, which bounds the waste at one slab per long-lived small tensor.
 */

/** Arrays of at most this many elements share a slab. */
const SMALL = 8;
/** Elements per slab (8 KiB). */
const SLAB = 1024;

let slab = new ArrayBuffer(SLAB * 8);
let used = 0;

/** Arrays allocated while {@link collectAllocations} runs (large ones only; null when not collecting). */
let collected: Set<Float64Array> | null = null;

/** A zeroed Float64Array of `n` elements (a view into a shared slab when n is small). */
export function allocData(n: number): Float64Array {
  if (n > SMALL) {
    const out = new Float64Array(n);
    collected?.add(out);
    return out;
  }
  if (used + n > SLAB) {
    slab = new ArrayBuffer(SLAB * 8);
    used = 0;
  }
  const out = new Float64Array(slab, used * 8, n);
  used += n;
  return out;
}

/**
 * Runs `fn` and returns, with its result, every array of more than a few elements that kernels
 * allocated meanwhile: arrays nothing older than the call can refer to. A backward pass uses this
 * to hand such gradient arrays to the leaves instead of copying them.
 */
export function collectAllocations<T>(fn: () => T): [T, Set<Float64Array>] {
  const outer = collected;
  const mine = new Set<Float64Array>();
  collected = mine;
  try {
    return [fn(), mine];
  } finally {
    collected = outer;
  }
}
