import { describe, it, expect } from "vitest";
import { Engine } from "../../src/engine";
import { buildRandomScene, firstDiff, stateBytes } from "../helpers/scenes";

// Determinism (DESIGN §3): the same calls on the same build give bit-identical states.
// Scene: a plane and 200 bodies (unit cubes, small spheres, pyramids) with seeded random poses,
// masses, materials and velocities, so there are many contacts. States are compared byte by byte
// through stateArray() (14 doubles per body: id, position, orientation, velocity, ω).

const N = 200;
const SEED = 0x5eed;

function scene(): Engine {
  const engine = new Engine();
  const ids = buildRandomScene(engine, N, SEED);
  expect(ids.length).toBe(N);
  return engine;
}

describe("determinism", () => {
  it("two runs of a 200-body scene for 2 s are bit-identical", { timeout: 60_000 }, () => {
    const a = scene();
    const b = scene();
    expect(firstDiff(stateBytes(a), stateBytes(b))).toBeUndefined();
    // Same call sequence on both: 1 s chunks of update(), compared after each.
    for (const tMs of [1000, 2000]) {
      a.update(tMs);
      b.update(tMs);
      expect(firstDiff(stateBytes(a), stateBytes(b)), `diverged by t = ${tMs} ms`).toBeUndefined();
    }
    // The scene did something (bodies moved and collided), so the comparison means something.
    expect(a.getContacts().length).toBeGreaterThan(0);
    a.dispose();
    b.dispose();
  });

  it("snapshot at 1 s → run 1 s → restore → run 1 s again is bit-identical, also in a fresh engine", { timeout: 60_000 }, () => {
    const engine = scene();
    engine.update(1000);
    const snap = engine.snapshot();
    expect(snap).toBeInstanceOf(Uint8Array);
    expect(snap.length).toBeGreaterThan(0);
    const atSnap = stateBytes(engine);
    const snapCopy = snap.slice(); // restore must not depend on the caller keeping the buffer intact

    engine.update(2000);
    const first = stateBytes(engine);
    expect(firstDiff(atSnap, first)).not.toBeUndefined(); // it moved

    engine.restore(snap);
    expect(engine.time).toBeCloseTo(1, 12);
    expect(firstDiff(atSnap, stateBytes(engine)), "restore did not bring back the state at 1 s").toBeUndefined();
    engine.update(2000);
    expect(firstDiff(first, stateBytes(engine)), "replay after restore diverged").toBeUndefined();

    // Restore into a brand-new engine (no bodies spawned there) and continue.
    const fresh = new Engine();
    fresh.restore(snapCopy);
    expect(fresh.time).toBeCloseTo(1, 12);
    expect(fresh.bodies().length).toBe(engine.bodies().length);
    expect(firstDiff(atSnap, stateBytes(fresh)), "fresh engine restore differs at 1 s").toBeUndefined();
    fresh.update(2000);
    expect(firstDiff(first, stateBytes(fresh)), "fresh engine diverged after restore").toBeUndefined();

    // A run started from the same scene without the snapshot/restore detour agrees too.
    const plain = scene();
    plain.update(1000);
    plain.update(2000);
    expect(firstDiff(first, stateBytes(plain))).toBeUndefined();

    engine.dispose();
    fresh.dispose();
    plain.dispose();
  });
});
