// Public types of the engine API. Units are SI (m, kg, s, rad); Z is up.
// Vectors are accepted as plain number arrays (checked at run time: exactly 3 finite numbers),
// so `const p = [0, 0, 5]; engine.spawnInertialObject("cube", p)` type-checks in a notebook.

/** An open assets database (see `AssetDatabase`); typed structurally so this file stays dependency-free. */
export interface SharedAssetDatabase {
  readonly path: string;
  list(): AssetSummary[];
}

/** A 3-vector given by the caller: `[x, y, z]`. */
export type Vec3Input = readonly number[];
/** A 3-vector returned by the engine. */
export type Vec3 = [number, number, number];

export interface EngineOptions {
  /**
   * Path to an assets database, or an open `AssetDatabase` to share (it stays open when the
   * engine is disposed). Default: the embedded catalogue database (created on first use).
   */
  assetsDb?: string | SharedAssetDatabase;
  /** Gravity in m/s². Default `[0, 0, -9.81]`. */
  gravity?: Vec3Input;
  /** Longest step in seconds: `update`/`step` split longer intervals into equal steps. Default 1/60. */
  maxStep?: number;
  /** Solver substeps per step (soft-step solver). Default 4. */
  substeps?: number;
  /** Let resting bodies fall asleep. Default true. */
  sleep?: boolean;
}

export interface SpawnResult {
  instanceId: number;
  assetId: number;
}

export interface InertialOptions {
  /** kg, > 0. Default 10. */
  mass?: number;
  /** In [0, 1]. Default 0.5. */
  restitution?: number;
  /** ≥ 0. Default 0.5. */
  friction?: number;
  /** Initial linear velocity of the centre of mass, m/s. Default `[0, 0, 0]`. */
  velocity?: Vec3Input;
  /** Initial angular velocity, world frame, rad/s. Default `[0, 0, 0]`. */
  angularVelocity?: Vec3Input;
}

export interface EnvironmentOptions {
  /** In [0, 1]. Default 0.5. */
  restitution?: number;
  /** ≥ 0. Default 0.5. */
  friction?: number;
}

export interface XYZ {
  x: number;
  y: number;
  z: number;
}

export interface WXYZ {
  w: number;
  x: number;
  y: number;
  z: number;
}

/** One body in the seed frame shape (snake_case, exactly as the seed protocol sends it). */
export interface BodyState {
  body_id: number;
  asset_id: number;
  /** Centre of mass. */
  position: XYZ;
  velocity: XYZ;
  orientation: WXYZ;
  /** World frame. */
  angular_velocity: XYZ;
  is_environment: boolean;
}

/** The seed's `get_frame_state()` shape: inertial bodies first, then environment bodies, each by id. */
export interface FrameState {
  /** Seconds. */
  simulation_time: number;
  states: BodyState[];
}

export interface BodyInfo {
  instanceId: number;
  assetId: number;
  assetName: string;
  isEnvironment: boolean;
  /** kg; 0 for environment bodies (they do not move). */
  mass: number;
  restitution: number;
  friction: number;
}

export interface AssetSummary {
  assetId: number;
  name: string;
}

export interface ContactPoint {
  /** World point midway between the two surfaces. */
  position: Vec3;
  /** Penetration depth, m (> 0 when overlapping; ≤ 0 for touching/speculative points). */
  depth: number;
  /** Normal impulse applied during the last step, N·s. */
  normalImpulse: number;
}

export interface Contact {
  bodyA: number;
  bodyB: number;
  /** Unit normal pointing from body A to body B. A is the inertial body in inertial–environment pairs, else the lower id. */
  normal: Vec3;
  points: ContactPoint[];
}

export interface SolverStats {
  /** Velocity iterations run in the last step (all substeps, relax and restitution passes). */
  iterations: number;
  /** Largest normal-velocity error at touching contacts after the last step, m/s. */
  residual: number;
  converged: boolean;
  /** Constraint rows: 3 per contact point (normal + 2 friction). */
  numConstraints: number;
  /** Touching contact points (not pairs). */
  numContacts: number;
}

export interface Energy {
  /** ½ m v², J. */
  linear: number;
  /** ½ ωᵀ I ω, J. */
  rotational: number;
  /** −m g·x (zero at the origin), J. */
  potential: number;
  /** linear + rotational + potential, J. */
  total: number;
}

export interface SimulateOptions {
  /** Seconds to simulate. */
  duration: number;
  /** Step length in seconds. Default: the engine's maxStep. */
  dt?: number;
  /** Record every k-th step. Default 1. */
  every?: number;
  /** Bodies to record. Default: every inertial body. */
  bodies?: readonly number[];
}

/**
 * A recorded trajectory in columnar typed arrays. Frame 0 is the state before the first step.
 * Body-major within a frame: `position[(frame * bodyIds.length + body) * 3 + axis]`.
 */
export interface Trajectory {
  bodyIds: Int32Array;
  frames: number;
  /** Seconds, one per frame. */
  time: Float64Array;
  position: Float64Array;
  /** w, x, y, z per body. */
  orientation: Float64Array;
  velocity: Float64Array;
  angularVelocity: Float64Array;
  /** System energy per frame (all bodies). */
  kineticEnergy: Float64Array;
  potentialEnergy: Float64Array;
}

/** Layout of one body's record in `stateArray()`. */
export const STATE_STRIDE = 14;
export const STATE_FIELDS = [
  "id",
  "px", "py", "pz",
  "qw", "qx", "qy", "qz",
  "vx", "vy", "vz",
  "wx", "wy", "wz",
] as const;

/**
 * Layout of one contact's record in `frictionArray()`: μ, tangent1 xyz, tangent2 xyz, force on B
 * along t1 and t2 (N), the patch's normal impulse over the step including speculative points (N·s).
 */
export const FRICTION_STRIDE = 10;

/**
 * Layout of `contactsArray()`: per touching contact a header of CONTACT_HEADER doubles (bodyA,
 * bodyB, normal xyz, point count), then CONTACT_POINT doubles per point (x, y, z, depth, normal
 * impulse).
 */
export const CONTACT_HEADER = 6;
export const CONTACT_POINT = 5;

/**
 * Slots of the `info` array that `Engine.frameInfo()` and `Engine.packFrame()` fill: the clock,
 * the state revision and the solver stats of the last step, then (packFrame only) the lengths of
 * the sections it wrote (stateArray, contactsArray, frictionArray, bodyEnergiesArray layouts).
 */
export const FrameInfoSlot = {
  time: 0,
  stepDt: 1,
  stateRevision: 2,
  solverIterations: 3,
  solverResidual: 4,
  solverConverged: 5,
  solverConstraints: 6,
  solverContacts: 7,
  statesLength: 8,
  contactsLength: 9,
  frictionLength: 10,
  energiesLength: 11,
} as const;
export const FRAME_INFO_LENGTH = 12;

export interface AssetMesh {
  /** Flat xyz, relative to the body's centre of mass (so body pose ∘ mesh renders the body). */
  positions: Float32Array;
  /** Triangles, counter-clockwise seen from outside. */
  indices: Uint32Array;
}
