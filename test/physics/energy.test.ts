import { describe, it, expect } from "vitest";
import { Engine } from "../../src/engine";
import { G, addGround } from "../helpers/scenes";

// Energy bookkeeping (getEnergy): linear = Σ ½ m v², rotational = Σ ½ ωᵀ I ω,
// potential = Σ −m g·x (zero at the origin; with g = (0, 0, −9.81) this is m g z),
// total = linear + rotational + potential. In free fall (no contacts) total is conserved:
// ½ m (g t)² + m g (z0 − ½ g t²) = m g z0.

describe("energy", () => {
  it("free fall conserves total energy within 1e-6 relative over 1 s", () => {
    const m = 2;
    const z0 = 10;
    const engine = new Engine();
    const id = engine.spawnInertialObject("unit_cube", [0, 0, z0], [0, 0, 0], { mass: m }).instanceId;
    const E0 = engine.getEnergy().total;
    expect(Math.abs(E0 - m * G * z0) / (m * G * z0)).toBeLessThan(1e-9);
    let maxRel = 0;
    for (let i = 0; i < 60; i++) {
      engine.step();
      const E = engine.getEnergy();
      maxRel = Math.max(maxRel, Math.abs(E.total - E0) / Math.abs(E0));
      // The per-body report equals the system report when there is one body.
      const Eb = engine.getEnergy(id);
      expect(Math.abs(Eb.total - E.total)).toBeLessThanOrEqual(1e-12 * Math.abs(E0));
    }
    expect(maxRel).toBeLessThan(1e-6);
    // And the split at t = 1 s matches the analytic state: KE = ½ m (g t)².
    const E = engine.getEnergy();
    expect(Math.abs(E.linear - 0.5 * m * G * G) / (0.5 * m * G * G)).toBeLessThan(1e-4);
    expect(E.rotational).toBe(0);
    engine.dispose();
  });

  it("the report adds up and matches the body state: total = linear + rotational + potential", () => {
    const engine = new Engine();
    addGround(engine);
    // A spinning, moving cube: ½ m v² and ½ I ω² with I = m s²/6 about any axis (cube, side s = 1).
    const m = 3;
    const v = [1, -2, 0.5];
    const w = [0.3, 2, -1];
    const a = engine.spawnInertialObject("unit_cube", [1, 2, 4], [0.2, 0.1, 0.3], { mass: m, velocity: v, angularVelocity: w }).instanceId;
    const b = engine.spawnInertialObject("small_sphere", [-3, 0, 2], [0, 0, 0], { mass: 0.5, velocity: [0, 0, -1] }).instanceId;

    const check = () => {
      const tot = engine.getEnergy();
      const ea = engine.getEnergy(a);
      const eb = engine.getEnergy(b);
      for (const e of [tot, ea, eb]) {
        expect(Math.abs(e.total - (e.linear + e.rotational + e.potential))).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(e.total)));
      }
      // The system report is the sum over bodies (the static ground contributes nothing).
      expect(tot.linear).toBeCloseTo(ea.linear + eb.linear, 10);
      expect(tot.rotational).toBeCloseTo(ea.rotational + eb.rotational, 10);
      expect(tot.potential).toBeCloseTo(ea.potential + eb.potential, 10);
      // Each body's numbers against its own state.
      for (const [id, mass] of [
        [a, m],
        [b, 0.5],
      ] as const) {
        const s = engine.getBodyState(id);
        const e = engine.getEnergy(id);
        const v2 = s.velocity.x ** 2 + s.velocity.y ** 2 + s.velocity.z ** 2;
        expect(e.linear).toBeCloseTo(0.5 * mass * v2, 10);
        expect(e.potential).toBeCloseTo(mass * G * s.position.z, 10);
      }
      const sa = engine.getBodyState(a);
      const w2 = sa.angular_velocity.x ** 2 + sa.angular_velocity.y ** 2 + sa.angular_velocity.z ** 2;
      expect(ea.rotational).toBeCloseTo(0.5 * (m / 6) * w2, 10);
    };

    check();
    // At t = 0 the numbers are exactly the inputs.
    const e0 = engine.getEnergy(a);
    expect(e0.linear).toBeCloseTo(0.5 * m * (1 + 4 + 0.25), 12);
    expect(e0.rotational).toBeCloseTo(0.5 * (m / 6) * (0.09 + 4 + 1), 12);
    expect(e0.potential).toBeCloseTo(m * G * 4, 12);
    for (let k = 1; k <= 5; k++) {
      engine.update(200 * k);
      check();
    }
    engine.dispose();
  });
});
