// Unit tests of the live viewer's preset scenes (src/viewer/presets.js) and the scene editor's
// pure validation functions (src/viewer/scene-editor.js). Both are browser ES modules without DOM
// access at import time, so they load in Node as they are.
import { describe, it, expect } from "vitest";
import { Engine } from "../src/engine";
import type { SpawnObject } from "./server/client";
// @ts-expect-error plain browser ES module without type declarations
import * as presets from "../src/viewer/presets.js";
// @ts-expect-error plain browser ES module without type declarations
import * as editor from "../src/viewer/scene-editor.js";

type WireObject = SpawnObject;
interface Preset {
  id: string;
  name: string;
  description: string;
  timestepMs: number;
  durationS: number;
  build: () => WireObject[];
}

const PRESETS = presets.PRESETS as readonly Preset[];
const CATALOGUE = ["unit_cube", "large_cube", "tiny_cube", "floor_slab", "unit_sphere", "small_sphere", "large_sphere", "cube", "pyramid", "plane"];
const build = (id: string): WireObject[] => {
  const preset = presets.getPreset(id) as Preset | undefined;
  expect(preset, `preset ${id}`).toBeDefined();
  return preset!.build();
};
const inertial = (objects: WireObject[]) => objects.filter((o) => o.object_type === "inertial");
const G = 9.81;

/** Spawns a configure list into a fresh engine (what the live server does with it). */
function spawn(objects: WireObject[]) {
  const engine = new Engine();
  const ids = objects.map((o) =>
    o.object_type === "inertial"
      ? engine.spawnInertialObject(o.asset_name, o.position, o.orientation, { mass: o.mass, restitution: o.restitution, friction: o.friction }).instanceId
      : engine.spawnEnvironmentObject(o.asset_name, o.position, o.orientation, { restitution: o.restitution, friction: o.friction }).instanceId,
  );
  return { engine, ids };
}

describe("presets: every preset is a valid configure list", () => {
  it("the catalogue used here is the engine's", () => {
    const engine = new Engine();
    expect(engine.listAssets().map((a) => a.name).sort()).toEqual([...CATALOGUE].sort());
    engine.dispose();
  });

  it("has the required presets with unique ids, names and descriptions", () => {
    const ids = PRESETS.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ["cube-drop", "bouncing-spheres", "tower", "pyramid", "pile", "ramp"]) expect(ids).toContain(id);
    for (const p of PRESETS) {
      expect(p.id).not.toBe(""); // "" is the dropdown's placeholder
      expect(p.name.length).toBeGreaterThan(0);
      expect(p.description.length).toBeGreaterThan(0);
      expect([10, 16, 33]).toContain(p.timestepMs);
      expect(p.durationS).toBeGreaterThan(0);
      expect(p.durationS).toBeLessThanOrEqual(600);
    }
  });

  for (const p of PRESETS) {
    it(`${p.id}: catalogue assets, 3-number vectors, mass > 0, restitution in [0, 1], friction ≥ 0`, () => {
      const objects = p.build();
      expect(objects.length).toBeGreaterThan(0);
      expect(objects.length).toBeLessThanOrEqual(1000);
      expect(inertial(objects).length).toBeGreaterThan(0);
      for (const [i, o] of objects.entries()) {
        const where = `${p.id} objects[${i}]`;
        expect(editor.validateProtocolObject(o, CATALOGUE), where).toEqual([]);
        expect(CATALOGUE, where).toContain(o.asset_name);
        for (const v of [o.position, o.orientation ?? [0, 0, 0]]) {
          expect(v, where).toHaveLength(3);
          for (const x of v) expect(Number.isFinite(x), where).toBe(true);
        }
        expect(["inertial", "environment"], where).toContain(o.object_type);
        if (o.object_type === "inertial") {
          expect(o.mass, where).toBeGreaterThan(0);
        } else {
          expect(o.mass, `${where}: environment bodies carry no mass`).toBeUndefined();
        }
        expect(o.restitution, where).toBeGreaterThanOrEqual(0);
        expect(o.restitution, where).toBeLessThanOrEqual(1);
        expect(o.friction, where).toBeGreaterThanOrEqual(0);
      }
      // The server's JSON encoding must round-trip the list unchanged (no NaN, no undefined fields).
      expect(JSON.parse(JSON.stringify(objects))).toEqual(objects);
    });

    it(`${p.id}: the engine accepts it and no two bodies start interpenetrating`, () => {
      const objects = p.build();
      const { engine } = spawn(objects);
      // Contacts at t = 0 may touch (resting), but nothing may start deeply overlapping.
      engine.step(1 / 60);
      for (const c of engine.getContacts()) for (const pt of c.points) expect(pt.depth, `${p.id}: contact ${c.bodyA}–${c.bodyB}`).toBeLessThan(0.01);
      engine.dispose();
    });
  }

  it("builders return fresh arrays (editing one list does not change the preset)", () => {
    const a = build("cube-drop");
    a[1].position[2] = 99;
    expect(build("cube-drop")[1].position[2]).not.toBe(99);
  });
});

