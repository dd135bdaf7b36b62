/**
 * The matrix adjoint rules of the course notes (docs/course-notes.md), checked numerically. For
 * each rule C = f(A, B) and a random output adjoint C̄, three computations of Ā and B̄ must agree:
 *   - adjoint's reverse mode (vjp of f, pulled back along C̄);
 *   - the formula of the notes (Ā = C̄Bᵀ, …) written out with matmul and transpose;
 *   - central finite differences of the scalar s(A, B) = Σᵢⱼ C̄ᵢⱼ·Cᵢⱼ, whose gradient is (Ā, B̄).
 * docs/matrix-calculus.md derives each rule index by index.
 *
 *   npm run example -- matrix-calculus
 */
import { Rng, matmul, randn, vjp, type Tensor } from '@adjoint/core';
import { numericGrad } from '@adjoint/gradcheck';
import { formatTable } from '../tools/plot';
import { context, maxAbsDiff, type ExampleOptions } from './lib/common';

/** One line description for the example list. */
export const description = 'verify Ā = C̄Bᵀ, B̄ = AᵀC̄ and friends against autodiff and finite differences';

/** A rule of the notes: the function and its adjoints written out by hand. */
interface Rule {
  name: string;
  formula: string;
  shapes: [number[], number[]];
  f: (a: Tensor, b: Tensor) => Tensor;
  adjoints: (a: Tensor, b: Tensor, cBar: Tensor) => [Tensor, Tensor];
}

/** The batch of inputs of the dense-layer rule: 6 samples with 3 features. */
const LAYER_INPUT = randn([6, 3], { seed: 11 });

const RULES: Rule[] = [
  {
    name: 'C = AB', formula: 'Ā = C̄Bᵀ, B̄ = AᵀC̄', shapes: [[3, 4], [4, 5]],
    f: (a, b) => matmul(a, b),
    adjoints: (a, b, g) => [matmul(g, b.T), matmul(a.T, g)],
  },
  {
    name: 'C = A + B', formula: 'Ā = C̄, B̄ = C̄', shapes: [[3, 4], [3, 4]],
    f: (a, b) => a.add(b),
    adjoints: (_a, _b, g) => [g, g],
  },
  {
    name: 'C = ABᵀ', formula: 'Ā = C̄B, B̄ = C̄ᵀA', shapes: [[3, 4], [5, 4]],
    f: (a, b) => matmul(a, b.T),
    adjoints: (a, b, g) => [matmul(g, b), matmul(g.T, a)],
  },
  {
    // A dense layer over a batch: the bias row is added to every row of XW (broadcasting), so its
    // adjoint sums Z̄ over the rows. X is a fixed input here; W and b are what training adjusts.
    name: 'Z = XW + b', formula: 'W̄ = XᵀZ̄, b̄ = Σ rows of Z̄', shapes: [[3, 2], [2]],
    f: (w, b) => matmul(LAYER_INPUT, w).add(b),
    adjoints: (_w, _b, g) => [matmul(LAYER_INPUT.T, g), g.sum(0)],
  },
];

/** The largest disagreements found for one rule. */
export interface RuleCheck {
  rule: string;
  formula: string;
  /** max |reverse mode − formula| over both adjoints. */
  autodiffVsFormula: number;
  /** max |finite differences − formula| over both adjoints. */
  numericVsFormula: number;
}

/** What the example found. */
export interface MatrixCalculusResult {
  checks: RuleCheck[];
  /** The largest deviation of all. */
  maxDeviation: number;
}

/** Checks every rule at random matrices (seeded). */
export function run(options: ExampleOptions = {}): MatrixCalculusResult {
  const { log } = context(options);
  const rng = new Rng(7);
  const draw = (shape: number[]): Tensor => randn(shape, { seed: rng.int(0, 2 ** 31) });
  const checks = RULES.map((rule): RuleCheck => {
    const [a, b] = [draw(rule.shapes[0]), draw(rule.shapes[1])];
    const cBar = draw(rule.f(a, b).shape as number[]);
    const [, pullback] = vjp(rule.f, a, b);
    const byAutodiff = pullback(cBar);
    const byFormula = rule.adjoints(a, b, cBar);
    // s is linear in each matrix, so central differences are exact up to rounding for any step;
    // 1e-3 keeps the rounding error (about 1e-16·|s|/step) far below the 1e-10 we ask for.
    const byDifferences = numericGrad((x, y) => rule.f(x!, y!).mul(cBar).sum(), [a, b], { eps: 1e-3 });
    return {
      rule: rule.name,
      formula: rule.formula,
      autodiffVsFormula: Math.max(...[0, 1].map((i) => maxAbsDiff(byAutodiff[i]!.data, byFormula[i]!.data))),
      numericVsFormula: Math.max(...[0, 1].map((i) => maxAbsDiff(byDifferences[i]!.data, byFormula[i]!.data))),
    };
  });
  log('Adjoints of matrix expressions: reverse mode and finite differences against the formulas of the notes\n');
  log(formatTable(
    ['rule', 'adjoints', 'max |autodiff − formula|', 'max |finite diff. − formula|'],
    checks.map((c) => [c.rule, c.formula, c.autodiffVsFormula.toExponential(1), c.numericVsFormula.toExponential(1)]),
    ['left', 'left'],
  ));
  const maxDeviation = Math.max(...checks.flatMap((c) => [c.autodiffVsFormula, c.numericVsFormula]));
  log(`\nLargest deviation: ${maxDeviation.toExponential(1)} (float64 rounding). The code: packages/core/src/ops/matrix.ts.`);
  return { checks, maxDeviation };
}

if (require.main === module) run();
