/**
 * Adam's update as a kernel: one fused pass over a parameter's weights, its gradient and its two
 * moment estimates, in place. nn's Adam optimizer is its user; it lives here, beside the other
 * kernels, because it has a WebAssembly SIMD version (wasm/adam.wat) with the same fallback rules.
 *
 * The WebAssembly loop is about three times faster than the best JavaScript for it, but only if
 * the moment estimates stay in its memory: copying all four arrays in and three out each step
 * costs about what it saves. So {@link adamMoments} allocates an optimizer's moments once, in the
 * memory of a kernel instance of their own (which never grows afterwards, so the views stay
 * valid), and {@link adamUpdate} recognises them there and only copies the weights and gradient in
 * and the weights out. Moments from anywhere else are updated by adamUpdateJs. An optimizer that
 * checks every gradient for NaN and ±∞ before updating anything can copy each gradient in first
 * and check it there ({@link adamStageGradient}): three to five times faster than the check in
 * JavaScript, and the update then reads the copy.
 *
 * For an optimizer with a large parameter, that memory is shared where the host allows it (Node; a
 * cross-origin isolated page), and such a parameter's update is split into ranges of elements that
 * worker threads run at once, as the matrix products are (threads.ts). The loop is bound by memory
 * traffic, so a second thread takes 15–25% off, not half; copies into a shared memory are slower in
 * V8, so small optimizers keep an ordinary one.
 */
import { ShapeError, ValueError } from '../errors';
import { MAX_SIZE, describeValue } from '../shape';
import { requireKernel } from '../arguments';
import { KernelThreads } from './threads';
import { adamSharedWasmBytes, adamWasmBytes } from './wasm/adam.generated';
import { WASM_MAX_BYTES, WASM_PAGE, wasmModuleInstances, type WasmModuleWithMemory } from './wasm/load';

/**
 * The numbers of one Adam update of one parameter (see {@link adamUpdate} for the formula), as
 * {@link adamCoefficients} gives them: `stepSize` = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ) and `eps` = ε·√(1 − β₂ᵗ),
 * so that no bias-corrected moment is ever formed.
 */
export interface AdamCoefficients {
  readonly beta1: number;
  readonly beta2: number;
  readonly stepSize: number;
  readonly eps: number;
  /** Factor on the weights before the update: 1 − ηλ for decoupled weight decay (AdamW), else 1. */
  readonly keep: number;
  /** λ of coupled (L2) weight decay, added to the gradient as λw; 0 without. */
  readonly coupled: number;
}

/** Adam's hyperparameters, as {@link adamCoefficients} takes them. */
export interface AdamSettings {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** λ (default 0). */
  readonly weightDecay?: number;
  /** Decay the weights directly (AdamW) rather than through the gradient (default false). */
  readonly decoupled?: boolean;
}

/**
 * The coefficients of a parameter's t-th update (t = 1, 2, …) with learning rate `lr`.
 * η·m̂/(√v̂ + ε) with m̂ = m/(1 − β₁ᵗ) and v̂ = v/(1 − β₂ᵗ) equals η·(√c2/c1)·m/(√v + ε√c2) with
 * c1 = 1 − β₁ᵗ, c2 = 1 − β₂ᵗ: Kingma & Ba's "more efficient" ordering (section 2 of the paper),
 * with ε scaled so that the result is the same. One square root and one division per element
 * instead of a square root and two.
 */
export function adamCoefficients(t: number, lr: number, settings: AdamSettings): AdamCoefficients {
  const { beta1, beta2, eps, weightDecay = 0, decoupled = false } = settings;
  const rootC2 = Math.sqrt(1 - beta2 ** t);
  return {
    beta1, beta2,
    stepSize: (lr * rootC2) / (1 - beta1 ** t),
    eps: eps * rootC2,
    keep: decoupled ? 1 - lr * weightDecay : 1,
    coupled: decoupled ? 0 : weightDecay,
  };
}

/**
 * An Adam update from outside core, such as `@adjoint/blas`'s native one, installed with
 * {@link setAdamKernel}: {@link adamUpdate}'s contract, in place on the caller's arrays (so nothing
 * is copied), giving bit for bit the results of core's own update. Called only with arrays of one
 * length, no two of which share memory.
 */
export interface AdamKernel {
  /** Names the kernel in messages and benchmarks. */
  readonly name: string;
  /** {@link adamUpdate}'s formula, element by element, writing `w`, `m` and `v` and only reading `g`. */
  update(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, c: AdamCoefficients): void;
  /**
   * Whether the square of every element of `x` is finite: no NaN or ±∞, and no |x| ≥ 2⁵¹²
   * (about 1.3·10¹⁵⁴), whose square overflows, so that the update's v cannot become ∞.
   */
  squaresFinite(x: Float64Array): boolean;
}

