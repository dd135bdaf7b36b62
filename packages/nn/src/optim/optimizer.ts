/**
 * The optimizer base class: the parameter list, the learning rate (a number or a schedule of the
 * step count), per-parameter state, and the step loop that hands each parameter's buffer to its
 * update rule. Gradients come from core's reverse mode; the updates themselves are not
 * differentiated, so each rule is one fused in-place pass over the elements: no graph, no
 * intermediate tensors (allocating a dozen parameter-sized arrays per step costs more than the
 * arithmetic on this machine; see docs/benchmarks.md).
 */
import { ShapeError, Tensor, ValueError, assign, borrowGrad, formatShape, isTensor, noGrad, sameShape } from '@adjoint/core';
import { Module, describe, parameterList, type AnyModule } from '../module';
import type { Schedule } from '../schedules';
import { knownNestedOptions, knownOptions, show } from '../args';
import { firstNonFinite } from '../data/checks';

/** A learning rate: a constant, or a schedule giving the rate for each step (0, 1, 2, …). */
export type LearningRate = number | Schedule;

/**
 * A group of parameters with a learning rate or weight decay of its own, PyTorch's param_groups:
 * `new Adam([{ params: model.body, lr: 1e-4 }, { params: model.head }], { lr: 1e-3 })`.
 */
export interface ParamGroupOptions {
  /** The group's parameters: a list, one tensor, or a module's. */
  params: readonly Tensor[] | Tensor | AnyModule;
  /** The group's learning rate or schedule (default: the optimizer's {@link Optimizer.lr}, followed when it changes). */
  lr?: LearningRate;
  /** The group's weight decay λ ≥ 0 (default: the optimizer's). */
  weightDecay?: number;
}

/** What an optimizer optimizes: a list of parameters, a module's, or groups of them with options of their own. */
export type OptimizerParams = readonly Tensor[] | AnyModule | readonly ParamGroupOptions[];

/** A parameter group as an optimizer keeps it ({@link Optimizer.paramGroups}). */
export interface ParamGroup {
  /** The group's parameters, in the order given. */
  readonly params: readonly Tensor[];
  /** The group's learning rate or schedule; undefined follows the optimizer's `lr`. May be reassigned. */
  lr: LearningRate | undefined;
  /** The group's weight decay; undefined is the optimizer's. */
  readonly weightDecay: number | undefined;
}

/** Per-parameter optimizer state: named tensors (moment estimates) and numbers (step counts, integers ≥ 0). */
export type ParamState = Record<string, Tensor | number>;

/** What {@link Optimizer.stateDict} returns: the step count and each parameter's state, by position. */
export interface OptimizerState {
  step: number;
  state: Array<ParamState | null>;
}

/**
 * What {@link Optimizer.step} throws when a gradient holds NaN or ±∞: applied, it would turn the
 * weights into NaN for good. Nothing has been updated when it is thrown. A ValueError, so code that
 * catches those catches it; a training loop can catch it alone to skip such a step (fit stops
 * training with stopReason 'nonFinite').
 */
export class NonFiniteGradientError extends ValueError {}

/**
 * Base of every optimizer. Subclasses give the update rule for one parameter in
 * {@link Optimizer.update}; the base class skips parameters without a gradient, checks every
 * gradient before updating anything, evaluates the schedule once per step, and counts steps.
 */
export abstract class Optimizer<S extends ParamState = ParamState> {
  /** The parameters updated by {@link step}, in the order given (duplicates removed), group after group. */
  readonly params: readonly Tensor[];
  /**
   * The parameter groups: one holding every parameter unless groups were given. A group's `lr` may
   * be reassigned, as PyTorch's `param_group['lr']`.
   */
  readonly paramGroups: readonly ParamGroup[];
  /** The learning rate: a number, or a schedule called with the step count. May be reassigned. */
  lr: LearningRate;
  private steps = 0;
  private readonly states = new Map<Tensor, S>();
  /** The group of each parameter, by position in {@link params}. */
  private readonly groupOf: readonly number[];
  /** The parameters' dotted names where they were given as a module's (for messages). */
  private readonly paramNames: ReadonlyArray<string | undefined>;

