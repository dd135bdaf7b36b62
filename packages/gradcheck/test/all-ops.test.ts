import { registeredOps } from '@adjoint/core';
import { checkAllOps, missingRules, formatReport } from '@adjoint/gradcheck';

describe('every registered op', () => {
  it('has a vjp rule, a jvp rule and a domain (or is a constant op)', () => {
    expect(missingRules()).toEqual([]);
  });

  it('the guard notices an op without a rule or a domain', () => {
    const broken = { ...registeredOps().find((op) => op.name === 'exp')!, jvp: undefined, domain: undefined };
    expect(missingRules([broken as never])).toEqual(['exp: no jvp, domain']);
  });

  // One test per op so that a failure names it; each compares vjp and jvp with central differences
  // in float64, element by element, and second derivatives where the op is smooth.
  const names = registeredOps().filter((op) => op.kind === 'differentiable').map((op) => op.name);
  it.each(names)('%s: first and second derivatives agree with finite differences in both modes', (name) => {
    const result = checkAllOps({ only: [name] });
    const message = result.failures
      .slice(0, 5)
      .map((f) => `${f.op} ${f.shapes} ${f.attrs}: ${formatReport({ ok: false, maxAbsErr: 0, maxRelErr: 0, compared: 1, failures: [f] })}`)
      .join('\n');
    expect(message).toBe('');
    expect(result.ops).toEqual([name]);
  });
});
