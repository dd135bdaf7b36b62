/** The gated recurrent unit layer (Cho et al. 2014), as PyTorch's nn.GRU. */
import { Tensor, add, concat, matmulWith, mul, sigmoid, slice, sub, tanh } from '@adjoint/core';
import { Recurrent, type CellWeights, type RecurrentOptions } from './recurrent';

/**
 * A gated recurrent unit layer over sequences, batch first. At each step t, with x_t the input
 * `[batch, inputSize]` and h the previous hidden state (zeros at the start unless given):
 *
 *   r = σ(x_t W_irᵀ + b_ir + h W_hrᵀ + b_hr)            reset gate
 *   z = σ(x_t W_izᵀ + b_iz + h W_hzᵀ + b_hz)            update gate
 *   n = tanh(x_t W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn))   candidate
 *   h' = (1 − z) ⊙ n + z ⊙ h
 *
 * exactly as PyTorch's `nn.GRU` (the reset gate scales h W_hnᵀ + b_hn, bias included):
 * `weightIh` `[3·hiddenSize, inputSize]` stacks W_ir, W_iz, W_in in that order (likewise
 * `weightHh`, `biasIh`, `biasHh`), all drawn from U(−1/√hiddenSize, 1/√hiddenSize).
 * `forward(x, h0?)` returns `[output, hN]`: output `[batch, time, hiddenSize]` holds h after every
 * step. (h' is computed as n + z ⊙ (h − n), the same function.)
 *
 * `numLayers`, `bidirectional` and `dropout` stack layers and add a reverse direction as PyTorch's
 * options of the same names (see {@link Recurrent}): output is then `[batch, time, D·hiddenSize]`
 * and h0, hN are `[numLayers·D, batch, hiddenSize]` when numLayers·D > 1.
 *
 * @example
 * const gru = new GRU(3, 16, { seed: 0 });
 * const [output, h] = gru.forward(randn([2, 5, 3]));
 * output.shape; // [2, 5, 16]; h is [2, 16]
 */
export class GRU extends Recurrent<Tensor> {
  /**
   * @throws ValueError naming GRU for a size or numLayers that is not a positive integer, weights
   * larger than a tensor can hold, a bidirectional that is not a boolean, a dropout outside [0, 1),
   * a bad seed, seed and rng together, or an unknown option.
   */
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('GRU', 3, inputSize, hiddenSize, options, []);
  }

  protected checkState(op: string, state: unknown, x: Tensor): Tensor {
    return this.checkStateTensor(op, 'h0', state, x);
  }

  /** r and z add both biases to the input's product; n keeps b_hn inside r ⊙ (h W_hnᵀ + b_hn). */
  protected override inputBias(weights: CellWeights): Tensor {
    const n = this.hiddenSize;
    const both = add(slice(weights.biasIh, [0], [2 * n]), slice(weights.biasHh, [0], [2 * n]));
    return concat([both, slice(weights.biasIh, [2 * n], [n])], 0);
  }

  protected scan(steps: readonly Tensor[], initial: Tensor | null, outputs: Tensor[], weights: CellWeights): Tensor {
    const n = this.hiddenSize;
    const bhn = slice(weights.biasHh, [2 * n], [n]);
    let h = initial;
    for (const fromInput of steps) {
      const [ir, iz, inN] = this.gatesOf(fromInput) as [Tensor, Tensor, Tensor];
      if (h === null) {
        // From a zero state h W_hhᵀ vanishes: r ⊙ b_hn inside n, and h' = (1 − z) ⊙ n = n − z ⊙ n.
        const r = sigmoid(ir);
        const candidate = tanh(add(inN, mul(r, bhn)));
        h = sub(candidate, mul(sigmoid(iz), candidate));
      } else {
        // h W_hhᵀ for the three gates in one product.
        const [hr, hz, hn] = this.gatesOf(matmulWith(h, weights.weightHh, false, true)) as [Tensor, Tensor, Tensor];
        const r = sigmoid(add(ir, hr));
        const z = sigmoid(add(iz, hz));
        const candidate = tanh(add(inN, mul(r, add(hn, bhn))));
        // (1 − z) ⊙ n + z ⊙ h = n + z ⊙ (h − n).
        h = add(candidate, mul(z, sub(h, candidate)));
      }
      outputs.push(h);
    }
    return h!;
  }
}
