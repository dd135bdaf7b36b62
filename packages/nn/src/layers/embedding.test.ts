import { Rng, Tensor, ValueError, randn, tensor, where } from '@adjoint/core';
import { assertGrad, checkModule } from '@adjoint/gradcheck';
import { Embedding } from './embedding';
import { Module, functionalCall } from '../module';
import { mse } from '../losses';
import { deserializeModel, serializeModel } from '../io/model-file';
import { expectError } from '../testing/errors';

describe('Embedding', () => {
  const embed = new Embedding(5, 3, { seed: 1 });
  const rowOf = (i: number): number[] => Array.from(embed.weight.data.subarray(3 * i, 3 * i + 3));

  test('looks up rows by index: [...s] → [...s, dim], from a tensor, nested arrays or a single number', () => {
    const y = embed.forward(tensor([[4, 0, 2], [2, 2, 1]]));
    expect(y.shape).toEqual([2, 3, 3]);
    expect(Array.from(y.data)).toEqual([4, 0, 2, 2, 2, 1].flatMap(rowOf));
    expect(embed.forward([[4, 0, 2], [2, 2, 1]]).toArray()).toEqual(y.toArray());
    expect(embed.forward([3]).shape).toEqual([1, 3]);
    expect(Array.from(embed.forward(3).data)).toEqual(rowOf(3));
    expect(embed.forward(3).shape).toEqual([3]);
    expect(embed.forward(tensor([[[1]], [[0]]])).shape).toEqual([2, 1, 1, 3]);
  });

  test('weight [numEmbeddings, dim] from N(0, 1) (PyTorch); seeded', () => {
    expect(embed.namedParameters().map(([name, p]) => `${name} ${p.shape.join('×')}`)).toEqual(['weight 5×3']);
    expect(Array.from(embed.weight.data)).toEqual(Array.from(randn([5, 3], { seed: 1 }).data));
    expect(Array.from(new Embedding(5, 3, { rng: new Rng(1) }).weight.data)).toEqual(Array.from(embed.weight.data));
    const big = new Embedding(200, 50, { seed: 2 }).weight;
    const mean = big.mean().item();
    const std = Math.sqrt(big.sub(mean).square().mean().item());
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(std - 1)).toBeLessThan(0.03);
    expect(String(embed)).toBe('Embedding(5, 3)');
  });

  test('the gradient of weight adds the cotangents of every lookup into its row; rows not looked up get zero', () => {
    const layer = new Embedding(4, 2, { seed: 3 });
    const y = layer.forward([[1, 3], [1, 1]]);
    y.mul(tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])).sum().backward();
    expect(layer.weight.grad!.toArray()).toEqual([[0, 0], [1 + 5 + 7, 2 + 6 + 8], [0, 0], [3, 4]]);
  });

  test('gradient checks: checkModule (second order) and the weight substituted through functionalCall', () => {
    class Bag extends Module {
      readonly embed = this.register('embed', new Embedding(6, 3, { seed: 4 }));
      forward(indices: Tensor): Tensor {
        return this.embed.forward(indices).tanh().mean(1);
      }
    }
    const report = checkModule(new Bag(), tensor([[0, 5, 5], [2, 1, 0]]), randn([2, 3], { seed: 5 }), mse, { order: 2, tolerance: 'auto' });
    expect(report.parameters).toEqual(['embed.weight']);
    expect(report.ok).toBe(true);
    const layer = new Embedding(4, 2, { seed: 6 });
    assertGrad((weight: Tensor) => functionalCall(layer, { weight }, tensor([3, 0, 3])).square(), [randn([4, 2], { seed: 7 })], { order: 2 });
  });

  test('paddingIdx: its row starts at zeros, reads as itself, and gets no gradient while the others do (PyTorch\'s padding_idx)', () => {
    const layer = new Embedding(4, 2, { seed: 3, paddingIdx: 1 });
    const plain = new Embedding(4, 2, { seed: 3 });
    expect(layer.paddingIdx).toBe(1);
    expect(layer.weight.toArray()).toEqual((plain.weight.toArray() as number[][]).map((row, i) => (i === 1 ? [0, 0] : row)));
    layer.weight.data.set([0.5, -2], 2); // a row changed by hand reads as it is
    const y = layer.forward([[1, 3], [1, 1]]);
    expect((y.toArray() as number[][][])[0]).toEqual([[0.5, -2], Array.from(layer.weight.data.subarray(6, 8))]);
    y.mul(tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])).sum().backward();
    expect(layer.weight.grad!.toArray()).toEqual([[0, 0], [0, 0], [0, 0], [3, 4]]);
    // Negative counts from the end, as in PyTorch.
    expect(new Embedding(4, 2, { seed: 3, paddingIdx: -1 }).paddingIdx).toBe(3);
    expect(String(layer)).toBe('Embedding(4, 2, paddingIdx=1)');
    // Without the padding index among the indices, the lookup is the plain gather.
    const z = layer.forward([0, 3]);
    z.sum().backward();
    expect((layer.weight.grad!.toArray() as number[][])[0]).toEqual([1, 1]);
  });

  test('paddingIdx survives a model file round trip, and gradient checks hold around it', () => {
    const layer = new Embedding(5, 3, { seed: 8, paddingIdx: 4 });
    const loaded = deserializeModel(serializeModel(layer)) as unknown as Embedding;
    expect(loaded.paddingIdx).toBe(4);
    expect(Array.from(loaded.forward([[4, 1]]).data)).toEqual(Array.from(layer.forward([[4, 1]]).data));
    // The padding row passes no gradient, which finite differences cannot see: checked as a
    // function of a table whose padding row is held constant, the lookup's gradient is exact.
    const isPaddingRow = tensor([0, 0, 0, 0, 1], { shape: [5, 1] });
    const held = randn([5, 3], { seed: 10 });
    assertGrad((weight: Tensor) => functionalCall(layer, { weight: where(isPaddingRow, held, weight) }, tensor([3, 4, 0, 4])).square(),
      [randn([5, 3], { seed: 9 })], { order: 2 });
  });

  test('bad indices are ValueErrors naming Embedding and the value', () => {
    expectError(() => embed.forward([1, 5]), ValueError, 'Embedding.forward: indices must be integers in [0, 5), got 5 at position 1');
    expectError(() => embed.forward([[0, 1], [-1, 2]]), ValueError, 'Embedding.forward: indices must be integers in [0, 5), got -1 at position 2');
    expectError(() => embed.forward(tensor([0.5])), ValueError, 'Embedding.forward: indices must be integers in [0, 5), got 0.5 at position 0');
    expectError(() => embed.forward([NaN]), ValueError, 'Embedding.forward: indices must be integers in [0, 5), got NaN at position 0');
    expectError(() => embed.forward('1' as never), ValueError, 'Embedding.forward: indices must be a Tensor or nested arrays of numbers, got string 1');
    expect(() => embed.forward([[1], [1, 2]])).toThrow(/^Embedding.forward: indices is not valid tensor data/);
  });

  test('bad sizes and options are ValueErrors naming Embedding', () => {
    expectError(() => new Embedding(0, 3), ValueError, 'Embedding: numEmbeddings must be a positive integer, got 0');
    expectError(() => new Embedding(5, 2.5), ValueError, 'Embedding: dim must be a positive integer, got 2.5');
    expectError(() => new Embedding(1e6, 1e4), ValueError, 'Embedding: a 1000000 × 10000 weight would hold 10000000000 values, more than the 2147483647 a tensor can hold');
    expectError(() => new Embedding(5, 3, { padding: 0 } as never), ValueError, "Embedding: unknown option 'padding'; the options are seed, rng, paddingIdx");
    expectError(() => new Embedding(5, 3, { paddingIdx: 5 }), ValueError, 'Embedding: paddingIdx must be an integer in [-5, 5), got 5');
    expectError(() => new Embedding(5, 3, { paddingIdx: -6 }), ValueError, 'Embedding: paddingIdx must be an integer in [-5, 5), got -6');
    expectError(() => new Embedding(5, 3, { paddingIdx: 1.5 }), ValueError, 'Embedding: paddingIdx must be an integer in [-5, 5), got 1.5');
  });

  test('a model file round trip gives the same table and lookups', () => {
    const loaded = deserializeModel(serializeModel(embed)) as unknown as Embedding;
    expect(loaded).toBeInstanceOf(Embedding);
    expect(Array.from(loaded.forward([[4, 1]]).data)).toEqual(Array.from(embed.forward([[4, 1]]).data));
  });
});
