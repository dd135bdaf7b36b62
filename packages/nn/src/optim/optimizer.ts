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

/**
 * What {@link Optimizer.stateDict} returns: the step count, each parameter's state by position, and
 * the learning rates and weight decays (PyTorch's `param_groups`). It is plain data apart from the
 * state's tensors, which `JSON.stringify` writes as nested arrays (Tensor's `toJSON`), so
 * `opt.loadStateDict(JSON.parse(JSON.stringify(opt.stateDict())))` restores it.
 */
export interface OptimizerState {
  step: number;
  /**
   * Each parameter's state, null before its first update. {@link Optimizer.loadStateDict} also
   * takes the nested arrays JSON holds in the place of a tensor.
   */
  state: Array<ParamState | null>;
  /**
   * The optimizer's {@link Optimizer.lr}: a number, or 'schedule' for a schedule, which is code and
   * is not saved. Absent from states saved before it was recorded.
   */
  lr?: number | 'schedule';
  /** Each parameter group's settings, in order. Absent from states saved before they were recorded. */
  paramGroups?: SavedParamGroup[];
  /**
   * The optimizer's other hyperparameters (SGD's momentum and nesterov, Adam's betas, eps and
   * decoupled, …), which a resumed run must share. Absent from states saved before they were recorded.
   */
  settings?: Record<string, number | boolean>;
}

/** A parameter group's settings in an {@link OptimizerState}. */
export interface SavedParamGroup {
  /** The positions of the group's parameters in `state` (and in {@link Optimizer.params}). */
  params: number[];
  /** The group's own learning rate: a number, or 'schedule'; absent when the group follows the optimizer's. */
  lr?: number | 'schedule';
  /** The weight decay the group's parameters are updated with (the group's own, else the optimizer's). */
  weightDecay: number;
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
    return this.groupWeightDecay(this.groupOf[index]!);
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

  /**
   * A snapshot (copies) of the step count, every parameter's state by position, and the groups'
   * learning rates and weight decays, for {@link loadStateDict}. It goes through JSON:
   * `JSON.stringify(opt.stateDict())` writes the state's tensors as nested arrays, which
   * loadStateDict takes back. A learning rate that is a schedule is recorded as 'schedule' (a
   * function cannot be saved): build the optimizer that resumes with the same schedule.
   */
  stateDict(): OptimizerState {
    const saved = (lr: LearningRate): number | 'schedule' => (typeof lr === 'function' ? 'schedule' : lr);
    let next = 0;
    return {
      step: this.steps,
      state: this.params.map((p) => {
        const s = this.states.get(p);
        return s === undefined ? null : copyState(s);
      }),
      lr: saved(this.lr),
      paramGroups: this.paramGroups.map((group, g) => ({
        params: group.params.map(() => next++),
        ...(group.lr === undefined ? {} : { lr: saved(group.lr) }),
        weightDecay: this.groupWeightDecay(g),
      })),
      settings: { ...this.settings() },
    };
  }

