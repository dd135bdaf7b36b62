/** The SVG plot module (tools/plot): well-formed documents, labels, data-to-pixel mapping, escaping. */
import {
  barChart, escapeXml, extent, formatTick, heatMap, imageGrid, lineChart, lineLayout, linearScale, logDomain, logScale, logTicks, niceDomain, niceTicks,
} from '../tools/plot';

/**
 * Checks that `svg` is well-formed XML as far as plots need: one root, every tag closed in order,
 * attribute values quoted, and no stray `<` or `&` in text (entities only).
 */
function expectWellFormed(svg: string): void {
  const body = svg.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let roots = 0;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = token.exec(body)) !== null) {
    consumed = token.lastIndex;
    const [, closing, name, , selfClosing, textNode] = m;
    if (textNode !== undefined) {
      if (stack.length === 0 && textNode.trim() !== '') throw new Error(`text outside the root: ${textNode.slice(0, 20)}`);
      expect(textNode).not.toMatch(/&(?!(amp|lt|gt|quot|#39);)/);
      continue;
    }
    if (closing) {
      expect(stack.pop()).toBe(name);
    } else if (!selfClosing) {
      if (stack.length === 0) roots++;
      stack.push(name!);
    } else if (stack.length === 0) roots++;
  }
  expect(consumed).toBe(body.length);
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

describe('scales', () => {
  it('maps a linear domain onto a (flipped) pixel range', () => {
    const y = linearScale([0, 10], [300, 100]);
    expect(y(0)).toBe(300);
    expect(y(10)).toBe(100);
    expect(y(2.5)).toBe(250);
  });

  it('maps a degenerate domain to the middle instead of NaN', () => {
    expect(linearScale([3, 3], [0, 100])(3)).toBe(50);
  });

  it('maps powers of ten evenly on a log scale', () => {
    const y = logScale([1e-6, 1], [600, 0]);
    expect(y(1e-6)).toBeCloseTo(600);
    expect(y(1e-3)).toBeCloseTo(300);
    expect(y(1)).toBeCloseTo(0);
    expect(() => logScale([0, 1], [0, 1])).toThrow(RangeError);
  });

  it('chooses round ticks and domains', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.13, 0.87, 4)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceDomain(0.13, 0.87, 4)).toEqual([0, 1]);
    expect(niceDomain(2, 2)).toEqual([1, 3]);
    expect(logDomain(3e-5, 0.2)).toEqual([1e-5, 1]);
    expect(logTicks(1e-5, 1)).toEqual([1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1]);
    expect(logTicks(1, 100)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(logTicks(1e-30, 1)).toHaveLength(11);
  });

  it('formats ticks compactly', () => {
    expect(formatTick(0.30000000000000004)).toBe('0.3');
    expect(formatTick(1e-5)).toBe('1e-5');
    expect(formatTick(2.5e6)).toBe('2.5e6');
    expect(formatTick(0)).toBe('0');
  });

  it('skips non-finite values (and non-positive ones for log axes) in extents', () => {
    expect(extent([3, NaN, -1, Infinity, 2])).toEqual([-1, 3]);
    expect(extent([3, -1, 0, 2], true)).toEqual([2, 3]);
    expect(extent([NaN])).toBeNull();
  });
});

describe('escaping', () => {
  it('escapes the XML special characters', () => {
    expect(escapeXml(`a < b & "c" > 'd'`)).toBe('a &lt; b &amp; &quot;c&quot; &gt; &#39;d&#39;');
  });

  it('keeps hostile labels from breaking the document', () => {
    const svg = lineChart([{ name: '<script>&"x"', y: [1, 2] }], { xLabel: 'a & b', yLabel: '"y" < 1', title: '</svg>' });
    expectWellFormed(svg);
    expect(svg).toContain('&lt;script&gt;&amp;&quot;x&quot;');
    expect(svg).toContain('a &amp; b');
    expect(svg).not.toContain('<script>');
  });
});

describe('lineChart', () => {
  const series = [
    { name: 'train', y: [1, 0.5, 0.25, 0.125] },
    { name: 'validation', y: [1.2, 0.7, NaN, 0.4], dashed: true },
  ];
  const options = { xLabel: 'epoch', yLabel: 'loss', title: 'Loss per epoch' };

  it('is a well-formed SVG with title, axis labels and a legend entry per series', () => {
    const svg = lineChart(series, options);
    expectWellFormed(svg);
    expect(svg.startsWith('<?xml')).toBe(true);
    for (const label of ['Loss per epoch', '>epoch<', '>loss<', '>train<', '>validation<']) expect(svg).toContain(label);
    expect(svg).toContain('stroke-dasharray="6 4"');
  });

  it('puts data points where the scales say, and breaks the line at a missing value', () => {
    const svg = lineChart(series, options);
    const { x, y, area } = lineLayout(series, options);
    // x runs from the first to the last epoch across the plot area; y is widened to round values.
    expect(x(1)).toBe(area.left);
    expect(x(4)).toBe(area.left + area.width);
    expect(y.domain).toEqual([0, 1.2]);
    expect(y(0)).toBe(area.top + area.height);
    const train = /data-name="train"><polyline points="([^"]+)"/.exec(svg)![1]!;
    const first = train.split(' ')[0]!.split(',').map(Number);
    expect(first[0]).toBeCloseTo(x(1), 1);
    expect(first[1]).toBeCloseTo(y(1), 1);
    const validation = svg.slice(svg.indexOf('data-name="validation"'));
    expect(validation.slice(0, validation.indexOf('</g>')).match(/<polyline/g)).toHaveLength(2);
  });

  it('draws a log y axis with power-of-ten ticks and drops non-positive values', () => {
    const svg = lineChart([{ name: 'norm', y: [1e-6, 1e-3, 0, 1] }], { xLabel: 'layer', yLabel: 'gradient norm', logY: true });
    expectWellFormed(svg);
    expect(svg).toContain('>1e-6<');
    expect(svg).toContain('>0.001<');
    expect(() => lineChart([{ name: 'bad', y: [0, -1] }], { xLabel: 'x', yLabel: 'y', logY: true })).toThrow(RangeError);
  });

  it('uses whole-number ticks for whole-number x values', () => {
    const svg = lineChart([{ name: 's', y: [3, 2, 1] }], { xLabel: 'epoch', yLabel: 'loss' });
    const ticks = [...svg.matchAll(/<text x="[^"]+" y="[^"]+" text-anchor="middle" class="tick">([^<]+)</g)].map((m) => m[1]);
    expect(ticks).toEqual(['1', '2', '3']);
  });
});

