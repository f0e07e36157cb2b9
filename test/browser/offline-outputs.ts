// Opening a notebook's HTML export or a script's report from disk in headless Chromium with every
// network request refused, and judging its rich outputs from pixels: the plotly plots and the 3D
// players must draw from what the file itself carries.
import * as path from "path";
import type { Browser, Page } from "playwright-core";
import { expect } from "vitest";
import { screenshot } from "./harness";

export interface OfflinePage {
  page: Page;
  /** URLs the page tried to fetch (all refused). */
  refused: string[];
  pageErrors: string[];
  close(): Promise<void>;
}

/**
 * `withRequireJs`: the page has RequireJS's global `define` (as classic Notebook 6, or an nbconvert
 * export whose require.js could load), which makes UMD libraries register as modules instead of
 * globals; the outputs must draw anyway.
 */
export async function openOffline(browser: Browser, file: string, options: { withRequireJs?: boolean } = {}): Promise<OfflinePage> {
  return openWithOnly(browser, `file://${path.resolve(file)}`, "file:", options);
}

/**
 * Opens `url` with every request refused except those starting with `allowed` (and data:/blob:):
 * e.g. a local Jupyter server's pages, with nothing from the network.
 */
export async function openWithOnly(browser: Browser, url: string, allowed: string, options: { withRequireJs?: boolean } = {}): Promise<OfflinePage> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  if (options.withRequireJs) {
    await context.addInitScript(() => {
      const define = (..._args: unknown[]): void => undefined;
      (define as unknown as { amd: object }).amd = {};
      (window as unknown as { define: unknown }).define = define;
    });
  }
  const page = await context.newPage();
  const refused: string[] = [];
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await context.route("**/*", (route) => {
    const requested = route.request().url();
    if (requested.startsWith(allowed) || requested.startsWith("data:") || requested.startsWith("blob:")) return route.continue();
    refused.push(requested);
    return route.abort("internetdisconnected");
  });
  await page.goto(url, { waitUntil: "load", timeout: 60_000 });
  return { page, refused, pageErrors, close: () => context.close() };
}

/** Waits for the interactive plots and players and checks that they drew something real. */
export async function expectOutputsRendered(offline: OfflinePage, name: string, expected: { plots: number; players: number }): Promise<void> {
  const { page } = offline;
  const plots = page.locator(".msd-lab-output .js-plotly-plot");
  const players = page.locator('.msd-lab-output [data-testid="player"] canvas');
  await expect.poll(() => plots.count(), { timeout: 60_000, message: `${name}: plotly plots drawn` }).toBeGreaterThanOrEqual(expected.plots);
  await expect.poll(() => players.count(), { timeout: 60_000, message: `${name}: 3D players drawn` }).toBeGreaterThanOrEqual(expected.players);
  // Every interactive output was drawn (its static fallback replaced); none waits for a library
  // or shows an error.
  expect(await page.locator(".msd-lab-output:has(+ script)").count(), `${name}: interactive outputs`).toBeGreaterThanOrEqual(expected.plots + expected.players);
  await expect
    .poll(() => page.locator(".msd-lab-output:has(+ script) .msd-fallback").count(), { timeout: 60_000, message: `${name}: outputs still showing their fallback` })
    .toBe(0);
  expect(await page.locator(".msd-lab-output .msd-note").allTextContents()).toEqual([]);
  if (expected.plots > 0) {
    const plot = plots.first();
    await plot.locator(".main-svg .scatterlayer .trace path").first().waitFor({ timeout: 30_000 });
    await plot.scrollIntoViewIfNeeded();
    const { stats } = await screenshot(plot, `${name}-plot`);
    expect(stats.backgroundShare, `${name}: the plot is mostly white paper`).toBeGreaterThan(0.5);
    expect(stats.nonBackgroundShare, `${name}: the plot has lines, axes and labels`).toBeGreaterThan(0.01);
    expect(stats.distinctColours).toBeGreaterThan(8);
  }
  if (expected.players > 0) {
    const player = page.locator('.msd-lab-output [data-testid="player-canvas"]').first();
    await player.scrollIntoViewIfNeeded();
    await page.waitForTimeout(1500); // a few frames of the software renderer
    const { stats } = await screenshot(player, `${name}-player`);
    expect(stats.distinctColours, `${name}: a lit 3D scene, not a blank canvas`).toBeGreaterThan(30);
    expect(stats.nonBackgroundShare).toBeGreaterThan(0.05);
  }
  expect(offline.pageErrors, `${name}: page errors`).toEqual([]);
}
