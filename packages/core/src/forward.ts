/**
 * Forward mode: tangent propagation. Each `jvp` call opens a level; a tensor carries one tangent
 * (the "dot" of the course notes) per active level it depends on. When an op runs, its tangent rule
 * computes the output tangent for every level its inputs carry. The rule itself runs through ops, so
 * tangents of tangents (forward-over-forward) and recorded tangents (reverse-over-forward) come for
 * free. While the rule for level ℓ runs, only levels below ℓ are visible, so a level never sees its
 * own perturbation twice (no perturbation confusion).
 */
import type { DifferentiableOp } from './registry';
import { Tensor } from './tensor';
import { sameShape, formatShape } from './shape';
import { GradError } from './errors';
import { broadcastTo } from './functions';

const activeLevels: number[] = [];
let visibleLevel = Number.POSITIVE_INFINITY;
let lastLevel = 0;

/** Whether any jvp is in progress (ops must then propagate tangents). */
export function forwardActive(): boolean {
  return activeLevels.length > 0;
}

/** Runs `fn(level)` with a new forward-mode level open. */
export function withForwardLevel<T>(fn: (level: number) => T): T {
  const level = ++lastLevel;
  activeLevels.push(level);
  try {
    return fn(level);
  } finally {
    activeLevels.pop();
  }
}

/** Runs `fn` with tangent propagation limited to levels up to `maxLevel` (0: none). */
export function withVisibleLevels<T>(maxLevel: number, fn: () => T): T {
  const previous = visibleLevel;
  visibleLevel = maxLevel;
  try {
    return fn();
  } finally {
    visibleLevel = previous;
  }
}

/** The tangent of `t` at `level`, or null when it has none. */
export function tangentAt(t: Tensor, level: number): Tensor | null {
  return t._tangents?.get(level) ?? null;
}

/** Attaches a tangent to `t` at `level`. */
export function setTangent(t: Tensor, level: number, tangent: Tensor): void {
  if (!sameShape(t.shape, tangent.shape)) {
    throw new GradError(`jvp: tangent shape ${formatShape(tangent.shape)} does not match primal shape ${formatShape(t.shape)}`);
  }
  (t._tangents ??= new Map()).set(level, tangent);
}

function isLive(level: number): boolean {
  return level <= visibleLevel && activeLevels.includes(level);
}

/** Computes the output tangents of one op application, for every live level its inputs carry. */
export function propagateTangents<A>(op: DifferentiableOp<A>, inputs: readonly Tensor[], out: Tensor, attrs: A): void {
  const levels = new Set<number>();
  for (const x of inputs) if (x._tangents) for (const level of x._tangents.keys()) if (isLive(level)) levels.add(level);
  if (levels.size === 0) return;
  // Lower levels first: the rule for level ℓ may use `out`, whose lower-level tangents must be set.
  for (const level of [...levels].sort((a, b) => a - b)) {
    const tangents = inputs.map((x, i) => (op.nondiff?.includes(i) ? null : tangentAt(x, level)));
    if (tangents.every((t) => t === null)) continue;
    let t = withVisibleLevels(level - 1, () => op.jvp(tangents, inputs, out, attrs));
    if (!sameShape(t.shape, out.shape)) t = withVisibleLevels(level - 1, () => broadcastTo(t, out.shape));
    setTangent(out, level, t);
  }
}
