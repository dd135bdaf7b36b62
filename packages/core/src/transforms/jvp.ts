/** Forward-mode transforms: jvp, and the Jacobian, Hessian and Hessian-vector product built on both modes. */
import { Tensor, engineTensor } from '../tensor';
import { toTensor, zeros } from '../create';
import { setTangent, tangentAt, withForwardLevel } from '../forward';
import { GradError, ValueError } from '../errors';
import { checkSize, formatShape, sameShape, shapeSize } from '../shape';
import { reshape, stack } from '../functions';
import { unshared, variableFor, type Arg } from './variables';
import { gradAs, vjpAs, type TensorFunction } from './grad';
import { requireFunction, requireOptions } from '../arguments';

/**
 * Jacobian-vector product in true forward mode: each op's tangent rule carries the tangents (the
 * "dot" quantities) alongside the values, in one evaluation of `fn`.
 * Returns `[fn(...primals), J·tangents]`.
 */
export function jvp(fn: TensorFunction, primals: readonly Arg[], tangents: readonly Arg[]): [Tensor, Tensor] {
  return jvpAs('jvp', fn, primals, tangents);
}

/** {@link jvp}, with `op` naming the public function in messages (jacobian and hvp are built on it). */
function jvpAs(op: string, fn: TensorFunction, primals: readonly Arg[], tangents: readonly Arg[]): [Tensor, Tensor] {
  requireFunction(op, fn);
  if (!Array.isArray(primals) || !Array.isArray(tangents) || primals.length !== tangents.length) {
    const wrap = !Array.isArray(primals) && !Array.isArray(tangents) ? `; wrap single ones in lists: ${op}(f, [x], [v])` : '';
    throw new ValueError(`${op}: needs equally long lists of primals and tangents, got ${describe(primals)} and ${describe(tangents)}${wrap}`);
  }
  const taken = new Set<Float64Array>();
  const [out, tangent] = withForwardLevel((level): [Tensor, Tensor] => {
    const inputs = primals.map((p) => variableFor(p, op));
    inputs.forEach((x, i) => {
      const t = toTensor(tangents[i] as Tensor | number, op);
      if (!sameShape(t._shape, x._shape)) {
        throw new GradError(`${op}: tangent ${i} has shape ${formatShape(t._shape)} but its primal has shape ${formatShape(x._shape)}`);
      }
      setTangent(x, level, t);
      taken.add(x.data).add(t.data);
    });
    const out = fn(...inputs.map(unleaf));
    if (!(out instanceof Tensor)) throw new ValueError(`${op}: the function must return a Tensor, got ${typeof out}`);
    const tangent = tangentAt(out, level);
    if (tangent === null) taken.add(out.data); // a tensor fn closed over, perhaps
    return [out, tangent ?? zeros(out._shape)];
  });
  // fn may return an argument or a tensor it closed over: the value, and the tangent it carries, are then copied.
  return [unshared(out, taken), unshared(tangent, taken)];
}

/** Forward mode needs no reverse-mode leaf: a variable made for jvp is only a carrier of tangents. */
function unleaf(x: Tensor): Tensor {
  if (x.isLeaf) x._leaf = false;
  return x;
}

function describe(x: unknown): string {
  return Array.isArray(x) ? `${x.length} item(s)` : typeof x;
}

/** Options of {@link jacobian}. */
export interface JacobianOptions {
  /** 'rev' (default): one reverse pass per output element. 'fwd': one forward pass per input element. */
  mode?: 'rev' | 'fwd';
}

/**
 * The Jacobian of `fn` at `x`, of shape `[...outShape, ...inShape]`. Reverse mode costs one pass per
 * output element, forward mode one per input element: pick the smaller side.
 */
export function jacobian(fn: TensorFunction, options: JacobianOptions = {}): (x: Arg) => Tensor {
  return jacobianAs('jacobian', fn, options);
}

function jacobianAs(op: string, fn: TensorFunction, options: JacobianOptions | undefined): (x: Arg) => Tensor {
  requireFunction(op, fn);
  const mode = requireOptions(op, options, ['mode']).mode ?? 'rev';
  if (mode !== 'rev' && mode !== 'fwd') throw new ValueError(`${op}: mode must be 'rev' or 'fwd', got '${String(mode)}'`);
  return (...args: Arg[]) => {
    // Extra arguments would be dropped silently in JavaScript, and fn would run with its defaults.
    if (args.length > 1) {
      // Array.prototype.map passes (element, index, array): the likeliest way to give three.
      const fromMap = args.length === 3 && typeof args[1] === 'number' && Array.isArray(args[2]);
      const hint = fromMap ? `from Array.map, which passes the index and the array too, call it as .map((x) => ${op}(f)(x))` : 'for a function of several, close over the others: (x) => f(x, y)';
      throw new ValueError(`${op}: takes one argument, got ${args.length}; ${hint}`);
    }
    const x = toTensor(args[0] as Tensor | number, op);
    if (mode === 'fwd') {
      // The first column gives the output's shape: the size is checked before the other n − 1.
      const columns: Tensor[] = [];
      for (let i = 0; i < x.size; i++) {
        columns.push(jvpAs(op, fn, [x], [unitVector(x._shape, i)])[1]);
        if (i === 0) checkSize(op, [...columns[0]!._shape, ...x._shape], 'a Jacobian of shape');
      }
      const outShape = columns[0]?._shape ?? fn(x)._shape;
      if (columns.length === 0) return zeros([...outShape, ...x._shape]);
      return reshape(stack(columns, columns[0]!.rank), [...outShape, ...x._shape]);
    }
    const [out, pullback] = vjpAs(op, fn, [x]);
    checkSize(op, [...out._shape, ...x._shape], 'a Jacobian of shape');
    const rows: Tensor[] = [];
    for (let i = 0; i < out.size; i++) rows.push(pullback(unitVector(out._shape, i))[0]!);
    if (rows.length === 0) return zeros([...out._shape, ...x._shape]);
    return reshape(stack(rows, 0), [...out._shape, ...x._shape]);
  };
}

/** The i-th unit vector of a tensor of `shape` (one at a time: all of them would be size² numbers). */
function unitVector(shape: readonly number[], i: number): Tensor {
  const data = new Float64Array(shapeSize(shape));
  data[i] = 1;
  return engineTensor(data, shape);
}

/**
 * The Hessian of a scalar function, shape `[...xShape, ...xShape]`: by default forward mode over
 * the reverse-mode gradient (one jvp of the gradient per input element); `{ mode: 'rev' }` takes
 * one reverse pass of the gradient per input element instead. The two agree unless `fn` uses a
 * `customVjp` whose rule is not its function's derivative (a clipped or straight-through
 * gradient): forward mode goes through that function's own ops, so only `'rev'` differentiates the
 * rule alone.
 */
export function hessian(fn: TensorFunction, options: JacobianOptions = {}): (x: Arg) => Tensor {
  const { mode = 'fwd' } = requireOptions('hessian', options, ['mode']);
  return jacobianAs('hessian', gradAs('hessian', requireFunction('hessian', fn)), { mode });
}

/**
 * Hessian-vector product H·v, forward-over-reverse: one jvp of the gradient, no Hessian built.
 * Through a `customVjp` whose rule is not its function's derivative, it is not the rule's
 * (see {@link hessian}).
 */
export function hvp(fn: TensorFunction, x: Arg, v: Arg): Tensor {
  return jvpAs('hvp', gradAs('hvp', requireFunction('hvp', fn)), [x], [v])[1];
}
