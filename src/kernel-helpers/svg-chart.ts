// A static line chart as an SVG string: the fallback image stored beside an interactive plotly plot
// in a notebook output, shown where JavaScript does not run (untrusted notebooks, GitHub's viewer).
// Pure, dependency-free and deterministic, so re-running a notebook does not churn its diff.

export interface ChartSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  mode?: "lines" | "markers" | "lines+markers"; // default "lines"
  dash?: boolean; // dashed line, for analytic/theory overlays
  color?: string; // CSS colour; default PALETTE[series index]
}

export interface ChartLayout {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number; // pixels, default 720
  height?: number; // pixels, default 400
}

/** plotly's default colorway, so the fallback image uses the interactive plot's colours. */
export const PALETTE: readonly string[] = Object.freeze([
  "#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3", "#FF6692", "#B6E880", "#FF97FF", "#FECB52",
]);

const TEXT_COLOR = "#444"; // plotly's default font colour
const GRID_COLOR = "#e5e5e5";
const CHAR_WIDTH = 7; // rough advance of a 12px sans-serif character, for margins and the legend
const MAX_POINTS = 2000; // per series path; beyond it we decimate, to keep the notebook file small
const PAD_FRACTION = 0.04; // range padding, so markers and joins at the extremes stay inside the frame

interface Range { min: number; max: number }
interface Box { left: number; top: number; right: number; bottom: number }
interface Tick { value: number; label: string }
type Scale = (v: number) => number;
type Mode = NonNullable<ChartSeries["mode"]>;

export function renderSvgChart(series: readonly ChartSeries[], layout: ChartLayout = {}): string {
  const width = positiveOr(layout.width, 720);
  const height = positiveOr(layout.height, 400);
  const bounds = dataBounds(series);
  const xTicks = bounds ? niceTicks(bounds.x) : [];
  const yTicks = bounds ? niceTicks(bounds.y) : [];
  const showLegend = series.length > 1 || series.some((s) => s.name !== "");
  const legendWidth = showLegend ? Math.min(longestName(series) * CHAR_WIDTH + 50, width * 0.3) : 0;
  const box = plotBox(layout, width, height, yTicks, legendWidth);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="system-ui, sans-serif" font-size="12" fill="${TEXT_COLOR}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
  ];
  if (bounds) {
    const sx = scale(bounds.x, box.left, box.right);
    const sy = scale(bounds.y, box.bottom, box.top);
    parts.push(...grid(xTicks, yTicks, sx, sy, box), frame(box));
    parts.push(...series.flatMap((s, i) => seriesPaths(s, i, sx, sy)));
  } else {
    const note = 'class="no-data" text-anchor="middle" font-size="14"';
    parts.push(frame(box), text((box.left + box.right) / 2, (box.top + box.bottom) / 2, "no data", note));
  }
  if (showLegend) parts.push(...legend(series, box.right + 20, box.top, legendWidth - 20));
  parts.push(...titles(layout, width, height, box), "</svg>");
  return parts.join("\n");
}

/** The plot area; the legend sits in the right margin, clear of the tick labels. */
function plotBox(layout: ChartLayout, width: number, height: number, yTicks: Tick[], legendWidth: number): Box {
  // The left margin grows with the y tick labels so they never run into the y axis title.
  const yTickWidth = Math.max(0, ...yTicks.map((t) => t.label.length)) * CHAR_WIDTH;
  return {
    left: Math.max(50, yTickWidth + (layout.yLabel ? 40 : 16)),
    top: layout.title ? 50 : 20,
    right: width - 30 - legendWidth,
    bottom: height - (layout.xLabel ? 55 : 35),
  };
}

function dataBounds(series: readonly ChartSeries[]): { x: Range; y: Range } | null {
  const x: Range = { min: Infinity, max: -Infinity };
  const y: Range = { min: Infinity, max: -Infinity };
  for (const s of series) {
    for (let i = 0; i < pointCount(s); i++) {
      if (!isFinitePoint(s, i)) continue;
      x.min = Math.min(x.min, s.x[i]); x.max = Math.max(x.max, s.x[i]);
      y.min = Math.min(y.min, s.y[i]); y.max = Math.max(y.max, s.y[i]);
    }
  }
  if (x.min > x.max) return null;
  const [xr, yr] = [padded(x), padded(y)];
  // Spans past Number.MAX_VALUE (data near ±1e308) cannot be scaled; treat them as no data.
  return Number.isFinite(xr.max - xr.min) && Number.isFinite(yr.max - yr.min) ? { x: xr, y: yr } : null;
}

function padded(r: Range): Range {
  // A constant series has no span to pad by; give it ±10% of its value (±1 around zero).
  const pad = r.max > r.min ? (r.max - r.min) * PAD_FRACTION : Math.abs(r.min) * 0.1 || 1;
  return { min: r.min - pad, max: r.max + pad };
}

