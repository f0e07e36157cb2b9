// A small trajectory player: a recorded run (poses per frame) drawn by SceneView, with a control
// bar (play/pause, frame slider, speed, loop, time readout). Mounted inline in Jupyter notebook
// outputs and in HTML reports, so it is self-contained:
//
// - no global CSS and no ids: everything carries a class starting with `msd-player`, and the
//   styles are a <style> element inside the player (several players on one page are independent);
// - notebooks load this module graph from blob: URLs after rewriting its import specifiers, so it
//   (and every module it imports) has only static top-level imports of "three", "three/addons/…"
//   and "./name.js" — no dynamic import(), no import.meta, no fetches of other files.
//
// Playback runs in simulation time, driven by the wall clock: t_sim += speed × Δt_wall; the view
// shows the pose at t_sim, interpolated between the two frames around it (lerp / slerp), and the
// readout names the last frame with time ≤ t_sim.
//
// Out of the document (its notebook output cleared by a re-run, or its cell taken out by
// JupyterLab's windowing) the player schedules nothing and its clock stands still; it plays on once
// attached again. Away for long (or when new views need the WebGL context), it frees its 3D view
// and builds a new one from its data if it ever comes back.

import { SceneView, whenAttached } from "./scene-view.js";
import { lerp3, slerp } from "./frame-interpolator.js";

/** The speed select's choices (× simulation time per wall time). */
export const SPEEDS = [0.25, 0.5, 1, 2, 4];
const DEFAULT_HEIGHT_PX = 360;
/** A longer gap between two animation frames (a background tab, a stall) counts as this, s. */
const MAX_WALL_STEP_S = 1;

/**
 * What the player shows (see mountPlayer). Times and poses may be typed arrays or plain arrays.
 * @typedef {object} PlayerData
 * @property {string} [title]
 * @property {Array<{body_id: number, asset_id: number, asset_name?: string, mass?: number, restitution?: number,
 *   friction?: number, is_environment: boolean}>} bodies every body, as the protocol's metadata.bodies
 * @property {Array<{asset_id: number, name?: string, positions: ArrayLike<number>, vertex_count?: number}>} assets
 *   as the protocol's metadata.assets (triangle lists relative to the centre of mass)
 * @property {ArrayLike<number>} ids body ids whose poses are in `poses`, in this order
 * @property {Array<{body_id: number, position: ArrayLike<number>, orientation: ArrayLike<number>}>} [fixed]
 *   bodies with a constant pose: position [x, y, z], orientation [w, x, y, z]
 * @property {ArrayLike<number>} times seconds per frame, increasing; one frame = a static view
 * @property {ArrayLike<number>} poses frames × ids.length × 7: x, y, z, qw, qx, qy, qz
 */
/**
 * @typedef {object} PlayerOptions
 * @property {number | string} [height] the 3D view's height: px, or a CSS length (default 360 px)
 * @property {boolean} [autoplay] start playing (default true; a single frame never plays)
 * @property {boolean} [loop] initial state of the loop checkbox (default true)
 * @property {number} [speed] initial speed (default 1)
 */
/**
 * @typedef {object} PlayerState
 * @property {number} frame index of the last frame with time ≤ `time` (0-based)
 * @property {number} time simulation time shown, s
 * @property {boolean} playing
 * @property {number} speed
 * @property {boolean} loop
 * @property {number} frames number of frames
 */
/**
 * @typedef {object} Player
 * @property {() => void} play
 * @property {() => void} pause
 * @property {(frameIndex: number) => void} seek shows that frame (clamped); playing goes on from there
 * @property {(speed: number) => void} setSpeed a positive factor (simulation s per wall s)
 * @property {() => PlayerState} state
 * @property {() => void} dispose stops, frees the WebGL context, removes the player's elements
 */

