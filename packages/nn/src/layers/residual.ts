/** A skip connection (He et al. 2016). */
import { ShapeError, Tensor, ValueError, formatShape, sameShape } from '@adjoint/core';
import { Module, describe } from '../module';

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

  /** @throws ShapeError when the wrapped module changes the shape of its input. */
  forward(x: Tensor): Tensor {
    const y = this.module.forward(x);
    if (!sameShape(y.shape, x.shape)) {
      throw new ShapeError(`Residual: the wrapped module must keep the shape of its input, got input ${formatShape(x.shape)} and output ${formatShape(y.shape)}`);
    }
    return x.add(y);
  }
}