/** Steps of 1, 2 or 5 × 10^k; the one whose tick count inside the range is closest to 6. */
function niceTicks(r: Range): Tick[] {
  const base = Math.floor(Math.log10((r.max - r.min) / 6));
  let best = { exp: 0, step: 1, first: 0, count: -Infinity };
  for (const exp of [base - 1, base, base + 1]) {
    for (const m of [1, 2, 5]) {
      // Dividing by 10^-exp keeps steps like 0.1 exact-looking (3 * 1e-1 is 0.30000000000000004).
      const step = exp >= 0 ? m * 10 ** exp : m / 10 ** -exp;
      const first = Math.ceil(r.min / step);
      const count = Math.floor(r.max / step) - first + 1;
      if (Math.abs(count - 6) < Math.abs(best.count - 6)) best = { exp, step, first, count };
    }
  }
  const values = Array.from({ length: best.count }, (_, k) => (best.first + k) * best.step);
  const maxAbs = Math.max(...values.map(Math.abs));
  // Exponents only where fixed notation would pad with many zeros ("30000000", "0.000005").
  const scientific = (maxAbs >= 1e6 && best.exp >= 3) || (maxAbs < 1e-3 && best.exp < -4);
  return values.map((v) => ({ value: v, label: tickLabel(v, best.exp, scientific) }));
}

/** Digits down to the step's place, so float noise never shows: "0.3", "1" (not "1.0"), "1.5e6". */
function tickLabel(v: number, stepExp: number, scientific: boolean): string {
  if (!scientific || v === 0) return trimZeros(v.toFixed(Math.max(0, -stepExp)));
  const ownExp = Number(v.toExponential().split("e")[1]);
  const [mantissa, exp] = v.toExponential(Math.max(0, ownExp - stepExp)).split("e");
  return `${trimZeros(mantissa)}e${exp.replace("+", "")}`;
}

function trimZeros(decimal: string): string {
  return decimal.includes(".") ? decimal.replace(/\.?0+$/, "") : decimal;
}

function scale(r: Range, from: number, to: number): Scale {
  return (v) => from + ((v - r.min) / (r.max - r.min)) * (to - from);
}

/** Grid lines across the plot area, tick labels outside it. */
function grid(xTicks: Tick[], yTicks: Tick[], sx: Scale, sy: Scale, box: Box): string[] {
  const stroke = `stroke="${GRID_COLOR}"`;
  return [
    ...xTicks.flatMap(({ value, label }) => [
      line(sx(value), box.top, sx(value), box.bottom, stroke),
      text(sx(value), box.bottom + 18, label, 'class="xtick" text-anchor="middle"'),
    ]),
    ...yTicks.flatMap(({ value, label }) => [
      line(box.left, sy(value), box.right, sy(value), stroke),
      text(box.left - 6, sy(value), label, 'class="ytick" text-anchor="end" dy="0.35em"'),
    ]),
  ];
}

function frame(box: Box): string {
  const [w, h] = [box.right - box.left, box.bottom - box.top];
  return `<rect x="${px(box.left)}" y="${px(box.top)}" width="${px(w)}" height="${px(h)}" fill="none" stroke="#bbb"/>`;
}

function seriesPaths(s: ChartSeries, index: number, sx: Scale, sy: Scale): string[] {
  const bucket = pointCount(s) <= MAX_POINTS ? 1 : Math.ceil(pointCount(s) / (MAX_POINTS / 2));
  const segments = finiteSegments(s).map((seg) => decimate(seg, s.y, bucket));
  if (segments.length === 0) return [];
  const point = (i: number): string => `${px(sx(s.x[i]))},${px(sy(s.y[i]))}`;
  const { color, mode, dash } = style(s, index);
  const out: string[] = [];
  if (mode !== "markers") {
    const d = segments.map((seg) => seg.map((i, k) => (k === 0 ? "M" : "L") + point(i)).join("")).join("");
    out.push(`<path class="series-line" d="${d}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"${dash}/>`);
  }
  if (mode !== "lines") {
    // A zero-length subpath with round caps draws a dot: one compact path instead of n circles.
    const d = segments.flatMap((seg) => seg.map((i) => `M${point(i)}h0`)).join("");
    out.push(`<path class="series-markers" d="${d}" fill="none" stroke="${color}" stroke-width="6" stroke-linecap="round"/>`);
  }
  return out;
}

