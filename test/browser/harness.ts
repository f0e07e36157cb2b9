// Headless Chromium for the browser acceptance tests: launching it, opening a watched page (page
// errors, console errors, every request and WebSocket message recorded), and small helpers that read
// the live page through its data-testid contract.
import * as fs from "fs";
import * as path from "path";
import type { Browser, BrowserContext, Locator, Page, WebSocket as PwWebSocket } from "playwright-core";
import { chromium } from "playwright-core";
import { describe, expect } from "vitest";
import { crop, decodePng, imageStats, maskExcluding, type ImageStats, type Rect, type Rgba } from "./pixels";

/** Debian's Chromium; MSD_LAB_CHROMIUM points elsewhere (e.g. to check the skip/fail path). */
export const CHROMIUM = process.env.MSD_LAB_CHROMIUM || "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-dev-shm-usage",
];

export const ROOT = path.resolve(__dirname, "..", "..");
/** Screenshots written by the tests (gitignored). */
export const OUTPUT_DIR = path.join(ROOT, "test-output", "browser");
/** The one committed screenshot, shown in the README. */
export const README_SCREENSHOT = path.join(ROOT, "docs", "images", "live-viewer.png");

/** The README screenshot's size. */
export const VIEWPORT = { width: 1280, height: 800 };
/**
 * The other tests' window: smaller, since without a GPU Chromium draws WebGL in software
 * (SwiftShader) and the canvas's pixel count sets how fast the page can take frames.
 */
export const TEST_VIEWPORT = { width: 1024, height: 640 };

/** Whether Chromium can be used here, and if not, why. */
export function chromiumAvailability(): { ok: true } | { ok: false; reason: string } {
  try {
    fs.accessSync(CHROMIUM, fs.constants.X_OK);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `${CHROMIUM} is missing or not executable (${(error as NodeJS.ErrnoException).code ?? String(error)}); install Debian's chromium package` };
  }
}

