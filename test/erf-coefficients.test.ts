/**
 * The tables of core's erf (packages/core/src/kernels/erf.ts) are what tools/erf-coefficients
 * computes from their definitions in exact arithmetic, bit for bit: nobody edited a constant by hand.
 */
import fs from 'node:fs';
import path from 'node:path';
import { erfTables } from '../tools/erf-coefficients/generate';

/** The numbers of `const NAME = …;` in the kernel's source, as written there. */
function constantIn(source: string, name: string): number[] {
  const match = new RegExp(`const ${name} = ([^;]*);`).exec(source);
  if (match === null) throw new Error(`kernels/erf.ts has no constant ${name}`);
  return match[1]!
    .replace(/\/\/[^\n]*/g, '')
    .split(/[\s,[\]]+/)
    .filter((s) => s !== '')
    .map(Number);
}

describe("erf's tables", () => {
  it('are the ones tools/erf-coefficients/generate.ts computes', () => {
    const source = fs.readFileSync(path.join(__dirname, '../packages/core/src/kernels/erf.ts'), 'utf8');
    const tables = erfTables();
    for (const name of ['EFX', 'TAYLOR', 'ERF_ONE', 'MIDDLE', 'TAIL'] as const) {
      const computed = tables[name];
      expect([name, constantIn(source, name)]).toEqual([name, typeof computed === 'number' ? [computed] : [...computed]]);
    }
    expect(tables.TAIL.length).toBeGreaterThan(20);
  });
});
