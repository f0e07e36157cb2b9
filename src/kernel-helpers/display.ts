// Where outputs go: into the running notebook cell (inside a tslab kernel), or, in a plain script,
// into the default report that `saveReport` writes as one HTML file.
import { inKernel, MimeBundle, sendDisplay } from "./jupyter-kernel";
import type { Library } from "./libraries";
import { Report } from "./report";
import { outputHtml, RichOutput } from "./rich-output";

/** Libraries already sent to this kernel's notebook page: later outputs need not carry them. */
const sentToKernel = new Set<Library>();

let defaultReport = new Report();

/** Shows an output in the notebook cell, or adds it to the default report outside a kernel. */
export function display(output: RichOutput): void {
  if (!inKernel()) {
    defaultReport.add(output);
    return;
  }
  sendDisplay(bundleFor(output));
}

/** The Jupyter bundle for an output: HTML (carrying the libraries it is the first to need) and text. */
export function bundleFor(output: RichOutput): MimeBundle {
  const carry = output.libraries.filter((lib) => !sentToKernel.has(lib));
  const html = outputHtml(output, carry);
  for (const lib of carry) sentToKernel.add(lib);
  return { "text/html": html, "text/plain": output.text };
}

/**
 * Makes the next outputs carry their libraries again (e.g. after clearing the cell that carried
 * them, so that the saved notebook is complete again).
 */
export function reloadLibraries(): void {
  sentToKernel.clear();
}

/**
 * Writes what plot/show/table/note produced so far in this script (outside a notebook) to one
 * self-contained HTML file, and starts a new report. Returns the absolute path.
 */
export function saveReport(file: string, title?: string): string {
  const report = defaultReport;
  defaultReport = new Report();
  if (title !== undefined) report.title = title;
  return report.save(file);
}