  /**
   * Restores a snapshot from {@link stateDict} of an optimizer of the same kind over parameters of
   * the same shapes (and groups), also one that went through JSON (`JSON.parse` of what
   * `JSON.stringify(opt.stateDict())` wrote), so that training resumes exactly where it was saved.
   * The learning rates saved as numbers replace the optimizer's, even a schedule it was built with
   * (as PyTorch's load_state_dict replaces `lr`); one saved as 'schedule' leaves the optimizer's own
   * rate there as it is, which for a resumed run is the same schedule, called with the restored step
   * count (PyTorch's LambdaLR does not save its functions either). JSON
   * has no −0, ∞ or NaN: a −0 comes back as 0, and a null in a sum of squares (Adagrad's, which can
   * overflow) as ∞, the one non-finite value a state may hold. A state saved before the rates were
   * recorded (without `lr` and `paramGroups`) leaves the rates as they are. Everything is checked
   * before anything changes.
   * @throws ValueError naming `<Optimizer>.loadStateDict` when the number of parameters differs,
   * `step` is not a step count, an entry is missing or of another kind, a state array is not nested
   * like the parameter's shape or holds something else than numbers, a state holds NaN or ±∞ (or,
   * for a sum of squares such as Adam's `v`, a negative value), or the groups differ from this
   * optimizer's (their parameters, or their weight decay, which is fixed when the optimizer is
   * built); ShapeError when a state tensor's shape differs.
   */
  loadStateDict(dict: OptimizerState): void {
    const op = `${this.name}.loadStateDict`;
    if (dict === null || typeof dict !== 'object' || !Array.isArray(dict.state)) {
      throw new ValueError(`${op}: expected {step, state} from stateDict(), got ${describe(dict)}`);
    }
    if (!Number.isInteger(dict.step) || dict.step < 0) {
      throw new ValueError(`${op}: 'step' must be a step count (an integer ≥ 0), got ${show(dict.step)}`);
    }
    if (dict.state.length !== this.params.length) {
      throw new ValueError(`${op}: the state has ${dict.state.length} parameters but the optimizer has ${this.params.length}`);
    }
    const states = dict.state.map((s, i) => (s === null ? null : this.loadedState(op, s, i)));
    this.checkSettings(op, (dict as { settings?: unknown }).settings);
    const rates = this.loadedRates(op, dict);
    this.states.clear();
    states.forEach((s, i) => {
      if (s !== null) this.states.set(this.params[i]!, s);
    });
    this.steps = dict.step;
    rates();
  }

