// Rapier (@dimforge/rapier3d-compat, WASM) with its default integration parameters: a fixed
// cuboid for each static box, a dynamic rigid body with one cuboid collider (density chosen so the
// body has the scene's mass) for each dynamic box. The world's WASM memory is freed in dispose().
import * as RAPIER from "@dimforge/rapier3d-compat";
import type { Scene } from "../scenes";
import type { EngineAdapter } from "./adapter";

let ready: Promise<void> | undefined;

/** Loads Rapier's WASM module once per process. */
export function initRapier(): Promise<void> {
  ready ??= RAPIER.init();
  return ready;
}

export class RapierAdapter implements EngineAdapter {
  readonly name = "rapier" as const;
  private world: RAPIER.World | undefined;
  private bodies: RAPIER.RigidBody[] = [];

  /** Use createRapierAdapter(), which waits for the WASM module. */
  constructor() {}

  build(scene: Scene): void {
    this.dispose();
    const [gx, gy, gz] = scene.gravity;
    const world = new RAPIER.World({ x: gx, y: gy, z: gz });
    world.timestep = scene.dt;
    this.world = world;
    for (const box of scene.static) {
      const [w, x, y, z] = box.orientation;
      const body = world.createRigidBody(
        RAPIER.RigidBodyDesc.fixed().setTranslation(box.position[0], box.position[1], box.position[2]).setRotation({ w, x, y, z }),
      );
      const [hx, hy, hz] = box.halfExtents;
      world.createCollider(RAPIER.ColliderDesc.cuboid(hx, hy, hz).setFriction(box.friction).setRestitution(box.restitution), body);
    }
    this.bodies = scene.dynamic.map((box) => {
      const [w, x, y, z] = box.orientation;
      const body = world.createRigidBody(
        RAPIER.RigidBodyDesc.dynamic().setTranslation(box.position[0], box.position[1], box.position[2]).setRotation({ w, x, y, z }),
      );
      const [hx, hy, hz] = box.halfExtents;
      const density = box.mass / (8 * hx * hy * hz);
      world.createCollider(
        RAPIER.ColliderDesc.cuboid(hx, hy, hz).setDensity(density).setFriction(box.friction).setRestitution(box.restitution),
        body,
      );
      return body;
    });
  }

  step(): void {
    this.requireWorld().step();
  }

  positions(): Float64Array {
    this.requireWorld();
    const out = new Float64Array(this.bodies.length * 3);
    this.bodies.forEach((body, i) => {
      const t = body.translation();
      out[3 * i] = t.x;
      out[3 * i + 1] = t.y;
      out[3 * i + 2] = t.z;
    });
    return out;
  }

  speeds(): Float64Array {
    this.requireWorld();
    return Float64Array.from(this.bodies, (body) => {
      const v = body.linvel();
      return Math.hypot(v.x, v.y, v.z);
    });
  }

  sleeping(): boolean[] {
    this.requireWorld();
    return this.bodies.map((body) => body.isSleeping());
  }

  dispose(): void {
    this.world?.free();
    this.world = undefined;
    this.bodies = [];
  }

  private requireWorld(): RAPIER.World {
    if (!this.world) throw new Error("rapier adapter: build a scene first");
    return this.world;
  }
}

export async function createRapierAdapter(): Promise<RapierAdapter> {
  await initRapier();
  return new RapierAdapter();
}
