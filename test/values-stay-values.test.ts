/**
 * Values stay values: random training programs whose custom rules and hooks stash every tensor
 * they are given or return, trained for a few steps with an optimizer, must find every stash as it
 * was — whatever arrays the engine reused meanwhile. Only the parameters change (the optimizer's
 * writes are the user's own), and so does every tensor that shares their data.
 */
import fc from 'fast-check';
import { Tensor, customVjp, randn, tensor, withPoisonedReuse } from '@adjoint/core';
import { Adam, SGD, type Optimizer } from '@adjoint/nn';

interface Stashed {
  t: Tensor;
  data: Float64Array;
  shape: number[];
  where: string;
}

/** Everything user code was given or made, with a copy of its values when it was stashed. */
class Stash {
  readonly items: Stashed[] = [];
  keep(where: string, ...ts: (Tensor | null)[]): void {
    for (const t of ts) if (t !== null) this.items.push({ t, data: t.data.slice(), shape: [...t.shape], where });
  }
  /** Stashed tensors whose values or shape changed, except those sharing a parameter's data. */
  changed(params: readonly Tensor[]): string[] {
    return this.items
      .filter(({ t }) => !params.some((p) => p.data === t.data))
      .filter(({ t, data, shape }) => t.shape.join() !== shape.join() || t.data.some((v, i) => !Object.is(v, data[i])))
      .map(({ where, t }) => `${where} ${JSON.stringify(t.shape)}`);
  }
}

type Step = 'tanh' | 'square' | 'fanOut' | 'addBias' | 'matmul' | 'customKeep' | 'customPassThrough' | 'hookKeep' | 'hookReplace' | 'transposeBack' | 'sumRows';
const STEPS: Step[] = ['tanh', 'square', 'fanOut', 'addBias', 'matmul', 'customKeep', 'customPassThrough', 'hookKeep', 'hookReplace', 'transposeBack', 'sumRows'];

const ROWS = 4;
const WIDTH = 6; // activations are 4 × 6: 24 elements, arrays of their own, which the engine reuses

function program(steps: readonly Step[], stash: Stash, bias: Tensor, weight: Tensor): (x: Tensor) => Tensor {
  // The same custom functions every step, as a model's would be.
  const keep = customVjp((h: Tensor) => h.mul(3), (inputs, output, g) => {
    const returned = g.mul(3);
    stash.keep('customVjp rule (keeps)', ...inputs, output, g, returned);
    return [returned];
  });
  const passThrough = customVjp((h: Tensor) => h.mul(1), (inputs, output, g) => {
    stash.keep('customVjp rule (passes its cotangent on)', ...inputs, output, g);
    return [g];
  });
  return (x) => {
    let h = x.matmul(weight).add(bias); // so that every step's result requires grad
    for (const step of steps) {
      switch (step) {
        case 'tanh': h = h.tanh(); break;
        case 'square': h = h.tanh().square(); break; // bounded: programs must not diverge
        case 'fanOut': h = h.mul(h.sigmoid()).add(h); break;
        case 'addBias': h = h.add(bias); break;
        case 'matmul': h = h.matmul(weight); break;
        case 'customKeep': h = keep(h); break;
        case 'customPassThrough': h = passThrough(h); break;
        case 'hookKeep':
          h = h.mul(1.5);
          h.registerHook((g) => void stash.keep('hook (keeps)', g));
          break;
        case 'hookReplace':
          h = h.add(0.25);
          h.registerHook((g) => {
            const replaced = g.mul(0.5);
            stash.keep('hook (replaces)', g, replaced);
            return replaced;
          });
          break;
        case 'transposeBack': h = h.transpose().reshape([WIDTH, ROWS]).transpose(); break;
        case 'sumRows': h = h.sub(h.sum(0, true).div(ROWS)); break;
      }
      stash.keep(`forward value after ${step}`, h);
    }
    return h;
  };
}

describe('values stay values', () => {
  it('custom rules and hooks that stash every tensor they see find them unchanged after training', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...STEPS), { minLength: 2, maxLength: 9 }), fc.boolean(), fc.integer({ min: 0, max: 1000 }), (steps, adam, seed) => {
        const stash = new Stash();
        const bias = randn([WIDTH], { seed, requiresGrad: true });
        const weight = randn([WIDTH, WIDTH], { seed: seed + 1, requiresGrad: true });
        const params = [bias, weight];
        const optimizer: Optimizer = adam ? new Adam(params, { lr: 0.01 }) : new SGD(params, { lr: 0.01, momentum: 0.9 });
        const f = program(steps, stash, bias, weight);
        const x = randn([ROWS, WIDTH], { seed: seed + 2 });
        for (let i = 0; i < 4; i++) {
          optimizer.zeroGrad();
          const out = f(x);
          const loss = out.square().mean();
          withPoisonedReuse(() => loss.backward());
          stash.keep('loss', loss);
          if (i % 2 === 1) stash.keep('a gradient read through .grad', bias.grad, weight.grad);
          optimizer.step();
          // Checked after every step: a wrongly reused array may be reused again later and hold
          // plausible numbers by the end.
          const changed = stash.changed(params);
          if (changed.length > 0) throw new Error(`changed by training step ${i} (${steps.join(', ')}): ${changed.slice(0, 5).join('; ')}`);
        }
        expect(Array.from(x.data)).toEqual(Array.from(randn([ROWS, WIDTH], { seed: seed + 2 }).data));
      }),
      { numRuns: 60, seed: 20261206 },
    );
  });

  it('a kept cotangent survives zeroGrad and later ops of its size (the case that once broke)', () => {
    const kept: Tensor[] = [];
    const f = customVjp((x: Tensor) => x.mul(2), (_inputs, _output, g) => {
      kept.push(g);
      return [g];
    });
    const x = randn([20], { seed: 1, requiresGrad: true });
    f(x).sum().backward();
    const before = kept[0]!.data.slice();
    x.zeroGrad();
    for (let i = 0; i < 5; i++) randn([20], { seed: 2 + i }).exp();
    expect(Array.from(kept[0]!.data)).toEqual(Array.from(before));
    expect(Array.from(before)).toEqual(Array(20).fill(1));
  });

  it('a shape read from one tensor cannot change another', () => {
    const a = tensor([[1, 2, 3]]);
    const e = a.exp();
    expect(Object.isFrozen(e.shape)).toBe(true);
    expect(() => (e.shape as number[]).reverse()).toThrow(TypeError);
    expect(a.shape).toEqual([1, 3]);
    const shape = [3, 1];
    const t = new Tensor(new Float64Array(3), shape);
    shape[0] = 1; // the caller's array stays the caller's, and the tensor keeps its own
    expect(t.shape).toEqual([3, 1]);
  });
});
