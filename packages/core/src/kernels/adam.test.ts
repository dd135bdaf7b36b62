import { ShapeError, ValueError } from '../errors';
import { adamCoefficients, adamMoments, adamStageGradient, adamThreadsOf, adamUpdate, adamUpdateJs, setAdamKernel, type AdamCoefficients, type AdamKernel, type AdamMoments } from './adam';
import { getNumThreads, setNumThreads } from './threads';
import { firstDifference, lcg, randomArray as random, withWebAssembly } from '../testing/kernel-helpers';

type AdamModule = typeof import('./adam');

/** The coefficients of step t with learning rate lr (λ = 0.1 when there is weight decay). */
function coefficients(t: number, decay: 'none' | 'coupled' | 'decoupled' = 'none', lr = 0.01): AdamCoefficients {
  return adamCoefficients(t, lr, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: decay === 'none' ? 0 : 0.1, decoupled: decay === 'decoupled' });
}

/** Runs `steps` updates of parameters of the given sizes with moments from `moments`, returns the final state. */
function run(
  sizes: number[], decay: 'none' | 'coupled' | 'decoupled', steps: number,
  moments: (sizes: number[]) => Array<{ m: Float64Array; v: Float64Array }>,
  update: typeof adamUpdate,
): Float64Array[] {
  const next = lcg(7);
  const weights = sizes.map((n) => random(n, next));
  const state = moments(sizes);
  for (let t = 1; t <= steps; t++) {
    weights.forEach((w, i) => update(w, random(w.length, next, 10 ** (t % 4 - 2)), state[i]!.m, state[i]!.v, coefficients(t, decay)));
  }
  return weights.flatMap((w, i) => [w, state[i]!.m, state[i]!.v]);
}

const plainMoments = (sizes: number[]) => sizes.map((n) => ({ m: new Float64Array(n), v: new Float64Array(n) }));
const SIZES = [0, 1, 2, 3, 17, 1000, 4097];

describe('adamUpdateJs', () => {
  it('with adamCoefficients, is Adam with bias correction: the first step moves each weight by lr against its gradient', () => {
    const w = Float64Array.from([0, 0, 0]);
    const g = Float64Array.from([1e-3, -5, 1e6]);
    adamUpdateJs(w, g, new Float64Array(3), new Float64Array(3), coefficients(1, 'none', 0.1));
    // m̂ = g and v̂ = g², so Δw = −η·g/(|g| + ε)
    [...g].forEach((gi, i) => expect(w[i]).toBeCloseTo((-0.1 * gi) / (Math.abs(gi) + 1e-8), 15));
  });

  it('matches the textbook formula (bias-corrected moments) over several steps, with and without weight decay', () => {
    for (const decay of ['none', 'coupled', 'decoupled'] as const) {
      const next = lcg(3);
      const w = random(5, next);
      const [m, v] = [new Float64Array(5), new Float64Array(5)];
      const ref = { w: [...w], m: [0, 0, 0, 0, 0], v: [0, 0, 0, 0, 0] };
      for (let t = 1; t <= 4; t++) {
        const g = random(5, next);
        adamUpdateJs(w, g, m, v, coefficients(t, decay));
        for (let i = 0; i < 5; i++) {
          if (decay === 'decoupled') ref.w[i]! *= 1 - 0.01 * 0.1;
          const gi = g[i]! + (decay === 'coupled' ? 0.1 * ref.w[i]! : 0);
          ref.m[i] = 0.9 * ref.m[i]! + 0.1 * gi;
          ref.v[i] = 0.999 * ref.v[i]! + 0.001 * gi * gi;
          const mHat = ref.m[i]! / (1 - 0.9 ** t);
          const vHat = ref.v[i]! / (1 - 0.999 ** t);
          ref.w[i]! -= (0.01 * mHat) / (Math.sqrt(vHat) + 1e-8);
        }
      }
      [...w].forEach((wi, i) => expect(wi).toBeCloseTo(ref.w[i]!, 14));
      [...m].forEach((mi, i) => expect(mi).toBeCloseTo(ref.m[i]!, 15));
      [...v].forEach((vi, i) => expect(vi).toBeCloseTo(ref.v[i]!, 15));
    }
  });
});

