/**
 * The Module base class: a unit of a model that owns parameters (trained), buffers (state that is
 * saved but not trained, like BatchNorm's running statistics) and child modules, each registered
 * under a name. Registration is explicit, so nothing is discovered by accident (a cached constant
 * tensor on a field never becomes a parameter) and names and order are exactly what the code says.
 */
import { Tensor, ShapeError, ValueError, assign, formatShape, isTensor, requireOptions, sameShape } from '@adjoint/core';

/** What `stateDict()` returns and `loadStateDict()` takes: dotted name → tensor. */
export type StateDict = Record<string, Tensor>;

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /** When true (the default), missing and unexpected keys are errors. */
  strict?: boolean;
}

const NAME = /^[A-Za-z0-9_]+$/;

/**
 * Base class of every layer and model. Subclasses register what they own in the constructor and
 * implement `forward`:
 *
 * @example
 * class TwoLayer extends Module {
 *   readonly hidden = this.register('hidden', new Dense(2, 8, { activation: 'tanh' }));
 *   readonly out = this.register('out', new Dense(8, 1));
 *   forward(x: Tensor): Tensor {
 *     return this.out.forward(this.hidden.forward(x));
 *   }
 * }
 *
 * Parameters are read with `this.param(name)` in the built-in layers so that
 * {@link functionalCall} can substitute other tensors for them.
 */
export abstract class Module {
  /** Whether the module is in training mode (Dropout drops, BatchNorm uses batch statistics). */
  training = true;
  private readonly ownParameters = new Map<string, Tensor>();
  private readonly ownBuffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /** Computes the module's output. Call it directly: `model.forward(x)`. */
  abstract forward(...inputs: Tensor[]): Tensor;

  /**
   * Registers a child module under `name` and returns it, so that a field can be initialised in
   * one line: `readonly fc = this.register('fc', new Dense(3, 4))`.
   */
  register<M extends Module>(name: string, module: M): M {
    this.claim(name, 'register');
    if (!(module instanceof Module)) throw new ValueError(`register: '${name}' must be a Module, got ${describe(module)}`);
    if ((module as Module) === this) throw new ValueError(`register: a module cannot be its own child ('${name}')`);
    this.children.set(name, module);
    return module;
  }

  /**
   * Registers a trainable tensor under `name`, marks it `requiresGrad`, and returns it. The tensor
   * must be a leaf: optimizers write its data in place.
   */
  registerParameter(name: string, value: Tensor): Tensor {
    this.claim(name, 'registerParameter');
    if (!isTensor(value)) throw new ValueError(`registerParameter: '${name}' must be a Tensor, got ${describe(value)}`);
    if (!value.isLeaf) throw new ValueError(`registerParameter: '${name}' must be a leaf tensor (use detach() or clone()), got a computed one`);
    value.requiresGrad = true;
    this.ownParameters.set(name, value);
    return value;
  }

  /** Registers a non-trainable tensor (saved in `stateDict`, never returned by `parameters`). */
  registerBuffer(name: string, value: Tensor): Tensor {
    this.claim(name, 'registerBuffer');
    if (!isTensor(value)) throw new ValueError(`registerBuffer: '${name}' must be a Tensor, got ${describe(value)}`);
    this.ownBuffers.set(name, value);
    return value;
  }

  /** This module's own parameter called `name` (not a child's). */
  param(name: string): Tensor {
    const p = this.ownParameters.get(name);
    if (p === undefined) throw new ValueError(`${this.constructor.name}: no parameter named '${name}'`);
    return p;
  }

  /** This module's own buffer called `name` (not a child's). */
  buffer(name: string): Tensor {
    const b = this.ownBuffers.get(name);
    if (b === undefined) throw new ValueError(`${this.constructor.name}: no buffer named '${name}'`);
    return b;
  }

  /** The direct children, with their names, in registration order. */
  namedChildren(): Array<[string, Module]> {
    return [...this.children];
  }

