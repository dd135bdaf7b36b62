/** Running code with a module tree in training or evaluation mode, then putting every flag back. */
import type { AnyModule } from '../module';

/**
 * Sets `model.train(training)` for the duration of `fn` and afterwards restores each submodule's
 * own flag (a tree may mix modes, e.g. a frozen BatchNorm kept in eval), even when `fn` throws.
 */
export function withMode<T>(model: AnyModule, training: boolean, fn: () => T): T {
  const saved = model.namedModules().map(([, m]) => [m, m.training] as const);
  model.train(training);
  try {
    return fn();
  } finally {
    for (const [m, flag] of saved) m.training = flag;
  }
}
