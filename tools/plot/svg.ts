/**
 * The smallest SVG writer that does the job: elements built as strings, with every attribute value
 * and text node escaped, so a label such as `loss < 0.1 & "val"` cannot break the document.
 */

/** Attribute values: numbers are rounded (see {@link fmt}), strings escaped, undefined/false dropped. */
export type Attrs = Record<string, string | number | boolean | undefined>;

/** `text` with the five XML special characters replaced by entities. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * A coordinate as short text: two decimals at most, no trailing zeros, no `-0`. Plots hold
 * thousands of coordinates; full double precision would only make the files large.
 */
export function fmt(v: number): string {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/**
 * An element `<name attr="…">children</name>` (self-closing without children). Children are
 * already-built markup: pass user text through {@link text} or {@link escapeXml}.
 */
export function el(name: string, attrs: Attrs = {}, ...children: string[]): string {
  const parts = [name];
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    const shown = value === true ? key : typeof value === 'number' ? fmt(value) : escapeXml(value);
    parts.push(`${key}="${shown}"`);
  }
  const open = parts.join(' ');
  const body = children.join('');
  return body === '' ? `<${open}/>` : `<${open}>${body}</${name}>`;
}

/** A `<text>` element holding `content`, escaped. */
export function text(content: string, attrs: Attrs = {}): string {
  return el('text', attrs, escapeXml(content));
}

/**
 * A complete SVG document of the given size: white background, a default font, and a `<title>`
 * (shown as a tooltip and read by screen readers).
 */
export function svgDocument(width: number, height: number, title: string, ...children: string[]): string {
  const root = el(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      width,
      height,
      viewBox: `0 0 ${fmt(width)} ${fmt(height)}`,
      'font-family': 'Helvetica, Arial, sans-serif',
      'font-size': 12,
    },
    el('title', {}, escapeXml(title)),
    el('rect', { width, height, fill: 'white' }),
    ...children,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root}\n`;
}
