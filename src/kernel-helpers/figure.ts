// plot(): line plots of trajectories (any body field against time or another field, several bodies,
// system energy) or of plain series, with analytic "theory" curves overlaid. Interactive with
// plotly.js; the static fallback is an SVG picture of the same plot.
import type { Trajectory } from "../engine/types";
import { fieldLabel, FIELD_NAMES, isBodyField, isSystemField, PlotField, BodyField, bodySeries, systemSeries } from "./trajectory-fields";
import { isRecording, isTrajectory, Recording } from "./recording";
import { escapeHtml, RichOutput, shortNumber } from "./rich-output";
import { ChartSeries, PALETTE, renderSvgChart } from "./svg-chart";

/** A plain series to plot. */
export interface Series {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  name?: string;
  mode?: "lines" | "markers" | "lines+markers";
  dash?: boolean;
}

/** An analytic curve: a function of the x value (time by default), or sampled points. */
export type TheoryCurve = { name: string; y: (x: number) => number } | { name: string; x: ArrayLike<number>; y: ArrayLike<number> };

export interface PlotOptions {
  /** Quantity on the y axis (several → one trace each). Default "z". System energies: "kinetic", "potential", "total", "energy" (all three). */
  y?: PlotField | readonly PlotField[];
  /** Quantity on the x axis: "t" (time, default) or a body field (e.g. "x" for a path). */
  x?: "t" | BodyField;
  /** Body ids to plot. Default: every recorded body, at most 10. */
  bodies?: readonly number[];
  /** Legend names for bodies by id (default "body 3 (unit_cube)"). */
  labels?: Readonly<Record<number, string>>;
  /** Analytic curves drawn dashed over the data. */
  theory?: TheoryCurve | readonly TheoryCurve[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Pixels; default 420. */
  height?: number;
  width?: number;
  /** y axis on a log scale. */
  logY?: boolean;
}

export type Plottable = Recording | Trajectory | Series | readonly Series[];

const DEFAULT_BODY_LIMIT = 10;
/** Plotly draws this many points per trace without trouble; beyond it, every k-th point is kept. */
const MAX_TRACE_POINTS = 20_000;

interface Trace extends ChartSeries {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/** Builds a plot without showing it (for reports: `report.add(plotOutput(...))`). */
export function plotOutput(source: Plottable, options: PlotOptions = {}): RichOutput {
  const { traces, xLabel, yLabel, notes } = isRecording(source) || isTrajectory(source) ? trajectoryTraces(source, options) : seriesTraces(source, options);
  const layout = {
    title: options.title,
    xLabel: options.xLabel ?? xLabel,
    yLabel: options.yLabel ?? yLabel,
    width: options.width,
    height: options.height ?? 420,
  };
  const svg = renderSvgChart(traces, { ...layout, width: layout.width ?? 760 });
  return {
    text: describePlot(traces, layout, notes),
    fallbackHtml: `<img alt="${escapeHtml(layout.title ?? "plot")}" src="data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}">`,
    libraries: ["plotly"],
    draw: DRAW_PLOTLY,
    data: plotlyFigure(traces, layout, options.logY === true),
    image: svg,
  };
}

const DRAW_PLOTLY = `function (el, Plotly, fig) {
  var div = document.createElement("div");
  el.appendChild(div);
  return Plotly.newPlot(div, fig.data, fig.layout, fig.config);
}`;

function trajectoryTraces(source: Recording | Trajectory, options: PlotOptions): { traces: Trace[]; xLabel: string; yLabel: string; notes: string[] } {
  const trajectory = isRecording(source) ? source.trajectory : source;
  const assets = isRecording(source) ? new Map(source.scene.bodies.map((b) => [b.body_id, b.asset_name])) : new Map<number, string>();
  const bodyName = (id: number): string => options.labels?.[id] ?? (assets.has(id) ? `body ${id} (${assets.get(id)})` : `body ${id}`);
  const fields = toArray(options.y ?? "z");
  for (const f of fields) if (!isBodyField(f) && !isSystemField(f)) throw new Error(`plot: unknown field '${String(f)}' (one of ${FIELD_NAMES.join(", ")})`);
  const xField = options.x ?? "t";
  if (xField !== "t" && !isBodyField(xField)) throw new Error(`plot: x must be "t" or a body field (got '${String(xField)}')`);
  const { indices, notes } = fields.some(isBodyField) ? chooseBodies(trajectory, options.bodies) : { indices: [], notes: [] };
  const traces: Trace[] = [];
  const time = trajectory.time.subarray(0, trajectory.frames);
  for (const field of fields) {
    if (isSystemField(field)) {
      for (const s of systemSeries(trajectory, field)) traces.push(trace(`${s.name} energy`, time, s.y, traces.length));
      continue;
    }
    for (const b of indices) {
      const id = trajectory.bodyIds[b];
      const x = xField === "t" ? time : bodySeries(trajectory, xField, b);
      const body = bodyName(id);
      traces.push(trace(fields.length > 1 ? `${body} ${field}` : body, x, bodySeries(trajectory, field, b), traces.length));
    }
  }
  toArray(options.theory ?? []).forEach((curve, nth) => traces.push(theoryTrace(curve, time, xField === "t", traces.length, nth)));
  const yLabel = fields.length === 1 ? fieldLabel(fields[0]) : fields.every(isSystemField) ? "energy (J)" : fields.join(", ");
  return { traces, xLabel: xField === "t" ? "t (s)" : fieldLabel(xField), yLabel, notes };
}

function chooseBodies(trajectory: Trajectory, bodies: readonly number[] | undefined): { indices: number[]; notes: string[] } {
  const ids = Array.from(trajectory.bodyIds);
  if (bodies === undefined) {
    const indices = ids.slice(0, DEFAULT_BODY_LIMIT).map((_, i) => i);
    const notes = ids.length > DEFAULT_BODY_LIMIT ? [`first ${DEFAULT_BODY_LIMIT} of ${ids.length} bodies shown; pass bodies: [...] to choose`] : [];
    return { indices, notes };
  }
  const indices = bodies.map((id) => {
    const i = ids.indexOf(id);
    if (i < 0) throw new Error(`plot: body ${id} is not in this trajectory (recorded: ${ids.slice(0, 20).join(", ")}${ids.length > 20 ? ", …" : ""})`);
    return i;
  });
  return { indices, notes: [] };
}

function seriesTraces(source: Series | readonly Series[], options: PlotOptions): { traces: Trace[]; xLabel: string; yLabel: string; notes: string[] } {
  const list = toArray(source as Series | readonly Series[]);
  const traces = list.map((s, i): Trace => {
    if (!s || s.x === undefined || s.y === undefined) throw new Error("plot: a series needs x and y arrays (or pass a Recording or Trajectory)");
    if (s.x.length !== s.y.length) throw new Error(`plot: series ${s.name ?? i} has ${s.x.length} x values but ${s.y.length} y values`);
    return { ...trace(s.name ?? `series ${i + 1}`, s.x, s.y, i), mode: s.mode, dash: s.dash };
  });
  const xs = traces.length > 0 ? traces[0].x : [];
  toArray(options.theory ?? []).forEach((curve, nth) => traces.push(theoryTrace(curve, xs, true, traces.length, nth)));
  return { traces, xLabel: "x", yLabel: "y", notes: [] };
}

/** Theory curves are dashed and dark, distinct from the data's colours and from each other. */
const THEORY_COLOURS = ["#222222", "#7a7a7a", "#8c564b", "#1f4e79", "#6b3fa0"];

function theoryTrace(curve: TheoryCurve, xs: ArrayLike<number>, overTime: boolean, index: number, nth: number): Trace {
  const color = THEORY_COLOURS[nth % THEORY_COLOURS.length];
  if ("x" in curve) return { ...trace(curve.name, curve.x, curve.y, index), dash: true, color };
  if (!overTime) throw new Error(`plot: theory curve '${curve.name}' is a function of time; give x and y arrays when x is not "t"`);
  const y = Float64Array.from(xs, (x) => curve.y(x));
  return { ...trace(curve.name, xs, y, index), dash: true, color };
}

function trace(name: string, x: ArrayLike<number>, y: ArrayLike<number>, index: number): Trace {
  return { name, x, y, color: PALETTE[index % PALETTE.length] };
}

function plotlyFigure(traces: Trace[], layout: { title?: string; xLabel?: string; yLabel?: string; width?: number; height: number }, logY: boolean): object {
  return {
    data: traces.map((t) => {
      const stride = Math.max(1, Math.ceil(t.x.length / MAX_TRACE_POINTS));
      return {
        type: "scatter",
        mode: t.mode ?? "lines",
        name: t.name,
        x: compact(t.x, stride),
        y: compact(t.y, stride),
        line: { color: t.color, dash: t.dash ? "dash" : "solid", width: t.dash ? 2 : 1.8 },
      };
    }),
    layout: {
      title: layout.title ? { text: layout.title } : undefined,
      xaxis: { title: { text: layout.xLabel ?? "" }, zeroline: false },
      yaxis: { title: { text: layout.yLabel ?? "" }, type: logY ? "log" : "linear", zeroline: false },
      height: layout.height,
      width: layout.width,
      margin: { l: 64, r: 24, t: layout.title ? 48 : 24, b: 52 },
      legend: { orientation: "h", y: -0.18 },
      template: { layout: { plot_bgcolor: "#ffffff", paper_bgcolor: "#ffffff" } },
    },
    config: { responsive: true, displaylogo: false },
  };
}

/** Numbers to 7 significant digits (plenty for a plot, a third of the JSON); non-finite → null (a gap). */
function compact(values: ArrayLike<number>, stride: number): (number | null)[] {
  const out: (number | null)[] = [];
  for (let i = 0; i < values.length; i += stride) {
    const v = values[i];
    out.push(Number.isFinite(v) ? Number(v.toPrecision(7)) : null);
  }
  return out;
}

function describePlot(traces: Trace[], layout: { title?: string; xLabel?: string; yLabel?: string }, notes: string[]): string {
  const lines = [`Plot${layout.title ? ` "${layout.title}"` : ""}: ${layout.yLabel ?? "y"} against ${layout.xLabel ?? "x"}`];
  for (const t of traces) lines.push(`  ${t.name}: ${t.x.length} points, y from ${shortNumber(min(t.y))} to ${shortNumber(max(t.y))}`);
  for (const note of notes) lines.push(`  (${note})`);
  return lines.join("\n");
}

function min(values: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] < m) m = values[i];
  return m;
}

function max(values: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > m) m = values[i];
  return m;
}


function toArray<T>(value: T | readonly T[]): readonly T[] {
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}
