/**
 * @adjoint/nn: modules, layers, losses, optimizers and training built only from @adjoint/core ops.
 * The layers arrive with the nn issue; this entry point keeps the workspace and its build complete.
 * @packageDocumentation
 */
export { Tensor } from '@adjoint/core';
