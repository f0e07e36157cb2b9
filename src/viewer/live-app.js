// Entry of the live viewer page (/live): wires the scene editor, presets, the 3D view, the
// inspector, the chart and the connection together, and runs the page's state machine:
//
//   idle ──Start──► connecting ──metadata──► running ──complete──► complete
//                        │                      │   ──error/close──► error
//                        └──────error/close─────┴──► error
//   complete / error ──Start──► connecting …   (edit and run again without reloading)
//
// "error: server unreachable" is shown instead of idle/complete/error while the health check fails.
//
// Watch mode, `/live?watch=ID`: a read-only view of a simulation run elsewhere (a notebook, another
// page's run). The editor, presets and run controls are hidden; the watch banner says what is
// watched and how it stands; the view, inspector, overlays and chart work as in a run. A dropped
// connection is retried with backoff (reconnecting-watch.js) under a "Reconnecting…" banner:
//
//   connecting ──metadata──► running (banner: live) ──complete──► complete (banner: simulation ended)
//        │                      │  ▲
//        │                   dropped └─metadata── connecting (banner: reconnecting…, "Reconnecting…")
//        └────────── server error (unknown id…) ──────────► error (banner: error…)
//
// Both modes ask for binary frames (decoded by connection.js into the same frame objects).

import { SceneView } from "./scene-view.js";
import { SceneEditor, validateRunSettings, renderErrors, parseNumber } from "./scene-editor.js";
import { PRESETS, getPreset } from "./presets.js";
import { Inspector } from "./inspector.js";
import { LiveChart } from "./live-chart.js";
import { LiveSession, ServerMonitor, fetchAssets, liveSocketUrl, pageWatchId, watchLabels } from "./connection.js";
import { ReconnectingWatch } from "./reconnecting-watch.js";
import { wireCollapsiblePanels } from "./collapsible-panels.js";

/** UI refresh period for the status bar, inspector and chart (ms): ~10×/s, not per frame. */
const UI_PERIOD_MS = 100;
/** The simulation watched (`?watch=ID`), or null: the normal page with the editor. */
const WATCH_ID = pageWatchId();
/**
 * The chart's frame interval in watch mode when metadata gives none (`timestep_ms`): short enough
 * that the chart keeps every frame (its stride is 1 below 25 ms), whatever the watched run's step.
 */
const WATCH_CHART_TIMESTEP_MS = 25;
/** How the page asks for frames: packed binary, a fraction of the JSON's size. */
const FRAME_ENCODING = "binary";

/** @param {string} id @returns {any} */
const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);
/** @param {string} role @returns {any} */
const byRole = (role) => document.querySelector(`[data-role="${role}"]`);

const ui = {
  presetSelect: /** @type {HTMLSelectElement} */ (byTestId("preset-select")),
  presetDescription: byRole("preset-description"),
  timestep: /** @type {HTMLSelectElement} */ (byTestId("timestep")),
  duration: /** @type {HTMLInputElement} */ (byTestId("duration")),
  runErrors: byRole("run-errors"),
  start: /** @type {HTMLButtonElement} */ (byTestId("start")),
  stop: /** @type {HTMLButtonElement} */ (byTestId("stop")),
  status: byTestId("status"),
  statusText: byRole("status-text"),
  statusMessage: byTestId("status-message"),
  frameId: byTestId("frame-id"),
  simTime: byTestId("sim-time"),
  rtf: byTestId("rtf"),
  fps: byTestId("fps"),
  bodies: byTestId("bodies"),
  viewport: byTestId("viewport"),
  stage: /** @type {HTMLElement} */ (document.querySelector(".stage")),
  emptyStage: byRole("empty-stage"),
  banner: byTestId("banner"),
  bannerText: byRole("banner-text"),
  bannerRetry: byRole("banner-retry"),
  serverDot: byRole("server-dot"),
  overlayContacts: /** @type {HTMLInputElement} */ (byTestId("overlay-contacts")),
  overlayNormals: /** @type {HTMLInputElement} */ (byTestId("overlay-normals")),
  resetCamera: byTestId("reset-camera"),
  chartTitle: byRole("chart-title"),
  app: /** @type {HTMLElement} */ (document.querySelector(".app")),
  watchBanner: byTestId("watch-banner"),
  watchText: byRole("watch-text"),
  watchState: byTestId("watch-state"),
};

