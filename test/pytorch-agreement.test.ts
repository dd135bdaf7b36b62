/**
 * adjoint against PyTorch in float64: the layers (values, input, state and parameter gradients, the
 * running statistics after each call), the optimizers' trajectories, the losses, gradient clipping,
 * a few op expressions and a Hessian, on random inputs, each to 1e-12 of the largest value it is
 * compared with. PyTorch computes its half in one run of test/support/pytorch_agreement.py with
 * Debian's python3 (python3-torch); without it the suite says how to install it and is skipped.
 * The rules themselves are checked against finite differences elsewhere; this is the check that
 * adjoint's conventions (layouts, gate order, momentum, ε placement, defaults) are PyTorch's.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { Rng, hessian, noGrad, tensor, type Tensor } from '@adjoint/core';
import * as core from '@adjoint/core';
import * as nn from '@adjoint/nn';

const PYTHON = process.env.ADJOINT_PYTHON ?? '/usr/bin/python3';
const SCRIPT = path.join(__dirname, 'support', 'pytorch_agreement.py');
const TOLERANCE = 1e-12;

type Data = { shape: number[]; data: number[] };
type Case = Record<string, unknown> & { kind: string; label: string };

const rng = new Rng(2026);
const draw = (shape: readonly number[], scale = 1): number[] => Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal(0, scale));
const data = (t: Tensor): Data => ({ shape: [...t.shape], data: Array.from(t.data) });
const random = (shape: number[], scale = 1): Data => ({ shape, data: draw(shape, scale) });
/** Square matrices (the last two axes) with `shift` added to their diagonals: far from singular. */
const conditioned = (shape: number[], shift: number): Data => {
  const n = shape[shape.length - 1]!;
  return { shape, data: draw(shape).map((v, i) => (Math.floor(i / n) % n === i % n ? v + shift : v)) };
};

/** What adjoint computed for a case, beside the case that PyTorch receives. */
type Check = (torchResult: Record<string, unknown>) => void;
const cases: Case[] = [];
const checks: Check[] = [];

/** Whether `got` is `want` to TOLERANCE of want's largest magnitude (and of the same length). */
function expectClose(label: string, got: readonly number[], want: readonly number[]): void {
  expect({ label, length: got.length }).toEqual({ label, length: want.length });
  const scale = Math.max(1e-300, ...want.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / scale);
  if (worst > TOLERANCE) throw new Error(`${label}: differs from PyTorch by ${worst.toExponential(2)} of its largest value`);
}

// ── Layers ──────────────────────────────────────────────────────────────────────────────────────

interface LayerCase {
  layer: string;
  args: unknown[];
  options?: Record<string, unknown>;
  input: number[];
  /** Class indices for Embedding. */
  indices?: number[][];
  /** An initial state for the recurrent layers. */
  state?: boolean;
  /** Training (true) or evaluation mode, one call each, in order. */
  modes?: boolean[];
}

const recurrent = (kind: string): boolean => kind === 'RNN' || kind === 'LSTM' || kind === 'GRU';

function layerCase(spec: LayerCase): void {
  const { layer: kind, args, options = {}, input, modes = [true] } = spec;
  const Layer = (nn as unknown as Record<string, new (...a: unknown[]) => nn.Module>)[kind]!;
  const m = new Layer(...args, options);
  // Random parameters and buffers: the defaults (ones, zeros) would hide a mixed-up γ and β.
  for (const [, p] of m.namedParameters()) p.data.set(draw(p.shape, 0.5));
  for (const [name, b] of m.namedBuffers()) b.data.set(draw(b.shape).map((v) => (name === 'runningVar' ? 0.5 + v * v : v)));
  const params = Object.fromEntries(m.namedParameters().map(([n, p]) => [n, data(p)]));
  const buffers = Object.fromEntries(m.namedBuffers().map(([n, b]) => [n, data(b)]));
  const calls: Record<string, unknown>[] = [];
  const ours: { outs: Tensor[]; x: Tensor; state: Tensor[] | null; grads: Record<string, number[]>; buffers: Record<string, number[]> }[] = [];
  for (const train of modes) {
    m.train(train);
    m.zeroGrad();
    const x = spec.indices ? tensor(spec.indices) : tensor(draw(input), { shape: input, requiresGrad: true });
    let state: Tensor[] | null = null;
    let outs: Tensor[];
    if (recurrent(kind)) {
      const o = options as { numLayers?: number; bidirectional?: boolean };
      const cells = (o.numLayers ?? 1) * (o.bidirectional ? 2 : 1);
      const shape = cells === 1 ? [input[0]!, args[1] as number] : [cells, input[0]!, args[1] as number];
      if (spec.state) state = (kind === 'LSTM' ? [0, 1] : [0]).map(() => tensor(draw(shape), { shape, requiresGrad: true }));
      const given = state === null ? undefined : kind === 'LSTM' ? state : state[0];
      const [out, hn] = (m as unknown as { forward(x: Tensor, s?: unknown): [Tensor, Tensor | Tensor[]] }).forward(x, given);
      outs = [out, ...(Array.isArray(hn) ? hn : [hn])];
    } else {
      outs = [(m as unknown as { forward(x: Tensor): Tensor }).forward(x)];
    }
    const seeds = outs.map((o) => tensor(draw(o.shape), { shape: [...o.shape] }));
    outs.map((o, i) => o.mul(seeds[i]!).sum()).reduce((a, b) => a.add(b)).backward();
    calls.push({ train, x: data(x), state: state?.map(data) ?? null, R: seeds.map(data) });
    ours.push({
      outs, x, state,
      grads: Object.fromEntries(m.namedParameters().map(([n, p]) => [n, p.grad ? Array.from(p.grad.data) : new Array(p.size).fill(0)])),
      buffers: Object.fromEntries(m.namedBuffers().map(([n, b]) => [n, Array.from(b.data)])),
    });
  }
  const label = `${kind}(${args.map((a) => JSON.stringify(a)).join(', ')}${Object.keys(options).length ? `, ${JSON.stringify(options)}` : ''}) on [${input}]`;
  cases.push({ kind: 'layer', label, layer: kind, args, options, params, buffers, calls });
  checks.push((result) => {
    (result.calls as Record<string, unknown>[]).forEach((theirs, k) => {
      const mine = ours[k]!;
      const at = `${label}, call ${k + 1} (${modes[k] ? 'training' : 'evaluation'})`;
      (theirs.outs as number[][]).forEach((want, i) => expectClose(`${at}: output ${i}`, Array.from(mine.outs[i]!.data), want));
      if (theirs.xGrad !== null) expectClose(`${at}: input gradient`, Array.from(mine.x.grad!.data), theirs.xGrad as number[]);
      if (theirs.stateGrad !== null) {
        (theirs.stateGrad as number[][]).forEach((want, i) => expectClose(`${at}: initial state ${i} gradient`, Array.from(mine.state![i]!.grad!.data), want));
      }
      for (const [name, want] of Object.entries(theirs.paramGrads as Record<string, number[]>)) expectClose(`${at}: ${name}'s gradient`, mine.grads[name]!, want);
      for (const [name, want] of Object.entries(theirs.buffers as Record<string, number[]>)) expectClose(`${at}: ${name} after`, mine.buffers[name]!, want);
    });
  });
}

