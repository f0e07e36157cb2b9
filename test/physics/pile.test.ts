import { describe, it, expect } from "vitest";
import { Engine } from "../../src/engine";
import { STRIDE, addGround, buildPile, runTo } from "../helpers/scenes";

// pile-1000 (DESIGN §9): 1000 unit cubes (1 kg, μ 0.5, e 0) on a grid with 1.5 m spacing,
// 10 × 10 per layer, lowest layer at z = 2, dropped onto a static 100 × 100 × 1 box whose top is
// z = 0 (`plane` at the origin). The highest layer starts at z = 15.5 and lands after
// √(2·15/9.81) ≈ 1.75 s, so by t = 10 s the pile must have come to rest: every body asleep or
// slower than 0.05 m/s, and no body sunk into or through the ground (a resting unit cube has its
// centre at z ≥ 0.5, so z > 0.4 allows 10 cm of penetration, far beyond any acceptable).

describe("pile-1000", () => {
  it("1000 cubes dropped in a grid come to rest on the ground within 10 s", { timeout: 300_000 }, () => {
    const engine = new Engine();
    addGround(engine, { friction: 0.5, restitution: 0 });
    const ids = buildPile(engine, 1000);
    expect(ids.length).toBe(1000);
    expect(new Set(ids).size).toBe(1000);

    const idSet = new Set(ids);
    let minZ = Infinity;
    let nonFinite = 0;
    for (let t = 1; t <= 10; t++) {
      runTo(engine, t); // 60 steps of 1/60 per update() call
      // Watch for tunnelling during the fall, not only at the end (a body that fell through and
      // kept falling would be far below by then, but so would one that was pushed through).
      const a = engine.stateArray();
      for (let i = 0; i < a.length; i += STRIDE) {
        if (!idSet.has(a[i])) continue; // the ground
        const z = a[i + 3];
        if (!Number.isFinite(z)) nonFinite++;
        else minZ = Math.min(minZ, z);
      }
    }
    expect(engine.time).toBeCloseTo(10, 9);

    const a = engine.stateArray();
    let counted = 0;
    let maxSpeed = 0;
    let fastest = -1;
    let lowest = Infinity;
    let lowestId = -1;
    let asleep = 0;
    for (let i = 0; i < a.length; i += STRIDE) {
      const id = a[i];
      if (!idSet.has(id)) continue; // the ground
      counted++;
      for (let k = 1; k < STRIDE; k++) if (!Number.isFinite(a[i + k])) nonFinite++;
      const speed = Math.hypot(a[i + 8], a[i + 9], a[i + 10]);
      const spin = Math.hypot(a[i + 11], a[i + 12], a[i + 13]);
      if (speed === 0 && spin === 0) asleep++;
      if (speed > maxSpeed) {
        maxSpeed = speed;
        fastest = id;
      }
      if (a[i + 3] < lowest) {
        lowest = a[i + 3];
        lowestId = id;
      }
    }
    expect(counted).toBe(1000);
    expect(nonFinite, "non-finite state values").toBe(0);
    expect(maxSpeed, `fastest body ${fastest} at ${maxSpeed} m/s (${asleep} of 1000 asleep)`).toBeLessThan(0.05);
    expect(lowest, `body ${lowestId} has its centre at z = ${lowest}`).toBeGreaterThan(0.4);
    expect(minZ, "some body dipped below z = 0.4 during the run").toBeGreaterThan(0.4);
    engine.dispose();
  });
});
