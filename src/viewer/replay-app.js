// Entry of the replay page (GET /): the recording picker, the playback bar, the panels and the
// keyboard, around one ReplaySession (replay-session.js) for the recording shown.
//
//   loading ──list──► empty (no recordings: how to make one)
//      │       └────► recording chosen (?id=…, else the newest) ──► paused ◄──► playing / buffering
//      └──failed────► error (message and Retry)            another recording: dispose, load again
//
// Page-wide listeners are added once, here; everything tied to one recording (render loops, WebGL
// context, plots, requests) belongs to its session and goes with session.dispose().
//
// Leaving the page (pagehide) disposes the session; coming back to it from the back/forward cache
// (pageshow with `persisted`) opens the same recording again at the frame it was on, with the same
// body selected.

import { Inspector } from "./inspector.js";
import { assignBodyColors, toCss } from "./body-colors.js";
import { listRecordings } from "./replay-data.js";
import { SPEEDS } from "./replay-playback.js";
import { solverSummary } from "./replay-overlays.js";
import { ReplaySession } from "./replay-session.js";
import { wireCollapsiblePanels } from "./collapsible-panels.js";

/** Inspector, render rate and cache readouts: ~10×/s, not per frame. */
const UI_PERIOD_MS = 100;

/** @param {string} id @returns {any} */
const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);
/** @param {string} role @returns {any} */
const byRole = (role) => document.querySelector(`[data-role="${role}"]`);

const ui = {
  select: /** @type {HTMLSelectElement} */ (byTestId("recording-select")),
  refresh: byTestId("recordings-refresh"),
  info: byTestId("recording-info"),
  bodies: byTestId("bodies"),
  bodyList: byTestId("body-list"),
  bodiesEmpty: byRole("bodies-empty"),
  stage: /** @type {HTMLElement} */ (document.querySelector(".stage")),
  viewport: byTestId("viewport"),
  banner: byTestId("banner"),
  bannerText: byRole("banner-text"),
  bannerRetry: byRole("banner-retry"),
  empty: byTestId("empty-state"),
  loading: byTestId("loading"),
  loadingText: byRole("loading-text"),
  inspector: byTestId("inspector"),
  energy: byTestId("energy-chart"),
  velocity: byTestId("velocity-chart"),
  velocityBody: /** @type {HTMLSelectElement} */ (byTestId("velocity-body")),
  overlays: /** @type {HTMLInputElement[]} */ ([...document.querySelectorAll("[data-overlay]")]),
  forceLegend: byTestId("force-legend"),
  resetCamera: byTestId("reset-camera"),
  stepBack: byTestId("step-back"),
  play: byTestId("play"),
  stepForward: byTestId("step-forward"),
  timeline: /** @type {HTMLInputElement} */ (byTestId("timeline")),
  frameId: byTestId("frame-id"),
  lastFrameId: byTestId("last-frame-id"),
  simTime: byTestId("sim-time"),
  duration: byTestId("duration"),
  speeds: /** @type {HTMLButtonElement[]} */ ([...document.querySelectorAll("[data-speed]")]),
  loop: /** @type {HTMLInputElement} */ (byTestId("loop")),
  status: byTestId("status"),
  statusText: byRole("status-text"),
  statusMessage: byTestId("status-message"),
  fps: byTestId("fps"),
  cached: byTestId("cached"),
  solver: byTestId("solver-status"),
  solverText: byRole("solver-text"),
};

const app = {
  /** @type {any[]} the list from the server, newest first */
  recordings: [],
  /** @type {ReplaySession | null} */
  session: null,
  /** @type {string | null} the recording shown (or being loaded) */
  recordingId: null,
  /** bumped by each list request: only the newest answer counts */
  listRequest: 0,
  /** @type {"loading" | "empty" | "ready" | "error"} */
  phase: "loading",
  /** @type {number | null} */
  selected: null,
  /** @type {number | null} the body whose velocity is plotted */
  velocityBody: null,
  speed: 1,
  loop: false,
  /** @type {Record<string, boolean>} */
  overlays: {},
  /** @type {"list" | "recording"} what Retry does */
  retry: /** @type {"list" | "recording"} */ ("list"),
  /** @type {{id: string, index: number, selected: number | null, velocityBody: number | null} | null} what pagehide left on screen */
  left: null,
};

