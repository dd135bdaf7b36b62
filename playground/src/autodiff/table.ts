/**
 * The evaluation trace as a table, one row per intermediate, as in the course notes: its
 * definition, value, dot (forward mode) and bar (reverse mode), and the rule that produced the
 * active mode's column. Forward mode reads top to bottom (the order of evaluation); reverse mode
 * bottom to top, so the table lists the rows in the order the adjoints are computed. Every number
 * cell carries the exact value in data-value (the tests read it; a tooltip shows it).
 */
import type { PanelRow } from './trace-model';
import type { Mode } from './graph-svg';
import { short } from './format';

function cell(tag: 'td' | 'th', text: string, className?: string): HTMLTableCellElement {
  const c = document.createElement(tag);
  c.textContent = text;
  if (className) c.className = className;
  return c;
}

function numberCell(v: number | null, className: string): HTMLTableCellElement {
  const c = cell('td', short(v), `num ${className}`);
  if (v !== null) {
    c.dataset.value = String(v); // shortest text that reads back as the same double
    c.title = String(v);
  }
  return c;
}

export function drawTable(table: HTMLTableElement, rows: readonly PanelRow[], mode: Mode): void {
  const head = document.createElement('thead');
  const hr = document.createElement('tr');
  hr.append(
    cell('th', 'row'), cell('th', 'definition'), cell('th', 'value'),
    cell('th', 'dot (forward)', mode === 'forward' ? 'active' : ''),
    cell('th', 'bar (reverse)', mode === 'reverse' ? 'active' : ''),
    cell('th', mode === 'forward' ? 'tangent rule' : 'adjoint rule'),
  );
  head.append(hr);

  const body = document.createElement('tbody');
  const ordered = mode === 'forward' ? rows : [...rows].reverse();
  for (const row of ordered) {
    const tr = document.createElement('tr');
    tr.dataset.row = row.name;
    if (row.op === 'input') tr.className = 'input';
    if (row.isOutput) tr.className = 'output';
    const th = cell('th', row.name);
    th.scope = 'row';
    tr.append(
      th,
      cell('td', row.definition, 'definition'),
      numberCell(row.value, 'value'),
      numberCell(row.dot, `dot${mode === 'forward' ? ' active' : ''}`),
      numberCell(row.bar, `bar${mode === 'reverse' ? ' active' : ''}`),
      cell('td', mode === 'forward' ? row.tangentRule : row.adjointRule, 'rule'),
    );
    body.append(tr);
  }
  table.replaceChildren(head, body);
}
