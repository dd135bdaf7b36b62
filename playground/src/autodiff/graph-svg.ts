/**
 * The computation graph of a trace as SVG, drawn by hand (no graphviz): one box per row, layered
 * left to right by depth (layout.ts). In forward mode the edges point the way values and tangents
 * flow, and each box shows its dot; in reverse mode they point back, the way adjoints flow, and each
 * box shows its bar.
 */
import type { PanelRow } from './trace-model';
import { layerRows } from './layout';
import { barred, dotted } from './rules';
import { short } from './format';

const SVG = 'http://www.w3.org/2000/svg';
const BOX = { width: 132, height: 54 };
const GAP = { x: 46, y: 16 };

export type Mode = 'forward' | 'reverse';

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Shortens a definition that would not fit in its box. */
const fit = (text: string, max = 20) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function drawGraph(container: HTMLElement, rows: readonly PanelRow[], mode: Mode): void {
  const layers = layerRows(rows);
  const tallest = Math.max(...layers.map((l) => l.length));
  const width = layers.length * (BOX.width + GAP.x) - GAP.x + 16;
  const height = tallest * (BOX.height + GAP.y) - GAP.y + 16;
  const svg = el('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', class: `graph ${mode}` });
  svg.setAttribute('aria-label', `computation graph with ${rows.length} nodes, ${mode} mode`);

  // Arrowheads, one per mode colour.
  const defs = el('defs', {});
  const marker = el('marker', { id: `arrow-${mode}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(el('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }));
  defs.append(marker);
  svg.append(defs);

  const position = new Map<string, { x: number; y: number }>();
  layers.forEach((layer, d) => {
    const top = (height - (layer.length * (BOX.height + GAP.y) - GAP.y)) / 2;
    layer.forEach((name, i) => position.set(name, { x: 8 + d * (BOX.width + GAP.x), y: top + i * (BOX.height + GAP.y) }));
  });

  const edges = el('g', { class: 'edges' });
  for (const row of rows) {
    const to = position.get(row.name)!;
    for (const parent of new Set(row.parents)) {
      const from = position.get(parent);
      if (from === undefined) continue; // a constant: shown in the definition, not as a box
      const x1 = from.x + BOX.width, y1 = from.y + BOX.height / 2;
      const x2 = to.x, y2 = to.y + BOX.height / 2;
      const mid = (x1 + x2) / 2;
      // Forward: parent → child. Reverse: the same curve, with the arrowhead at the parent.
      const d = `M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`;
      edges.append(el('path', { d, [mode === 'forward' ? 'marker-end' : 'marker-start']: `url(#arrow-${mode})` }));
    }
  }
  svg.append(edges);

  for (const row of rows) {
    const { x, y } = position.get(row.name)!;
    const kind = row.op === 'input' ? 'input' : row.isOutput ? 'output' : 'op';
    const g = el('g', { class: `node ${kind}`, transform: `translate(${x}, ${y})`, 'data-node': row.name });
    const title = el('title', {}, `${row.name} = ${row.definition}\nvalue ${row.value}\ndot ${row.dot ?? '—'}\nbar ${row.bar ?? '—'}`);
    g.append(title, el('rect', { width: BOX.width, height: BOX.height, rx: 6 }));
    const head = row.op === 'input' ? `${row.name} (input)` : `${row.name} = ${row.definition}`;
    g.append(el('text', { x: 8, y: 16, class: 'head' }, fit(head)));
    g.append(el('text', { x: 8, y: 32 }, `${row.name} = ${short(row.value)}`));
    const derivative = mode === 'forward' ? `${dotted(row.name)} = ${short(row.dot)}` : `${barred(row.name)} = ${short(row.bar)}`;
    g.append(el('text', { x: 8, y: 47, class: 'derivative' }, derivative));
    svg.append(g);
  }
  container.replaceChildren(svg);
}
