// The replay page's graphs (plotly, loaded by the page as a classic script: window.Plotly): the
// system's energy (total, linear KE, rotational KE, potential) from GET …/energy, and the selected
// body's velocity from GET …/velocity/{body_id}, both against simulation time, each with a vertical
// line at the frame shown. The line moves with Plotly.relayout of one shape, at most ~8×/s, never
// with a redraw of the data.
//
// One instance per recording: dispose() purges both plots and drops every response still on its
// way, so a slow answer for a previous recording or body never lands in the charts.

import { AXIS, chartLayout, PLOT_CONFIG } from "./chart-style.js";
import { loadEnergy, loadVelocity } from "./replay-data.js";

/** Shortest interval between two marker moves, ms. */
const MARKER_PERIOD_MS = 120;
const COLORS = { total: "#e6e9ef", linear: "#4a9eff", rotational: "#f5a742", potential: "#3ddc97", vx: "#f06a6a", vy: "#5fd08a", vz: "#5aa8ff", spin: "#c48cff", marker: "#ff4d6d" };
const CONFIG = { ...PLOT_CONFIG, responsive: false };

export class ReplayGraphs {
  #disposed = false;
  /** @type {AbortController} */ #abort = new AbortController();
  /** bumped by each velocity request: only the newest may draw */
  #velocityRequest = 0;
  /** @type {ResizeObserver | null} */ #resize = null;
  /** marker: time wanted, time drawn, pending timer */
  #marker = { wanted: 0, drawn: NaN, timer: 0, busy: false };
  /** @type {Set<HTMLElement>} charts that have been drawn (and need a purge) */
  #drawn = new Set();

  /**
   * @param {string} recordingId
   * @param {{energy: HTMLElement, velocity: HTMLElement, onMessage?: (text: string) => void}} targets
   */
  constructor(recordingId, targets) {
    this.recordingId = recordingId;
    this.energyEl = targets.energy;
    this.velocityEl = targets.velocity;
    this.onMessage = targets.onMessage ?? (() => {});
    this.plotly = /** @type {any} */ (globalThis).Plotly;
    if (!this.plotly) {
      for (const el of [this.energyEl, this.velocityEl]) note(el, "Graphs unavailable (plotly did not load).");
      return;
    }
    this.#resize = new ResizeObserver(() => this.#fit());
    this.#resize.observe(this.energyEl);
    this.#resize.observe(this.velocityEl);
  }

  /** Fetches and draws the energy plot. */
  async loadEnergy() {
    if (!this.plotly) return;
    this.#note(this.energyEl, "Loading energy…");
    try {
      const rows = await loadEnergy(this.recordingId, this.#abort.signal);
      if (this.#disposed) return;
      const t = column(rows, "simulation_time");
      this.#draw(this.energyEl, [
        trace("total", t, column(rows, "total_system_e"), COLORS.total, "J", 2),
        trace("linear KE", t, column(rows, "total_linear_ke"), COLORS.linear, "J"),
        trace("rotational KE", t, column(rows, "total_rotational_ke"), COLORS.rotational, "J"),
        trace("potential", t, column(rows, "total_potential_e"), COLORS.potential, "J"),
      ], "J");
    } catch (error) {
      this.#failed(this.energyEl, "energy", error);
    }
  }

