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

/** Where the arrays allocated while {@link collectAllocations} runs go (large ones only; null when not collecting). */
let collected: AllocationSink | null = null;

/** Receives each array of its own that {@link allocData} hands out while it is collecting. */
export interface AllocationSink {
  add(array: Float64Array): unknown;
}

/**
 * Large arrays that nothing refers to any more, by length, for {@link allocData} to hand out again.
 * A gradient array is the usual one: every training step drops and remakes one per parameter, and
 * each new ArrayBuffer counts towards the external memory that makes V8 run full collections.
 */
const spares = new Map<number, Float64Array[]>();
let spareBytes = 0;
/** Spares kept at most, in bytes: a few networks' worth of gradients. */
const SPARE_LIMIT = 64 * 1024 * 1024;

/** A zeroed Float64Array of `n` elements (a view into a shared slab when n is small). */
export function allocData(n: number): Float64Array {
  if (n > SMALL) return own(n, true);
  // Inline rather than a function of its own: this is most of the allocation of scalar workloads.
  if (used + n > SLAB) {
    slab = new ArrayBuffer(SLAB * 8);
    used = 0;
  }
  const out = new Float64Array(slab, used * 8, n);
  used += n;
  return out;
}

/**
 * A Float64Array of `n` elements whose values are unspecified (a reused array keeps its old
 * ones): for a kernel that writes every element, such as a matrix product, which need not pay for
 * zeroing first.
 */
export function allocForOverwrite(n: number): Float64Array {
  return n > SMALL ? own(n, false) : allocData(n);
}

/** An array with a buffer of its own: a spare of this length if there is one, else a new one. */
function own(n: number, zeroed: boolean): Float64Array {
  const spare = spares.get(n)?.pop();
  let out: Float64Array;
  if (spare === undefined) out = new Float64Array(n);
  else {
    spareBytes -= spare.byteLength;
    out = zeroed ? spare.fill(0) : spare;
  }
  collected?.add(out);
  return out;
}

/** Whether `a` is large enough to be an array of its own rather than a view into a slab. */
export function isPooled(a: Float64Array): boolean {
  return a.length > SMALL;
}

/**
 * Runs `fn`, adding to `into` every array of more than a few elements that kernels allocate
 * meanwhile: arrays nothing older than the call can refer to. With `into` null, nothing is
 * collected while `fn` runs, even inside an outer collection: a backward pass collects what core's
 * rules allocate (see memory-plan.ts), and what a user's rule allocates is the user's.
 */
export function collectAllocations<T>(into: AllocationSink | null, fn: () => T): T {
  const outer = setAllocationSink(into);
  try {
    return fn();
  } finally {
    setAllocationSink(outer);
  }
}

/**
 * Hands back an array from {@link allocData} that nothing refers to any more, for reuse by a later
 * result of the same length. The caller must be sure of that: whoever holds a reference would see
 * another tensor's values. Small arrays (slab views) and arrays over the limit are left to the collector.
 */
export function recycleData(a: Float64Array): void {
  if (!isPooled(a) || a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength) return;
  if (poisoning > 0) a.fill(Number.NaN);
  if (spareBytes + a.byteLength > SPARE_LIMIT) return;
  const list = spares.get(a.length);
  if (list === undefined) spares.set(a.length, [a]);
  else list.push(a);
  spareBytes += a.byteLength;
}

/**
 * Sets where allocations go (see {@link collectAllocations}) and returns the previous sink, for a
 * loop that would otherwise make a closure per iteration; the caller restores it in a `finally`.
 */
export function setAllocationSink(into: AllocationSink | null): AllocationSink | null {
  const outer = collected;
  collected = into;
  return outer;
}

let poisoning = 0;

/**
 * Runs `fn` with every array the engine takes back for reuse filled with NaN at once, so that any
 * later read of it through a tensor that still holds it — which must never happen — shows up as
 * NaN rather than as a plausible number. For testing the engine and op rules (gradcheck's
 * checkAllOps runs its comparison of the two backward paths this way); it costs a write of each
 * reused array.
 */
export function withPoisonedReuse<T>(fn: () => T): T {
  poisoning++;
  try {
    return fn();
  } finally {
    poisoning--;
  }
}
