/** The record of a training run: one entry per completed epoch. */

/** Why training ended. */
export type StopReason = 'epochs' | 'earlyStopping' | 'callback' | 'nonFinite';

import { ValueError } from '@adjoint/core';

/** The numbers logged at the end of an epoch: `loss`, `valLoss`, and one key per metric. */
export type EpochLogs = Record<string, number>;

/**
 * What {@link fit} returns. Every array has one entry per completed epoch, in order:
 * - `loss`: the mean training loss over the epoch's batches, weighted by batch size (the loss of the
 *   model as it changed during the epoch, in training mode);
 * - `valLoss`: the loss on the validation set after the epoch, in evaluation mode (empty without
 *   validation data);
 * - `metrics[name]`: each metric over the epoch's training predictions, and
 *   `metrics[validationKey(name)]` on the validation set: camelCase like `valLoss`, so
 *   `accuracy` is validated as `valAccuracy`.
 */
export class History {
  readonly loss: number[] = [];
  readonly valLoss: number[] = [];
  readonly metrics: Record<string, number[]> = {};
  /** Why training ended ('epochs' when it ran them all). */
  stopReason: StopReason = 'epochs';
  /**
   * The epoch (0-based) early stopping found best (whose weights the model holds when it ran with
   * `restoreBest`); undefined without early stopping, or when no epoch improved on NaN.
   */
  bestEpoch: number | undefined = undefined;

  /** Number of completed epochs. */
  get epochs(): number {
    return this.loss.length;
  }

  /** Appends one epoch's logs; keys other than loss and valLoss go to `metrics`. */
  record(logs: EpochLogs): void {
    for (const [key, value] of Object.entries(logs)) {
      if (key === 'loss') this.loss.push(value);
      else if (key === 'valLoss') this.valLoss.push(value);
      else (this.metrics[key] ??= []).push(value);
    }
  }

  /** The logged values of `key` ('loss', 'valLoss' or a metric key), one per epoch. */
  get(key: string): readonly number[] {
    if (key === 'loss') return this.loss;
    if (key === 'valLoss') return this.valLoss;
    refuseSnakeCase('History.get', key);
    return Object.hasOwn(this.metrics, key) ? this.metrics[key]! : [];
  }

  /** A plain object (for JSON and for comparing runs). */
  toJSON(): { loss: number[]; valLoss: number[]; metrics: Record<string, number[]>; epochs: number; stopReason: StopReason; bestEpoch?: number } {
    return {
      loss: [...this.loss],
      valLoss: [...this.valLoss],
      metrics: Object.fromEntries(Object.entries(this.metrics).map(([k, v]) => [k, [...v]])),
      epochs: this.epochs,
      stopReason: this.stopReason,
      ...(this.bestEpoch !== undefined ? { bestEpoch: this.bestEpoch } : {}),
    };
  }
}

/**
 * The key under which a metric (or the loss) computed on the validation rows is logged: `valLoss`
 * for the loss, `valAccuracy` for `accuracy` — one camelCase convention for every logged key.
 */
export function validationKey(name: string): string {
  return name === 'loss' ? 'valLoss' : `val${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

/** Whether `key` names a quantity logged on the validation rows. */
export function isValidationKey(key: string): boolean {
  return /^val[A-Z0-9_$]/.test(key);
}

/** A ValueError for an old snake_case validation key (`val_accuracy`), saying what it is called now. */
export function refuseSnakeCase(op: string, key: string): void {
  if (key.startsWith('val_')) {
    throw new ValueError(`${op}: validation keys are camelCase, like valLoss: '${key}' is '${validationKey(key.slice(4))}'`);
  }
}