const layerCases: LayerCase[] = [
  { layer: 'Dense', args: [5, 3], input: [4, 5] },
  { layer: 'Conv2d', args: [3, 4, 3], input: [2, 3, 7, 6] },
  { layer: 'Conv2d', args: [4, 6, [3, 2]], options: { stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2 }, input: [2, 4, 9, 8] },
  { layer: 'Conv2d', args: [3, 3, 3], options: { groups: 3, padding: 'same', bias: false }, input: [1, 3, 5, 5] },
  { layer: 'ConvTranspose2d', args: [4, 6, [3, 2]], options: { stride: [2, 3], padding: [1, 0], outputPadding: [1, 2], dilation: [1, 2], groups: 2 }, input: [2, 4, 3, 4] },
  { layer: 'ConvTranspose2d', args: [2, 3, 4], options: { stride: 2, padding: 1, bias: false }, input: [1, 2, 5, 5] },
  { layer: 'ConvTranspose2d', args: [2, 2, [2, 3]], options: { stride: [1, 2], dilation: [2, 3], outputPadding: [1, 2] }, input: [1, 2, 3, 4] },
  { layer: 'Conv2d', args: [2, 2, 4], options: { padding: 'same', dilation: 2 }, input: [2, 2, 9, 7] },
  { layer: 'Conv1d', args: [3, 4, 3], options: { stride: 2, padding: 1 }, input: [2, 3, 11] },
  { layer: 'Conv1d', args: [4, 4, 5], options: { padding: 'same', dilation: 2, groups: 2 }, input: [3, 4, 12] },
  { layer: 'MaxPool2d', args: [2], input: [2, 3, 6, 7] },
  { layer: 'MaxPool2d', args: [3], options: { stride: 2, padding: 1 }, input: [1, 2, 7, 8] },
  { layer: 'AvgPool2d', args: [[2, 3]], options: { stride: [2, 1], padding: [1, 1] }, input: [2, 2, 6, 6] },
  { layer: 'MaxPool1d', args: [3], options: { stride: 2 }, input: [2, 3, 10] },
  { layer: 'AvgPool1d', args: [3], options: { padding: 1 }, input: [2, 2, 9] },
  { layer: 'BatchNorm', args: [5], input: [8, 5], modes: [true, true, false] },
  { layer: 'BatchNorm', args: [4], options: { momentum: 0.3, eps: 1e-3 }, input: [3, 6, 4], modes: [true, false] },
  { layer: 'BatchNorm2d', args: [3], options: { momentum: 0.2 }, input: [4, 3, 5, 5], modes: [true, true, false] },
  { layer: 'LayerNorm', args: [[4, 5]], input: [3, 4, 5] },
  { layer: 'LayerNorm', args: [6], options: { elementwiseAffine: false }, input: [2, 3, 6] },
  { layer: 'GroupNorm', args: [3, 6], input: [2, 6, 4, 3] },
  { layer: 'GroupNorm', args: [2, 4], options: { eps: 1e-3, affine: false }, input: [3, 4, 5] },
  { layer: 'InstanceNorm2d', args: [3], input: [2, 3, 4, 5] },
  { layer: 'InstanceNorm2d', args: [3], options: { affine: true, trackRunningStats: true, momentum: 0.2 }, input: [2, 3, 3, 4], modes: [true, true, false] },
  { layer: 'AdaptiveAvgPool2d', args: [1], input: [2, 3, 5, 7] },
  { layer: 'AdaptiveAvgPool2d', args: [[4, 3]], input: [2, 2, 7, 9] },
  { layer: 'AdaptiveAvgPool2d', args: [[null, 5]], input: [1, 2, 3, 7] },
  { layer: 'AdaptiveMaxPool2d', args: [[3, 2]], input: [2, 2, 7, 5] },
  { layer: 'AdaptiveMaxPool2d', args: [[2, 3]], input: [1, 2, 4, 9] },
  { layer: 'Upsample', args: [], options: { scaleFactor: 2 }, input: [2, 2, 3, 4] },
  { layer: 'Upsample', args: [], options: { size: [7, 5] }, input: [1, 2, 3, 4] },
  { layer: 'Upsample', args: [], options: { scaleFactor: [1.5, 2.5], mode: 'bilinear' }, input: [2, 2, 4, 3] },
  { layer: 'Upsample', args: [], options: { size: [5, 3], mode: 'bilinear', alignCorners: true }, input: [1, 3, 3, 6] },
  { layer: 'PixelShuffle', args: [2], input: [2, 8, 3, 2] },
  { layer: 'PixelUnshuffle', args: [3], input: [1, 2, 6, 3] },
  { layer: 'Embedding', args: [7, 4], options: { paddingIdx: 2 }, input: [2, 3], indices: [[0, 2, 6], [2, 1, 3]] },
  { layer: 'RNN', args: [3, 5], input: [2, 4, 3] },
  { layer: 'RNN', args: [3, 4], options: { numLayers: 2, bidirectional: true, nonlinearity: 'relu' }, input: [3, 5, 3], state: true },
  { layer: 'LSTM', args: [3, 4], input: [2, 6, 3], state: true },
  { layer: 'LSTM', args: [3, 4], options: { numLayers: 2, bidirectional: true }, input: [2, 5, 3], state: true },
  { layer: 'GRU', args: [4, 3], options: { bidirectional: true }, input: [2, 5, 4] },
  { layer: 'GRU', args: [3, 5], options: { numLayers: 2 }, input: [3, 4, 3], state: true },
];
layerCases.forEach(layerCase);

// ── Optimizers: six steps on two parameters from the same gradients ─────────────────────────────

const optimizerCases: [string, Record<string, number | boolean>][] = [
  ['SGD', { lr: 0.1 }],
  ['SGD', { lr: 0.05, momentum: 0.9, weightDecay: 0.01 }],
  ['SGD', { lr: 0.05, momentum: 0.8, nesterov: true }],
  ['Adam', { lr: 0.01 }],
  ['Adam', { lr: 0.02, beta1: 0.5, beta2: 0.9, eps: 1e-6, weightDecay: 0.1 }],
  ['AdamW', { lr: 0.01, weightDecay: 0.05 }],
  ['RMSprop', { lr: 0.01, rho: 0.8, weightDecay: 0.02 }],
  ['Adagrad', { lr: 0.1, eps: 1e-10, weightDecay: 0.01 }],
];
for (const [name, options] of optimizerCases) {
  const shapes = [[3, 4], [5]];
  const initial = shapes.map((s) => random(s));
  const grads = Array.from({ length: 6 }, () => shapes.map((s) => random(s)));
  const params = initial.map((p) => tensor(p.data, { shape: p.shape, requiresGrad: true }));
  const Optimizer = (nn as unknown as Record<string, new (p: Tensor[], o: object) => nn.Optimizer>)[name]!;
  const opt = new Optimizer(params, options);
  const after = grads.map((step) => {
    step.forEach((g, i) => (params[i]!.grad = tensor(g.data, { shape: g.shape })));
    opt.step();
    return params.map((p) => Array.from(p.data));
  });
  const label = `${name}(${JSON.stringify(options)})`;
  cases.push({ kind: 'optimizer', label, optimizer: name, options, params: initial, grads });
  checks.push((result) => {
    (result.after as number[][][]).forEach((step, k) => step.forEach((want, i) => expectClose(`${label}: parameter ${i} after step ${k + 1}`, after[k]![i]!, want)));
  });
}

// Param groups: the weight with a learning rate of its own, changed after three steps as
// `param_group['lr'] = …`; the bias with a weight decay of its own.
const groupCases: [string, Record<string, number | boolean>][] = [
  ['SGD', { lr: 0.05, momentum: 0.9, weightDecay: 0.01 }],
  ['Adam', { lr: 0.02, weightDecay: 0.1 }],
  ['AdamW', { lr: 0.01, weightDecay: 0.05 }],
  ['RMSprop', { lr: 0.01, weightDecay: 0.02 }],
  ['Adagrad', { lr: 0.1 }],
];
for (const [name, options] of groupCases) {
  const shapes = [[3, 4], [5]];
  const initial = shapes.map((s) => random(s));
  const grads = Array.from({ length: 6 }, () => shapes.map((s) => random(s)));
  const params = initial.map((p) => tensor(p.data, { shape: p.shape, requiresGrad: true }));
  const lr = options.lr as number;
  const groups = [{ indices: [0], lr: lr / 2 }, { indices: [1], weightDecay: 0.3 }];
  const lrChange = { beforeStep: 3, group: 0, lr: lr * 3 };
  const Optimizer = (nn as unknown as Record<string, new (p: nn.ParamGroupOptions[], o: object) => nn.Optimizer>)[name]!;
  const opt = new Optimizer(groups.map(({ indices, ...rest }) => ({ params: indices.map((i) => params[i]!), ...rest })), options);
  const after = grads.map((step, k) => {
    if (k === lrChange.beforeStep) opt.paramGroups[lrChange.group]!.lr = lrChange.lr;
    step.forEach((g, i) => (params[i]!.grad = tensor(g.data, { shape: g.shape })));
    opt.step();
    return params.map((p) => Array.from(p.data));
  });
  const label = `${name}(${JSON.stringify(options)}) with param groups`;
  cases.push({ kind: 'optimizer', label, optimizer: name, options, params: initial, grads, groups, lrChange });
  checks.push((result) => {
    (result.after as number[][][]).forEach((step, k) => step.forEach((want, i) => expectClose(`${label}: parameter ${i} after step ${k + 1}`, after[k]![i]!, want)));
  });
}

// ── ReduceLROnPlateau: each group's rate after each epoch's value, exactly ───────────────────────
{
  // A generator of its own, so that the other sections' random inputs stay what they were.
  const noise = new Rng(7);
  const falling = Array.from({ length: 40 }, (_, k) => 1 + 0.5 * Math.exp(-k / 3) + 0.02 * noise.normal());
  const rising = Array.from({ length: 25 }, (_, k) => 0.9 - 0.4 * Math.exp(-k / 4) + 0.01 * noise.normal());
  const flat = Array.from({ length: 70 }, () => 2 + 1e-5 * noise.normal());
  const plateauCases: [nn.ReduceLROnPlateauOptions, number[], number[]][] = [
    [{ factor: 0.5, patience: 2, threshold: 0.01, cooldown: 1, minLr: [0.01, 0.002] }, [0.1, 0.02], falling],
    [{ mode: 'max', thresholdMode: 'abs', threshold: 0.01, patience: 0, factor: 0.3, minLr: 1e-3, eps: 1e-3 }, [0.05], rising],
    [{}, [0.1, 1e-6], flat], // the defaults; the second group stops where a reduction would be below eps
    [{ thresholdMode: 'abs', threshold: 0.05, cooldown: 3, patience: 1 }, [1], falling],
  ];
  for (const [options, lrs, metrics] of plateauCases) {
    const opt = new nn.SGD(lrs.map((lr) => ({ params: [tensor([0], { requiresGrad: true })], lr })), { lr: lrs[0]! });
    const scheduler = new nn.ReduceLROnPlateau(opt, options);
    const ours = metrics.map((m) => {
      scheduler.step(m);
      return lrs.map((_, g) => opt.currentLr(g));
    });
    const label = `ReduceLROnPlateau(${JSON.stringify(options)}) over rates ${JSON.stringify(lrs)}`;
    cases.push({ kind: 'plateau', label, options, lrs, metrics });
    checks.push((result) => {
      expect(new Set(ours.map(String)).size).toBeGreaterThan(2); // the case lowers the rates more than once
      expect({ label, lrs: ours }).toEqual({ label, lrs: result.lrs });
    });
  }
}

