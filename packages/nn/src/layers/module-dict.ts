/** Modules by name, with no forward of its own: PyTorch's nn.ModuleDict. */
import { ValueError } from '@adjoint/core';
import { Module, describe, type AnyModule } from '../module';
import { show } from '../args';

/**
 * Holds modules under names and registers each as a child of that name (so a model that registers
 * the dict as 'heads' has parameters `heads.age.weight`, …), in insertion order. Use it where a
 * model picks among named parts (one head per task, one encoder per input kind). It has no forward:
 * call its modules yourself. Unlike a JavaScript Map it is a module: its modules' parameters are the
 * model's, and stateDict, train/eval and clone reach them.
 *
 * @example
 * class MultiTask extends Module<[x: Tensor, task: string], Tensor> {
 *   readonly body = this.register('body', new Dense(8, 16, { activation: 'relu' }));
 *   readonly heads = this.register('heads', new ModuleDict({ age: new Dense(16, 1), label: new Dense(16, 3) }));
 *   forward(x: Tensor, task: string): Tensor {
 *     return this.heads.get(task).forward(this.body.forward(x));
 *   }
 * }
 */
export class ModuleDict<M extends AnyModule = AnyModule> extends Module<never[], never> {
  /** @throws ValueError for something other than an object of modules or a list of [name, module] pairs, or a name register refuses. */
  constructor(modules: Readonly<Record<string, M>> | ReadonlyArray<readonly [string, M]> = {}) {
    super();
    const pairs = Array.isArray(modules) ? modules : modules !== null && typeof modules === 'object' ? Object.entries(modules) : null;
    if (pairs === null) throw new ValueError(`ModuleDict: expected an object of modules or a list of [name, module] pairs, got ${describe(modules)}`);
    pairs.forEach((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) throw new ValueError(`ModuleDict: item ${i} must be a [name, module] pair, got ${describe(pair)}`);
      this.set(pair[0] as string, pair[1] as M);
    });
  }

  /**
   * Puts `module` under `name` and returns the dict: a new name is registered at the end; an
   * existing one is replaced in its place (as PyTorch's `dict[name] = module`, through
   * {@link Module.replaceChild}). An optimizer made before does not know the new parameters.
   */
  set(name: string, module: M): this {
    if (!(module instanceof Module)) throw new ValueError(`ModuleDict.set: '${String(name)}' must be a Module, got ${describe(module)}`);
    if (this.has(name)) this.replaceChild(name, module);
    else this.register(name, module);
    return this;
  }

  /**
   * The module under `name`.
   * @throws ValueError when there is none, naming the names there are.
   */
  get(name: string): M {
    const module = Module.childrenOf(this).get(name);
    if (module === undefined) {
      const names = this.keys();
      throw new ValueError(`ModuleDict.get: no module is named ${show(name)}; ${names.length === 0 ? 'the dict is empty' : `the names are ${names.map((n) => `'${n}'`).join(', ')}`}`);
    }
    return module as M;
  }

  /** Whether a module is named `name`. */
  has(name: string): boolean {
    return typeof name === 'string' && Module.childrenOf(this).has(name);
  }

  /** The number of modules. */
  get size(): number {
    return Module.childrenOf(this).size;
  }

  /** The names, in insertion order. */
  keys(): string[] {
    return [...Module.childrenOf(this).keys()];
  }

  /** The modules, in insertion order. */
  values(): M[] {
    return [...Module.childrenOf(this).values()] as M[];
  }

  /** [name, module] pairs, in insertion order. */
  entries(): Array<[string, M]> {
    return [...Module.childrenOf(this).entries()] as Array<[string, M]>;
  }

  /** A ModuleDict has no forward (as in PyTorch): the model that holds it calls its modules. */
  forward(): never {
    throw new ValueError(`ModuleDict.forward: a ModuleDict has no forward of its own; call its modules from the model's forward (dict.get(name).forward(x))`);
  }
}
