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
  return shape;
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
