/**
 * The optimizer base class: the parameter list, the learning rate (a number or a schedule of the
 * step count), per-parameter state, and the step loop that hands each parameter's buffer to its
 * update rule. Gradients come from core's reverse mode; the updates themselves are not
 * differentiated, so each rule is one fused in-place pass over the elements: no graph, no
 * intermediate tensors (allocating a dozen parameter-sized arrays per step costs more than the
 * arithmetic on this machine; see docs/benchmarks.md).
 */
import { ShapeError, Tensor, ValueError, assign, borrowGrad, formatShape, isTensor, noGrad, requireOptions, sameShape } from '@adjoint/core';
import { Module, describe, parameterList } from '../module';
import type { Schedule } from '../schedules';

/** A learning rate: a constant, or a schedule giving the rate for each step (0, 1, 2, …). */
export type LearningRate = number | Schedule;

/** Per-parameter optimizer state: named tensors (moment estimates) and numbers (step counts, integers ≥ 0). */
export type ParamState = Record<string, Tensor | number>;

/** What {@link Optimizer.stateDict} returns: the step count and each parameter's state, by position. */
export interface OptimizerState {
  step: number;
  state: Array<ParamState | null>;
}

/**
 * Base of every optimizer. Subclasses give the update rule for one parameter in
 * {@link Optimizer.update}; the base class skips parameters without a gradient, evaluates the
 * schedule once per step, and counts steps.
 */
export abstract class Optimizer<S extends ParamState = ParamState> {
  /** The parameters updated by {@link step}, in the order given (duplicates removed). */
  readonly params: readonly Tensor[];
  /** The learning rate: a number, or a schedule called with the step count. May be reassigned. */
  lr: LearningRate;
  private steps = 0;
  private readonly states = new Map<Tensor, S>();

  /**
   * @param name the optimizer's name, for messages.
   * @throws ValueError for an empty list, a non-tensor, a non-leaf tensor, or a bad learning rate.
   */
  protected constructor(protected readonly name: string, params: readonly Tensor[] | Module, lr: LearningRate) {
    this.params = parameterListFor(name, params);
    this.lr = checkLearningRate(name, lr);
  }

  /** Number of completed calls to {@link step}. */
  get stepCount(): number {
    return this.steps;
  }

  /** The learning rate the next {@link step} will use. */
  currentLr(): number {
    const lr = typeof this.lr === 'function' ? this.lr(this.steps) : this.lr;
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new ValueError(`${this.name}: the learning rate must be a finite number ≥ 0, got ${typeof lr === 'number' ? String(lr) : describe(lr)} at step ${this.steps}`);
    }
    return lr;
  }

  /** Updates every parameter that has a gradient, once, and advances the step count. */
  step(): void {
    const lr = this.currentLr();
    noGrad(() => {
      this.params.forEach((p, i) => {
        const grad = borrowGrad(p);
        if (grad === null) return;
        if (!sameShape(grad.shape, p.shape)) {
          throw new ShapeError(`${this.name}: the gradient of parameter ${i} has shape ${formatShape(grad.shape)}, the parameter ${formatShape(p.shape)}`);
        }
        let state = this.states.get(p);
        if (state === undefined) {
          state = this.initState(p);
          this.states.set(p, state);
        }
        // Through assign, so that a backward through a graph that recorded the old values fails.
        assign(p, (w) => this.update(w, grad.data, state, lr, i));
      });
    });
    this.steps++;
  }

  /** Clears the gradient of every parameter. */
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
   * @throws ValueError when the number of parameters differs; ShapeError when a state tensor's shape does.
   */
  loadStateDict(dict: OptimizerState): void {
    if (dict === null || typeof dict !== 'object' || !Array.isArray(dict.state) || !Number.isInteger(dict.step) || dict.step < 0) {
      throw new ValueError(`${this.name}.loadStateDict: expected {step, state} from stateDict(), got ${describe(dict)}`);
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

  /**
   * Updates one parameter in place from its gradient: `w` is the parameter's own buffer, `g` its
   * gradient's; state tensors are updated in place too. `index` is the parameter's position in
   * {@link params}. `g` is lent for the call only: keep no reference to it, as the gradient's array
   * is reused once `zeroGrad` clears it.
   */
  protected abstract update(w: Float64Array, g: Float64Array, state: S, lr: number, index: number): void;
}

/** {@link parameterList}, which must not be empty nor hold a computed tensor. */
function parameterListFor(name: string, params: readonly Tensor[] | Module): Tensor[] {
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
 * An optimizer's options argument, checked: an object (see requireOptions) holding no option
 * outside `known` (a misspelling would otherwise be ignored).
 */
export function checkKnownOptions<T extends object>(name: string, options: T | undefined, known: readonly string[]): T {
  const checked = requireOptions(name, options);
  const unknown = Object.keys(checked).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new ValueError(`${name}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${known.join(', ')})`);
  return checked;
}

/**
 * Validates a hyperparameter: a number in [0, hi) (so finite), else a ValueError naming the
 * optimizer, the option and the value.
 */
export function checkOption(name: string, option: string, value: unknown, hi = Infinity): number {
  if (typeof value !== 'number' || !(value >= 0 && value < hi)) {
    throw new ValueError(`${name}: ${option} must be in [0, ${hi === Infinity ? '∞' : hi}), got ${String(value)}`);
  }
  return value;
}

function copyState(s: ParamState): ParamState {
  const out: ParamState = {};
  for (const [k, v] of Object.entries(s)) out[k] = isTensor(v) ? v.clone() : v;
  return out;
}
