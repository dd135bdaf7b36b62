/** The benchmark harness's ratio rows: paired by round when the rows were timed together. */
import { ratio, type BenchResult } from '../benchmarks/harness';

const row = (value: number, samples?: number[], interleaving = samples && 1): BenchResult => ({ group: 'g', name: 'n', value, unit: 'ms', samples, interleaving });

describe('ratio', () => {
  it('takes the median of the rounds\' ratios when both rows carry aligned samples', () => {
    // Rounds 1, 2, 3 → ratios 1, 2, 3: the paired median is 2, the ratio of the medians 12/10.
    const r = ratio('g', 'paired', row(12, [10, 12, 30]), row(10, [10, 6, 10]));
    expect(r.value).toBe(2);
  });

  it('divides the values when the samples are missing or come from different timings', () => {
    expect(ratio('g', 'plain', row(12), row(10)).value).toBeCloseTo(1.2, 12);
    // As many rounds, but timed apart: pairing them round by round would give 2.
    expect(ratio('g', 'apart', row(12, [10, 12, 30], 1), row(10, [10, 6, 10], 2)).value).toBeCloseTo(1.2, 12);
  });

  it('notes whether a target is met, in either direction', () => {
    expect(ratio('g', 'n', row(2), row(1), 3, 'atMost').note).toBe('target ≤ 3×: PASS');
    expect(ratio('g', 'n', row(4), row(1), 3, 'atMost').note).toBe('target ≤ 3×: FAIL');
    expect(ratio('g', 'n', row(4), row(1), 3).note).toBe('target ≥ 3×: PASS');
  });
});
