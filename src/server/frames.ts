// Server → client payloads built from an engine: metadata and frames in the seed's shapes
// (docs/live-protocol.md), plus the seed's CollisionInfo and SolverDiagnostics that it never sent.
import type { Engine } from "../engine";
import type { Contact, SolverStats, XYZ } from "../engine/types";

export interface BodyMetadata {
  body_id: number;
  asset_id: number;
  asset_name: string;
  mass: number;
  restitution: number;
  friction: number;
  is_environment: boolean;
}

export interface AssetGeometry {
  asset_id: number;
  name: string;
  /** Triangle list, relative to the centre of mass. */
  positions: number[];
  vertex_count: number;
}

export interface CollisionInfo {
  body_a_id: number;
  body_b_id: number;
  normal: XYZ;
  penetration_depth: number;
  contacts: { point_a: XYZ; point_b: XYZ; depth: number }[];
}

export interface SolverDiagnostics {
  iterations: number;
  residual: number;
  converged: boolean;
  num_constraints: number;
  num_contacts: number;
}

/** `metadata.assets`: one entry per unique asset, in first-appearance order. */
export function assetGeometries(engine: Engine, assetIds: readonly number[]): AssetGeometry[] {
  const seen = new Set<number>();
  const out: AssetGeometry[] = [];
  const names = new Map(engine.listAssets().map((a) => [a.assetId, a.name]));
  for (const id of assetIds) {
    if (seen.has(id)) continue;
    seen.add(id);
    const positions = engine.getCollisionVertices(id).flat();
    out.push({ asset_id: id, name: names.get(id) ?? "", positions, vertex_count: positions.length / 3 });
  }
  return out;
}

/**
 * `frame.data` for the engine's current state, as objects: the reference for FrameEncoder, which
 * writes the same JSON text directly (and is what the server sends).
 */
export function frameData(engine: Engine, frameId: number): object {
  const { simulation_time, states } = engine.getFrameState();
  return {
    frame_id: frameId,
    simulation_time,
    states,
    collisions: engine.getContacts().map(collisionInfo),
    solver: solverDiagnostics(engine.getSolverStats()),
  };
}

export function collisionInfo(c: Contact): CollisionInfo {
  const [nx, ny, nz] = c.normal;
  let deepest = 0;
  const contacts = c.points.map((p) => {
    deepest = Math.max(deepest, p.depth);
    // The witness points sit half the depth either side of the midpoint, along the normal A→B.
    const h = p.depth / 2;
    const [x, y, z] = p.position;
    return { point_a: { x: x + nx * h, y: y + ny * h, z: z + nz * h }, point_b: { x: x - nx * h, y: y - ny * h, z: z - nz * h }, depth: p.depth };
  });
  return { body_a_id: c.bodyA, body_b_id: c.bodyB, normal: { x: nx, y: ny, z: nz }, penetration_depth: deepest, contacts };
}

function solverDiagnostics(s: SolverStats): SolverDiagnostics {
  return { iterations: s.iterations, residual: s.residual, converged: s.converged, num_constraints: s.numConstraints, num_contacts: s.numContacts };
}

/** `metadata.bodies` (in id order) and `metadata.assets` for every body an engine holds now (environment included). */
export function sceneMetadata(engine: Engine): { bodies: BodyMetadata[]; assets: AssetGeometry[] } {
  const infos = engine.bodies().sort((x, y) => x.instanceId - y.instanceId);
  const bodies = infos.map((b) => ({
    body_id: b.instanceId,
    asset_id: b.assetId,
    asset_name: b.assetName,
    mass: b.mass,
    restitution: b.restitution,
    friction: b.friction,
    is_environment: b.isEnvironment,
  }));
  return { bodies, assets: assetGeometries(engine, infos.map((b) => b.assetId)) };
}
