/**
 * A small SVG chart writer: line charts and grouped bar charts laid out in panels, plain SVG 1.1
 * with no scripts or external references, so that it renders on GitHub and in any browser.
 */

export interface Series {
  readonly name: string;
  /** [x, y] points; points with a non-finite coordinate are left out. */
  readonly points: readonly (readonly [number, number])[];
  /** Dashed: a projection or a model rather than a measurement. */
  readonly dashed?: boolean;
}

export interface LineChart {
  readonly kind: 'line';
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** x values to label; with logX they are placed on a log2 scale. */
  readonly xTicks: readonly number[];
  readonly logX?: boolean;
}

export interface BarGroup {
  readonly label: string;
  readonly bars: readonly { readonly name: string; readonly value: number }[];
}

export interface BarChart {
  readonly kind: 'bar';
  readonly title: string;
  readonly yLabel: string;
  readonly groups: readonly BarGroup[];
  /** A horizontal line, e.g. a target. */
  readonly reference?: { readonly value: number; readonly label: string };
}

export type Chart = LineChart | BarChart;

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

const PANEL_WIDTH = 480;
const PANEL_HEIGHT = 320;
const MARGIN = { left: 64, right: 16, top: 34, bottom: 86 };

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Tick values from 0 to at least max, 4-6 of them, on steps of 1, 2 or 5 x 10^k. */
export function niceTicks(max: number): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= rough) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let value = 0; value < max + step * 0.999; value += step) ticks.push(Number(value.toPrecision(12)));
  return ticks;
}

function formatTick(value: number): string {
  if (value === 0) return '0';
  if (Math.abs(value) >= 10_000) return `${Number((value / 1000).toPrecision(3))}k`;
  return String(Number(value.toPrecision(3)));
}

const num = (value: number) => Number(value.toFixed(1));

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${num(x)}" y="${num(y)}"${attributes ? ` ${attributes}` : ''}>${escapeXml(content)}</text>`;
}

function frame(title: string, yLabel: string, yTicks: readonly number[], y: (value: number) => number): string[] {
  const parts = [text(PANEL_WIDTH / 2, 20, title, 'text-anchor="middle" font-weight="bold"')];
  const plotLeft = MARGIN.left;
  const plotRight = PANEL_WIDTH - MARGIN.right;
  for (const tick of yTicks) {
    parts.push(`<line x1="${plotLeft}" x2="${plotRight}" y1="${num(y(tick))}" y2="${num(y(tick))}" stroke="#ddd"/>`);
    parts.push(text(plotLeft - 6, y(tick) + 4, formatTick(tick), 'text-anchor="end"'));
  }
  const middle = (MARGIN.top + PANEL_HEIGHT - MARGIN.bottom) / 2;
  parts.push(text(16, middle, yLabel, `text-anchor="middle" transform="rotate(-90 16 ${num(middle)})"`));
  parts.push(`<line x1="${plotLeft}" x2="${plotRight}" y1="${PANEL_HEIGHT - MARGIN.bottom}" y2="${PANEL_HEIGHT - MARGIN.bottom}" stroke="#333"/>`);
  parts.push(`<line x1="${plotLeft}" x2="${plotLeft}" y1="${MARGIN.top}" y2="${PANEL_HEIGHT - MARGIN.bottom}" stroke="#333"/>`);
  return parts;
}

