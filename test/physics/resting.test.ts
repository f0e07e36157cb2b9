import { describe, it, expect } from "vitest";
import { Engine } from "../../src/engine";
import { addGround, firstDiff, pos, quat, stateBytes, vel, omega } from "../helpers/scenes";

// A unit cube (side 1) resting face-down on the ground (plane top at z = 0) has its centre of
// mass at z = 1/2. Dropped from z = 1 (0.5 m fall, default materials) it must settle there
// (± 5 mm) and fall asleep within 3 s: a sleeping body has velocity exactly 0 and its state does
// not change at all (bit-identical) over further steps.

describe("resting contact and sleep", () => {
  it("a unit cube dropped on the plane settles at z = 0.5 ± 0.005 and is asleep by t = 3 s", () => {
    const engine = new Engine();
    addGround(engine);
    const id = engine.spawnInertialObject("unit_cube", [0, 0, 1], [0, 0, 0], { mass: 1 }).instanceId;

    engine.update(3000);
    const s = engine.getBodyState(id);
    expect(Math.abs(pos(s)[2] - 0.5)).toBeLessThan(0.005);
    // Still face-down: orientation within ~0.6° of identity (|qx|, |qy| < 0.005).
    const q = quat(s);
    expect(Math.abs(q[1])).toBeLessThan(0.005);
    expect(Math.abs(q[2])).toBeLessThan(0.005);
    // Asleep: velocities exactly zero.
    expect(vel(s).map(Math.abs)).toEqual([0, 0, 0]); // abs: −0 counts as 0
    expect(omega(s).map(Math.abs)).toEqual([0, 0, 0]);

    // Bit-identical over a few further single steps ...
    const before = stateBytes(engine);
    for (let i = 0; i < 5; i++) {
      engine.step();
      expect(firstDiff(before, stateBytes(engine))).toBeUndefined();
    }
    // ... and over another 2 s.
    engine.update(5000);
    expect(engine.time).toBeCloseTo(5, 9);
    expect(firstDiff(before, stateBytes(engine))).toBeUndefined();
    const s2 = engine.getBodyState(id);
    expect(pos(s2)).toEqual(pos(s));
    engine.dispose();
  });
});
