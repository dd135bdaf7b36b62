import { ShapeError, ValueError, type Tensor, randn, relu, tensor, elu, gelu, leakyRelu, sigmoid, silu, softmax, softplus, tanh } from '@adjoint/core';
import { assertGrad } from '@adjoint/gradcheck';
import { Dense } from './dense';
import { Residual } from './residual';
import { Sequential } from './sequential';
import { mlp } from './mlp';
import { ELU, GELU, Identity, LeakyReLU, ReLU, SiLU, Sigmoid, Softmax, Softplus, Tanh } from './activation';
import { functionalCall } from '../module';
import { heUniform } from '../init';
import { expectError } from '../../../../test/support/expect-error';

describe('activation modules', () => {
  const x = tensor([[-2, -0.5, 0.5, 3]]);
  test.each([
    ['ReLU', new ReLU(), relu(x)],
    ['Tanh', new Tanh(), tanh(x)],
    ['Sigmoid', new Sigmoid(), sigmoid(x)],
    ['LeakyReLU', new LeakyReLU(0.2), leakyRelu(x, 0.2)],
    ['ELU', new ELU(), elu(x)],
    ['GELU', new GELU(), gelu(x)],
    ['GELU (tanh)', new GELU({ approximate: 'tanh' }), gelu(x, { approximate: 'tanh' })],
    ['SiLU', new SiLU(), silu(x)],
    ['Softplus', new Softplus(), softplus(x)],
    ['Softmax', new Softmax(), softmax(x)],
    ['Identity', new Identity(), x],
  ])('%s computes its function and has no parameters', (_, module, expected) => {
    expect(module.forward(x).toArray()).toEqual(expected.toArray());
    expect(module.parameters()).toEqual([]);
  });

  test('by hand', () => {
    expect(new LeakyReLU().forward(tensor([-100, 2])).toArray()).toEqual([-1, 2]);
    expect(new Softmax().forward(tensor([[0, 0]])).toArray()).toEqual([[0.5, 0.5]]);
    // Φ(1) = 0.841344746068543 (A&S Table 26.1); σ(2) = 1/(1 + e⁻²).
    expect(new GELU().forward(tensor([1, 0])).data[0]).toBeCloseTo(0.841344746068543, 14);
    expect(new SiLU().forward(tensor([2])).toArray()).toEqual([2 / (1 + Math.exp(-2))]);
    expect(new GELU().approximate).toBe('none');
    expect(new GELU({ approximate: 'tanh' }).toString()).toContain("approximate = 'tanh'");
  });

  test('GELU: a bad option is a ValueError naming GELU', () => {
    expect(() => new GELU({ approximate: 'erf' } as never)).toThrow(ValueError);
    expect(() => new GELU({ approximate: 'erf' } as never)).toThrow('GELU: approximate must be \'none\' or \'tanh\', got "erf"');
    expect(() => new GELU({ approximate: true } as never)).toThrow("GELU: approximate must be 'none' or 'tanh'");
    expect(() => new GELU({ aproximate: 'tanh' } as never)).toThrow("GELU: unknown option 'aproximate'; the options are approximate");
    expect(() => new GELU('tanh' as never)).toThrow('GELU: options must be an object');
    expect(() => new GELU().forward([1, 2] as never)).toThrow('GELU.forward: input must be a Tensor');
    expect(() => new SiLU().forward(3 as never)).toThrow('SiLU.forward: input must be a Tensor');
  });

  test.each([
    ['Tanh', new Tanh(), 2],
    ['Sigmoid', new Sigmoid(), 2],
    ['ELU', new ELU(0.7), 1],
    ['Softplus', new Softplus(), 2],
    ['Softmax', new Softmax(), 2],
    ['LeakyReLU', new LeakyReLU(0.1), 1],
    ['ReLU', new ReLU(), 1],
    ['GELU', new GELU(), 2],
    ['GELU (tanh)', new GELU({ approximate: 'tanh' }), 2],
    ['SiLU', new SiLU(), 2],
  ] as const)('%s gradient check', (_, module, order) => {
    assertGrad((v) => module.forward(v), [tensor([[-1.3, -0.4, 0.6, 1.7], [0.3, -2.1, 1.1, -0.8]])], { order });
  });
});

describe('Sequential', () => {
  test('applies its layers in order and exposes them', () => {
    const first = new Dense(2, 2);
    first.weight.data.set([1, 1, 0, 1]);
    const model = new Sequential([first, new ReLU(), new Dense(2, 1, { init: 'zeros' })]);
    model.layers[2]!.param('weight').data.set([1, -1]);
    expect(model.length).toBe(3);
    // [1, -3]·[[1, 1], [0, 1]] = [1, -2] → relu → [1, 0] → 1·1 − 0·1 = 1
    expect(model.forward(tensor([[1, -3]])).toArray()).toEqual([[1]]);
    expect(new Sequential([]).forward(tensor([5])).toArray()).toEqual([5]);
    expect(() => new Sequential([first, {} as ReLU])).toThrow('Sequential: item 1 is not a Module, got an object (Object)');
  });

  test('its list of layers cannot be changed behind its back, and it iterates over its layers as PyTorch\'s does', () => {
    const first = new Dense(2, 2, { seed: 1 });
    const model = new Sequential([first, new ReLU()]);
    // A layer pushed onto the list would run in forward but never be registered: no parameters, no stateDict.
    expect(() => (model.layers as Dense[]).push(new Dense(2, 3))).toThrow(TypeError);
    expect(model.forward(tensor([[1, 2]])).shape).toEqual([1, 2]);
    expect([...model]).toEqual([first, model.layers[1]]);
    expect([...new Sequential([])]).toEqual([]);
  });

  test('gradient check of a whole stack wrt input and every parameter', () => {
    const model = new Sequential([new Dense(3, 4, { activation: 'tanh', seed: 1 }), new Dense(4, 2, { activation: 'sigmoid', seed: 2 })]);
    const names = model.namedParameters().map(([n]) => n);
    const params = model.parameters();
    const f = (x: typeof params[0], ...ps: typeof params) => functionalCall(model, Object.fromEntries(names.map((n, i) => [n, ps[i]!])), x);
    assertGrad(f, [randn([2, 3], { seed: 3 }), ...params.map((p) => p.clone())], { order: 2 });
  });
});

