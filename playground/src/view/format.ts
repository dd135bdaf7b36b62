/**
 * `v` with `digits` decimals (`0.1234`), as the scores and weight captions show numbers; from 10⁵ on,
 * where a loss or weight has blown up, in exponent form (`3.42e+15`), not twenty digits.
 */
export function decimal(v: number, digits: number): string {
  return Math.abs(v) >= 1e5 ? v.toExponential(2) : v.toFixed(digits);
}
