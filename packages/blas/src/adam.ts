/** Adam's update in native code behind core's adamUpdate (see native/adam.c). */
import { setAdamKernel, type AdamKernel } from '@adjoint/core';
import { required, type Native } from './addon';

/**
 * Runs @adjoint/core's Adam update (nn's `Adam` and `AdamW`) in native code from now on:
 * `setAdamKernel(nativeAdamKernel())` (see `setAdamKernel` in core; `setAdamKernel(null)` goes back
 * to core's own kernels). The results are the same, bit for bit.
 * @throws OpenBlasUnavailableError when the native half is not built or does not load.
 */
export function useNativeAdam(): void {
  setAdamKernel(adamKernelOver(required('useNativeAdam')));
}

/**
 * Adam's update in native code, as a kernel for core's `setAdamKernel`, not installed. It works in
 * place on the parameters', gradients' and moments' own memory, so nothing is copied: about half
 * the memory traffic of core's WebAssembly update, which is bound by it. One thread.
 * @throws OpenBlasUnavailableError when the native half is not built or does not load.
 */
export function nativeAdamKernel(): AdamKernel {
  return adamKernelOver(required('nativeAdamKernel'));
}

function adamKernelOver(addon: Native): AdamKernel {
  return {
    name: 'native Adam',
    update(w, g, m, v, c) {
      addon.adamUpdate(w, g, m, v, Float64Array.of(c.stepSize, c.eps, c.beta1, 1 - c.beta1, c.beta2, 1 - c.beta2, c.keep, c.coupled));
    },
    squaresFinite: (x) => addon.squaresFinite(x),
  };
}
