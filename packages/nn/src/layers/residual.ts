/** A skip connection (He et al. 2016). */
import { ShapeError, Tensor, ValueError, formatShape, sameShape } from '@adjoint/core';
import { Module, describe } from '../module';
import { requireTensor } from '../args';

/**
 * `x + module(x)`: the wrapped module learns a correction to the identity, and the gradient reaches
 * earlier layers through the identity path undiminished. Registered child name: 'module'.
 */
export class Residual extends Module {
  readonly module: Module;

  constructor(module: Module) {
    super();
    if (!(module instanceof Module)) throw new ValueError(`Residual: expected a Module, got ${describe(module)}`);
    this.module = this.register('module', module);
  }

  /**
   * x + module(x). A chain of Residuals wrapping Residuals is run by a loop rather than by calls
   * into each other, so it may be any number deep (the k wrapped levels give x + (x + … f(x))).
   * @throws ShapeError when the wrapped module changes the shape of its input; ValueError when it
   * returns something other than a tensor.
   */
  forward(x: Tensor): Tensor {
    requireTensor('Residual.forward', 'input', x);
    let levels = 1;
    let inner = this.module;
    while (inner instanceof Residual && inner.forward === Residual.prototype.forward) {
      levels++;
      inner = inner.module;
    }
    const y: unknown = inner.forward(x);
    if (!(y instanceof Tensor)) {
      throw new ValueError(`Residual.forward: the wrapped ${inner.constructor.name} returned ${describe(y)}, not a Tensor (a recurrent layer returns [output, state]: call it from a Module of your own)`);
    }
    if (!sameShape(y.shape, x.shape)) {
      throw new ShapeError(`Residual.forward: the wrapped module must keep the shape of its input, got input ${formatShape(x.shape)} and output ${formatShape(y.shape)}`);
    }
    let out = y;
    for (let i = 0; i < levels; i++) out = x.add(out);
    return out;
  }
}
