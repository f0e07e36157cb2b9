// The seed's replay/tests/test_live_api.py (seed-system.md §5.1, 37 cases), ported to the real
// server and the real engine. The seed mocked the engine; here every expectation is what the
// real engine does, per docs/live-protocol.md. Case numbers refer to §5.1.
//
// Not portable (Python module structure, no TypeScript equivalent): 31 (no top-level
// _run_simulation), 32–33 (LiveSimulationSession class and its methods).

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../src/engine";
import { startServer, type LiveServer } from "../../src/server";
import { closeAllClients, configured, connect, expectedFrames, request, runScene, seedConfigure, stateOf, v3, type Msg, type SpawnObject } from "./client";

let server: LiveServer;
let catalogue: { assetId: number; name: string }[];

beforeAll(async () => {
  server = await startServer({ port: 0, log: () => {} });
  const engine = new Engine();
  catalogue = engine.listAssets();
  engine.dispose();
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => closeAllClients());

const START_SHORT = { type: "start", timestep_ms: 16, duration_s: 0.016 };

/** Sends one configure and returns everything until error/complete/close. */
async function configureExpectingError(objects: unknown): Promise<Msg> {
  const c = await connect(server);
  c.send({ type: "configure", objects });
  const run = await c.collect(5000, true);
  expect(run.all.map((m) => m.type), "exactly one error, nothing after it").toEqual(["error"]);
  expect(run.close?.code).toBe(1000);
  expect(typeof run.error!.message).toBe("string");
  return run.error!;
}

function cube(overrides: Partial<SpawnObject> & Record<string, unknown> = {}): SpawnObject {
  return { ...seedConfigure().objects[0], ...overrides } as SpawnObject;
}

/** q = qz(yaw)·qy(pitch)·qx(roll), as [w, x, y, z] (README: R = Rz(yaw)·Ry(pitch)·Rx(roll)). */
function eulerQuat(pitch: number, roll: number, yaw: number): [number, number, number, number] {
  const mul = (a: number[], b: number[]): [number, number, number, number] => [
    a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
    a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
    a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
    a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
  ];
  const qx = [Math.cos(roll / 2), Math.sin(roll / 2), 0, 0];
  const qy = [Math.cos(pitch / 2), 0, Math.sin(pitch / 2), 0];
  const qz = [Math.cos(yaw / 2), 0, 0, Math.sin(yaw / 2)];
  return mul(mul(qz, qy), qx);
}

describe("REST /api/v1/live/assets (cases 1–2)", () => {
  it("1: returns 200 with the asset list", async () => {
    const r = await request(server, "/api/v1/live/assets");
    expect(r.status).toBe(200);
    expect(String(r.headers["content-type"])).toMatch(/application\/json/);
    const list = r.json() as unknown[];
    expect(Array.isArray(list)).toBe(true);
    expect(list.length).toBe(catalogue.length);
    expect(list.length).toBeGreaterThanOrEqual(10);
  });

  it("2: asset schema is {asset_id, name} with the catalogue's ids and names", async () => {
    const list = (await request(server, "/api/v1/live/assets")).json() as { asset_id: number; name: string }[];
    for (const a of list) expect(Object.keys(a).sort()).toEqual(["asset_id", "name"]);
    const got = list.map((a) => [a.asset_id, a.name]).sort((x, y) => (x[0] as number) - (y[0] as number));
    expect(got).toEqual(catalogue.map((a) => [a.assetId, a.name]).sort((x, y) => (x[0] as number) - (y[0] as number)));
    // The seed's names and ids (README catalogue table).
    const byName = new Map(list.map((a) => [a.name, a.asset_id]));
    expect(byName.get("unit_cube")).toBe(1);
    expect(byName.get("large_cube")).toBe(2);
    expect(byName.get("cube")).toBe(8);
    expect(byName.get("plane")).toBe(10);
  });
});

describe("WebSocket lifecycle (cases 3–14)", () => {
  it("3: configure returns metadata with bodies and assets, 2 bodies", async () => {
    const { metadata } = await configured(server);
    expect(metadata.type).toBe("metadata");
    expect(metadata).toHaveProperty("bodies");
    expect(metadata).toHaveProperty("assets");
    expect(metadata.bodies).toHaveLength(2);
  });

  it("4: metadata body schema", async () => {
    const { metadata } = await configured(server);
    for (const b of metadata.bodies as Msg[]) {
      expect(Object.keys(b).sort()).toEqual(["asset_id", "asset_name", "body_id", "friction", "is_environment", "mass", "restitution"]);
      expect(Number.isInteger(b.body_id)).toBe(true);
      expect(Number.isInteger(b.asset_id)).toBe(true);
      expect(typeof b.is_environment).toBe("boolean");
    }
    // configure order
    expect((metadata.bodies as Msg[]).map((b) => b.asset_name)).toEqual(["cube", "large_cube"]);
    expect((metadata.bodies as Msg[]).map((b) => b.asset_id)).toEqual([8, 2]);
  });

  it("5: metadata assets contain cube and large_cube geometry as triangle lists", async () => {
    const { metadata } = await configured(server);
    const assets = metadata.assets as Msg[];
    expect(assets.map((a) => a.name)).toEqual(["cube", "large_cube"]); // unique, first-appearance order
    const half: Record<string, number> = { cube: 0.5, large_cube: 1.0 };
    for (const a of assets) {
      expect(Object.keys(a).sort()).toEqual(["asset_id", "name", "positions", "vertex_count"]);
      expect(Array.isArray(a.positions)).toBe(true);
      expect(a.positions.length).toBe(3 * a.vertex_count);
      expect(a.positions.length % 9, "a triangle list: 9 numbers per triangle").toBe(0);
      expect(a.vertex_count).toBeGreaterThanOrEqual(36); // a box: 12 triangles at least
      // Relative to the centre of mass: a box of half-size h spans exactly [−h, h] on each axis.
      const p = a.positions as number[];
      for (let axis = 0; axis < 3; axis++) {
        const vals = p.filter((_, i) => i % 3 === axis);
        expect(Math.max(...vals)).toBeCloseTo(half[a.name], 6);
        expect(Math.min(...vals)).toBeCloseTo(-half[a.name], 6);
      }
    }
    expect(assets.find((a) => a.name === "cube")!.asset_id).toBe(8);
  });

  it("6: start streams frames", async () => {
    const run = await runScene(server, seedConfigure().objects, { timestep_ms: 16, duration_s: 0.016 });
    expect(run.error).toBeUndefined();
    expect(run.frames.length).toBeGreaterThanOrEqual(1);
    expect(run.all.at(-1)!.type).toBe("complete");
  });

  it("7: frame schema; frame 0 is the initial state at simulation_time 0", async () => {
    const run = await runScene(server, seedConfigure().objects, { timestep_ms: 16, duration_s: 0.016 });
    const d = run.frames[0].data as Msg;
    expect(Object.keys(run.frames[0]).sort()).toEqual(["data", "type"]);
    expect(Object.keys(d).sort()).toEqual(["collisions", "frame_id", "simulation_time", "solver", "states"]);
    expect(d.frame_id).toBe(0);
    expect(d.simulation_time).toBe(0);
    expect(Array.isArray(d.collisions)).toBe(true);
    expect(Object.keys(d.solver).sort()).toEqual(["converged", "iterations", "num_constraints", "num_contacts", "residual"]);
    expect(d.states).toHaveLength(2);
    for (const s of d.states as Msg[]) {
      expect(Object.keys(s).sort()).toEqual(["angular_velocity", "asset_id", "body_id", "is_environment", "orientation", "position", "velocity"]);
      for (const k of ["position", "velocity", "angular_velocity"]) expect(Object.keys(s[k]).sort()).toEqual(["x", "y", "z"]);
      expect(Object.keys(s.orientation).sort()).toEqual(["w", "x", "y", "z"]);
    }
    // inertial first, then environment
    expect((d.states as Msg[]).map((s) => s.is_environment)).toEqual([false, true]);
    expect(v3(d.states[0].position)).toEqual([0, 0, 5]);
    expect(v3(d.states[0].velocity)).toEqual([0, 0, 0]);
  });

  it("8: complete after the duration: no error, total_frames = floor(duration_ms / timestep_ms) + 1", async () => {
    for (const [ts, dur] of [
      [16, 0.016],
      [16, 0.032],
      [10, 0.1],
      [33, 0.1],
    ] as const) {
      const run = await runScene(server, seedConfigure().objects, { timestep_ms: ts, duration_s: dur });
      expect(run.error, `${ts} ms / ${dur} s`).toBeUndefined();
      expect(run.complete, `${ts} ms / ${dur} s`).toBeDefined();
      expect(Object.keys(run.complete!).sort()).toEqual(["elapsed_s", "total_frames", "type"]);
      expect(run.complete!.total_frames, `${ts} ms / ${dur} s`).toBe(expectedFrames(ts, dur));
      expect(run.frames.length).toBe(run.complete!.total_frames);
      expect(typeof run.complete!.elapsed_s).toBe("number");
      expect(run.complete!.elapsed_s).toBeGreaterThanOrEqual(0);
    }
    expect(expectedFrames(16, 0.016)).toBe(2);
    expect(expectedFrames(16, 0.032)).toBe(3);
  });

  it("8b: complete is followed by a normal close (1000)", async () => {
    const { client } = await configured(server);
    client.send(START_SHORT);
    const run = await client.collect(5000, true);
    expect(run.all.at(-1)!.type).toBe("complete");
    expect(run.close?.code).toBe(1000);
  });

  it("9: stop instead of start → complete with 0 frames", async () => {
    const { client } = await configured(server);
    client.send({ type: "stop" });
    const run = await client.collect(5000, true);
    expect(run.frames).toHaveLength(0);
    expect(run.error).toBeUndefined();
    expect(run.complete).toEqual({ type: "complete", total_frames: 0, elapsed_s: 0 });
    expect(run.close?.code).toBe(1000);
  });

  it("10: an invalid asset name returns an error naming it", async () => {
    const err = await configureExpectingError([cube({ asset_name: "nonexistent_asset" })]);
    expect(err.message).toContain("nonexistent_asset");
  });

  it("11: a wrong first message type returns an error", async () => {
    const c = await connect(server);
    c.send(START_SHORT);
    const run = await c.collect(5000, true);
    expect(run.all.map((m) => m.type)).toEqual(["error"]);
    expect(run.error!.message).toMatch(/configure/);
  });

  it("12: frame ids are sequential 0..n−1 (16 ms / 0.032 s → 3 frames)", async () => {
    const run = await runScene(server, seedConfigure().objects, { timestep_ms: 16, duration_s: 0.032 });
    expect(run.frames.map((f) => f.data.frame_id)).toEqual([0, 1, 2]);
    expect(run.complete!.total_frames).toBe(3);
  });

  it("13: the inertial object is spawned with its physics parameters (echoed in metadata, used by the engine)", async () => {
    const run = await runScene(server, seedConfigure().objects, { timestep_ms: 16, duration_s: 0.016 });
    const body = (run.metadata.bodies as Msg[])[0];
    expect(body).toEqual({ body_id: body.body_id, asset_id: 8, asset_name: "cube", mass: 10.0, restitution: 0.8, friction: 0.5, is_environment: false });
    const s0 = stateOf(run.frames[0], body.body_id);
    expect(v3(s0.position)).toEqual([0, 0, 5]);
    expect(s0.is_environment).toBe(false);
    expect(s0.asset_id).toBe(8);
    // It is a dynamic body: after one 16 ms step it falls under gravity (free fall is exact).
    const s1 = stateOf(run.frames[1], body.body_id);
    expect(s1.position.z).toBeCloseTo(5 - 0.5 * 9.81 * 0.016 ** 2, 9);
    expect(s1.velocity.z).toBeCloseTo(-9.81 * 0.016, 9);
  });

  it("14: an environment object without physics fields is accepted and static", async () => {
    const run = await runScene(server, seedConfigure().objects, { timestep_ms: 16, duration_s: 0.032 });
    const env = (run.metadata.bodies as Msg[])[1];
    // Environment bodies report mass 0; restitution defaults to 0.5 and friction to 0.5 for them.
    expect(env).toEqual({ body_id: env.body_id, asset_id: 2, asset_name: "large_cube", mass: 0, restitution: 0.5, friction: 0.5, is_environment: true });
    for (const f of run.frames) {
      const s = stateOf(f, env.body_id);
      expect(s.is_environment).toBe(true);
      expect(v3(s.position)).toEqual([0, 0, 0]);
      expect(v3(s.velocity).map(Math.abs)).toEqual([0, 0, 0]);
      expect(v3(s.angular_velocity).map(Math.abs)).toEqual([0, 0, 0]);
      expect([s.orientation.w, s.orientation.x, s.orientation.y, s.orientation.z].map(Math.abs)).toEqual([1, 0, 0, 0]);
    }
  });

  it("14b: defaults for omitted fields (orientation [0,0,0], mass 10, restitution 0.8, friction 0.5)", async () => {
    const { metadata } = await configured(server, [{ asset_name: "cube", position: [0, 0, 5], object_type: "inertial" }]);
    expect(metadata.bodies[0]).toMatchObject({ mass: 10, restitution: 0.8, friction: 0.5, is_environment: false });
  });
});

describe("Spawn object validation (cases 15–30)", () => {
  it("15/26: invalid object_type → error mentioning object_type or kinematic", async () => {
    const err = await configureExpectingError([cube({ object_type: "kinematic" as never })]);
    expect(err.message.toLowerCase()).toMatch(/object_type|kinematic/);
  });

  it("16–17: 'inertial' and 'environment' are accepted", async () => {
    const { metadata } = await configured(server, [cube({ object_type: "inertial" }), { asset_name: "plane", position: [0, 0, 0], object_type: "environment" }]);
    expect((metadata.bodies as Msg[]).map((b) => b.is_environment)).toEqual([false, true]);
    const env = await configured(server, [{ asset_name: "plane", position: [0, 0, 0], object_type: "environment" }]);
    expect(env.metadata.bodies[0].is_environment).toBe(true);
  });

  for (const [field, value] of [
    ["position", [0, 1]],
    ["position", [0, 1, 2, 3]],
    ["position", []],
    ["orientation", [0, 1]],
    ["orientation", [0, 1, 2, 3]],
    ["orientation", []],
  ] as const) {
    it(`18–23/27–30: ${field} of length ${value.length} → error naming ${field}`, async () => {
      const err = await configureExpectingError([cube({ [field]: value })]);
      expect(err.message).toContain(field);
    });
  }

  it("24: a 3-element position is kept as given", async () => {
    const run = await runScene(server, [cube({ position: [1.5, -2.25, 7] })], { timestep_ms: 16, duration_s: 0.016 });
    expect(v3(run.frames[0].data.states[0].position)).toEqual([1.5, -2.25, 7]);
  });

  it("25: a 3-element orientation [pitch, roll, yaw] is kept as given", async () => {
    const [pitch, roll, yaw] = [0.1, 0.2, 0.3];
    const run = await runScene(server, [cube({ orientation: [pitch, roll, yaw] })], { timestep_ms: 16, duration_s: 0.016 });
    const o = run.frames[0].data.states[0].orientation;
    const q = [o.w, o.x, o.y, o.z];
    const e = eulerQuat(pitch, roll, yaw);
    const sign = Math.sign(q[0] * e[0] + q[1] * e[1] + q[2] * e[2] + q[3] * e[3]);
    for (let i = 0; i < 4; i++) expect(sign * q[i]).toBeCloseTo(e[i], 9);
  });
});

describe("Body id consistency (cases 34–37)", () => {
  it("34/37: metadata body ids are the engine instance ids (1, 2) and equal the ids in every frame", async () => {
    const run = await runScene(server, seedConfigure().objects, { timestep_ms: 16, duration_s: 0.032 });
    const ids = (run.metadata.bodies as Msg[]).map((b) => b.body_id);
    expect(ids).toEqual([1, 2]);
    for (const f of run.frames) {
      expect((f.data.states as Msg[]).map((s) => s.body_id)).toEqual(ids);
      expect((f.data.states as Msg[]).map((s) => s.asset_id)).toEqual([8, 2]);
    }
  });

  it("34b: ids start at 1 in every session (one engine per connection) and follow configure order", async () => {
    const objects: SpawnObject[] = [
      { asset_name: "plane", position: [0, 0, 0], object_type: "environment" },
      cube({ position: [0, 0, 3] }),
      cube({ asset_name: "unit_sphere", position: [5, 0, 3] }),
    ];
    const run = await runScene(server, objects, { timestep_ms: 16, duration_s: 0.016 });
    expect((run.metadata.bodies as Msg[]).map((b) => [b.body_id, b.asset_name])).toEqual([
      [1, "plane"],
      [2, "cube"],
      [3, "unit_sphere"],
    ]);
    // states: inertial bodies first, then environment bodies, each by id
    expect((run.frames[0].data.states as Msg[]).map((s) => s.body_id)).toEqual([2, 3, 1]);
    expect((run.metadata.assets as Msg[]).map((a) => a.name)).toEqual(["plane", "cube", "unit_sphere"]);
  });
});

describe("simulation_time", () => {
  it("frame k has simulation_time = k · timestep_ms / 1000 (within 1e-9)", async () => {
    for (const ts of [16, 10, 33]) {
      const run = await runScene(server, seedConfigure().objects, { timestep_ms: ts, duration_s: 0.2 });
      expect(run.frames.length).toBe(expectedFrames(ts, 0.2));
      run.frames.forEach((f, k) => {
        expect(f.data.frame_id).toBe(k);
        expect(Math.abs(f.data.simulation_time - (k * ts) / 1000)).toBeLessThan(1e-9);
      });
    }
  });
});