let external: AdamKernel | null = null;

/**
 * Installs an Adam update kernel from outside core (or, with null, removes it) and returns the
 * previous one. While one is installed, {@link adamUpdate} runs it on the caller's arrays wherever
 * its moments live, and {@link adamStageGradient} checks gradients with it where they are, copying
 * nothing. Results do not change: the kernel must give core's own update's bits.
 * @throws ValueError for anything but null or an object with a name, `update` and `squaresFinite`.
 */
export function setAdamKernel(kernel: AdamKernel | null): AdamKernel | null {
  const previous = external;
  external = requireKernel('setAdamKernel', kernel, ['update', 'squaresFinite']);
  return previous;
}

/** Whether two arrays share any element's memory. */
function overlapping(x: Float64Array, y: Float64Array): boolean {
  return x.buffer === y.buffer && x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
}

/** The installed kernel, when it may take these arrays: of one length (checked before) and no two sharing memory. */
function externalFor(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array): AdamKernel | null {
  if (external === null || w.length === 0) return null;
  const arrays = [w, g, m, v];
  for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) if (overlapping(arrays[i]!, arrays[j]!)) return null;
  return external;
}

/** One parameter's moment estimates. */
export interface AdamMoments {
  readonly m: Float64Array;
  readonly v: Float64Array;
}

interface AdamExports {
  /** 1 when the squares of all n doubles at byte offset p are finite, else 0 (see wasm/adam.wat). */
  squares_finite(p: number, n: number): number;
  /**
   * Adam for elements start ≤ i < end (start even) of the arrays at byte offsets w, g, m, v (16-byte
   * aligned), with the coefficients as eight doubles at byte offset c (see wasm/adam.wat).
   */
  adam_range(w: number, g: number, m: number, v: number, start: number, end: number, c: number): void;
}

/**
 * A kernel instance holding some optimizer's moments: the coefficients of the current update at 0,
 * then scratch for the weights (as large as the largest parameter), then a gradient slot for each
 * parameter, then the moments.
 */
interface Resident {
  /** The module, its memory and this thread's instance. */
  readonly compiled: WasmModuleWithMemory;
  readonly kernel: AdamExports;
  /** The whole memory, as doubles. */
  readonly heap: Float64Array;
  /** Each parameter's moments as placed (byte offsets of `v` and of its gradient slot, its length), by the byte offset of its `m`. */
  readonly slots: ReadonlyMap<number, { readonly vAt: number; readonly gradientAt: number; readonly n: number }>;
  /** Worker threads over the memory, made when first needed; null until then, and for good where the memory is not shared. */
  threads: KernelThreads | null;
  /** The gradient each slot (by byte offset) holds a copy of, from adamStageGradient since its parameter's last update. */
  readonly staged: Map<number, Float64Array>;
}

/** Byte offsets of the coefficients and of the weights' scratch in a Resident's memory. */
const COEFFICIENTS_AT = 0;
const WEIGHTS_AT = 64;
/** Index of adam_range among the exports given to a Resident's KernelThreads. */
const ADAM_RANGE = 0;
/**
 * The fewest elements a thread is handed: a parameter is split between at most n / MIN_RANGE
 * threads, so one of fewer than twice this stays on the calling thread. Below it, waking a worker
 * costs about what it saves (the loop takes some 2–3 ns an element).
 */
const MIN_RANGE = 1 << 14;

const adamInstance = wasmModuleInstances(adamWasmBytes, adamSharedWasmBytes);
/** Instances by the buffer of their memory, which is also the buffer of the moments they hold. */
const residents = new WeakMap<ArrayBufferLike, Resident>();

/**
 * Bytes for n doubles, rounded up to 16 so that every array starts 16-byte aligned (not with `& ~15`,
 * which wraps for 2²⁸ doubles and more).
 */
const bytesFor = (n: number): number => Math.ceil(n / 2) * 16;

/**
 * Zeroed moment estimates for parameters of the given sizes, one {@link AdamMoments} per size, for
 * use with {@link adamUpdate}. With WebAssembly available they share the memory of a kernel
 * instance made for them (with scratch for the largest parameter's weights and a slot for each
 * parameter's gradient), where the update runs without copying them, on worker threads too where
 * that memory can be shared (see {@link setNumThreads}); otherwise, when they would need more than
 * 2 GiB, or when a kernel is installed by {@link setAdamKernel}, they are plain arrays (which any
 * kernel, and the TypeScript loop, update in place).
 */
