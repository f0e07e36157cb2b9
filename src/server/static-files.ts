// Serves files below fixed roots (the viewer's ES modules, three.js from node_modules) with the
// right content types, and never anything outside those roots.
import * as fs from "fs";
import type { ServerResponse } from "http";
import * as path from "path";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

export interface StaticMount {
  /** URL prefix, e.g. "/static/" */
  prefix: string;
  /** Directory served under it. */
  root: string;
}

/** Resolves a URL path under a mount to a file inside its root, or undefined (missing or outside). */
export function resolveStatic(mounts: readonly StaticMount[], urlPath: string): string | undefined {
  const mount = mounts.find((m) => urlPath.startsWith(m.prefix));
  if (!mount) return undefined;
  let relative: string;
  try {
    relative = decodeURIComponent(urlPath.slice(mount.prefix.length));
  } catch {
    return undefined;
  }
  if (relative.includes("\0") || relative.split(/[\\/]/).includes("..")) return undefined;
  const root = path.resolve(mount.root);
  const file = path.resolve(root, relative);
  if (!file.startsWith(root + path.sep)) return undefined;
  try {
    const real = fs.realpathSync(file);
    if (!real.startsWith(fs.realpathSync(root) + path.sep) || !fs.statSync(real).isFile()) return undefined;
    return real;
  } catch {
    return undefined;
  }
}

export function sendFile(res: ServerResponse, file: string, headOnly: boolean, extraHeaders: Record<string, string> = {}): void {
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
  const size = fs.statSync(file).size;
  res.writeHead(200, { "Content-Type": type, "Content-Length": size, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", ...extraHeaders });
  if (headOnly) {
    res.end();
    return;
  }
  fs.createReadStream(file).pipe(res);
}
