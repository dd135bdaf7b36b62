/**
 * 2-D convolution (cross-correlation, PyTorch's layouts) as matrix products: im2col, one `gemm` per
 * group and chunk of samples, col2im.
 *
 * For a chunk of `nc` samples and one group of `cg` input and `og` output channels, im2col copies
 * every receptive field into a column: `cols` is [K, M] with K = cg·kH·kW (row (c, ki, kj)) and
 * M = nc·H'·W' (column (n, oh, ow)), zero where the field reaches into the padding. Then
 *
 *   forward         y_g  = W_g · cols          [og, K]·[K, M]  → [og, M]
 *   input adjoint   cols̄ = W_gᵀ · ḡ_g          [K, og]·[og, M] → [K, M], then col2im adds each
 *                                               column back where it was read from (x̄ = Aᵀ ḡ)
 *   weight adjoint  W̄_g  = ḡ_g · colsᵀ         [og, M]·[M, K]  → [og, K]
 *
 * where ḡ_g is the cotangent's channels of group g laid out as [og, M]. The transposed operands go
 * through gemm's transposed variants (nothing is transposed in memory). Results in [N, O, H', W']
 * order have each sample's [og, H'·W'] block contiguous, so for a chunk of one sample gemm reads
 * and writes the tensors in place; for larger chunks a copy reorders [og, (n, p)] ↔ [(n, og), p],
 * which costs one pass over the output against the product's K passes.
 *
 * Where gemm would run a chunk's product on WebAssembly (matmul.ts's wasmKernelFor), the chunk is
 * worked on in the module's memory instead: its samples (or ḡ's, reordered) are copied in, and
 * the products run there (wasm/gemm.wat), so only the inputs and each result cross between
 * JavaScript and WebAssembly, not the column matrix. The forward product at stride 1 along rows
 * (conv_forward) and the weight adjoint (conv_weight) make no column matrix at all: they read its
 * elements from a zero-padded copy of the chunk through per-tap offsets. Other forward products
 * run im2col there, and the input adjoint col2im, the same copies and additions in the same order
 * as the loops below. Every product keeps gemm's depth blocks and order of additions, so the
 * results are those of the TypeScript path bit for bit.
 *
 * A chunk holds as many samples as keep `cols` within {@link COLS_LIMIT} elements, so that it is
 * still in cache when gemm reads it. The scratch arrays are this module's own
 * (`new Float64Array`, never allocData's, whose arrays a backward pass may hand to other tensors)
 * and grow to the largest chunk seen, up to a bound; kernels do not re-enter, so one set serves
 * every call.
 */
import {
  convGemmWasmAt, convWeightGemmWasmAt, convWeightWorkspaceBytes, convWorkspaceBytes, gemm, gemmWasmAt, gemmWorkspaceBytes, wasmHeap, wasmKernelFor, type GemmExports,
} from './matmul';
import { allocData, allocForOverwrite } from './alloc';

/** Everything a convolution kernel needs to know, as plain numbers. */
export interface ConvGeometry {
  /** Samples, input channels, input height and width. */
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  /** Output channels, kernel height and width. */
  readonly o: number;
  readonly kh: number;
  readonly kw: number;
  /** Output height and width. */
  readonly oh: number;
  readonly ow: number;
  /** Stride, dilation, and the padding before the first row (top) and column (left). */
  readonly sh: number;
  readonly sw: number;
  readonly dh: number;
  readonly dw: number;
  readonly pt: number;
  readonly pl: number;
  readonly groups: number;
}

/**
 * Most elements a chunk's column matrix holds (512 KiB), unless one sample alone needs more: small
 * enough to stay in cache between im2col writing it and gemm (or its copy into WebAssembly memory)
 * reading it, large enough that a small image's batch is a few products, not one per sample.
 */
const COLS_LIMIT = 1 << 16;

/**
 * Most elements (the padded input and the product) of a chunk of conv2d's forward pass without a
 * column matrix (2 MiB): a small batch in a few calls, a bounded share of memory for a large one.
 * (From 2^12 to 2^20 the time hardly changed for MNIST-sized layers.)
 */
const DIRECT_LIMIT = 1 << 18;

/** Scratch arrays larger than this (2 MiB) are made for the call and not kept. */
const KEEP_LIMIT = 1 << 18;

