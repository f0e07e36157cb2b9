// The replay REST routes of docs/replay-api.md over a recordings directory made by recordToFile:
// every route and its exact shape, and every kind of bad input — ids that are not recording ids or
// try to leave the directory, malformed or missing numbers, out-of-range queries, unknown frames,
// bodies and assets — answered 404 or 422 with a detail, never 500 and never a file from elsewhere.
// The routes honour the server's access checks (token, Host).
import Database from "better-sqlite3";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../src/engine";
import { RECORDING_ID_PATTERN, RecordingReader, recordToFile } from "../../src/recording";
import { startServer, type LiveServer } from "../../src/server";
import { SIMULATION_ID_PATTERN } from "../../src/server/messages";
import { ReplayFrameWriter, RETAINED_BUFFER_BYTES } from "../../src/server/replay-frames";
import { RANGE_BYTE_BUDGET, withoutPaths } from "../../src/server/replay-routes";
import { newSimulationId } from "../../src/server/simulation-id";
import { request, type Msg } from "./client";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "msd-replay-routes-"));
const dir = path.join(tmp, "recordings");
let server: LiveServer;

function scene(): Engine {
  const engine = new Engine();
  engine.spawnEnvironmentObject("plane", [0, 0, 0]);
  engine.spawnInertialObject("unit_cube", [0, 0, 1.2], [0.4, 0.2, 0], { mass: 2, friction: 0.3 });
  engine.spawnInertialObject("small_sphere", [1.5, 0, 0.9], [0, 0, 0], { mass: 1, velocity: [0.5, 0, 0] });
  return engine;
}

