/**
 * What the WebAssembly kernels share: compiling a module on first use, instantiating it, and
 * growing an instance's memory. Every failure (no WebAssembly, no SIMD support, compilation
 * forbidden by a content security policy, memory refused) is reported as null or false, so each
 * kernel can fall back to its TypeScript version.
 */

/** WebAssembly's page size, the unit of Memory.grow. */
export const WASM_PAGE = 65536;

/**
 * Largest memory a kernel grows to. Kernel pointers are i32 byte offsets; staying below 2 GiB
 * keeps every address computation far from wrapping. Larger work stays with the TypeScript kernels.
 */
export const WASM_MAX_BYTES = 2 ** 31 - WASM_PAGE;

// Just enough of the WebAssembly JS API for the kernels: the project's TypeScript lib (ES2022 +
// Node types) does not declare it, and some hosts do not provide it at all.

/** An instance's linear memory. */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { readonly exports: unknown };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

/** The host's WebAssembly API, or undefined where there is none. */
function webAssembly(): WebAssemblyApi | undefined {
  return (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
}

/** A compiled module, the memory its instances import (`env.memory`), and this thread's instance. */
export interface WasmModuleWithMemory {
  /** The compiled module, which worker threads instantiate over the same memory. */
  readonly module: object;
  readonly memory: WasmMemory;
  /** Whether `memory` is shared (backed by a SharedArrayBuffer), so worker threads can use it. */
  readonly shared: boolean;
  /** The exports of the instance made over `memory` on this thread. */
  readonly exports: unknown;
}

/**
 * The module for a kernel that imports its memory, compiled on first use, and a way to instantiate
 * it over a new memory of its own: from `sharedBytes` with a shared memory where the host allows
 * one (Node; a browser page that is cross-origin isolated), else from `bytes` with an ordinary
 * memory. Each call takes the memory's initial and maximum size in pages (the maximum at most
 * {@link WASM_MAX_BYTES}, as the modules declare), and whether to try a shared memory at all
 * (V8 copies into a shared one more slowly); it returns null when no variant tried can be had here
 * with that memory.
 */
export function wasmModuleInstances(
  bytes: () => Uint8Array, sharedBytes: () => Uint8Array,
): (initialPages: number, maximumPages: number, tryShared: boolean) => WasmModuleWithMemory | null {
  /** Each variant's compiled module, by whether its memory is shared; null once it failed to compile. */
  const modules = new Map<boolean, object | null>();
  const compiled = (api: WebAssemblyApi, shared: boolean): object | null => {
    let module = modules.get(shared);
    if (module === undefined) {
      try {
        module = new api.Module(shared ? sharedBytes() : bytes());
      } catch {
        module = null;
      }
      modules.set(shared, module);
    }
    return module;
  };
  return (initial, maximum, tryShared) => {
    const api = webAssembly();
    if (api === undefined) return null;
    for (const shared of tryShared ? [true, false] : [false]) {
      try {
        // A shared memory needs SharedArrayBuffer, which browsers withhold from pages that are not
        // cross-origin isolated: the constructor then throws or the buffer is not shared.
        const memory = new api.Memory({ initial, maximum, shared });
        if (shared && !isSharedBuffer(memory.buffer)) continue;
        const module = compiled(api, shared);
        if (module === null) continue;
        const { exports } = new api.Instance(module, { env: { memory } });
        return { module, memory, shared, exports };
      } catch {
        // Try the unshared module, then give up: callers fall back to TypeScript.
      }
    }
    return null;
  };
}

/**
 * The one instance of a kernel that imports its memory, made on first call by
 * {@link wasmModuleInstances} with a memory that starts at one page and may grow to
 * {@link WASM_MAX_BYTES}. Null, on that call and every later one, when it cannot be had here.
 */
export function wasmModuleWithMemory(bytes: () => Uint8Array, sharedBytes: () => Uint8Array): () => WasmModuleWithMemory | null {
  const instantiate = wasmModuleInstances(bytes, sharedBytes);
  let compiled: WasmModuleWithMemory | null | undefined;
  return () => {
    if (compiled === undefined) compiled = instantiate(1, WASM_MAX_BYTES / WASM_PAGE, true);
    return compiled;
  };
}

/** Whether `buffer` is a SharedArrayBuffer (where the host has that type at all). */
function isSharedBuffer(buffer: ArrayBufferLike): boolean {
  const Shared = (globalThis as { SharedArrayBuffer?: new (size: number) => ArrayBufferLike }).SharedArrayBuffer;
  return Shared !== undefined && buffer instanceof Shared;
}

/**
 * Grows `memory` to at least `bytes` (≤ {@link WASM_MAX_BYTES}). Returns false, having changed
 * nothing, when that is too large or the engine refuses. Growing detaches the old buffer: views
 * of it must be made again.
 */
export function growMemory(memory: WasmMemory, bytes: number): boolean {
  if (bytes > WASM_MAX_BYTES) return false;
  const have = memory.buffer.byteLength;
  if (have >= bytes) return true;
  try {
    memory.grow(Math.ceil((bytes - have) / WASM_PAGE));
    return true;
  } catch {
    return false;
  }
}
