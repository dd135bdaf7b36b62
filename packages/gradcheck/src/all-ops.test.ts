import { registeredOps, type DifferentiableOp } from '@adjoint/core';
import { checkAllOps, missingRules, formatFailure } from '@adjoint/gradcheck';

const differentiable = registeredOps().filter((op): op is DifferentiableOp<unknown> => op.kind === 'differentiable');

describe('every registered op', () => {
  it('has a vjp rule, a jvp rule and a domain (or is a constant op)', () => {
    expect(missingRules()).toEqual([]);
  });

  it('the guard notices an op without a rule or a domain', () => {
    const broken = { ...registeredOps().find((op) => op.name === 'exp')!, jvp: undefined, domain: undefined };
    expect(missingRules([broken as never])).toEqual(['exp: no jvp, domain']);
    const noCases = { ...registeredOps().find((op) => op.name === 'exp')!, vjp: undefined, domain: { inputs: [], cases: [] } };
    expect(missingRules([noCases as never])).toEqual(['exp: no vjp, domain']);
  });

  it("has registerOp's fields in registerOp's order (so that all ops share one hidden class in V8)", () => {
    // A field added to the op types but not to registerOp's list would come last, and only in the
    // ops that give it: their key orders would differ from the others'.
    const orders = new Set(registeredOps().map((op) => Object.keys(op).join(', ')));
    expect([...orders]).toHaveLength(1);
  });

  // One test per op so that a failure names it; each compares vjp and jvp with central differences
  // in float64, element by element, and second derivatives where the op is smooth.
  // With tolerance 'auto', each value is held to its finite difference's own error estimate:
  // typically 10⁻¹⁰ relative here, where the fixed rtol of 10⁻³ would let a rule off by 10⁻⁴ pass.
  it.each(differentiable.map((op) => [op.name, op] as const))('%s: first and second derivatives agree with finite differences in both modes', (name, op) => {
    const result = checkAllOps({ only: [name], tolerance: 'auto' });
    const message = result.failures
      .slice(0, 5)
      .map((f) => `${f.op} ${f.shapes} ${f.attrs}: ${formatFailure(f)}`)
      .join('\n');
    expect(message).toBe('');
    expect(result.ops).toEqual([name]);
    const summary = result.summary[name]!;
    expect(summary.cases).toBe(op.domain.cases.length);
    expect(summary.compared).toBeGreaterThan(0);
    expect(summary.order).toBe(op.domain.smooth === false ? 1 : 2);
  });

  it('checkAllOps() covers the whole registry and reports its counts', () => {
    const result = checkAllOps({ secondOrder: false });
    expect(result.ok).toBe(true);
    expect(result.ops).toEqual(differentiable.map((op) => op.name));
    expect(result.cases).toBe(differentiable.reduce((n, op) => n + op.domain.cases.length, 0));
    expect(result.compared).toBe(Object.values(result.summary).reduce((n, s) => n + s.compared, 0));
    // One line for the log: what "every op is checked" amounted to this run.
    console.log(`checkAllOps (first order): ${result.ops.length} ops, ${result.cases} cases, ${result.compared} values compared`);
  });
});
