/** fit: determinism, validation, metrics, early stopping, callbacks, modes, progress and argument checks. */
import { Rng, Tensor, ValueError, ShapeError, getRngState, manualSeed, randn, tensor } from '@adjoint/core';
import {
  Adam, BatchNorm, Dense, Dropout, EarlyStopping, Module, ReduceLROnPlateau, SGD, Sequential, crossEntropy, evaluate, fit, mlp, reduceLrOnPlateau,
  type Callback, type Optimizer, type ProgressStream,
} from '@adjoint/nn';
import { expectError } from '../../../../test/support/expect-error';

/** A seeded regression problem: y = sin(x0) + x1² with 40 rows. */
function problem(seed = 3): { x: Tensor; y: Tensor } {
  const rng = new Rng(seed);
  const x = Array.from({ length: 40 }, () => [rng.uniform(-1, 1), rng.uniform(-1, 1)]);
  return { x: tensor(x), y: tensor(x.map(([a, b]) => [Math.sin(a!) + b! * b!])) };
}

const weightBytes = (m: Module): Buffer[] => m.parameters().map((p) => Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength));

describe('determinism', () => {
  const run = (seed: number) => {
    const { x, y } = problem();
    const model = new Sequential([new Dense(2, 16, { activation: 'relu', seed: 1 }), new Dropout(0.2, { seed: 2 }), new Dense(16, 1, { seed: 3 })]);
    const history = fit(model, {
      x, y, loss: 'mse', optimizer: 'adam', lr: 0.01, epochs: 8, batchSize: 8, seed,
      validationSplit: { fraction: 0.25, shuffle: true }, metrics: ['r2', 'mae'], progress: false,
    });
    return { history: history.toJSON(), weights: weightBytes(model) };
  };

  test('the same seed gives the same history and weights, bit for bit', () => {
    const [a, b] = [run(5), run(5)];
    expect(a.history).toEqual(b.history);
    a.weights.forEach((w, i) => expect(w.equals(b.weights[i]!)).toBe(true));
  });

  test('a different seed gives a different run', () => {
    const [a, b] = [run(5), run(6)];
    expect(a.history.loss).not.toEqual(b.history.loss);
    expect(a.weights.some((w, i) => !w.equals(b.weights[i]!))).toBe(true);
  });
});

describe('training loop', () => {
  test('each epoch logs the loss (mean over batches), metrics and validation values; gradients are cleared after each step', () => {
    const { x, y } = problem();
    const model = mlp([2, 8, 1], { activation: 'tanh', seed: 1 });
    const history = fit(model, {
      x, y, loss: 'mse', optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 }, epochs: 5, batchSize: 16,
      validationData: [x, y], metrics: ['mse'], progress: false,
    });
    expect(history.epochs).toBe(5);
    expect(history.loss).toHaveLength(5);
    expect(history.valLoss).toHaveLength(5);
    expect(Object.keys(history.metrics)).toEqual(['mse', 'valMse']);
    // With mse as loss and as metric on the same rows, valLoss and valMse agree.
    history.valLoss.forEach((v, i) => expect(history.metrics.valMse![i]).toBeCloseTo(v, 12));
    expect(history.loss.at(-1)!).toBeLessThan(history.loss[0]!);
    expect(history.stopReason).toBe('epochs');
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);
  });

  test('full-batch training with shuffle off matches a hand-written loop exactly', () => {
    const { x, y } = problem();
    const a = mlp([2, 4, 1], { seed: 9 });
    const b = mlp([2, 4, 1], { seed: 9 });
    fit(a, { x, y, loss: 'mse', optimizer: new SGD(a.parameters(), { lr: 0.05 }), epochs: 3, batchSize: 40, shuffle: false, progress: false });
    const opt = new SGD(b.parameters(), { lr: 0.05 });
    for (let i = 0; i < 3; i++) {
      b.forward(x).sub(y).square().mean().backward();
      opt.step();
      opt.zeroGrad();
    }
    expect(weightBytes(a)).toEqual(weightBytes(b));
  });

  test('the model is in training mode for batches and evaluation mode for validation; its flags are restored', () => {
    const seen: boolean[] = [];
    class Spy extends Module {
      readonly inner = this.register('inner', new Dense(2, 1, { seed: 1 }));
      forward(x: Tensor): Tensor {
        seen.push(this.training);
        return this.inner.forward(x);
      }
    }
    const { x, y } = problem();
    const model = new Spy().eval();
    fit(model, { x, y, loss: 'mse', optimizer: 'sgd', epochs: 1, batchSize: 20, validationData: [x, y], progress: false });
    expect(seen).toEqual([true, true, false]);
    expect(model.training).toBe(false);
    expect(model.inner.training).toBe(false);
  });

  test('validationSplit holds out the last rows; {shuffle: true} a seeded random subset', () => {
    const x = tensor(Array.from({ length: 10 }, (_, i) => [i]));
    const seenBy = (split: number | { fraction: number; shuffle: boolean }, seed = 0) => {
      const rows: number[][] = [];
      const spy = { name: 'spy', fn: (t: Tensor) => (rows.push(Array.from(t.data)), 0) };
      fit(new Dense(1, 1, { seed: 1 }), { x, y: x, loss: 'mse', optimizer: 'sgd', lr: 0, epochs: 1, metrics: [spy], validationSplit: split, seed, progress: false });
      return { train: [...rows[0]!].sort((a, b) => a - b), val: rows[1]! };
    };
    expect(seenBy(0.2)).toEqual({ train: [0, 1, 2, 3, 4, 5, 6, 7], val: [8, 9] });
    const shuffled = seenBy({ fraction: 0.3, shuffle: true }, 4);
    expect(shuffled.val).toHaveLength(3);
    expect([...shuffled.train, ...shuffled.val].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(shuffled.val).not.toEqual([7, 8, 9]);
    expect(seenBy({ fraction: 0.3, shuffle: true }, 4)).toEqual(shuffled);
  });

  test('metric naming: names, function names, {name, fn}, anonymous functions; validation keys are camelCase, val + Name', () => {
    const { x, y } = problem();
    const meanPrediction = (_t: Tensor, p: Tensor): number => p.mean().item();
    const history = fit(mlp([2, 4, 1], { seed: 1 }), {
      x, y, loss: 'mse', optimizer: 'adam', epochs: 2, validationData: [x, y], progress: false,
      metrics: ['r2', meanPrediction, { name: 'one', fn: () => 1 }, (() => (_t: Tensor, _p: Tensor) => 2)()],
    });
    expect(Object.keys(history.metrics).sort()).toEqual(
      ['meanPrediction', 'metric4', 'one', 'r2', 'valMeanPrediction', 'valMetric4', 'valOne', 'valR2'].sort(),
    );
    expect(history.metrics.one).toEqual([1, 1]);
    expect(history.get('valMetric4')).toEqual([2, 2]);
  });

  test('accuracy with a binary-logit loss thresholds logits at 0', () => {
    const x = tensor([[0], [1], [2], [3]]);
    const y = tensor([[0], [0], [1], [1]]);
    // A fixed model whose logits are x − 1.5: negative for the first two rows, positive after.
    const model = new Dense(1, 1, { init: (s) => tensor([[1]]).reshape(s) });
    model.bias!.data[0] = -1.5;
    const history = fit(model, { x, y, loss: 'binaryCrossEntropy', optimizer: 'sgd', lr: 0, epochs: 1, metrics: ['accuracy'], progress: false });
    expect(history.metrics.accuracy).toEqual([1]);
  });

  test('an epoch whose loss is not finite ends training', () => {
    const { x, y } = problem();
    const history = fit(new Dense(2, 1, { seed: 1 }), {
      x: x.mul(1e200), y, loss: 'mse', optimizer: 'sgd', lr: 1, epochs: 10, progress: false,
    });
    expect(history.stopReason).toBe('nonFinite');
    expect(history.epochs).toBeLessThan(10);
  });
});

