// Buffers live frames and interpolates body poses between them, so that motion is drawn smoothly
// at the display's rate although frames arrive at the simulation's rate with network/timer jitter.
// Pure JavaScript (no three.js, no DOM): unit-tested in Node.
//
// Timeline: every frame gets a presentation time `t` (ms, same clock as the arrival times). The
// renderer draws the pose at `now − delay`, between the two frames whose `t` bracket it, where
// delay = 1.5 × the median arrival interval. `t` is not the raw arrival time: it is predicted from
// the previous frame (previous t + median interval) and only nudged towards the real arrival, so
// arrival jitter barely changes the playback speed, while a simulation that runs slower or faster
// than expected is still followed (a phase-locked loop, in effect).

/** @typedef {[number, number, number]} Vec3 */
/** @typedef {[number, number, number, number]} Quat  [w, x, y, z] */
/** @typedef {{position: Vec3, orientation: Quat}} Pose */
/**
 * The protocol's frame.data (only the fields used here are listed).
 * @typedef {{frame_id: number, simulation_time: number,
 *   states: Array<{body_id: number, position: {x: number, y: number, z: number},
 *                  orientation: {w: number, x: number, y: number, z: number}}>}} FrameData
 */
/** @typedef {{data: FrameData, poses: Map<number, Pose>, arrival: number, t: number}} BufferedFrame */

/**
 * Options of a FrameInterpolator.
 * @typedef {object} InterpolatorOptions
 * @property {number} [delayFactor]  delay = delayFactor × median interval (default 1.5)
 * @property {number} [historySize]  arrivals kept for the interval estimate (default 32)
 * @property {number} [tracking]     how far each frame's time moves towards its real arrival, 0–1 (default 0.1)
 * @property {number} [keepMs]       history kept behind the drawn time, ms (default 1000)
 * @property {number} [maxFrames]    hard cap on buffered frames, e.g. while the tab is hidden (default 600)
 */
/** Frames averaged per interval sample in the interval estimate. */
const SPAN = 8;
const DEFAULTS = { delayFactor: 1.5, historySize: 32, tracking: 0.1, keepMs: 1000, maxFrames: 600 };

/**
 * Linear interpolation of two 3-vectors.
 * @param {Vec3} a
 * @param {Vec3} b
 * @param {number} t 0 → a, 1 → b
 * @returns {Vec3}
 */
export function lerp3(a, b, t) {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/**
 * Spherical linear interpolation of unit quaternions [w, x, y, z] along the shortest path
 * (q and −q are the same rotation; the one nearer to a is used). The result is normalised.
 * @param {Quat} a
 * @param {Quat} b
 * @param {number} t 0 → a, 1 → b
 * @returns {Quat}
 */
export function slerp(a, b, t) {
  let dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3];
  const sign = dot < 0 ? -1 : 1;
  dot *= sign;
  let wa;
  let wb;
  if (dot > 0.9995) {
    // Nearly parallel: sin(θ) → 0 makes slerp ill-conditioned, and lerp + normalise is exact enough.
    wa = 1 - t;
    wb = t;
  } else {
    const theta = Math.acos(Math.min(1, dot));
    const sinTheta = Math.sin(theta);
    wa = Math.sin((1 - t) * theta) / sinTheta;
    wb = Math.sin(t * theta) / sinTheta;
  }
  wb *= sign;
  return normalize4([a[0] * wa + b[0] * wb, a[1] * wa + b[1] * wb, a[2] * wa + b[2] * wb, a[3] * wa + b[3] * wb]);
}

/** @param {Quat} q @returns {Quat} */
function normalize4(q) {
  const n = Math.hypot(q[0], q[1], q[2], q[3]);
  return n > 0 ? [q[0] / n, q[1] / n, q[2] / n, q[3] / n] : [1, 0, 0, 0];
}

/**
 * A frame's poses by body id, orientations normalised.
 * @param {FrameData} data
 * @returns {Map<number, Pose>}
 */
export function posesOf(data) {
  const poses = new Map();
  for (const s of data.states ?? []) {
    const p = s.position;
    const q = s.orientation;
    poses.set(s.body_id, { position: [p.x, p.y, p.z], orientation: normalize4([q.w, q.x, q.y, q.z]) });
  }
  return poses;
}

