/** Shared by the boundary and error tests: assertions on the exact error a call throws. */
import type { AdjointError } from '@adjoint/core';

/** The error `fn` throws, which must be an instance of `type` (nothing untyped, nothing else). */
export function thrown<E extends AdjointError>(fn: () => unknown, type: new (...args: never[]) => E): E {
  try {
    fn();
  } catch (e) {
    if (e instanceof type) return e;
    throw new Error(`expected a ${type.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
  }
  throw new Error(`expected a ${type.name}, but nothing was thrown`);
}

/**
 * `fn` throws an instance of `type` whose message matches `message`: a pattern, or a string for
 * the exact text.
 */
export function expectError(fn: () => unknown, type: new (...args: never[]) => AdjointError, message: RegExp | string): void {
  const error = thrown(fn, type);
  if (typeof message === 'string') expect(error.message).toBe(message);
  else expect(error.message).toMatch(message);
}
