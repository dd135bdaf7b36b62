/** checkAllOps: every differentiable op in core's registry, on its own domain, both modes, second order where smooth. */
import { Rng, apply, registeredOps, type DifferentiableOp, type OpDef, type Tensor } from '@adjoint/core';
import { checkGrad, type CheckOptions, type GradFailure } from './check';
import { tensorFrom } from './domain';

/** Options of {@link checkAllOps}. */
export interface AllOpsOptions extends CheckOptions {
  /** Check only these ops (by name). */
  only?: readonly string[];
  /** Check second derivatives of smooth ops (default true). */
  secondOrder?: boolean;
}

/** A failure of one op at one case. */
export interface OpFailure extends GradFailure {
  op: string;
  shapes: string;
  attrs: string;
}

/** What the registry lacks: differentiable ops without a rule or a domain. */
export function missingRules(ops: readonly OpDef[] = registeredOps()): string[] {
  return ops.flatMap((op) => {
    if (op.kind === 'constant') return [];
    const d = op as DifferentiableOp<unknown>;
    const missing = [
      typeof d.vjp !== 'function' && 'vjp',
      typeof d.jvp !== 'function' && 'jvp',
      !(d.domain && d.domain.cases?.length > 0 && d.domain.inputs?.length > 0) && 'domain',
    ].filter(Boolean);
    return missing.length > 0 ? [`${op.name}: no ${missing.join(', ')}`] : [];
  });
}

/**
 * Checks every differentiable registered op at every case of its domain against finite differences,
 * in reverse and forward mode, and to second order where the op is smooth.
 */
export function checkAllOps(options: AllOpsOptions = {}): { ok: boolean; ops: string[]; failures: OpFailure[] } {
  const rng = new Rng(options.seed ?? 0);
  const failures: OpFailure[] = [];
  const ops: string[] = [];
  for (const op of registeredOps()) {
    if (op.kind !== 'differentiable') continue;
    if (options.only && !options.only.includes(op.name)) continue;
    ops.push(op.name);
    for (const c of op.domain.cases) {
      const domains = c.domains ?? op.domain.inputs;
      const inputs = c.shapes.map((shape, i) => tensorFrom(shape, domains[Math.min(i, domains.length - 1)]!, rng));
      const diffIndices = inputs.map((_, i) => i).filter((i) => !op.nondiff?.includes(i));
      // Differentiate with respect to the differentiable inputs; indices and conditions stay fixed.
      const f = (...xs: Tensor[]): Tensor => {
        const all = [...inputs];
        diffIndices.forEach((i, k) => (all[i] = xs[k]!));
        return apply(op, all, c.attrs);
      };
      const order = options.secondOrder !== false && op.domain.smooth !== false ? 2 : 1;
      const report = checkGrad(f, diffIndices.map((i) => inputs[i]!), { ...options, order: options.order ?? order });
      for (const failure of report.failures) {
        failures.push({
          ...failure,
          input: failure.input >= 0 ? diffIndices[failure.input]! : -1,
          op: op.name,
          shapes: JSON.stringify(c.shapes),
          attrs: JSON.stringify(c.attrs) ?? 'none',
        });
      }
    }
  }
  return { ok: failures.length === 0, ops, failures };
}
