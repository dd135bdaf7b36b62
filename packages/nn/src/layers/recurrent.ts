/**
 * What RNN, LSTM and GRU share: the parameters of every layer and direction and their
 * initialisation, the checks of the options, the input and the initial state, the layers stacked
 * (the reverse direction reading the steps backwards, dropout between layers), the input's part of
 * every step computed at once, and the assembly of the output sequence and final state. Each layer
 * supplies its cell (the loop over time steps, for one layer and direction).
 *
 * How the loop is laid out, and why: a layer's input sequence is kept as one time-major matrix
 * `[time·batch, width]` (step t is rows t·batch … (t + 1)·batch), so the input's part of every
 * step's gate pre-activations is one product for the whole sequence, x·W_ihᵀ + b, as PyTorch and
 * cuDNN do; it is then cut into steps, and each step adds h·W_hhᵀ, one product for all the gates,
 * and cuts the sum into its gates' blocks. This rests on core's slices being cheap to differentiate:
 * a slice's gradient is added into its own part of the whole's gradient, so cutting a matrix into
 * many pieces costs the pieces' size on the way back, not a padded copy of the matrix per piece.
 */
import { MAX_SIZE, Rng, ShapeError, Tensor, ValueError, add, concat, formatShape, linear, rand, reshape, sameShape, slice, split, transpose } from '@adjoint/core';
import { Module, describe } from '../module';
import { dropped } from './dropout';
import { checkBoolean, checkParameterSize, generatorOf, knownOptions, orDefault, positiveSize, randomSource, show, requireTensor } from '../args';

/**
 * Options of {@link RNN}, {@link LSTM} and {@link GRU}: PyTorch's `num_layers`, `bidirectional`
 * and `dropout`, and where the initial weights (and dropout's masks) are drawn from.
 */
export interface RecurrentOptions {
  /** Seed for the weight draws, then for dropout's masks: a whole number (give seed or rng, not both). */
  seed?: number;
  /** Generator to draw the weights from, then dropout's masks. */
  rng?: Rng;
  /** Layers stacked on each other, each taking the output sequence of the one before: a whole number ≥ 1 (default 1). */
  numLayers?: number;
  /** Whether each layer also runs over the sequence backwards, its output joined to the forward one's (default false). */
  bidirectional?: boolean;
  /**
   * Probability in [0, 1) of zeroing each value of every layer's output but the last one's, in
   * training mode only, survivors scaled by 1/(1 − p) (default 0). With one layer it has no effect
   * (PyTorch warns then; adjoint accepts it silently).
   */
  dropout?: number;
}

/** @internal The option names of a recurrent layer whose cell takes the options `cell` too, in the order messages list them. */
export function recurrentOptionNames(cell: readonly string[]): string[] {
  return ['seed', 'rng', ...cell, 'numLayers', 'bidirectional', 'dropout'];
}

/** The names of a cell's four parameters for layer 0's forward direction. */
type ParameterBase = 'weightIh' | 'weightHh' | 'biasIh' | 'biasHh';

/**
 * @internal The name of one layer and direction's parameter: PyTorch's state-dict name in camelCase,
 * layer 0's forward direction keeping the plain names (`weight_ih_l0` ↔ `weightIh`,
 * `weight_ih_l0_reverse` ↔ `weightIhReverse`, `weight_ih_l1` ↔ `weightIhL1`,
 * `weight_ih_l1_reverse` ↔ `weightIhL1Reverse`).
 */
export function cellParameterName(base: ParameterBase, layer: number, reverse: boolean): string {
  return `${base}${layer === 0 ? '' : `L${layer}`}${reverse ? 'Reverse' : ''}`;
}

/** One layer and direction's four parameters, as a recurrent layer's cell (its `scan`) uses them. */
export interface CellWeights {
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh: Tensor;
  biasHh: Tensor;
}