const scratch: Float64Array[] = [new Float64Array(0), new Float64Array(0), new Float64Array(0)];

/**
 * Scratch array `i` (0: columns, 1: reordered operand or result, 2: partial weight adjoint), of at
 * least n elements. One that a single large image needs (its columns alone can take hundreds of
 * MiB) is made for the call and left to the collector, so what stays allocated is bounded.
 */
function scratchOf(i: number, n: number): Float64Array {
  if (n > KEEP_LIMIT) return new Float64Array(n);
  if (scratch[i]!.length < n) scratch[i] = new Float64Array(Math.min(KEEP_LIMIT, Math.max(n, scratch[i]!.length * 2)));
  return scratch[i]!;
}

/** Samples per chunk: as many as keep the columns within COLS_LIMIT, at least one. */
function samplesPerChunk(geo: ConvGeometry, rows: number): number {
  const perSample = rows * geo.oh * geo.ow;
  return Math.max(1, Math.min(geo.n, Math.floor(COLS_LIMIT / perSample)));
}

/**
 * The first and one past the last output column whose input column ow·sw + offset lies in [0, w):
 * the others read padding.
 */
function validColumns(offset: number, sw: number, w: number, ow: number): [number, number] {
  let lo = offset >= 0 ? 0 : Math.ceil(-offset / sw);
  let hi = w - 1 - offset < 0 ? 0 : Math.floor((w - 1 - offset) / sw) + 1;
  if (lo > ow) lo = ow;
  if (hi > ow) hi = ow;
  if (hi < lo) hi = lo;
  return [lo, hi];
}

/**
 * Fills `cols` ([cg·kH·kW, nc·H'·W'], row-major) with the receptive fields of samples n0 … n0+nc−1
 * in the channels of group `group`: cols[(c, ki, kj), (n, oh, ow)] = x[n, c, oh·sh + ki·dh − pt,
 * ow·sw + kj·dw − pl], 0 in the padding.
 */
export function im2col(x: Float64Array, geo: ConvGeometry, group: number, n0: number, nc: number, cols: Float64Array): void {
  const { c, h, w, kh, kw, oh, ow, sh, sw, dh, dw, pt, pl } = geo;
  const cg = c / geo.groups;
  const hw = h * w;
  const ohw = oh * ow;
  const m = nc * ohw;
  let row = 0;
  for (let ci = 0; ci < cg; ci++) {
    const channel = group * cg + ci;
    for (let ki = 0; ki < kh; ki++) {
      const rowOffset = ki * dh - pt;
      for (let kj = 0; kj < kw; kj++, row++) {
        const colOffset = kj * dw - pl;
        const [lo, hi] = validColumns(colOffset, sw, w, ow);
        let p = row * m;
        for (let s = 0; s < nc; s++) {
          const base = ((n0 + s) * c + channel) * hw;
          for (let y = 0; y < oh; y++) {
            const ih = y * sh + rowOffset;
            if (ih < 0 || ih >= h) {
              cols.fill(0, p, p + ow);
              p += ow;
              continue;
            }
            const src = base + ih * w + colOffset;
            let xo = 0;
            for (; xo < lo; xo++) cols[p++] = 0;
            if (sw === 1) for (; xo < hi; xo++) cols[p++] = x[src + xo]!;
            else for (; xo < hi; xo++) cols[p++] = x[src + xo * sw]!;
            for (; xo < ow; xo++) cols[p++] = 0;
          }
        }
      }
    }
  }
}

/**
 * The adjoint of {@link im2col}: adds each element of `cols` into `out` (of x's shape) where
 * im2col read it from; elements that came from the padding are dropped.
 */
export function col2im(cols: Float64Array, geo: ConvGeometry, group: number, n0: number, nc: number, out: Float64Array): void {
  const { c, h, w, kh, kw, oh, ow, sh, sw, dh, dw, pt, pl } = geo;
  const cg = c / geo.groups;
  const hw = h * w;
  const ohw = oh * ow;
  const m = nc * ohw;
  let row = 0;
  for (let ci = 0; ci < cg; ci++) {
    const channel = group * cg + ci;
    for (let ki = 0; ki < kh; ki++) {
      const rowOffset = ki * dh - pt;
      for (let kj = 0; kj < kw; kj++, row++) {
        const colOffset = kj * dw - pl;
        const [lo, hi] = validColumns(colOffset, sw, w, ow);
        let p = row * m;
        for (let s = 0; s < nc; s++) {
          const base = ((n0 + s) * c + channel) * hw;
          for (let y = 0; y < oh; y++, p += ow) {
            const ih = y * sh + rowOffset;
            if (ih < 0 || ih >= h) continue;
            const dst = base + ih * w + colOffset;
            if (sw === 1) for (let xo = lo; xo < hi; xo++) out[dst + xo]! += cols[p + xo]!;
            else for (let xo = lo; xo < hi; xo++) out[dst + xo * sw]! += cols[p + xo]!;
          }
        }
      }
    }
  }
}

