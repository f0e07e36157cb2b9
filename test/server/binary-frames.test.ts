// Binary frames (`"encoding": "binary"`, docs/live-protocol.md "Binary frames"): what the viewer's
// decoder (src/viewer/frame-decoder.js) makes of them is the JSON frame of the same frame id, to
// float32 rounding; poses take 32 bytes per body; seed clients that do not ask get exactly the
// JSON they got before binary frames existed, whoever else watches in binary; and a recorded
// session records the same frames whatever the encoding. Real server, engine and ws clients.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startServer, type LiveServer } from "../../src/server";
import { closeAllClients, configured, connect, request, seedConfigure, type LiveClient, type Msg, type SpawnObject, TUMBLING_SCENE } from "./client";
import { arrayBufferOf, BINARY_FRAME, FrameDecoder, FrameLog, until } from "./frame-log";

const SCENE = TUMBLING_SCENE;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "msd-binary-frames-"));
let server: LiveServer;
beforeAll(async () => {
  server = await startServer({ port: 0, log: () => {}, recordingsDir: tmp });
});
afterAll(async () => {
  await server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
afterEach(() => closeAllClients());

/** Runs `objects` for `durationS` with its owner in `encoding`; a JSON and a binary watcher join before the start. */
async function runWatched(objects: SpawnObject[], durationS: number, options: { encoding?: "json" | "binary"; record?: boolean } = {}) {
  const client = await connect(server);
  const owner = new FrameLog(client);
  client.send({ type: "configure", objects, ...(options.encoding ? { encoding: options.encoding } : {}), ...(options.record ? { record: true } : {}) });
  const metadata = await client.next(10_000);
  expect(metadata.type).toBe("metadata");
  const watchers: Record<"json" | "binary", { client: LiveClient; log: FrameLog }> = {} as never;
  for (const encoding of ["json", "binary"] as const) {
    const watcher = await connect(server);
    watchers[encoding] = { client: watcher, log: new FrameLog(watcher) };
    watcher.send({ type: "watch", simulation_id: metadata.simulation_id, encoding });
    expect((await watcher.next()).type).toBe("metadata");
  }
  client.send({ type: "start", timestep_ms: 16, duration_s: durationS });
  const end = await client.collect(30_000, true);
  for (const w of Object.values(watchers)) await w.client.collect(30_000, true);
  return { metadata, client, owner, end, watchers };
}

/** |actual − expected| within float32 rounding of the value plus the JSON's 9 decimals. */
function close(actual: number, expected: number, what: string): void {
  const tolerance = 1.2e-7 * Math.max(1, Math.abs(expected)) + 2e-9;
  if (!(Math.abs(actual - expected) <= tolerance)) throw new Error(`${what}: ${actual} vs ${expected} (tolerance ${tolerance})`);
}

function closeVec(actual: Record<string, number>, expected: Record<string, number>, what: string): void {
  expect(Object.keys(actual), what).toEqual(Object.keys(expected));
  for (const key of Object.keys(expected)) close(actual[key], expected[key], `${what}.${key}`);
}

function expectSameFrame(decoded: any, json: any): void {
  const at = `frame ${json.frame_id}`;
  expect(Object.keys(decoded), at).toEqual(Object.keys(json));
  expect(decoded.frame_id).toBe(json.frame_id);
  close(decoded.simulation_time, json.simulation_time, `${at} simulation_time`);
  expect(decoded.states.map((s: Msg) => [s.body_id, s.asset_id, s.is_environment]), at).toEqual(json.states.map((s: Msg) => [s.body_id, s.asset_id, s.is_environment]));
  json.states.forEach((s: Msg, i: number) => {
    const d = decoded.states[i];
    expect(Object.keys(d), `${at} state keys`).toEqual(Object.keys(s));
    for (const key of ["position", "velocity", "orientation", "angular_velocity"]) closeVec(d[key], s[key], `${at} body ${s.body_id} ${key}`);
  });
  expect(decoded.collisions.map((c: Msg) => [c.body_a_id, c.body_b_id, c.contacts.length]), `${at} collisions`).toEqual(json.collisions.map((c: Msg) => [c.body_a_id, c.body_b_id, c.contacts.length]));
  json.collisions.forEach((c: Msg, i: number) => {
    const d = decoded.collisions[i];
    expect(Object.keys(d)).toEqual(Object.keys(c));
    closeVec(d.normal, c.normal, `${at} collision ${i} normal`);
    close(d.penetration_depth, c.penetration_depth, `${at} collision ${i} depth`);
    c.contacts.forEach((p: Msg, j: number) => {
      closeVec(d.contacts[j].point_a, p.point_a, `${at} collision ${i} point ${j} a`);
      closeVec(d.contacts[j].point_b, p.point_b, `${at} collision ${i} point ${j} b`);
      close(d.contacts[j].depth, p.depth, `${at} collision ${i} point ${j} depth`);
    });
  });
  expect({ ...decoded.solver, residual: 0 }).toEqual({ ...json.solver, residual: 0 });
  close(decoded.solver.residual, json.solver.residual, `${at} residual`);
}

describe("binary frames", () => {
  it("decode to the JSON frame of the same id (to float32 rounding), with 32 bytes per body for poses", async () => {
    const { metadata, owner, watchers } = await runWatched(SCENE, 1.5);
    const json = new Map(owner.frames.map((f) => [f.frameId, JSON.parse(f.bytes.toString("utf8")).data]));
    const binary = watchers.binary.log.frames;
    expect(binary.length).toBe(owner.frames.length);
    expect(binary.every((f) => f.binary)).toBe(true);
    const decoder = new FrameDecoder(metadata);
    let withContacts = 0;
    for (const frame of binary) {
      const expected = json.get(frame.frameId);
      const decoded = decoder.decode(arrayBufferOf(frame.bytes));
      expectSameFrame(decoded, expected);
      if (expected.collisions.length > 0) withContacts++;
      // The layout: header, poses (32 bytes each: body id first), velocities, collisions, points.
      const bodies = expected.states.length;
      const points = expected.collisions.reduce((n: number, c: Msg) => n + c.contacts.length, 0);
      expect(frame.bytes.length).toBe(BINARY_FRAME.headerBytes + bodies * (32 + 24) + expected.collisions.length * 24 + points * 16);
      expected.states.forEach((s: Msg, i: number) => expect(frame.bytes.readUInt32LE(BINARY_FRAME.headerBytes + 32 * i)).toBe(s.body_id));
    }
    expect(withContacts, "frames with contacts were compared").toBeGreaterThan(binary.length / 2);
    // The JSON watcher got the owner's very bytes.
    expect(watchers.json.log.frames.map((f) => f.bytes.toString("latin1"))).toEqual(owner.frames.map((f) => f.bytes.toString("latin1")));
    const last = owner.frames[owner.frames.length - 1].bytes.length;
    const lastBinary = binary[binary.length - 1].bytes.length;
    console.log(`frame of ${json.get(0).states.length} bodies with contacts: JSON ${last} bytes, binary ${lastBinary} bytes (${(last / lastBinary).toFixed(1)}×)`);
  });

  it("reject bytes that are not a frame of a known version, naming the problem", () => {
    const decoder = new FrameDecoder({ bodies: [] });
    const bytes = Buffer.alloc(BINARY_FRAME.headerBytes);
    expect(() => decoder.decode(arrayBufferOf(bytes))).toThrow(/not a binary frame: magic 0x0/);
    bytes.writeUInt32LE(BINARY_FRAME.magic, 0);
    bytes.writeUInt16LE(9, 4);
    expect(() => decoder.decode(arrayBufferOf(bytes))).toThrow("binary frame version 9 is not supported (this page reads version 1)");
    bytes.writeUInt16LE(1, 4);
    bytes.writeUInt32LE(BINARY_FRAME.headerBytes, 52);
    bytes.writeUInt32LE(2, 12); // two bodies, but no room for them
    expect(() => decoder.decode(arrayBufferOf(bytes))).toThrow("binary frame 0 is 56 bytes, its header says 168");
  });

  it("an owner can ask for them too; its recording is the same as a JSON owner's", async () => {
    const asJson = await runWatched(SCENE, 0.5, { record: true });
    const asBinary = await runWatched(SCENE, 0.5, { encoding: "binary", record: true });
    expect(asBinary.owner.frames.every((f) => f.binary)).toBe(true);
    expect(asBinary.end.complete).toMatchObject({ type: "complete", total_frames: 32 });
    expect(asBinary.client.messages.map((m) => m.type), "metadata and complete stay JSON").toEqual(["metadata", "complete"]);
    expect(asBinary.client.garbage.length, "every frame came binary").toBe(32);
    // Both sessions' frames were computed alike: the binary owner's frames are the binary watcher's of the JSON run.
    expect(asBinary.owner.frames.map((f) => f.bytes.toString("latin1"))).toEqual(asJson.watchers.binary.log.frames.map((f) => f.bytes.toString("latin1")));
    const recorded = async (id: string): Promise<string> => {
      let r = await request(server, `/api/v1/simulations/${id}/frames/range?start=0&count=1000`);
      for (let i = 0; r.status !== 200 && i < 100; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        r = await request(server, `/api/v1/simulations/${id}/frames/range?start=0&count=1000`);
      }
      expect(r.status).toBe(200);
      return r.body;
    };
    const a = await recorded(asJson.metadata.simulation_id);
    const b = await recorded(asBinary.metadata.simulation_id);
    expect(JSON.parse(b).length).toBe(32);
    expect(b, "the same recorded frames").toBe(a);
  });
});

describe("seed clients (no encoding)", () => {
  it("get byte for byte the messages they got before binary frames existed", async () => {
    const golden = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "seed-session.golden.json"), "utf8")) as { messages: string[] };
    const { client } = await configured(server, seedConfigure().objects);
    const texts: string[] = [];
    // configured() consumed the metadata already: take it from the parsed log, re-serialised below
    client.ws.on("message", (data) => texts.push(Buffer.from(data as Buffer).toString("utf8")));
    client.send({ type: "start", timestep_ms: 16, duration_s: 0.1 });
    await client.collect(10_000);
    const normalise = (text: string) => text.replace(/sim-[0-9a-f]{12}/, "SIM").replace(/"elapsed_s":[0-9.]+/, '"elapsed_s":X');
    expect(texts.map(normalise)).toEqual(golden.messages.slice(1));
    expect(JSON.stringify(client.messages[0]).replace(/sim-[0-9a-f]{12}/, "SIM")).toBe(golden.messages[0]);
  });

  it("get the same JSON bytes whether or not others take the same session's frames in binary", async () => {
    const alone = await connect(server);
    const aloneLog = new FrameLog(alone);
    alone.send({ type: "configure", objects: SCENE });
    await alone.next(10_000);
    alone.send({ type: "start", timestep_ms: 16, duration_s: 1 });
    await alone.collect(30_000);
    const watched = await runWatched(SCENE, 1);
    expect(aloneLog.frames.length).toBe(63);
    expect(watched.owner.frames.map((f) => f.bytes.toString("latin1"))).toEqual(aloneLog.frames.map((f) => f.bytes.toString("latin1")));
  });
});

it("frames for a watcher joining mid-run come in its own encoding from its first frame on", async () => {
  const { client, metadata } = await configured(server, SCENE);
  client.send({ type: "start", timestep_ms: 16, duration_s: 30 });
  const owner = new FrameLog(client);
  await until(() => owner.frames.length > 5, "frames for the owner");
  const watcher = await connect(server);
  const log = new FrameLog(watcher);
  watcher.send({ type: "watch", simulation_id: metadata.simulation_id, encoding: "binary" });
  await until(() => log.frames.length >= 5, "binary frames for the late watcher");
  expect(log.frames.every((f) => f.binary)).toBe(true);
  expect(watcher.garbage.length, "only binary frames come as binary").toBe(log.frames.length);
  expect(watcher.messages.map((m) => m.type)).toEqual(["metadata"]);
  client.send({ type: "stop" });
  await client.collect(10_000);
});
