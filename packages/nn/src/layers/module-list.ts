/** A list of modules with no forward of its own: PyTorch's nn.ModuleList. */
import { ValueError } from '@adjoint/core';
import { Module, describe, type AnyModule } from '../module';
import { show } from '../args';

/**
 * Holds modules in a list and registers each, as children named '0', '1', … (so a model that
 * registers the list as 'blocks' has parameters `blocks.0.weight`, …). Use it where a model needs
 * a number of layers that it calls in a way of its own (a plain array of modules is not
 * registered, and is refused when the model's parameters are listed). Unlike {@link Sequential},
 * it can hold any module, recurrent layers too, and has no forward: call its modules yourself.
 *
 * @example
 * class Tower extends Module {
 *   readonly blocks = this.register('blocks', new ModuleList([new Dense(4, 4), new Dense(4, 4)]));
 *   forward(x: Tensor): Tensor {
 *     for (const block of this.blocks) x = x.add(block.forward(x)); // residual steps
 *     return x;
 *   }
 * }
 */
export class ModuleList<M extends AnyModule = AnyModule> extends Module<never[], never> {

  constructor(modules: readonly M[] = []) {
    super();
    if (!Array.isArray(modules)) throw new ValueError(`ModuleList: expected a list of modules, got ${describe(modules)}`);
    modules.forEach((module, i) => {
      if (!(module instanceof Module)) throw new ValueError(`ModuleList: item ${i} is not a Module, got ${describe(module)}`);
    });
    for (const module of modules) this.append(module);
  }

  /**
   * Registers `module` at the end of the list, under the next index, and returns the list. An
   * optimizer made before does not know its parameters: make it after the model is complete.
   */
  append(module: M): this {
    if (!(module instanceof Module)) throw new ValueError(`ModuleList.append: expected a Module, got ${describe(module)}`);
    this.register(String(this.length), module);
    return this;
  }

  /** The modules, read from the registrations themselves (which replaceChild keeps current), in order. */
  private get items(): M[] {
    return [...Module.childrenOf(this).values()] as M[];
  }

  /** Number of modules. */
  get length(): number {
    return Module.childrenOf(this).size;
  }

  /**
   * The module at `index`; a negative index counts from the end (as `Array.prototype.at`).
   * @throws ValueError when `index` is not a whole number within the list.
   */
  at(index: number): M {
    const n = this.length;
    if (!Number.isInteger(index) || index < -n || index >= n) {
      throw new ValueError(`ModuleList.at: index must be a whole number from ${-n} to ${n - 1}, got ${show(index)}`);
    }
    return this.items[index < 0 ? index + n : index]!;
  }

  /** The modules in order: `for (const block of list)`. */
  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }

  /** A ModuleList has no forward (as in PyTorch): the model that holds it calls its modules. */
  forward(): never {
    throw new ValueError(`ModuleList.forward: a ModuleList has no forward of its own; call its modules from the model's forward (for (const layer of list) …), or use a Sequential to chain them`);
  }
}
