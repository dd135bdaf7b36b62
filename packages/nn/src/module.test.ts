import { ShapeError, Tensor, ValueError, grad, tensor } from '@adjoint/core';
import { Module, functionalCall } from './module';
import { BatchNorm, Dense, Dropout, Sequential, mlp } from './layers/index';

class TwoLayer extends Module {
  readonly layers = this.register('layers', new Sequential([new Dense(2, 3, { seed: 1 }), new BatchNorm(3)]));
  readonly head = this.register('head', new Dense(3, 1, { seed: 2 }));
  forward(x: Tensor): Tensor {
    return this.head.forward(this.layers.forward(x));
  }
}

describe('Module registration and naming', () => {
  test('Sequential names its children 0, 1, … and parameters follow registration order', () => {
    const model = mlp([2, 4, 1], { seed: 0 });
    expect(model.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(model.parameters().map((p) => p.shape)).toEqual([[2, 4], [4], [4, 1], [1]]);
    expect(model.parameters().every((p) => p.requiresGrad && p.isLeaf)).toBe(true);
  });

  test('nested modules get dotted names; buffers are not parameters', () => {
    const model = new TwoLayer();
    expect(model.namedParameters().map(([n]) => n)).toEqual([
      'layers.0.weight', 'layers.0.bias', 'layers.1.gamma', 'layers.1.beta', 'head.weight', 'head.bias',
    ]);
    expect(model.namedBuffers().map(([n]) => n)).toEqual(['layers.1.runningMean', 'layers.1.runningVar']);
    expect(model.namedModules().map(([n]) => n)).toEqual(['', 'layers', 'layers.0', 'layers.1', 'head']);
  });

  test('a shared parameter is listed once', () => {
    const shared = new Dense(2, 2, { seed: 3 });
    const model = new Sequential([shared, shared]);
    expect(model.parameters()).toHaveLength(2);
    expect(model.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias']);
  });

  test('bad and duplicate names are ValueErrors', () => {
    class Bad extends Module {
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const m = new Bad();
    m.registerParameter('w', tensor([1]));
    expect(() => m.registerParameter('w', tensor([2]))).toThrow(/'w' is already registered/);
    expect(() => m.register('a.b', new Bad())).toThrow(ValueError);
    expect(() => m.registerParameter('c', tensor([1], { requiresGrad: true }).mul(2))).toThrow(/leaf/);
    expect(() => m.param('nope')).toThrow(/no parameter named 'nope'/);
  });

  test('toString outlines the tree', () => {
    expect(mlp([2, 3, 1], { activation: 'tanh', seed: 0 }).toString()).toBe(
      'Sequential(\n  (0): Dense(2 → 3, tanh)\n  (1): Dense(3 → 1, identity)\n)',
    );
  });
});

describe('train / eval', () => {
  test('the training flag reaches every descendant', () => {
    const inner = new Sequential([new Dropout(0.5), new BatchNorm(2)]);
    const model = new Sequential([new Dense(2, 2), inner]);
    expect(model.eval()).toBe(model);
    expect(model.namedModules().every(([, m]) => !m.training)).toBe(true);
    model.train();
    expect(model.namedModules().every(([, m]) => m.training)).toBe(true);
    model.train(false);
    expect(inner.layers[0]!.training).toBe(false);
  });
});

describe('zeroGrad', () => {
  test('clears every parameter gradient', () => {
    const model = mlp([2, 3, 1], { seed: 0 });
    model.forward(tensor([[1, 2]])).sum().backward();
    expect(model.parameters().every((p) => p.grad !== null)).toBe(true);
    model.zeroGrad();
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);
  });
});

describe('stateDict / loadStateDict', () => {
  const x = tensor([[0.5, -1], [2, 0.25], [1, 1]]);

  test('round trip: parameters and buffers are copied, outputs agree', () => {
    const a = new TwoLayer();
    a.forward(x); // moves BatchNorm's running statistics away from their initial values
    const dict = a.stateDict();
    expect(Object.keys(dict)).toEqual([
      'layers.0.weight', 'layers.0.bias', 'layers.1.gamma', 'layers.1.beta', 'layers.1.runningMean', 'layers.1.runningVar', 'head.weight', 'head.bias',
    ]);
    const b = new TwoLayer();
    b.head.weight.data.fill(7);
    const weightBefore = b.head.weight;
    b.loadStateDict(dict);
    expect(b.head.weight).toBe(weightBefore); // loaded in place: optimizers keep their references
    a.eval();
    b.eval();
    expect(b.forward(x).toArray()).toEqual(a.forward(x).toArray());
    expect(b.stateDict()['layers.1.runningMean']!.toArray()).toEqual(dict['layers.1.runningMean']!.toArray());
  });

  test('the dict is a snapshot', () => {
    const model = mlp([2, 2], { seed: 0 });
    const dict = model.stateDict();
    const before = dict['0.weight']!.toArray();
    model.parameters()[0]!.data.fill(0);
    expect(dict['0.weight']!.toArray()).toEqual(before);
  });

  test('missing, unexpected and misshapen keys are reported by name', () => {
    const model = mlp([2, 3, 1], { seed: 0 });
    const dict = model.stateDict();
    const { ['1.bias']: _dropped, ...missing } = dict;
    expect(() => model.loadStateDict(missing)).toThrow(ValueError);
    expect(() => model.loadStateDict(missing)).toThrow(/missing key\(s\) '1\.bias'/);
    expect(() => model.loadStateDict({ ...dict, extra: tensor([1]) })).toThrow(/unexpected key\(s\) 'extra'/);
    const wrong = { ...dict, '0.weight': tensor([[1, 2]]) };
    expect(() => model.loadStateDict(wrong)).toThrow(ShapeError);
    expect(() => model.loadStateDict(wrong)).toThrow("loadStateDict: '0.weight' has shape [1, 2] in the state dict but [2, 3] in the module");
    expect(() => model.loadStateDict({ ...dict, '0.bias': [1, 2, 3] as unknown as Tensor })).toThrow(/'0\.bias' must be a Tensor/);
  });

  test('a failed load changes nothing; strict: false loads what matches', () => {
    const model = mlp([2, 3, 1], { seed: 0 });
    const before = model.stateDict();
    const other = mlp([2, 3, 1], { seed: 9 }).stateDict();
    expect(() => model.loadStateDict({ ...other, '1.bias': tensor([1, 2]) })).toThrow(ShapeError);
    expect(model.stateDict()['0.weight']!.toArray()).toEqual(before['0.weight']!.toArray());
    model.loadStateDict({ '0.weight': other['0.weight']!, ignored: tensor(1) }, { strict: false });
    expect(model.stateDict()['0.weight']!.toArray()).toEqual(other['0.weight']!.toArray());
    expect(model.stateDict()['1.weight']!.toArray()).toEqual(before['1.weight']!.toArray());
  });
});

describe('functionalCall', () => {
  test('substitutes parameters by dotted name and restores them', () => {
    const model = mlp([2, 1], { seed: 0 });
    const original = model.parameters()[0]!;
    const w = tensor([[1], [2]]);
    const y = functionalCall(model, { '0.weight': w, '0.bias': tensor([0.5]) }, tensor([[3, 4]]));
    expect(y.toArray()).toEqual([[11.5]]);
    expect(model.parameters()[0]).toBe(original);
    expect(() => functionalCall(model, { '0.nope': w }, tensor([[3, 4]]))).toThrow(/no parameter '0\.nope'/);
    expect(() => functionalCall(model, { '0.weight': w }, tensor([[3, 4, 5]]))).toThrow(ShapeError);
    expect(model.parameters()[0]).toBe(original);
  });

  test('makes the module a differentiable function of its parameters', () => {
    const layer = new Dense(2, 1, { seed: 0 });
    const x = tensor([[3, 4], [1, 0]]);
    const g = grad((w: Tensor) => functionalCall(layer, { weight: w }, x).sum())(layer.weight);
    expect(g.toArray()).toEqual([[4], [4]]);
  });
});
