// The engine as TypeScript users see it: assets by name, bodies by instance id, the seed's frame
// shape, packed typed arrays for speed, async stepping that leaves the event loop free.
import { AssetDatabase, AssetRecord } from "./assets";
import { flattenPoints } from "./assets/points";
import { parseStl, readStlFile } from "./assets/stl";
import { loadAddon, NativeShapeInfo, NativeTrajectoryBuffers, NativeWorld } from "./native";
import {
  AssetMesh,
  AssetSummary,
  BodyInfo,
  BodyState,
  Contact,
  Energy,
  EngineOptions,
  EnvironmentOptions,
  FrameState,
  InertialOptions,
  SimulateOptions,
  SolverStats,
  SpawnResult,
  STATE_STRIDE,
  Trajectory,
  Vec3,
  Vec3Input,
} from "./types";
import { numberOption, requireFiniteNumber, requireInteger, requirePositiveFinite, vec3 } from "./vectors";

const DEFAULT_MASS = 10;
const DEFAULT_RESTITUTION = 0.5;
const DEFAULT_FRICTION = 0.5;
/** Assets added with `addConvexAsset` (not persisted) get ids from here, far from database ids. */
const SESSION_ASSET_ID_BASE = 1_000_000;
/** Steps per native call in `simulateAsync`, so an abort is honoured quickly. */
const ASYNC_CHUNK_STEPS = 240;

interface BodyMeta {
  assetId: number;
  isEnvironment: boolean;
}

export class Engine {
  /** Longest step in seconds (`update` and `step` never take longer ones). */
  readonly maxStep: number;
  private nativeWorld: NativeWorld | undefined;
  private readonly assets: AssetDatabase;
  private readonly ownsAssets: boolean;
  private readonly sessionAssets = new Map<string, AssetRecord>();
  private readonly shapeOfAsset = new Map<number, number>();
  /** Shapes never change once added, so their (array-heavy) native description is fetched once. */
  private readonly shapeInfos = new Map<number, NativeShapeInfo>();
  private bodyMeta = new Map<number, BodyMeta>();
  private pending: Promise<unknown> | undefined;
  private disposeWhenIdle = false;
  private revision = 0;

  constructor(options: EngineOptions | string = {}) {
    const opts: EngineOptions = typeof options === "string" ? { assetsDb: options } : options;
    if (opts === null || typeof opts !== "object") throw new Error("Engine options must be an object or an assets database path");
    this.maxStep = numberOption(opts.maxStep, "maxStep", 1 / 60);
    const gravity = opts.gravity === undefined ? Float64Array.of(0, 0, -9.81) : vec3(opts.gravity, "gravity");
    const substeps = numberOption(opts.substeps, "substeps", 4);
    if (!Number.isInteger(substeps) || substeps < 1 || substeps > 64) throw new Error(`substeps must be an integer in [1, 64] (got ${substeps})`);
    const addon = loadAddon();
    this.nativeWorld = new addon.NativeWorld({ gravity, maxStep: this.maxStep, substeps, sleep: opts.sleep ?? true });
    if (opts.assetsDb instanceof AssetDatabase) {
      this.assets = opts.assetsDb;
      this.ownsAssets = false;
    } else {
      this.assets = opts.assetsDb === undefined ? AssetDatabase.openDefault() : AssetDatabase.open(String(opts.assetsDb));
      this.ownsAssets = true;
    }
  }

  // Assets -------------------------------------------------------------------------------------

  /** Every asset that can be spawned: the database's, then this session's own. */
  listAssets(): AssetSummary[] {
    this.world();
    const list = this.assets.list();
    for (const record of this.sessionAssets.values()) list.push({ assetId: record.assetId, name: record.name });
    return list;
  }

