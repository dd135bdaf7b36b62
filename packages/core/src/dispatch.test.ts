import { apply, registerOp, tensor, type DifferentiableOp, type Shape } from './index';

describe('a user-registered op', () => {
  it("gets frozen shapes in its rules, so it cannot change the engine's shape of any tensor, and its result keeps a shape of its own", () => {
    let returned: number[] = [];
    const writer = registerOp<DifferentiableOp>({
      kind: 'differentiable', name: 'shapeWriterForDispatchTest', arity: 1,
      shape: ([s]) => {
        expect(Object.isFrozen(s)).toBe(true);
        expect(() => (s as number[]).reverse()).toThrow(TypeError);
        returned = [...(s as Shape)];
        return returned; // the author keeps this array and writes it afterwards
      },
      forward: ([x]) => x!.slice(),
      vjp: (g) => [g],
      jvp: ([t]) => t!,
      domain: { inputs: [{ min: -1, max: 1 }], cases: [{ shapes: [[3, 4]], attrs: undefined }] },
    });
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    const y = x.exp(); // shares x's shape inside the engine
    const out = apply(writer, [x], undefined);
    returned.reverse();
    expect(out.shape).toEqual([2, 3]);
    expect(x.shape).toEqual([2, 3]);
    expect(y.shape).toEqual([2, 3]);
    expect(y.toArray()).toEqual([[1, 2, 3], [4, 5, 6]].map((r) => r.map(Math.exp)));
  });
});
