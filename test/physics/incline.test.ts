import { describe, it, expect } from "vitest";
import { Engine } from "../../src/engine";
import { G, add, boxCorners, dot, norm, pos, qmul, quat, rotate, scale, sub, type Q4, type V3 } from "../helpers/scenes";

// A block on an incline of angle θ with friction μ (pair μ = √(0.5·0.5) = 0.5):
//   static if tan θ ≤ μ (tan 20° = 0.364 < 0.5: it must hold still),
//   else it slides with along-slope acceleration a = g (sin θ − μ cos θ)
//   (θ = 35°: a = 9.81 · (0.5736 − 0.5 · 0.8192) = 1.609 m/s², ± 5 %).
// A cube on a slope tips only if tan θ > half-width / half-height = 1, so it slides flat.
//
// The ramp is a 40 × 6 × 1 m box (addConvexAsset, so its body position is its centre) rotated by
// θ about Y (pitch); the unit cube gets the same rotation and is placed with its bottom face 1 mm
// above the ramp's top face. The ramp's normal and downhill direction are taken from the ramp's
// reported orientation (n = q·ẑ, downhill = gravity projected on the surface), so the geometry
// does not depend on the sign convention of pitch (checked separately in rotation.test.ts).

const MU = 0.5;
const RAMP = { lx: 40, ly: 6, lz: 1 };

function rampScene(thetaRad: number, uphillOffset: number) {
  const engine = new Engine();
  engine.addConvexAsset("ramp", boxCorners(RAMP.lx, RAMP.ly, RAMP.lz));
  const rampId = engine.spawnEnvironmentObject("ramp", [0, 0, 0], [thetaRad, 0, 0], { friction: MU, restitution: 0 }).instanceId;
  const rs = engine.getBodyState(rampId);
  const qr = quat(rs);
  const centre = pos(rs);
  const n = rotate(qr, [0, 0, 1]);
  // Sanity: the ramp normal makes angle θ with the vertical.
  expect(Math.abs(Math.acos(n[2]) - thetaRad)).toBeLessThan(1e-9);
  const gVec: V3 = [0, 0, -1];
  const gt = sub(gVec, scale(n, dot(gVec, n)));
  const down = scale(gt, 1 / norm(gt)); // unit downhill direction in the surface
  // Cube centre: ramp half-thickness + cube half-side + 1 mm along n, shifted along the slope.
  const c = add(add(centre, scale(n, RAMP.lz / 2 + 0.5 + 0.001)), scale(down, -uphillOffset));
  const cubeId = engine.spawnInertialObject("unit_cube", c, [thetaRad, 0, 0], {
    mass: 1,
    friction: MU,
    restitution: 0,
  }).instanceId;
  return { engine, cubeId, n, down, qr, centre };
}

/** Rotation angle (rad) between two orientations. */
function relAngle(a: Q4, b: Q4): number {
  const r = qmul([a[0], -a[1], -a[2], -a[3]], b);
  return 2 * Math.acos(Math.min(1, Math.abs(r[0])));
}

/** Least-squares fit u ≈ c0 + c1 t + c2 t²; returns [c0, c1, c2]. */
function fitQuadratic(t: number[], u: number[]): [number, number, number] {
  // Normal equations with t centred for conditioning.
  const tm = t.reduce((a, b) => a + b, 0) / t.length;
  const S = [0, 0, 0, 0, 0];
  const R = [0, 0, 0];
  for (let i = 0; i < t.length; i++) {
    const x = t[i] - tm;
    let p = 1;
    for (let k = 0; k < 5; k++) {
      S[k] += p;
      if (k < 3) R[k] += p * u[i];
      p *= x;
    }
  }
  const A = [
    [S[0], S[1], S[2]],
    [S[1], S[2], S[3]],
    [S[2], S[3], S[4]],
  ];
  // Cramer's rule on the 3×3 system.
  const det3 = (m: number[][]) =>
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  const D = det3(A);
  const col = (k: number) => A.map((row, i) => row.map((v, j) => (j === k ? R[i] : v)));
  const b0 = det3(col(0)) / D;
  const b1 = det3(col(1)) / D;
  const b2 = det3(col(2)) / D;
  // Un-centre: u = b0 + b1 (t − tm) + b2 (t − tm)².
  return [b0 - b1 * tm + b2 * tm * tm, b1 - 2 * b2 * tm, b2];
}

describe("incline", () => {
  it("θ = 20° (tan θ = 0.36 < μ = 0.5): the cube holds; < 1 mm along the slope over 2 s", () => {
    const theta = (20 * Math.PI) / 180;
    const { engine, cubeId, n, down, qr, centre } = rampScene(theta, 0);
    engine.update(500); // settle 0.5 s (1 mm drop onto the ramp)
    const p1 = pos(engine.getBodyState(cubeId));
    engine.update(2500);
    const s2 = engine.getBodyState(cubeId);
    const p2 = pos(s2);
    const along = dot(sub(p2, p1), down);
    expect(Math.abs(along), `moved ${along} m along the slope`).toBeLessThan(1e-3);
    // Still resting on the surface (centre 0.5 m above the ramp's top face, ± 5 mm), not tipped.
    const height = dot(sub(p2, centre), n) - RAMP.lz / 2;
    expect(Math.abs(height - 0.5)).toBeLessThan(0.005);
    expect(relAngle(qr, quat(s2))).toBeLessThan(0.02);
    engine.dispose();
  });

  it("θ = 35° (tan θ = 0.70 > μ): along-slope acceleration = g (sin θ − μ cos θ) ± 5 %", () => {
    const theta = (35 * Math.PI) / 180;
    const { engine, cubeId, down, qr } = rampScene(theta, 10); // start 10 m uphill of the ramp centre
    const p0 = pos(engine.getBodyState(cubeId));
    const ts: number[] = [];
    const us: number[] = [];
    let maxTilt = 0;
    for (let i = 0; i < 75; i++) {
      // 1.25 s at 1/60
      engine.step();
      const s = engine.getBodyState(cubeId);
      maxTilt = Math.max(maxTilt, relAngle(qr, quat(s)));
      if (engine.time >= 0.2 - 1e-9) {
        // skip the 1 mm landing transient
        ts.push(engine.time);
        us.push(dot(sub(pos(s), p0), down));
      }
    }
    const [, , c2] = fitQuadratic(ts, us);
    const a = 2 * c2;
    const aExpected = G * (Math.sin(theta) - MU * Math.cos(theta));
    expect(Math.abs(a - aExpected) / aExpected, `a = ${a} m/s², expected ${aExpected} m/s²`).toBeLessThan(0.05);
    // Cross-check with a second-difference estimate from three equally spaced samples:
    // a ≈ (u(t0 + 2Δ) − 2 u(t0 + Δ) + u(t0)) / Δ²   (exact for constant acceleration).
    const i2 = us.length - 1 - ((us.length - 1) % 2);
    const i1 = i2 / 2;
    const dT = ts[i1] - ts[0];
    const a3 = (us[i2] - 2 * us[i1] + us[0]) / (dT * dT);
    expect(Math.abs(a3 - aExpected) / aExpected, `a (3-point) = ${a3} m/s²`).toBeLessThan(0.05);
    expect(us[us.length - 1] - us[0]).toBeGreaterThan(0); // downhill
    // Slid flat, no tipping.
    expect(maxTilt).toBeLessThan(0.02);
    engine.dispose();
  });
});
