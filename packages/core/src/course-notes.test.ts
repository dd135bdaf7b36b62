/**
 * The worked examples of the course notes (docs/course-notes.md): the scalar chains, the matrix
 * adjoint rules, and a micrograd-style expression whose values are worked out by hand.
 */
import { Rng, Tensor, grad, matmul, relu, tensor, transpose } from '@adjoint/core';

describe('course notes: scalar examples', () => {
  it.each([-1.3, -0.2, 0, 0.5, 1.1])('d/dx exp(x²) = 2x·exp(x²) at x = %p', (x) => {
    const df = grad((t) => t.square().exp());
    expect(df(x).item()).toBeCloseTo(2 * x * Math.exp(x * x), 12);
  });

  it.each([-1, 0.5, 2])('d/dx √(x² + exp(x²)) = x(1 + b)/d with a = x², b = exp(a), c = a + b, d = √c, at x = %p', (x) => {
    const a = x * x;
    const b = Math.exp(a);
    const c = a + b;
    const d = Math.sqrt(c);
    const df = grad((t) => t.square().add(t.square().exp()).sqrt());
    expect(df(x).item()).toBeCloseTo((x * (1 + b)) / d, 12);
  });
});

/** Plain loops, independent of the engine: (P·Q)[i][j] = Σₖ P[i][k]·Q[k][j]. */
function product(p: number[][], q: number[][]): number[][] {
  return p.map((row) => q[0]!.map((_, j) => row.reduce((s, v, k) => s + v * q[k]![j]!, 0)));
}
const t = (m: number[][]): number[][] => m[0]!.map((_, j) => m.map((row) => row[j]!));
const random = (rng: Rng, rows: number, cols: number): number[][] =>
  Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.uniform(-1, 1)));

function expectClose(actual: Tensor, expected: number[][]): void {
  const a = actual.toArray() as number[][];
  expected.forEach((row, i) => row.forEach((v, j) => expect(a[i]![j]).toBeCloseTo(v, 12)));
}

describe('course notes: matrix adjoint rules', () => {
  const rng = new Rng(7);
  const A = random(rng, 3, 4);
  const B = random(rng, 4, 2);
  const Cbar = random(rng, 3, 2);

  it('C = AB ⇒ Ā = C̄Bᵀ and B̄ = AᵀC̄', () => {
    const a = tensor(A, { requiresGrad: true });
    const b = tensor(B, { requiresGrad: true });
    // L = Σ C ⊙ C̄ has ∂L/∂C = C̄, so backward delivers exactly the adjoints of the rule.
    matmul(a, b).mul(tensor(Cbar)).sum().backward();
    expectClose(a.grad!, product(Cbar, t(B)));
    expectClose(b.grad!, product(t(A), Cbar));
  });

  it('C = ABᵀ ⇒ Ā = C̄B and B̄ = C̄ᵀA', () => {
    const Bt = t(B); // B here is 2×4 so that ABᵀ is 3×2
    const a = tensor(A, { requiresGrad: true });
    const b = tensor(Bt, { requiresGrad: true });
    matmul(a, transpose(b)).mul(tensor(Cbar)).sum().backward();
    expectClose(a.grad!, product(Cbar, Bt));
    expectClose(b.grad!, product(t(Cbar), A));
  });

  it('matrix addition: C = A + B ⇒ Ā = C̄, B̄ = C̄', () => {
    const a = tensor(Cbar, { requiresGrad: true });
    const b = tensor(Cbar, { requiresGrad: true });
    a.add(b).mul(tensor(Cbar)).sum().backward();
    expectClose(a.grad!, Cbar);
    expectClose(b.grad!, Cbar);
  });
});

describe('a micrograd-style scalar expression', () => {
  it('L = (a·b + c)·f with a = 2, b = −3, c = 10, f = −2', () => {
    // Forward: e = a·b = −6, d = e + c = 4, L = d·f = −8.
    // Backward: L̄ = 1; d̄ = f = −2; f̄ = d = 4; c̄ = d̄ = −2; ē = d̄ = −2; ā = ē·b = 6; b̄ = ē·a = −4.
    const [a, b, c, f] = [2, -3, 10, -2].map((v) => tensor(v, { requiresGrad: true }));
    const e = a!.mul(b!);
    const d = e.add(c!);
    const L = d.mul(f!);
    expect(L.item()).toBe(-8);
    L.backward();
    expect([a!.grad!.item(), b!.grad!.item(), c!.grad!.item(), f!.grad!.item()]).toEqual([6, -4, -2, 4]);
  });

  it('a neuron: o = tanh(x1·w1 + x2·w2 + b)', () => {
    // x1 = 2, w1 = −3, x2 = 0, w2 = 1, b = 6.8813735870195432: n = 0.8813735870195432 = atanh(1/√2), o = 1/√2.
    // ō = 1; n̄ = 1 − o² = 0.5; w̄1 = n̄·x1 = 1; x̄1 = n̄·w1 = −1.5; w̄2 = n̄·x2 = 0; x̄2 = n̄·w2 = 0.5.
    const [x1, w1, x2, w2, b] = [2, -3, 0, 1, 6.8813735870195432].map((v) => tensor(v, { requiresGrad: true }));
    const o = x1!.mul(w1!).add(x2!.mul(w2!)).add(b!).tanh();
    expect(o.item()).toBeCloseTo(Math.SQRT1_2, 14);
    o.backward();
    expect(w1!.grad!.item()).toBeCloseTo(1, 14);
    expect(x1!.grad!.item()).toBeCloseTo(-1.5, 14);
    expect(w2!.grad!.item()).toBeCloseTo(0, 14);
    expect(x2!.grad!.item()).toBeCloseTo(0.5, 14);
    expect(b!.grad!.item()).toBeCloseTo(0.5, 14);
  });

  it('relu passes the adjoint only where its input is positive', () => {
    const x = tensor([-2, 3], { requiresGrad: true });
    relu(x).mul(tensor([5, 7])).sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 7]);
  });
});
