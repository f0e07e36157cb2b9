// Convex hull construction in three stages:
//  1. Quickhull over triangles. Whether a point is worth adding is decided with a tolerance scaled by
//     the point set's extent; which triangles a new point sees is decided with an exact orientation
//     predicate. The visible region is therefore always a disc and the horizon a simple loop, so the
//     mesh stays a closed convex triangulation however degenerate the input is: tolerances only ever
//     choose points, never connectivity.
//  2. Coplanar triangles (within the tolerance) are grouped into clusters grown from the largest
//     triangles; a cluster whose boundary is one convex loop becomes one polygonal face, any other
//     cluster falls back to its triangles.
//  3. Vertices left in the middle of an edge (only two faces meet there) are dropped, the remaining
//     vertices renumbered, and planes, edges and neighbour lists computed from the original points.

#include "hull.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>
#include <vector>

#include "error.h"
#include "hull_faces.h"
#include "quickhull.h"
#include "validate.h"

namespace msd {

using detail::kNone;
using detail::throwDegenerate;

double hullTolerance(const std::vector<Vec3>& points, const HullOptions& options) {
  Vec3 maxAbs;
  for (const Vec3& p : points) maxAbs = maxPerElement(maxAbs, absPerElement(p));
  // Never below a few ulps of the coordinates: distances are only computed that accurately.
  const double relative = std::max(options.relativeTolerance, 16 * DBL_EPSILON);
  return relative * (maxAbs.x + maxAbs.y + maxAbs.z);
}

Hull buildHull(const std::vector<Vec3>& points, const HullOptions& options) {
  if (points.size() < 4) {
    throw EngineError("hull needs at least 4 points (got " + std::to_string(points.size()) + ")");
  }
  if (points.size() >= kNone) throw EngineError("hull has too many points (got " + std::to_string(points.size()) + ")");
  if (!(options.relativeTolerance >= 0.0) || !std::isfinite(options.relativeTolerance)) {
    throw EngineError("relativeTolerance must be a finite number >= 0 (got " +
                      formatNumber(options.relativeTolerance) + ")");
  }
  double maxAbs = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    if (!isFinite(points[i])) throw EngineError("vertices[" + std::to_string(i) + "] is not finite");
    const Vec3 a = absPerElement(points[i]);
    maxAbs = std::max(maxAbs, std::max(a.x, std::max(a.y, a.z)));
  }
  if (maxAbs == 0.0) throwDegenerate(points, "all points coincide");

  // Work on a copy scaled by a power of two (exact) to about unit size, so the exact predicate's
  // products can neither overflow nor underflow whatever the input's units.
  int exponent = 0;
  std::frexp(maxAbs, &exponent);
  const double scale = std::ldexp(1.0, -exponent);
  std::vector<Vec3> scaled(points.size());
  for (size_t i = 0; i < points.size(); ++i) scaled[i] = points[i] * scale;
  const double tolerance = hullTolerance(points, options) * scale;

  const detail::TriangleMesh mesh = detail::buildTriangleMesh(scaled, tolerance);
  std::vector<std::vector<uint32_t>> polygons = detail::mergeCoplanarTriangles(mesh, scaled, tolerance);
  // A hull thinner than the tolerance merges into two faces (top and bottom): flat after all.
  if (polygons.size() < 4) throwDegenerate(points, "points are coplanar within tolerance (volume is zero)");
  detail::removeMidEdgeVertices(polygons, scaled, tolerance);
  return detail::assemble(polygons, scaled, points);
}

uint32_t Hull::support(const Vec3& direction) const {
  uint32_t best = 0;
  double bestDot = -INFINITY;
  for (size_t i = 0; i < vertices.size(); ++i) {
    const double d = dot(vertices[i], direction);
    if (d > bestDot) {  // strict: ties keep the lowest index
      bestDot = d;
      best = static_cast<uint32_t>(i);
    }
  }
  return best;
}

std::vector<uint32_t> Hull::triangles() const {
  std::vector<uint32_t> out;
  for (const HullFace& face : faces) {
    for (size_t k = 1; k + 1 < face.vertices.size(); ++k) {
      out.push_back(face.vertices[0]);
      out.push_back(face.vertices[k]);
      out.push_back(face.vertices[k + 1]);
    }
  }
  return out;
}

void translateHull(Hull& hull, const Vec3& offset) {
  for (Vec3& v : hull.vertices) v += offset;
  for (HullFace& face : hull.faces) face.offset += dot(face.normal, offset);
}

}  // namespace msd