/** Debian's Chromium, headless; a missing one is a clear error (suites only get here under CI=true). */
export async function launchBrowser(): Promise<Browser> {
  const availability = chromiumAvailability();
  if (!availability.ok) throw new Error(`CI=true but Chromium is not available: ${availability.reason}. The browser tests must run in CI.`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
}

export const tid = (id: string) => `[data-testid="${id}"]`;

export interface SentMessage {
  url: string;
  /** performance.now() in the test process when the browser sent it. */
  at: number;
  message: { type?: string; [key: string]: unknown };
}

export interface ReceivedMessage {
  at: number;
  type: string;
  /** A binary (packed) frame. */
  binary?: boolean;
  /** Parsed only for `metadata`, `complete` and `error` (frames are large and many). */
  message?: { type: string; [key: string]: unknown };
}

export interface Watched {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions and unhandled rejections in the page. */
  pageErrors: string[];
  /** console.error messages, and Chromium's own error-level console messages. */
  consoleErrors: string[];
  /** Every request the page made (http(s), data:, blob:), in order, with the time it was seen. */
  requests: { url: string; at: number }[];
  /** Failed requests (the page's own or Chromium's). */
  failedRequests: string[];
  /** Responses: url and status. */
  responses: { url: string; status: number; at: number }[];
  /** WebSocket URLs the page opened. */
  webSockets: string[];
  sent: SentMessage[];
  received: ReceivedMessage[];
  /** Requests or WebSockets whose URL is neither the server's origin nor data:/blob:. */
  foreign: () => string[];
  close: () => Promise<void>;
}

/**
 * A fresh context (no shared state; TEST_VIEWPORT unless given) and page, watched from its first request. `origin` is
 * the server's, e.g. http://127.0.0.1:41234.
 */
export async function openWatched(browser: Browser, origin: string, viewport = TEST_VIEWPORT): Promise<Watched> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const w: Watched = {
    context,
    page,
    pageErrors: [],
    consoleErrors: [],
    requests: [],
    failedRequests: [],
    responses: [],
    webSockets: [],
    sent: [],
    received: [],
    foreign: () => {
      const wsOrigin = origin.replace(/^http/, "ws");
      const ok = (u: string) => u === origin || u.startsWith(origin + "/") || u.startsWith("data:") || u.startsWith("blob:");
      const okWs = (u: string) => u === wsOrigin || u.startsWith(wsOrigin + "/");
      return [...w.requests.map((r) => r.url).filter((u) => !ok(u)), ...w.webSockets.filter((u) => !okWs(u))];
    },
    close: async () => {
      await context.close().catch(() => {});
    },
  };
  page.on("pageerror", (error) => w.pageErrors.push(`${error.name}: ${error.message}\n${error.stack ?? ""}`));
  page.on("console", (message) => {
    if (message.type() === "error") {
      const loc = message.location();
      w.consoleErrors.push(`${message.text()}${loc.url ? ` (${loc.url}:${loc.lineNumber})` : ""}`);
    }
  });
  page.on("request", (request) => w.requests.push({ url: request.url(), at: performance.now() }));
  page.on("requestfailed", (request) => w.failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? "failed"}`));
  page.on("response", (response) => w.responses.push({ url: response.url(), status: response.status(), at: performance.now() }));
  page.on("websocket", (ws: PwWebSocket) => {
    w.webSockets.push(ws.url());
    ws.on("framesent", ({ payload }) => {
      const text = typeof payload === "string" ? payload : payload.toString("utf8");
      let message: SentMessage["message"];
      try {
        message = JSON.parse(text) as SentMessage["message"];
      } catch {
        message = { type: "<not JSON>", raw: text.slice(0, 200) };
      }
      w.sent.push({ url: ws.url(), at: performance.now(), message });
    });
    ws.on("framereceived", ({ payload }) => {
      // Binary messages are frames in the packed layout ("MSDF" first; docs/live-protocol.md).
      if (typeof payload !== "string" && payload.subarray(0, 4).toString("latin1") === "MSDF") {
        w.received.push({ at: performance.now(), type: "frame", binary: true });
        return;
      }
      const text = typeof payload === "string" ? payload : payload.toString("utf8");
      const type = /^\s*\{\s*"type"\s*:\s*"(\w+)"/.exec(text)?.[1] ?? "<unknown>";
      const entry: ReceivedMessage = { at: performance.now(), type };
      if (type === "metadata" || type === "complete" || type === "error") {
        try {
          entry.message = JSON.parse(text) as ReceivedMessage["message"];
        } catch {
          /* recorded without body */
        }
      }
      w.received.push(entry);
    });
  });
  return w;
}

/**
 * Opens /live and waits until its asset list has loaded from the server. Also installs a recorder
 * of every value the frame-id element shows (window.__frameIds), so a test can see a run restart.
 */
export async function openLive(w: Watched, origin: string): Promise<void> {
  await w.page.goto(`${origin}/live`, { waitUntil: "load" });
  await waitForAssets(w.page);
  await w.page.evaluate(() => {
    const win = window as unknown as { __frameIds: string[] };
    win.__frameIds = [];
    let last: string | undefined;
    const read = () => {
      const text = document.querySelector('[data-testid="frame-id"]')?.textContent ?? "";
      if (text !== last) {
        last = text;
        win.__frameIds.push(text);
      }
    };
    read();
    new MutationObserver(read).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

/** Waits until asset-select offers a real asset (an option with a non-empty value). */
export async function waitForAssets(page: Page, timeoutMs = 15_000): Promise<void> {
  await page.locator(`${tid("asset-select")} option:not([value=""])`).first().waitFor({ state: "attached", timeout: timeoutMs });
}

/** The frame-id values the page has shown since openLive, as text. */
export async function frameIdHistory(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __frameIds: string[] }).__frameIds.slice());
}

/** A frame id as shown: the element's text must be exactly an integer, else NaN. */
export function parseFrameId(text: string | null | undefined): number {
  const m = /^\s*(\d+)\s*$/.exec(text ?? "");
  return m ? Number(m[1]) : NaN;
}

export async function frameId(page: Page): Promise<number> {
  return parseFrameId(await page.locator(tid("frame-id")).textContent());
}

/** Polls until the shown frame id is ≥ n; returns it. */
export async function waitForFrameAtLeast(page: Page, n: number, timeoutMs = 15_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let last = NaN;
  for (;;) {
    last = await frameId(page);
    if (last >= n) return last;
    if (performance.now() > deadline) {
      const status = await page.locator(tid("status")).textContent().catch(() => "?");
      throw new Error(`frame id did not reach ${n} within ${timeoutMs} ms (shown: ${JSON.stringify(await page.locator(tid("frame-id")).textContent().catch(() => "?"))}, status: ${JSON.stringify(status)})`);
    }
    await sleep(50);
  }
}

/** Polls until the status text matches; returns it. */
export async function waitForStatus(page: Page, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  let text = "";
  for (;;) {
    text = (await page.locator(tid("status")).textContent()) ?? "";
    if (pattern.test(text)) return text;
    if (performance.now() > deadline) throw new Error(`status did not match ${pattern} within ${timeoutMs} ms (last: ${JSON.stringify(text)})`);
    await sleep(50);
  }
}


/**
 * CSS applied only while a canvas screenshot is taken: everything is hidden except the viewport and
 * its canvases, so panels floating over the stage (inspector, chart, toolbar, hints) neither count
 * as "drawn" nor as "changed", and the canvas under them shows. Layout does not change.
 */
export const CANVAS_ONLY_CSS = `body * { visibility: hidden !important; }
[data-testid="viewport"], [data-testid="viewport"] canvas { visibility: visible !important; }`;

/** A screenshot of a page or element as the user sees it, saved under test-output/browser/. */
export async function screenshot(target: Locator | Page, name: string): Promise<{ png: Buffer; image: Rgba; stats: ImageStats }> {
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  const png = await target.screenshot({ path: path.join(OUTPUT_DIR, `${name}.png`), animations: "allow", timeout: 15_000 });
  const image = decodePng(png);
  return { png, image, stats: imageStats(image) };
}

/**
 * A screenshot of the viewport's canvas only (CANVAS_ONLY_CSS), clipped to the viewport's box:
 * cheaper than an element screenshot (no stability wait), and blind to the floating panels.
 */
export async function canvasShot(page: Page, name: string): Promise<{ png: Buffer; image: Rgba; stats: ImageStats }> {
  const box = await page.locator(tid("viewport")).boundingBox();
  if (!box || box.width < 10 || box.height < 10) throw new Error(`the viewport has no usable size: ${JSON.stringify(box)}`);
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  const png = await page.screenshot({
    path: path.join(OUTPUT_DIR, `${name}.png`),
    clip: { x: Math.round(box.x), y: Math.round(box.y), width: Math.floor(box.width), height: Math.floor(box.height) },
    style: CANVAS_ONLY_CSS,
    timeout: 15_000,
  });
  const image = decodePng(png);
  return { png, image, stats: imageStats(image) };
}

/**
 * Where the viewport is, and the boxes of every other visible element drawn over it (floating
 * panels, toolbar, hints, banner): page coordinates, CSS pixels.
 */
export async function viewportLayout(page: Page): Promise<{ viewport: Rect; covered: Rect[] }> {
  return page.evaluate(() => {
    const vp = document.querySelector('[data-testid="viewport"]') as HTMLElement;
    const r = vp.getBoundingClientRect();
    const canvases = Array.from(vp.querySelectorAll("canvas"));
    const covered: { x: number; y: number; width: number; height: number }[] = [];
    for (const el of Array.from(document.body.querySelectorAll("*"))) {
      if (el === vp || el.contains(vp)) continue; // the viewport and its ancestors
      if (canvases.some((c) => c === el || el.contains(c))) continue; // the canvas and wrappers of it
      const style = getComputedStyle(el);
      if (style.display === "none" || style.visibility === "hidden" || Number(style.opacity) === 0) continue;
      const b = el.getBoundingClientRect();
      const x0 = Math.max(b.left, r.left);
      const y0 = Math.max(b.top, r.top);
      const x1 = Math.min(b.right, r.right);
      const y1 = Math.min(b.bottom, r.bottom);
      if (x1 > x0 && y1 > y0) covered.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
    }
    return { viewport: { x: r.left, y: r.top, width: r.width, height: r.height }, covered };
  });
}

export interface CanvasVideo {
  /** Frames as composited, cropped to the viewport, with the time (test process) they arrived. */
  frames: { at: number; image: Rgba; png: Buffer }[];
  /** 1 where the canvas is visible (not under another element), per pixel of a cropped frame. */
  mask: Uint8Array;
  /** Pixels the mask lets through. */
  visible: number;
}

/**
 * Records what the page shows (a CDP screencast: every composited frame, downscaled by `scale`),
 * so changes over time are seen without the latency of one screenshot after another. stop()
 * crops the frames to the viewport and masks out what is drawn over the canvas (as laid out then).
 */
export async function recordCanvas(page: Page, scale = 0.5): Promise<{ stop: () => Promise<CanvasVideo> }> {
  const cdp = await page.context().newCDPSession(page);
  const raw: { at: number; data: string }[] = [];
  let recording = true;
  cdp.on("Page.screencastFrame", (frame) => {
    if (recording) raw.push({ at: performance.now(), data: frame.data });
    cdp.send("Page.screencastFrameAck", { sessionId: frame.sessionId }).catch(() => {});
  });
  const size = page.viewportSize() ?? TEST_VIEWPORT;
  await cdp.send("Page.startScreencast", { format: "png", maxWidth: Math.round(size.width * scale), maxHeight: Math.round(size.height * scale), everyNthFrame: 1 });
  return {
    stop: async () => {
      recording = false;
      await cdp.send("Page.stopScreencast").catch(() => {});
      await cdp.detach().catch(() => {});
      const layout = await viewportLayout(page);
      const frames: CanvasVideo["frames"] = [];
      let mask: Uint8Array = new Uint8Array(0);
      for (const { at, data } of raw) {
        const png = Buffer.from(data, "base64");
        const full = decodePng(png);
        const k = full.width / size.width;
        const box = { x: layout.viewport.x * k, y: layout.viewport.y * k, width: layout.viewport.width * k, height: layout.viewport.height * k };
        const image = crop(full, box);
        if (mask.length !== image.width * image.height) {
          const covered = layout.covered.map((c) => ({ x: (c.x - layout.viewport.x) * k, y: (c.y - layout.viewport.y) * k, width: c.width * k, height: c.height * k }));
          mask = maskExcluding(image.width, image.height, covered);
        }
        frames.push({ at, image, png });
      }
      return { frames, mask, visible: mask.reduce((n, v) => n + v, 0) };
    },
  };
}

/** Labels and values of a <select>'s options. */
export async function options(page: Page, testId: string): Promise<{ value: string; label: string }[]> {
  return page.locator(`${tid(testId)} option`).evaluateAll((els) => els.map((e) => ({ value: (e as HTMLOptionElement).value, label: (e.textContent ?? "").trim() })));
}

/** Configure messages the page sent, in order. */
export function configures(w: Watched): SentMessage[] {
  return w.sent.filter((s) => s.message.type === "configure");
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Short, readable dump of what the page reported, for assertion messages. */
export function report(w: Watched): string {
  return JSON.stringify({ pageErrors: w.pageErrors, consoleErrors: w.consoleErrors, failedRequests: w.failedRequests, foreign: w.foreign() }, null, 2);
}

/**
 * `describe` when Chromium (and whatever else `missing` names) is there; otherwise `describe.skip`
 * with a loud warning. Under CI=true nothing is skipped: the suite runs and fails on what is missing.
 */
export function browserSuite(what: string, missing: string[] = []): typeof describe | typeof describe.skip {
  const chromium = chromiumAvailability();
  const reasons = [...(chromium.ok ? [] : [chromium.reason]), ...missing];
  if (reasons.length === 0) return describe;
  const inCi = process.env.CI === "true";
  console.warn(`\n*** ${what} ${inCi ? "CANNOT RUN" : "SKIPPED"}: ${reasons.join("; ")}. Under CI=true this is a failure, not a skip. ***\n`);
  return inCi ? describe : describe.skip;
}

/** What every page test asserts at its end: no page or console errors, no HTTP errors, nothing off-origin. */
export function expectCleanPage(w: Watched, allowedConsoleErrors: readonly RegExp[] = []): void {
  expect(w.pageErrors, "uncaught errors in the page").toEqual([]);
  expect(w.consoleErrors.filter((e) => !allowedConsoleErrors.some((r) => r.test(e))), "console errors").toEqual([]);
  expect(w.responses.filter((r) => r.status >= 400).map((r) => `${r.status} ${r.url}`), "HTTP error responses").toEqual([]);
  expect(w.foreign(), "requests that left the server's origin").toEqual([]);
}