const STYLE = `
.msd-player { position: relative; display: flex; flex-direction: column; width: 100%; box-sizing: border-box;
  margin: 0; padding: 0; overflow: hidden; background: #15171a; color: #d9dee6; border: 1px solid #2a2f38;
  border-radius: 6px; font: 12px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; text-align: left; outline: none; }
.msd-player:focus-visible { box-shadow: 0 0 0 2px #4a9eff; }
.msd-player *, .msd-player *::before, .msd-player *::after { box-sizing: border-box; }
.msd-player [hidden] { display: none !important; }
.msd-player .msd-player-title { padding: 5px 10px; font-weight: 600; border-bottom: 1px solid #2a2f38;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.msd-player .msd-player-canvas { position: relative; width: 100%; overflow: hidden; flex: none; }
.msd-player .msd-player-canvas canvas { display: block; outline: none; }
.msd-player .msd-player-message { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  padding: 16px; text-align: center; color: #c3c9d4; white-space: pre-line; }
.msd-player .msd-player-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; padding: 5px 8px;
  background: #1b1e24; border-top: 1px solid #2a2f38; }
.msd-player .msd-player-play { flex: none; width: 30px; height: 24px; margin: 0; padding: 0; border: 1px solid #3a4150;
  border-radius: 4px; background: #262b35; color: #e6e9ef; font: 11px/1 system-ui, sans-serif; cursor: pointer; }
.msd-player .msd-player-play:hover { background: #303747; }
.msd-player .msd-player-play:focus-visible, .msd-player .msd-player-speed:focus-visible { outline: 2px solid #4a9eff; outline-offset: 1px; }
.msd-player .msd-player-slider { flex: 1 1 140px; min-width: 80px; height: 18px; margin: 0; accent-color: #4a9eff; cursor: pointer; }
.msd-player .msd-player-readout { flex: none; font: 11.5px/1.2 ui-monospace, Menlo, Consolas, monospace;
  font-variant-numeric: tabular-nums; white-space: nowrap; color: #c7ccd6; }
.msd-player .msd-player-speed { flex: none; height: 24px; margin: 0; padding: 0 4px; border: 1px solid #3a4150; border-radius: 4px;
  background: #262b35; color: #e6e9ef; font: 12px system-ui, sans-serif; cursor: pointer; }
.msd-player .msd-player-loop { flex: none; display: inline-flex; align-items: center; gap: 4px; margin: 0; color: #c7ccd6;
  cursor: pointer; user-select: none; }
.msd-player .msd-player-loop input { margin: 0; accent-color: #4a9eff; cursor: pointer; }
`;

/**
 * Builds a player inside `container` (appended; the container's other content stays).
 * @param {HTMLElement} container
 * @param {PlayerData} data
 * @param {PlayerOptions} [options]
 * @returns {Player}
 */
