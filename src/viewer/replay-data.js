// Data of the replay page: the REST calls of docs/replay-api.md and the frame cache.
//
// Frames come from `/frames/range` in requests sized from the bytes actually received: each
// response's bytes per frame set how many frames the next one asks for (about CHUNK_TARGET_BYTES of
// JSON). The server may answer a range with fewer frames than asked for (it stops at a byte budget,
// always sending at least the first): what did not come is simply still missing, and the next
// request starts at the first missing frame (the last one returned + 1), never at one loaded or on
// its way. The cache counts the memory of the parsed frames it keeps (estimated from the response
// length) against a budget: the look-ahead is capped so that it fits, and over budget the frames
// farthest from the playhead go first (the playhead's frame and the next few always stay). A store
// belongs to one recording: dispose() aborts its requests and every later response is dropped, so
// nothing of a previous recording can reach the view.

import { lastIndexAtOrBefore } from "./replay-playback.js";

const API = "/api/v1/simulations";
/** Largest `count` the range route accepts. */
export const MAX_RANGE_COUNT = 1000;
/** Aim for responses of about this much JSON. */
export const CHUNK_TARGET_BYTES = 1_500_000;
/**
 * JSON bytes per frame assumed before the first response: a frame's own fields, and per body its
 * state plus, in contact, its collision and the friction rows of its contact points (measured:
 * ~2.6 KB for a box resting on four points).
 */
const FIRST_BYTES_PER_FRAME = 300;
const FIRST_BYTES_PER_BODY = 2_600;
/**
 * Parsed frames take about this many bytes of memory per byte of their JSON: measured 1.0–1.2 in
 * Chromium (pointer compression), 1.7 in V8 without it (Node); a margin over the former.
 */
export const MEMORY_PER_JSON_BYTE = 1.5;
/** The cache's budget: estimated memory of the parsed frames kept, bytes. */
export const CACHE_BUDGET_BYTES = 40_000_000;
/** The look-ahead may fill at most this share of the budget (the rest: frames just played, slack). */
const LOOKAHEAD_BUDGET_SHARE = 0.75;
/** Prefetch this far ahead of the playhead, in wall seconds of playback at the current speed. */
const LOOKAHEAD_WALL_S = 3;
/** The playhead's frame and this many after it are never evicted. */
export const KEEP_AHEAD_FRAMES = 3;
const MAX_IN_FLIGHT = 2;
/** A request may ask for at most this many times the frames of the previous one (bytes per frame can jump). */
const MAX_GROWTH = 2;
/** A range whose request failed is asked for again after this long, ms (not at every tick). */
const RETRY_AFTER_MS = 2000;

/** An HTTP failure, with the server's `detail` when it sent one. */
export class RequestError extends Error {
  /** @param {string} message @param {number} status 0 for a network failure */
  constructor(message, status) {
    super(message);
    this.name = "RequestError";
    this.status = status;
  }
}

/**
 * GET a JSON document of this origin.
 * @param {string} path
 * @param {AbortSignal} [signal]
 * @returns {Promise<{body: any, bytes: number}>}
 */
async function getJson(path, signal) {
  let response;
  try {
    response = await fetch(path, { signal, headers: { Accept: "application/json" } });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new RequestError(`cannot reach the server (${error instanceof Error ? error.message : String(error)})`, 0);
  }
  const text = await response.text();
  if (!response.ok) throw new RequestError(`${response.status} ${detailOf(text) ?? response.statusText} (${path})`, response.status);
  try {
    return { body: JSON.parse(text), bytes: text.length };
  } catch {
    throw new RequestError(`the server sent something that is not JSON (${path})`, response.status);
  }
}

/** @param {string} text @returns {string | undefined} */
function detailOf(text) {
  try {
    const detail = JSON.parse(text)?.detail;
    return typeof detail === "string" ? detail : undefined;
  } catch {
    return undefined;
  }
}

const enc = encodeURIComponent;

/** The recordings, newest first. @param {AbortSignal} [signal] */
export async function listRecordings(signal) {
  const { body } = await getJson(API, signal);
  if (!Array.isArray(body)) throw new RequestError("the recordings list is not a list", 200);
  return body;
}

/**
 * What a recording needs before its first frame: metadata, its assets' triangle lists, and every
 * frame's id and time (the timeline).
 * @param {string} id
 * @param {AbortSignal} [signal]
 */
