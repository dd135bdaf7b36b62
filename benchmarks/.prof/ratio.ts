import { problem, adjointStep, handWrittenStep } from '../mlp';
import { timeInterleaved } from '../harness';
for (const sizes of (process.env.ONLY === "big" ? [[784, 256, 128, 10]] : [[784, 128, 10], [784, 256, 128, 10]])) {
  const p = problem(sizes);
  const ours = adjointStep(p);
  const hand = handWrittenStep(p);
  const [a, h, f, g, hf] = timeInterleaved([ours.step, hand.step, ours.forward, ours.gradient, hand.forward], { minTime: 2, batches: 15 });
  const ms = (t: { median: number }) => (t.median * 1e3).toFixed(2);
  console.log(sizes.join('-'), `step ${ms(a!)} hand ${ms(h!)} fwd ${ms(f!)} grad ${ms(g!)} handfwd ${ms(hf!)} | overhead ${(a!.median / h!.median).toFixed(3)} step/fwd ${(a!.median / f!.median).toFixed(2)} grad/fwd ${(g!.median / f!.median).toFixed(2)} hand step/fwd ${(h!.median / hf!.median).toFixed(2)}`);
}