export function mountPlayer(container, data, options = {}) {
  const doc = container.ownerDocument;
  const el = (/** @type {string} */ tag, /** @type {string} */ cls, /** @type {string} */ testId = "") => {
    const node = doc.createElement(tag);
    node.className = cls;
    if (testId) node.dataset.testid = testId;
    return node;
  };

  const root = el("div", "msd-player", "player");
  root.tabIndex = 0;
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", data && typeof data.title === "string" && data.title ? `Player: ${data.title}` : "Trajectory player");
  root.dataset.lmSuppressShortcuts = "true"; // JupyterLab: keys typed in the player are the player's
  const style = doc.createElement("style");
  style.textContent = STYLE;
  root.append(style);

  let recording;
  try {
    recording = normalize(data);
  } catch (error) {
    // A malformed recording is a bug of whoever built it: visible in the output, and thrown.
    const message = el("div", "msd-player-message");
    message.style.position = "static";
    message.textContent = `Cannot show this recording: ${error instanceof Error ? error.message : String(error)}`;
    root.append(message);
    container.append(root);
    throw error;
  }
  const { times, poses, ids, fixedStates } = recording;
  const frames = times.length;
  const last = frames - 1;

  if (recording.title) {
    const title = el("div", "msd-player-title");
    title.textContent = recording.title;
    title.title = recording.title;
    root.append(title);
  }
  const stage = el("div", "msd-player-canvas", "player-canvas");
  stage.style.position = "relative";
  stage.style.height = cssLength(options.height ?? DEFAULT_HEIGHT_PX);
  root.append(stage);

  // ---- control bar
  const bar = el("div", "msd-player-bar");
  const playButton = /** @type {HTMLButtonElement} */ (el("button", "msd-player-play", "player-play"));
  playButton.type = "button";
  const slider = /** @type {HTMLInputElement} */ (el("input", "msd-player-slider", "player-slider"));
  slider.type = "range";
  slider.min = "0";
  slider.max = String(last);
  slider.step = "1";
  slider.value = "0";
  slider.setAttribute("aria-label", "Frame");
  const readout = el("span", "msd-player-readout", "player-readout");
  readout.setAttribute("aria-live", "off");
  const speedSelect = /** @type {HTMLSelectElement} */ (el("select", "msd-player-speed", "player-speed"));
  speedSelect.setAttribute("aria-label", "Playback speed");
  speedSelect.title = "Playback speed (simulation time per wall-clock time)";
  for (const s of SPEEDS) speedSelect.append(new Option(`${s}×`, String(s)));
  const loopLabel = el("label", "msd-player-loop");
  const loopBox = /** @type {HTMLInputElement} */ (el("input", "", "player-loop"));
  loopBox.type = "checkbox";
  loopLabel.append(loopBox, doc.createTextNode("loop"));
  bar.append(playButton, slider, readout, speedSelect, loopLabel);
  bar.hidden = frames === 1; // one frame: a static 3D view
  root.append(bar);

  container.append(root);

  // ---- 3D view
  /** @type {SceneView | null} */
  let view = null;
  /** The view was freed while the player was out of the document: a new one is built when it is back. */
  let viewReleased = false;
  /** @param {string} text */
  const showMessage = (text) => {
    const message = el("div", "msd-player-message");
    message.textContent = text;
    stage.append(message);
  };
  const createView = () => {
    try {
      view = new SceneView(stage);
    } catch (error) {
      // No WebGL (disabled, blocklisted GPU, too many contexts): say so; the controls still work.
      const reason = error instanceof Error ? error.message : String(error);
      showMessage(`3D view unavailable: this browser could not create a WebGL context.\n(${reason})`);
      return;
    }
    try {
      view.setScene({ bodies: recording.bodies, assets: recording.assets });
    } catch (error) {
      view.dispose();
      view = null;
      showMessage(`Cannot show this recording: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  createView();

  // ---- playback state
  const t0 = times[0];
  const tEnd = times[last];
  // room for the longest readout, so that the slider does not shift as the digits change
  readout.style.minWidth = `${Math.max(readoutText(t0, tEnd, last, last).length, readoutText(tEnd, tEnd, last, last).length)}ch`;
  let time = t0;
  let frame = 0;
  let playing = false;
  let speed = 1;
  let loop = options.loop ?? true;
  let scrubbing = false;
  let disposed = false;
  let lastWall = performance.now();
  /** time of the pose last handed to the view (NaN: nothing yet) */
  let shownTime = NaN;
  let shownText = "";

  /** Index of the last frame with times[k] ≤ t (0 before the first). @param {number} t */
  const frameAt = (t) => {
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (times[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };

  /** The view's frame data at time t (poses interpolated between the frames around it). @param {number} t */
  const frameData = (t) => {
    const k = frameAt(t);
    const span = k < last ? times[k + 1] - times[k] : 0;
    const alpha = span > 0 ? Math.min(1, Math.max(0, (t - times[k]) / span)) : 0;
    const n = ids.length;
    const states = fixedStates.slice();
    for (let j = 0; j < n; j++) {
      const a = (k * n + j) * 7;
      let position = [poses[a], poses[a + 1], poses[a + 2]];
      let orientation = [poses[a + 3], poses[a + 4], poses[a + 5], poses[a + 6]];
      if (alpha > 0) {
        const b = a + n * 7;
        position = lerp3(/** @type {any} */ (position), [poses[b], poses[b + 1], poses[b + 2]], alpha);
        orientation = slerp(/** @type {any} */ (orientation), [poses[b + 3], poses[b + 4], poses[b + 5], poses[b + 6]], alpha);
      }
      states.push({
        body_id: ids[j],
        position: { x: position[0], y: position[1], z: position[2] },
        orientation: { w: orientation[0], x: orientation[1], y: orientation[2], z: orientation[3] },
      });
    }
    return { frame_id: k, simulation_time: t, states };
  };

  const render = () => {
    frame = frameAt(time);
    if (view && time !== shownTime) {
      view.showFrame(frameData(time));
      shownTime = time;
    }
    if (!scrubbing && slider.valueAsNumber !== frame) slider.value = String(frame);
    const text = readoutText(time, tEnd, frame, last);
    if (text !== shownText) {
      shownText = text;
      readout.textContent = text;
    }
    const label = playing ? "Pause" : "Play";
    if (playButton.getAttribute("aria-label") !== label) {
      playButton.setAttribute("aria-label", label);
      playButton.title = `${label} (space)`;
      playButton.textContent = playing ? "❚❚" : "▶";
      root.dataset.playing = String(playing);
    }
  };

  /** @param {number} dtSim */
  const advance = (dtSim) => {
    time += dtSim;
    if (time < tEnd) return;
    if (loop && tEnd > t0) {
      time = t0 + ((time - t0) % (tEnd - t0));
    } else {
      time = tEnd;
      playing = false;
    }
  };

  let rafId = 0;
  /** @type {(() => void) | null} while detached: stops waiting for the player to be attached again */
  let unpark = null;
  /** Attached again: a new view if the old one was freed, then the loop from where it stood. */
  const resume = () => {
    unpark = null;
    if (disposed || rafId) return;
    if (viewReleased) {
      viewReleased = false;
      createView();
      shownTime = NaN; // the new view has no pose yet
    }
    lastWall = performance.now(); // the time away does not count
    rafId = requestAnimationFrame(tick);
  };
  /** Away for long, or its WebGL context is wanted elsewhere: free the view (the data stays). */
  const releaseView = () => {
    if (disposed || !view || root.isConnected) return;
    view.dispose();
    view = null;
    viewReleased = true;
  };
  const tick = () => {
    // Detached: no next frame (it would keep the player alive for good) and the clock stands still.
    if (!root.isConnected) {
      rafId = 0;
      unpark = whenAttached(root, resume, releaseView);
      return;
    }
    rafId = requestAnimationFrame(tick);
    const now = performance.now();
    if (playing) advance(speed * Math.min(MAX_WALL_STEP_S, Math.max(0, now - lastWall) / 1000));
    lastWall = now;
    render();
  };

  // ---- public API
  const player = {
    play() {
      if (disposed || frames < 2 || playing) return;
      if (!loop && time >= tEnd) time = t0; // at the end: play again from the start
      playing = true;
      lastWall = performance.now();
      render();
    },
    pause() {
      if (disposed || !playing) return;
      playing = false;
      render();
    },
    /** @param {number} frameIndex */
    seek(frameIndex) {
      if (disposed) return;
      const k = Number.isFinite(frameIndex) ? Math.min(last, Math.max(0, Math.round(frameIndex))) : 0;
      time = times[k];
      lastWall = performance.now();
      render();
    },
    /** @param {number} s */
    setSpeed(s) {
      if (!(typeof s === "number" && Number.isFinite(s) && s > 0)) throw new RangeError(`speed must be a positive number (got ${String(s)})`);
      speed = s;
      if (![...speedSelect.options].some((o) => Number(o.value) === s)) speedSelect.append(new Option(`${s}×`, String(s)));
      speedSelect.value = [...speedSelect.options].find((o) => Number(o.value) === s)?.value ?? String(s);
    },
    /** @returns {PlayerState} */
    state() {
      return { frame, time, playing, speed, loop, frames };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      playing = false;
      cancelAnimationFrame(rafId);
      rafId = 0;
      unpark?.();
      unpark = null;
      view?.dispose();
      view = null;
      root.remove();
    },
  };

  // ---- controls
  playButton.addEventListener("click", () => (playing ? player.pause() : player.play()));
  slider.addEventListener("input", () => player.seek(slider.valueAsNumber));
  const endScrub = () => {
    scrubbing = false;
    doc.removeEventListener("pointerup", endScrub);
    doc.removeEventListener("pointercancel", endScrub);
  };
  slider.addEventListener("pointerdown", () => {
    scrubbing = true;
    doc.addEventListener("pointerup", endScrub);
    doc.addEventListener("pointercancel", endScrub);
  });
  speedSelect.addEventListener("change", () => player.setSpeed(Number(speedSelect.value)));
  loopBox.addEventListener("change", () => {
    loop = loopBox.checked;
  });
  root.addEventListener("keydown", (event) => {
    if (event.key !== " " || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = /** @type {HTMLElement} */ (event.target);
    // Buttons and checkboxes toggle themselves on space; selects open. Everything else: play/pause.
    if (target.closest("button, select, textarea") || (target instanceof HTMLInputElement && target.type !== "range")) return;
    event.preventDefault(); // no page scroll
    event.stopPropagation(); // not a notebook shortcut
    if (playing) player.pause();
    else player.play();
  });

  player.setSpeed(typeof options.speed === "number" && options.speed > 0 ? options.speed : 1);
  loopBox.checked = loop;
  playing = frames > 1 && options.autoplay !== false;
  render();
  rafId = requestAnimationFrame(tick);
  return player;
}

/**
 * "t = 1.234 s / 10.000 s · frame 74 / 600": the time shown, the last frame's time, the index of
 * the frame shown (the last with time ≤ t) and the last index (0-based, as seek() takes them).
 * @param {number} time
 * @param {number} end
 * @param {number} frame
 * @param {number} last
 */
function readoutText(time, end, frame, last) {
  return `t = ${time.toFixed(3)} s / ${end.toFixed(3)} s · frame ${frame} / ${last}`;
}

// ---- data --------------------------------------------------------------------------------------

/** @param {number | string} height */
function cssLength(height) {
  return typeof height === "number" && Number.isFinite(height) ? `${Math.max(50, height)}px` : String(height);
}

/**
 * Checks the recording and brings it into one shape; throws an Error naming the field otherwise.
 * @param {PlayerData} data
 */
function normalize(data) {
  if (!data || typeof data !== "object") throw new Error("data must be an object");
  const { bodies, assets } = data;
  if (!Array.isArray(bodies)) throw new Error("data.bodies must be an array");
  if (!Array.isArray(assets)) throw new Error("data.assets must be an array");
  const ids = numbers(data.ids, "data.ids");
  const times = Float64Array.from(numbers(data.times, "data.times"));
  if (times.length === 0) throw new Error("data.times is empty: a recording needs at least one frame");
  for (let i = 1; i < times.length; i++) {
    if (!(times[i] >= times[i - 1])) throw new Error(`data.times must increase (times[${i}] = ${times[i]} < times[${i - 1}] = ${times[i - 1]})`);
  }
  const poses = ArrayBuffer.isView(data.poses) ? /** @type {ArrayLike<number>} */ (data.poses) : numbers(data.poses, "data.poses");
  const expected = times.length * ids.length * 7;
  if (poses.length !== expected) {
    throw new Error(`data.poses has ${poses.length} numbers; expected frames × ids × 7 = ${times.length} × ${ids.length} × 7 = ${expected}`);
  }
  const fixed = data.fixed ?? [];
  if (!Array.isArray(fixed)) throw new Error("data.fixed must be an array");
  const fixedStates = fixed.map((f, i) => {
    const p = numbers(f?.position, `data.fixed[${i}].position`);
    const q = numbers(f?.orientation, `data.fixed[${i}].orientation`);
    if (p.length !== 3) throw new Error(`data.fixed[${i}].position must have 3 numbers`);
    if (q.length !== 4) throw new Error(`data.fixed[${i}].orientation must have 4 numbers (w, x, y, z)`);
    return { body_id: f.body_id, position: { x: p[0], y: p[1], z: p[2] }, orientation: { w: q[0], x: q[1], y: q[2], z: q[3] } };
  });
  return { title: typeof data.title === "string" ? data.title : "", bodies, assets, ids: Array.from(ids), times, poses, fixedStates };
}

/**
 * @param {unknown} value
 * @param {string} name
 * @returns {ArrayLike<number>}
 */
function numbers(value, name) {
  if (!(Array.isArray(value) || ArrayBuffer.isView(value))) throw new Error(`${name} must be an array of numbers`);
  const list = /** @type {ArrayLike<number>} */ (value);
  for (let i = 0; i < list.length; i++) {
    if (typeof list[i] !== "number" || !Number.isFinite(list[i])) throw new Error(`${name}[${i}] must be a finite number`);
  }
  return list;
}