export async function loadRecording(id, signal) {
  const base = `${API}/${enc(id)}`;
  const [{ body: metadata }, { body: index }] = await Promise.all([getJson(`${base}/metadata`, signal), getJson(`${base}/frames`, signal)]);
  const assetIds = [...new Set(metadata.bodies.map((/** @type {any} */ b) => b.asset_id))];
  const query = assetIds.map((a) => `asset_ids=${enc(String(a))}`).join("&");
  const { body: assets } = await getJson(`${base}/assets${query ? `?${query}` : ""}`, signal);
  const ids = Float64Array.from(index, (/** @type {any} */ f) => f.frame_id);
  const times = Float64Array.from(index, (/** @type {any} */ f) => f.simulation_time);
  return { metadata, assets, ids, times };
}

/** System energy per frame. @param {string} id @param {AbortSignal} [signal] */
export async function loadEnergy(id, signal) {
  return (await getJson(`${API}/${enc(id)}/energy`, signal)).body;
}

/** One body's velocity per frame. @param {string} id @param {number} bodyId @param {AbortSignal} [signal] */
export async function loadVelocity(id, bodyId, signal) {
  return (await getJson(`${API}/${enc(id)}/velocity/${enc(String(bodyId))}`, signal)).body;
}

/** Frames per request for responses of `jsonPerFrame` bytes per frame. @param {number} jsonPerFrame */
function framesFor(jsonPerFrame) {
  return Math.max(1, Math.min(MAX_RANGE_COUNT, Math.floor(CHUNK_TARGET_BYTES / Math.max(1, jsonPerFrame))));
}

/**
 * A range request on its way: the indices it asked for (inclusive).
 * @typedef {{from: number, to: number, controller: AbortController}} RangeRequest
 */

/**
 * The part of a recording playback needs next, as index ranges `[first, last, limit]` in playing
 * order: from the playhead on, then (looping) from frame 0. `limit` is how far the range could
 * grow when the playhead moves on (the recording's end; when wrapped, the frame before the playhead).
 * @typedef {[number, number, number][]} Window
 */

/**
 * The frames of one recording, by index (0 … frames − 1, in frame order).
 */
export class FrameStore {
  /** @type {any[]} the frame at each index, undefined while not loaded */
  #frames;
  /** @type {Float64Array} estimated memory of each loaded frame, bytes */
  #sizes;
  #bytes = 0;
  #loaded = 0;
  /** @type {Set<RangeRequest>} */
  #inFlight = new Set();
  /** @type {Map<number, number>} index a failed request started at → performance.now() of the failure */
  #failedAt = new Map();
  #retryTimer = 0;
  /** JSON bytes per frame: an estimate from the body count until the first response, then measured */
  #jsonPerFrame;
  #measured = false;
  /** frames the next request may ask for */
  #chunkFrames;
  /** the playhead and window of the last want(), for evictions when a response lands */
  #playhead = 0;
  /** @type {Window} */ #window = [];
  /** @type {number[]} frames that must stay: the playhead's and the next few */
  #keep = [];
  #disposed = false;
  #stats = { requests: 0, shortResponses: 0, framesReceived: 0, evicted: 0, peakBytes: 0 };

  /**
   * @param {string} recordingId
   * @param {Float64Array} ids frame_id of every frame, in order
   * @param {number} bodies bodies in the recording (sizes the first request)
   * @param {{onChange?: () => void, onError?: (error: Error) => void, budgetBytes?: number}} [hooks]
   *   onChange: frames arrived, or a failed request may be retried now (call want() again)
   */
  constructor(recordingId, ids, bodies, hooks = {}) {
    this.recordingId = recordingId;
    this.ids = ids;
    this.hooks = hooks;
    this.budgetBytes = hooks.budgetBytes ?? CACHE_BUDGET_BYTES;
    this.#frames = new Array(ids.length);
    this.#sizes = new Float64Array(ids.length);
    this.#jsonPerFrame = FIRST_BYTES_PER_FRAME + FIRST_BYTES_PER_BODY * Math.max(1, bodies);
    this.#chunkFrames = framesFor(this.#jsonPerFrame); // the first request: no measurement yet
    /** @type {Map<number, number>} frame_id → index */
    this.indexOfId = new Map(Array.from(ids, (id, i) => [id, i]));
  }

  /** @param {number} index @returns {any | undefined} the frame, if loaded */
  get(index) {
    return this.#frames[index];
  }

  /** @param {number} index */
  has(index) {
    return this.#frames[index] !== undefined;
  }

  /** Estimated memory of the frames held, bytes (for the status line and the tests). */
  get bytes() {
    return this.#bytes;
  }

