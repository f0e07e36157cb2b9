// The live page watching a notebook's engine (/live?watch=ID) in headless Chromium, against the
// real server and engine: read-only banner, frames as the owner steps, the scene drawn, a body
// added mid-watch, and the end when the owner stops publishing.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Engine } from "../../src/engine";
import { startServer, type LiveServer } from "../../src/server";
import { browserSuite, canvasShot, expectCleanPage, launchBrowser, openWatched, tid } from "./harness";

const suite = browserSuite("watch page tests (test/browser/watch-page.test.ts)");

let browser: Browser;
let server: LiveServer;

suite("the live page watching a published engine", () => {
  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startServer({ port: 0, log: () => {} });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("shows the owner's steps read-only, follows scene changes, and ends with the publication", async () => {
    const engine = new Engine();
    engine.spawnEnvironmentObject("plane", [0, 0, 0]);
    for (let i = 0; i < 5; i++) engine.spawnInertialObject("unit_cube", [i * 1.5 - 3, 0, 1 + i * 0.5], [0.2 * i, 0, 0], { mass: 1 });
    const id = server.publish(engine, "notebook");
    const w = await openWatched(browser, server.url);
    try {
      await w.page.goto(`${server.url}/live?watch=${id}`, { waitUntil: "load" });
      const banner = w.page.locator(tid("watch-banner"));
      await expect.poll(() => banner.textContent(), { timeout: 15_000 }).toBe(`Watching notebook (simulation ${id}, read-only) · live`);
      expect(await w.page.locator(tid("start")).isVisible()).toBe(false);
      // The page asks for binary frames; it sends nothing else (read-only).
      expect(w.sent.map((s) => s.message)).toEqual([{ type: "watch", simulation_id: id, encoding: "binary" }]);

      // The owner steps; the page follows.
      const stepper = setInterval(() => engine.step(1 / 60), 16);
      try {
        await expect.poll(() => w.received.filter((r) => r.type === "frame").length, { timeout: 15_000 }).toBeGreaterThan(30);
        const { stats } = await canvasShot(w.page, "watch-page");
        expect(stats.distinctColours, "a lit scene with bodies").toBeGreaterThan(30);
        engine.spawnInertialObject("small_sphere", [0, 2, 3], [0, 0, 0], { mass: 1 });
        await expect.poll(() => w.received.filter((r) => r.type === "metadata").length, { timeout: 15_000 }).toBe(2);
      } finally {
        clearInterval(stepper);
      }
      const secondMetadata = w.received.filter((r) => r.type === "metadata")[1].message as unknown as { bodies: unknown[] };
      expect(secondMetadata.bodies.length).toBe(7);

      server.unpublish(id);
      await expect.poll(() => w.page.locator(tid("watch-state")).textContent(), { timeout: 15_000 }).toBe("simulation ended");
      expectCleanPage(w);
    } finally {
      await w.close();
      engine.dispose();
    }
  });

  it("says so when the simulation does not exist", async () => {
    const w = await openWatched(browser, server.url);
    try {
      await w.page.goto(`${server.url}/live?watch=sim-000000000000`, { waitUntil: "load" });
      await expect.poll(() => w.page.locator(tid("watch-state")).textContent(), { timeout: 15_000 }).toBe("error: unknown simulation_id 'sim-000000000000'");
      expect(w.pageErrors).toEqual([]);
    } finally {
      await w.close();
    }
  });
});
