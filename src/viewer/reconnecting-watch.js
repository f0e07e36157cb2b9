// Watching a simulation across dropped connections (`/live?watch=ID`): when the connection drops
// (the server restarted, the network blinked, the heartbeat dropped us) it reconnects with backoff
// — 0.5 s doubling to 5 s, each delay shortened by up to 20 % at random so that many pages do not
// come back in step — and watches the same simulation id again. Right after a drop the id may not
// be known yet (its owner re-publishes it once the server is back): "unknown simulation_id" is
// retried for a grace period after the drop; on a first connection it is final.

import { WatchSession } from "./connection.js";

export const RECONNECT = Object.freeze({ firstDelayS: 0.5, maxDelayS: 5, jitter: 0.2, unknownIdGraceS: 30 });

/**
 * Delay before reconnect attempt `attempt` (1, 2, …): 0.5, 1, 2, 4, 5, 5, … s, less up to 20 %.
 * @param {number} attempt ≥ 1
 * @param {() => number} [random] in [0, 1)
 * @returns {number} seconds
 */
export function reconnectDelay(attempt, random = Math.random) {
  const base = Math.min(RECONNECT.maxDelayS, RECONNECT.firstDelayS * 2 ** Math.max(0, attempt - 1));
  return base * (1 - RECONNECT.jitter * random());
}

/**
 * @typedef {object} WatchHandlers
 * @property {() => void} [onOpen] a connection opened, `watch` sent
 * @property {(metadata: any) => void} [onMetadata] the scene: at first, when it changes, and after each reconnect
 * @property {(data: any) => void} [onFrame]
 * @property {(result: {total_frames: number, elapsed_s: number, stopped: boolean}) => void} [onComplete] the simulation ended
 * @property {(message: string, info: {fromServer: boolean, neverOpened: boolean}) => void} [onError] final: no more tries
 * @property {(info: {attempt: number, delayS: number, reason: string}) => void} [onReconnecting] dropped; next try in delayS
 * @property {() => void} [onReconnected] watching again (its metadata follows)
 */

/** A WatchSession that comes back after a drop. Exactly one of onComplete / onError ends it. */
export class ReconnectingWatch {
  /**
   * @param {{url: string, simulationId: string, encoding?: "json" | "binary", random?: () => number, now?: () => number}} config
   * @param {WatchHandlers} handlers
   */
  constructor({ url, simulationId, encoding, random = Math.random, now = () => performance.now() }, handlers) {
    this.config = { url, simulationId, encoding };
    this.handlers = handlers;
    this.random = random;
    this.now = now;
    /** failed tries since the last time the simulation was watched */
    this.attempt = 0;
    /** when the connection dropped (now() ms), null while watching */
    this.droppedAt = /** @type {number | null} */ (null);
    /** @type {WatchSession | null} */
    this.session = null;
    this.timer = 0;
    this.done = false;
  }

  /** Whether a reconnect is pending. */
  get reconnecting() {
    return this.droppedAt !== null && !this.done;
  }

  open() {
    this.connect();
  }

  /** While waiting to reconnect: try now. */
  retryNow() {
    if (!this.reconnecting || this.session) return;
    clearTimeout(this.timer);
    this.connect();
  }

  /** Stops watching, quietly (page teardown). */
  dispose() {
    this.done = true;
    clearTimeout(this.timer);
    this.session?.dispose();
    this.session = null;
  }

  /** Read-only: stopping is just leaving. */
  stop() {
    this.dispose();
  }

  connect() {
    if (this.done) return;
    const session = new WatchSession(this.config, {
      onOpen: () => this.handlers.onOpen?.(),
      onMetadata: (metadata) => {
        if (this.droppedAt !== null) {
          this.droppedAt = null;
          this.handlers.onReconnected?.();
        }
        this.attempt = 0;
        this.handlers.onMetadata?.(metadata);
      },
      onFrame: (data) => this.handlers.onFrame?.(data),
      onComplete: (result) => {
        this.session = null;
        this.done = true;
        this.handlers.onComplete?.(result);
      },
      onError: (message, info) => {
        this.session = null;
        if (this.shouldRetry(message, info.fromServer)) this.scheduleRetry(message);
        else {
          this.done = true;
          this.handlers.onError?.(message, info);
        }
      },
    });
    this.session = session;
    session.open();
  }

  /**
   * A dropped or refused connection is retried; of the server's errors only an unknown id, and
   * only within the grace period after a drop (its owner may not have re-published it yet).
   * @param {string} message @param {boolean} fromServer
   */
  shouldRetry(message, fromServer) {
    if (!fromServer) return true;
    if (this.droppedAt === null || !/^unknown simulation_id/.test(message)) return false;
    return this.now() - this.droppedAt < RECONNECT.unknownIdGraceS * 1000;
  }

  /** @param {string} reason */
  scheduleRetry(reason) {
    if (this.done) return;
    this.droppedAt ??= this.now();
    this.attempt += 1;
    const delayS = reconnectDelay(this.attempt, this.random);
    this.handlers.onReconnecting?.({ attempt: this.attempt, delayS, reason });
    this.timer = setTimeout(() => this.connect(), delayS * 1000);
  }
}