  /**
   * Refuses saved hyperparameters that differ from this optimizer's: the state was made by their
   * updates, so a run resumed with others is not the one that was saved. They are fixed when an
   * optimizer is built (PyTorch's load_state_dict would put the saved ones in place instead).
   */
  private checkSettings(op: string, saved: unknown): void {
    if (saved === undefined) return;
    const own = this.settings();
    if (saved === null || typeof saved !== 'object' || Array.isArray(saved)) throw new ValueError(`${op}: 'settings' must be an object like ${show(own)}, got ${describe(saved)}`);
    const keys = Object.keys(saved).sort().join(', ');
    if (keys !== Object.keys(own).sort().join(', ')) throw new ValueError(`${op}: 'settings' holds [${keys}], this optimizer's are [${Object.keys(own).sort().join(', ')}]: a state of another kind of optimizer`);
    for (const [key, value] of Object.entries(own)) {
      const got = (saved as Record<string, unknown>)[key];
      if (!Object.is(got, value)) {
        const text = (v: unknown): string => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : show(v));
        throw new ValueError(`${op}: the state was saved with ${key} ${text(got)}, this optimizer's is ${text(value)}; ${key} is fixed when an optimizer is built: build it with the saved one`);
      }
    }
  }

  /** The weight decay group `g`'s parameters are updated with. */
  private groupWeightDecay(g: number): number {
    return this.paramGroups[g]!.weightDecay ?? (this as { weightDecay?: number }).weightDecay ?? 0;
  }

  /** Parameter `i`'s state from a state dict, checked, as new tensors (a loaded dict keeps no tie to the optimizer). */
  private loadedState(op: string, s: unknown, i: number): S {
    if (typeof s !== 'object' || Array.isArray(s) || isTensor(s)) throw new ValueError(`${op}: the state of parameter ${i} must be an object or null, got ${describe(s)}`);
    // The state must have the entries this optimizer keeps (of the same kinds): a state from
    // another optimizer, or a number where a tensor belongs, would only fail later, in step().
    const param = this.params[i]!;
    const fresh = this.initState(param);
    const want = Object.keys(fresh).sort().join(', ');
    const got = Object.keys(s!).sort().join(', ');
    if (want !== got) throw new ValueError(`${op}: the state of parameter ${i} has entries [${got}], this optimizer keeps [${want}]`);
    const out: ParamState = {};
    for (const [key, v] of Object.entries(s!)) {
      const what = `'${key}' of parameter ${i}`;
      const nonNegative = this.nonNegativeState.includes(key);
      const unbounded = this.unboundedState.includes(key);
      if (!isTensor(fresh[key])) {
        // Numbers in a state are step counts (Adam's t): a negative or fractional one would make the
        // next step divide by a zero bias correction, or apply the wrong one.
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ValueError(`${op}: ${what} must be a step count (an integer ≥ 0), got ${describe(v)}`);
        out[key] = v;
        continue;
      }
      let t: Tensor;
      if (isTensor(v)) {
        if (!sameShape(v.shape, param.shape)) throw new ShapeError(`${op}: ${what} has shape ${formatShape(v.shape)}, the parameter ${formatShape(param.shape)}`);
        t = v.clone();
      } else if (Array.isArray(v) || (typeof v === 'number' && param.shape.length === 0)) {
        // What JSON.stringify wrote for a tensor (Tensor.toJSON): nested arrays, a number for a scalar.
        t = new Tensor(fromNested(op, what, v, param.shape, unbounded), param.shape);
      } else {
        throw new ValueError(`${op}: ${what} must be a Tensor, got ${describe(v)} (nested arrays shaped like the parameter, which JSON holds for a tensor, are taken too)`);
      }
      // A corrupt checkpoint must not get around step()'s refusal of non-finite gradients.
      checkStateValues(op, what, t.data, nonNegative, unbounded);
      out[key] = t;
    }
    return out as S;
  }

  /**
   * The learning rates of a state dict, checked, as a function that puts them in place (called once
   * everything else was checked too). A dict without them changes none.
   */
  private loadedRates(op: string, dict: OptimizerState): () => void {
    const { lr, paramGroups: groups } = dict as { lr?: unknown; paramGroups?: unknown };
    const rate = (value: unknown, where: string): number | 'schedule' | undefined => {
      if (value === undefined || value === 'schedule') return value;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new ValueError(`${op}: ${where} must be a learning rate (a finite number ≥ 0) or 'schedule', got ${describe(value)}`);
      }
      return value;
    };
    const top = rate(lr, "'lr'");
    if (groups === undefined) {
      return () => {
        if (typeof top === 'number') this.lr = top;
      };
    }
    if (!Array.isArray(groups) || groups.length !== this.paramGroups.length) {
      throw new ValueError(`${op}: 'paramGroups' must be a list of ${this.paramGroups.length} group${this.paramGroups.length === 1 ? '' : 's'} (this optimizer's), got ${describe(groups)}`);
    }
    let next = 0;
    const groupRates = groups.map((saved: unknown, g) => {
      const where = `param group ${g}`;
      if (saved === null || typeof saved !== 'object' || Array.isArray(saved)) throw new ValueError(`${op}: ${where} must be an object {params, lr, weightDecay}, got ${describe(saved)}`);
      const { params, weightDecay } = saved as { params?: unknown; weightDecay?: unknown };
      const positions = this.paramGroups[g]!.params.map(() => next++);
      if (!Array.isArray(params) || params.length !== positions.length || params.some((p, k) => p !== positions[k])) {
        throw new ValueError(`${op}: ${where} holds the parameters at ${describePositions(params)} in the state, this optimizer's the parameters at ${describePositions(positions)}`);
      }
      const own = this.groupWeightDecay(g);
      if (weightDecay !== own) {
        const how = weightDecay === undefined ? 'without a weightDecay' : `with weightDecay ${show(weightDecay)}`;
        throw new ValueError(`${op}: ${where} was saved ${how}, this optimizer's is ${own}; the weight decay is fixed when an optimizer is built: build it with the saved one`);
      }
      return rate((saved as { lr?: unknown }).lr, `the lr of ${where}`);
    });
    return () => {
      if (typeof top === 'number') this.lr = top;
      groupRates.forEach((r, g) => {
        if (r !== 'schedule') this.paramGroups[g]!.lr = r;
      });
    };
  }

  /** The state of a parameter before its first update. */
  protected abstract initState(param: Tensor): S;

  /**
   * The hyperparameters other than the learning rate and weight decay, which {@link stateDict}
   * records and a loaded state must match (none unless a subclass says so).
   */
  protected settings(): Readonly<Record<string, number | boolean>> {
    return {};
  }

  /** The state entries that are sums of squares, which a loaded state must hold no negative value in (their square roots are taken). */
  protected readonly nonNegativeState: readonly string[] = [];

  /**
   * The sums of squares that grow without bound (Adagrad's), which may have overflowed to +∞ in a
   * run: a loaded state may hold ∞ there (null, in JSON). An average of squares (Adam's v) cannot.
   */
  protected readonly unboundedState: readonly string[] = [];

  /**
   * Updates one parameter in place from its gradient: `w` is the parameter's own buffer, `g` its
   * gradient's; state tensors are updated in place too. `index` is the parameter's position in
   * {@link params}. `g` is lent for the call only: keep no reference to it, as the gradient's array
   * is reused once `zeroGrad` clears it.
   */
  protected abstract update(w: Float64Array, g: Float64Array, state: S, lr: number, index: number): void;
}

