/**
 * Argument checks shared by the training, data, metrics, search and io code: each throws a
 * ValueError (or ShapeError) whose message starts with the public function's name and shows the
 * offending value, so a mistake is reported where the user made it rather than deep in an op.
 * Checks core has too (options objects, finite numbers, choices, indices) come from core:
 * requireOptions, requireFinite, requireChoice, requireIndicesBelow.
 */
import { ShapeError, Tensor, ValueError, formatShape, isTensor, requireOptions, tensor, type NestedArray } from '@adjoint/core';
import { describe } from './module';

/** Data accepted wherever a tensor of samples is expected: a tensor, nested arrays, or flat data. */
export type TensorInput = Tensor | NestedArray | Float64Array;

/** `value` as a tensor (tensors are used as they are, not copied). */
export function asTensor(op: string, name: string, value: unknown): Tensor {
  if (isTensor(value)) return value;
  if (typeof value === 'number' || Array.isArray(value) || value instanceof Float64Array) {
    try {
      return tensor(value as NestedArray | Float64Array);
    } catch (e) {
      throw new ValueError(`${op}: ${name} is not valid tensor data: ${(e as Error).message}`);
    }
  }
  throw new ValueError(`${op}: ${name} must be a Tensor or nested arrays of numbers, got ${describe(value)}`);
}

/** `value` as a tensor with at least one axis: its first axis counts the samples. */
export function asSamples(op: string, name: string, value: unknown): Tensor {
  const t = asTensor(op, name, value);
  if (t.rank === 0) throw new ShapeError(`${op}: ${name} needs a sample axis, got a scalar`);
  return t;
}

/** Number of samples (rows) of a tensor. */
export function rows(t: Tensor): number {
  return t.shape[0]!;
}

/** @throws ShapeError unless x and y hold the same number of samples. */
export function checkSameRows(op: string, x: Tensor, y: Tensor, xName = 'x', yName = 'y'): void {
  if (rows(x) !== rows(y)) {
    throw new ShapeError(`${op}: ${xName} and ${yName} must have the same number of rows, got ${xName} ${formatShape(x.shape)} (${rows(x)} rows) and ${yName} ${formatShape(y.shape)} (${rows(y)} rows)`);
  }
}

/**
 * An option's value, or `fallback` when it was left out. Unlike `??`, an explicit `null` is kept, so
 * the check that follows reports it instead of quietly using the default.
 */
export function orDefault<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

/** @throws ValueError unless `value` is an integer ≥ `min`. */
export function checkInteger(op: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ValueError(`${op}: ${name} must be an integer ≥ ${min}, got ${show(value)}`);
  }
  return value;
}

/** @throws ValueError unless `value` is a boolean. */
export function checkBoolean(op: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ValueError(`${op}: ${name} must be true or false, got ${show(value)}`);
  return value;
}

/** A value for a message: numbers and strings as written, anything else described. */
export function show(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  return describe(value);
}

/** 0, 1, …, n − 1. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