// ── Schedules against torch.optim.lr_scheduler, step by step ────────────────────────────────────
{
  const scheduleCases: [string, nn.Schedule, number, string, Record<string, unknown>, number][] = [
    ['oneCycle, cos', nn.oneCycle(0.1, { totalSteps: 40 }), 0.1, 'OneCycleLR', { max_lr: 0.1, total_steps: 40, cycle_momentum: false }, 41],
    ['oneCycle, linear', nn.oneCycle(0.3, { totalSteps: 25, pctStart: 0.4, annealStrategy: 'linear', divFactor: 10, finalDivFactor: 100 }), 0.3, 'OneCycleLR', {
      max_lr: 0.3, total_steps: 25, pct_start: 0.4, anneal_strategy: 'linear', div_factor: 10, final_div_factor: 100, cycle_momentum: false,
    }, 26],
    ['oneCycle, a climb ending before step 0 (fall only)', nn.oneCycle(1, { totalSteps: 3 }), 1, 'OneCycleLR', { max_lr: 1, total_steps: 3, cycle_momentum: false }, 4],
    ['cosineWarmRestarts', nn.cosineWarmRestarts(0.2, { firstCycleSteps: 7 }), 0.2, 'CosineAnnealingWarmRestarts', { T_0: 7 }, 30],
    ['cosineWarmRestarts, growing', nn.cosineWarmRestarts(0.2, { firstCycleSteps: 3, cycleMultiplier: 2, minLr: 0.01 }), 0.2, 'CosineAnnealingWarmRestarts', { T_0: 3, T_mult: 2, eta_min: 0.01 }, 40],
  ];
  for (const [label, schedule, lr, scheduler, args, steps] of scheduleCases) {
    const ours = Array.from({ length: steps }, (_, t) => schedule(t));
    cases.push({ kind: 'schedule', label, lr, scheduler, args, steps });
    checks.push((result) => expectClose(`${label}: rates`, ours, result.rates as number[]));
  }
}

// ── L-BFGS: the loss of each step, the evaluations, and where it ends ─────────────────────────────
{
  const noise = new Rng(47); // its own generator, so that the other sections' random inputs stay what they were
  const X = { shape: [24, 3], data: Array.from({ length: 72 }, () => noise.normal()) };
  const y = { shape: [24, 1], data: Array.from({ length: 24 }, (_, i) => Math.sin(i) + 0.1 * noise.normal()) };
  const start = { w: { shape: [3, 1], data: [0.1, -0.2, 0.3] }, b: { shape: [1], data: [0] } };
  const lbfgsCases: nn.LBFGSOptions[] = [{ historySize: 3, maxIter: 6 }, { lineSearch: 'strongWolfe', historySize: 3, maxIter: 6 }, { lineSearch: 'strongWolfe', lr: 0.5 }];
  for (const options of lbfgsCases) {
    const w = tensor(start.w.data, { shape: start.w.shape, requiresGrad: true });
    const b = tensor(start.b.data, { shape: start.b.shape, requiresGrad: true });
    const [xs, ys] = [tensor(X.data, { shape: X.shape }), tensor(y.data, { shape: y.shape })];
    const opt = new nn.LBFGS([w, b], options);
    const losses = [0, 1, 2, 3].map(() =>
      opt.step(() => {
        opt.zeroGrad();
        const loss = nn.mse(core.matmul(xs, w).add(b).tanh(), ys);
        loss.backward();
        return loss;
      }).item(),
    );
    const label = `LBFGS(${JSON.stringify(options)})`;
    cases.push({ kind: 'lbfgs', label, options, X, y, w: start.w, b: start.b, steps: losses.length });
    checks.push((result) => {
      expect({ label, funcEvals: opt.funcEvals, nIter: opt.iterations }).toEqual({ label, funcEvals: result.funcEvals, nIter: result.nIter });
      expectClose(`${label}: losses`, losses, result.losses as number[]);
      expectClose(`${label}: w`, Array.from(w.data), result.w as number[]);
      expectClose(`${label}: b`, Array.from(b.data), result.b as number[]);
    });
  }
}

