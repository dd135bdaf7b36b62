import { ShapeError, Tensor, ValueError, grad, tensor } from '@adjoint/core';
import { MAX_MODULE_PATHS, Module, functionalCall } from './module';
import { BatchNorm, Dense, Dropout, LSTM, ModuleList, ReLU, Residual, Sequential, Tanh, mlp } from './layers/index';
import { deserializeModel, serializeModel } from './index';
import { SGD } from './optim/sgd';
import { expectError, thrown } from '../../../test/support/expect-error';

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

  test('a child registered twice is one child, under its first name (named_children), and printed at both', () => {
    const shared = new Dense(2, 2, { seed: 3 });
    const model = new Sequential([shared, new Dense(2, 2, { seed: 4 }), shared]);
    expect(model.namedChildren().map(([n]) => n)).toEqual(['0', '1']);
    expect(model.namedModules().map(([n]) => n)).toEqual(['', '0', '1']);
    expect(String(model)).toBe('Sequential(\n  (0): Dense(2 → 2, identity)\n  (1): Dense(2 → 2, identity)\n  (2): Dense(2 → 2, identity)\n)');
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

  test("names a state dict could not hold, or a path could not split, are refused, naming the module", () => {
    class Holder extends Module {
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const m = new Holder();
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      for (const call of [() => m.registerParameter(name, tensor([1])), () => m.registerBuffer(name, tensor([1])), () => m.register(name, new Holder())]) {
        expect(call).toThrow(new RegExp(`^(registerParameter|registerBuffer|register): '${name}' cannot be a name on this Holder: every object has a property '${name}', so a state dict could not hold it as a key$`));
      }
    }
    for (const [name, shown] of [['a.b', "'a.b'"], ['', "''"], ['with space', "'with space'"], [7, '7'], [null, 'null']] as const) {
      expect(() => m.registerParameter(name as string, tensor([1]))).toThrow(`registerParameter: names are letters, digits and underscores (they are joined with dots), got ${shown} on this Holder`);
    }
    expect(() => m.register('self', m)).toThrow("register: a module cannot be its own child ('self' on this Holder)");
    // Names that merely look like members are fine, and load back from a state dict.
    m.registerParameter('proto', tensor([1]));
    m.registerBuffer('constructor_', tensor([2]));
    const dict = m.stateDict();
    expect(Object.keys(dict)).toEqual(['proto', 'constructor_']);
    m.loadStateDict(dict);
  });

  test('toString outlines the tree', () => {
    expect(mlp([2, 3, 1], { activation: 'tanh', seed: 0 }).toString()).toBe(
      'Sequential(\n  (0): Dense(2 → 3, tanh)\n  (1): Dense(3 → 1, identity)\n)',
    );
  });
});

