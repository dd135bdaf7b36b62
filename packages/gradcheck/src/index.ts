/**
 * @adjoint/gradcheck: is this gradient right? Finite differences, checks of reverse and forward mode
 * to second order, and the same over every op of @adjoint/core.
 * @packageDocumentation
 */
export { numericGrad, numericDirectional, type NumericOptions, type CheckedFunction } from './numeric';
export { checkGrad, assertGrad, formatReport, GradCheckError, type CheckOptions, type GradReport, type GradFailure } from './check';
export { checkAllOps, missingRules, type AllOpsOptions, type OpFailure } from './all-ops';
export { drawFrom, tensorFrom } from './domain';