  /**
   * @param name the optimizer's name, for messages.
   * @throws ValueError for an empty list or group, a non-tensor, a non-leaf tensor, a parameter in
   * two groups, a group's unknown key, or a bad learning rate or weight decay.
   */
  protected constructor(protected readonly name: string, params: OptimizerParams, lr: LearningRate) {
    this.lr = checkLearningRate(name, lr);
    const groups = paramGroupsFor(name, params);
    this.paramGroups = Object.freeze(groups.map(({ group }) => group));
    this.params = groups.flatMap(({ group }) => group.params);
    this.groupOf = groups.flatMap(({ group }, g) => group.params.map(() => g));
    this.paramNames = groups.flatMap(({ names }) => names);
  }

  /** Number of completed calls to {@link step}. */
  get stepCount(): number {
    return this.steps;
  }

  /** The learning rate the next {@link step} will use, for the parameters of group `group` (default the first). */
  currentLr(group = 0): number {
    const spec = this.paramGroups[group];
    if (spec === undefined) throw new ValueError(`${this.name}.currentLr: group must be a whole number from 0 to ${this.paramGroups.length - 1}, got ${show(group)}`);
    const rate = spec.lr ?? this.lr;
    const lr = typeof rate === 'function' ? rate(this.steps) : rate;
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      const where = this.paramGroups.length > 1 ? ` of param group ${group}` : '';
      throw new ValueError(`${this.name}: the learning rate${where} must be a finite number ≥ 0, got ${typeof lr === 'number' ? String(lr) : describe(lr)} at step ${this.steps}`);
    }
    return lr;
  }

  /** The weight decay of parameter `index`: its group's, or the optimizer's own `weightDecay` option (0 without one). */
  protected weightDecayOf(index: number): number {
    return this.paramGroups[this.groupOf[index]!]!.weightDecay ?? (this as { weightDecay?: number }).weightDecay ?? 0;
  }

  /**
   * Updates every parameter that has a gradient, once, and advances the step count. Every gradient
   * is checked first, so a step that throws has updated nothing.
   * @throws ShapeError for a gradient of another shape than its parameter;
   * {@link NonFiniteGradientError} for a gradient holding NaN or ±∞, or, for an optimizer that
   * squares gradients (Adam, RMSprop, Adagrad), a value whose square overflows (|g| ≥ 2⁵¹², about
   * 1.3·10¹⁵⁴: its running mean of squares would be ∞, and that weight would never move again;
   * Adagrad's sum can still reach ∞ after many gradients near that size, as PyTorch's does);
   * ValueError for a bad learning rate.
   */
  step(): void {
    const lrs = this.paramGroups.map((_, g) => this.currentLr(g));
    const grads = this.params.map((p, i) => this.checkedGradient(p, i));
    noGrad(() => {
      grads.forEach((grad, i) => {
        if (grad === null) return;
        const p = this.params[i]!;
        let state = this.states.get(p);
        if (state === undefined) {
          state = this.initState(p);
          this.states.set(p, state);
        }
        // Through assign, so that a backward through a graph that recorded the old values fails.
        assign(p, (w) => this.update(w, grad.data, state, lrs[this.groupOf[i]!]!, i));
      });
    });
    this.steps++;
  }

  /** The gradient of parameter `i` (null for none), or an error naming the optimizer and the parameter. */
  private checkedGradient(p: Tensor, i: number): Tensor | null {
    const grad: unknown = borrowGrad(p);
    if (grad === null) return null;
    if (!isTensor(grad)) throw new ValueError(`${this.name}: the gradient of ${this.describeParam(i)} must be a Tensor, got ${describe(grad)}`);
    if (!sameShape(grad.shape, p.shape)) {
      throw new ShapeError(`${this.name}: the gradient of ${this.describeParam(i)} has shape ${formatShape(grad.shape)}, the parameter ${formatShape(p.shape)}`);
    }
    const data = grad.data;
    if (!this.gradientIsUsable(data, i)) {
      for (let k = 0; k < data.length; k++) {
        const x = data[k]!;
        if (Number.isFinite(this.squaresGradients ? x * x : x)) continue;
        const overflows = Number.isFinite(x) ? ', whose square overflows (this optimizer squares gradients, and its sum of squares would become ∞ and stop the weight for good)' : '';
        throw new NonFiniteGradientError(
          `${this.name}: the gradient of ${this.describeParam(i)} (shape ${formatShape(p.shape)}) holds ${x} at element ${k}${overflows}; ` +
            'no parameter was updated (the loss diverged, or is not differentiable there: lower the learning rate, clip the gradients, or check the loss)',
        );
      }
    }
    return grad;
  }

  /**
   * Whether {@link update} squares the gradient: so does every optimizer that keeps a sum or mean
   * of squares (Adam, RMSprop, Adagrad: see {@link nonNegativeState}). {@link step} then also
   * refuses a value whose square overflows, which would make that state ∞ and stop the weight for
   * good, silently.
   */
  private get squaresGradients(): boolean {
    return this.nonNegativeState.length > 0;
  }

  /**
   * Whether every element of parameter `index`'s gradient is finite, and its square too for an
   * optimizer that squares gradients (Adam, RMSprop, Adagrad): the check {@link step} makes of
   * every gradient before it updates any parameter. An optimizer may make it while it copies the
   * gradient to where its update will read it (Adam does); `g` is the gradient {@link update} will
   * be given in the same step.
   */
  protected gradientIsUsable(g: Float64Array, _index: number): boolean {
    return allFinite(g, this.squaresGradients);
  }

  /** 'parameter 2', with its dotted name when the optimizer was built from a module. */
  private describeParam(i: number): string {
    const name = this.paramNames[i];
    const group = this.paramGroups.length > 1 ? ` of param group ${this.groupOf[i]}` : '';
    return name === undefined ? `parameter ${i}${group}` : `parameter ${i} ('${name}'${group})`;
  }

  /**
   * Clears the gradient of every parameter by setting it to null: PyTorch's
   * `zero_grad(set_to_none=True)`, its default since 2.0 (1.13's default filled zeros). A
   * {@link step} before the next backward pass therefore leaves every parameter as it is, where
   * zero gradients would still move them under momentum or weight decay.
   */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** A snapshot (copies) of the step count and every parameter's state, by parameter position. */
  stateDict(): OptimizerState {
    return {
      step: this.steps,
      state: this.params.map((p) => {
        const s = this.states.get(p);
        return s === undefined ? null : copyState(s);
      }),
    };
  }

  /**
   * Restores a snapshot from {@link stateDict} of an optimizer of the same kind over parameters of
   * the same shapes.
   * @throws ValueError when the number of parameters differs, `step` is not a step count, an entry
   * is missing or of another kind, or a state tensor holds NaN or ±∞ (or, for a sum of squares such
   * as Adam's `v`, a negative value); ShapeError when a state tensor's shape differs.
   */
  loadStateDict(dict: OptimizerState): void {
    if (dict === null || typeof dict !== 'object' || !Array.isArray(dict.state)) {
      throw new ValueError(`${this.name}.loadStateDict: expected {step, state} from stateDict(), got ${describe(dict)}`);
    }
    if (!Number.isInteger(dict.step) || dict.step < 0) {
      throw new ValueError(`${this.name}.loadStateDict: 'step' must be a step count (an integer ≥ 0), got ${describe(dict.step)}`);
    }
    if (dict.state.length !== this.params.length) {
      throw new ValueError(`${this.name}.loadStateDict: the state has ${dict.state.length} parameters but the optimizer has ${this.params.length}`);
    }
    dict.state.forEach((s, i) => {
      if (s === null) return;
      if (typeof s !== 'object') throw new ValueError(`${this.name}.loadStateDict: the state of parameter ${i} must be an object or null, got ${describe(s)}`);
      // The state must have the entries this optimizer keeps (of the same kinds): a state from
      // another optimizer, or a number where a tensor belongs, would only fail later, in step().
      const fresh = this.initState(this.params[i]!);
      const want = Object.keys(fresh).sort().join(', ');
      const got = Object.keys(s).sort().join(', ');
      if (want !== got) throw new ValueError(`${this.name}.loadStateDict: the state of parameter ${i} has entries [${got}], this optimizer keeps [${want}]`);
      for (const [key, v] of Object.entries(s)) {
        const expected = fresh[key];
        // Numbers in a state are step counts (Adam's t): a negative or fractional one would make the
        // next step divide by a zero bias correction, or apply the wrong one.
        if (isTensor(expected) !== isTensor(v) || (!isTensor(v) && (typeof v !== 'number' || !Number.isInteger(v) || v < 0))) {
          throw new ValueError(`${this.name}.loadStateDict: '${key}' of parameter ${i} must be ${isTensor(expected) ? 'a Tensor' : 'a step count (an integer ≥ 0)'}, got ${describe(v)}`);
        }
        if (isTensor(v) && !sameShape(v.shape, this.params[i]!.shape)) {
          throw new ShapeError(`${this.name}.loadStateDict: '${key}' of parameter ${i} has shape ${formatShape(v.shape)}, the parameter ${formatShape(this.params[i]!.shape)}`);
        }
        // A corrupt checkpoint must not get around step()'s refusal of non-finite gradients.
        if (isTensor(v)) checkStateValues(`${this.name}.loadStateDict`, `'${key}' of parameter ${i}`, v.data, this.nonNegativeState.includes(key));
      }
    });
    this.states.clear();
    dict.state.forEach((s, i) => {
      if (s !== null) this.states.set(this.params[i]!, copyState(s) as S);
    });
    this.steps = dict.step;
  }

  /** The state of a parameter before its first update. */
  protected abstract initState(param: Tensor): S;

  /** The state entries that are sums of squares, which a loaded state must hold no negative value in (their square roots are taken). */
  protected readonly nonNegativeState: readonly string[] = [];

  /**
   * Updates one parameter in place from its gradient: `w` is the parameter's own buffer, `g` its
   * gradient's; state tensors are updated in place too. `index` is the parameter's position in
   * {@link params}. `g` is lent for the call only: keep no reference to it, as the gradient's array
   * is reused once `zeroGrad` clears it.
   */
  protected abstract update(w: Float64Array, g: Float64Array, state: S, lr: number, index: number): void;
}

