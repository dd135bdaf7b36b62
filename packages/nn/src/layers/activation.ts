/** Activation functions as modules, for use in Sequential. They have no parameters. */
import { Tensor, ValueError, elu, gelu, leakyRelu, relu, requireChoice, requireOptions, sigmoid, silu, softmax, softplus, tanh } from '@adjoint/core';
import { Module } from '../module';
import { show, requireTensor } from '../args';

/** `x`, when it is a Tensor; else a ValueError naming the module's forward (not the core function it calls). */
function input(module: Module, x: unknown): Tensor {
  requireTensor(`${module.constructor.name}.forward`, 'input', x);
  return x;
}

/** max(x, 0). */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(input(this, x));
  }
}

/** tanh x: zero-centred, saturating at ±1. */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(input(this, x));
  }
}

/** The logistic function 1/(1 + e⁻ˣ). */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(input(this, x));
  }
}

/** x for x > 0, αx otherwise (α = 0.01 by default): a ReLU whose units cannot die. */
export class LeakyReLU extends Module {
  constructor(readonly alpha = 0.01) {
    super();
    if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new ValueError(`LeakyReLU: alpha must be a finite number, got ${show(alpha)}`);
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(input(this, x), this.alpha);
  }
  protected override describeSelf(): string {
    return `alpha = ${this.alpha}`;
  }
}

/** x for x ≥ 0, α(eˣ − 1) otherwise (α = 1 by default). */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
    if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new ValueError(`ELU: alpha must be a finite number, got ${show(alpha)}`);
  }
  forward(x: Tensor): Tensor {
    return elu(input(this, x), this.alpha);
  }
  protected override describeSelf(): string {
    return `alpha = ${this.alpha}`;
  }
}

/** Options of {@link GELU}. */
export interface GELUOptions {
  /** 'none' (the default): the exact x·Φ(x); 'tanh': PyTorch's tanh approximation. */
  approximate?: 'none' | 'tanh';
}

/**
 * The Gaussian error linear unit x·Φ(x) = ½x(1 + erf(x/√2)), Φ the standard normal distribution
 * function, as PyTorch's nn.GELU; with `{approximate: 'tanh'}`, its tanh approximation
 * ½x(1 + tanh(√(2/π)(x + 0.044715x³))). Core's `gelu`.
 *
 * @example
 * new Sequential([new Dense(4, 16), new GELU(), new Dense(16, 3)]);
 * @throws ValueError naming GELU for an unknown option or an `approximate` other than 'none' and 'tanh'.
 */
export class GELU extends Module {
  /** 'none' (exact) or 'tanh'. */
  readonly approximate: 'none' | 'tanh';
  constructor(options: GELUOptions = {}) {
    super();
    const { approximate = 'none' } = requireOptions('GELU', options, ['approximate']);
    this.approximate = requireChoice('GELU', 'approximate', approximate, ['none', 'tanh']);
  }
  forward(x: Tensor): Tensor {
    return gelu(input(this, x), { approximate: this.approximate });
  }
  protected override describeSelf(): string {
    return `approximate = '${this.approximate}'`;
  }
}

/** The sigmoid linear unit (swish) x·σ(x), σ the logistic function, as PyTorch's nn.SiLU. Core's `silu`. */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(input(this, x));
  }
}

/** ln(1 + eˣ): a smooth ReLU. */
export class Softplus extends Module {
  forward(x: Tensor): Tensor {
    return softplus(input(this, x));
  }
}

/** exp(xᵢ)/Σⱼ exp(xⱼ) along `axis` (the last by default): class probabilities from scores. */
export class Softmax extends Module {
  constructor(readonly axis = -1) {
    super();
    if (typeof axis !== 'number' || !Number.isInteger(axis)) throw new ValueError(`Softmax: axis must be an integer, got ${show(axis)}`);
  }
  forward(x: Tensor): Tensor {
    input(this, x);
    if (this.axis < -x.rank || this.axis >= x.rank) throw new ValueError(`Softmax.forward: axis ${this.axis} is out of range for an input of rank ${x.rank} (shape [${x.shape.join(', ')}])`);
    return softmax(x, this.axis);
  }
  protected override describeSelf(): string {
    return `axis = ${this.axis}`;
  }
}

/** Returns its input: a placeholder where a module is expected. */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return input(this, x);
  }
}
