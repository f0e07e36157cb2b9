// The live server: node:http for REST and static files, `ws` for /api/v1/live. Access checks run
// before anything else (Host, token, and Origin on upgrades); each WebSocket gets a LiveSession and
// is pinged by the heartbeat. Simulations that can be watched (published engines and sessions) are
// listed in one SimulationDirectory.
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import type { Duplex } from "stream";
import { WebSocketServer } from "ws";
import { AssetDatabase, Engine } from "../engine";
import { packageVersion } from "../engine/package-root";
import { RecordingLibrary } from "../recording";
import { Heartbeat } from "./heartbeat";
import { CloseCode, LiveSession } from "./live-session";
import { DEFAULT_HOST, DEFAULT_PORT, defaultRecordingsDir, resolveLimits, ServerOptions } from "./options";
import { handleHttp, sendJson, staticMounts } from "./routes";
import { PublishedSimulations, type PublishOptions } from "./published-simulations";
import { SimulationDirectory } from "./simulation-directory";
import { SimulationPool } from "./simulation-pool";
import { AccessPolicy, checkOrigin, checkRequest, generateToken, isLoopbackAddress } from "./security";

export interface LiveServer {
  /** Base URL, e.g. http://127.0.0.1:8000 */
  url: string;
  port: number;
  host: string;
  /** The access token in force (generated for non-loopback binding when not given). */
  token: string | undefined;
  activeSessions(): number;
  /**
   * Publishes an engine that its owner steps (a notebook's, a script's): browsers watch it with
   * `{"type": "watch", "simulation_id": id}` or at `/live?watch=id`. Returns the id. `options`
   * (or just its name, default "notebook"): `{ name, id }`; giving the id it had before (say,
   * after a server restart) lets the viewers that watched it resume.
   */
  publish(engine: Engine, options?: string | PublishOptions): string;
  /** Ends a publication; its watchers get `complete`. */
  unpublish(simulationId: string): void;
  /** Where recordings are written and replayed from (absolute). */
  recordingsDir: string;
  /** Whether every live session is recorded (`--record`). */
  recordsEverySession: boolean;
  /**
   * Ends every session (finishing their recordings) and drops every connection (watchers of
   * published engines get no `complete`: their pages reconnect), closes the listener, the
   * recordings and the assets database.
   */
  close(): Promise<void>;
}

export const LIVE_PATH = "/api/v1/live";

export async function startServer(options: ServerOptions = {}): Promise<LiveServer> {
  const limits = resolveLimits(options.limits);
  const host = options.host ?? DEFAULT_HOST;
  const loopback = isLoopbackAddress(host);
  // An empty token protects nothing: treat it as not given.
  const given = options.token === undefined || options.token === "" ? undefined : options.token;
  const token = given ?? (loopback ? undefined : generateToken());
  const policy: AccessPolicy = { loopback, token, allowedOrigins: new Set(options.allowedOrigins ?? []) };
  const log = options.log ?? ((line: string) => console.log(line));
  const assets = options.assetsDb === undefined ? AssetDatabase.openDefault() : AssetDatabase.open(options.assetsDb);
  const pool = new SimulationPool(assets.path, log, undefined, options.unref);
  const directory = new SimulationDirectory();
  const publications = new PublishedSimulations(directory, log, options.unref);
  const heartbeat = new Heartbeat(limits.heartbeatIntervalS, log, options.unref);
  const sessions = new Set<LiveSession>();
  /** Sessions whose run (and recording) is not over yet: close() waits for them. */
  const running = new Set<LiveSession>();
  const mounts = staticMounts();
  const recordingsDir = path.resolve(options.recordingsDir ?? defaultRecordingsDir());
  const recordAll = options.record ?? false;
  const recordings = new RecordingLibrary(recordingsDir);
  const routeContext = {
    assets,
    version: packageVersion(),
    startedAt: Date.now(),
    activeSessions: () => sessions.size,
    watchableSimulations: () => directory.list(),
    token,
    recordings,
  };

  // A hard cap well above the configured limit: up to it, LiveSession answers an oversized message
  // with an `error` naming its size; beyond it, ws closes the connection with 1009 itself.
  const wss = new WebSocketServer({ noServer: true, maxPayload: Math.max(limits.maxPayloadBytes * 4, 1 << 20) });
  const server = http.createServer((req, res) => {
    const url = requestUrl(req);
    const refusal = checkRequest(req, url, policy);
    if (refusal) {
      sendJson(res, refusal.status, { detail: refusal.message });
      return;
    }
    try {
      handleHttp(req, res, url, routeContext, mounts);
    } catch (error) {
      log(`http error on ${url.pathname}: ${(error as Error).message}`);
      if (!res.headersSent) sendJson(res, 500, { detail: "internal error" });
      else res.destroy();
    }
  });

  server.on("upgrade", (req, socket, head) => {
    const url = requestUrl(req);
    const refusal = url.pathname !== LIVE_PATH ? { status: 404, message: "Not Found" } : checkRequest(req, url, policy) ?? checkOrigin(req, policy);
    if (refusal) {
      refuseUpgrade(socket, refusal.status, refusal.message);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      heartbeat.track(ws);
      const session = new LiveSession(ws, { pool, directory, limits, log, unref: options.unref, recordings: { directory: recordingsDir, recordAll } });
      if (sessions.size >= limits.maxSessions) {
        session.reject(`too many sessions: the server allows ${limits.maxSessions} at once, try again later`, CloseCode.tryAgainLater);
        return;
      }
      sessions.add(session);
      running.add(session);
      void session.whenClosed().then(() => sessions.delete(session));
      void session.whenDone().then(() => running.delete(session));
    });
  });

  if (options.unref) {
    server.on("connection", (socket) => socket.unref());
    server.unref();
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    host,
    token,
    activeSessions: () => sessions.size,
    publish: (engine, publishOptions) => publications.publish(engine, typeof publishOptions === "string" ? { name: publishOptions } : publishOptions),
    unpublish: (id) => publications.unpublish(id),
    recordingsDir,
    recordsEverySession: recordAll,
    close: async () => {
      heartbeat.stop();
      publications.close();
      for (const client of wss.clients) client.terminate();
      await Promise.all([...running].map((s) => s.whenDone()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await pool.close();
      recordings.close();
      assets.close();
    },
  };
}

function requestUrl(req: http.IncomingMessage): URL {
  try {
    return new URL(req.url ?? "/", "http://localhost");
  } catch {
    return new URL("http://localhost/");
  }
}

function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ detail: message });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ""}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
