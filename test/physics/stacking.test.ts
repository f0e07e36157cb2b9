import { describe, it, expect } from "vitest";
import { Engine } from "../../src/engine";
import { addGround, buildPyramid, buildTower, pos, runTo, stateById } from "../helpers/scenes";

// Static equilibrium of stacks: a tower of 10 unit cubes and a 2D brick pyramid of 210 unit cubes
// (1 kg, μ 0.5, e 0) spawned exactly resting on each other on the ground are in equilibrium, so
// an engine that "stacks stably" must leave them standing: over 10 s at 1/60 s the tower's top
// cube drifts < 1 cm horizontally, and no pyramid cube moves more than 5 cm.
//
// Contacts are soft (a spring–damper of natural frequency f = 30 Hz relative to the contact's
// effective mass; 2f against static bodies), so a joint carrying weight W compresses by
// W / (m_eff ω²), ω = 2π f. In the tower, joint k (between cubes k and k+1, k = 1…9) carries
// (10 − k)·m g with m_eff = m/2; the ground joint carries 10 m g with m_eff = m at 2f. The top
// cube therefore rests at 9.5 − Σ compressions = 9.5 − 0.0255 m; we check z within 5 mm of that.
const SOFT_CONTACT_HZ = 30;
function towerCompression(n: number, g = 9.81): number {
  const w = 2 * Math.PI * SOFT_CONTACT_HZ;
  let total = (n * g) / (1 * (2 * w) ** 2);
  for (let k = 1; k < n; k++) total += ((n - k) * g) / (0.5 * w * w);
  return total;
}

describe("stacking", () => {
  it("a 10-cube tower stands for 10 s (top drift < 1 cm, top z at the soft-contact rest height ± 5 mm)", { timeout: 60_000 }, () => {
    const engine = new Engine();
    addGround(engine, { friction: 0.5, restitution: 0 });
    const ids = buildTower(engine, 10);
    const top = ids[ids.length - 1];
    const p0 = pos(engine.getBodyState(top));
    expect(p0[2]).toBeCloseTo(9.5, 12);
    let maxDrift = 0;
    for (let t = 1; t <= 10; t++) {
      runTo(engine, t); // 1 s chunks; each is 60 steps of 1/60
      const p = pos(engine.getBodyState(top));
      maxDrift = Math.max(maxDrift, Math.hypot(p[0] - p0[0], p[1] - p0[1]));
    }
    const p = pos(engine.getBodyState(top));
    expect(maxDrift, `top cube drifted ${maxDrift} m`).toBeLessThan(0.01);
    const rest = 9.5 - towerCompression(10);
    expect(Math.abs(p[2] - rest), `top cube at z = ${p[2]}, soft-contact rest height ${rest}`).toBeLessThan(0.005);
    // Every cube still in its place in the column.
    ids.forEach((id, i) => {
      const q = pos(engine.getBodyState(id));
      expect(Math.hypot(q[0], q[1])).toBeLessThan(0.01);
      expect(Math.abs(q[2] - (0.5 + i))).toBeLessThan(0.03);
    });
    engine.dispose();
  });

  it(
    "a 210-cube brick pyramid (base 20, 1 cm gaps) stands for 10 s: every cube moves < 5 cm",
    { timeout: 120_000 },
    () => {
      const engine = new Engine();
      addGround(engine, { friction: 0.5, restitution: 0 });
      const cubes = buildPyramid(engine, 20, 0.01);
      expect(cubes.length).toBe(210);
      let maxDisp = 0;
      let worst = -1;
      let nonFinite = 0;
      for (let t = 1; t <= 10; t++) {
        runTo(engine, t);
        const st = stateById(engine);
        for (const { id, p0 } of cubes) {
          const r = st.get(id);
          if (!r) throw new Error(`body ${id} missing from stateArray()`);
          const d = Math.hypot(r[1] - p0[0], r[2] - p0[1], r[3] - p0[2]);
          if (!Number.isFinite(d)) nonFinite++;
          else if (d > maxDisp) {
            maxDisp = d;
            worst = id;
          }
        }
      }
      expect(nonFinite, "non-finite positions").toBe(0);
      expect(maxDisp, `max displacement ${maxDisp} m (body ${worst})`).toBeLessThan(0.05);
      engine.dispose();
    },
  );
});