describe('Residual', () => {
  test('x + f(x)', () => {
    const inner = new Dense(2, 2);
    inner.weight.data.set([2, 0, 0, 3]);
    expect(new Residual(inner).forward(tensor([[1, 1]])).toArray()).toEqual([[3, 4]]);
    expect(new Residual(inner).namedParameters().map(([n]) => n)).toEqual(['module.weight', 'module.bias']);
  });

  test('the inner module must keep the shape', () => {
    expect(() => new Residual(new Dense(2, 3)).forward(tensor([[1, 1]]))).toThrow(ShapeError);
    expect(() => new Residual(new Dense(2, 3)).forward(tensor([[1, 1]]))).toThrow(
      'Residual.forward: the wrapped module must keep the shape of its input, got input [1, 2] and output [1, 3]',
    );
    expect(() => new Residual(null as unknown as Dense)).toThrow(ValueError);
  });

  test('a module that returns something other than a tensor is a ValueError saying so', () => {
    class Pair extends Dense {
      override forward(x: Tensor): Tensor {
        return [x, x] as never;
      }
    }
    expectError(() => new Residual(new Pair(2, 2)).forward(tensor([[1, 1]])), ValueError,
      'Residual.forward: the wrapped Pair returned an array of length 2, not a Tensor (a recurrent layer returns [output, state]: call it from a Module of your own)');
  });

  test('the gradient reaches the input through both paths, and the wrapped module\'s parameters', () => {
    const inner = new Dense(2, 2, { seed: 4 });
    const x = tensor([[0.5, -2]], { requiresGrad: true });
    new Residual(inner).forward(x).sum().backward();
    const plain = tensor([[0.5, -2]], { requiresGrad: true });
    const weightGrad = inner.weight.grad!.toArray();
    inner.zeroGrad();
    inner.forward(plain).sum().backward();
    // d/dx Σ(x + f(x)) = 1 + d/dx Σ f(x); the wrapped layer's parameters see f's gradient only.
    expect(x.grad!.toArray()).toEqual(plain.grad!.add(1).toArray());
    expect(weightGrad).toEqual(inner.weight.grad!.toArray());
  });

  test('gradient check', () => {
    const block = new Residual(new Dense(3, 3, { activation: 'tanh' }));
    assertGrad((x, w) => functionalCall(block, { 'module.weight': w }, x), [randn([2, 3], { seed: 1 }), randn([3, 3], { seed: 2 })], { order: 2 });
  });
});

describe('mlp', () => {
  test('Dense layers with the hidden and output activations', () => {
    const net = mlp([3, 5, 4, 2], { activation: 'tanh', outputActivation: 'softmax', seed: 1 });
    expect(net.toString()).toBe('Sequential(\n  (0): Dense(3 → 5, tanh)\n  (1): Dense(5 → 4, tanh)\n  (2): Dense(4 → 2, softmax)\n)');
    const y = net.forward(randn([6, 3], { seed: 2 }));
    expect(y.shape).toEqual([6, 2]);
    y.sum(1).data.forEach((s) => expect(s).toBeCloseTo(1, 14));
  });

  test('default relu hidden layers (He init) and a linear output', () => {
    expect(mlp([2, 3, 1]).toString()).toBe('Sequential(\n  (0): Dense(2 → 3, relu)\n  (1): Dense(3 → 1, identity)\n)');
  });

  test('seeded: the same seed builds the same network; layers draw from one stream', () => {
    const a = mlp([4, 4, 4], { seed: 3 });
    const b = mlp([4, 4, 4], { seed: 3 });
    expect(a.stateDict()['1.weight']!.toArray()).toEqual(b.stateDict()['1.weight']!.toArray());
    expect(a.stateDict()['0.weight']!.toArray()).not.toEqual(a.stateDict()['1.weight']!.toArray());
    expect(mlp([4, 4, 4], { seed: 4 }).stateDict()['0.weight']!.toArray()).not.toEqual(a.stateDict()['0.weight']!.toArray());
    expect(a.stateDict()['0.weight']!.data.every((w) => Math.abs(w) <= Math.sqrt(6 / 4))).toBe(true);
    expect(heUniform([4, 4], { seed: 0 }).shape).toEqual([4, 4]);
  });

  test('needs at least two sizes', () => {
    expect(() => mlp([3])).toThrow(ValueError);
  });
});
