/**
 * Turns a parsed expression into a function of tensors built from @adjoint/core ops, for `trace`.
 * Numbers stay numbers, so the trace shows them as constants (named by their value), the way the
 * course notes write them; every operation is a core op, recorded like any other.
 */
import {
  abs, acos, acosh, add, asin, asinh, atan, atan2, atanh, cos, cosh, div, elu, erf, exp, expm1, gelu, leakyRelu, log, log10, log1p, log2, maximum,
  logaddexp, minimum, mul, neg, pow, xlogy, reciprocal, relu, rsqrt, sigmoid, silu, sin, sinh, softplus, sqrt, square, sub, tan, tanh,
  type Tensor,
} from '@adjoint/core';
import type { Expr, FunctionName } from './parse';

type Value = Tensor | number;

const UNARY: Record<Exclude<FunctionName, BinaryName>, (v: Value) => Tensor> = {
  exp, log, ln: log, log1p, expm1, sqrt, square, abs, sin, cos, tan, tanh, sigmoid, relu, softplus,
  elu: (v) => elu(v), leakyRelu: (v) => leakyRelu(v),
  erf, gelu: (v) => gelu(v), silu, sinh, cosh, asinh, atan, log2, log10, reciprocal, rsqrt, asin, acos, acosh, atanh,
};

type BinaryName = 'pow' | 'max' | 'min' | 'atan2' | 'logaddexp' | 'xlogy';
const BINARY: Record<BinaryName, (a: Value, b: Value) => Tensor> = { pow, max: maximum, min: minimum, atan2, logaddexp, xlogy };
const isBinary = (fn: FunctionName): fn is BinaryName => Object.hasOwn(BINARY, fn);

/**
 * Results of `x ^ k` with a number k. Core's constant-exponent op prints as `powScalar(a)` in a
 * trace, without its exponent; the panel looks the exponent up here to write `a³` instead.
 */
export type Exponents = WeakMap<Tensor, number>;

/**
 * f(x, y) as a function of tensors. `x ^ 2` is core's `square` (which a trace writes as x², as the
 * notes do); `x ^ k` for another number k is `pow` with a constant exponent.
 * @returns the function, and where the exponents of `^ k` went.
 */
export function toFunction(expr: Expr): { fn: (x: Tensor, y?: Tensor) => Value; exponents: Exponents } {
  const exponents: Exponents = new WeakMap();
  const fn = (x: Tensor, y?: Tensor): Value => {
    const evaluate = (e: Expr): Value => {
      switch (e.kind) {
        case 'number': return e.value;
        case 'variable': return e.name === 'x' ? x : y!;
        case 'negate': return neg(evaluate(e.arg));
        case 'call': {
          const args = e.args.map(evaluate);
          return isBinary(e.fn) ? BINARY[e.fn](args[0]!, args[1]!) : UNARY[e.fn](args[0]!);
        }
        case 'binary': {
          const left = evaluate(e.left);
          if (e.op === '^' && e.right.kind === 'number') {
            if (e.right.value === 2) return square(left);
            const result = pow(left, e.right.value);
            exponents.set(result, e.right.value);
            return result;
          }
          const right = evaluate(e.right);
          switch (e.op) {
            case '+': return add(left, right);
            case '-': return sub(left, right);
            case '*': return mul(left, right);
            case '/': return div(left, right);
            case '^': return pow(left, right);
          }
        }
      }
    };
    return evaluate(expr);
  };
  return { fn, exponents };
}
