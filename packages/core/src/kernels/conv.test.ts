import { conv2dData, conv2dInputGradData, conv2dWeightGradData, type ConvGeometry } from './conv';
import { setMatmulBackend, wasmGemmAvailable } from './matmul';
import { lcg, randomArray } from '../testing/kernel-helpers';

// The all-ops checks and the fuzz run convolutions too small for 'auto' to send to WebAssembly, and
// ops/conv.test.ts compares the two kernels on a handful of chosen shapes. Here random geometries
// (strides, dilations, padding on either side, groups, batches in one chunk and in several) run
// the forward pass and both adjoints on 'js', 'wasm' and 'auto', which must agree bit for bit.

/** A random valid geometry, or null when the kernel does not fit in the padded input. */
function randomGeometry(next: () => number): ConvGeometry | null {
  const int = (lo: number, hi: number): number => lo + Math.floor(((next() + 1) / 2) * (hi - lo + 1)); // next() is in [-1, 1)
  const groups = int(1, 2), cg = int(1, 3), og = int(1, 5), n = int(1, 40);
  const kh = int(1, 4), kw = int(1, 4), sh = int(1, 3), sw = int(1, 3), dh = int(1, 2), dw = int(1, 2);
  // One in four is larger, so that a batch takes several chunks (of the column matrix's size).
  const large = int(0, 3) === 0;
  const h = large ? int(16, 32) : int(1, 12), w = large ? int(16, 32) : int(1, 12);
  const pt = int(0, 2), pb = int(0, 2), pl = int(0, 2), pr = int(0, 2);
  const oh = Math.floor((h + pt + pb - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
  if (oh < 1 || ow < 1) return null;
  return { n, c: groups * cg, h, w, o: groups * og, kh, kw, oh, ow, sh, sw, dh, dw, pt, pl, groups };
}

describe('convolution kernels: WebAssembly and TypeScript paths', () => {
  it('give the same forward pass, bias, input adjoint and weight adjoint bit for bit on random geometries', () => {
    expect(wasmGemmAvailable()).toBe(true);
    const next = lcg(20261206);
    let checked = 0;
    while (checked < 150) {
      const geo = randomGeometry(next);
      if (geo === null) continue;
      const x = randomArray(geo.n * geo.c * geo.h * geo.w, next);
      const wt = randomArray(geo.o * (geo.c / geo.groups) * geo.kh * geo.kw, next);
      const bias = randomArray(geo.o, next);
      const g = randomArray(geo.n * geo.o * geo.oh * geo.ow, next);
      const run = (backend: 'js' | 'wasm' | 'auto'): Float64Array[] => {
        const previous = setMatmulBackend(backend);
        try {
          return [conv2dData(x, wt, geo), conv2dData(x, wt, geo, bias), conv2dInputGradData(g, wt, geo), conv2dWeightGradData(x, g, geo)]
            .map((a) => a.slice());
        } finally {
          setMatmulBackend(previous);
        }
      };
      const js = run('js');
      // gemm's one documented difference: a matrix-vector product deeper than 256 (here the weight
      // adjoint with one output channel per group or one tap) is summed in one pass by gemmJs.
      const k = (geo.c / geo.groups) * geo.kh * geo.kw;
      const compared = geo.o / geo.groups === 1 || k === 1 ? 3 : 4;
      for (const backend of ['wasm', 'auto'] as const) {
        const other = run(backend);
        for (let i = 0; i < compared; i++) {
          const same = js[i]!.every((v, j) => Object.is(v, other[i]![j]));
          if (!same) throw new Error(`result ${i} differs on '${backend}' for ${JSON.stringify(geo)}`);
        }
      }
      checked++;
    }
  });
});
