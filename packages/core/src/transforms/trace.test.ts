import { apply, customJvp, customVjp, grad, jvp, linear, matmulWith, registerOp, registeredOps, tensor, toDot, trace, Tensor, type DifferentiableOp } from '@adjoint/core';

/**
 * Registers x³ as a user would, with a print form and a DOT label or without: what trace and toDot
 * show comes from the op itself, whoever registered it.
 */
function registerCube(name: string, printing: Pick<DifferentiableOp, 'print' | 'dotLabel'>): DifferentiableOp {
  return registerOp<DifferentiableOp>({
    kind: 'differentiable',
    name,
    arity: 1,
    shape: ([s]) => s!,
    forward: ([x]) => x!.map((v) => v * v * v),
    vjp: (g, [x]) => [g.mul(x!.square().mul(3))],
    jvp: ([t], [x]) => t!.mul(x!.square().mul(3)),
    domain: { inputs: [{ min: -2, max: 2 }], cases: [{ shapes: [[]], attrs: undefined }] },
    ...printing,
  });
}
const plainCube = registerCube('traceTestCube', {});
const printedCube = registerCube('traceTestCubePrinted', { print: ([a]) => `${a}³`, dotLabel: () => 'cube' });

describe('trace', () => {
  // f(x) = √(x² + exp(x²)) written as the course notes (docs/course-notes.md) do: a = x², b = exp(a),
  // c = a + b, d = √c.
  const f = (x: Tensor) => {
    const a = x.square();
    return a.add(a.exp()).sqrt();
  };
  const x = 0.5;
  const a = x * x;
  const b = Math.exp(a);
  const c = a + b;
  const d = Math.sqrt(c);

  it('lists the intermediates of the course example with their values, dots and bars', () => {
    const t = trace(f)(x);
    expect(t.rows.map((r) => [r.name, r.definition])).toEqual([['x', 'input'], ['a', 'x²'], ['b', 'exp(a)'], ['c', 'a + b'], ['d', '√c']]);
    const values = { x, a, b, c, d };
    // Forward: ȧ = 2x, ḃ = b·ȧ, ċ = ȧ + ḃ, ḋ = ċ/(2d). Reverse: d̄ = 1, c̄ = 1/(2d), b̄ = c̄, ā = c̄ + b·b̄, x̄ = 2x·ā.
    const dots = { x: 1, a: 2 * x, b: b * 2 * x, c: 2 * x + b * 2 * x, d: (2 * x + b * 2 * x) / (2 * d) };
    const cBar = 1 / (2 * d);
    const bars = { d: 1, c: cBar, b: cBar, a: cBar + b * cBar, x: 2 * x * (cBar + b * cBar) };
    for (const row of t.rows) {
      const name = row.name as keyof typeof values;
      expect(row.value.item()).toBeCloseTo(values[name], 14);
      expect(row.dot!.item()).toBeCloseTo(dots[name], 14);
      expect(row.bar!.item()).toBeCloseTo(bars[name], 14);
    }
    // The dot at the output equals the bar at the input: both are f'(x) = x(1 + b)/d.
    expect(t.row('d')!.dot!.item()).toBeCloseTo((x * (1 + b)) / d, 14);
    expect(t.row('x')!.bar!.item()).toBeCloseTo((x * (1 + b)) / d, 14);
    expect(grad(f)(x).item()).toBeCloseTo(t.row('x')!.bar!.item(), 14);
    expect(jvp(f, [x], [1])[1].item()).toBeCloseTo(t.row('d')!.dot!.item(), 14);
  });

  it('prints as an aligned table', () => {
    const lines = String(trace(f)(x)).split('\n');
    expect(lines[0]).toMatch(/^\s+definition\s+value\s+dot\s+bar$/);
    expect(lines[1]).toMatch(/^─+(\s+─+)+$/);
    expect(lines.slice(2).map((l) => l.split(/\s{2,}/)[0])).toEqual(['x', 'a', 'b', 'c', 'd']);
    expect(lines[5]).toContain('a + b');
    expect(lines[5]).toContain('1.5340254');
    // every row has the same width up to the last column: the columns are aligned
    const barColumnEnds = lines.slice(2).map((l) => l.length);
    expect(new Set(barColumnEnds).size).toBe(1);
  });

  it('names constants and shows tensor-valued rows by shape', () => {
    const t = trace((v: Tensor) => v.mul(tensor([2, 3])).add(1).sum())(tensor([1, 1]));
    expect(t.rows.map((r) => r.definition)).toEqual(['input', 'constant', 'x · k0', 'a + 1', 'sum(b)']);
    expect(String(t)).toContain('[2] tensor');
  });

  it('writes linear as a product plus bias, with relu when it is fused in', () => {
    const [w, b] = [tensor([[1, -1]]), tensor([0, 0])];
    const t = trace((x: Tensor) => linear(linear(x, w, b, { activation: 'relu' }), tensor([[1], [1]]), tensor([0])).sum())(tensor([[2]]));
    expect(t.rows.filter((r) => r.op === 'linear').map((r) => r.definition)).toEqual(['relu(x @ k0 + k1)', 'a @ k2 + 0']);
    expect(t.row('a')!.value.toArray()).toEqual([[2, 0]]);
  });

  it('shows which operands of a matrix product are transposed', () => {
    const [a, b] = [tensor([[1, 2], [3, 4]]), tensor([[1, 0], [0, 1]])];
    const t = trace((p: Tensor, q: Tensor) => matmulWith(matmulWith(p, q, true, false), matmulWith(p, q, false, true), true, true).sum())(a, b);
    expect(t.rows.filter((r) => r.op === 'matmul').map((r) => r.definition)).toEqual(['x0ᵀ @ x1', 'x0 @ x1ᵀ', 'aᵀ @ bᵀ']);
    expect(trace((p: Tensor) => p.matmul(b).sum())(a).row('a')!.definition).toBe('x @ k0');
  });

  it("writes an op the user registered with its own print form, or as a call when it has none", () => {
    const t = trace((x: Tensor) => apply(printedCube, [apply(plainCube, [x], undefined)], undefined))(0.5);
    expect(t.rows.map((r) => [r.op, r.definition])).toEqual([
      ['input', 'input'],
      ['traceTestCube', 'traceTestCube(x)'],
      ['traceTestCubePrinted', 'a³'],
    ]);
    expect(t.row('b')!.dot!.item()).toBeCloseTo(9 * 0.5 ** 8, 14); // d/dx x⁹
    const doubled = customVjp((x: Tensor) => x.mul(2), (_inputs, _out, g) => [g.mul(2)]);
    const custom = trace((x: Tensor) => doubled(x).exp())(1).rows.find((r) => r.op.startsWith('customVjp'));
    expect(custom?.definition).toBe('customVjp(anonymous)(x)');
  });

  it('writes every input of every built-in op that has a print form, at each case of its domain', () => {
    const printed = registeredOps().filter((op): op is DifferentiableOp<unknown> => op.kind === 'differentiable' && op.print !== undefined);
    expect(printed.map((op) => op.name)).toEqual(expect.arrayContaining(['add', 'sub', 'mul', 'div', 'neg', 'square', 'sqrt', 'matmul', 'linear']));
    for (const op of printed) {
      for (const c of op.domain.cases) {
        const args = c.shapes.map((_, i) => `in${i}`);
        const definition = op.print!(args, c.attrs);
        for (const arg of args) expect(`${op.name}: ${definition}`).toContain(arg);
      }
    }
  });

  it('lists a custom function once, and not the ops of its own forward pass', () => {
    const ex = customVjp(function ex(y: Tensor) { return y.exp(); }, (_inputs, out, g) => [g.mul(out)]);
    const t = trace((x: Tensor) => ex(x).mul(x))(0.5);
    expect(t.rows.map((r) => [r.name, r.definition])).toEqual([['x', 'input'], ['a', 'customVjp(ex)(x)'], ['b', 'a · x']]);
    expect(t.row('b')!.dot!.item()).toBeCloseTo(1.5 * Math.exp(0.5), 14);
  });

  it("lists a customJvp function's own ops (reverse mode runs through them), not those of its tangent rule", () => {
    const cube = customJvp(function cube(y: Tensor) { return y.mul(y).mul(y); }, ([y], _out, [dy]) => dy!.mul(y!.mul(y!)).mul(3));
    const t = trace((x: Tensor) => cube(x).add(x))(2);
    expect(t.rows.map((r) => [r.name, r.definition])).toEqual([['x', 'input'], ['a', 'x · x'], ['b', 'a · x'], ['c', 'b + x']]);
    expect([t.row('b')!.dot!.item(), t.row('c')!.dot!.item(), t.row('x')!.bar!.item()]).toEqual([12, 13, 13]);
  });

  it('names a value computed from constants alone as a constant, not as a row', () => {
    const t = trace((x: Tensor) => x.mul(tensor([1, 2]).exp()).sum())(0.5);
    expect(t.rows.map((r) => [r.name, r.definition])).toEqual([['x', 'input'], ['k0', 'constant'], ['a', 'x · k0'], ['b', 'sum(a)']]);
  });

  it('refuses tangents and seeds that do not fit, naming trace', () => {
    const double = (x: Tensor) => x.mul(2);
    expect(() => trace(double, { tangents: [tensor([1, 2, 3])] })(tensor([1, 2]))).toThrow('trace: tangent 0 has shape [3] but its argument has shape [2]');
    expect(() => trace(double, { seed: tensor([1, 2, 3]) })(tensor([1, 2]))).toThrow('trace: the seed has shape [3] but the output has shape [2]');
    expect(() => trace(double, { tangents: [1, 2] })(1)).toThrow('trace: got 2 tangent(s) for 1 argument(s)');
    expect(() => trace(double, { tangents: 5 as never })).toThrow('trace: tangents must be a list with one tangent per argument, got number');
    expect(() => trace(double, { seeds: 2 } as never)).toThrow("trace: unknown option 'seeds'; the options are tangents, seed");
  });

  it('takes tangent directions and an output seed', () => {
    const t = trace((u: Tensor, v: Tensor) => u.mul(v), { tangents: [0, 1], seed: 2 })(3, 4);
    expect(t.row('a')!.dot!.item()).toBe(3); // ∂(uv)/∂v · 1
    expect(t.row('x0')!.bar!.item()).toBe(8); // 2 · v
  });
});

