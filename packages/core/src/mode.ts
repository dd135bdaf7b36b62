import { requireFunction } from './arguments';

/** Whether ops record themselves for reverse mode. Off inside {@link noGrad}. */
let gradEnabled = true;

/** Whether new ops are being recorded for reverse mode. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Switches recording on or off and returns the previous state (for hot loops; prefer withGradMode). */
export function setGradMode(enabled: boolean): boolean {
  const previous = gradEnabled;
  gradEnabled = enabled;
  return previous;
}

/** Runs `fn` with recording switched on or off, restoring the previous state afterwards. */
export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/**
 * Runs `fn` without recording anything for reverse mode: results do not require grad and no graph
 * is kept. Use it for evaluation and for parameter updates. Forward-mode tangents still flow.
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, requireFunction('noGrad', fn));
}
