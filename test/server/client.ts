// Test client for the live server (docs/live-protocol.md): real `ws` clients and plain `http`
// requests against a real server. No mocks.

import * as http from "http";
import WebSocket from "ws";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
// Server messages are loosely typed on purpose: the tests check their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = { type: string; [key: string]: any };

export interface ServerLike {
  url: string; // http://127.0.0.1:PORT
}

export const LIVE_PATH = "/api/v1/live";

/** ws://host:port/api/v1/live (plus an optional query string). */
export function liveUrl(server: ServerLike, query = ""): string {
  return server.url.replace(/^http/, "ws").replace(/\/+$/, "") + LIVE_PATH + query;
}

export interface CloseInfo {
  code: number;
  reason: string;
}

export interface ConnectOptions {
  query?: string;
  headers?: Record<string, string>;
  origin?: string;
  /** ws maxPayload for the client side (default ws default, 100 MiB) */
  maxPayload?: number;
}

/**
 * One WebSocket client that records every message it receives (from the moment it is created, so
 * nothing is lost between awaits) and lets a test wait for messages in order.
 */
export class LiveClient {
  readonly ws: WebSocket;
  /** Every parsed message, in arrival order. */
  readonly messages: Msg[] = [];
  /** performance.now() at which each message of `messages` arrived. */
  readonly arrivals: number[] = [];
  /** Raw non-JSON or binary payloads received (should stay empty). */
  readonly garbage: string[] = [];
  readonly closed: Promise<CloseInfo>;
  closeInfo: CloseInfo | undefined;
  /** Errors emitted by the socket (e.g. ECONNRESET); recorded, not thrown. */
  readonly socketErrors: Error[] = [];
  private cursor = 0;
  private waiters: (() => void)[] = [];

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (data, isBinary) => {
      const now = performance.now();
      const text = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as ArrayBuffer).toString("utf8");
      if (isBinary) {
        this.garbage.push(`<binary ${text.length}>`);
      } else {
        try {
          this.messages.push(JSON.parse(text) as Msg);
          this.arrivals.push(now);
        } catch {
          this.garbage.push(text.slice(0, 200));
        }
      }
      this.wake();
    });
    ws.on("error", (err) => {
      this.socketErrors.push(err);
      this.wake();
    });
    this.closed = new Promise<CloseInfo>((resolve) => {
      ws.on("close", (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        this.wake();
      });
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private changed(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer, options: { binary?: boolean } = {}): void {
    this.ws.send(data, { binary: options.binary ?? typeof data !== "string" });
  }

  /** The next not-yet-consumed message; rejects on timeout or if the socket closes first. */
  async next(timeoutMs = 5000): Promise<Msg> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.cursor < this.messages.length) return this.messages[this.cursor++];
      if (this.closeInfo) throw new Error(`socket closed (${this.closeInfo.code} ${this.closeInfo.reason}) while waiting for a message; got ${summarize(this.messages)}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for a message; got ${summarize(this.messages)}`);
      await this.changed(left);
    }
  }

  /** Consumes messages until one of the given type arrives (returns it). An `error` fails unless asked for. */
  async waitFor(type: string, timeoutMs = 5000): Promise<Msg> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const m = await this.next(Math.max(1, deadline - performance.now()));
      if (m.type === type) return m;
      if (m.type === "error" && type !== "error") throw new Error(`server error while waiting for '${type}': ${m.message}`);
    }
  }

  /**
   * Consumes messages until `complete` or `error` has arrived (and, if `untilClose`, the socket has
   * closed), or the socket closed. Returns everything consumed, split by kind.
   */
  async collect(timeoutMs = 10000, untilClose = false): Promise<Collected> {
    const deadline = performance.now() + timeoutMs;
    const consumed: Msg[] = [];
    let end: Msg | undefined;
    for (;;) {
      while (this.cursor < this.messages.length) {
        const m = this.messages[this.cursor++];
        consumed.push(m);
        if (!end && (m.type === "complete" || m.type === "error")) end = m;
      }
      if ((end && !untilClose) || this.closeInfo) break;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms collecting; got ${summarize(consumed)}`);
      await this.changed(left);
    }
    return split(consumed, this.closeInfo);
  }

  /** Waits for the close (code and reason); rejects on timeout. */
  async waitClose(timeoutMs = 5000): Promise<CloseInfo> {
    return withTimeout(this.closed, timeoutMs, "waiting for close");
  }

  close(): void {
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) {
      try {
        this.ws.terminate();
      } catch {
        /* already gone */
      }
    }
  }
}

export interface Collected {
  all: Msg[];
  frames: Msg[];
  complete: Msg | undefined;
  error: Msg | undefined;
  close: CloseInfo | undefined;
}

function split(all: Msg[], close: CloseInfo | undefined): Collected {
  return {
    all,
    frames: all.filter((m) => m.type === "frame"),
    complete: all.find((m) => m.type === "complete"),
    error: all.find((m) => m.type === "error"),
    close,
  };
}

export function summarize(ms: readonly Msg[]): string {
  const counts = new Map<string, number>();
  for (const m of ms) counts.set(m.type, (counts.get(m.type) ?? 0) + 1);
  const err = ms.find((m) => m.type === "error");
  return `[${[...counts].map(([k, v]) => `${k}×${v}`).join(", ")}]${err ? ` error: ${JSON.stringify(err.message)}` : ""}`;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms ${what}`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** Every client opened through `connect`, so afterEach can close them all. */
const openClients = new Set<LiveClient>();

export function closeAllClients(): void {
  for (const c of openClients) c.close();
  openClients.clear();
}

/** Opens a WebSocket to /api/v1/live; resolves once open, rejects if the upgrade fails. */
export function connect(server: ServerLike, options: ConnectOptions = {}): Promise<LiveClient> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    const ws = new WebSocket(liveUrl(server, options.query ?? ""), {
      headers,
      origin: options.origin,
      maxPayload: options.maxPayload,
    });
    const client = new LiveClient(ws);
    openClients.add(client);
    const onUnexpected = (_req: http.ClientRequest, res: http.IncomingMessage) => {
      ws.removeListener("open", onOpen);
      res.resume();
      reject(new UpgradeRejected(res.statusCode ?? 0));
      ws.terminate();
    };
    const onOpen = () => {
      ws.removeListener("unexpected-response", onUnexpected);
      resolve(client);
    };
    ws.once("unexpected-response", onUnexpected);
    ws.once("open", onOpen);
    ws.once("error", (err) => reject(err));
    ws.once("close", () => reject(new Error("closed before open")));
  });
}

