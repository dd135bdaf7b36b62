/**
 * The public op functions. Each lives in its op family's file under ops/, beside the op it applies
 * (or, for a composite, the ops it composes: composites have no rules of their own and are
 * differentiable in both modes for free). Everything an ops/ family file exports is public, so op
 * objects and helpers stay unexported there, and ops that only other ops' rules call live in
 * ops/rules/ (see rule-ops.ts).
 */
import { markBuiltInOps } from './registry';
import './rule-ops';

export * from './ops/binary';
export * from './ops/constant';
export * from './ops/unary';
export * from './ops/indexing';
export * from './ops/reduce';
export * from './ops/cross-entropy';
export * from './ops/matrix';
export * from './ops/layout';
export * from './ops/conv';
export * from './ops/order';
export * from './ops/einsum';
export * from './ops/linalg';
export * from './ops/gamma';
export * from './ops/triangular';
export * from './ops/diagonal';
export * from './ops/quantile';

markBuiltInOps(); // every op module is loaded by now