/**
 * Copies the channels of group `group` of samples n0 … n0+nc−1 of `t` ([N, O, H'·W']) into `to`
 * from `toAt` as [og, nc·H'·W']: (n, o, p) → (o, n, p).
 */
function channelsFirst(t: Float64Array, geo: ConvGeometry, group: number, n0: number, nc: number, to: Float64Array, toAt: number): void {
  const og = geo.o / geo.groups;
  const ohw = geo.oh * geo.ow;
  const m = nc * ohw;
  for (let s = 0; s < nc; s++) {
    for (let oc = 0; oc < og; oc++) {
      const src = ((n0 + s) * geo.o + group * og + oc) * ohw;
      to.set(t.subarray(src, src + ohw), toAt + oc * m + s * ohw);
    }
  }
}

/**
 * The inverse of {@link channelsFirst}: `from` ([og, nc·H'·W'] from `fromAt`) written into `t`
 * ([N, O, H'·W']), with bias[o] added to each element of channel o when there is a bias.
 */
function samplesFirst(from: Float64Array, fromAt: number, geo: ConvGeometry, group: number, n0: number, nc: number, t: Float64Array, bias: Float64Array | undefined): void {
  const og = geo.o / geo.groups;
  const ohw = geo.oh * geo.ow;
  const m = nc * ohw;
  for (let s = 0; s < nc; s++) {
    for (let oc = 0; oc < og; oc++) {
      const at = fromAt + oc * m + s * ohw;
      const to = ((n0 + s) * geo.o + group * og + oc) * ohw;
      if (bias === undefined) t.set(from.subarray(at, at + ohw), to);
      else {
        const b = bias[group * og + oc]!;
        for (let p = 0; p < ohw; p++) t[to + p] = from[at + p]! + b;
      }
    }
  }
}

/** Adds bias[o] to the `og` channels of group `group` of sample `s` of `t` ([N, O, H'·W']), in place. */
function addBias(t: Float64Array, geo: ConvGeometry, group: number, s: number, bias: Float64Array): void {
  const og = geo.o / geo.groups;
  const ohw = geo.oh * geo.ow;
  for (let oc = 0; oc < og; oc++) {
    const b = bias[group * og + oc]!;
    const at = (s * geo.o + group * og + oc) * ohw;
    for (let p = at; p < at + ohw; p++) t[p]! += b;
  }
}

// Not `(bytes + 15) & ~15`: bitwise operators wrap at 2³¹, and a region may end past that.
const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/**
 * The WebAssembly regions of a kernel that runs n samples in chunks of `chunk` (ohw output
 * positions each), 16-byte aligned: from 0 the scratch that every chunk's product needs — the
 * full chunks' and the last, shorter one's, which may be split between threads otherwise and need
 * more (see gemmWorkspaceBytes) — then one region per entry of `sizes` (in elements). Returns the
 * byte offsets of the regions after the scratch and of their end, and the heap grown to hold them
 * (null when it cannot grow).
 */
function chunkRegions(
  scratchFor: (positions: number) => number, ohw: number, chunk: number, n: number, sizes: readonly number[],
): { at: number[]; heap: Float64Array | null } {
  const last = n % chunk || chunk;
  const at = [align16(Math.max(scratchFor(chunk * ohw), scratchFor(last * ohw)))];
  for (const size of sizes) at.push(align16(at[at.length - 1]! + 8 * size));
  return { at, heap: wasmHeap(at[at.length - 1]!) };
}

