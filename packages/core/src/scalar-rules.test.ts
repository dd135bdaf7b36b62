/**
 * One-element tensors computed in numbers (scalar-rules.ts) against the ops' kernels and rules.
 * Values: an op's function on one-element inputs must give its kernel's value on a longer array, bit
 * for bit. Gradients: `Tensor.backward` on one-element
 * tensors runs the scalar rules, `grad` never does (its pass is the plain reference), and the two
 * must give the same gradients bit for bit — for every op that has a scalar rule, on values from its
 * domain, on IEEE's special values, and where adjoints accumulate (an input used twice, a node
 * feeding several).
 */
import { registeredOps, type DifferentiableOp } from './registry';
import { scalarKernelOf, scalarRuleOf } from './scalar-rules';
import { apply, applyOneOrTwo } from './dispatch';
import { scalar, tensor } from './create';
import { grad } from './transforms/grad';
import { add, mul, sum, tanh } from './functions';
import * as graph from './graph';
import { lcg } from './testing/kernel-helpers';
import type { Tensor } from './tensor';

const withRules = registeredOps().filter((op): op is DifferentiableOp<unknown> => op.kind === 'differentiable' && scalarRuleOf(op) !== undefined);

/** The IEEE-754 bits of x, so that −0 ≠ 0 and NaNs compare by payload. */
const bits = (x: number): bigint => new BigUint64Array(new Float64Array([x]).buffer)[0]!;

/**
 * Gradients of a small graph around `op` applied to `values`: the op's result is used twice and
 * mixed with its inputs, so accumulation into the op's node and into the leaves is exercised.
 */
function graphAround(op: DifferentiableOp<unknown>, attrs: unknown, inputs: Tensor[]): Tensor {
  const y = apply(op, inputs, attrs);
  const z = mul(y, inputs[0]!);
  return add(add(z, tanh(y)), inputs[inputs.length - 1]!);
}

function gradients(op: DifferentiableOp<unknown>, attrs: unknown, values: number[]): { backward: number[]; reference: number[]; steps: number } {
  const leaves = values.map((v) => scalar(v, { requiresGrad: true }));
  const before = graph.scalarSteps;
  graphAround(op, attrs, leaves).backward();
  const steps = graph.scalarSteps - before;
  const backward = leaves.map((l) => l.grad!.item());
  const reference = grad((...xs: Tensor[]) => graphAround(op, attrs, xs), values.map((_, i) => i))(...values.map((v) => scalar(v)))
    .map((g: Tensor) => g.item());
  return { backward, reference, steps };
}

describe('scalar rules agree with the ops\' rules bit for bit', () => {
  it('some ops have them (the list this suite covers)', () => {
    expect(withRules.map((op) => op.name)).toEqual(expect.arrayContaining(['add', 'sub', 'mul', 'div', 'tanh', 'square', 'exp', 'log', 'relu', 'sigmoid']));
  });

  const special = [0, -0, 1, -1, 1e-310, 1e308, -1e308, Infinity, -Infinity, NaN];
  it.each(withRules.map((op) => [op.name, op] as const))('%s', (_name, op) => {
    const next = lcg(op.name.length * 31 + 7);
    const attrList = [...new Set(op.domain.cases.map((c) => c.attrs))];
    for (const attrs of attrList) {
      const draws: number[][] = [];
      for (let n = 0; n < 20; n++) draws.push(op.domain.inputs.map((d) => d.min + (d.max - d.min) * next()));
      for (const s of special) draws.push(op.domain.inputs.map((_, i) => (i === 0 ? s : 0.75)), op.domain.inputs.map(() => s));
      for (const values of draws) {
        const { backward, reference, steps } = gradients(op, attrs, values);
        expect(steps).toBeGreaterThanOrEqual(1); // the op's own node (and add's, mul's) ran as numbers
        expect(backward.map(bits)).toEqual(reference.map(bits));
      }
    }
  });
});

