// Strict validation (docs/live-protocol.md): every invalid message gets one `error` naming the
// problem, then the server closes (1000; 1009 for oversized). The server keeps running and other
// sessions are unaffected: one session streams in parallel for the whole file and must complete
// normally, with sequential frame ids and no long gaps.

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startServer, type LiveServer } from "../../src/server";
import { configured, connect, health, LiveClient, seedConfigure, type Msg } from "./client";

let server: LiveServer;
let small: LiveServer; // limits.maxObjects 5, maxPayloadBytes 64 KiB
let background: LiveClient;

beforeAll(async () => {
  server = await startServer({ port: 0, log: () => {} });
  small = await startServer({ port: 0, log: () => {}, limits: { maxObjects: 5, maxPayloadBytes: 64 * 1024, maxDurationS: 10 } });
  // The parallel session: its own client, not closed by afterEach.
  const { client } = await configured(server);
  background = client;
  background.send({ type: "start", timestep_ms: 16, duration_s: 60 });
  await background.waitFor("frame", 5000);
});
afterAll(async () => {
  background?.close();
  await server?.close();
  await small?.close();
});

// closeAllClients() would also end the background session: track this file's other clients.
const openedHere: LiveClient[] = [];
afterEach(() => {
  for (const c of openedHere.splice(0)) c.close();
});

interface ErrorCase {
  /** messages to send (objects are JSON-encoded; strings/Buffers are sent raw) */
  send: (string | Buffer | object)[];
  /** the error message must match */
  match: RegExp;
  target?: () => LiveServer;
  /** expect metadata before the error (the error is for a later message) */
  afterMetadata?: boolean;
}

async function expectError(c: ErrorCase): Promise<Msg> {
  const target = c.target ? c.target() : server;
  const client = await connect(target);
  openedHere.push(client);
  for (const m of c.send) {
    if (typeof m === "string") client.sendRaw(m);
    else if (Buffer.isBuffer(m)) client.sendRaw(m, { binary: true });
    else client.send(m);
  }
  const run = await client.collect(5000, true);
  const types = run.all.map((m) => m.type);
  expect(types, `got ${JSON.stringify(run.all).slice(0, 300)}`).toEqual(c.afterMetadata ? ["metadata", "error"] : ["error"]);
  expect(run.error!.message).toMatch(c.match);
  expect(run.close?.code, "error is followed by close 1000").toBe(1000);
  return run.error!;
}

const cube = (o: Record<string, unknown> = {}) => ({ ...seedConfigure().objects[0], ...o });
const configureWith = (o: Record<string, unknown>) => ({ type: "configure", objects: [cube(o)] });
const validConfigure = seedConfigure();