describe('adamMoments and adamUpdate', () => {
  it('gives zeroed moments of the requested sizes, each its own storage', () => {
    const moments = adamMoments(SIZES);
    expect(moments.map(({ m, v }) => [m.length, v.length])).toEqual(SIZES.map((n) => [n, n]));
    moments.forEach(({ m, v }) => {
      expect(m.every((x) => x === 0) && v.every((x) => x === 0)).toBe(true);
      m.fill(1);
      v.fill(2);
    });
    moments.forEach(({ m, v }) => expect(m.every((x) => x === 1) && v.every((x) => x === 2)).toBe(true));
  });

  it('refuses sizes that are not parameter sizes with a ValueError naming adamMoments and the list', () => {
    const sparse: number[] = [3];
    sparse[2] = 4;
    for (const bad of [[-1], [1.5], [NaN], [2 ** 31], ['3'], sparse, 'abc', null]) {
      expect(() => adamMoments(bad as number[])).toThrow(ValueError);
      expect(() => adamMoments(bad as number[])).toThrow(/^adamMoments: sizes must be a list of parameter sizes, whole numbers from 0 to 2147483647, got /);
    }
    // Many parameters: the largest is found without spreading the list into arguments.
    const many = adamMoments(Array.from({ length: 200_000 }, (_, i) => i % 3));
    expect(many.length).toBe(200_000);
    expect(many.map(({ m }) => m.length)).toEqual(Array.from({ length: 200_000 }, (_, i) => i % 3));
  });

  // 8n bytes past 2³¹ once wrapped in 32-bit arithmetic: a 2²⁹-element parameter got no bytes at all.
  it('gives plain arrays for moments too large for a WebAssembly memory', () => {
    for (const n of [2 ** 28, 2 ** 29, 2 ** 29 + 8]) {
      const [{ m, v }] = adamMoments([n]) as [AdamMoments];
      expect([m.length, v.length, m.buffer.byteLength, v.buffer.byteLength, m.buffer === v.buffer]).toEqual([n, n, 8 * n, 8 * n, false]);
    }
  });

  it('keeps the moments in the WebAssembly kernel\'s memory (Node 20 has WebAssembly SIMD), so the tests below exercise it', () => {
    const [a, b] = adamMoments([3, 5]);
    expect(a!.m.buffer).toBe(b!.v.buffer);
    // 16-byte aligned, as the kernel's two-lane loads expect.
    [a!.m, a!.v, b!.m, b!.v].forEach((x) => expect(x.byteOffset % 16).toBe(0));
    // The update ran in the kernel: it left the new weights in its memory's scratch, at byte 64
    // (after the coefficients).
    const w = Float64Array.from([1, 2, 3, 4, 5]);
    adamUpdate(w, Float64Array.from([5, -4, 3, -2, 1]), b!.m, b!.v, coefficients(1));
    expect(w[0]).not.toBe(1);
    expect([...new Float64Array(b!.m.buffer, 64, 5)]).toEqual([...w]);
  });

  it.each(['none', 'coupled', 'decoupled'] as const)('is bit-identical to adamUpdateJs on every length (weight decay: %s)', (decay) => {
    const onKernel = run(SIZES, decay, 6, adamMoments, adamUpdate);
    const onJs = run(SIZES, decay, 6, plainMoments, adamUpdateJs);
    expect(onKernel).toEqual(onJs);
    expect(onKernel.some((a) => a.some((x) => x !== 0))).toBe(true);
  });

  it('updates moments from anywhere else with adamUpdateJs', () => {
    expect(run(SIZES, 'coupled', 3, plainMoments, adamUpdate)).toEqual(run(SIZES, 'coupled', 3, plainMoments, adamUpdateJs));
  });

  it('leaves the gradient alone and other parameters\' moments untouched', () => {
    const [first, second] = adamMoments([4, 4]);
    second!.m.fill(0.5);
    const g = Float64Array.from([1, -2, 3, -4]);
    adamUpdate(new Float64Array(4), g, first!.m, first!.v, coefficients(1));
    expect([...g]).toEqual([1, -2, 3, -4]);
    expect([...second!.m]).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect([...second!.v]).toEqual([0, 0, 0, 0]);
  });

  it('rejects arrays of different lengths with a ShapeError naming them', () => {
    const [{ m, v }] = adamMoments([3]) as [{ m: Float64Array; v: Float64Array }];
    expect(() => adamUpdate(new Float64Array(3), new Float64Array(2), m, v, coefficients(1))).toThrow(ShapeError);
    expect(() => adamUpdate(new Float64Array(4), new Float64Array(4), m, v, coefficients(1)))
      .toThrow('adamUpdate: weights, gradient and moments must have the same length, got 4, 4, 3 and 3');
  });
});