describe('barChart', () => {
  const groups = [
    { name: '256³', bars: [{ name: 'naive', value: 0.8 }, { name: 'gemm', value: 3.6 }] },
    { name: '512³', bars: [{ name: 'gemm', value: 4 }, { name: 'wasm', value: NaN }] },
  ];
  const bars = (svg: string): Array<{ name: string; value: string; x: number; width: number; fill: string }> =>
    [...svg.matchAll(/<g class="bar" data-name="([^"]+)" data-value="([^"]+)">.*?<rect x="([^"]+)" y="[^"]+" width="([^"]+)" height="[^"]+" fill="([^"]+)"/g)].map(
      (m) => ({ name: m[1]!, value: m[2]!, x: Number(m[3]), width: Number(m[4]), fill: m[5]! }),
    );

  it('is well-formed, labels groups, bars and values, and draws the reference line', () => {
    const svg = barChart(groups, { xLabel: 'GFLOP/s', title: 'Matrix product', reference: { value: 3, label: 'target' } });
    expectWellFormed(svg);
    for (const label of ['Matrix product', '>GFLOP/s<', '>256³<', '>512³<', '>naive<', '>3.60<', '>n/a<', '>target<']) expect(svg).toContain(label);
    expect(svg).toContain('class="reference"');
  });

  it('makes bar lengths proportional to the values from a zero baseline, and keeps a name in one colour', () => {
    const drawn = bars(barChart(groups, { xLabel: 'GFLOP/s' }));
    expect(drawn.map((b) => b.name)).toEqual(['naive', 'gemm', 'gemm', 'wasm']);
    expect(new Set(drawn.map((b) => b.x)).size).toBe(1); // one baseline
    expect(drawn[1]!.width / drawn[0]!.width).toBeCloseTo(3.6 / 0.8, 1);
    expect(drawn[2]!.width / drawn[1]!.width).toBeCloseTo(4 / 3.6, 1);
    expect(drawn[3]!.width).toBe(0); // a missing value has no bar
    expect(drawn[1]!.fill).toBe(drawn[2]!.fill);
    expect(drawn[0]!.fill).not.toBe(drawn[1]!.fill);
  });

  it('puts equal ratios at equal distances on a log axis, and refuses to plot nothing', () => {
    const drawn = bars(barChart([{ name: 'g', bars: [{ name: 'a', value: 1 }, { name: 'b', value: 10 }, { name: 'c', value: 100 }] }], { xLabel: 'ms', logX: true }));
    expect(drawn[2]!.width - drawn[1]!.width).toBeCloseTo(drawn[1]!.width - drawn[0]!.width, 1);
    expect(() => barChart([{ name: 'g', bars: [{ name: 'a', value: NaN }] }], { xLabel: 'x' })).toThrow(RangeError);
  });
});

