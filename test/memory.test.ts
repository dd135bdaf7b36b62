/**
 * Memory stays flat across thousands of training steps: each step's graph is freed by its backward
 * pass, so nothing accumulates. Measured in child processes (test/fixtures/memory-steps.ts) run with
 * --expose-gc, which can force full garbage collections and so measure what is really retained:
 * V8's heap plus the ArrayBuffers behind the tensors' Float64Arrays, after a warm-up, and again after
 * 3,000 more steps.
 *
 * The bound, 1 MiB over 3,000 steps, is about 350 bytes per step: less than one retained tensor of
 * the model's activations ([16, 32] float64 = 4 KiB of data alone). What the engine's own
 * bookkeeping legitimately adds (V8 compiling and re-optimising the hot code as it goes) measured
 * 65–250 KB, once, not growing with the step count (the same after 6,000 steps). A leak of each
 * step's graph — what a graph that backward failed to free would amount to — costs far more: the
 * `leak` mode of the same script keeps every step's graph alive (retainGraph plus a reference) and
 * the test checks that it does exceed the bound (measured: ~30 KB per training step, ~15 KB per plain
 * backward pass, i.e. 45–90 MB over 3,000 steps).
 */
import { runFixtureJson } from './fixtures/child';

jest.setTimeout(60_000);

interface Measurement {
  mode: string;
  steps: number;
  leak: boolean;
  kept: number;
  before: number;
  after: number;
  growth: number;
}

const STEPS = 3000;
const BOUND = 1024 * 1024;

const measure = (mode: 'train' | 'backward', leak = false): Promise<Measurement> =>
  runFixtureJson<Measurement>('memory-steps.ts', [mode, String(STEPS), ...(leak ? ['leak'] : [])], ['--expose-gc']);

let results: Record<'train' | 'backward' | 'trainLeak' | 'backwardLeak', Measurement>;

beforeAll(async () => {
  const [train, backward, trainLeak, backwardLeak] = await Promise.all([
    measure('train'), measure('backward'), measure('train', true), measure('backward', true),
  ]);
  results = { train: train!, backward: backward!, trainLeak: trainLeak!, backwardLeak: backwardLeak! };
});

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

describe(`memory across ${STEPS} steps stays within ${mib(BOUND)}`, () => {
  it('training a small MLP with Adam (forward, loss, backward, step, zeroGrad)', () => {
    const r = results.train;
    expect(r).toMatchObject({ mode: 'train', steps: STEPS, leak: false });
    expect(r.before).toBeGreaterThan(0);
    if (r.growth > BOUND) throw new Error(`memory grew by ${mib(r.growth)} (${Math.round(r.growth / STEPS)} bytes per step)`);
  });

  it('plain backward passes into a leaf, zeroGrad after each', () => {
    const r = results.backward;
    expect(r).toMatchObject({ mode: 'backward', steps: STEPS, leak: false });
    if (r.growth > BOUND) throw new Error(`memory grew by ${mib(r.growth)} (${Math.round(r.growth / STEPS)} bytes per step)`);
  });
});

describe('the bound would catch a leak of the graph', () => {
  it.each(['trainLeak', 'backwardLeak'] as const)('%s: keeping every step\'s graph alive exceeds it many times over', (key) => {
    const r = results[key];
    expect(r.leak).toBe(true);
    expect(r.kept).toBe(STEPS);
    expect(r.growth).toBeGreaterThan(10 * BOUND);
  });
});
