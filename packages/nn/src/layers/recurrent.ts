/**
 * What RNN, LSTM and GRU share: the four parameters and their initialisation, the checks of the
 * input and the initial state, the input cut into time steps, the weights cut into their gates'
 * blocks, and the assembly of the output sequence. Each layer supplies its cell (the loop over
 * time steps).
 *
 * How the loop is laid out, and why (measured on an LSTM training step: batch 32, 20 steps, 8
 * inputs, 64 hidden units): each gate has its own blocks of W_ih and W_hh, cut once per sequence,
 * so that a step computes each gate's pre-activation as x_t·W_ikᵀ + b_k (core's linear, bias
 * fused) plus h·W_hkᵀ and never slices a step's result: a slice's adjoint is a zero-padded copy of
 * everything it was cut from, and four of them per step cost more than four smaller products. For
 * the same reason the input is not projected for all steps in one product before the loop: core
 * has no split op, so cutting that [time·batch, G·hidden] product into steps costs at least
 * 2·log₂(time) padded copies of it in the backward pass, which made a training step about 1.6 times
 * slower than one small product per step; the input itself ([time·batch, inputSize], usually far
 * narrower) is what gets cut.
 */
import { Rng, ShapeError, Tensor, ValueError, concat, formatShape, rand, reshape, sameShape, slice, transpose } from '@adjoint/core';
import { Module, describe } from '../module';
import { checkParameterSize, knownOptions, positiveSize, randomSource, generatorOf } from '../args';

/** Options of {@link RNN}, {@link LSTM} and {@link GRU}: where the initial weights are drawn from. */
export interface RecurrentOptions {
  /** Seed for the weight draws: a whole number (give seed or rng, not both). */
  seed?: number;
  /** Generator to draw the weights from. */
  rng?: Rng;
}

/** @internal The options every recurrent layer takes. */
export const RECURRENT_OPTIONS = ['seed', 'rng'] as const;

/**
 * The base of the recurrent layers, batch first: `forward(x, state?)` takes `x` of shape
 * `[batch, time, inputSize]` and returns `[output, finalState]`, where `output` is
 * `[batch, time, hiddenSize]` (the hidden state after each step). `State` is the hidden state
 * `[batch, hiddenSize]` (RNN, GRU) or the pair `[h, c]` (LSTM); it starts at zeros unless given.
 *
 * The parameters are PyTorch's, under PyTorch's names in camelCase: `weightIh`
 * `[G·hiddenSize, inputSize]`, `weightHh` `[G·hiddenSize, hiddenSize]`, `biasIh` and `biasHh`
 * `[G·hiddenSize]`, the G gates' blocks stacked in PyTorch's order, each drawn from U(−k, k) with
 * k = 1/√hiddenSize (in that order, from one generator). A state dict therefore maps one to one
 * onto PyTorch's `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`.
 *
 * forward returns a pair, so a recurrent layer is not a tensor → tensor `Module` and does not go
 * in a {@link Sequential}: call it from a Module of your own.
 */
export abstract class Recurrent<State> extends Module<[x: Tensor, state?: State], [Tensor, State]> {
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** The class name for messages ('RNN', 'LSTM', 'GRU'). */
  protected readonly kind: string;
  /** Blocks of rows in the weights: 1 (RNN), 4 (LSTM), 3 (GRU). */
  protected readonly gates: number;

  protected constructor(kind: string, gates: number, inputSize: number, hiddenSize: number, options: RecurrentOptions, extraOptions: readonly string[]) {
    super();
    options = knownOptions(kind, options, [...RECURRENT_OPTIONS, ...extraOptions]);
    positiveSize(kind, 'inputSize', inputSize);
    positiveSize(kind, 'hiddenSize', hiddenSize);
    checkParameterSize(kind, 'weightIh', [gates * hiddenSize, inputSize]);
    checkParameterSize(kind, 'weightHh', [gates * hiddenSize, hiddenSize]);
    const random = randomSource(kind, options);
    this.kind = kind;
    this.gates = gates;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    // One generator for the four draws, so that a seed gives four different tensors.
    const rng = generatorOf(random);
    const k = 1 / Math.sqrt(hiddenSize);
    const draw = (shape: number[]): Tensor => rand(shape, { ...(rng ? { rng } : {}), min: -k, max: k });
    this.registerParameter('weightIh', draw([gates * hiddenSize, inputSize]));
    this.registerParameter('weightHh', draw([gates * hiddenSize, hiddenSize]));
    this.registerParameter('biasIh', draw([gates * hiddenSize]));
    this.registerParameter('biasHh', draw([gates * hiddenSize]));
  }

  /** `[G·hiddenSize, inputSize]`: the gates' input weights, stacked. */
  get weightIh(): Tensor {
    return this.param('weightIh');
  }

  /** `[G·hiddenSize, hiddenSize]`: the gates' recurrent weights, stacked. */
  get weightHh(): Tensor {
    return this.param('weightHh');
  }

  /** `[G·hiddenSize]`: the input biases. */
  get biasIh(): Tensor {
    return this.param('biasIh');
  }

  /** `[G·hiddenSize]`: the recurrent biases. */
  get biasHh(): Tensor {
    return this.param('biasHh');
  }

