/**
 * What RNN, LSTM and GRU share: the four parameters and their initialisation, the checks of the
 * input and the initial state, the input projection of all time steps in one product, and the
 * assembly of the output sequence. Each layer supplies its cell (the loop over time steps).
 */
import { Rng, ShapeError, Tensor, ValueError, concat, formatShape, linear, rand, reshape, sameShape, slice, transpose } from '@adjoint/core';
import { Module, describe } from '../module';
import { checkParameterSize, knownOptions, positiveSize, randomSource } from '../args';

/** Options of {@link RNN}, {@link LSTM} and {@link GRU}: where the initial weights are drawn from. */
export interface RecurrentOptions {
  /** Seed for the weight draws: a whole number (give seed or rng, not both). */
  seed?: number;
  /** Generator to draw the weights from. */
  rng?: Rng;
}

/** The options every recurrent layer takes. */
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
    const rng = random.rng ?? (random.seed !== undefined ? new Rng(random.seed) : undefined);
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
    const final = this.scan(this.projectInputs(x, batch, time), initial, batch, outputs);
    const sequence = concat(outputs.map((h) => reshape(h, [batch, 1, this.hiddenSize])), 1);
    return [sequence, final];
  }

  /**
   * The cell, run over the time steps: `inputs[t]` is x_t·W_ihᵀ plus {@link inputBias}
   * (`[batch, G·hiddenSize]`), `initial` the checked state (null for zeros, which the cells use to
   * skip the first step's products with a zero state). Pushes each step's hidden state onto
   * `outputs` and returns the final state.
   */
  protected abstract scan(inputs: readonly Tensor[], initial: State | null, batch: number, outputs: Tensor[]): State;

  /** `state` checked: a tensor or pair of tensors of shape `[batch, hiddenSize]`. */
  protected abstract checkState(op: string, state: unknown, x: Tensor): State;

  /** The bias added to the input projection: b_ih + b_hh (RNN, LSTM), b_ih alone (GRU). */
  protected abstract inputBias(): Tensor;

  /** A state tensor (`name` is h0 or c0) checked against `x`: `[batch, hiddenSize]`. */
  protected checkStateTensor(op: string, name: string, value: unknown, x: Tensor): Tensor {
    if (!(value instanceof Tensor)) throw new ValueError(`${op}: ${name} must be a Tensor, got ${describe(value)}`);
    const expected = [x.shape[0]!, this.hiddenSize];
    if (!sameShape(value.shape, expected)) {
      throw new ShapeError(`${op}: ${name} must have shape ${formatShape(expected)} for x ${formatShape(x.shape)}, got ${formatShape(value.shape)}`);
    }
    return value;
  }

  /**
   * x_t·W_ihᵀ + bias for every t, as one product: x is put in time-major order ([time·batch,
   * inputSize], a copy of the input), multiplied by W_ihᵀ with the bias added in the same op
   * (core's linear), and the rows split into one `[batch, G·hiddenSize]` block per step.
   */
  private projectInputs(x: Tensor, batch: number, time: number): Tensor[] {
    const rows = time === 1 ? reshape(x, [batch, this.inputSize]) : reshape(transpose(x, [1, 0, 2]), [time * batch, this.inputSize]);
    const projected = linear(rows, transpose(this.weightIh), this.inputBias());
    const steps: Tensor[] = [];
    splitRows(projected, time, batch, steps);
    return steps;
  }

  protected override describeSelf(): string {
    return `${this.inputSize} → ${this.hiddenSize}`;
  }
}

/**
 * Pushes the `count` blocks of `batch` rows of `block` onto `steps`, in order, splitting in halves. Each slice's gradient is a tensor the size of what it was cut from,
 * so halving costs about 2·log₂(time) copies of the projection in the backward pass where cutting
 * each step from the whole would cost `time` of them. The recursion is log₂(time) deep.
 */
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
