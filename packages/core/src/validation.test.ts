import { AdjointError, GradError, Rng, ShapeError, Tensor, ValueError, concat, detectAnomaly, matmul, max, min, tensor, zeros } from '@adjoint/core';

describe('bad arguments are AdjointErrors, never TypeErrors', () => {
  it('matmul with a number is a ShapeError naming matmul', () => {
    expect(() => matmul(tensor([[1]]), 2 as never)).toThrow(ShapeError);
    expect(() => matmul(tensor([[1]]), 2 as never)).toThrow(/^matmul/);
  });

  it('concat of something that is not a tensor is an AdjointError', () => {
    expect(() => concat([tensor([1]), 'x' as never])).toThrow(ValueError);
    expect(() => concat([tensor([1]), 5 as never])).toThrow(AdjointError);
  });

  it('max and min of an empty axis are ValueErrors (there is no maximum), as in NumPy', () => {
    expect(() => max(zeros([0]))).toThrow(ValueError);
    expect(() => min(zeros([2, 0]), 1)).toThrow(/min: cannot reduce an empty axis/);
    expect(max(zeros([0, 3]), 1).shape).toEqual([0]); // reducing a non-empty axis of an empty tensor is fine
  });

  it('the Tensor constructor rejects a bad shape even when the element count happens to fit', () => {
    expect(() => new Tensor(new Float64Array(2), [-1, -2])).toThrow(ValueError);
  });
});

describe('Rng seeds', () => {
  it('seeds that differ only above 32 bits give different streams', () => {
    const first = (seed: number) => new Rng(seed).nextUint32();
    expect(first(-1)).not.toBe(first(2 ** 32 - 1));
    expect(first(2 ** 32)).not.toBe(first(1));
    expect(first(2 ** 40 + 5)).not.toBe(first(5));
  });
});

describe('detectAnomaly', () => {
  it('names the first op whose forward value became non-finite, with shapes and where it was created', () => {
    const x = tensor([1, 0, 2], { requiresGrad: true });
    let error: unknown;
    try {
      detectAnomaly(() => x.log().mul(2).sum().backward());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GradError);
    const message = (error as Error).message;
    expect(message).toMatch(/'log' produced -Infinity at element 1 of its \[3\] output from finite inputs/);
    expect(message).toContain('validation.test.ts'); // the line of user code that created the op
  });

  it('names the op whose backward rule made an adjoint non-finite', () => {
    // sqrt(0) = 0 is fine forward; its adjoint 1/(2·√0) is ∞.
    const x = tensor([4, 0], { requiresGrad: true });
    expect(() => detectAnomaly(() => x.sqrt().sum().backward())).toThrow(/backward rule of 'sqrt' \(output \[2\]\) produced Infinity in the adjoint of input 0/);
  });

  it('says when the data passed in already held NaN', () => {
    expect(() => detectAnomaly(() => tensor([NaN, 1]).exp())).toThrow(/an input already held NaN/);
  });

  it('lets finite computations through and returns their result; off again afterwards', () => {
    expect(detectAnomaly(() => tensor([1, 2]).exp().sum().item())).toBeCloseTo(Math.E + Math.exp(2), 14);
    expect(tensor([0]).log().item()).toBe(-Infinity);
  });
});