describe("presets: sizes and layouts", () => {
  it("cube drop: one cube above the plane", () => {
    const objects = build("cube-drop");
    expect(objects.map((o) => o.asset_name).sort()).toEqual(["cube", "plane"]);
    const cube = inertial(objects)[0];
    expect(cube.position[2]).toBeGreaterThan(1);
  });

  it("bouncing spheres: three restitutions 0.2 / 0.5 / 0.9 side by side at one height", () => {
    const spheres = inertial(build("bouncing-spheres"));
    expect(spheres.map((s) => s.restitution)).toEqual([0.2, 0.5, 0.9]);
    expect(new Set(spheres.map((s) => s.position[2])).size).toBe(1);
    const xs = spheres.map((s) => s.position[0]);
    expect(new Set(xs).size).toBe(3);
    for (let i = 1; i < xs.length; i++) expect(Math.abs(xs[i] - xs[i - 1])).toBeGreaterThan(1); // r 0.5: no touching
  });

  it("tower: 10 cubes stacked on one column, each resting on the previous", () => {
    const cubes = inertial(build("tower"));
    expect(cubes).toHaveLength(10);
    const zs = cubes.map((c) => c.position[2]).sort((a, b) => a - b);
    expect(zs[0]).toBeCloseTo(0.5, 9); // bottom face on the plane (top at z = 0)
    for (let i = 1; i < zs.length; i++) {
      expect(zs[i] - zs[i - 1]).toBeCloseTo(1, 9); // 1 m cubes, faces touching: neither overlapping nor falling
    }
    for (const c of cubes) expect([c.position[0], c.position[1]]).toEqual([0, 0]);
  });

  it("pyramid: 210 cubes in rows of 20, 19, …, 1 with 1 cm gaps, each row offset by half a cube", () => {
    const cubes = inertial(build("pyramid"));
    expect(cubes).toHaveLength(210);
    const side = 0.5; // tiny_cube
    for (const c of cubes) expect(c.asset_name).toBe("tiny_cube");
    const rows = new Map<number, number[]>();
    for (const c of cubes) {
      const z = Math.round(c.position[2] * 1e6) / 1e6;
      rows.set(z, [...(rows.get(z) ?? []), c.position[0]]);
      expect(c.position[1]).toBe(0); // 2D: all in the x–z plane
    }
    const ordered = [...rows.entries()].sort((a, b) => a[0] - b[0]);
    expect(ordered.map(([, xs]) => xs.length)).toEqual(Array.from({ length: 20 }, (_, i) => 20 - i));
    expect(ordered[0][0]).toBeCloseTo(side / 2, 9); // bottom row rests on the plane
    for (const [r, [z, xs]] of ordered.entries()) {
      xs.sort((a, b) => a - b);
      for (let i = 1; i < xs.length; i++) expect(xs[i] - xs[i - 1]).toBeCloseTo(side + 0.01, 9); // 1 cm gaps
      if (r > 0) {
        const [zBelow, below] = ordered[r - 1];
        expect(z - zBelow).toBeCloseTo(side, 9); // each row rests on the one below
        expect(xs[0] - below[0]).toBeCloseTo((side + 0.01) / 2, 9); // half a cube (and gap) in
      }
    }
  });

  for (const id of ["tower", "pyramid"]) {
    // Soft contacts compress a few cm under the weight of the stack in the first ~0.5 s (see
    // test/physics/stacking.test.ts); after that nothing may move.
    it(`${id}: starts in equilibrium: in the engine no cube moves > 5 cm, and none > 5 mm after 1.5 s`, () => {
      const objects = build(id);
      const { engine, ids } = spawn(objects);
      const dynamic = ids.filter((_, i) => objects[i].object_type === "inertial");
      const positions = () => dynamic.map((b) => engine.getBodyState(b).position);
      const moved = (a: { x: number; y: number; z: number }[], b: { x: number; y: number; z: number }[]) =>
        Math.max(...a.map((p, i) => Math.hypot(p.x - b[i].x, p.y - b[i].y, p.z - b[i].z)));
      const start = positions();
      let worst = 0;
      let settled: ReturnType<typeof positions> = start;
      for (let t = 250; t <= 3000; t += 250) {
        engine.update(t);
        worst = Math.max(worst, moved(positions(), start));
        if (t === 1500) settled = positions();
      }
      expect(worst, `${id}: a cube moved ${worst} m`).toBeLessThan(0.05);
      const late = moved(positions(), settled);
      expect(late, `${id}: a cube moved ${late} m between 1.5 s and 3 s`).toBeLessThan(0.005);
      engine.dispose();
    });
  }

  it("pile: 200 cubes in a grid above the plane, none overlapping", () => {
    const cubes = inertial(build("pile"));
    expect(cubes).toHaveLength(200);
    for (const c of cubes) expect(c.asset_name).toBe("tiny_cube");
    for (const c of cubes) expect(c.position[2]).toBeGreaterThan(1);
    // Two 0.5 m cubes in any orientation cannot touch if their centres are more than twice the
    // circumscribed radius (√3/4 m) apart.
    let minDistance = Infinity;
    for (let i = 0; i < cubes.length; i++)
      for (let j = i + 1; j < cubes.length; j++) {
        const [a, b] = [cubes[i].position, cubes[j].position];
        minDistance = Math.min(minDistance, Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]));
      }
    expect(minDistance).toBeGreaterThan(Math.sqrt(3) / 2);
    expect(new Set(cubes.map((c) => c.orientation!.join())).size).toBe(200); // each tilted its own way
  });

  it("pile: in the engine the cubes tumble into a heap (not 8 neat columns) and come to rest", () => {
    const objects = build("pile");
    const { engine, ids } = spawn(objects);
    const dynamic = ids.filter((_, i) => objects[i].object_type === "inertial");
    engine.update(5000);
    const z = dynamic.map((b) => engine.getBodyState(b).position.z);
    const onFloor = z.filter((v) => v < 0.5).length;
    expect(Math.max(...z), "the heap is lower than the 8-layer grid (4 m)").toBeLessThan(3);
    expect(onFloor, "more than one layer's worth (25) of cubes spread onto the floor").toBeGreaterThan(50);
    const e = engine.getEnergy();
    expect(e.linear + e.rotational, "at rest after 5 s").toBeLessThan(1);
    engine.dispose();
  });
});

