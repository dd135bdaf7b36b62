/**
 * The Module base class: a unit of a model that owns parameters (trained), buffers (state that is
 * saved but not trained, like BatchNorm's running statistics) and child modules, each registered
 * under a name. Registration is explicit, so nothing is discovered by accident (a cached constant
 * tensor on a field never becomes a parameter) and names and order are exactly what the code says.
 */
import { Rng, Tensor, ShapeError, ValueError, assign, formatShape, isTensor, sameShape } from '@adjoint/core';
import { knownOptions, listSome, orDefault, quoteName, show } from './args';

/** What `stateDict()` returns and `loadStateDict()` takes: dotted name → tensor. */
export type StateDict = Record<string, Tensor>;

/**
 * Any module, whatever its forward takes and returns: what code that never calls `forward` accepts
 * (optimizers, clipping, stateDict, saveModel, summary), so that a recurrent layer, whose forward
 * returns `[output, state]`, is accepted there too. Code that feeds a module's output on as a tensor
 * (Sequential, fit, predict) takes a plain `Module`, a tensor → tensor module.
 */
export type AnyModule = Module<any, unknown>;

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /** When true (the default), missing and unexpected keys are errors. */
  strict?: boolean;
}

/** What {@link Module.loadStateDict} returns (PyTorch's `missing_keys` and `unexpected_keys`). */
export interface LoadStateDictResult {
  /** The module's keys the dict did not hold, left as they were (always empty when strict). */
  missingKeys: string[];
  /** The dict's keys the module does not have, ignored (always empty when strict). */
  unexpectedKeys: string[];
}

const NAME = /^[A-Za-z0-9_]+$/;

/**
 * Most module paths a walk that lists a shared module once per path (stateDict, loadStateDict,
 * toString) will follow. A tree that shares modules at many levels has exponentially many paths
 * (twenty levels of a module registered twice: a million); past this the walk stops with an error
 * instead of running for hours. A tree without sharing has one path per module.
 */
export const MAX_MODULE_PATHS = 1_000_000;

/** toString outlines this many levels of nesting; deeper modules are summarised on one line. */
const OUTLINE_DEPTH = 64;
/** toString writes at most this many lines. */
const OUTLINE_LINES = 100_000;