/** @throws ValueError at the first NaN or ±∞ in `d`, or, with `nonNegative`, the first value below 0. */
function checkStateValues(op: string, what: string, d: Float64Array, nonNegative: boolean): void {
  if (!nonNegative) {
    const bad = firstNonFinite(d);
    if (bad >= 0) throw new ValueError(`${op}: ${what} holds ${d[bad]} at element ${bad}; a state must be finite`);
    return;
  }
  // A sum of squares may have overflowed to +∞ in a run (Adagrad's, after many huge gradients):
  // the optimizer's own checkpoint of that run must load. NaN, −∞ and negative values cannot arise.
  for (let k = 0; k < d.length; k++) {
    if (!(d[k]! >= 0)) throw new ValueError(`${op}: ${what} holds ${d[k]} at element ${k}; it is a sum of squares, which cannot be negative or NaN`);
  }
}

/**
 * Whether every element (with `squared`, every element's square) is finite, without a branch per
 * element: v·0 is 0 for finite v and NaN for NaN and ±∞, so the sums stay 0 exactly when every
 * element is finite. Four independent sums let the processor overlap the additions: this runs every
 * step over every gradient, and measured 2.5× faster than comparing element by element.
 */
function allFinite(d: Float64Array, squared: boolean): boolean {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n = d.length;
  let k = 0;
  const sq = (x: number): number => (squared ? x * x : x);
  for (; k + 3 < n; k += 4) {
    s0 += sq(d[k]!) * 0;
    s1 += sq(d[k + 1]!) * 0;
    s2 += sq(d[k + 2]!) * 0;
    s3 += sq(d[k + 3]!) * 0;
  }
  for (; k < n; k++) s0 += sq(d[k]!) * 0;
  return s0 + s1 + s2 + s3 === 0;
}