describe('toDot', () => {
  it('draws the recorded graph with op names and shapes', () => {
    const w = tensor([[1, 2]], { requiresGrad: true });
    const dot = toDot(w.matmul(tensor([[1], [2]])).exp().sum());
    expect(dot.startsWith('digraph adjoint {')).toBe(true);
    expect(dot).toContain('label="sum\\n[]"');
    expect(dot).toContain('label="exp\\n[1, 1]"');
    expect(dot).toContain('label="matmul\\n[1, 1]"');
    expect(dot).toContain('label="param\\n[1, 2]"');
    expect(dot).toContain('label="input\\n[2, 1]"');
    expect(dot.match(/->/g)).toHaveLength(4);
  });

  it('labels a linear op with a fused relu as such', () => {
    const x = tensor([[1, 2]], { requiresGrad: true });
    const dot = toDot(linear(linear(x, tensor([[1], [2]]), tensor([0]), { activation: 'relu' }), tensor([[1]]), tensor([0])));
    expect(dot).toContain('label="linear + relu\\n[1, 1]"');
    expect(dot).toContain('label="linear\\n[1, 1]"');
  });

  it("labels an op the user registered with its own label, or with its name when it has none", () => {
    const x = tensor(0.5, { requiresGrad: true });
    const dot = toDot(apply(printedCube, [apply(plainCube, [x], undefined)], undefined));
    expect(dot).toContain('label="cube\\n[]"');
    expect(dot).toContain('label="traceTestCube\\n[]"');
  });
});
