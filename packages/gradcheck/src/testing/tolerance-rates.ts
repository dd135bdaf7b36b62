/**
 * The functions behind the published rates of `tolerance: 'auto'` against the fixed defaults
 * (docs/gradcheck.md): correct functions with a large dynamic range, where finite differences lose
 * digits to rounding, and rules wrong by a relative 10⁻⁵.
 */
import { customVjp, rand, type Tensor } from '@adjoint/core';
import { checkGrad, type CheckOptions } from '../check';

/** A named function of one tensor and where to check it. */
export interface RateCase {
  name: string;
  f: (x: Tensor) => Tensor;
  input: Tensor;
}

const input = (seed: number, min = 0.5, max = 1.5): Tensor => rand([4], { seed, min, max });

/** Correct functions whose values dwarf their derivatives' resolution, or vary fast. */
export function largeDynamicRange(): RateCase[] {
  const cases: RateCase[] = [];
  let seed = 1;
  for (const c of [1e4, 1e6, 1e7, 1e8, 1e9]) cases.push({ name: `sum((x + ${c})²)`, f: (x) => x.add(c).square().sum(), input: input(seed++) });
  for (const a of [10, 20, 30, 40]) cases.push({ name: `sum(exp(x + ${a}))`, f: (x) => x.add(a).exp().sum(), input: input(seed++) });
  for (const c of [1e8, 1e12]) cases.push({ name: `sum(${c}·x²)`, f: (x) => x.square().mul(c).sum(), input: input(seed++) });
  for (const c of [1e6, 1e9]) cases.push({ name: `sum(log(x + ${c}))·${c}`, f: (x) => x.add(c).log().sum().mul(c), input: input(seed++) });
  for (const k of [30, 60]) cases.push({ name: `sum(sin(${k}·x))`, f: (x) => x.mul(k).sin().sum(), input: input(seed++) });
  for (const c of [1e5, 1e8]) cases.push({ name: `x·${c} + x³ (elementwise)`, f: (x) => x.mul(c).add(x.pow(3)), input: input(seed++) });
  cases.push({ name: 'sum(exp(10·x))', f: (x) => x.mul(10).exp().sum(), input: input(seed++) });
  cases.push({ name: 'logSumExp(1000·x)', f: (x) => x.mul(1000).logSumExp(), input: input(seed++) });
  return cases;
}

/** Scalar functions with their correct derivatives, for rules made wrong on purpose. */
const DERIVATIVES: Array<[string, (x: Tensor) => Tensor, (x: Tensor) => Tensor]> = [
  ['sin', (x) => x.sin(), (x) => x.cos()],
  ['tanh', (x) => x.tanh(), (x) => x.tanh().square().neg().add(1)],
  ['exp', (x) => x.exp(), (x) => x.exp()],
  ['square', (x) => x.square(), (x) => x.mul(2)],
  ['cube', (x) => x.pow(3), (x) => x.square().mul(3)],
  ['log', (x) => x.log(), (x) => x.pow(-1)],
  ['sqrt', (x) => x.sqrt(), (x) => x.sqrt().mul(2).pow(-1)],
  ['sigmoid', (x) => x.sigmoid(), (x) => x.sigmoid().mul(x.sigmoid().neg().add(1))],
  ['softplus', (x) => x.softplus(), (x) => x.sigmoid()],
  ['cos', (x) => x.cos(), (x) => x.sin().neg()],
];

/** Rules off by a factor 1 + `relative` (a customVjp whose backward rule is scaled), on well-conditioned functions. */
export function slightlyWrongRules(relative = 1e-5): RateCase[] {
  return DERIVATIVES.flatMap(([name, f, df], i) =>
    [0, 1].map((variant) => {
      const wrong = customVjp(f, ([x], _out, g) => [g.mul(df(x!)).mul(1 + relative)]);
      return { name: `${name} with its rule × (1 + ${relative})`, f: (x: Tensor) => wrong(x).sum(), input: input(100 + 2 * i + variant, 0.5, 1.5) };
    }),
  );
}

/** How many of `cases` checkGrad fails with `options`. */
export function failing(cases: readonly RateCase[], options: CheckOptions): string[] {
  return cases.filter((c) => !checkGrad(c.f, [c.input], options).ok).map((c) => c.name);
}
