/** The gated recurrent unit layer (Cho et al. 2014), as PyTorch's nn.GRU. */
import { Tensor, add, linear, matmulWith, mul, sigmoid, sub, tanh, transpose } from '@adjoint/core';
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

  protected scan(steps: readonly Tensor[], initial: Tensor | null, outputs: Tensor[], weights: CellWeights): Tensor {
    const { inputT, hidden } = this.gateWeights(weights);
    const [bir, biz, bin] = this.gateBlocks(weights.biasIh) as [Tensor, Tensor, Tensor];
    const [bhr, bhz, bhn] = this.gateBlocks(weights.biasHh) as [Tensor, Tensor, Tensor];
    const [br, bz] = [add(bir, bhr), add(biz, bhz)]; // r and z add both biases; n keeps b_hn inside r ⊙ (·)
    const whnT = transpose(hidden[2]!);
    let h = initial;
    for (const x of steps) {
      const fromInput = (k: number, b: Tensor): Tensor => linear(x, inputT[k]!, b);
      const gate = (k: number, b: Tensor): Tensor => sigmoid(h === null ? fromInput(k, b) : add(fromInput(k, b), matmulWith(h, hidden[k]!, false, true)));
      const r = gate(0, br);
      const z = gate(1, bz);
      // h W_hnᵀ + b_hn in one op; from a zero state it is b_hn.
      const candidate = tanh(add(fromInput(2, bin), mul(r, h === null ? bhn : linear(h, whnT, bhn))));
      // (1 − z) ⊙ n + z ⊙ h = n + z ⊙ (h − n); from a zero state, n − z ⊙ n.
      h = h === null ? sub(candidate, mul(z, candidate)) : add(candidate, mul(z, sub(h, candidate)));
      outputs.push(h);
    }
    return h!;
  }
}
