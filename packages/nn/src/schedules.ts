/**
 * Learning-rate schedules: functions from the optimizer's step count t = 0, 1, 2, … (the number of
 * completed steps, so the first step uses t = 0) to a learning rate. Pass one as `lr`:
 * `new SGD(params, { lr: cosineDecay(0.1, { decaySteps: 1000 }) })`.
 *
 * Names and options are those of Keras's schedules (`tf.keras.optimizers.schedules`). Against
 * PyTorch's `torch.optim.lr_scheduler`, with `scheduler.step()` after every `optimizer.step()`:
 * stepDecay is StepLR, exponentialDecay is ExponentialLR (with γ = r^(1/T); with `staircase`,
 * StepLR with step_size T), inverseTimeDecay is LambdaLR of 1/(1 + r·t/T), and cosineDecay is
 * CosineAnnealingLR with T_max = T and eta_min = α·η₀ for t ≤ T — after T it stays at α·η₀, where
 * CosineAnnealingLR climbs back up. The rates agree to rounding (PyTorch multiplies step by step).
 * oneCycle is OneCycleLR (without its momentum cycling) and cosineWarmRestarts is
 * CosineAnnealingWarmRestarts, under those names.
 */
import { ValueError } from '@adjoint/core';
import { checkBoolean, knownOptions, show, orDefault } from './args';

/** A learning-rate schedule: step count → learning rate. */
export type Schedule = (step: number) => number;

/** η(t) = η₀. */
export function constant(lr: number): Schedule {
  check('constant', 'lr', lr, 0);
  return () => lr;
}

/** Options of {@link stepDecay}. */
export interface StepDecayOptions {
  /** Steps between drops (a positive integer). */
  stepSize: number;
  /** Factor applied at each drop (default 0.1). */
  gamma?: number;
}

/** η(t) = η₀ · γ^⌊t / stepSize⌋: the rate drops by γ every `stepSize` steps. */
export function stepDecay(initial: number, options: StepDecayOptions): Schedule {
  check('stepDecay', 'initial', initial, 0);
  options = knownOptions('stepDecay', options, ['stepSize', 'gamma']);
  const stepSize = positiveInteger('stepDecay', 'stepSize', options.stepSize);
  const gamma = check('stepDecay', 'gamma', orDefault(options.gamma, 0.1), 0);
  return atStep('stepDecay', (t) => initial * gamma ** Math.floor(t / stepSize));
}

/** Options of {@link exponentialDecay}. */
export interface ExponentialDecayOptions {
  /** Factor r applied per `decaySteps` steps (for example 0.96). */
  decayRate: number;
  /** Steps T over which the rate is multiplied by r (default 1). */
  decaySteps?: number;
  /** Use ⌊t/T⌋, dropping in stairs, instead of the smooth t/T (default false). */
  staircase?: boolean;
}

/** η(t) = η₀ · r^(t/T), or η₀ · r^⌊t/T⌋ with `staircase`. */
export function exponentialDecay(initial: number, options: ExponentialDecayOptions): Schedule {
  check('exponentialDecay', 'initial', initial, 0);
  options = knownOptions('exponentialDecay', options, ['decayRate', 'decaySteps', 'staircase']);
  const rate = check('exponentialDecay', 'decayRate', options.decayRate, 0);
  const steps = check('exponentialDecay', 'decaySteps', orDefault(options.decaySteps, 1), 0, true);
  const staircase = checkBoolean('exponentialDecay', 'staircase', orDefault(options.staircase, false));
  return atStep('exponentialDecay', (t) => initial * rate ** (staircase ? Math.floor(t / steps) : t / steps));
}

/** Options of {@link inverseTimeDecay}. */
export interface InverseTimeDecayOptions {
  /** Rate r ≥ 0 of the decay. */
  decayRate: number;
  /** Steps T per unit of decay (default 1). */
  decaySteps?: number;
}

/** η(t) = η₀ / (1 + r·t/T): the 1/t decay of classical stochastic approximation. */
export function inverseTimeDecay(initial: number, options: InverseTimeDecayOptions): Schedule {
  check('inverseTimeDecay', 'initial', initial, 0);
  options = knownOptions('inverseTimeDecay', options, ['decayRate', 'decaySteps']);
  const rate = check('inverseTimeDecay', 'decayRate', options.decayRate, 0);
  const steps = check('inverseTimeDecay', 'decaySteps', orDefault(options.decaySteps, 1), 0, true);
  return atStep('inverseTimeDecay', (t) => initial / (1 + (rate * t) / steps));
}

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions {
  /** Steps T over which the rate falls from η₀ to α·η₀. */
  decaySteps: number;
  /** Final rate as a fraction of η₀ (default 0). */
  alpha?: number;
}

/**
 * η(t) = η₀ · (α + (1 − α) · ½(1 + cos(π·min(t, T)/T))): a half cosine from η₀ down to α·η₀ over T
 * steps, then constant.
 */
