// Physics through the wire: what arrives in frames is the real engine's state.
// `plane` is a 100 × 100 × 1 slab whose top face is at z = 0 (its origin is the top face's centre,
// so at the origin it reports its centre of mass at z = −0.5). A unit cube resting on it has its
// centre of mass at z = 0.5.

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startServer, type LiveServer } from "../../src/server";
import { closeAllClients, expectedFrames, runScene, stateOf, v3, type Msg } from "./client";

let server: LiveServer;
beforeAll(async () => {
  server = await startServer({ port: 0, log: () => {} });
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => closeAllClients());

describe("physics over the wire", () => {
  it("a unit cube dropped from z = 1 on the plane ends at rest at z = 0.5 ± 0.01", async () => {
    const run = await runScene(
      server,
      [
        { asset_name: "unit_cube", position: [0, 0, 1], orientation: [0, 0, 0], object_type: "inertial" },
        { asset_name: "plane", position: [0, 0, 0], orientation: [0, 0, 0], object_type: "environment" },
      ],
      { timestep_ms: 16, duration_s: 2.5 },
      20000,
    );
    expect(run.error).toBeUndefined();
    expect(run.frames.length).toBe(expectedFrames(16, 2.5));
    const [cubeId, planeId] = (run.metadata.bodies as Msg[]).map((b) => b.body_id);

    // The plane reports its centre of mass, half a metre below its top face.
    expect(v3(stateOf(run.frames[0], planeId).position)).toEqual([0, 0, -0.5]);

    const last = run.frames.at(-1)!;
    expect(last.data.simulation_time).toBeCloseTo(((run.frames.length - 1) * 16) / 1000, 9); // 2.496 s
    const s = stateOf(last, cubeId);
    expect(Math.abs(s.position.z - 0.5)).toBeLessThan(0.01);
    expect(Math.hypot(s.velocity.x, s.velocity.y, s.velocity.z)).toBeLessThan(0.01);
    expect(Math.hypot(s.angular_velocity.x, s.angular_velocity.y, s.angular_velocity.z)).toBeLessThan(0.01);
    // It never sank through the plane.
    for (const f of run.frames) expect(stateOf(f, cubeId).position.z).toBeGreaterThan(0.5 - 0.01);

    // Resting contact is reported: pair (cube, plane), normal from the cube (A) into the plane (B),
    // i.e. −z; witness points on the bottom face; small depths.
    const pair = (last.data.collisions as Msg[]).find((c) => c.body_a_id === cubeId && c.body_b_id === planeId);
    expect(pair, "resting contact in collisions").toBeDefined();
    expect(pair!.normal.z).toBeLessThan(-0.999);
    expect(pair!.contacts.length).toBeGreaterThanOrEqual(3);
    for (const c of pair!.contacts as Msg[]) {
      expect(Math.abs(c.point_a.z)).toBeLessThan(0.01);
      expect(Math.abs(c.point_b.z)).toBeLessThan(0.01);
      expect(c.depth).toBeGreaterThanOrEqual(-1e-6);
      expect(c.depth).toBeLessThan(0.01);
    }
    expect(pair!.penetration_depth).toBeCloseTo(Math.max(...(pair!.contacts as Msg[]).map((c) => c.depth)), 12);

    // Before the impact there is no collision; while falling freely z follows the exact parabola.
    const f10 = run.frames[10];
    expect(f10.data.collisions).toEqual([]);
    expect(stateOf(f10, cubeId).position.z).toBeCloseTo(1 - 0.5 * 9.81 * 0.16 ** 2, 9);
    // During the first contact the solver reports work.
    const touching = run.frames.find((f) => (f.data.collisions as Msg[]).length > 0)!;
    expect(touching).toBeDefined();
    expect(touching.data.solver.num_contacts).toBeGreaterThanOrEqual(1);
  }, 30000);
});