describe("presets: the ramp block starts resting on the ramp surface", () => {
  const R = presets.RAMP as { angle: number; friction: number; rampHalf: number; blockHalf: number };
  const objects = build("ramp");
  const ramp = objects.find((o) => o.object_type === "environment" && o.asset_name !== "plane")!;
  const block = inertial(objects)[0];

  // Ry(θ) (pitch about Y): local x̂ → (cos θ, 0, −sin θ), local ẑ → (sin θ, 0, cos θ).
  const t = ramp.orientation![0];
  const n = [Math.sin(t), 0, Math.cos(t)]; // ramp top-face normal
  const d = [Math.cos(t), 0, -Math.sin(t)]; // along the face, downhill (its z < 0)
  const rel = block.position.map((v, i) => v - ramp.position[i]);
  const along = rel[0] * d[0] + rel[2] * d[2];
  const height = rel[0] * n[0] + rel[2] * n[2];

  it("is a 30° large_cube ramp (pitch only) with a tiny_cube on it, μ 0.3 < tan 30°", () => {
    expect(ramp.asset_name).toBe("large_cube");
    expect(t).toBeCloseTo((30 * Math.PI) / 180, 9);
    expect(ramp.orientation!.slice(1)).toEqual([0, 0]);
    expect(block.asset_name).toBe("tiny_cube");
    expect(block.orientation).toEqual(ramp.orientation); // lies flat on the slope
    const mu = Math.sqrt(block.friction! * ramp.friction!); // pair rule: geometric mean
    expect(mu).toBeCloseTo(0.3, 12);
    expect(mu).toBeLessThan(Math.tan(t)); // it slides
  });

  it("the block's bottom face is on the ramp's top face (within 2 mm, not below it)", () => {
    const gap = height - R.rampHalf - R.blockHalf; // block centre above the face minus half its side
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(gap).toBeLessThan(0.002);
    expect(rel[1]).toBe(0);
  });

  it("the block sits entirely on the face, in its upper half (near the top)", () => {
    expect(Math.abs(along) + R.blockHalf).toBeLessThan(R.rampHalf);
    expect(along).toBeLessThan(-0.25); // up-slope of the face centre
  });

  it("the ramp's lower edge meets the floor (z = 0), so the block can slide off onto it", () => {
    const lowerEdge = ramp.position.map((v, i) => v + R.rampHalf * (n[i] + d[i]));
    expect(lowerEdge[2]).toBeCloseTo(0, 6); // positions are rounded to 1 nm
  });

  it("in the engine it slides down with a = g (sin θ − μ cos θ) ± 10 %", () => {
    const { engine, ids } = spawn(objects);
    const id = ids[objects.indexOf(block)];
    const p0 = engine.getBodyState(id).position;
    engine.update(100); // settle into contact
    const s1 = engine.getBodyState(id);
    engine.update(600);
    const s2 = engine.getBodyState(id);
    const speed = (s: typeof s1) => s.velocity.x * d[0] + s.velocity.z * d[2];
    const a = (speed(s2) - speed(s1)) / 0.5;
    const expected = G * (Math.sin(t) - 0.3 * Math.cos(t));
    expect(Math.abs(a - expected) / expected, `a = ${a}, expected ${expected}`).toBeLessThan(0.1);
    // Still on the slope's plane: neither sunk into it nor jumped off it.
    const h = (s2.position.x - ramp.position[0]) * n[0] + (s2.position.z - ramp.position[2]) * n[2];
    expect(Math.abs(h - R.rampHalf - R.blockHalf)).toBeLessThan(0.01);
    expect(s2.position.x).toBeGreaterThan(p0.x); // moved downhill (+x)
    engine.dispose();
  });
});