export function cosineDecay(initial: number, options: CosineDecayOptions): Schedule {
  check('cosineDecay', 'initial', initial, 0);
  options = knownOptions('cosineDecay', options, ['decaySteps', 'alpha']);
  const steps = check('cosineDecay', 'decaySteps', options.decaySteps, 0, true);
  const alpha = check('cosineDecay', 'alpha', orDefault(options.alpha, 0), 0);
  if (alpha > 1) throw new ValueError(`cosineDecay: alpha must be in [0, 1], got ${alpha}`);
  return atStep('cosineDecay', (t) => initial * (alpha + (1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * Math.min(t, steps)) / steps))));
}

/** Options of {@link linearWarmup}. */
export interface LinearWarmupOptions {
  /** Steps W over which the rate climbs to η₀ (a positive integer). */
  warmupSteps: number;
  /** The rate at step 0 as a fraction of η₀, in [0, 1] (default 0). */
  startFactor?: number;
}

/**
 * η(t) = η₀ · (s + (1 − s) · min(t, W)/W): a straight climb from s·η₀ to η₀ over W steps, then
 * constant (PyTorch's LinearLR with start_factor s, end_factor 1, total_iters W). Follow it with a
 * decay by {@link sequentialSchedule}.
 */
export function linearWarmup(initial: number, options: LinearWarmupOptions): Schedule {
  check('linearWarmup', 'initial', initial, 0);
  options = knownOptions('linearWarmup', options, ['warmupSteps', 'startFactor']);
  const steps = positiveInteger('linearWarmup', 'warmupSteps', options.warmupSteps);
  const start = check('linearWarmup', 'startFactor', orDefault(options.startFactor, 0), 0);
  if (start > 1) throw new ValueError(`linearWarmup: startFactor must be in [0, 1], got ${start}`);
  return atStep('linearWarmup', (t) => initial * (start + ((1 - start) * Math.min(t, steps)) / steps));
}

/** Options of {@link sequentialSchedule}. */
export interface SequentialScheduleOptions {
  /** The steps at which each schedule after the first takes over: increasing positive integers, one fewer than the schedules. */
  milestones: readonly number[];
}

/**
 * The schedules one after another: schedule i runs from milestone i − 1 (0 for the first) until
 * milestone i, counting its own steps from 0, as PyTorch's SequentialLR. Warm up, then decay:
 * `sequentialSchedule([linearWarmup(0.1, { warmupSteps: 100 }), cosineDecay(0.1, { decaySteps: 900 })], { milestones: [100] })`.
 */
export function sequentialSchedule(schedules: readonly Schedule[], options: SequentialScheduleOptions): Schedule {
  const op = 'sequentialSchedule';
  if (!Array.isArray(schedules) || schedules.length === 0) throw new ValueError(`${op}: expected a non-empty list of schedules, got ${show(schedules)}`);
  schedules.forEach((s, i) => {
    if (typeof s !== 'function') throw new ValueError(`${op}: item ${i} is not a schedule (a function of the step), got ${show(s)}`);
  });
  const { milestones } = knownOptions(op, options, ['milestones']);
  if (!Array.isArray(milestones) || milestones.length !== schedules.length - 1) {
    throw new ValueError(`${op}: milestones must be a list of ${schedules.length - 1} step${schedules.length === 2 ? '' : 's'} (one fewer than the schedules), got ${show(milestones)}`);
  }
  milestones.forEach((m, i) => {
    if (typeof m !== 'number' || !Number.isInteger(m) || m <= (i === 0 ? 0 : milestones[i - 1]!)) {
      throw new ValueError(`${op}: milestones must be increasing positive integers, got [${milestones.map(show).join(', ')}]`);
    }
  });
  const starts = [0, ...milestones];
  const fixed = [...schedules];
  return atStep(op, (t) => {
    let i = starts.length - 1;
    while (t < starts[i]!) i--;
    return fixed[i]!(t - starts[i]!);
  });
}

