/** The long short-term memory layer (Hochreiter & Schmidhuber 1997), as PyTorch's nn.LSTM. */
import { Tensor, ValueError, add, matmulWith, mul, sigmoid, tanh } from '@adjoint/core';
import { describe } from '../module';
import { Recurrent, type CellWeights, type RecurrentOptions } from './recurrent';

/**
 * An LSTM's state: the hidden state h and the cell state c, each `[batch, hiddenSize]`, or
 * `[numLayers·D, batch, hiddenSize]` when the layer has several layers or directions.
 */
export type LstmState = [h: Tensor, c: Tensor];

/**
 * A long short-term memory layer over sequences, batch first. At each step t, with x_t the input
 * `[batch, inputSize]` and h, c the previous states (zeros at the start unless given):
 *
 *   i = σ(x_t W_iiᵀ + b_ii + h W_hiᵀ + b_hi)        input gate
 *   f = σ(x_t W_ifᵀ + b_if + h W_hfᵀ + b_hf)        forget gate
 *   g = tanh(x_t W_igᵀ + b_ig + h W_hgᵀ + b_hg)     cell candidate
 *   o = σ(x_t W_ioᵀ + b_io + h W_hoᵀ + b_ho)        output gate
 *   c' = f ⊙ c + i ⊙ g
 *   h' = o ⊙ tanh(c')
 *
 * exactly as PyTorch's `nn.LSTM`: `weightIh` `[4·hiddenSize, inputSize]` stacks W_ii, W_if, W_ig,
 * W_io in that order (likewise `weightHh`, `biasIh`, `biasHh`), all drawn from U(−1/√hiddenSize,
 * 1/√hiddenSize). `forward(x, [h0, c0]?)` returns `[output, [hN, cN]]`: output `[batch, time,
 * hiddenSize]` holds h after every step.
 *
 * `numLayers`, `bidirectional` and `dropout` stack layers and add a reverse direction as PyTorch's
 * options of the same names (see {@link Recurrent}): output is then `[batch, time, D·hiddenSize]`
 * and h, c are `[numLayers·D, batch, hiddenSize]` when numLayers·D > 1.
 *
 * The input's part of every step, x_t W_ihᵀ + b_ih + b_hh, is one product for the whole sequence;
 * a step then costs one product, h W_hhᵀ, for the four gates.
 *
 * @example
 * const lstm = new LSTM(3, 20, { seed: 0 });
 * const [output, [h, c]] = lstm.forward(randn([4, 7, 3]));
 * output.shape; // [4, 7, 20]; h and c are [4, 20]
 */
export class LSTM extends Recurrent<LstmState> {
  /**
   * @throws ValueError naming LSTM for a size or numLayers that is not a positive integer, weights
   * larger than a tensor can hold, a bidirectional that is not a boolean, a dropout outside [0, 1),
   * a bad seed, seed and rng together, or an unknown option.
   */
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('LSTM', 4, inputSize, hiddenSize, options, []);
  }

  protected checkState(op: string, state: unknown, x: Tensor): LstmState {
    if (!Array.isArray(state) || state.length !== 2) throw new ValueError(`${op}: the state must be a pair [h0, c0] of tensors, got ${describe(state)}`);
    return [this.checkStateTensor(op, 'h0', state[0], x), this.checkStateTensor(op, 'c0', state[1], x)];
  }

  protected scan(steps: readonly Tensor[], initial: LstmState | null, outputs: Tensor[], weights: CellWeights): LstmState {
    let h = initial?.[0] ?? null;
    let c = initial?.[1] ?? null;
    for (const fromInput of steps) {
      // h W_hhᵀ for the four gates in one product, which a zero state skips.
      const [i, f, g, o] = this.gatesOf(h === null ? fromInput : add(fromInput, matmulWith(h, weights.weightHh, false, true))) as [Tensor, Tensor, Tensor, Tensor];
      const input = mul(sigmoid(i), tanh(g));
      // From a zero state f ⊙ c vanishes, and f is not needed.
      c = c === null ? input : add(mul(sigmoid(f), c), input);
      h = mul(sigmoid(o), tanh(c));
      outputs.push(h);
    }
    return [h!, c!];
  }
}
