/** Learning sanity check through the public entry point: a 2-8-1 network learns XOR with Adam. */
import { noGrad, tensor } from '@adjoint/core';
import { Adam, binaryCrossEntropy, mlp } from '@adjoint/nn';

test('a 2-8-1 tanh network learns XOR with Adam in 300 full-batch steps', () => {
  const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = tensor([[0], [1], [1], [0]]);
  const model = mlp([2, 8, 1], { activation: 'tanh', seed: 1 });
  const optimizer = new Adam(model.parameters(), { lr: 0.05 });
  let loss = Infinity;
  for (let step = 0; step < 300; step++) {
    optimizer.zeroGrad();
    const l = binaryCrossEntropy(model.forward(x), y);
    l.backward();
    optimizer.step();
    loss = l.item();
  }
  const probabilities = noGrad(() => model.forward(x).sigmoid());
  expect([...probabilities.data].map(Math.round)).toEqual([0, 1, 1, 0]);
  expect(loss).toBeLessThan(0.01);
});
