/**
 * The autodiff panel: an expression and a point in, its computation graph and evaluation trace
 * out, recomputed as the user types. Mistakes in the expression are shown next to it (they are
 * the user's, not the page's: nothing goes to the console).
 */
import { ParseError } from './parse';
import { ExpressionError, modesAgree, traceExpression, type PanelTrace } from './trace-model';
import { drawGraph, type Mode } from './graph-svg';
import { drawTable } from './table';
import { short } from './format';

const $ = <T extends HTMLElement>(selector: string): T => document.querySelector<T>(selector)!;

export function setUpAutodiffPanel(): void {
  const expr = $<HTMLInputElement>('#expr');
  const numbers = ['#x-value', '#y-value', '#x-dot', '#y-dot'].map((s) => $<HTMLInputElement>(s));
  const error = $<HTMLElement>('#expr-error');
  const summary = $<HTMLElement>('#expr-summary');
  const graph = $<HTMLElement>('#graph');
  const table = $<HTMLTableElement>('#trace-table');
  const mode = (): Mode => ($<HTMLInputElement>('input[name="mode"]:checked').value === 'reverse' ? 'reverse' : 'forward');
  let last: PanelTrace | null = null;

  const showError = (message: string) => {
    error.textContent = message;
    error.hidden = false;
    expr.setAttribute('aria-invalid', 'true');
  };

  const render = () => {
    if (last === null) return;
    drawGraph(graph, last.rows, mode());
    drawTable(table, last.rows, mode());
  };

  const update = () => {
    // An empty field (or one the browser could not read as a number: its value is '' then) is no 0.
    const [x, y, xDot, yDot] = numbers.map((input) => (input.value.trim() === '' ? NaN : Number(input.value)));
    if (![x, y, xDot, yDot].every((v) => input(v))) {
      showError('x, y, ẋ and ẏ must be numbers');
      return;
    }
    try {
      last = traceExpression(expr.value, { x: x!, y: y!, xDot: xDot!, yDot: yDot! });
    } catch (e) {
      if (e instanceof ParseError) showError(`${e.message} (at character ${e.column + 1})`);
      else if (e instanceof ExpressionError) showError(e.message);
      else showError(`core refused it: ${(e as Error).message}`); // e.g. a shape or value error from an op
      return;
    }
    error.hidden = true;
    expr.removeAttribute('aria-invalid');
    summary.replaceChildren(...describe(last, { x: x!, y: y!, xDot: xDot!, yDot: yDot! }));
    render();
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(update, 120); // typing: wait for a pause
  };
  expr.addEventListener('input', soon);
  expr.addEventListener('change', update);
  for (const input of numbers) input.addEventListener('input', soon);
  document.querySelectorAll<HTMLInputElement>('input[name="mode"]').forEach((radio) => radio.addEventListener('change', render));
  document.querySelectorAll<HTMLButtonElement>('[data-expr]').forEach((button) =>
    button.addEventListener('click', () => {
      expr.value = button.dataset.expr!;
      update();
    }),
  );
  update();
}

const input = (v: number | undefined): boolean => v !== undefined && Number.isFinite(v);

/** One line per mode: what one forward pass and one reverse sweep gave, and that they agree. */
function describe(t: PanelTrace, p: { x: number; y: number; xDot: number; yDot: number }): HTMLElement[] {
  const at = t.uses.y ? `f(${p.x}, ${p.y})` : `f(${p.x})`;
  const line = (label: string, text: string) => {
    const span = document.createElement('span');
    const b = document.createElement('b');
    b.textContent = label;
    span.append(b, ` ${text}`);
    return span;
  };
  const lines = [line('value', `${at} = ${short(t.value)}`)];
  const direction = t.uses.y ? `(ẋ, ẏ) = (${p.xDot}, ${p.yDot})` : `ẋ = ${p.xDot}`;
  lines.push(line('forward', `one pass along ${direction}: ḟ = ${short(t.directional)}`));
  const grads = [`x̄ = ∂f/∂x = ${short(t.gradient.x)}`];
  if (t.uses.y) grads.push(`ȳ = ∂f/∂y = ${short(t.gradient.y)}`);
  lines.push(line('reverse', `one sweep back from f̄ = 1: ${grads.join(', ')}`));
  // The two modes meet here: ḟ = ẋ·x̄ + ẏ·ȳ (the tangent is the gradient along the direction).
  const fromBars = p.xDot * (t.gradient.x ?? 0) + (t.uses.y ? p.yDot * (t.gradient.y ?? 0) : 0);
  const agree = modesAgree(fromBars, t.directional);
  lines.push(line('check', `ẋ·x̄${t.uses.y ? ' + ẏ·ȳ' : ''} = ${short(fromBars)} ${agree ? '= ḟ ✓' : '≠ ḟ'}`));
  return lines;
}
