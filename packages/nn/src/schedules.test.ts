import { ValueError } from '@adjoint/core';
import { constant, cosineDecay, cosineWarmRestarts, exponentialDecay, inverseTimeDecay, linearWarmup, oneCycle, sequentialSchedule, stepDecay } from './schedules';

describe('schedules', () => {
  test('constant', () => {
    expect([0, 1, 1000].map(constant(0.3))).toEqual([0.3, 0.3, 0.3]);
  });

  test('stepDecay: η₀·γ^⌊t/stepSize⌋', () => {
    expect([0, 9, 10, 25, 30].map(stepDecay(0.1, { stepSize: 10, gamma: 0.5 }))).toEqual([0.1, 0.1, 0.05, 0.025, 0.0125]);
    expect(stepDecay(1, { stepSize: 1 })(2)).toBeCloseTo(0.01, 15); // γ defaults to 0.1
  });

  test('exponentialDecay: η₀·r^(t/T), or in stairs', () => {
    const smooth = exponentialDecay(0.1, { decayRate: 0.5, decaySteps: 10 });
    expect(smooth(0)).toBe(0.1);
    expect(smooth(5)).toBeCloseTo(0.1 * Math.SQRT1_2, 15);
    expect(smooth(20)).toBeCloseTo(0.025, 15);
    const stairs = exponentialDecay(0.1, { decayRate: 0.5, decaySteps: 10, staircase: true });
    expect([0, 9, 10, 19, 20].map(stairs)).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  test('inverseTimeDecay: η₀/(1 + r·t/T)', () => {
    const s = inverseTimeDecay(1, { decayRate: 0.5, decaySteps: 2 });
    expect([0, 2, 4, 8].map(s)).toEqual([1, 1 / 1.5, 0.5, 1 / 3]);
  });

  test('cosineDecay: half a cosine from η₀ to αη₀ over T steps, then flat', () => {
    const s = cosineDecay(2, { decaySteps: 100, alpha: 0.1 });
    expect(s(0)).toBe(2);
    expect(s(50)).toBeCloseTo(2 * (0.1 + 0.9 * 0.5), 14);
    expect(s(100)).toBeCloseTo(0.2, 14);
    expect(s(500)).toBeCloseTo(0.2, 14);
    expect(cosineDecay(1, { decaySteps: 4 })(4)).toBeCloseTo(0, 15);
  });

  test('linearWarmup: a straight climb from s·η₀ to η₀ over W steps, then flat', () => {
    expect([0, 1, 2, 4, 9].map(linearWarmup(0.2, { warmupSteps: 4 }))).toEqual([0, 0.05, 0.1, 0.2, 0.2]);
    const s = linearWarmup(0.1, { warmupSteps: 4, startFactor: 0.25 });
    [0, 1, 3, 4].forEach((t) => expect(s(t)).toBeCloseTo(0.1 * (0.25 + (0.75 * t) / 4), 16));
    expect(() => linearWarmup(0.1, { warmupSteps: 0 })).toThrow('linearWarmup: warmupSteps must be a positive integer, got 0');
    expect(() => linearWarmup(0.1, { warmupSteps: 2, startFactor: 1.5 })).toThrow('linearWarmup: startFactor must be in [0, 1], got 1.5');
  });

  test('sequentialSchedule: each schedule counts its own steps from its milestone (PyTorch SequentialLR)', () => {
    // PyTorch: SequentialLR(opt, [LinearLR(opt, 0.25, total_iters=4), CosineAnnealingLR(opt, T_max=6, eta_min=0.01)], milestones=[4]).
    const s = sequentialSchedule([linearWarmup(0.1, { warmupSteps: 4, startFactor: 0.25 }), cosineDecay(0.1, { decaySteps: 6, alpha: 0.1 })], { milestones: [4] });
    for (let t = 0; t <= 10; t++) {
      const want = t < 4 ? 0.1 * (0.25 + (0.75 * t) / 4) : 0.01 + 0.09 * 0.5 * (1 + Math.cos((Math.PI * (t - 4)) / 6));
      expect(s(t)).toBeCloseTo(want, 15);
    }
    const three = sequentialSchedule([constant(1), (t) => 10 + t, constant(3)], { milestones: [2, 5] });
    expect([0, 1, 2, 4, 5, 100].map(three)).toEqual([1, 1, 10, 12, 3, 3]);
    expect(() => three(-1)).toThrow('sequentialSchedule: the step must be a whole number ≥ 0 (steps completed so far), got -1');
  });

  test('sequentialSchedule refuses what it cannot follow, naming itself', () => {
    const c = constant(1);
    expect(() => sequentialSchedule([], { milestones: [] })).toThrow(/^sequentialSchedule: expected a non-empty list of schedules/);
    expect(() => sequentialSchedule([c, 0.1 as never], { milestones: [3] })).toThrow('sequentialSchedule: item 1 is not a schedule (a function of the step), got 0.1');
    expect(() => sequentialSchedule([c, c], { milestones: [] })).toThrow('sequentialSchedule: milestones must be a list of 1 step (one fewer than the schedules), got an array of length 0');
    expect(() => sequentialSchedule([c, c, c], { milestones: [4, 4] })).toThrow('sequentialSchedule: milestones must be increasing positive integers, got [4, 4]');
    expect(() => sequentialSchedule([c, c], { milestones: [0] })).toThrow(/increasing positive integers, got \[0\]/);
    expect(() => sequentialSchedule([c, c], { milestone: [2] } as never)).toThrow(/unknown option 'milestone'/);
  });

  test('bad arguments are ValueErrors', () => {
    expect(() => constant(-1)).toThrow('constant: lr must be a finite number ≥ 0, got -1');
    expect(() => stepDecay(0.1, { stepSize: 0 })).toThrow(ValueError);
    expect(() => exponentialDecay(0.1, { decayRate: 0.5, decaySteps: 0 })).toThrow(/decaySteps must be a finite number > 0/);
    expect(() => inverseTimeDecay(0.1, {} as never)).toThrow(/decayRate/);
    expect(() => cosineDecay(0.1, { decaySteps: 10, alpha: 2 })).toThrow(ValueError);
  });

  test('a step that is not a count 0, 1, 2, … is refused, naming the schedule', () => {
    const schedules = [
      ['stepDecay', stepDecay(1, { stepSize: 2 })],
      ['exponentialDecay', exponentialDecay(1, { decayRate: 0.5 })],
      ['inverseTimeDecay', inverseTimeDecay(1, { decayRate: 1 })],
      ['cosineDecay', cosineDecay(1, { decaySteps: 10 })],
    ] as const;
    for (const [name, schedule] of schedules) {
      for (const [step, shown] of [[-1, '-1'], [2.5, '2.5'], [NaN, 'NaN']] as const) {
        expect(() => schedule(step)).toThrow(ValueError);
        expect(() => schedule(step)).toThrow(`${name}: the step must be a whole number ≥ 0 (steps completed so far), got ${shown}`);
      }
      expect(Number.isFinite(schedule(0))).toBe(true);
    }
  });
});

describe('oneCycle and cosineWarmRestarts', () => {
  test('oneCycle climbs from maxLr/divFactor to maxLr at step pctStart·T − 1, then falls to that / finalDivFactor at step T − 1', () => {
    const s = oneCycle(1, { totalSteps: 11, pctStart: 0.5, divFactor: 4, finalDivFactor: 10 }); // the peak at step 4.5
    expect(s(0)).toBeCloseTo(0.25, 15);
    expect(s(10)).toBeCloseTo(0.025, 15);
    const rates = Array.from({ length: 11 }, (_, t) => s(t));
    expect(rates.slice(0, 5).every((r, i) => i === 0 || r > rates[i - 1]!)).toBe(true);
    expect(rates.slice(5).every((r, i) => i === 0 || r < rates[4 + i]!)).toBe(true);
    // Linear: a straight line from 0.25 at step 0 to 1 at step 4.5.
    expect(oneCycle(1, { totalSteps: 11, pctStart: 0.5, annealStrategy: 'linear', divFactor: 4 })(2)).toBeCloseTo(0.25 + 0.75 * (2 / 4.5), 15);
  });

  test('oneCycle refuses steps past the cycle and cycles too short for its two phases', () => {
    expect(() => oneCycle(0.1, { totalSteps: 10 })(11)).toThrow(new ValueError("oneCycle: step 11 is beyond the cycle's 10 steps (totalSteps)"));
    // A climb that would end before step 0 (3 steps at 0.3: step −0.1) leaves the fall from maxLr alone, as PyTorch's.
    const fall = oneCycle(1, { totalSteps: 3 });
    expect(fall(0)).toBeCloseTo(0.5 * (Math.cos(Math.PI * (0.1 / 2.1)) + 1) * (1 - 1 / 25e4) + 1 / 25e4, 15);
    expect(() => oneCycle(0.1, { totalSteps: 10, pctStart: 0.1 })).toThrow(/oneCycle: the climb ends at step pctStart·totalSteps − 1 = 0, which must not be 0/);
    expect(() => oneCycle(0.1, { totalSteps: 10, pctStart: 1 })).toThrow(/oneCycle: the climb ends at step pctStart·totalSteps − 1 = 9, which must not be 0 and must come before the last step/);
    expect(() => oneCycle(0.1, { totalSteps: 10, pctStart: 1.5 })).toThrow(new ValueError('oneCycle: pctStart must be in [0, 1], got 1.5'));
    expect(() => oneCycle(0.1, { totalSteps: 10, annealStrategy: 'exp' as never })).toThrow(new ValueError('oneCycle: annealStrategy must be \'cos\' or \'linear\', got "exp"'));
  });

  test('cosineWarmRestarts falls along a half cosine in each cycle and restarts, the cycles growing by cycleMultiplier', () => {
    const s = cosineWarmRestarts(1, { firstCycleSteps: 2, cycleMultiplier: 3, minLr: 0.5 });
    // Cycles of 2, 6, 18 steps start at steps 0, 2 and 8.
    expect([0, 2, 8].map(s)).toEqual([1, 1, 1]);
    expect(s(1)).toBeCloseTo(0.75, 15); // halfway through the first cycle
    expect(s(5)).toBeCloseTo(0.75, 15); // halfway through the second
    expect(s(17)).toBeCloseTo(0.75, 15); // halfway through the third
    const flat = cosineWarmRestarts(1, { firstCycleSteps: 4 });
    expect(flat(1e12 + 2)).toBeCloseTo(0.5, 12); // any step, at once
    expect(() => cosineWarmRestarts(1, { firstCycleSteps: 4, cycleMultiplier: 1.5 })).toThrow(new ValueError('cosineWarmRestarts: cycleMultiplier must be a positive integer, got 1.5'));
  });
});
