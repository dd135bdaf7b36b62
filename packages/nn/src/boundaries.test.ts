/**
 * Input validation at nn's public boundaries, for every optimizer and every function taking the
 * argument: learning rates, optimizer state dicts that do not fit, Dropout's p, batch sizes and
 * empty data, options arguments. Every mistake is a ValueError (or ShapeError) whose message names
 * the function and the offending value — never a TypeError, never silently accepted — and a
 * rejected loadStateDict changes nothing.
 */
import { AdjointError, ShapeError, Tensor, ValueError, tensor, zeros } from '@adjoint/core';
import {
  Adagrad, Adam, AdamW, BatchNorm, Dense, Dropout, MinMaxScaler, Module, RMSprop, SGD, Sequential, accuracy, batches, confusionMatrix,
  deserializeModel, evaluate, fit, glorotNormal, glorotUniform, heNormal, heUniform, kFold, loadModel, mlp, normal, predict, saveModel,
  serializeModel, trainTestSplit, type Optimizer,
} from '@adjoint/nn';
import { expectError } from '../../../test/support/expect-error';

const param = (values: number[]): Tensor => tensor(values, { requiresGrad: true });

type OptimizerClass = new (params: Tensor[], options?: { lr?: unknown; momentum?: number }) => Optimizer;
const OPTIMIZERS: Array<[string, OptimizerClass]> = [
  ['SGD', SGD as OptimizerClass], ['Adam', Adam as OptimizerClass], ['AdamW', AdamW as OptimizerClass],
  ['Adagrad', Adagrad as OptimizerClass], ['RMSprop', RMSprop as OptimizerClass],
];

/** One optimizer step on f(w) = Σ w² (gradient 2w). */
function stepOn(opt: Optimizer): void {
  opt.zeroGrad();
  for (const p of opt.params) p.square().sum().backward();
  opt.step();
}

