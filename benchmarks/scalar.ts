/**
 * A micrograd-style scalar workload: an MLP 2-16-16-1 evaluated on 100 points one scalar at a time
 * (every weight, activation and loss term a size-1 tensor), then one backward pass. The reference is
 * the smallest closure-based scalar autodiff one would write by hand, defined below: the cost of
 * adjoint's generality (shapes, broadcasting, the registry, forward mode) on the smallest tensors.
 */
import { Rng, scalar, type Tensor } from '@adjoint/core';
import { ratio, timeInterleaved, timedRow, type BenchResult } from './harness';

/** The reference: a value, its gradient, and a closure that pushes its gradient to its parents. */
class Value {
  grad = 0;
  backwardStep: () => void = () => undefined;
  constructor(public data: number, readonly parents: readonly Value[] = []) {}
  add(o: Value): Value {
    const out = new Value(this.data + o.data, [this, o]);
    out.backwardStep = () => { this.grad += out.grad; o.grad += out.grad; };
    return out;
  }
  mul(o: Value): Value {
    const out = new Value(this.data * o.data, [this, o]);
    out.backwardStep = () => { this.grad += o.data * out.grad; o.grad += this.data * out.grad; };
    return out;
  }
  sub(o: Value): Value {
    const out = new Value(this.data - o.data, [this, o]);
    out.backwardStep = () => { this.grad += out.grad; o.grad -= out.grad; };
    return out;
  }
  tanh(): Value {
    const t = Math.tanh(this.data);
    const out = new Value(t, [this]);
    out.backwardStep = () => { this.grad += (1 - t * t) * out.grad; };
    return out;
  }
  square(): Value {
    const out = new Value(this.data * this.data, [this]);
    out.backwardStep = () => { this.grad += 2 * this.data * out.grad; };
    return out;
  }
  backward(): void {
    const order: Value[] = [];
    const seen = new Set<Value>();
    const stack: Array<[Value, number]> = [[this, 0]];
    seen.add(this);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [v, i] = top;
      if (i < v.parents.length) {
        top[1]++;
        const p = v.parents[i]!;
        if (!seen.has(p)) { seen.add(p); stack.push([p, 0]); }
      } else {
        stack.pop();
        order.push(v);
      }
    }
    this.grad = 1;
    for (let k = order.length - 1; k >= 0; k--) order[k]!.backwardStep();
  }
}

/** The operations the workload needs, so one definition of the network serves both engines. */
interface ScalarOps<T> {
  make(v: number): T;
  add(a: T, b: T): T;
  mul(a: T, b: T): T;
  sub(a: T, b: T): T;
  tanh(a: T): T;
  square(a: T): T;
}

const SIZES = [2, 16, 16, 1];
const POINTS = 100;

function workload<T>(ops: ScalarOps<T>, weights: number[], points: number[][], targets: number[]): { loss: T; params: T[] } {
  const params = weights.map((w) => ops.make(w));
  let k = 0;
  let loss: T | null = null;
  const layers = SIZES.slice(1).map((outSize, l) =>
    Array.from({ length: outSize }, () => ({ w: Array.from({ length: SIZES[l]! }, () => params[k++]!), b: params[k++]! })),
  );
  points.forEach((point, p) => {
    let activations = point.map((v) => ops.make(v));
    layers.forEach((layer, l) => {
      activations = layer.map(({ w, b }) => {
        const z = w.reduce<T>((acc, wi, i) => ops.add(acc, ops.mul(wi, activations[i] as T)), b);
        return l < layers.length - 1 ? ops.tanh(z) : z;
      });
    });
    const term = ops.square(ops.sub(activations[0]!, ops.make(targets[p]!)));
    loss = loss === null ? term : ops.add(loss, term);
  });
  return { loss: loss!, params };
}

const valueOps: ScalarOps<Value> = {
  make: (v) => new Value(v),
  add: (a, b) => a.add(b), mul: (a, b) => a.mul(b), sub: (a, b) => a.sub(b), tanh: (a) => a.tanh(), square: (a) => a.square(),
};

const tensorOps: ScalarOps<Tensor> = {
  make: (v) => scalar(v, { requiresGrad: true }),
  add: (a, b) => a.add(b), mul: (a, b) => a.mul(b), sub: (a, b) => a.sub(b), tanh: (a) => a.tanh(), square: (a) => a.square(),
};

/** adjoint against the closure reference on the same scalar workload (forward + backward). */
export async function benchScalar(): Promise<BenchResult[]> {
  const rng = new Rng(5);
  const count = SIZES.slice(1).reduce((n, out, l) => n + out * (SIZES[l]! + 1), 0);
  const weights = Array.from({ length: count }, () => rng.uniform(-1, 1));
  const points = Array.from({ length: POINTS }, () => [rng.uniform(-1, 1), rng.uniform(-1, 1)]);
  const targets = points.map(([a, b]) => Math.sin(a! * 3) * b!);

  // Both must compute the same gradient, or the comparison means nothing.
  const ref = workload(valueOps, weights, points, targets);
  ref.loss.backward();
  const ours = workload(tensorOps, weights, points, targets);
  ours.loss.backward();
  const worst = ref.params.reduce((m, v, i) => Math.max(m, Math.abs(v.grad - ours.params[i]!.grad!.item())), 0);
  if (!(worst < 1e-9)) throw new Error(`scalar benchmark: gradients disagree by ${worst}`);

  const [adjoint, closure] = timeInterleaved([
    () => workload(tensorOps, weights, points, targets).loss.backward(),
    () => workload(valueOps, weights, points, targets).loss.backward(),
  ], { minTime: 3, batches: 25 });
  const group = 'scalar';
  const a = timedRow(group, 'adjoint scalar tensors, 2-16-16-1 × 100 points', adjoint!);
  const c = timedRow(group, 'closure reference (micrograd-style)', closure!);
  return [a, c, ratio(group, 'adjoint / closure time', a, c, 1, 'atMost')];
}
