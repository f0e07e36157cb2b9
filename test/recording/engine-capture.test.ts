// The engine calls a recording captures with: per-body energies in one call, friction per contact
// (the solver's own tangent basis, combined μ and forces), writing into caller buffers, the step
// length, and the revision counter that marks frames in which nothing changed.
import { describe, expect, it } from "vitest";
import { Engine, FRAME_INFO_LENGTH, FRICTION_STRIDE, FrameInfoSlot, STATE_STRIDE } from "../../src/engine";

const CONTACT_HEADER = 6;
const CONTACT_POINT = 5;

function pile(): Engine {
  const engine = new Engine();
  engine.spawnEnvironmentObject("plane", [0, 0, 0], [0, 0, 0], { friction: 0.8 });
  for (let i = 0; i < 12; i++) {
    engine.spawnInertialObject(i % 4 === 0 ? "small_sphere" : "unit_cube", [(i % 3) * 1.1, Math.floor(i / 3) * 1.1, 0.6 + (i % 2)], [0.2 * i, 0.1, 0], {
      mass: 1 + i,
      friction: 0.1 * (i + 1),
    });
  }
  return engine;
}

describe("engine arrays for recordings", () => {
  it("bodyEnergiesArray: every body's getEnergy in stateArray order in one call (environment zeros)", () => {
    const engine = pile();
    engine.setVelocity(3, [1, 2, 0], [0.5, -1, 2]);
    for (let k = 0; k < 30; k++) engine.step();
    const states = engine.stateArray();
    const energies = engine.bodyEnergiesArray();
    expect(energies.length).toBe((states.length / STATE_STRIDE) * 3);
    for (let i = 0; i < states.length / STATE_STRIDE; i++) {
      const e = engine.getEnergy(states[i * STATE_STRIDE]);
      expect(Array.from(energies.subarray(3 * i, 3 * i + 3))).toEqual([e.linear, e.rotational, e.potential]);
    }
    engine.dispose();
  });

  it("frictionArray: one record per contact of contactsArray, the pair's combined μ, an orthonormal tangent basis, the patch's normal impulse", () => {
    const engine = pile();
    for (let k = 0; k < 40; k++) engine.step();
    const contacts = engine.contactsArray();
    const friction = engine.frictionArray();
    const materials = new Map(engine.bodies().map((b) => [b.instanceId, b.friction]));
    let n = 0;
    for (let i = 0; i < contacts.length; n++) {
      const f = friction.subarray(n * FRICTION_STRIDE, (n + 1) * FRICTION_STRIDE);
      expect(f[0]).toBe(Math.sqrt(materials.get(contacts[i])! * materials.get(contacts[i + 1])!));
      const normal = [contacts[i + 2], contacts[i + 3], contacts[i + 4]];
      const t1 = [f[1], f[2], f[3]], t2 = [f[4], f[5], f[6]];
      expect(Math.hypot(...t1)).toBeCloseTo(1, 12);
      expect(Math.hypot(...t2)).toBeCloseTo(1, 12);
      expect(dot(t1, normal)).toBeCloseTo(0, 12);
      expect(dot(t2, normal)).toBeCloseTo(0, 12);
      expect(dot(t1, t2)).toBeCloseTo(0, 12);
      // The patch's normal impulse covers its touching points (and any speculative ones).
      let touching = 0;
      for (let p = 0; p < contacts[i + 5]; p++) touching += contacts[i + CONTACT_HEADER + p * CONTACT_POINT + 4];
      expect(f[9]).toBeGreaterThanOrEqual(touching * (1 - 1e-12));
      i += CONTACT_HEADER + CONTACT_POINT * contacts[i + 5];
    }
    expect(n).toBeGreaterThan(5);
    expect(friction.length).toBe(n * FRICTION_STRIDE);
    engine.dispose();
  });

  it("a block sliding on the ground: friction μ·m·g against the motion, normal force m·g", () => {
    const mu = 0.4, m = 2, g = 9.81;
    const engine = new Engine();
    engine.spawnEnvironmentObject("plane", [0, 0, 0], [0, 0, 0], { friction: mu });
    const block = engine.spawnInertialObject("unit_cube", [0, 0, 0.5], [0, 0, 0], { mass: m, friction: mu, velocity: [3, 1, 0], restitution: 0 }).instanceId;
    for (let k = 0; k < 10; k++) engine.step();
    const v = engine.getBodyState(block).velocity;
    expect(Math.hypot(v.x, v.y)).toBeGreaterThan(1); // still sliding
    const contacts = engine.contactsArray();
    const friction = engine.frictionArray();
    expect(contacts[0]).toBe(block); // A is the block, B the ground
    let normalImpulse = 0;
    for (let p = 0; p < contacts[5]; p++) normalImpulse += contacts[CONTACT_HEADER + p * CONTACT_POINT + 4];
    expect(normalImpulse / engine.lastStepDt).toBeCloseTo(m * g, 1);
    // The force on B (the ground) is along the block's motion; the block gets the opposite.
    const force = [0, 1, 2].map((axis) => friction[7] * friction[1 + axis] + friction[8] * friction[4 + axis]);
    const speed = Math.hypot(v.x, v.y);
    expect(Math.hypot(...force)).toBeCloseTo(mu * m * g, 1); // combined μ = √(μ·μ) = μ
    expect(dot(force, [v.x / speed, v.y / speed, 0])).toBeCloseTo(mu * m * g, 1);
    engine.dispose();
  });

  it("out buffers: a view of the caller's buffer when it has room, else a new array with the same values", () => {
    const engine = pile();
    for (let k = 0; k < 40; k++) engine.step();
    const buffer = new Float64Array(100_000);
    for (const [name, fresh, into] of [
      ["contactsArray", () => engine.contactsArray(), (out: Float64Array) => engine.contactsArray(out)],
      ["frictionArray", () => engine.frictionArray(), (out: Float64Array) => engine.frictionArray(out)],
      ["bodyEnergiesArray", () => engine.bodyEnergiesArray(), (out: Float64Array) => engine.bodyEnergiesArray(out)],
    ] as const) {
      const expected = fresh();
      expect(expected.length, name).toBeGreaterThan(0);
      const view = into(buffer.subarray(7));
      expect(view.buffer, name).toBe(buffer.buffer);
      expect(view.byteOffset, name).toBe(7 * 8);
      expect(view, name).toEqual(expected);
      const small = new Float64Array(expected.length - 1);
      const copy = into(small);
      expect(copy.buffer, name).not.toBe(small.buffer);
      expect(copy, name).toEqual(expected);
    }
    const states = new Float64Array(engine.bodies().length * STATE_STRIDE);
    expect(engine.stateArray(states)).toBe(states);
    expect(states).toEqual(engine.stateArray());
    engine.dispose();
  });

  it("frameInfo and packFrame: the clock, revision and solver stats, and every array back to back, in one call each", () => {
    const engine = pile();
    for (let k = 0; k < 40; k++) engine.step();
    const info = new Float64Array(FRAME_INFO_LENGTH);
    expect(engine.frameInfo(info)).toBe(info);
    const stats = engine.getSolverStats();
    expect(info[FrameInfoSlot.time]).toBe(engine.time);
    expect(info[FrameInfoSlot.stepDt]).toBe(engine.lastStepDt);
    expect(info[FrameInfoSlot.stateRevision]).toBe(engine.stateRevision);
    expect([3, 4, 5, 6, 7].map((i) => info[i])).toEqual([stats.iterations, stats.residual, stats.converged ? 1 : 0, stats.numConstraints, stats.numContacts]);
    const sections = [engine.stateArray(), engine.contactsArray(), engine.frictionArray(), engine.bodyEnergiesArray()];
    const whole = sections.reduce((n, a) => n + a.length, 0);
    const expected = new Float64Array(whole);
    let at = 0;
    for (const a of sections) {
      expected.set(a, at);
      at += a.length;
    }
    // Into a view of a bigger (shared, as a recorder's ring is) buffer: exactly the four arrays.
    const ring = new Float64Array(new SharedArrayBuffer(8 * (whole + 20)));
    const out = ring.subarray(5);
    const lengths = new Float64Array(FRAME_INFO_LENGTH);
    expect(engine.packFrame(out, lengths)).toBe(true);
    expect(Array.from(lengths.subarray(8))).toEqual(sections.map((a) => a.length));
    expect(lengths.subarray(0, 8)).toEqual(info.subarray(0, 8));
    expect(out.subarray(0, whole)).toEqual(expected);
    expect(ring[4]).toBe(0); // nothing before the view is touched
    expect(out[whole]).toBe(0); // nor past the frame
    // Too short: false, and the lengths still say what the whole needs.
    const short = new Float64Array(whole - 1);
    lengths.fill(0);
    expect(engine.packFrame(short, lengths)).toBe(false);
    expect(Array.from(lengths.subarray(8))).toEqual(sections.map((a) => a.length));
    expect(() => engine.packFrame(out, new Float64Array(4))).toThrow(/info must have at least 12 elements/);
    expect(() => engine.frameInfo(new Float32Array(12) as unknown as Float64Array)).toThrow(/info must be a Float64Array/);
    engine.dispose();
  });

  it("lastStepDt, gravity and substeps", () => {
    const engine = new Engine({ gravity: [0, 1, -3], substeps: 6, maxStep: 0.01 });
    expect(engine.lastStepDt).toBe(0);
    expect(engine.gravity).toEqual([0, 1, -3]);
    expect(engine.substeps).toBe(6);
    engine.update(25); // split into 3 equal steps
    expect(engine.lastStepDt).toBeCloseTo(0.025 / 3, 15);
    engine.step(0.004);
    expect(engine.lastStepDt).toBe(0.004);
    engine.dispose();
  });

  it("stateRevision: unchanged over steps in which everything sleeps, changed by anything that moves or edits", () => {
    const engine = new Engine();
    engine.spawnEnvironmentObject("plane", [0, 0, 0]);
    for (let i = 0; i < 6; i++) engine.spawnInertialObject("unit_cube", [i * 1.2, 0, 0.6 + (i % 2) * 0.5], [0.1 * i, 0, 0], { mass: 1, restitution: 0 });
    const revisions: number[] = [];
    let asleepSince = -1;
    for (let k = 0; k < 600; k++) {
      engine.step();
      revisions.push(engine.stateRevision);
      const state = engine.stateArray();
      let moving = false;
      for (let i = 0; i < state.length; i += STATE_STRIDE) for (let j = 8; j < 14; j++) moving ||= state[i + j] !== 0;
      if (!moving && asleepSince < 0) asleepSince = k;
      if (moving) asleepSince = -1;
    }
    expect(asleepSince).toBeGreaterThan(0);
    expect(asleepSince).toBeLessThan(560);
    // Moving: a new revision every step; asleep (from the step after the one that put it to sleep): none.
    expect(new Set(revisions.slice(0, 20)).size).toBe(20);
    expect(new Set(revisions.slice(asleepSince + 1)).size).toBe(1);
    const before = { states: engine.stateArray(), contacts: engine.contactsArray(), friction: engine.frictionArray(), energies: engine.bodyEnergiesArray() };
    let r = engine.stateRevision;
    engine.step();
    expect(engine.stateRevision).toBe(r);
    expect({ states: engine.stateArray(), contacts: engine.contactsArray(), friction: engine.frictionArray(), energies: engine.bodyEnergiesArray() }).toEqual(before);
    engine.step(0.01); // another step length: friction forces are per second of it
    expect(engine.stateRevision).not.toBe(r);
    engine.step(0.01);
    for (const edit of [
      () => engine.setVelocity(2, [0, 0, 1]),
      () => engine.applyImpulse(3, [0, 0, 1]),
      () => engine.spawnInertialObject("unit_cube", [5, 5, 5]),
      () => engine.removeBody(4),
      () => engine.restore(engine.snapshot()),
    ]) {
      r = engine.stateRevision;
      edit();
      expect(engine.stateRevision).not.toBe(r);
    }
    engine.dispose();
  });
});

function dot(a: readonly number[], b: readonly number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
