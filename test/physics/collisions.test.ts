import { describe, it, expect } from "vitest";
import { Engine } from "../../src/engine";
import { norm, omega, pos, vel } from "../helpers/scenes";

// Head-on, face-on elastic collision of two cubes along x, gravity off, e = 1, μ = 0 (pair values
// √(1·1) = 1 and √(0·0) = 0). 1D elastic collision of masses m1 (speed u) and m2 (at rest):
//   v1' = (m1 − m2)/(m1 + m2) · u,   v2' = 2 m1/(m1 + m2) · u.
// Equal masses: the velocities swap (v1' = 0, v2' = u). 10 : 1 with u = 1 m/s: v1' = 9/11,
// v2' = 20/11. Momentum m1 v1 + m2 v2 is conserved exactly (equal and opposite impulses, no
// external force): 1e-9 relative. Kinetic energy is conserved for e = 1 (± 1 %).

function collide(m1: number, m2: number, u: number) {
  const engine = new Engine({ gravity: [0, 0, 0] });
  const mat = { restitution: 1, friction: 0 };
  // Faces 0.5 m apart: contact at t = 0.5/u; run until well separated (1.5 s after contact).
  const a = engine.spawnInertialObject("unit_cube", [0, 0, 0], [0, 0, 0], { ...mat, mass: m1, velocity: [u, 0, 0] }).instanceId;
  const b = engine.spawnInertialObject("unit_cube", [1.5, 0, 0], [0, 0, 0], { ...mat, mass: m2 }).instanceId;
  const P0 = m1 * u;
  const KE0 = 0.5 * m1 * u * u;
  let maxPErr = 0;
  let maxPyz = 0;
  const steps = Math.ceil((0.5 / u + 1.5) * 60);
  for (let i = 0; i < steps; i++) {
    engine.step();
    const va = vel(engine.getBodyState(a));
    const vb = vel(engine.getBodyState(b));
    maxPErr = Math.max(maxPErr, Math.abs(m1 * va[0] + m2 * vb[0] - P0) / P0);
    maxPyz = Math.max(maxPyz, Math.abs(m1 * va[1] + m2 * vb[1]), Math.abs(m1 * va[2] + m2 * vb[2]));
  }
  const sa = engine.getBodyState(a);
  const sb = engine.getBodyState(b);
  const result = {
    va: vel(sa),
    vb: vel(sb),
    gap: pos(sb)[0] - pos(sa)[0] - 1, // face-to-face distance
    KE: 0.5 * m1 * norm(vel(sa)) ** 2 + 0.5 * m2 * norm(vel(sb)) ** 2,
    KE0,
    maxPErr,
    maxPyz,
    maxW: Math.max(norm(omega(sa)), norm(omega(sb))),
    energyKE: engine.getEnergy().linear + engine.getEnergy().rotational,
  };
  engine.dispose();
  return result;
}

describe("collisions", () => {
  it("equal masses, e = 1: velocities swap (vA ≈ 0, vB ≈ 2 ± 1 %), KE conserved ± 1 %", () => {
    const u = 2;
    const r = collide(1, 1, u);
    expect(r.gap, "the cubes did not separate").toBeGreaterThan(0.5);
    expect(Math.abs(r.va[0]), `vA = ${r.va}`).toBeLessThan(0.01 * u);
    expect(Math.abs(r.vb[0] - u), `vB = ${r.vb}`).toBeLessThan(0.01 * u);
    expect(Math.abs(r.KE - r.KE0) / r.KE0).toBeLessThan(0.01);
    expect(Math.abs(r.energyKE - r.KE0) / r.KE0).toBeLessThan(0.01);
    expect(r.maxPErr).toBeLessThan(1e-9);
    expect(r.maxPyz).toBeLessThan(1e-9);
    expect(r.maxW).toBeLessThan(1e-3); // face-on, centred: no spin
  });

  it("masses 10 : 1 (u = 1 m/s): vA' = 9/11, vB' = 20/11 ± 2 %, momentum conserved to 1e-9", () => {
    const u = 1;
    const r = collide(10, 1, u);
    expect(r.gap, "the cubes did not separate").toBeGreaterThan(0.5);
    expect(Math.abs(r.va[0] - 9 / 11) / (9 / 11), `vA = ${r.va}`).toBeLessThan(0.02);
    expect(Math.abs(r.vb[0] - 20 / 11) / (20 / 11), `vB = ${r.vb}`).toBeLessThan(0.02);
    expect(Math.abs(r.KE - r.KE0) / r.KE0).toBeLessThan(0.01);
    expect(r.maxPErr).toBeLessThan(1e-9);
    expect(r.maxPyz).toBeLessThan(1e-9);
    expect(r.maxW).toBeLessThan(1e-3);
  });
});
