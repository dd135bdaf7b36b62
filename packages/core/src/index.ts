/**
 * @adjoint/core: float64 tensors, elementary ops with adjoint (VJP) and tangent (JVP) rules, and
 * automatic differentiation in reverse and forward mode, to any order.
 * @packageDocumentation
 */
export { Tensor, isTensor, borrowGrad, type NestedArray, type TensorLike } from './tensor';
export { AdjointError, ShapeError, ValueError, GradError } from './errors';
export { Rng, type RngState } from './rng';
export {
  tensor, toTensor, scalar, zeros, ones, full, zerosLike, onesLike, eye, arange, linspace, rand, randn, manualSeed,
  getRngState, setRngState,
  type TensorOptions, type RandomOptions, type TensorData, type NumberArray,
} from './create';
export * from './functions'; // the public op functions, one family file each under ops/; those only rules call are in ops/rules/
export { noGrad, isGradEnabled } from './mode';
export { assign, type AssignValue } from './assign';
export { type GradHook, type HookHandle } from './hooks';
export { type BackwardOptions } from './graph';
export { grad, valueAndGrad, vjp, type AuxFunction, type GradOptions, type TensorFunction } from './transforms/grad';
export { jvp, jacobian, hessian, hvp, type JacobianOptions } from './transforms/jvp';
export { customVjp, customJvp, type BackwardRule, type TangentRule } from './transforms/custom';
export { vmap, type InAxes, type OutAxes } from './transforms/vmap';
export { trace, Trace, type TraceRow, type TraceOptions } from './transforms/trace';
export { recordOps, type RecordedOp, type RecordedRun } from './transforms/record';
export { toDot } from './transforms/dot';
export { detectAnomaly } from './transforms/anomaly';
export { registeredOps, getOp, registerOp, type OpDef, type DifferentiableOp, type ConstantOp, type InputDomain, type OpCase, type OpDomain } from './registry';
export { apply } from './dispatch';
export { setMatmulBackend, setMatmulKernel, wasmGemmAvailable as wasmKernelsAvailable, type MatmulBackend, type MatmulKernel } from './kernels/matmul';
export { setNumThreads, getNumThreads } from './kernels/threads';
export { withPoisonedReuse } from './kernels/alloc';
export { adamCoefficients, adamMoments, adamStageGradient, adamUpdate, setAdamKernel, type AdamCoefficients, type AdamKernel, type AdamMoments, type AdamSettings } from './kernels/adam';
export { MAX_RANK, MAX_SIZE, broadcastShapes, formatShape, sameShape, shapeSize, type Shape } from './shape';
export { requireOptions, requireFinite, requireChoice, requireIndicesBelow, requireSeed } from './arguments';

import { Tensor } from './tensor';

/** `x.detach()`: the same values with no gradient flowing back. */
export function stopGradient(x: Tensor): Tensor {
  return x.detach();
}