describe('modules held in fields but never registered (PyTorch registers attributes by itself)', () => {
  test('every walk refuses the model, naming the field, instead of leaving the layer untrained, unsaved and in training mode', () => {
    class Net extends Module {
      readonly body = this.register('body', new Dense(2, 3, { seed: 1 }));
      readonly drop = new Dropout(0.5);
      forward(x: Tensor) {
        return this.drop.forward(this.body.forward(x));
      }
    }
    const net = new Net();
    for (const [op, call] of [
      ['namedParameters', () => net.parameters()], ['namedBuffers', () => net.namedBuffers()], ['stateDict', () => net.stateDict()],
      ['train', () => net.eval()], ['namedModules', () => net.namedModules()], ['loadStateDict', () => net.loadStateDict({})],
    ] as const) {
      const error = thrown(call, ValueError);
      expect(error.message.startsWith(`${op}: Net.drop holds a Dropout`)).toBe(true);
      expect(error.message).toContain("register it: readonly drop = this.register('drop', new Dropout(…))");
      expect(error.message).toContain('#private field');
    }
  });

  test('in an array or a plain object, the element is named', () => {
    class Net extends Module {
      readonly blocks = [this.register('a', new Dense(2, 2)), new Dense(2, 2)];
      forward(x: Tensor) {
        return x;
      }
    }
    expect(() => new Net().parameters()).toThrow(/Net\.blocks\[1\] holds a Dense .* register each of them/);
    class Heads extends Module {
      readonly heads = { left: new Dense(2, 1) };
      forward(x: Tensor) {
        return x;
      }
    }
    expect(() => new Heads().parameters()).toThrow(/Heads\.heads\.left holds a Dense/);
  });

  test('a module shared by registering it in each module that uses it, and #private fields, are fine', () => {
    class Encoder extends Module {
      constructor(readonly embedding: Dense) {
        super();
        this.register('embedding', embedding); // shared with the parent, as PyTorch's attribute would be
      }
      forward(x: Tensor) {
        return this.embedding.forward(x);
      }
    }
    class Net extends Module {
      readonly embedding = this.register('embedding', new Dense(2, 2, { seed: 1 }));
      readonly encoder = this.register('encoder', new Encoder(this.embedding));
      readonly #teacher = new Dense(2, 2); // held on purpose, not part of the model
      forward(x: Tensor) {
        return this.encoder.forward(this.#teacher.forward(x));
      }
    }
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual(['embedding.weight', 'embedding.bias']);
    expect(net.encoder.namedParameters().map(([n]) => n)).toEqual(['embedding.weight', 'embedding.bias']);
  });

  test('a module registered elsewhere but not under the module walked from is named as such', () => {
    class Encoder extends Module {
      constructor(readonly embedding: Dense) { // a reference only: the encoder alone would train without it
        super();
      }
      forward(x: Tensor) {
        return this.embedding.forward(x);
      }
    }
    class Net extends Module {
      readonly embedding = this.register('embedding', new Dense(2, 2, { seed: 1 }));
      readonly encoder = this.register('encoder', new Encoder(this.embedding));
      forward(x: Tensor) {
        return this.encoder.forward(x);
      }
    }
    const net = new Net();
    expect(net.parameters()).toHaveLength(2);
    expectError(() => net.encoder.parameters(), ValueError, /^namedParameters: Encoder\.embedding holds a Dense that is registered elsewhere but not under this Encoder, so its parameters and buffers are not this module's; register it here too \(a module may be registered in several places\): this\.register\('embedding', this\.embedding\)\. /);
  });
});

describe('replaceChild (PyTorch: model.fc = nn.Linear(…))', () => {
  class Net extends Module {
    readonly body = this.register('body', new Dense(2, 8, { activation: 'relu', seed: 1 }));
    readonly fc = this.register('fc', new Dense(8, 10, { seed: 2 }));
    readonly norm = this.register('norm', new BatchNorm(10));
    forward(x: Tensor): Tensor {
      return this.norm.forward(this.fc.forward(this.body.forward(x)));
    }
  }
  const x = tensor([[0.5, -1], [2, 0.25], [1, 1]]);

  test('a new head on a trained model: it runs in forward, is trained and saved, in the old place', () => {
    const net = new Net();
    const oldHead = net.fc;
    const head = net.replaceChild('fc', new Dense(8, 10, { seed: 3 }));
    expect(net.fc).toBe(head);
    expect(net.namedChildren().map(([n, m]) => [n, m])).toEqual([['body', net.body], ['fc', head], ['norm', net.norm]]);
    expect(net.namedParameters().map(([n]) => n)).toEqual(['body.weight', 'body.bias', 'fc.weight', 'fc.bias', 'norm.gamma', 'norm.beta']);
    expect(net.parameters()).toContain(head.weight);
    expect(net.parameters()).not.toContain(oldHead.weight);
    expect(net.stateDict()['fc.weight']!.data).toEqual(head.weight.data);
    net.forward(x).sum().backward();
    expect(head.weight.grad!.data.some((v) => v !== 0)).toBe(true);
    expect(oldHead.weight.grad).toBeNull();
  });

  test("a Sequential's layer and a ModuleList's item are replaced in their lists; a list read before is unchanged", () => {
    const model = mlp([2, 4, 1], { seed: 0 });
    const before = model.layers;
    const head = model.replaceChild('1', new Dense(4, 3, { seed: 5 }));
    expect(model.layers[1]).toBe(head);
    expect(Object.isFrozen(model.layers)).toBe(true);
    expect(before[1]).not.toBe(head);
    expect(model.forward(x).shape).toEqual([3, 3]);
    const list = new ModuleList([new Dense(1, 1), new Dense(1, 1)]);
    const item = list.replaceChild('0', new Dense(1, 2));
    expect(list.at(0)).toBe(item);
    expect([...list][0]).toBe(item);
  });

  test('assigning the field instead is caught at the next walk, with the way to do it', () => {
    const net = new Net();
    (net as { fc: Dense }).fc = new Dense(8, 10); // what a PyTorch user writes
    expectError(() => net.parameters(), ValueError, /^namedParameters: Net\.fc holds a Dense that was never registered, .*; to put it in the place of the child registered as 'fc', call replaceChild\('fc', module\), which sets the field too\./);
    expectError(() => net.register('fc', new Dense(8, 10)), ValueError, "register: 'fc' is already registered on this Net (to put another module in its place, replaceChild('fc', module))");
  });

  test('a child registered under two names: the field of the name replaced follows, the other keeps the old one', () => {
    const shared = new Dense(2, 2, { seed: 1 });
    class Twice extends Module {
      readonly a = this.register('a', shared);
      readonly b = this.register('b', shared);
      forward(x: Tensor) {
        return this.b.forward(this.a.forward(x));
      }
    }
    const net = new Twice();
    const fresh = net.replaceChild('a', new Dense(2, 2, { seed: 2 }));
    expect([net.a, net.b]).toEqual([fresh, shared]);
    net.forward(tensor([[1, 2]])).sum().backward();
    expect(fresh.weight.grad).not.toBeNull();
  });

  test("a Dense's activation module put in place runs, prints and is saved", () => {
    const model = new Sequential([new Dense(2, 2, { activation: new ReLU(), seed: 1 })]);
    const dense = model.layers[0] as Dense;
    dense.replaceChild('activation', new Tanh());
    const x = tensor([[1, -2], [-0.5, 3]]);
    const want = new Dense(2, 2, { activation: 'tanh', seed: 1 }).forward(x);
    expect(Array.from(model.forward(x).data)).toEqual(Array.from(want.data));
    expect(dense.activationName).toBe('Tanh');
    expect(String(model)).toContain('Dense(2 → 2, Tanh');
    expect(Array.from(deserializeModel(serializeModel(model)).forward(x).data)).toEqual(Array.from(want.data));
  });

  test('bad calls are ValueErrors and change nothing', () => {
    const net = new Net();
    const fc = net.fc;
    expectError(() => net.replaceChild('head', new Dense(8, 10)), ValueError, "replaceChild: no child is registered as 'head' on this Net; its children are 'body', 'fc', 'norm'");
    expectError(() => net.replaceChild('fc', 3 as never), ValueError, "replaceChild: 'fc' must be replaced by a Module, got number 3");
    expectError(() => net.replaceChild('fc', net as never), ValueError, "replaceChild: the Net given for 'fc' is this module itself, which would make a cycle");
    expectError(() => net.replaceChild('fc', new Sequential([net as never])), ValueError, "replaceChild: the Sequential given for 'fc' holds this Net (at '0'), which would make a cycle");
    class Frozen extends Module {
      readonly fc = this.register('fc', new Dense(1, 1));
      constructor() {
        super();
        Object.defineProperty(this, 'fc', { writable: false });
      }
      forward(t: Tensor) {
        return this.fc.forward(t);
      }
    }
    const frozen = new Frozen();
    const before = frozen.fc;
    expectError(() => frozen.replaceChild('fc', new Dense(1, 1)), ValueError, "replaceChild: the field 'fc' of this Frozen holds the old 'fc' and cannot be written (frozen or a getter)");
    expect(frozen.namedChildren()[0]![1]).toBe(before);
    expect(net.fc).toBe(fc);
    expect(net.namedChildren().map(([, m]) => m)).toContain(fc);
  });
});

describe('the check of fields reads data only, a bounded part of it, and never fails on what it cannot read', () => {
  test('getters do not run, and throwing or revoked values are passed over', () => {
    let reads = 0;
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    class Net extends Module {
      readonly body = this.register('body', new Dense(2, 2));
      readonly lazy = { get tokenizer(): never { reads++; throw new Error('not loaded yet'); } };
      readonly revoked = proxy;
      constructor() {
        super();
        Object.defineProperty(this, 'computed', { enumerable: true, get: () => { reads++; return new Dense(1, 1); } });
      }
      forward(x: Tensor) {
        return x;
      }
    }
    const net = new Net();
    expect(net.parameters()).toHaveLength(2);
    net.eval();
    expect(reads).toBe(0);
  });

  test('a sparse or very large array, or a large table, in a field is not read through', () => {
    class Net extends Module {
      readonly body = this.register('body', new Dense(2, 2));
      readonly memo: number[] = [];
      readonly vocabulary: Record<string, number> = {};
      constructor() {
        super();
        this.memo[3e9] = 1; // length 3·10⁹: reading every index would take minutes
        for (let i = 0; i < 2000; i++) this.vocabulary[`w${i}`] = i;
        this.vocabulary.late = new Dense(1, 1) as never; // past the keys looked at (documented)
      }
      forward(x: Tensor) {
        return x;
      }
    }
    expect(new Net().parameters()).toHaveLength(2);
  });

  test('a module that contains the one walked from (a reference back to an owner) is named as such', () => {
    class Block extends Module {
      owner: Module | undefined;
      forward(x: Tensor) {
        return x;
      }
    }
    class Net extends Module {
      readonly block = this.register('block', new Block());
      constructor() {
        super();
        this.block.owner = this;
      }
      forward(x: Tensor) {
        return x;
      }
    }
    const net = new Net();
    expect(net.namedModules()).toHaveLength(2);
    expectError(() => net.block.eval(), ValueError, /^train: Block\.owner holds a Net that contains this Block \(a reference back to an owner, say\), so it cannot be registered under it \(that would be a cycle\); keep it in a #private field/);
  });
});

describe('apply (PyTorch: model.apply(fn))', () => {
  test('children before their parent, each module once under its first name, then this module; returns it', () => {
    const shared = new Dense(2, 2, { seed: 1 });
    class Net extends Module {
      readonly body = this.register('body', shared);
      readonly blocks = this.register('blocks', new ModuleList([new Dense(2, 2), shared]));
      forward(x: Tensor) {
        return x;
      }
    }
    const net = new Net();
    const calls: string[] = [];
    expect(net.apply((m, name) => void calls.push(`${name}:${m.constructor.name}`))).toBe(net);
    expect(calls).toEqual(['body:Dense', 'blocks.0:Dense', 'blocks:ModuleList', ':Net']);
  });

  test('initialises by layer type', () => {
    const model = mlp([3, 4, 2], { seed: 0 });
    model.apply((m) => {
      if (m instanceof Dense) m.weight.assign(tensor(new Float64Array(m.weight.size).fill(0.5), { shape: m.weight.shape }));
    });
    expect(model.parameters().filter((p) => p.rank === 2).every((w) => w.data.every((v) => v === 0.5))).toBe(true);
    expectError(() => model.apply(3 as never), ValueError, 'apply: expected a function of (module, name), got number 3');
  });
});

describe('replaceParameter (PyTorch: decoder.weight = encoder.weight)', () => {
  test('ties two layers: one tensor, listed once, saved under both names, trained with both uses', () => {
    const [a, b] = [new Dense(3, 3, { seed: 1 }), new Dense(3, 3, { seed: 2 })];
    const model = new Sequential([a, b]);
    const x = tensor([[0.5, -1, 2], [1, 0.25, -0.5]]);
    // The gradient of the tied weight is the sum of the gradients of its two uses, untied.
    const untied = new Sequential([new Dense(3, 3, { init: () => a.weight.clone(), seed: 1 }), new Dense(3, 3, { init: () => a.weight.clone() })]);
    untied.layers.forEach((layer) => (layer as Dense).bias!.assign(0));
    untied.forward(x).square().sum().backward();
    expect(b.replaceParameter('weight', a.weight)).toBe(a.weight);
    expect(b.weight).toBe(a.weight);
    a.bias!.assign(0);
    b.bias!.assign(0);
    expect(model.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.bias']);
    expect(Object.keys(model.stateDict())).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    model.forward(x).square().sum().backward();
    const [g0, g1] = untied.layers.map((layer) => (layer as Dense).weight.grad!.data);
    a.weight.grad!.data.forEach((g, i) => expect(g).toBeCloseTo(g0![i]! + g1![i]!, 12));
  });

  test("a field holding the old parameter follows; a child's parameter is replaced on the child", () => {
    class Scale extends Module {
      readonly w = this.registerParameter('w', tensor([1, 2]));
      forward(x: Tensor) {
        return x.mul(this.w);
      }
    }
    const scale = new Scale();
    const other = tensor([3, 4]);
    scale.replaceParameter('w', other);
    expect(scale.w).toBe(other);
    expect(other.requiresGrad).toBe(true);
    expect(Array.from(scale.forward(tensor([1, 1])).data)).toEqual([3, 4]);
    expectError(() => mlp([2, 1]).replaceParameter('0.weight', tensor([[1], [2]])), ValueError, "replaceParameter: this Sequential has no parameter '0.weight' of its own; it has none (a child's is replaced on the child)");
  });

  test('a tie keeps a frozen weight frozen; a new tensor is made trainable; a buffer is refused', () => {
    const [a, b] = [new Dense(3, 3, { seed: 1 }), new Dense(3, 3, { seed: 2 })];
    a.weight.requiresGrad = false;
    b.replaceParameter('weight', a.weight);
    expect(a.weight.requiresGrad).toBe(false);
    const fresh = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    b.replaceParameter('weight', fresh);
    expect(fresh.requiresGrad).toBe(true);
    const norm = new BatchNorm(3);
    expectError(() => b.replaceParameter('bias', norm.buffer('runningMean')), ValueError, "replaceParameter: 'bias' cannot be replaced by a module's buffer (state that is saved but not trained, such as running statistics)");
  });

  test('bad calls are errors naming the call, and change nothing', () => {
    const layer = new Dense(2, 3, { seed: 1 });
    const weight = layer.weight;
    expectError(() => layer.replaceParameter('kernel', tensor([1])), ValueError, "replaceParameter: this Dense has no parameter 'kernel' of its own; its parameters are 'weight', 'bias' (a child's is replaced on the child)");
    expectError(() => layer.replaceParameter('weight', [[1, 2, 3]] as never), ValueError, "replaceParameter: 'weight' must be replaced by a Tensor, got an array of length 1");
    expectError(() => layer.replaceParameter('weight', weight.mul(2)), ValueError, /must be replaced by a leaf tensor/);
    expectError(() => layer.replaceParameter('weight', tensor([[1, 2], [3, 4], [5, 6]])), ShapeError, "replaceParameter: 'weight' of this Dense has shape [2, 3], the replacement [3, 2]");
    expect(layer.weight).toBe(weight);
  });
});

describe('ModuleList', () => {
  class Tower extends Module {
    readonly blocks = this.register('blocks', new ModuleList([new Dense(2, 2, { seed: 1 }), new Dense(2, 2, { seed: 2 })]));
    forward(x: Tensor): Tensor {
      for (const block of this.blocks) x = x.add(block.forward(x));
      return x;
    }
  }

  test('registers its modules as 0, 1, …: every one is trained, saved and switched to eval', () => {
    const tower = new Tower();
    expect(tower.namedParameters().map(([n]) => n)).toEqual(['blocks.0.weight', 'blocks.0.bias', 'blocks.1.weight', 'blocks.1.bias']);
    const x = tensor([[0.5, -1], [2, 0.25]]);
    tower.forward(x).sum().backward();
    expect(tower.parameters().every((p) => p.grad!.data.some((v) => v !== 0))).toBe(true);
    expect(Object.keys(tower.stateDict())).toHaveLength(4);
    tower.eval();
    expect([...tower.blocks].every((b) => !b.training)).toBe(true);
  });

  test('append, at (negative from the end), length and iteration; any module, recurrent ones too', () => {
    const list = new ModuleList<Module<any, unknown>>([new Dense(1, 1)]);
    const lstm = new LSTM(2, 3);
    expect(list.append(lstm)).toBe(list);
    expect(list.length).toBe(2);
    expect(list.at(1)).toBe(lstm);
    expect(list.at(-1)).toBe(lstm);
    expect([...list]).toEqual([list.at(0), lstm]);
    expect(list.namedParameters().map(([n]) => n).filter((n) => n.startsWith('1.'))).toEqual(['1.weightIh', '1.weightHh', '1.biasIh', '1.biasHh']);
  });

  test('bad input and forward are ValueErrors naming the call', () => {
    expect(() => new ModuleList(new Dense(1, 1) as never)).toThrow(/^ModuleList: expected a list of modules, got a Dense module/);
    expect(() => new ModuleList([new Dense(1, 1), 3 as never])).toThrow(/^ModuleList: item 1 is not a Module, got number 3/);
    expect(() => new ModuleList().append({} as never)).toThrow(/^ModuleList\.append: expected a Module/);
    expect(() => new ModuleList([new Dense(1, 1)]).at(1)).toThrow('ModuleList.at: index must be a whole number from -1 to 0, got 1');
    expect(() => new ModuleList().at(0.5)).toThrow(/ModuleList\.at: .* got 0\.5/);
    expect(() => (new ModuleList() as unknown as { forward(): unknown }).forward()).toThrow(/^ModuleList\.forward: a ModuleList has no forward of its own/);
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

/** Holds a tensor another module owns (weight tying): registered, not copied. */
class TiedTo extends Module {
  constructor(w: Tensor) {
    super();
    this.registerParameter('weight', w);
  }
  forward(x: Tensor): Tensor {
    return x.matmul(this.param('weight'));
  }
}

/** `b` reuses `a`'s weight: one tensor, two modules, two names in the state dict. */
class Tied extends Module {
  readonly a = this.register('a', new Dense(2, 2, { seed: 1, bias: false }));
  readonly b = this.register('b', new TiedTo(this.a.weight));
  forward(x: Tensor): Tensor {
    return this.b.forward(this.a.forward(x));
  }
}

describe('functionalCall with shared layers and tied weights (torch.func.functional_call, tie_weights)', () => {
  const x = tensor([[1, 2], [-0.5, 3]]);

  test('a tied weight is replaced in every module that holds it, so its gradient has both uses', () => {
    const model = new Tied();
    model.forward(x).sum().backward();
    const expected = model.a.weight.grad!.toArray();
    const w = model.a.weight.clone();
    for (const key of ['a.weight', 'b.weight']) {
      expect(grad((v: Tensor) => functionalCall(model, { [key]: v }, x).sum())(w).toArray()).toEqual(expected);
    }
    // The substitute is used everywhere, and the model's own tensor is back in both places afterwards.
    const zero = tensor([[0, 0], [0, 0]]);
    const y = functionalCall(model, { 'b.weight': zero }, x);
    expect(y.toArray()).toEqual([[0, 0], [0, 0]]);
    expect(model.b.param('weight')).toBe(model.a.weight);
    expect(model.forward(x).toArray()).not.toEqual(y.toArray());
  });

  test('a layer registered twice answers to both names; two different tensors for one parameter are refused', () => {
    const shared = new Dense(2, 2, { seed: 2 });
    const model = new Sequential([shared, shared]);
    const w = shared.weight.clone();
    w.data[0] = 5;
    const viaFirst = functionalCall(model, { '0.weight': w }, x).toArray();
    expect(functionalCall(model, { '1.weight': w }, x).toArray()).toEqual(viaFirst);
    expect(functionalCall(model, { '0.weight': w, '1.weight': w }, x).toArray()).toEqual(viaFirst);
    expectError(() => functionalCall(model, { '0.weight': w, '1.weight': w.clone() }, x), ValueError,
      "functionalCall: '0.weight' and '1.weight' name the same parameter (a shared layer or tied weight), and were given different tensors");
    expectError(() => functionalCall(new Tied(), { 'a.weight': w, 'b.weight': w.clone() }, x), ValueError,
      "functionalCall: 'a.weight' and 'b.weight' name the same parameter (a shared layer or tied weight), and were given different tensors");
    expect(shared.weight.data[0]).not.toBe(5);
  });

  test('params that are not an object of tensors are refused, not read as no substitutes', () => {
    const layer = new Dense(2, 1, { seed: 0 });
    expectError(() => functionalCall(layer, new Map([['weight', tensor([[1], [2]])]]) as never, x), ValueError,
      'functionalCall: params must be an object of tensors by dotted name, got a Map (pass Object.fromEntries(map))');
    expectError(() => functionalCall(layer, [] as never, x), ValueError, 'functionalCall: params must be an object of tensors by dotted name, got an array of length 0');
    expectError(() => functionalCall(new BatchNorm(2), { runningMean: tensor([1, 1]) }, x), ValueError,
      "functionalCall: 'runningMean' is a buffer; functionalCall replaces parameters only");
    expectError(() => functionalCall(layer, { 'weight.x': tensor([1]) }, x), ValueError, "functionalCall: the module has no parameter 'weight.x'");
  });
});

describe('loadStateDict as torch.nn.Module.load_state_dict, and atomic', () => {
  test('missing and unexpected keys are reported together; strict: false returns them', () => {
    const model = mlp([2, 2], { seed: 0 });
    const dict = { '0.weight': tensor([[1, 2], [3, 4]]), '0.bais': tensor([1, 2]) };
    expectError(() => model.loadStateDict(dict), ValueError, "loadStateDict: missing key(s) '0.bias'; unexpected key(s) '0.bais'");
    expect(model.loadStateDict(dict, { strict: false })).toEqual({ missingKeys: ['0.bias'], unexpectedKeys: ['0.bais'] });
    expect(model.stateDict()['0.weight']!.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(model.loadStateDict(model.stateDict())).toEqual({ missingKeys: [], unexpectedKeys: [] });
  });

  test('every shape mismatch is reported', () => {
    const model = mlp([2, 2], { seed: 0 });
    expectError(() => model.loadStateDict({ '0.weight': tensor([[1, 2]]), '0.bias': tensor([1, 2, 3]) }), ShapeError,
      "loadStateDict: '0.weight' has shape [1, 2] in the state dict but [2, 2] in the module; '0.bias' has shape [3] in the state dict but [2] in the module");
  });

  test('a Map or an array is refused, not read as a dict with every key missing', () => {
    const model = mlp([2, 2], { seed: 0 });
    expectError(() => model.loadStateDict(new Map(Object.entries(model.stateDict())) as never), ValueError,
      'loadStateDict: expected an object of tensors by dotted name, got a Map (pass Object.fromEntries(map))');
    expectError(() => model.loadStateDict([] as never), ValueError, 'loadStateDict: expected an object of tensors by dotted name, got an array of length 0');
  });

  test("values that are the module's own tensors are all read before any is written", () => {
    const model = new Sequential([new Dense(2, 2, { seed: 1 }), new Dense(2, 2, { seed: 2 })]);
    const before = model.stateDict();
    const own = Object.fromEntries(model.namedParameters());
    // Swap the two weights, given as the live parameters rather than copies.
    model.loadStateDict({ ...own, '0.weight': own['1.weight']!, '1.weight': own['0.weight']! });
    expect(model.stateDict()['0.weight']!.toArray()).toEqual(before['1.weight']!.toArray());
    expect(model.stateDict()['1.weight']!.toArray()).toEqual(before['0.weight']!.toArray());
  });

  test('a buffer that cannot be written is found before anything is written', () => {
    class Computed extends Module {
      constructor() {
        super();
        this.registerParameter('w', tensor([1, 2]));
        this.registerBuffer('scaled', tensor([1, 2], { requiresGrad: true }).mul(2));
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const m = new Computed();
    expectError(() => m.loadStateDict({ w: tensor([9, 9]), scaled: tensor([5, 5]) }), ValueError,
      "loadStateDict: 'scaled' cannot be loaded: the module's tensor was computed by a recorded op, and only a leaf can be written in place");
    expect(m.param('w').toArray()).toEqual([1, 2]);
  });

  test('one tensor under two names (a shared layer, a tied weight) takes one value: two different ones are refused', () => {
    const model = new Tied();
    const dict = model.stateDict();
    expect(Object.keys(dict)).toEqual(['a.weight', 'b.weight']);
    const w = tensor([[1, 2], [3, 4]]);
    model.loadStateDict({ 'a.weight': w, 'b.weight': w.clone() });
    expect(model.a.weight.toArray()).toEqual([[1, 2], [3, 4]]);
    expectError(() => model.loadStateDict({ 'a.weight': dict['a.weight']!, 'b.weight': w.mul(2) }), ValueError,
      "loadStateDict: 'a.weight' and 'b.weight' are one tensor in the module (a shared layer or tied weight) but hold different values in the state dict");
    expect(model.a.weight.toArray()).toEqual([[1, 2], [3, 4]]);
  });
});

/** A module whose forward calls its child's: nothing but recursion can run it. */
class Wrap extends Module {
  constructor(readonly inner: Module, name = 'inner') {
    super();
    this.register(name, inner);
  }
  forward(x: Tensor): Tensor {
    return this.inner.forward(x);
  }
}

/** Registers one module twice: every level doubles the paths to the modules below it. */
class Twice extends Module {
  constructor(m: Module) {
    super();
    this.register('a', m);
    this.register('b', m);
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

describe('trees of any depth and shape', () => {
  const DEPTH = 100_000;
  /** A Dense layer inside `depth` Sequentials, each holding the next. */
  const chain = (depth: number): { root: Module; leaf: Dense } => {
    const leaf = new Dense(1, 1, { seed: 1 });
    let root: Module = leaf;
    for (let i = 0; i < depth; i++) root = new Sequential([root]);
    return { root, leaf };
  };

  test('a tree nested 10⁵ deep: every walk over it works (they keep their own stack)', () => {
    const { root, leaf } = chain(DEPTH);
    const modules = root.namedModules();
    expect(modules).toHaveLength(DEPTH + 1);
    const deepName = `${'0.'.repeat(DEPTH)}weight`;
    expect(root.namedParameters().map(([n]) => n)).toEqual([deepName, `${'0.'.repeat(DEPTH)}bias`]);
    expect(root.parameters()).toEqual([leaf.weight, leaf.bias]);
    const dict = root.stateDict();
    expect(Object.keys(dict)).toEqual([deepName, `${'0.'.repeat(DEPTH)}bias`]);
    dict[deepName]!.data[0] = 7;
    root.loadStateDict(dict);
    expect(leaf.weight.data[0]).toBe(7);
    root.eval();
    expect(leaf.training).toBe(false);
    root.train();
    expect(leaf.training).toBe(true);
    root.forward(tensor([[2]])).sum().backward();
    expect(leaf.weight.grad!.item()).toBe(2);
    root.zeroGrad();
    expect(leaf.weight.grad).toBeNull();
    expect(functionalCall(root, { [deepName]: tensor([[3]]) }, tensor([[2]])).item()).toBe(6);
    expect(leaf.weight.data[0]).toBe(7);
  });

  test('toString outlines 64 levels and summarises the rest on one line', () => {
    const text = chain(DEPTH).root.toString();
    const lines = text.split('\n');
    expect(lines).toHaveLength(2 * 64 + 1);
    expect(lines[64]).toBe(`${'  '.repeat(64)}(0): Sequential( … 1 child module(s) nested deeper than 64 levels, not shown)`);
    expect(lines.at(-1)).toBe(')');
  });

  test('nested Sequentials and Residuals run in a loop, at any depth, with the values of recursion', () => {
    expect(chain(DEPTH).root.forward(tensor([[2]])).shape).toEqual([1, 1]);
    let residual: Module = new Dense(1, 1, { init: 'zeros' });
    for (let i = 0; i < DEPTH; i++) residual = new Residual(residual);
    expect(residual.forward(tensor([[1.5]])).item()).toBe(1.5 * DEPTH);
    // Three levels by hand: x + (x + (x + f(x))), f(x) = 2x + 1
    const f = new Dense(1, 1, { init: (s) => tensor([[2]]).reshape(s) });
    f.bias!.data[0] = 1;
    expect(new Residual(new Residual(new Residual(f))).forward(tensor([[1]])).item()).toBe(1 + (1 + (1 + 3)));
    expect(() => new Residual(new Residual(new Dense(2, 3))).forward(tensor([[1, 1]]))).toThrow(
      'Residual.forward: the wrapped module must keep the shape of its input, got input [1, 2] and output [1, 3]',
    );
  });

  test('a module shared at many levels is walked once per module; walks listing every path refuse more than a million', () => {
    let dag: Module = new Dense(1, 1, { seed: 1 });
    for (let i = 0; i < 40; i++) dag = new Twice(dag);
    expect(dag.namedModules()).toHaveLength(41);
    expect(dag.parameters()).toHaveLength(2);
    expect(dag.namedParameters()[0]![0]).toBe(`${'a.'.repeat(40)}weight`);
    expectError(() => dag.stateDict(), ValueError, `stateDict: the module tree has 2199023255551 paths to its modules, more than ${MAX_MODULE_PATHS} (modules registered in several places, at many levels?)`);
    expectError(() => dag.loadStateDict({}), ValueError, /^loadStateDict: the module tree has 2199023255551 paths/);
    expect(dag.toString().split('\n').at(-1)).toBe('… (the outline stops after 100000 lines)');
    // Below the limit, every path is a key, as in PyTorch's state_dict.
    let small: Module = new Dense(1, 1, { seed: 1 });
    for (let i = 0; i < 3; i++) small = new Twice(small);
    expect(Object.keys(small.stateDict())).toHaveLength(2 ** 3 * 2);
  });

  test('a cycle is a ValueError naming the call and both paths, not an endless walk; toString marks it', () => {
    const inner = new Wrap(new Dense(1, 1));
    const outer = new Wrap(inner);
    inner.register('back', outer);
    for (const [op, call] of [
      ['namedModules', () => outer.namedModules()], ['namedParameters', () => outer.parameters()], ['namedBuffers', () => outer.namedBuffers()],
      ['stateDict', () => outer.stateDict()], ['loadStateDict', () => outer.loadStateDict({})], ['train', () => outer.eval()],
    ] as const) {
      expectError(call, ValueError, `${op}: the module tree has a cycle: the Wrap at the root is registered again inside itself, at 'inner.back'`);
    }
    expect(outer.toString()).toBe('Wrap(\n  (inner): Wrap(\n    (inner): Dense(1 → 1, identity)\n    (back): Wrap( … a cycle: this module contains itself)\n  )\n)');
  });

  test('loadStateDict lists at most ten missing or unexpected keys, then how many more', () => {
    const model = new Sequential(Array.from({ length: 30 }, () => new Dense(1, 1, { seed: 1 })));
    expectError(() => model.loadStateDict({}), ValueError, /^loadStateDict: missing key\(s\) '0\.weight', '0\.bias', .*'4\.bias' … and 50 more$/);
    const extra = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`x${i}`, tensor([1])]));
    expectError(() => model.loadStateDict({ ...model.stateDict(), ...extra }), ValueError, /^loadStateDict: unexpected key\(s\) 'x0', .*'x9' … and 19990 more$/);
  });
});

describe('Module.clone: a deep copy, as PyTorch copy.deepcopy(model)', () => {
  /** A user's module with a bit of everything a model holds, and fields of its own. */
  class Net extends Module {
    readonly enc = this.register('enc', new Dense(3, 4, { activation: new ReLU(), seed: 1 }));
    readonly blocks = this.register('blocks', new ModuleList([new Dense(4, 4, { seed: 2 }), new Dropout(0.5, { seed: 3 })]));
    readonly norm = this.register('norm', new BatchNorm(4));
    readonly dec = this.register('dec', new Dense(4, 2, { seed: 4 }));
    readonly scale = this.registerParameter('scale', tensor([2]));
    readonly config = { gain: 0.5, names: ['a', 'b'], table: new Map([['k', [1, 2]]]) };
    readonly offset = tensor([[0.25, -0.25]]); // a constant of the module's own, not registered
    forward(x: Tensor): Tensor {
      let h = this.enc.forward(x);
      for (const block of this.blocks) h = (block as Module).forward(h);
      return this.dec.forward(this.norm.forward(h)).mul(this.param('scale')).mul(this.config.gain).add(this.offset);
    }
  }
  const bits = (t: Tensor): number[] => Array.from(t.data);
  const x = tensor([[1, -2, 3], [0.5, 0, -1]]);

  const trained = (): Net => {
    const net = new Net();
    net.register('encAgain', net.enc); // one module in two places
    net.replaceParameter('scale', tensor([3]));
    net.blocks.at(0).replaceParameter('bias', net.enc.bias!); // a tied weight
    net.dec.weight.requiresGrad = false; // frozen
    net.forward(x).sum().backward();
    net.norm.buffer('runningMean').data.set([0.1, -0, NaN, 4]); // −0 and NaN must come back bit for bit
    net.blocks.at(1).eval();
    return net;
  };

  test('the copy is of the same class and structure, with equal values in memory of its own', () => {
    const net = trained();
    const copy = net.clone();
    expect(copy).toBeInstanceOf(Net);
    expect(copy).not.toBe(net);
    const [ours, theirs] = [net.stateDict(), copy.stateDict()];
    expect(Object.keys(theirs)).toEqual(Object.keys(ours));
    for (const key of Object.keys(ours)) expect(bits(theirs[key]!).map((v, i) => Object.is(v, ours[key]!.data[i]))).not.toContain(false);
    expect(Object.is(copy.norm.buffer('runningMean').data[1], -0)).toBe(true);
    expect(Number.isNaN(copy.norm.buffer('runningMean').data[2])).toBe(true);
    const original = new Set([...net.parameters(), ...net.namedBuffers().map(([, b]) => b)].map((t) => t.data.buffer));
    for (const t of [...copy.parameters(), ...copy.namedBuffers().map(([, b]) => b)]) {
      expect(net.parameters()).not.toContain(t);
      if (t.size > 8) expect(original.has(t.data.buffer)).toBe(false); // small tensors share slabs, but never an array
    }
    copy.parameters().forEach((p, i) => expect(p.data).not.toBe(net.parameters()[i]!.data));
    expect(copy.namedModules().map(([name, m]) => [name, m.constructor.name, m.training])).toEqual(net.namedModules().map(([name, m]) => [name, m.constructor.name, m.training]));
    expect(copy.parameters().map((p) => p.requiresGrad)).toEqual(net.parameters().map((p) => p.requiresGrad));
    expect(copy.dec.weight.requiresGrad).toBe(false);
    expect(copy.parameters().every((p) => p.grad === null)).toBe(true);
    expect(net.enc.weight.grad).not.toBeNull();
    expect(copy.toString()).toBe(net.toString());
  });

  test('sharing inside the model is kept in the copy, and nothing is shared with the original', () => {
    const net = trained();
    const copy = net.clone();
    expect(Module.childrenOf(copy).get('encAgain')).toBe(copy.enc);
    expect(copy.blocks.at(0).param('bias')).toBe(copy.enc.bias);
    expect(copy.enc.bias).not.toBe(net.enc.bias);
    expect(copy.parameters()).toHaveLength(net.parameters().length);
    expect(copy.config).not.toBe(net.config);
    expect(copy.config).toEqual(net.config);
    expect(copy.config.table.get('k')).not.toBe(net.config.table.get('k'));
    expect(copy.offset).not.toBe(net.offset);
    expect(bits(copy.offset)).toEqual(bits(net.offset));
    const seq = new Sequential([new Dense(2, 2, { seed: 1 })]).clone();
    expect(Object.isFrozen(seq.layers)).toBe(true);
    expect(seq.layers[0]).toBe(Module.childrenOf(seq).get('0'));
  });

  test('the copy computes what the original does, dropout masks included, and then goes its own way', () => {
    const net = new Net();
    const copy = net.clone();
    expect((copy.blocks.at(1) as Dropout).rng).not.toBe((net.blocks.at(1) as Dropout).rng);
    expect(bits(copy.forward(x))).toEqual(bits(net.forward(x))); // training mode: the same masks
    expect(bits(copy.forward(x))).toEqual(bits(net.forward(x)));
    // Training the copy changes neither the original's weights nor its running statistics.
    const before = net.stateDict();
    const opt = new SGD(copy, { lr: 0.1 });
    copy.forward(x).square().sum().backward();
    opt.step();
    const after = net.stateDict();
    for (const key of Object.keys(before)) expect(bits(after[key]!)).toEqual(bits(before[key]!));
    expect(bits(copy.enc.weight)).not.toEqual(bits(net.enc.weight));
    // The copy's containers work on its own children: a replaced activation changes its output only.
    const reference = bits(net.eval().forward(x));
    copy.loadStateDict(net.stateDict());
    copy.eval();
    copy.enc.replaceChild('activation', new Tanh());
    expect(bits(net.forward(x))).toEqual(reference);
    expect(bits(copy.forward(x))).not.toEqual(reference);
    copy.blocks.append(new Dense(4, 4, { seed: 5 }));
    expect([copy.blocks.length, net.blocks.length]).toEqual([3, 2]);
    expect(copy.blocks.at(2)).toBe(Module.childrenOf(copy.blocks).get('2'));
  });

  test('refuses what it cannot copy faithfully, naming Module.clone and the field', () => {
    class Closure extends Module {
      readonly k = 2;
      readonly f = (t: Tensor): Tensor => t.mul(this.k);
      forward(t: Tensor): Tensor {
        return this.f(t);
      }
    }
    expectError(() => new Closure().clone(), ValueError, /^Module\.clone: Closure\.f holds an arrow function that refers to `this`/);
    class Plain extends Module {
      readonly f = (t: Tensor): Tensor => t.mul(2); // a function of its arguments alone is shared
      forward(t: Tensor): Tensor {
        return this.f(t);
      }
    }
    const plain = new Plain();
    expect(plain.clone().f).toBe(plain.f);
    class Holder extends Module {
      constructor(readonly value: unknown) {
        super();
      }
      forward(t: Tensor): Tensor {
        return t;
      }
    }
    class Tokenizer {
      readonly vocab = ['a'];
    }
    expectError(() => new Holder(new Tokenizer()).clone(), ValueError, /^Module\.clone: Holder\.value holds a Tokenizer, which clone cannot copy faithfully/);
    expectError(() => new Holder({ deep: [[new Dense(1, 1)]] }).clone(), ValueError, /^Module\.clone: Holder\.value\.deep\[0\]\[0\] holds a Dense that is not part of the model/);
    expectError(() => new Holder(tensor([1], { requiresGrad: true }).mul(2)).clone(), ValueError, /^Module\.clone: Holder\.value was computed by a recorded op/);
    const computed = new Holder(1);
    computed.registerBuffer('b', tensor([1], { requiresGrad: true }).mul(2));
    expectError(() => computed.clone(), ValueError, "Module.clone: the buffer 'b' was computed by a recorded op, and a copy cannot keep its graph; hold a leaf (detach())");
    const getter = new Holder(1);
    Object.defineProperty(getter, 'g', { get: () => 1, enumerable: true });
    expectError(() => getter.clone(), ValueError, /^Module\.clone: Holder\.g is a getter or setter of the instance/);
    // And what every walk refuses: a module held in a field but never registered.
    const stray = new Holder(new Dense(1, 1));
    expectError(() => stray.clone(), ValueError, /^Module\.clone: Holder\.value holds a Dense that was never registered/);
  });

  test('a bound function is refused: it would go on calling the original, with the original\'s weights', () => {
    class Bound extends Module {
      readonly w = this.registerParameter('w', tensor([2]));
      readonly act = this.scale.bind(this);
      scale(t: Tensor): Tensor {
        return t.mul(this.param('w'));
      }
      forward(t: Tensor): Tensor {
        return this.act(t);
      }
    }
    expectError(() => new Bound().clone(), ValueError, /^Module\.clone: Bound\.act holds a bound function \(bound scale\), whose `this` clone cannot see/);
    class Pure extends Module {
      readonly f = Math.max; // a native function is shared, as any function without `this`
      forward(t: Tensor): Tensor {
        return t;
      }
    }
    const pure = new Pure();
    expect(pure.clone().f).toBe(Math.max);
  });

  test('a field holding a parameter\'s data, or a tensor sharing it (detach()), shares it in the copy too', () => {
    class Alias extends Module {
      readonly w = this.registerParameter('w', tensor([1, 2, 3]));
      readonly values = this.w.data;
      readonly frozen = this.w.detach();
      forward(t: Tensor): Tensor {
        return t.mul(this.frozen);
      }
    }
    const net = new Alias();
    const copy = net.clone();
    expect(copy.values).not.toBe(net.values);
    expect(copy.frozen).not.toBe(net.frozen);
    copy.w.assign(tensor([7, 8, 9]));
    expect([bits(copy.frozen), Array.from(copy.values)]).toEqual([[7, 8, 9], [7, 8, 9]]);
    expect([bits(net.frozen), Array.from(net.values), bits(net.w)]).toEqual([[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
    expect(bits(copy.forward(tensor([1, 1, 1])))).toEqual([7, 8, 9]);
  });
});
