/** NumPy-like text for tensors: aligned columns, nested brackets, elided with `...` when large. */
import type { Tensor } from './tensor';
import { stridesOf } from './shape';

/** Tensors with more elements than this print only their edges. */
const ELIDE_ABOVE = 1000;
/** How many leading and trailing entries of each axis an elided tensor shows. */
const EDGE = 3;

function formatNumber(v: number, allIntegers: boolean, exponential: boolean): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (allIntegers) return v.toFixed(0) === '-0' ? '0' : v.toFixed(0);
  if (exponential) return v.toExponential(4);
  return v.toFixed(4);
}

/** Indices shown along an axis of length `n` (null marks the elision). */
function shownIndices(n: number, elide: boolean): (number | null)[] {
  if (!elide || n <= 2 * EDGE) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: EDGE }, (_, i) => i), null, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)];
}

/**
 * The text of a tensor, e.g. `tensor([[1, 2],\n        [3, 4]])`. An empty tensor of more than one
 * axis prints as `tensor([], shape=[2, 0])`, as NumPy prints it: its nested brackets would say the
 * same at a length of its leading axes, which may be billions.
 */
export function formatTensor(t: Tensor): string {
  const grad = t.requiresGrad ? ', requiresGrad=true' : '';
  const shape = t._shape;
  if (t.size === 0 && shape.length > 1) return `tensor([], shape=[${shape.join(', ')}]${grad})`;
  const elide = t.size > ELIDE_ABOVE;
  const strides = stridesOf(shape);
  const shown: number[] = [];
  const collect = (axis: number, offset: number): void => {
    if (axis === shape.length) {
      shown.push(t.data[offset]!);
      return;
    }
    for (const i of shownIndices(shape[axis]!, elide)) if (i !== null) collect(axis + 1, offset + i * strides[axis]!);
  };
  collect(0, 0);
  // Loops, not Math.max(...values): a spread of a few hundred thousand values overflows the stack.
  let allIntegers = true;
  let maxAbs = 0;
  let minAbs = Infinity;
  for (const v of shown) {
    if (!Number.isFinite(v)) continue;
    const a = Math.abs(v);
    if (!Number.isInteger(v) || a >= 1e15) allIntegers = false;
    if (a > maxAbs) maxAbs = a;
    if (a !== 0 && a < minAbs) minAbs = a;
  }
  const exponential = !allIntegers && (maxAbs >= 1e6 || minAbs < 1e-4);
  let width = 1;
  for (const v of shown) width = Math.max(width, formatNumber(v, allIntegers, exponential).length);
  const cell = (v: number): string => formatNumber(v, allIntegers, exponential).padStart(width);

  const prefix = 'tensor(';
  const render = (axis: number, offset: number, indent: string): string => {
    if (axis === shape.length) return cell(t.data[offset]!);
    const parts = shownIndices(shape[axis]!, elide).map((i) => (i === null ? '...' : render(axis + 1, offset + i * strides[axis]!, indent + ' ')));
    if (axis === shape.length - 1) return `[${parts.join(', ')}]`;
    const separator = ',' + '\n'.repeat(shape.length - 1 - axis) + indent + ' ';
    return `[${parts.join(separator)}]`;
  };
  const body = render(0, 0, ' '.repeat(prefix.length));
  const shapeNote = elide ? `, shape=[${shape.join(', ')}]` : '';
  return `${prefix}${body}${shapeNote}${grad})`;
}
