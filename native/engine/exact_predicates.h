// Exact and accurate geometric primitives for the convex hull builder (hull.cpp): an exact
// orientation predicate and plane normals accurate to a few ulps whatever the triangle's shape.
// Private to the hull builder and its tests.
#pragma once

#include <cstdint>
#include <vector>

#include "math.h"

namespace msd {
namespace detail {

// Sign of (b-a)x(c-a) . (p-a): +1 when p lies above the plane of the counter-clockwise triangle abc.
// Exact: a floating-point filter settles almost every call, near-zero results are recomputed exactly.
int orient(const Vec3& a, const Vec3& b, const Vec3& c, const Vec3& p);

// (b - a) x (c - a), accurate to a few ulps per component.
Vec3 accurateCross(const Vec3& a, const Vec3& b, const Vec3& c);

// Twice the area vector of a polygon (sum of its fan's cross products): Newell's normal, accurate.
Vec3 polygonAreaVector(const std::vector<uint32_t>& polygon, const std::vector<Vec3>& points);

}  // namespace detail
}  // namespace msd