describe("scene editor: parsing and validation", () => {
  const valid = { asset_name: "cube", object_type: "inertial", x: "0", y: "0", z: "5", pitch: "0", roll: "0", yaw: "0", mass: "10", restitution: "0.8", friction: "0.5" };
  const errorsOf = (patch: Record<string, string>) => editor.validateObject({ ...valid, ...patch }, { assetNames: CATALOGUE }) as Record<string, string>;

  it("parseNumber is strict: no silent defaults, 0 stays 0", () => {
    expect(editor.parseNumber("0")).toBe(0);
    expect(editor.parseNumber(" 2.5 ")).toBe(2.5);
    expect(editor.parseNumber("-1e-3")).toBe(-0.001);
    expect(editor.parseNumber(".5")).toBe(0.5);
    expect(editor.parseNumber(7)).toBe(7);
    for (const bad of ["", " ", "abc", "1,5", "0x10", "1.2.3", "Infinity", "NaN", "5m", "--1"]) expect(editor.parseNumber(bad), bad).toBeNaN();
    expect(editor.parseNumber(NaN)).toBeNaN();
    expect(editor.parseNumber(Infinity)).toBeNaN();
  });

  it("accepts a valid object, including restitution 0 and friction 0", () => {
    expect(errorsOf({})).toEqual({});
    expect(errorsOf({ restitution: "0", friction: "0" })).toEqual({});
    expect(errorsOf({ restitution: "1" })).toEqual({});
    expect(errorsOf({ x: "-3.5", pitch: "45", yaw: "-90" })).toEqual({});
  });

  it("rejects non-numbers with a message naming the field", () => {
    expect(errorsOf({ x: "abc" })).toEqual({ x: "Position x must be a number" });
    expect(errorsOf({ z: "" })).toEqual({ z: "Position z must be a number" });
    expect(errorsOf({ pitch: "ten" })).toEqual({ pitch: "Pitch must be a number" });
    expect(errorsOf({ mass: "heavy" })).toEqual({ mass: "Mass must be a number" });
    expect(errorsOf({ restitution: "" })).toEqual({ restitution: "Restitution must be a number" });
    expect(errorsOf({ friction: "x" })).toEqual({ friction: "Friction must be a number" });
  });

  it("rejects mass ≤ 0, restitution outside [0, 1], negative friction", () => {
    expect(errorsOf({ mass: "0" })).toEqual({ mass: "Mass must be greater than 0 kg" });
    expect(errorsOf({ mass: "-2" })).toEqual({ mass: "Mass must be greater than 0 kg" });
    expect(errorsOf({ restitution: "1.5" })).toEqual({ restitution: "Restitution must be between 0 and 1" });
    expect(errorsOf({ restitution: "-0.1" })).toEqual({ restitution: "Restitution must be between 0 and 1" });
    expect(errorsOf({ friction: "-0.1" })).toEqual({ friction: "Friction must be 0 or more" });
    expect(Object.keys(errorsOf({ mass: "0", restitution: "2", friction: "-1", y: "?" })).sort()).toEqual(["friction", "mass", "restitution", "y"]);
  });

  it("ignores mass for environment objects", () => {
    expect(errorsOf({ object_type: "environment", mass: "" })).toEqual({});
    expect(errorsOf({ object_type: "environment", mass: "-1" })).toEqual({});
    expect(errorsOf({ object_type: "environment", friction: "-1" })).toEqual({ friction: "Friction must be 0 or more" });
  });

  it("requires a known asset and a valid type", () => {
    expect(errorsOf({ asset_name: "" })).toEqual({ asset_name: "Choose an asset" });
    expect(errorsOf({ asset_name: "teapot" })).toEqual({ asset_name: "Unknown asset 'teapot'" });
    expect(errorsOf({ object_type: "kinematic" })).toEqual({ object_type: "Type must be inertial or environment" });
    // Without a known list (assets not loaded yet) any name passes; the server still checks.
    expect(editor.validateObject({ ...valid, asset_name: "teapot" })).toEqual({});
  });

  it("converts degrees in the form to radians on the wire, and back", () => {
    const object = editor.fieldsToObject({ ...valid, pitch: "30", roll: "-45", yaw: "90", restitution: "0", friction: "0" }) as WireObject;
    expect(object.orientation![0]).toBeCloseTo(Math.PI / 6, 12);
    expect(object.orientation![1]).toBeCloseTo(-Math.PI / 4, 12);
    expect(object.orientation![2]).toBeCloseTo(Math.PI / 2, 12);
    expect(object).toMatchObject({ asset_name: "cube", position: [0, 0, 5], object_type: "inertial", mass: 10, restitution: 0, friction: 0 });
    expect(editor.validateProtocolObject(object, CATALOGUE)).toEqual([]);
    const fields = editor.objectToFields(object);
    expect(fields).toMatchObject({ pitch: "30", roll: "-45", yaw: "90", restitution: "0", friction: "0", mass: "10", z: "5" });
    const env = editor.fieldsToObject({ ...valid, object_type: "environment", mass: "" }) as WireObject;
    expect(env.mass).toBeUndefined();
    expect(editor.validateProtocolObject(env, CATALOGUE)).toEqual([]);
  });

  it("validateProtocolObject catches what the server would reject", () => {
    const ok: WireObject = { asset_name: "cube", position: [0, 0, 1], orientation: [0, 0, 0], object_type: "inertial", mass: 1, restitution: 0.5, friction: 0 };
    expect(editor.validateProtocolObject(ok, CATALOGUE)).toEqual([]);
    expect(editor.validateProtocolObject({ ...ok, position: [0, 1] }, CATALOGUE)).toEqual(["position must be 3 finite numbers"]);
    expect(editor.validateProtocolObject({ ...ok, orientation: [0, NaN, 0] }, CATALOGUE)).toEqual(["orientation must be 3 finite numbers"]);
    expect(editor.validateProtocolObject({ ...ok, mass: 0 }, CATALOGUE)).toEqual(["mass must be > 0"]);
    expect(editor.validateProtocolObject({ ...ok, restitution: 1.2 }, CATALOGUE)).toEqual(["restitution must be in [0, 1]"]);
    expect(editor.validateProtocolObject({ ...ok, friction: -1 }, CATALOGUE)).toEqual(["friction must be ≥ 0"]);
    expect(editor.validateProtocolObject({ ...ok, asset_name: "teapot" }, CATALOGUE)).toEqual(["unknown asset 'teapot'"]);
    expect(editor.validateProtocolObject({ ...ok, colour: "red" }, CATALOGUE)).toEqual(["unknown field 'colour'"]);
  });

  it("run settings: duration in (0, 600], a known timestep, at least one object", () => {
    const run = (patch: Record<string, unknown>) => editor.validateRunSettings({ timestepMs: "16", durationS: "10", objectCount: 3, ...patch }) as Record<string, string>;
    expect(run({})).toEqual({});
    expect(run({ durationS: "600" })).toEqual({});
    expect(run({ durationS: "0.5", timestepMs: "33" })).toEqual({});
    expect(run({ durationS: "0" })).toEqual({ duration: "Duration must be more than 0 and at most 600 s" });
    expect(run({ durationS: "-5" })).toEqual({ duration: "Duration must be more than 0 and at most 600 s" });
    expect(run({ durationS: "600.5" })).toEqual({ duration: "Duration must be more than 0 and at most 600 s" });
    expect(run({ durationS: "ten" })).toEqual({ duration: "Duration must be a number" });
    expect(run({ durationS: "" })).toEqual({ duration: "Duration must be a number" });
    expect(run({ objectCount: 0 })).toEqual({ objects: "Add at least one object (or choose a preset)" });
    expect(run({ objectCount: 1001 })).toEqual({ objects: "At most 1000 objects" });
    expect(run({ timestepMs: "0" })).toEqual({ timestep: "Timestep must be between 1 and 1000 ms" });
  });

  it("describes objects for the list (degrees, 0 shown as 0)", () => {
    const d = editor.describeObject({ asset_name: "cube", position: [1, -2, 0.5], orientation: [Math.PI / 6, 0, 0], object_type: "inertial", mass: 2, restitution: 0, friction: 0 });
    expect(d.title).toBe("cube");
    expect(d.detail).toBe("(1, -2, 0.5) m · 30°, 0°, 0° · 2 kg · e 0 · μ 0");
    const e = editor.describeObject({ asset_name: "plane", position: [0, 0, 0], orientation: [0, 0, 0], object_type: "environment", restitution: 0.5, friction: 0.5 });
    expect(e.detail).toBe("(0, 0, 0) m · e 0.5 · μ 0.5");
  });
});