  /**
   * Counters: requests made, answers with fewer frames than asked for, frames received and evicted,
   * most bytes held; frames and bytes held now, frames the next request may ask for, and the JSON
   * bytes per frame that count comes from.
   */
  stats() {
    return { ...this.#stats, bytes: this.#bytes, frames: this.#loaded, chunkFrames: this.#chunkFrames, jsonPerFrame: Math.round(this.#jsonPerFrame) };
  }

  /**
   * Makes sure the frame at `index` and those playback will need next are loaded or on their way,
   * as far as the budget allows; requests for frames no longer wanted (after a seek) are aborted.
   * @param {number} index the playhead
   * @param {{times: ArrayLike<number>, speed: number, loop: boolean}} playback
   */
  want(index, { times, speed, loop }) {
    if (this.#disposed || this.ids.length === 0) return;
    const span = this.#wanted(index, times, speed, loop);
    this.#playhead = index;
    this.#window = span;
    this.#keep = firstIndices(span, KEEP_AHEAD_FRAMES + 1);
    for (const request of this.#inFlight) {
      if (!span.some(([a, b]) => request.from <= b && request.to >= a)) {
        request.controller.abort();
        this.#inFlight.delete(request);
      }
    }
    const size = span.reduce((n, [a, b]) => n + b - a + 1, 0);
    for (const [a, b, limit] of span) {
      for (let i = a; i <= b && this.#inFlight.size < MAX_IN_FLIGHT; ) {
        const pending = this.#pendingAt(i);
        if (pending) {
          i = pending.to + 1;
          continue;
        }
        if (this.#frames[i] !== undefined) {
          i++;
          continue;
        }
        let end = i;
        while (end < b && this.#frames[end + 1] === undefined && !this.#pendingAt(end + 1)) end++;
        // A run cut by the window's far end grows as the playhead moves on: ask for it once it is
        // worth a request (not one frame per tick).
        const growing = end === b && b < limit;
        const worth = end - i + 1 >= Math.min(this.#chunkFrames, Math.ceil(size / 2));
        if ((growing && !worth) || this.#backingOff(i)) {
          i = end + 1;
          continue;
        }
        // the rest of the run, if any, is the next request's
        i = this.#fetch(i, Math.min(end, i + this.#chunkFrames - 1)) + 1;
      }
    }
    this.#evict();
  }

  dispose() {
    this.#disposed = true;
    for (const request of this.#inFlight) request.controller.abort();
    this.#inFlight.clear();
    clearTimeout(this.#retryTimer);
    this.#frames = [];
    this.#sizes = new Float64Array(0);
    this.#bytes = 0;
    this.#loaded = 0;
  }

  /**
   * The frames wanted, nearest first: from the playhead LOOKAHEAD_WALL_S of playback ahead (at
   * least a request's worth and the next few; wrapping to the start when looping), cut where their
   * memory (as loaded, or as estimated) would pass the look-ahead's share of the budget.
   * @param {number} index @param {ArrayLike<number>} times @param {number} speed @param {boolean} loop
   * @returns {Window}
   */
  #wanted(index, times, speed, loop) {
    const n = this.ids.length;
    const last = n - 1;
    const horizon = times[index] + LOOKAHEAD_WALL_S * speed;
    let count = Math.max(lastIndexAtOrBefore(times, horizon) - index + 1, this.#chunkFrames, KEEP_AHEAD_FRAMES + 1);
    if (loop && horizon > times[last] && times[last] > times[0]) {
      const wrapped = lastIndexAtOrBefore(times, times[0] + ((horizon - times[last]) % (times[last] - times[0]))) + 1;
      count = Math.max(count, last - index + 1 + wrapped);
    }
    count = Math.min(count, loop ? n : n - index);
    const cap = this.budgetBytes * LOOKAHEAD_BUDGET_SHARE;
    const estimate = this.#jsonPerFrame * MEMORY_PER_JSON_BYTE;
    let used = 0;
    let take = 0;
    for (; take < count; take++) {
      const i = (index + take) % n;
      used += this.#frames[i] !== undefined ? this.#sizes[i] : estimate;
      if (used > cap && take > KEEP_AHEAD_FRAMES) break;
    }
    const end = index + take - 1;
    if (end <= last) return [[index, end, last]];
    return [[index, last, last], [0, end - n, index - 1]];
  }

  /** @param {number} index @returns {RangeRequest | undefined} the request on its way that asked for this frame */
  #pendingAt(index) {
    for (const request of this.#inFlight) if (index >= request.from && index <= request.to) return request;
    return undefined;
  }

  /** @param {number} index whether a request that started here failed a moment ago */
  #backingOff(index) {
    const now = performance.now();
    for (const [start, at] of this.#failedAt) if (now - at >= RETRY_AFTER_MS) this.#failedAt.delete(start);
    return this.#failedAt.has(index);
  }

  /**
   * Asks for frames from..to (indices; fewer when their ids span more than a request may ask for).
   * The server may send fewer (from `from` on), never none.
   * @param {number} from @param {number} to
   * @returns {number} the last index asked for
   */
  #fetch(from, to) {
    const start = this.ids[from];
    to = Math.max(from, Math.min(to, lastIndexAtOrBefore(this.ids, start + MAX_RANGE_COUNT - 1)));
    const count = this.ids[to] - start + 1;
    /** @type {RangeRequest} */
    const request = { from, to, controller: new AbortController() };
    this.#inFlight.add(request);
    this.#stats.requests++;
    this.#request(request, `${API}/${enc(this.recordingId)}/frames/range?start=${start}&count=${count}`);
    return to;
  }

  /** @param {RangeRequest} request @param {string} path */
  async #request(request, path) {
    const { from } = request;
    try {
      const { body, bytes } = await getJson(path, request.controller.signal);
      if (this.#disposed || !this.#inFlight.has(request)) return; // superseded
      this.#inFlight.delete(request);
      this.#store(request, body, bytes, path);
      this.#failedAt.delete(from);
      this.hooks.onChange?.();
    } catch (error) {
      this.#inFlight.delete(request);
      if (this.#disposed || request.controller.signal.aborted) return;
      this.#failedAt.set(from, performance.now());
      clearTimeout(this.#retryTimer);
      this.#retryTimer = window.setTimeout(() => {
        this.#retryTimer = 0;
        if (!this.#disposed) this.hooks.onChange?.();
      }, RETRY_AFTER_MS + 50);
      this.hooks.onError?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * Keeps the frames of a response that were asked for and are not held yet, measures its bytes per
   * frame (sizing the next requests), and evicts what no longer fits.
   * @param {RangeRequest} request @param {unknown} body @param {number} bytes @param {string} path
   */
  #store(request, body, bytes, path) {
    const list = Array.isArray(body) ? body : [];
    if (list.length === 0) throw new RequestError(`the server sent no frames (${path})`, 200);
    this.#measure(bytes / list.length);
    const size = (bytes / list.length) * MEMORY_PER_JSON_BYTE;
    for (const frame of list) {
      const index = this.indexOfId.get(frame?.frame_id);
      if (index === undefined || index < request.from || index > request.to || this.#frames[index] !== undefined) continue;
      this.#frames[index] = frame;
      this.#sizes[index] = size;
      this.#bytes += size;
      this.#loaded++;
      this.#stats.framesReceived++;
    }
    if (list.length < request.to - request.from + 1) this.#stats.shortResponses++;
    this.#evict();
    this.#stats.peakBytes = Math.max(this.#stats.peakBytes, this.#bytes);
    // the server always sends the first frame asked for: without it the next request would be the same
    const first = this.ids[request.from];
    if (!list.some((frame) => frame?.frame_id === first)) throw new RequestError(`the server's answer lacks frame ${first} (${path})`, 200);
  }

  /** Bytes per frame: up at once, down halfway (frames grow when bodies touch). @param {number} perFrame */
  #measure(perFrame) {
    const previous = this.#jsonPerFrame;
    this.#jsonPerFrame = !this.#measured || perFrame >= previous ? perFrame : (previous + perFrame) / 2;
    this.#measured = true;
    this.#chunkFrames = Math.min(framesFor(this.#jsonPerFrame), MAX_GROWTH * this.#chunkFrames);
  }

  /**
   * Over budget: drops the frames outside the window farthest from the playhead first, then the
   * window's own from its far end; the playhead's frame and the next few always stay.
   */
  #evict() {
    if (this.#bytes <= this.budgetBytes) return;
    const n = this.#frames.length;
    const index = this.#playhead;
    const span = this.#window;
    const inWindow = (/** @type {number} */ i) => span.some(([a, b]) => i >= a && i <= b);
    for (let lo = 0, hi = n - 1; this.#bytes > this.budgetBytes && lo <= hi; ) {
      const i = hi - index >= index - lo ? hi-- : lo++;
      if (!inWindow(i)) this.#drop(i);
    }
    for (let s = span.length - 1; s >= 0 && this.#bytes > this.budgetBytes; s--) {
      const [a, b] = span[s];
      for (let i = b; i >= a && this.#bytes > this.budgetBytes; i--) if (!this.#keep.includes(i)) this.#drop(i);
    }
  }

  /** @param {number} index */
  #drop(index) {
    if (this.#frames[index] === undefined || this.#keep.includes(index)) return;
    this.#frames[index] = undefined;
    this.#bytes -= this.#sizes[index];
    this.#sizes[index] = 0;
    this.#loaded--;
    this.#stats.evicted++;
  }
}

/** The first `count` indices of a window, in playing order. @param {Window} span @param {number} count */
function firstIndices(span, count) {
  const out = [];
  for (const [a, b] of span) for (let i = a; i <= b && out.length < count; i++) out.push(i);
  return out;
}
