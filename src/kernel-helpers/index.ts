// Notebook and script helpers: plot, show, table, note, record, serveLive. In a tslab notebook each
// output appears in the cell; in a plain script outputs collect into a report that saveReport()
// writes as one self-contained HTML file.
import { display } from "./display";
import { Plottable, PlotOptions, plotOutput } from "./figure";
import { markdownToHtml } from "./markdown";
import { Showable, ShowOptions, showOutput } from "./player";
import { inKernel } from "./jupyter-kernel";
import { installReadableErrors } from "./readable-errors";
import { TableOptions, Tabulable, tableOutput } from "./table";

if (inKernel()) installReadableErrors();

/** Plots a recording, a trajectory or plain series (see PlotOptions). */
export function plot(source: Plottable, options?: PlotOptions): void {
  display(plotOutput(source, options));
}

/** Shows a recording as a 3D player, or an engine as it is now. */
export function show(source: Showable, options?: ShowOptions): void {
  display(showOutput(source, options));
}

/** Shows rows as a table (engine bodies, a frame, contacts, a recording's frame, plain objects). */
export function table(source: Tabulable, options?: TableOptions): void {
  display(tableOutput(source, options));
}

/** Prose for reports (a small Markdown subset); in a notebook, use Markdown cells instead. */
export function note(markdown: string): void {
  display({ text: markdown, fallbackHtml: markdownToHtml(markdown), libraries: [] });
}

export { display, reloadLibraries, saveReport } from "./display";
export { plotOutput } from "./figure";
export type { Plottable, PlotOptions, Series, TheoryCurve } from "./figure";
export { showOutput } from "./player";
export type { Showable, ShowOptions } from "./player";
export { tableOutput } from "./table";
export type { Row, TableOptions, Tabulable } from "./table";
export { Report } from "./report";
export type { RichOutput } from "./rich-output";
export { record, recordingOf, sceneOf } from "./recording";
export type { FixedBody, RecordedScene, Recording, RecordOptions } from "./recording";
export { serveLive, stopLive } from "./live";
export type { LiveHandle, ServeLiveOptions } from "./live";
export { runLive } from "./run-live";
export type { RunLiveOptions } from "./run-live";
export { inKernel } from "./jupyter-kernel";
export type { BodyField, PlotField, SystemField } from "./trajectory-fields";
