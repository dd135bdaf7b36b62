/** checkAllOps: every differentiable op in core's registry, on its own domain, both modes, second order where smooth. */
import { Rng, apply, noGrad, registeredOps, requireOptions, type DifferentiableOp, type OpCase, type OpDef, type Tensor } from '@adjoint/core';
import { checkBackwardPaths } from './paths';
import { checkGrad, type CheckOptions } from './check';
import { tensorFrom } from './domain';
import { emptyReport, type GradFailure } from './report';

/** Options of {@link checkAllOps}: those of checkGrad, and which ops to check. */
export interface AllOpsOptions extends CheckOptions {
  /** Check only these ops (by name). */
  only?: readonly string[];
  /** Skip these ops (by name). */
  skip?: readonly string[];
  /** Check second derivatives of smooth ops (default true). `order` overrides this for every op. */
  secondOrder?: boolean;
  /**
   * Also compare, bit for bit, the gradients of `Tensor.backward` (which reuses arrays) with those
   * of `vjp` (which does not) at every case (default true; see checkBackwardPaths).
   */
  paths?: boolean;
}

/** A failure of one op at one case. */
export interface OpFailure extends GradFailure {
  op: string;
  shapes: string;
  attrs: string;
}

/** What was checked for one op. */
export interface OpSummary {
  /** Cases (shape and attribute combinations) checked. */
  cases: number;
  /** Derivative values compared, both modes and both orders. */
  compared: number;
  /** Highest order checked. */
  order: 1 | 2;
  failures: number;
}

/** The result of {@link checkAllOps}. */
export interface AllOpsReport {
  ok: boolean;
  /** Names of the ops checked, in registration order. */
  ops: string[];
  failures: OpFailure[];
  /** Per op: cases, values compared, order, failures. */
  summary: Record<string, OpSummary>;
  /** Cases checked over all ops. */
  cases: number;
  /** Values compared over all ops. */
  compared: number;
}

/** What the registry lacks: differentiable ops without a rule or a domain, as "name: no …" lines. */
export function missingRules(ops: readonly OpDef[] = registeredOps()): string[] {
  return ops.flatMap((op) => {
    if (op.kind === 'constant') return [];
    const d = op as Partial<DifferentiableOp<unknown>>;
    const missing = [
      typeof d.vjp !== 'function' && 'vjp',
      typeof d.jvp !== 'function' && 'jvp',
      !(d.domain && d.domain.cases?.length > 0 && d.domain.inputs?.length > 0) && 'domain',
    ].filter(Boolean);
    return missing.length > 0 ? [`${op.name}: no ${missing.join(', ')}`] : [];
  });
}

/** A seed from the op's name, so that an op sees the same inputs whether checked alone or with all. */
function seedFor(name: string, base: number): number {
  let h = 2166136261 ^ base;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * The function checkGrad differentiates for one case: the op applied to its inputs, as a function of
 * the differentiable ones only (indices and conditions stay fixed), and those inputs.
 */
export function opCaseFunction<A>(op: DifferentiableOp<A>, c: OpCase<A>, inputs: readonly Tensor[]): { f: (...xs: Tensor[]) => Tensor; diff: number[] } {
  const diff = inputs.map((_, i) => i).filter((i) => !op.nondiff?.includes(i));
  const f = (...xs: Tensor[]): Tensor => {
    const all = [...inputs];
    diff.forEach((i, k) => (all[i] = xs[k]!));
    return apply(op, all, c.attrs);
  };
  return { f, diff };
}

/** Inputs for one case of an op, each drawn from its domain (the case's own domains first). */
export function drawCaseInputs<A>(op: DifferentiableOp<A>, c: OpCase<A>, rng: Rng): Tensor[] {
  const domains = c.domains ?? op.domain.inputs;
  return c.shapes.map((shape, i) => tensorFrom(shape, domains[Math.min(i, domains.length - 1)]!, rng));
}

/**
 * Checks every differentiable registered op at every case of its domain against finite differences,
 * in reverse and forward mode, and to second order where the op is smooth.
 */
export function checkAllOps(given?: AllOpsOptions): AllOpsReport {
  const options = requireOptions('checkAllOps', given);
  const result: AllOpsReport = { ok: true, ops: [], failures: [], summary: {}, cases: 0, compared: 0 };
  for (const def of registeredOps()) {
    if (def.kind !== 'differentiable') continue;
    if (options.only && !options.only.includes(def.name)) continue;
    if (options.skip?.includes(def.name)) continue;
    const op = def as DifferentiableOp<unknown>;
    const rng = new Rng(seedFor(op.name, options.seed ?? 0));
    const order = options.order ?? (options.secondOrder !== false && op.domain.smooth !== false ? 2 : 1);
    const summary: OpSummary = { cases: 0, compared: 0, order, failures: 0 };
    result.ops.push(op.name);
    for (const c of op.domain.cases) {
      const inputs = drawCaseInputs(op, c, rng);
      const { f, diff } = opCaseFunction(op, c, inputs);
      // A case with no differentiable input has nothing to compare (checkGrad refuses an empty list).
      const report = diff.length > 0 ? checkGrad(f, diff.map((i) => inputs[i]!), { ...options, order }) : emptyReport();
      if (options.paths !== false && diff.length > 0) {
        const out = noGrad(() => f(...diff.map((i) => inputs[i]!)));
        const cotangent = tensorFrom(out.shape, { min: -1, max: 1 }, rng);
        for (const failure of checkBackwardPaths(f, diff.map((i) => inputs[i]!), cotangent)) report.failures.push(failure);
        report.compared += 2 * diff.reduce((n, i) => n + inputs[i]!.size, 0);
      }
      summary.cases++;
      summary.compared += report.compared;
      summary.failures += report.failures.length;
      for (const failure of report.failures) {
        result.failures.push({
          ...failure,
          // Back from the position among differentiable inputs to the op's own input position.
          input: failure.input >= 0 ? diff[failure.input]! : -1,
          ...(failure.gradientOf !== undefined ? { gradientOf: diff[failure.gradientOf]! } : {}),
          op: op.name,
          shapes: JSON.stringify(c.shapes),
          attrs: JSON.stringify(c.attrs) ?? 'none',
        });
      }
    }
    result.summary[op.name] = summary;
    result.cases += summary.cases;
    result.compared += summary.compared;
  }
  result.ok = result.failures.length === 0;
  return result;
}
