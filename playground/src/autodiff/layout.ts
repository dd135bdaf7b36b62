/**
 * Places a trace's rows in layers for drawing: a row's layer is its depth (inputs at 0, then one
 * more than its deepest parent), so every edge goes from left to right. Within a layer, rows are
 * ordered by the average position of their parents (one barycentre pass), which untangles most
 * crossings of small graphs.
 */
export interface LayoutInput {
  name: string;
  parents: readonly string[];
}

/** The rows of each layer, by name, in drawing order. */
export function layerRows(rows: readonly LayoutInput[]): string[][] {
  const depth = new Map<string, number>();
  const layers: string[][] = [];
  for (const row of rows) {
    // Trace rows come in evaluation order, so every parent's depth is known here. Parents that are
    // not rows (constants, named by their value) do not count.
    let d = 0;
    for (const p of row.parents) if (depth.has(p)) d = Math.max(d, depth.get(p)! + 1);
    depth.set(row.name, d);
    (layers[d] ??= []).push(row.name);
  }
  const slot = new Map<string, number>();
  const parentsOf = new Map(rows.map((r) => [r.name, r.parents.filter((p) => depth.has(p))]));
  layers.forEach((layer, d) => {
    if (d > 0) {
      const centre = (name: string) => {
        const ps = parentsOf.get(name)!;
        return ps.reduce((s, p) => s + slot.get(p)!, 0) / Math.max(1, ps.length);
      };
      const keyed = layer.map((name, i) => ({ name, key: centre(name), i }));
      keyed.sort((a, b) => a.key - b.key || a.i - b.i);
      layer.splice(0, layer.length, ...keyed.map((k) => k.name));
    }
    // Positions relative to the layer's middle, so layers of different sizes line up centred.
    layer.forEach((name, i) => slot.set(name, i - (layer.length - 1) / 2));
  });
  return layers;
}
