import { tensor, type Tensor } from '@adjoint/core';
import { Adam, AdamW } from './adam';
import { expectClose, param, trajectory } from '../testing/optim-helpers';

describe('Adam', () => {
  test('the first step moves each weight by lr against its gradient, whatever the gradient scale', () => {
    const w = param([0, 0, 0, 0, 0]);
    const scales = [1e-3, 1, 1e3, -5, 1e6];
    const opt = new Adam([w], { lr: 0.1 });
    w.mul(tensor(scales)).sum().backward(); // ∂/∂wᵢ = scaleᵢ
    opt.step();
    // m̂ = g and v̂ = g², so Δw = −η·g/(|g| + ε) ≈ −η·sign(g)
    expectClose([...w.data], scales.map((s) => -0.1 * Math.sign(s)), 5);
    scales.forEach((s, i) => expect(w.data[i]).toBeCloseTo((-0.1 * s) / (Math.abs(s) + 1e-8), 15));
  });

  test('two steps on f(w) = w² by hand, with bias correction', () => {
    const w = param([1]);
    const [lr, b1, b2, eps] = [0.1, 0.9, 0.999, 1e-8];
    // step 1: g = 2, m = 0.2, v = 0.004, m̂ = 2, v̂ = 4
    const w1 = 1 - (lr * 2) / (2 + eps);
    // step 2: g = 2w₁, m = 0.9·0.2 + 0.1·g, v = 0.999·0.004 + 0.001·g²
    const g = 2 * w1;
    const m = b1 * 0.2 + (1 - b1) * g;
    const v = b2 * 0.004 + (1 - b2) * g * g;
    const w2 = w1 - (lr * (m / (1 - b1 ** 2))) / (Math.sqrt(v / (1 - b2 ** 2)) + eps);
    expectClose(trajectory(w, new Adam([w], { lr }), 2).flat(), [w1, w2], 14);
    expect(w2).toBeCloseTo(0.80041, 4);
  });

  test('coupled weight decay goes through the gradient; decoupled (AdamW) shrinks w separately', () => {
    // w₀ = 2, gradient 0.5, λ = 0.1, η = 0.01
    const run = (options: ConstructorParameters<typeof Adam>[1], steps: number, grad = 0.5): number => {
      const w = param([2]);
      const opt = new Adam([w], options);
      for (let k = 0; k < steps; k++) {
        w.grad = tensor([grad]);
        opt.step();
      }
      return w.data[0]!;
    };
    // Adam: g' = 0.5 + 0.1·2 = 0.7; first step −η·g'/(|g'| + ε)
    expect(run({ lr: 0.01, weightDecay: 0.1 }, 1)).toBeCloseTo(2 - 0.01 * (0.7 / (0.7 + 1e-8)), 14);
    // AdamW: w ← w(1 − ηλ) − η·g/(|g| + ε) = 1.998 − 0.01
    expect(run({ lr: 0.01, weightDecay: 0.1, decoupled: true }, 1)).toBeCloseTo(2 * (1 - 0.001) - 0.01 * (0.5 / (0.5 + 1e-8)), 14);
    // With a zero gradient Adam's coupled decay still takes a full η step (g' = λw normalised),
    // while AdamW only shrinks by the factor (1 − ηλ) per step.
    expect(run({ lr: 0.01, weightDecay: 0.1 }, 1, 0)).toBeCloseTo(2 - 0.01 * (0.2 / (0.2 + 1e-8)), 14);
    expect(run({ lr: 0.01, weightDecay: 0.1, decoupled: true }, 3, 0)).toBeCloseTo(2 * (1 - 0.001) ** 3, 14);
  });

  test('AdamW is Adam with decoupled: true (weightDecay 0.01 by default)', () => {
    const a = param([1, -3]);
    const b = param([1, -3]);
    const c = param([1, -3]);
    const viaAdamW = trajectory(a, new AdamW([a], { lr: 0.05 }), 4);
    const viaAdam = trajectory(b, new Adam([b], { lr: 0.05, weightDecay: 0.01, decoupled: true }), 4);
    const coupled = trajectory(c, new Adam([c], { lr: 0.05, weightDecay: 0.01 }), 4);
    expect(viaAdamW).toEqual(viaAdam);
    expect(coupled).not.toEqual(viaAdam);
    expect(new AdamW([a]).weightDecay).toBe(0.01);
  });

  test('a snapshot of its state is a copy, and loading one into a running optimizer resumes exactly', () => {
    const start = [[1, -2, 3], [0.5, 0.25, -4, 2, 7]];
    const straight = start.map((values) => param(values));
    const reference = trajectory(straight, new Adam(straight, { lr: 0.1 }), 6);

    const first = start.map((values) => param(values));
    const opt1 = new Adam(first, { lr: 0.1 });
    trajectory(first, opt1, 3);
    const saved = opt1.stateDict();
    const savedM = [...(saved.state[1]!.m as Tensor).data];
    trajectory(first, opt1, 1); // the running optimizer's moments move on; the snapshot must not
    expect([...(saved.state[1]!.m as Tensor).data]).toEqual(savedM);

    // A second optimizer that has already taken steps of its own (its moments are in place) loads
    // the snapshot and continues from step 3 with parameters as they were then.
    const second = [param([9, 9, 9]), param([1, 1, 1, 1, 1])];
    const opt2 = new Adam(second, { lr: 0.1 });
    trajectory(second, opt2, 2);
    opt2.loadStateDict(saved);
    const atThree = reference[2]!;
    second[0]!.data.set(atThree.slice(0, 3));
    second[1]!.data.set(atThree.slice(3));
    expect(trajectory(second, opt2, 3)).toEqual(reference.slice(3));
  });

  test('a gradient that shares memory with a parameter updated before it is read after that update', () => {
    // p's gradient is r itself, so r's update changes it before p's. The WebAssembly kernel used to
    // update p from the copy it made when it checked the gradient, the TypeScript one from r's new
    // values; the latter is what the loop over parameters means, and what two optimizers of one
    // parameter each give, p's gradient copied from r after r's update.
    const gradients = [[0.5, 0.5, 0.5, 0.5], [0.25, -0.5, 1, 2]];
    const r = tensor([1, 2, 3, 4], { requiresGrad: true });
    const p = tensor([5, 6, 7, 8], { requiresGrad: true });
    const joint = new Adam([r, p], { lr: 0.5 });
    const [r2, p2] = [tensor([1, 2, 3, 4], { requiresGrad: true }), tensor([5, 6, 7, 8], { requiresGrad: true })];
    const [ofR, ofP] = [new Adam([r2], { lr: 0.5 }), new Adam([p2], { lr: 0.5 })];
    for (const g of gradients) {
      r.grad = tensor(g);
      p.grad = r;
      joint.step();
      r2.grad = tensor(g);
      ofR.step();
      p2.grad = tensor(Array.from(r2.data));
      ofP.step();
    }
    expect(Array.from(r.data)).toEqual(Array.from(r2.data));
    expect(Array.from(p.data)).toEqual(Array.from(p2.data));
  });

  test('validation names the optimizer and the value', () => {
    const w = param([1]);
    expect(() => new Adam([w], { beta1: 1 })).toThrow('Adam: beta1 must be in [0, 1), got 1');
    expect(() => new Adam([w], { beta2: -0.1 })).toThrow('Adam: beta2 must be in [0, 1), got -0.1');
    expect(() => new AdamW([w], { lr: -1 })).toThrow('AdamW: lr must be a finite number ≥ 0 or a schedule, got -1');
    expect(() => new Adam([w], { eps: NaN })).toThrow(/Adam: eps/);
  });
});
