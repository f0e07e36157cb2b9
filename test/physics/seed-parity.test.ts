import { describe, it, expect } from "vitest";
import * as os from "node:os";
import * as path from "node:path";
import { Engine } from "../../src/engine";
import type { BodyState } from "../../src/engine/types";

// The scenarios of the seed's msd-pybind/test/test_engine_bindings.py (reference/seed-system.md
// §5.3, numbers in brackets), ported to the TypeScript API (camelCase methods and result keys,
// snake_case frame state as on the wire). Difference from the seed, on purpose: there is no
// hidden floor, so a fresh engine has NO bodies at all.

const STATE_KEYS = ["angular_velocity", "asset_id", "body_id", "is_environment", "orientation", "position", "velocity"];

const isInt = (v: unknown) => typeof v === "number" && Number.isInteger(v);
const isNum = (v: unknown) => typeof v === "number" && Number.isFinite(v);

function expectXYZ(v: unknown) {
  expect(v).toBeTypeOf("object");
  const o = v as Record<string, unknown>;
  expect(Object.keys(o).sort()).toEqual(["x", "y", "z"]);
  for (const k of ["x", "y", "z"]) expect(isNum(o[k]), `${k} = ${String(o[k])}`).toBe(true);
}

const envStates = (e: Engine) => e.getFrameState().states.filter((s) => s.is_environment);
const inertialStates = (e: Engine) => e.getFrameState().states.filter((s) => !s.is_environment);

