/**
 * Where user code called the engine: the stack frames left once core's own are removed. Anomaly
 * detection names where an op was created; recordOps (and so gradcheck's blame) where it was applied.
 */

/**
 * The current stack's frames outside core: its sources and bundle are core's, and so are Node's
 * internals; core's own tests, which sit beside the sources, are user code here.
 */
export function framesOutsideCore(): string[] {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50; // core's own frames come first
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  return stack.split('\n').slice(1).filter((line) => !inCore(line));
}

function inCore(line: string): boolean {
  return (/[\\/]packages[\\/]core[\\/]src[\\/]/.test(line) && !/\.test\.ts/.test(line)) || /[\\/]core[\\/]dist[\\/]|node:internal/.test(line);
}