/**
 * Base class of every layer and model. Subclasses register what they own in the constructor and
 * implement `forward`. The type parameters say what forward takes and returns: a plain `Module`
 * maps tensors to a tensor (`Module<Tensor[], Tensor>`, the default, which every layer but the
 * recurrent ones is); `LSTM` is a `Module<[x: Tensor, state?: LstmState], [Tensor, LstmState]>`.
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
export abstract class Module<In extends unknown[] = Tensor[], Out = Tensor> {
  /** Whether the module is in training mode (Dropout drops, BatchNorm uses batch statistics). */
  training = true;
  private readonly ownParameters = new Map<string, Tensor>();
  private readonly ownBuffers = new Map<string, Tensor>();
  private readonly children = new Map<string, AnyModule>();

  /** Computes the module's output. Call it directly: `model.forward(x)`. */
  abstract forward(...inputs: In): Out;

  /**
   * `forward(...inputs)` with some parameters replaced, by dotted name: {@link functionalCall} as a
   * method, so that code which knows nothing of nn (gradcheck's checkModule) can call the module as
   * a function of its parameters.
   */
  callWith(params: Record<string, Tensor>, ...inputs: In): Out {
    return functionalCall<In, Out>(this, params, ...inputs);
  }

  /**
   * Registers a child module under `name` and returns it, so that a field can be initialised in
   * one line: `readonly fc = this.register('fc', new Dense(3, 4))`.
   */
  register<M extends AnyModule>(name: string, module: M): M {
    this.claim(name, 'register');
    if (!(module instanceof Module)) throw new ValueError(`register: '${name}' must be a Module, got ${describe(module)}`);
    if ((module as AnyModule) === this) throw new ValueError(`register: a module cannot be its own child ('${name}' on this ${this.constructor.name})`);
    this.children.set(name, module);
    registered.add(module);
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
    registeredParameters.add(value);
    return value;
  }

  /**
   * Puts `module` in the place of the child registered as `name`, and returns it: PyTorch's
   * `model.fc = nn.Linear(…)`, as for a new head on a trained model. The new child keeps the old
   * one's place in the registration order, so names and the order of parameters are as before, and
   * every field of this module that held the old child (`this.fc`) now holds the new one, so that
   * forward calls it. An optimizer made before holds the old child's parameters: make a new one.
   * @throws ValueError when no child is registered as `name` (naming the children), when `module`
   * is not a Module, when it would make a cycle (this module or one that holds it), and when a field
   * holding the old child cannot be written; nothing is changed then.
   */
  replaceChild<M extends AnyModule>(name: string, module: M): M {
    const op = 'replaceChild';
    const old = typeof name === 'string' ? this.children.get(name) : undefined;
    if (old === undefined) {
      const names = [...this.children.keys()];
      throw new ValueError(`${op}: no child is registered as ${typeof name === 'string' ? quoteName(name) : show(name)} on this ${this.constructor.name}; ${names.length === 0 ? 'it has no children' : `its children are ${listSome(names)}`}`);
    }
    if (!(module instanceof Module)) throw new ValueError(`${op}: '${name}' must be replaced by a Module, got ${describe(module)}`);
    walkModules(op, module, { unique: true }, (path, m) => {
      if (m === this) throw new ValueError(`${op}: the ${module.constructor.name} given for '${name}' ${path === '' ? 'is this module itself' : `holds this ${this.constructor.name} (at '${path}')`}, which would make a cycle`);
    });
    const stillChild = [...this.children].some(([other, m]) => other !== name && m === old);
    const retarget = this.fieldsHolding(op, name, old, stillChild);
    this.childReplaced(name, old, module);
    this.children.set(name, module);
    registered.add(module);
    retarget(module);
    return module;
  }

  /**
   * Puts `value` in the place of this module's parameter `name`, and returns it: PyTorch's
   * `decoder.weight = encoder.weight`, which ties the two (one tensor, trained once with the
   * gradient of both uses; listed once by {@link parameters}, under both names in stateDict). The
   * built-in layers read their parameters by name, so they use `value` from then on, and a field
   * of this module that held the old parameter now holds `value`. A new tensor is marked
   * requiresGrad, as {@link registerParameter} does; one already a module's parameter (a tie) keeps
   * its flag, so a frozen weight stays frozen. An optimizer made before holds the old parameter:
   * make a new one.
   * @throws ValueError when this module has no parameter `name` (naming those it has), or `value`
   * is not a leaf tensor or is a module's buffer; ShapeError when its shape is not the old one's.
   * Nothing is changed then.
   */
  replaceParameter(name: string, value: Tensor): Tensor {
    const op = 'replaceParameter';
    const old = typeof name === 'string' ? this.ownParameters.get(name) : undefined;
    if (old === undefined) {
      const names = [...this.ownParameters.keys()];
      throw new ValueError(`${op}: this ${this.constructor.name} has no parameter ${typeof name === 'string' ? quoteName(name) : show(name)} of its own; ${names.length === 0 ? 'it has none' : `its parameters are ${listSome(names)}`} (a child's is replaced on the child)`);
    }
    if (!isTensor(value)) throw new ValueError(`${op}: '${name}' must be replaced by a Tensor, got ${describe(value)}`);
    if (!value.isLeaf) throw new ValueError(`${op}: '${name}' must be replaced by a leaf tensor (use detach() or clone()), got a computed one`);
    if (registeredBuffers.has(value)) throw new ValueError(`${op}: '${name}' cannot be replaced by a module's buffer (state that is saved but not trained, such as running statistics)`);
    if (!sameShape(value.shape, old.shape)) throw new ShapeError(`${op}: '${name}' of this ${this.constructor.name} has shape ${formatShape(old.shape)}, the replacement ${formatShape(value.shape)}`);
    const stillHere = [...this.ownParameters].some(([other, p]) => other !== name && p === old);
    const retarget = this.fieldsHolding(op, name, old, stillHere);
    // A tensor already some module's parameter (a tie) keeps its flag: a frozen one stays frozen.
    if (!registeredParameters.has(value)) value.requiresGrad = true;
    registeredParameters.add(value);
    this.ownParameters.set(name, value);
    retarget(value);
    return value;
  }

  /**
   * The own fields holding `old`, checked writable, and a function that writes the replacement
   * into them: {@link replaceChild} and {@link replaceParameter} make `this.fc` follow the
   * registration. When `old` stays registered under another name, only the field called `name`
   * follows (the other name's field still holds `old`).
   */
  private fieldsHolding(op: string, name: string, old: unknown, stillRegistered: boolean): (replacement: unknown) => void {
    const fields = Object.keys(this).filter((field) => (!stillRegistered || field === name) && dataValue(this, field) === old);
    for (const field of fields) {
      if (Object.getOwnPropertyDescriptor(this, field)!.writable !== true) {
        throw new ValueError(`${op}: the field '${field}' of this ${this.constructor.name} holds the old '${name}' and cannot be written (frozen or a getter)`);
      }
    }
    return (replacement) => {
      for (const field of fields) (this as Record<string, unknown>)[field] = replacement;
    };
  }

  /**
   * Called by {@link replaceChild} before the registration changes, for containers that keep their
   * children in a list of their own (Sequential, ModuleList): they put `replacement` in `old`'s place.
   */
  protected childReplaced(_name: string, _old: AnyModule, _replacement: AnyModule): void {}

  /** Registers a non-trainable tensor (saved in `stateDict`, never returned by `parameters`). */
  registerBuffer(name: string, value: Tensor): Tensor {
    this.claim(name, 'registerBuffer');
    if (!isTensor(value)) throw new ValueError(`registerBuffer: '${name}' must be a Tensor, got ${describe(value)}`);
    this.ownBuffers.set(name, value);
    registeredBuffers.add(value);
    return value;
  }

  /** This module's own parameter called `name` (not a child's). */
  param(name: string): Tensor {
    const p = this.ownParameters.get(name);
    if (p === undefined) throw new ValueError(`${this.constructor.name}: no parameter named ${quoteName(String(name))}`);
    return p;
  }

  /** This module's own buffer called `name` (not a child's). */
  buffer(name: string): Tensor {
    const b = this.ownBuffers.get(name);
    if (b === undefined) throw new ValueError(`${this.constructor.name}: no buffer named ${quoteName(String(name))}`);
    return b;
  }

  /**
   * The direct children, with their names, in registration order; a module registered here under
   * two names is listed once, under its first (as PyTorch's named_children).
   */
  namedChildren(): Array<[string, AnyModule]> {
    const out: Array<[string, AnyModule]> = [];
    const seen = new Set<AnyModule>();
    for (const [name, m] of this.children) {
      if (seen.has(m)) continue;
      seen.add(m);
      out.push([name, m]);
    }
    return out;
  }

  /** @internal The children map itself, for the tree walk (no copy per module). */
  static childrenOf(module: AnyModule): ReadonlyMap<string, AnyModule> {
    return module.children;
  }

  /**
   * This module and every descendant, depth first in registration order, with dotted names ('' for
   * this module). A module registered in several places is listed once, under its first name (as
   * PyTorch's named_modules). Any depth of nesting works: the walk keeps its own stack.
   * @throws ValueError when the tree has a cycle (a module registered inside its own descendant).
   */
  namedModules(prefix = ''): Array<[string, AnyModule]> {
    const out: Array<[string, AnyModule]> = [];
    walkModules('namedModules', this, { prefix, unique: true }, (path, module) => void out.push([path, module]));
    return out;
  }

  /**
   * Every parameter with its dotted path (`0.weight`, `encoder.fc.bias`), depth first in
   * registration order. A tensor shared by several modules is listed once, under its first name.
   */
  namedParameters(): Array<[string, Tensor]> {
    return this.namedTensors('namedParameters', (m) => m.ownParameters);
  }

  /** Every trainable tensor, in the order of {@link namedParameters}: hand this to an optimizer. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** @internal {@link namedParameters}, with `op` (the function the user called) named in errors. */
  static namedParametersFor(op: string, module: AnyModule): Array<[string, Tensor]> {
    return module.namedTensors(op, (m) => m.ownParameters);
  }

  /** Every buffer with its dotted path; a buffer shared by several modules is listed once. */
  namedBuffers(): Array<[string, Tensor]> {
    return this.namedTensors('namedBuffers', (m) => m.ownBuffers);
  }

  /** The tensors `own` picks from each module of the tree, each once, under its first path. */
  private namedTensors(op: string, own: (m: AnyModule) => ReadonlyMap<string, Tensor>): Array<[string, Tensor]> {
    const seen = new Set<Tensor>();
    const out: Array<[string, Tensor]> = [];
    walkModules(op, this, { unique: true }, (path, module) => {
      for (const [name, t] of own(module)) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([join(path, name), t]);
      }
    });
    return out;
  }

  /**
   * Calls `fn(module, name)` for every descendant and then this module (name ''), children before
   * their parent as PyTorch's `apply`, each module once, under its first dotted name; returns this
   * module. For initialisation by layer type:
   * `model.apply((m) => { if (m instanceof Dense) m.weight.assign(heNormal(m.weight.shape)); })`.
   */
  apply(fn: (module: AnyModule, name: string) => void): this {
    if (typeof fn !== 'function') throw new ValueError(`apply: expected a function of (module, name), got ${describe(fn)}`);
    const names = new Map<AnyModule, string>();
    walkModules('apply', this, { unique: true, leave: (module) => fn(module, names.get(module)!) }, (path, module) => void names.set(module, path));
    return this;
  }

  /** Sets training mode here and in every descendant; returns this module. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new ValueError(`train: mode must be true or false, got ${show(mode)}`);
    walkModules('train', this, { unique: true }, (_, module) => void (module.training = mode));
    return this;
  }

  /** Sets evaluation mode here and in every descendant (`train(false)`); returns this module. */
  eval(): this {
    return this.train(false);
  }

  /** Clears the gradient of every parameter. */
  zeroGrad(): void {
    // Called at every training step (fit's batches): the fields were checked when the model was set up.
    walkModules('zeroGrad', this, { unique: true, checkFields: false }, (_, module) => {
      for (const p of module.ownParameters.values()) p.zeroGrad();
    });
  }

  /**
   * A snapshot of every parameter and buffer, keyed by dotted name: copies, so later training does
   * not change it (keep one to restore the best weights).
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [key, t] of this.stateEntries('stateDict')) out[key] = t.clone();
    return out;
  }

  /**
   * A deep copy of this module, PyTorch's `copy.deepcopy(model)`: an instance of the same class,
   * with the same children, parameters and buffers under the same names, and fields holding the
   * same data, sharing no memory with this module (a best-model snapshot, the target network of an
   * EMA or DQN). What the copy keeps:
   * - parameter and buffer values, bit for bit, in new tensors; `requiresGrad` (frozen weights stay
   *   frozen); no gradients (`grad` is null, as for a module just built: PyTorch's deepcopy copies
   *   them, but they belong to the last backward pass, not to the model) and no hooks;
   * - the sharing inside the model: a module registered in two places, or a weight tied with
   *   `replaceParameter`, is one module or tensor in the copy too, shared with nothing outside it;
   * - `training` of every module, and each layer's own generator (`layer.rng`) at the same point of
   *   its stream, so the copy draws the masks the original would (layers without one draw from
   *   core's stream, which is one for the whole program);
   * - the other fields, copied deeply: numbers, strings, arrays, plain objects, Maps, Sets, typed
   *   arrays, tensors, Rngs and modules of the tree; tensors and fields that share an array (a
   *   `detach()` of a weight, its `.data`) share its copy. A function is shared, as by PyTorch's deepcopy
   *   (code is not state); Dense's activation module is rebound to the copy's.
   *
   * A `#private` field is not copied: JavaScript lets no code outside the class read one, so a
   * class that keeps state in one cannot be cloned (its methods throw a TypeError on the copy).
   * ModuleList, which does, is built anew.
   * @throws ValueError naming `Module.clone` and the field for what cannot be copied faithfully: an
   * object of another class (it may keep state a field-by-field copy would miss), an arrow function
   * that refers to `this` or a bound function (either would go on working on this module), a getter, a tensor computed by
   * a recorded op (a copy cannot keep its graph), a module outside the tree; and for what the tree
   * walk refuses (a cycle, an unregistered module in a field).
   */
  clone(): this {
    return cloneTree(this);
  }

  /**
   * Every parameter and buffer under every path that reaches it: a module registered in two places
   * appears under both names, as in PyTorch's state_dict, so that a model rebuilt without the
   * sharing (say, from a file) has a state dict of the same keys.
   */
  private stateEntries(op: string): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    walkModules(op, this, { unique: false }, (path, module) => {
      for (const [name, t] of module.ownParameters) out.set(join(path, name), t);
      for (const [name, t] of module.ownBuffers) out.set(join(path, name), t);
    });
    return out;
  }

  /**
   * Copies the values of `dict` into this module's parameters and buffers, in place (optimizers
   * holding the parameters keep working); the dict keeps no tie to the module. Every key, shape and
   * target is checked, and every value read, before anything is written, so a failed load leaves
   * the module unchanged, and a dict whose values are the module's own tensors (two of them
   * swapped, say) loads as given. A tensor reached under two names (a layer registered twice, a
   * tied weight) takes the one value both entries hold.
   * @returns the keys left out and the keys ignored, as PyTorch's load_state_dict (both empty when strict).
   * @throws ValueError listing the missing and unexpected keys together (unless `strict: false`), for
   * a value that is not a tensor, for two different values of one tensor, and for a target that is not a leaf.
   * @throws ShapeError naming every key whose shape differs, with both shapes.
   */
  loadStateDict(dict: StateDict, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const op = 'loadStateDict';
    const strict = orDefault(knownOptions(op, options, ['strict']).strict, true);
    if (typeof strict !== 'boolean') throw new ValueError(`${op}: strict must be true or false, got ${show(strict)}`);
    if (!isRecord(dict)) {
      throw new ValueError(`${op}: expected an object of tensors by dotted name, got ${describeDict(dict)}`);
    }
    const targets = this.stateEntries(op);
    // Own keys only: 'constructor' or 'toString' would otherwise be found on every object.
    const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(dict, key);
    const missingKeys = [...targets.keys()].filter((k) => !has(k));
    const unexpectedKeys = Object.keys(dict).filter((k) => !targets.has(k));
    if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      const parts = [];
      if (missingKeys.length > 0) parts.push(`missing key(s) ${listSome(missingKeys)}`);
      if (unexpectedKeys.length > 0) parts.push(`unexpected key(s) ${listSome(unexpectedKeys)}`);
      throw new ValueError(`${op}: ${parts.join('; ')}`);
    }
    const writes = new Map<Tensor, { key: string; value: Tensor }>();
    const mismatches: string[] = [];
    for (const [key, target] of targets) {
      if (!has(key)) continue;
      const value = dict[key];
      if (!isTensor(value)) throw new ValueError(`${op}: '${key}' must be a Tensor, got ${describe(value)}`);
      if (!sameShape(value.shape, target.shape)) {
        mismatches.push(`'${key}' has shape ${formatShape(value.shape)} in the state dict but ${formatShape(target.shape)} in the module`);
        continue;
      }
      if (!target.isLeaf) {
        throw new ValueError(`${op}: '${key}' cannot be loaded: the module's tensor was computed by a recorded op, and only a leaf can be written in place`);
      }
      const earlier = writes.get(target);
      if (earlier === undefined) writes.set(target, { key, value });
      else if (!sameValues(earlier.value.data, value.data)) {
        throw new ValueError(`${op}: '${earlier.key}' and '${key}' are one tensor in the module (a shared layer or tied weight) but hold different values in the state dict`);
      }
    }
    if (mismatches.length > 0) {
      const more = mismatches.length > 10 ? ` … and ${mismatches.length - 10} more` : '';
      throw new ShapeError(`${op}: ${mismatches.slice(0, 10).join('; ')}${more}`);
    }
    // A value sharing memory with a target (the module's own tensor, or a view of one) is copied
    // first: written in order, a swap would otherwise read a target already overwritten.
    const targetMemory = new Set<ArrayBufferLike>();
    for (const t of targets.values()) targetMemory.add(t.data.buffer);
    const values = [...writes].map(([target, { value }]) => [target, targetMemory.has(value.data.buffer) ? value.data.slice() : value] as const);
    for (const [target, value] of values) assign(target, value);
    return { missingKeys, unexpectedKeys };
  }

  /**
   * A readable outline of the module tree, one line per module:
   * `Sequential(\n  (0): Dense(2 → 8, tanh)\n  (1): Dense(8 → 1, identity)\n)`. Nesting deeper than
   * 64 levels is summarised on one line, and the outline stops after 100,000 lines, so that any tree
   * prints (a tree 10⁵ levels deep would otherwise need 10¹⁰ characters of indentation).
   */
  toString(): string {
    const lines: string[] = [];
    type Frame = { indent: string; children: Array<[string, AnyModule]>; next: number; module: AnyModule };
    const stack: Frame[] = [];
    const onPath = new Set<AnyModule>();
    const open = (module: AnyModule, label: string, indent: string): void => {
      const head = `${indent}${label}${module.constructor.name}(${module.describeSelf()}`;
      const children = [...module.children]; // every registration, as PyTorch prints them
      if (children.length === 0) lines.push(`${head})`);
      else if (onPath.has(module)) lines.push(`${head} … a cycle: this module contains itself)`);
      else if (stack.length >= OUTLINE_DEPTH) lines.push(`${head} … ${children.length} child module(s) nested deeper than ${OUTLINE_DEPTH} levels, not shown)`);
      else {
        lines.push(head);
        onPath.add(module);
        stack.push({ indent, children, next: 0, module });
      }
    };
    open(this, '', '');
    while (stack.length > 0 && lines.length < OUTLINE_LINES) {
      const frame = stack[stack.length - 1]!;
      if (frame.next === frame.children.length) {
        lines.push(`${frame.indent})`);
        onPath.delete(frame.module);
        stack.pop();
        continue;
      }
      const [name, child] = frame.children[frame.next++]!;
      open(child, `(${name}): `, `${frame.indent}  `);
    }
    if (stack.length > 0) lines.push(`… (the outline stops after ${OUTLINE_LINES} lines)`);
    return lines.join('\n');
  }

  /** The configuration shown inside the parentheses by {@link toString}; empty by default. */
  protected describeSelf(): string {
    return '';
  }

  /**
   * @internal Used by {@link functionalCall}. A key may be any name the parameter has in the state
   * dict (a layer registered twice has two), and the substitute replaces the tensor in every module
   * that holds it, so a tied weight stays tied (torch.func.functional_call's `tie_weights`).
   */
  static swapParameters<T>(module: AnyModule, params: Record<string, Tensor>, run: () => T): T {
    const op = 'functionalCall';
    if (!(module instanceof Module)) throw new ValueError(`${op}: module must be a Module, got ${describe(module)}`);
    if (!isRecord(params)) {
      throw new ValueError(`${op}: params must be an object of tensors by dotted name, got ${describeDict(params)}`);
    }
    const substitutes = new Map<Tensor, { key: string; value: Tensor }>();
    for (const [key, value] of Object.entries(params)) {
      const original = module.parameterAt(op, key);
      if (!isTensor(value)) throw new ValueError(`${op}: ${quoteName(key)} must be a Tensor, got ${describe(value)}`);
      const earlier = substitutes.get(original);
      if (earlier === undefined) substitutes.set(original, { key, value });
      else if (earlier.value !== value) {
        throw new ValueError(`${op}: ${quoteName(earlier.key)} and ${quoteName(key)} name the same parameter (a shared layer or tied weight), and were given different tensors`);
      }
    }
    const holders: Array<{ owner: AnyModule; name: string; original: Tensor; value: Tensor }> = [];
    if (substitutes.size > 0) {
      walkModules(op, module, { unique: true }, (_, m) => {
        for (const [name, t] of m.ownParameters) {
          const s = substitutes.get(t);
          if (s !== undefined) holders.push({ owner: m, name, original: t, value: s.value });
        }
      });
    }
    // Swapped in one loop and put back in another (not by recursion over the modules, which a deep
    // tree would overflow), even when run throws.
    let swapped = 0;
    try {
      for (const h of holders) {
        h.owner.ownParameters.set(h.name, h.value);
        swapped++;
      }
      return run();
    } finally {
      for (let i = swapped - 1; i >= 0; i--) holders[i]!.owner.ownParameters.set(holders[i]!.name, holders[i]!.original);
    }
  }

  /**
   * The parameter a dotted path names, followed child by child (so every path to a shared module
   * works, however many there are).
   * @throws ValueError naming `op` when the path leads to no parameter, or to a buffer.
   */
  private parameterAt(op: string, key: string): Tensor {
    const parts = key.split('.');
    let m: AnyModule | undefined = this;
    for (let i = 0; i < parts.length - 1 && m !== undefined; i++) m = m.children.get(parts[i]!);
    const name = parts[parts.length - 1]!;
    const p = m?.ownParameters.get(name);
    if (p !== undefined) return p;
    if (m?.ownBuffers.has(name) === true) throw new ValueError(`${op}: ${quoteName(key)} is a buffer; functionalCall replaces parameters only`);
    throw new ValueError(`${op}: the module has no parameter ${quoteName(key)}`);
  }

  /**
   * Checks a name before it is registered on this module. Names become keys of state dicts (plain
   * objects) and parts of dotted paths, so they are letters, digits and underscores, and not a
   * property every object has ('__proto__', 'constructor', 'toString', …), which a state dict
   * could not hold as its own key.
   */
  private claim(name: unknown, op: string): asserts name is string {
    const where = `on this ${this.constructor.name}`;
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new ValueError(`${op}: names are letters, digits and underscores (they are joined with dots), got ${typeof name === 'string' ? quoteName(name) : show(name)} ${where}`);
    }
    if (name in Object.prototype) {
      throw new ValueError(`${op}: '${name}' cannot be a name ${where}: every object has a property '${name}', so a state dict could not hold it as a key`);
    }
    if (this.ownParameters.has(name) || this.ownBuffers.has(name) || this.children.has(name)) {
      const hint = op === 'register' && this.children.has(name) ? ` (to put another module in its place, replaceChild('${name}', module))` : '';
      throw new ValueError(`${op}: '${name}' is already registered ${where}${hint}`);
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
export function functionalCall<In extends unknown[] = Tensor[], Out = Tensor>(module: Module<In, Out>, params: Record<string, Tensor>, ...inputs: In): Out {
  return Module.swapParameters(module, params, () => module.forward(...inputs));
}

/** A list of tensors from a list or a module's parameters; shared by optimizers, clipping and penalties. */
export function parameterList(op: string, params: readonly Tensor[] | AnyModule): Tensor[] {
  if (params instanceof Module) return Module.namedParametersFor(op, params).map(([, p]) => p);
  if (!Array.isArray(params)) throw new ValueError(`${op}: expected a list of parameter tensors or a Module, got ${describe(params)}`);
  params.forEach((p, i) => {
    if (!isTensor(p)) throw new ValueError(`${op}: parameter ${i} is not a Tensor, got ${describe(p)}`);
  });
  return [...new Set(params)];
}

/** Short description of an unexpected value for messages. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (isTensor(v)) return `a Tensor of shape ${formatShape(v.shape)}`;
  if (v instanceof Module) return `a ${v.constructor.name} module`;
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'Object'})`;
  return `${typeof v} ${String(v)}`;
}

/** Whether `v` is a plain object of named values (a state dict, functionalCall's params): not null, an array, a Map or a tensor. */
function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Map) && !isTensor(v);
}

