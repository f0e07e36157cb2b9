// The replay page's playback clock. Pure JavaScript (no DOM, no three.js).
//
// Playback runs in SIMULATION time: the position `time` advances by wall-clock seconds × speed,
// and the frame shown is the last frame whose simulation_time ≤ time. So 2× plays two simulated
// seconds per wall second whatever the recording's timestep or the display's refresh rate; at high
// speeds frames are skipped (the seed's player stepped one frame per animation frame instead, which
// capped every speed at the refresh rate and made "1×" depend on the timestep).

/** The speed choices (simulation seconds per wall second). */
export const SPEEDS = [0.25, 0.5, 1, 2, 4];
/**
 * A longer gap between two ticks (a background tab) counts as this, wall seconds. Generous: a busy
 * machine that draws a few frames a second must still play at the speed asked for.
 */
const MAX_WALL_STEP_S = 1;

/**
 * Index of the last entry of `times` (increasing) that is ≤ t; 0 when t is before the first.
 * @param {ArrayLike<number>} times
 * @param {number} t
 */
export function lastIndexAtOrBefore(times, t) {
  let lo = 0;
  let hi = times.length - 1;
  if (hi < 0 || t < times[0]) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (times[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export class PlaybackClock {
  /** @param {ArrayLike<number>} times simulation_time of every frame, in frame order */
  constructor(times) {
    this.times = times;
    /** playback position, simulation seconds */
    this.time = times.length ? times[0] : 0;
    /** index of the frame shown: the last with simulation_time ≤ time */
    this.index = 0;
    this.playing = false;
    this.speed = 1;
    this.loop = false;
  }

  get frames() {
    return this.times.length;
  }

  get last() {
    return Math.max(0, this.times.length - 1);
  }

  /** Starts playing; from the first frame again when stopped at the end without loop. */
  play() {
    if (this.frames < 2) return;
    if (this.index >= this.last && !this.loop) this.seek(0);
    this.playing = true;
  }

  pause() {
    this.playing = false;
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  /** @param {number} speed simulation seconds per wall second, > 0 */
  setSpeed(speed) {
    if (Number.isFinite(speed) && speed > 0) this.speed = speed;
  }

  /** @param {boolean} loop */
  setLoop(loop) {
    this.loop = Boolean(loop);
  }

  /** Puts the position on a frame (clamped); playing goes on from there. @param {number} index */
  seek(index) {
    const i = Math.min(this.last, Math.max(0, Math.round(index)));
    this.index = i;
    this.time = this.frames ? this.times[i] : 0;
  }

  /** Pauses and moves by `delta` frames (clamped). @param {number} delta */
  step(delta) {
    this.pause();
    this.seek(this.index + delta);
  }

  /**
   * Advances the position by wall seconds × speed. When the frame that would then be shown is not
   * available yet (`canShow` false: still loading), the position stays where it is (the playback
   * waits for the data rather than showing a frame that does not belong to the time).
   * @param {number} wallSeconds since the previous tick
   * @param {(index: number) => boolean} [canShow]
   * @returns {boolean} whether the position moved
   */
  advance(wallSeconds, canShow = () => true) {
    if (!this.playing || this.frames < 2) return false;
    const dt = Math.min(Math.max(0, wallSeconds), MAX_WALL_STEP_S) * this.speed;
    const { time, ended } = this.#wrap(this.time + dt);
    const index = lastIndexAtOrBefore(this.times, time);
    if (!canShow(index)) return false;
    this.time = time;
    this.index = index;
    if (ended) this.playing = false;
    return true;
  }

  /**
   * Past the last frame: back to the start with the overshoot (loop), or held at the end.
   * @param {number} t
   * @returns {{time: number, ended: boolean}}
   */
  #wrap(t) {
    const start = this.times[0];
    const end = this.times[this.last];
    if (t <= end) return { time: t, ended: false };
    if (!this.loop || end <= start) return { time: end, ended: true };
    return { time: start + ((t - end) % (end - start)), ended: false };
  }
}
