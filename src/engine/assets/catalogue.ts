// The built-in asset catalogue as pure geometry (no I/O). The asset database is seeded from
// here. Ids and names are the seed system's, so seed clients that refer to them keep working.

import type { AssetRecord } from "./asset-database";
import { boxMesh, cubeMesh, icosphereMesh, pyramidMesh, TriangleMesh } from "./meshes";

/** Icosphere level of the sphere render meshes: 642 vertices, 1280 triangles. */
export const SPHERE_SUBDIVISIONS = 3;

/** A hull asset whose hull points are its render mesh's vertices (boxes, the pyramid). */
function hullAsset(assetId: number, name: string, category: string, mesh: TriangleMesh): AssetRecord {
  return {
    assetId,
    name,
    category,
    collision: "hull",
    hullVertices: Float64Array.from(mesh.positions),
    radius: 0,
    meshPositions: Float32Array.from(mesh.positions),
    meshIndices: mesh.indices,
  };
}

/** A true sphere: collision uses the radius; the icosphere is only for rendering. */
function sphereAsset(assetId: number, name: string, radius: number): AssetRecord {
  const mesh = icosphereMesh(radius, SPHERE_SUBDIVISIONS);
  return {
    assetId,
    name,
    category: "test_primitives",
    collision: "sphere",
    hullVertices: new Float64Array(0),
    radius,
    meshPositions: Float32Array.from(mesh.positions),
    meshIndices: mesh.indices,
  };
}

/**
 * The catalogue, ordered by id; fresh arrays on every call. Every geometry is in its asset
 * frame with the centroid at the origin, except `plane`, whose top face is at z = 0 so that
 * spawning it at the origin makes z = 0 the ground.
 */
export function catalogueRecords(): AssetRecord[] {
  return [
    hullAsset(1, "unit_cube", "test_primitives", cubeMesh(1)),
    hullAsset(2, "large_cube", "test_primitives", cubeMesh(2)),
    hullAsset(3, "tiny_cube", "test_primitives", cubeMesh(0.5)),
    hullAsset(4, "floor_slab", "test_primitives", cubeMesh(100)),
    sphereAsset(5, "unit_sphere", 1),
    sphereAsset(6, "small_sphere", 0.5),
    sphereAsset(7, "large_sphere", 2),
    hullAsset(8, "cube", "primitives", cubeMesh(1)),
    hullAsset(9, "pyramid", "primitives", pyramidMesh(1, 1)),
    hullAsset(10, "plane", "environment", boxMesh([-50, -50, -1], [50, 50, 0])),
  ];
}