/** {@link describe}, with a hint for a Map, which a dict of tensors is often built as. */
function describeDict(v: unknown): string {
  return v instanceof Map ? 'a Map (pass Object.fromEntries(map))' : describe(v);
}

/** Whether two arrays hold the same values, bit for bit (NaN equals NaN, −0 is not 0). */
function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a === b) return true;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

/** How {@link walkModules} walks. */
export interface WalkOptions {
  /** The root's path (default ''). */
  prefix?: string;
  /** Visit a module registered in several places once, under its first path (else once per path). */
  unique: boolean;
  /** Called when the walk leaves a module, after all its descendants (post-order). */
  leave?: (module: AnyModule) => void;
  /**
   * Whether to refuse first a tree in which a module holds in a field a module outside the tree
   * (default true); false only for walks made at every training step, after the model was checked.
   */
  checkFields?: boolean;
}

/**
 * Calls `visit(path, module, depth)` for `root` and every descendant, depth first in registration
 * order (the root has depth 0). The walk keeps its own stack instead of recursing, so a tree nested
 * 10⁵ levels deep is walked like a flat one. Paths are built by concatenation, which V8 keeps as
 * ropes: a deep chain costs memory for the paths only where they are read.
 * @throws ValueError naming `op`, before visiting anything, for a cycle (a module registered inside
 * its own descendant), for a module of the tree holding in a field a module outside it, and when a
 * walk that is not `unique` would follow more than {@link MAX_MODULE_PATHS} paths.
 */
