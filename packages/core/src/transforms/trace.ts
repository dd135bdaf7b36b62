/**
 * The evaluation trace (Wengert list) of a function: every intermediate with its op, parents,
 * value, forward tangent (dot) and adjoint (bar), as in the worked examples of the course notes
 * (docs/course-notes.md).
 */
import { Tensor, engineTensor } from '../tensor';
import { inputsOf } from '../inputs';
import { full, onesLike, toTensor } from '../create';
import { withObserver } from '../dispatch';
import { backpropagate } from '../graph';
import { setTangent, tangentAt, withForwardLevel } from '../forward';
import { withGradMode } from '../mode';
import { GradError, ValueError } from '../errors';
import { formatShape, sameShape } from '../shape';
import { requireFunction, requireOptions } from '../arguments';
import type { Arg } from './variables';
import type { TensorFunction } from './grad';

/** One line of a trace. */
export interface TraceRow {
  /** x (or x0, x1, …) for inputs, a, b, c, … for intermediates, k0, k1, … for constants. */
  readonly name: string;
  /** The op that made it ('input' or 'const' otherwise). */
  readonly op: string;
  /** Names of the rows it was computed from. */
  readonly parents: readonly string[];
  /** Readable definition, e.g. `a + b`, `exp(a)`, `x²`. */
  readonly definition: string;
  readonly value: Tensor;
  /** Forward tangent: d(row)/d(input) along the seed direction. */
  readonly dot: Tensor | null;
  /** Adjoint: d(output)/d(row), weighted by the output seed. */
  readonly bar: Tensor | null;
}

/** Options of {@link trace}. */
export interface TraceOptions {
  /** Direction of the forward tangents, one per argument (default: ones for the first argument, zeros for the rest). */
  tangents?: readonly Arg[];
  /** Output cotangent for the adjoints (default: ones). */
  seed?: Arg;
}

/** A trace: its rows, and an aligned table when printed. */
export class Trace {
  constructor(readonly rows: readonly TraceRow[], readonly output: Tensor) {}

  /** The row with this name. */
  row(name: string): TraceRow | undefined {
    return this.rows.find((r) => r.name === name);
  }

  /** An aligned table: name, definition, value, dot, bar. */
  toString(): string {
    const cell = (t: Tensor | null): string => (t === null ? '' : t.size === 1 ? formatValue(t.data[0]!) : `${formatShape(t._shape)} tensor`);
    const table = [
      ['', 'definition', 'value', 'dot', 'bar'],
      ...this.rows.map((r) => [r.name, r.op === 'input' ? 'input' : r.definition, cell(r.value), cell(r.dot), cell(r.bar)]),
    ];
    // A loop, not Math.max(...column): a trace of 200,000 ops would overflow the call stack.
    const widths = table[0]!.map((_, c) => table.reduce((w, row) => Math.max(w, row[c]!.length), 0));
    const lines = table.map((row) => row.map((v, c) => (c <= 1 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ').trimEnd());
    lines.splice(1, 0, widths.map((w) => '─'.repeat(w)).join('  '));
    return lines.join('\n');
  }
}

function formatValue(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const s = v.toPrecision(8);
  return s.includes('e') ? s : s.replace(/0+$/, '').replace(/\.$/, '');
}

function intermediateName(i: number): string {
  const letters = 'abcdefghijklmnopqrstuvw'; // x, y, z are kept for inputs and outputs
  return i < letters.length ? letters[i]! : `v${i}`;
}

/**
 * Records the evaluation trace of `fn` at the given arguments: one forward pass carrying tangents
 * (the dots) and one reverse pass (the bars).
 *
 * @example
 * const t = trace((x) => x.square().add(x.square().exp()).sqrt())(0.5);
 * console.log(String(t)); // rows x, a = x², b = exp(a), c = a + b, d = √c with value, dot, bar
 */
export function trace(fn: TensorFunction, options: TraceOptions = {}): (...args: Arg[]) => Trace {
  requireFunction('trace', fn);
  const { tangents, seed: seedArg } = requireOptions('trace', options, ['tangents', 'seed']);
  if (tangents !== undefined && !Array.isArray(tangents)) {
    throw new ValueError(`trace: tangents must be a list with one tangent per argument, got ${typeof tangents}`);
  }
  return (...args) =>
      withForwardLevel((level) => {
        if (tangents !== undefined && tangents.length !== args.length) {
          throw new ValueError(`trace: got ${tangents.length} tangent(s) for ${args.length} argument(s)`);
        }
        const inputs = args.map((a) => {
          const given = toTensor(a as Tensor, 'trace');
          return engineTensor(given.data.slice(), given._shape, { requiresGrad: true });
        });
        inputs.forEach((x, i) => {
          const given = tangents?.[i];
          const t = given === undefined ? full(x._shape, i === 0 ? 1 : 0) : toTensor(given as Tensor, 'trace');
          if (!sameShape(t._shape, x._shape)) {
            throw new GradError(`trace: tangent ${i} has shape ${formatShape(t._shape)} but its argument has shape ${formatShape(x._shape)}`);
          }
          setTangent(x, level, t);
        });
        const produced: Tensor[] = [];
        const out = withGradMode(true, () => withObserver((t) => produced.push(t), () => fn(...inputs)));
        if (!(out instanceof Tensor)) throw new ValueError(`trace: the function must return a Tensor, got ${typeof out}`);

        const bars = new Map<Tensor, Tensor>();
        const seed = seedArg === undefined ? onesLike(out) : toTensor(seedArg as Tensor, 'trace');
        if (!sameShape(seed._shape, out._shape)) {
          throw new GradError(`trace: the seed has shape ${formatShape(seed._shape)} but the output has shape ${formatShape(out._shape)}`);
        }
        if (out.requiresGrad) {
          backpropagate([out], [seed], { createGraph: false, retainGraph: true, targets: inputs, onAdjoint: (t, g) => bars.set(t, g) });
        }

        const names = new Map<Tensor, string>();
        inputs.forEach((x, i) => names.set(x, inputs.length === 1 ? 'x' : `x${i}`));
        const rows: TraceRow[] = inputs.map((x) => ({ name: names.get(x)!, op: 'input', parents: [], definition: 'input', value: x, dot: tangentAt(x, level), bar: bars.get(x) ?? null }));
        let constants = 0;
        let intermediates = 0;
        for (const t of produced) {
          // A custom function's result is seen twice (as an op's result, then as the custom call's).
          // A result neither recorded nor carrying a tangent is a constant, named where it is used:
          // computed from constants only, or by a customVjp function's own forward pass.
          if (names.has(t) || (t._op === null && tangentAt(t, level) === null)) continue;
          const parents = (inputsOf(t) ?? []).map((p) => {
            if (!names.has(p)) {
              const name = p.size === 1 ? formatValue(p.data[0]!) : `k${constants++}`;
              names.set(p, name);
              if (p.size !== 1) rows.push({ name, op: 'const', parents: [], definition: 'constant', value: p, dot: null, bar: null });
            }
            return names.get(p)!;
          });
          const name = intermediateName(intermediates++);
          names.set(t, name);
          const op = t._op?.name ?? 'constant';
          // The op's own print form; any op without one (a user's, customVjp's) reads as a call.
          const definition = t._op?.print?.(parents, t._attrs) ?? `${op}(${parents.join(', ')})`;
          rows.push({ name, op, parents, definition, value: t, dot: tangentAt(t, level), bar: bars.get(t) ?? null });
        }
        return new Trace(rows, out);
      });
}
