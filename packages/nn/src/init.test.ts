import { Rng, ValueError } from '@adjoint/core';
import { fans, glorotNormal, glorotUniform, heNormal, heUniform, initializer, normal, zeros } from './init';
import { Conv1d, Conv2d } from './layers/index';

function stats(data: Float64Array): { mean: number; variance: number; maxAbs: number } {
  let s = 0;
  let maxAbs = 0;
  for (const v of data) {
    s += v;
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  const mean = s / data.length;
  let ss = 0;
  for (const v of data) ss += (v - mean) ** 2;
  return { mean, variance: ss / data.length, maxAbs };
}

describe('initializers: variance from the fans', () => {
  const shape = [400, 300];
  const cases = [
    { name: 'glorotUniform', f: glorotUniform, variance: 2 / 700, limit: Math.sqrt(6 / 700) },
    { name: 'glorotNormal', f: glorotNormal, variance: 2 / 700 },
    { name: 'heUniform', f: heUniform, variance: 2 / 400, limit: Math.sqrt(6 / 400) },
    { name: 'heNormal', f: heNormal, variance: 2 / 400 },
    { name: 'normal', f: normal, variance: 1 },
  ];
  test.each(cases)('$name: sample variance within 3% of the target, mean ≈ 0', ({ f, variance, limit }) => {
    const w = f(shape, { seed: 11 });
    expect(w.shape).toEqual(shape);
    expect(w.requiresGrad).toBe(false);
    const s = stats(w.data);
    expect(Math.abs(s.variance / variance - 1)).toBeLessThan(0.03);
    expect(Math.abs(s.mean)).toBeLessThan(0.02 * Math.sqrt(variance));
    if (limit !== undefined) {
      expect(s.maxAbs).toBeLessThanOrEqual(limit);
      expect(s.maxAbs).toBeGreaterThan(0.99 * limit); // the whole interval is used
    }
  });

  test('normal takes a std and a mean', () => {
    const s = stats(normal([200, 200], { seed: 1, std: 0.1, mean: 3 }).data);
    expect(Math.abs(s.variance / 0.01 - 1)).toBeLessThan(0.03);
    expect(s.mean).toBeCloseTo(3, 2);
    expect(() => normal([2], { std: -1 })).toThrow(ValueError);
  });

  test('zeros', () => {
    expect(zeros([2, 3]).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
  });
});

describe('initializers: reproducibility', () => {
  test.each([glorotUniform, glorotNormal, heUniform, heNormal, normal])('%p: same seed, same tensor; another seed, another', (f) => {
    expect(f([5, 4], { seed: 3 }).toArray()).toEqual(f([5, 4], { seed: 3 }).toArray());
    expect(f([5, 4], { seed: 3 }).toArray()).not.toEqual(f([5, 4], { seed: 4 }).toArray());
  });

  test('an rng continues its stream; two generators with one seed agree', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    const first = glorotUniform([3, 3], { rng: a });
    const second = glorotUniform([3, 3], { rng: a });
    expect(first.toArray()).not.toEqual(second.toArray());
    expect(glorotUniform([3, 3], { rng: b }).toArray()).toEqual(first.toArray());
  });
});

describe('fans and names', () => {
  test('fan-in is shape[0], fan-out shape[1]', () => {
    expect(fans([3, 5])).toEqual({ fanIn: 3, fanOut: 5 });
    expect(fans([4])).toEqual({ fanIn: 4, fanOut: 4 });
  });

  test("rank ≥ 3 is a convolution kernel [out, in/groups, …kernel], with torch.nn.init's fans", () => {
    // torch.nn.init._calculate_fan_in_and_fan_out on tensors of these shapes.
    expect(fans([8, 3, 3, 3])).toEqual({ fanIn: 27, fanOut: 72 });
    expect(fans([2, 3, 4])).toEqual({ fanIn: 12, fanOut: 8 });
    expect(fans([4, 2, 1, 3])).toEqual({ fanIn: 6, fanOut: 12 });
  });

  test.each(['glorotUniform', 'glorotNormal', 'heUniform', 'heNormal'] as const)('a convolution initialised by the function %s gets the weight it gets by name', (name) => {
    const f = initializer(name);
    expect(new Conv2d(3, 8, 3, { init: f, seed: 1 }).weight.toArray()).toEqual(new Conv2d(3, 8, 3, { init: name, seed: 1 }).weight.toArray());
    expect(new Conv1d(4, 6, 5, { groups: 2, init: f, seed: 2 }).weight.toArray()).toEqual(new Conv1d(4, 6, 5, { groups: 2, init: name, seed: 2 }).weight.toArray());
  });

  test('initializer resolves names and rejects unknown ones', () => {
    expect(initializer('heNormal')).toBe(heNormal);
    expect(() => initializer('xavier' as 'heNormal')).toThrow(/unknown initializer "xavier"/);
    expect(() => glorotUniform([0, 3])).toThrow(ValueError);
  });
});

describe('the init namespace', () => {
  test('holds the public initialisers, the same functions, and none of the layers’ internal helpers', async () => {
    const { init } = await import('./index');
    expect(Object.keys(init).sort()).toEqual(['fans', 'glorotNormal', 'glorotUniform', 'heNormal', 'heUniform', 'initializer', 'normal', 'zeros']);
    expect(init.heUniform).toBe(heUniform);
    expect(Object.isFrozen(init)).toBe(true);
  });
});

describe('fans given instead of read from the shape (a weight in PyTorch’s [out, in] layout)', () => {
  test('heUniform on an LSTM-shaped weight with its fan-in draws what kaiming_uniform_ draws', () => {
    const shape = [4 * 50, 30]; // weight_ih of an LSTM(30, 50): [4·hidden, input]
    const given = heUniform(shape, { fanIn: 30, seed: 1 });
    const read = heUniform(shape, { seed: 1 });
    const bound = Math.sqrt(6 / 30);
    expect(stats(given.data).maxAbs).toBeLessThanOrEqual(bound);
    expect(stats(given.data).maxAbs).toBeGreaterThan(0.99 * bound);
    expect(stats(read.data).maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / 200));
    // The same draws, scaled: only the bound differs.
    given.data.forEach((v, i) => expect(v).toBeCloseTo(read.data[i]! * bound / Math.sqrt(6 / 200), 12));
  });

  test('each law uses the fans given, one or both', () => {
    const n = 20_000;
    expect(stats(glorotNormal([n, 1], { fanIn: 3, fanOut: 5, seed: 2 }).data).variance).toBeCloseTo(2 / 8, 2);
    expect(stats(heNormal([n, 1], { fanIn: 8, seed: 3 }).data).variance).toBeCloseTo(2 / 8, 2);
    expect(stats(glorotUniform([n, 2], { fanIn: 2, fanOut: 4, seed: 4 }).data).maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / 6));
    expect(stats(glorotUniform([n, 2], { fanIn: 2, fanOut: 4, seed: 4 }).data).maxAbs).toBeGreaterThan(0.99);
  });

  test('bad fans are ValueErrors naming the initialiser; the laws without fans refuse them as unknown options', () => {
    expect(() => heUniform([2, 2], { fanIn: 0 })).toThrow('heUniform: fanIn must be a whole number ≥ 1, got 0');
    expect(() => glorotNormal([2, 2], { fanIn: 2, fanOut: 1.5 })).toThrow('glorotNormal: fanOut must be a whole number ≥ 1, got 1.5');
    expect(() => heNormal([0, 2], { fanIn: 3 })).not.toThrow();
    expect(() => glorotUniform([20, 3], { fanIn: 3 })).toThrow("glorotUniform: uses both fans, so give fanIn and fanOut together (for a weight in PyTorch's [out, in] layout, fanIn: shape[1] and fanOut: shape[0]), got only fanIn");
    expect(() => glorotNormal([20, 3], { fanOut: 20 })).toThrow(/^glorotNormal: uses both fans, .* got only fanOut$/);
    expect(() => normal([2, 2], { fanIn: 2 } as never)).toThrow(/normal: unknown option 'fanIn'/);
    expect(() => zeros([2, 2], { fanIn: 2 } as never)).toThrow(/zeros: unknown option 'fanIn'/);
  });
});
