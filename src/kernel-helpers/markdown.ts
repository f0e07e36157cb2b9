// A small Markdown subset for report prose written from scripts: headings (#, ##, ###), paragraphs,
// "- " lists, `code`, **bold**, *italic* and [links](url). Everything else is escaped text.
import { escapeHtml } from "./rich-output";

export function markdownToHtml(markdown: string): string {
  const blocks = markdown.replace(/\r\n/g, "\n").trim().split(/\n\s*\n/);
  return blocks.map(block).join("\n");
}

function block(text: string): string {
  const lines = text.split("\n");
  const heading = /^(#{1,3})\s+(.*)$/.exec(lines[0]);
  if (heading) {
    const level = heading[1].length + 1; // the report's title is the h1
    const rest = lines.slice(1).join("\n").trim();
    return `<h${level}>${inline(heading[2])}</h${level}>${rest ? `\n${block(rest)}` : ""}`;
  }
  if (lines.every((l) => /^\s*[-*]\s+/.test(l))) {
    return `<ul>${lines.map((l) => `<li>${inline(l.replace(/^\s*[-*]\s+/, ""))}</li>`).join("")}</ul>`;
  }
  return `<p>${inline(text)}</p>`;
}

function inline(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/\*([^*]+)\*/g, "<em>$1</em>")
    .replace(/\[([^\]]+)\]\((https?:[^)\s]+|[^):\s]+)\)/g, '<a href="$2">$1</a>');
}