function legend(entries: readonly { name: string; colour: string; dashed?: boolean }[]): string[] {
  const parts: string[] = [];
  const top = PANEL_HEIGHT - MARGIN.bottom + 54;
  entries.forEach((entry, i) => {
    const column = i % 2;
    const line = Math.floor(i / 2);
    const x = MARGIN.left + column * 210;
    const y = top + line * 16;
    parts.push(`<line x1="${x}" x2="${x + 18}" y1="${y - 4}" y2="${y - 4}" stroke="${entry.colour}" stroke-width="3"${entry.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    parts.push(text(x + 24, y, entry.name.length > 30 ? `${entry.name.slice(0, 29)}…` : entry.name));
  });
  return parts;
}

function yScale(values: readonly number[]): { ticks: number[]; y: (value: number) => number } {
  const finite = values.filter(Number.isFinite);
  const ticks = niceTicks(finite.length > 0 ? Math.max(...finite) : 1);
  const top = ticks[ticks.length - 1];
  const bottom = PANEL_HEIGHT - MARGIN.bottom;
  return { ticks, y: (value: number) => bottom - (value / top) * (bottom - MARGIN.top) };
}

export function renderLineChart(chart: LineChart): string {
  const finite = chart.series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const { ticks, y } = yScale([...finite.map(([, value]) => value), ...chart.series.map(() => 0)]);
  const transform = (value: number) => (chart.logX ? Math.log2(value) : value);
  const xs = [...chart.xTicks, ...finite.map(([value]) => value)].map(transform);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const plotWidth = PANEL_WIDTH - MARGIN.left - MARGIN.right - 20;
  const x = (value: number) => MARGIN.left + 10 + (xMax === xMin ? plotWidth / 2 : ((transform(value) - xMin) / (xMax - xMin)) * plotWidth);
  const parts = frame(chart.title, chart.yLabel, ticks, y);
  for (const tick of chart.xTicks) parts.push(text(x(tick), PANEL_HEIGHT - MARGIN.bottom + 16, formatTick(tick), 'text-anchor="middle"'));
  parts.push(text(MARGIN.left + plotWidth / 2 + 10, PANEL_HEIGHT - MARGIN.bottom + 32, chart.xLabel, 'text-anchor="middle"'));
  chart.series.forEach((series, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const points = series.points.filter(([px, py]) => Number.isFinite(px) && Number.isFinite(py));
    if (points.length === 0) return;
    const path = points.map(([px, py]) => `${num(x(px))},${num(y(py))}`).join(' ');
    parts.push(`<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const [px, py] of points) parts.push(`<circle cx="${num(x(px))}" cy="${num(y(py))}" r="3" fill="${colour}"/>`);
  });
  parts.push(...legend(chart.series.map((series, i) => ({ name: series.name, colour: PALETTE[i % PALETTE.length], dashed: series.dashed }))));
  return parts.join('\n');
}

export function renderBarChart(chart: BarChart): string {
  const values = chart.groups.flatMap((group) => group.bars.map((bar) => bar.value));
  const { ticks, y } = yScale([...values, chart.reference?.value ?? 0]);
  const names = [...new Set(chart.groups.flatMap((group) => group.bars.map((bar) => bar.name)))];
  const plotLeft = MARGIN.left + 10;
  const plotWidth = PANEL_WIDTH - MARGIN.left - MARGIN.right - 20;
  const groupWidth = plotWidth / Math.max(1, chart.groups.length);
  const barWidth = Math.min(40, (groupWidth * 0.8) / Math.max(1, names.length));
  const parts = frame(chart.title, chart.yLabel, ticks, y);
  chart.groups.forEach((group, g) => {
    const centre = plotLeft + groupWidth * (g + 0.5);
    const start = centre - (barWidth * group.bars.length) / 2;
    group.bars.forEach((bar, b) => {
      if (!Number.isFinite(bar.value)) return;
      const colour = PALETTE[names.indexOf(bar.name) % PALETTE.length];
      const left = start + b * barWidth;
      const top = y(bar.value);
      parts.push(`<rect x="${num(left + 2)}" y="${num(top)}" width="${num(barWidth - 4)}" height="${num(y(0) - top)}" fill="${colour}"/>`);
      parts.push(text(left + barWidth / 2, top - 4, formatTick(Number(bar.value.toPrecision(3))), 'text-anchor="middle" font-size="10"'));
    });
    parts.push(text(centre, PANEL_HEIGHT - MARGIN.bottom + 16, group.label, 'text-anchor="middle"'));
  });
  if (chart.reference !== undefined && Number.isFinite(chart.reference.value)) {
    const ry = y(chart.reference.value);
    parts.push(`<line x1="${MARGIN.left}" x2="${PANEL_WIDTH - MARGIN.right}" y1="${num(ry)}" y2="${num(ry)}" stroke="#555" stroke-dasharray="4 3"/>`);
    parts.push(text(PANEL_WIDTH - MARGIN.right - 4, ry - 4, chart.reference.label, 'text-anchor="end" font-size="10"'));
  }
  parts.push(...legend(names.map((name, i) => ({ name, colour: PALETTE[i % PALETTE.length] }))));
  return parts.join('\n');
}

/** Panels in a grid of `columns`, with a title line above them. */
export function renderDocument(title: string, charts: readonly Chart[], columns = 2): string {
  const rows = Math.ceil(charts.length / columns);
  const width = PANEL_WIDTH * Math.min(columns, Math.max(1, charts.length));
  const height = 30 + PANEL_HEIGHT * rows;
  const panels = charts.map((chart, i) => {
    const body = chart.kind === 'line' ? renderLineChart(chart) : renderBarChart(chart);
    return `<g transform="translate(${(i % columns) * PANEL_WIDTH} ${30 + Math.floor(i / columns) * PANEL_HEIGHT})">\n${body}\n</g>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    text(width / 2, 20, title, 'text-anchor="middle" font-size="14" font-weight="bold"'),
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}