  /**
   * Runs the layer over every time step of `x` (`[batch, time, inputSize]`) from `state` (zeros
   * when left out) and returns `[output, finalState]`, `output` of shape `[batch, time, hiddenSize]`.
   * @throws ShapeError naming the layer when `x` is not `[batch, time, inputSize]` (batch and time
   * at least 1) or a state tensor is not `[batch, hiddenSize]`; ValueError for a non-tensor.
   */
  forward(x: Tensor, state?: State): [Tensor, State] {
    const op = `${this.kind}.forward`;
    if (!(x instanceof Tensor)) throw new ValueError(`${op}: x must be a Tensor, got ${describe(x)}`);
    if (x.rank !== 3 || x.shape[2] !== this.inputSize || x.shape[0] === 0 || x.shape[1] === 0) {
      throw new ShapeError(`${op}: x must have shape [batch, time, ${this.inputSize}] (batch and time at least 1), got ${formatShape(x.shape)}`);
    }
    const initial = state === undefined ? null : this.checkState(op, state, x);
    const [batch, time] = [x.shape[0]!, x.shape[1]!];
    const outputs: Tensor[] = [];
    const final = this.scan(splitSteps(x, batch, time), initial, outputs);
    const sequence = concat(outputs.map((h) => reshape(h, [batch, 1, this.hiddenSize])), 1);
    return [sequence, final];
  }

  /**
   * The cell, run over the time steps: `steps[t]` is x_t (`[batch, inputSize]`), `initial` the
   * checked state (null for zeros, which the cells use to skip the first step's products with a
   * zero state). Pushes each step's hidden state onto `outputs` and returns the final state.
   */
  protected abstract scan(steps: readonly Tensor[], initial: State | null, outputs: Tensor[]): State;

  /** `state` checked: a tensor or pair of tensors of shape `[batch, hiddenSize]`. */
  protected abstract checkState(op: string, state: unknown, x: Tensor): State;

  /**
   * The gates' blocks for one sequence: `inputT[k]` is W_ikᵀ (`[inputSize, hiddenSize]`, for core's
   * linear), `hidden[k]` is W_hk (`[hiddenSize, hiddenSize]`, used transposed by matmulWith), in
   * PyTorch's gate order.
   */
  protected gateWeights(): { inputT: Tensor[]; hidden: Tensor[] } {
    const n = this.hiddenSize;
    const wihT = transpose(this.weightIh);
    const whh = this.weightHh;
    if (this.gates === 1) return { inputT: [wihT], hidden: [whh] };
    const gates = Array.from({ length: this.gates }, (_, k) => k);
    return {
      inputT: gates.map((k) => slice(wihT, [0, k * n], [this.inputSize, n])),
      hidden: gates.map((k) => slice(whh, [k * n, 0], [n, n])),
    };
  }

  /** The G blocks of a stacked `[G·hiddenSize]` bias. */
  protected gateBlocks(bias: Tensor): Tensor[] {
    const n = this.hiddenSize;
    if (this.gates === 1) return [bias];
    return Array.from({ length: this.gates }, (_, k) => slice(bias, [k * n], [n]));
  }

  /** A state tensor (`name` is h0 or c0) checked against `x`: `[batch, hiddenSize]`. */
  protected checkStateTensor(op: string, name: string, value: unknown, x: Tensor): Tensor {
    if (!(value instanceof Tensor)) throw new ValueError(`${op}: ${name} must be a Tensor, got ${describe(value)}`);
    const expected = [x.shape[0]!, this.hiddenSize];
    if (!sameShape(value.shape, expected)) {
      throw new ShapeError(`${op}: ${name} must have shape ${formatShape(expected)} for x ${formatShape(x.shape)}, got ${formatShape(value.shape)}`);
    }
    return value;
  }

  protected override describeSelf(): string {
    return `${this.inputSize} → ${this.hiddenSize}`;
  }
}

/**
 * x (`[batch, time, inputSize]`) as one `[batch, inputSize]` tensor per time step: put in
 * time-major order (one copy), then its rows cut in halves, recursively. Each slice's adjoint is a
 * padded copy of what it was cut from, so halving costs about 2·log₂(time) copies of x in the
 * backward pass where cutting each step from the whole would cost `time` of them.
 */
function splitSteps(x: Tensor, batch: number, time: number): Tensor[] {
  const width = x.shape[2]!;
  if (time === 1) return [reshape(x, [batch, width])];
  const steps: Tensor[] = [];
  splitRows(reshape(transpose(x, [1, 0, 2]), [time * batch, width]), time, batch, steps);
  return steps;
}

/** Pushes the `count` blocks of `batch` rows of `block` onto `steps`, in order (the recursion is log₂(count) deep). */
function splitRows(block: Tensor, count: number, batch: number, steps: Tensor[]): void {
  if (count === 1) {
    steps.push(block);
    return;
  }
  const half = count >> 1;
  const width = block.shape[1]!;
  splitRows(slice(block, [0, 0], [half * batch, width]), half, batch, steps);
  splitRows(slice(block, [half * batch, 0], [(count - half) * batch, width]), count - half, batch, steps);
}
