// Convex hulls built from arbitrary point sets (own quickhull) with polygonal faces and
// an edge list for SAT. Robust to duplicates, coplanar and near-degenerate input:
// either a valid closed convex polyhedron comes back or EngineError explains why not.
#pragma once

#include <cstdint>
#include <vector>

#include "math.h"

namespace msd {

struct HullFace {
  Vec3 normal;        // outward unit normal
  double offset = 0;  // plane: dot(normal, x) == offset for points on the face
  // Indices into Hull::vertices, counter-clockwise seen from outside (right-hand rule gives `normal`).
  // Coplanar triangles are merged, so a cube has 6 faces of 4 vertices.
  std::vector<uint32_t> vertices;
};

struct HullEdge {
  uint32_t v0 = 0, v1 = 0;          // vertex indices
  uint32_t face0 = 0, face1 = 0;    // the two faces sharing this edge
};

struct Hull {
  std::vector<Vec3> vertices;        // only the extreme points (no interior / duplicate points)
  std::vector<HullFace> faces;
  std::vector<HullEdge> edges;       // each undirected edge once
  // For hill-climbing support queries: neighbours of each vertex (vertices sharing an edge).
  std::vector<std::vector<uint32_t>> vertexNeighbors;

  // Index of the vertex furthest along `direction` (ties broken by lowest index).
  uint32_t support(const Vec3& direction) const;
  // Triangulated surface (fan of each face), 3 indices per triangle, CCW from outside.
  std::vector<uint32_t> triangles() const;
};

struct HullOptions {
  // Relative tolerance (scaled by the point set's extent) under which points count as coplanar.
  double relativeTolerance = 1e-9;
};

// Builds the convex hull. Throws EngineError with a clear message for: empty input, non-finite
// coordinates ("vertices[i] is not finite"), fewer than 4 distinct points, all points collinear
// or coplanar ("degenerate hull: ...").
Hull buildHull(const std::vector<Vec3>& points, const HullOptions& options = {});

// The absolute tolerance buildHull works with for these points: options.relativeTolerance (never
// below a few ulps) times the sum over the axes of the largest absolute coordinate, as in qhull.
// Points closer than this to the hull are not made vertices. Every input point ends up at most a
// small multiple of it above every face plane, and faces are planar and convex to a small multiple
// of it (the unit tests and fuzz check 4x; about 2-3x is the worst seen).
double hullTolerance(const std::vector<Vec3>& points, const HullOptions& options = {});

// Moves a hull by `offset` (used to re-centre hulls on their centre of mass).
void translateHull(Hull& hull, const Vec3& offset);

}  // namespace msd