/** Page state. */
const app = {
  /** @type {"idle" | "connecting" | "running" | "complete" | "error"} */
  phase: "idle",
  /** null until the first health answer */
  serverUp: /** @type {boolean | null} */ (null),
  /** @type {LiveSession | ReconnectingWatch | null} */
  session: null,
  stopping: false,
  /** @type {any} */
  metadata: null,
  /** @type {any} */
  latestFrame: null,
  /** @type {number | null} */
  selected: null,
  timestepMs: 16,
  /** the scene was edited after the last Start (the failure card no longer applies) */
  editedSinceRun: false,
  message: "",
  messageIsError: false,
  /** (wall ms, simulation s) samples of the last second, for the real-time factor */
  rate: /** @type {[number, number][]} */ ([]),
  /** watch mode: how the watched simulation stands (the banner's state) */
  watchState: /** @type {"connecting" | "live" | "reconnecting" | "ended" | "disconnected" | "error"} */ ("connecting"),
  /** watch mode: the pending reconnect, while the connection is down */
  reconnect: /** @type {{attempt: number} | null} */ (null),
  /** seconds to the health monitor's next try, while the server is unreachable */
  retryInS: 0,
};

// ------------------------------------------------------------------------------- components

const view = createView(ui.viewport);

const editor = new SceneEditor(/** @type {HTMLElement} */ (document.getElementById("editor-root")), {
  onChange: () => {
    app.editedSinceRun = true;
    renderEmptyStage();
    if (app.phase !== "connecting" && app.phase !== "running") renderErrors(ui.runErrors, runErrorsFor(["duration", "timestep"]));
  },
  onUserEdit: () => {
    ui.presetSelect.value = "";
    ui.presetDescription.textContent = "Custom scene.";
  },
});

const inspector = new Inspector(byTestId("inspector"), { onClose: () => setSelected(null) });
const chart = new LiveChart(byTestId("chart"), { onTitle: (title) => (ui.chartTitle.textContent = title) });

const monitor = new ServerMonitor({
  onDown: (seconds) => {
    app.serverUp = false;
    app.retryInS = seconds;
    renderBanner();
    renderStatus();
  },
  onUp: () => {
    app.serverUp = true;
    renderBanner();
    if (app.phase === "error" && !app.session) {
      setMessage(WATCH_ID === null ? "The server is back: press Start to run again." : "The server is back: reload the page to watch again.", false);
    }
    (/** @type {any} */ (app.session))?.retryNow?.(); // a watch waiting to reconnect: now
    renderStatus();
    if (WATCH_ID === null) loadAssets();
  },
});

// ------------------------------------------------------------------------------- 3D view

/**
 * The SceneView, or a stand-in that draws nothing when WebGL is unavailable (the rest of the
 * page keeps working and says why).
 * @param {HTMLElement} container
 */
function createView(container) {
  try {
    return new SceneView(container);
  } catch (error) {
    const note = document.createElement("div");
    note.className = "viewport-error";
    note.textContent = `3D view unavailable: ${error instanceof Error ? error.message : String(error)}`;
    container.append(note);
    const noop = () => {};
    return { setScene: noop, pushFrame: noop, showFrame: noop, clear: noop, setOverlays: noop, onSelect: noop, select: noop, latestFrame: () => null, displayedState: () => null, resetCamera: noop, stats: () => ({ fps: 0, bodies: 0 }), dispose: noop };
  }
}

view.onSelect((bodyId) => setSelected(bodyId ?? null, false));

/** @param {number | null} bodyId @param {boolean} [fromPanel] tell the view too */
function setSelected(bodyId, fromPanel = true) {
  if (bodyId === app.selected) return;
  app.selected = bodyId;
  if (fromPanel) view.select(bodyId);
  inspector.select(bodyId);
  inspector.refresh(app.latestFrame);
  chart.select(bodyId);
}

