/** Flatten: the bridge from convolutional feature maps to Dense layers. */
import { ShapeError, Tensor, ValueError, formatShape, reshape, shapeSize } from '@adjoint/core';
import { Module } from '../module';
import { requireTensor, show } from '../args';

/**
 * Merges every axis after the first into one, keeping axis 0 (the batch): `[N, d₁, …, dₖ]` →
 * `[N, d₁·…·dₖ]`, in row-major order (PyTorch's `nn.Flatten()`). A `[N]` input becomes `[N, 1]`.
 * The values are not copied (a reshape), and the gradient is reshaped back. No parameters.
 *
 * @example
 * new Flatten().forward(zeros([8, 3, 4, 4])).shape; // [8, 48]
 */
export class Flatten extends Module {
  /**
   * Takes no arguments.
   * @throws ValueError naming Flatten when given any (PyTorch's `start_dim` and `end_dim`, say), which
   * would otherwise be ignored without a word from JavaScript.
   */
  constructor(...args: never[]) {
    super();
    const given: unknown[] = args;
    if (given.some((a) => a !== undefined)) {
      throw new ValueError(`Flatten: takes no arguments (it always keeps axis 0 and merges the rest, as PyTorch's nn.Flatten() with its defaults; use reshape for other axes), got ${given.map(show).join(', ')}`);
    }
  }

  /**
   * `[N, …]` → `[N, prod(…)]`.
   * @throws ShapeError for a scalar (it has no batch axis); ValueError for a non-tensor.
   */
  forward(x: Tensor): Tensor {
    requireTensor('Flatten.forward', 'input', x);
    if (x.rank === 0) throw new ShapeError(`Flatten.forward: input must have a batch axis, got a scalar (shape ${formatShape(x.shape)})`);
    return reshape(x, [x.shape[0]!, shapeSize(x.shape.slice(1))]);
  }
}