// ── Attention: MultiheadAttention, the transformer's encoder and decoder and nn.Transformer, batch first ──
{
  // A generator of its own, so that the other sections' random inputs stay what they were.
  const noise = new Rng(31);
  const sample = (shape: number[], scale = 1): Data => ({ shape, data: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => noise.normal(0, scale)) });
  /**
   * A boolean mask (1 = masked) of `shape` whose last-axis rows each keep at least one 0, so that no
   * softmax row is all −∞ (PyTorch and adjoint give NaN there); `first` keeps key 0, which a causal mask leaves every query.
   */
  const booleanMask = (shape: number[], p: number, first = false): Data & { boolean: true } => {
    const data = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (noise.uniform() < p ? 1 : 0));
    const last = shape[shape.length - 1]!;
    for (let row = 0; row < data.length; row += last) data[row + (first ? 0 : Math.floor(noise.uniform() * last))] = 0;
    return { shape, data, boolean: true };
  };
  /** A mask as JSON carries it: −∞ as the string '-Infinity' (which Python's float reads), since JSON has no infinities. */
  const wire = (d: (Data & { boolean?: boolean }) | undefined): unknown => (d === undefined ? null : { ...d, data: d.data.map((v) => (Number.isFinite(v) ? v : String(v))) });
  const causal = (l: number, s: number): Data => ({ shape: [l, s], data: Array.from({ length: l * s }, (_, i) => (i % s > Math.floor(i / s) ? -Infinity : 0)) });

  /** The decoder's and nn.Transformer's masks, under adjoint's names (PyTorch's in snake_case). */
  type MaskName = 'srcMask' | 'tgtMask' | 'memoryMask' | 'srcKeyPaddingMask' | 'tgtKeyPaddingMask' | 'memoryKeyPaddingMask';

  interface AttentionCase {
    layer: 'MultiheadAttention' | 'TransformerEncoderLayer' | 'TransformerEncoder' | 'TransformerDecoderLayer' | 'TransformerDecoder' | 'Transformer';
    /**
     * MultiheadAttention: [embedDim, numHeads]; the layers: [dModel, nhead]; TransformerEncoder and
     * TransformerDecoder: [dModel, nhead, numLayers]; Transformer: [dModel, nhead, numEncoderLayers, numDecoderLayers].
     */
    args: number[];
    options?: Record<string, unknown>;
    /** Self-attention on one [N, L, E] tensor (or src), query, key and value of their own, the decoder's tgt and memory, or nn.Transformer's src and tgt. */
    inputs: { x: number[] } | { query: number[]; key: number[]; value: number[] } | { tgt: number[]; memory: number[] } | { src: number[]; tgt: number[] };
    /** The decoder's and nn.Transformer's masks. */
    masks?: Partial<Record<MaskName, Data & { boolean?: boolean }>>;
    /** The decoder's and nn.Transformer's isCausal flags: tgtIsCausal, memoryIsCausal, srcIsCausal (PyTorch 1.13 gets the causal masks). */
    causal?: Array<'src' | 'tgt' | 'memory'>;
    attnMask?: Data & { boolean?: boolean };
    keyPaddingMask?: Data & { boolean?: boolean };
    isCausal?: boolean;
    needWeights?: boolean;
    averageAttnWeights?: boolean;
    /** Training (dropout 0) or evaluation mode. */
    train: boolean;
    /** TransformerEncoder and TransformerDecoder: a final LayerNorm. */
    norm?: boolean;
  }

  const attentionCase = (spec: AttentionCase): void => {
    const { layer, args, options = {}, train, needWeights = true, averageAttnWeights = true } = spec;
    const norm = spec.norm ? { norm: new nn.LayerNorm(args[0]!) } : {};
    const m: nn.AnyModule = layer === 'MultiheadAttention' ? new nn.MultiheadAttention(args[0]!, args[1]!, options)
      : layer === 'TransformerEncoderLayer' ? new nn.TransformerEncoderLayer(args[0]!, args[1]!, options)
        : layer === 'TransformerEncoder' ? new nn.TransformerEncoder(() => new nn.TransformerEncoderLayer(args[0]!, args[1]!, options), args[2]!, norm)
          : layer === 'TransformerDecoderLayer' ? new nn.TransformerDecoderLayer(args[0]!, args[1]!, options)
            : layer === 'TransformerDecoder' ? new nn.TransformerDecoder(() => new nn.TransformerDecoderLayer(args[0]!, args[1]!, options), args[2]!, norm)
              : new nn.Transformer({ dModel: args[0]!, nhead: args[1]!, numEncoderLayers: args[2]!, numDecoderLayers: args[3]!, ...options });
    for (const [, p] of m.namedParameters()) p.data.set(sample([...p.shape], 0.5).data);
    // The Dense weights are [in, out], PyTorch's Linear weights [out, in]: PyTorch transposes these.
    const transposed = m.namedModules().filter(([, mod]) => mod instanceof nn.Dense).map(([path]) => (path === '' ? 'weight' : `${path}.weight`));
    const given = Object.fromEntries(Object.entries(spec.inputs).map(([name, shape]) => [name, sample(shape as number[])]));
    const leaves = Object.fromEntries(Object.entries(given).map(([name, d]) => [name, tensor(d.data, { shape: d.shape, requiresGrad: true })]));
    const asTensor = (d: Data | undefined): Tensor | undefined => (d === undefined ? undefined : tensor(d.data, { shape: d.shape }));
    const [attnMask, keyPaddingMask] = [asTensor(spec.attnMask), asTensor(spec.keyPaddingMask)];
    const masks = Object.fromEntries(Object.entries(spec.masks ?? {}).map(([name, d]) => [name, asTensor(d)]));
    const flags = Object.fromEntries((spec.causal ?? []).map((which) => [`${which}IsCausal`, true]));
    m.train(train);
    let outs: Tensor[];
    if (m instanceof nn.MultiheadAttention) {
      const { x, query = x!, key = x!, value = x! } = leaves as Record<string, Tensor>;
      const [out, weights] = m.forward(query, key, value, { attnMask, keyPaddingMask, isCausal: spec.isCausal, needWeights, averageAttnWeights });
      outs = weights === null ? [out] : [out, weights];
    } else if (m instanceof nn.TransformerEncoderLayer) {
      outs = [m.forward(leaves.x!, { srcMask: attnMask, srcKeyPaddingMask: keyPaddingMask, isCausal: spec.isCausal })];
    } else if (m instanceof nn.TransformerEncoder) {
      outs = [m.forward(leaves.x!, { mask: attnMask, srcKeyPaddingMask: keyPaddingMask, isCausal: spec.isCausal })];
    } else if (m instanceof nn.Transformer) {
      outs = [m.forward(leaves.src!, leaves.tgt!, { ...masks, ...flags })];
    } else {
      outs = [(m as nn.TransformerDecoder).forward(leaves.tgt!, leaves.memory!, { ...masks, ...flags })];
    }
    const seeds = outs.map((o) => sample([...o.shape]));
    outs.map((o, i) => o.mul(tensor(seeds[i]!.data, { shape: seeds[i]!.shape })).sum()).reduce((a, b) => a.add(b)).backward();
    const params = Object.fromEntries(m.namedParameters().map(([n, p]) => [n, data(p)]));
    const label = `${layer}(${args.join(', ')}${Object.keys(options).length ? `, ${JSON.stringify(options)}` : ''}) on ${JSON.stringify(spec.inputs)}`
      + `${attnMask ? `, attnMask ${spec.attnMask!.boolean ? 'boolean' : 'additive'} [${attnMask.shape}]` : ''}${keyPaddingMask ? `, keyPaddingMask ${spec.keyPaddingMask!.boolean ? 'boolean' : 'additive'}` : ''}`
      + `${Object.entries(spec.masks ?? {}).map(([name, d]) => `, ${name} ${d.boolean ? 'boolean' : 'additive'} [${d.shape}]`).join('')}${(spec.causal ?? []).map((which) => `, ${which}IsCausal`).join('')}`
      + `${spec.isCausal ? ', isCausal' : ''}${needWeights ? (averageAttnWeights ? '' : ', per-head weights') : ', no weights'}${spec.norm ? ', norm' : ''}, ${train ? 'training' : 'evaluation'}`;
    cases.push({
      kind: 'attention', label, layer, args, options, norm: spec.norm ?? false, params, transposed, inputs: given, train,
      attnMask: wire(spec.attnMask), keyPaddingMask: wire(spec.keyPaddingMask), isCausal: spec.isCausal ?? false, needWeights, averageAttnWeights, R: seeds,
      masks: Object.fromEntries(Object.entries(spec.masks ?? {}).map(([name, d]) => [name, wire(d)])), causal: spec.causal ?? [],
    });
    checks.push((result) => {
      (result.outs as number[][]).forEach((want, i) => expectClose(`${label}: output ${i}`, Array.from(outs[i]!.data), want));
      expect({ label, outputs: (result.outs as number[][]).length }).toEqual({ label, outputs: outs.length });
      for (const [name, want] of Object.entries(result.inputGrads as Record<string, number[]>)) expectClose(`${label}: ${name}'s gradient`, Array.from(leaves[name]!.grad!.data), want);
      for (const [name, p] of m.namedParameters()) expectClose(`${label}: ${name}'s gradient`, Array.from(p.grad!.data), (result.paramGrads as Record<string, number[]>)[name]!);
    });
  };

  const attentionCases: AttentionCase[] = [
    { layer: 'MultiheadAttention', args: [8, 2], inputs: { x: [2, 5, 8] }, train: true },
    {
      layer: 'MultiheadAttention', args: [8, 2], inputs: { query: [2, 4, 8], key: [2, 6, 8], value: [2, 6, 8] }, train: true,
      keyPaddingMask: booleanMask([2, 6], 0.4), attnMask: sample([4, 6]), averageAttnWeights: false,
    },
    {
      layer: 'MultiheadAttention', args: [6, 3], options: { kdim: 4, vdim: 5 }, inputs: { query: [2, 3, 6], key: [2, 5, 4], value: [2, 5, 5] }, train: true,
      attnMask: booleanMask([6, 3, 5], 0.5), needWeights: false,
    },
    { layer: 'MultiheadAttention', args: [6, 2], options: { kdim: 3 }, inputs: { query: [1, 4, 6], key: [1, 3, 3], value: [1, 3, 6] }, train: true, keyPaddingMask: sample([1, 3]) },
    { layer: 'MultiheadAttention', args: [8, 4], options: { bias: false }, inputs: { x: [2, 5, 8] }, train: true, isCausal: true },
    { layer: 'MultiheadAttention', args: [8, 2], inputs: { x: [3, 5, 8] }, train: true, attnMask: causal(5, 5), keyPaddingMask: booleanMask([3, 5], 0.3, true), averageAttnWeights: false },
    { layer: 'MultiheadAttention', args: [4, 1], options: { dropout: 0.3 }, inputs: { query: [2, 3, 4], key: [2, 4, 4], value: [2, 4, 4] }, train: false, attnMask: booleanMask([3, 4], 0.5) },
    { layer: 'TransformerEncoderLayer', args: [8, 2], options: { dimFeedforward: 16 }, inputs: { x: [2, 5, 8] }, train: false, keyPaddingMask: booleanMask([2, 5], 0.4) },
    {
      layer: 'TransformerEncoderLayer', args: [8, 2], options: { dimFeedforward: 16, dropout: 0, activation: 'gelu', normFirst: true }, inputs: { x: [2, 5, 8] }, train: true,
      attnMask: causal(5, 5),
    },
    {
      layer: 'TransformerEncoderLayer', args: [8, 4], options: { dimFeedforward: 12, normFirst: true, layerNormEps: 1e-3 }, inputs: { x: [2, 4, 8] }, train: false,
      isCausal: true, keyPaddingMask: booleanMask([2, 4], 0.3, true),
    },
    { layer: 'TransformerEncoderLayer', args: [6, 2], options: { dimFeedforward: 10, dropout: 0, activation: 'gelu' }, inputs: { x: [2, 4, 6] }, train: true, attnMask: booleanMask([4, 4, 4], 0.4) },
    { layer: 'TransformerEncoder', args: [8, 2, 2], options: { dimFeedforward: 12, dropout: 0, normFirst: true }, norm: true, inputs: { x: [2, 5, 8] }, train: true, attnMask: causal(5, 5), keyPaddingMask: booleanMask([2, 5], 0.3, true) },
    // An additive key padding mask goes only to an attention without attn_mask: PyTorch 1.13 merges the two with
    // masked_fill or logical_or, which take the padding mask as boolean (PyTorch 2 adds it, as adjoint does).
    {
      layer: 'TransformerDecoderLayer', args: [8, 2], options: { dimFeedforward: 16 }, inputs: { tgt: [2, 5, 8], memory: [2, 6, 8] }, train: false,
      masks: { tgtMask: causal(5, 5), memoryKeyPaddingMask: booleanMask([2, 6], 0.4) },
    },
    {
      layer: 'TransformerDecoderLayer', args: [8, 2], options: { dimFeedforward: 12, dropout: 0, activation: 'gelu', normFirst: true }, inputs: { tgt: [2, 5, 8], memory: [2, 6, 8] }, train: true,
      masks: { tgtKeyPaddingMask: booleanMask([2, 5], 0.3, true), memoryMask: sample([5, 6]) }, causal: ['tgt'],
    },
    {
      layer: 'TransformerDecoderLayer', args: [6, 3], options: { dimFeedforward: 10, dropout: 0, layerNormEps: 1e-3 }, inputs: { tgt: [2, 4, 6], memory: [2, 5, 6] }, train: true,
      masks: { tgtMask: booleanMask([4, 4], 0.3, true), tgtKeyPaddingMask: booleanMask([2, 4], 0.3, true), memoryKeyPaddingMask: sample([2, 5]) },
    },
    {
      layer: 'TransformerDecoderLayer', args: [8, 4], options: { dimFeedforward: 12, normFirst: true }, inputs: { tgt: [3, 4, 8], memory: [3, 6, 8] }, train: false,
      masks: { memoryKeyPaddingMask: booleanMask([3, 6], 0.3, true) }, causal: ['tgt', 'memory'],
    },
    {
      layer: 'TransformerDecoderLayer', args: [8, 2], options: { dimFeedforward: 12, activation: 'gelu' }, inputs: { tgt: [2, 3, 8], memory: [2, 4, 8] }, train: false,
      masks: { tgtMask: booleanMask([4, 3, 3], 0.4), memoryMask: booleanMask([4, 3, 4], 0.4) },
    },
    {
      layer: 'TransformerDecoder', args: [8, 2, 2], options: { dimFeedforward: 12, dropout: 0, normFirst: true }, norm: true, inputs: { tgt: [2, 5, 8], memory: [2, 6, 8] }, train: true,
      masks: { tgtMask: causal(5, 5), tgtKeyPaddingMask: booleanMask([2, 5], 0.3, true), memoryKeyPaddingMask: booleanMask([2, 6], 0.4) },
    },
    {
      layer: 'Transformer', args: [8, 2, 2, 2], options: { dimFeedforward: 12, dropout: 0 }, inputs: { src: [2, 6, 8], tgt: [2, 5, 8] }, train: true,
      masks: { tgtMask: causal(5, 5), srcKeyPaddingMask: booleanMask([2, 6], 0.3), memoryKeyPaddingMask: booleanMask([2, 6], 0.3) },
    },
    {
      layer: 'Transformer', args: [8, 4, 1, 2], options: { dimFeedforward: 10, normFirst: true, activation: 'gelu', layerNormEps: 1e-4 }, inputs: { src: [2, 6, 8], tgt: [2, 4, 8] },
      train: false, masks: { srcMask: booleanMask([6, 6], 0.3), memoryMask: sample([4, 6]) }, causal: ['tgt'],
    },
  ];
  attentionCases.forEach(attentionCase);
}

