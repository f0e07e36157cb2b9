// Watching sessions that a client runs through configure/start (not only published notebook
// engines): late joiners, many watchers on one run, the owner's stop ending everyone's stream, the
// listing, read-only watchers, and a watcher that stops reading for 10 s. Real server, real engine,
// real ws clients.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startServer, type LiveServer } from "../../src/server";
import { closeAllClients, configured, connect, expectedFrames, request, seedConfigure, type LiveClient, type Msg, type SpawnObject } from "./client";
import { consecutive, FrameLog, until } from "./frame-log";

let server: LiveServer;

beforeAll(async () => {
  server = await startServer({ port: 0, log: () => {} });
});
afterAll(async () => {
  await server.close();
});
afterEach(() => closeAllClients());

async function watch(id: string, encoding?: "json" | "binary", target: { url: string } = server): Promise<{ client: LiveClient; log: FrameLog }> {
  const client = await connect(target);
  const log = new FrameLog(client);
  client.send(encoding ? { type: "watch", simulation_id: id, encoding } : { type: "watch", simulation_id: id });
  return { client, log };
}

async function listing(target: { url: string } = server): Promise<Msg[]> {
  return (await request(target, "/api/v1/live/simulations")).json() as Msg[];
}

/** An owner that has configured the seed scene (and a log of its raw frames). */
async function owner(objects?: SpawnObject[], target: { url: string } = server): Promise<{ client: LiveClient; metadata: Msg; log: FrameLog; id: string }> {
  const { client, metadata } = await configured(target, objects ?? seedConfigure().objects);
  return { client, metadata, log: new FrameLog(client), id: metadata.simulation_id };
}