describe("message-level errors", () => {
  it("invalid JSON", async () => {
    await expectError({ send: ["{not json"], match: /json/i });
    await expectError({ send: ['{"type": "configure", "objects": [}'], match: /json/i });
    await expectError({ send: [""], match: /json/i });
  });

  for (const raw of ["[]", '[{"type":"configure"}]', "42", '"configure"', "null", "true"]) {
    it(`JSON that is not an object: ${raw}`, async () => {
      await expectError({ send: [raw], match: /object/i });
    });
  }

  it("unknown message type", async () => {
    await expectError({ send: [{ type: "launch" }], match: /configure|launch/ });
    await expectError({ send: [{ type: 42 }], match: /configure|type/ });
  });

  it("missing type", async () => {
    await expectError({ send: [{ objects: validConfigure.objects }], match: /type|configure/ });
  });

  it("start before configure", async () => {
    await expectError({ send: [{ type: "start", timestep_ms: 16, duration_s: 1 }], match: /configure/ });
  });

  it("stop before configure", async () => {
    await expectError({ send: [{ type: "stop" }], match: /configure/ });
  });

  it("a second configure after metadata → expected start or stop", async () => {
    await expectError({ send: [validConfigure, validConfigure], match: /start.*stop|stop.*start/, afterMetadata: true });
  });

  it("binary message → error (before configure and after metadata)", async () => {
    await expectError({ send: [Buffer.from(JSON.stringify(validConfigure))], match: /binary|text/i });
    await expectError({ send: [validConfigure, Buffer.from([1, 2, 3])], match: /binary|text/i, afterMetadata: true });
  });

  it("oversized message (limit 64 KiB, message 100 KiB) → error naming the size, or close 1009", async () => {
    const client = await connect(small);
    openedHere.push(client);
    const big = JSON.stringify({ type: "configure", objects: [cube()], padding: "x".repeat(100 * 1024) });
    client.sendRaw(big);
    const run = await client.collect(5000, true);
    if (run.error) {
      expect(run.error.message).toMatch(/size|large|big|exceed|limit|bytes/i);
      expect(run.all.map((m) => m.type)).toEqual(["error"]);
      expect([1000, 1009]).toContain(run.close?.code);
    } else {
      expect(run.all).toEqual([]);
      expect(run.close?.code).toBe(1009);
    }
  });

  it("an oversized message while running is an error too", async () => {
    const { client } = await configured(small);
    openedHere.push(client);
    client.send({ type: "start", timestep_ms: 16, duration_s: 5 });
    await client.waitFor("frame");
    client.sendRaw(JSON.stringify({ type: "noise", padding: "x".repeat(100 * 1024) }));
    const run = await client.collect(5000, true);
    expect(run.complete).toBeUndefined();
    if (run.error) expect(run.error.message).toMatch(/size|large|big|exceed|limit|bytes/i);
    else expect(run.close?.code).toBe(1009);
  });

  it("invalid JSON while running is an error", async () => {
    const { client } = await configured(server);
    openedHere.push(client);
    client.send({ type: "start", timestep_ms: 16, duration_s: 5 });
    await client.waitFor("frame");
    client.sendRaw("{oops");
    const run = await client.collect(5000, true);
    expect(run.error?.message).toMatch(/json/i);
    expect(run.complete).toBeUndefined();
    expect(run.all.at(-1)!.type).toBe("error");
    expect(run.close?.code).toBe(1000);
  });

  // Spec: "While running, messages other than `stop` are ignored, as in the seed; invalid JSON,
  // binary or oversized messages are errors at any time." Valid JSON that is not a stop, with or
  // without a string `type`, is ignored.
  it("other valid JSON messages while running are ignored; the run completes", async () => {
    const { client } = await configured(server);
    openedHere.push(client);
    client.send({ type: "start", timestep_ms: 16, duration_s: 0.2 });
    await client.waitFor("frame");
    client.send({ type: "configure", objects: [] });
    client.send({ type: "start", timestep_ms: 0 });
    client.send({ type: "bogus" });
    client.send({ hello: "world" });
    client.send({ type: 7 });
    client.sendRaw("[1, 2, 3]");
    client.sendRaw("null");
    const run = await client.collect(5000, true);
    expect(run.error).toBeUndefined();
    expect(run.complete?.total_frames).toBe(13);
  });
});

