// Recording live sessions (docs/live-protocol.md `record`, docs/replay-api.md): a recorded session
// read back through the replay routes is the very frames that were streamed (same JSON bytes);
// metadata always carries simulation_id; --record records every session; stopping, completing or
// disconnecting all leave a complete, readable recording of exactly the frames sent; a directory
// that cannot take recordings, or a disk that fills up, is an `error` naming the problem while the
// server carries on. Real server, real engine, real ws clients.
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startServer, type LiveServer } from "../../src/server";
import { defaultRecordingsDir, optionsFromCommandLine } from "../../src/server/options";
import { closeAllClients, configured, connect, health, request, type LiveClient, type Msg, type ServerLike, type SpawnObject, TUMBLING_SCENE } from "./client";

const ROOT = path.resolve(__dirname, "..", "..");
const MAIN_JS = path.join(ROOT, "dist", "src", "server", "main.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "msd-replay-live-"));

const SCENE = TUMBLING_SCENE;

let server: LiveServer;
let dir = "";
beforeAll(async () => {
  dir = path.join(tmp, "recordings");
  server = await startServer({ port: 0, log: () => {}, recordingsDir: dir });
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
afterEach(() => closeAllClients());

/** Every text message's raw JSON, in order (LiveClient keeps parsed ones only). */
function rawTexts(client: LiveClient): string[] {
  const texts: string[] = [];
  client.ws.on("message", (data) => texts.push(Buffer.from(data as Buffer).toString("utf8")));
  return texts;
}

async function json(target: ServerLike, route: string): Promise<{ status: number; body: string; value: any }> {
  const r = await request(target, route);
  return { status: r.status, body: r.body, value: JSON.parse(r.body) };
}

/** Waits until `GET …/metadata` answers (the recording is published when the run has ended). */
async function recordingOf(target: ServerLike, id: string): Promise<any> {
  for (let i = 0; i < 100; i++) {
    const r = await request(target, `/api/v1/simulations/${id}/metadata`);
    if (r.status === 200) return r.json();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`recording ${id} never appeared`);
}

/** `"position":{…}` texts of a frame's JSON, in order. */
function positionTexts(text: string): string[] {
  return [...text.matchAll(/"position":\{[^}]*\}/g)].map((m) => m[0]);
}

describe("a recorded live session read back through the replay routes", () => {
  it("is the streamed frames exactly: same JSON bytes, ids from 0, every route consistent", async () => {
    const { client, metadata } = await configured(server, SCENE);
    expect(metadata.simulation_id).toMatch(/^sim-[0-9a-f]{12}$/);
    // configure with record: true on a fresh connection (configured() sent no `record`).
    client.close();
    const recorded = await connect(server);
    const texts = rawTexts(recorded);
    recorded.send({ type: "configure", objects: SCENE, record: true });
    const meta = await recorded.waitFor("metadata", 10000);
    expect(meta.simulation_id).toMatch(/^sim-[0-9a-f]{12}$/);
    expect(meta.simulation_id).not.toBe(metadata.simulation_id);
    recorded.send({ type: "start", timestep_ms: 16, duration_s: 2 });
    const run = await recorded.collect(15000);
    expect(run.complete?.total_frames).toBe(126);
    const frameTexts = texts.filter((t) => t.startsWith('{"type":"frame"'));
    expect(frameTexts).toHaveLength(126);

    const id = meta.simulation_id as string;
    const m = await recordingOf(server, id);
    expect(m).toMatchObject({ total_frames: 126, simulation_id: id, schema_version: 1, timestep_s: 0.016, gravity: [0, 0, -9.81] });
    expect(m.bodies).toEqual(meta.bodies);
    expect(m.duration_s).toBeCloseTo(2, 12);

    const list = (await json(server, "/api/v1/simulations")).value as Msg[];
    expect(list.find((r) => r.id === id)).toMatchObject({ id, path: `${id}.db`, total_frames: 126, bodies: 5 });
    const frames = (await json(server, `/api/v1/simulations/${id}/frames`)).value as Msg[];
    expect(frames.map((f) => f.frame_id)).toEqual([...Array(126).keys()]);

    let withFriction = 0;
    for (let k = 0; k < 126; k++) {
      const live = frameTexts[k];
      const r = await request(server, `/api/v1/simulations/${id}/frames/${k}/state`);
      expect(r.status).toBe(200);
      const parsedLive = JSON.parse(live).data;
      const parsedRest = JSON.parse(r.body);
      expect(Object.keys(parsedRest)).toEqual(["frame_id", "simulation_time", "states", "collisions", "friction_constraints", "solver"]);
      expect(parsedRest.frame_id).toBe(k);
      expect(frames[k].simulation_time).toBe(parsedLive.simulation_time);
      expect(parsedRest.states).toEqual(parsedLive.states);
      expect(parsedRest.collisions).toEqual(parsedLive.collisions);
      expect(parsedRest.solver).toEqual(parsedLive.solver);
      // The same number text, not just the same values…
      expect(positionTexts(r.body)).toEqual(positionTexts(live));
      // …and in fact the same bytes: the live `data` with friction_constraints taken out.
      const liveData = live.slice('{"type":"frame","data":'.length, -1);
      expect(r.body.replace(/,"friction_constraints":\[.*?\](?=,"solver":)/, "")).toBe(liveData);

      // One friction constraint per touching contact point, with the pair's combined μ.
      const points = (parsedRest.collisions as Msg[]).reduce((n, c) => n + c.contacts.length, 0);
      expect(parsedRest.friction_constraints).toHaveLength(points);
      if (points > 0) withFriction++;
      for (const f of parsedRest.friction_constraints as Msg[]) {
        const a = m.bodies.find((b: Msg) => b.body_id === f.body_a_id), b = m.bodies.find((x: Msg) => x.body_id === f.body_b_id);
        expect(f.friction_coefficient).toBeCloseTo(Math.sqrt(a.friction * b.friction), 9);
        expect(f.normal_lambda).toBeGreaterThanOrEqual(0);
        // Coulomb: the tangent force (the step's last substep) is at most μ times that substep's
        // normal force, which is at most all 4 substeps' worth of the step's mean normal force.
        expect(Math.hypot(f.tangent1_lambda, f.tangent2_lambda)).toBeLessThanOrEqual(4 * f.friction_coefficient * f.normal_lambda * 1.1 + 1e-6);
      }
    }
    expect(withFriction).toBeGreaterThan(60);

    // A range is the same FrameData.
    const range = await request(server, `/api/v1/simulations/${id}/frames/range?start=120&count=1000`);
    const ranged = JSON.parse(range.body) as Msg[];
    expect(ranged.map((f) => f.frame_id)).toEqual([120, 121, 122, 123, 124, 125]);
    expect(ranged[0]).toEqual(JSON.parse((await request(server, `/api/v1/simulations/${id}/frames/120/state`)).body));

    // Velocity and energy series follow the streamed states.
    const cube = meta.bodies[1].body_id as number;
    const velocity = (await json(server, `/api/v1/simulations/${id}/velocity/${cube}`)).value as Msg[];
    expect(velocity).toHaveLength(126);
    const streamed = JSON.parse(frameTexts[40]).data.states.find((s: Msg) => s.body_id === cube);
    expect(velocity[40].vx).toBeCloseTo(streamed.velocity.x, 8);
    expect(velocity[40].omega_z).toBeCloseTo(streamed.angular_velocity.z, 8);
    const energy = (await json(server, `/api/v1/simulations/${id}/energy`)).value as Msg[];
    expect(energy).toHaveLength(126);
    // Frame 0 is at rest: all potential, −m g·x summed over the bodies (their centres of mass).
    expect(energy[0].total_system_e).toBeCloseTo(9.81 * (2 * 0.9 + 1 * 2.2 + 1 * 0.8 + 3 * 1.0), 9);
  }, 60000);

  it("metadata carries simulation_id whether recorded or not; an unrecorded session leaves no recording", async () => {
    const before = (await json(server, "/api/v1/simulations")).value as Msg[];
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const { client, metadata } = await configured(server, SCENE.slice(0, 2));
      expect(metadata.simulation_id).toMatch(/^sim-[0-9a-f]{12}$/);
      ids.add(metadata.simulation_id);
      client.send({ type: "start", timestep_ms: 16, duration_s: 0.1 });
      await client.collect(5000);
    }
    expect(ids.size).toBe(3);
    expect((await json(server, "/api/v1/simulations")).value).toEqual(before);
    for (const id of ids) expect((await request(server, `/api/v1/simulations/${id}/metadata`)).status).toBe(404);
  });

  it("'record' must be a boolean; `record: false` records nothing", async () => {
    for (const bad of ["yes", 1, null, {}]) {
      const client = await connect(server);
      client.send({ type: "configure", objects: SCENE.slice(0, 2), record: bad });
      const run = await client.collect(5000, true);
      expect(run.error?.message).toMatch(/^'record' must be true or false \(got /);
      expect(run.all.some((m) => m.type === "metadata")).toBe(false);
    }
    const client = await connect(server);
    client.send({ type: "configure", objects: SCENE.slice(0, 2), record: false });
    const meta = await client.waitFor("metadata");
    client.send({ type: "start", timestep_ms: 16, duration_s: 0.1 });
    await client.collect(5000);
    expect((await request(server, `/api/v1/simulations/${meta.simulation_id}/metadata`)).status).toBe(404);
  });

  it("stop mid-run: the recording holds exactly the frames sent (complete.total_frames)", async () => {
    const client = await connect(server);
    client.send({ type: "configure", objects: SCENE, record: true });
    const meta = await client.waitFor("metadata", 10000);
    client.send({ type: "start", timestep_ms: 16, duration_s: 30 });
    for (let i = 0; i < 20; i++) await client.waitFor("frame");
    client.send({ type: "stop" });
    const run = await client.collect(10000);
    const sent = run.complete!.total_frames as number;
    const m = await recordingOf(server, meta.simulation_id);
    expect(m.total_frames).toBe(sent);
    const last = JSON.parse((await request(server, `/api/v1/simulations/${meta.simulation_id}/frames/${sent - 1}/state`)).body);
    expect(last.frame_id).toBe(sent - 1);
    expect((await request(server, `/api/v1/simulations/${meta.simulation_id}/frames/${sent}/state`)).status).toBe(404);
  });

  it("a client that disconnects mid-run leaves a readable recording of the frames it was sent", async () => {
    const client = await connect(server);
    client.send({ type: "configure", objects: SCENE, record: true });
    const meta = await client.waitFor("metadata", 10000);
    client.send({ type: "start", timestep_ms: 16, duration_s: 30 });
    const received: Msg[] = [];
    for (let i = 0; i < 30; i++) received.push(await client.waitFor("frame"));
    client.ws.terminate();
    const m = await recordingOf(server, meta.simulation_id);
    expect(m.total_frames).toBeGreaterThanOrEqual(30);
    expect(m.total_frames).toBeLessThan(200);
    for (const f of received.slice(-3)) {
      const back = JSON.parse((await request(server, `/api/v1/simulations/${meta.simulation_id}/frames/${f.data.frame_id}/state`)).body);
      expect(back.states).toEqual(f.data.states);
    }
    expect(fs.readdirSync(dir).filter((n) => n.endsWith(".partial"))).toEqual([]);
  });

  it("configure then stop (no run), or a disconnect before start: nothing is recorded", async () => {
    const a = await connect(server);
    a.send({ type: "configure", objects: SCENE, record: true });
    const metaA = await a.waitFor("metadata", 10000);
    a.send({ type: "stop" });
    await a.collect(5000, true);
    const b = await connect(server);
    b.send({ type: "configure", objects: SCENE, record: true });
    const metaB = await b.waitFor("metadata", 10000);
    b.ws.terminate();
    await new Promise((r) => setTimeout(r, 300));
    for (const id of [metaA.simulation_id, metaB.simulation_id]) {
      expect((await request(server, `/api/v1/simulations/${id}/metadata`)).status).toBe(404);
    }
    expect(fs.readdirSync(dir).filter((n) => n.endsWith(".partial"))).toEqual([]);
  });
});

describe("--record, and recording directories that cannot take it", () => {
  it("the record option records every session without the client asking; close() finishes a running one", async () => {
    const recordAll = await startServer({ port: 0, log: () => {}, recordingsDir: path.join(tmp, "all"), record: true });
    try {
      expect(recordAll.recordsEverySession).toBe(true);
      const { client, metadata } = await configured(recordAll, SCENE.slice(0, 3));
      client.send({ type: "start", timestep_ms: 20, duration_s: 0.5 });
      await client.collect(5000);
      expect((await recordingOf(recordAll, metadata.simulation_id)).total_frames).toBe(26);
      // A session still running when the server closes is finished and published.
      const running = await configured(recordAll, SCENE.slice(0, 3));
      running.client.send({ type: "start", timestep_ms: 16, duration_s: 30 });
      for (let i = 0; i < 5; i++) await running.client.waitFor("frame");
      await recordAll.close();
      expect(fs.existsSync(path.join(tmp, "all", `${running.metadata.simulation_id}.db`))).toBe(true);
    } finally {
      await recordAll.close();
    }
  });

  it("closing the server while a recorded session is configured but not started leaves no temporary file", async () => {
    const closing = path.join(tmp, "closing");
    const s = await startServer({ port: 0, log: () => {}, recordingsDir: closing });
    try {
      const client = await connect(s);
      client.send({ type: "configure", objects: SCENE.slice(0, 3), record: true });
      await client.waitFor("metadata", 10000);
      // The recording's temporary file exists from configure on.
      expect(fs.readdirSync(closing).filter((n) => n.endsWith(".partial"))).toHaveLength(1);
    } finally {
      await s.close();
    }
    expect(fs.readdirSync(closing)).toEqual([]);
  });

  it("temporary files left by a process that no longer runs are swept when the server starts; a running one's are kept", async () => {
    const sweep = path.join(tmp, "sweep");
    fs.mkdirSync(sweep, { recursive: true });
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    const stale = `.sim-0123456789ab.db.${dead}.00112233aabb.partial`;
    const mine = `.sim-ba9876543210.db.${process.pid}.00112233aabb.partial`;
    fs.writeFileSync(path.join(sweep, stale), "left by a crash");
    fs.writeFileSync(path.join(sweep, mine), "being written");
    const s = await startServer({ port: 0, log: () => {}, recordingsDir: sweep });
    try {
      expect(fs.readdirSync(sweep)).toEqual([mine]);
      expect((await request(s, "/api/v1/simulations")).body).toBe("[]");
    } finally {
      await s.close();
    }
  });

  it("a recordings directory that cannot be created: `error` naming it instead of metadata; the server carries on", async () => {
    const blocker = path.join(tmp, "blocker");
    fs.writeFileSync(blocker, "a file where a directory should be");
    const broken = await startServer({ port: 0, log: () => {}, recordingsDir: path.join(blocker, "recordings"), record: true });
    try {
      const client = await connect(broken);
      client.send({ type: "configure", objects: SCENE.slice(0, 2) });
      const run = await client.collect(10000, true);
      expect(run.all.map((m) => m.type)).toEqual(["error"]);
      expect(run.error!.message).toMatch(/^cannot record to ".*blocker\/recordings\/sim-[0-9a-f]{12}\.db": a part of the path is not a directory \(ENOTDIR\)$/);
      expect((await health(broken)).status).toBe("ok");
      expect((await request(broken, "/api/v1/simulations")).body).toBe("[]");
    } finally {
      await broken.close();
    }
    // The other server was never disturbed.
    const { client } = await configured(server, SCENE.slice(0, 2));
    client.send({ type: "start", timestep_ms: 16, duration_s: 0.1 });
    expect((await client.collect(5000)).complete).toBeDefined();
  });

  it("the disk filling up mid-run (a file size limit): the session gets an `error` naming the problem; the server lives on", async () => {
    const full = path.join(tmp, "full");
    const s = await startMain(["--port", "0", "--record", "--recordings-dir", full], 2048);
    try {
      const target: ServerLike = { url: s.url };
      const objects: SpawnObject[] = [{ asset_name: "plane", position: [0, 0, 0], object_type: "environment" }];
      for (let i = 0; i < 300; i++) {
        objects.push({ asset_name: "unit_cube", position: [(i % 20) * 1.2 - 12, Math.floor(i / 20) * 1.2 - 9, 1 + (i % 4)], orientation: [0.1 * i, 0, 0], object_type: "inertial", mass: 1 });
      }
      const { client } = await configured(target, objects);
      client.send({ type: "start", timestep_ms: 16, duration_s: 20 });
      const run = await client.collect(30000, true);
      expect(run.error?.message, s.output()).toMatch(/recording ".*\.db" failed: (the disk is full \(SQLITE_FULL\)|an input\/output error \(the disk may be full or failing\) \(SQLITE_IOERR\w*\))/);
      expect(run.complete).toBeUndefined();
      expect((await health(target)).status).toBe("ok");
      // Nothing half-written is published, and the next session runs.
      expect((await request(target, "/api/v1/simulations")).body).toBe("[]");
      expect(fs.readdirSync(full)).toEqual([]);
      const small = await configured(target, objects.slice(0, 2));
      small.client.send({ type: "start", timestep_ms: 16, duration_s: 0.2 });
      expect((await small.client.collect(10000)).complete?.total_frames).toBe(13);
    } finally {
      s.child.kill("SIGKILL");
    }
  }, 60000);
});

describe("the recording options on the command line and in the environment", () => {
  it("--record (a flag without a value), --record=false, MSD_LAB_RECORD, --recordings-dir / MSD_LAB_RECORDINGS_DIR; default data/recordings", () => {
    expect(optionsFromCommandLine(["--record", "--port", "0"], {})).toMatchObject({ record: true, port: 0 });
    expect(optionsFromCommandLine(["--record=false"], { MSD_LAB_RECORD: "1" }).record).toBe(false);
    expect(optionsFromCommandLine([], { MSD_LAB_RECORD: "true" }).record).toBe(true);
    expect(optionsFromCommandLine([], { MSD_LAB_RECORD: "0" }).record).toBe(false);
    expect(optionsFromCommandLine([], {}).record).toBeUndefined();
    expect(() => optionsFromCommandLine([], { MSD_LAB_RECORD: "maybe" })).toThrow('record must be true or false (got "maybe")');
    expect(optionsFromCommandLine(["--recordings-dir", "/x/y"], { MSD_LAB_RECORDINGS_DIR: "/a" }).recordingsDir).toBe("/x/y");
    expect(optionsFromCommandLine([], { MSD_LAB_RECORDINGS_DIR: "/a" }).recordingsDir).toBe("/a");
    expect(defaultRecordingsDir()).toBe(path.join(ROOT, "data", "recordings"));
    expect(server.recordingsDir).toBe(dir);
    expect(server.recordsEverySession).toBe(false);
  });
});

/** `node dist/src/server/main.js ARGS` with `ulimit -f BLOCKS` (512-byte blocks): writes past the limit fail. */
function startMain(args: string[], fileSizeBlocks: number): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k === "PORT" || k === "HOST" || k.startsWith("MSD_LAB_")) delete env[k];
  const quoted = [process.execPath, MAIN_JS, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const child = spawn("bash", ["-c", `ulimit -f ${fileSizeBlocks}; exec ${quoted}`], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no URL line within 10 s; output:\n${out}`));
    }, 10000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\/live/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${m[1]}`, output: () => out });
      }
    });
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before printing its URL; output:\n${out}`));
    });
  });
}
