// table(): rows as an HTML table and as aligned plain text. Understands an engine (its bodies now),
// a frame from getFrameState(), contacts from getContacts(), a recording's frame, or any array of
// plain objects (nested {x, y, z} and {w, x, y, z} values print as tuples).
import { Engine } from "../engine";
import type { Contact, FrameState } from "../engine/types";
import { isRecording, Recording } from "./recording";
import { escapeHtml, RichOutput } from "./rich-output";

export interface TableOptions {
  /** Columns to show, in order (default: every key of the first rows). */
  columns?: readonly string[];
  /** Significant digits of numbers. Default 4. */
  digits?: number;
  /** Rows shown at most; the rest is summarised. Default 50. */
  maxRows?: number;
  /** For a Recording: the frame to tabulate (default: the last). */
  frame?: number;
  title?: string;
}

export type Row = Readonly<Record<string, unknown>>;
export type Tabulable = Engine | FrameState | readonly Contact[] | Recording | readonly Row[];

/** Builds a table without showing it (for reports). */
export function tableOutput(source: Tabulable, options: TableOptions = {}): RichOutput {
  const rows = toRows(source, options);
  const columns = options.columns ?? columnsOf(rows);
  const digits = options.digits ?? 4;
  const shown = rows.slice(0, options.maxRows ?? 50);
  const cells = shown.map((row) => columns.map((c) => formatValue(row[c], digits)));
  const more = rows.length > shown.length ? `… ${rows.length - shown.length} more rows (${rows.length} in all)` : "";
  return { text: textTable(columns, cells, more, options.title), fallbackHtml: htmlTable(columns, cells, more, options.title), libraries: [] };
}

function toRows(source: Tabulable, options: TableOptions): readonly Row[] {
  if (source instanceof Engine) return frameRows(source.getFrameState());
  if (isRecording(source)) return recordingRows(source, options.frame);
  if (isFrameState(source)) return frameRows(source);
  if (!Array.isArray(source)) throw new Error("table: expected an Engine, a frame (getFrameState()), contacts (getContacts()), a Recording or an array of objects");
  if (source.length > 0 && isContact(source[0])) return (source as readonly Contact[]).map(contactRow);
  return source as readonly Row[];
}

function isFrameState(value: unknown): value is FrameState {
  return typeof value === "object" && value !== null && Array.isArray((value as FrameState).states) && "simulation_time" in value;
}

function isContact(value: unknown): value is Contact {
  return typeof value === "object" && value !== null && "bodyA" in value && "points" in value;
}

function frameRows(frame: FrameState): Row[] {
  return frame.states.map((s) => ({
    body: s.body_id,
    asset: s.asset_id,
    environment: s.is_environment,
    position: s.position,
    velocity: s.velocity,
    orientation: s.orientation,
    angular_velocity: s.angular_velocity,
  }));
}

function contactRow(c: Contact): Row {
  return {
    bodyA: c.bodyA,
    bodyB: c.bodyB,
    normal: c.normal,
    points: c.points.length,
    maxDepth: Math.max(...c.points.map((p) => p.depth)),
    impulse: c.points.reduce((sum, p) => sum + p.normalImpulse, 0),
  };
}

function recordingRows(recording: Recording, frame: number | undefined): Row[] {
  const t = recording.trajectory;
  const f = frame ?? t.frames - 1;
  if (!Number.isInteger(f) || f < 0 || f >= t.frames) throw new Error(`table: frame must be an integer in [0, ${t.frames - 1}] (got ${f})`);
  const n = t.bodyIds.length;
  return Array.from(t.bodyIds, (id, b) => {
    const p = (f * n + b) * 3;
    const q = (f * n + b) * 4;
    return {
      body: id,
      t: t.time[f],
      position: [t.position[p], t.position[p + 1], t.position[p + 2]],
      velocity: [t.velocity[p], t.velocity[p + 1], t.velocity[p + 2]],
      orientation: [t.orientation[q], t.orientation[q + 1], t.orientation[q + 2], t.orientation[q + 3]],
    };
  });
}

function columnsOf(rows: readonly Row[]): string[] {
  const seen = new Set<string>();
  for (const row of rows.slice(0, 20)) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

export function formatValue(value: unknown, digits: number): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") return formatNumber(value, digits);
  if (typeof value === "boolean" || typeof value === "string" || typeof value === "bigint") return String(value);
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return `(${Array.from(value as ArrayLike<unknown>, (v) => formatValue(v, digits)).join(", ")})`;
  if (typeof value === "object") {
    const o = value as Record<string, unknown>;
    if ("w" in o && "x" in o) return formatValue([o.w, o.x, o.y, o.z], digits);
    if ("x" in o && "y" in o && "z" in o) return formatValue([o.x, o.y, o.z], digits);
    return JSON.stringify(value);
  }
  return String(value);
}

function formatNumber(v: number, digits: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  if (v !== 0 && (Math.abs(v) < 1e-4 || Math.abs(v) >= 1e6)) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}

function htmlTable(columns: readonly string[], cells: string[][], more: string, title: string | undefined): string {
  const th = "padding:3px 10px;border-bottom:2px solid #ccc;text-align:right;font-weight:600";
  const td = "padding:2px 10px;border-bottom:1px solid #eee;text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap";
  const head = columns.map((c) => `<th style="${th}">${escapeHtml(c)}</th>`).join("");
  const body = cells.map((row) => `<tr>${row.map((v) => `<td style="${td}">${escapeHtml(v)}</td>`).join("")}</tr>`).join("");
  const caption = title ? `<caption style="text-align:left;font-weight:600;padding:4px 0">${escapeHtml(title)}</caption>` : "";
  const footer = more ? `<div style="color:#777;font-size:12px;margin-top:4px">${escapeHtml(more)}</div>` : "";
  return `<table style="border-collapse:collapse;font:13px system-ui,sans-serif">${caption}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${footer}`;
}

function textTable(columns: readonly string[], cells: string[][], more: string, title: string | undefined): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (values: readonly string[]) => values.map((v, i) => v.padStart(widths[i])).join("  ");
  const out = [line(columns), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)];
  if (title) out.unshift(title);
  if (more) out.push(more);
  return out.join("\n");
}