describe('early stopping', () => {
  // Training pulls w from 0 towards +1 while the validation targets want −1: validation loss only
  // rises, so epoch 0 is the best and patience decides when training ends.
  const x = tensor(Array.from({ length: 16 }, (_, i) => [i / 8 - 1]));
  const setup = () => new Dense(1, 1, { init: 'zeros' });

  test('stops after `patience` epochs without improvement and, with restoreBest, restores the best weights', () => {
    const model = setup();
    let afterFirst: Record<string, Tensor> = {};
    const history = fit(model, {
      x, y: x, loss: 'mse', optimizer: 'sgd', lr: 0.1, epochs: 50, batchSize: 4, progress: false,
      validationData: [x, x.neg()], earlyStopping: { patience: 2, restoreBest: true },
      callbacks: [{ onEpochEnd: (epoch) => void (epoch === 0 && (afterFirst = model.stateDict())) }],
    });
    expect(history.epochs).toBe(3);
    expect(history.stopReason).toBe('earlyStopping');
    expect(history.bestEpoch).toBe(0);
    expect(history.valLoss[1]!).toBeGreaterThan(history.valLoss[0]!);
    expect(Array.from(model.weight.data)).toEqual(Array.from(afterFirst.weight!.data));
    expect(Array.from(model.bias!.data)).toEqual(Array.from(afterFirst.bias!.data));
  });

  test('without restoreBest the last weights stay; minDelta demands a real improvement', () => {
    const model = setup();
    const history = fit(model, {
      x, y: x, loss: 'mse', optimizer: 'sgd', lr: 0.1, epochs: 50, batchSize: 4, progress: false,
      earlyStopping: { patience: 3, monitor: 'loss', minDelta: 10 },
    });
    // The training loss falls every epoch, but never by more than 10.
    expect(history.epochs).toBe(4);
    expect(history.bestEpoch).toBe(0);
    expect(model.weight.data[0]).toBeGreaterThan(0);
  });

  test('a first epoch whose monitored value is NaN does not end training, as in Keras (the first epoch has nothing to fall short of)', () => {
    let calls = 0;
    // NaN in epoch 0 (say, a score of an empty class), then rising.
    const score = { name: 'score', fn: () => (calls++ === 0 ? NaN : calls), mode: 'max' as const };
    const run = (patience: number) =>
      fit(setup(), { x, y: x, loss: 'mse', optimizer: 'sgd', epochs: 4, progress: false, metrics: [score], earlyStopping: { monitor: 'score', patience } });
    for (const patience of [0, 1]) {
      calls = 0;
      const h = run(patience);
      expect([h.epochs, h.stopReason, h.bestEpoch]).toEqual([4, 'epochs', 3]);
    }
  });

  test('monitoring a maximised metric, and the monitor must be logged', () => {
    const ones = tensor([[1], [1], [1], [1]]);
    const h = fit(setup(), {
      x: ones, y: ones, loss: 'mse', optimizer: 'sgd', epochs: 10, progress: false, metrics: ['accuracy'],
      validationData: [ones, ones], earlyStopping: { monitor: 'valAccuracy', patience: 1 },
    });
    expect(h.epochs).toBeLessThan(10);
    const bad = (earlyStopping: object, extra: object = {}) => () =>
      fit(setup(), { x, y: x, loss: 'mse', optimizer: 'sgd', epochs: 2, progress: false, earlyStopping, ...extra });
    expect(bad({})).toThrow(/monitor 'valLoss' needs validation data/);
    expect(bad({ monitor: 'accuracy' })).toThrow(/monitor 'accuracy' is not logged; fit logs loss, valLoss/);
    expect(bad({ monitor: 'custom' }, { metrics: [(t: Tensor) => t.size] })).toThrow(ValueError);
    expect(bad({ monitor: 'metric1' }, { metrics: [(t: Tensor) => t.size] })).toThrow("fit: cannot tell whether 'metric1' should go up or down; give earlyStopping.mode 'min' or 'max'");
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(/patience must be an integer ≥ 0, got -1/);
  });
});

