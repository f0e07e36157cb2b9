// Recording files written and read back through the real engine: every column comes back exactly
// as the engine reported it (states, contacts, friction, per-body and system energies, solver
// statistics, step lengths, times), through the writer thread and inline, across frames in which
// everything sleeps (stored once, shared), scene changes, truncation and the helpers' views
// (Trajectory, scene, series).
import Database from "better-sqlite3";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { Engine, STATE_STRIDE } from "../../src/engine";
import { packageVersion } from "../../src/engine/package-root";
import { readRecording, recordToFile, RecordingReader, RecordingWriter } from "../../src/recording";
import { sceneMetadata } from "../../src/server/frames";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "msd-recording-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Expected {
  time: number;
  stepDt: number;
  states: Float64Array;
  contacts: Float64Array;
  friction: Float64Array;
  energies: Float64Array;
  solver: ReturnType<Engine["getSolverStats"]>;
  energy: ReturnType<Engine["getEnergy"]>;
  bodyEnergy: Map<number, ReturnType<Engine["getEnergy"]>>;
}

/** A mixed scene: ground, cubes, a sphere, a pyramid, dropped so that they collide, slide and sleep. */
function mixedScene(): Engine {
  const engine = new Engine();
  engine.spawnEnvironmentObject("plane", [0, 0, 0], [0, 0, 0], { friction: 0.6 });
  engine.spawnEnvironmentObject("unit_cube", [4, 0, 0.5], [0, 0, 0.3]);
  engine.spawnInertialObject("unit_cube", [0, 0, 0.8], [0.2, 0.1, 0], { mass: 2, friction: 0.4, restitution: 0.2 });
  engine.spawnInertialObject("unit_cube", [0.2, 0, 2.1], [0, 0, 0.5], { mass: 1, friction: 0.7 });
  engine.spawnInertialObject("small_sphere", [1.5, 0, 1], [0, 0, 0], { mass: 1, velocity: [0, 0, -1], restitution: 0.5 });
  engine.spawnInertialObject("pyramid", [-1.5, 0.5, 1.2], [0.3, 0.4, 0.1], { mass: 3, angularVelocity: [0, 0, 2] });
  return engine;
}

/** What the engine says now, in the layouts a recording keeps. */
function expectedNow(engine: Engine): Expected {
  const states = engine.stateArray();
  const dynamic = engine.bodies().filter((b) => !b.isEnvironment).length;
  const bodyEnergy = new Map(engine.bodies().map((b) => [b.instanceId, engine.getEnergy(b.instanceId)]));
  return {
    time: engine.time,
    stepDt: engine.lastStepDt,
    states,
    contacts: engine.contactsArray(),
    friction: engine.frictionArray(),
    energies: engine.bodyEnergiesArray().slice(0, dynamic * 3),
    solver: engine.getSolverStats(),
    energy: engine.getEnergy(),
    bodyEnergy,
  };
}

function expectFrame(reader: RecordingReader, frameId: number, e: Expected): void {
  const f = reader.frame(frameId)!;
  expect(f, `frame ${frameId}`).toBeDefined();
  expect(f.frameId).toBe(frameId);
  expect(f.simulationTime).toBe(e.time);
  expect(f.stepDt).toBe(e.stepDt);
  expect(f.states, `states of frame ${frameId}`).toEqual(e.states);
  expect(f.contacts, `contacts of frame ${frameId}`).toEqual(e.contacts);
  expect(f.friction, `friction of frame ${frameId}`).toEqual(e.friction);
  expect(f.energies, `energies of frame ${frameId}`).toEqual(e.energies);
  expect(f.solver).toEqual(e.solver);
  // Summed in the engine's own order: the same doubles, not merely close.
  expect(f.energy).toEqual(e.energy);
}

