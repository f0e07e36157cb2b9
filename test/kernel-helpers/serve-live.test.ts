// serveLive/runLive/stopLive through the real server, engine and ws clients; and the kernel-hygiene
// promise: a process with a live server (and a connected watcher) still exits on its own.
import { spawn, type ChildProcessByStdio } from "child_process";
import * as net from "net";
import * as path from "path";
import type { Readable } from "stream";
import { afterEach, describe, expect, it } from "vitest";
import { Engine } from "../../src/engine";
import { runLive, serveLive, stopLive } from "../../src/kernel-helpers";
import { connect, type LiveClient } from "../server/client";

const ROOT = path.resolve(__dirname, "..", "..");

afterEach(async () => {
  await stopLive();
});

/** A watcher of the page URL serveLive printed (…/live?watch=ID), through the server tests' client. */
async function watch(pageUrl: string): Promise<LiveClient> {
  const url = new URL(pageUrl);
  const client = await connect({ url: url.origin });
  client.send({ type: "watch", simulation_id: url.searchParams.get("watch") });
  return client;
}

describe("serveLive", () => {
  it("publishes the notebook's engine: a watcher sees the cells' steps and runLive's real-time run", async () => {
    const engine = new Engine();
    engine.spawnEnvironmentObject("plane", [0, 0, 0]);
    const cube = engine.spawnInertialObject("unit_cube", [0, 0, 3]).instanceId;
    const live = await serveLive({ engine, port: 0 });
    expect(live.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/live\?watch=sim-[0-9a-f]{12}$/);
    expect(live.simulationId).toBe(new URL(live.url).searchParams.get("watch"));
    const watcher = await watch(live.url);
    expect((await watcher.waitFor("metadata")).bodies.length).toBe(2);
    await watcher.waitFor("frame");

    engine.step(0.1); // a cell steps it
    expect((await watcher.waitFor("frame")).data.simulation_time).toBeCloseTo(0.1, 12);

    const began = performance.now();
    const reached = await runLive(engine, { duration: 0.5 });
    const wall = (performance.now() - began) / 1000;
    expect(reached).toBeCloseTo(0.6, 9);
    expect(wall).toBeGreaterThan(0.45); // paced by the wall clock, not as fast as possible
    expect(wall).toBeLessThan(2);
    await new Promise((r) => setTimeout(r, 100));
    const times = watcher.messages.filter((m) => m.type === "frame").map((m) => m.data.simulation_time);
    expect(times.length).toBeGreaterThan(15); // ~30 frames at 60 Hz; a loaded machine may merge some
    expect(times.every((t: number, i: number) => i === 0 || t > times[i - 1])).toBe(true);
    expect(times[times.length - 1]).toBeCloseTo(0.6, 9);
    const last = watcher.messages.filter((m) => m.type === "frame").pop()!;
    const z = last.data.states.find((s: any) => s.body_id === cube).position.z;
    expect(z).toBeCloseTo(engine.getBodyState(cube).position.z, 8);

    live.close();
    await watcher.waitFor("complete");
    await watcher.waitClose();
    engine.dispose();
  });

  it("reuses the running server, refuses a second port, and falls back from a busy default port", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.once("error", () => resolve()).listen(8000, "127.0.0.1", () => resolve()));
    try {
      const first = await serveLive();
      expect(new URL(first.url).port).not.toBe("8000");
      expect(first.simulationId).toBeUndefined();
      const again = await serveLive();
      expect(new URL(again.url).port).toBe(new URL(first.url).port);
      await expect(serveLive({ port: 1 })).rejects.toThrow(/already runs at .*stopLive\(\)/);
    } finally {
      blocker.close();
    }
  });

  it("runLive keeps real time across repeated short calls and reports every frame", async () => {
    const engine = new Engine();
    engine.spawnInertialObject("unit_cube", [0, 0, 5]);
    const seen: number[] = [];
    const began = performance.now();
    for (let i = 0; i < 10; i++) await runLive(engine, { duration: 0.05, onFrame: (e) => seen.push(e.time) });
    const wall = (performance.now() - began) / 1000;
    expect(engine.time).toBeCloseTo(0.5, 9);
    expect(wall).toBeGreaterThan(0.47); // 0.5 s of simulation at speed 1, never faster
    expect(seen.length).toBe(30); // 3 frames of 1/60 s per 0.05 s call
    expect(seen.every((t, i) => i === 0 || t > seen[i - 1])).toBe(true);
    // speed 4: four times faster than real time
    const fast = performance.now();
    await runLive(engine, { duration: 1, speed: 4 });
    expect((performance.now() - fast) / 1000).toBeGreaterThan(0.23);
    expect(engine.time).toBeCloseTo(1.5, 9);
    engine.dispose();
  });

  it("rejects bad runLive arguments with a clear message", async () => {
    const engine = new Engine();
    await expect(runLive(engine, { duration: -1 })).rejects.toThrow("runLive: duration must be a positive number of seconds (got -1)");
    await expect(runLive(engine, { duration: 1, speed: 0 })).rejects.toThrow("runLive: speed must be a positive number (got 0)");
    const controller = new AbortController();
    const pending = runLive(engine, { duration: 60, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow(/abort/i);
    expect(engine.time).toBeLessThan(1);
    engine.dispose();
  });

  it("never keeps a process alive: it exits by itself with a watcher still connected", async () => {
    // The script's own work ends 200 ms after the test's watcher is connected; then nothing is left.
    const script = `
      const http = require("http");
      const lab = require(${JSON.stringify(path.join(ROOT, "dist", "src"))});
      const engine = new lab.Engine();
      engine.spawnInertialObject("unit_cube", [0, 0, 1]);
      lab.serveLive({ engine: engine, port: 0 }).then((live) => {
        const poll = setInterval(() => {
          http.get(new URL("/api/v1/live/simulations", live.url), (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => {
              if (JSON.parse(body)[0].watchers === 0) return;
              clearInterval(poll);
              setTimeout(() => engine.step(0.1), 200);
            });
          });
        }, 50);
      });`;
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await expectExitsOnItsOwn(child);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL"); // a failed test leaves nothing running
    }
  });
});

/** The child prints its watch URL; a watcher connects; then the child must exit by itself, with code 0. */
async function expectExitsOnItsOwn(child: ChildProcessByStdio<null, Readable, null>): Promise<void> {
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`child exited early (${code})`)));
  });
  const watcher = await watch(url);
  await watcher.waitFor("frame");
  const began = performance.now();
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  expect(code).toBe(0);
  expect(performance.now() - began).toBeLessThan(5000);
  await watcher.waitClose(); // the process took its server and the watcher's connection with it
}