/** A list of groups rather than of tensors: its items are plain objects (a tensor is not one). */
function isGroupList(params: OptimizerParams): params is readonly ParamGroupOptions[] {
  return Array.isArray(params) && params.length > 0 && params.every((item) => item !== null && typeof item === 'object' && !isTensor(item) && !(item instanceof Module));
}

/** The groups of `params` (one for a list or a module), checked, each with its parameters' names where known. */
function paramGroupsFor(name: string, params: OptimizerParams): Array<{ group: ParamGroup; names: Array<string | undefined> }> {
  const listed = (where: string, list: readonly Tensor[] | Tensor | AnyModule): { params: Tensor[]; names: Array<string | undefined> } => ({
    params: parameterListFor(where, isTensor(list) ? [list] : list),
    names: list instanceof Module ? Module.namedParametersFor(name, list).map(([n]) => n) : [],
  });
  if (!isGroupList(params)) {
    const { params: list, names } = listed(name, params as readonly Tensor[] | AnyModule);
    return [{ group: makeGroup(list, undefined, undefined), names: list.map((_, i) => names[i]) }];
  }
  const seen = new Map<Tensor, number>();
  return params.map((spec, g) => {
    const where = `param group ${g}`;
    knownNestedOptions(name, where, spec, ['params', 'lr', 'weightDecay']);
    if (!('params' in spec)) throw new ValueError(`${name}: ${where} has no params`);
    const { params: list, names } = listed(`${name} (${where})`, spec.params);
    list.forEach((p, i) => {
      const other = seen.get(p);
      if (other !== undefined) throw new ValueError(`${name}: parameter ${i} of ${where} (shape ${formatShape(p.shape)}) is also in param group ${other}; a parameter belongs to one group`);
      seen.set(p, g);
    });
    const lr = spec.lr === undefined ? undefined : checkLearningRate(`${name} (${where})`, spec.lr);
    const weightDecay = spec.weightDecay === undefined ? undefined : checkOption(`${name} (${where})`, 'weightDecay', spec.weightDecay);
    return { group: makeGroup(list, lr, weightDecay), names: list.map((_, i) => names[i]) };
  });
}

