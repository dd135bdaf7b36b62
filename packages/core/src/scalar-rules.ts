/**
 * Core's elementwise ops in plain numbers, for one-element tensors: the value (the op's own
 * elementwise function, which its kernel loops over, so the same number), which the ops' functions
 * compute without a kernel call or an array (see applyOneOrTwo in dispatch.ts), and the adjoint
 * rule, which `Tensor.backward` runs instead of the op's own rule (see backpropagate in graph.ts).
 *
 * Why: an op's rule is written with ops, so that it can be differentiated again; on a graph of
 * scalars that means two or three op applications, each a tensor, for every node of the graph, and
 * the reverse pass cost four times the forward one. A pass that is not differentiated needs only
 * the numbers. Each rule here repeats its op's rule operation for operation — the same products
 * and sums in the same order, so the same roundings — and the pass accumulates the numbers in the
 * order it accumulates tensors, so gradients are those of the tensor rules bit for bit
 * (scalar-rules.test.ts checks every op that has one against `grad`, which never takes this path).
 * Only core's own ops have one: the map is not exported.
 */
import type { OpDef } from './registry';

/**
 * Writes the cotangents of the inputs, given the output's cotangent `g`, the inputs `x` (and `y`
 * for two inputs; NaN for one) and the output `out`, into `into[0]` (and `into[1]`).
 */
export type ScalarRule = (g: number, x: number, y: number, out: number, attrs: unknown, into: Float64Array) => void;

/** The value of an op of one input at x (y is NaN), or of two at x and y. */
export type ScalarKernel = (x: number, y: number, attrs: unknown) => number;

const rules = new Map<OpDef, ScalarRule>();
const kernels = new Map<OpDef, ScalarKernel>();

/** Gives core's elementwise op `op` its value in numbers (elementwise.ts does, for every one). */
export function setScalarKernel(op: OpDef, kernel: ScalarKernel): void {
  kernels.set(op, kernel);
}

/** `op`'s value in numbers, or undefined. */
export function scalarKernelOf(op: OpDef): ScalarKernel | undefined {
  return kernels.get(op);
}

/** Gives core's elementwise op `op` its rule in numbers (elementwise.ts does, for ops that define one). */
export function setScalarRule(op: OpDef, rule: ScalarRule): void {
  rules.set(op, rule);
}

/** `op`'s rule in numbers, or undefined. */
export function scalarRuleOf(op: OpDef): ScalarRule | undefined {
  return rules.get(op);
}
