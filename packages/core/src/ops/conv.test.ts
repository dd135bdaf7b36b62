/**
 * conv2d, maxPool2d and avgPool2d: forward values against a naive nested-loop reference written
 * here (PyTorch's definitions, read element by element) and against examples worked by hand, every
 * refusal, the adjoint ops' defining identities, and derivatives against finite differences in both
 * modes (to second order where the op is smooth).
 */
import * as core from '@adjoint/core';
import {
  ShapeError, Tensor, ValueError, registeredOps,
  add, avgPool2d, conv2d, conv2dTranspose, grad, jvp, maxPool2d, mul, randn, relu, reshape, setMatmulBackend, square, sum, tanh, tensor, vjp, zeros,
  type Conv2dOptions, type Pool2dOptions,
} from '@adjoint/core';
import { checkGrad, formatReport, type CheckOptions } from '@adjoint/gradcheck';
import { avgPool2dGrad, conv2dBiasGrad, conv2dInputGrad, conv2dWeightGrad, maxPool2dGather, maxPool2dGrad } from '../rule-ops';
import * as matmulKernels from '../kernels/matmul';
import { recycleData } from '../kernels/alloc';
import { expectThrows } from '../testing/expect-throws';

// ── A naive reference ───────────────────────────────────────────────────────────────────────────

interface Geometry {
  stride: [number, number];
  /** top, bottom, left, right */
  padding: [number, number, number, number];
  dilation: [number, number];
  groups: number;
}

/** PyTorch's conv2d, one output element at a time, with the padding read as zeros. */
function naiveConv(x: Tensor, w: Tensor, { stride, padding, dilation, groups }: Geometry): { shape: number[]; data: number[] } {
  const [n, c, h, wd] = x.shape as number[];
  const [o, cg, kh, kw] = w.shape as number[];
  const oh = Math.floor((h! + padding[0] + padding[1] - dilation[0] * (kh! - 1) - 1) / stride[0]) + 1;
  const ow = Math.floor((wd! + padding[2] + padding[3] - dilation[1] * (kw! - 1) - 1) / stride[1]) + 1;
  const og = o! / groups;
  const data: number[] = [];
  for (let b = 0; b < n!; b++) {
    for (let oc = 0; oc < o!; oc++) {
      const group = Math.floor(oc / og);
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          let s = 0;
          for (let ci = 0; ci < cg!; ci++) {
            for (let ki = 0; ki < kh!; ki++) {
              for (let kj = 0; kj < kw!; kj++) {
                const r = i * stride[0] + ki * dilation[0] - padding[0];
                const q = j * stride[1] + kj * dilation[1] - padding[2];
                if (r < 0 || q < 0 || r >= h! || q >= wd!) continue;
                const channel = group * cg! + ci;
                s += w.data[((oc * cg! + ci) * kh! + ki) * kw! + kj]! * x.data[((b * c! + channel) * h! + r) * wd! + q]!;
              }
            }
          }
          data.push(s);
        }
      }
    }
  }
  return { shape: [n!, o!, oh, ow], data };
}

/** PyTorch's max_pool2d (−∞ padding) or avg_pool2d (zeros counted), one window at a time. */
function naivePool(x: Tensor, kind: 'max' | 'avg', [kh, kw]: [number, number], [sh, sw]: [number, number], [ph, pw]: [number, number]): { shape: number[]; data: number[] } {
  const [n, c, h, w] = x.shape as number[];
  const oh = Math.floor((h! + 2 * ph - kh) / sh) + 1;
  const ow = Math.floor((w! + 2 * pw - kw) / sw) + 1;
  const data: number[] = [];
  for (let p = 0; p < n! * c!; p++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const inside: number[] = [];
        for (let a = 0; a < kh; a++) {
          for (let b = 0; b < kw; b++) {
            const r = i * sh + a - ph;
            const q = j * sw + b - pw;
            if (r >= 0 && q >= 0 && r < h! && q < w!) inside.push(x.data[(p * h! + r) * w! + q]!);
          }
        }
        data.push(kind === 'max' ? Math.max(...inside) : inside.reduce((s, v) => s + v, 0) / (kh * kw));
      }
    }
  }
  return { shape: [n!, c!, oh, ow], data };
}

/** Same shape, and every value within 1e-12 relative to the largest (the sums' order differs). */
function expectClose(t: Tensor, want: { shape: number[]; data: number[] }): void {
  expect(t.shape).toEqual(want.shape);
  const scale = Math.max(1, ...want.data.map(Math.abs));
  const bad = want.data.flatMap((v, i) => (Math.abs(t.data[i]! - v) <= 1e-12 * scale ? [] : [{ i, got: t.data[i], want: v }]));
  expect(bad.slice(0, 5)).toEqual([]);
}

