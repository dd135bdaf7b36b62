/** checkModule: checkGrad over every named parameter of a module, failures reported by name. */
import { assign, requireOptions, ValueError, type Tensor } from '@adjoint/core';
import { checkGradAs, resolveOptions, type CheckOptions } from './check';
import type { GradFailure, GradReport } from './report';

/**
 * What checkModule needs of a model; `@adjoint/nn`'s Module has all of it. `callWith` runs forward
 * with the given tensors in place of the named parameters (nn's `functionalCall`), which is what
 * lets the parameters be the checked function's inputs.
 */
export interface CheckableModule {
  namedParameters(): Array<[string, Tensor]>;
  callWith(params: Record<string, Tensor>, ...inputs: Tensor[]): Tensor;
  /** Buffers such as batch norm's running statistics, restored after the check if present. */
  namedBuffers?(): Array<[string, Tensor]>;
}

/** A failure of {@link checkModule}: a GradFailure that names its parameter. */
export interface ModuleFailure extends GradFailure {
  /** The parameter's name in `namedParameters()`, or '*' for a failure that concerns them all (a rule that threw in reverse mode). */
  parameter: string;
  /** Order 2: the parameter whose gradient was differentiated (`gradientOf`, by name). */
  gradientOfParameter?: string;
}

/** What {@link checkModule} returns: checkGrad's report, with each failure naming its parameter. */
export interface ModuleReport extends GradReport {
  failures: ModuleFailure[];
  /** The parameters checked, in the order of `namedParameters()`. */
  parameters: string[];
}

/**
 * Checks the derivatives of `loss(model(x), target)` with respect to every named parameter of
 * `model` against finite differences, as checkGrad does (both modes; `order: 2`, `tolerance: 'auto'`
 * and `blame` as there). The forward pass must be deterministic: put a model with dropout in eval
 * mode first. Buffers (running statistics) that the forward passes update are restored afterwards;
 * the parameters are never changed.
 *
 * @example
 * const report = checkModule(new Dense(3, 2, { activation: 'tanh' }), x, y, mse, { tolerance: 'auto' });
 * report.failures.map((f) => f.parameter); // [] when every rule is right
 */
export function checkModule(
  model: CheckableModule,
  x: Tensor,
  target: unknown,
  loss: (prediction: Tensor, target: never) => Tensor,
  options?: CheckOptions,
): ModuleReport {
  const given = requireOptions('checkModule', options);
  resolveOptions(given, 'checkModule'); // so that a bad option is named as checkModule's
  if (model === null || typeof model !== 'object' || typeof model.namedParameters !== 'function' || typeof model.callWith !== 'function') {
    throw new ValueError('checkModule: the model must have namedParameters() and callWith(params, ...inputs), as an @adjoint/nn Module does');
  }
  if (typeof loss !== 'function') throw new ValueError(`checkModule: loss must be a function (prediction, target) → scalar, got ${typeof loss}`);
  const named = model.namedParameters();
  if (named.length === 0) throw new ValueError('checkModule: the model has no parameters, so there is nothing to check');
  const names = named.map(([name]) => name);
  const buffers = model.namedBuffers?.().map(([, b]) => [b, b.data.slice()] as const) ?? [];
  const f = (...params: Tensor[]): Tensor => loss(model.callWith(Object.fromEntries(names.map((name, i) => [name, params[i]!])), x), target as never);
  try {
    const report = checkGradAs('checkModule', f, named.map(([, p]) => p), given);
    const failures = report.failures.map((failure): ModuleFailure => ({
      ...failure,
      parameter: failure.input >= 0 ? names[failure.input]! : '*',
      ...(failure.gradientOf === undefined ? {} : { gradientOfParameter: names[failure.gradientOf]! }),
    }));
    return { ...report, failures, parameters: names };
  } finally {
    for (const [buffer, saved] of buffers) assign(buffer, saved);
  }
}
