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
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: unknown };
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
    const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
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
