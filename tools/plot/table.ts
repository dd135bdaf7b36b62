/** Plain-text tables for the console: the demo's summary, the examples' results. */

/** How a column is aligned: numbers right, words left (default: right unless the header says otherwise). */
export type Align = 'left' | 'right';

/**
 * The rows as an aligned table with a header and a rule under it. Cells are strings; format numbers
 * before passing them (so each caller chooses its precision).
 *
 * @example
 * formatTable(['epoch', 'loss'], [['1', '0.5123'], ['2', '0.2871']]);
 * // epoch    loss
 * // ─────  ──────
 * //     1  0.5123
 * //     2  0.2871
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const widths = headers.map((h, c) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[c] ?? ''))));
  const pad = (cell: string, c: number): string => {
    const fill = ' '.repeat(widths[c]! - displayWidth(cell));
    return (align[c] ?? 'right') === 'left' ? cell + fill : fill + cell;
  };
  const line = (cells: readonly string[]): string => cells.map(pad).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map((r) => line(headers.map((_, c) => r[c] ?? '')))].join('\n');
}

/**
 * Columns a string takes in a terminal: code points, not UTF-16 units, and combining marks (the bar
 * of C̄ is C followed by U+0304) take none.
 */
export function displayWidth(s: string): number {
  return [...s.replace(/[\u0300-\u036f]/g, '')].length;
}