describe('callbacks', () => {
  test('hooks run in order with their arguments', () => {
    const events: string[] = [];
    const cb: Callback = {
      onTrainBegin: (info) => void events.push(`begin ${info.epochs}x${info.batchesPerEpoch} n=${info.samples}`),
      onEpochBegin: (e) => void events.push(`epoch ${e}`),
      onBatchEnd: (b, logs) => void events.push(`batch ${b} size ${logs.size}`),
      onEpochEnd: (e, logs) => void events.push(`end ${e} ${Object.keys(logs).join(',')}`),
      onTrainEnd: (h) => void events.push(`done ${h.epochs}`),
    };
    const { x, y } = problem();
    fit(mlp([2, 2, 1], { seed: 1 }), { x, y, loss: 'mse', optimizer: 'sgd', epochs: 2, batchSize: 32, metrics: ['r2'], callbacks: [cb], progress: false });
    expect(events).toEqual([
      'begin 2x2 n=40', 'epoch 0', 'batch 0 size 32', 'batch 1 size 8', 'end 0 loss,r2',
      'epoch 1', 'batch 0 size 32', 'batch 1 size 8', 'end 1 loss,r2', 'done 2',
    ]);
  });

  test("returning 'stop' from onEpochEnd ends training after that epoch; from onBatchEnd, after that batch", () => {
    const { x, y } = problem();
    const byEpoch = fit(mlp([2, 2, 1], { seed: 1 }), {
      x, y, loss: 'mse', optimizer: 'sgd', epochs: 10, progress: false, callbacks: [{ onEpochEnd: (e) => (e === 2 ? 'stop' : undefined) }],
    });
    expect(byEpoch.epochs).toBe(3);
    expect(byEpoch.stopReason).toBe('callback');

    let batches = 0;
    const byBatch = fit(mlp([2, 2, 1], { seed: 1 }), {
      x, y, loss: 'mse', optimizer: 'sgd', epochs: 10, batchSize: 4, progress: false,
      callbacks: [{ onBatchEnd: (b) => (batches++, b === 1 ? 'stop' : undefined) }],
    });
    expect(batches).toBe(2);
    expect(byBatch.epochs).toBe(1);
  });
});