// ------------------------------------------------------------------------------- presets

for (const preset of PRESETS) {
  const option = document.createElement("option");
  option.value = preset.id;
  option.textContent = preset.name;
  ui.presetSelect.append(option);
}

ui.presetSelect.addEventListener("change", () => {
  const preset = getPreset(ui.presetSelect.value);
  if (!preset) {
    ui.presetDescription.textContent = "Pick a ready-made scene, or build your own below.";
    return;
  }
  editor.setObjects(preset.build());
  ui.timestep.value = String(preset.timestepMs);
  ui.duration.value = String(preset.durationS);
  ui.presetDescription.textContent = preset.description;
  renderErrors(ui.runErrors, []);
  if (app.phase === "error" || app.phase === "complete") setMessage("", false);
});

// ------------------------------------------------------------------------------- run

/** Run-setting errors, limited to some keys. @param {string[]} [only] */
function runErrorsFor(only) {
  const errors = validateRunSettings({ timestepMs: ui.timestep.value, durationS: ui.duration.value, objectCount: editor.objects.length });
  return Object.entries(errors)
    .filter(([field]) => !only || only.includes(field))
    .map(([field, message]) => ({ field, message }));
}

ui.duration.addEventListener("input", () => {
  const errors = runErrorsFor(["duration"]);
  ui.duration.toggleAttribute("aria-invalid", errors.length > 0);
  renderErrors(ui.runErrors, errors);
});

function start() {
  if (app.session) return;
  const errors = runErrorsFor();
  ui.duration.toggleAttribute("aria-invalid", errors.some((e) => e.field === "duration"));
  renderErrors(ui.runErrors, errors);
  if (errors.length > 0) {
    setMessage(`Cannot start: ${errors[0].message}`, true);
    return;
  }
  if (app.serverUp === false) {
    setMessage("Cannot start: the server is unreachable (retrying).", true);
    return;
  }
  if (editor.editing >= 0) editor.cancelEdit();
  const timestepMs = parseNumber(ui.timestep.value);
  const durationS = parseNumber(ui.duration.value);
  app.timestepMs = timestepMs;
  app.metadata = null;
  app.latestFrame = null;
  app.rate = [];
  app.stopping = false;
  app.editedSinceRun = false;
  setSelected(null);
  view.clear();
  inspector.setMetadata({ bodies: [] });
  chart.reset({ bodies: [] }, timestepMs);
  ui.frameId.textContent = "0";
  ui.simTime.textContent = "0.000";
  ui.bodies.textContent = "0";

  const session = new LiveSession(
    { url: liveSocketUrl(), objects: structuredClone(editor.objects), timestepMs, durationS, encoding: FRAME_ENCODING },
    {
      onOpen: () => setMessage("Configuring the scene…", false),
      onMetadata: (metadata) => {
        if (app.session !== session) return;
        app.metadata = metadata;
        nameWatched(metadata.name);
        view.setScene(metadata);
        inspector.setMetadata(metadata);
        chart.reset(metadata, timestepMs);
        ui.bodies.textContent = String(metadata.bodies.length);
        renderEmptyStage();
        setMessage(app.stopping ? "Stopping…" : "", false);
        if (!app.stopping) setPhase("running");
      },
      onFrame: (data) => {
        if (app.session !== session) return;
        receiveFrame(data);
      },
      onComplete: ({ total_frames, elapsed_s, stopped }) => {
        if (app.session !== session) return;
        app.session = null;
        const frames = `${total_frames} frame${total_frames === 1 ? "" : "s"}`;
        setMessage(stopped ? `Stopped by user after ${frames}.` : `Finished: ${frames} in ${Number(elapsed_s).toFixed(1)} s.`, false);
        setPhase("complete");
      },
      onError: (message, { fromServer }) => {
        if (app.session !== session) return;
        app.session = null;
        setMessage(fromServer ? `Server error: ${message}` : message, true);
        setPhase("error");
        if (!fromServer) monitor.checkNow();
      },
    },
  );
  app.session = session;
  setMessage("Connecting…", false);
  setPhase("connecting");
  session.open();
}