/** The WebAssembly im2col's and col2im's arguments after the two pointers, for a chunk of nc samples (the group is in the pointer). */
function columnsArgs(geo: ConvGeometry, nc: number): [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number] {
  const cg = geo.c / geo.groups;
  return [nc, cg, 8 * geo.c * geo.h * geo.w, geo.h, geo.w, geo.kh, geo.kw, geo.oh, geo.ow, geo.sh, geo.sw, geo.dh, geo.dw, geo.pt, geo.pl];
}

/** Byte offset of group `group`'s first channel in a chunk of x laid out at `xAt`. */
const groupAt = (geo: ConvGeometry, xAt: number, group: number): number => xAt + 8 * group * (geo.c / geo.groups) * geo.h * geo.w;

/**
 * The height and width of the zero-padded input that conv_forward reads: every row and column the
 * kernel reaches, and all of x after the top and left padding.
 */
function paddedSize(geo: ConvGeometry): [number, number] {
  return [
    Math.max(geo.pt + geo.h, (geo.oh - 1) * geo.sh + (geo.kh - 1) * geo.dh + 1),
    Math.max(geo.pl + geo.w, (geo.ow - 1) * geo.sw + (geo.kw - 1) * geo.dw + 1),
  ];
}

/**
 * Samples n0 … n0+nc−1 of x copied into `heap` at byte offset `xpAt` as [nc, C, Hp, Wp] with the
 * padding (and anything the kernel cannot reach) as zeros, followed by 4 zeros that an edge tile
 * may read past the last row: copied in one piece to `stageAt`, then into place by pad_copy.
 */
function copyPadded(kernel: GemmExports, heap: Float64Array, xpAt: number, stageAt: number, x: Float64Array, geo: ConvGeometry, n0: number, nc: number): void {
  const { c, h, w } = geo;
  const [hp, wp] = paddedSize(geo);
  const xp = xpAt / 8;
  const chw = c * h * w;
  heap.fill(0, xp, xp + nc * c * hp * wp + 4);
  heap.set(x.subarray(n0 * chw, (n0 + nc) * chw), stageAt / 8);
  kernel.pad_copy(stageAt, xpAt, nc * c, h, w, hp, wp, geo.pt, geo.pl);
}

/**
 * One chunk of conv2d on WebAssembly without a column matrix (stride 1 along rows): the chunk's
 * samples are copied into its memory with their padding as zeros, and conv_forward multiplies W by
 * the columns read from there; the product is reordered to [N, O, H', W'] with the bias added
 * there (bias_reorder) and copied out. Regions `at`: the padded chunk, w (already there), the
 * product, the reordered product, the bias (already there), the chunk as it comes.
 */
function forwardWithoutColumns(
  kernel: GemmExports, heap: Float64Array, at: readonly number[], x: Float64Array, geo: ConvGeometry,
  n0: number, nc: number, out: Float64Array, bias: Float64Array | undefined,
): void {
  const { c, o, groups } = geo;
  const [hp, wp] = paddedSize(geo);
  const [xpAt, wAt, yAt, zAt, biasAt, stageAt] = at as [number, number, number, number, number, number];
  copyPadded(kernel, heap, xpAt, stageAt, x, geo, n0, nc);
  const cg = c / groups;
  const og = o / groups;
  const k = cg * geo.kh * geo.kw;
  const ohw = geo.oh * geo.ow;
  const z = zAt / 8;
  for (let g = 0; g < groups; g++) {
    convGemmWasmAt(kernel, wAt + 8 * g * og * k, xpAt + 8 * g * cg * hp * wp, yAt, og, nc, 8 * c * hp * wp, cg, hp, wp,
      geo.kh, geo.kw, geo.oh, geo.ow, geo.sh, geo.dh, geo.dw, 0);
    // Reordered to [nc, og, H'·W'] with the bias added there, then copied out in one piece per sample (one in all for one group).
    kernel.bias_reorder(yAt, zAt, og, nc, ohw, biasAt + 8 * g * og, bias === undefined ? 0 : 1);
    if (groups === 1) out.set(heap.subarray(z, z + nc * o * ohw), n0 * o * ohw);
    else for (let s = 0; s < nc; s++) out.set(heap.subarray(z + s * og * ohw, z + (s + 1) * og * ohw), ((n0 + s) * o + g * og) * ohw);
  }
}

