// Reports and rich outputs in headless Chromium, offline: a script's report draws its plots and 3D
// view from the file alone; an output whose library arrives with a later output waits for it (cells
// run out of order); with scripts stripped (an untrusted notebook, GitHub) the static pictures stay.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Engine } from "../../src/engine";
import { plotOutput, record, Report, showOutput, tableOutput, type Recording } from "../../src/kernel-helpers";
import { outputHtml } from "../../src/kernel-helpers/rich-output";
import { browserSuite, launchBrowser, screenshot } from "./harness";
import { expectOutputsRendered, openOffline } from "./offline-outputs";

const suite = browserSuite("report browser tests (test/browser/report.test.ts)");

let browser: Browser;
let dir: string;
let run: Recording;
let engine: Engine;

suite("rich outputs in a browser with no network", () => {
  beforeAll(async () => {
    browser = await launchBrowser();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "msd-report-browser-"));
    engine = new Engine();
    engine.spawnEnvironmentObject("plane", [0, 0, 0]);
    engine.spawnInertialObject("unit_cube", [0, 0, 2], [0.3, 0.2, 0], { mass: 1 });
    engine.spawnInertialObject("small_sphere", [1.5, 0, 1.5], [0, 0, 0], { mass: 1, restitution: 0.9 });
    run = await record(engine, { duration: 2, dt: 1 / 60 });
  });

  afterAll(async () => {
    await browser?.close();
    engine?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("draws a report's plots, 3D player and table from the file alone", async () => {
    const file = new Report("Offline report")
      .note("Heights of a cube and a sphere.")
      .add(plotOutput(run, { y: "z", title: "height" }))
      .add(plotOutput(run, { y: "energy" }))
      .add(showOutput(run, { title: "drop" }))
      .add(tableOutput(engine))
      .save(path.join(dir, "report.html"));
    const offline = await openOffline(browser, file);
    try {
      await expectOutputsRendered(offline, "report", { plots: 2, players: 1 });
      expect(offline.refused).toEqual([]);
      expect(await offline.page.locator("table th").count()).toBe(7);
      // The player plays: its readout advances.
      const readout = offline.page.locator('[data-testid="player-readout"]');
      const before = await readout.textContent();
      await expect.poll(() => readout.textContent(), { timeout: 15_000 }).not.toBe(before);
    } finally {
      await offline.close();
    }
  });

  it("draws an output whose library arrives later in the page (cells run out of order)", async () => {
    const waiting = outputHtml(plotOutput(run, { y: "vz" }), []);
    const carrier = outputHtml(plotOutput(run, { y: "z" }), ["plotly"]);
    const file = path.join(dir, "late-library.html");
    fs.writeFileSync(file, `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${waiting}\n${carrier}</body></html>`);
    const offline = await openOffline(browser, file);
    try {
      await expectOutputsRendered(offline, "late-library", { plots: 2, players: 0 });
    } finally {
      await offline.close();
    }
  });

  it("keeps the static pictures when scripts never run (untrusted notebook)", async () => {
    const html = [plotOutput(run, { y: "z", title: "static" }), tableOutput(engine)]
      .map((o) => outputHtml(o, o.libraries))
      .join("\n")
      .replace(/<script>[\s\S]*?<\/script>/g, "");
    const file = path.join(dir, "static.html");
    fs.writeFileSync(file, `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${html}</body></html>`);
    const offline = await openOffline(browser, file);
    try {
      const img = offline.page.locator(".msd-fallback img").first();
      await img.waitFor();
      expect(await img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(500);
      const { stats } = await screenshot(img, "static-plot");
      expect(stats.nonBackgroundShare).toBeGreaterThan(0.01);
      expect(stats.distinctColours).toBeGreaterThan(8);
      expect(await offline.page.locator(".msd-fallback table td").count()).toBeGreaterThan(10);
    } finally {
      await offline.close();
    }
  });
});
