/**
 * Callbacks: objects whose optional hooks fit calls as training proceeds. Any hook except
 * onTrainEnd may return 'stop' to end training: from onBatchEnd the current epoch ends after that
 * batch (it is still validated and recorded), from onEpochEnd or onEpochBegin no further epoch starts.
 * fit is synchronous, so a hook cannot make it wait: an async hook is refused.
 */
import { ValueError } from '@adjoint/core';
import type { Module } from '../module';
import { quoteName, show } from '../args';
import type { Optimizer } from '../optim/index';
import type { Metric } from './resolve';
import type { EpochLogs, History } from './history';

/** What a hook returns: nothing to go on, 'stop' to end training. */
export type CallbackResult = void | 'stop';

/** Handed to {@link Callback.onTrainBegin}. */
export interface TrainInfo {
  model: Module;
  optimizer: Optimizer;
  /** Epochs requested. */
  epochs: number;
  /** Batches in each epoch. */
  batchesPerEpoch: number;
  /** Training rows (after any validation split). */
  samples: number;
  /** Validation rows (0 without validation). */
  validationSamples: number;
  /** The resolved metrics, in order. */
  metrics: readonly Metric[];
}

/** Handed to {@link Callback.onBatchEnd}. */
export interface BatchLogs {
  /** The batch's loss. */
  loss: number;
  /** Rows in the batch. */
  size: number;
}

/** Hooks called by fit, all optional. Epoch and batch numbers count from 0. */
export interface Callback {
  onTrainBegin?(info: TrainInfo): CallbackResult;
  onEpochBegin?(epoch: number): CallbackResult;
  onBatchEnd?(batch: number, logs: BatchLogs): CallbackResult;
  /** `logs` holds loss, valLoss (with validation) and each metric, as recorded in the History. */
  onEpochEnd?(epoch: number, logs: EpochLogs): CallbackResult;
  onTrainEnd?(history: History): void;
}

/** The hooks fit calls, in the order of a run. */
export const CALLBACK_HOOKS = ['onTrainBegin', 'onEpochBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'] as const;

/**
 * fit's `callbacks`, checked before training: a list of objects whose hooks are plain (not async)
 * functions, and which have no other `on…` method that fit would never call (a misspelt hook, or one
 * from another library such as Keras's onBatchBegin, would otherwise be silently ignored).
 * @throws ValueError naming `op`, the callback's position and the hook.
 */
export function checkCallbacks(op: string, callbacks: unknown): Callback[] {
  if (callbacks === undefined) return [];
  if (!Array.isArray(callbacks)) throw new ValueError(`${op}: callbacks must be a list of objects with onEpochEnd, onBatchEnd, … hooks, got ${show(callbacks)}`);
  callbacks.forEach((cb, i) => checkCallback(op, cb, i));
  return callbacks as Callback[];
}

function checkCallback(op: string, cb: unknown, index: number): void {
  if (cb === null || typeof cb !== 'object') throw new ValueError(`${op}: callback ${index} must be an object with hooks such as onEpochEnd, got ${show(cb)}`);
  for (const key of hookLikeKeys(cb)) {
    const hook = (cb as Record<string, unknown>)[key];
    if (!(CALLBACK_HOOKS as readonly string[]).includes(key)) {
      throw new ValueError(`${op}: callback ${index} has ${quoteName(key)}, which fit never calls; the hooks are ${CALLBACK_HOOKS.join(', ')}`);
    }
    if (hook === undefined) continue;
    if (typeof hook !== 'function') throw new ValueError(`${op}: callback ${index}'s ${key} must be a function, got ${show(hook)}`);
    if (hook.constructor?.name === 'AsyncFunction' || hook.constructor?.name === 'AsyncGeneratorFunction') {
      throw new ValueError(`${op}: callback ${index}'s ${key} is async; fit is synchronous and cannot wait for it (make the hook synchronous, or do the asynchronous work after fit returns)`);
    }
  }
}

/**
 * The names on `cb` and its prototypes (up to Object's) that look like hooks: 'on' and a capital,
 * as every hook is named. Other fields (an EarlyStopping's patience, a logger's buffer) are the
 * callback's own business.
 */
function hookLikeKeys(cb: object): Set<string> {
  const keys = new Set<string>();
  for (let o: object | null = cb; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Object.getOwnPropertyNames(o)) if (/^on[A-Z]/.test(key)) keys.add(key);
  }
  return keys;
}

/**
 * What a hook returned, checked: 'stop'; 'Stop', 'STOP' or 'stop' with spaces (refused: they would
 * otherwise be ignored); anything else (ignored). A Promise (from a function that is not
 * declared async but returns one) cannot be waited for, and is refused. It is given a rejection handler first, so that its
 * failing later cannot end the process as an unhandled rejection; the error thrown here reports it.
 */
export function hookResult(op: string, index: number, hook: string, result: unknown): CallbackResult {
  const then = result !== null && (typeof result === 'object' || typeof result === 'function') ? (result as { then?: unknown }).then : undefined;
  if (typeof then === 'function') {
    then.call(result, undefined, () => undefined);
    throw new ValueError(`${op}: callback ${index}'s ${hook} returned a Promise; fit is synchronous and cannot wait for it (make the hook synchronous, or do the asynchronous work after fit returns)`);
  }
  if (result === 'stop') return 'stop';
  // Other values are ignored (an arrow function returns whatever its body does: push's count, a
  // log line it appended), but 'Stop' or ' stop ' can only have been meant to stop.
  if (typeof result === 'string' && result.trim().toLowerCase() === 'stop') {
    throw new ValueError(`${op}: callback ${index}'s ${hook} returned ${show(result)}; a hook returns exactly 'stop' to end training`);
  }
  return undefined;
}
