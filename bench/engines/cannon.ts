// cannon-es (pure JavaScript) with its default solver (GSSolver, 10 iterations) and sleeping on:
// Box shapes, one Material per (friction, restitution) pair, a ContactMaterial for each pair of
// materials (friction and restitution combined by geometric mean, as msd-lab does), and
// world.step(dt) once per step (a fixed step, no interpolation). The broadphase is cannon's default,
// NaiveBroadphase (every pair of bodies, O(n²)): on these scenes it is ~3× faster than
// SAPBroadphase, whose sort degrades when many bodies share a coordinate (the piles' columns);
// the `broadphase` option selects SAP.
import * as CANNON from "cannon-es";
import type { Scene } from "../scenes";
import type { EngineAdapter } from "./adapter";

export type CannonBroadphase = "sap" | "naive";

export class CannonAdapter implements EngineAdapter {
  readonly name = "cannon" as const;
  private world: CANNON.World | undefined;
  private bodies: CANNON.Body[] = [];
  private dt = 1 / 60;

  constructor(readonly broadphase: CannonBroadphase = "naive") {}

  build(scene: Scene): void {
    this.dispose();
    const [gx, gy, gz] = scene.gravity;
    const world = new CANNON.World({ gravity: new CANNON.Vec3(gx, gy, gz), allowSleep: true });
    world.broadphase = this.broadphase === "sap" ? new CANNON.SAPBroadphase(world) : new CANNON.NaiveBroadphase();
    this.world = world;
    this.dt = scene.dt;

    const materials = new Map<string, { material: CANNON.Material; friction: number; restitution: number }>();
    const materialFor = (friction: number, restitution: number): CANNON.Material => {
      const key = `${friction}/${restitution}`;
      let entry = materials.get(key);
      if (!entry) {
        entry = { material: new CANNON.Material(key), friction, restitution };
        for (const other of [...materials.values(), entry]) {
          world.addContactMaterial(
            new CANNON.ContactMaterial(entry.material, other.material, {
              friction: Math.sqrt(friction * other.friction),
              restitution: Math.sqrt(restitution * other.restitution),
            }),
          );
        }
        materials.set(key, entry);
      }
      return entry.material;
    };

    const makeBody = (box: Scene["static"][number], mass: number): CANNON.Body => {
      const [hx, hy, hz] = box.halfExtents;
      const [w, x, y, z] = box.orientation;
      const body = new CANNON.Body({
        mass,
        type: mass === 0 ? CANNON.Body.STATIC : CANNON.Body.DYNAMIC,
        shape: new CANNON.Box(new CANNON.Vec3(hx, hy, hz)),
        position: new CANNON.Vec3(box.position[0], box.position[1], box.position[2]),
        quaternion: new CANNON.Quaternion(x, y, z, w),
        material: materialFor(box.friction, box.restitution),
      });
      world.addBody(body);
      return body;
    };
    for (const box of scene.static) makeBody(box, 0);
    this.bodies = scene.dynamic.map((box) => makeBody(box, box.mass));
  }

  step(): void {
    this.requireWorld().step(this.dt);
  }

  positions(): Float64Array {
    this.requireWorld();
    const out = new Float64Array(this.bodies.length * 3);
    this.bodies.forEach((body, i) => {
      out[3 * i] = body.position.x;
      out[3 * i + 1] = body.position.y;
      out[3 * i + 2] = body.position.z;
    });
    return out;
  }

  speeds(): Float64Array {
    this.requireWorld();
    return Float64Array.from(this.bodies, (body) => body.velocity.length());
  }

  sleeping(): boolean[] {
    this.requireWorld();
    return this.bodies.map((body) => body.sleepState === CANNON.Body.SLEEPING);
  }

  dispose(): void {
    // Plain JavaScript objects: dropping the references is enough.
    this.world = undefined;
    this.bodies = [];
  }

  private requireWorld(): CANNON.World {
    if (!this.world) throw new Error("cannon adapter: build a scene first");
    return this.world;
  }
}