beforeAll(async () => {
  let engine = scene();
  await recordToFile(engine, path.join(dir, "older.db"), { duration: 1, name: "the older one" });
  engine.dispose();
  await new Promise((r) => setTimeout(r, 10)); // a later created_at
  engine = scene();
  await recordToFile(engine, path.join(dir, "newer.db"), { duration: 2, dt: 1 / 120, every: 2, simulationId: "sim-0123456789ab" });
  engine.dispose();
  // Files that are not readable recordings, and a recording under a name no id can reach.
  fs.copyFileSync(path.join(dir, "older.db"), path.join(dir, "future.db"));
  const db = new Database(path.join(dir, "future.db"));
  db.prepare("UPDATE meta SET value = '2' WHERE key = 'schema_version'").run();
  db.close();
  fs.writeFileSync(path.join(dir, "junk.db"), "not a database");
  fs.copyFileSync(path.join(dir, "older.db"), path.join(dir, ".hidden.db"));
  fs.writeFileSync(path.join(tmp, "secret.db"), "outside the recordings directory");
  server = await startServer({ port: 0, log: () => {}, recordingsDir: dir });
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function get(route: string, headers?: Record<string, string>): Promise<{ status: number; body: string; json: any }> {
  const r = await request(server, route, { headers });
  let json: unknown;
  try {
    json = JSON.parse(r.body);
  } catch {
    json = undefined;
  }
  expect(String(r.headers["content-type"]), route).toMatch(/^application\/json/);
  return { status: r.status, body: r.body, json };
}

async function expectError(route: string, status: 404 | 422, detail?: RegExp): Promise<string> {
  const r = await get(route);
  expect(r.status, `${route}: ${r.body}`).toBe(status);
  expect(Object.keys(r.json), route).toEqual(["detail"]);
  expect(typeof r.json.detail, route).toBe("string");
  if (detail) expect(r.json.detail, route).toMatch(detail);
  return r.json.detail as string;
}

const BASE = "/api/v1/simulations";

describe("replay routes", () => {
  it("GET /api/v1/simulations: readable recordings, newest first, with the file name only", async () => {
    const r = await get(BASE);
    expect(r.status).toBe(200);
    expect(r.json.map((s: Msg) => s.id)).toEqual(["newer", "older"]);
    const [newer, older] = r.json as Msg[];
    expect(Object.keys(newer)).toEqual(["id", "name", "path", "total_frames", "duration_s", "created_at", "bodies"]);
    expect(newer).toMatchObject({ id: "newer", name: "newer", path: "newer.db", total_frames: 121, bodies: 3 });
    expect(older).toMatchObject({ id: "older", name: "the older one", path: "older.db", total_frames: 61, bodies: 3 });
    expect(newer.duration_s).toBeCloseTo(2, 12);
    expect(newer.created_at > older.created_at).toBe(true);
    expect(r.body).not.toContain(dir);
  });

  it("GET …/{id}/metadata: every field; bodies as in live metadata", async () => {
    const r = await get(`${BASE}/newer/metadata`);
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual(["bodies", "total_frames", "simulation_id", "name", "created_at", "engine_version", "schema_version", "timestep_s", "gravity", "duration_s"]);
    expect(r.json).toMatchObject({ total_frames: 121, simulation_id: "sim-0123456789ab", name: "newer", schema_version: 1, timestep_s: 1 / 60, gravity: [0, 0, -9.81] });
    expect(r.json.bodies).toEqual([
      { body_id: 1, asset_id: 10, asset_name: "plane", mass: 0, restitution: 0.5, friction: 0.5, is_environment: true },
      { body_id: 2, asset_id: 1, asset_name: "unit_cube", mass: 2, restitution: 0.5, friction: 0.3, is_environment: false },
      { body_id: 3, asset_id: 6, asset_name: "small_sphere", mass: 1, restitution: 0.5, friction: 0.5, is_environment: false },
    ]);
  });

  it("GET …/frames and …/frames/{frame_id}/state", async () => {
    const frames = (await get(`${BASE}/older/frames`)).json as Msg[];
    expect(frames).toHaveLength(61);
    expect(frames.map((f) => f.frame_id)).toEqual([...Array(61).keys()]);
    expect(Object.keys(frames[1])).toEqual(["frame_id", "simulation_time"]);
    expect(frames[60].simulation_time).toBeCloseTo(1, 12);

    const f = (await get(`${BASE}/older/frames/30/state`)).json;
    expect(Object.keys(f)).toEqual(["frame_id", "simulation_time", "states", "collisions", "friction_constraints", "solver"]);
    expect(f.frame_id).toBe(30);
    expect(f.simulation_time).toBe(frames[30].simulation_time);
    expect(f.states.map((s: Msg) => [s.body_id, s.is_environment])).toEqual([[2, false], [3, false], [1, true]]);
    expect(Object.keys(f.states[0])).toEqual(["body_id", "asset_id", "position", "velocity", "orientation", "angular_velocity", "is_environment"]);
    expect(Object.keys(f.solver)).toEqual(["iterations", "residual", "converged", "num_constraints", "num_contacts"]);
    expect(f.collisions.length).toBeGreaterThan(0);
    expect(Object.keys(f.collisions[0])).toEqual(["body_a_id", "body_b_id", "normal", "penetration_depth", "contacts"]);
    expect(f.friction_constraints.length).toBe(f.collisions.reduce((n: number, c: Msg) => n + c.contacts.length, 0));
    expect(Object.keys(f.friction_constraints[0])).toEqual([
      "body_a_id", "body_b_id", "normal", "tangent1", "tangent2", "lever_arm_a", "lever_arm_b",
      "friction_coefficient", "normal_lambda", "tangent1_lambda", "tangent2_lambda",
    ]);
    // The values are the recording's, written as live frames write numbers.
    const reader = RecordingReader.open(path.join(dir, "older.db"));
    const recorded = reader.frame(30)!;
    expect(f.states[0].position.z).toBeCloseTo(recorded.states[3], 9);
    expect(f.solver.num_contacts).toBe(recorded.solver.numContacts);
    const cube = f.states[0];
    const fc = f.friction_constraints.find((c: Msg) => c.body_a_id === 2);
    if (fc) {
      // lever arm = contact point − the body's centre of mass (both from this frame)
      const point = f.collisions.find((c: Msg) => c.body_a_id === 2).contacts[0];
      const mid = ["x", "y", "z"].map((k) => (point.point_a[k] + point.point_b[k]) / 2);
      expect(fc.lever_arm_a.z).toBeCloseTo(mid[2] - cube.position.z, 6);
      expect(fc.friction_coefficient).toBeCloseTo(Math.sqrt(0.3 * 0.5), 9);
    }
    reader.close();
    expect((await get(`${BASE}/older/frames/0/state`)).json.simulation_time).toBe(0);
    expect((await get(`${BASE}/older/frames/60/state`)).status).toBe(200);
  });

  it("GET …/frames/range?start=S&count=N: the frames S … S+N−1 that exist", async () => {
    const r = await get(`${BASE}/older/frames/range?start=58&count=5`);
    expect(r.status).toBe(200);
    expect(r.json.map((f: Msg) => f.frame_id)).toEqual([58, 59, 60]);
    expect(r.json[0]).toEqual((await get(`${BASE}/older/frames/58/state`)).json);
    expect((await get(`${BASE}/older/frames/range?start=61&count=10`)).json).toEqual([]);
    expect((await get(`${BASE}/older/frames/range?start=0&count=1000`)).json).toHaveLength(61);
    expect((await get(`${BASE}/older/frames/range?count=1&start=7&unrelated=x`)).json.map((f: Msg) => f.frame_id)).toEqual([7]);
  });

  it("bad ranges: 422 naming the parameter", async () => {
    const cases: [string, RegExp][] = [
      ["start=0&count=0", /^count must be in \[1, 1000\] \(got 0\)$/],
      ["start=0&count=1001", /^count must be in \[1, 1000\] \(got 1001\)$/],
      ["start=0&count=-1", /^count must be in \[1, 1000\] \(got -1\)$/],
      ["start=0&count=1.5", /^count must be an integer \(got "1.5"\)$/],
      ["start=0&count=", /^count must be an integer \(got ""\)$/],
      ["start=0&count=ten", /^count must be an integer/],
      ["start=0&count=1e2", /^count must be an integer/],
      ["start=0", /^count is required$/],
      ["count=5", /^start is required$/],
      ["", /^start is required$/],
      ["start=-1&count=5", /^start must be >= 0 \(got -1\)$/],
      ["start=0.5&count=5", /^start must be an integer/],
      ["start=99999999999999999999&count=5", /^start must be an integer/],
      ["start=0&count=5&count=6", /^count is given 2 times$/],
    ];
    for (const [query, detail] of cases) await expectError(`${BASE}/older/frames/range?${query}`, 422, detail);
  });

  it("bad frame ids: malformed → 422, absent → 404", async () => {
    for (const id of ["abc", "1.5", "1e3", "0x10", "99999999999999999999", "%20", "+1"]) await expectError(`${BASE}/older/frames/${id}/state`, 422, /^frame_id must be an integer/);
    for (const id of ["61", "1000000", "-1"]) await expectError(`${BASE}/older/frames/${id}/state`, 404, /^Frame -?\d+ not found$/);
  });

  it("GET …/energy and …/energy/{body_id}", async () => {
    const system = (await get(`${BASE}/older/energy`)).json as Msg[];
    expect(system).toHaveLength(61);
    expect(Object.keys(system[0])).toEqual(["frame_id", "simulation_time", "total_system_e", "delta_e", "total_linear_ke", "total_rotational_ke", "total_potential_e"]);
    expect(system[0].delta_e).toBe(0);
    for (const e of system) expect(e.total_system_e).toBeCloseTo(e.total_linear_ke + e.total_rotational_ke + e.total_potential_e, 9);
    expect(system[10].delta_e).toBeCloseTo(system[10].total_system_e - system[9].total_system_e, 12);

    const cube = (await get(`${BASE}/older/energy/2`)).json as Msg[];
    expect(cube).toHaveLength(61);
    expect(Object.keys(cube[0])).toEqual(["body_id", "frame_id", "simulation_time", "linear_ke", "rotational_ke", "potential_e", "total_e"]);
    expect(cube[0]).toMatchObject({ body_id: 2, frame_id: 0, linear_ke: 0, rotational_ke: 0 });
    expect(cube[0].potential_e).toBeCloseTo(2 * 9.81 * 1.2, 9);
    const sphere = (await get(`${BASE}/older/energy/3`)).json as Msg[];
    expect(sphere[0].linear_ke).toBeCloseTo(0.5 * 1 * 0.25, 12);
    // Per-body energies add up to the system's.
    for (const k of [0, 20, 60]) expect(cube[k].total_e + sphere[k].total_e).toBeCloseTo(system[k].total_system_e, 9);
    // The ground never moves: zeros, every frame.
    const ground = (await get(`${BASE}/older/energy/1`)).json as Msg[];
    expect(ground).toHaveLength(61);
    expect(ground.every((e) => e.total_e === 0)).toBe(true);
    await expectError(`${BASE}/older/energy/99`, 404, /^Body 99 not found$/);
    await expectError(`${BASE}/older/energy/x`, 422, /^body_id must be an integer/);
  });

  it("GET …/velocity/{body_id}", async () => {
    const v = (await get(`${BASE}/older/velocity/3`)).json as Msg[];
    expect(v).toHaveLength(61);
    expect(Object.keys(v[0])).toEqual(["body_id", "frame_id", "simulation_time", "vx", "vy", "vz", "speed", "omega_x", "omega_y", "omega_z", "omega_magnitude"]);
    expect(v[0]).toMatchObject({ body_id: 3, frame_id: 0, vx: 0.5, vy: 0, vz: 0, speed: 0.5 });
    for (const p of v) {
      expect(p.speed).toBeCloseTo(Math.hypot(p.vx, p.vy, p.vz), 12);
      expect(p.omega_magnitude).toBeCloseTo(Math.hypot(p.omega_x, p.omega_y, p.omega_z), 12);
    }
    const f = (await get(`${BASE}/older/frames/40/state`)).json;
    const s = f.states.find((x: Msg) => x.body_id === 3);
    expect(v[40].vx).toBeCloseTo(s.velocity.x, 9);
    expect(v[40].omega_y).toBeCloseTo(s.angular_velocity.y, 9);
    expect((await get(`${BASE}/older/velocity/1`)).json.every((p: Msg) => p.speed === 0)).toBe(true);
    await expectError(`${BASE}/older/velocity/42`, 404, /^Body 42 not found$/);
    await expectError(`${BASE}/older/velocity/-2`, 404);
    await expectError(`${BASE}/older/velocity/2.0`, 422);
  });

  it("GET …/assets[?asset_ids=…]: the recording's own geometry", async () => {
    const all = (await get(`${BASE}/older/assets`)).json as Msg[];
    expect(all.map((a) => [a.asset_id, a.name])).toEqual([[1, "unit_cube"], [6, "small_sphere"], [10, "plane"]]);
    for (const a of all) {
      expect(Object.keys(a)).toEqual(["asset_id", "name", "positions", "vertex_count"]);
      expect(a.positions.length).toBe(a.vertex_count * 3);
      expect(a.vertex_count % 3).toBe(0);
    }
    const engine = new Engine();
    expect(all[0].positions).toEqual(engine.getCollisionVertices(1).flat());
    engine.dispose();
    expect((await get(`${BASE}/older/assets?asset_ids=10&asset_ids=1&asset_ids=10`)).json.map((a: Msg) => a.asset_id)).toEqual([10, 1]);
    await expectError(`${BASE}/older/assets?asset_ids=2`, 404, /^Asset 2 is not in this recording$/);
    await expectError(`${BASE}/older/assets?asset_ids=cube`, 422, /^asset_ids must be an integer/);
  });

  it("ids that are not recording ids, or reach outside the directory: 404, never another file", async () => {
    const attempts = [
      `${BASE}/..%2F..%2Fetc%2Fpasswd/metadata`,
      `${BASE}/..%2Fsecret/metadata`,
      `${BASE}/%2e%2e%2fsecret/metadata`,
      `${BASE}/%2e%2e/metadata`,
      `${BASE}/../secret/metadata`,
      `${BASE}/../../../etc/passwd`,
      `${BASE}/%2Fetc%2Fpasswd/metadata`,
      `${BASE}/%2F${encodeURIComponent(path.join(tmp, "secret"))}/metadata`,
      `${BASE}/older%2F..%2F..%2Fsecret/metadata`,
      `${BASE}/older%5C..%5Csecret/metadata`,
      `${BASE}/.hidden/metadata`,
      `${BASE}/${"a".repeat(129)}/metadata`,
      `${BASE}/%00/metadata`,
      `${BASE}/%ZZ/metadata`,
      `${BASE}//metadata`,
      `${BASE}/older.db/metadata`,
      `${BASE}/missing/metadata`,
      `${BASE}/missing/frames/0/state`,
    ];
    for (const route of attempts) {
      const r = await get(route);
      expect(r.status, `${route}: ${r.body}`).toBe(404);
      expect(Object.keys(r.json), route).toEqual(["detail"]);
      expect(r.body, route).not.toMatch(/root:|outside the recordings/);
    }
    await expectError(`${BASE}/${"a".repeat(128)}/metadata`, 404, /^Recording not found: a+$/);
    await expectError(`${BASE}/older/nope`, 404, /^Not Found$/);
    await expectError(`${BASE}/older`, 404, /^Not Found$/);
    await expectError(`${BASE}/older/frames/1/state/extra`, 404);
  });

  it("files that are not readable recordings are left out of the list, and say why when asked for", async () => {
    await expectError(`${BASE}/future/metadata`, 404, /^Recording future cannot be read: recording "future\.db" has schema version 2; this msd-lab reads up to 1 — upgrade msd-lab$/);
    await expectError(`${BASE}/junk/frames`, 404, /^Recording junk cannot be read: "junk\.db" is not an msd-lab recording/);
  });

  it("only GET and HEAD; HEAD answers GET's status after the same checks, without building a body", async () => {
    const post = await request(server, `${BASE}/older/metadata`, { method: "POST", body: "{}" });
    expect(post.status).toBe(405);
    const head = async (route: string): Promise<Awaited<ReturnType<typeof request>>> => request(server, route, { method: "HEAD" });
    for (const route of [BASE, `${BASE}/older/metadata`, `${BASE}/older/frames`, `${BASE}/older/frames/3/state`, `${BASE}/older/frames/range?start=0&count=1000`,
      `${BASE}/older/energy`, `${BASE}/older/energy/2`, `${BASE}/older/velocity/3`, `${BASE}/older/assets?asset_ids=1`]) {
      const r = await head(route);
      expect(r.status, route).toBe(200);
      expect(r.body, route).toBe("");
      expect(String(r.headers["content-type"]), route).toMatch(/^application\/json/);
      // No body was built, so there is no length to give.
      expect(r.headers["content-length"], route).toBeUndefined();
    }
    expect((await head(`${BASE}/older/frames/61/state`)).status).toBe(404);
    expect((await head(`${BASE}/older/frames/x/state`)).status).toBe(422);
    expect((await head(`${BASE}/older/frames/range?start=0&count=0`)).status).toBe(422);
    expect((await head(`${BASE}/older/energy/99`)).status).toBe(404);
    expect((await head(`${BASE}/older/assets?asset_ids=2`)).status).toBe(404);
    expect((await head(`${BASE}/missing/metadata`)).status).toBe(404);
    expect((await head(`${BASE}/older/nope`)).status).toBe(404);
  });

  it("numbers are written one way: leading zeros and -0 are 422, naming the parameter", async () => {
    for (const id of ["00", "007", "-0", "-01"]) {
      await expectError(`${BASE}/older/frames/${id}/state`, 422, new RegExp(`^frame_id must be an integer without leading zeros or "-0" \\(got "${id}"\\)$`));
    }
    await expectError(`${BASE}/older/frames/range?start=00&count=5`, 422, /^start must be an integer without leading zeros/);
    await expectError(`${BASE}/older/frames/range?start=0&count=010`, 422, /^count must be an integer without leading zeros/);
    await expectError(`${BASE}/older/energy/02`, 422, /^body_id must be an integer without leading zeros/);
    await expectError(`${BASE}/older/assets?asset_ids=01`, 422, /^asset_ids must be an integer without leading zeros/);
    expect((await get(`${BASE}/older/frames/0/state`)).json.frame_id).toBe(0);
    expect((await get(`${BASE}/older/frames/10/state`)).json.frame_id).toBe(10);
  });

  it("the route's shape is checked before the recording is opened: unknown sub-paths are 404 Not Found", async () => {
    // junk.db is not a recording: opening it would answer "Recording junk cannot be read".
    for (const route of [`${BASE}/junk/nope`, `${BASE}/junk/frames/1/nope`, `${BASE}/junk/frames/range/x`, `${BASE}/junk/metadata/x`, `${BASE}/junk`, `${BASE}/missing/energy/1/2`]) {
      await expectError(route, 404, /^Not Found$/);
    }
    await expectError(`${BASE}/junk/metadata`, 404, /^Recording junk cannot be read/);
  });

  it("a recording file replaced on disk is read anew (open readers are cached, not stale)", async () => {
    expect((await get(`${BASE}/older/metadata`)).json.total_frames).toBe(61);
    const engine = scene();
    await recordToFile(engine, path.join(dir, "older.db"), { duration: 0.5, overwrite: true });
    engine.dispose();
    expect((await get(`${BASE}/older/metadata`)).json.total_frames).toBe(31);
    expect((await get(`${BASE}/older/frames`)).json).toHaveLength(31);
  });
});

describe("replay routes behind the server's access checks", () => {
  it("a token server answers 401 without the token; a foreign Host header gets 403", async () => {
    const guarded = await startServer({ port: 0, log: () => {}, recordingsDir: dir, token: "s3cret-token" });
    try {
      for (const route of [BASE, `${BASE}/newer/metadata`, `${BASE}/newer/frames/0/state`, `${BASE}/..%2Fsecret/metadata`]) {
        expect((await request(guarded, route)).status, route).toBe(401);
        expect((await request(guarded, route, { headers: { Host: "evil.example:80", Authorization: "Bearer s3cret-token" } })).status, route).toBe(403);
      }
      const ok = await request(guarded, `${BASE}/newer/metadata`, { headers: { Authorization: "Bearer s3cret-token" } });
      expect(ok.status).toBe(200);
      expect((await request(guarded, `${BASE}?token=s3cret-token`)).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});

/** 1000 cubes resting on the ground: every frame has 1000 states, ~1000 contacts and ~4000 friction constraints (~1.4 MB of JSON). */
function bigScene(): Engine {
  const engine = new Engine();
  engine.spawnEnvironmentObject("plane", [0, 0, 0]);
  for (let i = 0; i < 1000; i++) engine.spawnInertialObject("unit_cube", [(i % 32) * 1.5, Math.floor(i / 32) * 1.5, 0.5 + (i % 2) * 0.3], [0, 0, 0.1 * i], { mass: 1 });
  return engine;
}

describe("big scenes: range responses are bounded by size, single frames are whole", () => {
  const bigDir = path.join(tmp, "big");
  let big: LiveServer;
  beforeAll(async () => {
    const engine = bigScene();
    await recordToFile(engine, path.join(bigDir, "pile.db"), { duration: 12 / 60, dt: 1 / 60 });
    engine.dispose();
    big = await startServer({ port: 0, log: () => {}, recordingsDir: bigDir });
  });
  afterAll(async () => {
    await big?.close();
  });

  it(`a range stops once its body has reached ${RANGE_BYTE_BUDGET} bytes; continuing from the last frame_id + 1 gets the rest`, async () => {
    const sizes: number[] = [];
    for (let k = 0; k < 13; k++) {
      const one = await request(big, `${BASE}/pile/frames/${k}/state`);
      expect(one.status).toBe(200);
      sizes.push(Buffer.byteLength(one.body));
    }
    const largest = Math.max(...sizes);
    expect(largest).toBeGreaterThan(1_000_000); // the scene is big: a handful of frames fill the budget
    let start = 0;
    const got: number[] = [];
    const responses: number[] = [];
    while (start < 13) {
      const r = await request(big, `${BASE}/pile/frames/range?start=${start}&count=1000`);
      expect(r.status).toBe(200);
      const frames = JSON.parse(r.body) as Msg[];
      const ids = frames.map((f) => f.frame_id as number);
      // Consecutive from start, at least one frame.
      expect(ids.length).toBeGreaterThanOrEqual(1);
      expect(ids).toEqual(ids.map((_, i) => start + i));
      const bytes = Buffer.byteLength(r.body);
      // At most the budget plus the one frame that crossed it (plus the array's brackets).
      expect(bytes).toBeLessThanOrEqual(RANGE_BYTE_BUDGET + largest + 2);
      // Shorter than asked for only because the budget was reached (or the recording ended).
      if (ids[ids.length - 1] < 12) expect(bytes).toBeGreaterThanOrEqual(RANGE_BYTE_BUDGET);
      // Each frame is the frame /state answers.
      expect(frames[frames.length - 1]).toEqual(JSON.parse((await request(big, `${BASE}/pile/frames/${ids[ids.length - 1]}/state`)).body));
      got.push(...ids);
      responses.push(ids.length);
      start = ids[ids.length - 1] + 1;
    }
    expect(got).toEqual([...Array(13).keys()]);
    expect(responses.length).toBeGreaterThan(1);
    expect(JSON.parse((await request(big, `${BASE}/pile/frames/range?start=13&count=5`)).body)).toEqual([]);
  });

  it("HEAD of a big range builds nothing", async () => {
    const r = await request(big, `${BASE}/pile/frames/range?start=0&count=1000`, { method: "HEAD" });
    expect(r.status).toBe(200);
    expect(r.headers["content-length"]).toBeUndefined();
  });

  it("a frame writer does not keep the memory of a big response; a range always holds its first frame", () => {
    const reader = RecordingReader.open(path.join(bigDir, "pile.db"));
    try {
      const writer = new ReplayFrameWriter(reader);
      const body = writer.frames(reader.framesFrom(0, 1000), RANGE_BYTE_BUDGET);
      expect(body.length).toBeGreaterThan(RANGE_BYTE_BUDGET);
      expect(writer.retainedBytes).toBeLessThanOrEqual(RETAINED_BUFFER_BYTES);
      expect(writer.frame(reader.frame(3)!).length).toBeGreaterThan(RETAINED_BUFFER_BYTES);
      expect(writer.retainedBytes).toBeLessThanOrEqual(RETAINED_BUFFER_BYTES);
      // A budget smaller than one frame: exactly that frame, and no further frame is read.
      let pulled = 0;
      const counted = (function* () {
        for (const frame of reader.framesFrom(5, 1000)) {
          pulled++;
          yield frame;
        }
      })();
      const one = JSON.parse(writer.frames(counted, 1).toString()) as Msg[];
      expect(one.map((f) => f.frame_id)).toEqual([5]);
      expect(pulled).toBe(1);
    } finally {
      reader.close();
    }
  });
});

describe("damaged recordings: a 500 saying what is damaged, without server paths", () => {
  const damagedDir = path.join(tmp, "damaged");
  let damaged: LiveServer;
  let withContacts: number[] = [];
  beforeAll(async () => {
    fs.mkdirSync(damagedDir, { recursive: true });
    const engine = scene();
    const source = path.join(damagedDir, "source.db");
    await recordToFile(engine, source, { duration: 1 });
    engine.dispose();
    fs.copyFileSync(source, path.join(damagedDir, "blobs.db"));
    const db = new Database(path.join(damagedDir, "blobs.db"));
    db.pragma("foreign_keys = OFF"); // to point a frame at a scene that is not there
    withContacts = db.prepare<[], { frame_id: number }>("SELECT frame_id FROM frames WHERE data_frame = frame_id AND length(contacts) > 0 ORDER BY frame_id").all().map((r) => r.frame_id);
    const [a, b, c] = withContacts.slice(-3);
    db.prepare("UPDATE frames SET states = x'0102' WHERE frame_id = 5").run();
    const states6 = db.prepare<[], { states: Buffer }>("SELECT states FROM frames WHERE frame_id = 6").get()!.states;
    db.prepare("UPDATE frames SET states = ? WHERE frame_id = 6").run(Buffer.concat([states6, Buffer.alloc(14 * 8)])); // a body too many
    db.prepare("UPDATE frames SET friction = substr(friction, 1, 8) WHERE frame_id = ?").run(a);
    const contacts = db.prepare<[number], { contacts: Buffer }>("SELECT contacts FROM frames WHERE frame_id = ?").get(b)!.contacts;
    contacts.writeDoubleLE(1000, 5 * 8); // the first contact claims 1000 points
    db.prepare("UPDATE frames SET contacts = ? WHERE frame_id = ?").run(contacts, b);
    db.prepare("UPDATE frames SET scene_id = 9 WHERE frame_id = ?").run(c);
    db.close();
    // SQLite pages beyond the header: the frames table's root page overwritten.
    fs.copyFileSync(source, path.join(damagedDir, "pages.db"));
    const pages = new Database(path.join(damagedDir, "pages.db"), { readonly: true });
    const root = pages.prepare<[], { rootpage: number }>("SELECT rootpage FROM sqlite_master WHERE name = 'frames'").get()!.rootpage;
    const pageSize = pages.pragma("page_size", { simple: true }) as number;
    pages.close();
    const fd = fs.openSync(path.join(damagedDir, "pages.db"), "r+");
    fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (root - 1) * pageSize);
    fs.closeSync(fd);
    damaged = await startServer({ port: 0, log: () => {}, recordingsDir: damagedDir });
  });
  afterAll(async () => {
    await damaged?.close();
  });

  async function expect500(route: string, detail: RegExp): Promise<void> {
    const r = await request(damaged, route);
    expect(r.status, `${route}: ${r.body}`).toBe(500);
    expect(String(r.headers["content-type"])).toMatch(/^application\/json/);
    const json = JSON.parse(r.body);
    expect(Object.keys(json)).toEqual(["detail"]);
    expect(json.detail, route).toMatch(detail);
    expect(r.body).not.toContain(tmp);
    expect(r.body).not.toMatch(/"\/|\s\/[a-z]/);
  }

  it("BLOBs of the wrong length or that do not fit together name the frame and what is wrong", async () => {
    expect(withContacts.length).toBeGreaterThanOrEqual(3);
    const [a, b, c] = withContacts.slice(-3);
    await expect500(`${BASE}/blobs/frames/5/state`, /^recording blobs is damaged: frames\.states of frame 5 is not a list of 64-bit numbers$/);
    await expect500(`${BASE}/blobs/frames/6/state`, /^recording blobs is damaged: frame 6 has 42 state values; its scene 1 has 2 bodies \(28 values\)$/);
    await expect500(`${BASE}/blobs/frames/${a}/state`, new RegExp(`^recording blobs is damaged: frame ${a} has 1 friction values for \\d+ contacts \\(\\d+ expected\\)$`));
    await expect500(`${BASE}/blobs/frames/${b}/state`, new RegExp(`^recording blobs is damaged: frame ${b}: contact 0 runs past the end of the contacts \\(\\d+ values\\)$`));
    await expect500(`${BASE}/blobs/frames/${c}/state`, new RegExp(`^recording blobs is damaged: frame ${c} refers to scene 9, which the file does not have$`));
    await expect500(`${BASE}/blobs/frames/range?start=3&count=4`, /^recording blobs is damaged: frames\.states of frame 5/);
    await expect500(`${BASE}/blobs/velocity/2`, /^recording blobs is damaged: frames\.states of frame 5 has 2 bytes; its scene 1 has 2 bodies \(224 bytes\)$/);
    // The rest of the file is still served.
    expect((await request(damaged, `${BASE}/blobs/frames/4/state`)).status).toBe(200);
    expect((await request(damaged, `${BASE}/blobs/frames/range?start=0&count=5`)).status).toBe(200);
    expect((await request(damaged, `${BASE}/blobs/metadata`)).status).toBe(200);
  });

  it("corrupt SQLite pages beyond the header", async () => {
    await expect500(`${BASE}/pages/frames`, /^recording pages is damaged: the file is corrupt \(SQLITE_CORRUPT\w*: database disk image is malformed\)$/);
    await expect500(`${BASE}/pages/frames/3/state`, /^recording pages is damaged: the file is corrupt/);
  });

  it("error details never carry absolute paths", () => {
    const dir = path.join(tmp, "recordings");
    expect(withoutPaths(`recording "${path.join(dir, "older.db")}" is closed`, dir)).toBe('recording "older.db" is closed');
    expect(withoutPaths("cannot open '/var/lib/msd/other/x.db': EIO", dir)).toBe("cannot open 'x.db': EIO");
    expect(withoutPaths("at /srv/a/b.db and (/c/d/e.db)", dir)).toBe("at b.db and (e.db)");
    expect(withoutPaths('open "C:\\data\\rec\\x.db"', dir)).toBe('open "x.db"');
    expect(withoutPaths("1000 N/m, a/b, 3/4", dir)).toBe("1000 N/m, a/b, 3/4");
  });
});

describe("symbolic links in the recordings directory are not followed", () => {
  it("a .db link (to a recording inside or outside the directory) is not listed and answers 404 saying why", async () => {
    const linkDir = path.join(tmp, "links");
    fs.mkdirSync(linkDir, { recursive: true });
    fs.copyFileSync(path.join(dir, "newer.db"), path.join(linkDir, "real.db"));
    fs.copyFileSync(path.join(dir, "newer.db"), path.join(tmp, "outside.db"));
    fs.symlinkSync(path.join(linkDir, "real.db"), path.join(linkDir, "inside-link.db"));
    fs.symlinkSync(path.join(tmp, "outside.db"), path.join(linkDir, "outside-link.db"));
    fs.symlinkSync("real.db", path.join(linkDir, "relative-link.db"));
    const linked = await startServer({ port: 0, log: () => {}, recordingsDir: linkDir });
    try {
      expect((await request(linked, BASE)).json().map((r: Msg) => r.id)).toEqual(["real"]);
      for (const id of ["inside-link", "outside-link", "relative-link"]) {
        for (const route of [`${BASE}/${id}/metadata`, `${BASE}/${id}/frames/0/state`]) {
          const r = await request(linked, route);
          expect(r.status, route).toBe(404);
          expect(r.json().detail).toBe(`Recording ${id} cannot be read: it is a symbolic link (links in the recordings directory are not followed)`);
        }
      }
      expect((await request(linked, `${BASE}/real/metadata`)).status).toBe(200);
    } finally {
      await linked.close();
    }
  });
});

describe("ids", () => {
  it("a made simulation id is valid as a watch id and as a recording id", () => {
    for (let i = 0; i < 20; i++) {
      const id = newSimulationId();
      expect(id).toMatch(SIMULATION_ID_PATTERN);
      expect(id).toMatch(RECORDING_ID_PATTERN);
    }
  });
});
