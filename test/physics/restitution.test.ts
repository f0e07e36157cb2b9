import { describe, it, expect } from "vitest";
import { Engine } from "../../src/engine";
import { G, addGround } from "../helpers/scenes";

// Newton's restitution law for a body hitting the static ground: rebound speed = e · impact speed.
// Body and ground carry the same e, and pairs combine by geometric mean, so the pair uses
// √(e·e) = e. Each body is dropped from rest with its lowest point 1 m above the ground
// (impact speed √(2 g · 1 m) ≈ 4.43 m/s, well above any resting/bounce threshold; the
// e = 0.2 rebound is 0.89 m/s).
//
// Measurement (velocity sampled every step, dt = 1/600 s):
//   impact speed  = largest downward speed before vz first turns positive (the speed just before
//                   the contact; it under-reads the true value by at most g·dt = 0.016 m/s),
//   rebound speed = largest upward vz over the 0.05 s after vz turns positive (just after the
//                   contact; under-reads by at most g·dt).
//   ratio = rebound / impact = e ± 0.03.

const DT = 1 / 600;
const DROP = 1; // m between the body's lowest point and the ground surface
const SHAPES = [
  { asset: "small_sphere", halfHeight: 0.5, label: "small_sphere (r = 0.5)" },
  { asset: "unit_cube", halfHeight: 0.5, label: "face-down unit_cube" },
] as const;
const ES = [0.2, 0.5, 0.8];

function firstBounce(asset: string, halfHeight: number, e: number) {
  const engine = new Engine({ maxStep: DT });
  addGround(engine, { restitution: e, friction: 0.5 });
  const id = engine.spawnInertialObject(asset, [0, 0, halfHeight + DROP], [0, 0, 0], {
    mass: 1,
    restitution: e,
    friction: 0.5,
  }).instanceId;

  const vz: number[] = [];
  let k = -1; // index of the first sample with vz > 0 after falling
  const maxSteps = Math.round(2 / DT);
  const window = Math.round(0.05 / DT);
  for (let i = 0; i < maxSteps; i++) {
    engine.step(DT);
    vz.push(engine.getBodyState(id).velocity.z);
    if (k < 0 && vz[i] > 0 && i > 0) k = i;
    if (k >= 0 && i >= k + window) break;
  }
  engine.dispose();
  if (k < 0) return { impact: NaN, rebound: NaN, ratio: NaN, found: false };
  const impact = -Math.min(...vz.slice(0, k));
  const rebound = Math.max(...vz.slice(k, k + window + 1));
  return { impact, rebound, ratio: rebound / impact, found: true };
}

describe("restitution", () => {
  for (const shape of SHAPES) {
    for (const e of ES) {
      it(`${shape.label}: rebound/impact speed = e = ${e} ± 0.03`, () => {
        const r = firstBounce(shape.asset, shape.halfHeight, e);
        expect(r.found, "no bounce detected (vz never turned positive within 2 s)").toBe(true);
        // Sanity: free fall of 1 m before the impact, v = √(2 g h), within 3 %.
        const vImpact = Math.sqrt(2 * G * DROP);
        expect(Math.abs(r.impact - vImpact) / vImpact).toBeLessThan(0.03);
        expect(Math.abs(r.ratio - e), `impact ${r.impact} m/s, rebound ${r.rebound} m/s, ratio ${r.ratio}`).toBeLessThan(0.03);
      });
    }
  }

  // Energy: after the first impact the total mechanical energy (kinetic + potential, from
  // getEnergy()) may only go down. Between consecutive steps (default dt = 1/60 s, 5 s) it may
  // rise by at most 1e-6·|E0| (rounding) plus m·g·1 mm (the energy of lifting the body by 1 mm,
  // room for a contact solver's sub-millimetre position correction); a bounce that gained
  // energy (e > 1 behaviour) would rise by far more.
  for (const shape of SHAPES) {
    for (const e of ES) {
      it(`${shape.label}, e = ${e}: no bounce ever gains energy over 5 s`, () => {
        const m = 1;
        const engine = new Engine();
        addGround(engine, { restitution: e, friction: 0.5 });
        const id = engine.spawnInertialObject(shape.asset, [0, 0, shape.halfHeight + DROP], [0, 0, 0], {
          mass: m,
          restitution: e,
          friction: 0.5,
        }).instanceId;
        const E0 = engine.getEnergy().total;
        // E0 = m g z0 (at rest, potential −m g·x with g = (0, 0, −9.81)).
        expect(Math.abs(E0 - m * G * (shape.halfHeight + DROP))).toBeLessThan(1e-9 * Math.abs(E0));
        const tol = 1e-6 * Math.abs(E0) + m * G * 1e-3;

        let impacted = false;
        let prevE = E0;
        let prevVz = 0;
        let worstRise = -Infinity;
        let worstAt = -1;
        let maxE = -Infinity;
        const steps = Math.round(5 * 60);
        for (let i = 0; i < steps; i++) {
          engine.step();
          const E = engine.getEnergy().total;
          const vz = engine.getBodyState(id).velocity.z;
          if (!impacted && prevVz < 0 && vz > prevVz && i > 0) impacted = true; // downward speed stopped growing: contact
          if (impacted) {
            if (E - prevE > worstRise) {
              worstRise = E - prevE;
              worstAt = engine.time;
            }
            maxE = Math.max(maxE, E);
          }
          prevE = E;
          prevVz = vz;
        }
        const Eend = engine.getEnergy().total;
        engine.dispose();
        expect(impacted, "the body never reached the ground").toBe(true);
        expect(worstRise, `largest step-to-step energy rise ${worstRise} J at t = ${worstAt} s (E0 = ${E0} J)`).toBeLessThanOrEqual(tol);
        expect(maxE).toBeLessThanOrEqual(E0 + tol);
        // At rest on the ground at the end: E = m g · halfHeight (± the same allowance).
        expect(Eend).toBeLessThan(m * G * shape.halfHeight + 0.05 * E0);
      });
    }
  }
});