// ── Expressions: losses and ops, their values and gradients ─────────────────────────────────────

interface Expression {
  label: string;
  inputs: Record<string, Data & { grad?: boolean }>;
  ours: (x: Record<string, Tensor>) => Tensor;
  torch: string;
}

function expressionCase({ label, inputs, ours, torch }: Expression): void {
  const leaves = Object.fromEntries(Object.entries(inputs).map(([n, d]) => [n, tensor(d.data, { shape: d.shape, requiresGrad: d.grad !== false })]));
  const out = ours(leaves);
  const seed = random([...out.shape]);
  out.mul(tensor(seed.data, { shape: seed.shape })).sum().backward();
  cases.push({ kind: 'expression', label, inputs, torch, R: seed });
  checks.push((result) => {
    expect(result.shape).toEqual([...out.shape]);
    expectClose(`${label}: value`, Array.from(out.data), result.out as number[]);
    for (const [name, want] of Object.entries(result.grads as Record<string, number[]>)) expectClose(`${label}: gradient of ${name}`, Array.from(leaves[name]!.grad!.data), want);
  });
}

const labels = { shape: [6], data: [0, 2, 1, 2, 0, 1], grad: false };
const probabilities = { shape: [6, 3], data: draw([6, 3]).map((v) => 0.05 + 0.9 / (1 + Math.exp(-v))) };
const targets01 = { shape: [6, 3], data: draw([6, 3]).map((v) => (v > 0 ? 1 : 0)), grad: false };
const expressions: Expression[] = [
  // Losses
  { label: 'mse', inputs: { p: random([6, 3]), y: { ...random([6, 3]), grad: false } }, ours: ({ p, y }) => nn.mse(p!, y!), torch: 'F.mse_loss(p, y)' },
  { label: 'mae', inputs: { p: random([6, 3]), y: { ...random([6, 3]), grad: false } }, ours: ({ p, y }) => nn.mae(p!, y!), torch: 'F.l1_loss(p, y)' },
  { label: 'crossEntropy, class indices', inputs: { z: random([6, 3], 3), y: labels }, ours: ({ z, y }) => nn.crossEntropy(z!, y!), torch: 'F.cross_entropy(z, y.long())' },
  {
    label: 'crossEntropy, soft targets', inputs: { z: random([6, 3], 3), y: { ...probabilities, grad: false } },
    ours: ({ z, y }) => nn.crossEntropy(z!, y!), torch: 'F.cross_entropy(z, y)',
  },
  { label: 'binaryCrossEntropy, logits', inputs: { z: random([6, 3], 4), y: targets01 }, ours: ({ z, y }) => nn.binaryCrossEntropy(z!, y!), torch: 'F.binary_cross_entropy_with_logits(z, y)' },
  {
    label: 'binaryCrossEntropy, probabilities', inputs: { p: probabilities, y: targets01 },
    ours: ({ p, y }) => nn.binaryCrossEntropy(p!, y!, { fromLogits: false }), torch: 'F.binary_cross_entropy(p, y)',
  },
  // Losses: reductions, weights, ignoreIndex, labelSmoothing, posWeight, and the losses beyond the four
  ...((): Expression[] => {
    const y = { shape: [6, 3], data: draw([6, 3]), grad: false };
    const w = { shape: [3], data: [0.3, 1.2, 2], grad: false };
    const ignored = { shape: [6], data: [0, 2, -100, 2, 0, 1], grad: false };
    const soft = { shape: [6, 3], data: draw([6, 3]).map((v) => 0.05 + 0.9 / (1 + Math.exp(-v))), grad: false };
    const positive = (shape: number[]): Data => ({ shape, data: draw(shape).map((v) => 0.2 + v * v) });
    const counts = { shape: [6, 3], data: [0, 1, 2, 5, 0, 3, 1, 1, 0, 4, 7, 2, 0, 0, 1, 3, 2, 6], grad: false };
    return [
      { label: 'mse, sum', inputs: { p: random([6, 3]), y }, ours: ({ p, y }) => nn.mse(p!, y!, { reduction: 'sum' }), torch: "F.mse_loss(p, y, reduction='sum')" },
      { label: 'mae, none', inputs: { p: random([6, 3]), y }, ours: ({ p, y }) => nn.mae(p!, y!, { reduction: 'none' }), torch: "F.l1_loss(p, y, reduction='none')" },
      { label: 'crossEntropy, class indices, sum', inputs: { z: random([6, 3], 3), y: labels }, ours: ({ z, y }) => nn.crossEntropy(z!, y!, { reduction: 'sum' }), torch: "F.cross_entropy(z, y.long(), reduction='sum')" },
      { label: 'crossEntropy, class indices, none', inputs: { z: random([6, 3], 3), y: labels }, ours: ({ z, y }) => nn.crossEntropy(z!, y!, { reduction: 'none' }), torch: "F.cross_entropy(z, y.long(), reduction='none')" },
      { label: 'crossEntropy, class weights', inputs: { z: random([6, 3], 3), y: labels, w }, ours: ({ z, y, w }) => nn.crossEntropy(z!, y!, { weight: w! }), torch: 'F.cross_entropy(z, y.long(), weight=w)' },
      { label: 'crossEntropy, ignoreIndex inside the classes', inputs: { z: random([6, 3], 3), y: labels }, ours: ({ z, y }) => nn.crossEntropy(z!, y!, { ignoreIndex: 1 }), torch: 'F.cross_entropy(z, y.long(), ignore_index=1)' },
      { label: 'crossEntropy, labelSmoothing, class indices', inputs: { z: random([6, 3], 3), y: labels }, ours: ({ z, y }) => nn.crossEntropy(z!, y!, { labelSmoothing: 0.2 }), torch: 'F.cross_entropy(z, y.long(), label_smoothing=0.2)' },
      ...(['mean', 'sum', 'none'] as const).map((reduction): Expression => ({
        label: `crossEntropy, weight, ignoreIndex -100 and labelSmoothing, ${reduction}`, inputs: { z: random([6, 3], 3), y: ignored, w },
        ours: ({ z, y, w }) => nn.crossEntropy(z!, y!, { weight: w!, ignoreIndex: -100, labelSmoothing: 0.3, reduction }),
        torch: `F.cross_entropy(z, y.long(), weight=w, ignore_index=-100, label_smoothing=0.3, reduction='${reduction}')`,
      })),
      ...(['mean', 'none'] as const).map((reduction): Expression => ({
        label: `crossEntropy, soft targets with weight and labelSmoothing, ${reduction}`, inputs: { z: random([6, 3], 3), y: soft, w },
        ours: ({ z, y, w }) => nn.crossEntropy(z!, y!, { weight: w!, labelSmoothing: 0.25, reduction }),
        torch: `F.cross_entropy(z, y, weight=w, label_smoothing=0.25, reduction='${reduction}')`,
      })),
      {
        label: 'crossEntropy, probabilities with weight and ignoreIndex (F.nll_loss of their log)', inputs: { p: probabilities, y: ignored, w },
        ours: ({ p, y, w }) => nn.crossEntropy(p!, y!, { fromLogits: false, weight: w!, ignoreIndex: -100 }), torch: 'F.nll_loss(torch.log(p), y.long(), weight=w)',
      },
      {
        label: 'crossEntropy, classes on the last axis of [2, 3, 4], weight and labelSmoothing, none',
        inputs: { z: random([2, 3, 4], 2), y: { shape: [2, 3], data: [3, 0, 1, 2, 2, 0], grad: false }, w: { shape: [4], data: [1, 0.5, 2, 1.5], grad: false } },
        ours: ({ z, y, w }) => nn.crossEntropy(z!, y!, { weight: w!, labelSmoothing: 0.1, reduction: 'none' }),
        torch: "F.cross_entropy(z.permute(0, 2, 1), y.long(), weight=w, label_smoothing=0.1, reduction='none')",
      },
      ...(['mean', 'sum', 'none'] as const).map((reduction): Expression => ({
        label: `binaryCrossEntropy, logits with weight and posWeight, ${reduction}`,
        inputs: { z: random([6, 3], 4), y: targets01, w: { shape: [6, 1], data: [0.5, 1, 2, 0.25, 1.5, 1], grad: false }, pw: { shape: [3], data: [3, 0.5, 1.7], grad: false } },
        ours: ({ z, y, w, pw }) => nn.binaryCrossEntropy(z!, y!, { weight: w!, posWeight: pw!, reduction }),
        torch: `F.binary_cross_entropy_with_logits(z, y, weight=w, pos_weight=pw, reduction='${reduction}')`,
      })),
      {
        label: 'binaryCrossEntropy, logits of ±1e300 with posWeight', inputs: { z: { shape: [4], data: [1e300, -1e300, 1e300, -1e300] }, y: { shape: [4], data: [0, 1, 1, 0], grad: false }, pw: { shape: [], data: [3], grad: false } },
        ours: ({ z, y, pw }) => nn.binaryCrossEntropy(z!, y!, { posWeight: pw!, reduction: 'none' }), torch: "F.binary_cross_entropy_with_logits(z, y, pos_weight=pw, reduction='none')",
      },
      {
        label: 'binaryCrossEntropy, probabilities with weight, sum', inputs: { p: probabilities, y: targets01, w: { shape: [3], data: [0.5, 2, 1], grad: false } },
        ours: ({ p, y, w }) => nn.binaryCrossEntropy(p!, y!, { fromLogits: false, weight: w!, reduction: 'sum' }), torch: "F.binary_cross_entropy(p, y, weight=w, reduction='sum')",
      },
      { label: 'huberLoss, delta 0.7', inputs: { p: random([6, 3], 2), y }, ours: ({ p, y }) => nn.huberLoss(p!, y!, { delta: 0.7 }), torch: 'F.huber_loss(p, y, delta=0.7)' },
      { label: 'huberLoss, none', inputs: { p: random([6, 3], 2), y }, ours: ({ p, y }) => nn.huberLoss(p!, y!, { reduction: 'none' }), torch: "F.huber_loss(p, y, reduction='none')" },
      { label: 'smoothL1Loss, beta 0.5', inputs: { p: random([6, 3], 2), y }, ours: ({ p, y }) => nn.smoothL1Loss(p!, y!, { beta: 0.5 }), torch: 'F.smooth_l1_loss(p, y, beta=0.5)' },
      { label: 'smoothL1Loss, beta 0 (L1), sum', inputs: { p: random([6, 3], 2), y }, ours: ({ p, y }) => nn.smoothL1Loss(p!, y!, { beta: 0, reduction: 'sum' }), torch: "F.smooth_l1_loss(p, y, beta=0.0, reduction='sum')" },
      { label: 'nllLoss', inputs: { lp: random([6, 3]), y: labels }, ours: ({ lp, y }) => nn.nllLoss(lp!, y!), torch: 'F.nll_loss(lp, y.long())' },
      { label: 'nllLoss, weight and ignoreIndex', inputs: { lp: random([6, 3]), y: ignored, w }, ours: ({ lp, y, w }) => nn.nllLoss(lp!, y!, { weight: w!, ignoreIndex: -100 }), torch: 'F.nll_loss(lp, y.long(), weight=w, ignore_index=-100)' },
      { label: 'nllLoss, weight, none', inputs: { lp: random([6, 3]), y: labels, w }, ours: ({ lp, y, w }) => nn.nllLoss(lp!, y!, { weight: w!, reduction: 'none' }), torch: "F.nll_loss(lp, y.long(), weight=w, reduction='none')" },
      ...(['mean', 'batchmean', 'sum', 'none'] as const).map((reduction): Expression => ({
        label: `klDiv, ${reduction}`, inputs: { x: random([6, 3], 2), t: reduction === 'sum' ? { ...soft, grad: true } : soft },
        ours: ({ x, t }) => nn.klDiv(core.logSoftmax(x!, -1), t!, { reduction }), torch: `F.kl_div(torch.log_softmax(x, 1), t, reduction='${reduction}')`,
      })),
      {
        label: 'klDiv, targets with zeros, batchmean', inputs: { x: random([3, 4], 2), t: { shape: [3, 4], data: [0, 0.5, 0.5, 0, 0.25, 0, 0.75, 0, 1, 0, 0, 0], grad: false } },
        ours: ({ x, t }) => nn.klDiv(core.logSoftmax(x!, -1), t!, { reduction: 'batchmean' }), torch: "F.kl_div(torch.log_softmax(x, 1), t, reduction='batchmean')",
      },
      {
        label: 'klDiv, logTarget', inputs: { x: random([6, 3], 2), t: random([6, 3]) },
        ours: ({ x, t }) => nn.klDiv(core.logSoftmax(x!, -1), core.logSoftmax(t!, -1), { logTarget: true, reduction: 'sum' }),
        torch: "F.kl_div(torch.log_softmax(x, 1), torch.log_softmax(t, 1), log_target=True, reduction='sum')",
      },
      { label: 'gaussianNllLoss', inputs: { m: random([6, 3]), y, v: positive([6, 3]) }, ours: ({ m, y, v }) => nn.gaussianNllLoss(m!, y!, v!), torch: 'F.gaussian_nll_loss(m, y, v)' },
      {
        label: 'gaussianNllLoss, one variance per row, full, sum', inputs: { m: random([6, 3]), y, v: positive([6]) },
        ours: ({ m, y, v }) => nn.gaussianNllLoss(m!, y!, v!, { full: true, reduction: 'sum' }), torch: "F.gaussian_nll_loss(m, y, v, full=True, reduction='sum')",
      },
      {
        label: 'gaussianNllLoss, variances below eps (raised in the value, not the gradient), none',
        inputs: { m: random([2, 3]), y: { shape: [2, 3], data: draw([2, 3]), grad: false }, v: { shape: [2, 1], data: [0.001, 0.5] } },
        ours: ({ m, y, v }) => nn.gaussianNllLoss(m!, y!, v!, { eps: 0.01, reduction: 'none' }), torch: "F.gaussian_nll_loss(m, y, v, eps=0.01, reduction='none')",
      },
      { label: 'poissonNllLoss, log input', inputs: { x: random([6, 3]), y: counts }, ours: ({ x, y }) => nn.poissonNllLoss(x!, y!), torch: 'F.poisson_nll_loss(x, y)' },
      {
        label: 'poissonNllLoss, rates, full, none', inputs: { x: positive([6, 3]), y: counts },
        ours: ({ x, y }) => nn.poissonNllLoss(x!, y!, { logInput: false, full: true, reduction: 'none' }), torch: "F.poisson_nll_loss(x, y, log_input=False, full=True, reduction='none')",
      },
    ];
  })(),
  // Ops where conventions differ between libraries
  { label: 'logSumExp over axis 1', inputs: { x: random([4, 5], 3) }, ours: ({ x }) => core.logSumExp(x!, 1), torch: 'torch.logsumexp(x, 1)' },
  { label: 'softmax, logSoftmax', inputs: { x: random([3, 4], 2) }, ours: ({ x }) => core.softmax(x!, 0).add(core.logSoftmax(x!, 1)), torch: 'torch.softmax(x, 0) + torch.log_softmax(x, 1)' },
  {
    // NumPy's default correction 0, and PyTorch's default 1 when asked
    label: 'variance and std, both corrections', inputs: { x: random([4, 5]) },
    ours: ({ x }) => core.variance(x!, 0).add(core.std(x!, 0, false, { correction: 1 })), torch: 'torch.var(x, 0, unbiased=False) + torch.std(x, 0)',
  },
  { label: 'norm over axis 1', inputs: { x: random([4, 5]) }, ours: ({ x }) => core.norm(x!, 1), torch: 'torch.linalg.vector_norm(x, dim=1)' },
  { label: 'prod over axis 0', inputs: { x: random([3, 4]) }, ours: ({ x }) => core.prod(x!, 0), torch: 'torch.prod(x, 0)' },
  { label: 'cumsum over axis 1', inputs: { x: random([3, 4]) }, ours: ({ x }) => core.cumsum(x!, 1), torch: 'torch.cumsum(x, 1)' },
  { label: 'cumprod over axis 0, a zero included', inputs: { x: { shape: [4, 3], data: draw([4, 3]).map((v, i) => (i === 4 ? 0 : v)) } }, ours: ({ x }) => core.cumprod(x!, 0), torch: 'torch.cumprod(x, 0)' },
  // einsum
  ...([
    ['ij,jk->ik', [[3, 4], [4, 2]]], ['bij,bjk->bik', [[2, 3, 4], [2, 4, 5]]], ['ii->i', [[4, 4]]], ['ii', [[3, 3]]],
    ['ij->', [[3, 4]]], ['i,j->ij', [[3], [4]]], ['ij,ij->i', [[3, 4], [3, 4]]], ['ij,jk,kl->il', [[2, 3], [3, 4], [4, 2]]],
    ['ij,jk', [[2, 3], [3, 4]]], ['...ij,...jk->...ik', [[2, 1, 3, 4], [5, 4, 2]]], ['bii->bi', [[2, 3, 3]]], ['iij,jk->ki', [[3, 3, 2], [2, 4]]],
    ['ijk,ikl->jl', [[2, 3, 4], [2, 4, 3]]], ['i,i->', [[5], [5]]], ['ij,kj->ikj', [[2, 3], [1, 3]]],
  ] as const).map(([spec, shapes]): Expression => {
    const names = ['a', 'b', 'c'].slice(0, shapes.length);
    return {
      label: `einsum('${spec}')`,
      inputs: Object.fromEntries(names.map((n, i) => [n, random([...shapes[i]!])])),
      ours: (t) => core.einsum(spec, ...names.map((n) => t[n]!)),
      torch: `torch.einsum('${spec}', ${names.join(', ')})`,
    };
  }),
  // Linear algebra, at matrices kept away from singular by a shifted diagonal
  { label: 'solve, matrix right-hand side', inputs: { a: conditioned([3, 3], 4), b: random([3, 2]) }, ours: ({ a, b }) => core.solve(a!, b!), torch: 'torch.linalg.solve(a, b)' },
  { label: 'solve, a stack against one vector', inputs: { a: conditioned([2, 3, 3], -4), b: random([3]) }, ours: ({ a, b }) => core.solve(a!, b!), torch: 'torch.linalg.solve(a, b)' },
  { label: 'inv', inputs: { a: conditioned([3, 3], 4) }, ours: ({ a }) => core.inv(a!), torch: 'torch.linalg.inv(a)' },
  { label: 'slogdet: log |det|', inputs: { a: conditioned([2, 3, 3], -3) }, ours: ({ a }) => core.slogdet(a!)[1], torch: 'torch.linalg.slogdet(a).logabsdet' },
  { label: 'det, negative', inputs: { a: conditioned([3, 3], -3) }, ours: ({ a }) => core.det(a!), torch: 'torch.linalg.det(a)' },
  { label: 'cholesky of BBᵀ + 3I', inputs: { b: random([3, 3]) }, ours: ({ b }) => core.cholesky(core.matmul(b!, b!.T).add(core.eye(3).mul(3))), torch: 'torch.linalg.cholesky(b @ b.T + 3 * torch.eye(3, dtype=torch.float64))' },
  // The gamma family, on both sides of 0 (PyTorch's trigamma is only good to about 1e-9, so digamma's gradient is checked elsewhere)
  { label: 'gammaln (its gradient: digamma)', inputs: { x: { shape: [8], data: [0.1, 0.7, 1.5, 3.2, 12.5, -0.4, -1.7, -3.25] } }, ours: ({ x }) => core.gammaln(x!), torch: 'torch.lgamma(x)' },
  { label: 'polygamma(2, x) (its gradient: polygamma(3, x))', inputs: { x: { shape: [6], data: [0.3, 1, 2.5, 7.75, 30, -2.5] } }, ours: ({ x }) => core.polygamma(2, x!), torch: 'torch.polygamma(2, x)' },
  // Reordering and triangles
  { label: 'takeAlongAxis (torch.gather)', inputs: { x: random([3, 4]), i: { shape: [3, 5], data: [0, 3, 3, 1, 2, 2, 2, 0, 1, 3, 1, 1, 0, 0, 3], grad: false } }, ours: ({ x, i }) => core.takeAlongAxis(x!, i!, 1), torch: 'torch.gather(x, 1, i.long())' },
  { label: 'takeAlongAxis, broadcasting (torch.take_along_dim)', inputs: { x: random([3, 4]), i: { shape: [1, 2], data: [3, 0], grad: false } }, ours: ({ x, i }) => core.takeAlongAxis(x!, i!, 1), torch: 'torch.take_along_dim(x, i.long(), dim=1)' },
  { label: 'flip over axes 0 and 2', inputs: { x: random([2, 3, 4]) }, ours: ({ x }) => core.flip(x!, [0, 2]), torch: 'torch.flip(x, [0, 2])' },
  { label: 'roll along axis 1', inputs: { x: random([3, 5]) }, ours: ({ x }) => core.roll(x!, 7, 1), torch: 'torch.roll(x, 7, 1)' },
  { label: 'roll, flat', inputs: { x: random([3, 5]) }, ours: ({ x }) => core.roll(x!, -4), torch: 'torch.roll(x, -4)' },
  { label: 'tril below the diagonal', inputs: { x: random([2, 3, 4]) }, ours: ({ x }) => core.tril(x!, -1), torch: 'torch.tril(x, -1)' },
  { label: 'triu above the diagonal', inputs: { x: random([4, 3]) }, ours: ({ x }) => core.triu(x!, 1), torch: 'torch.triu(x, 1)' },
  { label: 'sort along axis 0', inputs: { x: random([5, 3]) }, ours: ({ x }) => core.sort(x!, 0), torch: 'torch.sort(x, 0).values' },
  { label: 'topK, largest', inputs: { x: random([3, 6]) }, ours: ({ x }) => core.topK(x!, 2)[0], torch: 'torch.topk(x, 2).values' },
  { label: 'topK, smallest along axis 0', inputs: { x: random([5, 3]) }, ours: ({ x }) => core.topK(x!, 3, { axis: 0, largest: false })[0], torch: 'torch.topk(x, 3, dim=0, largest=False).values' },
  { label: 'batched matmul with broadcasting', inputs: { a: random([2, 1, 3, 4]), b: random([3, 4, 2]) }, ours: ({ a, b }) => core.matmul(a!, b!), torch: 'torch.matmul(a, b)' },
  { label: 'gelu, both forms', inputs: { x: random([10], 3) }, ours: ({ x }) => core.gelu(x!).add(core.gelu(x!, { approximate: 'tanh' })), torch: "F.gelu(x) + F.gelu(x, approximate='tanh')" },
  { label: 'elu, silu, softplus', inputs: { x: random([10], 3) }, ours: ({ x }) => core.elu(x!, 0.7).add(core.silu(x!)).add(core.softplus(x!)), torch: 'F.elu(x, 0.7) + F.silu(x) + F.softplus(x)' },
  { label: 'pow and atan2', inputs: { a: { shape: [5], data: draw([5]).map((v) => 0.2 + v * v) }, b: random([5]) }, ours: ({ a, b }) => core.pow(a!, b!).add(core.atan2(a!, b!)), torch: 'torch.pow(a, b) + torch.atan2(a, b)' },
  // Inverse trigonometric and hyperbolic functions, away from the ends of their domains
  { label: 'asin, acos, atanh', inputs: { x: { shape: [6], data: [-0.9, -0.5, -0.1, 0.2, 0.6, 0.95] } }, ours: ({ x }) => core.asin(x!).add(core.acos(x!).mul(2)).add(core.atanh(x!)), torch: 'torch.asin(x) + 2 * torch.acos(x) + torch.atanh(x)' },
  { label: 'acosh', inputs: { x: { shape: [4], data: [1.1, 2, 7.5, 1e3] } }, ours: ({ x }) => core.acosh(x!), torch: 'torch.acosh(x)' },
  { label: 'logaddexp, broadcasting', inputs: { a: random([3, 1], 3), b: random([4], 3) }, ours: ({ a, b }) => core.logaddexp(a!, b!), torch: 'torch.logaddexp(a, b)' },
  {
    label: 'xlogy (x away from 0: there PyTorch gives ∂/∂x = 0, adjoint ln y)', inputs: { x: random([5]), y: { shape: [5], data: draw([5]).map((v) => 0.1 + v * v) } },
    ours: ({ x, y }) => core.xlogy(x!, y!), torch: 'torch.xlogy(x, y)',
  },
  { label: 'logCumSumExp along axis 1', inputs: { x: random([3, 5], 3) }, ours: ({ x }) => core.logCumSumExp(x!, 1), torch: 'torch.logcumsumexp(x, 1)' },
  ...[1, 3, 0.5, Infinity].map((ord): Expression => ({
    label: `norm, ord ${ord}`, inputs: { x: random([3, 4]) }, ours: ({ x }) => core.norm(x!, 1, false, { ord }), torch: `torch.linalg.vector_norm(x, ${ord === Infinity ? "float('inf')" : ord}, dim=1)`,
  })),
  { label: 'norm, ord 0.5, a zero element (gradient 0 there)', inputs: { x: { shape: [2, 3], data: [0, 4, -1, 2, 0, 0.5] } }, ours: ({ x }) => core.norm(x!, 1, false, { ord: 0.5 }), torch: 'torch.linalg.vector_norm(x, 0.5, dim=1)' },
  {
    label: 'vmap of a matrix product over a batch axis (torch.bmm), and its gradients', inputs: { a: random([4, 2, 3]), b: random([3, 4, 2]) },
    ours: ({ a, b }) => core.vmap((x: Tensor, y: Tensor) => core.matmul(x, y).tanh(), [0, 1])(a!, b!), torch: 'torch.tanh(torch.bmm(a, b.permute(1, 0, 2)))',
  },
  { label: 'diagonal above the diagonal of axes 0 and 2', inputs: { x: random([3, 2, 4]) }, ours: ({ x }) => core.diagonal(x!, 1, 0, 2), torch: 'torch.diagonal(x, 1, 0, 2)' },
  { label: 'matrixTrace (torch.trace)', inputs: { x: random([4, 3]) }, ours: ({ x }) => core.matrixTrace(x!), torch: 'torch.trace(x)' },
  { label: 'diag of a vector, below the diagonal', inputs: { x: random([3]) }, ours: ({ x }) => core.diag(x!, -1), torch: 'torch.diag(x, -1)' },
  {
    label: 'quantile, linear, a list of q over axis 1', inputs: { x: random([3, 7]) },
    ours: ({ x }) => core.quantile(x!, [0.1, 0.5, 0.9], 1), torch: 'torch.quantile(x, torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64), dim=1)',
  },
  ...(['lower', 'higher', 'nearest', 'midpoint'] as const).map((method): Expression => ({
    label: `quantile, ${method}`, inputs: { x: random([2, 6]) }, ours: ({ x }) => core.quantile(x!, 0.3, 1, true, { method }), torch: `torch.quantile(x, 0.3, dim=1, keepdim=True, interpolation='${method}')`,
  })),
  {
    label: 'conv2dTranspose with stride, padding, outputPadding, dilation, groups and a bias', inputs: { x: random([2, 4, 3, 4]), w: random([4, 3, 3, 2]), b: random([6]) },
    ours: ({ x, w, b }) => core.conv2dTranspose(x!, w!, { stride: [2, 3], padding: [1, 0], outputPadding: [1, 2], dilation: [1, 2], groups: 2, bias: b! }),
    torch: 'F.conv_transpose2d(x, w, b, stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2, dilation=(1, 2))',
  },
  { label: 'median of an odd lane (torch.median agrees there)', inputs: { x: random([4, 5]) }, ours: ({ x }) => core.median(x!, 1), torch: 'torch.median(x, 1).values' },
  { label: 'median of an even lane (NumPy\'s mean of the middle two: torch.quantile(x, 0.5))', inputs: { x: random([6]) }, ours: ({ x }) => core.median(x!), torch: 'torch.quantile(x, 0.5)' },
];
expressions.forEach(expressionCase);

