// collide(): dispatches a shape pair to its narrowphase routine and keeps the A → B convention.
#include "manifold.h"

#include "collide_hulls.h"
#include "collide_sphere.h"

namespace msd {

Manifold collide(const Shape& a, const Transform& xa, const Shape& b, const Transform& xb,
                 double speculativeDistance, SatCache* cache) {
  const bool sphereA = a.kind == ShapeKind::Sphere;
  const bool sphereB = b.kind == ShapeKind::Sphere;
  if (sphereA && sphereB) return collideSpheres(xa.p, a.radius, xb.p, b.radius, speculativeDistance);
  if (sphereB) return collideHullSphere(a, xa, xb.p, b.radius, speculativeDistance);
  if (sphereA) {
    // Same contact seen from the other side: only the normal changes direction.
    Manifold m = collideHullSphere(b, xb, xa.p, a.radius, speculativeDistance);
    m.normal = -m.normal;
    return m;
  }
  return collideHulls(a, xa, b, xb, speculativeDistance, cache);
}

}  // namespace msd
