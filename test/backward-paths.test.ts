/**
 * checkAllOps compares Tensor.backward, which reuses arrays, with vjp, which does not, bit for bit
 * (checkBackwardPaths). These tests check that every op is compared where reuse applies, and that
 * the comparison catches what it is for: an array reused while something still holds it.
 */
import { Tensor, apply, customVjp, noGrad, randn, registeredOps, withPoisonedReuse, type DifferentiableOp } from '@adjoint/core';
import { checkAllOps, checkBackwardPaths, formatFailure } from '@adjoint/gradcheck';
import { drawCaseInputs } from '../packages/gradcheck/src/all-ops';
import { Rng } from '@adjoint/core';
import { MemoryPlan } from '../packages/core/src/memory-plan';

/** Arrays of more than this many elements have buffers of their own: the ones Tensor.backward reuses. */
const SLAB_LIMIT = 8;

describe('both backward paths', () => {
  it('every differentiable op has a case with an array large enough to be reused', () => {
    const lacking = registeredOps()
      .filter((op): op is DifferentiableOp<unknown> => op.kind === 'differentiable')
      .filter((op) => !op.domain.cases.some((c) => {
        const inputs = drawCaseInputs(op, c, new Rng(1));
        const out = noGrad(() => apply(op, inputs, c.attrs));
        return out.size > SLAB_LIMIT || inputs.some((x) => x.size > SLAB_LIMIT);
      }))
      .map((op) => op.name);
    expect(lacking).toEqual([]);
  });

  it('agree on a composite program with fan-out, pass-through and broadcasting', () => {
    const x = randn([6, 5], { seed: 1 });
    const b = randn([5], { seed: 2 });
    const f = (x: Tensor, b: Tensor): Tensor => {
      const h = x.add(b).tanh();
      return h.mul(h).add(h.reshape([5, 6]).transpose().mul(2)).add(x);
    };
    expect(checkBackwardPaths(f, [x, b], randn([6, 5], { seed: 3 }))).toEqual([]);
  });

  // Each mutation of the memory plan breaks ownership in one way; the comparison must see it.
  const mutations: Array<[string, keyof MemoryPlan]> = [
    ['reuses arrays the adjoint slots still hold (no slot counting)', 'hold'],
    ['reuses arrays a custom rule was given (no hand-over)', 'expose'],
  ];
  it.each(mutations)('catch a memory plan that %s', (_what, method) => {
    const broken = jest.spyOn(MemoryPlan.prototype, method as 'hold').mockImplementation(() => undefined);
    try {
      const report = checkAllOps({ only: ['mul', 'matmul', 'add'], secondOrder: false });
      const paths = report.failures.filter((f) => f.reason === 'paths');
      if (method === 'expose') {
        // Core's ops never hand an array out: only a custom rule that keeps one shows this mutation.
        expect(paths).toEqual([]);
        expect(keptCotangentChanges()).toBe(true);
      } else {
        expect(paths.length).toBeGreaterThan(0);
        expect(formatFailure(paths[0]!)).toMatch(/Tensor\.backward.* gave .*, vjp/);
      }
    } finally {
      broken.mockRestore();
    }
    expect(checkAllOps({ only: ['mul', 'matmul', 'add'], secondOrder: false }).ok).toBe(true);
    expect(keptCotangentChanges()).toBe(false);
  });
});

/** Whether a cotangent a customVjp rule kept changes after the pass (under poisoned reuse). */
function keptCotangentChanges(): boolean {
  const kept: Tensor[] = [];
  const f = customVjp((x: Tensor) => x.mul(2), (_inputs, _out, g) => {
    kept.push(g);
    return [g.mul(2)];
  });
  const x = randn([4, 5], { seed: 4, requiresGrad: true });
  withPoisonedReuse(() => f(x.exp()).sum().backward());
  return kept[0]!.data.some((v) => v !== 1);
}
