/**
 * Forward mode: tangent propagation. Each `jvp` call opens a level; a tensor carries one tangent
 * (the "dot" of the course notes, docs/course-notes.md) per active level it depends on. When an op
 * runs, its tangent rule computes the output tangent for every level its inputs carry. The rule
 * itself runs through ops, so tangents of tangents (forward-over-forward) and recorded tangents
 * (reverse-over-forward) come for free. While the rule for level ℓ runs, only levels below ℓ are
 * visible, so a level never sees its own perturbation twice (no perturbation confusion).
 */
import type { DifferentiableOp } from './registry';
import { Tensor } from './tensor';
import { sameShape, formatShape } from './shape';
import { GradError } from './errors';
import { broadcastTo } from './functions';
import { anomalyDetection } from './anomaly';
import { framesOutsideCore } from './caller';

const activeLevels: number[] = [];
let hiddenLevels: ReadonlySet<number> = new Set();
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

/**
 * Runs `fn` with the active levels from `level` up hidden: ops inside propagate only the levels
 * below it, and those opened inside `fn` itself. A tangent rule for level ℓ runs this way.
 */
export function hidingLevelsFrom<T>(level: number, fn: () => T): T {
  const previous = hiddenLevels;
  hiddenLevels = new Set([...previous, ...activeLevels.filter((l) => l >= level)]);
  try {
    return fn();
  } finally {
    hiddenLevels = previous;
  }
}

/** The tangent of `t` at `level`, or null when it has none. */
export function tangentAt(t: Tensor, level: number): Tensor | null {
  return t._tangents?.get(level) ?? null;
}

/** Attaches a tangent to `t` at `level`. */
export function setTangent(t: Tensor, level: number, tangent: Tensor): void {
  if (!sameShape(t._shape, tangent._shape)) {
    throw new GradError(`jvp: tangent shape ${formatShape(tangent._shape)} does not match primal shape ${formatShape(t._shape)}`);
  }
  (t._tangents ??= new Map()).set(level, tangent);
}

function isLive(level: number): boolean {
  return !hiddenLevels.has(level) && activeLevels.includes(level);
}

/** The levels that are active and not hidden. */
export function liveLevels(): number[] {
  return activeLevels.filter(isLive);
}

/**
 * For each live level that some input carries a tangent at (lowest first), calls
 * `rule(level, tangents)` with the levels from `level` up hidden and sets its result as the output's
 * tangent. Lower levels go first: the rule for level ℓ may use `out`, whose lower tangents must be set.
 */
export function forEachLiveLevel(
  name: string,
  inputs: readonly Tensor[],
  out: Tensor,
  rule: (tangents: readonly (Tensor | null)[]) => Tensor,
  nondiff?: readonly number[],
): void {
  const levels = new Set<number>();
  for (const x of inputs) if (x._tangents) for (const level of x._tangents.keys()) if (isLive(level)) levels.add(level);
  if (levels.size === 0) return;
  for (const level of [...levels].sort((a, b) => a - b)) {
    const tangents = inputs.map((x, i) => (nondiff?.includes(i) ? null : tangentAt(x, level)));
    if (tangents.every((t) => t === null)) continue;
    const t = hidingLevelsFrom(level, () => {
      const raw = rule(tangents);
      return sameShape(raw._shape, out._shape) ? raw : broadcastTo(raw, out._shape);
    });
    if (anomalyDetection()) checkTangent(name, out, tangents, t);
    setTangent(out, level, t);
  }
}

/** Computes the output tangents of one op application from its tangent rule. */
export function propagateTangents<A>(op: DifferentiableOp<A>, inputs: readonly Tensor[], out: Tensor, attrs: A): void {
  forEachLiveLevel(op.name, inputs, out, (tangents) => op.jvp(tangents, inputs, out, attrs), op.nondiff);
}

/**
 * Under detectAnomaly, a tangent is checked as a forward value and an adjoint are: the first rule
 * to produce NaN or ±∞ is named, rather than the jvp's result being silently non-finite.
 */
function checkTangent(name: string, out: Tensor, tangents: readonly (Tensor | null)[], t: Tensor): void {
  const bad = t.data.findIndex((v) => !Number.isFinite(v));
  if (bad < 0) return;
  const given = tangents.every((x) => x === null || x.data.every(Number.isFinite));
  const cause = given ? 'from finite input tangents' : 'because an input tangent was already non-finite';
  throw new GradError(
    `detectAnomaly: the tangent rule of '${name}' (output ${formatShape(out._shape)}) produced ${t.data[bad]} at element ${bad} of the output's tangent ${cause}` +
      `\n  created at:\n    ${framesOutsideCore().slice(0, 4).map((l) => l.trim()).join('\n    ')}`,
  );
}
