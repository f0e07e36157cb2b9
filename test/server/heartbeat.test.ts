// The heartbeat (docs/live-protocol.md "Heartbeat"): the server pings every client each
// `heartbeatIntervalS` and drops one that has not answered by the next ping, which ends its
// session. The dead peers here are real processes killed with SIGKILL: a viewer watching a
// published engine, and the owner of a running session. Killed on this machine, the kernel would
// close their connections at once; a killed remote machine (or a lost network) closes nothing, so
// they connect through a relay that keeps the server's side open after its client died, as the
// network would. Real server, engine, ws clients and processes.
import { spawn, type ChildProcess } from "child_process";
import * as net from "net";
import * as path from "path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../src/engine";
import { startServer, type LiveServer } from "../../src/server";
import { optionsFromCommandLine } from "../../src/server/options";
import { closeAllClients, connect, health, request, seedConfigure, type Msg } from "./client";
import { FrameLog, until } from "./frame-log";

const ROOT = path.resolve(__dirname, "..", "..");
const INTERVAL_S = 0.5;

let server: LiveServer;
const logLines: string[] = [];
const children: ChildProcess[] = [];
const relays: net.Server[] = [];

beforeAll(async () => {
  server = await startServer({ port: 0, log: (line) => logLines.push(line), limits: { heartbeatIntervalS: INTERVAL_S } });
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  for (const relay of relays) relay.close();
  await server.close();
});
afterEach(() => closeAllClients());

/**
 * A TCP relay to the server that, when its client's connection ends, keeps the server's side open
 * and silent (reading and dropping what the server sends), as a dead machine on a network would.
 */
async function deadEndRelay(target: LiveServer): Promise<string> {
  const relay = net.createServer((client) => {
    const upstream = net.connect(target.port, "127.0.0.1");
    client.pipe(upstream, { end: false });
    upstream.on("data", (chunk) => {
      if (!client.destroyed) client.write(chunk);
    });
    client.on("error", () => undefined);
    upstream.on("error", () => undefined);
    upstream.on("close", () => client.destroy());
  });
  relays.push(relay);
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", () => resolve()));
  return `ws://127.0.0.1:${(relay.address() as net.AddressInfo).port}/api/v1/live`;
}