const inspector = new Inspector(ui.inspector, { onClose: () => setSelected(null) });

// ------------------------------------------------------------------------------- recordings

/**
 * Reads the list of recordings and shows one: `prefer` if it is listed, else the page URL's ?id=,
 * else the one shown now, else the newest.
 * @param {string | null} [prefer]
 */
async function refreshList(prefer = null) {
  const request = ++app.listRequest;
  ui.select.disabled = true;
  if (app.phase !== "ready") setPhase("loading", "Loading recordings…");
  try {
    const recordings = await listRecordings();
    if (request !== app.listRequest) return; // a newer refresh is under way
    app.recordings = recordings;
    fillPicker();
    if (recordings.length === 0) return showEmpty();
    const wanted = prefer ?? urlId() ?? app.recordingId;
    const chosen = recordings.some((r) => r.id === wanted) ? wanted : recordings[0].id;
    if (wanted && chosen !== wanted) setMessage(`Recording "${wanted}" was not found; showing the newest.`, true);
    ui.select.value = chosen;
    if (chosen !== app.recordingId || !app.session) openRecording(chosen);
  } catch (error) {
    if (request !== app.listRequest) return;
    const message = `Could not load the list of recordings: ${errorText(error)}`;
    // a recording on screen stays usable: only say so
    if (app.session && app.phase === "ready") setMessage(message, true);
    else fail("list", message);
  } finally {
    if (request === app.listRequest) ui.select.disabled = app.recordings.length === 0;
  }
}

function fillPicker() {
  const options = app.recordings.map((r) => {
    const option = document.createElement("option");
    option.value = r.id;
    const seconds = Number(r.duration_s);
    option.textContent = `${r.name || r.id} · ${r.total_frames} frames · ${Number.isFinite(seconds) ? seconds.toFixed(2) : "?"} s`;
    option.title = `${r.id}${r.created_at ? ` · recorded ${r.created_at}` : ""}`;
    return option;
  });
  if (options.length === 0) options.push(new Option("No recordings", ""));
  ui.select.replaceChildren(...options);
  ui.select.disabled = app.recordings.length === 0;
}

function showEmpty() {
  closeSession();
  app.recordingId = null;
  setUrlId(null);
  setPhase("empty");
}

/** Disposes the session shown and clears what it filled in. */
function closeSession() {
  app.session?.dispose();
  app.session = null;
  setSelected(null);
  app.velocityBody = null;
  inspector.setMetadata({ bodies: [] });
  renderRecordingInfo(null);
  renderBodies(null);
  renderReadouts(null, 0);
  renderSolver(null);
  setControlsEnabled(false);
  ui.stage.classList.remove("has-recording");
}

/**
 * @param {string} id
 * @param {{index?: number, selected?: number | null, velocityBody?: number | null}} [resume] where to
 *   take up again (the back/forward cache): the frame index, the body selected and the one plotted
 */
async function openRecording(id, resume = {}) {
  closeSession();
  app.recordingId = id;
  setUrlId(id);
  setMessage("", false);
  setPhase("loading", `Loading ${id}…`);
  const session = new ReplaySession(id, { viewport: ui.viewport, energy: ui.energy, velocity: ui.velocity }, {
    onFrame: (frame, index) => app.session === session && showFrame(frame, index),
    onState: () => app.session === session && renderPlayback(),
    onSelect: (bodyId) => app.session === session && setSelected(bodyId),
    onProblem: (message) => app.session === session && setMessage(message, true),
  });
  app.session = session;
  try {
    const opened = await session.open({ speed: app.speed, loop: app.loop, overlays: app.overlays, startIndex: resume.index });
    if (!opened || app.session !== session) return;
    recordingReady(session, resume);
  } catch (error) {
    if (app.session !== session) return; // another recording since: this one no longer matters
    closeSession();
    fail("recording", `Could not load recording "${id}": ${errorText(error)}`);
  }
}