/** A group whose `lr` alone can be written: its parameters and weight decay were checked once, here. */
function makeGroup(params: Tensor[], lr: LearningRate | undefined, weightDecay: number | undefined): ParamGroup {
  const group = { params: Object.freeze(params), lr } as ParamGroup;
  Object.defineProperty(group, 'weightDecay', { value: weightDecay, enumerable: true, writable: false });
  return Object.seal(group);
}

/** {@link parameterList}, which must not be empty nor hold a computed tensor. */
function parameterListFor(name: string, params: readonly Tensor[] | AnyModule): Tensor[] {
  const list = parameterList(name, params);
  if (list.length === 0) throw new ValueError(`${name}: the parameter list is empty`);
  // A module's parameters are leaves (registerParameter checks); a list's are checked at their positions.
  if (Array.isArray(params)) {
    params.forEach((p, i) => {
      // In-place updates would silently corrupt a computed tensor and every graph that uses it.
      if (!p.isLeaf) throw new ValueError(`${name}: parameter ${i} (shape ${formatShape(p.shape)}) is computed by an op, not a leaf; optimize the leaf it came from`);
    });
  }
  return list;
}

function checkLearningRate(name: string, lr: LearningRate): LearningRate {
  if (typeof lr === 'function') return lr;
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) throw new ValueError(`${name}: lr must be a finite number ≥ 0 or a schedule, got ${typeof lr === 'number' ? String(lr) : describe(lr)}`);
  return lr;
}

/**
 * An optimizer's options argument, checked: an object holding no option outside `known` (a
 * misspelling would otherwise be ignored), with the message every options check in nn gives:
 * "SGD: unknown option 'momentun'; the options are lr, momentum, nesterov, weightDecay".
 */
export function checkKnownOptions<T extends object>(name: string, options: T | undefined, known: readonly string[]): T {
  return knownOptions(name, options, known);
}

/**
 * Validates a hyperparameter: a number in [0, hi) (so finite), else a ValueError naming the
 * optimizer, the option and the value.
 */
export function checkOption(name: string, option: string, value: unknown, hi = Infinity): number {
  if (typeof value !== 'number' || !(value >= 0 && value < hi)) {
    throw new ValueError(`${name}: ${option} must be in [0, ${hi === Infinity ? '∞' : hi}), got ${show(value)}`);
  }
  return value;
}

function copyState(s: ParamState): ParamState {
  const out: ParamState = {};
  for (const [k, v] of Object.entries(s)) out[k] = isTensor(v) ? v.clone() : v;
  return out;
}