describe("configure errors", () => {
  it("configure without objects / with empty objects / objects not an array", async () => {
    await expectError({ send: [{ type: "configure" }], match: /object/ });
    await expectError({ send: [{ type: "configure", objects: [] }], match: /object/ });
    await expectError({ send: [{ type: "configure", objects: cube() }], match: /object/ });
    await expectError({ send: [{ type: "configure", objects: [42] }], match: /objects\[0\]/ });
    await expectError({ send: [{ type: "configure", objects: [null] }], match: /objects\[0\]/ });
  });

  it("too many objects (maxObjects 5) → error naming the limit", async () => {
    const objects = Array.from({ length: 6 }, (_, i) => cube({ position: [3 * i, 0, 5] }));
    await expectError({ send: [{ type: "configure", objects }], match: /5/, target: () => small });
    // exactly the limit is fine
    const { client, metadata } = await configured(small, objects.slice(0, 5) as never);
    openedHere.push(client);
    expect(metadata.bodies).toHaveLength(5);
  });

  it("non-finite numbers: 1e400 in position, NaN / Infinity tokens (as Python sends them)", async () => {
    await expectError({ send: ['{"type":"configure","objects":[{"asset_name":"cube","position":[1e400,0,0],"object_type":"inertial"}]}'], match: /position/ });
    await expectError({ send: ['{"type":"configure","objects":[{"asset_name":"cube","position":[0,0,5],"orientation":[0,-1e400,0],"object_type":"inertial"}]}'], match: /orientation/ });
    await expectError({ send: ['{"type":"configure","objects":[{"asset_name":"cube","position":[0,0,5],"object_type":"inertial","mass":1e999}]}'], match: /mass/ });
    await expectError({ send: ['{"type": "configure", "objects": [{"asset_name": "cube", "position": [NaN, 0, 0], "object_type": "inertial"}]}'], match: /json|nan|position/i });
    await expectError({ send: ['{"type": "configure", "objects": [{"asset_name": "cube", "position": [Infinity, 0, 0], "object_type": "inertial"}]}'], match: /json|infinity|position/i });
  });

  it("non-numeric vector entries", async () => {
    await expectError({ send: [configureWith({ position: ["1", 0, 5] })], match: /position/ });
    await expectError({ send: [configureWith({ position: [0, null, 5] })], match: /position/ });
    await expectError({ send: [configureWith({ position: [0, true, 5] })], match: /position/ });
    await expectError({ send: [configureWith({ orientation: [0, 0, "0"] })], match: /orientation/ });
    await expectError({ send: [configureWith({ position: { x: 0, y: 0, z: 5 } })], match: /position/ });
    await expectError({ send: [configureWith({ position: "0,0,5" })], match: /position/ });
  });

  it("wrong-length vectors", async () => {
    await expectError({ send: [configureWith({ position: [0, 5] })], match: /position/ });
    await expectError({ send: [configureWith({ position: [0, 0, 5, 1] })], match: /position/ });
    await expectError({ send: [configureWith({ orientation: [0] })], match: /orientation/ });
    await expectError({ send: [configureWith({ orientation: [0, 0, 0, 1] })], match: /orientation/ });
  });

  it("missing required fields", async () => {
    const { asset_name: _a, ...noAsset } = cube();
    const { position: _p, ...noPosition } = cube();
    const { object_type: _t, ...noType } = cube();
    await expectError({ send: [{ type: "configure", objects: [noAsset] }], match: /asset_name/ });
    await expectError({ send: [{ type: "configure", objects: [noPosition] }], match: /position/ });
    await expectError({ send: [{ type: "configure", objects: [noType] }], match: /object_type/ });
  });

  it("physics parameters out of range name the field", async () => {
    await expectError({ send: [configureWith({ mass: 0 })], match: /mass/ });
    await expectError({ send: [configureWith({ mass: -1 })], match: /mass/ });
    await expectError({ send: [configureWith({ mass: "10" })], match: /mass/ });
    await expectError({ send: [configureWith({ restitution: 1.5 })], match: /restitution/ });
    await expectError({ send: [configureWith({ restitution: -0.1 })], match: /restitution/ });
    await expectError({ send: [configureWith({ friction: -0.1 })], match: /friction/ });
    await expectError({ send: [configureWith({ friction: "0.5" })], match: /friction/ });
  });

  it("the first failing object is named by index", async () => {
    const e = await expectError({ send: [{ type: "configure", objects: [cube(), cube({ friction: -1 })] }], match: /friction/ });
    expect(e.message).toMatch(/objects\[1\]|1/);
  });

  it("unknown field in an object names the field", async () => {
    await expectError({ send: [configureWith({ colour: "red" })], match: /colour/ });
    await expectError({ send: [configureWith({ velocity: [1, 0, 0] })], match: /velocity/ });
  });

  it("unknown asset and non-string asset_name", async () => {
    await expectError({ send: [configureWith({ asset_name: "no_such_thing" })], match: /no_such_thing/ });
    await expectError({ send: [configureWith({ asset_name: 8 })], match: /asset_name/ });
  });
});

