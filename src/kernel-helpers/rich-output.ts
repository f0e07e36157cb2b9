// A rich output: static HTML that is useful on its own (a table, an SVG picture of a plot, a note),
// optionally brought to life by a draw function once its browser libraries are loaded, plus the
// plain-text fallback that every Jupyter frontend can show.
import { randomBytes } from "crypto";
import { Library, provideStatement, runtimeScript } from "./libraries";

export interface RichOutput {
  /** Plain-text fallback (text/plain). */
  readonly text: string;
  /** Static HTML shown until (or instead of, without JavaScript) the interactive version. */
  readonly fallbackHtml: string;
  /** Libraries the draw function needs, in the order it receives them. */
  readonly libraries: readonly Library[];
  /**
   * Browser JavaScript, a function expression `(element, ...libraries, data) => void` that draws
   * the interactive version into `element`. Absent for static outputs (tables).
   */
  readonly draw?: string;
  /** JSON-serialisable data passed to `draw`. */
  readonly data?: unknown;
  /** A static SVG picture of the output, for frontends that show no HTML. */
  readonly image?: string;
}

/** JSON that is safe inside a <script> element (no "</script>", no HTML comment openers). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/**
 * The output as an HTML fragment. `carry` lists the libraries this fragment must carry itself
 * (those not yet loaded by an earlier output of the same page).
 */
export function outputHtml(output: RichOutput, carry: readonly Library[]): string {
  const id = `msd-${randomBytes(6).toString("hex")}`;
  const element = `<div class="msd-lab-output" id="${id}"><div class="msd-fallback">${output.fallbackHtml}</div></div>`;
  if (!output.draw) return element;
  const script = [
    runtimeScript(),
    ...carry.map(provideStatement),
    `__msdLab.render(${JSON.stringify(id)},${JSON.stringify(output.libraries)},${output.draw},${scriptJson(output.data ?? null)});`,
  ].join("\n");
  return `${element}\n<script>\n${script}\n</script>`;
}

/** HTML-escapes text for element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A number to 4 significant digits for summaries ("-" when not finite). */
export function shortNumber(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(4))) : "-";
}
