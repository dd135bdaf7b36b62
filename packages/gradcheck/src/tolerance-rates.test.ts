/**
 * The rates published in docs/gradcheck.md ("How sure is a check"): false alarms on correct
 * functions with a large dynamic range, and rules wrong by a relative 10⁻⁵ that are caught, with the
 * fixed defaults and with `tolerance: 'auto'`. If these numbers change, the page must too.
 */
import { checkGrad } from './check';
import { failing, largeDynamicRange, slightlyWrongRules } from './testing/tolerance-rates';

describe("tolerance: 'auto' against the fixed defaults (atol 1e-5, rtol 1e-3)", () => {
  const correct = largeDynamicRange();
  const wrong = slightlyWrongRules(1e-5);

  it('false alarms on 19 correct functions with a large dynamic range: 4 with the defaults, none with auto', () => {
    expect(correct).toHaveLength(19);
    expect(failing(correct, {})).toEqual(['sum((x + 10000000)²)', 'sum((x + 1000000000)²)', 'sum(log(x + 1000000))·1000000', 'sum(log(x + 1000000000))·1000000000']);
    expect(failing(correct, { tolerance: 'auto' })).toEqual([]);
    expect(failing(correct, { tolerance: 'auto', order: 2 })).toEqual([]);
  });

  it('20 rules wrong by a relative 1e-5: none caught by the defaults, all by auto', () => {
    expect(wrong).toHaveLength(20);
    expect(failing(wrong, {})).toEqual([]);
    expect(failing(wrong, { tolerance: 'auto' })).toHaveLength(20);
  });

  it('auto reports the estimate it compared against', () => {
    const [{ f, input }] = slightlyWrongRules(1e-5);
    const failure = checkGrad(f!, [input!], { tolerance: 'auto' }).failures[0]!;
    expect(failure.estimatedErr).toBeGreaterThan(0);
    expect(Math.abs(failure.analytic - failure.numeric)).toBeGreaterThan(10 * failure.estimatedErr!);
    expect(failure.estimatedErr!).toBeLessThan(1e-9 * Math.abs(failure.numeric));
  });
});