describe('learning rates', () => {
  describe.each(OPTIMIZERS)('%s', (name, Opt) => {
    it.each<[unknown, string]>([
      [-1, '-1'], [-1e-12, '-1e-12'], [NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'],
      ['0.1', 'string 0.1'], [true, 'boolean true'], [{}, 'an object (Object)'], [null, 'null'],
    ])('lr = %p is a ValueError', (lr, shown) => {
      expectError(() => new Opt([param([1])], { lr }), ValueError, `${name}: lr must be a finite number ≥ 0 or a schedule, got ${shown}`);
    });

    it('lr = 0 is allowed and leaves the weights where they are', () => {
      const w = param([1, -2]);
      stepOn(new Opt([w], { lr: 0 }));
      expect(Array.from(w.data)).toEqual([1, -2]);
    });

    it('a negative rate set later, or produced by a schedule, is refused at the step, before any weight moves', () => {
      const w = param([1, -2]);
      const opt = new Opt([w], { lr: 0.1 });
      opt.lr = -0.5;
      expectError(() => stepOn(opt), ValueError, `${name}: the learning rate must be a finite number ≥ 0, got -0.5 at step 0`);
      opt.lr = (step: number) => (step < 1 ? 0.1 : -0.1);
      stepOn(opt);
      const after = Array.from(w.data);
      expectError(() => stepOn(opt), ValueError, `${name}: the learning rate must be a finite number ≥ 0, got -0.1 at step 1`);
      expect(Array.from(w.data)).toEqual(after);
      expect(opt.stepCount).toBe(1);
    });
  });

  it('fit names the optimizer it builds from a name and a bad lr', () => {
    const options = { x: [[1, 2]], y: [[1]], loss: 'mse' as const, progress: false };
    expectError(() => fit(mlp([2, 1]), { ...options, optimizer: 'adam', lr: -1 }), ValueError, /^Adam: lr must be a finite number ≥ 0 or a schedule, got -1/);
    expectError(() => fit(mlp([2, 1]), { ...options, optimizer: { name: 'rmsprop', lr: NaN } }), ValueError, /^RMSprop: lr must be .* got NaN/);
  });
});

describe('optimizer loadStateDict with a state that does not fit', () => {
  /** An optimizer over params of the given shapes that has taken two steps. */
  const trained = (Opt: OptimizerClass, shapes: number[][]): Optimizer => {
    const params = shapes.map((shape) => tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i + 1), { shape, requiresGrad: true }));
    const opt = new Opt(params, Opt === SGD ? { lr: 0.1, momentum: 0.9 } : { lr: 0.1 });
    stepOn(opt);
    stepOn(opt);
    return opt;
  };

  describe.each(OPTIMIZERS)('%s', (name, Opt) => {
    it('a state for fewer or more parameters than the optimizer has', () => {
      const saved = trained(Opt, [[2], [3]]).stateDict();
      expectError(() => trained(Opt, [[2]]).loadStateDict(saved), ValueError, `${name}.loadStateDict: the state has 2 parameters but the optimizer has 1`);
      expectError(() => trained(Opt, [[2], [3], [1]]).loadStateDict(saved), ValueError, `${name}.loadStateDict: the state has 2 parameters but the optimizer has 3`);
    });

    it('parameters of other shapes (the same count), in the other order too', () => {
      const saved = trained(Opt, [[2], [3]]).stateDict();
      expectError(() => trained(Opt, [[3], [2]]).loadStateDict(saved), ShapeError, new RegExp(`^${name}\\.loadStateDict: '\\w+' of parameter 0 has shape \\[2\\], the parameter \\[3\\]`));
      expectError(() => trained(Opt, [[2], [1, 3]]).loadStateDict(saved), ShapeError, /of parameter 1 has shape \[3\], the parameter \[1, 3\]/);
    });

    it('the state of another kind of optimizer', () => {
      const other = Opt === Adagrad ? RMSprop : Adagrad;
      const saved = trained(other as OptimizerClass, [[2]]).stateDict();
      expectError(() => trained(Opt, [[2]]).loadStateDict(saved), ValueError, new RegExp(`^${name}\\.loadStateDict: the state of parameter 0 has entries \\[\\w+\\], this optimizer keeps \\[`));
    });

    it('malformed dicts', () => {
      const opt = trained(Opt, [[2]]);
      const good = opt.stateDict();
      for (const bad of [null, undefined, 5, {}, { step: -1, state: good.state }, { step: 1.5, state: good.state }, { step: 1, state: {} }]) {
        expectError(() => opt.loadStateDict(bad as never), ValueError, new RegExp(`^${name}\\.loadStateDict: expected \\{step, state\\} from stateDict\\(\\)`));
      }
      expectError(() => opt.loadStateDict({ step: 1, state: [7 as never] }), ValueError, `${name}.loadStateDict: the state of parameter 0 must be an object or null, got number 7`);
      const entry = Object.keys(good.state[0]!)[0]!;
      expectError(() => opt.loadStateDict({ step: 1, state: [{ ...good.state[0]!, [entry]: 'x' as never }] }), ValueError, new RegExp(`'${entry}' of parameter 0 must be a Tensor, got string x`));
    });

    it('a rejected state changes nothing: the optimizer goes on exactly like an untouched twin', () => {
      const a = trained(Opt, [[2], [3]]);
      const b = trained(Opt, [[2], [3]]);
      const wrong = trained(Opt, [[3], [2]]).stateDict();
      expect(() => a.loadStateDict(wrong)).toThrow(ShapeError);
      expect(() => a.loadStateDict({ ...a.stateDict(), state: [a.stateDict().state[0]!, null, null] })).toThrow(ValueError);
      for (let k = 0; k < 3; k++) {
        stepOn(a);
        stepOn(b);
      }
      expect(a.stepCount).toBe(b.stepCount);
      a.params.forEach((p, i) => expect(Array.from(p.data)).toEqual(Array.from(b.params[i]!.data)));
    });

    it('a state for the same shapes loads, and training resumes exactly', () => {
      const source = trained(Opt, [[2], [3]]);
      const target = trained(Opt, [[2], [3]]);
      stepOn(source); // source is one step ahead; target takes over its state and weights
      target.loadStateDict(source.stateDict());
      target.params.forEach((p, i) => p.data.set(source.params[i]!.data));
      stepOn(source);
      stepOn(target);
      expect(target.stepCount).toBe(source.stepCount);
      target.params.forEach((p, i) => expect(Array.from(p.data)).toEqual(Array.from(source.params[i]!.data)));
    });
  });

  // Found by these tests: a finite but negative or fractional step count used to be accepted, and
  // Adam's next step then divided by a bias correction of 1 − β⁰ = 0, turning every weight into NaN.
  it.each([-1, 0.5, NaN])("Adam's step count t = %p is refused", (t) => {
    const opt = trained(Adam as OptimizerClass, [[2]]);
    const state = opt.stateDict();
    expectError(() => opt.loadStateDict({ step: 1, state: [{ ...state.state[0]!, t }] }), ValueError, `Adam.loadStateDict: 't' of parameter 0 must be a step count (an integer ≥ 0), got number ${t}`);
    stepOn(opt);
    expect(opt.params[0]!.data.every(Number.isFinite)).toBe(true);
  });
});