/**
 * @param {ReplaySession} session
 * @param {{selected?: number | null, velocityBody?: number | null}} [resume]
 */
function recordingReady(session, resume = {}) {
  const { metadata } = session;
  inspector.setMetadata(metadata);
  renderRecordingInfo(session);
  renderBodies(metadata.bodies);
  const first = metadata.bodies.find((/** @type {any} */ b) => !b.is_environment) ?? metadata.bodies[0];
  const has = (/** @type {number | null | undefined} */ id) => id != null && metadata.bodies.some((/** @type {any} */ b) => b.body_id === id);
  const plotted = has(resume.velocityBody) ? /** @type {number} */ (resume.velocityBody) : first ? first.body_id : null;
  if (has(resume.selected)) setSelected(/** @type {number} */ (resume.selected)); // plots its velocity
  if (app.velocityBody !== plotted || !has(resume.selected)) plotVelocity(plotted);
  const frames = session.clock?.frames ?? 0;
  ui.timeline.max = String(Math.max(0, frames - 1));
  ui.lastFrameId.textContent = frames ? String(session.ids[frames - 1]) : "–";
  ui.duration.textContent = frames ? Number(session.times[frames - 1]).toFixed(3) : "–";
  renderForceLegend();
  setControlsEnabled(frames > 0);
  ui.stage.classList.add("has-recording");
  setPhase("ready", frames ? "Loading frames…" : "");
  if (!frames) setMessage("This recording has no frames.", false);
}

// ------------------------------------------------------------------------------- frames

/** A new frame is on screen: the readouts say which, from the frame's own data. @param {any} frame @param {number} index */
function showFrame(frame, index) {
  ui.loading.hidden = true;
  renderReadouts(frame, index);
  renderSolver(frame);
}

/** @param {any} frame @param {number} index */
function renderReadouts(frame, index) {
  setText(ui.frameId, frame ? String(frame.frame_id) : "–");
  setText(ui.simTime, frame ? Number(frame.simulation_time).toFixed(3) : "–");
  if (frame && ui.timeline.valueAsNumber !== index) ui.timeline.value = String(index);
  if (!frame) {
    ui.timeline.value = "0";
    ui.timeline.max = "0";
    setText(ui.lastFrameId, "–");
    setText(ui.duration, "–");
  }
}

/** @param {any} frame */
function renderSolver(frame) {
  const summary = frame ? solverSummary(frame.solver) : { state: "none", text: "–" };
  ui.solver.dataset.state = summary.state;
  setText(ui.solverText, summary.text);
}

/** Play button, status and speed/loop controls from the session's state. */
function renderPlayback() {
  const s = app.session?.state();
  const playing = Boolean(s?.playing);
  ui.play.dataset.state = playing ? "playing" : "paused";
  ui.play.setAttribute("aria-label", playing ? "Pause" : "Play");
  ui.play.title = playing ? "Pause (Space)" : "Play (Space)";
  if (app.phase === "ready") renderStatus(s?.buffering ? "buffering" : playing ? "playing" : "paused");
}

// ------------------------------------------------------------------------------- selection

/** @param {number | null} bodyId */
function setSelected(bodyId) {
  app.selected = bodyId;
  app.session?.select(bodyId);
  inspector.select(bodyId);
  inspector.refresh(app.session?.shownFrame);
  for (const item of ui.bodyList.children) item.classList.toggle("is-selected", Number(item.dataset.bodyId) === bodyId);
  if (bodyId !== null && bodyId !== app.velocityBody) plotVelocity(bodyId);
}

/** @param {number | null} bodyId */
function plotVelocity(bodyId) {
  app.velocityBody = bodyId;
  ui.velocityBody.value = bodyId === null ? "" : String(bodyId);
  app.session?.plotVelocity(bodyId, bodyId === null ? "" : bodyLabel(bodyId));
}

/** @param {number} bodyId */
function bodyLabel(bodyId) {
  const body = app.session?.metadata?.bodies.find((/** @type {any} */ b) => b.body_id === bodyId);
  return body ? `body ${body.body_id} · ${body.asset_name}` : `body ${bodyId}`;
}