describe("seed parity (test_engine_bindings.py)", () => {
  describe("construction", () => {
    it("(3) constructs with the default assets database", () => {
      const e = new Engine();
      expect(e.listAssets().length).toBeGreaterThan(0);
      e.dispose();
    });

    it("(4) a non-existent assets database path throws", () => {
      const missing = path.join(os.tmpdir(), `msd-lab-no-such-dir-${process.pid}`, "missing-assets.db");
      expect(() => new Engine(missing)).toThrow(Error);
      expect(() => new Engine({ assetsDb: missing })).toThrow(Error);
    });
  });

  describe("listAssets", () => {
    it("(5–8) is a non-empty list of {assetId: int, name: non-empty string}, some name contains 'cube'", () => {
      const e = new Engine();
      const assets = e.listAssets();
      expect(Array.isArray(assets)).toBe(true);
      expect(assets.length).toBeGreaterThan(0);
      for (const a of assets) {
        expect(isInt(a.assetId)).toBe(true);
        expect(typeof a.name).toBe("string");
        expect(a.name.length).toBeGreaterThan(0);
      }
      expect(assets.some((a) => a.name.includes("cube"))).toBe(true);
      e.dispose();
    });

    it("holds the seed catalogue names with their ids, plus plane", () => {
      const e = new Engine();
      const byName = new Map(e.listAssets().map((a) => [a.name, a.assetId]));
      const expected: [string, number][] = [
        ["unit_cube", 1],
        ["large_cube", 2],
        ["tiny_cube", 3],
        ["floor_slab", 4],
        ["unit_sphere", 5],
        ["small_sphere", 6],
        ["large_sphere", 7],
        ["cube", 8],
        ["pyramid", 9],
        ["plane", 10],
      ];
      for (const [name, id] of expected) expect(byName.get(name), name).toBe(id);
      // Names are unique.
      expect(byName.size).toBe(e.listAssets().length);
      e.dispose();
    });
  });

  describe("spawnInertialObject", () => {
    it("(9–11) returns {instanceId: int, assetId: int}", () => {
      const e = new Engine();
      const r = e.spawnInertialObject("unit_cube", [0, 0, 5]);
      expect(r).toBeTypeOf("object");
      expect(isInt(r.instanceId)).toBe(true);
      expect(isInt(r.assetId)).toBe(true);
      expect(r.assetId).toBe(e.listAssets().find((a) => a.name === "unit_cube")!.assetId);
      e.dispose();
    });

    it("(12) accepts mass 20, restitution 0.8, friction 0.3 at (1, 2, 5)", () => {
      const e = new Engine();
      const r = e.spawnInertialObject("unit_cube", [1, 2, 5], [0, 0, 0], { mass: 20, restitution: 0.8, friction: 0.3 });
      const info = e.bodies().find((b) => b.instanceId === r.instanceId)!;
      expect(info.mass).toBe(20);
      expect(info.restitution).toBe(0.8);
      expect(info.friction).toBe(0.3);
      expect(info.isEnvironment).toBe(false);
      e.dispose();
    });

    it("(13) accepts pitch 0.1, yaw π/4", () => {
      const e = new Engine();
      const r = e.spawnInertialObject("unit_cube", [0, 0, 5], [0.1, 0, Math.PI / 4]);
      const q = e.getBodyState(r.instanceId).orientation;
      expect(Math.hypot(q.w, q.x, q.y, q.z)).toBeCloseTo(1, 12);
      expect(Math.abs(q.w)).toBeLessThan(1); // actually rotated
      e.dispose();
    });

    it("(14) an unknown asset name throws", () => {
      const e = new Engine();
      expect(() => e.spawnInertialObject("no_such_asset_xyz", [0, 0, 0])).toThrow(Error);
      expect(e.bodies().length).toBe(0);
      e.dispose();
    });

    it("instance ids are distinct (one counter for all bodies)", () => {
      const e = new Engine();
      const a = e.spawnInertialObject("unit_cube", [0, 0, 5]).instanceId;
      const b = e.spawnEnvironmentObject("unit_cube", [5, 0, 0]).instanceId;
      const c = e.spawnInertialObject("unit_cube", [0, 5, 5]).instanceId;
      expect(new Set([a, b, c]).size).toBe(3);
      e.dispose();
    });
  });

  describe("spawnEnvironmentObject", () => {
    it("(15–17) returns {instanceId: int, assetId: int}; unknown name throws", () => {
      const e = new Engine();
      const r = e.spawnEnvironmentObject("unit_cube", [0, 0, 0]);
      expect(r).toBeTypeOf("object");
      expect(isInt(r.instanceId)).toBe(true);
      expect(isInt(r.assetId)).toBe(true);
      const r2 = e.spawnEnvironmentObject("unit_cube", [5, 0, 0], [0.1, 0, Math.PI / 4], { restitution: 0.8, friction: 0.3 });
      expect(isInt(r2.instanceId)).toBe(true);
      expect(() => e.spawnEnvironmentObject("no_such_asset_xyz", [0, 0, 0])).toThrow(Error);
      e.dispose();
    });
  });

  describe("update", () => {
    it("(18) update(16) works", () => {
      const e = new Engine();
      e.spawnInertialObject("unit_cube", [0, 0, 5]);
      expect(() => e.update(16)).not.toThrow();
      e.dispose();
    });

    it("(19) simulation_time increases after update(16)", () => {
      const e = new Engine();
      e.spawnInertialObject("unit_cube", [0, 0, 5]);
      const t0 = e.getFrameState().simulation_time;
      e.update(16);
      const t1 = e.getFrameState().simulation_time;
      expect(t1).toBeGreaterThan(t0);
      expect(t1).toBeCloseTo(0.016, 12);
      e.dispose();
    });

    it("(20) updates 16, 32, …, 160 → simulation_time = 0.160 (1e-6)", () => {
      const e = new Engine();
      e.spawnInertialObject("unit_cube", [0, 0, 5]);
      for (let k = 1; k <= 10; k++) e.update(16 * k);
      expect(Math.abs(e.getFrameState().simulation_time - 0.16)).toBeLessThan(1e-6);
      expect(Math.abs(e.time - 0.16)).toBeLessThan(1e-6);
      e.dispose();
    });
  });

  describe("getFrameState", () => {
    it("(21–23) is {simulation_time: number, states: array}", () => {
      const e = new Engine();
      const f = e.getFrameState();
      expect(f).toBeTypeOf("object");
      expect(typeof f.simulation_time).toBe("number");
      expect(f.simulation_time).toBe(0);
      expect(Array.isArray(f.states)).toBe(true);
      e.dispose();
    });

    it("(24) no states at all before any spawn (no hidden floor)", () => {
      const e = new Engine();
      expect(e.getFrameState().states).toEqual([]);
      expect(e.bodies()).toEqual([]);
      e.dispose();
    });

    it("(25–31) state shape and types after one spawn", () => {
      const e = new Engine();
      const r = e.spawnInertialObject("unit_cube", [0, 0, 5]);
      const states = e.getFrameState().states;
      expect(states.length).toBeGreaterThanOrEqual(1);
      const s = states[0] as BodyState & Record<string, unknown>;
      expect(Object.keys(s).sort()).toEqual(STATE_KEYS);
      expect(s.body_id).toBe(r.instanceId);
      expect(s.asset_id).toBe(r.assetId);
      expect(isInt(s.body_id)).toBe(true);
      expect(isInt(s.asset_id)).toBe(true);
      expect(s.is_environment).toBe(false);
      expectXYZ(s.position);
      expectXYZ(s.velocity);
      expectXYZ(s.angular_velocity);
      expect(Object.keys(s.orientation).sort()).toEqual(["w", "x", "y", "z"]);
      for (const k of ["w", "x", "y", "z"] as const) expect(isNum(s.orientation[k])).toBe(true);
      e.dispose();
    });

    it("(32) the spawn position (3, 4, 10) is reflected exactly before any update", () => {
      const e = new Engine();
      e.spawnInertialObject("unit_cube", [3, 4, 10]);
      const p = e.getFrameState().states[0].position;
      expect(p).toEqual({ x: 3, y: 4, z: 10 });
      e.dispose();
    });

    it("(33) a body spawned at z = 100 is lower after updates 16 … 480 ms", () => {
      const e = new Engine();
      const id = e.spawnInertialObject("unit_cube", [0, 0, 100]).instanceId;
      for (let t = 16; t <= 480; t += 16) e.update(t);
      const s = e.getFrameState().states.find((x) => x.body_id === id)!;
      expect(s.position.z).toBeLessThan(100);
      e.dispose();
    });
  });

  describe("environment objects in the frame state", () => {
    it("(34–40) one environment spawn adds exactly one environment entry with the right values", () => {
      const e = new Engine();
      expect(envStates(e).length).toBe(0);
      const r = e.spawnEnvironmentObject("unit_cube", [3, -1.5, 0]);
      const env = envStates(e);
      expect(env.length).toBe(1); // (34)
      const s = env[0];
      expect(s.is_environment).toBe(true); // (35)
      expect(s.body_id).toBe(r.instanceId);
      expect(s.asset_id).toBe(r.assetId);
      expect(s.velocity).toEqual({ x: 0, y: 0, z: 0 }); // (36)
      expect(s.angular_velocity).toEqual({ x: 0, y: 0, z: 0 }); // (37)
      expect(s.position.x).toBeCloseTo(3, 12); // (38)
      expect(s.position.y).toBeCloseTo(-1.5, 12);
      expect(s.position.z).toBeCloseTo(0, 12);
      const q = s.orientation; // (39)
      expect(Math.abs(q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z - 1)).toBeLessThan(1e-6);
      expect(Object.keys(s).sort()).toEqual(STATE_KEYS); // (40)
      e.dispose();
    });

    it("(41–42) inertial + environment spawn → 1 inertial and 1 environment entry; env stays at rest over 5 updates", () => {
      const e = new Engine();
      const a = e.spawnInertialObject("unit_cube", [0, 0, 5]).instanceId;
      const b = e.spawnEnvironmentObject("unit_cube", [3, -1.5, 0]).instanceId;
      expect(inertialStates(e).map((s) => s.body_id)).toEqual([a]);
      expect(envStates(e).map((s) => s.body_id)).toEqual([b]);
      // Inertial bodies come first in `states`.
      expect(e.getFrameState().states.map((s) => s.is_environment)).toEqual([false, true]);
      for (let k = 1; k <= 5; k++) e.update(16 * k);
      const env = envStates(e)[0];
      expect(env.velocity).toEqual({ x: 0, y: 0, z: 0 });
      expect(env.angular_velocity).toEqual({ x: 0, y: 0, z: 0 });
      expect(env.position.x).toBeCloseTo(3, 12);
      expect(env.position.y).toBeCloseTo(-1.5, 12);
      e.dispose();
    });
  });

  describe("getCollisionVertices", () => {
    it("(43–45) a valid asset gives a non-empty list of [x, y, z] numbers", () => {
      const e = new Engine();
      for (const a of e.listAssets()) {
        const verts = e.getCollisionVertices(a.assetId);
        expect(Array.isArray(verts)).toBe(true);
        expect(verts.length, a.name).toBeGreaterThan(0);
        for (const v of verts) {
          expect(v.length).toBe(3);
          for (const c of v) expect(isNum(c)).toBe(true);
        }
      }
      // unit_cube is a 1 m cube centred on its centroid: every vertex coordinate is ±0.5.
      const cube = e.getCollisionVertices(e.listAssets().find((a) => a.name === "unit_cube")!.assetId);
      for (const v of cube) for (const c of v) expect(Math.abs(Math.abs(c) - 0.5)).toBeLessThan(1e-9);
      e.dispose();
    });

    it("(46) an unknown asset id gives []", () => {
      const e = new Engine();
      expect(e.getCollisionVertices(999999)).toEqual([]);
      e.dispose();
    });
  });
});