/** A frame of the run or of the watched simulation: to the view, the chart and the rate samples. */
function receiveFrame(data) {
  const previous = app.latestFrame;
  if (previous && data.simulation_time < previous.simulation_time) {
    // Time went back (a watched notebook restored a snapshot): the timeline starts over. The view's
    // interpolator notices by itself; the chart and the real-time factor start afresh.
    chart.reset(app.metadata ?? { bodies: [] }, chartTimestepMs());
    app.rate = [];
  }
  app.latestFrame = data;
  view.pushFrame(data);
  chart.addFrame(data);
  const now = performance.now();
  app.rate.push([now, data.simulation_time]);
  while (app.rate.length > 2 && now - app.rate[0][0] > 1000) app.rate.shift();
}

/** The chart's frame interval: the run's timestep, or in watch mode metadata's if it has one. */
function chartTimestepMs() {
  if (WATCH_ID === null) return app.timestepMs;
  const ms = app.metadata?.timestep_ms;
  return typeof ms === "number" && ms > 0 ? ms : WATCH_CHART_TIMESTEP_MS;
}

// ------------------------------------------------------------------------------- watch

/** Watches WATCH_ID until it ends or the server says no; reconnects when the connection drops. */
function watch() {
  const simulationId = /** @type {string} */ (WATCH_ID);
  const session = new ReconnectingWatch(
    { url: liveSocketUrl(), simulationId, encoding: FRAME_ENCODING },
    {
      onOpen: () => setMessage(`Waiting for simulation ${simulationId}…`, false),
      onReconnecting: ({ attempt, delayS, reason }) => {
        if (app.session !== session) return;
        app.reconnect = { attempt };
        setMessage(`Connection lost (${reason}); reconnecting in ${delayS.toFixed(1)} s…`, true);
        setWatchState("reconnecting");
        setPhase("connecting");
        renderBanner();
        if (attempt === 1) monitor.checkNow();
      },
      onReconnected: () => {
        if (app.session !== session) return;
        app.reconnect = null;
        renderBanner();
        monitor.checkNow();
      },
      onMetadata: (metadata) => {
        if (app.session !== session) return;
        const first = app.metadata === null;
        // the first scene, or the scene changed (bodies added or removed): redraw it all; a
        // selected body that is still there stays selected
        app.metadata = metadata;
        nameWatched(metadata.name);
        view.setScene(metadata);
        inspector.setMetadata(metadata);
        chart.reset(metadata, chartTimestepMs());
        app.rate = [];
        ui.bodies.textContent = String(metadata.bodies.length);
        if (first || app.phase !== "running") {
          setMessage(`Watching simulation ${simulationId}.`, false);
          setWatchState("live");
          setPhase("running");
        } else {
          renderEmptyStage();
        }
      },
      onFrame: (data) => {
        if (app.session !== session) return;
        receiveFrame(data);
      },
      onComplete: ({ total_frames }) => {
        if (app.session !== session) return;
        app.session = null;
        const frames = typeof total_frames === "number" ? ` after ${total_frames} frame${total_frames === 1 ? "" : "s"}` : "";
        setMessage(`Simulation ${simulationId} ended${frames}.`, false);
        setWatchState("ended");
        setPhase("complete");
      },
      onError: (message, { fromServer }) => {
        if (app.session !== session) return;
        app.session = null;
        app.reconnect = null;
        renderBanner();
        setMessage(fromServer ? `Server error: ${message}` : `Disconnected: ${message}`, true);
        setWatchState(fromServer ? "error" : "disconnected", message);
        setPhase("error");
        if (!fromServer) monitor.checkNow();
      },
    },
  );
  app.session = session;
  setMessage("Connecting…", false);
  setWatchState("connecting");
  setPhase("connecting");
  session.open();
}

/**
 * The watch banner: "Watching NAME (simulation ID, read-only) · <state>" once metadata has named
 * the publication, "Watching simulation ID (read-only) · <state>" until then or without a name.
 * @param {typeof app.watchState} state
 * @param {string} [detail] the server's error message
 */
