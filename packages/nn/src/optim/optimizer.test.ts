import { Rng, ValueError, borrowGrad, randn, tensor, type Tensor } from '@adjoint/core';
import { NonFiniteGradientError, type Optimizer, type ParamGroupOptions } from './optimizer';
import { expectError } from '../../../../test/support/expect-error';
import { crossEntropy } from '../losses';
import { Adam } from './adam';
import { SGD } from './sgd';
import { Adagrad } from './adagrad';
import { RMSprop } from './rmsprop';
import { AdamW } from './adam';
import { stepDecay } from '../schedules';
import { Dense, mlp } from '../layers/index';
import { Module } from '../module';
import { param, trajectory } from '../testing/optim-helpers';

describe('Optimizer base', () => {
  test('parameter lists are validated, naming the optimizer and the value', () => {
    expect(() => new SGD([])).toThrow('SGD: the parameter list is empty');
    expect(() => new Adam([param([1]), 2 as never])).toThrow('Adam: parameter 1 is not a Tensor, got number 2');
    expect(() => new RMSprop({} as never)).toThrow(ValueError);
    expect(() => new Adagrad([param([1]).mul(2)])).toThrow(/Adagrad: parameter 0 .* not a leaf/);
  });

  test('a module holding a layer it never registered is refused by name, not trained in part', () => {
    class Net extends Module {
      readonly body = this.register('body', new Dense(2, 3));
      readonly head = new Dense(3, 1); // PyTorch would register this attribute by itself
      forward(x: Tensor) {
        return this.head.forward(this.body.forward(x));
      }
    }
    expect(() => new Adam(new Net())).toThrow(/^Adam: Net\.head holds a Dense that was never registered, so its parameters and buffers are not the model's .*register it: readonly head = this\.register\('head', new Dense\(…\)\)/);
    expect(() => new SGD(mlp([2, 1]).parameters().slice(0, 0))).toThrow(/^SGD: the parameter list is empty$/);
  });

  test('a module can be passed for its parameters; duplicates are updated once', () => {
    const model = mlp([2, 3, 1], { seed: 0 });
    expect(new SGD(model).params).toEqual(model.parameters());
    const w = param([1]);
    const opt = new SGD([w, w], { lr: 0.1 });
    expect(opt.params).toHaveLength(1);
    expect(trajectory(w, opt, 1)).toEqual([[0.8]]);
  });

  test('parameters without a gradient are skipped (and their state does not advance)', () => {
    const a = param([1]);
    const b = param([5]);
    const opt = new Adam([a, b], { lr: 0.1 });
    for (let k = 0; k < 3; k++) {
      opt.zeroGrad();
      a.square().sum().backward();
      opt.step();
    }
    expect(b.data[0]).toBe(5);
    expect(b.grad).toBeNull();
    b.grad = tensor([-3]);
    opt.step(); // b's first update: a full lr step, so its bias correction starts at t = 1
    expect(b.data[0]).toBeCloseTo(5.1, 8);
  });

  test('a gradient of the wrong shape is a ShapeError, not a silent broadcast', () => {
    const w = param([1, 2]);
    expect(() => (w.grad = tensor([1, 2, 3]))).toThrow('grad: a gradient of shape [3] cannot belong to a tensor of shape [2]');
    // One that slipped past .grad (set through the engine's own field) is still caught by the optimizer.
    (w as unknown as { _grad: unknown })._grad = tensor([1, 2, 3]);
    expect(() => new SGD([w]).step()).toThrow('SGD: the gradient of parameter 0 has shape [3], the parameter [2]');
    expect(Array.from(w.data)).toEqual([1, 2]);
  });

  test('a gradient holding NaN or ±∞ is refused before any parameter moves, naming the optimizer and the parameter', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const a = param([1, 2]);
      const b = param([3, 4, 5]);
      const opt = new Adam([a, b], { lr: 0.1 });
      a.grad = tensor([1, 1]);
      b.grad = tensor([1, bad, 1]);
      expectError(() => opt.step(), NonFiniteGradientError, `Adam: the gradient of parameter 1 (shape [3]) holds ${bad} at element 1; no parameter was updated (the loss diverged, or is not differentiable there: lower the learning rate, clip the gradients, or check the loss)`);
      expect(Array.from(a.data)).toEqual([1, 2]);
      expect(Array.from(b.data)).toEqual([3, 4, 5]);
      expect(opt.stepCount).toBe(0);
      expect(opt.stateDict().state).toEqual([null, null]);
    }
    // Built from a module, the optimizer names the parameter by its path; the error is a ValueError.
    const model = mlp([2, 2, 1], { seed: 1 });
    const sgd = new SGD(model);
    model.parameters()[2]!.grad = tensor([[NaN], [0]]);
    expectError(() => sgd.step(), ValueError, /^SGD: the gradient of parameter 2 \('1\.weight'\) \(shape \[2, 1\]\) holds NaN at element 0/);
  });

  test('an optimizer that squares gradients refuses one whose square overflows (its sum of squares would be ∞ and the weight stuck for good); SGD takes it', () => {
    const huge = 1e160; // finite, but huge² is ∞
    for (const [name, make] of [['Adam', (ps) => new Adam(ps)], ['RMSprop', (ps) => new RMSprop(ps)], ['Adagrad', (ps) => new Adagrad(ps)]] as const satisfies readonly (readonly [string, (ps: ReturnType<typeof param>[]) => unknown])[]) {
      const a = param([1, 2]);
      const b = param([3, 4, 5]);
      const opt = make([a, b]);
      a.grad = tensor([1, 1]);
      b.grad = tensor([1, 1, -huge]);
      expectError(() => opt.step(), NonFiniteGradientError, new RegExp(`^${name}: the gradient of parameter 1 \\(shape \\[3\\]\\) holds -1e\\+160 at element 2, whose square overflows .*; no parameter was updated`));
      expect(Array.from(a.data)).toEqual([1, 2]);
      expect(Array.from(b.data)).toEqual([3, 4, 5]);
      // Just below 2⁵¹² the square is finite, and the step goes on (moving each weight).
      b.grad = tensor([1, 1, -Math.sqrt(Number.MAX_VALUE)]);
      opt.step();
      expect(b.data[2]).toBeGreaterThan(5);
      expect(() => opt.loadStateDict(opt.stateDict())).not.toThrow(); // its state stayed finite, so a checkpoint of it loads
    }
    // Adagrad's sum of squares can still overflow over several steps of gradients just below 2⁵¹²,
    // as PyTorch's does; its own checkpoint then loads all the same.
    const a = param([1]);
    const adagrad = new Adagrad([a]);
    for (let k = 0; k < 2; k++) {
      a.grad = tensor([1e154]);
      adagrad.step();
    }
    const state = adagrad.stateDict();
    expect((state.state[0] as unknown as { sum: { data: Float64Array } }).sum.data[0]).toBe(Infinity);
    expect(() => new Adagrad([param([1])]).loadStateDict(state)).not.toThrow();
    const w = param([1, 2]);
    const sgd = new SGD([w], { lr: 1e-160 });
    w.grad = tensor([huge, 0]);
    sgd.step();
    expect(Array.from(w.data)).toEqual([0, 2]);
  });

  test('a gradient that is not a Tensor is a ValueError naming the optimizer', () => {
    const w = param([1]);
    (w as unknown as { _grad: unknown })._grad = [1];
    expectError(() => new RMSprop([w]).step(), ValueError, 'RMSprop: the gradient of parameter 0 must be a Tensor, got an array of length 1');
  });

  test('zeroGrad clears the gradients', () => {
    const w = param([1, 2]);
    const opt = new SGD([w]);
    w.sum().backward();
    opt.zeroGrad();
    expect(w.grad).toBeNull();
  });

  test('training with reused gradient arrays gives exactly the weights of training without', () => {
    // step() borrows the gradients, so zeroGrad recycles their arrays into the next step's; a
    // loop that reads .grad keeps every array to itself. The two must agree bit for bit.
    const train = (readGradients: boolean): number[] => {
      const model = mlp([12, 20, 3], { seed: 4 });
      const opt = new Adam(model, { lr: 0.05 });
      const x = randn([16, 12], { seed: 5 });
      const y = tensor(Array.from({ length: 16 }, (_, i) => i % 3));
      const seen = new Set<Float64Array>();
      for (let k = 0; k < 6; k++) {
        opt.zeroGrad();
        crossEntropy(model.forward(x), y).backward();
        for (const p of model.parameters()) seen.add(readGradients ? p.grad!.data : borrowGrad(p)!.data);
        opt.step();
      }
      const arrays = 6 * model.parameters().length;
      if (readGradients) expect(seen.size).toBe(arrays); // nothing reused
      else expect(seen.size).toBeLessThan(arrays);
      return model.parameters().flatMap((p) => Array.from(p.data));
    };
    expect(train(false)).toEqual(train(true));
  });

  test('a schedule is called with the step count; stepCount and currentLr report it', () => {
    const w = param([0]);
    const opt = new SGD([w], { lr: stepDecay(1, { stepSize: 2, gamma: 0.5 }) });
    const seen: number[] = [];
    for (let k = 0; k < 5; k++) {
      seen.push(opt.currentLr());
      const before = w.data[0]!;
      opt.zeroGrad();
      w.sum().backward(); // gradient 1: each step moves w by −lr
      opt.step();
      expect(before - w.data[0]!).toBe(seen[k]);
    }
    expect(seen).toEqual([1, 1, 0.5, 0.5, 0.25]);
    expect(opt.stepCount).toBe(5);
    opt.lr = () => NaN;
    expect(() => opt.step()).toThrow('SGD: the learning rate must be a finite number ≥ 0, got NaN at step 5');
  });

  test('stateDict / loadStateDict resume a run exactly', () => {
    const make = () => param([1, -2]);
    const straight = make();
    const reference = trajectory(straight, new AdamW([straight], { lr: 0.1 }), 4);
    const first = make();
    const opt1 = new AdamW([first], { lr: 0.1 });
    trajectory(first, opt1, 2);
    const saved = opt1.stateDict();
    const second = param([...first.data]);
    const opt2 = new AdamW([second], { lr: 0.1 });
    opt2.loadStateDict(saved);
    expect(opt2.stepCount).toBe(2);
    expect(trajectory(second, opt2, 2)).toEqual(reference.slice(2));
    expect(() => new SGD([param([1]), param([2])]).loadStateDict(saved)).toThrow(/has 1 parameters but the optimizer has 2/);
    expect(() => new Adam([param([1, 2, 3])]).loadStateDict(saved)).toThrow(/'m' of parameter 0 has shape \[2\], the parameter \[3\]/);
  });
});

