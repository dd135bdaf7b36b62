/**
 * OpenBLAS behind @adjoint/core's matrix products, in Node: `useOpenBlas()` and every `matmul`,
 * `linear` and their adjoint rules of at least 512 multiply-adds run on the system's OpenBLAS
 * `dgemm`, on the memory of the tensors themselves (no copying), on `getNumThreads()` threads.
 *
 * Core's own kernels (WebAssembly SIMD, 2 lanes, no fused multiply-add) reach about a fifth of
 * OpenBLAS's speed on a CPU with AVX-512; this package is for Node programs that want the rest. The
 * native half is built on install against OpenBLAS's headers and library (Debian and Ubuntu:
 * `apt-get install libopenblas-dev`); where it could not be built, {@link useOpenBlas} throws and
 * {@link openBlasAvailable} says false, and core's kernels go on as before.
 *
 * Results agree with core's kernels to rounding, not bit for bit: OpenBLAS sums in its own order
 * and uses fused multiply-adds, and which kernel it picks depends on the CPU.
 *
 * The same addon has Adam's update in native code: `useNativeAdam()`, and nn's Adam updates its
 * parameters in place, with no copy into WebAssembly memory and back, to the same bits.
 * @packageDocumentation
 */
export { OpenBlasUnavailableError, openBlasAvailable } from './addon';
export { openBlasCoreType } from './core-type';
export { openBlasConfig, openBlasKernel, useOpenBlas } from './openblas';
export { nativeAdamKernel, useNativeAdam } from './adam';
