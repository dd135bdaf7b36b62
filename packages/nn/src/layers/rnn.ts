/** The Elman recurrent layer, as PyTorch's nn.RNN. */
import { Tensor, add, matmulWith, relu, tanh } from '@adjoint/core';
import { knownOptions, oneOf, orDefault } from '../args';
import { Recurrent, recurrentOptionNames, type CellWeights, type RecurrentOptions } from './recurrent';

/** Options of {@link RNN}. */
export interface RNNOptions extends RecurrentOptions {
  /** The activation of each step: 'tanh' (the default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
}

/**
 * A simple (Elman) recurrent layer over sequences, batch first. At each step t, with x_t the input
 * `[batch, inputSize]` and h the previous hidden state (zeros at the start unless given):
 *
 *   h' = act(x_t W_ihᵀ + b_ih + h W_hhᵀ + b_hh),   act = tanh (default) or relu
 *
 * exactly as PyTorch's `nn.RNN`: `weightIh` `[hiddenSize, inputSize]`, `weightHh` `[hiddenSize,
 * hiddenSize]`, `biasIh` and `biasHh` `[hiddenSize]`, all drawn from U(−1/√hiddenSize,
 * 1/√hiddenSize). `forward(x, h0?)` returns `[output, hN]`: output `[batch, time, hiddenSize]`
 * holds h after every step, hN `[batch, hiddenSize]` the last.
 *
 * `numLayers`, `bidirectional` and `dropout` stack layers and add a reverse direction as PyTorch's
 * options of the same names (see {@link Recurrent}): output is then `[batch, time, D·hiddenSize]`
 * and h0, hN are `[numLayers·D, batch, hiddenSize]` when numLayers·D > 1.
 *
 * @example
 * const rnn = new RNN(3, 8, { nonlinearity: 'relu', seed: 0 });
 * const [output, h] = rnn.forward(randn([2, 5, 3]));
 * output.shape; // [2, 5, 8]; h is [2, 8], the same as output's last step
 */
export class RNN extends Recurrent<Tensor> {
  /** The activation of each step. */
  readonly nonlinearity: 'tanh' | 'relu';

  /**
   * @throws ValueError naming RNN for a size or numLayers that is not a positive integer, weights
   * larger than a tensor can hold, a nonlinearity other than 'tanh' or 'relu', a bidirectional that
   * is not a boolean, a dropout outside [0, 1), a bad seed, seed and rng together, or an unknown
   * option.
   */
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    // Checked before the weights are drawn, so that a mistake spends no random numbers.
    const known = knownOptions('RNN', options, recurrentOptionNames(['nonlinearity']));
    const nonlinearity = oneOf('RNN', 'nonlinearity', orDefault(known.nonlinearity, 'tanh'), ['tanh', 'relu']);
    super('RNN', 1, inputSize, hiddenSize, known, ['nonlinearity']);
    this.nonlinearity = nonlinearity;
  }

  protected checkState(op: string, state: unknown, x: Tensor): Tensor {
    return this.checkStateTensor(op, 'h0', state, x);
  }

  protected scan(steps: readonly Tensor[], initial: Tensor | null, outputs: Tensor[], weights: CellWeights): Tensor {
    const act = this.nonlinearity === 'relu' ? relu : tanh;
    let h = initial;
    for (const fromInput of steps) {
      // x W_ihᵀ + (b_ih + b_hh), computed for every step at once, plus h W_hhᵀ, which a zero state skips.
      h = act(h === null ? fromInput : add(fromInput, matmulWith(h, weights.weightHh, false, true)));
      outputs.push(h);
    }
    return h!;
  }

  protected override cellDescription(): string[] {
    return [this.nonlinearity];
  }
}
