/** Activations by name: each name is core's function, value for value. */
import { ValueError, elu, gelu, leakyRelu, relu, sigmoid, silu, softmax, softplus, tanh, tensor, type Tensor } from '@adjoint/core';
import { Dense, activationFn, activationNames, mlp } from '@adjoint/nn';

describe('activationFn', () => {
  const x = tensor([[-40, -3.5, -1, -0.25, 0, 1e-9, 0.5, 1, 2.75, 40]]);
  const core: Record<string, (x: Tensor) => Tensor> = {
    relu: (v) => relu(v), tanh: (v) => tanh(v), sigmoid: (v) => sigmoid(v), leakyRelu: (v) => leakyRelu(v), elu: (v) => elu(v),
    gelu: (v) => gelu(v), silu: (v) => silu(v), softplus: (v) => softplus(v), softmax: (v) => softmax(v, -1), identity: (v) => v,
  };

  test('every name is listed, gelu and silu among them', () => {
    expect([...activationNames].sort()).toEqual(Object.keys(core).sort());
  });

  test.each(Object.keys(core))('%s is core\'s function, bit for bit', (name) => {
    const got = activationFn(name as never)(x).data;
    const want = core[name]!(x).data;
    expect(got.length).toBe(want.length);
    got.forEach((v, i) => expect(Object.is(v, want[i])).toBe(true));
  });

  test("'gelu' is the exact form, not the tanh approximation", () => {
    expect(activationFn('gelu')(x).toArray()).toEqual(gelu(x, { approximate: 'none' }).toArray());
    expect(activationFn('gelu')(tensor([1])).toArray()).not.toEqual(gelu(tensor([1]), { approximate: 'tanh' }).toArray());
  });

  test('Dense and mlp take the new names', () => {
    const layer = new Dense(10, 3, { activation: 'silu', seed: 1 });
    const plain = new Dense(10, 3, { seed: 1, init: 'heUniform' }); // silu is in the ReLU family: He's init by default
    expect(layer.forward(x).toArray()).toEqual(silu(plain.forward(x)).toArray());
    expect(mlp([10, 4, 2], { activation: 'gelu', seed: 2 }).forward(x).shape).toEqual([1, 2]);
  });

  test('an unknown name lists gelu and silu', () => {
    expect(() => activationFn('swish' as never)).toThrow(ValueError);
    expect(() => activationFn('swish' as never)).toThrow(/expected one of .*gelu, silu/);
  });
});
