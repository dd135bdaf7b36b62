/** functions.ts re-exports every op family file whole, so these guard what that makes public. */
import * as core from './index';
import * as functions from './functions';
import { registeredOps } from './registry';

describe('the public op functions', () => {
  it('are functions only: no op object, kernel table or helper value leaks through a family file', () => {
    const notFunctions = Object.entries(functions).filter(([, v]) => typeof v !== 'function').map(([k]) => k);
    expect(notFunctions).toEqual([]);
    const opObjects = new Set<unknown>(registeredOps());
    expect(Object.entries(core).filter(([, v]) => opObjects.has(v)).map(([k]) => k)).toEqual([]);
  });

  it('leave out the ops that only rules call', () => {
    expect(Object.keys(core)).not.toContain('reluGrad');
    expect(Object.keys(core)).not.toContain('softmaxCrossEntropyGrad');
    expect(registeredOps().map((op) => op.name)).toEqual(expect.arrayContaining(['reluGrad', 'softmaxCrossEntropyGrad']));
  });

  it('are all the package exports: every function the family files export reaches the package', () => {
    for (const [name, f] of Object.entries(functions)) expect([name, (core as Record<string, unknown>)[name]]).toEqual([name, f]);
  });
});