// ── Gradient clipping and a Hessian ─────────────────────────────────────────────────────────────

{
  const grads = [random([3, 4]), random([5])];
  const params = grads.map((g) => tensor(new Array(g.data.length).fill(0), { shape: g.shape, requiresGrad: true }));
  params.forEach((p, i) => (p.grad = tensor(grads[i]!.data, { shape: grads[i]!.shape })));
  const norm = nn.clipGradNorm(params, 1.5);
  cases.push({ kind: 'clip', label: 'clipGradNorm', params: grads.map((g) => ({ ...g, data: g.data.map(() => 0) })), grads, maxNorm: 1.5 });
  checks.push((result) => {
    expectClose('clipGradNorm: the norm', [norm], [result.norm as number]);
    (result.grads as number[][]).forEach((want, i) => expectClose(`clipGradNorm: gradient ${i}`, Array.from(params[i]!.grad!.data), want));
  });
}
{
  const x = random([4]);
  const a = random([3, 4]);
  // f(x) = Σ tanh(Ax)² + (x·x)·Σ softplus(x): mixed second derivatives through a product and a sum
  const f = (v: Tensor): Tensor => core.tanh(core.matmul(tensor(a.data, { shape: a.shape }), v)).square().sum().add(v.dot(v).mul(core.softplus(v).sum()));
  const h = noGrad(() => hessian(f)(tensor(x.data)));
  const torchF = `lambda v: torch.tanh(torch.tensor(${JSON.stringify(a.data)}).reshape(3, 4) @ v).square().sum() + v.dot(v) * F.softplus(v).sum()`;
  cases.push({ kind: 'hessian', label: 'hessian', x, torch: torchF });
  checks.push((result) => expectClose('hessian of Σ tanh(Ax)² + (x·x)·Σ softplus(x)', Array.from(h.data), result.hessian as number[]));
}

