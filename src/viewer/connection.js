// Talking to the live server: one WebSocket session per run (docs/live-protocol.md:
// configure → metadata → start → frames → complete | error), or one that watches a simulation
// run elsewhere (a notebook, another page: watch → metadata → frames, more metadata when its scene
// changes → complete | error), the asset list, and a health monitor that notices when the server
// goes away and retries with backoff. Frames come as JSON, or packed binary when the session asks
// for `encoding: "binary"`; binary ones are decoded (frame-decoder.js) into the same objects.

import { FrameDecoder } from "./frame-decoder.js";

/**
 * The page's `?token=…`, if any (needed on the WebSocket URL when the server is not on loopback;
 * plain fetches carry the cookie the server set when it served the page).
 * @param {Location | URL} [loc]
 * @returns {string | null}
 */
export function pageToken(loc = window.location) {
  return new URLSearchParams(loc.search).get("token");
}

/**
 * The page's `?watch=…`: the id of a simulation to watch read-only (`/live?watch=ID`), or null for
 * the normal editor page. Surrounding whitespace is dropped; an empty value counts as absent.
 * @param {Location | URL} [loc]
 * @returns {string | null}
 */
export function pageWatchId(loc = window.location) {
  const id = new URLSearchParams(loc.search).get("watch")?.trim();
  return id ? id : null;
}

/**
 * The first client message of a watch session (`encoding` only when given: the server's default is JSON).
 * @param {string} simulationId
 * @param {"json" | "binary"} [encoding]
 * @returns {{type: "watch", simulation_id: string, encoding?: "json" | "binary"}}
 */
export function watchMessage(simulationId, encoding) {
  return encoding ? { type: "watch", simulation_id: String(simulationId), encoding } : { type: "watch", simulation_id: String(simulationId) };
}

/**
 * What the watch page calls the watched simulation: the banner's text before its state, the page
 * title and the banner's tooltip. `name` is the publication's name from the watch metadata
 * (`serveLive({ name })`, "notebook" by default); absent or blank, the id alone names it.
 * @param {string} simulationId
 * @param {unknown} [name]
 * @returns {{text: string, title: string, tooltip: string}}
 */
export function watchLabels(simulationId, name) {
  const id = String(simulationId);
  const label = typeof name === "string" ? name.trim() : "";
  if (!label) {
    return {
      text: `Watching simulation ${id} (read-only)`,
      title: `msd-lab · watching ${id}`,
      tooltip: `Simulation ${id}, run elsewhere (e.g. a notebook): this page only shows it`,
    };
  }
  return {
    text: `Watching ${label} (simulation ${id}, read-only)`,
    title: `msd-lab · watching ${label}`,
    tooltip: `${label}: simulation ${id}, run elsewhere (e.g. a notebook): this page only shows it`,
  };
}

/**
 * WebSocket URL of the live endpoint on the page's own server (wss on https), with the token.
 * @param {Location | URL} [loc]
 * @returns {string}
 */