/**
 * y = conv2d(x, w), plus bias[o] at every position of output channel o when a bias is given:
 * x [N, C, H, W], w [O, C/groups, kH, kW], bias [O] → y [N, O, H', W'].
 *
 * Where gemm would run the chunk's product on WebAssembly, the chunk's samples are copied into its
 * memory once and im2col, the product and the bias-adding copy out read and write there; otherwise
 * im2col and gemm run here. Both give the same values bit for bit.
 */
export function conv2dData(x: Float64Array, wt: Float64Array, geo: ConvGeometry, bias?: Float64Array): Float64Array {
  const { n, o, groups } = geo;
  const ohw = geo.oh * geo.ow;
  const og = o / groups;
  const k = (geo.c / groups) * geo.kh * geo.kw;
  const chw = geo.c * geo.h * geo.w;
  const out = allocForOverwrite(n * o * ohw); // every element is written below
  if (n === 0) return out;
  // Along rows at stride 1 the product reads a padded copy of the input instead of columns, in
  // chunks as large as DIRECT_LIMIT allows (a chunk's size changes no value of the forward pass).
  // The test of one sample's product: if it runs on WebAssembly, every chunk's product would.
  const direct = geo.sw === 1 ? wasmKernelFor(og, ohw, k) : null;
  if (direct !== null) {
    const [hp, wp] = paddedSize(geo);
    const padded = geo.c * hp * wp;
    const chunk = Math.max(1, Math.min(n, Math.floor(DIRECT_LIMIT / (padded + og * ohw))));
    // Regions: the chunk padded (and 4 elements that edge tiles may read past it), w, the product,
    // the product in the output's order, the bias, the chunk as it comes.
    const { at, heap } = chunkRegions((positions) => convWorkspaceBytes(direct, og, k, positions), ohw, chunk, n,
      [chunk * padded + 4, o * k, og * chunk * ohw, og * chunk * ohw, o, chunk * chw]);
    if (heap !== null) {
      heap.set(wt, at[1]! / 8);
      if (bias !== undefined) heap.set(bias, at[4]! / 8);
      for (let n0 = 0; n0 < n; n0 += chunk) forwardWithoutColumns(direct, heap, at, x, geo, n0, Math.min(chunk, n - n0), out, bias);
      return out;
    }
  }
  const chunk = samplesPerChunk(geo, k);
  let heap: Float64Array | null | undefined; // undefined until a chunk runs on WebAssembly, null if it cannot
  let at: number[] = [];
  for (let n0 = 0; n0 < n; n0 += chunk) {
    const nc = Math.min(chunk, n - n0);
    const m = nc * ohw;
    const kernel = heap === null ? null : wasmKernelFor(og, m, k);
    if (kernel !== null && heap === undefined) {
      // Regions: x of a chunk, w, the columns, the product.
      ({ at, heap } = chunkRegions((positions) => gemmWorkspaceBytes(kernel, og, positions, k), ohw, chunk, n,
        [chunk * chw, o * k, k * chunk * ohw, og * chunk * ohw]));
      heap?.set(wt, at[1]! / 8);
    }
    if (kernel !== null && heap) {
      const [xAt, wAt, colsAt, yAt] = at as [number, number, number, number];
      heap.set(x.subarray(n0 * chw, (n0 + nc) * chw), xAt / 8);
      for (let g = 0; g < groups; g++) {
        kernel.im2col(groupAt(geo, xAt, g), colsAt, ...columnsArgs(geo, nc));
        gemmWasmAt(kernel, wAt + 8 * g * og * k, colsAt, yAt, og, m, k, false, false, 0);
        samplesFirst(heap, yAt / 8, geo, g, n0, nc, out, bias);
      }
      continue;
    }
    const cols = scratchOf(0, k * chunk * ohw);
    const y = chunk > 1 ? scratchOf(1, og * chunk * ohw) : cols;
    for (let g = 0; g < groups; g++) {
      im2col(x, geo, g, n0, nc, cols);
      if (nc === 1) {
        gemm(wt, g * og * k, cols, 0, out, (n0 * o + g * og) * ohw, og, m, k, false, false);
        if (bias !== undefined) addBias(out, geo, g, n0, bias);
      } else {
        gemm(wt, g * og * k, cols, 0, y, 0, og, m, k, false, false);
        samplesFirst(y, 0, geo, g, n0, nc, out, bias);
      }
    }
  }
  return out;
}