describe('check before changing: a failed fit leaves the model as it found it', () => {
  const { x, y } = problem();
  /** Parameters and buffers, byte for byte. */
  const stateBytes = (m: Module): Buffer[] => Object.values(m.stateDict()).map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  const same = (a: Buffer[], b: Buffer[]) => a.length === b.length && a.every((w, i) => w.equals(b[i]!));
  const withBatchNorm = () => new Sequential([new Dense(2, 4, { seed: 1 }), new BatchNorm(4), new Dense(4, 3, { seed: 2 })]);

  test('validationData is checked against the training rows before the first step', () => {
    const model = withBatchNorm();
    const before = stateBytes(model);
    const labels = tensor(Array.from({ length: 40 }, (_, i) => i % 3));
    const base = { x, y: labels, loss: 'crossEntropy' as const, optimizer: 'sgd' as const, progress: false };
    expectError(() => fit(model, { ...base, validationData: [tensor([[1, 2, 3]]), tensor([0])] }), ShapeError, 'fit: the rows of validationData x must be shaped like those of x, [2], got [3] (validationData x [1, 3])');
    expectError(() => fit(model, { ...base, validationData: [x, tensor([[0], [1]]).slice([0, 0], [0, 1])] }), ShapeError, /validationData x and validationData y must have the same number of rows/);
    expectError(() => fit(model, { ...base, validationData: [x.slice([0, 0], [0, 2]), labels.slice([0], [0])] }), ValueError, 'fit: validationData has no rows');
    expectError(() => fit(model, { ...base, validationData: [x, tensor(Array.from({ length: 40 }, () => [0, 1, 0]))] }), ShapeError, /^fit: the rows of validationData y must be shaped like those of y, \[\], got \[3\]/);
    // Class indices: checked against the model's 3 outputs on the first batch, before its step.
    const badVal = tensor(Array.from({ length: 40 }, (_, i) => (i === 39 ? 3 : 0)));
    expectError(() => fit(model, { ...base, validationData: [x, badVal] }), ValueError, 'fit: the class indices in validationData y must be integers in [0, 3), got 3 at position 39');
    const badTrain = tensor(Array.from({ length: 40 }, (_, i) => (i === 39 ? 1.5 : 0)));
    expectError(() => fit(model, { ...base, y: badTrain, shuffle: false, batchSize: 4 }), ValueError, 'fit: the class indices in y must be integers in [0, 3), got 1.5 at position 39');
    expect(same(stateBytes(model), before)).toBe(true);
  });

  test('a callback or metric that throws mid-run: parameters, buffers and optimizer state are put back, and the error is the original', () => {
    const model = withBatchNorm();
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    const labels = tensor(Array.from({ length: 40 }, (_, i) => i % 3));
    fit(model, { x, y: labels, loss: 'crossEntropy', optimizer, epochs: 1, batchSize: 8, progress: false }); // the optimizer has a state of its own
    const before = stateBytes(model);
    const optimizerBefore = optimizer.stateDict();
    const failure = new Error('disk full');
    const thrown = () => fit(model, {
      x, y: labels, loss: 'crossEntropy', optimizer, epochs: 5, batchSize: 8, progress: false,
      callbacks: [{ onEpochEnd: (epoch) => { if (epoch === 2) throw failure; } }],
    });
    expect(thrown).toThrow(failure);
    expect(same(stateBytes(model), before)).toBe(true);
    expect(optimizer.stepCount).toBe(optimizerBefore.step);
    expect(optimizer.stateDict().state.map((s) => Array.from((s!.m as Tensor).data))).toEqual(optimizerBefore.state.map((s) => Array.from((s!.m as Tensor).data)));
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);
    expect(model.training).toBe(true);

    // After the failure, the same call without it continues exactly like a twin that never failed.
    const twin = withBatchNorm();
    twin.loadStateDict(model.stateDict());
    const twinOptimizer = new Adam(twin.parameters(), { lr: 0.01 });
    twinOptimizer.loadStateDict(optimizer.stateDict());
    fit(model, { x, y: labels, loss: 'crossEntropy', optimizer, epochs: 2, batchSize: 8, progress: false });
    fit(twin, { x, y: labels, loss: 'crossEntropy', optimizer: twinOptimizer, epochs: 2, batchSize: 8, progress: false });
    expect(same(stateBytes(model), stateBytes(twin))).toBe(true);

    const metricFails = () => fit(model, { x, y: labels, loss: 'crossEntropy', optimizer, epochs: 2, metrics: [{ name: 'bad', fn: () => { throw new ValueError('no'); } }], progress: false });
    const beforeMetric = stateBytes(model);
    expectError(metricFails, ValueError, 'no');
    expect(same(stateBytes(model), beforeMetric)).toBe(true);
  });

  test('an optimizer made before a layer was replaced is refused; a frozen part or a learnable tensor of the loss alone are fine', () => {
    const labels = tensor(Array.from({ length: 40 }, (_, i) => i % 3));
    const model = mlp([2, 4, 3], { seed: 1 });
    const stale = new Adam(model.parameters(), { lr: 0.01 });
    model.replaceChild('1', new Dense(4, 3, { seed: 2 }));
    const base = { x, y: labels, loss: 'crossEntropy' as const, epochs: 1, progress: false as const };
    expectError(() => fit(model, { ...base, optimizer: stale }), ValueError, /^fit: the Adam instance holds 2 tensors that are not the model's and leaves out 2 of the model's trainable parameters: was it made before a layer was replaced \(replaceChild, replaceParameter\)\?/);
    const headOnly = new Adam(model.layers[1]!.parameters(), { lr: 0.01 });
    expect(() => fit(model, { ...base, optimizer: headOnly })).not.toThrow();
    const temperature = tensor([1], { requiresGrad: true });
    const withTemperature = new Adam([...model.parameters(), temperature], { lr: 0.01 });
    expect(() => fit(model, { ...base, loss: (p: Tensor, y: Tensor) => crossEntropy(p.div(temperature), y), optimizer: withTemperature })).not.toThrow();
  });

  test('a failed fit also rewinds the random streams it drew dropout masks from, so a retry draws the same masks', () => {
    const labels = tensor(Array.from({ length: 40 }, (_, i) => i % 3));
    const make = () => new Sequential([new Dense(2, 8, { activation: 'relu', seed: 1 }), new Dropout(0.5, { seed: 7 }), new Dense(8, 4, { seed: 2 }), new Dropout(0.25), new Dense(4, 3, { seed: 3 })]);
    const run = (model: Sequential, callbacks: Callback[] = []) => fit(model, { x, y: labels, loss: 'crossEntropy', optimizer: 'adam', lr: 0.01, epochs: 3, batchSize: 8, seed: 1, progress: false, callbacks });
    manualSeed(5);
    const model = make();
    const own = (model.layers[1] as Dropout).rng!;
    const [ownBefore, coreBefore] = [own.state(), getRngState()];
    expect(() => run(model, [{ onEpochEnd: (epoch) => { if (epoch === 1) throw new Error('disk full'); } }])).toThrow('disk full');
    expect(own.state()).toEqual(ownBefore);
    expect(getRngState()).toEqual(coreBefore);
    const retried = run(model).loss;
    manualSeed(5);
    expect(run(make()).loss).toEqual(retried);
  });

  test('a metric must return a number (a Tensor is a forgotten .item())', () => {
    const model = mlp([2, 2, 1], { seed: 1 });
    const before = stateBytes(model);
    expectError(
      () => fit(model, { x, y, loss: 'mse', optimizer: 'sgd', metrics: [{ name: 'meanPred', fn: (_t: Tensor, p: Tensor) => p.mean() as never }], progress: false }),
      ValueError, "fit: metric 'meanPred' must return a number, got a Tensor of shape []",
    );
    expect(same(stateBytes(model), before)).toBe(true);
  });

  test('a non-finite loss or gradient stops training before its step: the weights stay those of the last finite step', () => {
    // Row 25 (the fourth batch of 8, unshuffled) makes the loss infinite.
    const xs = x.mul(tensor(Array.from({ length: 40 }, (_, i) => [i === 25 ? 1e200 : 1])));
    const model = new Dense(2, 1, { seed: 1 });
    const seen: number[] = [];
    const history = fit(model, {
      x: xs, y, loss: 'mse', optimizer: 'sgd', lr: 0.01, epochs: 5, batchSize: 8, shuffle: false, progress: false,
      callbacks: [{ onBatchEnd: (b, logs) => void seen.push(b, logs.loss) }],
    });
    expect(history.stopReason).toBe('nonFinite');
    expect(history.epochs).toBe(1);
    expect(history.loss[0]).toBe(Infinity);
    expect(seen.filter((_, i) => i % 2 === 0)).toEqual([0, 1, 2, 3]);
    expect(model.parameters().every((p) => p.data.every(Number.isFinite))).toBe(true);

    // A finite loss whose gradient is not: sqrt at 0 (d/dp √p = ∞). The step is refused, not taken.
    const zero = new Dense(1, 1, { init: 'zeros' });
    const sqrtLoss = (p: Tensor, t: Tensor) => p.sub(t).square().sqrt().mean();
    const h = fit(zero, { x: [[1], [2]], y: [[0], [0]], loss: sqrtLoss, optimizer: 'sgd', epochs: 3, progress: false });
    expect(h.stopReason).toBe('nonFinite');
    expect(h.loss).toEqual([0]);
    expect(Array.from(zero.weight.data)).toEqual([0]);
  });

  test('gradients left over from before fit do not leak into its first step', () => {
    const a = mlp([2, 3, 1], { seed: 4 });
    const b = mlp([2, 3, 1], { seed: 4 });
    for (const p of a.parameters()) p.grad = tensor(new Float64Array(p.size).fill(100), { shape: [...p.shape] });
    const options = { x, y, loss: 'mse' as const, optimizer: 'sgd' as const, epochs: 1, batchSize: 40, progress: false };
    fit(a, options);
    fit(b, options);
    expect(weightBytes(a)).toEqual(weightBytes(b));
  });
});