describe("start errors", () => {
  const startCases: [string, Record<string, unknown>, RegExp][] = [
    ["timestep_ms 0", { timestep_ms: 0 }, /timestep_ms/],
    ["timestep_ms 0.5", { timestep_ms: 0.5 }, /timestep_ms/],
    ["timestep_ms 1001", { timestep_ms: 1001 }, /timestep_ms/],
    ['timestep_ms "16"', { timestep_ms: "16" }, /timestep_ms/],
    ["timestep_ms -16", { timestep_ms: -16 }, /timestep_ms/],
    ["duration_s 0", { duration_s: 0 }, /duration_s/],
    ["duration_s -1", { duration_s: -1 }, /duration_s/],
    ['duration_s "1"', { duration_s: "1" }, /duration_s/],
    ["duration_s above the limit (601 > 600)", { duration_s: 601 }, /duration_s/],
  ];
  for (const [name, fields, match] of startCases) {
    it(name, async () => {
      await expectError({ send: [validConfigure, { type: "start", ...fields }], match, afterMetadata: true });
    });
  }

  it("duration_s above a configured limit (maxDurationS 10)", async () => {
    await expectError({ send: [validConfigure, { type: "start", duration_s: 10.5 }], match: /duration_s/, afterMetadata: true, target: () => small });
  });

  it("timestep_ms 1 and 1000 are accepted (bounds inclusive)", async () => {
    for (const timestep_ms of [1, 1000]) {
      const { client } = await configured(server);
      openedHere.push(client);
      client.send({ type: "start", timestep_ms, duration_s: 0.002 });
      const run = await client.collect(5000, true);
      expect(run.error).toBeUndefined();
      expect(run.complete?.total_frames).toBe(timestep_ms === 1 ? 3 : 1);
    }
  });

  it("NaN in start (Python json.dumps) → error", async () => {
    await expectError({ send: [validConfigure, '{"type": "start", "timestep_ms": NaN, "duration_s": 1}'], match: /json|nan|timestep_ms/i, afterMetadata: true });
  });

  it("unknown type after metadata", async () => {
    await expectError({ send: [validConfigure, { type: "go" }], match: /start.*stop|stop.*start/, afterMetadata: true });
    await expectError({ send: [validConfigure, {}], match: /start.*stop|stop.*start|type/, afterMetadata: true });
  });
});

describe("the server survives all of it", () => {
  it("health is OK", async () => {
    const h = await health(server);
    expect(h.status).toBe("ok");
    const hs = await health(small);
    expect(hs.status).toBe("ok");
  });

  it("the parallel session streamed throughout and completes normally on stop", async () => {
    expect(background.isOpen).toBe(true);
    // Let it stream a little longer whatever the speed of the tests above (≥ 18 more frames at 62.5 fps).
    await new Promise((resolve) => setTimeout(resolve, 300));
    background.send({ type: "stop" });
    const run = await background.collect(5000, true);
    const frames = background.messages.filter((m) => m.type === "frame");
    expect(background.messages.filter((m) => m.type === "error")).toEqual([]);
    expect(frames.map((f) => f.data.frame_id)).toEqual([...frames.keys()]);
    expect(run.complete?.total_frames).toBe(frames.length);
    expect(run.close?.code).toBe(1000);
    // Unaffected: it kept its pace (62.5 fps) with no long stalls while the other sessions failed.
    const t = background.messages.map((_, i) => background.arrivals[i]).filter((_, i) => background.messages[i].type === "frame");
    let maxGap = 0;
    for (let i = 1; i < t.length; i++) maxGap = Math.max(maxGap, t[i] - t[i - 1]);
    console.log(`background session: ${frames.length} frames, longest gap between frames ${maxGap.toFixed(1)} ms`);
    expect(maxGap).toBeLessThan(500);
    expect(frames.length).toBeGreaterThan(10);
  });
});