// ------------------------------------------------------------------------------- panels

/** @param {ReplaySession | null} session */
function renderRecordingInfo(session) {
  ui.info.hidden = !session;
  if (!session) return;
  const m = session.metadata;
  const frames = session.clock?.frames ?? 0;
  const field = (/** @type {string} */ name, /** @type {string} */ value) => {
    const el = ui.info.querySelector(`[data-field="${name}"]`);
    if (el) el.textContent = value;
  };
  field("id", String(m.simulation_id ?? session.recordingId));
  field("frames", String(m.total_frames ?? frames));
  field("duration", frames ? Number(session.times[frames - 1] - session.times[0]).toFixed(3) : "0");
  field("timestep", Number.isFinite(m.timestep_s) ? (m.timestep_s * 1000).toPrecision(3) : "–");
  field("gravity", Array.isArray(m.gravity) ? m.gravity.map((/** @type {number} */ g) => Number(g).toFixed(2)).join(", ") : "–");
  field("created", formatDate(m.created_at));
  field("engine", m.engine_version ? String(m.engine_version) : "–");
}

/** @param {unknown} value an ISO date (else shown as it is) */
function formatDate(value) {
  if (value === undefined || value === null || value === "") return "–";
  const date = new Date(String(value));
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

/** The body list and the velocity picker. @param {any[] | null} bodies */
function renderBodies(bodies) {
  const list = bodies ?? [];
  ui.bodies.textContent = String(list.length);
  ui.bodiesEmpty.hidden = list.length > 0;
  const colors = assignBodyColors(list);
  ui.bodyList.replaceChildren(...list.map((b) => bodyItem(b, colors.get(b.body_id) ?? 0)));
  const options = list.map((b) => new Option(`${b.body_id} · ${b.asset_name}${b.is_environment ? " (env.)" : ""}`, String(b.body_id)));
  ui.velocityBody.replaceChildren(...(options.length ? options : [new Option("–", "")]));
  ui.velocityBody.disabled = options.length === 0;
}

/** @param {any} body @param {number} color */
function bodyItem(body, color) {
  const item = document.createElement("li");
  item.className = "object-item body-item";
  item.dataset.testid = "body-item";
  item.dataset.bodyId = String(body.body_id);
  item.dataset.type = body.is_environment ? "environment" : "inertial";
  item.tabIndex = 0;
  const swatch = document.createElement("span");
  swatch.className = "swatch";
  swatch.style.background = toCss(color);
  const text = document.createElement("div");
  text.className = "object-text";
  const title = document.createElement("div");
  title.className = "object-title";
  title.textContent = `${body.asset_name} `;
  const index = document.createElement("span");
  index.className = "object-index";
  index.textContent = `#${body.body_id}`;
  title.append(index);
  const detail = document.createElement("div");
  detail.className = "object-detail";
  detail.textContent = body.is_environment ? "environment" : `${Number(body.mass).toPrecision(3)} kg · e ${body.restitution} · μ ${body.friction}`;
  text.append(title, detail);
  item.append(swatch, text);
  return item;
}

function renderForceLegend() {
  const on = app.overlays.forces || app.overlays.friction;
  const legend = app.session?.forces?.legend();
  ui.forceLegend.hidden = !on || !legend;
  ui.forceLegend.textContent = legend ?? "";
}

// ------------------------------------------------------------------------------- page state

/**
 * @param {typeof app.phase} phase
 * @param {string} [loadingText] shown over the view while loading (ready: until the first frame)
 */
function setPhase(phase, loadingText = "") {
  app.phase = phase;
  ui.empty.hidden = phase !== "empty";
  ui.loading.hidden = !(phase === "loading" || (phase === "ready" && !app.session?.shownFrame && loadingText));
  ui.loadingText.textContent = loadingText || "Loading…";
  if (phase !== "error") showBanner(null);
  if (phase === "ready") renderPlayback();
  else renderStatus(phase === "empty" ? "no recordings" : phase);
}

/** @param {string} text the status word(s); the dot's colour follows the first */
function renderStatus(text) {
  const state = text === "no recordings" ? "empty" : text;
  if (ui.status.dataset.state === state) return;
  ui.status.dataset.state = state;
  ui.statusText.textContent = text;
}

/** @param {"list" | "recording"} what failed @param {string} message */
function fail(what, message) {
  app.retry = what;
  setPhase("error");
  showBanner(message);
  setMessage(message, true);
}

/** @param {string | null} message */
function showBanner(message) {
  ui.banner.hidden = message === null;
  ui.stage.classList.toggle("has-banner", message !== null);
  ui.bannerText.textContent = message ?? "";
}

/** @param {string} message @param {boolean} isError */
function setMessage(message, isError) {
  ui.statusMessage.textContent = message;
  ui.statusMessage.title = message;
  ui.statusMessage.classList.toggle("error", isError);
}

/** @param {boolean} enabled */
function setControlsEnabled(enabled) {
  for (const control of [ui.stepBack, ui.play, ui.stepForward, ui.timeline]) control.disabled = !enabled;
}

/** @param {HTMLElement} el @param {string} text */
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** @param {unknown} error */
function errorText(error) {
  return error instanceof Error ? error.message : String(error);
}

/** @returns {string | null} ?id=… of the page's URL */
function urlId() {
  return new URLSearchParams(location.search).get("id");
}

/** Keeps ?id= in the address bar in step with the recording shown (links and reloads keep it). @param {string | null} id */
function setUrlId(id) {
  const url = new URL(location.href);
  if (id === null) url.searchParams.delete("id");
  else url.searchParams.set("id", id);
  if (url.href !== location.href) history.replaceState(null, "", url);
}

// ------------------------------------------------------------------------------- controls

/** @param {number} speed */
function setSpeed(speed) {
  app.speed = speed;
  for (const button of ui.speeds) button.setAttribute("aria-pressed", String(Number(button.dataset.speed) === speed));
  app.session?.setSpeed(speed);
}

function readOverlays() {
  app.overlays = Object.fromEntries(ui.overlays.map((input) => [input.dataset.overlay, input.checked]));
  app.session?.setOverlays(app.overlays);
  ui.solver.hidden = !app.overlays.solver;
  renderForceLegend();
}

ui.select.addEventListener("change", () => {
  if (ui.select.value && ui.select.value !== app.recordingId) openRecording(ui.select.value);
});
ui.refresh.addEventListener("click", () => refreshList(app.recordingId));
ui.bannerRetry.addEventListener("click", () => {
  if (app.retry === "recording" && app.recordingId) openRecording(app.recordingId);
  else refreshList(app.recordingId);
});
ui.play.addEventListener("click", () => app.session?.toggle());
ui.stepBack.addEventListener("click", () => app.session?.step(-1));
ui.stepForward.addEventListener("click", () => app.session?.step(1));
ui.timeline.addEventListener("input", () => {
  app.session?.pause();
  app.session?.seek(ui.timeline.valueAsNumber);
});
for (const button of ui.speeds) button.addEventListener("click", () => setSpeed(Number(button.dataset.speed)));
ui.loop.addEventListener("change", () => {
  app.loop = ui.loop.checked;
  app.session?.setLoop(app.loop);
});
for (const input of ui.overlays) input.addEventListener("change", readOverlays);
ui.resetCamera.addEventListener("click", () => app.session?.resetCamera());
ui.velocityBody.addEventListener("change", () => plotVelocity(ui.velocityBody.value === "" ? null : Number(ui.velocityBody.value)));
ui.bodyList.addEventListener("click", (event) => {
  const item = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (event.target).closest("[data-body-id]"));
  if (item) setSelected(Number(item.dataset.bodyId) === app.selected ? null : Number(item.dataset.bodyId));
});
ui.bodyList.addEventListener("keydown", (event) => {
  const item = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (event.target).closest("[data-body-id]"));
  if (item && event.key === "Enter") setSelected(Number(item.dataset.bodyId));
});