export class UpgradeRejected extends Error {
  constructor(readonly status: number) {
    super(`WebSocket upgrade rejected with HTTP ${status}`);
  }
}

/** Tries an upgrade; resolves "open" or the HTTP status of the rejection (or the error text). */
export async function tryUpgrade(server: ServerLike, options: ConnectOptions = {}): Promise<"open" | number | string> {
  try {
    const c = await connect(server, options);
    c.close();
    return "open";
  } catch (e) {
    if (e instanceof UpgradeRejected) return e.status;
    return String(e);
  }
}

// ---------------------------------------------------------------------------------------------
// Scenes and runs

export interface SpawnObject {
  asset_name: string;
  position: number[];
  orientation?: number[];
  object_type: "inertial" | "environment";
  mass?: number;
  restitution?: number;
  friction?: number;
}

/** Tumbling cubes, a ball and a pyramid that land on a plane, slide and collide: contacts and friction in most frames. */
export const TUMBLING_SCENE: SpawnObject[] = [
  { asset_name: "plane", position: [0, 0, 0], object_type: "environment", friction: 0.6 },
  { asset_name: "unit_cube", position: [0, 0, 0.9], orientation: [0.5, 0.3, 0], object_type: "inertial", mass: 2, restitution: 0.1, friction: 0.4 },
  { asset_name: "unit_cube", position: [0.3, 0.1, 2.2], orientation: [0, 0.7, 0.2], object_type: "inertial", mass: 1, restitution: 0.2 },
  { asset_name: "small_sphere", position: [1.2, 0, 0.8], object_type: "inertial", mass: 1, restitution: 0.5 },
  { asset_name: "pyramid", position: [-1.2, 0.4, 1.0], orientation: [0.3, 0.4, 0.1], object_type: "inertial", mass: 3 },
];

