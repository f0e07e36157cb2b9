// Hull–hull narrowphase: separating axis test over face and edge–edge axes, then a clipped face
// manifold or a single edge–edge point. Private to the narrowphase; use collide() from manifold.h.
#pragma once

#include "manifold.h"

namespace msd {

// Both shapes must be hulls. Same contract as collide(): normal A → B, points with separation
// below `speculativeDistance`, at most 4 of them. `cache` may be null (then the full search runs).
Manifold collideHulls(const Shape& a, const Transform& xa, const Shape& b, const Transform& xb,
                      double speculativeDistance, SatCache* cache);

}  // namespace msd
