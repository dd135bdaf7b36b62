/** The gated recurrent unit layer (Cho et al. 2014), as PyTorch's nn.GRU. */
import { Tensor, add, linear, mul, sigmoid, slice, sub, tanh, transpose } from '@adjoint/core';
import { Recurrent, type RecurrentOptions } from './recurrent';

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
 * @example
 * const gru = new GRU(3, 16, { seed: 0 });
 * const [output, h] = gru.forward(randn([2, 5, 3]));
 * output.shape; // [2, 5, 16]; h is [2, 16]
 */
export class GRU extends Recurrent<Tensor> {
  /**
   * @throws ValueError naming GRU for a size that is not a positive integer, weights larger than a
   * tensor can hold, a bad seed, seed and rng together, or an unknown option.
   */
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('GRU', 3, inputSize, hiddenSize, options, []);
  }

  /** b_ih only: b_hn must stay inside r ⊙ (h W_hnᵀ + b_hn), so b_hh is added at each step. */
  protected inputBias(): Tensor {
    return this.biasIh;
  }

  protected checkState(op: string, state: unknown, x: Tensor): Tensor {
    return this.checkStateTensor(op, 'h0', state, x);
  }

  protected scan(inputs: readonly Tensor[], initial: Tensor | null, batch: number, outputs: Tensor[]): Tensor {
    const n = this.hiddenSize;
    const bhh = this.biasHh;
    let whhT: Tensor | null = null; // W_hhᵀ, once per sequence: each step's h W_hhᵀ + b_hh is then one op (core's linear)
    let h = initial;
    for (const input of inputs) {
      // h W_hhᵀ + b_hh, split into its r and z part and its n part; from a zero state it is b_hh.
      let hiddenRz: Tensor;
      let hiddenN: Tensor;
      if (h === null) {
        hiddenRz = slice(bhh, [0], [2 * n]);
        hiddenN = slice(bhh, [2 * n], [n]);
      } else {
        whhT ??= transpose(this.weightHh);
        const hidden = linear(h, whhT, bhh);
        hiddenRz = slice(hidden, [0, 0], [batch, 2 * n]);
        hiddenN = slice(hidden, [0, 2 * n], [batch, n]);
      }
      const rz = sigmoid(add(slice(input, [0, 0], [batch, 2 * n]), hiddenRz));
      const r = slice(rz, [0, 0], [batch, n]);
      const z = slice(rz, [0, n], [batch, n]);
      const candidate = tanh(add(slice(input, [0, 2 * n], [batch, n]), mul(r, hiddenN)));
      // (1 − z) ⊙ n + z ⊙ h = n + z ⊙ (h − n); from a zero state, n − z ⊙ n.
      h = h === null ? sub(candidate, mul(z, candidate)) : add(candidate, mul(z, sub(h, candidate)));
      outputs.push(h);
    }
    return h!;
  }
}