describe('param groups (PyTorch: param_groups)', () => {
  test('each group steps with its own lr and weight decay; a group without follows the optimizer as it changes', () => {
    const [a, b, c] = [param([1]), param([1]), param([1])];
    const opt = new SGD([{ params: [a], lr: 0.25 }, { params: [b], weightDecay: 0.5 }, { params: [c] }], { lr: 0.1 });
    expect(opt.params).toEqual([a, b, c]);
    expect(opt.paramGroups.map((g) => [g.lr, g.weightDecay])).toEqual([[0.25, undefined], [undefined, 0.5], [undefined, undefined]]);
    // f = Σ w², g = 2w: a ← 1 − 0.25·2, b ← 1 − 0.1·(2 + 0.5), c ← 1 − 0.1·2
    expect(trajectory([a, b, c], opt, 1)).toEqual([[0.5, 0.75, 0.8]]);
    opt.lr = 0.5;
    opt.paramGroups[0]!.lr = 0;
    expect([0, 1, 2].map((g) => opt.currentLr(g))).toEqual([0, 0.5, 0.5]);
    expect(trajectory([a, b, c], opt, 1)).toEqual([[0.5, 0.75 - 0.5 * 2.5 * 0.75, 0.8 - 0.5 * 2 * 0.8]]);
  });

  test('a group of a module names its parameters in messages; groups and their lists cannot be changed, except lr', () => {
    const model = mlp([2, 3, 1], { seed: 0 });
    const [first, second] = model.layers as Dense[];
    const opt = new Adam([{ params: first!, lr: 1e-4 }, { params: second! }]);
    expect(opt.params).toEqual(model.parameters());
    expect(Object.isFrozen(opt.paramGroups) && Object.isFrozen(opt.paramGroups[0]!.params)).toBe(true);
    expect(() => ((opt.paramGroups[1] as { weightDecay: number }).weightDecay = 1)).toThrow(TypeError);
    second!.bias!.grad = tensor([NaN]);
    expectError(() => opt.step(), ValueError, /^Adam: the gradient of parameter 3 \('bias' of param group 1\)/);
    opt.paramGroups[1]!.lr = -1;
    second!.bias!.grad = tensor([1]);
    const before = Array.from(second!.bias!.data);
    expectError(() => opt.step(), ValueError, 'Adam: the learning rate of param group 1 must be a finite number ≥ 0, got -1 at step 0');
    expect(Array.from(second!.bias!.data)).toEqual(before);
    expectError(() => opt.currentLr(2), ValueError, 'Adam.currentLr: group must be a whole number from 0 to 1, got 2');
  });

  test('a group of one tensor, as PyTorch takes it', () => {
    const [a, b] = [param([1]), param([2])];
    const opt = new SGD([{ params: a, lr: 0.5 }, { params: [b] }], { lr: 0.1 });
    expect(opt.paramGroups[0]!.params).toEqual([a]);
    expect(trajectory([a, b], opt, 1)).toEqual([[0, 1.6]]);
  });

  test('bad groups are ValueErrors naming the group', () => {
    const [a, b] = [param([1]), param([2])];
    expectError(() => new SGD([{ params: [a] }, { params: [b, a] }]), ValueError, 'SGD: parameter 1 of param group 1 (shape [1]) is also in param group 0; a parameter belongs to one group');
    expectError(() => new SGD([{ params: [a] }, { params: [] }]), ValueError, 'SGD (param group 1): the parameter list is empty');
    expectError(() => new Adam([{ params: [a], momentum: 0.9 } as never]), ValueError, "Adam: unknown key 'momentum' in param group 0; the keys are params, lr, weightDecay");
    expectError(() => new Adam([{ lr: 0.1 } as never]), ValueError, 'Adam: param group 0 has no params');
    expectError(() => new RMSprop([{ params: [a], lr: -1 }]), ValueError, /^RMSprop \(param group 0\): lr must be a finite number ≥ 0/);
    expectError(() => new Adagrad([{ params: [a], weightDecay: NaN }]), ValueError, 'Adagrad (param group 0): weightDecay must be in [0, ∞), got NaN');
    expectError(() => new SGD([{ params: [a] }, b] as never), ValueError, /^SGD: parameter 0 is not a Tensor, got an object/);
  });
});