describe('adamStageGradient', () => {
  /** adamUpdate that stages the gradient first, as Adam's step does. */
  const stagedUpdate: typeof adamUpdate = (w, g, m, v, c) => {
    // An empty parameter has no slot: it is left to the JavaScript check and loop, which do nothing.
    const staged = adamStageGradient(g, m, v);
    expect(staged).toBe(g.length === 0 ? null : true);
    adamUpdate(w, g, m, v, c, staged === true);
  };

  it.each(['none', 'coupled', 'decoupled'] as const)('leads to updates bit-identical to adamUpdateJs (weight decay: %s)', (decay) => {
    expect(run(SIZES, decay, 6, adamMoments, stagedUpdate)).toEqual(run(SIZES, decay, 6, plainMoments, adamUpdateJs));
  });

  it('finds NaN, ±∞ and values whose square overflows at every position of every length up to 20, and nothing in other values', () => {
    const largest = Math.sqrt(Number.MAX_VALUE); // just below 2⁵¹²: its square is finite
    for (let n = 1; n <= 20; n++) {
      const [{ m: mn, v: vn }] = adamMoments([n]) as [{ m: Float64Array; v: Float64Array }];
      const g = Float64Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * 10 ** (i % 150) * 1.5);
      expect(adamStageGradient(g, mn, vn)).toBe(true);
      expect(adamStageGradient(Float64Array.of(...g.slice(0, n - 1), -largest), mn, vn)).toBe(true);
      for (let at = 0; at < n; at++) {
        for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 512, -Number.MAX_VALUE]) {
          const h = g.slice();
          h[at] = bad;
          expect(adamStageGradient(h, mn, vn)).toBe(false);
        }
      }
    }
  });

  it('copies the gradient to its own parameter\'s slot, where the staged update reads it', () => {
    const [first, second] = adamMoments([4, 4]) as [{ m: Float64Array; v: Float64Array }, { m: Float64Array; v: Float64Array }];
    const g1 = Float64Array.from([1, -2, 3, -4]);
    const g2 = Float64Array.from([-8, 7, -6, 5]);
    expect(adamStageGradient(g1, first.m, first.v)).toBe(true);
    expect(adamStageGradient(g2, second.m, second.v)).toBe(true);
    const [w1, w2] = [new Float64Array(4), new Float64Array(4)];
    // Read from the slot, not copied again: a change to the array after staging does not reach it.
    const staged1 = g1.slice();
    g1.fill(9);
    adamUpdate(w1, g1, first.m, first.v, coefficients(1), true);
    adamUpdate(w2, g2, second.m, second.v, coefficients(1), true);
    const [u1, u2] = [new Float64Array(4), new Float64Array(4)];
    adamUpdateJs(u1, staged1, new Float64Array(4), new Float64Array(4), coefficients(1));
    adamUpdateJs(u2, g2, new Float64Array(4), new Float64Array(4), coefficients(1));
    expect([...w1]).toEqual([...u1]);
    expect([...w2]).toEqual([...u2]);
  });

  it('returns null for moments outside a kernel\'s memory, and rejects a gradient of another length', () => {
    expect(adamStageGradient(new Float64Array(3), new Float64Array(3), new Float64Array(3))).toBeNull();
    // Views of the kernel's memory that are not a pair adamMoments placed: another length, or
    // another parameter's v. They are updated in JavaScript, as moments anywhere else are.
    const [p, q] = adamMoments([4, 4]) as [{ m: Float64Array; v: Float64Array }, { m: Float64Array; v: Float64Array }];
    const longer = new Float64Array(p.m.buffer, p.m.byteOffset, 6);
    expect(adamStageGradient(new Float64Array(6), longer, new Float64Array(p.v.buffer, p.v.byteOffset, 6))).toBeNull();
    expect(adamStageGradient(new Float64Array(4), p.m, q.v)).toBeNull();
    const [{ m, v }] = adamMoments([3]) as [{ m: Float64Array; v: Float64Array }];
    expect(() => adamStageGradient(new Float64Array(2), m, v))
      .toThrow('adamStageGradient: gradient and moments must have the same length, got 2, 3 and 3');
  });
});

