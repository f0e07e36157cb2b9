// msd-lab through its public API: the ground is the `plane` asset (100 × 100 × 1, top face at its
// origin), unit cubes are `unit_cube`; other box sizes become session convex assets. State is read
// with stateArray() (the packed Float64Array), never getFrameState().
import { Engine, STATE_STRIDE } from "../../src/engine";
import type { BoxSpec, Quat, Scene, Vec3 } from "../scenes";
import type { EngineAdapter } from "./adapter";

/** Euler [pitch, roll, yaw] of msd-lab's input convention (R = Rz(yaw)·Ry(pitch)·Rx(roll)) for q. */
export function eulerFromQuat([w, x, y, z]: Quat): Vec3 {
  const roll = Math.atan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y));
  const pitch = Math.asin(Math.max(-1, Math.min(1, 2 * (w * y - z * x))));
  const yaw = Math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z));
  return [pitch, roll, yaw];
}

function rotate([w, x, y, z]: Quat, [vx, vy, vz]: Vec3): Vec3 {
  // v + 2w (u × v) + 2 u × (u × v), u = (x, y, z)
  const cx = y * vz - z * vy;
  const cy = z * vx - x * vz;
  const cz = x * vy - y * vx;
  return [vx + 2 * (w * cx + y * cz - z * cy), vy + 2 * (w * cy + z * cx - x * cz), vz + 2 * (w * cz + x * cy - y * cx)];
}

const same = (a: Vec3, b: Vec3): boolean => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

export class MsdLabAdapter implements EngineAdapter {
  readonly name = "msd-lab" as const;
  private engine: Engine | undefined;
  private dt = 1 / 60;
  /** Record index in stateArray() of each dynamic body, in scene order. */
  private records = new Int32Array(0);

  build(scene: Scene): void {
    this.dispose();
    const engine = new Engine({ gravity: scene.gravity, maxStep: scene.dt, sleep: true });
    this.engine = engine;
    this.dt = scene.dt;
    for (const box of scene.static) {
      const { asset, origin } = this.assetFor(engine, box);
      engine.spawnEnvironmentObject(asset, origin, eulerFromQuat(box.orientation), { friction: box.friction, restitution: box.restitution });
    }
    const ids: number[] = [];
    for (const box of scene.dynamic) {
      const { asset, origin } = this.assetFor(engine, box);
      const { instanceId } = engine.spawnInertialObject(asset, origin, eulerFromQuat(box.orientation), {
        mass: box.mass,
        friction: box.friction,
        restitution: box.restitution,
      });
      ids.push(instanceId);
    }
    const data = engine.stateArray();
    const recordOf = new Map<number, number>();
    for (let k = 0; k * STATE_STRIDE < data.length; k++) recordOf.set(data[k * STATE_STRIDE], k);
    this.records = Int32Array.from(ids, (id) => recordOf.get(id) ?? -1);
  }

  step(): void {
    this.world().step(this.dt);
  }

  positions(): Float64Array {
    const data = this.world().stateArray();
    const out = new Float64Array(this.records.length * 3);
    for (let i = 0; i < this.records.length; i++) {
      const k = this.records[i] * STATE_STRIDE;
      out[3 * i] = data[k + 1];
      out[3 * i + 1] = data[k + 2];
      out[3 * i + 2] = data[k + 3];
    }
    return out;
  }

  speeds(): Float64Array {
    const data = this.world().stateArray();
    const out = new Float64Array(this.records.length);
    for (let i = 0; i < this.records.length; i++) {
      const k = this.records[i] * STATE_STRIDE;
      out[i] = Math.hypot(data[k + 8], data[k + 9], data[k + 10]);
    }
    return out;
  }

  sleeping(): undefined {
    return undefined;
  }

  dispose(): void {
    this.engine?.dispose();
    this.engine = undefined;
  }

  /** The engine, for the binding micro-benchmarks. */
  get raw(): Engine {
    return this.world();
  }

  private world(): Engine {
    if (!this.engine) throw new Error("msd-lab adapter: build a scene first");
    return this.engine;
  }

  /** The asset for a box and where its origin goes so the box's centre lands on box.position. */
  private assetFor(engine: Engine, box: BoxSpec): { asset: string; origin: Vec3 } {
    const h = box.halfExtents;
    const [px, py, pz] = box.position;
    if (same(h, [0.5, 0.5, 0.5])) return { asset: "unit_cube", origin: [px, py, pz] };
    if (same(h, [50, 50, 0.5])) {
      // plane's origin is the centre of its top face, half a metre above its centre.
      const [ox, oy, oz] = rotate(box.orientation, [0, 0, 0.5]);
      return { asset: "plane", origin: [px + ox, py + oy, pz + oz] };
    }
    const name = `bench_box_${h[0]}_${h[1]}_${h[2]}`;
    if (!engine.listAssets().some((a) => a.name === name)) {
      const corners: number[] = [];
      for (const sx of [-1, 1]) for (const sy of [-1, 1]) for (const sz of [-1, 1]) corners.push(sx * h[0], sy * h[1], sz * h[2]);
      engine.addConvexAsset(name, corners);
    }
    return { asset: name, origin: [px, py, pz] };
  }
}
