/** How the public functions of one or two tensor arguments apply their op: plain numbers and arrays become tensors first. */
import { applyOneOrTwo } from '../dispatch';
import { toTensor } from '../create';
import type { OpDef } from '../registry';
import type { Tensor, TensorLike } from '../tensor';

/** Applies a one-input op to `x` (anything toTensor takes), with the op's name in conversion errors. */
export const applyUnary = (op: OpDef, x: TensorLike, attrs?: unknown): Tensor => applyOneOrTwo(op, toTensor(x, op.name), null, attrs);

/** Applies a two-input op to `a` and `b` (either may be a plain number), with the op's name in conversion errors. */
export const applyBinary = (op: OpDef, a: TensorLike, b: TensorLike, attrs?: unknown): Tensor =>
  applyOneOrTwo(op, toTensor(a, op.name), toTensor(b, op.name), attrs);