/**
 * @throws ValueError at the first NaN or ±∞ in `d` (but +∞ where `unbounded`: a sum of squares that
 * overflowed in a run, Adagrad's, whose own checkpoint must load), or, with `nonNegative`, the
 * first value below 0.
 */
function checkStateValues(op: string, what: string, d: Float64Array, nonNegative: boolean, unbounded: boolean): void {
  for (let k = 0; k < d.length; k++) {
    const v = d[k]!;
    if (v - v === 0 ? nonNegative && v < 0 : !(unbounded && v === Infinity)) {
      const rule = nonNegative ? `it is ${unbounded ? 'a sum' : 'an average'} of squares, which cannot be negative${unbounded ? ' or NaN' : ', NaN or infinite'}` : 'a state must be finite';
      throw new ValueError(`${op}: ${what} holds ${v} at element ${k}; ${rule}`);
    }
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

/**
 * {@link parameterList}, which must not be empty nor hold a computed tensor, for optimizer `name`.
 * @internal
 */
export function parameterListFor(name: string, params: readonly Tensor[] | AnyModule): Tensor[] {
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

/**
 * The values of `value`, nested arrays shaped like `shape` (what JSON holds for a tensor), in
 * row-major order; a null, JSON's writing of a non-finite number, is read as ∞ where `nullIsInfinity`
 * (a sum of squares, which cannot hold NaN), and left NaN elsewhere for the check of values to report.
 * @throws ValueError naming `op` and `what` where the nesting differs from `shape` or an item is not a number.
 */
function fromNested(op: string, what: string, value: unknown, shape: readonly number[], nullIsInfinity: boolean): Float64Array {
  const out = new Float64Array(shape.reduce((a, b) => a * b, 1));
  let k = 0;
  // The index of the item being read on each axis so far, for the message.
  const at: number[] = [];
  const fail = (got: string): never => {
    const place = at.length === 0 ? '' : ` at [${at.join(', ')}]`;
    throw new ValueError(`${op}: ${what} must be nested arrays shaped like the parameter, ${formatShape(shape)}, got ${got}${place}`);
  };
  // As deep as the parameter has axes (a handful), so recursion is fine.
  const visit = (v: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (v === null) out[k++] = nullIsInfinity ? Infinity : NaN;
      else if (typeof v === 'number') out[k++] = v;
      else fail(describe(v));
      return;
    }
    if (!Array.isArray(v)) fail(describe(v));
    const items = v as unknown[];
    if (items.length !== shape[depth]) fail(`an array of length ${items.length} where ${shape[depth]} belong`);
    at.push(0);
    for (let i = 0; i < items.length; i++) {
      at[depth] = i;
      visit(items[i], depth + 1);
    }
    at.pop();
  };
  visit(value, 0);
  return out;
}

/** Positions in a state for a message: a short list written out, a long one summarised. */
function describePositions(positions: unknown): string {
  if (!Array.isArray(positions)) return describe(positions);
  return positions.length <= 8 ? `[${positions.map((p) => (typeof p === 'number' ? String(p) : describe(p))).join(', ')}]` : `${describe(positions)} from ${String(positions[0])}`;
}