  /**
   * Adds a convex asset from points (flat xyz or [x, y, z] triples, at least 4 not coplanar):
   * the convex hull of the points. By default it lives in this engine only; `persist: true`
   * stores it in the assets database for every later engine.
   */
  addConvexAsset(
    name: string,
    points: ArrayLike<number> | readonly (readonly number[])[],
    options: { persist?: boolean; category?: string } = {},
  ): AssetSummary {
    this.world();
    const buildHull = loadAddon().buildHull;
    if (typeof name !== "string" || name.trim().length === 0) throw new Error("asset name must be a non-empty string");
    if (this.sessionAssets.has(name) || this.assets.get(name)) throw new Error(`asset name "${name}" already exists`);
    if (options.persist) {
      const record = this.assets.addConvexAsset(name, points, buildHull, { category: options.category });
      return { assetId: record.assetId, name: record.name };
    }
    const hull = buildHull(flattenPoints(points));
    const record: AssetRecord = {
      assetId: SESSION_ASSET_ID_BASE + this.sessionAssets.size + 1,
      name,
      category: options.category ?? "session",
      collision: "hull",
      hullVertices: hull.vertices,
      radius: 0,
      meshPositions: Float32Array.from(hull.vertices),
      meshIndices: hull.triangles,
    };
    this.sessionAssets.set(name, record);
    return { assetId: record.assetId, name };
  }

  /** Adds the convex hull of an STL file's (path or bytes) vertices as an asset; see addConvexAsset. */
  addStlAsset(name: string, stl: string | Uint8Array, options: { persist?: boolean; category?: string } = {}): AssetSummary {
    this.world();
    const geometry = typeof stl === "string" ? readStlFile(stl) : parseStl(stl);
    return this.addConvexAsset(name, geometry.vertices, options);
  }