describe('adamUpdate on worker threads', () => {
  // Above the size from which an update is split between threads (2¹⁵ elements, at least 2¹⁴ a
  // thread), odd, and not a multiple of any thread count tried: every range boundary and the last
  // lone element get used.
  const LARGE = [3, 3 * 2 ** 15 + 7, 2 ** 15 - 1];
  const initial = getNumThreads();
  afterEach(() => setNumThreads(initial));

  /** Resolves once the workers of the instance holding m and v have started (fails after 10 s). */
  async function workersReady(m: Float64Array, v: Float64Array, count: number): Promise<void> {
    const threads = adamThreadsOf(m, v)!;
    const deadline = Date.now() + 10_000;
    for (;;) {
      // An update large enough to split starts the workers that are missing.
      adamUpdate(new Float64Array(m.length), new Float64Array(m.length), m, v, coefficients(1));
      let ready = true;
      for (let slot = 1; slot < count; slot++) ready &&= threads.idle(slot);
      if (ready) return;
      if (Date.now() > deadline) throw new Error('workers did not start');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it.each([2, 3])('gives bit-identical results to adamUpdateJs on %i threads, with the workers taking part', async (threadCount) => {
    setNumThreads(threadCount);
    const state = adamMoments(LARGE);
    const big = state[1]!;
    const threads = adamThreadsOf(big.m, big.v);
    expect(threads).not.toBeNull(); // Node shares memory: the threaded path is the one under test
    await workersReady(big.m, big.v, threadCount);
    big.m.fill(0);
    big.v.fill(0);
    const before = threads!.workerCalls;
    const next = lcg(3);
    const weights = LARGE.map((n) => random(n, next));
    const reference = weights.map((w) => w.slice());
    const plain = plainMoments(LARGE);
    // At least three rounds, and on until a worker has taken part: one asleep when a range is
    // posted may be too slow to wake, and this thread then runs the range itself.
    for (let t = 1; t <= 3 || (threads!.workerCalls === before && t <= 60); t++) {
      for (const decay of ['none', 'coupled', 'decoupled'] as const) {
        const c = coefficients(t, decay);
        weights.forEach((w, i) => {
          const g = random(w.length, next, 10 ** (t % 4 - 2));
          // Every other update reads a gradient staged beforehand, as nn's Adam does.
          const staged = t % 2 === 0 && adamStageGradient(g, state[i]!.m, state[i]!.v) === true;
          adamUpdate(w, g, state[i]!.m, state[i]!.v, c, staged);
          adamUpdateJs(reference[i]!, g, plain[i]!.m, plain[i]!.v, c);
        });
      }
    }
    weights.forEach((w, i) => {
      expect(firstDifference(w, reference[i]!)).toBe(-1);
      expect(firstDifference(state[i]!.m, plain[i]!.m)).toBe(-1);
      expect(firstDifference(state[i]!.v, plain[i]!.v)).toBe(-1);
    });
    expect(threads!.workerCalls).toBeGreaterThan(before);
  });

  it('gives an optimizer without a parameter large enough to split an ordinary memory, which copies faster', () => {
    const [{ m, v }] = adamMoments([2 ** 15 - 1, 5]) as [{ m: Float64Array; v: Float64Array }];
    expect(m.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(adamThreadsOf(m, v)).toBeNull();
    const [big] = adamMoments([2 ** 15]) as [{ m: Float64Array; v: Float64Array }];
    expect(big.m.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('keeps parameters below the threshold, and every update on one thread, off the workers', async () => {
    setNumThreads(2);
    const [small, big] = adamMoments([2 ** 15 - 1, 2 ** 15]) as [{ m: Float64Array; v: Float64Array }, { m: Float64Array; v: Float64Array }];
    await workersReady(big.m, big.v, 2);
    const threads = adamThreadsOf(small.m, small.v)!;
    const before = threads.workerCalls;
    for (let t = 1; t <= 20; t++) adamUpdate(new Float64Array(small.m.length), random(small.m.length, lcg(t)), small.m, small.v, coefficients(t));
    setNumThreads(1);
    for (let t = 1; t <= 20; t++) adamUpdate(new Float64Array(big.m.length), random(big.m.length, lcg(t)), big.m, big.v, coefficients(t));
    expect(threads.workerCalls).toBe(before);
  });

  it('runs a range on this thread when its worker was ended from outside between updates, with the same results', async () => {
    setNumThreads(2);
    const [{ m, v }] = adamMoments([2 ** 16]) as [{ m: Float64Array; v: Float64Array }];
    await workersReady(m, v, 2);
    adamThreadsOf(m, v)!.terminate();
    m.fill(0);
    v.fill(0);
    const g = random(m.length, lcg(5));
    const [w, u] = [random(m.length, lcg(6)), random(m.length, lcg(6))];
    adamUpdate(w, g, m, v, coefficients(1));
    adamUpdateJs(u, g, new Float64Array(m.length), new Float64Array(m.length), coefficients(1));
    expect(firstDifference(w, u)).toBe(-1);
  });
});

describe('setAdamKernel', () => {
  /** A kernel from outside core, here adamUpdateJs itself, that records what it is handed. */
  function recordingKernel(): AdamKernel & { updates: Float64Array[][]; checks: Float64Array[] } {
    const updates: Float64Array[][] = [];
    const checks: Float64Array[] = [];
    return {
      name: 'recording', updates, checks,
      update: (w, g, m, v, c) => {
        updates.push([w, g, m, v]);
        adamUpdateJs(w, g, m, v, c);
      },
      squaresFinite: (x) => {
        checks.push(x);
        return x.every((v) => Number.isFinite(v * v));
      },
    };
  }
  afterEach(() => setAdamKernel(null));

  it('refuses a kernel without the interface\'s functions (one written for the older allFinite, say) with a ValueError naming what is missing', () => {
    const old = { name: 'old', update: adamUpdateJs, allFinite: () => true };
    expect(() => setAdamKernel(old as never)).toThrow("setAdamKernel: a kernel is null or an object with a string name and the functions update, squaresFinite; got an object, without squaresFinite");
    expect(() => setAdamKernel(3 as never)).toThrow(/without name, update, squaresFinite$/);
    expect(setAdamKernel(null)).toBeNull(); // nothing was installed by the refused calls
  });

  it('runs the installed kernel on the caller\'s own arrays, wherever the moments live, and returns the previous one', () => {
    const kernel = recordingKernel();
    const [resident] = adamMoments([5]) as [{ m: Float64Array; v: Float64Array }]; // made before the kernel came
    expect(setAdamKernel(kernel)).toBeNull();
    const [plain] = adamMoments([5]) as [{ m: Float64Array; v: Float64Array }]; // made while it is installed
    expect(plain.m.buffer).not.toBe(resident.m.buffer);
    expect(plain.m.buffer.byteLength).toBe(40); // plain arrays: no kernel memory, scratch or slots
    for (const { m, v } of [resident, plain]) {
      const w = Float64Array.from([1, 2, 3, 4, 5]);
      const g = Float64Array.from([5, -4, 3, -2, 1]);
      adamUpdate(w, g, m, v, coefficients(1));
      expect(kernel.updates.at(-1)).toEqual([w, g, m, v]);
      expect(kernel.updates.at(-1)![0]).toBe(w); // the arrays themselves, not copies
      expect(kernel.updates.at(-1)![2]).toBe(m);
    }
    expect(setAdamKernel(null)).toBe(kernel);
  });

  it('checks a staged gradient with the kernel where it is, and copies nothing', () => {
    const kernel = recordingKernel();
    const [{ m, v }] = adamMoments([3]) as [{ m: Float64Array; v: Float64Array }];
    setAdamKernel(kernel);
    const g = Float64Array.from([1, 2, 3]);
    expect(adamStageGradient(g, m, v)).toBe(true);
    expect(adamStageGradient(Float64Array.from([1, Number.NaN, 3]), m, v)).toBe(false);
    expect(kernel.checks[0]).toBe(g);
    // Nothing was copied into the gradient slot (the memory after the coefficients and weights' scratch).
    expect(new Float64Array(m.buffer).every((x) => x === 0)).toBe(true);
  });

  it('leaves arrays that share memory to the TypeScript loop, with the same results', () => {
    const kernel = recordingKernel();
    setAdamKernel(kernel);
    const shared = Float64Array.from([1, -2, 3, -4]);
    const [m, v] = [new Float64Array(4), new Float64Array(4)];
    adamUpdate(shared, shared, m, v, coefficients(1)); // weights that are their own gradient
    const expected = Float64Array.from([1, -2, 3, -4]);
    adamUpdateJs(expected, expected, new Float64Array(4), new Float64Array(4), coefficients(1));
    expect(kernel.updates).toHaveLength(0);
    expect([...shared]).toEqual([...expected]);
    const both = new Float64Array(8);
    adamUpdate(new Float64Array(4), new Float64Array(4).fill(1), both.subarray(0, 4), both.subarray(2, 6), coefficients(1));
    expect(kernel.updates).toHaveLength(0);
  });

  it('uses a staged copy only for the very array staged: another array is copied as usual', () => {
    const [{ m, v }] = adamMoments([4]) as [{ m: Float64Array; v: Float64Array }];
    const [g1, g2] = [Float64Array.from([1, -2, 3, -4]), Float64Array.from([-0.5, 0.25, 8, 2])];
    adamStageGradient(g1, m, v);
    const w = new Float64Array(4);
    adamUpdate(w, g2, m, v, coefficients(1), true);
    const expected = new Float64Array(4);
    adamUpdateJs(expected, g2, new Float64Array(4), new Float64Array(4), coefficients(1));
    expect([...w]).toEqual([...expected]);
  });

  it('never updates with a staged copy older than the last update or the last check', () => {
    const plainRun = (steps: Array<[Float64Array, number]>): Float64Array => {
      const ref = { w: new Float64Array(4), m: new Float64Array(4), v: new Float64Array(4) };
      for (const [grad, t] of steps) adamUpdateJs(ref.w, grad, ref.m, ref.v, coefficients(t));
      return ref.w;
    };
    const [g1, g2] = [Float64Array.from([1, -2, 3, -4]), Float64Array.from([-0.5, 0.25, 8, 2])];
    // A copy used by an update that did not ask for it is used up all the same.
    let [{ m, v }] = adamMoments([4]) as [{ m: Float64Array; v: Float64Array }];
    let w = new Float64Array(4);
    adamStageGradient(g1, m, v);
    adamUpdate(w, g1, m, v, coefficients(1), false);
    adamUpdate(w, g2, m, v, coefficients(2), true);
    expect([...w]).toEqual([...plainRun([[g1, 1], [g2, 2]])]);
    // A copy made before a kernel took over the updates is not the gradient a later check saw.
    [{ m, v }] = adamMoments([4]) as [{ m: Float64Array; v: Float64Array }];
    w = new Float64Array(4);
    adamStageGradient(g1, m, v);
    setAdamKernel(recordingKernel());
    adamUpdate(w, g1, m, v, coefficients(1), true);
    adamStageGradient(g2, m, v);
    setAdamKernel(null);
    adamUpdate(w, g2, m, v, coefficients(2), true);
    expect([...w]).toEqual([...plainRun([[g1, 1], [g2, 2]])]);
  });

  it('copies the gradient after all when it was checked by a kernel since removed', () => {
    const [{ m, v }] = adamMoments([4]) as [{ m: Float64Array; v: Float64Array }];
    const g = Float64Array.from([1, -2, 3, -4]);
    setAdamKernel(recordingKernel());
    expect(adamStageGradient(g, m, v)).toBe(true); // checked in place: no copy
    setAdamKernel(null);
    const w = new Float64Array(4);
    adamUpdate(w, g, m, v, coefficients(1), true);
    const expected = new Float64Array(4);
    adamUpdateJs(expected, g, new Float64Array(4), new Float64Array(4), coefficients(1));
    expect([...w]).toEqual([...expected]);
    // And a staged copy serves one update only: the next one copies the gradient again.
    adamStageGradient(g, m, v);
    adamUpdate(w, g, m, v, coefficients(2), true);
    const h = Float64Array.from([4, 3, 2, 1]);
    adamUpdate(w, h, m, v, coefficients(3), true);
    const ref = { w: new Float64Array(4), m: new Float64Array(4), v: new Float64Array(4) };
    [[g, 1], [g, 2], [h, 3]].forEach(([grad, t]) => adamUpdateJs(ref.w, grad as Float64Array, ref.m, ref.v, coefficients(t as number)));
    expect([...w]).toEqual([...ref.w]);
  });
});

describe('adamUpdate without WebAssembly', () => {
  it('gives plain arrays and the same results', () => {
    withWebAssembly(undefined, () => require('./adam') as AdamModule, (mod) => {
      const [a, b] = mod.adamMoments([3, 5]);
      expect(a!.m.buffer).not.toBe(b!.m.buffer);
      expect(run(SIZES, 'decoupled', 4, mod.adamMoments, mod.adamUpdate)).toEqual(run(SIZES, 'decoupled', 4, plainMoments, adamUpdateJs));
    });
  });
});
