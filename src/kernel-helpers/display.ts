// Where outputs go: into the running notebook cell (inside a tslab kernel), or, in a plain script,
// into the default report that `saveReport` writes as one HTML file.
import { executingCell, executionToken, inKernel, MimeBundle, sendDisplay } from "./jupyter-kernel";
import type { Library } from "./libraries";
import { Report } from "./report";
import { outputHtml, RichOutput } from "./rich-output";

/**
 * Libraries already sent to this kernel's notebook, and the output that carried each: the cell (if
 * the frontend names cells) and the execution. Later outputs need not carry them again, unless
 * that cell is running again or was deleted: its old outputs, library included, are gone then.
 */
const carriers = new Map<Library, { cellId: string | undefined; execution: unknown }>();

function mustCarry(library: Library): boolean {
  const carrier = carriers.get(library);
  if (!carrier) return true;
  if (carrier.execution === executionToken()) return false;
  const cell = executingCell();
  return carrier.cellId !== undefined && (carrier.cellId === cell.cellId || cell.deletedCells.includes(carrier.cellId));
}

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
  const carry = output.libraries.filter(mustCarry);
  const html = outputHtml(output, carry);
  for (const lib of carry) carriers.set(lib, { cellId: executingCell().cellId, execution: executionToken() });
  const bundle: MimeBundle = { "text/html": html, "text/plain": output.text };
  // A static picture for frontends and converters that drop HTML (PDF, Markdown).
  if (output.image) bundle["image/svg+xml"] = output.image;
  return bundle;
}

/**
 * Makes the next outputs carry their libraries again (e.g. after clearing the cell that carried
 * them, so that the saved notebook is complete again).
 */
export function reloadLibraries(): void {
  carriers.clear();
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