function setWatchState(state, detail = "") {
  app.watchState = state;
  const text = {
    connecting: "connecting…",
    live: "live",
    reconnecting: "reconnecting…",
    ended: "simulation ended",
    disconnected: "disconnected",
    error: `error: ${detail}`,
  }[state];
  ui.watchBanner.dataset.state = state;
  ui.watchState.textContent = text;
  ui.watchState.title = detail || text;
}

/** Switches the page to watch mode: no editor, presets or run controls; the banner instead. */
function enterWatchMode() {
  ui.app.classList.add("watch-mode");
  ui.stage.classList.add("watching");
  nameWatched(undefined);
  ui.watchBanner.hidden = false;
  for (const id of ["editor-root"]) document.getElementById(id)?.setAttribute("hidden", "");
  for (const el of document.querySelectorAll(".run-controls")) el.setAttribute("hidden", "");
}

/**
 * Names the watched simulation in the banner and the page title: by the publication's name from
 * metadata when it has one (`serveLive({ name })`), else by its id.
 * @param {unknown} name
 */
function nameWatched(name) {
  const labels = watchLabels(/** @type {string} */ (WATCH_ID), name);
  document.title = labels.title;
  ui.watchText.textContent = labels.text;
  ui.watchBanner.title = labels.tooltip;
}

function stop() {
  if (!app.session || app.stopping) return;
  app.stopping = true;
  setMessage("Stopping…", false);
  app.session.stop();
  renderControls();
}

ui.start.addEventListener("click", start);
ui.stop.addEventListener("click", stop);

// ------------------------------------------------------------------------------- rendering

/** @param {typeof app.phase} phase */
function setPhase(phase) {
  app.phase = phase;
  if (phase !== "running") app.rate = [];
  renderStatus();
  renderControls();
  renderEmptyStage();
  tick();
}

/**
 * The banner over the view: "Reconnecting…" while a watch waits to reconnect, else "Server
 * unreachable" while the health check fails, else hidden.
 */
function renderBanner() {
  const text = app.reconnect
    ? `Reconnecting… (attempt ${app.reconnect.attempt})`
    : app.serverUp === false
      ? `Server unreachable — retrying in ${app.retryInS} s`
      : "";
  ui.bannerText.textContent = text;
  ui.banner.hidden = text === "";
  ui.stage.classList.toggle("has-banner", text !== "");
}

/** @param {string} message @param {boolean} isError */
function setMessage(message, isError) {
  app.message = message;
  app.messageIsError = isError;
  ui.statusMessage.textContent = message;
  ui.statusMessage.title = message;
  ui.statusMessage.classList.toggle("error", isError);
}

function renderStatus() {
  const busy = app.phase === "connecting" || app.phase === "running";
  const unreachable = app.serverUp === false && !busy;
  ui.statusText.textContent = unreachable ? "error: server unreachable" : app.phase;
  ui.status.dataset.state = unreachable ? "unreachable" : app.phase;
  ui.serverDot.classList.toggle("down", app.serverUp === false);
  ui.serverDot.classList.toggle("unknown", app.serverUp === null);
  ui.serverDot.title = app.serverUp === false ? "Server unreachable" : app.serverUp ? "Server connected" : "Checking server…";
}

function renderControls() {
  if (WATCH_ID !== null) {
    // read-only: nothing to edit or run (the controls are hidden as well)
    for (const control of [ui.start, ui.stop, ui.presetSelect, ui.timestep, ui.duration]) control.disabled = true;
    editor.setLocked(true);
    return;
  }
  const busy = app.phase === "connecting" || app.phase === "running";
  ui.start.disabled = busy;
  ui.stop.disabled = !busy || app.stopping;
  ui.presetSelect.disabled = busy;
  ui.timestep.disabled = busy;
  ui.duration.disabled = busy;
  editor.setLocked(busy);
}

