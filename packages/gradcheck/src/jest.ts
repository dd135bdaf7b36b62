/**
 * `@adjoint/gradcheck/jest`: importing this module registers the matcher
 * `expect(f).toHaveCorrectGradients(inputs, options?)` with jest's global `expect`.
 * @packageDocumentation
 */
import type { NestedArray, TensorLike } from '@adjoint/core';
import { checkGrad, type CheckOptions } from './check';
import { formatReport } from './report';
import type { CheckedFunction } from './numeric';

/** What a jest matcher returns. */
export interface MatcherResult {
  pass: boolean;
  message: () => string;
}

/** The part of jest's matcher context used here (`isNot` under `.not`). */
interface MatcherContext {
  isNot?: boolean;
}

/** Inputs as `checkGrad` takes them: tensors, numbers or nested arrays. */
export type GradInputs = readonly (TensorLike | NestedArray)[];

/**
 * Passes when `checkGrad(received, inputs, options)` finds the derivatives of `received` right in
 * every checked mode and order. The failure message names the function under test, lists the worst
 * elements (with the estimated finite-difference errors under `tolerance: 'auto'`) and, since
 * `blame` is on by default here, the op whose rule is at fault.
 */
function toHaveCorrectGradients(this: MatcherContext | void, received: unknown, inputs: GradInputs, options: CheckOptions = {}): MatcherResult {
  if (typeof received !== 'function') {
    return { pass: false, message: () => `expect(f).toHaveCorrectGradients(inputs): f must be a function of tensors, got ${typeof received}` };
  }
  if (!Array.isArray(inputs)) {
    return { pass: false, message: () => `expect(f).toHaveCorrectGradients(inputs): inputs must be a list (one entry per argument of f), got ${typeof inputs}` };
  }
  // Blame is on unless turned off: a failing test should say which rule to look at.
  const report = checkGrad(received as CheckedFunction, inputs, { blame: true, ...options });
  const name = (received as { name?: string }).name || 'the function';
  return {
    pass: report.ok,
    message: () =>
      report.ok
        ? `expected the gradients of ${name} to disagree with finite differences, but ${formatReport(report)}`
        : `expected the gradients of ${name} to agree with finite differences, but the ${formatReport(report)}`,
  };
}

/** The matchers of this module, for `expect.extend` in setups that do not import it for its side effect. */
export const gradcheckMatchers = { toHaveCorrectGradients };

interface ExpectWithExtend {
  extend(matchers: Record<string, unknown>): void;
}

// Registers only where jest (or a compatible runner) has put `expect` on the global object: importing
// this module from plain Node must not fail.
const globalExpect = (globalThis as { expect?: Partial<ExpectWithExtend> }).expect;
if (globalExpect && typeof globalExpect.extend === 'function') globalExpect.extend(gradcheckMatchers);

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // The type parameters must match @types/jest's declaration exactly for the interfaces to merge.
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars
    interface Matchers<R, T = {}> {
      /**
       * Checks the derivatives of the function under test at `inputs` against finite differences, in
       * reverse and forward mode (and to second order with `{order: 2}`).
       */
      toHaveCorrectGradients(inputs: GradInputs, options?: CheckOptions): R;
    }
  }
}