export function walkModules(op: string, root: AnyModule, options: WalkOptions, visit: (path: string, module: AnyModule, depth: number) => void): void {
  if (options.checkFields !== false) checkFieldsRegistered(op, root);
  walk(op, root, options, visit);
}

/** {@link walkModules} without the check of fields, which is itself a walk. */
function walk(op: string, root: AnyModule, options: WalkOptions, visit: (path: string, module: AnyModule, depth: number) => void): void {
  if (!options.unique) {
    const paths = countPaths(op, root);
    if (paths > MAX_MODULE_PATHS) {
      throw new ValueError(`${op}: the module tree has ${paths > 1e15 ? 'more than 10¹⁵' : paths} paths to its modules, more than ${MAX_MODULE_PATHS} (modules registered in several places, at many levels?)`);
    }
  }
  const seen = new Set<AnyModule>();
  const onPath = new Set<AnyModule>();
  const stack: Array<{ module: AnyModule; path: string; children: Iterator<[string, AnyModule]> }> = [];
  const enter = (module: AnyModule, path: string): void => {
    if (onPath.has(module)) throw cycleError(op, module, path, stack);
    if (options.unique) {
      if (seen.has(module)) return;
      seen.add(module);
    }
    visit(path, module, stack.length);
    onPath.add(module);
    stack.push({ module, path, children: Module.childrenOf(module).entries() });
  };
  enter(root, options.prefix ?? '');
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const next = frame.children.next();
    if (next.done === true) {
      onPath.delete(frame.module);
      stack.pop();
      options.leave?.(frame.module);
      continue;
    }
    const [name, child] = next.value;
    enter(child, join(frame.path, name));
  }
}

