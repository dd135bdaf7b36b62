/**
 * The activations as ONNX nodes, shared by Dense (an activation by name) and the activation modules.
 *
 * In double precision each one computes what core computes, in ops that ONNX Runtime's CPU
 * provider runs on tensor(double): Relu, Sigmoid, Tanh and Softmax directly; ELU and softplus, which
 * it runs in float only, composed (Greater, Where, Exp, Log, …); LeakyReLU composed too (ONNX
 * Runtime 1.31 has a double LeakyRelu, older releases may not). The composed constants (α, 1, 0) are double
 * initializers, where an attribute would round them to float32. In float precision the native
 * LeakyRelu and Elu are used; softplus is always composed in its stable form, max(x, 0) +
 * ln(1 + e^−|x|), as core computes it. silu is x·Sigmoid(x) and gelu ½x(1 + Erf(x/√2)) or, for
 * approximate 'tanh', ½x(1 + Tanh(√(2/π)(x + 0.044715x³))), in either precision, each −0 at x = −∞
 * as core's (Equal, Where: the product would be −∞·0 = NaN there); ONNX Runtime 1.31's
 * CPU provider has no double Erf kernel ("Could not find an implementation for Erf(13)"), so a
 * model holding exact gelu is exported in float (see activationFloatOnly).
 */
import { ValueError } from '@adjoint/core';
import type { GraphBuilder, OnnxValue } from './onnx-graph';
import { DataType } from './onnx-proto';

/** An activation with its parameter: what a layer asks for. */
export type ActivationSpec =
  | { kind: 'relu' | 'sigmoid' | 'tanh' | 'softplus' | 'silu' | 'identity' }
  | { kind: 'leakyRelu' | 'elu'; alpha: number }
  | { kind: 'gelu'; approximate: 'none' | 'tanh' }
  | { kind: 'softmax'; axis: number };

/**
 * Why `spec` must be exported in float, or undefined: exact gelu needs Erf, which ONNX Runtime's CPU
 * provider (1.31) runs on tensor(float) only.
 */
export function activationFloatOnly(spec: ActivationSpec | null): string | undefined {
  return spec !== null && spec.kind === 'gelu' && spec.approximate === 'none' ? 'ONNX Runtime runs Erf (exact GELU) in float only' : undefined;
}

/** The spec of an activation given by name ('leakyRelu' and 'elu' with core's default α). */
export function namedActivation(name: string): ActivationSpec | null {
  switch (name) {
    case 'relu': case 'sigmoid': case 'tanh': case 'softplus': case 'silu': case 'identity':
      return { kind: name };
    case 'gelu':
      return { kind: 'gelu', approximate: 'none' };
    case 'leakyRelu':
      return { kind: 'leakyRelu', alpha: 0.01 };
    case 'elu':
      return { kind: 'elu', alpha: 1 };
    case 'softmax':
      return { kind: 'softmax', axis: -1 };
    default:
      return null;
  }
}