/** @param {number[]} values @returns {number} */
function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export class FrameInterpolator {
  /** @type {Required<InterpolatorOptions>} */
  #options;
  /** @type {BufferedFrame[]} frames in presentation order (t strictly increasing) */
  #frames = [];
  /** @type {BufferedFrame | null} newest frame pushed (kept even when pruned from #frames) */
  #newest = null;
  /** @type {Array<{id: number, arrival: number}>} the last arrivals, for the interval estimate */
  #arrivals = [];
  /** @type {number | null} cached medianIntervalMs(), updated on push */
  #interval = null;
  /** @type {FrameData | null} frame nearest to the time drawn by the last sample() */
  #displayed = null;

  /** @param {InterpolatorOptions} [options] */
  constructor(options = {}) {
    this.#options = { ...DEFAULTS, ...options };
  }

  /**
   * Adds a frame. A frame whose frame_id does not advance, or whose simulation_time goes back, starts
   * a new run: the buffer and the interval estimate are reset first.
   * @param {FrameData} data
   * @param {number} arrivalMs arrival time (e.g. performance.now())
   * @returns {boolean} true when this frame reset the buffer (a new run)
   */
  push(data, arrivalMs) {
    const previous = this.#newest;
    const newRun = previous !== null &&
      (data.frame_id <= previous.data.frame_id || data.simulation_time < previous.data.simulation_time);
    if (newRun) this.reset();
    this.#recordArrival(data.frame_id, arrivalMs);
    const frame = { data, poses: posesOf(data), arrival: arrivalMs, t: arrivalMs };
    if (previous && !newRun) {
      frame.t = this.#presentationTime(previous, arrivalMs, Math.max(1, data.frame_id - previous.data.frame_id));
    }
    this.#frames.push(frame);
    this.#newest = frame;
    if (this.#frames.length > this.#options.maxFrames) this.#frames.shift();
    return newRun;
  }

  /**
   * The poses to draw at nowMs: interpolated between the frames that bracket nowMs − delay; the
   * first frame before that, the newest frame after it (frames stopped or the buffer ran dry).
   * @param {number} nowMs same clock as push()'s arrival times
   * @returns {Map<number, Pose> | null} body_id → pose; null before any frame
   */
  sample(nowMs) {
    const frames = this.#frames;
    if (frames.length === 0) return null;
    const drawT = nowMs - this.delayMs();
    this.#prune(drawT);
    const i = this.#bracket(drawT);
    if (i < 0) return this.#hold(frames[0]);
    if (i >= frames.length - 1) return this.#hold(frames[frames.length - 1]);
    const a = frames[i];
    const b = frames[i + 1];
    const alpha = (drawT - a.t) / (b.t - a.t);
    this.#displayed = (alpha < 0.5 ? a : b).data;
    return interpolatePoses(a.poses, b.poses, alpha);
  }

  /** Forgets every frame and the interval estimate (a new run or a new scene). */
  reset() {
    this.#frames = [];
    this.#newest = null;
    this.#arrivals = [];
    this.#interval = null;
    this.#displayed = null;
  }

  /** @returns {FrameData | null} the newest frame pushed */
  latest() {
    return this.#newest?.data ?? null;
  }

  /** @returns {FrameData | null} the frame nearest to the time drawn by the last sample() */
  displayed() {
    return this.#displayed;
  }

  /**
   * The frame interval estimated from arrivals, ms: the median, over the recent frames, of the mean
   * interval across SPAN consecutive frames. Averaging over a span first makes it immune to arrival
   * times that are quantised (e.g. to the event loop's ticks), which would make a plain median of
   * single intervals snap to one of the quantised values; the median then discards stalls and bursts.
   * @returns {number | null} null before two frames
   */
  medianIntervalMs() {
    return this.#interval;
  }

  /** @returns {number} how far behind the newest arrivals poses are drawn, ms */
  delayMs() {
    return this.#options.delayFactor * (this.medianIntervalMs() ?? 0);
  }

  /** @returns {number} frames buffered */
  get size() {
    return this.#frames.length;
  }

  /** @param {number} frameId @param {number} arrivalMs */
  #recordArrival(frameId, arrivalMs) {
    const arrivals = this.#arrivals;
    arrivals.push({ id: frameId, arrival: arrivalMs });
    if (arrivals.length > this.#options.historySize + 1) arrivals.shift();
    const n = arrivals.length;
    if (n < 2) return;
    const span = Math.min(SPAN, Math.max(1, (n - 1) >> 1));
    const means = [];
    for (let i = span; i < n; i++) {
      const a = arrivals[i - span];
      const b = arrivals[i];
      means.push((b.arrival - a.arrival) / Math.max(1, b.id - a.id));
    }
    this.#interval = median(means);
  }

  /**
   * Predicts the frame's time from the previous one, then moves it a little towards the arrival.
   * @param {BufferedFrame} previous
   * @param {number} arrivalMs
   * @param {number} steps frame_id advance (1 unless frames were skipped)
   */
  #presentationTime(previous, arrivalMs, steps) {
    const step = (this.medianIntervalMs() ?? 0) * steps;
    let t = previous.t + step;
    t += this.#options.tracking * (arrivalMs - t);
    // A frame that came later than its slot (t + delay < arrival) is shown as soon as it arrives
    // rather than scheduled in the past, which would make the view jump over it.
    t = Math.max(t, arrivalMs - this.delayMs());
    // Keep times strictly increasing so that every frame gets some screen time.
    return Math.max(t, previous.t + Math.max(step * 0.25, 1e-3));
  }

  /** @param {number} drawT @returns {number} index of the last frame with t ≤ drawT, −1 if none */
  #bracket(drawT) {
    const frames = this.#frames;
    let lo = 0;
    let hi = frames.length - 1;
    if (drawT < frames[0].t) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (frames[mid].t <= drawT) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Drops frames well behind the drawn time, always keeping the pair that brackets it. */
  #prune(drawT) {
    const frames = this.#frames;
    let drop = 0;
    while (drop < frames.length - 2 && frames[drop + 1].t < drawT - this.#options.keepMs) drop++;
    if (drop) frames.splice(0, drop);
  }

  /** @param {BufferedFrame} frame */
  #hold(frame) {
    this.#displayed = frame.data;
    return new Map(frame.poses);
  }
}

/**
 * Per body: lerp positions, slerp orientations. A body in only one of the frames keeps that pose.
 * @param {Map<number, Pose>} a
 * @param {Map<number, Pose>} b
 * @param {number} alpha
 * @returns {Map<number, Pose>}
 */
function interpolatePoses(a, b, alpha) {
  const out = new Map();
  for (const [id, pa] of a) {
    const pb = b.get(id);
    out.set(id, pb
      ? { position: lerp3(pa.position, pb.position, alpha), orientation: slerp(pa.orientation, pb.orientation, alpha) }
      : pa);
  }
  for (const [id, pb] of b) if (!out.has(id)) out.set(id, pb);
  return out;
}
