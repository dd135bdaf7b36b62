import { problem, adjointStep, handWrittenStep } from '../mlp';
import { timeInterleaved } from '../harness';
for (const sizes of [[784, 128, 10], [784, 256, 128, 10]]) {
  const p = problem(sizes);
  const ours = adjointStep(p);
  const hand = handWrittenStep(p);
  const [a, h, f] = timeInterleaved([ours.step, hand, ours.forward], { minTime: +(process.env.T ?? 3), batches: 40 });
  console.log(sizes.join('-'), `step ${(a!.median * 1e3).toFixed(2)} hand ${(h!.median * 1e3).toFixed(2)} fwd ${(f!.median * 1e3).toFixed(2)}  overhead ${(a!.median / h!.median).toFixed(3)}  step/fwd ${(a!.median / f!.median).toFixed(2)}`);
}
