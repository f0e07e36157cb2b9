import { describe, it, expect } from "vitest";
import { Engine } from "../../src/engine";
import { G, pos, vel, omega, quat } from "../helpers/scenes";

// Free fall from rest, no other bodies (there is no hidden floor):
//   z(t) = z0 − g t² / 2,   vz(t) = −g t,   x, y, orientation unchanged, ω = 0.
// With constant gravity a correct integrator is exact up to rounding (e.g. x += v dt + ½ g dt²),
// so the tolerances are tight: 1e-3 m on z, 1e-6 · (g t) on vz.

const Z0 = 10;
const T = 1;

describe("free fall", () => {
  it("follows z = z0 − g t²/2 and vz = −g t after 1 s (60 steps of 1/60 s)", () => {
    const engine = new Engine();
    const { instanceId } = engine.spawnInertialObject("unit_cube", [1, 2, Z0], [0, 0, 0], { mass: 1 });
    for (let i = 0; i < 60; i++) engine.step(1 / 60);
    expect(engine.time).toBeCloseTo(T, 9);

    const s = engine.getBodyState(instanceId);
    const [x, y, z] = pos(s);
    const [vx, vy, vz] = vel(s);
    expect(Math.abs(z - (Z0 - (G * T * T) / 2))).toBeLessThan(1e-3);
    expect(Math.abs(vz - -G * T)).toBeLessThan(1e-6 * G * T);
    // No horizontal motion, no spin.
    expect(Math.abs(x - 1)).toBeLessThan(1e-12);
    expect(Math.abs(y - 2)).toBeLessThan(1e-12);
    expect(Math.abs(vx) + Math.abs(vy)).toBeLessThan(1e-12);
    expect(Math.hypot(...omega(s))).toBeLessThan(1e-12);
    const q = quat(s);
    expect(Math.abs(Math.abs(q[0]) - 1)).toBeLessThan(1e-12);
    engine.dispose();
  });

  it("is the same through update(1000) and 60 × step() and at every intermediate step", () => {
    const a = new Engine();
    const b = new Engine();
    const ia = a.spawnInertialObject("small_sphere", [0, 0, Z0], [0, 0, 0], { mass: 1 }).instanceId;
    const ib = b.spawnInertialObject("small_sphere", [0, 0, Z0], [0, 0, 0], { mass: 1 }).instanceId;

    // Per-step check of the analytic trajectory on engine b (step k at t = k/60).
    let maxErrZ = 0;
    let maxErrV = 0;
    for (let k = 1; k <= 60; k++) {
      b.step();
      const t = k / 60;
      const s = b.getBodyState(ib);
      maxErrZ = Math.max(maxErrZ, Math.abs(s.position.z - (Z0 - (G * t * t) / 2)));
      maxErrV = Math.max(maxErrV, Math.abs(s.velocity.z + G * t));
    }
    expect(maxErrZ).toBeLessThan(1e-3);
    expect(maxErrV).toBeLessThan(1e-6 * G * T);

    a.update(1000); // absolute time in ms → exactly 1 s, split into 60 equal steps ≤ 1/60
    expect(a.time).toBeCloseTo(1, 12);
    expect(a.getFrameState().simulation_time).toBeCloseTo(1, 12);
    const sa = a.getBodyState(ia);
    const sb = b.getBodyState(ib);
    // Same steps, same maths: equal up to the rounding of the step length (1e-9 m / 1e-9 m/s).
    expect(Math.abs(sa.position.z - sb.position.z)).toBeLessThan(1e-9);
    expect(Math.abs(sa.velocity.z - sb.velocity.z)).toBeLessThan(1e-9);
    expect(Math.abs(sa.position.z - (Z0 - (G * T * T) / 2))).toBeLessThan(1e-3);
    a.dispose();
    b.dispose();
  });
});