/** Every module registered as a child somewhere, for the message about one held in a field only. */
const registered = new WeakSet<AnyModule>();
/** Every tensor registered as a parameter somewhere: replaceParameter leaves such a tensor's requiresGrad as it is. */
const registeredParameters = new WeakSet<Tensor>();
/** Every tensor registered as a buffer somewhere, which replaceParameter refuses. */
const registeredBuffers = new WeakSet<Tensor>();

/**
 * How many items of an array field, or keys of a plain-object field, the check of fields looks at:
 * modules kept in a container come first in practice, and a field may hold a large table of data
 * (a vocabulary, a cache) that a walk must not read through at every call.
 */
const FIELD_ITEMS_CHECKED = 1000;

/**
 * Refuses a tree in which a module holds, in a field, a module outside the tree: in the field
 * itself, or among the first {@link FIELD_ITEMS_CHECKED} items of an array or keys of a plain object
 * held there. PyTorch registers attributes by itself, so a PyTorch user writes
 * `readonly fc = new Dense(…)`, and would otherwise get a model that silently leaves that layer's
 * parameters untrained and unsaved, and its dropout on in eval mode. Only data properties are read
 * (no getter runs), and a value that cannot be read (a revoked Proxy) is passed over. A #private
 * field is not looked at: that is the way to hold a module that is not part of the model.
 */