/** The card in the middle of an empty view: what to do next, or why the last run failed. */
function renderEmptyStage() {
  ui.emptyStage.hidden = app.metadata !== null || app.phase === "connecting";
  const title = ui.emptyStage.querySelector(".empty-title");
  const text = title?.nextElementSibling;
  if (!title || !text) return;
  if (WATCH_ID !== null) {
    const failed = app.phase === "error";
    ui.emptyStage.classList.toggle("failed", failed);
    title.textContent = failed ? `Cannot watch simulation ${WATCH_ID}` : app.phase === "complete" ? "Simulation ended" : "Waiting for the simulation";
    text.textContent = failed ? app.message : app.phase === "complete" ? "It ended before it showed a scene." : "Its scene appears here once it has one.";
    return;
  }
  const n = editor.objects.length;
  const failed = app.phase === "error" && !app.editedSinceRun;
  ui.emptyStage.classList.toggle("failed", failed);
  if (failed) {
    title.textContent = "The run failed";
    const reason = /[.!?]$/.test(app.message) ? app.message : `${app.message}.`;
    text.textContent = `${reason} Fix the scene and press Start to try again.`;
  } else {
    title.textContent = n ? `${n} object${n === 1 ? "" : "s"} ready` : "Nothing simulated yet";
    text.textContent = n ? "Press Start to run the scene." : "Choose a preset or add objects, then press Start.";
  }
}

/** Real-time factor: simulation time advanced ÷ wall time over the last second. */
function realTimeFactor() {
  if (app.phase !== "running" || app.rate.length < 2) return null;
  const [w0, s0] = app.rate[0];
  const [w1, s1] = app.rate[app.rate.length - 1];
  const now = performance.now();
  if (now - w1 > 1000) return 0; // no frames for a second: the simulation is not advancing
  if (w1 - w0 < 250) return null;
  return (s1 - s0) / ((w1 - w0) / 1000);
}

/** ~10×/s: status bar numbers, inspector, chart. */
function tick() {
  const frame = app.latestFrame;
  if (frame) {
    const id = String(frame.frame_id);
    if (ui.frameId.textContent !== id) ui.frameId.textContent = id;
    ui.simTime.textContent = Number(frame.simulation_time).toFixed(3);
  }
  const rtf = realTimeFactor();
  ui.rtf.textContent = rtf === null ? "–" : `${rtf.toFixed(2)}×`;
  const { fps } = view.stats();
  ui.fps.textContent = Number.isFinite(fps) && fps > 0 ? String(Math.round(fps)) : "–";
  inspector.refresh(frame);
  chart.flush();
}

setInterval(tick, UI_PERIOD_MS);

// ------------------------------------------------------------------------------- view tools

function applyOverlays() {
  view.setOverlays({ contacts: ui.overlayContacts.checked, normals: ui.overlayNormals.checked });
}
ui.overlayContacts.addEventListener("change", applyOverlays);
ui.overlayNormals.addEventListener("change", applyOverlays);
ui.resetCamera.addEventListener("click", () => view.resetCamera());

wireCollapsiblePanels((panel) => {
  if (panel.classList.contains("chart-panel")) chart.resize();
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && app.selected !== null && !(event.target instanceof HTMLInputElement)) setSelected(null);
});

ui.bannerRetry.addEventListener("click", () => {
  monitor.checkNow();
  (/** @type {any} */ (app.session))?.retryNow?.();
});

// ------------------------------------------------------------------------------- server

async function loadAssets() {
  editor.setAssetPlaceholder("Loading assets…");
  try {
    const assets = await fetchAssets();
    editor.setAssets(assets);
    if (app.serverUp === null) app.serverUp = true;
    if (app.message.startsWith("Could not load assets")) setMessage("", false);
    renderStatus();
  } catch (error) {
    editor.setAssetPlaceholder("Failed to load assets");
    setMessage(`Could not load assets: ${error instanceof Error ? error.message : String(error)}`, true);
    monitor.checkNow();
  }
}

window.addEventListener("pagehide", () => app.session?.dispose());

if (WATCH_ID !== null) enterWatchMode();
applyOverlays();
renderStatus();
renderControls();
renderEmptyStage();
if (WATCH_ID === null) loadAssets();
else watch();
monitor.start();
