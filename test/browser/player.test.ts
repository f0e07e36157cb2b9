// Browser tests of the trajectory player (src/viewer/notebook-player.js) in headless Chromium: a test
// page served from the real server's origin (the HTML is routed by Playwright; /static and /vendor
// come from the server) imports `mountPlayer` through the same importmap as the live page and
// mounts players on synthetic recordings: a unit cube (the engine's own triangle list) falling from
// z = 3 to z = 0.5 over 60 frames above a fixed ground plane.
//
// Driven through the player's data-testid contract (player, player-canvas, player-play,
// player-slider, player-speed, player-loop, player-readout) and its API (play, pause, seek,
// setSpeed, state). Every test also asserts, after it ends: no uncaught page errors, no console
// errors (except where a test expects one), no HTTP error responses, and no request or WebSocket
// that leaves the server's origin.
//
// Without a GPU Chromium draws WebGL in software (SwiftShader), so the canvases are small.
// Chromium is Debian's /usr/bin/chromium: missing, the file is skipped with a warning, except under
// CI=true, where that is a failure.
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { Engine } from "../../src/engine";
import { startServer, type LiveServer } from "../../src/server";
import { browserSuite, expectCleanPage, launchBrowser, openWatched, report, screenshot, sleep, tid, type Watched } from "./harness";
import { changedPixels, type ImageStats } from "./pixels";

const suite = browserSuite("player browser tests (test/browser/player.test.ts)");

