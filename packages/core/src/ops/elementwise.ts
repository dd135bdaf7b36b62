/**
 * Builders for elementwise ops. For an elementwise op the adjoint and the tangent maps are the
 * same: multiply by the partial derivative. So each op gives that product once (`scale`) and both
 * modes use it: vjp(g) = scale(g), jvp(ṫ) = scale(ṫ), summed over inputs.
 */
import { registerOp, type DifferentiableOp, type InputDomain, type OpCase } from '../registry';
import type { Tensor } from '../tensor';
import { broadcastShapes, type Shape } from '../shape';
import { binaryLoop, unaryLoop } from '../kernels/specialize';
import { add } from '../functions';
import { setScalarKernel, setScalarRule, type ScalarKernel } from '../scalar-rules';

/** Multiplies `v` (a cotangent or a tangent) by ∂out/∂input. */
export type Scale<A> = (v: Tensor, inputs: readonly Tensor[], out: Tensor, attrs: A) => Tensor;

/**
 * A {@link Scale} in numbers, for a one-element backward pass (see scalar-rules.ts): it must do
 * the scale's operations in the scale's order, so that the roundings are the same. `y` is NaN for
 * an op of one input.
 */
export type ScalarScale<A> = (g: number, x: number, y: number, out: number, attrs: A) => number;

/**
 * Shapes every unary op is checked at: scalar, vector, matrix, and one of more than 8 elements,
 * whose arrays are the ones Tensor.backward reuses (checkAllOps compares it with vjp there).
 */
export const unaryCases: readonly (readonly Shape[])[] = [[[]], [[5]], [[2, 3]], [[3, 4]]];

/** Shapes every binary op is checked at, broadcast pairs included, and large enough for array reuse (see unaryCases). */
export const binaryCases: readonly (readonly Shape[])[] = [
  [[], []],
  [[3, 4], [4]],
  [[4], [4]],
  [[2, 3], [2, 3]],
  [[2, 3], [3]],
  [[2, 1], [1, 3]],
  [[3], []],
  [[], [2, 2]],
];

/** The whole real line, for checking (kept moderate so finite differences stay accurate). */
export const anyReal: InputDomain = { min: -2, max: 2 };

/** The real line away from a kink at 0 (relu's, elu's), where finite differences would straddle it. */
export const awayFromZero: InputDomain = { ...anyReal, awayFrom: [0], margin: 0.1 };

function casesFor<A>(shapes: readonly (readonly Shape[])[], attrs: readonly A[]): OpCase<A>[] {
  return attrs.flatMap((a) => shapes.map((s) => ({ shapes: s, attrs: a })));
}

/** Defines and registers an elementwise op of one input. */
export function unaryOp<A = undefined>(spec: {
  name: string;
  f: (v: number, attrs: A) => number;
  scale: Scale<A>;
  domain: InputDomain;
  attrs?: readonly A[];
  smooth?: boolean;
  print?: DifferentiableOp<A>['print'];
  /** The scale in numbers (see {@link ScalarScale}), for one-element backward passes. */
  scalarScale?: ScalarScale<A>;
}): DifferentiableOp<A> {
  const { scale, scalarScale } = spec;
  const loop = unaryLoop(spec.f, spec.name);
  const op = registerOp<DifferentiableOp<A>>({
    kind: 'differentiable',
    name: spec.name,
    arity: 1,
    shape: ([s]) => s!,
    forward: ([x], _s, _o, attrs) => loop(x!, attrs),
    print: spec.print,
    vjp: (g, inputs, out, attrs) => [scale(g, inputs, out, attrs)],
    jvp: ([t], inputs, out, attrs) => scale(t!, inputs, out, attrs),
    domain: {
      inputs: [spec.domain],
      cases: casesFor(unaryCases, spec.attrs ?? [undefined as A]),
      smooth: spec.smooth ?? true,
    },
  });
  const f = spec.f;
  setScalarKernel(op, (x, _y, attrs) => f(x, attrs as A));
  if (scalarScale !== undefined) {
    setScalarRule(op, (g, x, y, out, attrs, into) => {
      into[0] = scalarScale(g, x, y, out, attrs as A);
    });
  }
  return op;
}

/**
 * Defines and registers a broadcasting elementwise op of two inputs, with attributes as a unary
 * op may have (eluGrad's α). A null second scale makes the second input one that only selects
 * (reluGrad's x): it carries no derivative.
 */
export function binaryOp<A = undefined>(spec: {
  name: string;
  f: (x: number, y: number, attrs: A) => number;
  scales: readonly [Scale<A>, Scale<A> | null];
  domains: readonly [InputDomain, InputDomain];
  attrs?: readonly A[];
  smooth?: boolean;
  print?: DifferentiableOp<A>['print'];
  /** The scales in numbers (see {@link ScalarScale}), for one-element backward passes; null where the scale is. */
  scalarScales?: readonly [ScalarScale<A>, ScalarScale<A> | null];
}): DifferentiableOp<A> {
  const [scaleA, scaleB] = spec.scales;
  const loop = binaryLoop(spec.f, spec.name);
  const op = registerOp<DifferentiableOp<A>>({
    kind: 'differentiable',
    name: spec.name,
    arity: 2,
    nondiff: scaleB === null ? [1] : undefined,
    shape: ([a, b]) => broadcastShapes(spec.name, a!, b!),
    forward: ([a, b], [sa, sb], outShape, attrs) => loop(a!, sa!, b!, sb!, outShape, attrs),
    print: spec.print,
    vjp: (g, inputs, out, attrs) => [
      inputs[0]!.requiresGrad ? scaleA(g, inputs, out, attrs) : null,
      scaleB !== null && inputs[1]!.requiresGrad ? scaleB(g, inputs, out, attrs) : null,
    ],
    jvp: ([ta, tb], inputs, out, attrs) => {
      const fromA = ta ? scaleA(ta, inputs, out, attrs) : null;
      const fromB = tb && scaleB !== null ? scaleB(tb, inputs, out, attrs) : null;
      return fromA && fromB ? add(fromA, fromB) : (fromA ?? fromB)!;
    },
    domain: {
      inputs: spec.domains,
      cases: casesFor(binaryCases, spec.attrs ?? [undefined as A]),
      smooth: spec.smooth ?? true,
    },
  });
  setScalarKernel(op, spec.f as ScalarKernel); // f itself, as its arguments are the kernel's: no wrapper on the one-element path
  if (spec.scalarScales !== undefined) {
    const [fromA, fromB] = spec.scalarScales;
    setScalarRule(op, (g, x, y, out, attrs, into) => {
      into[0] = fromA(g, x, y, out, attrs as A);
      into[1] = fromB === null ? NaN : fromB(g, x, y, out, attrs as A);
    });
  }
  return op;
}
