import { describe, it, expect } from "vitest";
import { Engine } from "../../src/engine";
import type { EngineOptions } from "../../src/engine/types";
import { STRIDE } from "../helpers/scenes";

// Invalid input is rejected with an Error whose message names the offending field (DESIGN §3);
// the engine never produces NaN from it and keeps working afterwards: the failed call leaves no
// partial body behind and a following valid spawn + step succeeds.

const BAD = [NaN, Infinity, -Infinity];

interface Case {
  name: string;
  /** `id` is an existing inertial body of `e` (for the cases that need one). */
  run: (e: Engine, id: number) => unknown;
  message: RegExp;
}

let spawnCount = 0;

/** Call `c.run` on `e`, expect an Error matching `c.message`, then check that `e` still works. */
function expectRejected(e: Engine, c: Case, id = -1) {
  const bodiesBefore = e.bodies().length;
  const timeBefore = e.time;
  let err: unknown;
  try {
    c.run(e, id);
  } catch (x) {
    err = x;
  }
  expect(err, `${c.name}: no error thrown`).toBeInstanceOf(Error);
  expect((err as Error).message, c.name).toMatch(c.message);
  expect(e.bodies().length, `${c.name}: body count changed`).toBe(bodiesBefore);
  expect(e.time, `${c.name}: time changed`).toBe(timeBefore);
  expectStillWorks(e);
}

function expectStillWorks(e: Engine) {
  const k = ++spawnCount;
  const id = e.spawnInertialObject("unit_cube", [3 * k, 0, 20], [0, 0, 0], { mass: 1 }).instanceId;
  const before = e.getBodyState(id).position.z;
  e.step();
  const after = e.getBodyState(id).position.z;
  expect(after).toBeLessThan(before); // falls under gravity
  const a = e.stateArray();
  for (let i = 0; i < a.length; i++) expect(Number.isFinite(a[i]), `stateArray()[${i}] (field ${i % STRIDE})`).toBe(true);
}

const inertialCases: Case[] = [];
const spawnI = (p: readonly number[], o: readonly number[] = [0, 0, 0], opts: Record<string, unknown> = {}) => (e: Engine) =>
  e.spawnInertialObject("unit_cube", p, o, opts);
for (const b of BAD) {
  for (let axis = 0; axis < 3; axis++) {
    const v = [0, 0, 5];
    v[axis] = b;
    inertialCases.push({ name: `position[${axis}] = ${b}`, run: spawnI(v), message: /position/i });
    const o = [0, 0, 0];
    o[axis] = b;
    inertialCases.push({ name: `orientation[${axis}] = ${b}`, run: spawnI([0, 0, 5], o), message: /orientation/i });
    const w = [0, 0, 0];
    w[axis] = b;
    inertialCases.push({ name: `velocity[${axis}] = ${b}`, run: spawnI([0, 0, 5], [0, 0, 0], { velocity: w }), message: /velocity/i });
    inertialCases.push({
      name: `angularVelocity[${axis}] = ${b}`,
      run: spawnI([0, 0, 5], [0, 0, 0], { angularVelocity: w }),
      message: /angular/i,
    });
  }
  inertialCases.push({ name: `mass = ${b}`, run: spawnI([0, 0, 5], [0, 0, 0], { mass: b }), message: /mass/i });
  inertialCases.push({ name: `restitution = ${b}`, run: spawnI([0, 0, 5], [0, 0, 0], { restitution: b }), message: /restitution/i });
  inertialCases.push({ name: `friction = ${b}`, run: spawnI([0, 0, 5], [0, 0, 0], { friction: b }), message: /friction/i });
}
for (const m of [0, -1, -1e-300]) inertialCases.push({ name: `mass = ${m}`, run: spawnI([0, 0, 5], [0, 0, 0], { mass: m }), message: /mass/i });
for (const r of [-0.1, -1e-12, 1.1, 1 + 1e-9, 2]) {
  inertialCases.push({ name: `restitution = ${r}`, run: spawnI([0, 0, 5], [0, 0, 0], { restitution: r }), message: /restitution/i });
}
for (const f of [-0.1, -1e-12, -5]) inertialCases.push({ name: `friction = ${f}`, run: spawnI([0, 0, 5], [0, 0, 0], { friction: f }), message: /friction/i });
for (const p of [[], [1], [1, 2], [1, 2, 3, 4]]) {
  inertialCases.push({ name: `position of length ${p.length}`, run: spawnI(p), message: /position/i });
}
inertialCases.push({ name: "orientation of length 2", run: spawnI([0, 0, 5], [0, 0]), message: /orientation/i });
inertialCases.push({ name: "velocity of length 4", run: spawnI([0, 0, 5], [0, 0, 0], { velocity: [1, 2, 3, 4] }), message: /velocity/i });
inertialCases.push({
  name: "angularVelocity of length 2",
  run: spawnI([0, 0, 5], [0, 0, 0], { angularVelocity: [1, 2] }),
  message: /angular/i,
});
inertialCases.push({ name: "unknown asset name", run: (e) => e.spawnInertialObject("no_such_asset_xyz", [0, 0, 5]), message: /unknown asset/i });
inertialCases.push({ name: "empty asset name", run: (e) => e.spawnInertialObject("", [0, 0, 5]), message: /unknown asset|asset/i });