/**
 * The base of the recurrent layers, batch first: `forward(x, state?)` takes `x` of shape
 * `[batch, time, inputSize]` and returns `[output, finalState]`, where `output` is
 * `[batch, time, D·hiddenSize]` (the last layer's hidden state after each step; D = 2 when
 * bidirectional, the forward direction's then the reverse one's, else 1). `State` is the hidden
 * state (RNN, GRU) or the pair `[h, c]` (LSTM), each `[batch, hiddenSize]` when numLayers·D is 1
 * and `[numLayers·D, batch, hiddenSize]` otherwise (index layer·D + direction, as PyTorch's); it
 * starts at zeros unless given.
 *
 * The parameters are PyTorch's, under PyTorch's names in camelCase: for layer 0's forward direction
 * `weightIh` `[G·hiddenSize, inputSize]`, `weightHh` `[G·hiddenSize, hiddenSize]`, `biasIh` and
 * `biasHh` `[G·hiddenSize]`, the G gates' blocks stacked in PyTorch's order; the reverse direction's
 * end in `Reverse`, layer k's (k ≥ 1) in `Lk` (`weightIhL1Reverse` is PyTorch's
 * `weight_ih_l1_reverse`), and layer k's input weights are `[G·hiddenSize, D·hiddenSize]`. They are
 * registered in PyTorch's order (layer by layer, forward before reverse, each cell's four in the
 * order above) and drawn in that order from one generator, each from U(−k, k) with
 * k = 1/√hiddenSize. A state dict therefore maps one to one onto PyTorch's.
 *
 * forward returns a pair, so a recurrent layer is not a tensor → tensor `Module` and does not go
 * in a {@link Sequential}: call it from a Module of your own.
 */
export abstract class Recurrent<State> extends Module<[x: Tensor, state?: State], [Tensor, State]> {
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** Layers stacked on each other (PyTorch's `num_layers`). */
  readonly numLayers: number;
  /** Whether each layer runs over the sequence in both directions. */
  readonly bidirectional: boolean;
  /** Dropout's probability on each layer's output but the last, in training mode. */
  readonly dropout: number;
  /** The class name for messages ('RNN', 'LSTM', 'GRU'). */
  protected readonly kind: string;
  /** Blocks of rows in the weights: 1 (RNN), 4 (LSTM), 3 (GRU). */
  protected readonly gates: number;
  /** Where dropout's masks come from: the generator the weights came from, or core's stream (undefined). */
  private masks: Rng | undefined;

  protected constructor(kind: string, gates: number, inputSize: number, hiddenSize: number, options: RecurrentOptions, extraOptions: readonly string[]) {
    super();
    options = knownOptions(kind, options, recurrentOptionNames(extraOptions));
    positiveSize(kind, 'inputSize', inputSize);
    positiveSize(kind, 'hiddenSize', hiddenSize);
    const numLayers = positiveSize(kind, 'numLayers', orDefault<unknown>(options.numLayers, 1));
    const bidirectional = checkBoolean(kind, 'bidirectional', orDefault<unknown>(options.bidirectional, false));
    const dropout: unknown = orDefault<unknown>(options.dropout, 0);
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) throw new ValueError(`${kind}: dropout must be in [0, 1), got ${show(dropout)}`);
    const directions = bidirectional ? 2 : 1;
    // Checked before anything is drawn, so that the message names the layer, not the draw.
    checkParameterSize(kind, 'weightIh', [gates * hiddenSize, inputSize]);
    if (numLayers > 1) checkParameterSize(kind, 'weightIhL1', [gates * hiddenSize, directions * hiddenSize]);
    checkParameterSize(kind, 'weightHh', [gates * hiddenSize, hiddenSize]);
    // And all of them together: a huge numLayers would otherwise register tensor after tensor until
    // the process ran out of memory.
    const cell = (width: number): number => gates * hiddenSize * (width + hiddenSize + 2);
    const total = directions * (cell(inputSize) + (numLayers - 1) * cell(directions * hiddenSize));
    if (total > MAX_SIZE) {
      throw new ValueError(`${kind}: numLayers ${numLayers} of ${directions} direction${directions === 2 ? 's' : ''} would hold ${total} parameter values in all, more than the ${MAX_SIZE} a layer can hold`);
    }
    const random = randomSource(kind, options);
    this.kind = kind;
    this.gates = gates;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bidirectional = bidirectional;
    this.dropout = dropout;
    // One generator for all draws, so that a seed gives different tensors; with the defaults they
    // are today's four draws. Masks come from it after the weights, so dropout leaves them alone.
    const rng = generatorOf(random);
    this.masks = rng;
    const k = 1 / Math.sqrt(hiddenSize);
    const draw = (shape: number[]): Tensor => rand(shape, { ...(rng ? { rng } : {}), min: -k, max: k });
    for (let layer = 0; layer < numLayers; layer++) {
      const width = layer === 0 ? inputSize : directions * hiddenSize;
      for (let direction = 0; direction < directions; direction++) {
        const name = (base: ParameterBase): string => cellParameterName(base, layer, direction === 1);
        this.registerParameter(name('weightIh'), draw([gates * hiddenSize, width]));
        this.registerParameter(name('weightHh'), draw([gates * hiddenSize, hiddenSize]));
        this.registerParameter(name('biasIh'), draw([gates * hiddenSize]));
        this.registerParameter(name('biasHh'), draw([gates * hiddenSize]));
      }
    }
  }