export function liveSocketUrl(loc = window.location) {
  const token = pageToken(loc);
  const scheme = loc.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${loc.host}/api/v1/live${token ? `?token=${encodeURIComponent(token)}` : ""}`;
}

/**
 * Retry delay after `failures` consecutive failed health checks: 1, 2, 4, 8, 10, 10, … s.
 * @param {number} failures ≥ 1
 * @returns {number} seconds
 */
export function backoffDelay(failures) {
  return Math.min(10, 2 ** Math.max(0, failures - 1));
}

/**
 * GET a JSON document from the server, with a timeout.
 * @param {string} url
 * @param {number} [timeoutMs]
 */
async function getJson(url, timeoutMs = 4000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, { cache: "no-store", credentials: "same-origin", signal: controller.signal });
    if (!response.ok) {
      let detail = "";
      try {
        detail = (await response.json()).detail ?? "";
      } catch {
        /* not JSON */
      }
      throw new Error(`HTTP ${response.status}${detail ? `: ${detail}` : ""}`);
    }
    return await response.json();
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The asset catalogue, `[{asset_id, name}]`.
 * @returns {Promise<{asset_id: number, name: string}[]>}
 */
export async function fetchAssets() {
  const assets = await getJson("/api/v1/live/assets");
  if (!Array.isArray(assets)) throw new Error("unexpected asset list");
  return assets.filter((a) => a && typeof a.name === "string");
}

/**
 * Watches `/api/v1/health`. While the server answers it checks every `intervalS`; when a check
 * fails it reports `onDown(secondsToRetry)` every second while counting down and retries after
 * 1, 2, 4, … up to 10 s; the first success after a failure reports `onUp()`.
 */
export class ServerMonitor {
  /**
   * @param {{onDown: (secondsToRetry: number, failures: number) => void, onUp: () => void, intervalS?: number, url?: string}} options
   */
  constructor({ onDown, onUp, intervalS = 5, url = "/api/v1/health" }) {
    this.onDown = onDown;
    this.onUp = onUp;
    this.intervalS = intervalS;
    this.url = url;
    this.failures = 0;
    this.timer = 0;
    this.ticker = 0;
    this.checking = false;
    this.disposed = false;
    /** whether the last check succeeded */
    this.up = true;
  }

  start() {
    this.schedule(this.intervalS);
  }

  /** Checks now (e.g. after a WebSocket failure or a "Retry now" click). */
  async checkNow() {
    if (this.checking || this.disposed) return this.up;
    this.checking = true;
    this.clearTimers();
    let ok = false;
    try {
      const health = await getJson(this.url, 3000);
      ok = health?.status === "ok";
    } catch {
      ok = false;
    }
    this.checking = false;
    if (this.disposed) return ok;
    if (ok) {
      const wasDown = !this.up;
      this.failures = 0;
      this.up = true;
      if (wasDown) this.onUp();
      this.schedule(this.intervalS);
    } else {
      this.failures += 1;
      this.up = false;
      const delay = backoffDelay(this.failures);
      this.schedule(delay);
      let left = delay;
      this.onDown(left, this.failures);
      this.ticker = setInterval(() => {
        left -= 1;
        if (left > 0) this.onDown(left, this.failures);
      }, 1000);
    }
    return ok;
  }

  /** @param {number} seconds */
  schedule(seconds) {
    this.clearTimers();
    if (!this.disposed) this.timer = setTimeout(() => this.checkNow(), seconds * 1000);
  }

  clearTimers() {
    clearTimeout(this.timer);
    clearInterval(this.ticker);
  }

  dispose() {
    this.disposed = true;
    this.clearTimers();
  }
}

/**
 * @typedef {object} SessionHandlers
 * @property {() => void} [onOpen] socket open, `configure` sent
 * @property {(metadata: any) => void} [onMetadata] before `start` is sent
 * @property {(data: any) => void} [onFrame] each frame's `data`
 * @property {(result: {total_frames: number, elapsed_s: number, stopped: boolean}) => void} [onComplete]
 * @property {(message: string, info: {fromServer: boolean, neverOpened: boolean}) => void} [onError]
 *   a server `error`, or the connection failed / closed before `complete`
 */

/**
 * One run on `WS /api/v1/live`. Exactly one of onComplete / onError is called, once.
 */
export class LiveSession {
  /**
   * @param {{url: string, objects: object[], timestepMs: number, durationS: number, encoding?: "json" | "binary"}} config
   *   `encoding`: how frames should come (left out: the server's default, JSON)
   * @param {SessionHandlers} handlers
   */
  constructor({ url, objects, timestepMs, durationS, encoding }, handlers) {
    this.url = url;
    this.objects = objects;
    this.timestepMs = timestepMs;
    this.durationS = durationS;
    this.encoding = encoding;
    this.handlers = handlers;
    /** Turns binary frames into frame objects; knows the bodies of the latest metadata. */
    this.decoder = new FrameDecoder();
    this.finished = false;
    this.stopRequested = false;
    this.opened = false;
    this.framesReceived = 0;
    /** @type {WebSocket | null} */
    this.socket = null;
    this.forceCloseTimer = 0;
  }

  /** Opens the socket; `configure` goes out as soon as it is open. */
  open() {
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch (error) {
      queueMicrotask(() => this.fail(`Could not open the connection: ${error instanceof Error ? error.message : String(error)}`, false));
      return;
    }
    this.socket = socket;
    socket.binaryType = "arraybuffer";
    socket.addEventListener("open", () => {
      this.opened = true;
      this.send(this.firstMessage());
      this.handlers.onOpen?.();
    });
    socket.addEventListener("message", (event) => this.onMessage(event));
    socket.addEventListener("close", (event) => this.onClose(event));
  }

  /** The message sent as soon as the socket is open. @returns {object} */
  firstMessage() {
    return this.encoding ? { type: "configure", objects: this.objects, encoding: this.encoding } : { type: "configure", objects: this.objects };
  }

  /** After `metadata`: start the run (or stop it, when Stop was pressed while configuring). */
  afterMetadata() {
    if (this.stopRequested) this.send({ type: "stop" });
    else this.send({ type: "start", timestep_ms: this.timestepMs, duration_s: this.durationS });
  }

  /** Asks the server to stop; it answers `complete`. Closes the socket if it does not within 2 s. */
  stop() {
    if (this.finished || this.stopRequested) return;
    this.stopRequested = true;
    const socket = this.socket;
    if (socket && socket.readyState === WebSocket.OPEN) {
      this.send({ type: "stop" });
      this.forceCloseTimer = setTimeout(() => socket.close(1000, "stop"), 2000);
    } else {
      socket?.close();
      this.finish();
      this.handlers.onComplete?.({ total_frames: this.framesReceived, elapsed_s: 0, stopped: true });
    }
  }

  /** Drops the connection without reporting anything (page teardown). */
  dispose() {
    this.finished = true;
    clearTimeout(this.forceCloseTimer);
    this.socket?.close();
  }

  /** @param {object} message */
  send(message) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  /** @param {MessageEvent} event */
  onMessage(event) {
    if (this.finished) return;
    if (event.data instanceof ArrayBuffer) {
      this.onBinaryFrame(event.data);
      return;
    }
    if (typeof event.data !== "string") return;
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return; // not ours to interpret; the server only sends JSON
    }
    switch (message?.type) {
      case "metadata":
        this.decoder.setMetadata(message);
        this.handlers.onMetadata?.(message);
        this.afterMetadata();
        break;
      case "frame":
        this.framesReceived += 1;
        this.handlers.onFrame?.(message.data);
        break;
      case "complete":
        this.finish();
        this.handlers.onComplete?.({ total_frames: message.total_frames, elapsed_s: message.elapsed_s, stopped: this.stopRequested });
        this.socket?.close(1000);
        break;
      case "error":
        this.finish();
        this.handlers.onError?.(String(message.message ?? "unknown error"), { fromServer: true, neverOpened: false });
        this.socket?.close(1000);
        break;
      default:
        break; // unknown message types are ignored (forward compatible)
    }
  }

  /**
   * A binary frame: decoded into the frame object a JSON frame would have given. Bytes that are not
   * a frame this page can read end the session with an error naming the problem.
   * @param {ArrayBuffer} buffer
   */
  onBinaryFrame(buffer) {
    let data;
    try {
      data = this.decoder.decode(buffer);
    } catch (error) {
      this.fail(`Unreadable frame from the server: ${error instanceof Error ? error.message : String(error)}`, false);
      this.socket?.close(1000);
      return;
    }
    this.framesReceived += 1;
    this.handlers.onFrame?.(data);
  }

  /** @param {CloseEvent} event */
  onClose(event) {
    clearTimeout(this.forceCloseTimer);
    if (this.finished) return;
    if (this.stopRequested) {
      this.finish();
      this.handlers.onComplete?.({ total_frames: this.framesReceived, elapsed_s: 0, stopped: true });
      return;
    }
    if (!this.opened) this.fail("Could not connect to the live server", true);
    else this.fail(`Connection to the server closed unexpectedly (code ${event.code}${event.reason ? `: ${event.reason}` : ""})`, false);
  }

  /** @param {string} message @param {boolean} neverOpened */
  fail(message, neverOpened) {
    if (this.finished) return;
    this.finish();
    this.handlers.onError?.(message, { fromServer: false, neverOpened });
  }

  finish() {
    this.finished = true;
    clearTimeout(this.forceCloseTimer);
  }
}

/**
 * Watches a simulation that runs elsewhere (`/live?watch=ID`), read-only, on `WS /api/v1/live`:
 * `watch {simulation_id}` first; the server answers `metadata` (with `simulation_id`), then a
 * `frame` whenever the simulation advances (frame_id increasing; simulation_time may jump back
 * when a snapshot is restored), another `metadata` whenever the scene changes (onMetadata again),
 * and `complete` when the simulation ends; `error` then close for an unknown id. Nothing else is
 * ever sent. Exactly one of onComplete / onError is called, once; a connection that drops before
 * `complete` is an onError with fromServer false.
 */
export class WatchSession extends LiveSession {
  /**
   * @param {{url: string, simulationId: string, encoding?: "json" | "binary"}} config
   * @param {SessionHandlers} handlers onMetadata may be called more than once
   */
  constructor({ url, simulationId, encoding }, handlers) {
    super({ url, objects: [], timestepMs: 0, durationS: 0, encoding }, handlers);
    this.simulationId = String(simulationId);
  }

  /** @returns {object} */
  firstMessage() {
    return watchMessage(this.simulationId, this.encoding);
  }

  /** Read-only: nothing to send after metadata. */
  afterMetadata() {}

  /** Stops watching (closes the connection; the simulation itself goes on). Reports nothing. */
  stop() {
    this.dispose();
  }
}
