/**
 * Fuzzing every op function of core (packages/core/src/functions.ts and rule-ops.ts) with fast-check:
 * random shapes (rank 0–4, dims 0–4, broadcastable and deliberately mismatched), random axes (in
 * and out of range, negative, fractional, NaN), indices (valid, negative, too large, fractional),
 * attributes, plain numbers, nested arrays and junk in place of tensors.
 *
 * Each call must either give the NumPy-conformant result — shape and values checked against the
 * naive reference in fuzz/reference.ts, then backward and jvp through it must work — or throw an
 * AdjointError whose message names the op. See fuzz/harness.ts for the exact rule, and
 * fuzz/specs.ts for which specs are derived from the op's definition.
 * FUZZ_RUNS=2000 FUZZ_SEED=random npx jest packages/core/src/fuzz.test.ts searches deeper and wider.
 */
import * as core from '@adjoint/core';
import * as functions from './functions';
import * as ruleOps from './rule-ops';
import { fuzz } from './testing/fuzz/harness';
import { derivedSpec, specs } from './testing/fuzz/specs';

/** Names of the functions a module exports. */
const functionsOf = (module: object): string[] =>
  Object.entries(module)
    .filter(([, v]) => typeof v === 'function')
    .map(([name]) => name)
    .sort();

/** Every op function: the public ones (functions.ts) and those only rules call (rule-ops.ts). */
const exported = [...functionsOf(functions), ...functionsOf(ruleOps)];

describe('fuzz coverage', () => {
  it('every op function of functions.ts and rule-ops.ts has a fuzz spec (add one in fuzz/specs.ts for a new op)', () => {
    const missing = exported.filter((name) => !(name in specs));
    expect(missing).toEqual([]);
    expect(exported.length).toBeGreaterThan(50);
  });

  it('every fuzzed function is exported from @adjoint/core itself, or is an op only rules call', () => {
    const stale = Object.keys(specs).filter((name) => typeof (core as Record<string, unknown>)[name] !== 'function' && !(name in ruleOps));
    expect(stale).toEqual([]);
  });

  it('every registered op is fuzzed: through the function of its name (its spec written in fuzz/specs.ts, or derived from its reference in fuzz/reference.ts) or one whose spec names it', () => {
    const fuzzed = new Set(Object.entries(specs).flatMap(([name, spec]) => [name, ...(spec.alsoNamed ?? [])]));
    const unfuzzed = core.registeredOps().map((op) => op.name).filter((name) => !fuzzed.has(name));
    expect(unfuzzed).toEqual([]);
  });

  it('derives no spec where the definition does not say how the function is called', () => {
    const exp = core.getOp('exp') as core.DifferentiableOp<unknown>;
    expect(derivedSpec(exp)).toBeDefined();
    const withAttrs = { ...exp, domain: { ...exp.domain, cases: [{ shapes: [[2]], attrs: { base: 2 } }] } };
    expect(() => derivedSpec(withAttrs)).toThrow('exp has attributes, so its function takes more than tensors: write its spec in fuzz/specs.ts');
    expect(() => derivedSpec({ ...exp, arity: 2 })).toThrow('R.elementwiseOps.exp needs one parameter per input of the op (2), has 1');
    const sum = core.getOp('sum') as core.DifferentiableOp<unknown>;
    const oneAxis = { ...sum, domain: { ...sum.domain, cases: [{ shapes: [[2]], attrs: { axis: 0 } }] } };
    expect(() => derivedSpec(oneAxis)).toThrow("the op's attributes are not { axis, keepDims }");
    expect(derivedSpec(core.getOp('transpose')!)).toBeUndefined();
  });

  it('the ops only rules call are not exported from @adjoint/core', () => {
    expect(functionsOf(ruleOps).filter((name) => name in core)).toEqual([]);
  });
});

describe('fuzz: each op gives the reference result or an AdjointError naming it', () => {
  for (const [name, spec] of Object.entries(specs)) {
    it(name, () => fuzz(name, spec));
  }
});