const pair = (v: number | readonly [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);
const seeded = (shape: number[], seed: number): Tensor => randn(shape, { seed });

/** conv2d's padding option as [top, bottom, left, right] for a kernel of shape `ws` ('same': the odd one after). */
function paddingOf(options: Conv2dOptions, ws: number[]): [number, number, number, number] {
  const p = options.padding ?? 0;
  if (p === 'valid') return [0, 0, 0, 0];
  if (p === 'same') {
    const [dh, dw] = pair(options.dilation ?? 1);
    const rows = dh * (ws[2]! - 1);
    const cols = dw * (ws[3]! - 1);
    return [Math.floor(rows / 2), Math.ceil(rows / 2), Math.floor(cols / 2), Math.ceil(cols / 2)];
  }
  const [ph, pw] = pair(p);
  return [ph, ph, pw, pw];
}

/** checkGrad's report, asserted clean (its text in the failure). */
function expectGradOk(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options: CheckOptions = {}): void {
  const report = checkGrad(f, inputs, { tolerance: 'auto', ...options });
  expect(report.ok ? '' : formatReport(report)).toBe('');
  expect(report.compared).toBeGreaterThan(0);
}

/** ⟨a, b⟩ over all elements. */
const inner = (a: Tensor, b: Tensor): number => a.data.reduce((s, v, i) => s + v * b.data[i]!, 0);

// ── conv2d: values ──────────────────────────────────────────────────────────────────────────────

describe('conv2d values', () => {
  type Case = [string, number[], number[], Conv2dOptions, Geometry];
  const g = (stride: number | [number, number], padding: [number, number, number, number], dilation: number | [number, number] = 1, groups = 1): Geometry =>
    ({ stride: pair(stride), padding, dilation: pair(dilation), groups });
  const cases: Case[] = [
    ['plain', [2, 3, 6, 7], [4, 3, 3, 3], {}, g(1, [0, 0, 0, 0])],
    ['stride 2, padding 1', [2, 3, 7, 6], [4, 3, 3, 3], { stride: 2, padding: 1 }, g(2, [1, 1, 1, 1])],
    ['stride, padding and dilation as pairs', [1, 2, 8, 9], [3, 2, 3, 2], { stride: [2, 1], padding: [0, 2], dilation: [1, 2] }, g([2, 1], [0, 0, 2, 2], [1, 2])],
    ['two groups', [2, 4, 5, 5], [6, 2, 3, 3], { groups: 2, padding: 1 }, g(1, [1, 1, 1, 1], 1, 2)],
    ['depthwise (groups = C)', [1, 3, 5, 5], [3, 1, 3, 3], { groups: 3 }, g(1, [0, 0, 0, 0], 1, 3)],
    ['1×1 kernel', [2, 3, 4, 4], [5, 3, 1, 1], {}, g(1, [0, 0, 0, 0])],
    ["'valid'", [1, 2, 5, 5], [2, 2, 3, 3], { padding: 'valid' }, g(1, [0, 0, 0, 0])],
    ["'same', odd kernel", [1, 2, 5, 5], [2, 2, 3, 3], { padding: 'same' }, g(1, [1, 1, 1, 1])],
    ["'same', 2×2 kernel: the extra row and column after", [1, 2, 5, 4], [2, 2, 2, 2], { padding: 'same' }, g(1, [0, 1, 0, 1])],
    ["'same', 4×2 kernel", [2, 1, 6, 5], [2, 1, 4, 2], { padding: 'same' }, g(1, [1, 2, 0, 1])],
    ["'same', 2×3 kernel with dilation [3, 2]", [1, 2, 7, 7], [2, 2, 2, 3], { padding: 'same', dilation: [3, 2] }, g(1, [1, 2, 2, 2], [3, 2])],
    ['a stride that leaves the last rows unread', [1, 1, 7, 6], [2, 1, 2, 2], { stride: 3 }, g(3, [0, 0, 0, 0])],
    ['a kernel as large as the padded input', [1, 1, 3, 3], [1, 1, 5, 5], { padding: 1 }, g(1, [1, 1, 1, 1])],
  ];

  it.each(cases)('%s: the naive reference', (_name, xs, ws, options, geometry) => {
    const x = seeded(xs, 1);
    const w = seeded(ws, 2);
    expectClose(conv2d(x, w, options), naiveConv(x, w, geometry));
  });

  it("'same' keeps the input's height and width", () => {
    for (const [k, d] of [[1, 1], [2, 1], [3, 2], [4, 3]] as const) {
      expect(conv2d(zeros([1, 1, 9, 8]), zeros([1, 1, k, k]), { padding: 'same', dilation: d }).shape).toEqual([1, 1, 9, 8]);
    }
  });

  it('the same values on either matrix-product kernel, and in batches split into chunks (one sample and several per product)', () => {
    const x = seeded([12, 4, 20, 20], 3); // 36·324 columns per sample: chunks of 5, 5 and 2 samples
    const w = seeded([6, 2, 3, 3], 4);
    const want = naiveConv(x, w, g(1, [1, 1, 1, 1], 1, 2));
    const big = seeded([2, 8, 64, 64], 5); // more columns than a chunk holds (and than scratch keeps): one sample per product
    const wBig = seeded([2, 8, 3, 3], 6);
    const wantBig = naiveConv(big, wBig, g(1, [0, 0, 0, 0]));
    const previous = setMatmulBackend('js');
    try {
      for (const backend of ['js', 'wasm', 'auto'] as const) {
        setMatmulBackend(backend);
        expectClose(conv2d(x, w, { padding: 1, groups: 2 }), want);
        expectClose(conv2d(big, wBig), wantBig);
      }
    } finally {
      setMatmulBackend(previous);
    }
  });

  it('the method form x.conv2d(w, options)', () => {
    const x = seeded([2, 4, 5, 5], 2);
    const w = seeded([6, 2, 3, 3], 3);
    const options: Conv2dOptions = { stride: 2, padding: 1, groups: 2 };
    expect(Array.from(x.conv2d(w, options).data)).toEqual(Array.from(conv2d(x, w, options).data));
    expect(Array.from(x.conv2d(seeded([3, 4, 3, 3], 4)).data)).toEqual(Array.from(conv2d(x, seeded([3, 4, 3, 3], 4)).data));
  });

  it('an empty batch gives an empty result', () => {
    const out = conv2d(zeros([0, 2, 5, 5]), seeded([3, 2, 3, 3], 1), { padding: 1 });
    expect(out.shape).toEqual([0, 3, 5, 5]);
    expect(out.size).toBe(0);
  });

  it('hand-worked examples', () => {
    const nine = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    // x[i, j] − x[i+1, j+1] = −4 everywhere
    expect(conv2d(nine, tensor([[[[1, 0], [0, -1]]]])).toArray()).toEqual([[[[-4, -4], [-4, -4]]]]);
    // a 2×2 box sum, 'same': one row of zeros below and one column to the right
    expect(conv2d(nine, tensor([[[[1, 1], [1, 1]]]]), { padding: 'same' }).toArray()).toEqual([[[[12, 16, 9], [24, 28, 15], [15, 17, 9]]]]);
    // a 3×3 box sum of 1…16 with stride 2 and padding 1: the windows rows/cols −1…1 and 1…3
    const sixteen = reshape(tensor(Array.from({ length: 16 }, (_, i) => i + 1)), [1, 1, 4, 4]);
    expect(conv2d(sixteen, tensor([[[[1, 1, 1], [1, 1, 1], [1, 1, 1]]]]), { stride: 2, padding: 1 }).toArray()).toEqual([[[[14, 30], [57, 99]]]]);
    // dilation 2: x[i, j] + x[i, j+2] + x[i+2, j] + x[i+2, j+2] with x[r, c] = 5r + c + 1, so 20i + 4j + 28
    const twentyFive = reshape(tensor(Array.from({ length: 25 }, (_, i) => i + 1)), [1, 1, 5, 5]);
    expect(conv2d(twentyFive, tensor([[[[1, 1], [1, 1]]]]), { dilation: 2 }).toArray()).toEqual([[[[28, 32, 36], [48, 52, 56], [68, 72, 76]]]]);
    // channels: two groups see one channel each; one group mixes them
    const ab = tensor([[[[2]], [[3]]]]);
    expect(conv2d(ab, tensor([[[[10]]], [[[100]]]]), { groups: 2 }).toArray()).toEqual([[[[20]], [[300]]]]);
    expect(conv2d(ab, tensor([[[[1]], [[1]]], [[[1]], [[-1]]]])).toArray()).toEqual([[[[5]], [[-1]]]]);
  });
});

// ── conv2d: refusals ────────────────────────────────────────────────────────────────────────────

describe('conv2d refuses', () => {
  const x = zeros([1, 4, 5, 5]);
  const w = zeros([2, 4, 3, 3]);

  it('a kernel larger than the padded input, naming both', () => {
    expectThrows(() => conv2d(zeros([1, 1, 3, 3]), zeros([1, 1, 5, 5])), ShapeError,
      'conv2d: the kernel (5×5 with dilation 1) is larger than the padded input 3×3, got x [1, 1, 3, 3] and w [1, 1, 5, 5]');
    expectThrows(() => conv2d(zeros([1, 1, 5, 5]), zeros([1, 1, 3, 3]), { dilation: [3, 1] }), ShapeError,
      'conv2d: the kernel (3×3 with dilation 3×1) is larger than the padded input 5×5');
  });

  it('channels that groups does not divide, and a kernel of the wrong depth', () => {
    expectThrows(() => conv2d(zeros([1, 3, 5, 5]), zeros([2, 1, 3, 3]), { groups: 2 }), ShapeError,
      'conv2d: the input channels (C = 3) must be divisible by groups = 2, got x [1, 3, 5, 5] and w [2, 1, 3, 3]');
    expectThrows(() => conv2d(x, zeros([3, 2, 3, 3]), { groups: 2 }), ShapeError, 'conv2d: the output channels (O = 3) must be divisible by groups = 2');
    expectThrows(() => conv2d(x, zeros([2, 3, 3, 3]), { groups: 2 }), ShapeError,
      "conv2d: the kernel's input channels (3) must be C / groups = 4 / 2 = 2, got x [1, 4, 5, 5] and w [2, 3, 3, 3]");
    expectThrows(() => conv2d(x, zeros([2, 3, 3, 3])), ShapeError, "the kernel's input channels (3) must be C / groups = 4 / 1 = 4");
  });

  it('tensors not of rank 4, and empty axes other than the batch', () => {
    expectThrows(() => conv2d(zeros([4, 5, 5]), w), ShapeError, 'conv2d: x must be [N, C, H, W] and w [O, C / groups, kH, kW], both of rank 4, got x [4, 5, 5] and w [2, 4, 3, 3]');
    expectThrows(() => conv2d(x, zeros([4, 3, 3])), ShapeError, 'both of rank 4, got x [1, 4, 5, 5] and w [4, 3, 3]');
    expectThrows(() => conv2d(x, zeros([4, 3, 3])), ShapeError, 'both of rank 4');
    expectThrows(() => conv2d(zeros([1, 4, 0, 5]), w), ShapeError, 'conv2d: the input needs at least one channel, row and column (only the batch may be empty), got x [1, 4, 0, 5]');
    expectThrows(() => conv2d(x, zeros([2, 4, 0, 3])), ShapeError, 'conv2d: the kernel needs at least one output channel, input channel, row and column, got x [1, 4, 5, 5] and w [2, 4, 0, 3]');
    expectThrows(() => conv2d(x, zeros([0, 4, 3, 3])), ShapeError, 'conv2d: the kernel needs at least one output channel');
    expectThrows(() => conv2d(tensor(1), w), ShapeError, 'got x [] and w [2, 4, 3, 3]');
    expectThrows(() => conv2d('image' as never, w), ValueError, 'conv2d: expected a Tensor or a number, got string');
  });

  it('strides and dilations that are not positive integers, and negative or unknown padding', () => {
    expectThrows(() => conv2d(x, w, { stride: 0 }), ValueError, 'conv2d: stride must be a positive integer or a pair of them, got 0');
    expectThrows(() => conv2d(x, w, { stride: 1.5 }), ValueError, 'conv2d: stride must be a positive integer or a pair of them, got 1.5');
    expectThrows(() => conv2d(x, w, { stride: [1, 0] }), ValueError, 'got [1, 0]');
    expectThrows(() => conv2d(x, w, { stride: [1, 1, 1] as never }), ValueError, 'got [1, 1, 1]');
    expectThrows(() => conv2d(x, w, { stride: '2' as never }), ValueError, 'conv2d: stride must be a positive integer or a pair of them, got "2"');
    expectThrows(() => conv2d(x, w, { stride: null as never }), ValueError, 'got null');
    expectThrows(() => conv2d(x, w, { dilation: -1 }), ValueError, 'conv2d: dilation must be a positive integer or a pair of them, got -1');
    expectThrows(() => conv2d(x, w, { dilation: NaN }), ValueError, 'got NaN');
    expectThrows(() => conv2d(x, w, { padding: -1 }), ValueError, 'conv2d: padding must be a non-negative integer or a pair of them, got -1');
    expectThrows(() => conv2d(x, w, { padding: [1, -2] }), ValueError, 'got [1, -2]');
    expectThrows(() => conv2d(x, w, { padding: 0.5 }), ValueError, 'got 0.5');
    expectThrows(() => conv2d(x, w, { padding: 'full' as never }), ValueError, `conv2d: padding must be a non-negative integer, a pair of them, 'valid' or 'same', got "full"`);
    expectThrows(() => conv2d(x, w, { groups: 0 }), ValueError, 'conv2d: groups must be a positive integer, got 0');
    expectThrows(() => conv2d(x, w, { groups: 1.5 }), ValueError, 'got 1.5');
  });

  it("'same' with a stride", () => {
    expectThrows(() => conv2d(x, w, { padding: 'same', stride: 2 }), ValueError, "conv2d: padding 'same' needs stride 1 (with a larger stride no padding keeps the input's size), got stride [2, 2]");
    expectThrows(() => conv2d(x, w, { padding: 'same', stride: [1, 2] }), ValueError, 'got stride [1, 2]');
  });

  it('unknown options and options that are not an object', () => {
    expectThrows(() => conv2d(x, w, { strides: 2 } as never), ValueError, "conv2d: unknown option 'strides'; the options are stride, padding, dilation, groups, bias");
    expectThrows(() => conv2d(x, w, { bias: true } as never), ValueError, 'conv2d: expected a Tensor or a number, got boolean');
    expectThrows(() => conv2d(x, w, 3 as never), ValueError, 'conv2d: options must be an object, got 3');
    expectThrows(() => conv2d(x, w, null as never), ValueError, 'conv2d: options must be an object, got null');
  });

  it('an output too large to hold, before allocating it', () => {
    expectThrows(() => conv2d(zeros([1, 1, 1, 1]), zeros([1, 1, 1, 1]), { padding: 50_000 }), ValueError,
      'conv2d: the output has shape [1, 1, 100001, 100001]: 10000200001 elements, more than the 2147483647 a tensor can hold');
    const g = zeros([1, 1, 1, 1]);
    const attrs = { stride: [100_000, 100_000], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1, size: [100_000, 100_000] } as const;
    expectThrows(() => conv2dInputGrad(g, zeros([1, 1, 1, 1]), attrs), ValueError, 'conv2dInputGrad: the input has shape [1, 1, 100000, 100000]');
  });

  it("the adjoint ops: a cotangent that is not conv2d's output, and bad attributes, naming the op", () => {
    const attrs = { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1 } as const;
    expectThrows(() => conv2dInputGrad(zeros([1, 2, 3, 4]), zeros([2, 4, 3, 3]), { ...attrs, size: [5, 5] }), ShapeError,
      "conv2dInputGrad: g must have conv2d's output shape [1, 2, 3, 3], got g [1, 2, 3, 4] and w [2, 4, 3, 3] for an input of 5×5");
    expectThrows(() => conv2dWeightGrad(x, zeros([1, 2, 3, 2]), { ...attrs, size: [3, 3] }), ShapeError,
      "conv2dWeightGrad: g must have conv2d's output shape [1, 2, 3, 3], got x [1, 4, 5, 5] and g [1, 2, 3, 2] for a kernel of 3×3");
    expectThrows(() => conv2dWeightGrad(x, zeros([2, 2, 3, 3]), { ...attrs, size: [3, 3] }), ShapeError, "conv2dWeightGrad: g must have conv2d's output shape [1, 2, 3, 3]");
    expectThrows(() => conv2dInputGrad(zeros([1, 2, 3, 3]), zeros([2, 4, 3, 3]), { ...attrs, size: [5, 0] }), ValueError, 'conv2dInputGrad: size must be 2 positive integers, got [5, 0]');
    expectThrows(() => conv2dInputGrad(zeros([1, 2, 3, 3]), zeros([2, 4, 3, 3]), { ...attrs, stride: [1, 0], size: [5, 5] }), ValueError, 'conv2dInputGrad: stride must be 2 positive integers, got [1, 0]');
    expectThrows(() => conv2dWeightGrad(x, zeros([1, 2, 3, 3]), { ...attrs, padding: [0, 0, 0], size: [3, 3] } as never), ValueError, 'conv2dWeightGrad: padding must be 4 non-negative integers');
  });
});

// ── conv2d: derivatives ─────────────────────────────────────────────────────────────────────────

describe('conv2d derivatives', () => {
  const configs: [string, number[], number[], Conv2dOptions][] = [
    ['plain', [2, 2, 4, 4], [3, 2, 2, 2], {}],
    ['stride 2, padding 1', [1, 2, 5, 5], [2, 2, 3, 3], { stride: 2, padding: 1 }],
    ['groups and dilation', [1, 4, 5, 4], [2, 2, 2, 2], { groups: 2, dilation: [2, 1], padding: [1, 0] }],
    ["'same' with an even kernel", [1, 1, 4, 5], [2, 1, 2, 4], { padding: 'same' }],
    ['a stride past the last rows', [1, 1, 6, 5], [1, 1, 2, 2], { stride: 3 }],
  ];

  it.each(configs)('%s: first and second derivatives in x and w agree with finite differences, in both modes', (_name, xs, ws, options) => {
    expectGradOk((x, w) => conv2d(x!, w!, options), [seeded(xs, 7), seeded(ws, 8)], { order: 2 });
  });

  it('a smooth network of convolutions and average pooling, to second order (the adjoint ops differentiated again)', () => {
    const f = (x: Tensor, w1: Tensor, w2: Tensor): Tensor => {
      const h = avgPool2d(tanh(conv2d(x, w1, { padding: 1 })), { kernelSize: 2 });
      return sum(square(conv2d(h, w2, { padding: 'same' })));
    };
    expectGradOk(f, [seeded([2, 1, 4, 4], 9), seeded([2, 1, 3, 3], 10), seeded([1, 2, 2, 2], 11)], { order: 2 });
  });

  it('the adjoint ops are the adjoints: ⟨g, conv2d(x, w)⟩ = ⟨conv2dInputGrad(g, w), x⟩ = ⟨conv2dWeightGrad(x, g), w⟩, across chunks and groups', () => {
    const shapes: [number[], number[], Conv2dOptions][] = [
      [[12, 4, 20, 20], [6, 2, 3, 3], { padding: 1, groups: 2, stride: [2, 1] }], // chunks of several samples
      [[2, 8, 64, 64], [2, 8, 3, 3], { dilation: 2 }], // one sample per product, columns in a scratch array not kept
      [[3, 3, 7, 6], [3, 1, 2, 3], { groups: 3, padding: 'same' }],
    ];
    for (const [xs, ws, options] of shapes) {
      const x = seeded(xs, 12);
      const w = seeded(ws, 13);
      const y = conv2d(x, w, options);
      const g = seeded([...y.shape], 14);
      // conv2d's own adjoints, as the backward pass runs them: conv2dInputGrad and conv2dWeightGrad.
      const [, back] = vjp((xv, wv) => conv2d(xv, wv, options), x, w);
      const [dx, dw] = back(g);
      const value = inner(g, y);
      expect(Math.abs(inner(dx!, x) - value)).toBeLessThan(1e-10 * Math.abs(value) + 1e-9);
      expect(Math.abs(inner(dw!, w) - value)).toBeLessThan(1e-10 * Math.abs(value) + 1e-9);
      expect(dx!.shape).toEqual(xs);
      expect(dw!.shape).toEqual(ws);
    }
  });

  it('the adjoint ops applied directly give the same arrays as the backward pass', () => {
    const x = seeded([2, 2, 5, 5], 15);
    const w = seeded([4, 1, 3, 3], 16);
    const options = { stride: 2, padding: 1, groups: 2 };
    const g = seeded([2, 4, 3, 3], 17);
    const [, back] = vjp((xv, wv) => conv2d(xv, wv, options), x, w);
    const [dx, dw] = back(g);
    const attrs = { stride: [2, 2], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 2 } as const;
    expect(Array.from(conv2dInputGrad(g, w, { ...attrs, size: [5, 5] }).data)).toEqual(Array.from(dx!.data));
    expect(Array.from(conv2dWeightGrad(x, g, { ...attrs, size: [3, 3] }).data)).toEqual(Array.from(dw!.data));
  });

  it('forward mode: the tangent is conv2d(ẋ, w) + conv2d(x, ẇ)', () => {
    const x = seeded([1, 2, 4, 4], 18);
    const w = seeded([3, 2, 2, 2], 19);
    const tx = seeded([1, 2, 4, 4], 20);
    const tw = seeded([3, 2, 2, 2], 21);
    const [, tangent] = jvp((xv, wv) => conv2d(xv, wv, { padding: 1 }), [x, w], [tx, tw]);
    const want = conv2d(tx, w, { padding: 1 }).add(conv2d(x, tw, { padding: 1 }));
    expectClose(tangent, { shape: [...want.shape], data: Array.from(want.data) });
  });

  it('runs forward and both adjoints as matrix products: one gemm per group for a batch in one chunk', () => {
    // gemm, or on WebAssembly the product on operands already in its memory (im2col and col2im run there too)
    const spies = ['gemm', 'gemmWasmAt', 'convGemmWasmAt', 'convWeightGemmWasmAt'].map((name) => jest.spyOn(matmulKernels, name as 'gemm'));
    const calls = (): number => spies.reduce((total, spy) => total + spy.mock.calls.length, 0);
    try {
      for (const backend of ['js', 'wasm', 'auto'] as const) {
        const previous = setMatmulBackend(backend);
        try {
          spies.forEach((spy) => spy.mockClear());
          const x = randn([4, 4, 6, 6], { seed: 22, requiresGrad: true });
          const w = randn([6, 2, 3, 3], { seed: 23, requiresGrad: true });
          const y = conv2d(x, w, { groups: 2 });
          expect(calls()).toBe(2);
          sum(y).backward();
          expect(calls()).toBe(6); // two for x̄, two for w̄
          expect(x.grad!.shape).toEqual([4, 4, 6, 6]);
        } finally {
          setMatmulBackend(previous);
        }
      }
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
  });

  it('the input adjoint writes every element of its result (on a reused array full of NaN), on either kernel', () => {
    const w = seeded([3, 2, 3, 3], 67);
    const g = seeded([5, 3, 6, 6], 68);
    const attrs = { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1, size: [6, 6] } as const;
    const previous = setMatmulBackend('js');
    try {
      const want = Array.from(conv2dInputGrad(g, w, attrs).data);
      for (const backend of ['js', 'wasm'] as const) {
        setMatmulBackend(backend);
        recycleData(new Float64Array(5 * 2 * 6 * 6).fill(NaN));
        expect(Array.from(conv2dInputGrad(g, w, attrs).data)).toEqual(want);
      }
    } finally {
      setMatmulBackend(previous);
    }
  });

  it("under 'auto', a last chunk too small for WebAssembly runs on the TypeScript kernel and adds to the others' sums: the same values bit for bit", () => {
    // 327 samples per chunk (200 columns each), and a last chunk of one sample whose products (2·2·100 multiply-adds) stay in TypeScript
    const x = seeded([328, 2, 10, 10], 64);
    const w = seeded([2, 2, 1, 1], 65);
    const g = seeded([328, 2, 10, 10], 66);
    const run = (backend: 'js' | 'wasm' | 'auto'): number[][] => {
      const previous = setMatmulBackend(backend);
      try {
        const [y, back] = vjp((xv, wv) => conv2d(xv, wv), x, w);
        return [y, ...back(g)].map((t) => Array.from(t!.data));
      } finally {
        setMatmulBackend(previous);
      }
    };
    const js = run('js');
    expect(run('auto')).toEqual(js);
    expect(run('wasm')).toEqual(js);
  });

  it('the WebAssembly path (im2col, product and col2im in its memory; the forward product without columns at stride 1 along rows) gives the TypeScript path\'s values bit for bit', () => {
    const shapes: [number[], number[], Conv2dOptions][] = [
      [[12, 4, 20, 20], [6, 2, 3, 3], { padding: 1, groups: 2 }], // chunks of 5, 5 and 2 samples
      [[7, 3, 9, 11], [4, 3, 3, 2], { stride: [2, 3], padding: [2, 1], dilation: [1, 2] }], // strided rows and columns
      [[3, 2, 9, 8], [5, 2, 3, 3], { stride: [2, 1], padding: 1 }], // strided rows only: the product without columns
      [[2, 3, 6, 7], [6, 3, 1, 1], {}], // 1×1 kernel, rows of 7
      [[13, 8, 40, 40], [4, 8, 3, 3], { padding: 1 }], // the product without columns in two chunks (12 samples and 1)
      [[3, 2, 10, 9], [4, 1, 2, 3], { groups: 2, dilation: 3, padding: 'same' }], // uneven 'same' padding
      [[2, 8, 64, 64], [2, 8, 3, 3], { stride: 1 }], // one sample per product
      [[5, 1, 28, 28], [8, 1, 5, 5], { padding: 2 }], // the first layer of a small CNN
    ];
    for (const [xs, ws, options] of shapes) {
      const x = seeded(xs, 60);
      const w = seeded(ws, 61);
      const b = seeded([ws[0]!], 62);
      const run = (backend: 'js' | 'wasm'): number[][] => {
        const previous = setMatmulBackend(backend);
        try {
          const f = (xv: Tensor, wv: Tensor, bv: Tensor): Tensor => conv2d(xv, wv, { ...options, bias: bv });
          const y = f(x, w, b);
          const [, back] = vjp(f, x, w, b);
          return [y, ...back(seeded([...y.shape], 63))].map((t) => Array.from(t!.data));
        } finally {
          setMatmulBackend(previous);
        }
      };
      expect(run('wasm')).toEqual(run('js'));
    }
  });
});

// ── conv2d with a bias ──────────────────────────────────────────────────────────────────────────

describe('conv2d with the bias option', () => {
  const configs: [string, number[], number[], Conv2dOptions][] = [
    ['plain', [2, 2, 4, 4], [3, 2, 2, 2], {}],
    ['stride 2, padding 1', [1, 2, 5, 5], [2, 2, 3, 3], { stride: 2, padding: 1 }],
    ['groups and dilation', [1, 4, 5, 4], [2, 2, 2, 2], { groups: 2, dilation: [2, 1], padding: [1, 0] }],
    ["'same' with an even kernel", [1, 1, 4, 5], [2, 1, 2, 4], { padding: 'same' }],
  ];

  it.each(configs)('%s: the naive reference plus the bias, and bit for bit conv2d followed by a broadcasting add', (_name, xs, ws, options) => {
    const x = seeded(xs, 31);
    const w = seeded(ws, 32);
    const b = seeded([ws[0]!], 33);
    const y = conv2d(x, w, { ...options, bias: b });
    const plain = naiveConv(x, w, {
      stride: pair(options.stride ?? 1), dilation: pair(options.dilation ?? 1), groups: options.groups ?? 1,
      padding: paddingOf(options, ws),
    });
    const per = y.shape[2]! * y.shape[3]!;
    expectClose(y, { shape: plain.shape, data: plain.data.map((v, i) => v + b.data[Math.floor(i / per) % ws[0]!]!) });
    const unfused = add(conv2d(x, w, options), reshape(b, [ws[0]!, 1, 1]));
    expect(Array.from(y.data)).toEqual(Array.from(unfused.data));
  });

  it('the same values on either matrix-product kernel, in chunks of one sample and of several', () => {
    const cases: [number[], number[], Conv2dOptions][] = [
      [[12, 4, 20, 20], [6, 2, 3, 3], { padding: 1, groups: 2 }], // several samples per product
      [[2, 8, 64, 64], [2, 8, 3, 3], {}], // one sample per product
    ];
    const previous = setMatmulBackend('js');
    try {
      for (const [xs, ws, options] of cases) {
        const x = seeded(xs, 34);
        const w = seeded(ws, 35);
        const b = seeded([ws[0]!], 36);
        for (const backend of ['js', 'wasm', 'auto'] as const) {
          setMatmulBackend(backend);
          const unfused = add(conv2d(x, w, options), reshape(b, [ws[0]!, 1, 1]));
          expect(Array.from(conv2d(x, w, { ...options, bias: b }).data)).toEqual(Array.from(unfused.data));
        }
      }
    } finally {
      setMatmulBackend(previous);
    }
  });

  it.each(configs)('%s: first and second derivatives in x, w and the bias agree with finite differences, in both modes', (_name, xs, ws, options) => {
    expectGradOk((x, w, b) => conv2d(x!, w!, { ...options, bias: b! }), [seeded(xs, 37), seeded(ws, 38), seeded([ws[0]!], 39)], { order: 2 });
  });

  it('a network with biased convolutions, to second order', () => {
    const f = (x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor): Tensor => {
      const h = avgPool2d(tanh(conv2d(x, w1, { padding: 1, bias: b1 })), { kernelSize: 2 });
      return sum(square(conv2d(h, w2, { padding: 'same', bias: b2 })));
    };
    expectGradOk(f, [seeded([2, 1, 4, 4], 40), seeded([2, 1, 3, 3], 41), seeded([2], 42), seeded([1, 2, 2, 2], 43), seeded([1], 44)], { order: 2 });
  });

  it("the bias's adjoint is the cotangent summed per channel (conv2dBiasGrad), and the same as the unfused add's", () => {
    const x = seeded([3, 2, 5, 5], 45);
    const w = seeded([4, 2, 3, 3], 46);
    const b = seeded([4], 47);
    const g = seeded([3, 4, 5, 5], 48);
    const [, back] = vjp((xv, wv, bv) => conv2d(xv, wv, { padding: 1, bias: bv }), x, w, b);
    const [dx, dw, db] = back(g);
    const [, backUnfused] = vjp((xv, wv, bv) => add(conv2d(xv, wv, { padding: 1 }), reshape(bv, [4, 1, 1])), x, w, b);
    const [ux, uw, ub] = backUnfused(g);
    expect(Array.from(dx!.data)).toEqual(Array.from(ux!.data));
    expect(Array.from(dw!.data)).toEqual(Array.from(uw!.data));
    expectClose(db!, { shape: [4], data: Array.from(ub!.data) });
    expect(Array.from(conv2dBiasGrad(g).data)).toEqual(Array.from(db!.data));
    const want = [0, 1, 2, 3].map((o) => { let s = 0; for (let n = 0; n < 3; n++) for (let p = 0; p < 25; p++) s += g.data[(n * 4 + o) * 25 + p]!; return s; });
    expectClose(db!, { shape: [4], data: want });
  });

  it('forward mode: the tangent is conv2d(ẋ, w) + conv2d(x, ẇ) + ḃ', () => {
    const [x, w, b] = [seeded([1, 2, 4, 4], 49), seeded([3, 2, 2, 2], 50), seeded([3], 51)];
    const [tx, tw, tb] = [seeded([1, 2, 4, 4], 52), seeded([3, 2, 2, 2], 53), seeded([3], 54)];
    const [, tangent] = jvp((xv, wv, bv) => conv2d(xv, wv, { padding: 1, bias: bv }), [x, w, b], [tx, tw, tb]);
    const want = add(conv2d(tx, w, { padding: 1 }).add(conv2d(x, tw, { padding: 1 })), reshape(tb, [3, 1, 1]));
    expectClose(tangent, { shape: [...want.shape], data: Array.from(want.data) });
    const [, onlyBias] = jvp((bv) => conv2d(x, w, { padding: 1, bias: bv }), [b], [tb]);
    expect(onlyBias.shape).toEqual([1, 3, 5, 5]);
    expect(Array.from(onlyBias.data)).toEqual(Array.from(add(zeros([1, 3, 5, 5]), reshape(tb, [3, 1, 1])).data));
  });

  it('refuses a bias that is not [O] or not a tensor, naming conv2d', () => {
    const x = zeros([1, 2, 4, 4]);
    const w = zeros([3, 2, 3, 3]);
    expectThrows(() => conv2d(x, w, { bias: zeros([2]) }), ShapeError, 'conv2d: the bias must be [O] = [3]');
    expectThrows(() => conv2d(x, w, { bias: zeros([3, 1, 1]) }), ShapeError, 'conv2d: the bias must be [O]');
    expectThrows(() => conv2d(x, w, { bias: true as never }), ValueError, 'conv2d');
    expectThrows(() => conv2dBiasGrad(zeros([2, 3])), ShapeError, 'conv2dBiasGrad');
  });
});

// ── Pooling ─────────────────────────────────────────────────────────────────────────────────────

describe('maxPool2d and avgPool2d values', () => {
  const cases: [string, number[], Pool2dOptions][] = [
    ['2×2 windows side by side', [2, 3, 6, 6], { kernelSize: 2 }],
    ['an odd size: the last row and column dropped', [1, 2, 7, 5], { kernelSize: 2 }],
    ['overlapping 3×3 windows, stride 2, padding 1', [2, 2, 7, 6], { kernelSize: 3, stride: 2, padding: 1 }],
    ['pairs', [1, 2, 6, 9], { kernelSize: [2, 3], stride: [1, 2], padding: [1, 1] }],
    ['stride 1', [1, 1, 4, 5], { kernelSize: 2, stride: 1 }],
  ];

  it.each(cases)('%s: the naive reference', (_name, xs, options) => {
    const x = seeded(xs, 30);
    const k = pair(options.kernelSize as number);
    const s = pair((options.stride ?? options.kernelSize) as number);
    const p = pair((options.padding ?? 0) as number);
    expectClose(maxPool2d(x, options), naivePool(x, 'max', k, s, p));
    expectClose(avgPool2d(x, options), naivePool(x, 'avg', k, s, p));
  });

  it('the method forms x.maxPool2d(options) and x.avgPool2d(options)', () => {
    const x = seeded([1, 2, 5, 4], 31);
    const options: Pool2dOptions = { kernelSize: 3, stride: 2, padding: 1 };
    expect(Array.from(x.maxPool2d(options).data)).toEqual(Array.from(maxPool2d(x, options).data));
    expect(Array.from(x.avgPool2d(options).data)).toEqual(Array.from(avgPool2d(x, options).data));
  });

  it('hand-worked examples: −∞ padding for the maximum, zeros counted in the mean', () => {
    const x = tensor([[[[1, 2, 5, 6], [3, 4, 7, 8], [0, 0, 1, 0], [0, 9, 0, 0]]]]);
    expect(maxPool2d(x, { kernelSize: 2 }).toArray()).toEqual([[[[4, 8], [9, 1]]]]);
    expect(avgPool2d(x, { kernelSize: 2 }).toArray()).toEqual([[[[2.5, 6.5], [2.25, 0.25]]]]);
    // all negative: the padding never wins
    const negative = reshape(tensor(Array.from({ length: 9 }, (_, i) => -(i + 1))), [1, 1, 3, 3]);
    expect(maxPool2d(negative, { kernelSize: 3, stride: 2, padding: 1 }).toArray()).toEqual([[[[-1, -2], [-4, -5]]]]);
    // ones with one ring of zeros: corners see 1 of 4, edges 2 of 4
    expect(avgPool2d(tensor([[[[1, 1], [1, 1]]]]), { kernelSize: 2, stride: 1, padding: 1 }).toArray()).toEqual([[[[0.25, 0.5, 0.25], [0.5, 1, 0.5], [0.25, 0.5, 0.25]]]]);
    // a NaN is its window's maximum
    expect(maxPool2d(tensor([[[[NaN, 1], [2, 3]]]]), { kernelSize: 2 }).toArray()).toEqual([[[[NaN]]]]);
  });

  it('an empty batch gives an empty result', () => {
    expect(maxPool2d(zeros([0, 3, 4, 4]), { kernelSize: 2 }).shape).toEqual([0, 3, 2, 2]);
    expect(avgPool2d(zeros([0, 3, 4, 4]), { kernelSize: 2 }).shape).toEqual([0, 3, 2, 2]);
  });
});

describe('pooling refuses', () => {
  const x = zeros([1, 2, 5, 5]);
  it.each([['maxPool2d', maxPool2d], ['avgPool2d', avgPool2d]] as const)('%s: bad options and shapes, naming itself', (name, pool) => {
    expectThrows(() => pool(x, undefined as never), ValueError, `${name}: kernelSize is required: a positive integer or a pair of them`);
    expectThrows(() => pool(x, {} as never), ValueError, `${name}: kernelSize is required`);
    expectThrows(() => pool(x, { kernelSize: 0 }), ValueError, `${name}: kernelSize must be a positive integer or a pair of them, got 0`);
    expectThrows(() => pool(x, { kernelSize: [2, 2.5] }), ValueError, 'got [2, 2.5]');
    expectThrows(() => pool(x, { kernelSize: 2, stride: 0 }), ValueError, `${name}: stride must be a positive integer or a pair of them, got 0`);
    expectThrows(() => pool(x, { kernelSize: 2, padding: -1 }), ValueError, `${name}: padding must be a non-negative integer or a pair of them, got -1`);
    expectThrows(() => pool(x, { kernelSize: 3, padding: 2 }), ValueError, `${name}: padding must be at most half the kernel size, got padding 2 for kernelSize 3`);
    expectThrows(() => pool(x, { kernelSize: [2, 4], padding: [1, 3] }), ValueError, 'got padding [1, 3] for kernelSize [2, 4]');
    expectThrows(() => pool(x, { kernelSize: 2, strides: 1 } as never), ValueError, `${name}: unknown option 'strides'; the options are kernelSize, stride, padding`);
    expectThrows(() => pool(x, 2 as never), ValueError, `${name}: options must be an object, got 2`);
    expectThrows(() => pool(zeros([2, 5, 5]), { kernelSize: 2 }), ShapeError, `${name}: x must be [N, C, H, W] (rank 4), got x [2, 5, 5]`);
    expectThrows(() => pool(zeros([1, 0, 5, 5]), { kernelSize: 2 }), ShapeError, `${name}: the input needs at least one channel, row and column (only the batch may be empty), got x [1, 0, 5, 5]`);
    expectThrows(() => pool(zeros([1, 1, 3, 3]), { kernelSize: [6, 2], padding: [1, 0] }), ShapeError, `${name}: the window (6×2) is larger than the padded input 5×3, got x [1, 1, 3, 3]`);
  });

  it('the adjoint ops: a cotangent that is not the pooled shape', () => {
    const attrs = { kernel: [2, 2], stride: [2, 2], padding: [0, 0] } as const;
    expectThrows(() => maxPool2dGrad(zeros([1, 2, 3, 2]), x, attrs), ShapeError, 'maxPool2dGrad: g must have the pooled shape [1, 2, 2, 2], got g [1, 2, 3, 2] and x [1, 2, 5, 5]');
    expectThrows(() => maxPool2dGather(zeros([1, 2, 5, 4]), x, attrs), ShapeError, "maxPool2dGather: t must have x's shape, got t [1, 2, 5, 4] and x [1, 2, 5, 5]");
    expectThrows(() => avgPool2dGrad(zeros([1, 2, 3, 3]), { ...attrs, size: [5, 5] }), ShapeError, 'avgPool2dGrad: g must have the pooled shape [1, 2, 2, 2], got g [1, 2, 3, 3] for an input of 5×5');
    expectThrows(() => avgPool2dGrad(zeros([1, 2, 2, 2]), { ...attrs, padding: [2, 0], size: [5, 5] }), ValueError, 'avgPool2dGrad: padding must be at most half the kernel size, got padding 2×0 for a 2×2 kernel');
  });
});

describe('pooling derivatives', () => {
  const configs: [string, number[], Pool2dOptions][] = [
    ['side by side', [2, 2, 4, 4], { kernelSize: 2 }],
    ['overlapping and padded', [1, 2, 5, 5], { kernelSize: 3, stride: 2, padding: 1 }],
    ['pairs', [1, 1, 4, 6], { kernelSize: [2, 3], stride: [1, 2], padding: [1, 0] }],
  ];

  it.each(configs)('%s: avgPool2d to second order and maxPool2d to first, in both modes', (_name, xs, options) => {
    const x = seeded(xs, 40);
    expectGradOk((v) => avgPool2d(v!, options), [x], { order: 2 });
    expectGradOk((v) => maxPool2d(v!, options), [x]);
  });

  it('a network with relu and max pooling: first derivatives of every weight', () => {
    const f = (x: Tensor, w1: Tensor, w2: Tensor): Tensor => {
      const h = maxPool2d(relu(conv2d(x, w1)), { kernelSize: 2 });
      return sum(mul(conv2d(h, w2, { padding: 1 }), 0.5));
    };
    expectGradOk(f, [seeded([2, 1, 6, 6], 41), seeded([3, 1, 3, 3], 42), seeded([2, 3, 2, 2], 43)]);
  });

  it("max pooling's derivative goes to the first maximum of a window (row-major), and to a NaN", () => {
    const dx = (x: Tensor, options: Pool2dOptions): unknown => grad((v: Tensor) => sum(maxPool2d(v, options)))(x).toArray();
    expect(dx(tensor([[[[1, 3], [3, 2]]]]), { kernelSize: 2 })).toEqual([[[[0, 1], [0, 0]]]]);
    expect(dx(tensor([[[[7, 7], [7, 7]]]]), { kernelSize: 2 })).toEqual([[[[1, 0], [0, 0]]]]);
    // overlapping windows share a maximum: its derivative is the number of windows it wins
    expect(dx(tensor([[[[1, 5, 2]]]]), { kernelSize: [1, 2], stride: 1 })).toEqual([[[[0, 2, 0]]]]);
    expect(dx(tensor([[[[1, NaN], [2, 3]]]]), { kernelSize: 2 })).toEqual([[[[0, 1], [0, 0]]]]);
    // the tangent reads the same positions
    const [, t] = jvp((v) => maxPool2d(v, { kernelSize: 2 }), [tensor([[[[1, 3], [3, 2]]]])], [tensor([[[[10, 20], [30, 40]]]])]);
    expect(t.toArray()).toEqual([[[[20]]]]);
  });

  it('max pooling over 2×2 windows side by side: the adjoint zeroes the row and column no window reaches, and adds −0 into +0 as a scatter into zeros does', () => {
    for (const [h, w] of [[7, 9], [6, 8], [5, 4]] as const) {
      const x = seeded([2, 3, h, w], 70);
      const g = seeded([2, 3, Math.floor(h / 2), Math.floor(w / 2)], 71);
      g.data[0] = -0;
      g.data[5] = -0;
      recycleData(new Float64Array(x.size).fill(NaN)); // a spare full of NaN for the result: every element must be written
      const got = maxPool2dGrad(g, x, { kernel: [2, 2], stride: [2, 2], padding: [0, 0] });
      const want = new Float64Array(x.size); // zeros, then each ḡ added at its window's first maximum
      const [oh, ow] = [Math.floor(h / 2), Math.floor(w / 2)];
      for (let p = 0, i = 0; p < 6; p++) {
        for (let r = 0; r < oh; r++) {
          for (let c = 0; c < ow; c++, i++) {
            let best = (p * h + 2 * r) * w + 2 * c;
            for (const at of [best + 1, best + w, best + w + 1]) if (x.data[at]! > x.data[best]!) best = at;
            want[best]! += g.data[i]!;
          }
        }
      }
      expect(got.shape).toEqual([2, 3, h, w]);
      expect(Array.from(got.data).map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(Array.from(want).map((v) => (Object.is(v, -0) ? '-0' : v)));
    }
  });

  it("avg pooling's derivative spreads each cotangent over its window, padding included in the count", () => {
    const x = zeros([1, 1, 2, 2]);
    const [, back] = vjp((v) => avgPool2d(v, { kernelSize: 2, stride: 1, padding: 1 }), x);
    // each input lies in four of the nine 2×2 windows, each contributing 1/4
    expect(back(tensor([[[[1, 1, 1], [1, 1, 1], [1, 1, 1]]]]))[0]!.toArray()).toEqual([[[[1, 1], [1, 1]]]]);
    expect(back(tensor([[[[4, 0, 0], [0, 0, 0], [0, 0, 8]]]]))[0]!.toArray()).toEqual([[[[1, 0], [0, 2]]]]);
  });

  it("the adjoint ops' identities: ⟨g, pool(x)⟩ = ⟨adjoint(g), x⟩, for max at fixed positions", () => {
    const x = seeded([3, 2, 7, 6], 44);
    const attrs = { kernel: [3, 2], stride: [2, 1], padding: [1, 1] } as const;
    const options = { kernelSize: [3, 2], stride: [2, 1], padding: [1, 1] } as Pool2dOptions;
    const g = seeded([...avgPool2d(x, options).shape], 45);
    const t = seeded([3, 2, 7, 6], 46);
    const avg = inner(g, avgPool2d(x, options));
    expect(Math.abs(inner(avgPool2dGrad(g, { ...attrs, size: [7, 6] }), x) - avg)).toBeLessThan(1e-12 * Math.abs(avg) + 1e-12);
    const max = inner(g, maxPool2dGather(t, x, attrs));
    expect(Math.abs(inner(maxPool2dGrad(g, x, attrs), t) - max)).toBeLessThan(1e-12 * Math.abs(max) + 1e-12);
    expect(Array.from(maxPool2dGather(x, x, attrs).data)).toEqual(Array.from(maxPool2d(x, options).data));
  });
});

describe('the public surface', () => {
  it('exports conv2d, maxPool2d and avgPool2d, and none of the adjoint ops or the functions that apply the ops to attributes', () => {
    const names = Object.keys(core);
    expect(names).toEqual(expect.arrayContaining(['conv2d', 'maxPool2d', 'avgPool2d']));
    const internal = ['conv2dInputGrad', 'conv2dWeightGrad', 'conv2dBiasGrad', 'maxPool2dGrad', 'maxPool2dGather', 'avgPool2dGrad', 'conv2dWith', 'conv2dBiasWith', 'maxPool2dWith', 'avgPool2dWith'];
    expect(names.filter((name) => internal.includes(name))).toEqual([]);
    const ops = registeredOps().map((op) => op.name);
    expect(ops).toEqual(expect.arrayContaining(['conv2d', 'conv2dBias', 'maxPool2d', 'avgPool2d', ...internal.slice(0, 6)]));
  });
});

describe('conv2dTranspose', () => {
  const x = seeded([2, 4, 3, 5], 60);
  const w = seeded([4, 3, 3, 2], 61); // PyTorch's transposed layout: [C, O / groups, kH, kW]

  it("PyTorch's output size: (H − 1)·s − 2p + d·(k − 1) + outputPadding + 1", () => {
    expect(conv2dTranspose(x, w).shape).toEqual([2, 3, 5, 6]);
    expect(conv2dTranspose(x, w, { stride: 2, padding: 1, outputPadding: 1 }).shape).toEqual([2, 3, 6, 9]);
    expect(conv2dTranspose(x, w, { stride: [3, 1], dilation: [2, 1], padding: [0, 1] }).shape).toEqual([2, 3, 11, 4]);
    expect(conv2dTranspose(x, seeded([4, 1, 1, 1], 62), { groups: 4 }).shape).toEqual([2, 4, 3, 5]);
  });

  it('is the adjoint of conv2d in its input: ⟨conv2d(y, w), x⟩ = ⟨y, conv2dTranspose(x, w)⟩', () => {
    const cases: { outputPadding?: number; stride?: number | [number, number]; padding?: number; dilation?: number; groups?: number }[] = [
      {}, { stride: 2, padding: 1, outputPadding: 1 }, { stride: [2, 3], dilation: 2 }, { groups: 2 },
    ];
    for (const options of cases) {
      const kernel = options.groups === 2 ? seeded([4, 3, 3, 2], 63) : w; // [C, O / 2] with O = 6 for two groups
      const y = seeded([...conv2dTranspose(x, kernel, options).shape], 64);
      const { outputPadding: _, ...convOptions } = options; // conv2d maps the larger output back to x's size
      const left = sum(mul(conv2d(y, kernel, convOptions), x)).item();
      const right = sum(mul(y, conv2dTranspose(x, kernel, options))).item();
      expect(Math.abs(left - right)).toBeLessThan(1e-12 * Math.abs(left) + 1e-12);
    }
  });

  it('adds the bias per output channel, and is differentiable to second order in x, w and the bias', () => {
    const b = seeded([3], 65);
    const plain = conv2dTranspose(x, w, { stride: 2 });
    const biased = conv2dTranspose(x, w, { stride: 2, bias: b });
    expect(Array.from(biased.data)).toEqual(Array.from(add(plain, reshape(b, [3, 1, 1])).data));
    expectGradOk((xx, ww, bb) => conv2dTranspose(xx!, ww!, { stride: 2, padding: 1, outputPadding: 1, bias: bb! }), [seeded([1, 2, 3, 3], 66), seeded([2, 2, 2, 2], 67), seeded([2], 68)], { order: 2 });
  });

  it('an outputPadding at or beyond the stride (allowed by a larger dilation) adds rows and columns no input reaches: the bias alone', () => {
    const b = seeded([3], 69);
    const y = conv2dTranspose(x, w, { dilation: 2, outputPadding: 1, bias: b });
    const plain = conv2dTranspose(x, w, { dilation: 2, bias: b });
    expect(y.shape).toEqual([2, 3, plain.shape[2]! + 1, plain.shape[3]! + 1]);
    const [h, wd] = [y.shape[2]!, y.shape[3]!];
    for (let o = 0; o < 3; o++) {
      for (let j = 0; j < wd; j++) expect(y.data[((1 * 3 + o) * h + h - 1) * wd + j]).toBe(b.data[o]);
    }
    expectGradOk((xx, ww) => conv2dTranspose(xx!, ww!, { dilation: [2, 3], outputPadding: [1, 2] }), [seeded([1, 2, 2, 3], 70), seeded([2, 2, 2, 2], 71)], { order: 2 });
  });

  it('errors name conv2dTranspose and the shapes', () => {
    expectThrows(() => conv2dTranspose(seeded([4, 3, 5], 1), w), ShapeError, 'conv2dTranspose: x must be [N, C, H, W] and w [C, O / groups, kH, kW], both of rank 4, got x [4, 3, 5] and w [4, 3, 3, 2]');
    expectThrows(() => conv2dTranspose(x, seeded([3, 4, 3, 2], 1)), ShapeError, "conv2dTranspose: w's first axis must be x's channels (C = 4), got x [2, 4, 3, 5] and w [3, 4, 3, 2]");
    expectThrows(() => conv2dTranspose(x, w, { groups: 3 }), ShapeError, 'conv2dTranspose: the input channels (C = 4) must be divisible by groups = 3');
    expectThrows(() => conv2dTranspose(x, w, { outputPadding: 1 }), ValueError, "conv2dTranspose: outputPadding must be less than the stride or the dilation (PyTorch's rule), got outputPadding 1 for stride [1, 1] and dilation [1, 1]");
    expectThrows(() => conv2dTranspose(x, w, { padding: 3 }), ShapeError, 'conv2dTranspose: the padding leaves an empty output (-1×0)');
    expectThrows(() => conv2dTranspose(x, w, { bias: zeros([4]) }), ShapeError, 'conv2dTranspose: the bias must be [O] = [3], got [4]');
    expectThrows(() => conv2dTranspose(x, w, { output_padding: 1 } as never), ValueError, 'conv2dTranspose');
    expectThrows(() => conv2dTranspose(x, w, { stride: 0 }), ValueError, 'conv2dTranspose: stride must be a positive integer or a pair of them, got 0');
  });
});
