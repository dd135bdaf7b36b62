/** Shared by the op tests (src/ops/*.test.ts): asserting an AdjointError of a given kind and message. */
import { AdjointError } from '../errors';

/** Asserts that `fn` throws an instance of `Kind` (and of AdjointError) whose message contains every pattern. */
export function expectThrows(fn: () => unknown, Kind: typeof AdjointError, ...patterns: (string | RegExp)[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(Kind);
  expect(caught).toBeInstanceOf(AdjointError);
  for (const p of patterns) expect((caught as Error).message).toMatch(typeof p === 'string' ? escape(p) : p);
}
const escape = (s: string): RegExp => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