/** Indices of the runs of finite points; a non-finite point ends a run, so the line breaks there. */
function finiteSegments(s: ChartSeries): number[][] {
  const segments: number[][] = [];
  let current: number[] = [];
  for (let i = 0; i < pointCount(s); i++) {
    if (isFinitePoint(s, i)) current.push(i);
    else if (current.length > 0) { segments.push(current); current = []; }
  }
  if (current.length > 0) segments.push(current);
  return segments;
}

/**
 * Keeps the lowest and highest point (in order) of each bucket of `size` consecutive points, so
 * peaks such as bounce heights survive. Index buckets rather than x pixel columns keep the path
 * order for non-monotonic x (phase portraits); for a time series a bucket spans ≲ 1 pixel column.
 */
function decimate(segment: number[], y: ArrayLike<number>, size: number): number[] {
  if (size <= 1) return segment;
  const out: number[] = [];
  for (let start = 0; start < segment.length; start += size) {
    let [lo, hi] = [segment[start], segment[start]];
    for (const i of segment.slice(start + 1, start + size)) {
      if (y[i] < y[lo]) lo = i;
      if (y[i] > y[hi]) hi = i;
    }
    out.push(...(lo === hi ? [lo] : [Math.min(lo, hi), Math.max(lo, hi)]));
  }
  return out;
}

function legend(series: readonly ChartSeries[], x0: number, top: number, width: number): string[] {
  const maxChars = Math.max(3, Math.floor((width - 30) / CHAR_WIDTH));
  return series.flatMap((s, i) => {
    const y = top + 10 + i * 20;
    const { color, mode, dash } = style(s, i);
    const stroke = line(x0, y, x0 + 24, y, `stroke="${color}" stroke-width="2"${dash}`);
    const dot = `<circle cx="${px(x0 + 12)}" cy="${px(y)}" r="3" fill="${color}"/>`;
    const sample = mode === "lines" ? [stroke] : mode === "markers" ? [dot] : [stroke, dot];
    return [...sample, text(x0 + 30, y, truncate(legendName(s, i), maxChars), 'class="legend" dy="0.35em"')];
  });
}

function titles(layout: ChartLayout, width: number, height: number, box: Box): string[] {
  const out: string[] = [];
  const centred = 'text-anchor="middle"';
  if (layout.title) out.push(text(width / 2, 30, layout.title, `class="title" ${centred} font-size="17"`));
  if (layout.xLabel) out.push(text((box.left + box.right) / 2, height - 14, layout.xLabel, `class="xlabel" ${centred} font-size="14"`));
  if (layout.yLabel) {
    const at = `translate(20,${px((box.top + box.bottom) / 2)}) rotate(-90)`;
    out.push(text(0, 0, layout.yLabel, `class="ylabel" transform="${at}" ${centred} font-size="14"`));
  }
  return out;
}

function style(s: ChartSeries, index: number): { color: string; mode: Mode; dash: string } {
  const color = escapeXml(s.color ?? PALETTE[index % PALETTE.length]);
  return { color, mode: s.mode ?? "lines", dash: s.dash ? ' stroke-dasharray="6,4"' : "" };
}

/** plotly names unnamed traces "trace N" in its legend; do the same. */
function legendName(s: ChartSeries, index: number): string {
  return s.name !== "" ? s.name : `trace ${index}`;
}

function longestName(series: readonly ChartSeries[]): number {
  return Math.max(0, ...series.map((s, i) => Array.from(legendName(s, i)).length));
}

/** Cuts by code points, so a surrogate pair (emoji) is never split. */
function truncate(name: string, maxChars: number): string {
  const chars = Array.from(name);
  return chars.length <= maxChars ? name : `${chars.slice(0, maxChars - 1).join("")}…`;
}

const pointCount = (s: ChartSeries): number => Math.min(s.x.length, s.y.length);
const isFinitePoint = (s: ChartSeries, i: number): boolean => Number.isFinite(s.x[i]) && Number.isFinite(s.y[i]);
const positiveOr = (v: number | undefined, fallback: number): number => (v !== undefined && Number.isFinite(v) && v > 0 ? v : fallback);

/** Pixel coordinate rounded to 0.1 px: finer is invisible and only bloats the file. */
function px(v: number): string {
  return String(Math.round(v * 10) / 10);
}

function line(x1: number, y1: number, x2: number, y2: number, attrs: string): string {
  return `<line x1="${px(x1)}" y1="${px(y1)}" x2="${px(x2)}" y2="${px(y2)}" ${attrs}/>`;
}

function text(x: number, y: number, content: string, attrs: string): string {
  return `<text x="${px(x)}" y="${px(y)}" ${attrs}>${escapeXml(content)}</text>`;
}

/** XML-escapes text and attribute values; also drops control characters that XML 1.0 forbids. */
function escapeXml(s: string): string {
  const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "").replace(/[&<>"']/g, (c) => entities[c]);
}