/**
 * x̄ = the transposed convolution of ḡ ([N, O, H', W']) with w: [N, C, H, W]. On WebAssembly (as
 * gemm would choose), ḡ's chunk is reordered straight into its memory, and the product and col2im
 * run there into the chunk's x̄, which is copied out once.
 */
export function conv2dInputGradData(g: Float64Array, wt: Float64Array, geo: ConvGeometry): Float64Array {
  const { n, o, groups } = geo;
  const ohw = geo.oh * geo.ow;
  const og = o / groups;
  const k = (geo.c / groups) * geo.kh * geo.kw;
  const chw = geo.c * geo.h * geo.w;
  const out = allocForOverwrite(n * chw); // each chunk is copied in whole, or zeroed before col2im adds into it
  if (n === 0) return out;
  const chunk = samplesPerChunk(geo, k);
  let heap: Float64Array | null | undefined;
  let at: number[] = [];
  for (let n0 = 0; n0 < n; n0 += chunk) {
    const nc = Math.min(chunk, n - n0);
    const m = nc * ohw;
    const kernel = heap === null ? null : wasmKernelFor(k, m, og);
    if (kernel !== null && heap === undefined) {
      // Regions: x̄ of a chunk, w, ḡ's chunk as [og, m], the columns.
      ({ at, heap } = chunkRegions((positions) => gemmWorkspaceBytes(kernel, k, positions, og), ohw, chunk, n,
        [chunk * chw, o * k, og * chunk * ohw, k * chunk * ohw]));
      heap?.set(wt, at[1]! / 8);
    }
    if (kernel !== null && heap) {
      const [xAt, wAt, gAt, colsAt] = at as [number, number, number, number];
      heap.fill(0, xAt / 8, xAt / 8 + nc * chw);
      for (let grp = 0; grp < groups; grp++) {
        channelsFirst(g, geo, grp, n0, nc, heap, gAt / 8);
        gemmWasmAt(kernel, wAt + 8 * grp * og * k, gAt, colsAt, k, m, og, true, false, 0);
        kernel.col2im(groupAt(geo, xAt, grp), colsAt, ...columnsArgs(geo, nc));
      }
      out.set(heap.subarray(xAt / 8, xAt / 8 + nc * chw), n0 * chw);
      continue;
    }
    const cols = scratchOf(0, k * chunk * ohw);
    const gg = chunk > 1 ? scratchOf(1, og * chunk * ohw) : cols;
    out.fill(0, n0 * chw, (n0 + nc) * chw);
    for (let grp = 0; grp < groups; grp++) {
      if (nc === 1) {
        gemm(wt, grp * og * k, g, (n0 * o + grp * og) * ohw, cols, 0, k, m, og, true, false);
      } else {
        channelsFirst(g, geo, grp, n0, nc, gg, 0);
        gemm(wt, grp * og * k, gg, 0, cols, 0, k, m, og, true, false);
      }
      col2im(cols, geo, grp, n0, nc, out);
    }
  }
  return out;
}

/**
 * w̄ = the correlation of x with ḡ ([N, O, H', W']), summed over samples: [O, C/groups, kH, kW]. On
 * WebAssembly (as gemm would choose), im2col and the product run in its memory, ḡ's chunk is
 * reordered straight into it, and only each product (og × K) is copied out.
 */
