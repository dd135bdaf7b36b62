/** A chain of modules, each fed the previous one's output. */
import { Tensor, ValueError } from '@adjoint/core';
import { Module, describe } from '../module';

/**
 * Applies its modules in order. They are registered as children named '0', '1', … (PyTorch's
 * convention), so parameters are named `0.weight`, `1.bias`, and inside a model that registers the
 * Sequential as 'layers', `layers.0.weight`.
 *
 * @example
 * const model = new Sequential([new Dense(2, 8, { activation: 'tanh' }), new Dense(8, 1)]);
 * model.forward(x);
 */
export class Sequential extends Module {
  /** The modules, in order. */
  readonly layers: readonly Module[];

  constructor(layers: readonly Module[]) {
    super();
    if (!Array.isArray(layers)) throw new ValueError(`Sequential: expected a list of modules, got ${describe(layers)}`);
    layers.forEach((layer, i) => {
      if (!(layer instanceof Module)) throw new ValueError(`Sequential: item ${i} is not a Module, got ${describe(layer)}`);
      this.register(String(i), layer);
    });
    this.layers = [...layers];
  }

  /** Number of modules. */
  get length(): number {
    return this.layers.length;
  }

  /** The output of the last module (the input itself for an empty Sequential). */
  forward(x: Tensor): Tensor {
    let out = x;
    for (const layer of this.layers) out = layer.forward(out);
    return out;
  }
}