describe('heatMap', () => {
  const values = [[0.5, 0.25], [NaN, 0.125]];
  const options = { rowLabels: ['0.1', '0.01'], columnLabels: ['0', '1e-4'], xLabel: 'L2 strength', yLabel: 'learning rate', valueLabel: 'loss' };

  it('is well-formed, labelled, and greys out non-finite cells', () => {
    const svg = heatMap(values, { ...options, title: 'Grid search', highlight: [1, 1] });
    expectWellFormed(svg);
    for (const label of ['Grid search', '>L2 strength<', '>learning rate<', '>loss<', '>1e-4<', '>0.01<', '>NaN<', '>0.125<']) expect(svg).toContain(label);
    expect(svg.match(/class="cell"/g)).toHaveLength(4);
    expect(svg).toContain('fill="#bbbbbb"');
    expect(svg).toContain('class="highlight"');
  });

  it('colours the extremes with the ends of the ramp (reversed on request)', () => {
    const svg = heatMap([[0, 1]], { ...options, rowLabels: ['r'], columnLabels: ['a', 'b'] });
    const fills = [...svg.matchAll(/fill="(rgb\([^)]+\))"[^>]*class="cell"/g)].map((m) => m[1]);
    expect(fills).toEqual(['rgb(68,1,84)', 'rgb(253,231,37)']);
    const reversed = heatMap([[0, 1]], { ...options, rowLabels: ['r'], columnLabels: ['a', 'b'], reverse: true });
    expect([...reversed.matchAll(/fill="(rgb\([^)]+\))"[^>]*class="cell"/g)].map((m) => m[1])).toEqual(['rgb(253,231,37)', 'rgb(68,1,84)']);
  });

  it('rejects labels that do not fit the matrix', () => {
    expect(() => heatMap(values, { ...options, rowLabels: ['only one'] })).toThrow(RangeError);
  });
});

describe('imageGrid', () => {
  it('draws visible pixels only, at the right place, with captions', () => {
    const pixels = new Array<number>(4).fill(0);
    pixels[3] = 1; // bottom-right pixel of a 2×2 image
    const svg = imageGrid([{ pixels, width: 2, height: 2, caption: 'true 7 → 1' }], { scale: 10, title: 'Misclassified' });
    expectWellFormed(svg);
    expect(svg).toContain('true 7 → 1');
    const whites = [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="10" height="10" fill="rgb\(255,255,255\)"\/>/g)];
    expect(whites).toHaveLength(1);
    expect(Number(whites[0]![1])).toBe(8 + 10);
  });

  it('rejects an image whose pixel count does not match its size', () => {
    expect(() => imageGrid([{ pixels: [0, 1, 0], width: 2, height: 2 }])).toThrow(RangeError);
  });
});
