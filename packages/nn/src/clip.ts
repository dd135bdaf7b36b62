/**
 * Gradient clipping: limits the update a single step can make when gradients explode. Call it
 * between `backward()` and `optimizer.step()`; it changes the `.grad` tensors in place, through
 * `assign`. Like the optimizers' updates, it is not differentiated, so it works on the gradients'
 * buffers directly rather than allocating new tensors at every step. A gradient recorded by
 * `backward({createGraph: true})` is part of a graph and cannot be clipped in place: clip a
 * detached copy instead.
 */
import { GradError, Tensor, ValueError, assign, borrowGrad, formatShape, noGrad, norm, tensor } from '@adjoint/core';
import { parameterList, type AnyModule } from './module';
import { show } from './args';

/**
 * Scales all gradients by one factor so that their joint Euclidean norm
 * ‖g‖ = √(Σ over all parameters and elements of g²) is at most `maxNorm`; the direction of the
 * update is kept. The factor is PyTorch's, maxNorm/(‖g‖ + 10⁻⁶), applied when it is below 1, so the
 * results are those of `torch.nn.utils.clip_grad_norm_` (the norm after clipping is a hair under
 * maxNorm, or maxNorm to rounding where ‖g‖ is so large that 10⁻⁶ is lost in it). Parameters
 * without a gradient are ignored. The norm is found even where the squares overflow (gradients
 * beyond about 10¹⁵⁴, which PyTorch's norm makes ∞ and its clipping zeroes) or underflow. A gradient holding ±∞ makes the norm ∞ and every gradient is scaled by 0, as in
 * PyTorch; one holding NaN makes it NaN and leaves every gradient as it was (PyTorch makes them all
 * NaN); either way the optimizer's step then refuses the non-finite gradient.
 * @returns the total norm before clipping (useful to monitor).
 * @throws ValueError unless maxNorm is a finite number > 0; GradError for a gradient that is part
 * of a graph (see above), before any gradient is changed.
 */
export function clipGradNorm(params: readonly Tensor[] | AnyModule, maxNorm: number): number {
  if (typeof maxNorm !== 'number' || !(maxNorm > 0) || !Number.isFinite(maxNorm)) {
    throw new ValueError(`clipGradNorm: maxNorm must be a finite number > 0, got ${show(maxNorm)}`);
  }
  const grads = gradsOf('clipGradNorm', params);
  const total = jointNorm(grads);
  const denominator = total + 1e-6;
  const scale = maxNorm / denominator;
  if (scale < 1) {
    // A subnormal factor (a norm near 10³⁰⁸) has lost digits: divide first there, then multiply.
    const exact = scale >= 2 ** -1022;
    for (const g of grads) {
      assign(g, (d) => {
        if (exact) for (let i = 0; i < d.length; i++) d[i]! *= scale;
        else for (let i = 0; i < d.length; i++) d[i] = (d[i]! / denominator) * maxNorm;
      });
    }
  }
  return total;
}

/**
 * √(Σ g²) over every element of every gradient: the norm of the gradients' norms, as PyTorch's
 * clip_grad_norm_ computes it, each with core's norm, which is found where the squares overflow or
 * underflow.
 */
function jointNorm(grads: readonly Tensor[]): number {
  return noGrad(() => norm(tensor(grads.map((g) => norm(g).item()))).item());
}

/**
 * Clamps every gradient element to [−v, v]. Unlike {@link clipGradNorm} this can change the
 * update's direction.
 * @throws ValueError unless v is a number > 0; GradError for a gradient that is part of a graph,
 * before any gradient is changed.
 */
export function clipGradValue(params: readonly Tensor[] | AnyModule, v: number): void {
  if (typeof v !== 'number' || !(v > 0)) throw new ValueError(`clipGradValue: v must be a number > 0, got ${show(v)}`);
  for (const g of gradsOf('clipGradValue', params)) {
    assign(g, (d) => {
      for (let i = 0; i < d.length; i++) {
        const x = d[i]!;
        d[i] = x < -v ? -v : x > v ? v : x;
      }
    });
  }
}

/**
 * The gradients of the parameters that have one, borrowed: they are changed in place, not kept.
 * All are checked before any is changed, so an error leaves none clipped.
 */
function gradsOf(op: string, params: readonly Tensor[] | AnyModule): Tensor[] {
  const grads: Tensor[] = [];
  parameterList(op, params).forEach((p, i) => {
    const g = borrowGrad(p);
    if (g === null) return;
    if (!g.isLeaf) {
      throw new GradError(
        `${op}: the gradient of parameter ${i} (shape ${formatShape(p.shape)}) was recorded by backward(…, {createGraph: true}) (or computed by an op), ` +
          'so it is part of a graph and cannot be changed in place; clip a copy: p.grad = p.grad.detach().clone()',
      );
    }
    grads.push(g);
  });
  return grads;
}
