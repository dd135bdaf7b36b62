/**
 * Every error adjoint throws is an {@link AdjointError}; the subclass says what kind of mistake it is
 * and the message names the op and the offending shapes or values.
 */
export class AdjointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit together: broadcasting, matmul, concat, reshape. */
export class ShapeError extends AdjointError {}

/** A bad argument: ragged data, a negative dimension, an axis or index out of range, a bad option. */
export class ValueError extends AdjointError {}

/** Differentiation used wrongly: a non-scalar backward without a seed, a freed graph, an anomaly. */
export class GradError extends AdjointError {}