describe("a recording written and read back", () => {
  // The writer thread with its shared ring; with a ring too small for any data frame (those travel
  // in buffers of their own, header-only frames through the ring); and inline.
  for (const [mode, background, ringCapacity] of [["thread", true, undefined], ["thread-small-ring", true, 40], ["inline", false, undefined]] as const) {
    it(`keeps every column exactly (writer ${mode})`, async () => {
      const engine = mixedScene();
      const file = path.join(tmp, `mixed-${mode}.db`);
      const writer = RecordingWriter.create(engine, file, { simulationId: "sim-test-1", name: "mixed", timestep: 1 / 60, background, ringCapacity });
      const expected: Expected[] = [];
      for (let k = 0; k < 400; k++) {
        if (k > 0) engine.step(1 / 60);
        writer.capture();
        expected.push(expectedNow(engine));
        if (k % 16 === 0) await new Promise((r) => setImmediate(r));
      }
      const summary = await writer.finish();
      expect(summary).toMatchObject({ path: file, simulationId: "sim-test-1", frames: 400 });
      expect(summary.bytes).toBe(fs.statSync(file).size);
      // No temporary file is left next to it.
      expect(fs.readdirSync(tmp).filter((n) => n.includes(`mixed-${mode}`))).toEqual([`mixed-${mode}.db`]);

      const reader = RecordingReader.open(file);
      const m = reader.metadata();
      expect(m).toMatchObject({
        simulationId: "sim-test-1",
        name: "mixed",
        engineVersion: packageVersion(),
        schemaVersion: 1,
        timestepS: 1 / 60,
        gravity: [0, 0, -9.81],
        maxStepS: 1 / 60,
        substeps: 4,
        totalFrames: 400,
        durationS: expected[399].time,
      });
      expect(new Date(m.createdAt).toISOString()).toBe(m.createdAt);
      expect(m.finishedAt).not.toBeNull();
      expect(m.bodies).toEqual(sceneMetadata(engine).bodies);
      expect(reader.assets()).toEqual([...sceneMetadata(engine).assets].sort((a, b) => a.asset_id - b.asset_id));
      expect(reader.frames().map((f) => f.frameId)).toEqual(expected.map((_, k) => k));
      expected.forEach((e, k) => expectFrame(reader, k, e));

      // The scene fell asleep: those frames repeat their data, which is stored once.
      const db = new Database(file, { readonly: true });
      const shared = db.prepare("SELECT COUNT(*) AS n FROM frames WHERE data_frame <> frame_id AND states IS NULL").get() as { n: number };
      db.close();
      expect(shared.n).toBeGreaterThan(50);

      // Series: system energy, per body energy and velocity, for every frame.
      const system = reader.systemEnergy();
      expect(system.map((p) => p.total)).toEqual(expected.map((e) => e.energy.total));
      expect(system[0].delta).toBe(0);
      expect(system[5].delta).toBe(system[5].total - system[4].total);
      for (const body of engine.bodies()) {
        const energy = reader.bodyEnergy(body.instanceId)!;
        expect(energy.map((p) => p.frameId)).toEqual(expected.map((_, k) => k));
        energy.forEach((p, k) => {
          const want = expected[k].bodyEnergy.get(body.instanceId)!;
          expect([p.linear, p.rotational, p.potential], `body ${body.instanceId} frame ${k}`).toEqual([want.linear, want.rotational, want.potential]);
        });
        const velocity = reader.bodyVelocity(body.instanceId)!;
        velocity.forEach((p, k) => {
          const s = expected[k].states;
          const at = indexOf(s, body.instanceId);
          expect([...p.velocity, ...p.angularVelocity]).toEqual(Array.from(s.subarray(at + 8, at + 14)));
        });
      }
      expect(reader.bodyEnergy(999)).toBeUndefined();
      expect(reader.bodyVelocity(999)).toBeUndefined();
      expect(reader.frame(400)).toBeUndefined();
      expect(reader.frame(-1)).toBeUndefined();
      expect(reader.frameRange(398, 10).map((f) => f.frameId)).toEqual([398, 399]);
      reader.close();
      engine.dispose();
    });
  }

  it("follows bodies added and removed while recording (metadata keeps every body)", async () => {
    const engine = mixedScene();
    const file = path.join(tmp, "scene-change.db");
    const writer = RecordingWriter.create(engine, file);
    const expected: Expected[] = [];
    let added = 0;
    for (let k = 0; k < 60; k++) {
      if (k > 0) engine.step(1 / 60);
      if (k === 20) added = engine.spawnInertialObject("tiny_cube", [3, 3, 2], [0, 0, 0], { mass: 0.5 }).instanceId;
      if (k === 40) engine.removeBody(3);
      writer.capture();
      expected.push(expectedNow(engine));
    }
    await writer.finish();
    const reader = RecordingReader.open(file);
    expected.forEach((e, k) => expectFrame(reader, k, e));
    expect(reader.metadata().bodies.map((b) => b.body_id)).toEqual([1, 2, 3, 4, 5, 6, added]);
    expect(reader.assets().map((a) => a.name)).toContain("tiny_cube");
    expect(reader.scenes()).toHaveLength(3);
    // A body's series covers the frames it existed in.
    expect(reader.bodyVelocity(added)!.map((p) => p.frameId)).toEqual(expected.map((_, k) => k).filter((k) => k >= 20));
    expect(reader.bodyVelocity(3)!.map((p) => p.frameId)).toEqual(expected.map((_, k) => k).filter((k) => k < 40));
    // The trajectory reads NaN where a body was not there.
    const t = readRecording(file).trajectory;
    const slot = Array.from(t.bodyIds).indexOf(added);
    expect(Number.isNaN(t.position[(10 * t.bodyIds.length + slot) * 3])).toBe(true);
    expect(t.position[(30 * t.bodyIds.length + slot) * 3]).toBe(expected[30].states[indexOf(expected[30].states, added) + 1]);
    reader.close();
    engine.dispose();
  });

  it("recordToFile: frames every k steps; plot/show read it as a Recording (trajectory and scene)", async () => {
    const engine = mixedScene();
    const reference = new Engine();
    reference.restore(engine.snapshot());
    const file = path.join(tmp, "script", "run.db");
    const summary = await recordToFile(engine, file, { duration: 1, dt: 1 / 120, every: 2, name: "script run" });
    expect(summary.frames).toBe(61);
    const sim = reference.simulate({ duration: 1, dt: 1 / 120, every: 2 });
    const recording = readRecording(file);
    const t = recording.trajectory;
    expect(Array.from(t.bodyIds)).toEqual(Array.from(sim.bodyIds));
    expect(t.frames).toBe(sim.frames);
    // Stepping one step at a time gives the same doubles as simulate() in one native call.
    expect(t.time).toEqual(sim.time);
    expect(t.position).toEqual(sim.position);
    expect(t.orientation).toEqual(sim.orientation);
    expect(t.velocity).toEqual(sim.velocity);
    expect(t.angularVelocity).toEqual(sim.angularVelocity);
    expect(t.potentialEnergy).toEqual(sim.potentialEnergy);
    for (let f = 0; f < t.frames; f++) expect(t.kineticEnergy[f]).toBeCloseTo(sim.kineticEnergy[f], 12);
    expect(recording.scene.bodies).toEqual(sceneMetadata(engine).bodies);
    expect(recording.scene.fixed.map((b) => b.body_id)).toEqual([1, 2]);
    expect(recording.scene.fixed[0]).toEqual({ body_id: 1, position: [0, 0, -0.5], orientation: [1, 0, 0, 0] });
    const reader = RecordingReader.open(file);
    expect(reader.metadata()).toMatchObject({ name: "script run", timestepS: 1 / 60, totalFrames: 61 });
    reader.close();
    engine.dispose();
    reference.dispose();
  });

  it("finish({ frames }) keeps only the first frames; a recording without frames publishes nothing", async () => {
    const engine = mixedScene();
    const file = path.join(tmp, "truncated.db");
    const writer = RecordingWriter.create(engine, file);
    const times: number[] = [];
    for (let k = 0; k < 30; k++) {
      if (k > 0) engine.step(1 / 60);
      writer.capture();
      times.push(engine.time);
    }
    expect((await writer.finish({ frames: 12, timestep: 1 / 60 })).frames).toBe(12);
    const reader = RecordingReader.open(file);
    expect(reader.frames().map((f) => f.simulationTime)).toEqual(times.slice(0, 12));
    expect(reader.metadata()).toMatchObject({ totalFrames: 12, durationS: times[11], timestepS: 1 / 60 });
    reader.close();

    const empty = path.join(tmp, "empty.db");
    const none = RecordingWriter.create(engine, empty);
    none.capture();
    expect((await none.finish({ frames: 0 })).frames).toBe(0);
    expect(fs.existsSync(empty)).toBe(false);
    expect(fs.readdirSync(tmp).some((n) => n.startsWith(".empty.db"))).toBe(false);
    engine.dispose();
  });

  it("never replaces a file unless asked; abort leaves nothing behind", async () => {
    const engine = mixedScene();
    const file = path.join(tmp, "taken.db");
    fs.writeFileSync(file, "someone else's");
    expect(() => RecordingWriter.create(engine, file)).toThrow(/taken\.db": the file already exists \(pass \{ overwrite: true \}/);
    // Taken while recording: publishing fails with the reason, and the temporary file goes.
    const late = path.join(tmp, "late.db");
    const writer = RecordingWriter.create(engine, late);
    writer.capture();
    fs.writeFileSync(late, "appeared meanwhile");
    await expect(writer.finish()).rejects.toThrow(/late\.db" already exists/);
    expect(fs.readFileSync(late, "utf8")).toBe("appeared meanwhile");
    expect(() => writer.capture()).toThrow(/already exists/);

    const replaced = RecordingWriter.create(engine, file, { overwrite: true });
    replaced.capture();
    await replaced.finish();
    expect(RecordingReader.open(file).frameCount).toBe(1);

    const dropped = path.join(tmp, "dropped.db");
    const aborted = RecordingWriter.create(engine, dropped);
    aborted.capture();
    await aborted.abort();
    expect(fs.existsSync(dropped)).toBe(false);
    expect(() => aborted.capture()).toThrow(/is aborted/);
    expect(fs.readdirSync(tmp).filter((n) => n.endsWith(".partial"))).toEqual([]);
    engine.dispose();
  });
});

function indexOf(states: Float64Array, id: number): number {
  for (let k = 0; k < states.length; k += STATE_STRIDE) if (states[k] === id) return k;
  throw new Error(`body ${id} not in states`);
}
