import { ValueError, tensor } from '@adjoint/core';
import { ReduceLROnPlateau } from './plateau';
import { SGD } from './optim/sgd';
import { Adam } from './optim/adam';
import { stepDecay } from './schedules';
import { expectError } from '../../../test/support/expect-error';

const param = () => tensor([0], { requiresGrad: true });
const sgd = (...lrs: number[]) => new SGD(lrs.map((lr) => ({ params: [param()], lr })), { lr: 1 });

describe('ReduceLROnPlateau (torch.optim.lr_scheduler.ReduceLROnPlateau)', () => {
  test('the rate is multiplied by factor at the first epoch past patience without improvement', () => {
    const opt = new SGD([param()], { lr: 0.1 });
    const scheduler = new ReduceLROnPlateau(opt, { patience: 2, factor: 0.5 });
    expect(scheduler.best).toBe(Infinity);
    const seen = [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5].map((v) => [scheduler.step(v), opt.currentLr(), scheduler.numBadEpochs]);
    expect(seen).toEqual([
      [false, 0.1, 0], [false, 0.1, 1], [false, 0.1, 2], [true, 0.05, 0], // three bad epochs > patience 2
      [false, 0.05, 0], [false, 0.05, 1], [false, 0.05, 2], [true, 0.025, 0],
    ]);
    expect([scheduler.best, scheduler.lastEpoch]).toEqual([0.5, 8]);
    expect(opt.paramGroups[0]!.lr).toBe(0.025); // written to the group, which currentLr and stateDict read
  });

  test('an improvement must beat the best by the threshold, relative or absolute; NaN never improves', () => {
    const rel = new ReduceLROnPlateau(sgd(1), { threshold: 0.01, patience: 0 });
    rel.step(1);
    expect(rel.step(0.995)).toBe(true); // 0.995 is not below 1·(1 − 0.01)
    expect(rel.best).toBe(1);
    const abs = new ReduceLROnPlateau(sgd(1), { threshold: 0.1, thresholdMode: 'abs', mode: 'max', patience: 5 });
    for (const v of [1, 1.05, 1.2, NaN]) abs.step(v);
    expect([abs.best, abs.numBadEpochs]).toEqual([1.2, 1]); // 1.05 is not above 1 + 0.1; 1.2 is; NaN is not
    const scalar = new ReduceLROnPlateau(sgd(1));
    scalar.step(tensor([[0.25]])); // a one-element tensor, as scheduler.step(val_loss) in PyTorch
    expect(scalar.best).toBe(0.25);
  });

  test('cooldown: epochs right after a reduction do not count; minLr bounds each group; eps skips tiny reductions', () => {
    const opt = sgd(0.1, 0.1, 2e-8);
    const scheduler = new ReduceLROnPlateau(opt, { patience: 0, cooldown: 2, minLr: [0.02, 0, 0] });
    const lrs = [5, 5, 5, 5, 5, 5, 5].map((v) => {
      scheduler.step(v);
      return [0, 1, 2].map((g) => opt.currentLr(g));
    });
    expect(lrs.map((r) => r[0])).toEqual([0.1, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02]);
    expect(lrs.map((r) => r[1])).toEqual([0.1, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002]);
    // 2e-8 → 2e-9 lowers it by 1.8e-8 > eps 1e-8; 2e-9 → 2e-10 by 1.8e-9, which is skipped.
    expect(lrs.map((r) => r[2])).toEqual([2e-8, 2.0000000000000003e-9, 2.0000000000000003e-9, 2.0000000000000003e-9, 2.0000000000000003e-9, 2.0000000000000003e-9, 2.0000000000000003e-9]);
    // Reduced at the 2nd value and, after two epochs of cooldown, at the 5th (not the 3rd).
    expect(scheduler.cooldownCounter).toBe(0);
  });

  test('a group that follows the optimizer\'s rate gets a rate of its own', () => {
    const opt = new Adam([{ params: [param()] }, { params: [param()], lr: 0.5 }], { lr: 0.01 });
    const scheduler = new ReduceLROnPlateau(opt, { patience: 0 });
    scheduler.step(1);
    scheduler.step(1);
    expect([opt.lr, opt.paramGroups[0]!.lr, opt.paramGroups[1]!.lr]).toEqual([0.01, 0.001, 0.05]);
  });

  test('a schedule is refused, when the scheduler is made and when a rate becomes one later', () => {
    expectError(() => new ReduceLROnPlateau(new SGD([param()], { lr: stepDecay(0.1, { stepSize: 5 }) })), ValueError, /^ReduceLROnPlateau: the learning rate is a schedule \(a function of the step\); ReduceLROnPlateau lowers a rate that is a number/);
    const opt = sgd(0.1, 0.1);
    const scheduler = new ReduceLROnPlateau(opt);
    opt.paramGroups[1]!.lr = stepDecay(0.1, { stepSize: 5 });
    expectError(() => scheduler.step(1), ValueError, /^ReduceLROnPlateau\.step: the learning rate of param group 1 is a schedule/);
    expect(scheduler.lastEpoch).toBe(0);
  });

  test('bad options and values are ValueErrors naming them', () => {
    const opt = sgd(0.1, 0.1);
    const cases: Array<[object, string | RegExp]> = [
      [{ factor: 1 }, 'ReduceLROnPlateau: factor must be below 1 (a reduction), got 1'],
      [{ factor: -0.5 }, 'ReduceLROnPlateau: factor must be ≥ 0, got -0.5'],
      [{ patience: 1.5 }, 'ReduceLROnPlateau: patience must be an integer ≥ 0, got 1.5'],
      [{ mode: 'minimum' }, /^ReduceLROnPlateau: mode must be/],
      [{ thresholdMode: 'relative' }, /^ReduceLROnPlateau: thresholdMode must be/],
      [{ minLr: [0.1] }, 'ReduceLROnPlateau: minLr must be one number, or a list of 2 (one per param group), got an array of length 1'],
      [{ minLr: [0, -1] }, 'ReduceLROnPlateau: minLr[1] must be ≥ 0, got -1'],
      [{ min_lr: 0.1 }, /^ReduceLROnPlateau: unknown option 'min_lr'; the options are mode, factor/],
    ];
    for (const [options, message] of cases) expectError(() => new ReduceLROnPlateau(opt, options as never), ValueError, message);
    expectError(() => new ReduceLROnPlateau({} as never), ValueError, 'ReduceLROnPlateau: expected an optimizer (SGD, Adam, …), got an object (Object)');
    const scheduler = new ReduceLROnPlateau(opt);
    expectError(() => scheduler.step('0.5' as never), ValueError, 'ReduceLROnPlateau.step: expected the monitored value, a number or a one-element tensor, got string 0.5');
    expectError(() => scheduler.step(tensor([1, 2])), ValueError, /^ReduceLROnPlateau\.step: expected the monitored value, a number or a one-element tensor, got a Tensor of shape \[2\]$/);
  });

  test('stateDict and the optimizer\'s go through JSON, and a resumed run goes on exactly', () => {
    const values = [3, 2, 2.5, 2.2, 2.1, 2.3, 2.4, 1.9, 2, 2, 2, 2, 2.1, 1, 1, 1, 1];
    const run = (resumeAt: number): number[] => {
      let opt = sgd(0.1, 0.3);
      let scheduler = new ReduceLROnPlateau(opt, { patience: 1, cooldown: 1, factor: 0.5, threshold: 0.05, minLr: 0.01 });
      return values.map((v, k) => {
        if (k === resumeAt) {
          const saved = JSON.stringify({ opt: opt.stateDict(), scheduler: scheduler.stateDict() });
          opt = sgd(0.1, 0.3);
          scheduler = new ReduceLROnPlateau(opt, { patience: 1, cooldown: 1, factor: 0.5, threshold: 0.05, minLr: 0.01 });
          const { opt: o, scheduler: s } = JSON.parse(saved);
          opt.loadStateDict(o);
          scheduler.loadStateDict(s);
        }
        scheduler.step(v);
        return opt.currentLr(1);
      });
    };
    const straight = run(-1);
    expect(new Set(straight).size).toBeGreaterThan(2);
    for (const k of [0, 3, 6, 10]) expect(run(k)).toEqual(straight);
    const fresh = new ReduceLROnPlateau(sgd(1), { mode: 'max' });
    expect(JSON.parse(JSON.stringify(fresh.stateDict()))).toEqual({ best: null, numBadEpochs: 0, cooldownCounter: 0, lastEpoch: 0 });
    fresh.loadStateDict(JSON.parse(JSON.stringify(fresh.stateDict())));
    expect(fresh.best).toBe(-Infinity);
    expectError(() => fresh.loadStateDict({ best: 1, numBadEpochs: -1, cooldownCounter: 0, lastEpoch: 0 }), ValueError, 'ReduceLROnPlateau.loadStateDict: numBadEpochs must be an integer ≥ 0, got -1');
    expectError(() => fresh.loadStateDict({ best: '1' as never, numBadEpochs: 0, cooldownCounter: 0, lastEpoch: 0 }), ValueError, 'ReduceLROnPlateau.loadStateDict: best must be a number, null (no best yet) or \'Infinity\' or \'-Infinity\', got "1"');
    expect(fresh.best).toBe(-Infinity);
  });

  test('a best of ±∞ (a metric that reached the best possible value) survives the JSON round trip', () => {
    for (const mode of ['min', 'max'] as const) {
      const best = mode === 'min' ? -Infinity : Infinity;
      const values = [1, best, 2, 3, 4, 5, 6];
      const run = (resumeAt: number): number[] => {
        let opt = sgd(0.1);
        let scheduler = new ReduceLROnPlateau(opt, { mode, patience: 1 });
        return values.map((v, k) => {
          if (k === resumeAt) {
            const saved = JSON.stringify({ opt: opt.stateDict(), scheduler: scheduler.stateDict() });
            opt = sgd(0.1);
            scheduler = new ReduceLROnPlateau(opt, { mode, patience: 1 });
            const { opt: o, scheduler: s } = JSON.parse(saved);
            opt.loadStateDict(o);
            scheduler.loadStateDict(s);
            expect(scheduler.best).toBe(best);
          }
          scheduler.step(v);
          return opt.currentLr();
        });
      };
      const straight = run(-1);
      expect(straight).toEqual([0.1, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.0010000000000000002, 0.0010000000000000002]);
      for (const k of [2, 3, 4]) expect(run(k)).toEqual(straight);
    }
    // NaN never improves, so it cannot be the best: a state holding it is corrupt.
    expectError(() => new ReduceLROnPlateau(sgd(1)).loadStateDict({ best: NaN, numBadEpochs: 0, cooldownCounter: 0, lastEpoch: 0 }), ValueError,
      "ReduceLROnPlateau.loadStateDict: best must be a number, null (no best yet) or 'Infinity' or '-Infinity', got NaN");
  });
});
