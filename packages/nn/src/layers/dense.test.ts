import { ShapeError, Tensor, ValueError, linear, randn, relu, tanh, tensor, toDot } from '@adjoint/core';
import { assertGrad } from '@adjoint/gradcheck';
import { Dense } from './dense';
import { LeakyReLU } from './activation';
import { functionalCall } from '../module';
import { glorotUniform, heUniform, zeros } from '../init';
import { mse } from '../losses';

describe('Dense', () => {
  test('y = xW + b for a hand-set weight', () => {
    const layer = new Dense(3, 2);
    layer.weight.data.set([1, 2, 3, 4, 5, 6]); // [[1, 2], [3, 4], [5, 6]]
    layer.bias!.data.set([0.5, -1]);
    const y = layer.forward(tensor([[1, 0, -1], [2, 1, 0]]));
    expect(y.shape).toEqual([2, 2]);
    expect(y.toArray()).toEqual([[1 - 5 + 0.5, 2 - 6 - 1], [2 + 3 + 0.5, 4 + 4 - 1]]);
  });

  test('shapes: [in] → [out], [N, in] → [N, out], [B, N, in] → [B, N, out]', () => {
    const layer = new Dense(4, 3, { seed: 0 });
    expect(layer.weight.shape).toEqual([4, 3]);
    expect(layer.bias!.shape).toEqual([3]);
    expect(layer.forward(randn([4], { seed: 1 })).shape).toEqual([3]);
    expect(layer.forward(randn([5, 4], { seed: 1 })).shape).toEqual([5, 3]);
    expect(layer.forward(randn([2, 5, 4], { seed: 1 })).shape).toEqual([2, 5, 3]);
    expect(() => layer.forward(randn([5, 3], { seed: 1 }))).toThrow(ShapeError);
    expect(() => layer.forward(randn([5, 3], { seed: 1 }))).toThrow('Dense.forward: input must have 4 features on its last axis, got [5, 3]');
  });

  test('activations by name, function or module', () => {
    const x = tensor([[-2, 3]]);
    const make = (activation: ConstructorParameters<typeof Dense>[2]) => {
      const layer = new Dense(2, 2, activation);
      layer.weight.data.set([1, 0, 0, 1]);
      return layer.forward(x).toArray();
    };
    expect(make({ activation: 'relu' })).toEqual([[0, 3]]);
    expect(make({ activation: (z: Tensor) => z.mul(2) })).toEqual([[-4, 6]]);
    expect(make({ activation: new LeakyReLU(0.5) })).toEqual([[-1, 3]]);
    expect(() => new Dense(2, 2, { activation: 'swish' as 'relu' })).toThrow(/unknown activation "swish"/);
  });

  test("'relu' is fused into the linear op: one op, and the values and gradients of relu(xW + b)", () => {
    const layer = new Dense(5, 4, { activation: 'relu', seed: 3 });
    layer.bias!.data.set([0.3, -0.2, 0.1, -0.4]);
    const x = randn([6, 5], { seed: 4 });
    const run = (forward: () => Tensor): number[][] => {
      layer.zeroGrad();
      const y = forward();
      y.mul(randn([6, 4], { seed: 5 })).sum().backward();
      return [y, layer.weight.grad!, layer.bias!.grad!].map((t) => Array.from(t.data));
    };
    const fused = run(() => layer.forward(x));
    expect(fused).toEqual(run(() => relu(linear(x, layer.weight, layer.bias!))));
    expect(fused[0]!.filter((v) => v === 0).length).toBeGreaterThan(0); // both sides of the kink are exercised
    expect(toDot(layer.forward(x))).toContain('linear + relu');
    expect(toDot(new Dense(5, 4, { activation: 'tanh' }).forward(x))).not.toContain('linear + relu');
  });

  test('default init: He for the ReLU family, Glorot otherwise; biases start at zero', () => {
    expect(new Dense(3, 4, { activation: 'relu', seed: 7 }).weight.toArray()).toEqual(heUniform([3, 4], { seed: 7 }).toArray());
    expect(new Dense(3, 4, { activation: 'elu', seed: 7 }).weight.toArray()).toEqual(heUniform([3, 4], { seed: 7 }).toArray());
    expect(new Dense(3, 4, { activation: 'gelu', seed: 7 }).weight.toArray()).toEqual(heUniform([3, 4], { seed: 7 }).toArray());
    expect(new Dense(3, 4, { activation: 'silu', seed: 7 }).weight.toArray()).toEqual(heUniform([3, 4], { seed: 7 }).toArray());
    expect(new Dense(3, 4, { activation: 'tanh', seed: 7 }).weight.toArray()).toEqual(glorotUniform([3, 4], { seed: 7 }).toArray());
    expect(new Dense(3, 4, { seed: 7 }).weight.toArray()).toEqual(glorotUniform([3, 4], { seed: 7 }).toArray());
    expect(new Dense(3, 4, { init: 'zeros' }).weight.toArray()).toEqual(zeros([3, 4]).toArray());
    expect(new Dense(3, 4, { seed: 7 }).bias!.toArray()).toEqual([0, 0, 0, 0]);
  });

  test('bias: false has a single parameter', () => {
    const layer = new Dense(2, 3, { bias: false, seed: 0 });
    expect(layer.bias).toBeNull();
    expect(layer.namedParameters().map(([n]) => n)).toEqual(['weight']);
  });

  test('bad sizes are ValueErrors', () => {
    expect(() => new Dense(0, 2)).toThrow(ValueError);
    expect(() => new Dense(2, 1.5)).toThrow('Dense: outFeatures must be a positive integer, got 1.5');
  });
});

describe('Dense gradients', () => {
  const x = randn([3, 4], { seed: 1 });
  const y = randn([3, 2], { seed: 2 });
  const w = randn([4, 2], { seed: 3 });
  const b = randn([2], { seed: 4 });

  test('the functional form mse(tanh(xW + b), y), to second order', () => {
    assertGrad((x, w, b) => mse(x.matmul(w).add(b).tanh(), y), [x, w, b], { order: 2 });
  });

  test('the layer with its parameters substituted (functionalCall)', () => {
    const layer = new Dense(4, 2, { activation: 'tanh' });
    assertGrad((x, weight, bias) => functionalCall(layer, { weight, bias }, x), [x, w, b], { order: 2 });
  });

  test('backward fills .grad of weight and bias with the values of the formula', () => {
    const layer = new Dense(4, 2, { seed: 5 });
    const out = layer.forward(x);
    mse(out, y).backward();
    const expectedW = x.T.matmul(out.sub(y).mul(2 / y.size));
    layer.weight.grad!.data.forEach((g, i) => expect(g).toBeCloseTo(expectedW.data[i]!, 12));
    expect(tanh(0).item()).toBe(0);
  });
});