describe('callbacks fit cannot honour are refused', () => {
  const { x, y } = problem();
  const train = (callbacks: unknown[]) => {
    const model = mlp([2, 2, 1], { seed: 1 });
    const before = weightBytes(model);
    const run = () => fit(model, { x, y, loss: 'mse', optimizer: 'sgd', epochs: 2, batchSize: 16, callbacks: callbacks as Callback[], progress: false });
    return { run, unchanged: () => weightBytes(model).every((w, i) => w.equals(before[i]!)) };
  };

  test('an async hook, before any training (fit is synchronous: it cannot wait)', () => {
    let calls = 0;
    const { run, unchanged } = train([{ onEpochBegin: () => void calls++ }, { onEpochEnd: async () => undefined }]);
    expectError(run, ValueError, "fit: callback 1's onEpochEnd is async; fit is synchronous and cannot wait for it (make the hook synchronous, or do the asynchronous work after fit returns)");
    expect(calls).toBe(0);
    expect(unchanged()).toBe(true);
  });

  test('a hook that returns a Promise: refused when it does, and the weights put back; its rejection is handled', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const { run, unchanged } = train([{ onEpochEnd: () => Promise.reject(new Error('saving failed')) }]);
      expectError(run, ValueError, "fit: callback 0's onEpochEnd returned a Promise; fit is synchronous and cannot wait for it (make the hook synchronous, or do the asynchronous work after fit returns)");
      expect(unchanged()).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });

  test('a misspelt hook, one fit never calls, or a hook that is not a function', () => {
    expectError(train([{ onEpochEnds: () => undefined }]).run, ValueError, "fit: callback 0 has 'onEpochEnds', which fit never calls; the hooks are onTrainBegin, onEpochBegin, onBatchEnd, onEpochEnd, onTrainEnd");
    expectError(train([{}, { onBatchBegin: () => undefined }]).run, ValueError, /^fit: callback 1 has 'onBatchBegin', which fit never calls/);
    expectError(train([{ onTrainEnd: 'log' }]).run, ValueError, `fit: callback 0's onTrainEnd must be a function, got "log"`);
    // Other fields and methods are the callback's own business; so are hooks found on its prototype.
    class Logger implements Callback {
      lines: string[] = [];
      format(e: number): string {
        return `epoch ${e}`;
      }
      onEpochEnd(e: number): void {
        this.lines.push(this.format(e));
      }
    }
    const logger = new Logger();
    train([logger, new EarlyStopping({ monitor: 'loss', patience: 5 })]).run();
    expect(logger.lines).toEqual(['epoch 0', 'epoch 1']);
  });
});

describe('progress output', () => {
  const fakeStream = (isTTY: boolean) => {
    const chunks: string[] = [];
    const stream: ProgressStream = { isTTY, columns: 200, write: (s: string) => chunks.push(s) };
    return { stream, text: () => chunks.join('') };
  };
  const clock = () => {
    let t = 0;
    return () => (t += 250);
  };
  const train = (progress: unknown, verbose?: 0 | 1 | 2) => {
    const { x, y } = problem();
    fit(mlp([2, 2, 1], { seed: 1 }), {
      x, y, loss: 'mse', optimizer: 'sgd', epochs: 2, batchSize: 8, metrics: ['r2'], validationData: [x, y],
      progress: progress as boolean, ...(verbose !== undefined ? { verbose } : {}),
    });
  };

  test('on a terminal: a bar rewritten with \\r showing batches, loss, metrics and ETA, then a summary line per epoch', () => {
    const { stream, text } = fakeStream(true);
    train({ stream, now: clock() });
    const out = text();
    expect(out).toContain('\rEpoch 1/2 [====>');
    expect(out).toMatch(/\] 1\/5 - loss \d+\.\d{4} - r2 -?\d+\.\d{4} - ETA 1\.0s/);
    const lines = out.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(2);
    // The summary is what is left visible after the last \r of each line.
    const summaries = lines.map((l) => l.slice(l.lastIndexOf('\r') + 1).trimEnd());
    expect(summaries[0]).toMatch(/^Epoch 1\/2 - 5\/5 - \S+ - loss \S+ - r2 \S+ - valLoss \S+ - valR2 \S+$/);
    expect(summaries[1]).toMatch(/^Epoch 2\/2 /);
  });

  test('silent on a stream that is not a terminal, with progress: false, or verbose: 0', () => {
    const notTTY = fakeStream(false);
    train({ stream: notTTY.stream, now: clock() });
    expect(notTTY.text()).toBe('');
    const tty = fakeStream(true);
    train({ stream: tty.stream, now: clock() }, 0);
    expect(tty.text()).toBe('');
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      train(false);
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  });

  test('a run stopped by a non-finite loss says so after its last summary line, with what to try', () => {
    const { stream, text } = fakeStream(false);
    const { x, y } = problem();
    const history = fit(mlp([2, 2, 1], { seed: 1 }), {
      x, y: y.mul(1e200), loss: 'mse', optimizer: 'sgd', epochs: 3, progress: { stream, now: clock() }, verbose: 2,
    });
    expect(history.stopReason).toBe('nonFinite');
    expect(text().trimEnd().split('\n').at(-1)).toBe(
      'Stopped: the loss or a gradient was not finite in epoch 1, and that step was not taken. Lower the learning rate, or clip the gradients (clipNorm).',
    );
  });

  test('verbose: 2 prints the summary lines only, on any stream', () => {
    const { stream, text } = fakeStream(false);
    train({ stream, now: clock() }, 2);
    const out = text();
    expect(out).not.toContain('\r');
    expect(out.trimEnd().split('\n')).toHaveLength(2);
    expect(out).toMatch(/^Epoch 1\/2 - 5\/5 - 250ms - loss \S+ - r2 \S+ - valLoss/);
  });
});

