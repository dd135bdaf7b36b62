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
 * The module for a kernel that imports its memory, compiled and instantiated on first call with a
 * memory of its own: from `sharedBytes` with a shared memory where the host allows one (Node; a browser page
 * that is cross-origin isolated), else from `bytes` with an ordinary memory. Null when neither
 * compiles here. The memory's maximum is {@link WASM_MAX_BYTES}, as the modules declare.
 */
export function wasmModuleWithMemory(bytes: () => Uint8Array, sharedBytes: () => Uint8Array): () => WasmModuleWithMemory | null {
  let compiled: WasmModuleWithMemory | null | undefined;
  return () => {
    if (compiled !== undefined) return compiled;
    compiled = null;
    const api = webAssembly();
    if (api === undefined) return null;
    const maximum = WASM_MAX_BYTES / WASM_PAGE;
    for (const shared of [true, false]) {
      try {
        // A shared memory needs SharedArrayBuffer, which browsers withhold from pages that are not
        // cross-origin isolated: the constructor then throws or the buffer is not shared.
        const memory = new api.Memory({ initial: 1, maximum, shared });
        if (shared && !isSharedBuffer(memory.buffer)) continue;
        const module = new api.Module(shared ? sharedBytes() : bytes());
        const { exports } = new api.Instance(module, { env: { memory } });
        compiled = { module, memory, shared, exports };
        return compiled;
      } catch {
        // Try the unshared module, then give up: callers fall back to TypeScript.
      }
    }
    return null;
  };
}

/** Whether `buffer` is a SharedArrayBuffer (where the host has that type at all). */
function isSharedBuffer(buffer: ArrayBufferLike): boolean {
  const Shared = (globalThis as { SharedArrayBuffer?: new (size: number) => ArrayBufferLike }).SharedArrayBuffer;
  return Shared !== undefined && buffer instanceof Shared;
}

/**
 * A module compiled from `bytes` on the first call, synchronously (the kernels are a few KiB, under
 * the size browsers allow to compile synchronously on the main thread); each call returns the
 * exports of a new instance, with a memory of its own. Returns null, on this call and every later
 * one, when the module cannot be compiled or instantiated here.
 */
export function wasmInstances<Exports>(bytes: () => Uint8Array): () => Exports | null {
  let module: object | null | undefined;
  return () => {
    const api = webAssembly();
    if (module === undefined) {
      module = null;
      try {
        if (api !== undefined) module = new api.Module(bytes());
      } catch {
        // Compilation refused: module stays null and the caller falls back.
      }
    }
    if (module === null || api === undefined) return null;
    try {
      return new api.Instance(module).exports as Exports;
    } catch {
      module = null;
      return null;
    }
  };
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