function checkFieldsRegistered(op: string, root: AnyModule): void {
  const tree = new Set<AnyModule>();
  walk(op, root, { unique: true }, (_, module) => void tree.add(module));
  const isStray = (v: unknown): v is AnyModule => v instanceof Module && !tree.has(v);
  for (const module of tree) {
    for (const field of Object.keys(module)) {
      const found = strayIn(dataValue(module, field), isStray);
      if (found !== undefined) throw strayModuleError(op, module, field, `${field}${found.where}`, found.stray, root);
    }
  }
}

/** Own data property `key` of `object`, or undefined for an accessor (its getter is not run) or an object that cannot be read. */
function dataValue(object: object, key: string): unknown {
  try {
    const d = Object.getOwnPropertyDescriptor(object, key);
    return d !== undefined && 'value' in d ? d.value : undefined;
  } catch {
    return undefined;
  }
}

/** The first module `isStray` accepts in a field's value: the value itself, or in an array or plain object it is (see checkFieldsRegistered). */
function strayIn(value: unknown, isStray: (v: unknown) => v is AnyModule): { where: string; stray: AnyModule } | undefined {
  try {
    if (isStray(value)) return { where: '', stray: value };
    if (Array.isArray(value)) {
      const n = Math.min(value.length, FIELD_ITEMS_CHECKED);
      for (let i = 0; i < n; i++) {
        const item = dataValue(value, String(i));
        if (isStray(item)) return { where: `[${i}]`, stray: item };
      }
    } else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      let seen = 0;
      for (const key in value) {
        if (seen++ === FIELD_ITEMS_CHECKED) break;
        const item = dataValue(value, key);
        if (isStray(item)) return { where: `.${key}`, stray: item };
      }
    }
  } catch {
    // A Proxy that refuses to be looked into holds no module the model could be missing.
  }
  return undefined;
}

