// One recording open in the replay page: its data (metadata, timeline, frame cache), the playback
// clock and its animation-frame loop, the 3D view with the force overlay, and the graphs.
//
// The loop runs only while there is something to do: while playing, and for one tick after each
// change (an input, a setting, frames arrived or a failed request due again). Paused with its frame
// shown it asks for no animation frames at all (the 3D view renders on its own when the camera,
// the size or an overlay changes).
//
// The page makes a new session for each recording it shows and disposes the previous one first;
// dispose() stops the loop, aborts every request (responses still on their way are dropped),
// frees the WebGL context and removes the canvas, and purges the plots. Nothing of a session
// outlives it: the page-wide controls and listeners belong to the page (replay-app.js).

import { SceneView } from "./scene-view.js";
import { FrameStore, loadRecording } from "./replay-data.js";
import { PlaybackClock } from "./replay-playback.js";
import { ForceOverlay, forceScale } from "./replay-overlays.js";
import { ReplayGraphs } from "./replay-graphs.js";

/**
 * @typedef {object} SessionHooks
 * @property {(frame: any, index: number) => void} onFrame a new frame is shown
 * @property {() => void} onState playing, buffering, speed or loop changed
 * @property {(bodyId: number | null) => void} onSelect the user clicked a body (null: empty space)
 * @property {(message: string) => void} onProblem a request failed (the session goes on)
 */

export class ReplaySession {
  #disposed = false;
  #abort = new AbortController();
  #raf = 0;
  /** @type {number | null} */ #lastTick = null;
  /** @type {any} */ #shown = null;
  #buffering = false;
  /** the last state reported, to report changes only */
  #reported = "";
  /** @type {(() => void) | null} */ #unsubscribe = null;
  /** @type {SceneView | null} */ view = null;
  /** @type {ForceOverlay | null} */ forces = null;
  /** @type {ReplayGraphs | null} */ graphs = null;
  /** @type {FrameStore | null} */ store = null;
  /** @type {PlaybackClock | null} */ clock = null;
  /** @type {any} */ metadata = null;

  /**
   * @param {string} recordingId
   * @param {{viewport: HTMLElement, energy: HTMLElement, velocity: HTMLElement}} targets
   * @param {SessionHooks} hooks
   */
  constructor(recordingId, targets, hooks) {
    this.recordingId = recordingId;
    this.targets = targets;
    this.hooks = hooks;
  }

  get disposed() {
    return this.#disposed;
  }

