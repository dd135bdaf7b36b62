/**
 * The two backward paths, compared. `Tensor.backward` reuses arrays the engine owns and adds into
 * its own sums in place; `vjp` (like `grad`) runs the plain pass. Both must give the same
 * gradients, bit for bit, whatever an op's rule does with the arrays it is given: this is how a
 * rule that keeps or aliases an array the engine then reuses is caught.
 */
import { Tensor, borrowGrad, full, vjp, withPoisonedReuse } from '@adjoint/core';
import type { GradFailure } from './report';

/**
 * Differentiates `f` at `inputs` with cotangent `cotangent` through `vjp` and through
 * `Tensor.backward` on copies of the inputs, twice (the second pass accumulates into the first's
 * `.grad`), and returns one failure per element where they differ: the reusing path must give
 * exactly the plain path's gradient, and then exactly twice it. The passes run with every reused
 * array filled with NaN as it is taken back (`withPoisonedReuse`), and after each pass arrays of
 * every size involved are allocated and filled, so an array reused while something still held it
 * shows up as a wrong value.
 */
export function checkBackwardPaths(f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], cotangent: Tensor): GradFailure[] {
  const [, pullback] = vjp(f, ...inputs);
  const plain = pullback(cotangent);
  const leaves = inputs.map((x) => new Tensor(x.data.slice(), x.shape, { requiresGrad: true }));
  const sizes = new Set([cotangent.size, ...inputs.map((x) => x.size)]);
  const failures: GradFailure[] = [];
  for (let pass = 1; pass <= 2; pass++) {
    withPoisonedReuse(() => f(...leaves).backward(cotangent));
    scribble(sizes);
    leaves.forEach((leaf, i) => {
      const got = borrowGrad(leaf)?.data; // not .grad: a gradient read there is accumulated out of place
      const want = plain[i]!.data;
      for (let j = 0; j < want.length; j++) {
        const expected = pass === 1 ? want[j]! : want[j]! + want[j]!;
        const actual = got === undefined ? Number.NaN : got[j]!;
        if (!Object.is(actual, expected)) {
          failures.push({
            input: i, index: j, outputIndex: -1, mode: 'rev', order: 1, analytic: actual, numeric: expected, reason: 'paths',
            message: `Tensor.backward${pass === 2 ? ' (accumulating a second pass)' : ''} gave ${actual}, vjp ${pass === 2 ? 'twice ' : ''}${expected}`,
          });
        }
      }
    });
  }
  return failures;
}

/** Allocates and fills arrays of each size, as later ops would: a wrongly reused array gets NaN. */
function scribble(sizes: ReadonlySet<number>): void {
  for (const n of sizes) for (let i = 0; i < 4; i++) full([n], Number.NaN);
}