function strayModuleError(op: string, holder: AnyModule, field: string, where: string, stray: AnyModule, root: AnyModule): ValueError {
  const [holderName, strayName] = [holder.constructor.name, stray.constructor.name];
  if (holds(stray, root)) {
    return new ValueError(`${op}: ${holderName}.${where} holds a ${strayName} that contains this ${root.constructor.name} (a reference back to an owner, say), so it cannot be registered under it (that would be a cycle); keep it in a #private field, which is not looked at, or walk the model from the ${strayName}`);
  }
  const elsewhere = registered.has(stray);
  const what = elsewhere
    ? `holds a ${strayName} that is registered elsewhere but not under this ${root.constructor.name}, so its parameters and buffers are not this module's`
    : `holds a ${strayName} that was never registered, so its parameters and buffers are not the model's (an optimizer would not train them, stateDict would not save them, eval() would not reach it)`;
  const how = where !== field
    ? 'register each of them (this.register(name, module)), or hold them in a ModuleList or Sequential that is registered'
    : Module.childrenOf(holder).has(field)
      ? `to put it in the place of the child registered as '${field}', call replaceChild('${field}', module), which sets the field too`
    : elsewhere
      ? `register it here too (a module may be registered in several places): this.register('${field}', this.${field})`
      : `register it: readonly ${field} = this.register('${field}', new ${strayName}(…))`;
  return new ValueError(`${op}: ${holderName}.${where} ${what}; ${how}. PyTorch registers attributes by itself; adjoint does not. Hold it in a #private field if it is not part of the model`);
}

/** Whether `module` is `inner` or has it among its descendants (false for a tree that cannot be walked). */
function holds(module: AnyModule, inner: AnyModule): boolean {
  let found = false;
  try {
    walk('holds', module, { unique: true }, (_, m) => void (found ||= m === inner));
  } catch {
    return false;
  }
  return found;
}

/**
 * How many paths lead from `root` to its modules (itself included): the entries of a walk that is
 * not unique. Counted over each module once, from its children's counts, so that a tree with
 * exponentially many paths is measured (and refused) in time proportional to its size.
 */
function countPaths(op: string, root: AnyModule): number {
  const counts = new Map<AnyModule, number>();
  walk(op, root, {
    unique: true,
    leave: (module) => {
      let total = 1;
      for (const child of Module.childrenOf(module).values()) total += counts.get(child)!;
      counts.set(module, total);
    },
  }, () => undefined);
  return counts.get(root)!;
}

/** The error for a module met again below itself; the path of its first visit is on the stack. */
function cycleError(op: string, module: AnyModule, path: string, stack: ReadonlyArray<{ module: AnyModule; path: string }>): ValueError {
  const earlier = stack.find((frame) => frame.module === module)!.path;
  return new ValueError(`${op}: the module tree has a cycle: the ${module.constructor.name} at ${describePath(earlier)} is registered again inside itself, at ${describePath(path)}`);
}

/** The deepest nesting in the tree under `root` (0 for a module without children). */
export function moduleTreeDepth(op: string, root: AnyModule): number {
  let deepest = 0;
  walkModules(op, root, { unique: true }, (_, __, depth) => void (deepest = Math.max(deepest, depth)));
  return deepest;
}

/** A dotted path for a message: the root for '', and only the ends of a very long one. */
function describePath(path: string): string {
  if (path === '') return 'the root';
  return path.length > 80 ? `'${path.slice(0, 30)}…${path.slice(-40)}' (${path.length} characters)` : `'${path}'`;
}


/** The function named in clone's messages. */
const CLONE = 'Module.clone';

/** What {@link cloneTree} keeps while it copies: each original's copy, and the work still to do. */
interface CloneState {
  /** The copy of each module, tensor, generator and container met so far (one copy each, so sharing is kept). */
  readonly copies: Map<unknown, unknown>;
  /** A name for messages of each registered tensor ("the buffer 'bn.runningMean'"). */
  readonly tensorNames: ReadonlyMap<Tensor, string>;
  /** Containers made but not yet filled: filled from a queue, not by recursion, so deep data does not overflow the stack. */
  readonly pending: Array<() => void>;
  /** Each original container and module with its copy, whose frozen, sealed or non-extensible state the copy takes at the end. */
  readonly made: Array<readonly [object, object]>;
}

/**
 * {@link Module.clone}: every module of the tree gets its copy first, an empty object of its class,
 * then every module's own fields are copied into its copy, through one table of copies so that
 * whatever is shared stays shared.
 */
function cloneTree<M extends AnyModule>(root: M): M {
  const modules: Array<[string, AnyModule]> = [];
  walkModules(CLONE, root, { unique: true }, (path, module) => void modules.push([path, module]));
  const tensorNames = new Map<Tensor, string>();
  for (const [path, module] of modules) {
    const { ownParameters, ownBuffers } = internalsOf(module);
    for (const [name, t] of ownParameters) if (!tensorNames.has(t)) tensorNames.set(t, `the parameter ${quoteName(join(path, name))}`);
    for (const [name, t] of ownBuffers) if (!tensorNames.has(t)) tensorNames.set(t, `the buffer ${quoteName(join(path, name))}`);
  }
  const state: CloneState = { copies: new Map(), tensorNames, pending: [], made: [] };
  // An object of each module's class made without running its constructor (whose arguments are not known).
  for (const [, module] of modules) state.copies.set(module, Object.create(Object.getPrototypeOf(module)) as AnyModule);
  for (const [, module] of modules) {
    const copy = state.copies.get(module) as AnyModule;
    state.made.push([module, copy]);
    for (const key of Reflect.ownKeys(module)) {
      const where = `${module.constructor.name}.${String(key)}`;
      const d = Object.getOwnPropertyDescriptor(module, key)!;
      if (!('value' in d)) throw new ValueError(`${CLONE}: ${where} is a getter or setter of the instance, whose state clone cannot see; define it on the class`);
      const value = copyValue(d.value, where, state);
      Object.defineProperty(copy, key, { value, writable: d.writable!, enumerable: d.enumerable!, configurable: d.configurable! });
    }
  }
  while (state.pending.length > 0) state.pending.pop()!();
  for (const [, module] of modules) {
    const copy = state.copies.get(module) as AnyModule;
    const { ownParameters, ownBuffers } = internalsOf(copy);
    for (const child of Module.childrenOf(copy).values()) registered.add(child);
    for (const p of ownParameters.values()) registeredParameters.add(p);
    for (const b of ownBuffers.values()) registeredBuffers.add(b);
  }
  // Last, so that the fills above could write into copies of frozen containers.
  for (const [original, copy] of state.made) {
    if (Object.isFrozen(original)) Object.freeze(copy);
    else if (Object.isSealed(original)) Object.seal(copy);
    else if (!Object.isExtensible(original)) Object.preventExtensions(copy);
  }
  return state.copies.get(root) as M;
}

