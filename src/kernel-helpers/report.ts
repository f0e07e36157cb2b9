// A self-contained HTML report: prose and outputs in order, each library embedded once (by the
// first output that needs it), openable from disk with no network.
import * as fs from "fs";
import * as path from "path";
import type { Library } from "./libraries";
import { markdownToHtml } from "./markdown";
import { escapeHtml, outputHtml, RichOutput } from "./rich-output";

type Item = { kind: "output"; output: RichOutput } | { kind: "note"; markdown: string };

const STYLE = `
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; max-width: 980px; margin: 24px auto; padding: 0 16px; }
h1 { font-size: 26px; margin: 0 0 12px; } h2 { font-size: 20px; margin-top: 28px; } h3 { font-size: 17px; }
code { background: #f3f3f3; padding: 1px 4px; border-radius: 3px; }
.msd-lab-output { margin: 12px 0 20px; }
.msd-lab-output img { max-width: 100%; }
footer { margin-top: 32px; color: #888; font-size: 12px; }`;

export class Report {
  private readonly items: Item[] = [];

  constructor(public title = "msd-lab report") {}

  /** Adds an output (from plotOutput, showOutput, tableOutput). */
  add(output: RichOutput): this {
    this.items.push({ kind: "output", output });
    return this;
  }

  /** Adds prose: a small Markdown subset (headings, paragraphs, lists, `code`, **bold**, links). */
  note(markdown: string): this {
    this.items.push({ kind: "note", markdown });
    return this;
  }

  get size(): number {
    return this.items.length;
  }

  toHtml(): string {
    const loaded = new Set<Library>();
    const body = this.items.map((item) => {
      if (item.kind === "note") return markdownToHtml(item.markdown);
      const carry = item.output.libraries.filter((lib) => !loaded.has(lib));
      for (const lib of carry) loaded.add(lib);
      return outputHtml(item.output, carry);
    });
    return [
      "<!DOCTYPE html>",
      '<html lang="en"><head><meta charset="utf-8">',
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
      `<title>${escapeHtml(this.title)}</title><style>${STYLE}</style></head><body>`,
      `<h1>${escapeHtml(this.title)}</h1>`,
      ...body,
      `<footer>Written by msd-lab on ${new Date().toISOString()}.</footer>`,
      "</body></html>",
    ].join("\n");
  }

  /** Writes the report (atomically: a reader never sees half a file). Returns the absolute path. */
  save(file: string): string {
    const target = path.resolve(file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, this.toHtml());
    fs.renameSync(temporary, target);
    return target;
  }
}