  /**
   * The generator dropout's masks are drawn from, after the weights were: the one given as `rng`,
   * or the layer's own for a `seed`; undefined when masks come from core's module-wide stream (no
   * seed or rng, or a layer read from a model file; save that one with `getRngState`). To resume
   * training where a checkpoint left it, save `rng.state()` (plain data) with the weights and put
   * it back in place with `rng.setState(saved)`.
   */
  get rng(): Rng | undefined {
    return this.masks;
  }

  /**
   * @internal For the model-file reader, which seeds the weight draws only to leave core's stream
   * alone (the file's weights replace them): dropout's masks then come from core's stream, as for a
   * layer built without seed or rng, not from that seed.
   */
  drawMasksFromCoreStream(): void {
    this.masks = undefined;
  }

  /** `[G·hiddenSize, inputSize]`: layer 0's forward input weights, the gates' blocks stacked. */
  get weightIh(): Tensor {
    return this.param('weightIh');
  }

  /** `[G·hiddenSize, hiddenSize]`: layer 0's forward recurrent weights, the gates' blocks stacked. */
  get weightHh(): Tensor {
    return this.param('weightHh');
  }

  /** `[G·hiddenSize]`: layer 0's forward input biases. */
  get biasIh(): Tensor {
    return this.param('biasIh');
  }

  /** `[G·hiddenSize]`: layer 0's forward recurrent biases. */
  get biasHh(): Tensor {
    return this.param('biasHh');
  }

  /** D: 2 when bidirectional, else 1. */
  protected get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  /**
   * Runs the layers over every time step of `x` (`[batch, time, inputSize]`) from `state` (zeros
   * when left out) and returns `[output, finalState]`, `output` of shape
   * `[batch, time, D·hiddenSize]`.
   * @throws ShapeError naming the layer when `x` is not `[batch, time, inputSize]` (batch and time
   * at least 1) or a state tensor does not have the state's shape; ValueError for a non-tensor.
   */
  forward(x: Tensor, state?: State): [Tensor, State] {
    const op = `${this.kind}.forward`;
    requireTensor(op, 'x', x);
    if (x.rank !== 3 || x.shape[2] !== this.inputSize || x.shape[0] === 0 || x.shape[1] === 0) {
      throw new ShapeError(`${op}: x must have shape [batch, time, ${this.inputSize}] (batch and time at least 1), got ${formatShape(x.shape)}`);
    }
    const initial = state === undefined ? null : this.checkState(op, state, x);
    const [batch, time] = [x.shape[0]!, x.shape[1]!];
    const [hidden, directions] = [this.hiddenSize, this.directions];
    const cells = this.numLayers * directions;
    // Cell c's initial state: the whole state for one cell, else its row c of each tensor.
    const initialOf = (cell: number): State | null =>
      initial === null || cells === 1 ? initial : eachTensor(initial, (t) => reshape(slice(t, [cell, 0, 0], [1, batch, hidden]), [batch, hidden]));
    // Each layer's input and output sequences are time-major matrices [time·batch, width].
    let sequence = reshape(transpose(x, [1, 0, 2]), [time * batch, this.inputSize]);
    const finals: State[] = [];
    for (let layer = 0; layer < this.numLayers; layer++) {
      if (layer > 0 && this.training && this.dropout > 0) sequence = dropped(sequence, this.dropout, this.masks);
      const outputs: Tensor[] = [];
      for (let direction = 0; direction < directions; direction++) {
        const reverse = direction === 1;
        const weights = this.cellWeights(layer, reverse);
        // The input's part of every step's pre-activations, biases included, in one product.
        const steps = split(linear(sequence, transpose(weights.weightIh), this.inputBias(weights)), time, 0);
        const out: Tensor[] = [];
        // The reverse direction reads the steps last to first; its outputs are put back in input order.
        finals.push(this.scan(reverse ? steps.reverse() : steps, initialOf(layer * directions + direction), out, weights));
        outputs.push(concat(reverse ? out.reverse() : out, 0));
      }
      sequence = directions === 1 ? outputs[0]! : concat(outputs, 1);
    }
    const output = transpose(reshape(sequence, [time, batch, directions * hidden]), [1, 0, 2]);
    const final = cells === 1 ? finals[0]! : stackStates(finals, (parts) => concat(parts.map((t) => reshape(t, [1, batch, hidden])), 0));
    return [output, final];
  }