wireCollapsiblePanels();

// ------------------------------------------------------------------------------- keyboard

/**
 * Whether the focused element's own handling of a key wins over the page's: fields and pickers keep
 * every key, the timeline its arrows (they step it by one frame, as the page would), a checkbox its
 * Space. On buttons Space is the page's play/pause, not a click of whatever button was used last.
 * @param {EventTarget | null} target @param {string} key
 */
function ownsKey(target, key) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) return true;
  if (!(target instanceof HTMLInputElement)) return false;
  if (target.type === "range") return key !== " ";
  if (target.type === "checkbox") return key === " ";
  return true;
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || ownsKey(event.target, event.key)) return;
  const session = app.session;
  if (event.key === "Escape" && app.selected !== null) return setSelected(null);
  if (!session || app.phase !== "ready") return;
  const index = SPEEDS.indexOf(app.speed);
  /** @type {Record<string, () => void>} */
  const actions = {
    " ": () => session.toggle(),
    ArrowLeft: () => session.step(-1),
    ArrowRight: () => session.step(1),
    "+": () => setSpeed(SPEEDS[Math.min(SPEEDS.length - 1, index + 1)]),
    "=": () => setSpeed(SPEEDS[Math.min(SPEEDS.length - 1, index + 1)]),
    "-": () => setSpeed(SPEEDS[Math.max(0, index - 1)]),
  };
  const action = actions[event.key];
  if (!action) return;
  // Space on a focused button would also click it (on keyup): the page's Space is play/pause.
  event.preventDefault();
  action();
});
document.addEventListener("keyup", (event) => {
  if (event.key === " " && event.target instanceof HTMLButtonElement) event.preventDefault();
});

