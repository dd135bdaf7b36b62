/**
 * What the autodiff panel shows, computed once per input: core's `trace` of the expression at the
 * given point, as rows of plain numbers with display names (x and y rather than trace's x0, x1),
 * definitions, parents and the derivative rules behind each row's dot and bar.
 */
import { trace, type Tensor } from '@adjoint/core';
import { parseExpression, variablesOf } from './parse';
import { toFunction } from './evaluate';
import { adjointRule, barred, tangentRule } from './rules';

export interface PanelRow {
  /** x, y for inputs; a, b, c, … for intermediates, as in the course notes. */
  name: string;
  /** 'input', or the core op that made the row. */
  op: string;
  /** Rows it was computed from (numbers are constants, not rows). */
  parents: string[];
  definition: string;
  value: number;
  /** Forward mode: the tangent along (ẋ, ẏ); null for constants. */
  dot: number | null;
  /** Reverse mode: ∂f/∂(row); null where the output does not depend on the row. */
  bar: number | null;
  tangentRule: string;
  adjointRule: string;
  isOutput: boolean;
}

export interface PanelTrace {
  rows: PanelRow[];
  /** f at the point, ḟ along (ẋ, ẏ), and the gradient (x̄, ȳ) from one reverse sweep. */
  value: number;
  directional: number;
  gradient: { x: number | null; y: number | null };
  uses: { x: boolean; y: boolean };
}

export interface Point {
  x: number;
  y: number;
  /** Direction of the forward tangent. */
  xDot: number;
  yDot: number;
}

const scalar = (t: Tensor | null): number | null => (t === null ? null : t.item());

export class ExpressionError extends Error {
  constructor(message: string, readonly column?: number) {
    super(message);
    this.name = 'ExpressionError';
  }
}

/**
 * Whether the forward pass's ḟ and the reverse sweep's ẋ·x̄ + ẏ·ȳ agree: equal to rounding, or the
 * same infinity, or both NaN (at 1/x's pole or outside √'s domain the two modes agree on that too).
 */
export function modesAgree(fromBars: number, directional: number): boolean {
  if (Number.isNaN(fromBars) || Number.isNaN(directional)) return Number.isNaN(fromBars) && Number.isNaN(directional);
  if (!Number.isFinite(fromBars) || !Number.isFinite(directional)) return fromBars === directional;
  return Math.abs(fromBars - directional) <= 1e-12 * Math.max(1, Math.abs(fromBars));
}

/** Parses `text` and traces it at `point`. @throws ParseError for bad syntax, ExpressionError otherwise. */
export function traceExpression(text: string, point: Point): PanelTrace {
  const expr = parseExpression(text);
  const vars = variablesOf(expr);
  if (vars.size === 0) throw new ExpressionError('the expression does not use x or y, so there is nothing to differentiate');
  const { fn, exponents } = toFunction(expr);
  const withY = vars.has('y');
  const f = withY ? (x: Tensor, y: Tensor) => fn(x, y) : (x: Tensor) => fn(x);
  const t = trace(f as (...args: Tensor[]) => Tensor, { tangents: withY ? [point.xDot, point.yDot] : [point.xDot] })(...(withY ? [point.x, point.y] : [point.x]));

  // trace names two inputs x0 and x1; the panel calls them x and y. Intermediates are a…w or v23,
  // constants are numbers, so whole-word replacement cannot touch anything else.
  const rename = (s: string) => (withY ? s.replace(/\bx0\b/g, 'x').replace(/\bx1\b/g, 'y') : s);
  const rows: PanelRow[] = t.rows
    .filter((r) => r.op !== 'const') // tensor constants never occur here: every number is a scalar
    .map((r) => {
      const name = rename(r.name);
      const parents = r.parents.map(rename);
      const exponent = exponents.get(r.value);
      const definition =
        r.op === 'input' ? 'input'
        : exponent !== undefined ? `${parents[0]}^${exponent}` // core writes powScalar(a), without the exponent
        : r.op === 'constant' ? 'constant (no variable in it)'
        : rename(r.definition);
      const inputRule = name === 'x' ? `ẋ = ${point.xDot} (seed)` : `ẏ = ${point.yDot} (seed)`;
      return {
        name,
        op: r.op,
        parents,
        definition,
        value: r.value.item(),
        dot: scalar(r.dot),
        bar: scalar(r.bar),
        tangentRule: r.op === 'input' ? inputRule : tangentRule(r.op, parents, name, exponent),
        adjointRule: r.op === 'input' ? `${barred(name)}: the sum of what reached it` : adjointRule(r.op, parents, name, exponent),
        isOutput: r.value === t.output,
      };
    });
  const out = rows.find((r) => r.isOutput);
  if (out !== undefined && out.op !== 'input') out.adjointRule = `${barred(out.name)} = 1 (seed); ${out.adjointRule}`;
  const input = (name: string) => rows.find((r) => r.name === name && r.op === 'input');
  return {
    rows,
    value: t.output.item(),
    directional: out?.dot ?? NaN,
    gradient: { x: input('x')?.bar ?? null, y: withY ? (input('y')?.bar ?? null) : null },
    uses: { x: vars.has('x'), y: withY },
  };
}
