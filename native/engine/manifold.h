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

// What the hull–hull separating axis test found for a pair the last time it ran (temporal coherence,
// after Gregorius, GDC 2013): while B's pose relative to A has barely changed since, a pair that was
// separated along some axis is still separated, and a contact on a face of A keeps that reference
// face, so the axis search is skipped. The manifold itself is always clipped anew at the current poses.
struct SatCache {
  enum class Kind : uint8_t { None, Separated, FaceOfA };
  Kind kind = Kind::None;
  int32_t face = -1;        // FaceOfA: the reference face
  double separation = 0;    // Separated: the gap found along the separating axis
  Transform relative;       // B's pose in A's frame when the search ran
};

// `xa`, `xb` place each shape's centre of mass in the world. Points whose separation is below
// `speculativeDistance` are reported (so touching and nearly touching contacts are both found).
// `cache` (optional, hull pairs only) carries the axis search over from the pair's previous call.
Manifold collide(const Shape& a, const Transform& xa, const Shape& b, const Transform& xb,
                 double speculativeDistance, SatCache* cache = nullptr);

}  // namespace msd