describe("watching a session that a client runs", () => {
  it("a late joiner gets the metadata at once, then frames from the current one on, consecutive, then complete", async () => {
    const run = await owner();
    run.client.send({ type: "start", timestep_ms: 16, duration_s: 2 });
    await until(() => run.log.frames.length >= 20, "20 frames for the owner");
    const currentAtJoin = run.log.last()!.frameId;
    const { client, log } = await watch(run.id);
    const metadata = await client.next();
    expect(metadata, "the owner's metadata, the same").toEqual(run.metadata);
    const ended = await client.collect(15_000);
    const ownerEnd = await run.client.collect(15_000);
    const ids = log.ids();
    expect(ids.length).toBeGreaterThan(10);
    expect(ids[0], "the first frame is the current one").toBeGreaterThanOrEqual(currentAtJoin);
    expect(ids[0]).toBeLessThanOrEqual(currentAtJoin + 3);
    expect(consecutive(ids), `ids ${ids.join(",")}`).toBe(true);
    expect(ids[ids.length - 1], "up to the run's last frame").toBe(expectedFrames(16, 2) - 1);
    expect(ended.complete).toMatchObject({ type: "complete", total_frames: ids.length });
    expect(ownerEnd.complete).toMatchObject({ total_frames: expectedFrames(16, 2) });
    // One encoding for everyone: the watcher's frames are the owner's bytes.
    const ownerBytes = new Map(run.log.frames.map((f) => [f.frameId, f.bytes]));
    for (const frame of log.frames) expect(frame.bytes.equals(ownerBytes.get(frame.frameId)!), `frame ${frame.frameId}`).toBe(true);
  });

  it("several watchers get the same frame ids in order; the owner's stop ends everyone's stream with complete", async () => {
    const run = await owner();
    const watchers = await Promise.all([watch(run.id), watch(run.id), watch(run.id, "binary")]);
    for (const w of watchers) expect((await w.client.next()).type).toBe("metadata");
    const listed = (await listing()).find((s) => s.simulation_id === run.id);
    expect(listed).toEqual({ simulation_id: run.id, name: "live session", simulation_time: 0, bodies: 2, watchers: 3 });

    run.client.send({ type: "start", timestep_ms: 16, duration_s: 30 });
    await until(() => run.log.frames.length >= 60, "60 frames for the owner");
    run.client.send({ type: "stop" });
    const ownerEnd = await run.client.collect(10_000, true);
    expect(ownerEnd.complete?.type).toBe("complete");
    const ownerIds = run.log.ids();
    expect(ownerIds).toEqual(ownerIds.map((_, i) => i));
    for (const [i, w] of watchers.entries()) {
      const end = await w.client.collect(10_000, true);
      expect(end.complete, `watcher ${i} ends with complete`).toMatchObject({ type: "complete", total_frames: ownerIds.length });
      expect(w.log.ids(), `watcher ${i}: the owner's frames, in order`).toEqual(ownerIds);
      expect(end.close?.code).toBe(1000);
    }
    expect(watchers[2].log.frames.every((f) => f.binary), "the binary watcher gets binary frames").toBe(true);
    expect((await listing()).some((s) => s.simulation_id === run.id), "no longer listed").toBe(false);
  });

  it("a watcher can join between configure and start, and the owner leaving ends the watch with complete", async () => {
    const run = await owner();
    const { client, log } = await watch(run.id);
    expect((await client.next()).type).toBe("metadata");
    run.client.send({ type: "start", timestep_ms: 16, duration_s: 30 });
    await until(() => log.frames.length >= 10, "10 frames for the watcher");
    expect(log.ids().slice(0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    run.client.close(); // the owner disconnects mid-run
    const end = await client.collect(10_000, true);
    expect(end.complete).toMatchObject({ type: "complete", total_frames: log.frames.length });
  });

  it("watchers are read-only: their stop ends only their own watch; anything else is an error", async () => {
    const run = await owner();
    run.client.send({ type: "start", timestep_ms: 16, duration_s: 30 });
    const quitter = await watch(run.id);
    const meddler = await watch(run.id);
    await until(() => quitter.log.frames.length > 2 && meddler.log.frames.length > 2, "frames for both watchers");
    meddler.client.send({ type: "start", timestep_ms: 16, duration_s: 1 });
    const refused = await meddler.client.collect(10_000, true);
    expect(refused.error).toEqual({ type: "error", message: "watchers are read-only: only 'stop' may be sent while watching (got 'start')" });
    quitter.client.send({ type: "stop" });
    const quit = await quitter.client.collect(10_000, true);
    expect(quit.complete).toMatchObject({ type: "complete", total_frames: quitter.log.frames.length });
    // The run goes on for its owner.
    const before = run.log.frames.length;
    await until(() => run.log.frames.length > before + 10, "the owner's run going on");
    const listed = (await listing()).find((s) => s.simulation_id === run.id)!;
    expect(listed.watchers).toBe(0);
    expect(listed.simulation_time).toBeGreaterThan(0);
    run.client.send({ type: "stop" });
    await run.client.collect(10_000);
  });

  it("refuses encodings it does not know, naming them", async () => {
    const run = await owner();
    const client = await connect(server);
    client.send({ type: "watch", simulation_id: run.id, encoding: "msgpack" });
    expect(await client.next()).toEqual({ type: "error", message: "'encoding' must be 'json' or 'binary' (got 'msgpack')" });
    const other = await connect(server);
    other.send({ ...seedConfigure(), encoding: 7 });
    expect(await other.next()).toEqual({ type: "error", message: "'encoding' must be 'json' or 'binary' (got 7)" });
  });
});

describe("a watcher that stops reading", () => {
  /** 400 tiny falling cubes: ~100 kB of JSON per frame, 6 MB/s at 60 frames/s. */
  const PILE: SpawnObject[] = [
    { asset_name: "plane", position: [0, 0, 0], object_type: "environment" },
    ...Array.from({ length: 400 }, (_, i): SpawnObject => ({ asset_name: "tiny_cube", position: [(i % 20) - 10, Math.floor(i / 20) - 10, 30 + i * 0.01], object_type: "inertial", mass: 1 })),
  ];
  const LIMIT = 256 * 1024;
  let small: LiveServer;
  beforeAll(async () => {
    small = await startServer({ port: 0, log: () => {}, limits: { maxBufferedBytes: LIMIT } });
  });
  afterAll(async () => {
    await small.close();
  });

  it("for 10 s skips frames and then gets the newest ones; the owner and the other watcher go on at full rate", async () => {
    const run = await owner(PILE, small);
    const slow = await watch(run.id, undefined, small);
    const steady = await watch(run.id, undefined, small);
    for (const w of [slow, steady]) expect((await w.client.next(15_000)).type).toBe("metadata");
    const durationS = 13;
    run.client.send({ type: "start", timestep_ms: 16, duration_s: durationS });
    await until(() => slow.log.frames.length >= 30, "30 frames for the slow watcher");
    const frameBytes = slow.log.last()!.bytes.length;
    expect(frameBytes, "frames big enough to fill the buffers").toBeGreaterThan(50_000);

    slow.client.ws.pause();
    const pausedAt = { frames: slow.log.frames.length, bytes: slow.log.bytesReceived, ownerFrame: run.log.last()!.frameId };
    await new Promise((r) => setTimeout(r, 10_000));
    const ownerFrameAtResume = run.log.last()!.frameId;
    slow.client.ws.resume();
    await until(() => slow.log.last()!.frameId >= ownerFrameAtResume, "the slow watcher catching up", 10_000);
    const caughtUp = slow.log.bytesReceived - pausedAt.bytes;
    console.log(`slow watcher: ${caughtUp} bytes after the pause; frame ${frameBytes} bytes; frames ${pausedAt.ownerFrame}..${ownerFrameAtResume} went by`);

    const ownerEnd = await run.client.collect(30_000);
    const slowEnd = await slow.client.collect(30_000);
    await steady.client.collect(30_000);
    const all = expectedFrames(16, durationS);
    // The owner got every frame, and the slow watcher did not pause the run: held back for its 10 s,
    // the run would have taken 23 s or more (the owner, in this busy process, may pause it a little).
    expect(ownerEnd.complete).toMatchObject({ total_frames: all });
    expect(ownerEnd.complete!.elapsed_s, "the run was not held back").toBeLessThan(durationS + 5);
    expect(ownerFrameAtResume - pausedAt.ownerFrame, "the run went on during the pause").toBeGreaterThan(0.5 * (10_000 / 16));
    // The other watcher kept up.
    expect(steady.log.frames.length, "the steady watcher got (nearly) every frame").toBeGreaterThan(0.8 * all);
    // The slow one skipped what it could not take, and got what was buffered for it (bounded) plus the newest.
    const ids = slow.log.ids();
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]), "increasing ids").toBe(true);
    expect(ids.some((id, i) => i > 0 && id - ids[i - 1] > 10), "a gap where it skipped").toBe(true);
    // What waited for it is the kernel's socket buffers (~8 MB on loopback) plus at most the limit and
    // one frame on the server, not the ~50 MB of every frame of the pause.
    const unbounded = (ownerFrameAtResume - pausedAt.ownerFrame) * frameBytes;
    expect(caughtUp, `bytes waiting for it after the pause (all frames: ${unbounded})`).toBeLessThan(unbounded / 3);
    expect(slowEnd.complete?.type).toBe("complete");
    expect(slow.log.last()!.frameId, "it ends on the newest frame").toBe(all - 1);
  }, 60_000);
});
