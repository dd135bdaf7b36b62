import { withAnomalyDetection } from '../anomaly';
import { requireFunction } from '../arguments';

/**
 * Runs `fn` (forward and backward passes alike) checking every op result, every adjoint and, inside
 * `jvp`, every tangent for NaN and ±∞. The first op that produces one throws a GradError naming it, its shapes, and where in
 * your code it was created — instead of letting the NaN spread to the loss. Slower: use it to debug.
 *
 * @example
 * detectAnomaly(() => x.log().sum().backward()); // GradError: 'log' produced -Infinity …
 */
export function detectAnomaly<T>(fn: () => T): T {
  return withAnomalyDetection(requireFunction('detectAnomaly', fn));
}