  /**
   * Fetches and draws a body's velocity (null: a hint instead).
   * @param {number | null} bodyId
   * @param {string} [label] the body's name, for the hint
   */
  async showVelocity(bodyId, label = "") {
    if (!this.plotly) return;
    const request = ++this.#velocityRequest;
    if (bodyId === null) {
      this.#note(this.velocityEl, "Select a body to plot its velocity.");
      return;
    }
    // a chart already there stays until the new body's data replaces it (no flicker)
    if (!this.#drawn.has(this.velocityEl)) this.#note(this.velocityEl, `Loading velocity of ${label || `body ${bodyId}`}…`);
    try {
      const rows = await loadVelocity(this.recordingId, bodyId, this.#abort.signal);
      if (this.#disposed || request !== this.#velocityRequest) return; // another body since
      const t = column(rows, "simulation_time");
      this.#draw(this.velocityEl, [
        trace("|v|", t, column(rows, "speed"), COLORS.total, "m/s", 2),
        trace("vx", t, column(rows, "vx"), COLORS.vx, "m/s"),
        trace("vy", t, column(rows, "vy"), COLORS.vy, "m/s"),
        trace("vz", t, column(rows, "vz"), COLORS.vz, "m/s"),
        { ...trace("|ω|", t, column(rows, "omega_magnitude"), COLORS.spin, "rad/s"), yaxis: "y2", line: { color: COLORS.spin, width: 1.4, dash: "dot" } },
      ], "m/s", "rad/s");
    } catch (error) {
      if (request === this.#velocityRequest) this.#failed(this.velocityEl, "velocity", error);
    }
  }

  /** Moves the current-frame line to simulation time t (throttled). @param {number} t */
  setTime(t) {
    this.#marker.wanted = t;
    if (!this.#marker.timer && !this.#disposed) this.#marker.timer = window.setTimeout(this.#moveMarker, MARKER_PERIOD_MS);
  }

  dispose() {
    this.#disposed = true;
    this.#abort.abort();
    clearTimeout(this.#marker.timer);
    this.#resize?.disconnect();
    for (const el of this.#drawn) this.#purge(el);
    for (const el of [this.energyEl, this.velocityEl]) el.replaceChildren();
  }

  #moveMarker = () => {
    const m = this.#marker;
    m.timer = 0;
    if (this.#disposed || m.wanted === m.drawn) return;
    if (m.busy) {
      this.setTime(m.wanted); // the previous move is still being drawn: try again shortly
      return;
    }
    m.drawn = m.wanted;
    m.busy = true;
    const update = { "shapes[0].x0": m.drawn, "shapes[0].x1": m.drawn };
    const moves = [...this.#drawn].map((el) => this.plotly.relayout(el, update));
    Promise.allSettled(moves).then(() => {
      m.busy = false;
    });
  };

  /**
   * @param {HTMLElement} el @param {any[]} traces @param {string} unit
   * @param {string} [unit2] a second y axis on the right
   */
  #draw(el, traces, unit, unit2) {
    if (!this.#drawn.has(el)) el.replaceChildren(); // a note, not a plot: plotly starts afresh
    const layout = {
      ...chartLayout({ l: 8, r: unit2 ? 8 : 12, t: 4, b: 4 }),
      yaxis: { ...AXIS, title: { text: unit, standoff: 2, font: { size: 10 } } },
      ...(unit2 ? { yaxis2: { ...AXIS, overlaying: "y", side: "right", showgrid: false, title: { text: unit2, standoff: 2, font: { size: 10 } } } } : {}),
      shapes: [{ type: "line", xref: "x", yref: "paper", x0: this.#marker.wanted, x1: this.#marker.wanted, y0: 0, y1: 1, line: { color: COLORS.marker, width: 1.5 } }],
    };
    this.plotly.react(el, traces, layout, CONFIG);
    this.#drawn.add(el);
  }

  /** A line of text in place of a chart (purged first). @param {HTMLElement} el @param {string} text @param {boolean} [error] */
  #note(el, text, error = false) {
    this.#purge(el);
    note(el, text, error);
  }

  /** @param {HTMLElement} el */
  #purge(el) {
    if (!this.#drawn.delete(el)) return;
    this.plotly.purge(el);
  }

  /** @param {HTMLElement} el @param {string} what @param {unknown} error */
  #failed(el, what, error) {
    if (this.#disposed) return;
    const message = `Could not load ${what}: ${error instanceof Error ? error.message : String(error)}`;
    this.#note(el, message, true);
    this.onMessage(message);
  }

  #fit() {
    for (const el of this.#drawn) if (el.offsetParent) this.plotly.Plots.resize(el);
  }
}

/** One field of every row, in order. @param {any[]} rows @param {string} key @returns {number[]} */
function column(rows, key) {
  return rows.map((r) => r[key]);
}

/**
 * @param {string} name @param {number[]} x @param {number[]} y @param {string} color @param {string} unit
 * @param {number} [width]
 */
function trace(name, x, y, color, unit, width = 1.4) {
  return { x, y, name, type: "scatter", mode: "lines", line: { color, width }, hovertemplate: `%{y:.4g} ${unit}<extra>${name}</extra>` };
}

/** A line of text in place of a chart. @param {HTMLElement} el @param {string} text @param {boolean} [error] */
function note(el, text, error = false) {
  const p = el.ownerDocument.createElement("p");
  p.className = error ? "panel-hint error" : "panel-hint";
  p.textContent = text;
  el.replaceChildren(p);
}