describe('when the scalar path stands aside', () => {
  it('a one-element node whose inputs broadcast to it goes the tensor way, with the same values', () => {
    const a = tensor([[2]], { requiresGrad: true }); // [1, 1]
    const b = scalar(3, { requiresGrad: true }); // []
    const before = graph.scalarSteps;
    mul(a, b).backward(tensor([[1]]));
    expect(graph.scalarSteps - before).toBe(0);
    expect([a.grad!.item(), b.grad!.item()]).toEqual([3, 2]);
  });

  it('a node with a hook gets its adjoint as a tensor, and what the hook returns is used', () => {
    const x = scalar(2, { requiresGrad: true });
    const y = mul(x, x);
    const seen: number[] = [];
    y.registerHook((g) => {
      seen.push(g.item());
      return mul(g, 10);
    });
    sum(add(y, 1)).backward();
    expect(seen).toEqual([1]);
    expect(x.grad!.item()).toBe(40); // 10 · 2x
  });

  it('a pass that is differentiated records its rules: second derivatives are right', () => {
    const x = scalar(0.3, { requiresGrad: true });
    const y = tanh(mul(x, x));
    y.backward(undefined, { createGraph: true });
    const first = x.grad!;
    const t = Math.tanh(0.09);
    expect(first.item()).toBeCloseTo((1 - t * t) * 0.6, 15);
    x.grad = null;
    first.backward();
    // d/dx [2x(1 − tanh²(x²))] = 2(1 − t²) − 8x²·t(1 − t²)
    expect(x.grad!.item()).toBeCloseTo(2 * (1 - t * t) - 8 * 0.09 * t * (1 - t * t), 14);
  });
});

const withKernels = registeredOps().filter((op) => scalarKernelOf(op) !== undefined);

describe('one-element results are the kernels\' values bit for bit', () => {
  it('every elementwise op computes them (the list this suite covers)', () => {
    expect(withKernels.map((op) => op.name)).toEqual(expect.arrayContaining([...withRules.map((op) => op.name), 'maximum', 'atan2', 'erf', 'gelu']));
  });

  const special = [0, -0, 1, -1, 1e-310, 1e308, Infinity, -Infinity, NaN];
  it.each(withKernels.map((op) => [op.name, op] as const))('%s', (_name, op) => {
    const next = lcg(op.name.length * 17 + 3);
    const cases = op.kind === 'differentiable' ? op.domain.cases : [{ attrs: undefined }];
    const arity = op.kind === 'differentiable' ? op.domain.inputs.length : (op as { arity?: number }).arity ?? 2;
    for (const attrs of new Set(cases.map((c) => c.attrs))) {
      for (let n = 0; n < 40; n++) {
        const values = Array.from({ length: arity }, () => (n < special.length ? special[n]! : 4 * next() - 2));
        // As the op's function applies it, and as `apply` does.
        for (const applied of [(inputs: Tensor[]) => applyOneOrTwo(op, inputs[0]!, inputs[1] ?? null, attrs), (inputs: Tensor[]) => apply(op, inputs, attrs)]) {
          const alone = applied(values.map((v) => scalar(v)));
          expect(alone._data).toBeNull(); // computed as a number: no array until data is read
          const inArrays = applied(values.map((v) => tensor([v, 0.5, -3])));
          expect(bits(alone.item())).toBe(bits(inArrays.data[0]!));
          expect(bits(alone.data[0]!)).toBe(bits(inArrays.data[0]!));
        }
      }
    }
  });
});

describe('a one-element result without an array', () => {
  it('makes its array on first read, the same one after, and a write to it is the value from then on', () => {
    const x = tanh(scalar(0.5));
    expect(x._data).toBeNull();
    expect(x.size).toBe(1);
    expect(x._data).toBeNull(); // size does not need the array
    const data = x.data;
    expect(x.data).toBe(data);
    expect(data[0]).toBe(Math.tanh(0.5));
    data[0] = 2;
    expect(x.item()).toBe(2);
    expect(mul(x, 3).item()).toBe(6);
  });
});
