/** Shared by the layer tests: an error's class and its whole message in one expectation. */

/** Expects `fn` to throw an instance of `cls` whose message is exactly `message`. */
export function expectError(fn: () => unknown, cls: abstract new (...args: never[]) => Error, message: string): void {
  let error: unknown = null;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(cls);
  expect((error as Error).message).toBe(message);
}
