/**
 * gammaln, digamma and polygamma: known values, the poles and infinities, derivatives (each one's
 * is the next), and errors. Their first and second derivatives are checked against finite
 * differences by checkAllOps; gammaln and polygamma(2, ·), gradients included, against PyTorch in
 * test/pytorch-agreement.test.ts (PyTorch's trigamma is only good to about 1e-9: the known values
 * below check ours).
 */
import { ValueError, digamma, gammaln, grad, hessian, polygamma, tensor } from '@adjoint/core';
import { expectThrows } from '../testing/expect-throws';

const EULER_GAMMA = 0.5772156649015329;
const ZETA_3 = 1.2020569031595942;
const close = (got: number, want: number): void => expect(Math.abs(got - want)).toBeLessThanOrEqual(2e-15 * Math.max(1, Math.abs(want)));

describe('gammaln, digamma and polygamma', () => {
  test('known values: ln Γ at the integers and ½, ψ(1) = −γ, ψ′(1) = π²/6, ψ′(½) = π²/2, ψ″(1) = −2ζ(3)', () => {
    const at = (t: ReturnType<typeof gammaln>) => Array.from(t.data);
    const [g1, g2, g5, gHalf] = at(gammaln(tensor([1, 2, 5, 0.5])));
    [g1, g2].forEach((v) => close(v!, 0));
    close(g5!, Math.log(24));
    close(gHalf!, 0.5 * Math.log(Math.PI));
    close(digamma(tensor(1)).item(), -EULER_GAMMA);
    close(digamma(tensor(0.5)).item(), -EULER_GAMMA - 2 * Math.LN2);
    close(polygamma(1, tensor(1)).item(), Math.PI ** 2 / 6);
    close(polygamma(1, tensor(0.5)).item(), Math.PI ** 2 / 2);
    close(polygamma(2, tensor(1)).item(), -2 * ZETA_3);
    close(polygamma(0, tensor(3)).item(), digamma(tensor(3)).item());
    close(gammaln(tensor(-0.5)).item(), Math.log(2 * Math.sqrt(Math.PI))); // Γ(−½) = −2√π
    close(gammaln(tensor(171.5)).item(), 709.1431630309282); // past where Γ itself overflows (C's lgamma)
  });

  test('poles and infinities: +∞ for gammaln; ∓∞ at ±0 and NaN at the negative integers for digamma; by parity for polygamma', () => {
    expect(Array.from(gammaln(tensor([0, -1, -2, Infinity, -Infinity, NaN])).data)).toEqual([Infinity, Infinity, Infinity, Infinity, Infinity, NaN]);
    expect(Array.from(digamma(tensor([0, -0, -1, Infinity, -Infinity])).data)).toEqual([-Infinity, Infinity, NaN, Infinity, NaN]);
    expect(Array.from(polygamma(1, tensor([0, -2, Infinity])).data)).toEqual([Infinity, Infinity, 0]);
    expect(Array.from(polygamma(2, tensor([0, -2])).data)).toEqual([NaN, NaN]);
    // Next to a pole the reflection keeps the digits: ψ(−3 + ε) ≈ −1/ε.
    const x = -3 + 1e-10;
    expect(digamma(tensor(x)).item() * (x + 3)).toBeCloseTo(-1, 8);
  });

  test('each one differentiates to the next', () => {
    const x = tensor([0.7, 2.5, -1.5]);
    expect(Array.from(grad((t) => gammaln(t).sum())(x).data)).toEqual(Array.from(digamma(x).data));
    expect(Array.from(grad((t) => digamma(t).sum())(x).data)).toEqual(Array.from(polygamma(1, x).data));
    const h = hessian((t) => gammaln(t).sum())(x);
    expect([0, 4, 8].map((i) => h.data[i])).toEqual(Array.from(polygamma(1, x).data));
    expect(Array.from(grad((t) => polygamma(3, t).sum())(x).data)).toEqual(Array.from(polygamma(4, x).data));
  });

  test('at the edges: subnormals, next to the zeros of ln Γ, far out on the negative side', () => {
    close(gammaln(tensor(5e-324)).item(), 744.4400719213812); // −ln(5e−324), where π/sin πx would overflow
    // Next to its zeros ln Γ(1 + z) ≈ −γz + ζ(2)z²/2: the relative digits are kept.
    const z = 1e-10;
    const near = gammaln(tensor(1 + z)).item();
    expect(Math.abs(near - (-EULER_GAMMA * (1.0000000827403710e-10) + (Math.PI ** 2 / 12) * 1e-20)) / Math.abs(near)).toBeLessThan(1e-9);
    // Even orders are symmetric about −½ + the integers: ψ⁽ⁿ⁾(−m − ½) = ψ⁽ⁿ⁾(m + 3/2); reflection keeps it (a sum would cancel).
    close(polygamma(20, tensor(-10.5)).item(), polygamma(20, tensor(11.5)).item());
    close(polygamma(2, tensor(-1e5 - 0.5)).item(), polygamma(2, tensor(1e5 + 1.5)).item());
    expect(Number.isFinite(polygamma(1, tensor(-1e15 - 0.5)).item())).toBe(true); // at once, not after 10¹⁵ steps
  });

  test("polygamma's order must be a whole number from 0 to 100", () => {
    expectThrows(() => polygamma(-1, tensor(1)), ValueError, 'polygamma: n must be a whole number from 0 to 100, got -1');
    expectThrows(() => polygamma(1.5, tensor(1)), ValueError, 'got 1.5');
    expectThrows(() => gammaln('a' as never), ValueError, 'gammaln');
  });
});