/** The nodes applying `spec` to `x`, named under `base` (the layer's path). */
export function activation(g: GraphBuilder, spec: ActivationSpec, x: OnnxValue, base: string): OnnxValue {
  const shape = x.shape;
  switch (spec.kind) {
    case 'identity':
      return x;
    case 'relu':
      return g.op('Relu', [x], `${base}/Relu`, shape);
    case 'sigmoid':
      return g.op('Sigmoid', [x], `${base}/Sigmoid`, shape);
    case 'tanh':
      return g.op('Tanh', [x], `${base}/Tanh`, shape);
    case 'softmax': {
      if (spec.axis < -shape.length || spec.axis >= shape.length) throw new ValueError(`softmax axis ${spec.axis} is out of range for rank ${shape.length}`);
      return g.op('Softmax', [x], `${base}/Softmax`, shape, { axis: { int: spec.axis } });
    }
    case 'leakyRelu': {
      if (g.precision === 'float32') return g.op('LeakyRelu', [x], `${base}/LeakyRelu`, shape, { alpha: { float: spec.alpha } });
      // x > 0 ? x : αx, as core's kernel.
      const scaled = g.op('Mul', [x, g.scalar(spec.alpha, `${base}/alpha`)], `${base}/Mul`, shape);
      return g.op('Where', [positive(g, x, base), x, scaled], `${base}/LeakyRelu`, shape);
    }
    case 'elu': {
      if (g.precision === 'float32') return g.op('Elu', [x], `${base}/Elu`, shape, { alpha: { float: spec.alpha } });
      // x > 0 ? x : α(eˣ − 1), as core's kernel (which takes eˣ − 1 from expm1: the same to 1e-16).
      const exp = g.op('Exp', [x], `${base}/Exp`, shape);
      const expm1 = g.op('Sub', [exp, g.scalar(1, `${base}/one`)], `${base}/Expm1`, shape);
      const scaled = g.op('Mul', [expm1, g.scalar(spec.alpha, `${base}/alpha`)], `${base}/Mul`, shape);
      return g.op('Where', [positive(g, x, base), x, scaled], `${base}/Elu`, shape);
    }
    case 'silu':
      // x·σ(x).
      return limitAtMinusInfinity(g, x, g.op('Mul', [x, g.op('Sigmoid', [x], `${base}/Sigmoid`, shape)], `${base}/Product`, shape), `${base}/Silu`);
    case 'gelu': {
      // ½x(1 + erf(x/√2)), or ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
      let inner: OnnxValue;
      if (spec.approximate === 'none') {
        const scaled = g.op('Mul', [x, g.scalar(Math.SQRT1_2, `${base}/sqrt1_2`)], `${base}/Scale`, shape);
        inner = g.op('Erf', [scaled], `${base}/Erf`, shape);
      } else {
        const cube = g.op('Mul', [g.op('Mul', [x, x], `${base}/Square`, shape), x], `${base}/Cube`, shape);
        const sum = g.op('Add', [x, g.op('Mul', [cube, g.scalar(0.044715, `${base}/coef`)], `${base}/MulCoef`, shape)], `${base}/AddCube`, shape);
        const scaled = g.op('Mul', [sum, g.scalar(Math.sqrt(2 / Math.PI), `${base}/sqrt2_pi`)], `${base}/Scale`, shape);
        inner = g.op('Tanh', [scaled], `${base}/Tanh`, shape);
      }
      const onePlus = g.op('Add', [inner, g.scalar(1, `${base}/one`)], `${base}/Add`, shape);
      const half = g.op('Mul', [x, g.scalar(0.5, `${base}/half`)], `${base}/Half`, shape);
      return limitAtMinusInfinity(g, x, g.op('Mul', [half, onePlus], `${base}/Product`, shape), `${base}/Gelu`);
    }
    case 'softplus': {
      // max(x, 0) + ln(1 + e^−|x|): finite for any x, as core's kernel.
      const tail = g.op('Exp', [g.op('Neg', [g.op('Abs', [x], `${base}/Abs`, shape)], `${base}/Neg`, shape)], `${base}/Exp`, shape);
      const log = g.op('Log', [g.op('Add', [tail, g.scalar(1, `${base}/one`)], `${base}/Add`, shape)], `${base}/Log1p`, shape);
      return g.op('Add', [g.op('Relu', [x], `${base}/Relu`, shape), log], `${base}/Softplus`, shape);
    }
  }
}

/**
 * `y`, but −0 where x is −∞: silu and gelu are x times a factor that tends to 0 there, and their
 * product −∞·0 is NaN, where adjoint gives the limit −0.
 */
function limitAtMinusInfinity(g: GraphBuilder, x: OnnxValue, y: OnnxValue, name: string): OnnxValue {
  const infinite = g.op('Equal', [x, g.scalar(-Infinity, `${name}/minusInfinity`)], `${name}/IsMinusInfinity`, x.shape, {}, DataType.BOOL);
  return g.op('Where', [infinite, g.scalar(-0, `${name}/minusZero`), y], name, x.shape);
}

/** The boolean tensor x > 0. */
function positive(g: GraphBuilder, x: OnnxValue, base: string): OnnxValue {
  return g.op('Greater', [x, g.scalar(0, `${base}/zero`)], `${base}/Greater`, x.shape);
}
