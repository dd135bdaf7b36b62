/**
 * The matrix adjoint rules of the course notes (docs/course-notes.md), and the convolution's,
 * checked numerically. For each rule C = f(A, B) and a random output adjoint C̄, three
 * computations of Ā and B̄ must agree:
 *   - adjoint's reverse mode (vjp of f, pulled back along C̄);
 *   - the formula of the notes (Ā = C̄Bᵀ, …) written out with matmul and transpose, or for the
 *     convolution the index formulas for x̄ and w̄ written out as loops;
 *   - central finite differences of the scalar s(A, B) = Σᵢⱼ C̄ᵢⱼ·Cᵢⱼ, whose gradient is (Ā, B̄).
 * docs/matrix-calculus.md derives each rule index by index.
 *
 *   npm run example -- matrix-calculus
 */
import { Rng, conv2d, matmul, randn, tensor, vjp, type Tensor } from '@adjoint/core';
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

/** Stride, padding and dilation of the convolution rule: s = 2, p = 1, d = 2. */
const [S, P, D] = [2, 1, 2];

/** t[n][c][u][v] of a 4-axis nested array, and 0 outside it (the padding). */
const at = (t: number[][][][], n: number, c: number, u: number, v: number): number => t[n]?.[c]?.[u]?.[v] ?? 0;

/** A tensor of the given shape (4 axes) whose element (q, r, u, v) is f(q, r, u, v). */
function build(shape: readonly number[], f: (q: number, r: number, u: number, v: number) => number): Tensor {
  const [nq, nr, nu, nv] = shape as [number, number, number, number];
  return tensor(Array.from({ length: nq }, (_, q) => Array.from({ length: nr }, (_, r) =>
    Array.from({ length: nu }, (_, u) => Array.from({ length: nv }, (_, v) => f(q, r, u, v))))));
}

/**
 * The convolution's adjoints by the index formulas of docs/matrix-calculus.md:
 * x̄[n,c,u,v] = Σ_{o,a,b} w[o,c,a,b]·ȳ[n,o,(u+p−d·a)/s,(v+p−d·b)/s] (whole indices in range only) and
 * w̄[o,c,a,b] = Σ_{n,i,j} ȳ[n,o,i,j]·x[n,c,s·i+d·a−p,s·j+d·b−p].
 */
function convAdjoints(xT: Tensor, wT: Tensor, yBarT: Tensor): [Tensor, Tensor] {
  const [x, w, yBar] = [xT, wT, yBarT].map((t) => t.toArray() as number[][][][]) as [number[][][][], number[][][][], number[][][][]];
  const [samples, kernels, kh, kw] = [xT.shape[0]!, wT.shape[0]!, wT.shape[2]!, wT.shape[3]!];
  const [oh, ow] = [yBarT.shape[2]!, yBarT.shape[3]!];
  const xBar = build(xT.shape, (n, c, u, v) => {
    let sum = 0;
    for (let o = 0; o < kernels; o++) for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) {
      const i = (u + P - D * a) / S;
      const j = (v + P - D * b) / S;
      if (Number.isInteger(i) && Number.isInteger(j) && i >= 0 && i < oh && j >= 0 && j < ow) sum += at(w, o, c, a, b) * at(yBar, n, o, i, j);
    }
    return sum;
  });
  const wBar = build(wT.shape, (o, c, a, b) => {
    let sum = 0;
    for (let n = 0; n < samples; n++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
      sum += at(yBar, n, o, i, j) * at(x, n, c, S * i + D * a - P, S * j + D * b - P);
    }
    return sum;
  });
  return [xBar, wBar];
}

/** A convolution layer without bias: 2 samples of 2 channels, 3 kernels of 3×3, stride, padding and dilation. */
const CONV_RULE: Rule = {
  name: 'y = conv2d(x, w)', formula: 'x̄, w̄ by index (s 2, p 1, d 2)', shapes: [[2, 2, 7, 7], [3, 2, 3, 3]],
  f: (x, w) => conv2d(x, w, { stride: S, padding: P, dilation: D }),
  adjoints: convAdjoints,
};

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
  /** The matrix rules. */
  checks: RuleCheck[];
  /** The convolution rule (docs/matrix-calculus.md, section Convolution). */
  convolution: RuleCheck;
  /** The largest deviation of all. */
  maxDeviation: number;
}

/** Checks every rule at random matrices (seeded). */
export function run(options: ExampleOptions = {}): MatrixCalculusResult {
  const { log } = context(options);
  const rng = new Rng(7);
  const draw = (shape: number[]): Tensor => randn(shape, { seed: rng.int(0, 2 ** 31) });
  const check = (rule: Rule): RuleCheck => {
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
  };
  const checks = RULES.map(check);
  const convolution = check(CONV_RULE);
  log('Adjoints of matrix expressions and a convolution: reverse mode and finite differences against their formulas\n');
  log(formatTable(
    ['rule', 'adjoints', 'max |autodiff − formula|', 'max |finite diff. − formula|'],
    [...checks, convolution].map((c) => [c.rule, c.formula, c.autodiffVsFormula.toExponential(1), c.numericVsFormula.toExponential(1)]),
    ['left', 'left'],
  ));
  const maxDeviation = Math.max(...[...checks, convolution].flatMap((c) => [c.autodiffVsFormula, c.numericVsFormula]));
  log(`\nLargest deviation: ${maxDeviation.toExponential(1)} (float64 rounding). The code: packages/core/src/ops/matrix.ts and ops/rules/conv-grads.ts.`);
  return { checks, convolution, maxDeviation };
}

if (require.main === module) run();
