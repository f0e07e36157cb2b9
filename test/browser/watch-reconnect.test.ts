// The live page watching across a server restart, and watching a session another client runs, in
// headless Chromium against the real server and engine: binary frames drawn, a "Reconnecting…"
// banner while the server is gone, the same simulation watched again once the server is back on
// the same port (its owner publishes the engine again under the same id), and the owner's stop
// ending the watch of a session.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Engine } from "../../src/engine";
import { startServer, type LiveServer } from "../../src/server";
import { closeAllClients, configured, type SpawnObject } from "../server/client";
import { browserSuite, canvasShot, expectCleanPage, launchBrowser, openWatched, tid } from "./harness";

const suite = browserSuite("watch reconnect tests (test/browser/watch-reconnect.test.ts)");

let browser: Browser;

/** What Chromium logs while the server is down (failed WebSocket and health requests). */
const DOWN_ERRORS = [/WebSocket connection to .* failed/, /Failed to load resource: net::ERR_CONNECTION_REFUSED/];

const frames = (w: { received: { type: string }[] }) => w.received.filter((r) => r.type === "frame").length;

suite("the live page watching", () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    closeAllClients();
    await browser?.close();
  });

  it("shows Reconnecting… while the server is down and watches the same simulation again once it is back", async () => {
    const engine = new Engine();
    engine.spawnEnvironmentObject("plane", [0, 0, 0]);
    for (let i = 0; i < 8; i++) engine.spawnInertialObject("unit_cube", [(i % 4) * 1.5 - 2, Math.floor(i / 4) * 1.5, 1 + i * 0.4], [0.3 * i, 0.1, 0], { mass: 1 });
    let server: LiveServer = await startServer({ port: 0, log: () => {} });
    const port = server.port;
    const id = server.publish(engine, { name: "restartable" });
    const stepper = setInterval(() => {
      if (!engine.disposed) engine.step(1 / 60);
    }, 16);
    const w = await openWatched(browser, server.url);
    try {
      await w.page.goto(`${server.url}/live?watch=${id}`, { waitUntil: "load" });
      const state = w.page.locator(tid("watch-state"));
      const banner = w.page.locator(tid("banner"));
      await expect.poll(() => state.textContent(), { timeout: 15_000 }).toBe("live");
      await expect.poll(() => frames(w), { timeout: 15_000 }).toBeGreaterThan(20);
      expect(w.received.filter((r) => r.type === "frame").every((r) => (r as { binary?: boolean }).binary), "binary frames").toBe(true);
      expect(await banner.isVisible()).toBe(false);

      // The server goes away (its process restarting, say).
      await server.close();
      await expect.poll(() => state.textContent(), { timeout: 15_000 }).toBe("reconnecting…");
      await expect.poll(() => banner.isVisible(), { timeout: 15_000 }).toBe(true);
      expect(await banner.textContent()).toContain("Reconnecting…");
      // Down for a while: it keeps trying (the first connection, then at least two more tries).
      await expect.poll(() => w.webSockets.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
      expect(await state.textContent()).toBe("reconnecting…");
      expect(await banner.textContent()).toMatch(/Reconnecting… \(attempt [2-9]\)/);

      // Back on the same port; the owner publishes its engine again under the same id.
      server = await startServer({ port, log: () => {} });
      expect(server.publish(engine, { name: "restartable", id })).toBe(id);
      const framesBefore = frames(w);
      await expect.poll(() => state.textContent(), { timeout: 20_000 }).toBe("live");
      await expect.poll(() => banner.isVisible(), { timeout: 15_000 }).toBe(false);
      await expect.poll(() => frames(w), { timeout: 15_000 }).toBeGreaterThan(framesBefore + 20);
      const watches = w.sent.map((s) => s.message);
      expect(watches.length, "a watch on the first connection and on the one that came back").toBeGreaterThanOrEqual(2);
      expect(new Set(watches.map((m) => JSON.stringify(m)))).toEqual(new Set([JSON.stringify({ type: "watch", simulation_id: id, encoding: "binary" })]));
      expect(w.received.filter((r) => r.type === "metadata").length, "the scene again after the reconnect").toBe(2);
      const { stats } = await canvasShot(w.page, "watch-reconnected");
      expect(stats.distinctColours, "a lit scene with bodies").toBeGreaterThan(30);
      expect(await w.page.locator(tid("frame-id")).textContent()).toMatch(/^\d+$/);

      server.unpublish(id);
      await expect.poll(() => state.textContent(), { timeout: 15_000 }).toBe("simulation ended");
      expectCleanPage(w, DOWN_ERRORS);
    } finally {
      clearInterval(stepper);
      await w.close();
      await server.close();
      engine.dispose();
    }
  });

  it("watches a session that another client runs, in binary, until its owner stops it", async () => {
    const server = await startServer({ port: 0, log: () => {} });
    const objects: SpawnObject[] = [
      { asset_name: "plane", position: [0, 0, 0], object_type: "environment" },
      ...Array.from({ length: 12 }, (_, i): SpawnObject => ({ asset_name: i % 3 ? "unit_cube" : "small_sphere", position: [(i % 4) * 1.4 - 2, Math.floor(i / 4) * 1.4 - 1.4, 1 + i * 0.3], object_type: "inertial", mass: 1 })),
    ];
    const w = await openWatched(browser, server.url);
    try {
      const { client, metadata } = await configured(server, objects);
      client.send({ type: "start", timestep_ms: 16, duration_s: 60 });
      await w.page.goto(`${server.url}/live?watch=${metadata.simulation_id}`, { waitUntil: "load" });
      const state = w.page.locator(tid("watch-state"));
      await expect.poll(() => state.textContent(), { timeout: 15_000 }).toBe("live");
      await expect.poll(() => frames(w), { timeout: 15_000 }).toBeGreaterThan(30);
      expect(await w.page.locator(tid("bodies")).textContent()).toBe("13");
      const { stats } = await canvasShot(w.page, "watch-session");
      expect(stats.distinctColours, "a lit scene with bodies").toBeGreaterThan(30);
      // The page shows the run's frames: its frame counter moves with the owner's.
      const shown = Number(await w.page.locator(tid("frame-id")).textContent());
      expect(shown).toBeGreaterThan(10);
      client.send({ type: "stop" });
      await client.collect(10_000);
      await expect.poll(() => state.textContent(), { timeout: 15_000 }).toBe("simulation ended");
      expect(w.sent.map((s) => s.message)).toEqual([{ type: "watch", simulation_id: metadata.simulation_id, encoding: "binary" }]);
      expectCleanPage(w);
    } finally {
      await w.close();
      await server.close();
    }
  });
});