/** The seed tests' _CONFIGURE_MSG: inertial cube at z = 5 plus large_cube environment. */
export function seedConfigure(): { type: "configure"; objects: SpawnObject[] } {
  return {
    type: "configure",
    objects: [
      { asset_name: "cube", position: [0, 0, 5], orientation: [0, 0, 0], object_type: "inertial", mass: 10.0, restitution: 0.8, friction: 0.5 },
      { asset_name: "large_cube", position: [0, 0, 0], orientation: [0, 0, 0], object_type: "environment" },
    ],
  };
}

/** Connects, configures, waits for metadata. */
export async function configured(server: ServerLike, objects: SpawnObject[] = seedConfigure().objects, options: ConnectOptions = {}): Promise<{ client: LiveClient; metadata: Msg }> {
  const client = await connect(server, options);
  client.send({ type: "configure", objects });
  const metadata = await client.next(10000);
  if (metadata.type !== "metadata") throw new Error(`expected metadata, got ${JSON.stringify(metadata).slice(0, 300)}`);
  return { client, metadata };
}

/** Full session: configure, start, collect until complete/error; returns metadata and the run. */
export async function runScene(
  server: ServerLike,
  objects: SpawnObject[],
  start: { timestep_ms?: number; duration_s?: number },
  timeoutMs = 15000,
): Promise<{ metadata: Msg } & Collected> {
  const { client, metadata } = await configured(server, objects);
  client.send({ type: "start", ...start });
  const run = await client.collect(timeoutMs);
  client.close();
  return { metadata, ...run };
}

/** The expected frame count: floor(duration_ms / timestep_ms) + 1. */
export function expectedFrames(timestepMs: number, durationS: number): number {
  return Math.floor((durationS * 1000) / timestepMs + 1e-9) + 1;
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json(): unknown;
}

/** A raw http request (path sent verbatim, any Host header allowed). */
export function request(
  server: ServerLike,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpResult> {
  const u = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: Number(u.port), method: options.method ?? "GET", path, headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body),
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.setTimeout(10000, () => req.destroy(new Error(`HTTP ${path} timed out`)));
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export interface Health {
  status: string;
  version: string;
  active_sessions: number;
  uptime_s: number;
}

export async function health(server: ServerLike, headers?: Record<string, string>): Promise<Health> {
  const r = await request(server, "/api/v1/health", { headers });
  if (r.status !== 200) throw new Error(`health: HTTP ${r.status} ${r.body}`);
  return r.json() as Health;
}

/** Polls health until active_sessions === n (returns the last health) or the timeout passes. */
export async function waitForActiveSessions(server: ServerLike, n: number, timeoutMs = 2000): Promise<Health> {
  const deadline = performance.now() + timeoutMs;
  let h = await health(server);
  while (h.active_sessions !== n && performance.now() < deadline) {
    await sleep(25);
    h = await health(server);
  }
  return h;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Vectors in frames

export type XYZ = { x: number; y: number; z: number };
export const v3 = (p: XYZ): [number, number, number] => [p.x, p.y, p.z];

/** The state of body `id` in a frame message. */
export function stateOf(frame: Msg, id: number): Msg {
  const s = (frame.data.states as Msg[]).find((x) => x.body_id === id);
  if (!s) throw new Error(`body ${id} not in frame ${frame.data.frame_id}`);
  return s;
}