// ── safetensors files, read by a reader of the format's own and loaded into PyTorch ─────────────

interface SafetensorsCase {
  label: string;
  model: nn.Module;
  x: Data;
  dtype: 'F64' | 'F32';
  /** The PyTorch module, as a Python expression. */
  torch: string;
  /** The state dict PyTorch loads, from the file's tensors in `state`, as a Python expression. */
  rename: string;
}

function safetensorsCase({ label, model, x, dtype, torch, rename }: SafetensorsCase): void {
  for (const [, p] of model.namedParameters()) p.data.set(draw(p.shape, 0.5));
  for (const [name, b] of model.namedBuffers()) b.data.set(draw(b.shape).map((v) => (name.endsWith('runningVar') ? 0.5 + v * v : v)));
  model.train(false);
  if (dtype === 'F32') for (const [, p] of [...model.namedParameters(), ...model.namedBuffers()]) p.data.set(Float32Array.from(p.data));
  const bytes = nn.toSafetensors(model, { dtype });
  const out = noGrad(() => (model as unknown as { forward(x: Tensor): Tensor }).forward(tensor(x.data, { shape: x.shape })));
  const names = [...model.namedParameters(), ...model.namedBuffers()].map(([n]) => n).sort();
  cases.push({ kind: 'safetensors', label, bytes: Buffer.from(bytes).toString('base64'), x, model: torch, rename });
  checks.push((result) => {
    expect(result.names).toEqual(names);
    expectClose(`${label}: PyTorch's output from the file`, Array.from(out.data), result.out as number[]);
  });
}

