// Watching an engine that its owner steps (a notebook's): `{"type": "watch", "simulation_id"}`
// through the real server, engine and ws clients. (Watching sessions that clients run:
// watch-sessions.test.ts; binary frames: binary-frames.test.ts; heartbeat: heartbeat.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../src/engine";
import { startServer, type LiveServer } from "../../src/server";
import { connect, request, type LiveClient, type Msg } from "./client";

let server: LiveServer;

beforeAll(async () => {
  server = await startServer({ port: 0, log: () => {} });
});

afterAll(async () => {
  await server.close();
});

function dropScene(): { engine: Engine; cube: number } {
  const engine = new Engine();
  engine.spawnEnvironmentObject("plane", [0, 0, 0]);
  const cube = engine.spawnInertialObject("unit_cube", [0, 0, 3], [0, 0, 0], { mass: 1 }).instanceId;
  return { engine, cube };
}

async function getJson(path: string): Promise<{ status: number; body: unknown }> {
  const res = await request(server, path);
  return { status: res.status, body: res.json() };
}

async function watcher(id: string): Promise<LiveClient> {
  const client = await connect(server);
  client.send({ type: "watch", simulation_id: id });
  return client;
}

function cubeZ(frame: Msg, id: number): number {
  return frame.data.states.find((s: { body_id: number }) => s.body_id === id).position.z;
}

