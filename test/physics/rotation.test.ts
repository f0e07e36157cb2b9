import { describe, it, expect } from "vitest";
import { Engine } from "../../src/engine";
import { boxCorners, dot, norm, omega, pos, quat, quatFromEuler, rotate, rotateInv, vel, type V3 } from "../helpers/scenes";

// Torque-free rigid body (gravity off, no contacts): angular momentum L = I_world ω is constant
// (magnitude and direction) and so is the kinetic energy T = ½ ωᵀ I ω.
//
// Box a × b × c = 1 × 2 × 3 m (x, y, z), mass m = 1 kg, principal moments about its centroid:
//   I_xx = m (b² + c²)/12 = 13/12,  I_yy = m (a² + c²)/12 = 10/12,  I_zz = m (a² + b²)/12 = 5/12.
// I_xx > I_yy > I_zz, so y is the intermediate axis. Rotation about the intermediate axis is
// unstable (tennis-racket / Dzhanibekov effect): linearising Euler's equations about ω = ω_y ŷ
// gives perturbations growing like exp(λ t), λ = ω_y √((I_xx − I_yy)(I_yy − I_zz)/(I_xx I_zz))
// = 2 · √(3/13) ≈ 0.96 s⁻¹. From ω = [0.01, 2, 0.01] the body flips (its y-axis reverses) after
// ≈ 7.5 s (reference RK4 integration of Euler's equations), so within 10 s the world direction of
// the body y-axis, R·ŷ, must come to point against its initial direction: dot(R·ŷ, ŷ₀) < −0.9.

const I: V3 = [13 / 12, 10 / 12, 5 / 12];

describe("rotation", () => {
  it("a torque-free 1×2×3 box spun about its intermediate axis flips, conserving |L| (0.5 %) and T (1 %)", { timeout: 30_000 }, () => {
    const engine = new Engine({ gravity: [0, 0, 0] });
    engine.addConvexAsset("box123", boxCorners(1, 2, 3));
    // Identity orientation: body axes = world axes at t = 0, so the world-frame angularVelocity
    // input equals the body-frame ω.
    const id = engine.spawnInertialObject("box123", [0, 0, 0], [0, 0, 0], {
      mass: 1,
      angularVelocity: [0.01, 2, 0.01],
    }).instanceId;

    const measure = () => {
      const s = engine.getBodyState(id);
      const q = quat(s);
      const w = omega(s);
      const wb = rotateInv(q, w); // body-frame ω
      const Lb: V3 = [I[0] * wb[0], I[1] * wb[1], I[2] * wb[2]];
      return {
        q,
        L: rotate(q, Lb), // world-frame L = R I Rᵀ ω
        T: 0.5 * dot(wb, Lb),
        yAxis: rotate(q, [0, 1, 0]),
        s,
      };
    };

    const m0 = measure();
    const L0 = m0.L;
    const T0 = m0.T;
    const y0 = m0.yAxis;
    expect(norm(L0)).toBeCloseTo(Math.hypot(I[0] * 0.01, I[1] * 2, I[2] * 0.01), 9);
    // The engine's inertia must be the analytic one: its rotational energy equals ½ ωᵀ I ω.
    expect(Math.abs(engine.getEnergy(id).rotational - T0) / T0).toBeLessThan(1e-6);

    let minDot = 1;
    let tFlip = NaN;
    let maxLRel = 0;
    let maxLVecRel = 0;
    let maxTRel = 0;
    for (let i = 0; i < 600; i++) {
      engine.step(); // 1/60 s, default substeps
      const m = measure();
      const d = dot(m.yAxis, y0);
      if (d < minDot) minDot = d;
      if (Number.isNaN(tFlip) && d < -0.9) tFlip = engine.time;
      maxLRel = Math.max(maxLRel, Math.abs(norm(m.L) - norm(L0)) / norm(L0));
      maxLVecRel = Math.max(maxLVecRel, norm([m.L[0] - L0[0], m.L[1] - L0[1], m.L[2] - L0[2]]) / norm(L0));
      maxTRel = Math.max(maxTRel, Math.abs(m.T - T0) / T0);
    }
    expect(minDot, "the body y-axis never reversed (no flip)").toBeLessThan(-0.9);
    expect(tFlip).toBeGreaterThan(3); // not an instant flip: the instability has to grow first
    expect(maxLRel, "|L| drift").toBeLessThan(0.005);
    // L is a conserved vector, not just a magnitude: its world direction stays put too (1 %).
    expect(maxLVecRel, "L vector drift").toBeLessThan(0.01);
    expect(maxTRel, "kinetic energy drift").toBeLessThan(0.01);
    // The centre of mass does not move (no force).
    const s = engine.getBodyState(id);
    expect(norm(pos(s))).toBeLessThan(1e-9);
    expect(norm(vel(s))).toBeLessThan(1e-12);
    engine.dispose();
  });

  it("Euler input [pitch, roll, yaw] maps to R = Rz(yaw)·Ry(pitch)·Rx(roll)", () => {
    const engine = new Engine({ gravity: [0, 0, 0] });
    const cases: [number, number, number][] = [
      [0.3, 0, 0],
      [0, 0.4, 0],
      [0, 0, 0.5],
      [0.3, -0.7, 1.1],
      [-1.2, 2.5, -0.4],
    ];
    for (const e of cases) {
      const id = engine.spawnInertialObject("unit_cube", [0, 0, 0], e).instanceId;
      const q = quat(engine.getBodyState(id));
      const qe = quatFromEuler(e[0], e[1], e[2]);
      const sign = Math.sign(dot([q[0], q[1], q[2]], [qe[0], qe[1], qe[2]]) + q[3] * qe[3]) || 1;
      for (let k = 0; k < 4; k++) expect(Math.abs(q[k] - sign * qe[k]), `euler ${e}: q = ${q}, expected ±${qe}`).toBeLessThan(1e-9);
      engine.removeBody(id);
    }
    // Pitch θ about Y turns the body x-axis to (cos θ, 0, −sin θ) (right-handed rotation).
    const id = engine.spawnInertialObject("unit_cube", [0, 0, 0], [0.3, 0, 0]).instanceId;
    const xAxis = rotate(quat(engine.getBodyState(id)), [1, 0, 0]);
    expect(xAxis[0]).toBeCloseTo(Math.cos(0.3), 9);
    expect(xAxis[1]).toBeCloseTo(0, 9);
    expect(xAxis[2]).toBeCloseTo(-Math.sin(0.3), 9);
    engine.dispose();
  });
});
