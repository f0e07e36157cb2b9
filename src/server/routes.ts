// HTTP routes: REST (assets, health), the live page, and static files.
import type { IncomingMessage, ServerResponse } from "http";
import * as path from "path";
import type { AssetDatabase } from "../engine";
import { packageRoot } from "../engine/package-root";
import type { PublishedSummary } from "./published-simulations";
import { tokenCookie } from "./security";
import { resolveStatic, sendFile, StaticMount } from "./static-files";

export interface RouteContext {
  assets: AssetDatabase;
  version: string;
  startedAt: number;
  activeSessions: () => number;
  publishedSimulations: () => PublishedSummary[];
  token: string | undefined;
}

export function staticMounts(): StaticMount[] {
  const root = packageRoot();
  return [
    { prefix: "/static/", root: path.join(root, "src", "viewer") },
    { prefix: "/vendor/three/", root: path.join(root, "node_modules", "three") },
    { prefix: "/vendor/plotly/", root: path.join(root, "node_modules", "plotly.js-dist-min") },
  ];
}

export function handleHttp(req: IncomingMessage, res: ServerResponse, url: URL, context: RouteContext, mounts: readonly StaticMount[]): void {
  const method = req.method ?? "GET";
  if (method !== "GET" && method !== "HEAD") {
    sendJson(res, 405, { detail: `Method ${method} not allowed` }, { Allow: "GET, HEAD" });
    return;
  }
  const headOnly = method === "HEAD";
  switch (url.pathname) {
    case "/api/v1/health":
      sendJson(res, 200, {
        status: "ok",
        version: context.version,
        active_sessions: context.activeSessions(),
        uptime_s: Math.round((Date.now() - context.startedAt) / 100) / 10,
      });
      return;
    case "/api/v1/live/assets":
      sendJson(res, 200, context.assets.list().map((a) => ({ asset_id: a.assetId, name: a.name })));
      return;
    case "/api/v1/live/simulations":
      sendJson(res, 200, context.publishedSimulations());
      return;
    case "/favicon.ico":
      res.writeHead(204);
      res.end();
      return;
    case "/":
      res.writeHead(302, { Location: "/live" + url.search });
      res.end();
      return;
    case "/live": {
      // Opened with ?token=…: remember it in a cookie so the page's own requests carry it.
      const headers: Record<string, string> = context.token !== undefined && url.searchParams.get("token") === context.token ? { "Set-Cookie": tokenCookie(context.token) } : {};
      sendFile(res, path.join(packageRoot(), "src", "viewer", "live.html"), headOnly, headers);
      return;
    }
  }
  const file = resolveStatic(mounts, url.pathname);
  if (file) sendFile(res, file, headOnly);
  else sendJson(res, 404, { detail: "Not Found" });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}