/** A module's own registrations: the maps the tree is made of (private to the class, read here for clone alone). */
function internalsOf(module: AnyModule): { ownParameters: Map<string, Tensor>; ownBuffers: Map<string, Tensor> } {
  return module as unknown as { ownParameters: Map<string, Tensor>; ownBuffers: Map<string, Tensor> };
}

/** An arrow function's text: its parameters, then `=>` (a method or `function` starts otherwise). */
const ARROW = /^(?:async\s*)?(?:\(|[\w$]+\s*=>)/;

/**
 * The copy of a field's value (`where` names it in messages). Containers are made empty here and
 * filled later from `state.pending`.
 */
function copyValue(value: unknown, where: string, state: CloneState): unknown {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return value;
  if (typeof value === 'function') {
    // An arrow function keeps the `this` it was made with: the original module, not the copy.
    const text = Function.prototype.toString.call(value);
    if (ARROW.test(text) && /\bthis\b/.test(text)) {
      throw new ValueError(`${CLONE}: ${where} holds an arrow function that refers to \`this\`, which would go on working on the original module, not the copy; make it a method of the class (a method sees the copy as \`this\`)`);
    }
    // `method.bind(this)` fixes `this` to the original for good, and JavaScript does not say to what: refused too.
    if (!('prototype' in value) && /^bound /.test((value as { name?: unknown }).name as string) && /\[native code\]/.test(text)) {
      throw new ValueError(`${CLONE}: ${where} holds a bound function (${(value as { name: string }).name}), whose \`this\` clone cannot see: bound to the original module, it would go on working on it, not the copy; call the method instead (a method sees the copy as \`this\`)`);
    }
    return value;
  }
  const { copies } = state;
  if (copies.has(value)) return copies.get(value);
  let copy: object;
  if (value instanceof Module) {
    // Every module of the tree has its copy already: this one is not part of the model.
    throw new ValueError(`${CLONE}: ${where} holds a ${value.constructor.name} that is not part of the model (not registered under it), which the copy would have to share with the original; register it, or keep it out of the module`);
  } else if (isTensor(value)) {
    if (!value.isLeaf) {
      throw new ValueError(`${CLONE}: ${state.tensorNames.get(value) ?? where} was computed by a recorded op, and a copy cannot keep its graph; hold a leaf (detach())`);
    }
    // Through the table of copies, so that tensors sharing an array (detach(), or a field holding `.data`) share its copy.
    const data = (copies.get(value.data) as Float64Array | undefined) ?? value.data.slice();
    copies.set(value.data, data);
    const t = new Tensor(data, value.shape);
    t.requiresGrad = value.requiresGrad;
    copy = t;
  } else if (value instanceof Rng) {
    copy = Rng.fromState(value.state());
  } else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    copy = (value as unknown as { slice(): object }).slice();
  } else if (Array.isArray(value)) {
    const items = value as unknown[];
    const array: unknown[] = new Array(items.length);
    state.pending.push(() => {
      for (let i = 0; i < items.length; i++) if (i in items) array[i] = copyValue(items[i], `${where}[${i}]`, state);
    });
    copy = array;
  } else if (value instanceof Map) {
    const map = new Map();
    state.pending.push(() => {
      for (const [k, v] of value) map.set(copyValue(k, `${where} (a key)`, state), copyValue(v, `${where}.get(${typeof k === 'string' ? quoteName(k) : show(k)})`, state));
    });
    copy = map;
  } else if (value instanceof Set) {
    const set = new Set();
    state.pending.push(() => {
      for (const v of value) set.add(copyValue(v, `${where} (an element)`, state));
    });
    copy = set;
  } else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    const object = Object.create(Object.getPrototypeOf(value)) as object;
    state.pending.push(() => {
      for (const key of Reflect.ownKeys(value)) {
        const d = Object.getOwnPropertyDescriptor(value, key)!;
        const at = `${where}.${String(key)}`;
        if (!('value' in d)) throw new ValueError(`${CLONE}: ${at} is a getter or setter, whose state clone cannot see`);
        Object.defineProperty(object, key, { value: copyValue(d.value, at, state), writable: d.writable!, enumerable: d.enumerable!, configurable: d.configurable! });
      }
    });
    copy = object;
  } else {
    const kind = (value as object).constructor?.name ?? 'object';
    throw new ValueError(`${CLONE}: ${where} holds ${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}, which clone cannot copy faithfully (an object of a class may keep state a field-by-field copy would miss); hold plain data (numbers, strings, arrays, plain objects, Maps, Sets, tensors) or copy it yourself after clone`);
  }
  copies.set(value, copy);
  if (!isTensor(copy) && !(copy instanceof Rng)) state.made.push([value as object, copy]);
  return copy;
}
