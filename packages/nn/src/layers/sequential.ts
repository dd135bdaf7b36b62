/** A chain of modules, each fed the previous one's output. */
import { Tensor, ValueError } from '@adjoint/core';
import { Module, describe, type AnyModule } from '../module';

/**
 * Applies its modules in order. They are registered as children named '0', '1', … (PyTorch's
 * convention), so parameters are named `0.weight`, `1.bias`, and inside a model that registers the
 * Sequential as 'layers', `layers.0.weight`.
 *
 * Each module is fed the previous one's output, a tensor, so the modules are tensor → tensor
 * `Module`s. The recurrent layers (RNN, LSTM, GRU) return `[output, state]` and have no place in a
 * Sequential (a type error, and a ValueError when one gets there anyway): call them from a Module
 * of your own.
 *
 * @example
 * const model = new Sequential([new Dense(2, 8, { activation: 'tanh' }), new Dense(8, 1)]);
 * model.forward(x);
 */
export class Sequential extends Module {
  /**
   * The modules, in order: a frozen list, since a module added to it would run in forward without
   * being registered (no parameters, no stateDict entry).
   */
  readonly layers: readonly Module[];

  constructor(layers: readonly Module[]) {
    super();
    if (!Array.isArray(layers)) throw new ValueError(`Sequential: expected a list of modules, got ${describe(layers)}`);
    layers.forEach((layer, i) => {
      if (!(layer instanceof Module)) throw new ValueError(`Sequential: item ${i} is not a Module, got ${describe(layer)}`);
      this.register(String(i), layer);
    });
    this.layers = Object.freeze([...layers]);
  }

  /** Keeps {@link layers} in step with {@link Module.replaceChild}: the new module runs in the old one's place. */
  protected override childReplaced(name: string, _old: AnyModule, replacement: AnyModule): void {
    const layers = [...this.layers];
    layers[Number(name)] = replacement as Module;
    (this as { layers: readonly Module[] }).layers = Object.freeze(layers);
  }

  /** Number of modules. */
  get length(): number {
    return this.layers.length;
  }

  /** The modules in order, as PyTorch's `for layer in model`: `for (const layer of model)`. */
  [Symbol.iterator](): Iterator<Module> {
    return this.layers[Symbol.iterator]();
  }

  /**
   * The output of the last module (the input itself for an empty Sequential). A Sequential inside
   * a Sequential is run by this loop, not by a call to its forward, so nesting them 10⁵ deep costs
   * no call stack (a subclass that overrides forward is called as usual).
   */
  forward(x: Tensor): Tensor {
    const pending: Array<{ layers: readonly Module[]; next: number }> = [{ layers: this.layers, next: 0 }];
    let out = x;
    while (pending.length > 0) {
      const top = pending[pending.length - 1]!;
      if (top.next === top.layers.length) {
        pending.pop();
        continue;
      }
      const layer = top.layers[top.next++]!;
      if (layer instanceof Sequential && layer.forward === Sequential.prototype.forward) pending.push({ layers: layer.layers, next: 0 });
      else {
        out = layer.forward(out);
        if (!(out instanceof Tensor)) {
          throw new ValueError(`Sequential.forward: item ${top.next - 1} (${layer.constructor.name}) returned ${describe(out)}, not a Tensor; a Sequential passes one tensor from module to module (a recurrent layer returns [output, state]: call it from a Module of your own)`);
        }
      }
    }
    return out;
  }
}
