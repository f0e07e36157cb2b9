// Stage 1 of the convex hull (hull.cpp): quickhull over triangles, and the triangle geometry it
// shares with the face merger (hull_faces.h). Private to the hull builder and its tests.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "math.h"

namespace msd {
namespace detail {

// "No index" in the hull builder's index arrays.
constexpr uint32_t kNone = 0xffffffffu;

// Throws EngineError("internal error in convex hull: <what>").
[[noreturn]] void internalError(const char* what);

// Throws EngineError for degenerate input: "needs at least 4 distinct points" when there are fewer,
// else "degenerate hull: <what>".
[[noreturn]] void throwDegenerate(const std::vector<Vec3>& points, const char* what);

// ---------------------------------------------------------------------------------------------
// Triangle geometry shared by the quickhull and the face merger

struct TrianglePlane {
  Vec3 normal;             // unit, or zero for a triangle whose area rounds to zero
  double offset = 0;
  double twiceArea = 0;
  double height = 0;       // distance of the vertex opposite the longest edge from that edge
};

TrianglePlane trianglePlane(const Vec3& a, const Vec3& b, const Vec3& c);

// Euclidean distance from p to the triangle abc (closest-point region tests on the edges'
// parameters, so a sliver is handled as the segments it nearly is).
double distanceToTriangle(const Vec3& p, const Vec3& a, const Vec3& b, const Vec3& c);

// Closed triangle mesh: the output of stage 1 and input of stage 2.
struct TriangleMesh {
  std::vector<std::array<uint32_t, 3>> v;
  std::vector<std::array<uint32_t, 3>> adj;
};

// Stage 1: the closed convex triangulation of `points` (already scaled to about unit size), adding
// only points further than `tolerance` from the hull so far. adj[i] of a triangle lies across its
// edge v[i] -> v[(i + 1) % 3].
TriangleMesh buildTriangleMesh(const std::vector<Vec3>& points, double tolerance);

}  // namespace detail
}  // namespace msd