describe('argument checks', () => {
  const { x, y } = problem();
  const model = mlp([2, 2, 1], { seed: 1 });
  const base = { x, y, loss: 'mse' as const, optimizer: 'sgd' as const, progress: false };
  test.each([
    [{ epoch: 3 }, /fit: unknown option 'epoch'/],
    [{ loss: undefined }, /fit: loss is required/],
    [{ loss: 'hinge' }, /loss must be a function or one of mse, mae, binaryCrossEntropy, crossEntropy, huberLoss, smoothL1Loss, nllLoss, poissonNllLoss, got "hinge"/],
    [{ optimizer: 'adamax' }, /optimizer must be an Optimizer instance, one of sgd, adam, adamw, adagrad, rmsprop/],
    [{ optimizer: new Adam(model.parameters()), lr: 0.1 }, /lr applies to an optimizer given by name/],
    [{ optimizer: new Adam(mlp([2, 2, 1]).parameters()) }, /updates none of the model's parameters/],
    [{ batchSize: 0 }, /batchSize must be an integer ≥ 1, got 0/],
    [{ epochs: 2.5 }, /epochs must be an integer ≥ 1, got 2.5/],
    [{ validationSplit: 1.5 }, /validationSplit must be a fraction in \(0, 1\)/],
    [{ validationSplit: 0.2, validationData: [x, y] }, /validationData or validationSplit, not both/],
    [{ metrics: ['precision'] }, /unknown metric "precision"/],
    [{ metrics: ['r2', 'r2'] }, /two metrics are called 'r2'/],
    [{ loss: (p: Tensor) => p }, /the loss must return a scalar tensor, got a Tensor of shape \[32, 1\]/],
    [{ verbose: 3 }, /verbose must be 0, 1 or 2/],
    [{ callbacks: [null] }, /callback 0 must be an object/],
  ])('%p is rejected', (extra, message) => {
    expect(() => fit(model, { ...base, ...(extra as object) } as Parameters<typeof fit>[1])).toThrow(message);
  });

  test('a last batch of one row is refused up front when the model has BatchNorm; dropLast skips it', () => {
    const bn = () => new Sequential([new Dense(2, 4, { seed: 1 }), new BatchNorm(4), new Dense(4, 1, { seed: 2 })]);
    const x33 = x.slice([0, 0], [33, 2]);
    const y33 = y.slice([0, 0], [33, 1]);
    expect(() => fit(bn(), { ...base, x: x33, y: y33 })).toThrow(/33 rows in batches of 32 leave a last batch of 1 row, which BatchNorm cannot normalise in training; pass dropLast: true/);
    const sizes: number[] = [];
    fit(bn(), { ...base, x: x33, y: y33, dropLast: true, epochs: 2, callbacks: [{ onBatchEnd: (_b, logs) => void sizes.push(logs.size) }] });
    expect(sizes).toEqual([32, 32]);
    expect(() => fit(bn(), { ...base, dropLast: true, batchSize: 64 })).toThrow(/batchSize 64 exceeds the 40 training rows/);
  });

  test('targets a loss cannot take are said in fit\'s terms, with the usual cause, before any step', () => {
    const labels = tensor(Array.from({ length: 40 }, (_, i) => i % 2));
    const two = mlp([2, 2, 2], { seed: 1 });
    const before = two.stateDict()['0.weight']!.data.slice();
    expect(() => fit(two, { ...base, y: labels })).toThrow(
      "fit: loss 'mse' compares each prediction with its target, so y's rows must have the model's output shape [2], but y is [40]; for class labels use loss 'crossEntropy', which takes class indices",
    );
    expect(Array.from(two.stateDict()['0.weight']!.data)).toEqual(Array.from(before));
    expect(() => fit(model, { ...base, y: labels })).toThrow(/^fit: loss 'mse' .* but y is \[40\]; reshape y to \[40, 1\] \(y\.reshape\(\[40, 1\]\)\)$/);
    expect(() => fit(model, { ...base, y: labels, loss: 'crossEntropy' })).toThrow(
      "fit: the model gives 1 score per row, so loss 'crossEntropy' sees a single class; give it one output per class, or use loss 'binaryCrossEntropy' with its one output",
    );
  });

  test('row counts must agree; model must be a Module', () => {
    expect(() => fit(model, { ...base, y: y.slice([0, 0], [39, 1]) })).toThrow(ShapeError);
    expect(() => fit(model, { ...base, y: y.slice([0, 0], [39, 1]) })).toThrow(/x \[40, 2\] \(40 rows\) and y \[39, 1\] \(39 rows\)/);
    expect(() => fit({} as Module, base)).toThrow(/fit: model must be a Module/);
  });
});

describe('data and models at scale', () => {
  test('one batch of 150,000 rows with metrics and validation: no argument list or recursion grows with it', () => {
    const n = 150_000;
    const x = randn([n, 1], { seed: 1 });
    const model = new Dense(1, 1, { seed: 1 });
    const history = fit(model, {
      x, y: x.mul(2), loss: 'mse', optimizer: 'sgd', lr: 0.1, batchSize: n, metrics: ['mse', 'r2'], validationData: [x, x.mul(2)], progress: false,
    });
    expect(history.epochs).toBe(1);
    expect(history.metrics.mse![0]).toBeCloseTo(history.loss[0]!, 12);
    expect(Number.isFinite(history.valLoss[0]!)).toBe(true);
  });

  test('a model nested 10⁵ deep trains when its forward loops (nested Sequentials), and is a clear error, with the weights untouched, when it recurses', () => {
    const leaf = new Dense(1, 1, { seed: 1 });
    let looped: Module = leaf;
    for (let i = 0; i < 100_000; i++) looped = new Sequential([looped]);
    const options = { x: [[1], [2]], y: [[2], [4]], loss: 'mse' as const, optimizer: 'sgd' as const, lr: 0.1, progress: false };
    const before = leaf.weight.data[0];
    expect(fit(looped, options).epochs).toBe(1);
    expect(leaf.weight.data[0]).not.toBe(before);

    class Wrap extends Module {
      constructor(readonly inner: Module) {
        super();
        this.register('inner', inner);
      }
      forward(x: Tensor): Tensor {
        return this.inner.forward(x);
      }
    }
    let recursive: Module = new Dense(1, 1, { seed: 1 });
    for (let i = 0; i < 100_000; i++) recursive = new Wrap(recursive);
    const weights = recursive.stateDict();
    expectError(() => fit(recursive, options), ValueError, /^fit: the model's forward pass ran out of call stack \(its module tree is 100000 levels deep\): nest fewer modules/);
    for (const [key, t] of recursive.namedParameters()) expect(Array.from(t.data)).toEqual(Array.from(weights[key]!.data));
  });
});

describe('bookkeeping a review found wrong', () => {
  /** A model whose output is its input, and a metric that reads from a list, epoch by epoch. */
  class Echo extends Module {
    readonly w = this.registerParameter('w', tensor([0], { requiresGrad: true }));
    forward(x: Tensor): Tensor {
      return x.add(this.w.mul(0));
    }
  }
  const rows = Array.from({ length: 11 }, (_, i) => [i]);
  const base = { x: rows, y: rows, loss: 'mse' as const, optimizer: 'sgd' as const, lr: 0.1, progress: false as const };

  test('a reused EarlyStopping works out the direction again for each run', () => {
    const early = new EarlyStopping({ monitor: 'score', patience: 2 });
    let epoch = 0;
    const score = (): number => [5, 4, 3, 2, 1, 0][epoch]!;
    const tick = { onEpochEnd: (): void => void epoch++ };
    fit(new Echo(), { ...base, epochs: 6, metrics: [{ name: 'score', fn: score, mode: 'min' }], callbacks: [early, tick] });
    epoch = 0;
    // Falling scores are worse now: the run stops after patience 2, its best epoch the first.
    const second = fit(new Echo(), { ...base, epochs: 6, metrics: [{ name: 'score', fn: score, mode: 'max' }], callbacks: [early, tick] });
    expect([second.epochs, second.bestEpoch, second.stopReason]).toEqual([3, 0, 'earlyStopping']);
  });

  test("an EarlyStopping in callbacks that ends training is reported as 'earlyStopping', as fit's own is", () => {
    const worse = rows.map(([v]) => [-v!]);
    const viaCallbacks = fit(new Dense(1, 1, { seed: 1 }), { ...base, epochs: 50, validationData: [rows, worse], callbacks: [new EarlyStopping({ patience: 1 })] });
    const viaOption = fit(new Dense(1, 1, { seed: 1 }), { ...base, epochs: 50, validationData: [rows, worse], earlyStopping: { patience: 1 } });
    expect(viaOption.stopReason).toBe('earlyStopping');
    expect(viaCallbacks.stopReason).toBe('earlyStopping');
    expect(viaCallbacks.epochs).toBe(viaOption.epochs);
  });

  test('a metric named like a property every object has is refused; History.get reads only its own metrics', () => {
    for (const name of ['toString', 'constructor', 'valueOf', 'hasOwnProperty', '__proto__']) {
      expectError(() => fit(new Echo(), { ...base, metrics: [{ name, fn: () => 1, mode: 'min' }] }), ValueError,
        `fit: the metric name '${name}' is a property every JavaScript object has; give the metric another name with {name, fn}`);
    }
    expect(fit(new Echo(), { ...base, epochs: 1 }).get('constructor')).toEqual([]);
  });

  test('NaN or ±∞ in the data is refused before training, naming where it is; evaluate likewise', () => {
    const model = new Dense(1, 1, { seed: 1 });
    const before = weightBytes(model);
    const withNaN = rows.map((r, i) => (i === 3 ? [NaN] : r));
    expectError(() => fit(model, { ...base, x: withNaN }), ValueError, 'fit: x holds NaN at row 3, column 0; training and validation data must be finite');
    expectError(() => fit(model, { ...base, y: rows.map((r, i) => (i === 4 ? [Infinity] : r)) }), ValueError, 'fit: y holds Infinity at row 4, column 0; training and validation data must be finite');
    expectError(() => fit(model, { ...base, validationData: [rows, withNaN] }), ValueError, 'fit: validationData y holds NaN at row 3, column 0; training and validation data must be finite');
    expectError(() => fit(model, { ...base, x: withNaN, validationSplit: 0.2 }), ValueError, 'fit: x holds NaN at row 3, column 0; training and validation data must be finite');
    expect(weightBytes(model)).toEqual(before);
    expectError(() => evaluate(model, rows, withNaN, { loss: 'mse' }), ValueError, 'evaluate: y holds NaN at row 3, column 0; evaluate finite data only');
    expectError(() => evaluate(model, tensor([1, -Infinity]), tensor([1, 2]), { loss: 'mse' }), ValueError, 'evaluate: x holds -Infinity at row 1; evaluate finite data only');
  });

  test("a hook that returns 'Stop' is refused; other values are ignored, as an arrow function's body gives them", () => {
    expectError(() => fit(new Echo(), { ...base, callbacks: [{ onEpochEnd: () => 'Stop' }] as never }), ValueError,
      "fit: callback 0's onEpochEnd returned \"Stop\"; a hook returns exactly 'stop' to end training");
    expectError(() => fit(new Echo(), { ...base, callbacks: [{ onEpochEnd: () => ' stop' }] as never }), ValueError, /returned " stop"/);
    const losses: number[] = [];
    let log = '';
    const history = fit(new Echo(), {
      ...base, epochs: 2,
      callbacks: [{ onBatchEnd: (_b: number, { loss }: { loss: number }) => losses.push(loss), onEpochEnd: (e: number) => (log += `epoch ${e}\n`) }] as never,
    });
    expect(history.epochs).toBe(2);
    expect(losses.length).toBeGreaterThan(0);
    expect(log).toBe('epoch 0\nepoch 1\n');
  });

  test('the epoch summary line counts the batches that ran', () => {
    const chunks: string[] = [];
    const stream: ProgressStream = { isTTY: false, columns: 200, write: (s: string) => chunks.push(s) };
    fit(new Echo(), { ...base, batchSize: 2, progress: { stream }, verbose: 2, callbacks: [{ onBatchEnd: (b: number) => (b === 0 ? 'stop' : undefined) }] });
    expect(chunks.join('')).toMatch(/^Epoch 1\/1 - 1\/6 - /);
  });
});

describe('reduceLrOnPlateau: ReduceLROnPlateau in fit', () => {
  // Training pulls the weight towards +1, the validation targets want −1: validation only gets worse.
  const x = tensor([[-1], [-0.5], [0.5], [1]]);
  const options = { x, y: x, loss: 'mse' as const, epochs: 6, batchSize: 2, shuffle: false, progress: false as const, validationData: [x, x.neg()] as const };
  const ratesAtEpochStart = (optimizer: () => Optimizer): { callback: Callback; rates: number[] } => {
    const rates: number[] = [];
    return { rates, callback: { onEpochBegin: () => void rates.push(optimizer().currentLr()) } };
  };

  test('the rate drops once the validation loss has not improved for more than patience epochs, as a hand-written loop does it', () => {
    const model = new Dense(1, 1, { init: 'zeros' });
    const optimizer = new SGD(model, { lr: 0.1 });
    const seen = ratesAtEpochStart(() => optimizer);
    const plateau = reduceLrOnPlateau({ patience: 1, factor: 0.5 });
    const history = fit(model, { ...options, optimizer, callbacks: [seen.callback, plateau] });
    expect(seen.rates).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.025]);
    expect(plateau.scheduler!.optimizer).toBe(optimizer);
    // The same values stepped by hand through a scheduler of its own give the same rates.
    const twin = new SGD([tensor([0], { requiresGrad: true })], { lr: 0.1 });
    const byHand = new ReduceLROnPlateau(twin, { patience: 1, factor: 0.5 });
    const rates = history.valLoss.map((v) => {
      byHand.step(v);
      return twin.currentLr();
    });
    expect([0.1, ...rates.slice(0, -1)]).toEqual(seen.rates);
    expect(rates.at(-1)).toBe(optimizer.currentLr());
  });

  test('works on an optimizer fit builds from a name; watches a metric in its direction; needs what it watches', () => {
    const model = new Dense(1, 1, { init: 'zeros' });
    const plateau = reduceLrOnPlateau({ patience: 0, monitor: 'loss' });
    fit(model, { ...options, optimizer: 'sgd', lr: 0.1, callbacks: [plateau] });
    expect(plateau.scheduler!.mode).toBe('min');
    expect(plateau.scheduler!.optimizer.currentLr()).toBe(0.1); // the training loss improves every epoch
    const maximised = reduceLrOnPlateau({ monitor: 'valR2' });
    fit(new Dense(1, 1, { init: 'zeros' }), { ...options, optimizer: 'sgd', lr: 0.1, metrics: ['r2'], epochs: 1, callbacks: [maximised] });
    expect(maximised.scheduler!.mode).toBe('max');
    const before = weightBytes(model);
    const { validationData: _, ...withoutValidation } = options;
    expectError(() => fit(model, { ...withoutValidation, optimizer: 'sgd', callbacks: [reduceLrOnPlateau()] }), ValueError, "reduceLrOnPlateau: monitor 'valLoss' needs validation data (validationData or validationSplit), or monitor 'loss' instead");
    expect(weightBytes(model)).toEqual(before);
    expectError(() => reduceLrOnPlateau({ patience: -1 }), ValueError, 'reduceLrOnPlateau: patience must be an integer ≥ 0, got -1');
    expectError(() => reduceLrOnPlateau({ monitor: 'val_loss' }), ValueError, "reduceLrOnPlateau: validation keys are camelCase, like valLoss: 'val_loss' is 'valLoss'");
    // A minLr list of the wrong length is only known to be wrong once fit hands over its optimizer: the message still names the callback.
    expectError(() => fit(model, { ...options, optimizer: 'sgd', callbacks: [reduceLrOnPlateau({ minLr: [0, 0] })] }), ValueError, 'reduceLrOnPlateau: minLr must be one number, or a list of 1 (one per param group), got an array of length 2');
  });

  test('a fit that fails puts the rates back with the rest of the optimizer state', () => {
    const model = new Dense(1, 1, { init: 'zeros' });
    const optimizer = new SGD(model, { lr: 0.1 });
    const failure = new Error('disk full');
    const failing = { onEpochEnd: (epoch: number) => { if (epoch === 4) throw failure; } };
    const plateau = reduceLrOnPlateau({ patience: 1, factor: 0.5 });
    expect(() => fit(model, { ...options, optimizer, callbacks: [plateau, failing] })).toThrow(failure);
    expect(plateau.scheduler!.lastEpoch).toBe(5); // it had lowered the rate twice
    expect(optimizer.currentLr()).toBe(0.1);
    expect(optimizer.paramGroups[0]!.lr).toBeUndefined();
  });
});