export function adamMoments(sizes: readonly number[]): AdamMoments[] {
  const sizeOk = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_SIZE;
  // An index loop, not every(): a sparse list's holes must be refused, not skipped.
  let ok = Array.isArray(sizes);
  for (let i = 0; ok && i < sizes.length; i++) ok = sizeOk(sizes[i]);
  if (!ok) throw new ValueError(`adamMoments: sizes must be a list of parameter sizes, whole numbers from 0 to ${MAX_SIZE}, got ${describeValue(sizes)}`);
  // An installed kernel updates moments wherever they are, and needs no scratch or gradient slots.
  if (external !== null) return plainMoments(sizes);
  const largest = sizes.reduce((a, b) => Math.max(a, b), 0); // not Math.max(...sizes): a long list would overflow the stack
  let end = WEIGHTS_AT + bytesFor(largest);
  const gradients = sizes.map((n) => {
    const at = end;
    end += bytesFor(n);
    return at;
  });
  const offsets = sizes.map((n) => {
    const at = end;
    end += 2 * bytesFor(n);
    return at;
  });
  // A memory of exactly this size, which never grows: the views below stay valid for good. Shared
  // only if some parameter is large enough to split between threads.
  const pages = Math.ceil(end / WASM_PAGE);
  const compiled = end <= WASM_MAX_BYTES ? adamInstance(pages, pages, largest >= 2 * MIN_RANGE) : null;
  if (compiled === null) return plainMoments(sizes);
  const buffer = compiled.memory.buffer;
  // An empty parameter takes no bytes, so its offset is the next one's: it has no slot (nothing to stage or update).
  const slots = new Map(offsets.flatMap((at, i) => (sizes[i]! === 0 ? [] : [[at, { vAt: at + bytesFor(sizes[i]!), gradientAt: gradients[i]!, n: sizes[i]! }] as const])));
  residents.set(buffer, { compiled, kernel: compiled.exports as AdamExports, heap: new Float64Array(buffer), slots, threads: null, staged: new Map() });
  return sizes.map((n, i) => ({
    m: new Float64Array(buffer, offsets[i]!, n),
    v: new Float64Array(buffer, offsets[i]! + bytesFor(n), n),
  }));
}

/** Zeroed moments in arrays of their own. */
const plainMoments = (sizes: readonly number[]): AdamMoments[] => sizes.map((n) => ({ m: new Float64Array(n), v: new Float64Array(n) }));

/** The worker threads of the kernel instance holding `m` and `v` (made now if need be), for tests: null where there can be none. */
export function adamThreadsOf(m: Float64Array, v: Float64Array): KernelThreads | null {
  const found = residentOf(m, v);
  return found === undefined ? null : threadsOf(found.resident);
}

/** The resident's worker threads, made on first call; null where its memory is not shared. */
function threadsOf(resident: Resident): KernelThreads | null {
  if (resident.threads === null && resident.compiled.shared) resident.threads = new KernelThreads(resident.compiled, ['adam_range']);
  return resident.threads;
}

/**
 * The kernel instance holding `m` and `v`, and the byte offset of their parameter's gradient slot,
 * when they are exactly a pair {@link adamMoments} placed there; undefined for moments anywhere
 * else (another view of that memory included).
 */
function residentOf(m: Float64Array, v: Float64Array): { resident: Resident; gradientAt: number } | undefined {
  const resident = m.buffer === v.buffer ? residents.get(m.buffer) : undefined;
  const slot = resident?.slots.get(m.byteOffset);
  if (resident === undefined || slot === undefined || slot.vAt !== v.byteOffset || slot.n !== m.length || m.length !== v.length) return undefined;
  return { resident, gradientAt: slot.gradientAt };
}

/**
 * Copies a gradient into the slot of the parameter whose moments are `m` and `v` (from
 * {@link adamMoments}) and says whether the square of every element of it is finite (see
 * {@link AdamKernel.squaresFinite}), checked there: for an
 * optimizer that checks all gradients before it updates any parameter, so that the update need
 * not copy the gradient again (`adamUpdate(…, true)`). With a kernel installed by
 * {@link setAdamKernel}, that kernel checks the gradient where it is and nothing is copied. Returns
 * null, having done nothing, when neither can check it (moments outside a kernel's memory, no
 * kernel installed); the caller checks the gradient itself then.
 * @throws ShapeError when the gradient's length is not the moments'.
 */
