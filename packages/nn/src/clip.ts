/**
 * Gradient clipping: limits the update a single step can make when gradients explode. Call it
 * between `backward()` and `optimizer.step()`; it changes the `.grad` tensors in place, through
 * `assign`. Like the optimizers' updates, it is not differentiated, so it works on the gradients'
 * buffers directly rather than allocating new tensors at every step. A gradient recorded by
 * `backward({createGraph: true})` is part of a graph and cannot be clipped in place: clip a
 * detached copy instead.
 */
import { Tensor, ValueError, assign, borrowGrad } from '@adjoint/core';
import { parameterList, type AnyModule } from './module';
import { show } from './args';

/**
 * Scales all gradients by one factor so that their joint Euclidean norm
 * ‖g‖ = √(Σ over all parameters and elements of g²) is at most `maxNorm`; the direction of the
 * update is kept. Parameters without a gradient are ignored.
 * @returns the total norm before clipping (useful to monitor).
 * @throws ValueError unless maxNorm is a finite number > 0.
 */
export function clipGradNorm(params: readonly Tensor[] | AnyModule, maxNorm: number): number {
  if (typeof maxNorm !== 'number' || !(maxNorm > 0) || !Number.isFinite(maxNorm)) {
    throw new ValueError(`clipGradNorm: maxNorm must be a finite number > 0, got ${show(maxNorm)}`);
  }
  const grads = gradsOf('clipGradNorm', params);
  let sumOfSquares = 0;
  for (const g of grads) {
    let s = 0; // summed per tensor, then across tensors (the order of core's sum, so the same norm)
    for (const v of g.data) s += v * v;
    sumOfSquares += s;
  }
  const total = Math.sqrt(sumOfSquares);
  if (total > maxNorm) {
    const scale = maxNorm / total;
    for (const g of grads) {
      assign(g, (d) => {
        for (let i = 0; i < d.length; i++) d[i]! *= scale;
      });
    }
  }
  return total;
}

/**
 * Clamps every gradient element to [−v, v]. Unlike {@link clipGradNorm} this can change the
 * update's direction.
 * @throws ValueError unless v is a number > 0.
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

/** The gradients of the parameters that have one, borrowed: they are changed in place, not kept. */
function gradsOf(op: string, params: readonly Tensor[] | AnyModule): Tensor[] {
  return parameterList(op, params).flatMap((p) => {
    const g = borrowGrad(p);
    return g === null ? [] : [g];
  });
}