const PAGE_PATH = "/__player-test.html";
const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>player test</title>
  <link rel="icon" href="data:,">
  <script type="importmap">
    { "imports": { "three": "/vendor/three/build/three.module.js", "three/addons/": "/vendor/three/examples/jsm/" } }
  </script>
  <style>body { margin: 8px; background: #fff; font: 14px sans-serif; } .cell { width: 360px; margin: 0 0 8px; }</style>
</head>
<body>
  <div class="cell" id="cell-a"></div>
  <div class="cell" id="cell-b"></div>
  <div class="cell" id="cell-c"></div>
  <script type="module">
    import { mountPlayer } from "/static/notebook-player.js";
    window.__mountPlayer = mountPlayer;
    window.__players = {};
    /** Mounts a player in #cell-<name>; typed: times and poses as typed arrays (else plain arrays). */
    window.__mount = (name, data, options, typed) => {
      const d = typed ? { ...data, times: Float64Array.from(data.times), poses: Float32Array.from(data.poses) } : data;
      window.__players[name] = mountPlayer(document.getElementById("cell-" + name), d, options);
      return window.__players[name].state();
    };
    window.__playerReady = true;
  </script>
</body>
</html>`;

/**
 * An init script: counts the page's requestAnimationFrame calls and the callbacks that ran
 * (window.__raf), and the WebGL contexts lost by canvases in the document (window.__contextsLost).
 */
const FRAME_COUNTER = `(() => {
  const raf = window.requestAnimationFrame.bind(window);
  window.__raf = { requested: 0, ran: 0 };
  window.requestAnimationFrame = (callback) => {
    window.__raf.requested++;
    return raf((t) => { window.__raf.ran++; callback(t); });
  };
  window.__contextsLost = 0;
  window.addEventListener("webglcontextlost", () => { window.__contextsLost++; }, true);
})();`;

const FRAMES = 60;
const DT = 0.1; // s per frame: 5.9 s in all, long enough to time playback without wrapping
const CANVAS_HEIGHT = 200;

interface Recording {
  title?: string;
  bodies: { body_id: number; asset_id: number; asset_name: string; mass: number; restitution: number; friction: number; is_environment: boolean }[];
  assets: { asset_id: number; name: string; positions: number[]; vertex_count: number }[];
  ids: number[];
  fixed: { body_id: number; position: number[]; orientation: number[] }[];
  times: number[];
  poses: number[];
}

/** The falling cube: z = 3 → 0.5 (accelerating), turning about z; the ground fixed below. */
function fallingCube(frames = FRAMES): Recording {
  const engine = new Engine();
  const cube = engine.getCollisionVertices(1).flat(); // unit_cube
  const plane = engine.getCollisionVertices(10).flat(); // plane: 100 × 100 × 1, centre of mass 0.5 below its top
  engine.dispose();
  const times: number[] = [];
  const poses: number[] = [];
  for (let i = 0; i < frames; i++) {
    const s = frames > 1 ? i / (frames - 1) : 0;
    const yaw = 0.8 * s;
    times.push(i * DT);
    poses.push(0, 0, 3 - 2.5 * s * s, Math.cos(yaw / 2), 0, 0, Math.sin(yaw / 2));
  }
  return {
    title: "falling cube",
    bodies: [
      { body_id: 1, asset_id: 1, asset_name: "unit_cube", mass: 1, restitution: 0.5, friction: 0.5, is_environment: false },
      { body_id: 2, asset_id: 10, asset_name: "plane", mass: 0, restitution: 0.5, friction: 0.5, is_environment: true },
    ],
    assets: [
      { asset_id: 1, name: "unit_cube", positions: cube, vertex_count: cube.length / 3 },
      { asset_id: 10, name: "plane", positions: plane, vertex_count: plane.length / 3 },
    ],
    ids: [1],
    fixed: [{ body_id: 2, position: [0, 0, -0.5], orientation: [1, 0, 0, 0] }],
    times,
    poses,
  };
}

interface PlayerState {
  frame: number;
  time: number;
  playing: boolean;
  speed: number;
  loop: boolean;
  frames: number;
}

/** The readout "t = 1.234 s / 10.000 s · frame 74 / 600", parsed. */
function parseReadout(text: string | null): { t: number; end: number; frame: number; last: number } {
  const m = /^t = (-?\d+\.\d{3}) s \/ (-?\d+\.\d{3}) s · frame (\d+) \/ (\d+)$/.exec((text ?? "").trim());
  if (!m) throw new Error(`unexpected readout ${JSON.stringify(text)}`);
  return { t: Number(m[1]), end: Number(m[2]), frame: Number(m[3]), last: Number(m[4]) };
}

function expectDrawn(stats: ImageStats, what: string): void {
  const detail = `${what}: ${JSON.stringify(stats)}`;
  expect(stats.distinctColours, detail).toBeGreaterThanOrEqual(64);
  expect(stats.nonBackgroundShare, detail).toBeGreaterThan(0.02);
}

suite("the trajectory player (notebook-player.js) in headless Chromium", () => {
  let browser: Browser;
  let server: LiveServer;
  let origin: string;
  let current: Watched | undefined;
  let expectedConsoleErrors: RegExp[] = [];
  const recording = fallingCube();

  beforeAll(async () => {
    [browser, server] = await Promise.all([launchBrowser(), startServer({ port: 0, log: () => {} })]);
    origin = server.url;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  afterEach(async () => {
    const w = current;
    current = undefined;
    const allowed = expectedConsoleErrors;
    expectedConsoleErrors = [];
    if (!w) return;
    await w.close();
    expectCleanPage(w, allowed);
  });

  /** A fresh page at the server's origin with mountPlayer loaded. */
  async function open(init?: string): Promise<Watched> {
    const w = await openWatched(browser, origin, { width: 800, height: 640 });
    current = w;
    if (init) await w.page.addInitScript(init);
    await w.page.route(`${origin}${PAGE_PATH}`, (route) => route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: PAGE_HTML }));
    await w.page.goto(`${origin}${PAGE_PATH}`, { waitUntil: "load" });
    await w.page.waitForFunction(() => (window as unknown as { __playerReady?: boolean }).__playerReady === true, undefined, { timeout: 15_000 });
    return w;
  }

  async function mount(page: Page, name: "a" | "b" | "c", data: Recording, options: Record<string, unknown> = {}, typed = true): Promise<PlayerState> {
    return page.evaluate(
      ([n, d, o, t]) => (window as any).__mount(n, d, o, t) as PlayerState,
      [name, data, { height: CANVAS_HEIGHT, ...options }, typed] as const,
    );
  }

  async function state(page: Page, name: "a" | "b" | "c"): Promise<PlayerState> {
    return page.evaluate((n) => (window as any).__players[n].state() as PlayerState, name);
  }

  async function call(page: Page, name: "a" | "b" | "c", method: string, ...args: unknown[]): Promise<void> {
    await page.evaluate(([n, m, a]) => (window as any).__players[n][m](...a), [name, method, args] as const);
  }

  const cell = (page: Page, name: "a" | "b" | "c") => page.locator(`#cell-${name}`);

  /** Polls a player's canvas until it shows a drawn scene; returns the last screenshot. */
  async function waitForDrawn(page: Page, name: "a" | "b" | "c", shot: string, timeoutMs = 15_000) {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const result = await screenshot(cell(page, name).locator(tid("player-canvas")), shot);
      const { stats } = result;
      if ((stats.distinctColours >= 64 && stats.nonBackgroundShare > 0.02) || performance.now() > deadline) return result;
      await sleep(150);
    }
  }

  // -------------------------------------------------------------------------------------------

  it("mounts: the contract's elements, autoplay, a drawn canvas; the readout advances while playing", async () => {
    const w = await open();
    const { page } = w;
    const initial = await mount(page, "a", recording);
    expect(initial).toMatchObject({ frame: 0, time: 0, playing: true, speed: 1, loop: true, frames: FRAMES });
    const root = cell(page, "a").locator(tid("player"));
    for (const id of ["player-canvas", "player-play", "player-slider", "player-speed", "player-loop", "player-readout"]) {
      expect(await root.locator(tid(id)).count(), `data-testid="${id}" inside the player`).toBe(1);
    }
    expect(await root.locator("[id]").count(), "no ids inside the player").toBe(0);
    expect(await root.locator("style").count(), "its own <style>").toBe(1);
    expect(await page.locator("head style, head link[rel=stylesheet]").count(), "no page CSS besides the test page's own").toBe(1);
    expect(await root.locator(tid("player-loop")).isChecked(), "loop on by default").toBe(true);
    expect(await root.locator(tid("player-speed")).inputValue()).toBe("1");
    const speeds = await root.locator(`${tid("player-speed")} option`).evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value));
    expect(speeds).toEqual(["0.25", "0.5", "1", "2", "4"]);
    const box = await root.locator(tid("player-canvas")).boundingBox();
    expect(box?.width, "canvas fills the cell's width").toBeGreaterThan(340);
    expect(box?.height).toBeCloseTo(CANVAS_HEIGHT, 0);
    expect(await root.locator(`${tid("player-canvas")} canvas`).count(), "a canvas").toBe(1);

    const { stats } = await waitForDrawn(page, "a", "player-1-playing");
    expectDrawn(stats, "player canvas");

    const r0 = parseReadout(await root.locator(tid("player-readout")).textContent());
    expect(r0.end).toBeCloseTo((FRAMES - 1) * DT, 3);
    expect(r0.last).toBe(FRAMES - 1);
    await sleep(700);
    const r1 = parseReadout(await root.locator(tid("player-readout")).textContent());
    expect(r1.t, `readout advances while playing: ${JSON.stringify([r0, r1])}`).toBeGreaterThan(r0.t + 0.2);
    expect(r1.frame).toBeGreaterThan(r0.frame);
    // the slider follows playback (read in one go with the readout, which it matches)
    const { slider, text } = await root.evaluate((el) => ({
      slider: Number((el.querySelector('[data-testid="player-slider"]') as HTMLInputElement).value),
      text: el.querySelector('[data-testid="player-readout"]')!.textContent,
    }));
    expect(slider, "the slider is at the readout's frame").toBe(parseReadout(text).frame);
    expect(slider).toBeGreaterThan(0);
    const st = await state(page, "a");
    expect(st.playing).toBe(true);
    expect(w.requests.some((r) => r.url === `${origin}/static/notebook-player.js`), "the module from /static").toBe(true);
    expect(w.requests.some((r) => r.url.startsWith(`${origin}/vendor/three/`)), "three.js from /vendor").toBe(true);
  }, 60_000);

  it("pause stops; the slider seeks (readout at that frame, the picture changes); space toggles play; scrubbing while playing keeps playing", async () => {
    const w = await open();
    const { page } = w;
    await mount(page, "a", recording);
    const root = cell(page, "a").locator(tid("player"));
    const readout = root.locator(tid("player-readout"));
    await waitForDrawn(page, "a", "player-2-start");

    // pause (the button), then nothing moves
    await root.locator(tid("player-play")).click();
    expect((await state(page, "a")).playing).toBe(false);
    expect(await root.locator(tid("player-play")).getAttribute("aria-label")).toBe("Play");
    const paused = await readout.textContent();
    await sleep(500);
    expect(await readout.textContent(), "paused: the readout stands still").toBe(paused);

    // seek to frame 0 and to the last frame: the readout names them, the cube moved on screen
    await call(page, "a", "seek", 0);
    expect(parseReadout(await readout.textContent())).toMatchObject({ t: 0, frame: 0 });
    await sleep(300);
    const top = await screenshot(root.locator(tid("player-canvas")), "player-2-frame0");
    await root.locator(tid("player-slider")).evaluate((el) => {
      const input = el as HTMLInputElement;
      input.value = "59";
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
    expect(parseReadout(await readout.textContent())).toMatchObject({ frame: 59, t: 5.9 });
    expect((await state(page, "a")).frame).toBe(59);
    await sleep(300);
    const bottom = await screenshot(root.locator(tid("player-canvas")), "player-2-frame59");
    const changed = changedPixels(top.image, bottom.image);
    expect(changed, "the cube is drawn elsewhere at frame 59 than at frame 0").toBeGreaterThan(top.image.width * top.image.height * 0.01);
    expect(await state(page, "a")).toMatchObject({ playing: false, frame: 59 });

    // paused, the view still follows the camera: zoom with the wheel, orbit with a drag
    const canvasBox = (await root.locator(tid("player-canvas")).boundingBox())!;
    await page.mouse.move(canvasBox.x + canvasBox.width / 2, canvasBox.y + canvasBox.height / 2);
    await page.mouse.wheel(0, -400);
    await sleep(600);
    const zoomed = await screenshot(root.locator(tid("player-canvas")), "player-2-zoomed");
    expect(changedPixels(bottom.image, zoomed.image), "zooming redraws a paused player").toBeGreaterThan(bottom.image.width * bottom.image.height * 0.02);
    await page.mouse.down();
    await page.mouse.move(canvasBox.x + canvasBox.width / 2 + 80, canvasBox.y + canvasBox.height / 2, { steps: 5 });
    await page.mouse.up();
    await sleep(600);
    const orbited = await screenshot(root.locator(tid("player-canvas")), "player-2-orbited");
    expect(changedPixels(zoomed.image, orbited.image), "orbiting redraws a paused player").toBeGreaterThan(zoomed.image.width * zoomed.image.height * 0.02);
    expect((await state(page, "a")).frame, "the camera does not move the playhead").toBe(59);

    // a click in the middle of the slider: a frame in the middle, still paused
    const slider = root.locator(tid("player-slider"));
    const sb = (await slider.boundingBox())!;
    await page.mouse.click(sb.x + sb.width / 2, sb.y + sb.height / 2);
    const mid = parseReadout(await readout.textContent());
    expect(mid.frame, `clicked mid-slider: ${JSON.stringify(mid)}`).toBeGreaterThanOrEqual(24);
    expect(mid.frame).toBeLessThanOrEqual(35);
    expect((await state(page, "a")).playing).toBe(false);

    // space toggles play while the player has focus (here: the slider, then the player itself)
    await page.keyboard.press(" ");
    expect((await state(page, "a")).playing, "space on the focused slider plays").toBe(true);
    await root.focus();
    await page.keyboard.press(" ");
    expect((await state(page, "a")).playing, "space on the focused player pauses").toBe(false);

    // scrubbing while playing: it plays on from the new point
    await call(page, "a", "play");
    await call(page, "a", "seek", 10);
    const after = await state(page, "a");
    expect(after.playing).toBe(true);
    expect(after.time).toBeGreaterThanOrEqual(1.0 - 1e-9);
    expect(after.time).toBeLessThan(1.3);
    await sleep(400);
    const later = await state(page, "a");
    expect(later.playing).toBe(true);
    expect(later.time, "still advancing after the seek").toBeGreaterThan(after.time + 0.1);
  }, 60_000);

  it("speed: 2× advances simulation time about twice as fast as 1×; loop off stops at the last frame", async () => {
    const w = await open();
    const { page } = w;
    await mount(page, "a", recording, {}, false);
    await waitForDrawn(page, "a", "player-3-speed");
    /** simulation seconds per wall second over ~0.8 s, measured in the page */
    const rate = async (speed: number) => {
      await page.locator(`#cell-a ${tid("player-speed")}`).selectOption(String(speed));
      return page.evaluate(async () => {
        const p = (window as any).__players.a;
        p.seek(0);
        p.play();
        await new Promise((r) => requestAnimationFrame(r));
        const s0 = p.state().time;
        const w0 = performance.now();
        await new Promise((r) => setTimeout(r, 800));
        await new Promise((r) => requestAnimationFrame(r));
        const s1 = p.state().time;
        const w1 = performance.now();
        return (s1 - s0) / ((w1 - w0) / 1000);
      });
    };
    const r1 = await rate(1);
    const r2 = await rate(2);
    expect((await state(page, "a")).speed).toBe(2);
    expect(r1, `1×: ${r1.toFixed(3)} simulated s per s`).toBeGreaterThan(0.6);
    expect(r1).toBeLessThan(1.4);
    expect(r2 / r1, `2× vs 1×: ${r2.toFixed(3)} / ${r1.toFixed(3)}`).toBeGreaterThan(1.5);
    expect(r2 / r1).toBeLessThan(2.6);

    // loop off: from near the end at 4×, playback stops on the last frame
    await page.locator(`#cell-a ${tid("player-loop")}`).uncheck();
    await page.locator(`#cell-a ${tid("player-speed")}`).selectOption("4");
    await call(page, "a", "seek", 50);
    await call(page, "a", "play");
    await expect.poll(async () => (await state(page, "a")).playing, { timeout: 5000 }).toBe(false);
    expect(await state(page, "a")).toMatchObject({ frame: FRAMES - 1, loop: false });
    expect(parseReadout(await page.locator(`#cell-a ${tid("player-readout")}`).textContent())).toMatchObject({ frame: 59, t: 5.9 });
    // play again at the end starts over
    await call(page, "a", "play");
    const restarted = await state(page, "a");
    expect(restarted.playing).toBe(true);
    expect(restarted.time).toBeLessThan(1);
  }, 60_000);

  it("two players on one page render and run independently; a single-frame player is a static view without controls", async () => {
    const w = await open();
    const { page } = w;
    await mount(page, "a", recording);
    const still = fallingCube(1);
    const st = await mount(page, "b", { ...still, title: "static" });
    expect(st).toMatchObject({ frames: 1, playing: false, frame: 0 });
    const a = await waitForDrawn(page, "a", "player-4-a");
    const b = await waitForDrawn(page, "b", "player-4-b-static");
    expectDrawn(a.stats, "player a");
    expectDrawn(b.stats, "player b (one frame)");
    const rootB = cell(page, "b").locator(tid("player"));
    expect(await rootB.locator(tid("player-play")).isVisible(), "no play button for one frame").toBe(false);
    expect(await rootB.locator(tid("player-slider")).isVisible(), "no slider for one frame").toBe(false);
    expect(await rootB.locator(tid("player-readout")).isVisible(), "no readout for one frame").toBe(false);
    await call(page, "b", "play");
    expect((await state(page, "b")).playing, "one frame never plays").toBe(false);
    expect(await cell(page, "b").textContent()).toContain("static");

    // a second moving player, then control them separately
    await call(page, "b", "dispose");
    expect(await cell(page, "b").locator(tid("player")).count(), "dispose removes the player").toBe(0);
    await mount(page, "b", recording);
    await waitForDrawn(page, "b", "player-4-b");
    await call(page, "a", "pause");
    const aTime = (await state(page, "a")).time;
    await sleep(400);
    expect((await state(page, "a")).time, "a paused").toBe(aTime);
    expect((await state(page, "b")).playing, "b plays on").toBe(true);
    await call(page, "b", "seek", 30);
    expect((await state(page, "a")).time, "seeking b leaves a").toBe(aTime);
    expect(parseReadout(await cell(page, "b").locator(tid("player-readout")).textContent()).frame).toBeGreaterThanOrEqual(30);
    expect(report(w)).toContain('"pageErrors": []');
  }, 60_000);

  it("detached from the document (a notebook cell scrolled away): the clock stands still; re-attached, it draws and plays on", async () => {
    const w = await open();
    const { page } = w;
    await mount(page, "a", recording);
    await waitForDrawn(page, "a", "player-5-before-detach");
    await page.evaluate(() => {
      const cellA = document.getElementById("cell-a")!;
      (window as any).__detached = cellA;
      cellA.remove();
    });
    await sleep(100);
    const t0 = (await state(page, "a")).time;
    await sleep(600);
    const detached = await state(page, "a");
    expect(detached.playing, "still playing").toBe(true);
    expect(detached.time, "no simulation time passes while detached").toBeCloseTo(t0, 6);
    await page.evaluate(() => document.body.prepend((window as any).__detached));
    await sleep(500);
    const back = await state(page, "a");
    expect(back.time, "plays on once re-attached").toBeGreaterThan(t0 + 0.1);
    expect(back.time, "from where it stood").toBeLessThan(t0 + 1.5);
    const { stats } = await waitForDrawn(page, "a", "player-5-reattached");
    expectDrawn(stats, "re-attached player");
  }, 60_000);

  it("removed from the page: no more animation frames; attached again: it draws and plays on", async () => {
    const w = await open(FRAME_COUNTER);
    const { page } = w;
    await mount(page, "a", recording);
    await waitForDrawn(page, "a", "player-7-before-removal");
    const frames = () => page.evaluate(() => ({ ...(window as any).__raf }) as { requested: number; ran: number });
    const before = await frames();
    await sleep(300);
    expect((await frames()).ran, "a playing player draws frames").toBeGreaterThan(before.ran + 3);

    await page.evaluate(() => {
      const cellA = document.getElementById("cell-a")!;
      (window as any).__removed = cellA;
      cellA.remove();
    });
    await sleep(200); // the frame already asked for runs, sees the player gone and asks for no other
    const removed = await frames();
    const t0 = (await state(page, "a")).time;
    await sleep(700);
    expect(await frames(), "no animation frame is asked for or runs while the player is out of the page").toEqual(removed);
    expect((await state(page, "a")).time, "its clock stands still").toBe(t0);

    await page.evaluate(() => document.body.prepend((window as any).__removed));
    const canvas = cell(page, "a").locator(tid("player-canvas"));
    await expect.poll(async () => (await frames()).ran, { timeout: 5000 }).toBeGreaterThan(removed.ran + 3);
    const back = await screenshot(canvas, "player-7-back");
    expectDrawn(back.stats, "attached again");
    await sleep(500);
    const later = await screenshot(canvas, "player-7-later");
    expect(changedPixels(back.image, later.image), "the cube moves on: the view draws new frames").toBeGreaterThan(50);
    const st = await state(page, "a");
    // The recording loops: measure how far it went on from t0 modulo its length.
    const length = recording.times[recording.times.length - 1];
    const advanced = (((st.time - t0) % length) + length) % length;
    expect(advanced, "plays on from where it stood").toBeGreaterThan(0.2);

    // mounted while out of the page (JupyterLab may attach an output's element later): it waits, then draws
    await page.evaluate((data) => {
      const cellC = document.getElementById("cell-c")!;
      cellC.remove();
      (window as any).__players.c = (window as any).__mountPlayer(cellC, data, { height: 200, loop: false });
      setTimeout(() => {
        document.body.append(cellC);
        (window as any).__attachedAt = performance.now();
      }, 400);
    }, recording);
    const c = await waitForDrawn(page, "c", "player-7-mounted-detached");
    expectDrawn(c.stats, "mounted while detached, then attached");
    // Its clock started when it was attached, not when it was mounted: simulation time (speed 1,
    // no loop) is at most the wall time since attaching (plus a frame's slack).
    // Both read in one evaluation: a round trip to a loaded browser can take longer than the slack.
    const { sinceAttach, cTime } = await page.evaluate(() => ({
      sinceAttach: (performance.now() - (window as any).__attachedAt) / 1000,
      cTime: (window as any).__players.c.state().time as number,
    }));
    expect(cTime, "its clock started once attached").toBeLessThanOrEqual(Math.min(length, sinceAttach + 0.05));
  }, 60_000);

  it("20 players mounted and removed in turn (a cell run again and again): the page keeps its WebGL contexts; a removed player's view is freed and rebuilt if it comes back", async () => {
    const w = await open(FRAME_COUNTER);
    const { page } = w;
    await mount(page, "a", recording);
    await waitForDrawn(page, "a", "player-8-a");
    await call(page, "a", "pause");
    await call(page, "a", "seek", 59);
    await sleep(200);
    const aBefore = await screenshot(cell(page, "a").locator(tid("player-canvas")), "player-8-a-paused");

    // b: drawn, then taken out of the page (kept, as JupyterLab's windowing keeps an off-screen cell)
    await mount(page, "b", recording);
    await waitForDrawn(page, "b", "player-8-b");
    await page.evaluate(() => {
      const cellB = document.getElementById("cell-b")!;
      (window as any).__cellB = cellB;
      (window as any).__canvasB = cellB.querySelector("canvas");
      cellB.remove();
    });

    // 20 players, each mounted, drawn and removed in turn; the page keeps no reference to them
    await page.evaluate(async (data) => {
      const nextFrame = () => new Promise((r) => requestAnimationFrame(r));
      (window as any).__gone = [];
      for (let i = 0; i < 20; i++) {
        const div = document.createElement("div");
        div.className = "cell";
        document.body.append(div);
        (window as any).__mountPlayer(div, { ...data, title: `run ${i + 1}` }, { height: 60 });
        await nextFrame();
        await nextFrame();
        if (!div.querySelector("canvas")) throw new Error(`player ${i + 1}: no canvas`);
        div.remove();
        (window as any).__gone.push(new WeakRef(div));
      }
      await nextFrame();
    }, recording);
    expect(await page.evaluate(() => (window as any).__contextsLost), "no canvas in the page lost its WebGL context").toBe(0);
    // a, paused all along (its context the least recently used), still draws
    await call(page, "a", "seek", 0);
    await sleep(300);
    const aAfter = await screenshot(cell(page, "a").locator(tid("player-canvas")), "player-8-a-after");
    expectDrawn(aAfter.stats, "player a after 20 others came and went");
    expect(changedPixels(aBefore.image, aAfter.image), "a redraws when seeking").toBeGreaterThan(aBefore.image.width * aBefore.image.height * 0.01);

    // a last one renders
    await mount(page, "c", recording);
    const c = await waitForDrawn(page, "c", "player-8-c");
    expectDrawn(c.stats, "a player mounted after 20 others came and went");

    // b's view was freed while it was away (it was the first to leave); back, it gets a new one
    const bFreed = await page.evaluate(() => !(window as any).__canvasB.isConnected && !(window as any).__cellB.querySelector("canvas"));
    expect(bFreed, "b's canvas went while b was out of the page").toBe(true);
    await page.evaluate(() => document.getElementById("cell-c")!.before((window as any).__cellB));
    await expect.poll(() => cell(page, "b").locator("canvas").count(), { timeout: 5000 }).toBe(1);
    const b = await waitForDrawn(page, "b", "player-8-b-back");
    expectDrawn(b.stats, "b attached again, with a new view");
    expect((await state(page, "b")).playing, "b plays on").toBe(true);
    expect(await page.evaluate(() => (window as any).__contextsLost)).toBe(0);

    // the removed players are garbage: once their views are freed nothing keeps them
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("HeapProfiler.collectGarbage");
    await cdp.send("HeapProfiler.collectGarbage");
    const alive = await page.evaluate(() => ((window as any).__gone as WeakRef<Element>[]).filter((r) => r.deref()).length);
    expect(alive, "removed players whose views were freed are collected").toBeLessThanOrEqual(10);
  }, 60_000);

  it("without WebGL: a readable message instead of the canvas, no exception; malformed data: a message and an Error naming the field", async () => {
    // every WebGL context request fails, as in a browser with WebGL disabled
    const w = await open(`HTMLCanvasElement.prototype.getContext = function () { return null; };`);
    expectedConsoleErrors = [/WebGL/i];
    const { page } = w;
    const st = await mount(page, "a", recording);
    expect(st.frames).toBe(FRAMES);
    const text = await cell(page, "a").locator(tid("player-canvas")).textContent();
    expect(text).toMatch(/3D view unavailable.*WebGL/s);
    expect(await cell(page, "a").locator("canvas").count()).toBe(0);
    await sleep(300);
    expect(parseReadout(await cell(page, "a").locator(tid("player-readout")).textContent()).t, "the controls still run").toBeGreaterThan(0);

    const error = await page.evaluate((d) => {
      try {
        (window as any).__mount("b", { ...d, poses: d.poses.slice(0, 10) }, {}, false);
        return "no error";
      } catch (e) {
        return String(e);
      }
    }, recording);
    expect(error).toMatch(/data\.poses has 10 numbers/);
    expect(await cell(page, "b").textContent()).toMatch(/Cannot show this recording: data\.poses/);
  }, 60_000);
});