describe('unknown options', () => {
  it('a misspelt option is a ValueError naming it, not silently ignored', () => {
    const w = tensor([1], { requiresGrad: true });
    expect(() => new SGD([w], { momentun: 0.9 } as never)).toThrow("SGD: unknown option 'momentun'; the options are lr, momentum, nesterov, weightDecay");
    expect(() => new Adam([w], { beta: 0.9 } as never)).toThrow(/^Adam: unknown option 'beta'; the options are lr, beta1, beta2/);
  });
});

describe('stateDict through JSON, with the groups\' rates (PyTorch: param_groups in state_dict)', () => {
  type Make = (params: ParamGroupOptions[]) => Optimizer;
  const OPTIMIZERS: Array<[string, Make]> = [
    ['SGD with momentum', (g) => new SGD(g, { lr: 0.1, momentum: 0.9 })],
    ['SGD with Nesterov momentum and weight decay', (g) => new SGD(g, { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.01 })],
    ['Adam', (g) => new Adam(g, { lr: 0.01 })],
    ['AdamW', (g) => new AdamW(g, { lr: 0.01 })],
    ['RMSprop', (g) => new RMSprop(g, { lr: 0.01 })],
    ['Adagrad', (g) => new Adagrad(g, { lr: 0.1 })],
  ];
  const rng = new Rng(11);
  const shapes = [[2, 3], [3], []];
  const grads = Array.from({ length: 12 }, () => shapes.map((s) => Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.normal())));
  const start = shapes.map((s) => Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.normal()));
  const fresh = (): Tensor[] => shapes.map((s, i) => tensor(start[i]!, { shape: s, requiresGrad: true }));
  /** Two groups: the matrix at a rate of its own, the rest with a weight decay of its own. */
  const groupsOf = (ps: Tensor[]): ParamGroupOptions[] => [{ params: [ps[0]!], lr: 0.02 }, { params: [ps[1]!, ps[2]!], weightDecay: 0.03 }];
  const steps = (opt: Optimizer, ps: Tensor[], from: number, to: number): void => {
    for (let k = from; k < to; k++) {
      if (k === 3) opt.paramGroups[1]!.lr = 0.004; // a rate changed during training must be saved too
      ps.forEach((p, i) => (p.grad = tensor(grads[k]![i]!, { shape: [...p.shape] })));
      opt.step();
    }
  };

  test.each(OPTIMIZERS)('%s: train, save to a JSON string, load into a new optimizer, go on: the run of one that never stopped, bit for bit', (_name, make) => {
    const ps = fresh();
    const uninterrupted = make(groupsOf(ps));
    steps(uninterrupted, ps, 0, 12);
    const first = fresh();
    const before = make(groupsOf(first));
    steps(before, first, 0, 7);
    const text = JSON.stringify(before.stateDict());
    const resumed = fresh();
    resumed.forEach((p, i) => p.data.set(first[i]!.data));
    const after = make(groupsOf(resumed));
    after.loadStateDict(JSON.parse(text));
    expect(after.stepCount).toBe(7);
    expect(after.currentLr(1)).toBe(0.004);
    steps(after, resumed, 7, 12);
    resumed.forEach((p, i) => expect(Array.from(p.data)).toEqual(Array.from(ps[i]!.data)));
    // Without the saved rate, the second group would have gone on at the optimizer's rate.
    expect(after.paramGroups[1]!.lr).toBe(0.004);
  });

  test('stateDict records the rates and weight decays as plain data; a schedule as "schedule"', () => {
    const ps = fresh();
    const opt = new SGD([{ params: [ps[0]!], lr: stepDecay(0.1, { stepSize: 2 }) }, { params: [ps[1]!, ps[2]!], weightDecay: 0.5 }], { lr: 0.3, momentum: 0.9, weightDecay: 0.1 });
    const { lr, paramGroups } = opt.stateDict();
    expect({ lr, paramGroups }).toEqual({ lr: 0.3, paramGroups: [{ params: [0], lr: 'schedule', weightDecay: 0.1 }, { params: [1, 2], weightDecay: 0.5 }] });
    expect(JSON.parse(JSON.stringify(opt.stateDict()))).toEqual({ step: 0, state: [null, null, null], lr: 0.3, paramGroups, settings: { momentum: 0.9, nesterov: false } });
    const scheduled = new Adam(ps, { lr: stepDecay(0.1, { stepSize: 2 }) });
    expect(scheduled.stateDict().lr).toBe('schedule');
  });

  test('loading: numbers replace the rates; "schedule" keeps the optimizer\'s own; a state without rates keeps them all', () => {
    const schedule = stepDecay(0.1, { stepSize: 2 });
    const source = new SGD([{ params: [param([1])], lr: schedule }, { params: [param([2])] }], { lr: 0.3 });
    source.lr = 0.2;
    const saved = JSON.parse(JSON.stringify(source.stateDict()));
    const mine = stepDecay(1, { stepSize: 1 });
    const target = new SGD([{ params: [param([1])], lr: mine }, { params: [param([2])], lr: 0.7 }], { lr: 0.9 });
    target.loadStateDict(saved);
    expect([target.lr, target.paramGroups[0]!.lr, target.paramGroups[1]!.lr]).toEqual([0.2, mine, undefined]);
    expect(target.currentLr(1)).toBe(0.2); // the second group follows the optimizer's rate again, as it did
    const old = new SGD([{ params: [param([1])], lr: 0.4 }, { params: [param([2])] }], { lr: 0.9 });
    old.loadStateDict({ step: 3, state: [null, null] }); // saved before the rates were recorded
    expect([old.lr, old.paramGroups[0]!.lr, old.paramGroups[1]!.lr, old.stepCount]).toEqual([0.9, 0.4, undefined, 3]);
  });

  test('JSON has no ∞: a null in a sum of squares (Adagrad\'s can overflow) loads as ∞; elsewhere it is refused', () => {
    const a = param([1]);
    const adagrad = new Adagrad([a]);
    for (let k = 0; k < 2; k++) {
      a.grad = tensor([1e154]);
      adagrad.step();
    }
    const restored = new Adagrad([param([1])]);
    restored.loadStateDict(JSON.parse(JSON.stringify(adagrad.stateDict())));
    expect((restored.stateDict().state[0]!.sum as Tensor).data[0]).toBe(Infinity);
    const sgd = new SGD([param([1, 2])], { lr: 0.1, momentum: 0.9 });
    expectError(() => sgd.loadStateDict({ step: 1, state: [{ velocity: [null, 0] as never }] }), ValueError, "SGD.loadStateDict: 'velocity' of parameter 0 holds NaN at element 0; a state must be finite");
    // Adam's v is an average of squares of gradients step() found finite: it cannot overflow, so a null there is refused, not read as ∞ (which would freeze the weight).
    const adam = new Adam([param([1])]);
    expectError(() => adam.loadStateDict({ step: 1, state: [{ m: [0], v: [null], t: 1 } as never] }), ValueError, "Adam.loadStateDict: 'v' of parameter 0 holds NaN at element 0; it is an average of squares, which cannot be negative, NaN or infinite");
  });

  test('the other hyperparameters are saved, and a state saved with others is refused: the resumed run would not be the saved one', () => {
    const w = param([1, 2]);
    const adam = new Adam([w], { beta1: 0.8 });
    w.grad = tensor([0.5, -1]);
    adam.step();
    const saved = JSON.parse(JSON.stringify(adam.stateDict()));
    expect(saved.settings).toEqual({ beta1: 0.8, beta2: 0.999, eps: 1e-8, decoupled: false });
    new Adam([param([1, 2])], { beta1: 0.8 }).loadStateDict(saved);
    expectError(() => new Adam([param([1, 2])]).loadStateDict(saved), ValueError, 'Adam.loadStateDict: the state was saved with beta1 0.8, this optimizer\'s is 0.9; beta1 is fixed when an optimizer is built: build it with the saved one');
    // AdamW keeps Adam's state entries: only the settings tell a decoupled decay from a coupled one.
    const adamw = new AdamW([param([1, 2])], { weightDecay: 0.01 });
    expectError(() => new Adam([param([1, 2])], { weightDecay: 0.01 }).loadStateDict(adamw.stateDict()), ValueError, 'Adam.loadStateDict: the state was saved with decoupled true, this optimizer\'s is false; decoupled is fixed when an optimizer is built: build it with the saved one');
    expectError(() => new SGD([param([1, 2])], { momentum: 0.5 }).loadStateDict({ ...new SGD([param([1, 2])], { momentum: 0.5 }).stateDict(), settings: { momentum: 0.5 } }), ValueError, "SGD.loadStateDict: 'settings' holds [momentum], this optimizer's are [momentum, nesterov]: a state of another kind of optimizer");
    const old = new RMSprop([param([1])], { rho: 0.5 });
    old.loadStateDict({ step: 2, state: [null] }); // saved before the settings were recorded: nothing to check
    expect(old.stepCount).toBe(2);
  });

  test('a scalar parameter\'s state, which JSON writes as a bare number, loads back', () => {
    const w = param([3]);
    const s = tensor(3, { requiresGrad: true });
    const opt = new Adam([s, w], { lr: 0.1 });
    s.grad = tensor(0.5);
    w.grad = tensor([0.5]);
    opt.step();
    const text = JSON.stringify(opt.stateDict());
    expect(JSON.parse(text).state[0].m).toBeCloseTo(0.05, 15);
    const again = new Adam([tensor(3, { requiresGrad: true }), param([3])], { lr: 0.1 });
    again.loadStateDict(JSON.parse(text));
    expect((again.stateDict().state[0]!.m as Tensor).item()).toBe((opt.stateDict().state[0]!.m as Tensor).item());
    expect((again.stateDict().state[0]!.m as Tensor).shape).toEqual([]);
  });

  test('a malformed state from JSON is a ValueError naming <Optimizer>.loadStateDict, and changes nothing', () => {
    const ps = fresh();
    const source = new Adam(groupsOf(ps), { lr: 0.01 });
    steps(source, ps, 0, 2);
    const good = JSON.parse(JSON.stringify(source.stateDict()));
    const target = new Adam(groupsOf(fresh()), { lr: 0.01 });
    const withState = (i: number, key: string, value: unknown) => ({ ...good, state: good.state.map((s: object, k: number) => (k === i ? { ...s, [key]: value } : s)) });
    const cases: Array<[unknown, string | RegExp]> = [
      [withState(0, 'm', [[1, 2, 3]]), "Adam.loadStateDict: 'm' of parameter 0 must be nested arrays shaped like the parameter, [2, 3], got an array of length 1 where 2 belong"],
      [withState(0, 'm', [[1, 2, 3], [4, 5]]), "Adam.loadStateDict: 'm' of parameter 0 must be nested arrays shaped like the parameter, [2, 3], got an array of length 2 where 3 belong at [1]"],
      [withState(0, 'v', [[1, 2, 3], [4, '5', 6]]), "Adam.loadStateDict: 'v' of parameter 0 must be nested arrays shaped like the parameter, [2, 3], got string 5 at [1, 1]"],
      [withState(1, 'm', 4), /^Adam\.loadStateDict: 'm' of parameter 1 must be a Tensor, got number 4/],
      [withState(2, 'v', [1]), "Adam.loadStateDict: 'v' of parameter 2 must be nested arrays shaped like the parameter, [], got an array of length 1"],
      [withState(1, 'v', [1, -1, 2]), "Adam.loadStateDict: 'v' of parameter 1 holds -1 at element 1; it is an average of squares, which cannot be negative, NaN or infinite"],
      [{ ...good, lr: -1 }, "Adam.loadStateDict: 'lr' must be a learning rate (a finite number ≥ 0) or 'schedule', got number -1"],
      [{ ...good, lr: 'cosine' }, "Adam.loadStateDict: 'lr' must be a learning rate (a finite number ≥ 0) or 'schedule', got string cosine"],
      [{ ...good, paramGroups: good.paramGroups.slice(0, 1) }, /^Adam\.loadStateDict: 'paramGroups' must be a list of 2 groups \(this optimizer's\), got an array of length 1$/],
      [{ ...good, paramGroups: [good.paramGroups[0], { ...good.paramGroups[1], params: [1] }] }, 'Adam.loadStateDict: param group 1 holds the parameters at [1] in the state, this optimizer\'s the parameters at [1, 2]'],
      [{ ...good, paramGroups: [good.paramGroups[0], { ...good.paramGroups[1], weightDecay: 0 }] }, /^Adam\.loadStateDict: param group 1 was saved with weightDecay 0, this optimizer's is 0\.03; the weight decay is fixed/],
      [{ ...good, paramGroups: [{ ...good.paramGroups[0], lr: null }, good.paramGroups[1]] }, "Adam.loadStateDict: the lr of param group 0 must be a learning rate (a finite number ≥ 0) or 'schedule', got null"],
      [{ ...good, paramGroups: [7, good.paramGroups[1]] }, 'Adam.loadStateDict: param group 0 must be an object {params, lr, weightDecay}, got number 7'],
      [{ ...good, paramGroups: [good.paramGroups[0], { params: [1, 2] }] }, /^Adam\.loadStateDict: param group 1 was saved without a weightDecay, this optimizer's is 0\.03; the weight decay is fixed/],
      [{ ...good, paramGroups: [good.paramGroups[0], { ...good.paramGroups[1], weightDecay: '0.03' }] }, /^Adam\.loadStateDict: param group 1 was saved with weightDecay "0\.03", this optimizer's is 0\.03;/],
      [{ state: good.state }, "Adam.loadStateDict: 'step' must be a step count (an integer ≥ 0), got undefined"],
    ];
    for (const [bad, message] of cases) expectError(() => target.loadStateDict(bad as never), ValueError, message);
    expect(target.stepCount).toBe(0);
    expect(target.stateDict().state).toEqual([null, null, null]);
    expect(target.currentLr(0)).toBe(0.02);
    target.loadStateDict(good);
    expect(target.stepCount).toBe(2);
  });
});
