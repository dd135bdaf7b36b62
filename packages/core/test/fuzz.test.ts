/**
 * Fuzzing every public op function of core (packages/core/src/functions.ts) with fast-check:
 * random shapes (rank 0–4, dims 0–4, broadcastable and deliberately mismatched), random axes (in
 * and out of range, negative, fractional, NaN), indices (valid, negative, too large, fractional),
 * attributes, plain numbers, nested arrays and junk in place of tensors.
 *
 * Each call must either give the NumPy-conformant result — shape and values checked against the
 * naive reference in fuzz/reference.ts, then backward and jvp through it must work — or throw an
 * AdjointError whose message names the op. See fuzz/harness.ts for the exact rule.
 * FUZZ_RUNS=2000 FUZZ_SEED=random npx jest packages/core/test/fuzz searches deeper and wider.
 */
import * as core from '@adjoint/core';
import * as functions from '../src/functions';
import { fuzz } from './fuzz/harness';
import { specs } from './fuzz/specs';

/** The op functions functions.ts exports. */
const exported = Object.entries(functions)
  .filter(([, v]) => typeof v === 'function')
  .map(([name]) => name)
  .sort();

describe('fuzz coverage', () => {
  it('every op function exported by functions.ts has a fuzz spec (add one in fuzz/specs.ts for a new op)', () => {
    const missing = exported.filter((name) => !(name in specs));
    expect(missing).toEqual([]);
    expect(exported.length).toBeGreaterThan(50);
  });

  it('every fuzzed function is exported from @adjoint/core itself', () => {
    const stale = Object.keys(specs).filter((name) => typeof (core as Record<string, unknown>)[name] !== 'function');
    expect(stale).toEqual([]);
  });
});

describe('fuzz: each op gives the reference result or an AdjointError naming it', () => {
  for (const [name, spec] of Object.entries(specs)) {
    it(name, () => fuzz(name, spec));
  }
});
