// HTTP routes: REST (assets, health), the replay page (/), the live page (/live), and static files.
import type { IncomingMessage, ServerResponse } from "http";
import * as path from "path";
import type { AssetDatabase } from "../engine";
import { packageRoot } from "../engine/package-root";
import type { RecordingLibrary } from "../recording";
import type { SimulationSummary } from "./simulation-directory";
import { handleReplay } from "./replay-routes";
import { tokenCookie } from "./security";
import { resolveStatic, sendFile, StaticMount } from "./static-files";

export interface RouteContext {
  assets: AssetDatabase;
  version: string;
  startedAt: number;
  activeSessions: () => number;
  /** Published engines and running sessions, for `GET /api/v1/live/simulations`. */
  watchableSimulations: () => SimulationSummary[];
  token: string | undefined;
  /** The recordings the replay routes serve. */
  recordings: RecordingLibrary;
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
  if (handleReplay(req, res, url, context.recordings)) return;
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
      sendJson(res, 200, context.watchableSimulations());
      return;
    case "/favicon.ico":
      res.writeHead(204);
      res.end();
      return;
    case "/":
      sendPage(res, url, context, "replay.html", headOnly);
      return;
    case "/live":
      sendPage(res, url, context, "live.html", headOnly);
      return;
  }
  const file = resolveStatic(mounts, url.pathname);
  if (file) sendFile(res, file, headOnly);
  else sendJson(res, 404, { detail: "Not Found" });
}

/** A page of the viewer (/, /live). Opened with ?token=…: remember it in a cookie so the page's own requests carry it. */
function sendPage(res: ServerResponse, url: URL, context: RouteContext, file: string, headOnly: boolean): void {
  const headers: Record<string, string> = context.token !== undefined && url.searchParams.get("token") === context.token ? { "Set-Cookie": tokenCookie(context.token) } : {};
  sendFile(res, path.join(packageRoot(), "src", "viewer", file), headOnly, headers);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}
