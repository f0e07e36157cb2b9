// Stages 2 and 3 of the convex hull (hull.cpp): coplanar triangles merged into convex polygons,
// mid-edge vertices dropped, and the Hull assembled with its planes, edges and neighbour lists.
// Private to the hull builder and its tests.
#pragma once

#include <cstdint>
#include <vector>

#include "hull.h"
#include "math.h"
#include "quickhull.h"

namespace msd {
namespace detail {

// Stage 2: polygons (point indices, counter-clockwise from outside) tiling the hull surface. Coplanar
// triangles (within `tolerance`) are grouped into clusters grown from the largest triangles; a
// cluster whose boundary is one convex loop becomes one polygon, any other falls back to its triangles.
std::vector<std::vector<uint32_t>> mergeCoplanarTriangles(const TriangleMesh& mesh, const std::vector<Vec3>& points,
                                                          double tolerance);

// Drops the vertices that lie in the middle of an edge (only two faces meet there, within the
// tolerance of the line through their neighbours, and both faces stay convex without them).
void removeMidEdgeVertices(std::vector<std::vector<uint32_t>>& polygons, const std::vector<Vec3>& points,
                           double tolerance);

// Renumbers the used points (in input order) and fills the Hull with the original coordinates:
// `polygons` index `scaled` (where normals are computed) and `points` (the original coordinates).
Hull assemble(const std::vector<std::vector<uint32_t>>& polygons, const std::vector<Vec3>& scaled,
              const std::vector<Vec3>& points);

}  // namespace detail
}  // namespace msd
