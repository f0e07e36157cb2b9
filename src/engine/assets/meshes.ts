// Mesh generators for the built-in catalogue: boxes, icospheres and square pyramids.
//
// Every generator returns a closed, indexed triangle mesh whose triangles are counter-clockwise
// seen from outside (right-hand rule gives the outward normal). Boxes and pyramids share their
// corner vertices (the viewer computes flat normals); spheres are icospheres because their
// triangles are nearly uniform, so the surface looks smooth at a modest triangle count.

/** A closed triangle mesh: flat xyz positions and CCW (outward) triangles. */
export interface TriangleMesh {
  /** Flat xyz. */
  positions: Float64Array;
  /** Vertex index triples, counter-clockwise seen from outside. */
  indices: Uint32Array;
}

export type Point3 = readonly [number, number, number];

/**
 * Box triangles over corners numbered by bits: bit 0 picks max x, bit 1 max y, bit 2 max z.
 * Two triangles per face, each CCW seen from outside.
 */
const BOX_TRIANGLES: readonly number[] = [
  0, 2, 3, 0, 3, 1, // −Z
  4, 5, 7, 4, 7, 6, // +Z
  0, 1, 5, 0, 5, 4, // −Y
  2, 6, 7, 2, 7, 3, // +Y
  0, 4, 6, 0, 6, 2, // −X
  1, 3, 7, 1, 7, 5, // +X
];

/** Axis-aligned box spanning `min`..`max`: 8 shared vertices, 12 triangles. */
export function boxMesh(min: Point3, max: Point3): TriangleMesh {
  const positions = new Float64Array(24);
  for (let corner = 0; corner < 8; corner++) {
    positions[corner * 3] = corner & 1 ? max[0] : min[0];
    positions[corner * 3 + 1] = corner & 2 ? max[1] : min[1];
    positions[corner * 3 + 2] = corner & 4 ? max[2] : min[2];
  }
  return { positions, indices: Uint32Array.from(BOX_TRIANGLES) };
}

/** Cube of the given side length centred on the origin. */
export function cubeMesh(side: number): TriangleMesh {
  const h = side / 2;
  return boxMesh([-h, -h, -h], [h, h, h]);
}

/**
 * Square pyramid: base `base` × `base` parallel to XY, apex `height` above it on +Z, placed so
 * the solid's centroid (a quarter of the height above the base) is at the origin.
 */
export function pyramidMesh(base: number, height: number): TriangleMesh {
  const a = base / 2;
  const zBase = -height / 4;
  const positions = Float64Array.from([
    -a, -a, zBase,
    a, -a, zBase,
    a, a, zBase,
    -a, a, zBase,
    0, 0, zBase + height,
  ]);
  const indices = Uint32Array.from([
    0, 2, 1, 0, 3, 2, // base, facing −Z
    0, 1, 4, 1, 2, 4, 2, 3, 4, 3, 0, 4, // sides
  ]);
  return { positions, indices };
}

/** The regular icosahedron (golden-ratio rectangles), CCW seen from outside. */
function icosahedron(): { points: number[][]; triangles: number[][] } {
  const t = (1 + Math.sqrt(5)) / 2;
  const points = [
    [-1, t, 0], [1, t, 0], [-1, -t, 0], [1, -t, 0],
    [0, -1, t], [0, 1, t], [0, -1, -t], [0, 1, -t],
    [t, 0, -1], [t, 0, 1], [-t, 0, -1], [-t, 0, 1],
  ].map(normalize);
  const triangles = [
    [0, 11, 5], [0, 5, 1], [0, 1, 7], [0, 7, 10], [0, 10, 11],
    [1, 5, 9], [5, 11, 4], [11, 10, 2], [10, 7, 6], [7, 1, 8],
    [3, 9, 4], [3, 4, 2], [3, 2, 6], [3, 6, 8], [3, 8, 9],
    [4, 9, 5], [2, 4, 11], [6, 2, 10], [8, 6, 7], [9, 8, 1],
  ];
  return { points, triangles };
}

function normalize(p: number[]): number[] {
  const len = Math.hypot(p[0], p[1], p[2]);
  return [p[0] / len, p[1] / len, p[2] / len];
}

/** Splits every triangle into four, projecting the new edge midpoints onto the unit sphere. */
function subdivide(points: number[][], triangles: number[][]): number[][] {
  // Each edge is shared by two triangles: cache its midpoint so the mesh stays closed.
  const midpoints = new Map<string, number>();
  const midpoint = (i: number, j: number): number => {
    const key = i < j ? `${i},${j}` : `${j},${i}`;
    let index = midpoints.get(key);
    if (index === undefined) {
      const p = points[i];
      const q = points[j];
      index = points.push(normalize([p[0] + q[0], p[1] + q[1], p[2] + q[2]])) - 1;
      midpoints.set(key, index);
    }
    return index;
  };
  const result: number[][] = [];
  for (const [a, b, c] of triangles) {
    const ab = midpoint(a, b);
    const bc = midpoint(b, c);
    const ca = midpoint(c, a);
    result.push([a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]);
  }
  return result;
}

/**
 * Icosphere of the given radius centred on the origin, every vertex exactly on the sphere.
 * `subdivisions` = 3 gives 642 vertices and 1280 triangles.
 */
export function icosphereMesh(radius: number, subdivisions = 3): TriangleMesh {
  const { points, triangles: base } = icosahedron();
  let triangles = base;
  for (let level = 0; level < subdivisions; level++) triangles = subdivide(points, triangles);
  const positions = new Float64Array(points.length * 3);
  points.forEach((p, i) => {
    positions[i * 3] = p[0] * radius;
    positions[i * 3 + 1] = p[1] * radius;
    positions[i * 3 + 2] = p[2] * radius;
  });
  return { positions, indices: Uint32Array.from(triangles.flat()) };
}