  /** This module and every descendant, depth first, with dotted names ('' for this module). */
  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [[prefix, this]];
    for (const [name, child] of this.children) out.push(...child.namedModules(join(prefix, name)));
    return out;
  }

  /**
   * Every parameter with its dotted path (`0.weight`, `encoder.fc.bias`), depth first in
   * registration order. A tensor shared by several modules is listed once, under its first name.
   */
  namedParameters(): Array<[string, Tensor]> {
    const seen = new Set<Tensor>();
    const out: Array<[string, Tensor]> = [];
    for (const [path, module] of this.namedModules()) {
      for (const [name, p] of module.ownParameters) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([join(path, name), p]);
      }
    }
    return out;
  }

  /** Every trainable tensor, in the order of {@link namedParameters}: hand this to an optimizer. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every buffer with its dotted path. */
  namedBuffers(): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [path, module] of this.namedModules()) {
      for (const [name, b] of module.ownBuffers) out.push([join(path, name), b]);
    }
    return out;
  }

  /** Sets training mode here and in every descendant; returns this module. */
  train(mode = true): this {
    for (const [, module] of this.namedModules()) module.training = mode;
    return this;
  }

  /** Sets evaluation mode here and in every descendant (`train(false)`); returns this module. */
  eval(): this {
    return this.train(false);
  }

  /** Clears the gradient of every parameter. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /**
   * A snapshot of every parameter and buffer, keyed by dotted name: copies, so later training does
   * not change it (keep one to restore the best weights).
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [path, module] of this.namedModules()) {
      for (const [name, p] of module.ownParameters) out[join(path, name)] = p.clone();
      for (const [name, b] of module.ownBuffers) out[join(path, name)] = b.clone();
    }
    return out;
  }

  /**
   * Copies the values of `dict` into this module's parameters and buffers, in place (optimizers
   * holding the parameters keep working). Every key and shape is checked before anything is
   * written, so a failed load leaves the module unchanged.
   * @throws ValueError for missing or unexpected keys (unless `strict: false`) and non-tensor values.
   * @throws ShapeError naming the key and both shapes when a shape differs.
   */
  loadStateDict(dict: StateDict, options: LoadStateDictOptions = {}): void {
    const strict = requireOptions('loadStateDict', options).strict ?? true;
    if (dict === null || typeof dict !== 'object') throw new ValueError(`loadStateDict: expected an object of tensors, got ${describe(dict)}`);
    const targets = new Map<string, Tensor>();
    for (const [path, module] of this.namedModules()) {
      for (const [name, t] of [...module.ownParameters, ...module.ownBuffers]) targets.set(join(path, name), t);
    }
    const missing = [...targets.keys()].filter((k) => !(k in dict));
    const unexpected = Object.keys(dict).filter((k) => !targets.has(k));
    if (strict && missing.length > 0) throw new ValueError(`loadStateDict: missing key(s) ${missing.map((k) => `'${k}'`).join(', ')}`);
    if (strict && unexpected.length > 0) throw new ValueError(`loadStateDict: unexpected key(s) ${unexpected.map((k) => `'${k}'`).join(', ')}`);
    const writes: Array<[Tensor, Tensor]> = [];
    for (const [key, target] of targets) {
      if (!(key in dict)) continue;
      const value = dict[key];
      if (!isTensor(value)) throw new ValueError(`loadStateDict: '${key}' must be a Tensor, got ${describe(value)}`);
      if (!sameShape(value.shape, target.shape)) {
        throw new ShapeError(`loadStateDict: '${key}' has shape ${formatShape(value.shape)} in the state dict but ${formatShape(target.shape)} in the module`);
      }
      writes.push([target, value]);
    }
    for (const [target, value] of writes) assign(target, value);
  }

  /**
   * A readable outline of the module tree, one line per module:
   * `Sequential(\n  (0): Dense(2 → 8, tanh)\n  (1): Dense(8 → 1, identity)\n)`.
   */
  toString(): string {
    const head = `${this.constructor.name}(${this.describeSelf()}`;
    if (this.children.size === 0) return `${head})`;
    const lines = [...this.children].map(([name, child]) => `  (${name}): ${child.toString().split('\n').join('\n  ')}`);
    return `${head}\n${lines.join('\n')}\n)`;
  }

  /** The configuration shown inside the parentheses by {@link toString}; empty by default. */
  protected describeSelf(): string {
    return '';
  }

  /** Swaps own parameters for `run`, restoring them afterwards; the basis of {@link functionalCall}. */
  private withParameters<T>(replacements: ReadonlyMap<string, Tensor>, run: () => T): T {
    const saved = new Map(this.ownParameters);
    for (const [name, t] of replacements) this.ownParameters.set(name, t);
    try {
      return run();
    } finally {
      for (const [name, t] of saved) this.ownParameters.set(name, t);
    }
  }

  /** @internal Used by {@link functionalCall}. */
  static swapParameters<T>(module: Module, params: Record<string, Tensor>, run: () => T): T {
    const known = new Set(module.namedParameters().map(([name]) => name));
    for (const key of Object.keys(params)) {
      if (!known.has(key)) throw new ValueError(`functionalCall: the module has no parameter '${key}'`);
    }
    const byModule = module.namedModules().map(([path, m]) => {
      const replacements = new Map<string, Tensor>();
      for (const name of m.ownParameters.keys()) {
        const t = params[join(path, name)];
        if (t !== undefined) replacements.set(name, t);
      }
      return { m, replacements };
    });
    const nest = (i: number): T => (i === byModule.length ? run() : byModule[i]!.m.withParameters(byModule[i]!.replacements, () => nest(i + 1)));
    return nest(0);
  }

  private claim(name: string, op: string): void {
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new ValueError(`${op}: names are letters, digits and underscores (they are joined with dots), got '${String(name)}'`);
    }
    if (this.ownParameters.has(name) || this.ownBuffers.has(name) || this.children.has(name)) {
      throw new ValueError(`${op}: '${name}' is already registered on this ${this.constructor.name}`);
    }
  }
}

/**
 * Runs `module.forward(...inputs)` with some parameters replaced by other tensors, given by dotted
 * name: the module as a pure function of its parameters (for `grad`, `jacobian`, `checkGrad`).
 * Only layers that read parameters through `this.param(name)` see the substitutes; all built-in
 * layers do. The module's own parameters are restored afterwards, even when forward throws.
 *
 * @example
 * const layer = new Dense(3, 2);
 * const f = (w: Tensor) => functionalCall(layer, { weight: w }, x).sum();
 * grad(f)(layer.weight);
 */
export function functionalCall(module: Module, params: Record<string, Tensor>, ...inputs: Tensor[]): Tensor {
  return Module.swapParameters(module, params, () => module.forward(...inputs));
}

/** A list of tensors from a list or a module's parameters; shared by optimizers, clipping and penalties. */
export function parameterList(op: string, params: readonly Tensor[] | Module): Tensor[] {
  if (params instanceof Module) return params.parameters();
  if (!Array.isArray(params)) throw new ValueError(`${op}: expected a list of parameter tensors or a Module, got ${describe(params)}`);
  params.forEach((p, i) => {
    if (!isTensor(p)) throw new ValueError(`${op}: parameter ${i} is not a Tensor, got ${describe(p)}`);
  });
  return [...new Set(params)];
}

/** Short description of an unexpected value for messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (isTensor(v)) return `a Tensor of shape ${formatShape(v.shape)}`;
  if (v instanceof Module) return `a ${v.constructor.name} module`;
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'Object'})`;
  return `${typeof v} ${String(v)}`;
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

