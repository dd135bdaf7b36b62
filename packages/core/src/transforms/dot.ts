/** The recorded graph as Graphviz DOT, for looking at what backward will walk. */
import { Tensor } from '../tensor';
import { inputsOf } from '../inputs';
import { describeValue, formatShape } from '../shape';
import { ValueError } from '../errors';

/**
 * Graphviz DOT of the graph recorded behind `y`: one node per tensor labelled with its op (the
 * op's `dotLabel`, or its name; `input`/`param` for leaves) and shape, edges from inputs to
 * results. Render with `dot -Tsvg`.
 */
export function toDot(y: Tensor): string {
  if (!(y instanceof Tensor)) throw new ValueError(`toDot: needs a Tensor, got ${describeValue(y)}`);
  const ids = new Map<Tensor, string>();
  const lines: string[] = ['digraph adjoint {', '  rankdir=LR;', '  node [shape=box, fontname="monospace"];'];
  const stack: Tensor[] = [y];
  ids.set(y, 'n0');
  while (stack.length > 0) {
    const t = stack.pop()!;
    const id = ids.get(t)!;
    const op = t._op;
    const label = op ? (op.dotLabel?.(t._attrs) ?? op.name) : t.requiresGrad ? 'param' : 'input';
    const style = op ? '' : ', style=rounded';
    lines.push(`  ${id} [label="${label}\\n${formatShape(t._shape)}"${style}];`);
    for (const parent of inputsOf(t) ?? []) {
      if (!ids.has(parent)) {
        ids.set(parent, `n${ids.size}`);
        stack.push(parent);
      }
      lines.push(`  ${ids.get(parent)} -> ${id};`);
    }
  }
  lines.push('}');
  return lines.join('\n');
}
