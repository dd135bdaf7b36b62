import { Rng, ValueError, getRngState, manualSeed, ones, randn, setRngState, tensor } from '@adjoint/core';
import { assertGrad } from '@adjoint/gradcheck';
import { Dropout } from './dropout';

describe('Dropout', () => {
  const x = ones([200, 100]);

  test('evaluation is the identity', () => {
    const drop = new Dropout(0.5, { seed: 0 }).eval();
    const input = randn([3, 4], { seed: 1 });
    expect(drop.forward(input)).toBe(input);
  });

  test('training zeroes a fraction ≈ p and scales the rest by 1/(1 − p), keeping the mean', () => {
    const p = 0.3;
    const y = new Dropout(p, { seed: 42 }).forward(x);
    let zerosCount = 0;
    let wrongScale = 0;
    for (const v of y.data) {
      if (v === 0) zerosCount++;
      else if (Math.abs(v - 1 / (1 - p)) > 1e-14) wrongScale++;
    }
    expect(wrongScale).toBe(0);
    expect(Math.abs(zerosCount / y.size - p)).toBeLessThan(0.015);
    expect(Math.abs(y.mean().item() - 1)).toBeLessThan(0.02);
  });

  test('seeded: the same seed gives the same masks; each call draws a new one', () => {
    const a = new Dropout(0.5, { seed: 9 });
    const b = new Dropout(0.5, { seed: 9 });
    const a1 = a.forward(x).toArray();
    expect(b.forward(x).toArray()).toEqual(a1);
    expect(a.forward(x).toArray()).not.toEqual(a1);
  });

  test('rng is the generator masks come from: the given one, a new one for a seed, undefined for core\'s stream', () => {
    const own = new Rng(4);
    expect(new Dropout(0.5, { rng: own }).rng).toBe(own);
    const seeded = new Dropout(0.5, { seed: 4 }).rng;
    expect(seeded).toBeInstanceOf(Rng);
    expect(seeded!.state()).toEqual(new Rng(4).state());
    expect(new Dropout(0.5).rng).toBeUndefined();
  });

  test('resuming: its rng state saved after 3 forwards and set after 5 makes the next mask the 4th', () => {
    const small = ones([20, 30]);
    const drop = new Dropout(0.5, { seed: 12 });
    const masks: number[][] = [];
    const step = (): void => void masks.push(Array.from(drop.forward(small).data));
    for (let i = 0; i < 3; i++) step();
    const saved = JSON.parse(JSON.stringify(drop.rng!.state()));
    for (let i = 0; i < 2; i++) step();
    drop.rng!.setState(saved);
    step();
    expect(masks[5]).toEqual(masks[3]);
    expect(masks[4]).not.toEqual(masks[3]); // the masks do change from call to call
  });

  test("without seed or rng, core's getRngState and setRngState resume its masks", () => {
    const small = ones([20, 30]);
    manualSeed(6);
    const drop = new Dropout(0.5);
    drop.forward(small);
    const saved = getRngState();
    const next = Array.from(drop.forward(small).data);
    drop.forward(small);
    setRngState(saved);
    expect(Array.from(drop.forward(small).data)).toEqual(next);
  });

  test('p = 0 passes everything through; p outside [0, 1) is a ValueError', () => {
    const input = randn([2, 2], { seed: 0 });
    expect(new Dropout(0).forward(input)).toBe(input);
    for (const p of [1, -0.1, NaN, 1.5]) expect(() => new Dropout(p)).toThrow(ValueError);
    expect(() => new Dropout(1)).toThrow('Dropout: p must be in [0, 1), got 1');
  });

  test('the gradient is the mask scaled by 1/(1 − p)', () => {
    const input = tensor([[1, 2, 3, 4, 5, 6]], { requiresGrad: true });
    const y = new Dropout(0.5, { seed: 3 }).forward(input);
    y.sum().backward();
    input.grad!.data.forEach((g, i) => expect(g).toBe(y.data[i] === 0 ? 0 : 2));
  });

  test('gradient check with a fixed mask (a fresh layer with the same seed per call)', () => {
    assertGrad((v) => new Dropout(0.4, { seed: 5 }).forward(v).tanh(), [randn([3, 4], { seed: 2 })], { order: 2 });
  });
});