describe("watching a published engine", () => {
  it("sends metadata and the current frame at once, then a frame whenever the owner steps", async () => {
    const { engine, cube } = dropScene();
    const id = server.publish(engine, "test");
    expect(id).toMatch(/^sim-[0-9a-f]{12}$/);
    const client = await watcher(id);
    const metadata = await client.next();
    expect(metadata.type).toBe("metadata");
    expect(metadata.simulation_id).toBe(id);
    expect(metadata.bodies.map((b: { body_id: number }) => b.body_id).sort()).toEqual([1, cube]);
    expect(metadata.assets.length).toBe(2);
    const first = await client.next();
    expect(first.type).toBe("frame");
    expect(first.data.simulation_time).toBe(0);
    expect(cubeZ(first, cube)).toBeCloseTo(3, 9);

    engine.step(0.25);
    const second = await client.next();
    expect(second.data.frame_id).toBeGreaterThan(first.data.frame_id);
    expect(second.data.simulation_time).toBeCloseTo(0.25, 12);
    // The streamed pose is the engine's own.
    expect(cubeZ(second, cube)).toBeCloseTo(engine.getBodyState(cube).position.z, 8);

    // Nothing changes, nothing is sent.
    await new Promise((r) => setTimeout(r, 100));
    expect(client.messages.length).toBe(3);
    server.unpublish(id);
    const end = await client.next();
    expect(end).toMatchObject({ type: "complete", total_frames: 2 });
    await client.waitClose();
    engine.dispose();
  });

  it("lets several watchers and late joiners see the same frames; new bodies bring new metadata", async () => {
    const { engine } = dropScene();
    const id = server.publish(engine);
    const a = await watcher(id);
    await a.waitFor("frame");
    engine.step(0.1);
    await a.next();
    const b = await watcher(id); // late joiner: metadata and the current frame
    expect((await b.next()).type).toBe("metadata");
    const bFirst = await b.next();
    expect(bFirst.data.simulation_time).toBeCloseTo(0.1, 12);

    const sphere = engine.spawnInertialObject("small_sphere", [2, 0, 2]).instanceId;
    for (const client of [a, b]) {
      const m = await client.waitFor("metadata");
      expect(m.bodies.some((x: { body_id: number }) => x.body_id === sphere)).toBe(true);
    }
    engine.step(0.1);
    const fa = await a.waitFor("frame");
    const fb = await b.waitFor("frame");
    expect(fb.data.frame_id).toBe(fa.data.frame_id);
    expect(fb.data.states).toEqual(fa.data.states);
    expect(fa.data.states.some((s: { body_id: number }) => s.body_id === sphere)).toBe(true);

    // A watcher's stop ends its own watch only.
    b.send({ type: "stop" });
    expect((await b.waitFor("complete")).type).toBe("complete");
    engine.step(0.1);
    await a.waitFor("frame");
    // Disposing the engine ends the publication for everyone left.
    engine.dispose();
    expect((await a.waitFor("complete", 2000)).type).toBe("complete");
    const list = await getJson("/api/v1/live/simulations");
    expect(list.body).toEqual([]);
  });

  it("introduces a watcher that joins while the owner's async call runs, once the engine is free", async () => {
    const { engine } = dropScene();
    const id = server.publish(engine);
    const running = engine.simulateAsync({ duration: 2, dt: 1 / 240 });
    const client = await watcher(id);
    await running;
    const first = await client.next(3000);
    expect(first.type).toBe("metadata");
    const frame = await client.next(3000);
    expect(frame.type).toBe("frame");
    expect(frame.data.simulation_time).toBeCloseTo(engine.time, 12);
    server.unpublish(id);
    engine.dispose();
  });

  it("does not let a joining watcher swallow changes the others have not seen yet", async () => {
    const { engine } = dropScene();
    const id = server.publish(engine);
    const a = await watcher(id);
    await a.waitFor("frame");
    // Step and add a body, then a second watcher joins before the next tick could send anything.
    engine.step(0.1);
    const sphere = engine.spawnInertialObject("small_sphere", [2, 0, 2]).instanceId;
    const b = await watcher(id);
    for (const client of [a, b]) {
      const metadata = await client.waitFor("metadata");
      expect(metadata.bodies.some((x: { body_id: number }) => x.body_id === sphere)).toBe(true);
      const frame = await client.waitFor("frame");
      expect(frame.data.simulation_time).toBeCloseTo(0.1, 12);
    }
    server.unpublish(id);
    engine.dispose();
  });

  it("lists publications and refuses unknown or malformed ids", async () => {
    const { engine } = dropScene();
    const id = server.publish(engine, "listed");
    expect(server.publish(engine)).toBe(id); // once per engine
    const list = await getJson("/api/v1/live/simulations");
    expect(list.status).toBe(200);
    expect(list.body).toEqual([{ simulation_id: id, name: "listed", simulation_time: 0, bodies: 2, watchers: 0 }]);

    const unknown = await watcher("sim-000000000000");
    expect(await unknown.next()).toEqual({ type: "error", message: "unknown simulation_id 'sim-000000000000'" });
    for (const bad of [42, "../../etc", "", "x".repeat(65)]) {
      const client = await connect(server);
      client.send({ type: "watch", simulation_id: bad });
      const reply = await client.next();
      expect(reply.type).toBe("error");
      expect(reply.message).toContain("simulation_id");
    }
    const extra = await connect(server);
    extra.send({ type: "watch", simulation_id: id, colour: "red" });
    expect((await extra.next()).message).toBe("watch: unknown field 'colour'");
    server.unpublish(id);
    engine.dispose();
  });

  it("publishes under a given id (to be watched again after a restart); refuses ids in use or malformed", async () => {
    const first = dropScene();
    const id = server.publish(first.engine, { name: "again", id: "lab-run_7" });
    expect(id).toBe("lab-run_7");
    const client = await watcher(id);
    expect(await client.next()).toMatchObject({ type: "metadata", simulation_id: id, name: "again" });
    const second = dropScene();
    expect(() => server.publish(second.engine, { id })).toThrow("simulation id 'lab-run_7' is already in use");
    expect(() => server.publish(second.engine, { id: "../x" })).toThrow("simulation id must be 1-64 letters, digits, '-' or '_' (got '../x')");
    server.unpublish(id);
    expect((await client.waitFor("complete")).type).toBe("complete");
    // Free again: another engine (a re-run notebook) takes the id, and is watched under it.
    expect(server.publish(second.engine, { id, name: "rerun" })).toBe(id);
    const again = await watcher(id);
    expect(await again.next()).toMatchObject({ type: "metadata", simulation_id: id, name: "rerun" });
    server.unpublish(id);
    first.engine.dispose();
    second.engine.dispose();
  });

  it("keeps streaming to a reader that falls behind, skipping frames instead of buffering them", async () => {
    const small = await startServer({ port: 0, log: () => {}, limits: { maxBufferedBytes: 16 * 1024 } });
    try {
      const engine = new Engine();
      engine.spawnEnvironmentObject("plane", [0, 0, 0]);
      // 400 falling cubes: ~100 kB per frame, so 2 s of frames outgrow the loopback socket buffers.
      for (let i = 0; i < 400; i++) engine.spawnInertialObject("tiny_cube", [(i % 20) - 10, Math.floor(i / 20) - 10, 50 + i * 0.01]);
      const id = small.publish(engine);
      const slow = await connect(small);
      slow.send({ type: "watch", simulation_id: id });
      await slow.waitFor("frame");
      slow.ws.pause(); // stops reading: the socket's buffers fill up
      for (let k = 0; k < 120; k++) {
        engine.step(1 / 60);
        await new Promise((r) => setTimeout(r, 17));
      }
      const sentBefore = slow.messages.length;
      slow.ws.resume();
      await new Promise((r) => setTimeout(r, 300));
      const frames = slow.messages.filter((m) => m.type === "frame");
      const ids = frames.map((f) => f.data.frame_id);
      // Strictly increasing ids (one per encoded frame), with gaps where this reader skipped frames,
      // and the newest one last.
      expect(ids.every((v, i) => i === 0 || v > ids[i - 1])).toBe(true);
      expect(ids.some((v, i) => i > 0 && v - ids[i - 1] > 1), `frame ids ${ids.join(",")}`).toBe(true);
      expect(sentBefore).toBeLessThan(frames.length + 2);
      expect(frames[frames.length - 1].data.simulation_time).toBeCloseTo(engine.time, 9);
      small.unpublish(id);
      engine.dispose();
    } finally {
      await small.close();
    }
  });

  it("drops a watcher that stays behind longer than the stall timeout; the owner and others go on", async () => {
    const small = await startServer({ port: 0, log: () => {}, limits: { maxBufferedBytes: 16 * 1024, stallTimeoutS: 1 } });
    try {
      const engine = new Engine();
      for (let i = 0; i < 400; i++) engine.spawnInertialObject("tiny_cube", [(i % 20) - 10, Math.floor(i / 20) - 10, 50 + i * 0.01]);
      const id = small.publish(engine);
      const stalled = await connect(small);
      stalled.send({ type: "watch", simulation_id: id });
      await stalled.waitFor("frame");
      const healthy = await connect(small);
      healthy.send({ type: "watch", simulation_id: id });
      await healthy.waitFor("frame");
      stalled.ws.pause();
      for (let k = 0; k < 150 && !stalled.closeInfo; k++) {
        engine.step(1 / 60);
        await new Promise((r) => setTimeout(r, 17));
      }
      stalled.ws.resume();
      await stalled.waitClose(5000);
      const health = await request(small, "/api/v1/live/simulations");
      expect(health.json()).toMatchObject([{ simulation_id: id, watchers: 1 }]);
      engine.step(1 / 60);
      await new Promise((r) => setTimeout(r, 200));
      const last = healthy.messages.filter((m) => m.type === "frame").pop()!;
      expect(last.data.simulation_time).toBeCloseTo(engine.time, 9);
      expect(engine.time).toBeGreaterThan(1); // the owner kept stepping past the stall timeout
      small.unpublish(id);
      engine.dispose();
    } finally {
      await small.close();
    }
  });
});