/** Options of {@link oneCycle}. */
export interface OneCycleOptions {
  /** The steps of the whole cycle (a positive integer); the schedule refuses a step beyond it, as PyTorch's does. */
  totalSteps: number;
  /** The fraction of the cycle spent climbing to the peak, in [0, 1] (default 0.3); a climb ending before step 0 leaves the fall alone, as in PyTorch. */
  pctStart?: number;
  /** 'cos' (default) or 'linear' interpolation between the phases' rates. */
  annealStrategy?: 'cos' | 'linear';
  /** The start rate is maxLr / divFactor (default 25). */
  divFactor?: number;
  /** The final rate is the start rate / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
}

/**
 * The one-cycle policy (Smith & Topin 2019), PyTorch's OneCycleLR with `cycle_momentum=False`: the
 * rate climbs from maxLr/divFactor to maxLr over the first pctStart of `totalSteps` steps, then
 * falls to maxLr/(divFactor·finalDivFactor) by the last, each phase a half cosine (or a straight
 * line). PyTorch's phases end at steps pctStart·T − 1 and T − 1, and so do these. PyTorch also
 * cycles the momentum (or Adam's β₁) against the rate by default; a schedule sets the rate only.
 */
export function oneCycle(maxLr: number, options: OneCycleOptions): Schedule {
  const op = 'oneCycle';
  check(op, 'maxLr', maxLr, 0);
  options = knownOptions(op, options, ['totalSteps', 'pctStart', 'annealStrategy', 'divFactor', 'finalDivFactor']);
  const total = positiveInteger(op, 'totalSteps', options.totalSteps);
  const pct = check(op, 'pctStart', orDefault(options.pctStart, 0.3), 0);
  if (pct > 1) throw new ValueError(`${op}: pctStart must be in [0, 1], got ${pct}`);
  const strategy = orDefault<unknown>(options.annealStrategy, 'cos');
  if (strategy !== 'cos' && strategy !== 'linear') throw new ValueError(`${op}: annealStrategy must be 'cos' or 'linear', got ${show(strategy)}`);
  const start = maxLr / check(op, 'divFactor', orDefault(options.divFactor, 25), 0, true);
  const end = start / check(op, 'finalDivFactor', orDefault(options.finalDivFactor, 1e4), 0, true);
  // PyTorch's phase ends; a climb that ends before step 0 leaves the fall alone, as there. At
  // exactly 0, or at the last step, a phase would be 0/0 (PyTorch's rates are NaN then).
  const peakAt = pct * total - 1;
  if (peakAt === 0 || !(total - 1 - peakAt > 0)) {
    throw new ValueError(`${op}: the climb ends at step pctStart·totalSteps − 1 = ${peakAt}, which must not be 0 and must come before the last step, totalSteps − 1 = ${total - 1}`);
  }
  const anneal = strategy === 'cos'
    ? halfCosine
    : (from: number, to: number, f: number): number => (to - from) * f + from;
  return atStep(op, (t) => {
    if (t > total) throw new ValueError(`${op}: step ${t} is beyond the cycle's ${total} steps (totalSteps)`);
    return t <= peakAt ? anneal(start, maxLr, t / peakAt) : anneal(maxLr, end, (t - peakAt) / (total - 1 - peakAt));
  });
}

/** Options of {@link cosineWarmRestarts}. */
export interface CosineWarmRestartsOptions {
  /** Steps T₀ of the first cycle (a positive integer). */
  firstCycleSteps: number;
  /** Each cycle is this many times as long as the one before (a positive integer, default 1). */
  cycleMultiplier?: number;
  /** The lowest rate, at the end of each cycle (default 0). */
  minLr?: number;
}

/**
 * SGDR's cosine with warm restarts (Loshchilov & Hutter 2017), PyTorch's
 * CosineAnnealingWarmRestarts(T_0, T_mult, eta_min): within each cycle of Tᵢ steps the rate falls
 * along a half cosine from η₀ towards minLr, then jumps back to η₀; T₀ = firstCycleSteps and
 * Tᵢ₊₁ = cycleMultiplier·Tᵢ.
 */
export function cosineWarmRestarts(initial: number, options: CosineWarmRestartsOptions): Schedule {
  const op = 'cosineWarmRestarts';
  check(op, 'initial', initial, 0);
  options = knownOptions(op, options, ['firstCycleSteps', 'cycleMultiplier', 'minLr']);
  const first = positiveInteger(op, 'firstCycleSteps', options.firstCycleSteps);
  const multiplier = positiveInteger(op, 'cycleMultiplier', orDefault(options.cycleMultiplier, 1));
  const floor = check(op, 'minLr', orDefault(options.minLr, 0), 0);
  return atStep(op, (t) => {
    // The cycle t falls in, by whole steps (no rounding of logarithms); cycles of one length repeat,
    // growing ones are O(log t) in number.
    let [into, length] = multiplier === 1 ? [t % first, first] : [t, first];
    while (into >= length) [into, length] = [into - length, length * multiplier];
    return halfCosine(initial, floor, into / length);
  });
}

/** From `from` at f = 0 to `to` at f = 1 along a half cosine (PyTorch's cosine annealing). */
function halfCosine(from: number, to: number, f: number): number {
  return to + ((from - to) / 2) * (Math.cos(Math.PI * f) + 1);
}

/**
 * `rate` as a schedule that refuses a step that is not a count 0, 1, 2, …: the formulas would give
 * a rate for it all the same (cosineDecay running backwards, inverseTimeDecay a negative rate).
 */
function atStep(op: string, rate: (t: number) => number): Schedule {
  return (t) => {
    if (!Number.isInteger(t) || t < 0) throw new ValueError(`${op}: the step must be a whole number ≥ 0 (steps completed so far), got ${show(t)}`);
    return rate(t);
  };
}

function positiveInteger(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new ValueError(`${op}: ${name} must be a positive integer, got ${show(value)}`);
  return value;
}

function check(op: string, name: string, value: unknown, lo: number, strict = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (strict ? value <= lo : value < lo)) {
    throw new ValueError(`${op}: ${name} must be a finite number ${strict ? '>' : '≥'} ${lo}, got ${show(value)}`);
  }
  return value;
}
