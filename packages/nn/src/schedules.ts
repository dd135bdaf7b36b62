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
