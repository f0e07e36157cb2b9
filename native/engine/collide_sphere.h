// Narrowphase pairs with a sphere: sphere–sphere and hull–sphere, one point each.
// Private to the narrowphase; use collide() from manifold.h.
#pragma once

#include "manifold.h"

namespace msd {

// Sphere A at `centerA` and sphere B at `centerB`; normal A → B (+z when the centres coincide).
Manifold collideSpheres(const Vec3& centerA, double radiusA, const Vec3& centerB, double radiusB,
                        double speculativeDistance);

// A hull and a sphere; normal from the hull towards the sphere.
Manifold collideHullSphere(const Shape& hull, const Transform& xf, const Vec3& sphereCenter, double radius,
                           double speculativeDistance);

}  // namespace msd
