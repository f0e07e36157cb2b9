// Loads the native addon (build/Release/msd_addon.node) and describes its surface. The addon only
// converts: typed arrays in, typed arrays out. src/engine/engine.ts turns this into the public API.
import * as fs from "fs";
import * as path from "path";
import { packageRoot } from "./package-root";

export interface NativeWorldConfig {
  gravity: Float64Array;
  maxStep: number;
  substeps: number;
  sleep: boolean;
}

export interface NativeShapeInfo {
  assetId: number;
  name: string;
  kind: "hull" | "sphere";
  radius: number;
  volume: number;
  /** Centre of mass in the asset's frame. */
  localCenterOfMass: Float64Array;
  /** Hull vertices relative to the centre of mass (empty for spheres). */
  hullVertices: Float64Array;
  hullTriangles: Uint32Array;
}

export interface NativeTrajectoryBuffers {
  time: Float64Array;
  position: Float64Array;
  orientation: Float64Array;
  velocity: Float64Array;
  angularVelocity: Float64Array;
  kineticEnergy: Float64Array;
  potentialEnergy: Float64Array;
}

export interface NativeWorld {
  addHullShape(points: Float64Array, assetId: number, name: string): number;
  addSphereShape(radius: number, assetId: number, name: string): number;
  shapeCount(): number;
  shapeInfo(shape: number): NativeShapeInfo;
  /** params: origin xyz, euler pitch/roll/yaw, mass, restitution, friction, velocity xyz, angular velocity xyz. */
  createBody(shape: number, isStatic: boolean, params: Float64Array): number;
  destroyBody(id: number): void;
  /** [shape, isStatic, mass, restitution, friction] */
  bodyInfo(id: number): Float64Array;
  /** Dynamic bodies first, then static, each by id. */
  bodyIds(): Uint32Array;
  step(dt: number, steps: number): void;
  advanceTo(seconds: number): void;
  time(): number;
  stateArray(out?: Float64Array): Float64Array;
  /** One body's record in the stateArray layout. */
  bodyState(id: number): Float64Array;
  /** `out`: written into (the result is a view of its buffer) when it has room; else a new array. */
  contacts(out?: Float64Array): Float64Array;
  /** Per touching contact (contacts() order): μ, tangent1 xyz, tangent2 xyz, friction force on B along each tangent (N), patch normal impulse (N·s). */
  friction(out?: Float64Array): Float64Array;
  solverStats(): Float64Array;
  energy(bodyId?: number): Float64Array;
  /** [linear, rotational, potential] per body in stateArray order (static bodies: zeros). */
  bodyEnergies(out?: Float64Array): Float64Array;
  /** Clock, state revision and solver stats into `info` (FrameInfoSlot slots 0–7). */
  frameInfo(info: Float64Array): void;
  /** frameInfo, then states, contacts, friction and energies back to back into `out` (lengths in info 8–11); false when they did not fit. */
  packFrame(out: Float64Array, info: Float64Array): boolean;
  /** Length of the last step taken, s (0 before the first). */
  lastStepDt(): number;
  /** Changes whenever anything but the clock may have changed since (see World::stateRevision). */
  stateRevision(): number;
  /** [gravity x, y, z, maxStep, substeps, sleep (1/0)] as the world has it now. */
  config(): Float64Array;
  setVelocity(id: number, velocities: Float64Array): void;
  applyImpulse(id: number, impulse: Float64Array, point?: Float64Array): void;
  snapshot(): Uint8Array;
  restore(bytes: Uint8Array): void;
  simulate(dt: number, steps: number, every: number, bodyIds: Uint32Array, buffers: NativeTrajectoryBuffers,
    firstFrame: number, recordFirst: boolean): number;
  /** Resolves with the seconds of computation the work took on the worker thread. */
  runAsync(kind: "step", dt: number, steps: number): Promise<number>;
  runAsync(kind: "advanceTo", seconds: number): Promise<number>;
  /** Resolves with the number of steps taken (fewer when cancelled). */
  runAsync(kind: "simulate", dt: number, steps: number, every: number, bodyIds: Uint32Array,
    buffers: NativeTrajectoryBuffers, firstFrame: number, recordFirst: boolean): Promise<number>;
  cancelAsync(): void;
  dispose(): void;
}

export interface NativeHull {
  vertices: Float64Array;
  triangles: Uint32Array;
  volume: number;
  centroid: Float64Array;
  /** Per kg about the centroid, row-major 3×3. */
  inertia: Float64Array;
}

export interface NativeAddon {
  NativeWorld: new (config: NativeWorldConfig) => NativeWorld;
  buildHull(points: Float64Array): NativeHull;
}

let addon: NativeAddon | undefined;

/** The addon, loaded on first use. A missing build gets an error that says how to build it. */
export function loadAddon(): NativeAddon {
  if (addon) return addon;
  const file = path.join(packageRoot(), "build", "Release", "msd_addon.node");
  if (!fs.existsSync(file)) {
    throw new Error(`msd-lab native addon not found at ${file}: run \`npm install\` (or \`npm run build:native\`) in ${packageRoot()}`);
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  addon = require(file) as NativeAddon;
  return addon;
}