safetensorsCase({
  label: "safetensors: docs/nn.md's mlp([4, 16, 3]) loaded into torch.nn.Sequential",
  model: nn.mlp([4, 16, 3], { seed: 0 }), x: random([5, 4]), dtype: 'F64',
  torch: 'torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3)).double()',
  rename: '{"0.weight": state["0.weight"].T, "0.bias": state["0.bias"], "2.weight": state["1.weight"].T, "2.bias": state["1.bias"]}',
});
safetensorsCase({
  label: 'safetensors in F32: Conv2d, BatchNorm2d, ReLU, MaxPool2d, Flatten, Dense',
  model: new nn.Sequential([new nn.Conv2d(2, 3, 3, { padding: 1 }), new nn.BatchNorm2d(3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Dense(12, 2)]),
  x: random([2, 2, 4, 4]), dtype: 'F32',
  torch: 'torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3, padding=1), torch.nn.BatchNorm2d(3), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(12, 2)).double()',
  rename: '{"0.weight": state["0.weight"], "0.bias": state["0.bias"], "1.weight": state["1.weight"], "1.bias": state["1.bias"], '
    + '"1.running_mean": state["1.runningMean"], "1.running_var": state["1.runningVar"], "5.weight": state["5.weight"].T, "5.bias": state["5.bias"]}',
});

// ── One run of PyTorch for every case ───────────────────────────────────────────────────────────

const run = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify({ cases }), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const lastLine = (run.stdout ?? '').trim().split('\n').pop() ?? '';
const parsed = ((): { results?: Record<string, unknown>[]; missing?: string } | null => {
  try {
    return JSON.parse(lastLine);
  } catch {
    return null;
  }
})();
// Skipped only when there is no python or no PyTorch for it (CI sets ADJOINT_REQUIRE_PYTORCH=1,
// where that fails too); a script that crashes or prints something else fails the suite.
const noPython = (run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
const missing = noPython || parsed?.missing !== undefined;
if (missing && process.env.ADJOINT_REQUIRE_PYTORCH !== '1') {
  process.stderr.write(`PyTorch agreement tests skipped: no PyTorch for ${PYTHON} (install it: apt-get install -y python3-torch)\n`);
}
const describeWithTorch = missing && process.env.ADJOINT_REQUIRE_PYTORCH !== '1' ? describe.skip : describe;

describeWithTorch('adjoint agrees with PyTorch in float64', () => {
  it('ran every case', () => {
    const why = `${PYTHON} ${SCRIPT} exited with ${run.status}${run.error ? ` (${run.error.message})` : ''}; its stderr:\n${run.stderr}\nits last line: ${lastLine}`;
    if (run.status !== 0 || parsed?.results?.length !== cases.length) throw new Error(why);
  });
  it.each(cases.map((c, i) => [c.label, i] as const))('%s', (_label, i) => {
    const result = parsed?.results?.[i];
    if (result === undefined) throw new Error(`no result from ${SCRIPT}: ${run.stderr.trim().split('\n').pop() ?? ''}`);
    checks[i]!(result);
  });
});