const envCases: Case[] = [];
const spawnE = (p: readonly number[], o: readonly number[] = [0, 0, 0], opts: Record<string, unknown> = {}) => (e: Engine) =>
  e.spawnEnvironmentObject("unit_cube", p, o, opts);
for (const b of BAD) {
  envCases.push({ name: `position[1] = ${b}`, run: spawnE([0, b, 0]), message: /position/i });
  envCases.push({ name: `orientation[2] = ${b}`, run: spawnE([0, -5, 0], [0, 0, b]), message: /orientation/i });
  envCases.push({ name: `restitution = ${b}`, run: spawnE([0, -5, 0], [0, 0, 0], { restitution: b }), message: /restitution/i });
  envCases.push({ name: `friction = ${b}`, run: spawnE([0, -5, 0], [0, 0, 0], { friction: b }), message: /friction/i });
}
envCases.push({ name: "restitution = -0.5", run: spawnE([0, -5, 0], [0, 0, 0], { restitution: -0.5 }), message: /restitution/i });
envCases.push({ name: "restitution = 1.5", run: spawnE([0, -5, 0], [0, 0, 0], { restitution: 1.5 }), message: /restitution/i });
envCases.push({ name: "friction = -0.5", run: spawnE([0, -5, 0], [0, 0, 0], { friction: -0.5 }), message: /friction/i });
envCases.push({ name: "position of length 2", run: spawnE([0, -5]), message: /position/i });
envCases.push({ name: "unknown asset name", run: (e) => e.spawnEnvironmentObject("no_such_asset_xyz", [0, -5, 0]), message: /unknown asset/i });

const timeCases: Case[] = [];
for (const b of BAD) timeCases.push({ name: `update(${b})`, run: (e) => e.update(b), message: /time|t_?ms/i });

const bodyCases: Case[] = [];
const UNKNOWN = 987654;
bodyCases.push({ name: "applyImpulse on an unknown body", run: (e) => e.applyImpulse(UNKNOWN, [1, 0, 0]), message: /body/i });
bodyCases.push({ name: "setVelocity on an unknown body", run: (e) => e.setVelocity(UNKNOWN, [1, 0, 0]), message: /body/i });
bodyCases.push({ name: "removeBody of an unknown body", run: (e) => e.removeBody(UNKNOWN), message: /body/i });
bodyCases.push({ name: "getBodyState of an unknown body", run: (e) => e.getBodyState(UNKNOWN), message: /body/i });
bodyCases.push({ name: "getBodyState(NaN)", run: (e) => e.getBodyState(NaN), message: /body/i });

const hullCases: Case[] = [];
const DEGENERATE = /degenerate|at least 4/i;
hullCases.push({ name: "no points", run: (e) => e.addConvexAsset("h0", []), message: DEGENERATE });
hullCases.push({ name: "3 points", run: (e) => e.addConvexAsset("h3", [[0, 0, 0], [1, 0, 0], [0, 1, 0]]), message: DEGENERATE });
hullCases.push({
  name: "coplanar points",
  run: (e) => e.addConvexAsset("hplane", [[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0], [0.5, 0.5, 0], [2, 3, 0]]),
  message: DEGENERATE,
});
hullCases.push({
  name: "collinear points",
  run: (e) => e.addConvexAsset("hline", [[0, 0, 0], [1, 1, 1], [2, 2, 2], [3, 3, 3], [4, 4, 4]]),
  message: DEGENERATE,
});
hullCases.push({
  name: "one point repeated",
  run: (e) => e.addConvexAsset("hdup", [[1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3]]),
  message: DEGENERATE,
});
hullCases.push({
  name: "coplanar points as a flat array",
  run: (e) => e.addConvexAsset("hflat", new Float64Array([0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1])),
  message: DEGENERATE,
});

