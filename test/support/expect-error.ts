/** Shared by the boundary tests: an assertion on the exact error a call throws. */
import type { AdjointError } from '@adjoint/core';

/**
 * `fn` throws an instance of `type` (so nothing untyped escapes) whose message matches `message`:
 * a pattern, or a string for the exact text.
 */
export function expectError(fn: () => unknown, type: new (...args: never[]) => AdjointError, message: RegExp | string): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  if (error === undefined) throw new Error(`expected a ${type.name} matching ${message}, but nothing was thrown`);
  if (!(error instanceof type)) throw new Error(`expected a ${type.name}, got ${(error as Error).constructor?.name}: ${(error as Error).message}`);
  if (typeof message === 'string') expect((error as Error).message).toBe(message);
  else expect((error as Error).message).toMatch(message);
}