describe("Dropout's p", () => {
  it.each<[unknown, string]>([
    [-0.1, '-0.1'], [1, '1'], [1.5, '1.5'], [NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'],
    ['0.5', 'string 0.5'], [null, 'null'],
  ])('p = %p is a ValueError', (p, shown) => {
    expectError(() => new Dropout(p as number), ValueError, `Dropout: p must be in [0, 1), got ${shown}`);
  });

  it('0 and values just below 1 are allowed: p = 0.999 keeps about 1 in 1000 elements, scaled by 1000', () => {
    const out = new Dropout(0.999, { seed: 1 }).forward(tensor(new Float64Array(20000).fill(1), { shape: [20000] }));
    const kept = Array.from(out.data).filter((v) => v !== 0);
    expect(kept.length).toBeGreaterThan(5); // binomial(20000, 0.001): mean 20, P(≤ 5) < 1e-4
    expect(kept.length).toBeLessThan(45);
    for (const v of kept) expect(v).toBeCloseTo(1000, 9);
    const x = tensor([1, 2]);
    expect(new Dropout(0).forward(x)).toBe(x);
  });

  it('a model file whose Dropout has p = 1 is refused at load time, naming the layer', () => {
    const file = JSON.parse(JSON.stringify(serializeModel(new Sequential([new Dense(2, 2, { seed: 1 }), new Dropout(0.5)]))));
    file.architecture.layers[1].p = 1;
    expectError(() => deserializeModel(file), ValueError, 'deserializeModel: architecture.layers[1] (Dropout): Dropout: p must be in [0, 1), got 1');
  });
});

describe('batch sizes and empty data', () => {
  const x = tensor([[1, 2], [3, 4], [5, 6]]);
  const y = tensor([[1], [2], [3]]);
  const model = (): Module => mlp([2, 2, 1], { seed: 1 });
  const base = { x, y, loss: 'mse' as const, optimizer: 'sgd' as const, progress: false };

  it.each<[unknown, string]>([[0, '0'], [-1, '-1'], [1.5, '1.5'], [NaN, 'NaN'], [Infinity, 'Infinity'], ['8', '"8"'], [null, 'null']])(
    'batchSize %p is a ValueError in fit, batches, predict and evaluate',
    (batchSize, shown) => {
      const bs = batchSize as number;
      expectError(() => fit(model(), { ...base, batchSize: bs }), ValueError, `fit: batchSize must be an integer ≥ 1, got ${shown}`);
      expectError(() => batches(x, y, { batchSize: bs }), ValueError, `batches: batchSize must be an integer ≥ 1, got ${shown}`);
      expectError(() => predict(model(), x, { batchSize: bs }), ValueError, `predict: batchSize must be an integer ≥ 1, got ${shown}`);
      expectError(() => evaluate(model(), x, y, { loss: 'mse', batchSize: bs }), ValueError, `evaluate: batchSize must be an integer ≥ 1, got ${shown}`);
    },
  );

  it('a batch size larger than the data is one full batch, except with dropLast, where fit refuses', () => {
    expect([...batches(x, y, { batchSize: 1000 })].map((b) => b.indices)).toEqual([[0, 1, 2]]);
    expect([...batches(x, y, { batchSize: 4, dropLast: true })]).toEqual([]);
    expectError(() => fit(model(), { ...base, batchSize: 4, dropLast: true }), ValueError, 'fit: with dropLast, batchSize 4 exceeds the 3 training rows and no batch is left');
  });

  it('no rows: fit, predict and evaluate refuse; batches yields nothing', () => {
    const none = zeros([0, 2]);
    expectError(() => fit(model(), { ...base, x: none, y: zeros([0, 1]) }), ValueError, 'fit: x has no rows to train on');
    expectError(() => predict(model(), none), ValueError, 'predict: x has no rows');
    expectError(() => evaluate(model(), none, zeros([0, 1]), { loss: 'mse' }), ValueError, 'evaluate: x has no rows');
    expect([...batches(none)]).toEqual([]);
  });
});

describe('options arguments must be objects', () => {
  // Each of these used to throw a TypeError ("Cannot read properties of null") for null, and to
  // ignore a number or a string without a word.
  const x = tensor([[1, 2], [3, 4], [5, 6], [7, 8]]);
  const y = tensor([[1], [2], [3], [4]]);
  const path = '/nonexistent-dir/model.json';
  const cases: Array<[string, (options: never) => unknown]> = [
    ['Dense', (o) => new Dense(2, 2, o)],
    ['BatchNorm', (o) => new BatchNorm(2, o)],
    ['mlp', (o) => mlp([2, 2], o)],
    ['predict', (o) => predict(mlp([2, 1]), x, o)],
    ['evaluate', (o) => evaluate(mlp([2, 1]), x, y, o)],
    ['batches', (o) => batches(x, y, o)],
    ['trainTestSplit', (o) => trainTestSplit(x, y, o)],
    ['kFold', (o) => kFold(4, 2, o)],
    ['MinMaxScaler', (o) => new MinMaxScaler(o)],
    ['accuracy', (o) => accuracy([0, 1], [0, 1], o)],
    ['confusionMatrix', (o) => confusionMatrix([0, 1], [0, 1], 2, o)],
    ['serializeModel', (o) => serializeModel(mlp([2, 1]), o)],
    ['saveModel', (o) => saveModel(mlp([2, 1]), path, o)],
    ['loadModel', (o) => loadModel(path, o)],
    ['deserializeModel', (o) => deserializeModel(serializeModel(mlp([2, 1])), o)],
    ['glorotUniform', (o) => glorotUniform([2, 2], o)],
    ['glorotNormal', (o) => glorotNormal([2, 2], o)],
    ['heUniform', (o) => heUniform([2, 2], o)],
    ['heNormal', (o) => heNormal([2, 2], o)],
    ['normal', (o) => normal([2, 2], o)],
  ];
  it.each(cases)('%s', (name, call) => {
    expectError(() => call(null as never), ValueError, `${name}: options must be an object, got null`);
    expectError(() => call(5 as never), ValueError, `${name}: options must be an object, got 5`);
    expectError(() => call([] as never), ValueError, /options must be an object, got an array of length 0/);
  });

  it('Module.loadStateDict too', () => {
    const m = mlp([2, 1], { seed: 1 });
    expectError(() => m.loadStateDict(m.stateDict(), null as never), ValueError, 'loadStateDict: options must be an object, got null');
  });
});