describe("errors", () => {
  describe("spawnInertialObject", () => {
    for (const c of inertialCases) it(`rejects ${c.name}`, () => {
      const e = new Engine();
      expectRejected(e, c);
      e.dispose();
    });
  });

  describe("spawnEnvironmentObject", () => {
    for (const c of envCases) it(`rejects ${c.name}`, () => {
      const e = new Engine();
      expectRejected(e, c);
      e.dispose();
    });
  });

  describe("update time", () => {
    for (const c of timeCases) it(`rejects ${c.name}`, () => {
      const e = new Engine();
      expectRejected(e, c);
      e.dispose();
    });

    it("rejects update going backwards", () => {
      const e = new Engine();
      e.update(100);
      expectRejected(e, { name: "update(50) after update(100)", run: (x) => x.update(50), message: /time/i });
      // 0.1 s plus the one default step taken by the still-works check.
      expect(e.time).toBeCloseTo(0.1 + 1 / 60, 12);
      e.dispose();
    });
  });

  describe("unknown body ids", () => {
    for (const c of bodyCases) it(`rejects ${c.name}`, () => {
      const e = new Engine();
      e.spawnInertialObject("unit_cube", [0, 0, 5]);
      expectRejected(e, c);
      e.dispose();
    });

    it("removing a body twice is rejected the second time", () => {
      const e = new Engine();
      const id = e.spawnInertialObject("unit_cube", [0, 0, 5]).instanceId;
      e.removeBody(id);
      expectRejected(e, { name: "second removeBody", run: (x) => x.removeBody(id), message: /body/i });
      expect(() => e.getBodyState(id)).toThrow(/body/i);
      e.dispose();
    });
  });

  describe("non-finite impulses and velocities", () => {
    const cases: Case[] = [];
    for (const b of BAD) {
      cases.push({ name: `applyImpulse impulse = [${b}, 0, 0]`, run: (e, id) => e.applyImpulse(id, [b, 0, 0]), message: /impulse/i });
      cases.push({ name: `applyImpulse point = [0, ${b}, 0]`, run: (e, id) => e.applyImpulse(id, [1, 0, 0], [0, b, 0]), message: /point/i });
      cases.push({ name: `setVelocity velocity = [0, 0, ${b}]`, run: (e, id) => e.setVelocity(id, [0, 0, b]), message: /velocity/i });
      cases.push({ name: `setVelocity angularVelocity = [${b}, 0, 0]`, run: (e, id) => e.setVelocity(id, [0, 0, 0], [b, 0, 0]), message: /angular/i });
    }
    cases.push({ name: "applyImpulse impulse of length 2", run: (e, id) => e.applyImpulse(id, [1, 0]), message: /impulse/i });
    cases.push({ name: "setVelocity velocity of length 4", run: (e, id) => e.setVelocity(id, [1, 0, 0, 0]), message: /velocity/i });
    for (const c of cases) it(`rejects ${c.name}`, () => {
      const e = new Engine();
      const id = e.spawnInertialObject("unit_cube", [0, 0, 5]).instanceId;
      const before = e.getBodyState(id);
      // Check the velocity right after the rejected call, before the still-works step.
      let after = before;
      expectRejected(e, {
        ...c,
        run: (x, i) => {
          try {
            return c.run(x, i);
          } finally {
            after = x.getBodyState(id);
          }
        },
      }, id);
      // The rejected call did not touch the body's velocity.
      expect(after.velocity).toEqual(before.velocity);
      expect(after.angular_velocity).toEqual(before.angular_velocity);
      e.dispose();
    });
  });

  describe("step", () => {
    for (const dt of [NaN, Infinity, -1 / 60]) {
      it(`rejects step(${dt})`, () => {
        const e = new Engine();
        expectRejected(e, { name: `step(${dt})`, run: (x) => x.step(dt), message: /dt|step|time/i });
        e.dispose();
      });
    }
  });

  describe("engine options", () => {
    const cases: [string, EngineOptions][] = [];
    for (const b of BAD) {
      cases.push([`gravity z = ${b}`, { gravity: [0, 0, b] }]);
      cases.push([`gravity x = ${b}`, { gravity: [b, 0, -9.81] }]);
    }
    cases.push(["gravity of length 2", { gravity: [0, -9.81] }]);
    for (const [name, opts] of cases) {
      it(`rejects ${name}`, () => {
        let err: unknown;
        try {
          new Engine(opts).dispose();
        } catch (x) {
          err = x;
        }
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).message).toMatch(/gravity/i);
        // Constructing a valid engine afterwards works.
        const e = new Engine({ gravity: [0, 0, -9.81] });
        expectStillWorks(e);
        e.dispose();
      });
    }
  });

  describe("addConvexAsset", () => {
    for (const c of hullCases) it(`rejects a degenerate hull: ${c.name}`, () => {
      const e = new Engine();
      const assetsBefore = e.listAssets().length;
      expectRejected(e, c);
      expect(e.listAssets().length).toBe(assetsBefore); // nothing registered
      e.dispose();
    });

    it("rejects non-finite points", () => {
      const e = new Engine();
      expectRejected(e, {
        name: "NaN point",
        run: (x) => x.addConvexAsset("hnan", [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, NaN]]),
        message: /point|vert|finite|nan/i,
      });
      e.dispose();
    });

    it("accepts a valid tetrahedron after the failures", () => {
      const e = new Engine();
      for (const c of hullCases) expect(() => c.run(e, -1)).toThrow(DEGENERATE);
      const r = e.addConvexAsset("tet", [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]);
      expect(r.name).toBe("tet");
      expect(Number.isInteger(r.assetId)).toBe(true);
      // The spawn position places the asset's own origin; the reported position is the centre of
      // mass (here the tetrahedron's centroid, (0.25, 0.25, 0.25) from its origin), so compare
      // with the reported starting height.
      const id = e.spawnInertialObject("tet", [0, 0, 5], [0, 0, 0], { mass: 1 }).instanceId;
      const z0 = e.getBodyState(id).position.z;
      e.step();
      expect(e.getBodyState(id).position.z).toBeLessThan(z0);
      e.dispose();
    });
  });

  describe("use after dispose", () => {
    it("every call throws an Error mentioning 'disposed'", () => {
      const e = new Engine();
      const id = e.spawnInertialObject("unit_cube", [0, 0, 5]).instanceId;
      e.dispose();
      const calls: [string, () => unknown][] = [
        ["step", () => e.step()],
        ["update", () => e.update(100)],
        ["spawnInertialObject", () => e.spawnInertialObject("unit_cube", [0, 0, 5])],
        ["spawnEnvironmentObject", () => e.spawnEnvironmentObject("unit_cube", [0, 0, 0])],
        ["getFrameState", () => e.getFrameState()],
        ["getBodyState", () => e.getBodyState(id)],
        ["stateArray", () => e.stateArray()],
        ["getEnergy", () => e.getEnergy()],
        ["getContacts", () => e.getContacts()],
        ["listAssets", () => e.listAssets()],
        ["snapshot", () => e.snapshot()],
        ["applyImpulse", () => e.applyImpulse(id, [1, 0, 0])],
        ["setVelocity", () => e.setVelocity(id, [1, 0, 0])],
        ["removeBody", () => e.removeBody(id)],
        ["simulate", () => e.simulate({ duration: 0.1 })],
      ];
      for (const [name, call] of calls) expect(call, name).toThrow(/disposed/i);
      // Other engines are unaffected.
      const other = new Engine();
      expectStillWorks(other);
      other.dispose();
    });
  });

  it("a single engine survives the whole gauntlet of rejected calls and keeps simulating", () => {
    const e = new Engine();
    const all = [...inertialCases, ...envCases, ...bodyCases, ...hullCases];
    for (const c of all) {
      const before = e.bodies().length;
      expect(() => c.run(e, -1), c.name).toThrow(c.message);
      expect(e.bodies().length, c.name).toBe(before);
    }
    expectStillWorks(e);
    e.update(1000);
    const a = e.stateArray();
    for (let i = 0; i < a.length; i++) expect(Number.isFinite(a[i])).toBe(true);
    e.dispose();
  });
});
