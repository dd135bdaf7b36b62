/**
 * @adjoint/gradcheck: is this gradient right? Finite differences, checks of reverse and forward mode
 * to second order, fast-check arbitraries and properties, and the same checks over every op of
 * @adjoint/core. The jest matcher lives in `@adjoint/gradcheck/jest`.
 * @packageDocumentation
 */
export { numericGrad, numericDirectional, type NumericOptions, type CheckedFunction } from './numeric';
export { checkGrad, assertGrad, type CheckOptions } from './check';
export { checkBackwardPaths } from './paths';
export { type Blame, type Kink } from './blame';
export { checkModule, type CheckableModule, type ModuleFailure, type ModuleReport } from './module-check';
export { formatReport, formatFailure, GradCheckError, type GradReport, type GradFailure, type Mode } from './report';
export {
  checkAllOps, missingRules, opCaseFunction, drawCaseInputs,
  type AllOpsOptions, type AllOpsReport, type OpFailure, type OpSummary,
} from './all-ops';
export { drawFrom, tensorFrom } from './domain';
export { arb, isArbitrary, type ShapeOptions, type TensorArbOptions, type PairOptions, type MatmulPairOptions } from './arb';
export { gradProperty, GradPropertyError, type PropertyOptions } from './property';
