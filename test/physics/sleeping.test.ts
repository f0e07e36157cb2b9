import { describe, it, expect } from "vitest";
import { Engine } from "../../src/engine";
import { addGround, buildPyramid, stateById } from "../helpers/scenes";

// Sleeping: a body counts as resting while it moves slower than twice the sleep velocity
// (0.05 m/s at its extremities) and, over the 0.5 s it must rest before sleeping, slower than the
// sleep velocity on average (its net motion). An island sleeps when all of its bodies have rested
// for 0.5 s; a sleeping body's velocity is exactly zero.

function speedOf(state: Float64Array): number {
  // stateArray rows: id, position (3), orientation (4), velocity (3), angular velocity (3).
  return Math.hypot(state[8], state[9], state[10]) + Math.hypot(state[11], state[12], state[13]);
}

describe("sleeping", () => {
  it("a 210-cube brick pyramid comes to rest and sleeps by t = 0.85 s, standing", () => {
    // Spawned exactly resting, it only settles into its soft contacts (a few cm, in ~0.3 s), while
    // solver noise keeps every cube jittering by a few cm/s around its pose; that noise must not
    // keep the pyramid awake once it has settled (0.3 s + the 0.5 s rest, rounded up to steps).
    const engine = new Engine();
    addGround(engine, { friction: 0.5, restitution: 0 });
    const cubes = buildPyramid(engine, 20, 0.01);
    for (let i = 0; i < 51; i++) engine.step();
    const states = stateById(engine);
    const moving = cubes.filter(({ id }) => speedOf(states.get(id)!) !== 0);
    expect(moving.length, `${moving.length} of 210 cubes still awake at t = ${engine.time}`).toBe(0);
    for (const { id, p0 } of cubes) {
      const r = states.get(id)!;
      expect(Math.hypot(r[1] - p0[0], r[2] - p0[1], r[3] - p0[2])).toBeLessThan(0.05);
    }
    engine.dispose();
  });

  it("a cube sliding steadily at 0.07 m/s on a frictionless floor never sleeps; at 0.04 m/s it sleeps after 0.5 s", () => {
    // 0.07 m/s is below twice the sleep velocity at every moment, but its net motion is too fast.
    const engine = new Engine();
    addGround(engine, { friction: 0, restitution: 0 });
    const fast = engine.spawnInertialObject("unit_cube", [0, 0, 0.5], [0, 0, 0], { mass: 1, friction: 0, restitution: 0, velocity: [0.07, 0, 0] }).instanceId;
    const slow = engine.spawnInertialObject("unit_cube", [0, 5, 0.5], [0, 0, 0], { mass: 1, friction: 0, restitution: 0, velocity: [0.04, 0, 0] }).instanceId;
    let slowAsleepAt = NaN;
    for (let i = 1; i <= 180; i++) {
      engine.step();
      if (Number.isNaN(slowAsleepAt) && engine.getBodyState(slow).velocity.x === 0) slowAsleepAt = engine.time;
    }
    const f = engine.getBodyState(fast);
    expect(f.velocity.x).toBeGreaterThan(0.069); // still sliding (a sleeping body has exactly zero)
    expect(f.position.x).toBeCloseTo(0.07 * engine.time, 3);
    expect(slowAsleepAt).toBeGreaterThanOrEqual(0.5 - 1e-9);
    expect(slowAsleepAt).toBeLessThan(0.5 + 3 / 60);
    engine.dispose();
  });
});
