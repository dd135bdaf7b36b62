/**
 * sin registered as an op with rules of the test's choosing, for tests that need a rule known to be
 * wrong in a particular way. Each rule defaults to the right one: cos(x) times the (co)tangent.
 */
import { cos, mul, registerOp, type DifferentiableOp, type Tensor } from '@adjoint/core';

/** The two rules, as functions of the (co)tangent and the input. */
export interface SinRules {
  vjp?: (g: Tensor, x: Tensor) => Tensor;
  jvp?: (t: Tensor, x: Tensor) => Tensor;
}

const right = (v: Tensor, x: Tensor): Tensor => mul(v, cos(x));

/** Registers sin under `name` with `rules`, checked (by checkAllOps) at the case `shape`. */
export function registerSin(name: string, rules: SinRules, shape: number[] = [2], domain = { min: -2, max: 2 }): DifferentiableOp {
  const { vjp = right, jvp = right } = rules;
  return registerOp<DifferentiableOp>({
    kind: 'differentiable',
    name,
    arity: 1,
    shape: ([s]) => s!,
    forward: ([x]) => x!.map(Math.sin),
    vjp: (g, [x]) => [vjp(g, x!)],
    jvp: ([t], [x]) => jvp(t!, x!),
    domain: { inputs: [domain], cases: [{ shapes: [shape], attrs: undefined }] },
  });
}
