// Small live chart (plotly, loaded by the page as a classic script: window.Plotly).
//
// With a body selected: its height z and speed |v| against simulation time. With nothing
// selected: the system's kinetic energy. The last 30 s are kept in a compact history (typed
// arrays, ~30 samples/s for every body), so switching the selection redraws at once; new samples
// go to plotly with extendTraces at most ~10×/s (flush(), driven by the app).
//
// Kinetic energy here is the TRANSLATIONAL part only, ½ m |v|² summed over inertial bodies: the
// metadata carries masses but no inertia tensors, so rotational energy ½ ωᵀIω is omitted.

import { AXIS, chartLayout, PLOT_CONFIG } from "./chart-style.js";

/** Seconds of history kept and shown. */
export const WINDOW_S = 30;
/** Shortest interval between two samples (s): ~40 Hz at most, every 2nd frame at 16 ms. */
const MIN_SAMPLE_INTERVAL_S = 0.025;

/**
 * Translational kinetic energy ½ m |v|² summed over the states of inertial bodies.
 * @param {{body_id: number, velocity: {x: number, y: number, z: number}, is_environment?: boolean}[]} states
 * @param {Map<number, number>} massById body id → mass (inertial bodies)
 * @returns {number} joules
 */
export function kineticEnergy(states, massById) {
  let sum = 0;
  for (const s of states) {
    if (s.is_environment) continue;
    const m = massById.get(s.body_id);
    if (!m) continue;
    const v = s.velocity;
    sum += 0.5 * m * (v.x * v.x + v.y * v.y + v.z * v.z);
  }
  return sum;
}

/** Ring buffer of the last WINDOW_S seconds: time, system kinetic energy, and z / speed per body. */
export class SeriesHistory {
  constructor() {
    this.reset({ bodies: [] }, 16);
  }

  /**
   * @param {{bodies: {body_id: number, mass: number, is_environment: boolean}[]}} metadata
   * @param {number} timestepMs
   */
  reset(metadata, timestepMs) {
    const dt = Math.max(1, timestepMs) / 1000;
    /** keep every `stride`-th frame */
    this.stride = Math.max(1, Math.ceil(MIN_SAMPLE_INTERVAL_S / dt - 1e-9));
    this.capacity = Math.floor(WINDOW_S / (this.stride * dt)) + 1;
    /** @type {Map<number, number>} body id → column */
    this.column = new Map(metadata.bodies.map((b, i) => [b.body_id, i]));
    /** @type {Map<number, number>} */
    this.mass = new Map(metadata.bodies.filter((b) => !b.is_environment).map((b) => [b.body_id, b.mass]));
    this.n = metadata.bodies.length;
    this.time = new Float64Array(this.capacity);
    this.ke = new Float64Array(this.capacity);
    this.z = new Float32Array(this.capacity * this.n);
    this.speed = new Float32Array(this.capacity * this.n);
    /** samples ever added (sequence number of the next one) */
    this.total = 0;
  }

  /** Oldest sequence number still held. */
  get first() {
    return Math.max(0, this.total - this.capacity);
  }

  /**
   * Records a frame if it falls on the sampling stride.
   * @param {{frame_id: number, simulation_time: number, states: any[]}} frame
   * @returns {boolean} whether it was recorded
   */
  add(frame) {
    if (frame.frame_id % this.stride !== 0) return false;
    const slot = this.total % this.capacity;
    this.time[slot] = frame.simulation_time;
    this.ke[slot] = kineticEnergy(frame.states, this.mass);
    const base = slot * this.n;
    for (const s of frame.states) {
      const c = this.column.get(s.body_id);
      if (c === undefined) continue;
      this.z[base + c] = s.position.z;
      this.speed[base + c] = Math.hypot(s.velocity.x, s.velocity.y, s.velocity.z);
    }
    this.total += 1;
    return true;
  }

  /**
   * Samples with sequence numbers in [from, total): time and one or two series.
   * @param {number | null} bodyId null → kinetic energy
   * @param {number} [from]
   * @returns {{t: number[], a: number[], b: number[]}} a: KE or z; b: speed (empty for KE)
   */
  series(bodyId, from = this.first) {
    const t = [];
    const a = [];
    const b = [];
    const c = bodyId === null ? undefined : this.column.get(bodyId);
    for (let seq = Math.max(from, this.first); seq < this.total; seq++) {
      const slot = seq % this.capacity;
      t.push(this.time[slot]);
      if (c === undefined) a.push(this.ke[slot]);
      else {
        a.push(this.z[slot * this.n + c]);
        b.push(this.speed[slot * this.n + c]);
      }
    }
    return { t, a, b };
  }
}