  /**
   * Loads the recording and shows its first frame (or the frame at `startIndex`) once that has
   * arrived. Rejects when the recording cannot be loaded; resolves false when the session was
   * disposed meanwhile.
   * @param {{speed: number, loop: boolean, overlays: Record<string, boolean>, startIndex?: number}} settings
   */
  async open(settings) {
    const data = await loadRecording(this.recordingId, this.#abort.signal);
    if (this.#disposed) return false;
    this.metadata = data.metadata;
    this.ids = data.ids;
    this.times = data.times;
    this.clock = new PlaybackClock(data.times);
    this.clock.setSpeed(settings.speed);
    this.clock.setLoop(settings.loop);
    if (settings.startIndex) this.clock.seek(settings.startIndex);
    this.store = new FrameStore(this.recordingId, data.ids, data.metadata.bodies.length, {
      onChange: () => this.#wake(),
      onError: (error) => this.hooks.onProblem(`Could not load frames: ${error.message}`),
    });
    this.#buildView(data.assets);
    this.setOverlays(settings.overlays);
    this.graphs = new ReplayGraphs(this.recordingId, { ...this.targets, onMessage: (m) => this.hooks.onProblem(m) });
    this.graphs.loadEnergy();
    this.#wake();
    return true;
  }

  /** @param {any[]} assets */
  #buildView(assets) {
    const view = new SceneView(this.targets.viewport);
    this.view = view;
    view.setScene({ bodies: this.metadata.bodies, assets });
    this.#unsubscribe = view.onSelect((bodyId) => this.hooks.onSelect(bodyId));
    this.forces = new ForceOverlay(view, forceScale(this.metadata, assets));
  }

  /** @returns {any} the frame shown (null before the first has arrived) */
  get shownFrame() {
    return this.#shown;
  }

  /** @returns {{playing: boolean, buffering: boolean, index: number, frames: number, speed: number, loop: boolean}} */
  state() {
    const c = this.clock;
    return {
      playing: Boolean(c?.playing),
      buffering: this.#buffering,
      index: c?.index ?? 0,
      frames: c?.frames ?? 0,
      speed: c?.speed ?? 1,
      loop: Boolean(c?.loop),
    };
  }

  toggle() {
    this.clock?.toggle();
    this.#input();
  }

  pause() {
    this.clock?.pause();
    this.#input();
  }

  /** @param {number} delta frames */
  step(delta) {
    this.clock?.step(delta);
    this.#input();
  }

  /** @param {number} index */
  seek(index) {
    this.clock?.seek(index);
    this.#input();
  }

  /** @param {number} speed */
  setSpeed(speed) {
    this.clock?.setSpeed(speed);
    this.#input();
  }

  /** @param {boolean} loop */
  setLoop(loop) {
    this.clock?.setLoop(loop);
    this.#input();
  }

  /** @param {Record<string, boolean>} flags contacts, normals, forces, friction */
  setOverlays(flags) {
    this.view?.setOverlays({ contacts: flags.contacts, normals: flags.normals });
    this.forces?.setFlags({ forces: flags.forces, friction: flags.friction });
    this.#wake();
  }

  /** Highlights a body in the view (not reported back through onSelect). @param {number | null} bodyId */
  select(bodyId) {
    this.view?.select(bodyId);
  }

  /** @param {number | null} bodyId @param {string} [label] */
  plotVelocity(bodyId, label) {
    this.graphs?.showVelocity(bodyId, label);
  }

  resetCamera() {
    this.view?.resetCamera();
  }

  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    cancelAnimationFrame(this.#raf);
    this.#raf = 0;
    this.#abort.abort();
    this.#unsubscribe?.();
    this.store?.dispose();
    this.graphs?.dispose();
    this.forces?.dispose();
    this.view?.dispose();
    this.#shown = null;
  }

  // ---- the loop ----------------------------------------------------------------------------------

  /** A control changed the playback: report it, and run the loop (it shows the frame, fetches). */
  #input() {
    this.#changed();
    this.#wake();
  }

  /** Runs the loop at the next animation frame (if it is not already due to run). */
  #wake() {
    if (this.#disposed || this.#raf !== 0 || !this.clock) return;
    this.#raf = requestAnimationFrame(this.#tick);
  }

  #tick = () => {
    this.#raf = 0;
    if (this.#disposed) return;
    // The wall clock itself, not the animation frame's timestamp: on a loaded machine Chromium's
    // frame timestamps fall behind real time, and playback would run slow.
    const now = performance.now();
    const clock = /** @type {PlaybackClock} */ (this.clock);
    const store = /** @type {FrameStore} */ (this.store);
    const wall = this.#lastTick === null ? 0 : (now - this.#lastTick) / 1000;
    const moved = clock.advance(wall, (index) => store.has(index));
    store.want(clock.index, clock);
    // waiting for data: the playhead's frame is missing, or playing cannot go on without the next
    this.#buffering = !store.has(clock.index) || (clock.playing && !moved && wall > 0);
    this.#present();
    this.#changed();
    if (clock.playing) {
      this.#lastTick = now;
      this.#raf = requestAnimationFrame(this.#tick);
    } else {
      // idle until the next change; playing starts again from no elapsed time
      this.#lastTick = null;
    }
  };

  /** Shows the playhead's frame if it is loaded and not shown yet. */
  #present() {
    const index = /** @type {PlaybackClock} */ (this.clock).index;
    const frame = this.store?.get(index);
    if (!frame || frame === this.#shown) return;
    this.#shown = frame;
    this.view?.showFrame(frame);
    this.forces?.update(frame);
    this.graphs?.setTime(frame.simulation_time);
    this.hooks.onFrame(frame, index);
  }

  /** Reports playing / buffering / speed / loop when one of them changed. */
  #changed() {
    const s = this.state();
    const key = `${s.playing}|${s.buffering}|${s.speed}|${s.loop}`;
    if (key === this.#reported) return;
    this.#reported = key;
    this.hooks.onState();
  }
}