/** A client in its own process: sends `first` (and `then` after the metadata), prints "ready" at its first frame. */
function clientProcess(url: string, first: object, then?: object): Promise<ChildProcess> {
  const code = `
    const WebSocket = require("ws");
    const [url, first, then] = process.argv.slice(1);
    const ws = new WebSocket(url);
    let ready = false;
    ws.on("open", () => ws.send(first));
    ws.on("message", (data) => {
      const text = data.toString();
      if (text.startsWith('{"type":"metadata"') && then !== "null") ws.send(then);
      if (text.startsWith('{"type":"frame"') && !ready) { ready = true; console.log("ready"); }
    });
    ws.on("close", () => process.exit(0));`;
  const child = spawn(process.execPath, ["-e", code, url, JSON.stringify(first), JSON.stringify(then ?? null)], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve(child);
    });
    child.on("exit", (code) => reject(new Error(`client process exited (${code}) before its first frame`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

async function listed(id: string): Promise<Msg | undefined> {
  return ((await request(server, "/api/v1/live/simulations")).json() as Msg[]).find((s) => s.simulation_id === id);
}

describe("heartbeat", () => {
  it("drops a watcher whose process was killed (kill -9), and only that one", async () => {
    const engine = new Engine();
    engine.spawnEnvironmentObject("plane", [0, 0, 0]);
    engine.spawnInertialObject("unit_cube", [0, 0, 2]);
    const id = server.publish(engine, "heartbeat");
    const stepper = setInterval(() => engine.step(1 / 60), 16);
    try {
      const healthy = await connect(server);
      healthy.send({ type: "watch", simulation_id: id });
      const viewer = await clientProcess(await deadEndRelay(server), { type: "watch", simulation_id: id });
      expect((await listed(id))?.watchers).toBe(2);
      const linesBefore = logLines.length;
      await killed(viewer);
      // The relay keeps the server's side open: only the unanswered ping tells.
      await until(() => logLines.slice(linesBefore).some((l) => l.startsWith("heartbeat:")), "the heartbeat to notice", 15_000);
      let watchers = (await listed(id))?.watchers;
      for (let i = 0; i < 50 && watchers !== 1; i++) {
        await new Promise((r) => setTimeout(r, 100));
        watchers = (await listed(id))?.watchers;
      }
      expect(watchers, "the dead watcher is gone, the live one stays").toBe(1);
      // The live one answered every ping across many intervals and still gets frames.
      const log = new FrameLog(healthy);
      await until(() => log.frames.length > 5, "frames for the healthy watcher");
      expect(healthy.isOpen).toBe(true);
      expect(logLines.slice(linesBefore).filter((l) => l.startsWith("heartbeat:"))).toEqual([`heartbeat: a client did not answer a ping within ${INTERVAL_S} s: connection dropped`]);
    } finally {
      clearInterval(stepper);
      server.unpublish(id);
      engine.dispose();
    }
  });

  it("ends the session of an owner whose process was killed mid-run: its watchers get complete, its engine is freed", async () => {
    const sessionsBefore = (await health(server)).active_sessions;
    const owner = await clientProcess(await deadEndRelay(server), seedConfigure(), { type: "start", timestep_ms: 16, duration_s: 600 });
    const session = ((await request(server, "/api/v1/live/simulations")).json() as Msg[]).find((s) => s.name === "live session");
    expect(session, "the owner's session is listed").toBeDefined();
    const watcher = await connect(server);
    const log = new FrameLog(watcher);
    watcher.send({ type: "watch", simulation_id: session!.simulation_id });
    await until(() => log.frames.length > 3, "frames for the watcher");
    expect((await health(server)).active_sessions).toBe(sessionsBefore + 2);
    const linesBefore = logLines.length;
    await killed(owner);
    const end = await watcher.collect(15_000, true);
    expect(end.complete, "the watch ends with complete").toMatchObject({ type: "complete", total_frames: log.frames.length });
    expect(await listed(session!.simulation_id)).toBeUndefined();
    expect(logLines.slice(linesBefore).some((l) => l.startsWith("heartbeat:")), "dropped by the heartbeat").toBe(true);
    let sessions = (await health(server)).active_sessions;
    for (let i = 0; i < 50 && sessions !== sessionsBefore; i++) {
      await new Promise((r) => setTimeout(r, 100));
      sessions = (await health(server)).active_sessions;
    }
    expect(sessions, "no session left behind").toBe(sessionsBefore);
  });
});

describe("without the heartbeat", () => {
  it("a killed peer behind the relay stays connected (what the heartbeat is there for)", async () => {
    const slow = await startServer({ port: 0, log: () => {}, limits: { heartbeatIntervalS: 600 } });
    const engine = new Engine();
    engine.spawnInertialObject("unit_cube", [0, 0, 2]);
    const id = slow.publish(engine);
    try {
      const viewer = await clientProcess(await deadEndRelay(slow), { type: "watch", simulation_id: id });
      await killed(viewer);
      await new Promise((r) => setTimeout(r, 2000));
      const list = (await request(slow, "/api/v1/live/simulations")).json() as Msg[];
      expect(list[0].watchers, "still a watcher 2 s after its process died").toBe(1);
    } finally {
      engine.dispose();
      await slow.close();
    }
  });
});

describe("heartbeat option", () => {
  it("is read from --heartbeat-interval and MSD_LAB_HEARTBEAT_INTERVAL_S, and must be positive", async () => {
    expect(optionsFromCommandLine(["--heartbeat-interval", "2.5"], {}).limits?.heartbeatIntervalS).toBe(2.5);
    expect(optionsFromCommandLine([], { MSD_LAB_HEARTBEAT_INTERVAL_S: "7" }).limits?.heartbeatIntervalS).toBe(7);
    await expect(startServer({ port: 0, log: () => {}, limits: { heartbeatIntervalS: 0 } })).rejects.toThrow("limits.heartbeatIntervalS must be a positive number (got 0)");
  });
});
