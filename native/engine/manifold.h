// Narrowphase: contact manifolds between two shapes (hull–hull by SAT with face and edge axes
// plus polygon clipping; sphere–hull; sphere–sphere). Up to 4 points per manifold.
#pragma once

#include <cstdint>

#include "math.h"
#include "shape.h"

namespace msd {

struct ManifoldPoint {
  Vec3 point;              // world space, midway between the two surfaces
  double separation = 0;   // signed distance along the normal; negative when penetrating
  uint32_t id = 0;         // feature key: equal ids in consecutive steps mean "same contact feature"
};

struct Manifold {
  Vec3 normal{0, 0, 1};    // unit, world space, pointing from shape A towards shape B
  int pointCount = 0;      // 0 means: no contact within the speculative distance
  ManifoldPoint points[4];
};

// `xa`, `xb` place each shape's centre of mass in the world. Points whose separation is below
// `speculativeDistance` are reported (so touching and nearly touching contacts are both found).
Manifold collide(const Shape& a, const Transform& xa, const Shape& b, const Transform& xb,
                 double speculativeDistance);

}  // namespace msd
