// Collision shapes in their centre-of-mass frame: hulls are re-centred on their centroid so that
// bodies rotate about the origin of their own frame; spheres are centred there already.
#include "shape.h"

#include <algorithm>
#include <cmath>

#include "error.h"
#include "validate.h"

namespace msd {

namespace {

// Equal principal moments: the inertia is k·identity up to rounding (a cube, a regular solid).
bool isIsotropic(const Mat3& inertia) {
  double scale = std::fabs(inertia.r0.x) + std::fabs(inertia.r1.y) + std::fabs(inertia.r2.z);
  double tolerance = 1e-9 * scale;
  return std::fabs(inertia.r0.x - inertia.r1.y) <= tolerance && std::fabs(inertia.r0.x - inertia.r2.z) <= tolerance &&
         std::fabs(inertia.r0.y) <= tolerance && std::fabs(inertia.r0.z) <= tolerance && std::fabs(inertia.r1.z) <= tolerance;
}

}  // namespace

Shape makeHullShape(const std::vector<Vec3>& assetFramePoints) {
  Shape shape;
  shape.kind = ShapeKind::Hull;
  shape.hull = buildHull(assetFramePoints);
  shape.mass = computeMassProperties(shape.hull);
  shape.localCenterOfMass = shape.mass.centroid;
  translateHull(shape.hull, -shape.localCenterOfMass);
  // The shape now lives in its centre-of-mass frame, where the centroid is the origin.
  shape.mass.centroid = Vec3{};
  double radiusSquared = 0;
  for (const Vec3& v : shape.hull.vertices) radiusSquared = std::max(radiusSquared, lengthSquared(v));
  shape.boundingRadius = std::sqrt(radiusSquared);
  shape.isotropic = isIsotropic(shape.mass.inertiaPerMass);
  describeBox(shape);
  return shape;
}

void describeBox(Shape& shape) {
  shape.isBox = false;
  const std::vector<Vec3>& v = shape.hull.vertices;
  if (shape.kind != ShapeKind::Hull || v.size() != 8) return;
  Vec3 lower = v[0], upper = v[0];
  for (const Vec3& p : v) {
    lower = minPerElement(lower, p);
    upper = maxPerElement(upper, p);
  }
  // Eight distinct vertices each at a corner (every coordinate at its minimum or maximum) are the corners.
  unsigned seen = 0;
  for (const Vec3& p : v) {
    auto side = [](double x, double lo, double hi) { return x == lo ? 0 : (x == hi ? 1 : -1); };
    int sx = side(p.x, lower.x, upper.x), sy = side(p.y, lower.y, upper.y), sz = side(p.z, lower.z, upper.z);
    if (sx < 0 || sy < 0 || sz < 0) return;
    seen |= 1u << (sx | (sy << 1) | (sz << 2));
  }
  if (seen != 0xFFu) return;
  shape.isBox = true;
  shape.boxCenter = (lower + upper) * 0.5;
  shape.boxHalfExtents = (upper - lower) * 0.5;
}

Shape makeSphereShape(double radius) {
  requirePositive(radius, "radius");
  Shape shape;
  shape.kind = ShapeKind::Sphere;
  shape.radius = radius;
  shape.mass = sphereMassProperties(radius);
  shape.boundingRadius = radius;
  shape.isotropic = true;
  return shape;
}

AABB computeAABB(const Shape& shape, const Transform& xf) {
  if (shape.kind == ShapeKind::Sphere) {
    const Vec3 r{shape.radius, shape.radius, shape.radius};
    return {xf.p - r, xf.p + r};
  }
  if (shape.isBox) {
    // The placed box's extent along each world axis: Σ |R_ij|·h_j.
    const Mat3 r = toMatrix(xf.q);
    const Vec3& h = shape.boxHalfExtents;
    const Vec3 extent{std::fabs(r.r0.x) * h.x + std::fabs(r.r0.y) * h.y + std::fabs(r.r0.z) * h.z,
                      std::fabs(r.r1.x) * h.x + std::fabs(r.r1.y) * h.y + std::fabs(r.r1.z) * h.z,
                      std::fabs(r.r2.x) * h.x + std::fabs(r.r2.y) * h.y + std::fabs(r.r2.z) * h.z};
    const Vec3 center = apply(xf, shape.boxCenter);
    return {center - extent, center + extent};
  }
  // Exact box of the placed vertices, transformed exactly as apply() places them elsewhere.
  const std::vector<Vec3>& vertices = shape.hull.vertices;
  if (vertices.empty()) return {xf.p, xf.p};
  Vec3 lower = apply(xf, vertices[0]), upper = lower;
  for (size_t i = 1; i < vertices.size(); ++i) {
    const Vec3 w = apply(xf, vertices[i]);
    lower = minPerElement(lower, w);
    upper = maxPerElement(upper, w);
  }
  return {lower, upper};
}

}  // namespace msd
