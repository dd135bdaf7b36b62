import { ShapeError, ValueError, arange, randn, scalar } from '@adjoint/core';
import { assertGrad } from '@adjoint/gradcheck';
import { Flatten } from './flatten';
import { Dense } from './dense';
import { Sequential } from './sequential';
import { deserializeModel, serializeModel } from '../io/model-file';
import { expectError } from '../testing/errors';

describe('Flatten', () => {
  test('[N, …] → [N, prod(…)] in row-major order, keeping axis 0', () => {
    const x = arange(24).reshape([2, 3, 2, 2]);
    const y = new Flatten().forward(x);
    expect(y.shape).toEqual([2, 12]);
    expect(Array.from(y.data)).toEqual(Array.from(x.data));
    expect(y.toArray()).toEqual([Array.from({ length: 12 }, (_, i) => i), Array.from({ length: 12 }, (_, i) => 12 + i)]);
    expect(new Flatten().forward(randn([5, 3], { seed: 1 })).shape).toEqual([5, 3]);
    expect(new Flatten().forward(randn([5], { seed: 1 })).shape).toEqual([5, 1]);
    expect(new Flatten().forward(randn([0, 3, 2], { seed: 1 })).shape).toEqual([0, 6]);
    expect(new Flatten().parameters()).toEqual([]);
    expect(String(new Flatten())).toBe('Flatten()');
  });

  test('a scalar or a non-tensor is refused, naming Flatten', () => {
    expectError(() => new Flatten().forward(scalar(2)), ShapeError, 'Flatten.forward: input must have a batch axis, got a scalar (shape [])');
    expectError(() => new Flatten().forward([1, 2] as never), ValueError, 'Flatten.forward: input must be a Tensor, got an array of length 2; make one with tensor(…)');
  });

  test("PyTorch's Flatten(start_dim, end_dim) arguments are refused, not ignored", () => {
    // From JavaScript, new Flatten(2) would otherwise merge from axis 1 while the caller asked for axis 2.
    const Untyped = Flatten as unknown as new (...args: unknown[]) => Flatten;
    const message = 'Flatten: takes no arguments (it always keeps axis 0 and merges the rest, as PyTorch\'s nn.Flatten() with its defaults; use reshape for other axes), got 2';
    expectError(() => new Untyped(2), ValueError, message);
    expectError(() => new Untyped(1, -1), ValueError, message.replace(/got 2$/, 'got 1, -1'));
    expect(String(new Untyped(undefined))).toBe('Flatten()'); // an explicit undefined is no argument
  });

  test('gradient check, and in a Sequential before a Dense layer, through a model file', () => {
    assertGrad((x) => new Flatten().forward(x).mul(arange(6)).tanh(), [randn([2, 3, 2], { seed: 2 })], { order: 2 });
    const model = new Sequential([new Flatten(), new Dense(6, 2, { seed: 3 })]);
    const x = randn([4, 2, 3], { seed: 4 });
    const loaded = deserializeModel(serializeModel(model));
    expect(String(loaded)).toBe('Sequential(\n  (0): Flatten()\n  (1): Dense(6 → 2, identity)\n)');
    expect(Array.from(loaded.forward(x).data)).toEqual(Array.from(model.forward(x).data));
  });
});