const COLORS = { ke: "#f5b942", z: "#4a9eff", speed: "#3ddc97" };

/** The plotly chart in the floating panel. */
export class LiveChart {
  /**
   * @param {HTMLElement} container the `[data-testid=chart]` element
   * @param {{onTitle?: (title: string) => void}} [callbacks] onTitle: the chart's subject changed
   */
  constructor(container, { onTitle = () => {} } = {}) {
    this.container = container;
    this.onTitle = onTitle;
    this.history = new SeriesHistory();
    /** @type {number | null} */
    this.selected = null;
    this.selectedInfo = null;
    /** @type {Map<number, any>} */
    this.bodies = new Map();
    this.flushed = 0;
    this.plotly = /** @type {any} */ (globalThis).Plotly;
    if (!this.plotly) {
      const note = container.ownerDocument.createElement("p");
      note.className = "panel-hint";
      note.textContent = "Chart unavailable (plotly did not load).";
      container.replaceChildren(note);
    }
    this.redraw();
  }

  /**
   * New run.
   * @param {{bodies: any[]}} metadata
   * @param {number} timestepMs
   */
  reset(metadata, timestepMs) {
    this.history.reset(metadata, timestepMs);
    this.bodies = new Map(metadata.bodies.map((b) => [b.body_id, b]));
    if (this.selected !== null && !this.bodies.has(this.selected)) this.selected = null;
    this.redraw();
  }

  /** @param {number | null} bodyId */
  select(bodyId) {
    if (bodyId === this.selected) return;
    this.selected = bodyId;
    this.redraw();
  }

  /** Records a frame (cheap; drawing happens in flush). @param {any} frame */
  addFrame(frame) {
    this.history.add(frame);
  }

  /** Current subject, for the panel header. */
  title() {
    const info = this.selected === null ? undefined : this.bodies.get(this.selected);
    return info ? `Body ${info.body_id} · height & speed` : "Kinetic energy (translational)";
  }

  /** Draws everything held for the current subject (selection change, new run). */
  redraw() {
    this.onTitle(this.title());
    if (!this.plotly) return;
    const bodyMode = this.selected !== null && this.bodies.has(this.selected);
    const { t, a, b } = this.history.series(bodyMode ? this.selected : null);
    this.flushed = this.history.total;
    const line = (color) => ({ color, width: 1.6 });
    const traces = bodyMode
      ? [
          { x: t, y: a, name: "z (m)", type: "scatter", mode: "lines", line: line(COLORS.z), hovertemplate: "%{y:.3f} m<extra></extra>" },
          { x: t, y: b, name: "speed (m/s)", type: "scatter", mode: "lines", yaxis: "y2", line: line(COLORS.speed), hovertemplate: "%{y:.3f} m/s<extra></extra>" },
        ]
      : [{ x: t, y: a, name: "KE (J)", type: "scatter", mode: "lines", line: line(COLORS.ke), fill: "tozeroy", fillcolor: "rgba(245,185,66,0.08)", hovertemplate: "%{y:.4g} J<extra></extra>" }];
    const layout = {
      ...chartLayout({ l: 8, r: bodyMode ? 8 : 12, t: 6, b: 6 }),
      yaxis: { ...AXIS, rangemode: "tozero", tickfont: { size: 10, color: bodyMode ? COLORS.z : COLORS.ke } },
      ...(bodyMode ? { yaxis2: { ...AXIS, overlaying: "y", side: "right", rangemode: "tozero", showgrid: false, tickfont: { size: 10, color: COLORS.speed } } } : {}),
      uirevision: bodyMode ? `body-${this.selected}` : "system",
    };
    const config = { ...PLOT_CONFIG, responsive: true };
    this.plotly.react(this.container, traces, layout, config);
  }

  /** Appends the samples recorded since the last flush (call ~10×/s). */
  flush() {
    if (!this.plotly || this.flushed >= this.history.total) return;
    const bodyMode = this.selected !== null && this.bodies.has(this.selected);
    const { t, a, b } = this.history.series(bodyMode ? this.selected : null, this.flushed);
    this.flushed = this.history.total;
    if (t.length === 0) return;
    const max = this.history.capacity;
    if (bodyMode) this.plotly.extendTraces(this.container, { x: [t, t], y: [a, b] }, [0, 1], max);
    else this.plotly.extendTraces(this.container, { x: [t], y: [a] }, [0], max);
  }

  /** Re-fits the plot to its container (after the panel is expanded). */
  resize() {
    if (this.plotly && this.container.offsetParent) this.plotly.Plots.resize(this.container);
  }
}