// ------------------------------------------------------------------------------- readouts

setInterval(() => {
  const session = app.session;
  inspector.refresh(session?.shownFrame);
  const fps = session?.view?.stats().fps ?? 0;
  setText(ui.fps, fps > 0 ? String(Math.round(fps)) : "–");
  renderCache(session?.store ?? null);
}, UI_PERIOD_MS);

/** the cache details shown last */
let cacheShown = "";

/**
 * The cache readout: the memory its frames take (an estimate), with the details in its tooltip and
 * data attributes (frames, bytes, peak, budget, requests, short answers, evictions).
 * @param {import("./replay-data.js").FrameStore | null} store
 */
function renderCache(store) {
  setText(ui.cached, store ? `${(store.bytes / 1e6).toFixed(1)} MB` : "–");
  const s = store?.stats();
  const data = s && store
    ? { frames: s.frames, bytes: Math.round(s.bytes), peak: Math.round(s.peakBytes), budget: store.budgetBytes, requests: s.requests, short: s.shortResponses, evicted: s.evicted }
    : {};
  const key = JSON.stringify(data);
  if (key === cacheShown) return;
  cacheShown = key;
  for (const name of ["frames", "bytes", "peak", "budget", "requests", "short", "evicted"]) delete ui.cached.dataset[name];
  Object.assign(ui.cached.dataset, Object.fromEntries(Object.entries(data).map(([k, v]) => [k, String(v)])));
  ui.cached.title = s && store
    ? `${s.frames} frames held, about ${(s.bytes / 1e6).toFixed(1)} MB of memory (budget ${(store.budgetBytes / 1e6).toFixed(0)} MB); ` +
      `${s.requests} range requests, ${s.shortResponses} answered with fewer frames than asked; ${s.evicted} frames evicted`
    : "";
}

// Leaving: free the view, the plots and the requests (a page kept in the back/forward cache holds
// nothing heavy), remembering what was shown.
window.addEventListener("pagehide", () => {
  const session = app.session;
  app.left = app.recordingId
    ? { id: app.recordingId, index: session?.state().index ?? 0, selected: app.selected, velocityBody: app.velocityBody }
    : null;
  session?.dispose();
});
// Back from the back/forward cache: everything the session had is gone; open the same recording
// again where it was (and read the list again: it may have changed meanwhile).
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  const left = app.left;
  app.left = null;
  if (left) openRecording(left.id, left);
  refreshList(left?.id ?? null);
});

ui.loop.checked = app.loop;
readOverlays();
setSpeed(app.speed);
setControlsEnabled(false);
refreshList();