  /**
   * The cell, run over the time steps: `steps[t]` is the input's part of step t's pre-activations
   * (`[batch, G·hiddenSize]`, the gates' blocks side by side, {@link inputBias} included), in the
   * order the cell reads them; `initial` the cell's checked state (null for zeros, which the cells
   * use to skip the first step's product with a zero state); `weights` the cell's parameters.
   * Pushes each step's hidden state onto `outputs` and returns the final state.
   */
  protected abstract scan(steps: readonly Tensor[], initial: State | null, outputs: Tensor[], weights: CellWeights): State;

  /** The bias added to the input's product: b_ih + b_hh, as RNN and LSTM add both to every gate (GRU overrides it). */
  protected inputBias(weights: CellWeights): Tensor {
    return add(weights.biasIh, weights.biasHh);
  }

  /** `state` checked: a tensor or pair of tensors of the state's shape (see {@link checkStateTensor}). */
  protected abstract checkState(op: string, state: unknown, x: Tensor): State;

  /** Layer `layer`'s parameters in one direction, read through `param` (so that functionalCall can swap them). */
  private cellWeights(layer: number, reverse: boolean): CellWeights {
    const get = (base: ParameterBase): Tensor => this.param(cellParameterName(base, layer, reverse));
    return { weightIh: get('weightIh'), weightHh: get('weightHh'), biasIh: get('biasIh'), biasHh: get('biasHh') };
  }

  /** A step's pre-activations `[batch, G·hiddenSize]` cut into the G gates' blocks, in PyTorch's gate order. */
  protected gatesOf(preActivations: Tensor): Tensor[] {
    return this.gates === 1 ? [preActivations] : split(preActivations, this.gates, 1);
  }

  /**
   * A state tensor (`name` is h0 or c0) checked against `x`: `[batch, hiddenSize]` when
   * numLayers·D is 1, else `[numLayers·D, batch, hiddenSize]`.
   */
  protected checkStateTensor(op: string, name: string, value: unknown, x: Tensor): Tensor {
    if (!(value instanceof Tensor)) throw new ValueError(`${op}: ${name} must be a Tensor, got ${describe(value)}`);
    const cells = this.numLayers * this.directions;
    const expected = cells === 1 ? [x.shape[0]!, this.hiddenSize] : [cells, x.shape[0]!, this.hiddenSize];
    if (!sameShape(value.shape, expected)) {
      const layout = cells === 1 ? '' : ` ([numLayers·${this.directions}, batch, hiddenSize])`;
      throw new ShapeError(`${op}: ${name} must have shape ${formatShape(expected)}${layout} for x ${formatShape(x.shape)}, got ${formatShape(value.shape)}`);
    }
    return value;
  }

  /** What the cell adds to the printed description, after the sizes (RNN's nonlinearity). */
  protected cellDescription(): string[] {
    return [];
  }

  protected override describeSelf(): string {
    const parts = [`${this.inputSize} → ${this.hiddenSize}`, ...this.cellDescription()];
    if (this.numLayers !== 1) parts.push(`numLayers ${this.numLayers}`);
    if (this.bidirectional) parts.push('bidirectional');
    if (this.dropout !== 0) parts.push(`dropout ${this.dropout}`);
    return parts.join(', ');
  }
}

/** `state` with `f` applied to each of its tensors: h, or an LSTM's h and c (f gets the index). */
function eachTensor<S>(state: S, f: (t: Tensor, part: number) => Tensor): S {
  return (Array.isArray(state) ? state.map((t: Tensor, i) => f(t, i)) : f(state as Tensor, 0)) as S;
}

/** The cells' states as one: each part of it (h, c) is `f` of that part of every cell's state, in order. */
function stackStates<S>(states: readonly S[], f: (parts: Tensor[]) => Tensor): S {
  return eachTensor(states[0]!, (_, part) => f(states.map((s) => (Array.isArray(s) ? (s[part] as Tensor) : (s as Tensor)))));
}