export function adamStageGradient(g: Float64Array, m: Float64Array, v: Float64Array): boolean | null {
  if (g.length !== m.length || v.length !== m.length) {
    throw new ShapeError(`adamStageGradient: gradient and moments must have the same length, got ${g.length}, ${m.length} and ${v.length}`);
  }
  const found = residentOf(m, v);
  // An installed kernel reads the gradient where it is: nothing to copy, and any older copy is
  // no longer this parameter's gradient.
  if (external !== null && g.length > 0) {
    found?.resident.staged.delete(found.gradientAt);
    return external.squaresFinite(g);
  }
  if (found === undefined) return null;
  found.resident.threads?.settle();
  found.resident.heap.set(g, found.gradientAt / 8);
  found.resident.staged.set(found.gradientAt, g);
  return found.resident.kernel.squares_finite(found.gradientAt, g.length) === 1;
}

/**
 * One Adam update in place: `w` (weights), `m` and `v` (moment estimates) are overwritten, `g`
 * (the gradient) is only read; all four have the same length. Elementwise, with λ = `coupled`:
 *
 *   w' = w·keep,  g' = g + λ·w',
 *   m ← β₁m + (1 − β₁)g',  v ← β₂v + (1 − β₂)g'²,  w ← w' − stepSize·m/(√v + eps).
 *
 * Runs on the kernel installed by {@link setAdamKernel} if there is one (unless two of the arrays
 * share memory), else on the WebAssembly kernel when `m` and `v` come from one call of
 * {@link adamMoments} that placed them there, else on a TypeScript loop, with bit-identical results
 * every way. With `staged`, the WebAssembly kernel takes the gradient from where
 * {@link adamStageGradient} copied this very array `g` since the parameter's last update and last
 * check, instead of copying it again (its values must not have changed since); without such a
 * copy it copies `g` as usual.
 * @throws ShapeError when the lengths differ.
 */
export function adamUpdate(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, c: AdamCoefficients, staged = false): void {
  const n = w.length;
  if (g.length !== n || m.length !== n || v.length !== n) {
    throw new ShapeError(`adamUpdate: weights, gradient and moments must have the same length, got ${n}, ${g.length}, ${m.length} and ${v.length}`);
  }
  const found = residentOf(m, v);
  // Only a copy adamStageGradient made of this very array since the parameter's last update counts,
  // and every update, whichever way it runs, uses it up.
  const stagedCopy = found !== undefined && found.resident.staged.get(found.gradientAt) === g;
  found?.resident.staged.delete(found.gradientAt);
  const installed = externalFor(w, g, m, v);
  if (installed !== null) {
    installed.update(w, g, m, v, c);
    return;
  }
  if (found === undefined) {
    adamUpdateJs(w, g, m, v, c);
    return;
  }
  const { resident, gradientAt } = found;
  const { kernel, heap } = resident;
  resident.threads?.settle(); // no worker of an update cut short may still be writing there
  heap.set(w, WEIGHTS_AT / 8);
  if (!(staged && stagedCopy)) heap.set(g, gradientAt / 8);
  heap.set([c.stepSize, c.eps, c.beta1, 1 - c.beta1, c.beta2, 1 - c.beta2, c.keep, c.coupled], COEFFICIENTS_AT / 8);
  // Each element's update is independent of the others, so any split gives the same results.
  const threads = n >= 2 * MIN_RANGE ? threadsOf(resident) : null;
  const count = threads === null ? 1 : Math.min(threads.threadCount(), Math.floor(n / MIN_RANGE));
  const size = Math.ceil(n / count / 2) * 2;
  const calls: Parameters<AdamExports['adam_range']>[] = [];
  for (let start = 0; start < n; start += size) {
    calls.push([WEIGHTS_AT, gradientAt, m.byteOffset, v.byteOffset, start, Math.min(n, start + size), COEFFICIENTS_AT]);
  }
  if (threads === null || calls.length === 1) for (const call of calls) kernel.adam_range(...call);
  else threads.run(ADAM_RANGE, calls, 'adamUpdate');
  w.set(heap.subarray(WEIGHTS_AT / 8, WEIGHTS_AT / 8 + n));
}

/** The TypeScript version of {@link adamUpdate}, for moments anywhere. */
export function adamUpdateJs(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, c: AdamCoefficients): void {
  // Loop invariants as locals: V8 does not hoist them out of the loop by itself.
  const { beta1, beta2, stepSize, eps, keep, coupled } = c;
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  for (let i = 0; i < w.length; i++) {
    const wi = w[i]! * keep;
    // coupled is 0 unless L2 decay is on: adding 0·w keeps the loop free of branches.
    const gi = g[i]! + wi * coupled;
    const mi = m[i]! * beta1 + gi * a1;
    const vi = v[i]! * beta2 + gi * gi * a2;
    m[i] = mi;
    v[i] = vi;
    w[i] = wi - (stepSize * mi) / (Math.sqrt(vi) + eps);
  }
}