export function conv2dWeightGradData(x: Float64Array, g: Float64Array, geo: ConvGeometry): Float64Array {
  const { n, o, groups } = geo;
  const ohw = geo.oh * geo.ow;
  const og = o / groups;
  const k = (geo.c / groups) * geo.kh * geo.kw;
  const chw = geo.c * geo.h * geo.w;
  const out = allocData(o * k); // zeros: an empty batch has a zero adjoint
  if (n === 0) return out;
  const chunk = samplesPerChunk(geo, k);
  let heap: Float64Array | null | undefined;
  let at: number[] = [];
  let summed = false; // whether the WebAssembly memory holds a sum not yet copied to out
  for (let n0 = 0; n0 < n; n0 += chunk) {
    const nc = Math.min(chunk, n - n0);
    const m = nc * ohw;
    const kernel = heap === null ? null : wasmKernelFor(og, k, m);
    const [hp, wp] = paddedSize(geo);
    if (kernel !== null && heap === undefined) {
      // Regions: the chunk padded, ḡ's chunk as [og, m], the chunk's product transposed ([K, og]),
      // and the sum over chunks so far, per group.
      ({ at, heap } = chunkRegions((positions) => convWeightWorkspaceBytes(kernel, og, k, positions), ohw, chunk, n,
        [chunk * geo.c * hp * wp + 4, og * chunk * ohw, k * og, groups * k * og, chunk * chw]));
    }
    if (kernel !== null && heap) {
      // No column matrix: the product reads the taps from a padded copy of the chunk.
      const [xpAt, gAt, cAt, sumAt, stageAt] = at as [number, number, number, number, number];
      copyPadded(kernel, heap, xpAt, stageAt, x, geo, n0, nc);
      const cg = geo.c / groups;
      for (let grp = 0; grp < groups; grp++) {
        channelsFirst(g, geo, grp, n0, nc, heap, gAt / 8);
        const groupSum = sumAt + 8 * grp * k * og;
        // The first chunk's product is the sum; later ones are added to it (as the TypeScript path adds its partial products).
        convWeightGemmWasmAt(kernel, gAt, xpAt + 8 * grp * cg * hp * wp, n0 === 0 ? groupSum : cAt, og, nc, 8 * geo.c * hp * wp, cg, hp, wp,
          geo.kh, geo.kw, geo.oh, geo.ow, geo.sh, geo.sw, geo.dh, geo.dw, 0);
        if (n0 !== 0) kernel.add_into(groupSum, cAt, k * og);
      }
      summed = true;
      if (n0 + nc >= n) copySums(heap, at[3]!, geo, out);
      continue;
    }
    // A last chunk too small for WebAssembly under 'auto' runs here, adding to what the others summed.
    if (summed) copySums(heap!, at[3]!, geo, out);
    summed = false;
    const cols = scratchOf(0, k * chunk * ohw);
    const reordered = chunk > 1 ? scratchOf(1, og * chunk * ohw) : cols;
    const partial = n > chunk ? scratchOf(2, og * k) : cols; // only used after the first chunk
    for (let grp = 0; grp < groups; grp++) {
      im2col(x, geo, grp, n0, nc, cols);
      let gg = g;
      let gAt = (n0 * o + grp * og) * ohw;
      if (nc !== 1) {
        gg = reordered;
        gAt = 0;
        channelsFirst(g, geo, grp, n0, nc, gg, 0);
      }
      const at0 = grp * og * k;
      if (n0 === 0) {
        gemm(gg, gAt, cols, 0, out, at0, og, k, m, false, true);
      } else {
        gemm(gg, gAt, cols, 0, partial, 0, og, k, m, false, true);
        for (let i = 0; i < og * k; i++) out[at0 + i]! += partial[i]!;
      }
    }
  }
  return out;
}

/** The weight adjoint's sums over chunks, [K, og] per group at byte offset `sumAt`, copied into out as [O, K] (w̄'s layout). */
function copySums(heap: Float64Array, sumAt: number, geo: ConvGeometry, out: Float64Array): void {
  const og = geo.o / geo.groups;
  const k = (geo.c / geo.groups) * geo.kh * geo.kw;
  for (let grp = 0; grp < geo.groups; grp++) {
    const from = sumAt / 8 + grp * k * og;
    const to = grp * og * k;
    for (let oc = 0; oc < og; oc++) for (let r = 0; r < k; r++) out[to + oc * k + r] = heap[from + r * og + oc]!;
  }
}

/**
 * conv2d's bias adjoint: g [N, O, H'·W'] summed per channel over samples and positions, [O]. Each
 * sample's block is summed in four interleaved partial sums (one chain of dependent additions
 * would wait on each one's latency), then the four and the samples in order.
 */
export function conv2dBiasGradData(g: Float64Array, n: number, o: number, ohw: number): Float64Array {
  const out = allocData(o);
  for (let s = 0; s < n; s++) {
    for (let oc = 0; oc < o; oc++) {
      const at = (s * o + oc) * ohw;
      const end = at + ohw;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let p = at;
      for (; p + 4 <= end; p += 4) {
        s0 += g[p]!;
        s1 += g[p + 1]!;
        s2 += g[p + 2]!;
        s3 += g[p + 3]!;
      }
      for (; p < end; p++) s0 += g[p]!;
      out[oc]! += (s0 + s1) + (s2 + s3);
    }
  }
  return out;
}