  /**
   * The asset's surface as the seed's flat vertex list: a triangle list ([x, y, z] per vertex, every
   * 3 vertices one counter-clockwise triangle) relative to the centre of mass; [] for an unknown id.
   */
  getCollisionVertices(assetId: number): Vec3[] {
    if (!this.findAsset(assetId)) return [];
    const { positions, indices } = this.getAssetMesh(assetId);
    return Array.from(indices, (i): Vec3 => [positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]]);
  }

  /** The asset's render mesh, relative to its centre of mass (so body pose ∘ mesh draws the body). */
  getAssetMesh(asset: string | number): AssetMesh {
    const record = this.requireAsset(asset);
    const offset = this.centerOfMass(record);
    const positions = Float32Array.from(record.meshPositions);
    for (let i = 0; i < positions.length; i += 3) {
      positions[i] -= offset[0];
      positions[i + 1] -= offset[1];
      positions[i + 2] -= offset[2];
    }
    return { positions, indices: Uint32Array.from(record.meshIndices) };
  }

  // Bodies -------------------------------------------------------------------------------------

  /**
   * Spawns a dynamic body. `position` places the asset's origin (its centre of mass for every
   * catalogue asset but `plane`); `orientation` is [pitch, roll, yaw] in radians.
   */
  spawnInertialObject(asset: string, position: Vec3Input, orientation: Vec3Input = [0, 0, 0], options: InertialOptions = {}): SpawnResult {
    const params = spawnParams(position, orientation, options);
    params[6] = numberOption(options.mass, "mass", DEFAULT_MASS);
    if (options.velocity !== undefined) params.set(vec3(options.velocity, "velocity"), 9);
    if (options.angularVelocity !== undefined) params.set(vec3(options.angularVelocity, "angularVelocity"), 12);
    return this.spawn(asset, false, params);
  }

  /** Spawns a static body (never moves) with its own restitution and friction (default 0.5 / 0.5). */
  spawnEnvironmentObject(asset: string, position: Vec3Input, orientation: Vec3Input = [0, 0, 0], options: EnvironmentOptions = {}): SpawnResult {
    return this.spawn(asset, true, spawnParams(position, orientation, options));
  }

  removeBody(id: number): void {
    this.world().destroyBody(this.checkBodyId(id));
    this.bodyMeta.delete(id);
    this.revision++;
  }

  /** Sets the linear (and optionally angular, world-frame) velocity; wakes the body. */
  setVelocity(id: number, velocity: Vec3Input, angularVelocity?: Vec3Input): void {
    const vw = new Float64Array(6);
    vw.set(vec3(velocity, "velocity"), 0);
    const bodyId = this.checkBodyId(id);
    if (angularVelocity !== undefined) vw.set(vec3(angularVelocity, "angularVelocity"), 3);
    else vw.set(this.world().bodyState(bodyId).subarray(11, 14), 3);
    this.world().setVelocity(bodyId, vw);
  }

  /** Applies an impulse (N·s) at a world point (default: the centre of mass); wakes the body. */
  applyImpulse(id: number, impulse: Vec3Input, point?: Vec3Input): void {
    const p = vec3(impulse, "impulse");
    const at = point === undefined ? undefined : vec3(point, "point");
    this.world().applyImpulse(this.checkBodyId(id), p, at);
  }

  /** Static facts about every body, in frame order (inertial first, then environment). */
  bodies(): BodyInfo[] {
    const world = this.world();
    return Array.from(world.bodyIds(), (id) => {
      const [shape, isStatic, mass, restitution, friction] = world.bodyInfo(id);
      const info = this.shapeInfo(shape);
      return { instanceId: id, assetId: info.assetId, assetName: info.name, isEnvironment: isStatic === 1, mass, restitution, friction };
    });
  }

  // Time ---------------------------------------------------------------------------------------

  /** Simulation time in seconds. */
  get time(): number {
    return this.world().time();
  }

  /** Advances to the ABSOLUTE simulation time `tMs` (milliseconds), in equal steps ≤ maxStep. */
  update(tMs: number): void {
    this.world().advanceTo(this.checkUpdateTime(tMs));
  }

  /** One step of `dt` seconds (default maxStep). Longer dt is split into equal steps ≤ maxStep. */
  step(dt: number = this.maxStep): void {
    const seconds = requirePositiveFinite(dt, "dt");
    const steps = Math.max(1, Math.ceil(seconds / this.maxStep - 1e-9));
    this.world().step(seconds / steps, steps);
  }

  /**
   * `steps` steps of `dt` seconds on a worker thread; the event loop stays free meanwhile.
   * Resolves with the seconds of computation the steps took.
   */
  async stepAsync(dt: number = this.maxStep, steps = 1): Promise<number> {
    const seconds = requirePositiveFinite(dt, "dt");
    requireInteger(steps, "steps", 0);
    return this.track(this.world().runAsync("step", seconds, steps));
  }

  /** `update(tMs)` on a worker thread. Resolves with the seconds of computation it took. */
  async updateAsync(tMs: number): Promise<number> {
    return this.track(this.world().runAsync("advanceTo", this.checkUpdateTime(tMs)));
  }

  // State --------------------------------------------------------------------------------------

  /** The seed's frame shape: inertial bodies first, then environment bodies, each by id. */
  getFrameState(): FrameState {
    const world = this.world();
    const data = world.stateArray();
    const states: BodyState[] = [];
    for (let k = 0; k < data.length; k += STATE_STRIDE) states.push(this.bodyStateAt(data, k));
    return { simulation_time: world.time(), states };
  }

  getBodyState(id: number): BodyState {
    const bodyId = this.checkBodyId(id);
    return this.bodyStateAt(this.world().bodyState(bodyId), 0);
  }

  /**
   * All bodies packed: STATE_STRIDE (14) doubles each — id, position, orientation wxyz, velocity, ω.
   * `out` (at least 14 × bodies long) is filled and returned instead of a new array.
   */
  stateArray(out?: Float64Array): Float64Array {
    return out === undefined ? this.world().stateArray() : this.world().stateArray(out);
  }

  /**
   * Touching contacts of the last step, packed for speed: per contact `bodyA, bodyB, nx, ny, nz,
   * count`, then per point `x, y, z, depth, normalImpulse` (see getContacts for the meaning).
   * With `out` that has room, the result is a view of out's buffer (no allocation).
   */
  contactsArray(out?: Float64Array): Float64Array {
    return this.world().contacts(out);
  }

  /**
   * Friction of the last step per touching contact, in contactsArray() order, packed
   * (FRICTION_STRIDE = 10 doubles): the pair's combined μ, the solver's tangent basis t1 xyz and
   * t2 xyz, the friction force on body B along t1 and t2 in N (body A gets the opposite), and the
   * normal impulse of the step over all the patch's points, speculative ones included (N·s). The
   * solver applies friction once per contact patch, at its centre, so these are per contact, not
   * per point; the forces are those of the step's last substep. `out` as in contactsArray.
   */
  frictionArray(out?: Float64Array): Float64Array {
    return this.world().friction(out);
  }

  /**
   * Every body's energy in one call: [linear, rotational, potential] (J) per body in stateArray()
   * order (environment bodies are zeros). `out` as in contactsArray.
   */
  bodyEnergiesArray(out?: Float64Array): Float64Array {
    return this.world().bodyEnergies(out);
  }

  /**
   * The clock, the state revision and the solver stats of the last step, written into `info`
   * (at least FRAME_INFO_LENGTH doubles; slots in FrameInfoSlot). Allocates nothing: for polling every frame.
   */
  frameInfo(info: Float64Array): Float64Array {
    this.world().frameInfo(info);
    return info;
  }

  /**
   * A whole frame in one call, for recorders: frameInfo() into `info`, then stateArray(),
   * contactsArray(), frictionArray() and bodyEnergiesArray() back to back into `out`, their lengths
   * in info's statesLength…energiesLength slots. Returns false when `out` was too short (it then
   * holds part of the frame; the lengths say how much room the whole needs).
   */
  packFrame(out: Float64Array, info: Float64Array): boolean {
    return this.world().packFrame(out, info);
  }

  /** Length of the last step taken, in s (0 before the first step). */
  get lastStepDt(): number {
    return this.world().lastStepDt();
  }

  /** Gravity in m/s², as the world has it now. */
  get gravity(): Vec3 {
    const c = this.world().config();
    return [c[0], c[1], c[2]];
  }

  /** Solver substeps per step. */
  get substeps(): number {
    return this.world().config()[4];
  }

  /**
   * A counter that changes whenever the state, contacts, friction or energies may have changed
   * (bodies moved, were edited, added or removed, a snapshot was restored) but not while every
   * body sleeps: equal values mean those arrays are unchanged (only the clock moved on).
   */
  get stateRevision(): number {
    return this.world().stateRevision();
  }

  /** Touching contacts of the last step. */
  getContacts(): Contact[] {
    const packed = this.world().contacts();
    const contacts: Contact[] = [];
    for (let i = 0; i < packed.length; ) {
      const count = packed[i + 5];
      const contact: Contact = { bodyA: packed[i], bodyB: packed[i + 1], normal: [packed[i + 2], packed[i + 3], packed[i + 4]], points: [] };
      i += 6;
      for (let k = 0; k < count; k++, i += 5) {
        contact.points.push({ position: [packed[i], packed[i + 1], packed[i + 2]], depth: packed[i + 3], normalImpulse: packed[i + 4] });
      }
      contacts.push(contact);
    }
    return contacts;
  }

  getSolverStats(): SolverStats {
    const [iterations, residual, converged, numConstraints, numContacts] = this.world().solverStats();
    return { iterations, residual, converged: converged === 1, numConstraints, numContacts };
  }

  /** Energy of one body, or of the whole system when no id is given. */
  getEnergy(bodyId?: number): Energy {
    const world = this.world();
    const [linear, rotational, potential] = bodyId === undefined ? world.energy() : world.energy(this.checkBodyId(bodyId));
    return { linear, rotational, potential, total: linear + rotational + potential };
  }

  // Many steps at once -------------------------------------------------------------------------

  /** Runs `duration` seconds in one native call and returns the trajectory as columnar typed arrays. */
  simulate(options: SimulateOptions): Trajectory {
    const plan = this.planSimulation(options);
    this.world().simulate(plan.dt, plan.steps, plan.every, plan.ids, plan.buffers, 0, true);
    return plan.trajectory;
  }

  /** As `simulate`, on a worker thread in chunks; `signal` aborts between chunks (rejects with AbortError). */
  async simulateAsync(options: SimulateOptions & { signal?: AbortSignal }): Promise<Trajectory> {
    const plan = this.planSimulation(options);
    const world = this.world();
    const chunk = plan.every * Math.max(1, Math.floor(ASYNC_CHUNK_STEPS / plan.every));
    const onAbort = (): void => world.cancelAsync();
    options.signal?.addEventListener("abort", onAbort);
    try {
      let frame = 0;
      let done = 0;
      do {
        throwIfAborted(options.signal);
        const first = frame === 0;
        const steps = Math.min(chunk, plan.steps - done);
        const taken = await this.track(world.runAsync("simulate", plan.dt, steps, plan.every, plan.ids, plan.buffers, frame, first));
        frame += (first ? 1 : 0) + Math.floor(taken / plan.every);
        done += taken;
      } while (done < plan.steps);
      throwIfAborted(options.signal);
      return plan.trajectory;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  // Snapshots ----------------------------------------------------------------------------------

  /** The whole world state (bodies, contacts with warm-start impulses, sleep, clock) as bytes. */
  snapshot(): Uint8Array {
    return this.world().snapshot();
  }

  /** Restores a snapshot from this or another engine; the continuation is bit-identical. */
  restore(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new Error("restore needs the Uint8Array returned by snapshot()");
    const world = this.world();
    world.restore(bytes);
    this.shapeOfAsset.clear();
    this.shapeInfos.clear();
    for (let shape = 0; shape < world.shapeCount(); shape++) this.shapeOfAsset.set(this.shapeInfo(shape).assetId, shape);
    this.bodyMeta = new Map();
    for (const info of this.bodies()) this.bodyMeta.set(info.instanceId, { assetId: info.assetId, isEnvironment: info.isEnvironment });
    this.revision++;
  }

  // Lifetime -----------------------------------------------------------------------------------

  /** Frees the native world and closes the assets database. Later calls throw. */
  dispose(): void {
    if (!this.nativeWorld) return;
    if (this.pending) {
      this.disposeWhenIdle = true;
      return;
    }
    this.nativeWorld.dispose();
    this.nativeWorld = undefined;
    if (this.ownsAssets) this.assets.close();
  }

  get disposed(): boolean {
    return this.nativeWorld === undefined || this.disposeWhenIdle;
  }

  /** True while an async call (stepAsync, updateAsync, simulateAsync) runs; other calls throw then. */
  get busy(): boolean {
    return this.pending !== undefined;
  }

  /** Changes whenever bodies are added or removed or a snapshot is restored (not when they move). */
  get sceneRevision(): number {
    return this.revision;
  }

  // Internals ----------------------------------------------------------------------------------

  private world(): NativeWorld {
    if (!this.nativeWorld || this.disposeWhenIdle) throw new Error("engine has been disposed");
    return this.nativeWorld;
  }

  private track<T>(work: Promise<T>): Promise<T> {
    const settled = work.finally(() => {
      if (this.pending === settled) this.pending = undefined;
      if (this.disposeWhenIdle && !this.pending) {
        this.disposeWhenIdle = false;
        this.dispose();
      }
    });
    this.pending = settled;
    return settled;
  }

  private spawn(asset: string, isStatic: boolean, params: Float64Array): SpawnResult {
    const world = this.world();
    const record = this.requireAsset(asset);
    const id = world.createBody(this.shapeFor(record), isStatic, params);
    this.bodyMeta.set(id, { assetId: record.assetId, isEnvironment: isStatic });
    this.revision++;
    return { instanceId: id, assetId: record.assetId };
  }

  private findAsset(asset: string | number): AssetRecord | undefined {
    this.world();
    if (typeof asset === "string") return this.sessionAssets.get(asset) ?? this.assets.get(asset);
    if (typeof asset !== "number") return undefined;
    for (const record of this.sessionAssets.values()) if (record.assetId === asset) return record;
    return this.assets.get(asset);
  }

  private requireAsset(asset: string | number): AssetRecord {
    const record = this.findAsset(asset);
    if (record) return record;
    throw new Error(typeof asset === "number" ? `unknown asset id ${asset}` : `unknown asset "${String(asset)}"`);
  }

  private shapeFor(record: AssetRecord): number {
    const known = this.shapeOfAsset.get(record.assetId);
    if (known !== undefined) return known;
    const world = this.world();
    const shape =
      record.collision === "sphere"
        ? world.addSphereShape(record.radius, record.assetId, record.name)
        : world.addHullShape(record.hullVertices, record.assetId, record.name);
    this.shapeOfAsset.set(record.assetId, shape);
    return shape;
  }

  private centerOfMass(record: AssetRecord): Float64Array {
    return this.shapeInfo(this.shapeFor(record)).localCenterOfMass;
  }

  private shapeInfo(shape: number): NativeShapeInfo {
    let info = this.shapeInfos.get(shape);
    if (info === undefined) {
      info = this.world().shapeInfo(shape);
      this.shapeInfos.set(shape, info);
    }
    return info;
  }

  private checkBodyId(id: number): number {
    if (typeof id !== "number" || !this.bodyMeta.has(id)) throw new Error(`unknown body id ${String(id)}`);
    return id;
  }

  private checkUpdateTime(tMs: number): number {
    requireFiniteNumber(tMs, "time (ms)");
    const now = this.world().time();
    if (tMs / 1000 < now) {
      throw new Error(`update time must not go backwards: requested ${tMs} ms, simulation is at ${now * 1000} ms (update takes absolute time)`);
    }
    return tMs / 1000;
  }

  private bodyStateAt(data: Float64Array, k: number): BodyState {
    const id = data[k];
    const meta = this.bodyMeta.get(id);
    return {
      body_id: id,
      asset_id: meta ? meta.assetId : -1,
      position: { x: data[k + 1], y: data[k + 2], z: data[k + 3] },
      velocity: { x: data[k + 8], y: data[k + 9], z: data[k + 10] },
      orientation: { w: data[k + 4], x: data[k + 5], y: data[k + 6], z: data[k + 7] },
      angular_velocity: { x: data[k + 11], y: data[k + 12], z: data[k + 13] },
      is_environment: meta ? meta.isEnvironment : false,
    };
  }

  private planSimulation(options: SimulateOptions): {
    dt: number;
    steps: number;
    every: number;
    ids: Uint32Array;
    buffers: NativeTrajectoryBuffers;
    trajectory: Trajectory;
  } {
    if (options === null || typeof options !== "object") throw new Error("simulate needs an options object { duration, dt?, every?, bodies? }");
    const duration = requirePositiveFinite(options.duration, "duration");
    const dt = options.dt === undefined ? this.maxStep : requirePositiveFinite(options.dt, "dt");
    const every = options.every === undefined ? 1 : requireInteger(options.every, "every", 1);
    const steps = Math.max(1, Math.round(duration / dt));
    const ids = options.bodies === undefined
      ? Uint32Array.from(Array.from(this.bodyMeta.entries()).filter(([, m]) => !m.isEnvironment).map(([id]) => id).sort((a, b) => a - b))
      : Uint32Array.from(options.bodies, (id) => this.checkBodyId(id));
    const frames = Math.floor(steps / every) + 1;
    const values = frames * ids.length * 13 + frames * 3;
    if (values > 2 ** 28) throw new Error(`simulate would record ${values} numbers (${frames} frames × ${ids.length} bodies); record fewer frames (every) or bodies`);
    const n = ids.length;
    const buffers: NativeTrajectoryBuffers = {
      time: new Float64Array(frames),
      position: new Float64Array(frames * n * 3),
      orientation: new Float64Array(frames * n * 4),
      velocity: new Float64Array(frames * n * 3),
      angularVelocity: new Float64Array(frames * n * 3),
      kineticEnergy: new Float64Array(frames),
      potentialEnergy: new Float64Array(frames),
    };
    return { dt, steps, every, ids, buffers, trajectory: { bodyIds: Int32Array.from(ids), frames, ...buffers } };
  }
}

/** The native spawn parameters: origin, Euler angles, mass (filled by the caller), restitution, friction, v, ω. */
function spawnParams(position: Vec3Input, orientation: Vec3Input, material: EnvironmentOptions): Float64Array {
  const params = new Float64Array(15);
  params.set(vec3(position, "position"), 0);
  params.set(vec3(orientation, "orientation"), 3);
  params[7] = numberOption(material.restitution, "restitution", DEFAULT_RESTITUTION);
  params[8] = numberOption(material.friction, "friction", DEFAULT_FRICTION);
  return params;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const error = new Error("simulation aborted");
  error.name = "AbortError";
  throw error;
}
